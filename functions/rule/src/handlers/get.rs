//! `GET /api/rule/{key}`: one todo.

use http::StatusCode;
use lambda_http::{Body, Response};
use shared::ApiError;
use shared::auth::session::AuthenticatedUser;
use shared::domain::RuleKey;
use shared::http::response::json;

use crate::RuleState;

/// The 404 for a todo that is not the user's (or does not exist: they look the same).
/// An id is 26 characters; anything much longer is cut rather than echoed whole.
pub(crate) fn not_found(key: &str) -> ApiError {
    let shown: String = key.chars().take(40).collect();
    let more = if shown.len() < key.len() { "..." } else { "" };
    ApiError::NotFound(format!("There is no todo {shown}{more}."))
}

/// Reads one todo.
pub async fn handle(
    state: &RuleState,
    user: &AuthenticatedUser,
    key: &str,
) -> Result<Response<Body>, ApiError> {
    // An id that cannot exist is simply not found.
    let parsed = RuleKey::parse(key, "key").map_err(|_| not_found(key))?;
    let rule = state
        .rules
        .get(&user.id, parsed)
        .await?
        .ok_or_else(|| not_found(key))?;
    Ok(json(StatusCode::OK, &rule))
}
