//! Every failure a client can see, and how it becomes the contract's error body.
//!
//! `{"success": false, "errorCode": "UPPER_SNAKE_CODE", "errorMessage": "..."}` with
//! the matching status code. Nothing else ever leaves a handler as an error.
//! The domain's and the datastore's own errors become these in one place, `mapping`.

mod mapping;

use http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::http::{Body, Response};

/// A failure with a status code, a code and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed; the message names the offending field.
    #[error("{message}")]
    BadRequest {
        /// The offending field (or `body`, `query`).
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// 401: no valid session.
    #[error("{0}")]
    Unauthorized(String),
    /// 401 on login: wrong user name or password (never says which).
    #[error("The user name or password is incorrect.")]
    InvalidCredentials,
    /// 403: the session is valid but the request is refused (e.g. a wrong password
    /// re-entered to confirm an account deletion).
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 405: the router adds the `Allow` header with the methods the path supports.
    #[error("This path does not support {method}; the Allow header lists the methods it does.")]
    MethodNotAllowed {
        /// The method that was used.
        method: String,
    },
    /// 408: the request did not arrive in full in time.
    #[error("The request did not arrive in time; send it again.")]
    RequestTimeout,
    /// 409.
    #[error("{0}")]
    Conflict(String),
    /// 414: the URL is longer than the server reads (written by the HTTP edge).
    #[error("The URL is too long.")]
    UriTooLong,
    /// 431: too many or too large headers (written by the HTTP edge).
    #[error("The request headers are too many or too large.")]
    HeadersTooLarge,
    /// 413.
    #[error("The request body is larger than {limit} bytes.")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 422: an `Idempotency-Key` already used for a different request.
    #[error(
        "This Idempotency-Key was already used for a different request; use a new key for a new request."
    )]
    IdempotencyKeyReused,
    /// 429, with the seconds to wait.
    #[error("{message}")]
    TooManyRequests {
        /// What happened.
        message: String,
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// 503: the datastore could not be reached in time. During a write the write may
    /// have been applied all the same (a stalled datastore can finish it later), and the
    /// message says how to retry safely: with the same `Idempotency-Key`.
    #[error("{}", if *during_write {
        "The datastore did not answer in time; the write may have been applied: retry it with the same Idempotency-Key."
    } else {
        "The datastore is unavailable right now; please retry in a moment."
    })]
    ServiceUnavailable {
        /// Seconds until a retry may succeed.
        retry_after: u64,
        /// Whether a write was under way.
        during_write: bool,
    },
    /// 503: concurrent writes to the same todos kept cancelling this one; nothing was
    /// changed, and a retry in a moment may succeed.
    #[error(
        "Other changes to your todos kept conflicting with this one; nothing was changed: please retry in a moment."
    )]
    Contended {
        /// Seconds until a retry may succeed.
        retry_after: u64,
    },
    /// 500: a bug or an unexpected answer from a dependency. Details go to the log only.
    #[error("Something went wrong on our side; the error has been logged.")]
    Internal,
}

impl ApiError {
    /// A 400 naming `field`.
    pub fn bad_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadRequest {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The 401 for a request whose session has ended (logged out, or the account
    /// deleted), however that was found out.
    pub fn session_ended() -> Self {
        Self::Unauthorized("This session has ended; please log in again.".to_owned())
    }

    /// This error as the answer to a write: a 503 then says the write may have been
    /// applied and how to retry it safely.
    pub fn during_write(self) -> Self {
        match self {
            Self::ServiceUnavailable { retry_after, .. } => Self::ServiceUnavailable {
                retry_after,
                during_write: true,
            },
            other => other,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceUnavailable { .. } | Self::Contended { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The contract's `errorCode`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "BAD_REQUEST",
            Self::Unauthorized(_) => "UNAUTHORIZED",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed { .. } => "METHOD_NOT_ALLOWED",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::Conflict(_) => "CONFLICT",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Self::UriTooLong => "URI_TOO_LONG",
            Self::HeadersTooLarge => "HEADERS_TOO_LARGE",
            Self::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            Self::ServiceUnavailable { .. } | Self::Contended { .. } => "SERVICE_UNAVAILABLE",
            Self::Internal => "INTERNAL_ERROR",
        }
    }

    /// The error body: the contract's three fields plus any `extra` fields.
    pub fn body(&self, extra: Map<String, Value>) -> Value {
        let mut body = extra;
        body.insert("success".into(), json!(false));
        body.insert("errorCode".into(), json!(self.code()));
        body.insert("errorMessage".into(), json!(self.to_string()));
        Value::Object(body)
    }

    /// The full HTTP response.
    pub fn into_response(self) -> Response<Body> {
        self.into_response_with(Map::new())
    }

    /// The full HTTP response, with extra body fields (e.g. the login's `status`).
    pub fn into_response_with(self, extra: Map<String, Value>) -> Response<Body> {
        let mut response = crate::http::response::json(self.status(), &self.body(extra));
        let headers = response.headers_mut();
        match &self {
            Self::TooManyRequests { retry_after, .. }
            | Self::ServiceUnavailable { retry_after, .. }
            | Self::Contended { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            Self::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

/// An error as a handler's or an extractor's answer.
impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> Response<Body> {
        ApiError::into_response(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_the_contract_shape() {
        let body = ApiError::bad_request("name", "name is required.").body(Map::new());
        assert_eq!(body["success"], json!(false));
        assert_eq!(body["errorCode"], json!("BAD_REQUEST"));
        assert_eq!(body["errorMessage"], json!("name is required."));
    }

    #[test]
    fn unavailable_tells_when_to_retry() {
        let response = ApiError::ServiceUnavailable {
            retry_after: 2,
            during_write: false,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
