//! The HTTP/1.1 edge that faces clients directly: container mode and the local gateway.
//!
//! Behind API Gateway, AWS parses HTTP and bounds slow clients. A server that faces
//! clients itself has to do that work, and answer every failure in the contract's
//! shape even when no handler ever saw the request. [`serve`] runs hyper on a
//! listener with what that takes:
//!
//! - [`io::EdgeIo`] wraps each connection: a client that sends part of a request
//!   head and stalls gets a **408** after [`Timeouts::read`] (an idle keep-alive
//!   connection is closed quietly after [`Timeouts::idle`]), and the errors hyper
//!   writes by itself for requests it cannot parse (400 for a garbage request line
//!   or a duplicate `Content-Length`, 414 for a long URL, 431 for too many or too
//!   large headers) are rewritten into the contract's JSON error.
//! - [`tracker`] tells the connection when a request is being answered, so that
//!   only hyper's own answers are rewritten.
//! - [`body::read`] reads a request body for a handler: a `Content-Length` over
//!   the limit is a 413 at once (no `100 Continue` is sent), a malformed chunked
//!   body a 400, a body that does not arrive within [`Timeouts::read`] a 408.
//! - On shutdown, listening stops and every connection finishes the request it is
//!   serving (up to [`DRAIN_TIMEOUT`]), then closes.

pub mod body;
pub mod io;
pub mod tracker;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

/// How long clients may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a started request head, and then its body, may take to arrive in full.
    pub read: Duration,
    /// How long a keep-alive connection may sit idle between requests.
    pub idle: Duration,
}

impl Default for Timeouts {
    /// 10 s to send a head or a body, 60 s idle between requests.
    fn default() -> Self {
        Self {
            read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
        }
    }
}

/// How long in-flight requests may finish after shutdown begins.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// The most request headers accepted (hyper's default; more is a 431).
const MAX_HEADERS: usize = 100;

/// Serves HTTP/1.1 on `listener` with the service `make_service` builds for each
/// client address, until `shutdown` completes; then drains in-flight requests.
pub async fn serve<M, S, B, F>(
    listener: TcpListener,
    timeouts: Timeouts,
    make_service: M,
    shutdown: F,
) where
    M: Fn(SocketAddr) -> S,
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
    B: http_body::Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    F: Future<Output = ()>,
{
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    // Out of file descriptors and the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let tracker = tracker::Tracker::new();
        let io = TokioIo::new(io::EdgeIo::new(stream, tracker.clone(), timeouts));
        let service = tracker::Tracked::new(make_service(peer), tracker);
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            // EdgeIo bounds the head itself (and answers 408); this is only a backstop.
            .header_read_timeout(timeouts.idle + timeouts.read)
            .max_headers(MAX_HEADERS)
            .serve_connection(io, service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    // Stop listening first: new clients are refused while the others finish.
    drop(listener);
    tracing::info!(connections = graceful.count(), "shutting down");
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight requests did not finish in time");
    }
}
