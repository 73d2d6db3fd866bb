//! Errors the platform itself answers with, in the contract's error shape, and how an
//! [`InvokeError`] of the runtime maps onto HTTP (its status, `errorCode` and message).
//!
//! `{"success":false,"errorCode":"...","errorMessage":"..."}` with
//! `Content-Type: application/json`, `Cache-Control: no-store` and
//! `X-Content-Type-Options: nosniff`, as the functions answer, and `Retry-After` on 429
//! and 503.

use http::StatusCode;

pub use crate::runtime::invoke_error::InvokeError;

impl InvokeError {
    /// The HTTP status the caller gets and the contract's `errorCode`.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            InvokeError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_REQUESTS"),
            InvokeError::Unavailable { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE")
            }
            InvokeError::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, "GATEWAY_TIMEOUT"),
            InvokeError::Crashed { .. } => (StatusCode::BAD_GATEWAY, "FUNCTION_CRASHED"),
            InvokeError::Function { .. } => (StatusCode::BAD_GATEWAY, "FUNCTION_ERROR"),
            InvokeError::BadResponse { .. } => (StatusCode::BAD_GATEWAY, "BAD_GATEWAY"),
        }
    }

    /// The `errorMessage` the caller sees. A function's own error report or a broken
    /// answer stays in the platform's log (the `ERROR Invoke Error` line), as API Gateway
    /// keeps it in CloudWatch and answers only "Internal Server Error": it may carry
    /// internals (panic messages, file paths) that a browser should not see.
    pub fn client_message(&self) -> String {
        match self {
            InvokeError::Function { function, .. } => format!(
                "The {function} function failed to handle the request; the local platform's log has the details."
            ),
            InvokeError::BadResponse { function, .. } => format!(
                "The {function} function gave an answer that is not an HTTP response; the local platform's log has the details."
            ),
            other => other.to_string(),
        }
    }
}

/// An error response in the contract's shape.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
) -> http::Response<axum::body::Body> {
    let body = serde_json::json!({"success": false, "errorCode": code, "errorMessage": message});
    let mut builder = http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::CACHE_CONTROL, "no-store")
        .header(http::header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
        builder = builder.header(http::header::RETRY_AFTER, "1");
    }
    builder
        .body(axum::body::Body::from(body.to_string()))
        .unwrap_or_else(|_| http::Response::new(axum::body::Body::empty()))
}

impl axum::response::IntoResponse for InvokeError {
    fn into_response(self) -> axum::response::Response {
        let (status, code) = self.status_and_code();
        error_response(status, code, &self.client_message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    #[tokio::test]
    async fn platform_errors_use_the_contract_shape() {
        let error = InvokeError::Unavailable {
            function: "rule".into(),
            reason: "init timed out".into(),
        };
        let response = axum::response::IntoResponse::into_response(error);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.headers()["retry-after"], "1");
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["success"], false);
        assert_eq!(json["errorCode"], "SERVICE_UNAVAILABLE");
        assert!(
            json["errorMessage"]
                .as_str()
                .is_some_and(|m| m.contains("init timed out"))
        );
    }
}
