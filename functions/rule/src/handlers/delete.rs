//! `DELETE /api/rule` and `DELETE /api/rule/{key}`: remove one or up to 100 todos.

use shared::ApiError;
use shared::auth::session::VerifiedToken;
use shared::domain::{DeleteKeys, TodoWrite};
use shared::http::body::parse_object;
use shared::http::{Body, Request, Response};

use super::writes;
use crate::RuleState;

/// Deletes todos; `deleted` counts those that existed.
pub async fn handle(
    state: &RuleState,
    token: VerifiedToken,
    request: &Request,
    path_key: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let keys = DeleteKeys::parse(&body, path_key)?;
    writes::apply(state, token, request.headers(), TodoWrite::Delete(keys)).await
}
