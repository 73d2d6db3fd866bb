//! JSON responses: every answer is `application/json`, never cached and never sniffed
//! (`X-Content-Type-Options: nosniff`).

use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use super::{Body, Response};

/// A JSON response with `status`.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response<Body> {
    let (status, text) = match serde_json::to_string(body) {
        Ok(text) => (status, text),
        Err(e) => {
            tracing::error!(error = %e, "response body could not be serialised");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"success":false,"errorCode":"INTERNAL_ERROR","errorMessage":"Something went wrong on our side; the error has been logged."}"#.to_owned(),
            )
        }
    };
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Adds a `Set-Cookie` header.
pub fn with_cookie(mut response: Response<Body>, cookie: &str) -> Response<Body> {
    match HeaderValue::from_str(cookie) {
        Ok(value) => {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        Err(e) => tracing::error!(error = %e, "cookie is not a valid header value"),
    }
    response
}
