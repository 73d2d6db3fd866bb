//! `POST /api/login/outLogin`: ends the session and clears its cookie.
//!
//! The session named by the request's token is removed from the session store, so
//! the token is refused everywhere from the next request on, copies of it included.
//! A request without a valid token just gets the cookie cleared. If the session
//! cannot be ended (the datastore is unavailable), the answer says so (503) and
//! keeps the cookie, so that the client can retry rather than believe it is out.

use http::StatusCode;
use serde_json::json;
use shared::ApiError;
use shared::auth::session::verify;
use shared::http::response::{json as json_response, with_cookie};
use shared::http::{Body, Request, Response};
use shared::http::{came_over_https, cookie};

use crate::UserState;

/// Logs out.
pub async fn handle(state: &UserState, request: &Request) -> Result<Response<Body>, ApiError> {
    if let Ok(token) = verify(request.headers(), &state.verifier) {
        let user = token.unchecked_user();
        state.sessions.end(&user.id, &user.session_id).await?;
        shared::metrics::count(shared::metrics::names::SESSIONS_ENDED, 1);
        tracing::info!(user_id = %user.id, "session ended");
    }
    let response = json_response(StatusCode::OK, &json!({"success": true}));
    Ok(with_cookie(
        response,
        &cookie::cleared(came_over_https(request.headers())),
    ))
}
