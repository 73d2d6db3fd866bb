//! Reading a request body for a function's event: bounded in size and in time, and
//! every way it can go wrong named with its own status.
//!
//! | what the client does | answer |
//! |---|---|
//! | `Content-Length` over the limit | 413 at once, before any byte is read (so a client sending `Expect: 100-continue` is never told to go on) |
//! | more bytes than the limit (chunked) | 413 |
//! | a malformed chunked encoding, or a connection closed early | 400 |
//! | a body slower than the read timeout | 408 |

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use shared::ApiError;

/// Reads `body` (announced by `headers`) in full, if it is at most `limit` bytes and
/// arrives within `timeout`.
pub async fn read<B>(
    headers: &HeaderMap,
    body: B,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, ApiError>
where
    B: axum::body::HttpBody,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    // Nothing to wait for (a GET's empty body): no timer to set and cancel.
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<LengthLimitError>() => {
            Err(ApiError::PayloadTooLarge { limit })
        }
        Ok(Err(error)) => {
            tracing::info!(error = %error, "malformed request body");
            Err(ApiError::bad_request(
                "body",
                "The request body is malformed or was cut off (check its chunked encoding or Content-Length).",
            ))
        }
        Err(_) => Err(ApiError::RequestTimeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    const SECOND: Duration = Duration::from_secs(1);

    fn length(n: usize) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_LENGTH, n.into());
        headers
    }

    #[tokio::test]
    async fn an_announced_length_over_the_limit_is_413_without_reading() {
        let error = read(&length(20_000_000), Full::new(Bytes::new()), 1024, SECOND)
            .await
            .expect_err("refused");
        assert_eq!(error, ApiError::PayloadTooLarge { limit: 1024 });
    }

    #[tokio::test]
    async fn a_body_within_the_limit_is_read_and_a_longer_one_is_413() {
        let body = Full::new(Bytes::from_static(b"hello"));
        assert_eq!(
            read(&HeaderMap::new(), body, 5, SECOND).await,
            Ok(Bytes::from_static(b"hello"))
        );
        let body = Full::new(Bytes::from_static(b"hello!"));
        assert_eq!(
            read(&HeaderMap::new(), body, 5, SECOND).await,
            Err(ApiError::PayloadTooLarge { limit: 5 })
        );
    }
}
