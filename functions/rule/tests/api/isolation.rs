use http::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

#[tokio::test]
async fn users_never_see_or_touch_each_others_todos() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let secret = app.create(&alice, "alice's secret").await;
    let key = secret["key"].as_str().expect("key");

    let bobs_list = app.list(&bob, "").await;
    assert_eq!(bobs_list.body["total"], 0);
    assert!(TestApp::names(&bobs_list).is_empty());
    let get = app
        .call(&bob, Method::GET, &format!("/api/rule/{key}"), None)
        .await;
    assert_eq!(get.status, 404);
    let update = app
        .call(
            &bob,
            Method::PUT,
            "/api/rule",
            Some(&json!({"key": key, "name": "pwned"})),
        )
        .await;
    assert_eq!(update.status, 404);
    let delete = app
        .call(
            &bob,
            Method::DELETE,
            "/api/rule",
            Some(&json!({"key": key})),
        )
        .await;
    assert_eq!(delete.body["deleted"], 0);

    let still = app
        .call(&alice, Method::GET, &format!("/api/rule/{key}"), None)
        .await;
    assert_eq!(still.status, 200);
    assert_eq!(still.body, secret);
}

#[tokio::test]
async fn a_user_with_the_same_name_but_another_id_sees_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    app.create(&alice, "mine").await;
    let impostor = app.user("alice").await;
    assert_eq!(app.list(&impostor, "").await.body["total"], 0);
}
