//! The same binary as a plain HTTP container ("build, ship, run" without Lambda).
//!
//! When there is no Lambda Runtime API (`AWS_LAMBDA_RUNTIME_API` unset) and `PORT` is
//! set, [`crate::runtime::serve`] listens on `0.0.0.0:$PORT` (or `$HOST:$PORT`) and
//! answers HTTP directly with the same router. `main` runs the initializer first, so
//! the port is not open until the datastore is warm, and a load balancer's health
//! check cannot send traffic to a half-initialised container.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use http::StatusCode;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::ApiError;
use crate::edge::Timeouts;
use crate::http::body::MAX_BODY_BYTES;
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

/// Serves `router` on `address` until SIGTERM or Ctrl-C, then drains in-flight
/// requests (see [`crate::edge`] for the timeouts and the errors the edge answers
/// itself).
///
/// Clients are bounded here as API Gateway bounds them on Lambda: a body announced
/// over [`MAX_BODY_BYTES`] is a 413 before any byte of it is read (so a client sending
/// `Expect: 100-continue` is never told to go on), and each part of a body must
/// arrive within the read timeout.
pub async fn serve_http(address: SocketAddr, router: Router) -> Result<(), lambda_http::Error> {
    let listener = TcpListener::bind(address).await?;
    let local = listener.local_addr()?;
    tracing::info!(address = %local, "listening");
    println!("listening on http://{local}");
    let timeouts = timeouts_from_env()?;
    let router = router.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(payload_too_large))
            .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
            .layer(RequestBodyTimeoutLayer::new(timeouts.read)),
    );
    crate::edge::serve(listener, timeouts, router, shutdown_signal()).await;
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

/// The limit layer's own 413 (a bare status line) in the contract's shape.
async fn payload_too_large(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        }
        .into_response();
    }
    response
}
