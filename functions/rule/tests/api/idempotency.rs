//! `Idempotency-Key`: the same request with the same key is carried out once.

use http::Method;
use serde_json::{Value, json};
use shared::domain::{IdempotencyKey, TodoWrite};
use shared::http::body::JsonObject;
use shared::store::idempotency::{Keyed, RecordedOutcome, Recording, Written};
use shared_testing::{TestResponse, request};

use crate::helpers::{TestApp, User, spawn_app};

/// `method path` with `body` by `user`, carrying the `Idempotency-Key` `key`.
pub(crate) async fn with_key(
    app: &TestApp,
    user: &User,
    method: Method,
    path: &str,
    key: &str,
    body: &Value,
) -> TestResponse {
    let auth = format!("Bearer {}", user.token);
    app.send(request(
        method,
        path,
        Some(&body.to_string()),
        &[("authorization", &auth), ("idempotency-key", key)],
    ))
    .await
}

/// Whether `response` is a replay of an earlier attempt's.
pub(crate) fn replayed(response: &TestResponse) -> bool {
    response
        .headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn a_create_retried_with_its_key_exists_once_and_gets_the_first_answer() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let body = json!({"name": "buy milk"});
    let first = with_key(&app, &alice, Method::POST, "/api/rule", "k-1", &body).await;
    assert_eq!(first.status, 201);
    assert!(!replayed(&first));
    let again = with_key(&app, &alice, Method::POST, "/api/rule", "k-1", &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body, "the first outcome, byte for byte");
    assert!(replayed(&again));
    // The same request spelled differently (form, extra spaces) is the same request.
    let auth = format!("Bearer {}", alice.token);
    let as_form = app
        .send(request(
            Method::POST,
            "/api/rule",
            Some("name=+buy+milk+&method=post"),
            &[
                ("authorization", &auth),
                ("idempotency-key", "k-1"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
        ))
        .await;
    assert_eq!(as_form.body, first.body);
    assert_eq!(app.list(&alice, "").await.body["total"], 1);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_422_and_writes_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    with_key(
        &app,
        &alice,
        Method::POST,
        "/api/rule",
        "k",
        &json!({"name": "a"}),
    )
    .await;
    let other = with_key(
        &app,
        &alice,
        Method::POST,
        "/api/rule",
        "k",
        &json!({"name": "b"}),
    )
    .await;
    assert_eq!(other.status, 422, "{:?}", other.body);
    assert_eq!(other.assert_error_shape(), "IDEMPOTENCY_KEY_REUSED");
    let delete = with_key(
        &app,
        &alice,
        Method::DELETE,
        "/api/rule",
        "k",
        &json!({"key": ["01JD2Z6K3M8N0P4Q5R6S7T8V9W"]}),
    )
    .await;
    assert_eq!(delete.status, 422);
    let list = app.list(&alice, "").await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["data"][0]["name"], "a");
}

#[tokio::test]
async fn keys_belong_to_their_user() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = with_key(
        &app,
        &alice,
        Method::POST,
        "/api/rule",
        "shared-key",
        &json!({"name": "a"}),
    )
    .await;
    let b = with_key(
        &app,
        &bob,
        Method::POST,
        "/api/rule",
        "shared-key",
        &json!({"name": "a"}),
    )
    .await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201));
    assert!(!replayed(&b));
    assert_ne!(a.body["key"], b.body["key"]);
    assert_eq!(app.list(&bob, "").await.body["data"][0]["owner"], "bob");
}

#[tokio::test]
async fn a_batch_delete_retried_with_its_key_reports_the_same_count() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let keys: Vec<Value> = [app.create(&alice, "a").await, app.create(&alice, "b").await]
        .iter()
        .map(|t| t["key"].clone())
        .collect();
    let body = json!({"key": keys});
    let first = with_key(&app, &alice, Method::DELETE, "/api/rule", "d-1", &body).await;
    assert_eq!(first.body, json!({"success": true, "deleted": 2}));
    let retry = with_key(&app, &alice, Method::DELETE, "/api/rule", "d-1", &body).await;
    assert_eq!(retry.body, json!({"success": true, "deleted": 2}));
    assert!(replayed(&retry));
    let as_method = with_key(
        &app,
        &alice,
        Method::POST,
        "/api/rule",
        "d-1",
        &json!({"key": keys, "method": "delete"}),
    )
    .await;
    assert_eq!(
        as_method.body["deleted"], 2,
        "the same delete, spelled as Ant Design Pro does"
    );
}

