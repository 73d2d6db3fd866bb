//! `POST /api/rule`: a new todo.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::ApiError;
use shared::auth::session::AuthenticatedUser;
use shared::domain::NewRule;
use shared::http::body::parse_object;
use shared::http::response::json;

use crate::RuleState;

/// Creates a todo: 201 with it.
pub async fn handle(
    state: &RuleState,
    user: &AuthenticatedUser,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let body = parse_object(request.headers(), request.body())?;
    let new = NewRule::parse(&body)?;
    let rule = state.rules.create(user, &new).await?;
    Ok(json(StatusCode::CREATED, &rule))
}
