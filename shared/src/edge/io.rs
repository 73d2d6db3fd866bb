//! A client connection as hyper sees it, with the edge's two duties added: bounding
//! how long a request head may take, and answering hyper's own errors in the
//! contract's shape.
//!
//! - **Waiting for a head** (no request is being answered): the connection may sit
//!   idle for [`Timeouts::idle`]; once the first byte of a head arrives, the rest must
//!   follow within [`Timeouts::read`]. An idle connection past its time is closed
//!   quietly; a half-sent head gets a 408 first. Either way hyper then reads the end
//!   of the stream.
//! - **hyper's own answers**: for a request it cannot parse, hyper writes a bare
//!   status line (`content-length: 0`) without ever calling the service. Such a
//!   write, seen while no request is being answered, is replaced by the same status
//!   with the contract's JSON body and `connection: close`.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::Timeouts;
use super::tracker::Tracker;
use crate::ApiError;

/// What the connection waits for while no request is being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// Nothing yet: an idle keep-alive connection.
    Idle,
    /// The rest of a request head.
    Head,
}

/// A connection with the edge's timeouts and error answers.
#[derive(Debug)]
pub struct EdgeIo<T> {
    stream: T,
    tracker: Arc<Tracker>,
    timeouts: Timeouts,
    /// The deadline while waiting for a head, and what for.
    deadline: Option<(Waiting, Pin<Box<Sleep>>)>,
    /// An answer of ours still to be written, and how much of it is.
    answer: Option<(Vec<u8>, usize)>,
    /// Set once we answered (or gave up): reads end, hyper's writes are dropped.
    closing: bool,
}

impl<T> EdgeIo<T> {
    /// Wraps a client connection.
    pub fn new(stream: T, tracker: Arc<Tracker>, timeouts: Timeouts) -> Self {
        Self {
            stream,
            tracker,
            timeouts,
            deadline: None,
            answer: None,
            closing: false,
        }
    }
}

/// The contract's error answer to `error`, as bytes on the wire, ending the connection.
pub fn wire_answer(error: &ApiError) -> Vec<u8> {
    let body = error.body(serde_json::Map::new()).to_string();
    let status = error.status();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncache-control: no-store\r\n\
         x-content-type-options: nosniff\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes()
}

/// The error hyper answers with by itself, if `written` is such an answer: a status
/// line of 400, 414 or 431 whose head declares an empty body and no content type.
fn hypers_own_error(written: &[u8]) -> Option<ApiError> {
    let head_end = written
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(written.len());
    let head = std::str::from_utf8(&written[..head_end]).ok()?;
    let status = head.strip_prefix("HTTP/1.1 ")?.get(..3)?;
    let lower = head.to_ascii_lowercase();
    if !lower.contains("\r\ncontent-length: 0") || lower.contains("\r\ncontent-type:") {
        return None;
    }
    match status
        .parse::<u16>()
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())?
    {
        StatusCode::BAD_REQUEST => Some(ApiError::bad_request(
            "request",
            "The request is not valid HTTP/1.1: a malformed request line or header, or conflicting Content-Length headers.",
        )),
        StatusCode::URI_TOO_LONG => Some(ApiError::UriTooLong),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Some(ApiError::HeadersTooLarge),
        _ => None,
    }
}

impl<T: AsyncWrite + Unpin> EdgeIo<T> {
    /// Writes what is left of our answer.
    fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.answer {
            if *written == bytes.len() {
                self.answer = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.stream).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }

    /// Ends the connection, with `error` as the last answer if there is one.
    fn close_with(&mut self, error: Option<&ApiError>) {
        self.closing = true;
        self.deadline = None;
        if let Some(error) = error {
            self.answer = Some((wire_answer(error), 0));
        }
    }

    fn arm(&mut self, waiting: Waiting) {
        let timeout: Duration = match waiting {
            Waiting::Idle => self.timeouts.idle,
            Waiting::Head => self.timeouts.read,
        };
        self.deadline = Some((waiting, Box::pin(tokio::time::sleep(timeout))));
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for EdgeIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.closing {
            // End of stream for hyper, once our last answer is out.
            ready!(this.poll_answer(cx))?;
            return Poll::Ready(Ok(()));
        }
        if this.tracker.answering() {
            this.deadline = None;
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        if this.deadline.is_none() {
            this.arm(Waiting::Idle);
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let got = buf.filled().len() - before;
                if got > 0 && matches!(this.deadline, Some((Waiting::Idle, _))) {
                    this.arm(Waiting::Head);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some((waiting, sleep)) = &mut this.deadline else {
                    return Poll::Pending;
                };
                ready!(sleep.as_mut().poll(cx));
                match *waiting {
                    Waiting::Idle => this.close_with(None),
                    Waiting::Head => {
                        tracing::info!("request head not received in time: 408");
                        this.close_with(Some(&ApiError::RequestTimeout));
                    }
                }
                ready!(this.poll_answer(cx))?;
                Poll::Ready(Ok(()))
            }
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for EdgeIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.closing {
            // Our answer replaced hyper's: drop the rest of what hyper writes.
            ready!(this.poll_answer(cx))?;
            return Poll::Ready(Ok(buf.len()));
        }
        if !this.tracker.answering()
            && let Some(error) = hypers_own_error(buf)
        {
            tracing::info!(status = error.status().as_u16(), "unparsable request");
            this.close_with(Some(&error));
            ready!(this.poll_answer(cx))?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_answer(cx))?;
        Pin::new(&mut this.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_bare_errors_are_recognised_and_nothing_else() {
        let bare =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(hypers_own_error(bare), Some(ApiError::HeadersTooLarge));
        let uri = b"HTTP/1.1 414 URI Too Long\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(hypers_own_error(uri), Some(ApiError::UriTooLong));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hypers_own_error(ours), None);
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 12\r\n\r\n";
        assert_eq!(hypers_own_error(with_body), None);
        assert_eq!(hypers_own_error(b"HTTP/1.1 400 Bad"), None);
        assert_eq!(hypers_own_error(b"{\"a\": 1}"), None);
    }

    #[test]
    fn our_answer_is_the_contract_error_and_closes_the_connection() {
        let wire = String::from_utf8(wire_answer(&ApiError::RequestTimeout)).expect("text");
        let (head, body) = wire.split_once("\r\n\r\n").expect("a head");
        assert!(
            head.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nconnection: close"));
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(json["errorCode"], "REQUEST_TIMEOUT");
        assert_eq!(json["success"], false);
    }
}
