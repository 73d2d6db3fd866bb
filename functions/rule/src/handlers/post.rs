//! `POST /api/rule`: a new todo, or, in Ant Design Pro's convention, the write the
//! body's `method` names (`post`, `update`, `delete`; see `shared::domain::todo_write`).

use shared::ApiError;
use shared::auth::session::VerifiedToken;
use shared::domain::TodoWrite;
use shared::http::body::parse_object;
use shared::http::{Body, Request, Response};

use super::writes;
use crate::RuleState;

/// Creates a todo (201), or updates (200) or deletes (200) as `method` says.
pub async fn handle(
    state: &RuleState,
    token: VerifiedToken,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let write = TodoWrite::parse_post(&body)?;
    writes::apply(state, token, request.headers(), write).await
}
