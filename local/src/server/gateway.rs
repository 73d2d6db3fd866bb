//! The HTTP gateway: routes to functions as payload 2.0 events, `/metrics`,
//! the status page under `/_local/`, Lambda's Invoke API under `/2015-03-31/functions/`
//! ([`invoke_api`]), the HTTP contract at [`OPENAPI_PATH`], and the frontend for
//! everything else.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{Method, StatusCode, header};

use crate::ids;
use crate::observe::{metrics, status};
use crate::platform::Platform;
use crate::runtime::pool::OutcomeKind;
use crate::server::errors::{InvokeError, error_response};
use crate::server::event::{self, RequestInfo};
use crate::server::{invoke_api, static_files};

/// API Gateway's request payload limit.
const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;

/// Where the HTTP contract is served, for people who explore the API.
pub const OPENAPI_PATH: &str = "/api/openapi.yaml";
/// The HTTP contract, `api/openapi.yaml`, as this build was made with it.
const OPENAPI_YAML: &str = include_str!("../../../api/openapi.yaml");

/// What every request of the gateway needs.
#[derive(Debug, Clone)]
struct Gateway {
    platform: Arc<Platform>,
    /// How long a request body may take to arrive.
    read_timeout: Duration,
}

/// The gateway's routes; request bodies must arrive within `read_timeout`.
pub fn router(platform: Arc<Platform>, read_timeout: Duration) -> Router {
    Router::new().fallback(handle).with_state(Gateway {
        platform,
        read_timeout,
    })
}

async fn handle(State(gateway): State<Gateway>, request: Request) -> Response {
    let platform = &gateway.platform;
    let (parts, body) = request.into_parts();
    let connect = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let path = parts.uri.path();
    // The functions refuse dot segments too (lambda_http would resolve them); refusing
    // them here keeps every route, static files included, to one reading of the path.
    if let Err(error) = shared::http::path::refuse_dot_segments_in(path) {
        return api_error(&error);
    }
    if path == "/metrics" {
        return (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            metrics::render(&platform.status()),
        )
            .into_response();
    }
    if path == "/_local" {
        return Response::builder()
            .status(StatusCode::PERMANENT_REDIRECT)
            .header(header::LOCATION, "/_local/")
            .body(Body::empty())
            .unwrap_or_default();
    }
    if let Some(rest) = path.strip_prefix("/_local") {
        if rest == "/status.json" {
            return status::json(&platform.status(), &platform.logs().recent());
        }
        return status::asset(rest).unwrap_or_else(|| {
            error_response(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                &format!("{} does not exist.", shorten(path)),
            )
        });
    }
    if path.starts_with(invoke_api::PREFIX) {
        return invoke_api::handle(platform, parts, body).await;
    }
    if path == OPENAPI_PATH {
        return openapi(&parts.method);
    }
    if let Some(matched) = platform.routes().find(parts.method.as_str(), path) {
        let Some(pool) = platform.pool(matched.function).cloned() else {
            return error_response(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                "The route's function is not running.",
            );
        };
        let source_ip = connect.map_or_else(|| "127.0.0.1".to_owned(), |c| c.ip().to_string());
        let body = match shared::edge::body::read(
            &parts.headers,
            body,
            MAX_REQUEST_BODY,
            gateway.read_timeout,
        )
        .await
        {
            Ok(bytes) => bytes,
            Err(error) => return api_error(&error),
        };
        let api_request_id = ids::request_id();
        let info = RequestInfo {
            route_key: matched.route_key,
            path_parameters: &matched.path_parameters,
            source_ip: &source_ip,
            request_id: &api_request_id,
        };
        let payload = Bytes::from(event::to_event(&parts, &body, &info));
        return match pool.invoke(payload).await {
            Ok(outcome) if outcome.kind == OutcomeKind::Response => {
                match event::from_result(&outcome.body) {
                    Ok(mut response) => {
                        if let Ok(v) = http::HeaderValue::from_str(&api_request_id) {
                            response.headers_mut().insert("apigw-requestid", v);
                        }
                        response
                    }
                    Err(e) => {
                        let error = InvokeError::BadResponse {
                            function: matched.function.to_owned(),
                            message: e.to_string(),
                        };
                        platform
                            .logs()
                            .function(matched.function, format_args!("ERROR {error}"));
                        error.into_response()
                    }
                }
            }
            Ok(outcome) => InvokeError::Function {
                function: matched.function.to_owned(),
                message: error_message(&outcome.body),
            }
            .into_response(),
            Err(e) => e.into_response(),
        };
    }
    if path == "/api" || path.starts_with("/api/") {
        return error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("No API route matches {} {}.", parts.method, shorten(path)),
        );
    }
    match (platform.web_dir(), &parts.method) {
        (Some(web), &Method::GET | &Method::HEAD) => {
            static_files::serve(web, path, parts.method == Method::HEAD).await
        }
        (Some(_), _) => {
            let mut response = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "Static files answer GET and HEAD only.",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, http::HeaderValue::from_static("GET, HEAD"));
            response
        }
        (None, _) => error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("{} does not exist.", shorten(path)),
        ),
    }
}

/// The contract, to `GET` and `HEAD` (as `application/yaml`, RFC 9512).
fn openapi(method: &Method) -> Response {
    if !matches!(*method, Method::GET | Method::HEAD) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            &format!("{OPENAPI_PATH} answers GET and HEAD only."),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, http::HeaderValue::from_static("GET, HEAD"));
        return response;
    }
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

/// The `errorMessage` of a runtime error report, or the raw text.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(body)
        .ok()
        .and_then(|m| {
            m.get("errorMessage")
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

/// A shared error in the contract's shape.
fn api_error(error: &shared::ApiError) -> Response {
    error_response(error.status(), error.code(), &error.to_string())
}

/// `path`, cut to a length an error message can carry.
fn shorten(path: &str) -> String {
    const LIMIT: usize = 120;
    match path.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}...", &path[..end]),
        None => path.to_owned(),
    }
}
