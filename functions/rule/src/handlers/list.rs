//! `GET /api/rule`: one page of the user's todos, newest first, with the total.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::ApiError;
use shared::auth::session::AuthenticatedUser;
use shared::domain::ListQuery;
use shared::http::query::pairs;
use shared::http::response::json;

use crate::RuleState;

/// Lists todos.
pub async fn handle(
    state: &RuleState,
    user: &AuthenticatedUser,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let query = ListQuery::parse(&pairs(request.uri()))?;
    let page = state.rules.list(&user.id, &query).await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "data": page.rules,
            "total": page.total,
            "success": true,
            "current": query.current,
            "pageSize": query.page_size,
        }),
    ))
}
