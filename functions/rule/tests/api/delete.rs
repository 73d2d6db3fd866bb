use http::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

#[tokio::test]
async fn delete_one_or_several_counts_what_existed() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let mut keys = Vec::new();
    for i in 0..4 {
        keys.push(
            app.create(&alice, &format!("t{i}")).await["key"]
                .as_str()
                .expect("key")
                .to_owned(),
        );
    }
    let one = app
        .call(
            &alice,
            Method::DELETE,
            "/api/rule",
            Some(&json!({"key": keys[0]})),
        )
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body, json!({"success": true, "deleted": 1}));
    let several = app
        .call(
            &alice,
            Method::DELETE,
            "/api/rule",
            Some(&json!({"key": [keys[0], keys[1], keys[2]]})),
        )
        .await;
    assert_eq!(
        several.body["deleted"], 2,
        "the already deleted one does not count"
    );
    let by_path = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/rule/{}", keys[3]),
            None,
        )
        .await;
    assert_eq!(by_path.body["deleted"], 1);
    assert!(TestApp::names(&app.list(&alice, "").await).is_empty());
}

#[tokio::test]
async fn invalid_deletes_are_400_and_delete_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    app.create(&alice, "keep me").await;
    let too_many: Vec<String> = (0..101).map(|_| ulid::Ulid::new().to_string()).collect();
    for body in [
        json!({}),
        json!({"key": []}),
        json!({"key": "bad"}),
        json!({"key": too_many}),
        json!({"key": 5}),
    ] {
        let response = app
            .call(&alice, Method::DELETE, "/api/rule", Some(&body))
            .await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.assert_error_shape(), "BAD_REQUEST");
    }
    assert_eq!(app.list(&alice, "").await.body["total"], 1);
}

#[tokio::test]
async fn a_delete_by_path_whose_body_names_another_todo_is_refused_and_deletes_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let a = app.create(&alice, "a").await["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let b = app.create(&alice, "b").await["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let refused = app
        .call(
            &alice,
            Method::DELETE,
            &format!("/api/rule/{a}"),
            Some(&json!({"key": b})),
        )
        .await;
    assert_eq!(refused.status, 400, "{:?}", refused.body);
    assert_eq!(refused.assert_error_shape(), "BAD_REQUEST");
    assert_eq!(app.list(&alice, "").await.body["total"], 2);
}
