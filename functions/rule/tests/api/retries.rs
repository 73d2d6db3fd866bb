//! Our own earlier attempt is recognised: a write retried with its token (as the SDK
//! retries an attempt that landed) is answered as the success it was.

use serde_json::json;
use shared::auth::session::AuthenticatedUser;
use shared::domain::{DeleteKeys, NewRule, RuleChanges, RuleKey};
use shared::http::body::JsonObject;
use shared::store::idempotency::Reservation;
use shared::store::{UpdateOutcome, WriteToken};

use crate::helpers::{User, spawn_app};

fn object(value: serde_json::Value) -> JsonObject {
    JsonObject(value.as_object().expect("object").clone())
}

/// A reservation for `token`, as one request's attempts share it.
fn attempt(token: &WriteToken, rule_key: RuleKey) -> Reservation {
    Reservation {
        token: token.clone(),
        rule_key,
        resumed: false,
    }
}

fn owner(user: &User) -> AuthenticatedUser {
    AuthenticatedUser {
        id: user.id.clone(),
        name: user.name.clone(),
        session_id: user.session_id.clone(),
    }
}

#[tokio::test]
async fn a_create_whose_first_attempt_landed_is_a_success_not_a_500() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let new = NewRule::parse(&object(json!({"name": "a"}))).expect("valid");
    let (key, token) = (RuleKey::new(), WriteToken::new());
    let first = app
        .state
        .rules
        .create(&owner(&alice), &new, &attempt(&token, key))
        .await
        .expect("created");
    let retry = app
        .state
        .rules
        .create(&owner(&alice), &new, &attempt(&token, key))
        .await
        .expect("recognised");
    assert_eq!(retry, first);
    // Another write's token on the same id is not ours: an error, never a silent success.
    assert!(
        app.state
            .rules
            .create(&owner(&alice), &new, &attempt(&WriteToken::new(), key))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn an_update_whose_first_attempt_landed_is_applied_once_and_not_a_409() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let todo = app.create(&alice, "a").await;
    let changes = RuleChanges::parse(
        &object(json!({"key": todo["key"], "status": 2, "version": 1})),
        None,
    )
    .expect("valid");
    let token = WriteToken::new();
    let first = app
        .state
        .rules
        .update(&owner(&alice), &changes, &attempt(&token, RuleKey::new()))
        .await
        .expect("updated");
    let retry = app
        .state
        .rules
        .update(&owner(&alice), &changes, &attempt(&token, RuleKey::new()))
        .await
        .expect("recognised");
    let UpdateOutcome::Updated(rule) = retry else {
        panic!("recognised as ours, not {retry:?}");
    };
    assert_eq!(UpdateOutcome::Updated(rule.clone()), first);
    assert_eq!(rule.version, 2, "applied once");
    // The same change without a version, retried: still applied once.
    let unversioned = RuleChanges::parse(&object(json!({"key": todo["key"], "progress": 5})), None)
        .expect("valid");
    let token = WriteToken::new();
    app.state
        .rules
        .update(
            &owner(&alice),
            &unversioned,
            &attempt(&token, RuleKey::new()),
        )
        .await
        .expect("updated");
    let again = app
        .state
        .rules
        .update(
            &owner(&alice),
            &unversioned,
            &attempt(&token, RuleKey::new()),
        )
        .await
        .expect("recognised");
    assert!(
        matches!(again, UpdateOutcome::Updated(ref r) if r.version == 3),
        "{again:?}"
    );
    // A genuinely stale version from another writer stays a conflict.
    let stale = app
        .state
        .rules
        .update(
            &owner(&alice),
            &changes,
            &attempt(&WriteToken::new(), RuleKey::new()),
        )
        .await
        .expect("answered");
    assert!(matches!(stale, UpdateOutcome::Stale(_)), "{stale:?}");
}

#[tokio::test]
async fn a_delete_whose_first_attempt_landed_still_counts_what_it_deleted() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let a = app.create(&alice, "a").await;
    let b = app.create(&alice, "b").await;
    let keys =
        DeleteKeys::parse(&object(json!({"key": [a["key"], b["key"]]})), None).expect("valid");
    let token = WriteToken::new();
    let first = app
        .state
        .rules
        .mark_deleted(&owner(&alice), &keys.0, &attempt(&token, RuleKey::new()))
        .await
        .expect("marked");
    let retry = app
        .state
        .rules
        .mark_deleted(&owner(&alice), &keys.0, &attempt(&token, RuleKey::new()))
        .await
        .expect("recognised");
    assert_eq!((first.count(), retry.count()), (2, 2));
    assert_eq!(
        app.list(&alice, "").await.body["total"],
        0,
        "tombstones are invisible"
    );
    let someone_else = app
        .state
        .rules
        .mark_deleted(
            &owner(&alice),
            &keys.0,
            &attempt(&WriteToken::new(), RuleKey::new()),
        )
        .await
        .expect("answered");
    assert_eq!(
        someone_else.count(),
        0,
        "another delete finds nothing to delete"
    );
    app.state.rules.purge(&alice.id, &retry, &token).await;
    let gone = app
        .state
        .rules
        .get(&alice.id, keys.0[0])
        .await
        .expect("read");
    assert_eq!(gone, None);
}
