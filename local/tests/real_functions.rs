//! The project's real `user` and `rule` binaries under the platform, from
//! `template.yml`, against the DynamoDB emulator: a cold instance's first request
//! lists the existing todos, never an empty list served before the datastore is ready.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use local::commands::project::{Datastore, Endpoints, Secrets, local_functions};
use local::keys::KeyPair;
use local::platform::PlatformConfig;
use local::runtime::pool::PoolSettings;
use local::template::Template;

/// The built binaries, `template.yml`, an emulator with its tables, and a key pair.
/// The emulators of a local run: DynamoDB and Secrets Manager.
struct Services {
    dynamodb: Datastore,
    secrets: Secrets,
}

impl Services {
    async fn stop(self) {
        self.dynamodb.stop(None).await;
        self.secrets.stop(None).await;
    }
}

async fn project() -> (Template, Services, KeyPair) {
    shared_testing::workspace::build_workspace_binaries();
    let template_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
    let template = Template::load(&template_path).expect("template.yml parses");
    let dynamodb = Datastore::start(None).await.expect("emulator starts");
    dynamodb.create_tables(&template).await.expect("tables");
    let secrets = Secrets::start(None).await.expect("secrets emulator starts");
    let keys = KeyPair::generate().expect("keys");
    (template, Services { dynamodb, secrets }, keys)
}

async fn platform(template: &Template, services: &Services, keys: &KeyPair) -> Running {
    let endpoints = Endpoints {
        dynamodb: &services.dynamodb.endpoint,
        secrets_manager: &services.secrets.endpoint,
    };
    let mut functions = local_functions(template, endpoints, keys).expect("functions resolve");
    services
        .secrets
        .put_keys(&functions, std::slice::from_ref(keys))
        .await
        .expect("the signing key is in its secret");
    for f in &mut functions {
        // Short sessions suit a test run whatever the template's default lifetime.
        if f.environment.contains_key("JWT_TTL_SECONDS") {
            f.environment.insert("JWT_TTL_SECONDS".into(), "600".into());
        }
    }
    let mut config = PlatformConfig::new(functions, bin_dir());
    config.settings = PoolSettings::default();
    config.echo_logs = std::env::var_os("LOCAL_TEST_LOGS").is_some();
    start_with(config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_instance_s_first_request_lists_the_existing_todos() {
    let (template, datastore, keys) = project().await;

    // A first platform: register, log in, create three todos.
    let first = platform(&template, &datastore, &keys).await;
    let client = client();
    let json = [("content-type", "application/json")];
    let registered = send(
        &client,
        "POST",
        &first.url("/api/register"),
        &json,
        r#"{"userName":"alice","password":"correct horse"}"#,
    )
    .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let login = send(
        &client,
        "POST",
        &first.url("/api/login/account"),
        &json,
        r#"{"userName":"alice","password":"correct horse"}"#,
    )
    .await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    assert!(
        login
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().is_ok_and(|c| c.starts_with("jwtToken=")))
    );
    let token = login.json()["token"].as_str().expect("token").to_owned();
    let bearer = format!("Bearer {token}");
    let auth = [
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
    ];
    for name in ["buy milk", "walk the dog", "write tests"] {
        let created = send(
            &client,
            "POST",
            &first.url("/api/rule"),
            &auth,
            format!(r#"{{"name":"{name}"}}"#),
        )
        .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
    }
    first.stop().await;

    // A fresh platform: no instance is running; the first request is a cold start.
    let second = platform(&template, &datastore, &keys).await;
    let rule = second.platform.pool("rule").expect("rule pool").clone();
    assert!(rule.status().instances.is_empty());
    let listed = send(
        &client,
        "GET",
        &second.url("/api/rule?current=1&pageSize=10"),
        &auth,
        bytes::Bytes::new(),
    )
    .await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let body = listed.json();
    assert_eq!(body["success"], true);
    assert_eq!(body["total"], 3, "{body}");
    let names: Vec<&str> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names.len(), 3);
    assert!(names.contains(&"buy milk"));
    let status = rule.status();
    assert_eq!(
        status.stats.cold_starts, 1,
        "the request was served by a cold instance"
    );
    assert!(
        status.instances[0]
            .init_ms
            .is_some_and(|ms| ms < Duration::from_secs(5).as_secs_f64() * 1000.0)
    );
    // Cookie authentication works through the gateway too.
    let cookie = format!("jwtToken={token}");
    let me = send(
        &client,
        "GET",
        &second.url("/api/currentUser"),
        &[("cookie", cookie.as_str())],
        bytes::Bytes::new(),
    )
    .await;
    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.json()["name"], "alice");
    second.stop().await;
    datastore.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_methods_and_odd_forwarding_headers_get_the_contract_s_answers() {
    let (template, datastore, keys) = project().await;
    let running = platform(&template, &datastore, &keys).await;
    let client = client();

    // A method the contract does not list reaches the function, which says 405 and Allow.
    for (method, path, allow) in [
        ("PATCH", "/api/rule", "GET, POST, PUT, DELETE"),
        (
            "POST",
            "/api/rule/01M86HQ7MFMGENECE4KT0NHBXP",
            "GET, PUT, DELETE",
        ),
        ("GET", "/api/register", "POST"),
        ("PUT", "/api/currentUser", "GET, DELETE"),
    ] {
        let answer = send(
            &client,
            method,
            &running.url(path),
            &[],
            bytes::Bytes::new(),
        )
        .await;
        assert_eq!(answer.status, 405, "{method} {path}: {:?}", answer.body);
        assert_eq!(answer.json()["errorCode"], "METHOD_NOT_ALLOWED");
        assert_eq!(answer.headers["allow"], allow, "{method} {path}");
    }

    // Forwarding headers lambda_http cannot build a URL from are cleaned, not fatal.
    let json = ("content-type", "application/json");
    let credentials = r#"{"userName":"bob_1","password":"password123"}"#;
    let registered = send(
        &client,
        "POST",
        &running.url("/api/register"),
        &[json],
        credentials,
    )
    .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    for headers in [
        [json, ("x-forwarded-proto", "https, http")],
        [json, ("host", "a b")],
        [json, ("host", "x:99999")],
        [json, ("host", "[::1")],
    ] {
        let login = send(
            &client,
            "POST",
            &running.url("/api/login/account"),
            &headers,
            credentials,
        )
        .await;
        assert_eq!(login.status, 200, "{headers:?}: {:?}", login.body);
        assert_eq!(login.json()["status"], "ok");
    }
    let behind_proxies = send(
        &client,
        "POST",
        &running.url("/api/login/account"),
        &[json, ("x-forwarded-proto", "https, http")],
        credentials,
    )
    .await;
    let cookie = behind_proxies.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    // An empty Host leaves the path as it is: /api/rule, not /rule.
    let listed = send(
        &client,
        "GET",
        &running.url("/api/rule"),
        &[("host", "")],
        bytes::Bytes::new(),
    )
    .await;
    assert_eq!(listed.status, 401, "{:?}", listed.body);
    assert_eq!(listed.json()["errorCode"], "UNAUTHORIZED");
    running.stop().await;
    datastore.stop().await;
}
