//! The initializer entry: warm before the first request, give up at the timeout.

use std::process::Stdio;
use std::time::{Duration, Instant};

use http::Method;
use once_cell::sync::OnceCell;
use rule_function::RuleState;
use shared::config::Config;
use shared::init::{InitError, initialize};
use shared_testing::runtime_api::{black_hole, fake_runtime_api};
use tokio::net::TcpListener;

use crate::helpers::{TestApp, spawn_app};

fn leak_cell() -> &'static OnceCell<RuleState> {
    Box::leak(Box::new(OnceCell::new()))
}

fn with_endpoint(config: &Config, endpoint: &str, timeout: Duration) -> Config {
    let mut config = config.clone();
    config.datastore.endpoint = Some(endpoint.to_owned());
    config.initializer_timeout = timeout;
    config
}

/// A port nobody listens on.
async fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    endpoint
}

#[tokio::test]
async fn a_cold_start_serves_existing_todos_on_its_very_first_request() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for name in ["one", "two", "three"] {
        app.create(&alice, name).await;
    }
    // A brand-new instance: fresh cell, fresh client, nothing warmed yet.
    let cell = leak_cell();
    let config = app.config.clone();
    let timeout = config.initializer_timeout;
    let state = initialize(cell, timeout, |started| RuleState::build(config, started))
        .await
        .expect("the initializer succeeds");
    let auth = format!("Bearer {}", alice.token);
    let first = shared_testing::answer(
        shared_testing::request(Method::GET, "/api/rule", None, &[("authorization", &auth)]),
        rule_function::router(state),
    )
    .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["total"], 3);
    assert_eq!(TestApp::names(&first), ["three", "two", "one"]);
}

#[tokio::test]
async fn the_initializer_gives_up_at_its_timeout_when_the_datastore_never_answers() {
    let app = spawn_app().await;
    let (endpoint, _server) = black_hole().await;
    let config = with_endpoint(&app.config, &endpoint, Duration::from_millis(1500));
    let started = Instant::now();
    let result = initialize(leak_cell(), config.initializer_timeout, |s| {
        RuleState::build(config, s)
    })
    .await;
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(InitError::Timeout { .. })),
        "{result:?}"
    );
    // It keeps trying for its working budget, and stops before the declared timeout
    // so that it can still report the failure itself.
    let budget = shared::init::working_budget(Duration::from_millis(1500));
    assert!(
        elapsed >= budget - Duration::from_millis(20),
        "it kept trying until its budget: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(1500),
        "it gave up before the platform's timeout: {elapsed:?}"
    );
}

#[tokio::test]
async fn the_initializer_retries_a_refused_connection_until_its_timeout() {
    let app = spawn_app().await;
    let endpoint = closed_port().await;
    let config = with_endpoint(&app.config, &endpoint, Duration::from_secs(1));
    let started = Instant::now();
    let result = initialize(leak_cell(), config.initializer_timeout, |s| {
        RuleState::build(config, s)
    })
    .await;
    match result {
        Err(InitError::Timeout { attempts, .. }) => assert!(attempts > 1, "retried: {attempts}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_missing_table_fails_the_initializer_at_once() {
    let app = spawn_app().await;
    let mut config = app.config.clone();
    config.datastore.table_name = "no-such-table".to_owned();
    let started = Instant::now();
    let result = initialize(leak_cell(), config.initializer_timeout, |s| {
        RuleState::build(config, s)
    })
    .await;
    assert!(matches!(result, Err(InitError::Datastore(_))), "{result:?}");
    assert!(
        started.elapsed() < config_timeout(&app.config),
        "a permanent error does not wait"
    );
}

fn config_timeout(config: &Config) -> Duration {
    config.initializer_timeout
}

/// `JWT_PUBLIC_KEYS` for `config`'s trusted keys.
fn public_keys(config: &Config) -> String {
    let xs: Vec<&str> = config.auth.public_keys.iter().map(|k| k.x()).collect();
    xs.join(",")
}

fn bootstrap(config: &Config, runtime_api: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rule"));
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "rule")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("TABLE_NAME", &config.datastore.table_name)
        .env(
            "DYNAMODB_ENDPOINT",
            config.datastore.endpoint.as_deref().unwrap_or(""),
        )
        .env("JWT_PUBLIC_KEYS", public_keys(config))
        .env(
            "INITIALIZER_TIMEOUT_SECONDS",
            format!("{}", config.initializer_timeout.as_secs_f64()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

#[tokio::test]
async fn the_bootstrap_binary_polls_for_work_only_after_warming_the_datastore() {
    let app = spawn_app().await;
    let (runtime_api, mut seen) = fake_runtime_api().await;
    let mut child = bootstrap(&app.config, &runtime_api)
        .spawn()
        .expect("bootstrap starts");
    let first = tokio::time::timeout(Duration::from_secs(10), seen.recv())
        .await
        .expect("the binary contacts the Runtime API")
        .expect("a request");
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/2018-06-01/runtime/invocation/next");
    assert!(
        child.try_wait().expect("status").is_none(),
        "it keeps running"
    );
    child.kill().await.expect("killed");
}

#[tokio::test]
async fn the_bootstrap_binary_reports_an_init_error_and_exits_when_the_datastore_is_unreachable() {
    let app = spawn_app().await;
    let (runtime_api, mut seen) = fake_runtime_api().await;
    let (endpoint, _server) = black_hole().await;
    let config = with_endpoint(&app.config, &endpoint, Duration::from_secs(1));
    let started = Instant::now();
    let output = tokio::time::timeout(
        Duration::from_secs(10),
        bootstrap(&config, &runtime_api).output(),
    )
    .await
    .expect("the binary does not hang")
    .expect("it ran");
    assert!(!output.status.success(), "it exits non-zero");
    assert!(started.elapsed() < Duration::from_secs(6));
    let report = seen.recv().await.expect("one request");
    assert_eq!(report.method, "POST");
    assert_eq!(report.path, "/2018-06-01/runtime/init/error");
    assert!(
        report
            .head
            .to_ascii_lowercase()
            .contains("lambda-runtime-function-error-type: runtime.initerror.timeout"),
        "{}",
        report.head
    );
    let body: serde_json::Value = serde_json::from_str(&report.body).expect("JSON error body");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap_or("")
            .contains("initializer timeout")
    );
    assert!(seen.try_recv().is_err(), "it never asked for an invocation");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("initializer failed"),
        "one clear log line: {stderr}"
    );
}

#[tokio::test]
async fn the_bootstrap_binary_reports_missing_configuration() {
    let app = spawn_app().await;
    let (runtime_api, mut seen) = fake_runtime_api().await;
    let mut command = bootstrap(&app.config, &runtime_api);
    command.env_remove("JWT_PUBLIC_KEYS");
    let output = tokio::time::timeout(Duration::from_secs(10), command.output())
        .await
        .expect("the binary does not hang")
        .expect("it ran");
    assert!(!output.status.success());
    let report = seen.recv().await.expect("one request");
    assert_eq!(report.path, "/2018-06-01/runtime/init/error");
    assert!(report.body.contains("JWT_PUBLIC_KEYS"), "{}", report.body);
}
