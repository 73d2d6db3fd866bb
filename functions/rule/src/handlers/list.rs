//! `GET /api/rule`: one page of the user's todos, newest first, with the total and a
//! cursor to the next page.

use http::StatusCode;
use serde::Serialize;
use shared::ApiError;
use shared::auth::session::VerifiedToken;
use shared::domain::{ListQuery, Todo};
use shared::http::query::pairs;
use shared::http::response::json;
use shared::http::{Body, Request, Response};

use crate::RuleState;

/// The contract's `RulePage`, written straight from the page (no JSON tree in between).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListAnswer {
    data: Vec<Todo>,
    total: u64,
    success: bool,
    current: u32,
    page_size: u32,
    cursor: Option<String>,
    total_exact: bool,
}

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
    let answer = ListAnswer {
        data: page.todos,
        total: page.total,
        success: true,
        current: query.current,
        page_size: query.page_size,
        cursor: page.cursor.map(|key| key.to_string()),
        total_exact: page.total_exact,
    };
    Ok(json(StatusCode::OK, &answer))
}
