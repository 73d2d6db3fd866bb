//! `GET /api/rule/{key}`: one todo.

use http::StatusCode;
use shared::ApiError;
use shared::auth::session::VerifiedToken;
use shared::domain::TodoKey;
use shared::http::response::json;
use shared::http::{Body, Response};

use crate::RuleState;

/// The 404 for a todo that is not the user's (or does not exist: they look the same).
/// An id is 26 characters; anything much longer is cut rather than echoed whole.
pub(crate) fn not_found(key: &str) -> ApiError {
    let shown: String = key.chars().take(40).collect();
    let more = if shown.len() < key.len() { "..." } else { "" };
    ApiError::NotFound(format!("There is no todo {shown}{more}."))
}

/// Reads one todo; the session is checked by the same read.
pub async fn handle(
    state: &RuleState,
    token: VerifiedToken,
    key: &str,
) -> Result<Response<Body>, ApiError> {
    let user = token.unchecked_user();
    let Ok(parsed) = TodoKey::parse(key, "key") else {
        // An id that cannot exist is simply not found, once the session is known.
        token.require_open(&state.sessions).await?;
        return Err(not_found(key));
    };
    let todo = state
        .todos
        .get_checked(user, parsed)
        .await?
        .ok_or_else(|| not_found(key))?;
    Ok(json(StatusCode::OK, &todo))
}
