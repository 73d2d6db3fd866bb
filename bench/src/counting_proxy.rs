//! A loopback proxy between the functions and the DynamoDB emulator that counts the
//! requests passing through by their `X-Amz-Target` header (for example
//! `DynamoDB_20120810.TransactWriteItems`), for the [`super::writes`] figures: how
//! many datastore round trips one HTTP request to a function causes, and which; and
//! that sums the capacity units the emulator reports for them, for the
//! [`super::cost`] figures.
//!
//! It relays bytes over plain TCP, one upstream connection per connection it accepts,
//! so keep-alive and headers reach the emulator as the SDK sent them. In the
//! direction to the emulator it reads each request's head and frames its body
//! (`Content-Length` or `chunked`) to find where the next request starts; a request
//! is counted once it is complete, before it is forwarded, so by the time its answer
//! reaches the function the count already holds it. The functions do not ask for
//! consumed capacity, so the proxy adds `"ReturnConsumedCapacity": "TOTAL"` to the
//! JSON body of every operation that takes it (the emulator checks no signatures,
//! and real DynamoDB is never behind this proxy). The answers are framed the same
//! way and copied back unchanged; the `ConsumedCapacity` of each is added, as read
//! or write units by its operation, before it is forwarded. Plain TCP rather than
//! hyper keeps the bench's dependencies as they are.

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

/// The operations that take `ReturnConsumedCapacity` and only read.
const READS: [&str; 5] = [
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "TransactGetItems",
];
/// The operations that take `ReturnConsumedCapacity` and write.
const WRITES: [&str; 5] = [
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
];

/// Requests seen, by operation (`GetItem`, `TransactWriteItems`, ...).
pub(super) type Counts = BTreeMap<String, u64>;

/// Capacity units the emulator reported, summed: read units for the read operations,
/// write units for the writes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Units {
    pub(super) read: f64,
    pub(super) write: f64,
}

impl std::ops::Sub for Units {
    type Output = Self;

    fn sub(self, earlier: Self) -> Self {
        Self {
            read: self.read - earlier.read,
            write: self.write - earlier.write,
        }
    }
}

/// What the proxy has seen.
#[derive(Debug, Default)]
struct Seen {
    counts: Counts,
    units: Units,
}

/// The running proxy: its endpoint and what it has counted so far.
pub(super) struct CountingProxy {
    endpoint: String,
    seen: Arc<Mutex<Seen>>,
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
        let seen = Arc::new(Mutex::new(Seen::default()));
        let accept = tokio::spawn({
            let seen = seen.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    tokio::spawn(relay(client, upstream.clone(), seen.clone()));
                }
            }
        });
        Ok(Self {
            endpoint: format!("http://{address}"),
            seen,
            accept,
        })
    }

    /// The URL to give the functions as `DYNAMODB_ENDPOINT`.
    pub(super) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Everything counted since the start.
    pub(super) fn snapshot(&self) -> Counts {
        lock(&self.seen).counts.clone()
    }

    /// The capacity units reported since the start.
    pub(super) fn units(&self) -> Units {
        lock(&self.seen).units
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

fn lock(seen: &Mutex<Seen>) -> std::sync::MutexGuard<'_, Seen> {
    seen.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Relays one connection: requests to `upstream` (counted, capacity asked for),
/// answers back unchanged (their capacity added up).
async fn relay(client: TcpStream, upstream: String, seen: Arc<Mutex<Seen>>) {
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (mut from_client, to_client) = client.into_split();
    let (from_server, mut to_server) = server.into_split();
    // The operations sent, oldest first: HTTP/1.1 answers come back in that order.
    let (sent, operations) = tokio::sync::mpsc::unbounded_channel();
    let answers = tokio::spawn(answers(from_server, to_client, operations, seen.clone()));
    let mut pending = Vec::new();
    let mut chunk = vec![0_u8; 16 * 1024];
    'connection: loop {
        loop {
            match frame(&pending) {
                Ok(Some(message)) => {
                    let target = message
                        .target
                        .clone()
                        .unwrap_or_else(|| NO_TARGET.to_owned());
                    *lock(&seen).counts.entry(target.clone()).or_default() += 1;
                    let _ = sent.send(target);
                    let bytes = with_capacity(&pending, &message);
                    if to_server.write_all(&bytes).await.is_err() {
                        break 'connection;
                    }
                    pending.drain(..message.end);
                }
                Ok(None) => break,
                Err(()) => {
                    *lock(&seen).counts.entry(UNFRAMED.to_owned()).or_default() += 1;
                    break 'connection;
                }
            }
        }
        match from_client.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(read) => pending.extend_from_slice(&chunk[..read]),
        }
    }
    drop(sent);
    let _ = to_server.shutdown().await;
    let _ = answers.await;
}
/// Copies the answers of one connection back to the function, each once complete,
/// adding the capacity it reports to `seen` under the operation of its request
/// (`operations`, in the order sent). Bytes that cannot be framed are copied as they
/// come.
async fn answers(
    mut from_server: tokio::net::tcp::OwnedReadHalf,
    mut to_client: tokio::net::tcp::OwnedWriteHalf,
    mut operations: tokio::sync::mpsc::UnboundedReceiver<String>,
    seen: Arc<Mutex<Seen>>,
) {
    let mut pending = Vec::new();
    let mut chunk = vec![0_u8; 16 * 1024];
    loop {
        while let Ok(Some(message)) = frame(&pending) {
            let operation = operations.recv().await.unwrap_or_default();
            if let Some(units) = reported(&pending[message.head_end..message.end]) {
                let mut seen = lock(&seen);
                if READS.contains(&operation.as_str()) {
                    seen.units.read += units;
                } else if WRITES.contains(&operation.as_str()) {
                    seen.units.write += units;
                }
            }
            if to_client.write_all(&pending[..message.end]).await.is_err() {
                return;
            }
            pending.drain(..message.end);
        }
        if frame(&pending).is_err() {
            if to_client.write_all(&pending).await.is_err() {
                return;
            }
            let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
            break;
        }
        match from_server.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(read) => pending.extend_from_slice(&chunk[..read]),
        }
    }
    let _ = to_client.write_all(&pending).await;
    let _ = to_client.shutdown().await;
}

