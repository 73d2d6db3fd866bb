//! A request as handlers see it: its body read in full, and every way that reading can
//! fail named with its own status.
//!
//! A body is read up to [`MAX_BODY_BYTES`] (in container mode, within the read timeout
//! of [`crate::container`] too), so reading it fails in one of three ways:
//!
//! | what the client did | answer |
//! |---|---|
//! | more bytes than the limit | 413 (in container mode, a `Content-Length` over it is refused before any byte is read) |
//! | a body slower than the read timeout | 408 |
//! | a malformed chunked encoding, or a connection closed early | 400 |

use std::error::Error;

use axum::extract::FromRequest;
use bytes::Bytes;
use http_body_util::LengthLimitError;
use tower_http::timeout::TimeoutError;

use super::body::MAX_BODY_BYTES;
use crate::ApiError;

/// A request whose body has arrived in full.
pub type Request = http::Request<Bytes>;

/// Extracts a [`Request`]: the request with its body read.
#[derive(Debug)]
pub struct Buffered(pub Request);

impl<S: Sync> FromRequest<S> for Buffered {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, _: &S) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
            Ok(bytes) => Ok(Self(Request::from_parts(parts, bytes))),
            Err(error) => Err(unread(&error)),
        }
    }
}

/// The answer to a body that could not be read, by what stopped it.
fn unread(error: &axum::Error) -> ApiError {
    let mut cause: Option<&(dyn Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<LengthLimitError>() {
            return ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            };
        }
        if error.is::<TimeoutError>() {
            return ApiError::RequestTimeout;
        }
        cause = error.source();
    }
    tracing::info!(error = %error, "malformed request body");
    ApiError::bad_request(
        "body",
        "The request body is malformed or was cut off (check its chunked encoding or Content-Length).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(body: axum::body::Body) -> Result<Bytes, ApiError> {
        let request = http::Request::new(body);
        Buffered::from_request(request, &())
            .await
            .map(|Buffered(request)| request.into_body())
    }

    #[tokio::test]
    async fn a_body_up_to_the_limit_is_read_and_a_longer_one_is_413() {
        let body = |n: usize| axum::body::Body::from("x".repeat(n));
        let read_in_full = read(body(MAX_BODY_BYTES)).await.expect("read");
        assert_eq!(read_in_full.len(), MAX_BODY_BYTES);
        assert_eq!(
            read(body(MAX_BODY_BYTES + 1)).await,
            Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES
            })
        );
    }
}
