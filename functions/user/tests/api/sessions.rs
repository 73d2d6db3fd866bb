//! Sessions end for real: logout and account deletion refuse the token at once.

use http::Method;
use serde_json::json;
use shared::auth::session::AuthenticatedUser;
use shared::domain::NewTodo;
use shared::http::body::JsonObject;

use crate::helpers::{TestApp, spawn_app};

const PASSWORD: &str = "correct horse battery";

async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app
        .with_token(Method::GET, "/api/currentUser", token, None)
        .await;
    me.body["userid"].as_str().expect("userid").to_owned()
}

/// Gives the user `id` `count` todos, as the rule function would (in a session of
/// its own, opened for the purpose).
async fn add_todos(app: &TestApp, id: &str, name: &str, count: usize) {
    let owner = AuthenticatedUser {
        id: id.to_owned(),
        name: name.to_owned(),
        session_id: ulid::Ulid::new().to_string(),
    };
    let expires = shared::time::now_epoch_seconds() + 600;
    app.state
        .sessions
        .open(&owner.id, &owner.session_id, expires)
        .await
        .expect("datastore")
        .expect("an open account");
    let mut body = JsonObject::default();
    body.0.insert("name".into(), json!("a todo"));
    let new = NewTodo::parse(&body).expect("valid");
    for _ in 0..count {
        app.todos.create(&owner, &new, None).await.expect("created");
    }
}

/// How many todos of the user `id` are stored, counted from the todos themselves.
async fn stored_todos(app: &TestApp, id: &str) -> u64 {
    shared_testing::stored::todo_counts(&app.datastore, id)
        .await
        .all
}

#[tokio::test]
async fn logout_ends_the_session_for_its_token_by_header_and_by_cookie() {
    let app = spawn_app().await;
    let token = app.signed_in("alice").await;
    let out = app
        .with_token(Method::POST, "/api/login/outLogin", &token, None)
        .await;
    assert_eq!(out.status, 200);
    let by_header = app
        .current_user(&[("authorization", &format!("Bearer {token}"))])
        .await;
    assert_eq!(by_header.status, 401, "{:?}", by_header.body);
    assert_eq!(by_header.assert_error_shape(), "UNAUTHORIZED");
    let by_cookie = app
        .current_user(&[("cookie", &format!("jwtToken={token}"))])
        .await;
    assert_eq!(by_cookie.status, 401);
    let again = app
        .with_token(Method::POST, "/api/logout", &token, None)
        .await;
    assert_eq!(again.status, 200, "logging out twice is fine");
}

#[tokio::test]
async fn logging_out_one_session_leaves_the_others_open() {
    let app = spawn_app().await;
    let laptop = app.signed_in("alice").await;
    let phone = app.login("alice", PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    app.with_token(Method::POST, "/api/logout", &laptop, None)
        .await;
    let on_phone = app
        .with_token(Method::GET, "/api/currentUser", &phone, None)
        .await;
    assert_eq!(on_phone.status, 200);
    let on_laptop = app
        .with_token(Method::GET, "/api/currentUser", &laptop, None)
        .await;
    assert_eq!(on_laptop.status, 401);
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_a_wrong_one_changes_nothing() {
    let app = spawn_app().await;
    let token = app.signed_in("alice").await;
    let wrong = app
        .with_token(
            Method::DELETE,
            "/api/currentUser",
            &token,
            Some(&json!({"password": "nope nope nope"})),
        )
        .await;
    assert_eq!(wrong.status, 403, "{:?}", wrong.body);
    assert_eq!(wrong.assert_error_shape(), "FORBIDDEN");
    let missing = app
        .with_token(Method::DELETE, "/api/currentUser", &token, Some(&json!({})))
        .await;
    assert_eq!(missing.status, 400);
    let anonymous = app
        .send(shared_testing::request(
            Method::DELETE,
            "/api/currentUser",
            Some(&json!({"password": PASSWORD}).to_string()),
            &[],
        ))
        .await;
    assert_eq!(anonymous.status, 401);
    let me = app
        .with_token(Method::GET, "/api/currentUser", &token, None)
        .await;
    assert_eq!(me.status, 200, "the account and session are intact");
}

#[tokio::test]
async fn deleting_the_account_removes_all_its_todos_ends_every_session_and_frees_the_name() {
    let app = spawn_app().await;
    let token = app.signed_in("alice").await;
    let other_session = app.login("alice", PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let id = user_id(&app, &token).await;
    add_todos(&app, &id, "alice", 130).await;
    let bob = app.signed_in("bob").await;
    let bob_id = user_id(&app, &bob).await;
    add_todos(&app, &bob_id, "bob", 2).await;

    let deleted = app
        .with_token(
            Method::DELETE,
            "/api/currentUser",
            &token,
            Some(&json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(deleted.body, json!({"success": true, "deletedTodos": 130}));
    assert!(deleted.set_cookies()[0].contains("Max-Age=0"));

    for session in [&token, &other_session] {
        let refused = app
            .with_token(Method::GET, "/api/currentUser", session, None)
            .await;
        assert_eq!(refused.status, 401);
    }
    assert_eq!(app.login("alice", PASSWORD).await.status, 401);
    assert_eq!(stored_todos(&app, &id).await, 0);
    assert_eq!(stored_todos(&app, &bob_id).await, 2, "bob keeps his");

    assert_eq!(
        app.register("alice", PASSWORD).await.status,
        201,
        "the name is free"
    );
    let again = app.login("alice", PASSWORD).await.body["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let new_id = user_id(&app, &again).await;
    assert_ne!(new_id, id);
    assert_eq!(stored_todos(&app, &new_id).await, 0);
}

#[tokio::test]
async fn wrong_passwords_on_account_deletion_count_against_the_login_throttle() {
    let app = spawn_app().await;
    let token = app.signed_in("alice").await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = app
            .with_token(
                Method::DELETE,
                "/api/currentUser",
                &token,
                Some(&json!({"password": "guess guess"})),
            )
            .await;
        statuses.push(response.status.as_u16());
    }
    assert_eq!(statuses, [403, 403, 403, 403, 403, 429]);
    assert_eq!(app.login("alice", PASSWORD).await.status, 429);
}

#[tokio::test]
async fn a_login_finishes_a_deletion_that_stopped_after_closing_the_sessions() {
    let app = spawn_app().await;
    let token = app.signed_in("alice").await;
    let id = user_id(&app, &token).await;
    add_todos(&app, &id, "alice", 3).await;
    // The deletion stopped right after its point of no return.
    app.state.sessions.close_account(&id).await.expect("closed");
    assert_eq!(
        app.with_token(Method::GET, "/api/currentUser", &token, None)
            .await
            .status,
        401
    );
    let login = app.login("alice", PASSWORD).await;
    assert_eq!(login.status, 401, "{:?}", login.body);
    assert_eq!(stored_todos(&app, &id).await, 0);
    assert_eq!(
        app.register("alice", PASSWORD).await.status,
        201,
        "the name is free"
    );
}
