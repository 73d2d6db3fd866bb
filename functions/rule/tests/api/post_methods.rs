//! Ant Design Pro's convention: every write is `POST /api/rule` with a `method` field.

use http::Method;
use serde_json::{Value, json};
use shared_testing::request;

use crate::helpers::{TestApp, User, spawn_app};

async fn post(app: &TestApp, user: &User, body: Value) -> shared_testing::TestResponse {
    app.call(user, Method::POST, "/api/rule", Some(&body)).await
}

async fn post_form(app: &TestApp, user: &User, form: &str) -> shared_testing::TestResponse {
    let auth = format!("Bearer {}", user.token);
    app.send(request(
        Method::POST,
        "/api/rule",
        Some(form),
        &[
            ("authorization", &auth),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
    ))
    .await
}

#[tokio::test]
async fn method_update_changes_the_todo_instead_of_creating_a_second_one() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let created = post(
        &app,
        &alice,
        json!({"name": "buy milk", "desc": "2 l", "method": "post"}),
    )
    .await;
    assert_eq!(created.status, 201);
    let key = created.body["key"].as_str().expect("key");
    // What the "mark done" button of Ant Design Pro's table sends: the row, numbers as strings.
    let done = post(
        &app,
        &alice,
        json!({"key": key, "name": "buy milk", "desc": "2 l", "status": "2", "method": "update"}),
    )
    .await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    assert_eq!(done.body["key"], key);
    assert_eq!(done.body["status"], 2);
    assert_eq!(done.body["version"], 2);
    let list = app.list(&alice, "").await;
    assert_eq!(list.body["total"], 1, "no duplicate: {:?}", list.body);
    assert_eq!(list.body["data"][0]["status"], 2, "the original is done");
}

#[tokio::test]
async fn method_update_answers_exactly_as_put_does() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let a = app.create(&alice, "a").await;
    let b = app.create(&alice, "b").await;
    let via_post = post(
        &app,
        &alice,
        json!({"key": a["key"], "progress": "40", "version": 1, "method": "update"}),
    )
    .await;
    let via_put = app
        .call(
            &alice,
            Method::PUT,
            "/api/rule",
            Some(&json!({"key": b["key"], "progress": 40, "version": 1})),
        )
        .await;
    assert_eq!(via_post.status, via_put.status);
    let shape = |body: &Value| {
        let mut keys: Vec<String> = body.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(shape(&via_post.body), shape(&via_put.body));
    assert_eq!(via_post.body["progress"], 40);
}

#[tokio::test]
async fn method_update_with_a_stale_version_is_409_and_without_one_the_last_writer_wins() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let todo = app.create(&alice, "a").await;
    let key = todo["key"].as_str().expect("key");
    let first = post(
        &app,
        &alice,
        json!({"key": key, "status": 1, "version": 1, "method": "update"}),
    )
    .await;
    assert_eq!(first.status, 200);
    let stale = post(
        &app,
        &alice,
        json!({"key": key, "status": 3, "version": "1", "method": "update"}),
    )
    .await;
    assert_eq!(stale.status, 409, "{:?}", stale.body);
    assert_eq!(stale.assert_error_shape(), "CONFLICT");
    let last = post(
        &app,
        &alice,
        json!({"key": key, "status": 2, "method": "update"}),
    )
    .await;
    assert_eq!(last.status, 200);
    assert_eq!(last.body["status"], 2);
    assert_eq!(last.body["version"], 3);
}

#[tokio::test]
async fn method_delete_removes_one_key_or_a_list_and_counts_them() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let keys: Vec<Value> = [
        app.create(&alice, "a").await,
        app.create(&alice, "b").await,
        app.create(&alice, "c").await,
    ]
    .iter()
    .map(|t| t["key"].clone())
    .collect();
    let one = post(&app, &alice, json!({"key": keys[0], "method": "delete"})).await;
    assert_eq!(one.status, 200, "{:?}", one.body);
    assert_eq!(one.body, json!({"success": true, "deleted": 1}));
    let batch = post(
        &app,
        &alice,
        json!({"key": [keys[1], keys[2], keys[0]], "method": "delete"}),
    )
    .await;
    assert_eq!(batch.body, json!({"success": true, "deleted": 2}));
    let same_as_delete = app
        .call(
            &alice,
            Method::DELETE,
            "/api/rule",
            Some(&json!({"key": [keys[1]]})),
        )
        .await;
    assert_eq!(same_as_delete.body, json!({"success": true, "deleted": 0}));
    assert_eq!(app.list(&alice, "").await.body["total"], 0);
}

