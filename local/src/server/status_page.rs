//! The live status page at `/_local/`: each function's instances with state,
//! in-flight, cold starts and recent latencies, and the metrics the functions wrote
//! in their log lines, refreshed twice a second.

use axum::body::Body;
use http::{HeaderValue, Response, header};

use crate::observe::emf::{Aggregate, SeriesKey};
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
pub fn json(
    pools: &[PoolStatus],
    logs: &[String],
    emf: &[(SeriesKey, Aggregate)],
) -> Response<Body> {
    let tail = &logs[logs.len().saturating_sub(100)..];
    let metrics: Vec<_> = emf
        .iter()
        .map(|(key, aggregate)| {
            serde_json::json!({
                "function": key.function,
                "namespace": key.namespace,
                "name": key.name,
                "dimensions": key.dimensions,
                "unit": aggregate.unit,
                "sum": aggregate.sum,
                "count": aggregate.count,
                "last": aggregate.last,
            })
        })
        .collect();
    let body = serde_json::json!({"functions": pools, "logs": tail, "metrics": metrics});
    let mut response = Response::new(Body::from(body.to_string()));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
