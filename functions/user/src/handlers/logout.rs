//! `POST /api/login/outLogin`: clears the session cookie.
//!
//! Tokens are stateless, so logging out removes the browser's cookie; a copied token
//! stays valid until it expires (one hour by default), as the README explains.

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::http::response::{json as json_response, with_cookie};
use shared::http::{came_over_https, cookie};

/// Logs the browser out.
pub fn handle(request: &Request) -> Response<Body> {
    let response = json_response(StatusCode::OK, &json!({"success": true}));
    with_cookie(
        response,
        &cookie::cleared(came_over_https(request.headers())),
    )
}
