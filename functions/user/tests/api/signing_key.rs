//! The signing key comes from Secrets Manager in the initializer: a missing secret,
//! denied access or a secret without the deployed key is an init error of its own
//! type, reported before any request; an unreachable Secrets Manager is retried until
//! the initializer timeout and no longer.

use std::process::Stdio;
use std::time::{Duration, Instant};

use once_cell::sync::OnceCell;
use shared::auth::keys::KeyPair;
use shared::auth::secret_source::SecretError;
use shared::config::Config;
use shared::init::{InitError, initialize, working_budget};
use shared_testing::runtime_api::{black_hole, fake_runtime_api};
use shared_testing::{TestSecret, config};
use user_function::UserState;

/// A user function's configuration on a fresh table, trusting `keys`, whose signing
/// key is in secret `secret` at `endpoint`.
async fn user_config(keys: &KeyPair, endpoint: &str, secret: &str) -> Config {
    let dynamodb = shared_testing::datastore::emulator_endpoint();
    let table = shared_testing::datastore::unique_table_name("user");
    shared_testing::datastore::create_todo_table(dynamodb, &table).await;
    let secret = TestSecret {
        endpoint,
        name: secret,
    };
    config(dynamodb, &table, keys, Some(secret))
}

async fn build(config: Config) -> Result<(), InitError> {
    let cell: &'static OnceCell<UserState> = Box::leak(Box::new(OnceCell::new()));
    let timeout = config.initializer_timeout;
    initialize(cell, timeout, |started| UserState::build(config, started))
        .await
        .map(|_| ())
}

#[tokio::test]
async fn a_missing_secret_fails_the_initializer_at_once_with_its_own_type() {
    let keys = KeyPair::generate().expect("keys");
    let config = user_config(
        &keys,
        shared_testing::datastore::secrets_endpoint(),
        "no/such/secret",
    )
    .await;
    let started = Instant::now();
    let error = build(config).await.expect_err("no secret, no key");
    assert!(
        matches!(error, InitError::SigningKey(SecretError::NotFound { .. })),
        "{error}"
    );
    assert_eq!(error.error_type(), "Runtime.InitError.SigningKey");
    assert!(started.elapsed() < Duration::from_secs(2), "not retried");
}

