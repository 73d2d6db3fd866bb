//! Serving requests once the initializer is done.
//!
//! [`serve`] hands a handler to `lambda_runtime::run_concurrent`, behind `lambda_http`'s
//! event-to-request adapter and [`crate::gateway_event::sanitize_event`]: on Lambda Managed
//! Instances (or the local platform) it polls `AWS_LAMBDA_MAX_CONCURRENCY` invocations
//! at once; on on-demand Lambda it serves one at a time. The handler gets the
//! `'static` state the initializer built, which is why that state lives in a
//! `OnceCell`: `run_concurrent` needs a `Clone + Send + 'static` service.
//! Without a Runtime API but with `PORT`, the same handler serves plain HTTP instead.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;
use lambda_http::tower::ServiceExt as _;
use lambda_http::{Body, Request, Response, service_fn};

use crate::gateway_event::sanitize_event;

use crate::ApiError;

/// Runs `handler` on every request, with panics turned into contract-shaped 500s.
///
/// Under a Lambda Runtime API this is the Lambda runtime loop; with `PORT` set and no
/// Runtime API it is a plain HTTP server ([`crate::container`]).
pub async fn serve<S, H, Fut>(state: &'static S, handler: H) -> Result<(), lambda_http::Error>
where
    S: Sync + 'static,
    H: Fn(&'static S, Request) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    if let Some(address) = crate::container::listen_address() {
        return crate::container::serve_http(address?, state, handler).await;
    }
    let handler = service_fn(move |request: Request| {
        guarded(handler(state, request)).map(Ok::<_, Infallible>)
    });
    // What lambda_http::run_concurrent does, with the event cleaned before the adapter
    // builds the request from it (it panics on some malformed Host headers).
    let service = lambda_http::Adapter::from(handler).map_request(sanitize_event);
    lambda_runtime::run_concurrent(service).await
}

/// Awaits a handler's future; a panic becomes a logged 500 instead of a dead request.
/// Then flushes the business metrics ([`crate::metrics::flush`]).
pub async fn guarded<Fut>(future: Fut) -> Response<Body>
where
    Fut: Future<Output = Response<Body>>,
{
    let outcome = AssertUnwindSafe(future).catch_unwind().await;
    // Once per request, whatever its outcome: what the handler counted goes out.
    crate::metrics::flush();
    match outcome {
        Ok(response) => response,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            tracing::error!(panic = %message, "handler panicked");
            ApiError::Internal.into_response()
        }
    }
}

/// Installs the JSON-or-text log subscriber Lambda's log settings ask for.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber();
}