#[tokio::test]
async fn an_update_retried_with_its_key_is_applied_once_and_a_409_is_replayed_as_a_409() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let todo = app.create(&alice, "a").await;
    let key = todo["key"].as_str().expect("key");
    let body = json!({"status": 2, "version": 1});
    let path = format!("/api/rule/{key}");
    let first = with_key(&app, &alice, Method::PUT, &path, "u-1", &body).await;
    let retry = with_key(&app, &alice, Method::PUT, &path, "u-1", &body).await;
    assert_eq!((first.status.as_u16(), retry.status.as_u16()), (200, 200));
    assert_eq!(retry.body["version"], 2, "applied once");
    let stale = with_key(&app, &alice, Method::PUT, &path, "u-2", &body).await;
    assert_eq!(stale.status, 409);
    let stale_again = with_key(&app, &alice, Method::PUT, &path, "u-2", &body).await;
    assert_eq!(stale_again.status, 409);
    assert_eq!(stale_again.body, stale.body);
    assert!(replayed(&stale_again));
}

#[tokio::test]
async fn concurrent_attempts_with_one_key_make_one_todo_and_agree() {
    let app = std::sync::Arc::new(spawn_app().await);
    let alice = std::sync::Arc::new(app.user("alice").await);
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let (app, alice) = (app.clone(), alice.clone());
        attempts.spawn(async move {
            with_key(
                &app,
                &alice,
                Method::POST,
                "/api/rule",
                "burst",
                &json!({"name": "once"}),
            )
            .await
        });
    }
    let answers = attempts.join_all().await;
    for answer in &answers {
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        assert_eq!(answer.body["key"], answers[0].body["key"]);
    }
    assert_eq!(app.list(&alice, "").await.body["total"], 1);
}

#[tokio::test]
async fn an_attempt_that_died_after_writing_is_answered_by_the_retry_without_a_duplicate() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let body = json!({"name": "written, never answered"});
    let object = JsonObject(body.as_object().expect("object").clone());
    let write = TodoWrite::parse_post(&object).expect("valid");
    let keyed = Keyed::new(
        IdempotencyKey::parse(b"crashed").expect("key"),
        &write.fingerprint(),
    );
    let TodoWrite::Create(new) = &write else {
        panic!("a create");
    };
    let owner = shared::auth::session::AuthenticatedUser {
        id: alice.id.clone(),
        name: alice.name.clone(),
        session_id: alice.session_id.clone(),
    };
    // The first attempt committed the todo and its record, then its instance died
    // before answering.
    let answer = |rule: &shared::domain::Todo| RecordedOutcome {
        status: 201,
        body: json!(rule).to_string(),
    };
    let recording = Recording {
        keyed: &keyed,
        answer: &answer,
    };
    let Written::Done(written) = app
        .state
        .todos
        .create(&owner, new, Some(&recording))
        .await
        .expect("written")
    else {
        panic!("a fresh key");
    };
    let retry = with_key(&app, &alice, Method::POST, "/api/rule", "crashed", &body).await;
    assert_eq!(retry.status, 201);
    assert_eq!(
        retry
            .headers
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(retry.body["key"], written.key.as_str());
    assert_eq!(app.list(&alice, "").await.body["total"], 1);
}

#[tokio::test]
async fn a_malformed_key_is_400_and_no_key_works_as_before() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for bad in ["", "with space", &"k".repeat(256)] {
        let response = with_key(
            &app,
            &alice,
            Method::POST,
            "/api/rule",
            bad,
            &json!({"name": "a"}),
        )
        .await;
        assert_eq!(response.status, 400, "{bad:?}");
        assert!(
            response.body["errorMessage"]
                .as_str()
                .unwrap_or("")
                .contains("Idempotency-Key"),
            "{:?}",
            response.body
        );
    }
    app.create(&alice, "a").await;
    app.create(&alice, "a").await;
    assert_eq!(
        app.list(&alice, "").await.body["total"],
        2,
        "without a key, two creates are two"
    );
}

#[tokio::test]
async fn a_write_refused_for_an_ended_session_is_not_replayed_after_logging_in_again() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    app.state
        .sessions
        .end(&alice.id, &alice.session_id)
        .await
        .expect("ended");
    let body = json!({"name": "written after logging in again"});
    let refused = with_key(&app, &alice, Method::POST, "/api/rule", "k-relogin", &body).await;
    assert_eq!(refused.status, 401);
    assert!(refused.headers.contains_key("www-authenticate"));
    // A new session of the same user, and the same write with the same key.
    let again = User {
        id: alice.id.clone(),
        name: alice.name.clone(),
        session_id: String::new(),
        token: String::new(),
    };
    let issued = app.issuer.issue(&again.id, &again.name).expect("token");
    app.state
        .sessions
        .open(&again.id, &issued.session_id, issued.expires_at)
        .await
        .expect("datastore")
        .expect("open");
    let again = User {
        session_id: issued.session_id,
        token: issued.token,
        ..again
    };
    let created = with_key(&app, &again, Method::POST, "/api/rule", "k-relogin", &body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert!(!replayed(&created));
}
