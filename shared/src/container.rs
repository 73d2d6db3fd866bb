//! The same binary as a plain HTTP container ("build, ship, run" without Lambda).
//!
//! When there is no Lambda Runtime API (`AWS_LAMBDA_RUNTIME_API` unset) and `PORT` is
//! set, [`crate::runtime::serve`] listens on `0.0.0.0:$PORT` (or `$HOST:$PORT`) and
//! answers HTTP directly with the same handler. The container version of the
//! initializer fix follows: `main` runs the initializer first, so the port is not
//! open until the datastore is warm, and a load balancer's health check cannot send
//! traffic to a half-initialised container.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use lambda_http::{Body, Request, Response};
use tokio::net::TcpListener;

use crate::edge::Timeouts;
use crate::http::body::MAX_BODY_BYTES;
use crate::runtime::guarded;
use crate::shutdown::shutdown_signal;

/// The address to listen on, when this process should be an HTTP container.
pub fn listen_address() -> Option<Result<SocketAddr, String>> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return None;
    }
    let port = std::env::var("PORT").ok()?;
    let host = std::env::var("HOST").unwrap_or_else(|_| "0.0.0.0".to_owned());
    Some(
        format!("{host}:{port}")
            .parse()
            .map_err(|e| format!("HOST/PORT {host}:{port} is not an address: {e}")),
    )
}

/// Serves HTTP on `address` until SIGTERM or Ctrl-C, then drains in-flight requests
/// (see [`crate::edge`] for the timeouts and the errors the edge answers itself).
pub async fn serve_http<S, H, Fut>(
    address: SocketAddr,
    state: &'static S,
    handler: H,
) -> Result<(), lambda_http::Error>
where
    S: Sync + 'static,
    H: Fn(&'static S, Request) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    let listener = TcpListener::bind(address).await?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "listening");
    println!("listening on http://{local}");
    let timeouts = timeouts_from_env()?;
    let make_service = move |_peer| {
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| async move {
            Ok::<_, Infallible>(answer(state, handler, request, timeouts.read).await)
        })
    };
    crate::edge::serve(listener, timeouts, make_service, shutdown_signal()).await;
    Ok(())
}

/// The edge's timeouts, with `HTTP_READ_TIMEOUT_SECONDS` (how long a request head or
/// body may take to arrive; 10 by default) when set.
fn timeouts_from_env() -> Result<Timeouts, String> {
    let mut timeouts = Timeouts::default();
    if let Ok(seconds) = std::env::var("HTTP_READ_TIMEOUT_SECONDS") {
        let seconds: f64 = seconds
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 3600.0)
            .ok_or_else(|| {
                format!(
                    "HTTP_READ_TIMEOUT_SECONDS={seconds} is not a number of seconds from 0 to 3600"
                )
            })?;
        timeouts.read = Duration::from_secs_f64(seconds);
    }
    Ok(timeouts)
}

async fn answer<S, H, Fut>(
    state: &'static S,
    handler: H,
    request: hyper::Request<Incoming>,
    read_timeout: Duration,
) -> hyper::Response<Full<Bytes>>
where
    H: Fn(&'static S, Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let (parts, body) = request.into_parts();
    // One byte more than allowed, so that the handler sees an oversized body and
    // answers 413 as it does behind API Gateway.
    let response =
        match crate::edge::body::read(&parts.headers, body, MAX_BODY_BYTES + 1, read_timeout).await
        {
            Ok(bytes) => {
                let body = if bytes.is_empty() {
                    Body::Empty
                } else {
                    match String::from_utf8(bytes.to_vec()) {
                        Ok(text) => Body::Text(text),
                        Err(e) => Body::Binary(e.into_bytes()),
                    }
                };
                guarded(handler(state, Request::from_parts(parts, body))).await
            }
            Err(crate::ApiError::PayloadTooLarge { .. }) => crate::ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            }
            .into_response(),
            Err(error) => error.into_response(),
        };
    let (parts, body) = response.into_parts();
    let bytes = Bytes::copy_from_slice(crate::http::body::bytes(&body));
    hyper::Response::from_parts(parts, Full::new(bytes))
}
