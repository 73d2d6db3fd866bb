//! A loopback proxy in front of the DynamoDB emulator that plays faults on chosen
//! calls: it answers them itself, or forwards them and holds the answer back.
//!
//! - [`FaultProxy`] takes the choice as a function of each request;
//! - [`ConflictProxy`] answers chosen `TransactWriteItems` calls as DynamoDB does when
//!   two transactions meet on one item (`TransactionCanceledException` with a
//!   `TransactionConflict` reason, nothing applied). The emulator serialises
//!   transactions and never says so; this is how the tests reach the code that
//!   handles it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// What the proxy does with one request.
#[derive(Debug)]
pub enum Fault {
    /// Forward it and its answer.
    Pass,
    /// Forward it (it lands), then hold its answer back this long.
    HoldAnswer(Duration),
    /// Answer it with this, forwarding nothing.
    Answer(http::Response<Full<Bytes>>),
}

/// Chooses the fault for a request, from its head and body.
type Chooser = dyn Fn(&http::request::Parts, &Bytes) -> Fault + Send + Sync;

/// A running proxy; it serves until the test process ends.
#[derive(Debug, Clone)]
pub struct FaultProxy {
    endpoint: String,
}

impl FaultProxy {
    /// Starts a proxy forwarding to `upstream` (e.g. `http://127.0.0.1:8000`), with
    /// `choose` deciding each request's fault.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start(
        upstream: &str,
        choose: impl Fn(&http::request::Parts, &Bytes) -> Fault + Send + Sync + 'static,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let choose: Arc<Chooser> = Arc::new(choose);
        let state = (upstream.to_owned(), choose, client);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = state.clone();
                let service = hyper::service::service_fn(move |request| {
                    let (upstream, choose, client) = state.clone();
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            answer(request, &upstream, &*choose, &client).await,
                        )
                    }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { endpoint }
    }

    /// The endpoint to give a function instead of the emulator's.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

async fn answer(
    request: http::Request<Incoming>,
    upstream: &str,
    choose: &Chooser,
    client: &Client<HttpConnector, Full<Bytes>>,
) -> http::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let hold = match choose(&parts, &body) {
        Fault::Answer(response) => return response,
        Fault::HoldAnswer(hold) => Some(hold),
        Fault::Pass => None,
    };
    let mut forwarded = http::Request::builder()
        .method(parts.method)
        .uri(format!("{upstream}{}", parts.uri));
    for (name, value) in &parts.headers {
        forwarded = forwarded.header(name, value);
    }
    let Ok(forwarded) = forwarded.body(Full::new(body)) else {
        return bad_gateway();
    };
    let response = match client.request(forwarded).await {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            http::Response::from_parts(parts, Full::new(body))
        }
        Err(_) => bad_gateway(),
    };
    if let Some(hold) = hold {
        tokio::time::sleep(hold).await;
    }
    response
}

/// The `X-Amz-Target` operation of a DynamoDB request (`TransactWriteItems`, ...).
pub fn operation(parts: &http::request::Parts) -> &str {
    parts
        .headers
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or_default()
}

/// A [`FaultProxy`] that cancels chosen transactions with `TransactionConflict`.
#[derive(Debug, Clone)]
pub struct ConflictProxy {
    proxy: FaultProxy,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    /// How many transactions it lets through before it cancels any.
    to_pass: AtomicUsize,
    /// How many transactions it still cancels (`usize::MAX`: all of them).
    to_cancel: AtomicUsize,
    cancelled: AtomicUsize,
}

impl Counters {
    fn takes_one(&self) -> bool {
        let passes = self
            .to_pass
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        let takes = !passes
            && self
                .to_cancel
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| match left {
                    0 => None,
                    usize::MAX => Some(usize::MAX),
                    left => Some(left - 1),
                })
                .is_ok();
        if takes {
            self.cancelled.fetch_add(1, Ordering::SeqCst);
        }
        takes
    }
}

impl ConflictProxy {
    /// Starts a proxy forwarding to `upstream`, cancelling nothing yet.
    pub async fn start(upstream: &str) -> Self {
        let counters = Arc::new(Counters::default());
        let chooser = counters.clone();
        let proxy = FaultProxy::start(upstream, move |parts, body| {
            if operation(parts) == "TransactWriteItems" && chooser.takes_one() {
                Fault::Answer(conflict(body))
            } else {
                Fault::Pass
            }
        })
        .await;
        Self { proxy, counters }
    }

    /// The endpoint to give the function instead of the emulator's.
    pub fn endpoint(&self) -> &str {
        self.proxy.endpoint()
    }

    /// Cancels the next `count` transactions (`usize::MAX`: every one from now on).
    pub fn cancel_next(&self, count: usize) {
        self.cancel_after(0, count);
    }

    /// Lets `pass` transactions through, then cancels `count` (`usize::MAX`: every one).
    pub fn cancel_after(&self, pass: usize, count: usize) {
        self.counters.to_pass.store(pass, Ordering::SeqCst);
        self.counters.to_cancel.store(count, Ordering::SeqCst);
    }

    /// How many transactions it has cancelled.
    pub fn cancelled(&self) -> usize {
        self.counters.cancelled.load(Ordering::SeqCst)
    }
}

/// DynamoDB's answer to a transaction cancelled by another one on its first item.
fn conflict(request: &[u8]) -> http::Response<Full<Bytes>> {
    let actions = serde_json::from_slice::<serde_json::Value>(request)
        .ok()
        .and_then(|body| body["TransactItems"].as_array().map(Vec::len))
        .unwrap_or(1);
    let reasons: Vec<serde_json::Value> = (0..actions)
        .map(|i| {
            if i == 0 {
                serde_json::json!({"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"})
            } else {
                serde_json::json!({"Code": "None"})
            }
        })
        .collect();
    let body = serde_json::json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]",
        "CancellationReasons": reasons,
    });
    http::Response::builder()
        .status(400)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| bad_gateway())
}

fn bad_gateway() -> http::Response<Full<Bytes>> {
    let mut response = http::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = http::StatusCode::BAD_GATEWAY;
    response
}
