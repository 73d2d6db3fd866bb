//! `PUT /api/rule` and `PUT /api/rule/{key}`: change a todo, optionally only if unchanged.

use shared::ApiError;
use shared::auth::session::VerifiedToken;
use shared::domain::{TodoChanges, TodoWrite};
use shared::http::body::parse_object;
use shared::http::{Body, Request, Response};

use super::writes;
use crate::RuleState;

/// Updates a todo: 200 with it, 404 when missing, 409 when `version` is stale.
pub async fn handle(
    state: &RuleState,
    token: VerifiedToken,
    request: &Request,
    path_key: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let changes = TodoChanges::parse(&body, path_key)?;
    writes::apply(state, token, request.headers(), TodoWrite::Update(changes)).await
}
