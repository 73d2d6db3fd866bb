//! The sample events of `events/`, run through the real handler.

use shared_testing::event;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_sample_events_get_the_answers_they_describe() {
    let app = spawn_app().await;
    let alice = app.user("alice");
    let token = alice.token.as_str();
    let created = app.send(event("rule-create.json", token)).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["name"], "buy milk");
    let form = app.send(event("rule-create-form.json", token)).await;
    assert_eq!(form.status, 201, "{:?}", form.body);
    assert_eq!(form.body["name"], "buy bread");
    let base64 = app.send(event("rule-create-base64.json", token)).await;
    assert_eq!(base64.status, 201, "{:?}", base64.body);
    assert_eq!(base64.body["name"], "from base64");
    assert_eq!(
        app.send(event("rule-create-missing-name.json", token))
            .await
            .status,
        400
    );
    assert_eq!(
        app.send(event("rule-create-malformed-json.json", token))
            .await
            .status,
        400
    );

    let list = app.send(event("rule-list.json", token)).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["total"], 3);
    let filtered = app.send(event("rule-list-filtered.json", token)).await;
    assert_eq!(filtered.status, 200);
    assert_eq!(filtered.body["total"], 1, "{:?}", filtered.body);
    assert_eq!(
        app.send(event("rule-list-bad-page-size.json", token))
            .await
            .status,
        400
    );
    assert_eq!(
        app.send(event("rule-list-no-token.json", token))
            .await
            .status,
        401
    );
    assert_eq!(
        app.send(event("rule-list-bad-token.json", token))
            .await
            .status,
        401
    );

    // The fixed key of the get/update/delete events does not exist for this user.
    assert_eq!(app.send(event("rule-get.json", token)).await.status, 404);
    assert_eq!(app.send(event("rule-update.json", token)).await.status, 404);
    let deleted = app.send(event("rule-delete.json", token)).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["deleted"], 0);
}
