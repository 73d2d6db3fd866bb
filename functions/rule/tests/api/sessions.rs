//! A token is accepted only while its session is open, on every route.

use http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, spawn_app};

/// Every route of the function, each with a body that would otherwise succeed.
fn every_route(key: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/rule".to_owned(), None),
        (Method::GET, format!("/api/rule/{key}"), None),
        (
            Method::POST,
            "/api/rule".to_owned(),
            Some(json!({"name": "new"})),
        ),
        (
            Method::POST,
            "/api/rule".to_owned(),
            Some(json!({"key": key, "status": 2, "method": "update"})),
        ),
        (
            Method::POST,
            "/api/rule".to_owned(),
            Some(json!({"key": [key], "method": "delete"})),
        ),
        (
            Method::PUT,
            format!("/api/rule/{key}"),
            Some(json!({"status": 1})),
        ),
        (Method::DELETE, format!("/api/rule/{key}"), None),
        (
            Method::DELETE,
            "/api/rule".to_owned(),
            Some(json!({"key": [key]})),
        ),
    ]
}

async fn assert_refused_everywhere(app: &TestApp, user: &User, key: &str, why: &str) {
    for (method, path, body) in every_route(key) {
        let response = app.call(user, method.clone(), &path, body.as_ref()).await;
        assert_eq!(
            response.status, 401,
            "{why}: {method} {path}: {:?}",
            response.body
        );
        assert_eq!(response.assert_error_shape(), "UNAUTHORIZED");
    }
}

#[tokio::test]
async fn an_ended_session_is_refused_on_every_route_and_changes_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let todo = app.create(&alice, "keep me").await;
    let key = todo["key"].as_str().expect("key");
    app.state
        .sessions
        .end(&alice.id, &alice.session_id)
        .await
        .expect("ended");
    assert_refused_everywhere(&app, &alice, key, "logged out").await;
    let other = app.user("alice").await;
    let mine = User {
        id: alice.id.clone(),
        name: alice.name.clone(),
        session_id: other.session_id.clone(),
        token: app.sign(&shared::auth::claims::Claims {
            jti: other.session_id.clone(),
            ..app.claims_for(&alice)
        }),
    };
    // A session of the same user id that is open: the todo is untouched.
    app.state
        .sessions
        .open(
            &alice.id,
            &other.session_id,
            shared::time::now_epoch_seconds() + 60,
        )
        .await
        .expect("datastore")
        .expect("open");
    let list = app.list(&mine, "").await;
    assert_eq!(list.body["total"], 1, "{:?}", list.body);
    assert_eq!(list.body["data"][0]["version"], 1);
}

#[tokio::test]
async fn a_closed_account_refuses_all_its_sessions() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let todo = app.create(&alice, "x").await;
    app.state
        .sessions
        .close_account(&alice.id)
        .await
        .expect("closed");
    assert_refused_everywhere(
        &app,
        &alice,
        todo["key"].as_str().expect("key"),
        "account closed",
    )
    .await;
    let reopened = app
        .state
        .sessions
        .open(
            &alice.id,
            "01JD2Z6K3M8N0P4Q5R6S7T8V9W",
            shared::time::now_epoch_seconds() + 60,
        )
        .await
        .expect("datastore");
    assert!(reopened.is_err(), "no session opens on a closed account");
}

#[tokio::test]
async fn a_token_without_a_session_id_or_with_an_unknown_one_is_refused() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let todo = app.create(&alice, "x").await;
    let key = todo["key"].as_str().expect("key");
    for (jti, why) in [
        (None, "no jti"),
        (Some(""), "empty jti"),
        (Some("01JD2Z6K3M8N0P4Q5R6S7T8V9W"), "never opened"),
    ] {
        let mut claims = serde_json::to_value(app.claims_for(&alice)).expect("claims");
        match jti {
            Some(jti) => claims["jti"] = jti.into(),
            None => {
                claims.as_object_mut().expect("claims").remove("jti");
            }
        }
        let token = app.sign(&claims);
        let forged = User {
            token,
            ..User {
                id: alice.id.clone(),
                name: alice.name.clone(),
                session_id: String::new(),
                token: String::new(),
            }
        };
        assert_refused_everywhere(&app, &forged, key, why).await;
    }
}
