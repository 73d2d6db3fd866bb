use http::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn update_changes_fields_and_bumps_the_version() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let created = app.create(&alice, "buy milk").await;
    let key = created["key"].as_str().expect("key");
    let response = app
        .call(
            &alice,
            Method::PUT,
            "/api/rule",
            Some(&json!({"key": key, "status": 2, "progress": 100, "desc": "done", "version": 1})),
        )
        .await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.body["status"], 2);
    assert_eq!(response.body["progress"], 100);
    assert_eq!(response.body["desc"], "done");
    assert_eq!(response.body["name"], "buy milk");
    assert_eq!(response.body["version"], 2);
    assert_eq!(response.body["createdAt"], created["createdAt"]);
    let renamed = app
        .call(
            &alice,
            Method::PUT,
            &format!("/api/rule/{key}"),
            Some(&json!({"name": "buy oat milk"})),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.body["version"], 3);
    let found = app.list(&alice, "?name=OAT").await;
    assert_eq!(found.body["total"], 1, "the name filter sees the new name");
}

#[tokio::test]
async fn a_stale_version_is_409_and_changes_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let created = app.create(&alice, "buy milk").await;
    let key = created["key"].as_str().expect("key");
    let first = app
        .call(
            &alice,
            Method::PUT,
            "/api/rule",
            Some(&json!({"key": key, "status": 1, "version": 1})),
        )
        .await;
    assert_eq!(first.status, 200);
    let stale = app
        .call(
            &alice,
            Method::PUT,
            "/api/rule",
            Some(&json!({"key": key, "status": 3, "version": 1})),
        )
        .await;
    assert_eq!(stale.status, 409);
    assert_eq!(stale.assert_error_shape(), "CONFLICT");
    let now = app
        .call(&alice, Method::GET, &format!("/api/rule/{key}"), None)
        .await;
    assert_eq!(now.body["status"], 1);
    assert_eq!(now.body["version"], 2);
}

#[tokio::test]
async fn updating_a_missing_rule_is_404_and_creates_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let response = app
        .call(
            &alice,
            Method::PUT,
            "/api/rule",
            Some(&json!({"key": "01JD0000000000000000000000", "status": 1})),
        )
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(response.assert_error_shape(), "NOT_FOUND");
    assert_eq!(app.list(&alice, "").await.body["total"], 0);
}

#[tokio::test]
async fn invalid_updates_are_400() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let created = app.create(&alice, "x").await;
    let key = created["key"].as_str().expect("key");
    for (path, body, field) in [
        ("/api/rule".to_owned(), json!({"status": 1}), "key"),
        (
            "/api/rule".to_owned(),
            json!({"key": "nope", "status": 1}),
            "key",
        ),
        ("/api/rule".to_owned(), json!({"key": key}), "name"),
        (
            "/api/rule".to_owned(),
            json!({"key": key, "progress": 101}),
            "progress",
        ),
        (
            "/api/rule".to_owned(),
            json!({"key": key, "status": 1, "version": 0}),
            "version",
        ),
        (
            "/api/rule".to_owned(),
            json!({"key": key, "status": 1, "version": 1e30}),
            "version",
        ),
        (
            "/api/rule".to_owned(),
            json!({"key": key, "name": "a\u{0}b"}),
            "name",
        ),
        (
            format!("/api/rule/{key}"),
            json!({"key": "01JD0000000000000000000000", "status": 1}),
            "key",
        ),
    ] {
        let response = app.call(&alice, Method::PUT, &path, Some(&body)).await;
        assert_eq!(response.status, 400, "{body}");
        assert!(
            response.body["errorMessage"]
                .as_str()
                .unwrap_or("")
                .contains(field),
            "{:?}",
            response.body
        );
    }
}
