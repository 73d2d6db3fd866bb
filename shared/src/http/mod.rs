//! The HTTP side of a function: the router every function is built on, and everything
//! that touches raw request bytes or builds responses.
//!
//! [`router::finish`] gives a function's axum routes what every function shares (the
//! contract's 404 and 405, the body limit, dot segments refused, panics caught, request
//! ids); [`request::Buffered`] hands a handler its request with the body read in full.
//! Handlers get typed values out of here and never look at a header or a byte again.
//! Nothing here depends on where the request came from, so the same router serves
//! behind API Gateway and as a plain HTTP server.

pub mod body;
pub mod cookie;
pub mod idempotency;
pub mod path;
pub mod query;
pub mod request;
pub mod response;
pub mod router;

pub use axum::body::Body;
use http::HeaderMap;
pub use http::Response;
pub use request::Request;

/// Whether the client reached us over HTTPS (API Gateway and CloudFront set
/// `X-Forwarded-Proto`), which decides the cookie's `Secure` flag.
pub fn came_over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(',')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("https")
        })
        .unwrap_or(false)
}
