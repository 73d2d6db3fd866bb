//! The HTTP edge, checked byte by byte: what a server facing clients directly
//! (container mode, the local gateway) answers to requests no handler should see.
//!
//! [`assert_hardened_edge`] runs every case against a listening address, so both
//! servers are held to the same answers.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// What came back on a raw connection.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    /// The status code of the first response (0 when none came).
    pub status: u16,
    /// The head of the first response, as text.
    pub head: String,
    /// Everything after the head.
    pub body: String,
    /// How long the answer took.
    pub elapsed: Duration,
}

impl RawAnswer {
    /// The body as JSON.
    ///
    /// # Panics
    /// When it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} {:?}", self.head, self.body))
    }
}

/// Sends `bytes` on a new connection, then reads until the server closes it or
/// `wait` passes.
///
/// # Panics
/// When the connection cannot be made.
pub async fn raw_http(address: SocketAddr, bytes: &[u8], wait: Duration) -> RawAnswer {
    let started = Instant::now();
    let mut stream = TcpStream::connect(address).await.expect("connect");
    // A server may answer and close before everything is sent (a 413 at once).
    let _ = stream.write_all(bytes).await;
    let mut received = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut received)).await;
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    RawAnswer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
        elapsed,
    }
}

/// Asserts the contract's error shape with `code`, and that the connection closed.
fn assert_contract_error(answer: &RawAnswer, status: u16, code: &str, case: &str) {
    assert_eq!(answer.status, status, "{case}: {answer:?}");
    let head = answer.head.to_ascii_lowercase();
    assert!(
        head.contains("content-type: application/json"),
        "{case}: {answer:?}"
    );
    let json = answer.json();
    assert_eq!(json["success"], false, "{case}");
    assert_eq!(json["errorCode"], code, "{case}");
    assert!(
        json["errorMessage"].as_str().is_some_and(|m| !m.is_empty()),
        "{case}"
    );
}

/// Every edge case, against the server at `address` whose read timeout is
/// `read_timeout` (keep it short: two cases wait for it).
///
/// # Panics
/// When an answer is not the contract's.
pub async fn assert_hardened_edge(address: SocketAddr, read_timeout: Duration) {
    let quick = Duration::from_secs(5);
    let patient = read_timeout + Duration::from_secs(5);

    let dot = raw_http(
        address,
        b"GET /api/rule/%2e HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        quick,
    )
    .await;
    assert_contract_error(&dot, 400, "BAD_REQUEST", "a dot segment");

    let chunked = raw_http(
        address,
        b"POST /api/rule HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        quick,
    )
    .await;
    assert_contract_error(&chunked, 400, "BAD_REQUEST", "a bad chunk size");

    let expect = raw_http(
        address,
        b"POST /api/rule HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 20000000\r\nexpect: 100-continue\r\n\r\n",
        quick,
    )
    .await;
    assert_contract_error(
        &expect,
        413,
        "PAYLOAD_TOO_LARGE",
        "Expect: 100-continue, too long",
    );
    assert!(
        !expect.head.contains(" 100 "),
        "no 100 Continue: {expect:?}"
    );
    assert!(
        expect.elapsed < read_timeout,
        "at once, not after a timeout: {expect:?}"
    );

    let half_head = raw_http(address, b"GET /api/rule HTTP/1.1\r\nhost: x\r\n", patient).await;
    assert_contract_error(&half_head, 408, "REQUEST_TIMEOUT", "half a head");
    assert!(half_head.elapsed >= read_timeout, "{half_head:?}");

    let short_body = raw_http(
        address,
        b"POST /api/rule HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"name\"",
        patient,
    )
    .await;
    assert_contract_error(
        &short_body,
        408,
        "REQUEST_TIMEOUT",
        "a body shorter than announced",
    );

    let long_url = format!(
        "GET /api/rule?q={} HTTP/1.1\r\nhost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let answer = raw_http(address, long_url.as_bytes(), quick).await;
    assert_contract_error(&answer, 414, "URI_TOO_LONG", "a 70 kB URL");

    let many: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let headers = format!("GET /api/rule HTTP/1.1\r\nhost: x\r\n{many}\r\n");
    let answer = raw_http(address, headers.as_bytes(), quick).await;
    assert_contract_error(&answer, 431, "HEADERS_TOO_LARGE", "200 headers");

    let garbage = raw_http(address, b"HELLO\r\n\r\n", quick).await;
    assert_contract_error(&garbage, 400, "BAD_REQUEST", "a garbage request line");

    let two_lengths = raw_http(
        address,
        b"POST /api/rule HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}",
        quick,
    )
    .await;
    assert_contract_error(&two_lengths, 400, "BAD_REQUEST", "two Content-Lengths");
}
