//! The HTTP/1.1 edge that faces clients directly: container mode and the local gateway.
//!
//! Behind API Gateway, AWS parses HTTP and bounds slow clients. A server that faces
//! clients itself has to do that work, and answer every failure in the contract's
//! shape even when no handler ever saw the request. [`serve`] runs an axum `Router`
//! with `axum::serve` on a listener whose connections are [`head::Guarded`]:
//!
//! - [`head`] reads each request head before hyper does: a head that stalls gets a
//!   **408** after [`Timeouts::read`] (an idle keep-alive connection is closed quietly
//!   after [`Timeouts::idle`]); a long URL gets a **414**, too many or too large
//!   headers a **431**, bytes that are not an HTTP/1.1 head (or a duplicate
//!   `Content-Length`) a **400**, all in the contract's JSON, within limits below
//!   hyper's own; [`framing`] follows each body to where the next head starts.
//! - Request bodies are the server's: [`crate::container`] bounds them with
//!   tower-http's layers, the local gateway reads them itself.
//! - On shutdown, listening stops and every connection finishes the request it is
//!   serving (up to [`DRAIN_TIMEOUT`]), then closes.

pub mod framing;
pub mod head;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::serve::{Listener, ListenerExt as _};
use tokio::net::{TcpListener, TcpStream};

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

/// Serves `router` on `listener` until `shutdown` completes; then drains in-flight
/// requests. Handlers can read the client's address as `ConnectInfo<SocketAddr>`.
pub async fn serve<F>(listener: TcpListener, timeouts: Timeouts, router: Router, shutdown: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let listener = Guarding { listener, timeouts }.tap_io(|connection| {
        let _ = connection.get_ref().set_nodelay(true);
    });
    let (draining, drain_started) = tokio::sync::oneshot::channel();
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down");
        let _ = draining.send(());
    });
    let drain_limit = async {
        match drain_started.await {
            Ok(()) => tokio::time::sleep(DRAIN_TIMEOUT).await,
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        served = server => if let Err(e) = served {
            tracing::warn!(error = %e, "serving failed");
        },
        () = drain_limit => tracing::warn!("in-flight requests did not finish in time"),
    }
}

/// A listener whose connections are [`head::Guarded`].
struct Guarding {
    listener: TcpListener,
    timeouts: Timeouts,
}

impl Listener for Guarding {
    type Io = head::Guarded<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, peer)) => return (head::Guarded::new(stream, self.timeouts), peer),
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    // Out of file descriptors and the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}
