//! A client connection whose request heads we read before hyper does.
//!
//! [`Guarded`] sits between the socket and hyper. It holds back each request head until
//! the head is complete and within the edge's limits, so hyper only ever parses heads
//! that passed; a head that fails gets the contract's answer from here and the
//! connection ends. Once a head passes, it and its body go to hyper untouched, and
//! [`Framing`] follows the body to find where the next head starts.
//!
//! | what the client sends | answer |
//! |---|---|
//! | nothing, for [`Timeouts::idle`] | the connection closes quietly |
//! | part of a head, then nothing for [`Timeouts::read`] | 408 |
//! | a request line over [`MAX_URI_BYTES`] | 414 |
//! | more than [`MAX_HEADERS`] headers, or a head over [`MAX_HEAD_BYTES`] | 431 |
//! | bytes that are not an HTTP/1.x head, an invalid URL, an unreadable or conflicting `Content-Length`, a `Transfer-Encoding` that does not end in `chunked` | 400 |
//!
//! The limits are below hyper's own (a 64 KiB URI, 100 headers, a 400 KiB buffer), so
//! hyper's bare error answers are never reached. Writes pass through: what hyper
//! writes is never read or changed.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::Timeouts;
use super::framing::Framing;
use crate::ApiError;

/// The longest request line read (method, URL and version).
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// The largest request head read, request line included.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most headers a request may have.
pub const MAX_HEADERS: usize = 100;
/// How long a refused client may keep sending before the connection closes anyway.
const LINGER: Duration = Duration::from_secs(1);
/// How much is read from the socket at once.
const READ_SIZE: usize = 8 * 1024;

/// Where the connection is.
#[derive(Debug)]
enum Stage {
    /// Reading a head: nothing is handed to hyper until it passes.
    Head,
    /// Handing hyper a head that passed (`head` bytes of it left), then its body.
    Request { head: usize, body: Framing },
    /// Refused: our answer goes out, what the client still sends is read and dropped
    /// for a moment (so that closing does not reset the connection before the client
    /// reads the answer), then hyper sees the end of the stream.
    Refused { answer: Vec<u8>, written: usize },
    /// Done: hyper sees the end of the stream.
    Closed,
}

/// A client connection with its request heads checked before hyper reads them.
#[derive(Debug)]
pub struct Guarded<T> {
    stream: T,
    timeouts: Timeouts,
    stage: Stage,
    /// What was read from the client and not handed to hyper yet.
    pending: Vec<u8>,
    /// The deadline of the current wait, and whether it is for the rest of a head.
    deadline: Option<(Pin<Box<Sleep>>, bool)>,
}

impl<T> Guarded<T> {
    /// Guards a client connection.
    pub fn new(stream: T, timeouts: Timeouts) -> Self {
        Self {
            stream,
            timeouts,
            stage: Stage::Head,
            pending: Vec::new(),
            deadline: None,
        }
    }

    /// The client connection.
    pub fn get_ref(&self) -> &T {
        &self.stream
    }

