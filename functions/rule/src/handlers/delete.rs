//! `DELETE /api/rule` and `DELETE /api/rule/{key}`: remove one or up to 100 todos.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::ApiError;
use shared::auth::session::AuthenticatedUser;
use shared::domain::DeleteKeys;
use shared::http::body::parse_object;
use shared::http::response::json;

use crate::RuleState;

/// Deletes todos; `deleted` counts those that existed.
pub async fn handle(
    state: &RuleState,
    user: &AuthenticatedUser,
    request: &Request,
    path_key: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let keys = DeleteKeys::parse(&body, path_key)?;
    let deleted = state.rules.delete(&user.id, &keys.0).await?;
    Ok(json(
        StatusCode::OK,
        &json!({"success": true, "deleted": deleted}),
    ))
}
