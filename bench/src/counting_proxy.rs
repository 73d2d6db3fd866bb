//! A loopback proxy between the functions and the DynamoDB emulator that counts the
//! requests passing through by their `X-Amz-Target` header (for example
//! `DynamoDB_20120810.TransactWriteItems`), for the [`super::writes`] figures: how
//! many datastore round trips one HTTP request to a function causes, and which.
//!
//! It relays bytes over plain TCP, one upstream connection per connection it accepts,
//! so keep-alive, headers and bodies reach the emulator as the SDK sent them. In the
//! direction to the emulator it reads each request's head and frames its body
//! (`Content-Length` or `chunked`) to find where the next request starts; a request
//! is counted once it is complete, before it is forwarded, so by the time its answer
//! reaches the function the count already holds it. The answers are copied back
//! untouched. Plain TCP rather than hyper keeps the bench's dependencies as they are.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use local::commands::CommandError;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// The prefix of DynamoDB's `X-Amz-Target` values, left out of the counted names.
const TARGET_PREFIX: &str = "DynamoDB_20120810.";
/// The name counted for a request without an `X-Amz-Target` header.
const NO_TARGET: &str = "(no X-Amz-Target)";
/// The name counted once for a connection whose bytes could not be framed as HTTP/1.1
/// requests (it is then closed), so that a miscount shows in the figures.
const UNFRAMED: &str = "(unframed bytes)";

/// Requests seen, by operation (`GetItem`, `TransactWriteItems`, ...).
pub(super) type Counts = BTreeMap<String, u64>;

/// The running proxy: its endpoint and what it has counted so far.
pub(super) struct CountingProxy {
    endpoint: String,
    counts: Arc<Mutex<Counts>>,
    accept: tokio::task::JoinHandle<()>,
}

impl CountingProxy {
    /// Starts a proxy on a free loopback port that forwards to `upstream`
    /// (`http://host:port`, the emulator's endpoint).
    pub(super) async fn start(upstream: &str) -> Result<Self, CommandError> {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(CommandError::io("binding the counting proxy"))?;
        let address = listener
            .local_addr()
            .map_err(CommandError::io("the counting proxy's address"))?;
        let counts = Arc::new(Mutex::new(Counts::new()));
        let accept = tokio::spawn({
            let counts = counts.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    tokio::spawn(relay(client, upstream.clone(), counts.clone()));
                }
            }
        });
        Ok(Self {
            endpoint: format!("http://{address}"),
            counts,
            accept,
        })
    }

    /// The URL to give the functions as `DYNAMODB_ENDPOINT`.
    pub(super) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Everything counted since the start.
    pub(super) fn snapshot(&self) -> Counts {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops accepting connections (open ones end with their peers).
    pub(super) fn stop(self) {
        self.accept.abort();
    }
}

/// What was counted between two snapshots, `before` and `after`.
pub(super) fn difference(before: &Counts, after: &Counts) -> Counts {
    after
        .iter()
        .filter_map(|(name, n)| {
            let grew = n - before.get(name).copied().unwrap_or(0);
            (grew > 0).then(|| (name.clone(), grew))
        })
        .collect()
}

/// Relays one connection: requests to `upstream` (counted), answers back as they are.
async fn relay(client: TcpStream, upstream: String, counts: Arc<Mutex<Counts>>) {
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let answers = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
        let _ = to_client.shutdown().await;
    });
    let mut pending = Vec::new();
    let mut chunk = vec![0_u8; 16 * 1024];
    'connection: loop {
        loop {
            match next_request(&pending) {
                Ok(Some((length, target))) => {
                    *counts
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .entry(target)
                        .or_default() += 1;
                    if to_server.write_all(&pending[..length]).await.is_err() {
                        break 'connection;
                    }
                    pending.drain(..length);
                }
                Ok(None) => break,
                Err(()) => {
                    *counts
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .entry(UNFRAMED.to_owned())
                        .or_default() += 1;
                    break 'connection;
                }
            }
        }
        match from_client.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(read) => pending.extend_from_slice(&chunk[..read]),
        }
    }
    let _ = to_server.shutdown().await;
    let _ = answers.await;
}

