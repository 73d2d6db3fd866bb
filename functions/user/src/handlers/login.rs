//! `POST /api/login/account`: a session token as cookie and in the body.
//!
//! Every failure the login form shows, 401 (wrong name or password, or input too long
//! to be either) and 429 (throttled), carries the contract's `status: "error"`, `type`
//! and `currentAuthority: "guest"`: [`handle`] adds them to whatever error the login
//! returns, so no early return can leave them out.
//!
//! An unknown user and a wrong password get the same answer after the same work (the
//! unknown user's attempt is checked against a dummy hash of the same cost).
//!
//! # Throttle
//!
//! At most [`MAX_FAILED_LOGINS`] attempts per name and [`FAILED_LOGIN_WINDOW`] that no
//! successful login follows. Each attempt reserves its place atomically *before* its
//! password is checked (`UserStore::reserve_login_attempt`, one conditional write), so
//! parallel attempts are counted exactly; with no place left the answer is 429 with
//! `Retry-After` (the end of the window) and no Argon2 work is done (also, with
//! `Retry-After: 1`, when parallel logins for the name keep the counter changing). A wrong password
//! keeps its place: it is a failure. A correct one deletes the counter.
//!
//! Trade-offs of this choice:
//! - An attempt in flight holds a place, so beyond [`MAX_FAILED_LOGINS`] *parallel*
//!   logins for one name even correct ones get 429. People do not log in five times at
//!   once; a script sharing an account would have to retry.
//! - A success clears the counter instead of releasing only its own place: the owner
//!   proved the password, so their earlier typos are forgiven (otherwise a user who
//!   mistyped four times would stay one typo from a lock-out for the rest of the
//!   window). The price: an attacker's failures that race with the owner's success are
//!   forgotten too, which gives them at most [`MAX_FAILED_LOGINS`] more guesses per
//!   login of the owner.
//! - A place reserved by an attempt that then fails otherwise (datastore unavailable)
//!   stays used: the throttle fails closed.
//! - Cost: every login writes the counter once, and a successful one deletes it.
//! - Input too long to match any account is answered 401 at once, without counting.

use http::StatusCode;
use serde_json::{Map, Value, json};
use shared::ApiError;
use shared::domain::LoginAttempt;
use shared::domain::password::DUMMY_HASH;
use shared::http::body::{JsonObject, parse_object};
use shared::http::response::{json as json_response, with_cookie};
use shared::http::{Body, Request, Response};
use shared::http::{came_over_https, cookie};
use shared::metrics::{self, names};
use shared::store::users::AttemptRefused;
use shared::time::now_epoch_seconds;

use super::password_matches;
use crate::UserState;
use crate::state::{FAILED_LOGIN_WINDOW, MAX_FAILED_LOGINS};

/// Logs a user in; a 401 or 429 carries the login form's failure fields.
pub async fn handle(state: &UserState, request: &Request) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let login_type = LoginAttempt::login_type(&body)?;
    let outcome = log_in(state, request, &body).await;
    count_verdict(&outcome);
    match outcome {
        Err(error @ (ApiError::InvalidCredentials | ApiError::TooManyRequests { .. })) => {
            Ok(error.into_response_with(failure_fields(&login_type)))
        }
        other => other,
    }
}

/// Counts a login's verdict: in, refused or throttled (bad input or an unavailable
/// datastore is none of them).
fn count_verdict(outcome: &Result<Response<Body>, ApiError>) {
    let verdict = match outcome {
        Ok(_) => names::LOGINS_SUCCEEDED,
        Err(ApiError::InvalidCredentials) => names::LOGINS_REFUSED,
        Err(ApiError::TooManyRequests { .. }) => names::LOGINS_THROTTLED,
        Err(_) => return,
    };
    metrics::count(verdict, 1);
}

/// `{"status": "error", "type": <login type>, "currentAuthority": "guest"}`.
fn failure_fields(login_type: &str) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("status".into(), json!("error"));
    fields.insert("type".into(), json!(login_type));
    fields.insert("currentAuthority".into(), json!("guest"));
    fields
}

/// The login itself: throttle, check, token.
async fn log_in(
    state: &UserState,
    request: &Request,
    body: &JsonObject,
) -> Result<Response<Body>, ApiError> {
    let attempt = LoginAttempt::parse(body)?;
    let reserved = state
        .users
        .reserve_login_attempt(&attempt.user_name, MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW)
        .await?;
    if let Err(refused) = reserved {
        return Err(too_many_attempts(refused));
    }

    let user = state.users.find(&attempt.user_name).await?;
    let hash = user
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_owned(), |u| u.password_hash.clone());
    let matches = password_matches(state, attempt.password.clone(), hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        return Err(ApiError::InvalidCredentials);
    };
    if let Err(error) = state.users.clear_login_attempts(&attempt.user_name).await {
        // The password was right: log in anyway; the counter just stays higher.
        tracing::warn!(error = %error, "could not clear the login attempts");
    }

    let issued = state.issuer.issue(&user.user_id, &user.user_name)?;
    let opened = state
        .sessions
        .open(&user.user_id, &issued.session_id, issued.expires_at)
        .await?;
    if opened.is_err() {
        // The account's deletion began and did not finish: finish it now.
        tracing::info!(user_id = %user.user_id, "login to a closed account");
        crate::closing::finish(state, &user).await?;
        return Err(ApiError::InvalidCredentials);
    }
    tracing::info!(user_id = %user.user_id, "user logged in");
    let response = json_response(
        StatusCode::OK,
        &json!({
            "status": "ok",
            "type": attempt.login_type,
            "currentAuthority": "user",
            "token": issued.token,
        }),
    );
    let cookie = cookie::session(
        &issued.token,
        issued.lifetime.as_secs(),
        came_over_https(request.headers()),
    );
    Ok(with_cookie(response, &cookie))
}

/// The 429 for a name with no attempt left, with the seconds until one may succeed.
pub(crate) fn too_many_attempts(refused: AttemptRefused) -> ApiError {
    match refused {
        AttemptRefused::Exhausted { window_end } => {
            let retry_after = window_end.saturating_sub(now_epoch_seconds()).max(1);
            ApiError::TooManyRequests {
                message: format!(
                    "Too many failed logins for this name; try again in {} minutes.",
                    retry_after.div_ceil(60)
                ),
                retry_after,
            }
        }
        AttemptRefused::Contended => ApiError::TooManyRequests {
            message: "Too many logins for this name at once; please retry in a moment.".to_owned(),
            retry_after: 1,
        },
    }
}
