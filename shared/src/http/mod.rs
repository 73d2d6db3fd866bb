//! The HTTP edge: everything that touches raw request bytes or builds responses.
//!
//! Handlers get typed values out of here and never look at a header or a byte again.
//! These modules use only `http::Request` parts (method, URI, headers, body), so the
//! same handlers work behind API Gateway and in any plain HTTP server.

pub mod body;
pub mod cookie;
pub mod idempotency;
pub mod path;
pub mod query;
pub mod response;

use http::HeaderMap;

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