/// The capacity units an answer's JSON body reports (`ConsumedCapacity`: one object,
/// or one per table), `None` when it reports none.
fn reported(body: &[u8]) -> Option<f64> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let units = |c: &serde_json::Value| c["CapacityUnits"].as_f64().unwrap_or(0.0);
    match value.get("ConsumedCapacity")? {
        serde_json::Value::Array(tables) => Some(tables.iter().map(units).sum()),
        one => Some(units(one)),
    }
}

/// One framed HTTP/1.1 message at the start of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Message {
    /// Where its head ends and its body starts.
    head_end: usize,
    /// Where it ends.
    end: usize,
    /// The operation its `X-Amz-Target` names (requests; `None` without the header).
    target: Option<String>,
    /// Whether its body is `chunked` (then it is forwarded as it is).
    chunked: bool,
}

/// The first complete HTTP/1.1 message (request or answer) in `bytes`; `None` while
/// it is incomplete; `Err` when it cannot be framed.
fn frame(bytes: &[u8]) -> Result<Option<Message>, ()> {
    let Some(head_end) = find(bytes, b"\r\n\r\n", 0).map(|at| at + 4) else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&bytes[..head_end]).map_err(|_| ())?;
    let mut target = None;
    let mut length = 0_usize;
    let mut chunked = false;
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("x-amz-target") {
            target = Some(value.trim_start_matches(TARGET_PREFIX).to_owned());
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
    Ok(end.map(|end| Message {
        head_end,
        end,
        target,
        chunked,
    }))
}

/// The request `message` of `bytes` as it is forwarded: with
/// `"ReturnConsumedCapacity": "TOTAL"` added to its JSON body when its operation takes
/// it and does not ask already (and its `Content-Length` set to match); otherwise as
/// it came.
fn with_capacity(bytes: &[u8], message: &Message) -> Vec<u8> {
    let unchanged = || bytes[..message.end].to_vec();
    let takes_it = message
        .target
        .as_deref()
        .is_some_and(|t| READS.contains(&t) || WRITES.contains(&t));
    if !takes_it || message.chunked {
        return unchanged();
    }
    let Ok(serde_json::Value::Object(mut body)) =
        serde_json::from_slice::<serde_json::Value>(&bytes[message.head_end..message.end])
    else {
        return unchanged();
    };
    if body.contains_key("ReturnConsumedCapacity") {
        return unchanged();
    }
    body.insert("ReturnConsumedCapacity".into(), "TOTAL".into());
    let Ok(body) = serde_json::to_vec(&body) else {
        return unchanged();
    };
    let Ok(head) = std::str::from_utf8(&bytes[..message.head_end - 2]) else {
        return unchanged();
    };
    let mut out = Vec::with_capacity(head.len() + body.len() + 32);
    for line in head.split_terminator("\r\n") {
        let is_length = line
            .split_once(':')
            .is_some_and(|(name, _)| name.eq_ignore_ascii_case("content-length"));
        if !is_length {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(&body);
    out
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

    /// The length and operation of the first complete request in `bytes`.
    fn next_request(bytes: &[u8]) -> Result<Option<(usize, String)>, ()> {
        frame(bytes).map(|m| m.map(|m| (m.end, m.target.unwrap_or_else(|| NO_TARGET.to_owned()))))
    }

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
    fn a_read_or_write_asks_for_its_capacity_and_keeps_its_length_right() {
        let request = format!("{HEAD}Content-Length: 2\r\n\r\n{{}}");
        let message = frame(request.as_bytes())
            .ok()
            .flatten()
            .expect("a whole request");
        let rewritten = with_capacity(request.as_bytes(), &message);
        let again = frame(&rewritten).ok().flatten().expect("a whole request");
        assert_eq!(again.end, rewritten.len());
        assert_eq!(
            &rewritten[again.head_end..],
            br#"{"ReturnConsumedCapacity":"TOTAL"}"#
        );
        let other = "POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.DescribeTable\r\ncontent-length: 2\r\n\r\n{}";
        let message = frame(other.as_bytes())
            .ok()
            .flatten()
            .expect("a whole request");
        assert_eq!(with_capacity(other.as_bytes(), &message), other.as_bytes());
    }

    #[test]
    fn reported_capacity_is_read_from_one_table_or_several() {
        assert_eq!(
            reported(br#"{"ConsumedCapacity":{"TableName":"t","CapacityUnits":1.5}}"#),
            Some(1.5)
        );
        assert_eq!(
            reported(br#"{"ConsumedCapacity":[{"CapacityUnits":4.0},{"CapacityUnits":2.0}]}"#),
            Some(6.0)
        );
        assert_eq!(reported(br#"{"Item":{}}"#), None);
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
