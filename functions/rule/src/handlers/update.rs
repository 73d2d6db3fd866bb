//! `PUT /api/rule` and `PUT /api/rule/{key}`: change a todo, optionally only if unchanged.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::ApiError;
use shared::auth::session::AuthenticatedUser;
use shared::domain::RuleChanges;
use shared::http::body::parse_object;
use shared::http::response::json;
use shared::store::rules::UpdateOutcome;

use super::get::not_found;
use crate::RuleState;

/// Updates a todo: 200 with it, 404 when missing, 409 when `version` is stale.
pub async fn handle(
    state: &RuleState,
    user: &AuthenticatedUser,
    request: &Request,
    path_key: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let changes = RuleChanges::parse(&body, path_key)?;
    match state.rules.update(&user.id, &changes).await? {
        UpdateOutcome::Updated(rule) => Ok(json(StatusCode::OK, &rule)),
        UpdateOutcome::NotFound => Err(not_found(&changes.key.to_string())),
        UpdateOutcome::Stale(current) => Err(ApiError::Conflict(format!(
            "This todo was changed elsewhere (now at version {}); reload it and try again.",
            current.version
        ))),
    }
}
