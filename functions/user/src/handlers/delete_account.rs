//! `DELETE /api/currentUser`: delete one's own account, the password re-entered.
//!
//! A stolen token alone must not be enough to destroy an account, so the password
//! is asked again, and the attempts count against the same throttle as logins (a
//! token holder cannot guess passwords here faster than at the login form).
//! Once the password matches, the account's sessions are closed (every token of it,
//! on every instance, is refused from the next request on), then its profile and
//! everything it owns are deleted ([`crate::closing`]).
//!
//! Answers: 200 `{"success": true, "deletedTodos": n}` with the session cookie
//! cleared; 401 without an open session; 403 for a wrong password; 429 when the
//! name's attempts are used up.

use http::StatusCode;
use serde_json::json;
use shared::ApiError;
use shared::auth::session::authenticate;
use shared::domain::AccountDeletion;
use shared::http::body::parse_object;
use shared::http::response::{json as json_response, with_cookie};
use shared::http::{Body, Request, Response};
use shared::http::{came_over_https, cookie};

use super::login::too_many_attempts;
use super::{password_matches, session_account};
use crate::UserState;
use crate::state::{FAILED_LOGIN_WINDOW, MAX_FAILED_LOGINS};

/// Deletes the session's account.
pub async fn handle(state: &UserState, request: &Request) -> Result<Response<Body>, ApiError> {
    let session = authenticate(request.headers(), &state.verifier, &state.sessions).await?;
    let body = parse_object(request.headers(), request.body())?;
    let deletion = AccountDeletion::parse(&body)?;
    let name = session.name.to_ascii_lowercase();
    if let Err(refused) = state
        .users
        .reserve_login_attempt(&name, MAX_FAILED_LOGINS, FAILED_LOGIN_WINDOW)
        .await?
    {
        return Err(too_many_attempts(refused));
    }
    let user = session_account(state, &session).await?;
    if !password_matches(state, deletion.password, user.password_hash.clone()).await? {
        return Err(ApiError::Forbidden(
            "The password is incorrect; the account was not deleted.".to_owned(),
        ));
    }
    state.sessions.close_account(&user.user_id).await?;
    let deleted_todos = crate::closing::finish(state, &user).await?;
    shared::metrics::count(shared::metrics::names::ACCOUNTS_CLOSED, 1);
    let response = json_response(
        StatusCode::OK,
        &json!({"success": true, "deletedTodos": deleted_todos}),
    );
    Ok(with_cookie(
        response,
        &cookie::cleared(came_over_https(request.headers())),
    ))
}