    fn refuse(&mut self, error: &ApiError) {
        tracing::info!(status = error.status().as_u16(), "request head refused");
        self.stage = Stage::Refused {
            answer: wire_answer(error),
            written: 0,
        };
        self.pending.clear();
        self.deadline = Some((Box::pin(tokio::time::sleep(LINGER)), false));
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

/// What the head at the start of `bytes` is: complete and passing (its length and the
/// framing of its body), incomplete, or refused.
fn check_head(bytes: &[u8]) -> Result<Option<(usize, Framing)>, ApiError> {
    let line_end = bytes.iter().position(|b| *b == b'\n');
    if line_end.map_or(bytes.len(), |end| end + 1) > MAX_URI_BYTES {
        return Err(ApiError::UriTooLong);
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let length = match request.parse(bytes) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) if bytes.len() > MAX_HEAD_BYTES => {
            return Err(ApiError::HeadersTooLarge);
        }
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(ApiError::HeadersTooLarge),
        Err(error) => return Err(not_http(&error.to_string())),
    };
    if length > MAX_HEAD_BYTES {
        return Err(ApiError::HeadersTooLarge);
    }
    if request
        .path
        .is_some_and(|uri| uri.parse::<http::Uri>().is_err())
    {
        return Err(not_http("the URL does not parse"));
    }
    let framing = Framing::of(request.headers).map_err(not_http)?;
    Ok(Some((length, framing)))
}

fn not_http(why: &str) -> ApiError {
    tracing::info!(why, "not an HTTP/1.1 request head");
    ApiError::bad_request(
        "request",
        "The request is not valid HTTP/1.1: a malformed request line or header, or conflicting Content-Length headers.",
    )
}

impl<T: AsyncRead + AsyncWrite + Unpin> Guarded<T> {
    /// Reads more from the client into `pending`, waiting at most until the deadline
    /// (armed when `deadline` gives one); `Ok(false)` at the end of the stream.
    fn poll_fill(
        &mut self,
        cx: &mut Context<'_>,
        deadline: Option<(Duration, bool)>,
    ) -> Poll<io::Result<bool>> {
        if let Some((after, head)) = deadline
            && self
                .deadline
                .as_ref()
                .is_none_or(|(_, armed)| *armed != head)
        {
            self.deadline = Some((Box::pin(tokio::time::sleep(after)), head));
        }
        let mut chunk = [0; READ_SIZE];
        let mut read = ReadBuf::new(&mut chunk);
        match Pin::new(&mut self.stream).poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) => {
                self.pending.extend_from_slice(read.filled());
                Poll::Ready(Ok(!read.filled().is_empty()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => match &mut self.deadline {
                Some((sleep, _)) => {
                    ready!(sleep.as_mut().poll(cx));
                    Poll::Ready(Err(io::ErrorKind::TimedOut.into()))
                }
                None => Poll::Pending,
            },
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match &mut this.stage {
                Stage::Closed => return Poll::Ready(Ok(())),
                Stage::Refused { answer, written } => {
                    while *written < answer.len() {
                        let n =
                            ready!(Pin::new(&mut this.stream).poll_write(cx, &answer[*written..]))?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        *written += n;
                    }
                    ready!(Pin::new(&mut this.stream).poll_shutdown(cx))?;
                    // Whatever the client still sends is dropped, until it stops or
                    // the linger time is over.
                    this.pending.clear();
                    match ready!(this.poll_fill(cx, None)) {
                        Ok(true) => continue,
                        Ok(false) | Err(_) => this.stage = Stage::Closed,
                    }
                }
                Stage::Request { head, body } => {
                    if *head == 0 && body.is_done() {
                        this.stage = Stage::Head;
                        this.deadline = None;
                        continue;
                    }
                    if this.pending.is_empty() {
                        if !ready!(this.poll_fill(cx, None))? {
                            return Poll::Ready(Ok(()));
                        }
                        continue;
                    }
                    let room = buf.remaining().min(this.pending.len());
                    let n = if *head > 0 {
                        let n = room.min(*head);
                        *head -= n;
                        n
                    } else {
                        body.measure(&this.pending[..room])
                    };
                    buf.put_slice(&this.pending[..n]);
                    this.pending.drain(..n);
                    return Poll::Ready(Ok(()));
                }
                Stage::Head => {
                    if !this.pending.is_empty() {
                        match check_head(&this.pending) {
                            Ok(Some((head, body))) => {
                                this.stage = Stage::Request { head, body };
                                this.deadline = None;
                                continue;
                            }
                            Ok(None) => {}
                            Err(error) => {
                                this.refuse(&error);
                                continue;
                            }
                        }
                    }
                    let waiting = if this.pending.is_empty() {
                        (this.timeouts.idle, false)
                    } else {
                        (this.timeouts.read, true)
                    };
                    match ready!(this.poll_fill(cx, Some(waiting))) {
                        Ok(true) => {}
                        Ok(false) => {
                            this.stage = Stage::Closed;
                        }
                        Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                            if this.pending.is_empty() {
                                this.stage = Stage::Closed;
                            } else {
                                tracing::info!("request head not received in time: 408");
                                this.refuse(&ApiError::RequestTimeout);
                            }
                        }
                        Err(error) => return Poll::Ready(Err(error)),
                    }
                }
            }
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_checked_before_hyper_sees_them() {
        let complete = b"POST /api/rule HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}";
        let (length, body) = check_head(complete).expect("passes").expect("complete");
        assert_eq!(length, complete.len() - 2);
        assert!(!body.is_done());
        assert_eq!(
            check_head(b"GET /api/rule HTTP/1.1\r\nhost: x\r\n"),
            Ok(None)
        );
        let long = format!("GET /?q={} HTTP/1.1\r\n", "a".repeat(MAX_URI_BYTES));
        assert_eq!(check_head(long.as_bytes()), Err(ApiError::UriTooLong));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("x-{i}: v\r\n")).collect();
        let many = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(check_head(many.as_bytes()), Err(ApiError::HeadersTooLarge));
        let huge = format!("GET / HTTP/1.1\r\nx: {}", "v".repeat(MAX_HEAD_BYTES));
        assert_eq!(check_head(huge.as_bytes()), Err(ApiError::HeadersTooLarge));
        for garbage in [
            &b"HELLO\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n",
            b"GET / HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n",
        ] {
            assert!(
                matches!(check_head(garbage), Err(ApiError::BadRequest { .. })),
                "{}",
                String::from_utf8_lossy(garbage)
            );
        }
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
    }
}
