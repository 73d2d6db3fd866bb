//! The Lambda Runtime API that instances poll: `next`, `response`, `error`, `init/error`.
//!
//! As on Lambda, every instance has an address of its own: [`bind`] opens a loopback
//! listener for it before it starts, its `AWS_LAMBDA_RUNTIME_API` is that listener's
//! `host:port` and nothing else, and any Runtime API client (Rust's `lambda_runtime`,
//! the Node.js, Python, Java and Go runtime interface clients) reaches it at
//! `http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/...`. The listener knows whose
//! it is, so no path or header has to say. An instance may hold several `next` calls
//! open at once (concurrent mode). [`serve`] runs the listener until its task is
//! aborted, which the pool does when the process has exited.

use std::sync::{Arc, Weak};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use tokio::task::JoinHandle;

use crate::runtime::pool::{OutcomeKind, Pool};

/// Lambda's payload limit for synchronous responses, with room for encoding.
const MAX_BODY: usize = 7 * 1024 * 1024;

/// The API version prefix every Runtime API path starts with.
pub const VERSION: &str = "/2018-06-01/runtime";

/// Whose Runtime API a listener is.
#[derive(Debug, Clone)]
struct Endpoint {
    pool: Weak<Pool>,
    instance: u64,
}

impl Endpoint {
    fn pool(&self) -> Option<Arc<Pool>> {
        self.pool.upgrade()
    }
}

/// The answer once the platform has let go of the pool.
fn shutting_down() -> Response {
    api_error(
        StatusCode::GONE,
        "InstanceStopped",
        "the platform is shutting down",
    )
}

/// A loopback listener on a free port, for one instance's Runtime API.
pub fn bind() -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Serves instance `instance` of `pool` on `listener` (from [`bind`]) until aborted.
pub fn serve(
    listener: std::net::TcpListener,
    pool: Weak<Pool>,
    instance: u64,
) -> std::io::Result<JoinHandle<()>> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let router = router(Endpoint { pool, instance });
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, instance, "a Runtime API listener stopped");
        }
    }))
}

fn router(endpoint: Endpoint) -> Router {
    Router::new()
        .route(&format!("{VERSION}/invocation/next"), get(next))
        .route(
            &format!("{VERSION}/invocation/{{request_id}}/response"),
            post(response),
        )
        .route(
            &format!("{VERSION}/invocation/{{request_id}}/error"),
            post(error),
        )
        .route(&format!("{VERSION}/init/error"), post(init_error))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(endpoint)
}

fn api_error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = serde_json::json!({"errorType": kind, "errorMessage": message});
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [(http::header::CONTENT_TYPE, "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

async fn next(State(endpoint): State<Endpoint>) -> Response {
    let Some(pool) = endpoint.pool() else {
        return shutting_down();
    };
    let id = endpoint.instance;
    let Some(instance) = pool.instance_ready(id) else {
        return api_error(
            StatusCode::FORBIDDEN,
            "UnknownInstance",
            "this instance is not running",
        );
    };
    // Holding the pool only as long as the bookkeeping needs it: a `next` waits for
    // as long as there is no traffic.
    drop(pool);
    let Some(event) = instance.next_event().await else {
        return api_error(
            StatusCode::GONE,
            "InstanceStopped",
            "this instance is being stopped",
        );
    };
    let Some(pool) = endpoint.pool() else {
        return shutting_down();
    };
    pool.delivered(id, &event.request_id);
    Response::builder()
        .status(StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("lambda-runtime-aws-request-id", &event.request_id)
        .header("lambda-runtime-deadline-ms", event.deadline_ms.to_string())
        .header("lambda-runtime-invoked-function-arn", pool.arn())
        .header("lambda-runtime-trace-id", &event.trace_id)
        .body(axum::body::Body::from(event.payload))
        .unwrap_or_else(|_| {
            api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal",
                "bad event headers",
            )
        })
}

fn finish(endpoint: &Endpoint, request_id: &str, kind: OutcomeKind, body: Bytes) -> Response {
    let Some(pool) = endpoint.pool() else {
        return shutting_down();
    };
    if pool.complete(endpoint.instance, request_id, kind, body) {
        accepted()
    } else {
        api_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            "no open invocation has this id on this instance",
        )
    }
}

async fn response(
    State(endpoint): State<Endpoint>,
    Path(request_id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&endpoint, &request_id, OutcomeKind::Response, body)
}

async fn error(
    State(endpoint): State<Endpoint>,
    Path(request_id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&endpoint, &request_id, OutcomeKind::Error, body)
}

async fn init_error(State(endpoint): State<Endpoint>, body: Bytes) -> Response {
    match endpoint.pool() {
        Some(pool) => {
            pool.init_error(endpoint.instance, &body);
            accepted()
        }
        None => shutting_down(),
    }
}
