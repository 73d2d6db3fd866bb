//! The sample events of `events/`, run through the real handler.

use shared_testing::event;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_sample_events_get_the_answers_they_describe() {
    let app = spawn_app().await;
    let register = app.send(event("user-register.json", "")).await;
    assert_eq!(register.status, 201, "{:?}", register.body);
    assert_eq!(
        app.send(event("user-register-alias.json", "")).await.status,
        201
    );
    let missing = app
        .send(event("user-register-missing-password.json", ""))
        .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.body["errorMessage"]
            .as_str()
            .unwrap_or("")
            .contains("password")
    );
    assert_eq!(
        app.send(event("user-register-malformed-json.json", ""))
            .await
            .status,
        400
    );

    let login = app.send(event("user-login.json", "")).await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    assert_eq!(login.set_cookies().len(), 1);
    let token = login.body["token"].as_str().expect("token").to_owned();
    assert_eq!(
        app.send(event("user-login-wrong-password.json", ""))
            .await
            .status,
        401
    );

    let current = app.send(event("user-current.json", &token)).await;
    assert_eq!(current.status, 200, "{:?}", current.body);
    assert_eq!(current.body["name"], "alice");
    assert_eq!(
        app.send(event("user-current-no-token.json", ""))
            .await
            .status,
        401
    );

    let logout = app.send(event("user-logout.json", &token)).await;
    assert_eq!(logout.status, 200);
    assert!(logout.set_cookies()[0].contains("Max-Age=0"));
    let ended = app.send(event("user-current.json", &token)).await;
    assert_eq!(ended.status, 401, "the session ended: {:?}", ended.body);

    let login = app.send(event("user-login.json", "")).await;
    let token = login.body["token"].as_str().expect("token").to_owned();
    let deleted = app.send(event("user-delete-account.json", &token)).await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(deleted.body["deletedTodos"], 0);
    assert_eq!(app.send(event("user-login.json", "")).await.status, 401);
}