#[tokio::test]
async fn a_secret_without_the_deployed_key_fails_the_initializer() {
    let (held, deployed) = (
        KeyPair::generate().expect("a"),
        KeyPair::generate().expect("b"),
    );
    let secret = shared_testing::datastore::signing_secret(std::slice::from_ref(&held)).await;
    // Deployed to sign with `deployed`, whose key the secret does not hold.
    let config = user_config(
        &deployed,
        shared_testing::datastore::secrets_endpoint(),
        &secret,
    )
    .await;
    let error = build(config).await.expect_err("wrong key");
    assert!(
        matches!(error, InitError::SigningKey(SecretError::Invalid { .. })),
        "{error}"
    );
    assert!(
        error.to_string().contains("holds no key with kid"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unreachable_secrets_manager_is_retried_until_the_initializer_timeout() {
    let keys = KeyPair::generate().expect("keys");
    let (endpoint, _server) = black_hole().await;
    let mut config = user_config(&keys, &endpoint, "todo-service/jwt-keys").await;
    config.initializer_timeout = Duration::from_millis(1500);
    // It tries for the initializer's working budget, which keeps a margin to report in.
    let budget = working_budget(config.initializer_timeout);
    let started = Instant::now();
    let error = build(config).await.expect_err("never answers");
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            InitError::Timeout {
                what: "Secrets Manager",
                ..
            }
        ),
        "{error}"
    );
    assert!(
        elapsed >= budget - Duration::from_millis(50),
        "it kept trying: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(4), "bounded: {elapsed:?}");
}

/// The real `bootstrap` binary under a fake Runtime API, as Lambda starts it.
fn bootstrap(config: &Config, runtime_api: &str) -> tokio::process::Command {
    let signing = config.auth.signing.as_ref().expect("a user configuration");
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_user"));
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "user")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("TABLE_NAME", &config.datastore.table_name)
        .env(
            "DYNAMODB_ENDPOINT",
            config.datastore.endpoint.as_deref().unwrap_or(""),
        )
        .env("JWT_PUBLIC_KEYS", config.auth.public_keys[0].x())
        .env("JWT_SIGNING_KEY_SECRET", &signing.secret_id)
        .env("JWT_SIGNING_KEY_ID", &signing.key_id)
        .env(
            "SECRETS_MANAGER_ENDPOINT",
            signing.endpoint.as_deref().unwrap_or(""),
        )
        .env("INITIALIZER_TIMEOUT_SECONDS", "5")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs `bootstrap` to its init error and answers the reported error type and message.
async fn init_error(
    mut command: tokio::process::Command,
    runtime_api: (
        String,
        tokio::sync::mpsc::UnboundedReceiver<shared_testing::runtime_api::Seen>,
    ),
) -> (String, String) {
    let (_, mut seen) = runtime_api;
    let output = tokio::time::timeout(Duration::from_secs(10), command.output())
        .await
        .expect("the binary does not hang")
        .expect("it ran");
    assert!(!output.status.success(), "it exits non-zero");
    let report = seen.recv().await.expect("one request");
    assert_eq!(report.path, "/2018-06-01/runtime/init/error");
    assert!(seen.try_recv().is_err(), "it never asked for an invocation");
    let body: serde_json::Value = serde_json::from_str(&report.body).expect("JSON error body");
    (
        body["errorType"].as_str().unwrap_or("").to_owned(),
        body["errorMessage"].as_str().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn the_bootstrap_binary_reports_a_missing_secret_as_an_init_error() {
    let keys = KeyPair::generate().expect("keys");
    let config = user_config(
        &keys,
        shared_testing::datastore::secrets_endpoint(),
        "no/such/secret",
    )
    .await;
    let runtime_api = fake_runtime_api().await;
    let command = bootstrap(&config, &runtime_api.0);
    let (error_type, message) = init_error(command, runtime_api).await;
    assert_eq!(error_type, "Runtime.InitError.SigningKey");
    assert!(
        message.contains("no/such/secret") && message.contains("not found"),
        "{message}"
    );
}

/// Sets up IAM on a Secrets Manager emulator of its own and then turns its access
/// checks on: the secret holding `keys`, and two users, one allowed only what the
/// rule function's role allows (DynamoDB) and one allowed `GetSecretValue` too.
/// Answers `(secret name, [(access key id, secret access key); 2])`.
fn enforce_iam(endpoint: &str, keys: &KeyPair) -> (String, Vec<(String, String)>) {
    let kid = keys.public_key().expect("public").kid().to_owned();
    let secret = shared::auth::key_secret::secret_text(std::slice::from_ref(keys), &kid);
    let script = r#"
import json, sys, urllib.request
import boto3
endpoint, secret = sys.argv[1], sys.stdin.read()
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="setup", aws_secret_access_key="setup")
boto3.client("secretsmanager", **kw).create_secret(Name="todo-service/jwt-keys", SecretString=secret)
iam = boto3.client("iam", **kw)
users = []
for name, actions in [("rule-like", ["dynamodb:GetItem"]),
                      ("user-like", ["dynamodb:GetItem", "secretsmanager:GetSecretValue"])]:
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    users.append([key["AccessKeyId"], key["SecretAccessKey"]])
# From now on every request must be signed by a known user and allowed by its policies.
urllib.request.urlopen(urllib.request.Request(
    endpoint + "/moto-api/reset-auth", data=b"0", headers={"Content-Type": "text/plain"}))
print(json.dumps(users))
"#;
    let mut child = std::process::Command::new(shared_testing::datastore::python())
        .args(["-c", script, endpoint])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(secret.as_bytes()).expect("secret written");
    }
    let output = child.wait_with_output().expect("setup finishes");
    assert!(output.status.success(), "IAM setup failed");
    let users: Vec<(String, String)> =
        serde_json::from_slice(&output.stdout).expect("the users' keys");
    ("todo-service/jwt-keys".to_owned(), users)
}

#[tokio::test]
async fn access_denied_is_an_init_error_and_the_allowed_role_starts() {
    let emulator = shared_testing::datastore::SecretsEmulator::start()
        .await
        .expect("a Secrets Manager emulator of this test's own");
    let keys = KeyPair::generate().expect("keys");
    let (secret, users) = enforce_iam(emulator.endpoint(), &keys);
    let config = user_config(&keys, emulator.endpoint(), &secret).await;

    // A role without secretsmanager:GetSecretValue, as the rule function's is.
    let runtime_api = fake_runtime_api().await;
    let mut command = bootstrap(&config, &runtime_api.0);
    command
        .env("AWS_ACCESS_KEY_ID", &users[0].0)
        .env("AWS_SECRET_ACCESS_KEY", &users[0].1);
    let (error_type, message) = init_error(command, runtime_api).await;
    assert_eq!(error_type, "Runtime.InitError.SigningKey");
    assert!(message.contains("AccessDenied"), "{message}");

    // The same emulator, secret and checks, with the user function's permission: it starts.
    let (runtime_api, mut seen) = fake_runtime_api().await;
    let mut command = bootstrap(&config, &runtime_api);
    command
        .env("AWS_ACCESS_KEY_ID", &users[1].0)
        .env("AWS_SECRET_ACCESS_KEY", &users[1].1);
    let mut child = command.spawn().expect("bootstrap starts");
    let first = tokio::time::timeout(Duration::from_secs(10), seen.recv())
        .await
        .expect("the binary contacts the Runtime API")
        .expect("a request");
    assert_eq!(
        first.path, "/2018-06-01/runtime/invocation/next",
        "{}",
        first.body
    );
    child.kill().await.expect("killed");
    emulator.stop().await;
}
