//! The sample events of `events/`, run through the real handler.

use shared_testing::{event, event_for_todo};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_sample_events_get_the_answers_they_describe() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
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

    // The get, update and delete events act on the todo whose key replaces `{{key}}`.
    let key = created.body["key"].as_str().expect("a key");
    let got = app.send(event_for_todo("rule-get.json", token, key)).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.body["name"], "buy milk");
    let updated = app
        .send(event_for_todo("rule-update.json", token, key))
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["status"], 2);
    assert_eq!(updated.body["progress"], 100);
    assert_eq!(updated.body["version"], 2);
    let stale = app
        .send(event_for_todo("rule-update.json", token, key))
        .await;
    assert_eq!(
        stale.status, 409,
        "version 1 is stale now: {:?}",
        stale.body
    );
    // Ant Design Pro's spelling of an update: no version, numbers as strings.
    let marked_done = app
        .send(event_for_todo("rule-post-update.json", token, key))
        .await;
    assert_eq!(marked_done.status, 200, "{:?}", marked_done.body);
    assert_eq!(marked_done.body["version"], 3);
    assert_eq!(marked_done.body["desc"], "2 litres");
    // A create with an Idempotency-Key, sent twice: one todo, the first answer twice.
    let once = app.send(event("rule-create-idempotent.json", token)).await;
    let again = app.send(event("rule-create-idempotent.json", token)).await;
    assert_eq!((once.status.as_u16(), again.status.as_u16()), (201, 201));
    assert_eq!(once.body, again.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let rent = once.body["key"].as_str().expect("a key");
    let removed = app
        .send(event_for_todo("rule-post-delete.json", token, rent))
        .await;
    assert_eq!(removed.body["deleted"], 1, "{:?}", removed.body);
    let deleted = app
        .send(event_for_todo("rule-delete.json", token, key))
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["deleted"], 1);
    let gone = app.send(event_for_todo("rule-get.json", token, key)).await;
    assert_eq!(gone.status, 404);
}
