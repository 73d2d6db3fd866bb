//! The live status page at `/_local/`: each function's instances with state,
//! in-flight, cold starts and recent latencies, refreshed twice a second.

use axum::body::Body;
use http::{HeaderValue, Response, header};

use crate::runtime::pool::PoolStatus;
use crate::server::static_files::secure;

const INDEX: &str = include_str!("../../status/index.html");
const SCRIPT: &str = include_str!("../../status/status.js");
const STYLE: &str = include_str!("../../status/status.css");

/// The page's files by path under `/_local/`; `None` for unknown paths.
pub fn asset(path: &str) -> Option<Response<Body>> {
    let (body, content_type) = match path {
        "" | "/" | "/index.html" => (INDEX, "text/html; charset=utf-8"),
        "/status.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "/status.css" => (STYLE, "text/css; charset=utf-8"),
        _ => return None,
    };
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    secure(&mut response);
    Some(response)
}

/// The JSON the page polls.
pub fn json(pools: &[PoolStatus], logs: &[String]) -> Response<Body> {
    let tail = &logs[logs.len().saturating_sub(100)..];
    let body = serde_json::json!({"functions": pools, "logs": tail});
    let mut response = Response::new(Body::from(body.to_string()));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