#[tokio::test]
async fn method_writes_never_reach_another_users_todos() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let bobs = app.create(&bob, "bob's").await;
    let update = post(
        &app,
        &alice,
        json!({"key": bobs["key"], "status": "2", "method": "update"}),
    )
    .await;
    assert_eq!(update.status, 404, "{:?}", update.body);
    let delete = post(
        &app,
        &alice,
        json!({"key": [bobs["key"]], "method": "delete"}),
    )
    .await;
    assert_eq!(delete.body, json!({"success": true, "deleted": 0}));
    let list = app.list(&bob, "").await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["data"][0]["status"], 0);
    assert_eq!(
        app.list(&alice, "").await.body["total"],
        0,
        "alice got no copy"
    );
}

#[tokio::test]
async fn an_unknown_method_is_400_naming_the_allowed_ones_and_writes_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for method in [json!("put"), json!("remove"), json!(""), json!(2)] {
        let response = post(&app, &alice, json!({"name": "x", "method": method})).await;
        assert_eq!(response.status, 400, "{method}: {:?}", response.body);
        assert_eq!(response.assert_error_shape(), "BAD_REQUEST");
        assert_eq!(response.body["field"], Value::Null, "no extra fields");
        let message = response.body["errorMessage"].as_str().unwrap_or("");
        assert!(message.contains("method"), "{message}");
    }
    let named = post(&app, &alice, json!({"name": "x", "method": "remove"})).await;
    assert!(
        named.body["errorMessage"]
            .as_str()
            .unwrap_or("")
            .contains("post, update or delete"),
        "{:?}",
        named.body
    );
    assert_eq!(app.list(&alice, "").await.body["total"], 0);
}

#[tokio::test]
async fn numbers_as_strings_are_taken_where_the_field_exists_and_bad_ones_are_named() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let todo = app.create(&alice, "a").await;
    for (body, field) in [
        (
            json!({"key": todo["key"], "status": "done", "method": "update"}),
            "status",
        ),
        (
            json!({"key": todo["key"], "progress": "101", "method": "update"}),
            "progress",
        ),
        (
            json!({"key": todo["key"], "progress": "4.5", "method": "update"}),
            "progress",
        ),
        (
            json!({"key": todo["key"], "version": "v1", "status": "1", "method": "update"}),
            "version",
        ),
        (json!({"method": "update", "status": "1"}), "key"),
        (json!({"method": "delete"}), "key"),
    ] {
        let response = post(&app, &alice, body.clone()).await;
        assert_eq!(response.status, 400, "{body}: {:?}", response.body);
        let message = response.body["errorMessage"].as_str().unwrap_or("");
        assert!(message.contains(field), "{body} names {field}: {message}");
    }
    let unchanged = app.list(&alice, "").await;
    assert_eq!(unchanged.body["data"][0]["version"], 1);
}

#[tokio::test]
async fn form_encoded_bodies_follow_the_same_rules() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let created = post_form(&app, &alice, "name=buy+milk&desc=&method=post").await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let a = created.body["key"].as_str().expect("key").to_owned();
    let b = app.create(&alice, "b").await["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let updated = post_form(
        &app,
        &alice,
        &format!("key={a}&status=2&progress=40&method=update"),
    )
    .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["status"], 2);
    assert_eq!(updated.body["progress"], 40);
    let bad = post_form(&app, &alice, "name=x&method=patch").await;
    assert_eq!(bad.status, 400);
    let deleted = post_form(&app, &alice, &format!("key={a}&key={b}&method=delete")).await;
    assert_eq!(deleted.body, json!({"success": true, "deleted": 2}));
    assert_eq!(app.list(&alice, "").await.body["total"], 0);
}
