//! Serving a function's router once the initializer is done.
//!
//! [`serve`] hands the router to `lambda_runtime::run_concurrent`, behind
//! `lambda_http`'s event-to-request adapter and [`crate::gateway_event::sanitize_event`]:
//! on Lambda Managed Instances (or the local platform) it polls
//! `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once; on on-demand Lambda it serves one
//! at a time. `run_concurrent` needs a `Clone + Send + 'static` service, which an axum
//! `Router` is: the state it holds is the `'static` reference the initializer left in
//! its `OnceCell`. Without a Runtime API but with `PORT`, the same router serves plain
//! HTTP instead ([`crate::container`]).

use axum::Router;
use axum::response::Response;
use bytes::Bytes;
use http_body_util::Full;
use tower::ServiceExt;

use crate::gateway_event::sanitize_event;

/// Serves `router`: the Lambda runtime loop under a Lambda Runtime API, a plain HTTP
/// server with `PORT` set and no Runtime API.
pub async fn serve(router: Router) -> Result<(), lambda_http::Error> {
    if let Some(address) = crate::container::listen_address() {
        return crate::container::serve_http(address?, router).await;
    }
    // What lambda_http::run_concurrent does, with the event cleaned before the adapter
    // builds the request from it (it panics on some malformed Host headers).
    let router = ServiceExt::<lambda_http::Request>::and_then(router, in_memory);
    let service = lambda_http::Adapter::from(router).map_request(sanitize_event);
    lambda_runtime::run_concurrent(service).await
}

/// The response with its body in memory, as a Lambda response is anyway (and `Sync`,
/// as the adapter needs it to be).
async fn in_memory(response: Response) -> Result<http::Response<Full<Bytes>>, lambda_http::Error> {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await?;
    Ok(http::Response::from_parts(parts, Full::new(bytes)))
}

/// Installs the JSON-or-text log subscriber Lambda's log settings ask for.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
}
