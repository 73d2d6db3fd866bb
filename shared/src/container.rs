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
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use lambda_http::{Body, Request, Response};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::ApiError;
use crate::http::body::MAX_BODY_BYTES;
use crate::runtime::guarded;

/// How long in-flight requests may finish after SIGTERM.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request may take to arrive in full.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

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

/// Serves HTTP on `address` until SIGTERM or Ctrl-C, then drains in-flight requests.
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
    let mut connections = JoinSet::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| async move {
                    Ok::<_, Infallible>(answer(state, handler, request).await)
                });
                connections.spawn(async move {
                    if let Err(e) = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await
                    {
                        tracing::debug!(error = %e, "connection closed with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    tracing::info!(in_flight = connections.len(), "shutting down");
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
    Ok(())
}

async fn answer<S, H, Fut>(
    state: &'static S,
    handler: H,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>>
where
    H: Fn(&'static S, Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let (parts, body) = request.into_parts();
    // One byte more than allowed, so an oversized body is seen and answered with 413.
    let limited = Limited::new(body, MAX_BODY_BYTES + 1);
    let response = match tokio::time::timeout(READ_TIMEOUT, limited.collect()).await {
        Ok(Ok(collected)) => {
            let bytes = collected.to_bytes();
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
        Ok(Err(_)) => ApiError::PayloadTooLarge {
            limit: MAX_BODY_BYTES,
        }
        .into_response(),
        Err(_) => ApiError::bad_request("body", "The request body did not arrive in time.")
            .into_response(),
    };
    let (parts, body) = response.into_parts();
    let bytes = Bytes::copy_from_slice(crate::http::body::bytes(&body));
    hyper::Response::from_parts(parts, Full::new(bytes))
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