/// The length of the first complete HTTP/1.1 request in `bytes` and the operation its
/// `X-Amz-Target` names; `None` while it is incomplete; `Err` when it cannot be framed.
fn next_request(bytes: &[u8]) -> Result<Option<(usize, String)>, ()> {
    let Some(head_end) = find(bytes, b"\r\n\r\n", 0).map(|at| at + 4) else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&bytes[..head_end]).map_err(|_| ())?;
    let mut target = NO_TARGET.to_owned();
    let mut length = 0_usize;
    let mut chunked = false;
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("x-amz-target") {
            target = value.trim_start_matches(TARGET_PREFIX).to_owned();
        } else if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| ())?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    let end = if chunked {
        chunked_end(bytes, head_end)?
    } else {
        let end = head_end + length;
        (bytes.len() >= end).then_some(end)
    };
    Ok(end.map(|end| (end, target)))
}

/// Where a `chunked` body starting at `at` ends (trailers included), `None` while it
/// is incomplete.
fn chunked_end(bytes: &[u8], mut at: usize) -> Result<Option<usize>, ()> {
    loop {
        let Some(line_end) = find(bytes, b"\r\n", at) else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&bytes[at..line_end]).map_err(|_| ())?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| ())?;
        at = line_end + 2;
        if size == 0 {
            // Trailer lines, then an empty line.
            loop {
                let Some(line_end) = find(bytes, b"\r\n", at) else {
                    return Ok(None);
                };
                let empty = line_end == at;
                at = line_end + 2;
                if empty {
                    return Ok(Some(at));
                }
            }
        }
        at += size + 2;
        if bytes.len() < at {
            return Ok(None);
        }
    }
}

/// The first position of `needle` in `bytes` at or after `from`.
fn find(bytes: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        "POST / HTTP/1.1\r\nhost: 127.0.0.1\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n";

    #[test]
    fn a_request_with_a_length_is_framed_and_named_once_complete() {
        let request = format!("{HEAD}content-length: 4\r\n\r\n{{}}{{}}");
        let bytes = request.as_bytes();
        assert_eq!(next_request(&bytes[..bytes.len() - 1]), Ok(None));
        assert_eq!(next_request(&bytes[..10]), Ok(None));
        let two = [bytes, bytes].concat();
        assert_eq!(
            next_request(&two),
            Ok(Some((bytes.len(), "GetItem".to_owned())))
        );
    }

    #[test]
    fn a_chunked_request_ends_after_its_last_chunk_and_trailers() {
        let request = format!("{HEAD}Transfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n");
        let bytes = request.as_bytes();
        assert_eq!(next_request(&bytes[..bytes.len() - 2]), Ok(None));
        assert_eq!(
            next_request(bytes),
            Ok(Some((bytes.len(), "GetItem".to_owned())))
        );
        let trailer = format!("{HEAD}transfer-encoding: chunked\r\n\r\n0\r\nx-t: 1\r\n\r\nGET");
        assert_eq!(
            next_request(trailer.as_bytes()),
            Ok(Some((trailer.len() - 3, "GetItem".to_owned())))
        );
    }

    #[test]
    fn a_request_without_a_target_or_body_is_counted_as_such() {
        let request = "GET /health HTTP/1.1\r\nhost: x\r\n\r\n";
        assert_eq!(
            next_request(request.as_bytes()),
            Ok(Some((request.len(), NO_TARGET.to_owned())))
        );
        assert_eq!(
            next_request(b"POST / HTTP/1.1\r\ncontent-length: x\r\n\r\n"),
            Err(())
        );
    }

    #[test]
    fn the_difference_of_two_snapshots_keeps_what_grew() {
        let before = Counts::from([("GetItem".to_owned(), 2), ("Query".to_owned(), 1)]);
        let after = Counts::from([
            ("GetItem".to_owned(), 3),
            ("Query".to_owned(), 1),
            ("TransactWriteItems".to_owned(), 1),
        ]);
        assert_eq!(
            difference(&before, &after),
            Counts::from([
                ("GetItem".to_owned(), 1),
                ("TransactWriteItems".to_owned(), 1)
            ])
        );
    }
}
