//! `GET /api/rule`: one page of the user's todos, newest first, with the total.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::ApiError;
use shared::auth::session::VerifiedToken;
use shared::domain::ListQuery;
use shared::http::query::pairs;
use shared::http::response::json;

use crate::RuleState;

/// Lists todos. The session check runs alongside the read; a closed session's page
/// is dropped unseen.
pub async fn handle(
    state: &RuleState,
    token: VerifiedToken,
    request: &Request,
) -> Result<Response<Body>, ApiError> {
    let query = ListQuery::parse(&pairs(request.uri()))?;
    let owner_id = token.unchecked_user().id.clone();
    let (_user, page) = token
        .alongside(&state.sessions, async {
            Ok(state.rules.list(&owner_id, &query).await?)
        })
        .await?;
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
