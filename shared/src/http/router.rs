//! What every function's axum `Router` is wrapped in, so that each function only
//! declares its routes.
//!
//! [`finish`] adds, from the outside in:
//!
//! - the business metrics the request recorded written out ([`crate::metrics::flush`]),
//!   once per request whatever its outcome;
//! - an `x-request-id` on every request that has none (on Lambda, the invocation's
//!   request id, as in the function's log lines), echoed in the response;
//! - panics caught: a panicking handler is logged and answered with the contract's 500,
//!   and the instance keeps serving;
//! - a path with a `.` or `..` segment refused with a 400 ([`super::path`]);
//! - the contract's 404 for a path no route has, and its 405 for a method a path does
//!   not support, with axum's `Allow` written as the contract writes it.
//!
//! [`route`] declares a route at a path with and without a trailing `/`, as the API
//! Gateway routes match both.

use std::any::Any;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use http::{HeaderValue, Method, Uri, header};
use lambda_http::RequestExt as _;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};

use crate::ApiError;

/// `routes` with the answers and layers every function shares.
pub fn finish(routes: Router) -> Router {
    let routes = routes
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found);
    // The layers wrap the routing as a whole, so that they see its final answers.
    Router::new().fallback_service(routes).layer(
        ServiceBuilder::new()
            .map_response(flush_metrics)
            .layer(SetRequestIdLayer::x_request_id(RequestIds))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(CatchPanicLayer::custom(panicked))
            .layer(middleware::from_fn(refuse_dot_segments))
            .map_response(allow_as_documented),
    )
}

/// Request ids: the Lambda invocation's, or a new ULID outside Lambda.
#[derive(Debug, Clone, Copy)]
struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, request: &http::Request<B>) -> Option<RequestId> {
        let id = match request.lambda_context_ref() {
            Some(context) => HeaderValue::try_from(&context.request_id).ok(),
            None => HeaderValue::try_from(ulid::Ulid::new().to_string()).ok(),
        };
        id.map(RequestId::new)
    }
}

/// `router` with `methods` at `path` and at `path/`.
pub fn route<S>(router: Router<S>, path: &str, methods: MethodRouter<S>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .route(path, methods.clone())
        .route(&format!("{path}/"), methods)
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
    }
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("There is no {method} {} here.", uri.path()))
}

/// axum's `Allow` (`GET,HEAD,POST`) as the contract writes it (`GET, POST`): `HEAD`
/// is answered wherever `GET` is, but not advertised.
fn allow_as_documented(mut response: Response) -> Response {
    let listed = response
        .headers()
        .get(header::ALLOW)
        .and_then(|allow| allow.to_str().ok())
        .map(|allow| {
            let methods: Vec<&str> = allow.split(',').filter(|m| *m != "HEAD").collect();
            methods.join(", ")
        });
    if let Some(value) = listed.and_then(|listed| HeaderValue::try_from(listed).ok()) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

async fn refuse_dot_segments(request: Request, next: Next) -> Response {
    match super::path::refuse_dot_segments(&request) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

fn flush_metrics<B>(response: http::Response<B>) -> http::Response<B> {
    crate::metrics::flush();
    response
}

fn panicked(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    tracing::error!(panic = %message, "handler panicked");
    ApiError::Internal.into_response()
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tower::ServiceExt as _;

    use super::*;

    async fn panics() -> &'static str {
        panic!("a bug")
    }

    async fn send(method: Method, path: &str) -> (http::StatusCode, http::HeaderMap, String) {
        let routes = route(
            Router::new(),
            "/todos",
            get(|| async { "listed" }).post(panics),
        );
        let request = http::Request::builder()
            .method(method)
            .uri(path)
            .body(axum::body::Body::empty())
            .expect("request");
        let Ok(response) = finish(routes).oneshot(request).await;
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        let body = String::from_utf8(body.to_vec()).expect("text");
        (parts.status, parts.headers, body)
    }

    #[tokio::test]
    async fn routes_match_with_and_without_a_trailing_slash() {
        for path in ["/todos", "/todos/"] {
            let (status, headers, body) = send(Method::GET, path).await;
            assert_eq!((status.as_u16(), body.as_str()), (200, "listed"), "{path}");
            assert!(headers.contains_key("x-request-id"));
        }
    }

    #[tokio::test]
    async fn wrong_methods_unknown_paths_dot_segments_and_panics_get_the_contract_s_answers() {
        let (status, headers, body) = send(Method::DELETE, "/todos").await;
        assert_eq!(status.as_u16(), 405);
        assert_eq!(headers[header::ALLOW], "GET, POST");
        assert!(body.contains("METHOD_NOT_ALLOWED"), "{body}");
        for (method, path, status, code) in [
            (Method::GET, "/nope", 404, "NOT_FOUND"),
            (Method::GET, "/todos/%2e", 400, "BAD_REQUEST"),
            (Method::POST, "/todos", 500, "INTERNAL_ERROR"),
        ] {
            let (answered, headers, body) = send(method, path).await;
            assert_eq!(answered.as_u16(), status, "{path}: {body}");
            assert_eq!(headers[header::CONTENT_TYPE], "application/json");
            assert!(body.contains(code), "{path}: {body}");
        }
    }
}
