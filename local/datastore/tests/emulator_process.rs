//! The `dynamodb-emulator` binary as `make dev` runs it: its data survives a clean
//! stop and a `kill -9`, and it exits cleanly when its standard input closes or on
//! SIGTERM.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use local_datastore::dynamo::local_client;
use local_datastore::emulator::{Emulator, EmulatorOptions};
use local_datastore::server::database_file;

mod process;

/// How long a stopped emulator may take to exit.
const WITHIN: Duration = Duration::from_secs(5);

/// A data folder of its own under cargo's temporary folder for tests.
fn data_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dynamodb-emulator-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}

async fn start(dir: &std::path::Path) -> Emulator {
    Emulator::start(&EmulatorOptions {
        data_dir: Some(dir.to_owned()),
        port: 0,
    })
    .await
    .expect("the emulator binary starts (cargo builds it for this test)")
}

async fn read_note(endpoint: &str) -> Option<String> {
    local_client(endpoint)
        .get_item()
        .table_name("notes")
        .key("pk", s("note"))
        .consistent_read(true)
        .send()
        .await
        .expect("get")
        .item
        .and_then(|item| item.get("text").and_then(|t| t.as_s().ok()).cloned())
}

#[tokio::test]
async fn data_survives_a_kill_9_and_a_clean_restart() {
    let dir = data_dir("kill");
    let first = start(&dir).await;
    let client = local_client(first.endpoint());
    client
        .create_table()
        .table_name("notes")
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .expect("definition"),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .expect("key"),
        )
        .send()
        .await
        .expect("table created");
    client
        .put_item()
        .table_name("notes")
        .set_item(Some(HashMap::from([
            ("pk".to_owned(), s("note")),
            ("text".to_owned(), s("written before the kill")),
        ])))
        .send()
        .await
        .expect("put");
    assert!(database_file(&dir).is_file(), "the database is on disk");

    let pid = first.pid().expect("a running emulator");
    process::signal(pid, "-KILL");
    first.stop().await;

    let second = start(&dir).await;
    assert_eq!(
        read_note(second.endpoint()).await.as_deref(),
        Some("written before the kill"),
        "an answered write survives kill -9"
    );
    second.stop().await;

    let third = start(&dir).await;
    assert_eq!(
        read_note(third.endpoint()).await.as_deref(),
        Some("written before the kill"),
        "and a clean stop"
    );
    third.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts the binary with `args`, reads its ready line; answers the child and the line.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dynamodb-emulator"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a ready line");
    (child, line)
}

#[test]
fn prints_its_endpoint_and_exits_when_stdin_closes() {
    let (mut child, line) = spawn(&["--watch-stdin"]);
    let ready: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    let endpoint = ready["endpoint"].as_str().expect("an endpoint");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    drop(child.stdin.take());
    assert!(
        process::exits_cleanly(&mut child, WITHIN),
        "exits with 0 once stdin closes"
    );
}

#[test]
fn exits_cleanly_on_sigterm() {
    let (mut child, _) = spawn(&["--watch-stdin"]);
    process::signal(child.id(), "-TERM");
    assert!(
        process::exits_cleanly(&mut child, WITHIN),
        "exits with 0 on SIGTERM"
    );
}

#[test]
fn refuses_an_unknown_argument() {
    let status = Command::new(env!("CARGO_BIN_EXE_dynamodb-emulator"))
        .arg("--host")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the binary runs");
    assert_eq!(status.code(), Some(2));
}
