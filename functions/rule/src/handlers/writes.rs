//! Carrying out a write: one path for every spelling, at most once per
//! `Idempotency-Key`, and an answer that says what happened.
//!
//! [`apply`] takes a parsed [`RuleWrite`] (from `POST` with or without `method`, `PUT`
//! or `DELETE`), so the same operation gets the same answer whichever way it came:
//!
//! | write | answer |
//! |---|---|
//! | create | 201 with the todo |
//! | update | 200 with the todo; 404 when it is not the user's; 409 when `version` is stale |
//! | delete | 200 `{"success": true, "deleted": n}`, `n` counting the todos that existed |
//!
//! The caller's session is checked by the write's own first step (see
//! `shared::store::state::counts`), so a write by an ended session changes nothing
//! and gets a 401.
//!
//! **Without `Idempotency-Key`** the write gets a fresh [`Reservation`]; the store's
//! write tokens still make its answer truthful when the SDK retries an attempt that
//! had landed.
//!
//! **With `Idempotency-Key`** the key is claimed first (`shared::store::idempotency`):
//! a recorded outcome is replayed (with `Idempotent-Replayed: true`), a key used for
//! another request is a 422, and otherwise the write runs with the record's
//! reservation, so an attempt that follows a crashed or timed-out one redoes the same
//! write and the datastore applies it once. Successes and the write's own refusals
//! (404, 409) are recorded; a 5xx is not (the write's fate may be unknown), so the
//! client's retry carries the write out or recognises it; nor is a 401 (a session
//! that ended), so the key still works after logging in again. A delete removes its tombstones only
//! after its count is recorded, so a retry counts the same todos.

use http::{HeaderMap, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde_json::{Map, Value, json};
use shared::ApiError;
use shared::auth::session::{AuthenticatedUser, VerifiedToken};
use shared::domain::RuleWrite;
use shared::http::idempotency::idempotency_key;
use shared::http::response::json;
use shared::store::idempotency::{Claim, RecordedOutcome, Reservation};
use shared::store::rules::Deleted;
use shared::store::{UpdateOutcome, WriteToken};

use super::get::not_found;
use crate::RuleState;

/// The header that marks a replayed outcome.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// What a write did: its answer, and the tombstones to remove once it is recorded.
struct Done {
    status: StatusCode,
    body: Value,
    tombstones: Option<Deleted>,
}

impl Done {
    fn answer(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body,
            tombstones: None,
        }
    }

    /// The write's own refusal (the todo is not the user's, or `version` is stale) is
    /// an outcome, not a failure: it is recorded, and the same request gets it again.
    /// Failures are not: a 401 (the session ended) must not follow the key into the
    /// next session, and a 5xx leaves the write's fate unknown.
    fn refused(refusal: &ApiError) -> Self {
        Self::answer(refusal.status(), refusal.body(Map::new()))
    }

    fn recorded(&self) -> RecordedOutcome {
        RecordedOutcome {
            status: self.status.as_u16(),
            body: self.body.to_string(),
        }
    }
}

/// Carries out `write` for the holder of `token`, honouring the request's
/// `Idempotency-Key`. A 503 says that the write may have been applied.
pub async fn apply(
    state: &RuleState,
    token: VerifiedToken,
    headers: &HeaderMap,
    write: RuleWrite,
) -> Result<Response<Body>, ApiError> {
    carry_out(state, token, headers, write)
        .await
        .map_err(ApiError::during_write)
}

async fn carry_out(
    state: &RuleState,
    token: VerifiedToken,
    headers: &HeaderMap,
    write: RuleWrite,
) -> Result<Response<Body>, ApiError> {
    let user = &token.unchecked_user().clone();
    let Some(key) = idempotency_key(headers)? else {
        let reservation = Reservation::fresh();
        let done = perform(state, user, &write, &reservation).await?;
        purge(state, user, &done, &reservation.token).await;
        return Ok(json(done.status, &done.body));
    };
    let reservation = match state
        .idempotency
        .claim(&user.id, &key, &write.fingerprint())
        .await?
    {
        // Answers that write nothing: the session is checked on its own.
        Claim::Mismatch => {
            token.require_open(&state.sessions).await?;
            return Err(ApiError::IdempotencyKeyReused);
        }
        Claim::Replay(outcome) => {
            token.require_open(&state.sessions).await?;
            return Ok(replay(&outcome));
        }
        Claim::Proceed(reservation) => reservation,
    };
    let done = perform(state, user, &write, &reservation).await?;
    let mine = done.recorded();
    match state
        .idempotency
        .complete(&user.id, &key, &reservation.token, &mine)
        .await
    {
        Ok(None) => {
            purge(state, user, &done, &reservation.token).await;
            Ok(json(done.status, &done.body))
        }
        // Recorded already: by an earlier attempt of this very call (the same
        // outcome), or by a concurrent attempt of the request, whose outcome wins.
        Ok(Some(first)) => {
            if first == mine {
                purge(state, user, &done, &reservation.token).await;
            }
            Ok(replay(&first))
        }
        // The write happened; its record did not. Answer the truth, and keep the
        // tombstones so that a retry (which redoes the write) counts the same todos.
        Err(error) => {
            tracing::warn!(error = %error, "write done, its idempotency outcome not recorded");
            Ok(json(done.status, &done.body))
        }
    }
}

/// The write itself: what it did or why it was refused, or the failure that kept it
/// from either.
async fn perform(
    state: &RuleState,
    user: &AuthenticatedUser,
    write: &RuleWrite,
    reservation: &Reservation,
) -> Result<Done, ApiError> {
    Ok(match write {
        RuleWrite::Create(new) => {
            let rule = state.rules.create(user, new, reservation).await?;
            Done::answer(StatusCode::CREATED, json!(rule))
        }
        RuleWrite::Update(changes) => match state.rules.update(user, changes, reservation).await? {
            UpdateOutcome::Updated(rule) => Done::answer(StatusCode::OK, json!(rule)),
            UpdateOutcome::NotFound => Done::refused(&not_found(&changes.key.to_string())),
            UpdateOutcome::Stale(current) => Done::refused(&ApiError::Conflict(format!(
                "This todo was changed elsewhere (now at version {}); reload it and try again.",
                current.version
            ))),
        },
        RuleWrite::Delete(keys) => {
            let deleted = state.rules.mark_deleted(user, &keys.0, reservation).await?;
            Done {
                status: StatusCode::OK,
                body: json!({"success": true, "deleted": deleted.count()}),
                tombstones: Some(deleted),
            }
        }
    })
}

/// Removes a delete's tombstones, once nothing needs to count them any more.
async fn purge(state: &RuleState, user: &AuthenticatedUser, done: &Done, token: &WriteToken) {
    if let Some(deleted) = &done.tombstones {
        state.rules.purge(&user.id, deleted, token).await;
    }
}

/// The recorded outcome of an earlier attempt, marked as a replay.
fn replay(outcome: &RecordedOutcome) -> Response<Body> {
    let status = StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::OK);
    let body: Value = serde_json::from_str(&outcome.body).unwrap_or(Value::Null);
    let mut response = json(status, &body);
    response
        .headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}
