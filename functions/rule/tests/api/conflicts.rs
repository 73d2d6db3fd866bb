//! Contention: DynamoDB cancels a transaction that meets another on the same item
//! (`TransactionConflict`). The emulator serialises transactions instead, so a proxy
//! in front of it answers as DynamoDB would. And a transaction whose answer was lost:
//! its retry is recognised by its token, or, where a datastore ignores the token, by
//! what the refusal finds.

use http::Method;
use serde_json::json;
use shared::store::Datastore;
use shared_testing::fault_proxy::{ConflictProxy, TokenBlindProxy};

use crate::helpers::{TestApp, User, spawn_app_through};
use crate::idempotency::{replayed, with_key};

async fn app_behind_proxy() -> (TestApp, ConflictProxy) {
    let proxy = ConflictProxy::start(shared_testing::datastore::emulator_endpoint()).await;
    (spawn_app_through(proxy.endpoint()).await, proxy)
}

async fn stored(app: &TestApp, user: &User) -> shared_testing::stored::TodoCounts {
    let datastore = Datastore::connect(&app.config.datastore).await;
    shared_testing::stored::todo_counts(&datastore, &user.id).await
}

#[tokio::test]
async fn writes_that_meet_conflicts_are_sent_again_and_applied_once() {
    let (app, proxy) = app_behind_proxy().await;
    let alice = app.user("alice").await;
    proxy.cancel_next(3);
    let created = app.create(&alice, "after three conflicts").await;
    assert_eq!(proxy.cancelled(), 3);
    proxy.cancel_next(2);
    let body = json!({"key": created["key"], "status": 2});
    let updated = app
        .call(&alice, Method::PUT, "/api/rule", Some(&body))
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    assert_eq!(updated.body["version"], 2, "applied once");
    proxy.cancel_next(2);
    let body = json!({"key": [created["key"]]});
    let deleted = app
        .call(&alice, Method::DELETE, "/api/rule", Some(&body))
        .await;
    assert_eq!(deleted.body["deleted"], 1, "{:?}", deleted.body);
    assert_eq!(proxy.cancelled(), 7);
    let list = app.list(&alice, "").await;
    assert_eq!(list.body["total"], 0);
    assert_eq!(stored(&app, &alice).await.all, 0);
}

#[tokio::test]
async fn a_write_that_keeps_conflicting_gets_a_503_with_retry_after_and_changes_nothing() {
    let (app, proxy) = app_behind_proxy().await;
    let alice = app.user("alice").await;
    let kept = app.create(&alice, "kept").await;
    proxy.cancel_next(usize::MAX);
    let create = app
        .call(
            &alice,
            Method::POST,
            "/api/rule",
            Some(&json!({"name": "never"})),
        )
        .await;
    assert_eq!(create.status, 503, "{:?}", create.body);
    assert_eq!(create.assert_error_shape(), "SERVICE_UNAVAILABLE");
    assert!(create.headers.contains_key("retry-after"));
    let message = create.body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("nothing was changed"), "{message}");
    let body = json!({"key": kept["key"], "status": 3});
    let update = app
        .call(&alice, Method::PUT, "/api/rule", Some(&body))
        .await;
    assert_eq!(update.status, 503, "{:?}", update.body);
    proxy.cancel_next(0);
    let list = app.list(&alice, "").await;
    assert_eq!(list.body["total"], 1, "{:?}", list.body);
    assert_eq!(
        list.body["data"][0]["status"], 0,
        "the update changed nothing"
    );
    let done = app.list(&alice, "?status=3").await;
    assert_eq!(done.body["total"], 0, "the counters changed nothing either");
    assert_eq!(stored(&app, &alice).await.all, 1);
}

#[tokio::test]
async fn a_delete_split_in_two_transactions_and_cut_between_them_is_finished_by_its_keyed_retry() {
    let (app, proxy) = app_behind_proxy().await;
    let alice = app.user("alice").await;
    let mut keys = Vec::new();
    for i in 0..100 {
        keys.push(app.create(&alice, &format!("todo {i}")).await["key"].clone());
    }
    let body = json!({"key": keys});
    // The first part (97 todos) commits, the second keeps conflicting.
    proxy.cancel_after(1, usize::MAX);
    let cut = with_key(&app, &alice, Method::DELETE, "/api/rule", "split", &body).await;
    assert_eq!(cut.status, 503, "{:?}", cut.body);
    proxy.cancel_next(0);
    assert_eq!(
        app.list(&alice, "").await.body["total"],
        3,
        "the first part"
    );
    let finished = with_key(&app, &alice, Method::DELETE, "/api/rule", "split", &body).await;
    assert_eq!(finished.status, 200, "{:?}", finished.body);
    assert_eq!(
        finished.body["deleted"], 100,
        "the first part's count is kept"
    );
    let again = with_key(&app, &alice, Method::DELETE, "/api/rule", "split", &body).await;
    assert!(replayed(&again));
    assert_eq!(again.body["deleted"], 100);
    assert_eq!(app.list(&alice, "").await.body["total"], 0);
    assert_eq!(stored(&app, &alice).await, Default::default());
}

#[tokio::test]
async fn a_write_whose_answer_was_lost_is_done_once_even_where_the_datastore_ignores_tokens() {
    let proxy = TokenBlindProxy::start(shared_testing::datastore::emulator_endpoint()).await;
    let app = spawn_app_through(proxy.endpoint()).await;
    let alice = app.user("alice").await;
    proxy.lose_next_answer();
    let created = app
        .create(&alice, "landed before its answer was lost")
        .await;
    proxy.lose_next_answer();
    let body = json!({"key": created["key"], "status": 2, "version": 1});
    let updated = app
        .call(&alice, Method::PUT, "/api/rule", Some(&body))
        .await;
    assert_eq!(updated.status, 200, "not a 409: {:?}", updated.body);
    assert_eq!(updated.body["version"], 2, "applied once");
    let list = app.list(&alice, "?status=2").await;
    assert_eq!(list.body["total"], 1, "{:?}", list.body);
    let stored = stored(&app, &alice).await;
    assert_eq!((stored.all, stored.by_status[2]), (1, 1));
}
