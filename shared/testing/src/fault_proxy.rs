//! A loopback proxy in front of the DynamoDB emulator that plays faults on chosen
//! calls: it answers them itself, forwards them and holds or loses the answer, or
//! forwards them changed.
//!
//! - [`FaultProxy`] takes the choice as a function of each request;
//! - [`ConflictProxy`] answers chosen `TransactWriteItems` calls as DynamoDB does when
//!   two transactions meet on one item (`TransactionCanceledException` with a
//!   `TransactionConflict` reason, nothing applied). The emulator serialises
//!   transactions and never says so; this is how the tests reach the code that
//!   handles it;
//! - [`TokenBlindProxy`] stands for a datastore that does not recognise a transaction
//!   sent again (moto ignores `ClientRequestToken`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// Forward it (it lands), then answer this instead of the datastore's answer.
    LoseAnswer(http::Response<Full<Bytes>>),
    /// Forward this body in its place.
    PassAs(Bytes),
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
    let (body, hold, lost) = match choose(&parts, &body) {
        Fault::Answer(response) => return response,
        Fault::HoldAnswer(hold) => (body, Some(hold), None),
        Fault::LoseAnswer(instead) => (body, None, Some(instead)),
        Fault::PassAs(changed) => (changed, None, None),
        Fault::Pass => (body, None, None),
    };
    let mut forwarded = http::Request::builder()
        .method(parts.method)
        .uri(format!("{upstream}{}", parts.uri));
    // The client sets the length of the body it forwards.
    for (name, value) in parts
        .headers
        .iter()
        .filter(|(name, _)| *name != http::header::CONTENT_LENGTH)
    {
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
    lost.unwrap_or(response)
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

/// A [`FaultProxy`] in front of which a transaction sent again is a new one: every
/// transaction goes on without its `ClientRequestToken`, and after
/// [`Self::lose_next_answer`] the next one lands but answers a 500, so the SDK sends
/// it again and the datastore judges it afresh.
#[derive(Debug, Clone)]
pub struct TokenBlindProxy {
    proxy: FaultProxy,
    lose: Arc<AtomicBool>,
}

impl TokenBlindProxy {
    /// Starts a proxy forwarding to `upstream`, losing no answer yet.
    pub async fn start(upstream: &str) -> Self {
        let lose = Arc::new(AtomicBool::new(false));
        let armed = lose.clone();
        let proxy = FaultProxy::start(upstream, move |parts, body| {
            if operation(parts) != "TransactWriteItems" {
                return Fault::Pass;
            }
            let mut request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
            if let Some(fields) = request.as_object_mut() {
                fields.remove("ClientRequestToken");
            }
            if armed.swap(false, Ordering::SeqCst) {
                Fault::LoseAnswer(internal_error())
            } else {
                Fault::PassAs(Bytes::from(request.to_string()))
            }
        })
        .await;
        Self { proxy, lose }
    }

    /// The endpoint to give the function instead of the emulator's.
    pub fn endpoint(&self) -> &str {
        self.proxy.endpoint()
    }

    /// Lets the next transaction land and answers it with a 500.
    pub fn lose_next_answer(&self) {
        self.lose.store(true, Ordering::SeqCst);
    }
}

fn internal_error() -> http::Response<Full<Bytes>> {
    let body = serde_json::json!({
        "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
        "message": "Internal server error",
    });
    http::Response::builder()
        .status(500)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| bad_gateway())
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
