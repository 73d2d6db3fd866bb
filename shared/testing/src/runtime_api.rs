//! Stand-ins for what a function binary talks to, for the tests that run the real
//! `bootstrap` binaries: a minimal Lambda Runtime API and an endpoint that never answers.
//!
//! # Panics
//! The helpers panic when they cannot bind a loopback port: the test cannot run.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A TCP port that accepts connections and never answers; the task holds them.
pub async fn black_hole() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (endpoint, task)
}

/// One request seen by the fake Runtime API.
#[derive(Debug)]
pub struct Seen {
    /// The request method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The request line and headers.
    pub head: String,
    /// The body.
    pub body: String,
}

/// A minimal Lambda Runtime API: records requests, answers init errors with 202 and
/// keeps `next` polls open (no invocation ever arrives).
pub async fn fake_runtime_api() -> (String, mpsc::UnboundedReceiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr").to_string();
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0_u8; 4096];
                loop {
                    let Ok(read) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..read]);
                    let text = String::from_utf8_lossy(&buffer).to_string();
                    let Some(end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let head = text[..end].to_owned();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buffer.len() < end + 4 + length {
                        continue;
                    }
                    let body = text[end + 4..].to_owned();
                    let mut first = head.lines().next().unwrap_or("").split(' ');
                    let seen = Seen {
                        method: first.next().unwrap_or("").to_owned(),
                        path: first.next().unwrap_or("").to_owned(),
                        head: head.clone(),
                        body,
                    };
                    let is_next = seen.path.ends_with("/invocation/next");
                    let _ = sender.send(seen);
                    if is_next {
                        // Hold the poll open, like a runtime with no traffic.
                        tokio::time::sleep(Duration::from_secs(60)).await;
                        return;
                    }
                    let _ = socket
                        .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{\"status\":\"OK\"}")
                        .await;
                    buffer.clear();
                }
            });
        }
    });
    (address, receiver)
}
