//! The platform's own pages on the gateway's port: `/metrics`, the status page under
//! `/_local/`, and the HTTP contract at [`OPENAPI_PATH`].

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use http::{StatusCode, header};

use crate::server::errors::error_response;
use crate::server::gateway::{Gateway, get_or_head_only, shorten};
use crate::server::{metrics, status_page as status};

/// Where the HTTP contract is served, for people who explore the API.
pub const OPENAPI_PATH: &str = "/api/openapi.yaml";
/// The HTTP contract, `api/openapi.yaml`, as this build was made with it.
const OPENAPI_YAML: &str = include_str!("../../../api/openapi.yaml");

/// The paths these routes take, in axum's syntax (no function route may take them).
pub(crate) const PATHS: [&str; 5] = [
    "/metrics",
    "/_local",
    "/_local/",
    "/_local/{*page}",
    OPENAPI_PATH,
];

/// The routes.
pub(crate) fn routes() -> Router<Gateway> {
    Router::new()
        .route("/metrics", any(metrics))
        .route("/_local", any(to_status_page))
        .route("/_local/", any(status_page))
        .route("/_local/{*page}", any(status_page))
        .route(
            OPENAPI_PATH,
            get(openapi).fallback(|| async { get_or_head_only(OPENAPI_PATH) }),
        )
}

async fn metrics(State(gateway): State<Gateway>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics::render(
            &gateway.platform.status(),
            &gateway.platform.logs().emf().snapshot(),
        ),
    )
        .into_response()
}

async fn to_status_page() -> Response {
    Response::builder()
        .status(StatusCode::PERMANENT_REDIRECT)
        .header(header::LOCATION, "/_local/")
        .body(Body::empty())
        .unwrap_or_default()
}

async fn status_page(State(gateway): State<Gateway>, request: Request) -> Response {
    let path = request.uri().path();
    let page = path.strip_prefix("/_local").unwrap_or(path);
    let platform = &gateway.platform;
    if page == "/status.json" {
        let logs = platform.logs();
        return status::json(&platform.status(), &logs.recent(), &logs.emf().snapshot());
    }
    status::asset(page).unwrap_or_else(|| {
        error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("{} does not exist.", shorten(path)),
        )
    })
}

/// The contract, to `GET` and `HEAD` (as `application/yaml`, RFC 9512).
async fn openapi() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        OPENAPI_YAML,
    )
        .into_response()
}
