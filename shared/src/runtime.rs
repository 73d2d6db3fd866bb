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

use std::future::Future;
use std::pin::Pin;

use axum::Router;
use axum::response::Response;
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

/// An answer with its body in memory, handed to `lambda_http` as the `Body` its Lambda
/// answer is made of: text when it is UTF-8 and not content-encoded, bytes otherwise
/// (which `lambda_http` sends base64-encoded). `lambda_http`'s own conversion of an
/// axum answer would collect the body a second time and parse its `Content-Type`.
struct InMemory(http::Response<lambda_http::Body>);

impl lambda_http::IntoResponse for InMemory {
    fn into_response(
        self,
    ) -> Pin<Box<dyn Future<Output = http::Response<lambda_http::Body>> + Send>> {
        Box::pin(std::future::ready(self.0))
    }
}

async fn in_memory(response: Response) -> Result<InMemory, lambda_http::Error> {
    let (parts, body) = response.into_parts();
    let bytes = Vec::from(axum::body::to_bytes(body, usize::MAX).await?);
    let body = if parts.headers.contains_key(http::header::CONTENT_ENCODING) {
        lambda_http::Body::Binary(bytes)
    } else {
        match String::from_utf8(bytes) {
            Ok(text) => lambda_http::Body::Text(text),
            Err(not_text) => lambda_http::Body::Binary(not_text.into_bytes()),
        }
    };
    Ok(InMemory(http::Response::from_parts(parts, body)))
}

/// Installs the JSON-or-text log subscriber Lambda's log settings ask for.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
}
