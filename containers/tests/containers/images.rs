//! Both images run as containers: the API through the gateway's routes, readiness
//! after the initializer, SIGTERM, and what an image holds.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{Backend, TAG, free_port, podman, send, signed_up, start, wait_for_port};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_containers_serve_the_api_on_the_gateways_routes() {
    let podman = podman();
    let backend = Backend::new().await;
    let (user_port, rule_port) = (free_port(), free_port());
    let user = start(&podman, "user", backend.environment("user", user_port)).await;
    let rule = start(&podman, "rule", backend.environment("rule", rule_port)).await;
    wait_for_port(&user, user_port, Duration::from_secs(20)).await;
    wait_for_port(&rule, rule_port, Duration::from_secs(20)).await;

    let token = signed_up(user_port, "carol").await;
    let me = send(user_port, "GET", "/api/currentUser", Some(&token), None).await;
    assert_eq!(me.status, 200, "{}", me.json);
    assert_eq!(me.json["name"], "carol");

    // The rule container trusts the user container's token: the JWT between them.
    let created = send(
        rule_port,
        "POST",
        "/api/rule",
        Some(&token),
        Some(&json!({"name": "ship it"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let key = created.json["key"].as_str().expect("a key").to_owned();
    let list = send(
        rule_port,
        "GET",
        "/api/rule?current=1&pageSize=10",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(list.status, 200, "{}", list.json);
    assert_eq!(list.json["total"], 1);
    assert_eq!(list.json["data"][0]["name"], "ship it");
    let one = send(
        rule_port,
        "GET",
        &format!("/api/rule/{key}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(one.status, 200, "{}", one.json);
    let deleted = send(
        rule_port,
        "DELETE",
        &format!("/api/rule/{key}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(deleted.status, 200, "{}", deleted.json);

    // Errors keep the contract's shape in a container too.
    let anonymous = send(rule_port, "GET", "/api/rule", None, None).await;
    assert_eq!(anonymous.status, 401);
    anonymous.error_code();
    let wrong_method = send(user_port, "GET", "/api/register", None, None).await;
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.headers.contains_key("allow"));
    wrong_method.error_code();

    user.remove(5).await;
    rule.remove(5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish_and_the_container_exit_cleanly() {
    let podman = podman();
    let backend = Backend::new().await;
    let port = free_port();
    let user = start(&podman, "user", backend.environment("user", port)).await;
    wait_for_port(&user, port, Duration::from_secs(20)).await;

    // A registration whose body is still arriving when SIGTERM comes.
    let body = json!({"userName": "dave", "password": "another passphrase"}).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!(
        "POST /api/register HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(300)).await;
    user.signal("TERM")
        .await
        .expect("podman kill --signal TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "no new connection is accepted after SIGTERM"
    );
    stream
        .write_all(tail.as_bytes())
        .await
        .expect("the rest of the body");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .expect("the in-flight request is answered")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let code = tokio::time::timeout(Duration::from_secs(15), user.wait())
        .await
        .expect("the container stops")
        .expect("podman wait");
    assert_eq!(code, 0, "{}", user.logs().await);
    user.remove(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_port_opens_only_after_the_initializer_and_never_when_it_fails() {
    let podman = podman();
    let backend = Backend::new().await;
    // A datastore that accepts connections and never answers.
    let hole = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", hole.local_addr().expect("addr"));
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = hole.accept().await {
            sockets.push(socket);
        }
    });
    let port = free_port();
    let mut env = backend.environment("rule", port);
    env.insert("DYNAMODB_ENDPOINT".into(), endpoint);
    env.insert("INITIALIZER_TIMEOUT_SECONDS".into(), "1".into());
    let rule = start(&podman, "rule", env).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "nothing listens while the initializer waits for the datastore"
    );
    let code = tokio::time::timeout(Duration::from_secs(15), rule.wait())
        .await
        .expect("the initializer gives up")
        .expect("podman wait");
    assert_eq!(code, 1, "a failed initializer stops the container with 1");
    assert!(rule.logs().await.contains("initializer failed"));
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
    held.abort();
    rule.remove(0).await;
}

#[tokio::test]
async fn an_image_holds_the_binary_the_certificates_and_a_non_root_user_only() {
    let podman = podman();
    for function in ["user", "rule"] {
        let image = containers::podman::image_name(function, TAG);
        let config = podman
            .output(&[
                "image",
                "inspect",
                "--format",
                "{{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.ExposedPorts}}",
                &image,
            ])
            .await
            .expect("inspect");
        assert_eq!(
            config.trim(),
            r#"65532:65532 ["/bootstrap"] {"8080/tcp":{}}"#,
            "{image}"
        );
        let name = format!(
            "todo-test-files-{function}-{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        podman
            .output(&["create", "--name", &name, &image])
            .await
            .expect("create");
        let archive = std::env::temp_dir().join(format!("{name}.tar"));
        let exported = podman
            .output(&["export", "--output", &archive.to_string_lossy(), &name])
            .await;
        let _ = podman.output(&["rm", &name]).await;
        exported.expect("export");
        let listing = std::process::Command::new("tar")
            .arg("-tf")
            .arg(&archive)
            .output()
            .expect("tar runs");
        let _ = std::fs::remove_file(&archive);
        let mut files: Vec<String> = String::from_utf8_lossy(&listing.stdout)
            .lines()
            .filter(|l| !l.ends_with('/'))
            .map(|l| l.trim_start_matches("./").to_owned())
            // podman adds mount points for the runtime's files.
            .filter(|l| {
                ![
                    "etc/hosts",
                    "etc/resolv.conf",
                    "etc/hostname",
                    ".containerenv",
                    "run/.containerenv",
                ]
                .contains(&l.as_str())
            })
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "bootstrap",
                "etc/group",
                "etc/passwd",
                "etc/ssl/certs/ca-certificates.crt"
            ],
            "{image}"
        );
    }
}
