//! Carrying out a write: one path for every spelling, at most once per
//! `Idempotency-Key`, and an answer that says what happened.
//!
//! [`apply`] takes a parsed [`TodoWrite`] (from `POST` with or without `method`, `PUT`
//! or `DELETE`), so the same operation gets the same answer whichever way it came:
//!
//! | write | answer |
//! |---|---|
//! | create | 201 with the todo |
//! | update | 200 with the todo; 404 when it is not the user's; 409 when `version` is stale |
//! | delete | 200 `{"success": true, "deleted": n}`, `n` counting the todos that existed |
//!
//! Each write is one transaction (`shared::store::todos`): the todos, the owner's
//! counters, the condition that the caller's session is open and, with a key, the
//! key's record change together or not at all. A write by an ended session changes
//! nothing and gets a 401.
//!
//! **Without `Idempotency-Key`** an SDK retry of an attempt that had landed is
//! recognised by DynamoDB (`ClientRequestToken`), so the answer stays truthful.
//!
//! **With `Idempotency-Key`** the write's record goes into its transaction, holding
//! the answer: the same request again is answered from it (with
//! `Idempotent-Replayed: true`), a key used for another request is a 422. The write's
//! own refusals (404, 409) are recorded too; failures are not: a 401 (a session that
//! ended) must not follow the key into the next session, and a 5xx leaves the write's
//! fate unknown, so the client's retry carries it out or finds its record.

use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value, json};
use shared::ApiError;
use shared::auth::session::{AuthenticatedUser, VerifiedToken};
use shared::domain::{Todo, TodoWrite};
use shared::http::idempotency::idempotency_key;
use shared::http::response::json;
use shared::http::{Body, Response};
use shared::metrics::{self, names};
use shared::store::UpdateOutcome;
use shared::store::idempotency::{Earlier, Keyed, RecordedOutcome, Recording, Written};

use super::get::not_found;
use crate::RuleState;

/// The header that marks a replayed outcome.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// Carries out `write` for the holder of `token`, honouring the request's
/// `Idempotency-Key`. A 503 says whether the write may have been applied.
pub async fn apply(
    state: &RuleState,
    token: VerifiedToken,
    headers: &HeaderMap,
    write: TodoWrite,
) -> Result<Response<Body>, ApiError> {
    let keyed = idempotency_key(headers)?.map(|key| Keyed::new(key, &write.fingerprint()));
    let written = perform(state, token.unchecked_user(), &write, keyed.as_ref())
        .await
        .map_err(ApiError::during_write)?;
    match written {
        Written::Done(answer) => Ok(answer.response()),
        // Answers that write nothing: the session is checked on its own.
        Written::Earlier(earlier) => {
            token.require_open(&state.sessions).await?;
            match earlier {
                Earlier::Replay(outcome) => {
                    metrics::count(names::IDEMPOTENT_REPLAYS, 1);
                    Ok(replay(&outcome))
                }
                Earlier::Reused => Err(ApiError::IdempotencyKeyReused),
            }
        }
    }
}

/// An answer: a status and a JSON body.
struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    fn new(status: StatusCode, body: Value) -> Self {
        Self { status, body }
    }

    /// The write's own refusal (the todo is not the user's, or `version` is stale).
    fn refused(refusal: &ApiError) -> Self {
        Self::new(refusal.status(), refusal.body(Map::new()))
    }

    fn recorded(&self) -> RecordedOutcome {
        RecordedOutcome {
            status: self.status.as_u16(),
            body: self.body.to_string(),
        }
    }

    fn response(&self) -> Response<Body> {
        json(self.status, &self.body)
    }
}

fn created(todo: &Todo) -> Answer {
    Answer::new(StatusCode::CREATED, json!(todo))
}

fn updated(key: &str, outcome: &UpdateOutcome) -> Answer {
    match outcome {
        UpdateOutcome::Updated(todo) => Answer::new(StatusCode::OK, json!(todo)),
        UpdateOutcome::NotFound => Answer::refused(&not_found(key)),
        UpdateOutcome::Stale(current) => Answer::refused(&ApiError::Conflict(format!(
            "This todo was changed elsewhere (now at version {}); reload it and try again.",
            current.version
        ))),
    }
}

fn deleted(count: u64) -> Answer {
    Answer::new(StatusCode::OK, json!({"success": true, "deleted": count}))
}

/// The write itself, its answer recorded under `keyed` when there is one.
async fn perform(
    state: &RuleState,
    user: &AuthenticatedUser,
    write: &TodoWrite,
    keyed: Option<&Keyed>,
) -> Result<Written<Answer>, ApiError> {
    Ok(match write {
        TodoWrite::Create(new) => {
            let answer = |todo: &Todo| created(todo).recorded();
            let recording = keyed.map(|keyed| Recording {
                keyed,
                answer: &answer,
            });
            state
                .todos
                .create(user, new, recording.as_ref())
                .await?
                .map(|todo| {
                    metrics::count(names::TODOS_CREATED, 1);
                    created(&todo)
                })
        }
        TodoWrite::Update(changes) => {
            let key = changes.key.to_string();
            let answer = |outcome: &UpdateOutcome| updated(&key, outcome).recorded();
            let recording = keyed.map(|keyed| Recording {
                keyed,
                answer: &answer,
            });
            state
                .todos
                .update(user, changes, recording.as_ref())
                .await?
                .map(|outcome| {
                    if let UpdateOutcome::Updated(_) = outcome {
                        metrics::count(names::TODOS_UPDATED, 1);
                    }
                    updated(&key, &outcome)
                })
        }
        TodoWrite::Delete(keys) => {
            let answer = |count: &u64| deleted(*count).recorded();
            let recording = keyed.map(|keyed| Recording {
                keyed,
                answer: &answer,
            });
            state
                .todos
                .delete(user, &keys.0, recording.as_ref())
                .await?
                .map(|count| {
                    metrics::count(names::TODOS_DELETED, count);
                    deleted(count)
                })
        }
    })
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
