//! The gateway proper: the template's routes as axum routes that hand each request to
//! its function as a payload 2.0 event ([`super::event`]) and its answer back, and
//! [`unclaimed`], the answer to what no route claims: the frontend, or a 404.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{ConnectInfo, RawPathParams, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, any};
use bytes::Bytes;
use http::{Method, StatusCode, header};

use crate::ids;
use crate::platform::Platform;
use crate::runtime::pool::OutcomeKind;
use crate::server::errors::{InvokeError, error_response};
use crate::server::event::{self, RequestInfo};
use crate::server::routes::{Route, RouteTable};
use crate::server::static_files::StaticSite;

/// API Gateway's request payload limit.
const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;

/// What every request of the gateway needs.
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    /// The running functions.
    pub(crate) platform: Arc<Platform>,
    /// How long a request body may take to arrive.
    pub(crate) read_timeout: Duration,
    /// The frontend, if any.
    pub(crate) site: Option<Arc<StaticSite>>,
    /// The `$default` route, if a function has one: it takes what no route claims.
    pub(crate) default_route: Option<Arc<Route>>,
}

/// One axum route per path of `table`, each method to its function (`ANY` to the
/// path's other methods). What they leave is for [`unclaimed`].
pub(crate) fn function_routes(table: &RouteTable) -> Router<Gateway> {
    let mut router = Router::new();
    for path in table.paths() {
        let methods = path.routes.iter().fold(MethodRouter::new(), attach);
        // Other methods are unclaimed, as on a path no route has (and get no `Allow`
        // header from axum: the frontend's 405 carries its own).
        let methods = if path.routes.iter().any(|r| r.method == "ANY") {
            methods
        } else {
            methods.merge(any(unclaimed))
        };
        router = router.route(&path.axum_path, methods);
    }
    router
}

/// `methods` with `route`'s handler added.
fn attach(methods: MethodRouter<Gateway>, route: &Route) -> MethodRouter<Gateway> {
    let target = Arc::new(route.clone());
    let handler = move |State(gateway): State<Gateway>,
                        params: Result<RawPathParams, RawPathParamsRejection>,
                        request: Request| {
        let route = target.clone();
        async move {
            match parameters(params) {
                Ok(parameters) => invoke(gateway, &route, &parameters, request).await,
                Err(error) => api_error(&error),
            }
        }
    };
    if route.method == "ANY" {
        // `any` answers every other method and sends no `Allow` header of its own.
        return methods.merge(any(handler));
    }
    match Method::from_bytes(route.method.as_bytes())
        .ok()
        .and_then(|m| MethodFilter::try_from(m).ok())
    {
        Some(filter) => methods.on(filter, handler),
        // RouteTable::new admits API Gateway's methods only, which axum all has.
        None => methods,
    }
}

/// The route's path parameters, percent-decoded.
fn parameters(
    params: Result<RawPathParams, RawPathParamsRejection>,
) -> Result<BTreeMap<String, String>, shared::ApiError> {
    match params {
        Ok(params) => Ok(params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()),
        Err(_) => Err(shared::ApiError::bad_request(
            "path",
            "A path parameter is not UTF-8 once percent-decoded.",
        )),
    }
}

/// Hands the request to `route`'s function and its answer back.
async fn invoke(
    gateway: Gateway,
    route: &Route,
    path_parameters: &BTreeMap<String, String>,
    request: Request,
) -> Response {
    // axum answers HEAD with a GET route; API Gateway matches the method as sent.
    if request.method() == Method::HEAD && route.method == "GET" {
        return unclaimed(State(gateway), request).await;
    }
    let platform = &gateway.platform;
    let Some(pool) = platform.pool(&route.function).cloned() else {
        return error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The route's function is not running.",
        );
    };
    let (parts, body) = request.into_parts();
    let source_ip = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "127.0.0.1".to_owned(), |c| c.0.ip().to_string());
    let body = match super::request_body::read(
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
        route_key: &route.route_key,
        path_parameters,
        source_ip: &source_ip,
        request_id: &api_request_id,
    };
    let payload = Bytes::from(event::to_event(&parts, &body, &info));
    match pool.invoke(payload).await {
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
                        function: route.function.clone(),
                        message: e.to_string(),
                    };
                    platform
                        .logs()
                        .function(&route.function, format_args!("ERROR {error}"));
                    error.into_response()
                }
            }
        }
        Ok(outcome) => InvokeError::Function {
            function: route.function.clone(),
            message: error_message(&outcome.body),
        }
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// What no route claims: the `$default` route's function if there is one, else a 404 under `/api`, else the frontend's files (`GET` and
/// `HEAD` only), or a 404 when there is no frontend.
pub(crate) async fn unclaimed(State(gateway): State<Gateway>, request: Request) -> Response {
    if let Some(route) = gateway.default_route.clone() {
        return Box::pin(invoke(gateway, &route, &BTreeMap::new(), request)).await;
    }
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!(
                "No API route matches {} {}.",
                request.method(),
                shorten(path)
            ),
        );
    }
    match (&gateway.site, request.method()) {
        (Some(site), &Method::GET | &Method::HEAD) => site.serve(request).await,
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

/// A 405 in the contract's shape for a path that answers `GET` and `HEAD` only.
pub(crate) fn get_or_head_only(path: &str) -> Response {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        &format!("{path} answers GET and HEAD only."),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, http::HeaderValue::from_static("GET, HEAD"));
    response
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
pub(crate) fn api_error(error: &shared::ApiError) -> Response {
    error_response(error.status(), error.code(), &error.to_string())
}

/// `path`, cut to a length an error message can carry.
pub(crate) fn shorten(path: &str) -> String {
    const LIMIT: usize = 120;
    match path.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}...", &path[..end]),
        None => path.to_owned(),
    }
}
