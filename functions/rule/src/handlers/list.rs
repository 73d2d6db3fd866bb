//! `GET /api/rule`: one page of the user's todos, newest first, with the total and a
//! cursor to the next page.

use http::StatusCode;
use serde_json::json;
use shared::ApiError;
use shared::auth::session::VerifiedToken;
use shared::domain::ListQuery;
use shared::http::query::pairs;
use shared::http::response::json;
use shared::http::{Body, Request, Response};

use crate::RuleState;

/// Lists todos. The session is checked by the same read as the page (see
/// `shared::store::todos::list`).
pub async fn handle(
    state: &RuleState,
    token: VerifiedToken,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let query = ListQuery::parse(&pairs(request.uri()))?;
    let page = state.todos.list(token.unchecked_user(), &query).await?;
    tracing::debug!(items_read = page.items_read, "list page");
    Ok(json(
        StatusCode::OK,
        &json!({
            "data": page.todos,
            "total": page.total,
            "success": true,
            "current": query.current,
            "pageSize": query.page_size,
            "cursor": page.cursor.map(|key| key.to_string()),
            "totalExact": page.total_exact,
        }),
    ))
}
