//! `POST /api/login/account`: a session token as cookie and in the body.
//!
//! An unknown user and a wrong password get the same answer after the same work (the
//! unknown user's attempt is checked against a dummy hash). Failed logins are counted
//! per name; past [`MAX_FAILED_LOGINS`] in the window, logins for that name get 429.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value, json};
use shared::ApiError;
use shared::domain::LoginAttempt;
use shared::domain::password::DUMMY_HASH;
use shared::http::body::parse_object;
use shared::http::response::{json as json_response, with_cookie};
use shared::http::{came_over_https, cookie};
use shared::time::now_epoch_seconds;

use super::password_matches;
use crate::UserState;
use crate::state::{FAILED_LOGIN_WINDOW, MAX_FAILED_LOGINS};

/// Logs a user in.
pub async fn handle(state: &UserState, request: &Request) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let attempt = LoginAttempt::parse(&body)?;
    let failure_fields = |login_type: &str| -> Map<String, Value> {
        let mut extra = Map::new();
        extra.insert("status".into(), json!("error"));
        extra.insert("type".into(), json!(login_type));
        extra.insert("currentAuthority".into(), json!("guest"));
        extra
    };

    let failed = state
        .users
        .failed_logins(&attempt.user_name, FAILED_LOGIN_WINDOW)
        .await?;
    if failed.failures >= MAX_FAILED_LOGINS {
        let retry_after = (failed.window_start + FAILED_LOGIN_WINDOW.as_secs())
            .saturating_sub(now_epoch_seconds())
            .max(1);
        let error = ApiError::TooManyRequests {
            message: format!(
                "Too many failed logins for this name; try again in {} minutes.",
                retry_after.div_ceil(60)
            ),
            retry_after,
        };
        return Ok(error.into_response_with(failure_fields(&attempt.login_type)));
    }

    let user = state.users.find(&attempt.user_name).await?;
    let hash = user
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_owned(), |u| u.password_hash.clone());
    let matches = password_matches(state, attempt.password.clone(), hash).await?;
    let user = match (user, matches) {
        (Some(user), true) => user,
        _ => {
            state
                .users
                .record_failed_login(&attempt.user_name, FAILED_LOGIN_WINDOW)
                .await?;
            return Ok(ApiError::InvalidCredentials
                .into_response_with(failure_fields(&attempt.login_type)));
        }
    };
    if failed.failures > 0 {
        state.users.clear_failed_logins(&attempt.user_name).await?;
    }

    let issued = state.issuer.issue(&user.user_id, &user.user_name)?;
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
