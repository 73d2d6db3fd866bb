//! The same `bootstrap` binary as a plain HTTP container.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{TestApp, spawn_app};

async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("addr").port()
}

fn container(app: &TestApp, port: u16, endpoint: Option<&str>) -> tokio::process::Command {
    let config = &app.config;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rule"));
    command
        .env_clear()
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("TABLE_NAME", &config.datastore.table_name)
        .env(
            "DYNAMODB_ENDPOINT",
            endpoint.unwrap_or(config.datastore.endpoint.as_deref().unwrap_or("")),
        )
        .env("JWT_PUBLIC_KEY", config.auth.public_keys[0].to_spki_pem())
        .env("INITIALIZER_TIMEOUT_SECONDS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

/// One HTTP/1.1 exchange; returns the status code and the body.
async fn exchange(port: u16, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

/// Starts the container on `port` and waits for its announcement.
async fn listening(child: &mut tokio::process::Child, port: u16) {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    // Log lines come first; the announcement comes once the port is open.
    let line = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("listening on") {
                return line;
            }
        }
        String::new()
    })
    .await
    .expect("it starts listening");
    assert_eq!(line, format!("listening on http://127.0.0.1:{port}"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
}

#[tokio::test]
async fn the_binary_serves_plain_http_once_initialised() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    app.create(&alice, "from lambda").await;
    let port = free_port().await;
    let mut child = container(&app, port, None).spawn().expect("starts");
    listening(&mut child, port).await;

    let (status, body) = exchange(port, "GET", "/api/rule", &alice.token, "").await;
    assert_eq!(status, 200, "{body}");
    let list: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(list["total"], 1);
    let (status, _) = exchange(
        port,
        "POST",
        "/api/rule",
        &alice.token,
        r#"{"name":"from http"}"#,
    )
    .await;
    assert_eq!(status, 201);
    let huge = format!(r#"{{"name":"x","desc":"{}"}}"#, "y".repeat(70 * 1024));
    let (status, body) = exchange(port, "POST", "/api/rule", &alice.token, &huge).await;
    assert_eq!(status, 413, "{body}");
    let (status, _) = exchange(port, "GET", "/api/rule", "forged", "").await;
    assert_eq!(status, 401);

    let pid = child.id().expect("pid");
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("it stops on SIGTERM")
        .expect("status");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn the_container_answers_bad_http_slow_clients_and_dot_segments_in_the_contract_shape() {
    let app = spawn_app().await;
    let port = free_port().await;
    let mut command = container(&app, port, None);
    command.env("HTTP_READ_TIMEOUT_SECONDS", "1");
    let mut child = command.spawn().expect("starts");
    listening(&mut child, port).await;
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    shared_testing::edge::assert_hardened_edge(address, Duration::from_secs(1)).await;
}

#[tokio::test]
async fn in_flight_requests_finish_after_sigterm() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let port = free_port().await;
    let mut command = container(&app, port, None);
    command.env("HTTP_READ_TIMEOUT_SECONDS", "5");
    let mut child = command.spawn().expect("starts");
    listening(&mut child, port).await;
    // A request whose body is still on its way when SIGTERM arrives.
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let body = r#"{"name":"sent during shutdown"}"#;
    let head = format!(
        "POST /api/rule HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        alice.token,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = child.id().expect("pid");
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "no new connections once shutting down"
    );
    stream
        .write_all(body.as_bytes())
        .await
        .expect("write the rest");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 201 "), "{response}");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("it stops")
        .expect("status");
    assert!(status.success(), "{status:?}");
    assert_eq!(app.list(&alice, "").await.body["total"], 1);
}

#[tokio::test]
async fn the_port_stays_closed_until_the_initializer_is_done() {
    let app = spawn_app().await;
    // A datastore that accepts connections and never answers.
    let hole = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", hole.local_addr().expect("addr"));
    let _held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = hole.accept().await {
            sockets.push(socket);
        }
    });
    let port = free_port().await;
    let started = Instant::now();
    let mut child = container(&app, port, Some(&endpoint))
        .spawn()
        .expect("starts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "nothing listens while the initializer runs"
    );
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("it gives up")
        .expect("status");
    assert!(!status.success());
    assert!(started.elapsed() < Duration::from_secs(6));
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
}
