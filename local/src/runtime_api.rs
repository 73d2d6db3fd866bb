//! The Lambda Runtime API that instances poll: `next`, `response`, `error`, `init/error`.
//!
//! One listener serves every instance; each instance's `AWS_LAMBDA_RUNTIME_API` carries
//! the base path `/rt/<function>/<instance>`, so the path says who is calling. An
//! instance may hold several `next` calls open at once (concurrent mode).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;

use crate::pool::{OutcomeKind, Pool};

/// Lambda's payload limit for synchronous responses, with room for encoding.
const MAX_BODY: usize = 7 * 1024 * 1024;

/// The pools by function short name.
pub type Pools = Arc<BTreeMap<String, Arc<Pool>>>;

/// The Runtime API routes.
pub fn router(pools: Pools) -> Router {
    Router::new()
        .route(
            "/rt/{function}/{instance}/2018-06-01/runtime/invocation/next",
            get(next),
        )
        .route(
            "/rt/{function}/{instance}/2018-06-01/runtime/invocation/{request_id}/response",
            post(response),
        )
        .route(
            "/rt/{function}/{instance}/2018-06-01/runtime/invocation/{request_id}/error",
            post(error),
        )
        .route(
            "/rt/{function}/{instance}/2018-06-01/runtime/init/error",
            post(init_error),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(pools)
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

fn pool<'a>(pools: &'a Pools, function: &str) -> Result<&'a Arc<Pool>, Box<Response>> {
    pools.get(function).ok_or_else(|| {
        Box::new(api_error(
            StatusCode::NOT_FOUND,
            "UnknownFunction",
            "no such function",
        ))
    })
}

async fn next(State(pools): State<Pools>, Path((function, id)): Path<(String, u64)>) -> Response {
    let pool = match pool(&pools, &function) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Some(instance) = pool.instance_ready(id) else {
        return api_error(
            StatusCode::FORBIDDEN,
            "UnknownInstance",
            "this instance is not running",
        );
    };
    let Some(event) = instance.next_event().await else {
        return api_error(
            StatusCode::GONE,
            "InstanceStopped",
            "this instance is being stopped",
        );
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

async fn finish(
    pools: Pools,
    function: String,
    id: u64,
    request_id: String,
    kind: OutcomeKind,
    body: Bytes,
) -> Response {
    let pool = match pool(&pools, &function) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    if pool.complete(id, &request_id, kind, body) {
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
    State(pools): State<Pools>,
    Path((function, id, request_id)): Path<(String, u64, String)>,
    body: Bytes,
) -> Response {
    finish(pools, function, id, request_id, OutcomeKind::Response, body).await
}

async fn error(
    State(pools): State<Pools>,
    Path((function, id, request_id)): Path<(String, u64, String)>,
    body: Bytes,
) -> Response {
    finish(pools, function, id, request_id, OutcomeKind::Error, body).await
}

async fn init_error(
    State(pools): State<Pools>,
    Path((function, id)): Path<(String, u64)>,
    body: Bytes,
) -> Response {
    match pool(&pools, &function) {
        Ok(pool) => {
            pool.init_error(id, &body);
            accepted()
        }
        Err(r) => *r,
    }
}
