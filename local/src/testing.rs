//! Helpers for the functions' integration tests: one DynamoDB and one Secrets Manager
//! emulator per test process, a fresh table, created from `template.yml`, and a fresh
//! signing-key secret per test.
//!
//! Set `DYNAMODB_TEST_ENDPOINT` (`SECRETS_MANAGER_TEST_ENDPOINT`) to use an emulator
//! that is already running; otherwise the first test starts one, and it exits when the
//! test process does (it watches its standard input, which this process holds).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use crate::datastore::dynamo::local_client;
use crate::datastore::emulator::emulator_dir;
use crate::datastore::secrets_emulator::put_signing_secret;
use crate::datastore::tables::ensure_table;
use crate::keys::KeyPair;
use crate::template::Template;

/// The repository's `template.yml`.
pub fn template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("template.yml")
}

struct SharedEmulator {
    endpoint: String,
    _child: Option<Child>,
}

impl SharedEmulator {
    /// The emulator at `$variable`, else one started with `command`, which must print
    /// `{"endpoint": ...}` first.
    fn start(variable: &str, mut command: Command, what: &str) -> Self {
        if let Ok(endpoint) = std::env::var(variable) {
            return Self {
                endpoint,
                _child: None,
            };
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("the {what} emulator starts: {e}"));
        let stdout = child.stdout.take().expect("emulator stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("the {what} emulator prints its endpoint: {e}"));
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the {what} emulator's first line is JSON ({e}): {line:?}"));
        let endpoint = ready["endpoint"]
            .as_str()
            .expect("the emulator reports an endpoint")
            .to_owned();
        Self {
            endpoint,
            _child: Some(child),
        }
    }
}

static EMULATOR: OnceLock<SharedEmulator> = OnceLock::new();
static SECRETS: OnceLock<SharedEmulator> = OnceLock::new();

/// The endpoint of this test process's DynamoDB emulator, starting it on first use.
///
/// # Panics
/// When no emulator can be started: a test cannot run without one, and the message
/// says how to install it.
pub fn emulator_endpoint() -> &'static str {
    &EMULATOR
        .get_or_init(|| {
            let dir = emulator_dir();
            assert!(
                std::env::var_os("DYNAMODB_TEST_ENDPOINT").is_some()
                    || dir.join("node_modules").join("dynalite").is_dir(),
                "the DynamoDB emulator is not installed: run `npm ci --prefix {}` or `make test`",
                dir.display()
            );
            let mut command = Command::new("node");
            command
                .current_dir(&dir)
                .args(["serve.js", "--watch-stdin", "--port", "0"]);
            SharedEmulator::start("DYNAMODB_TEST_ENDPOINT", command, "DynamoDB")
        })
        .endpoint
}

/// The endpoint of this test process's Secrets Manager emulator, starting it on first use.
///
/// # Panics
/// When no emulator can be started; the message says how to install it.
pub fn secrets_endpoint() -> &'static str {
    &SECRETS
        .get_or_init(|| {
            let python = crate::datastore::secrets_emulator::python();
            assert!(
                std::env::var_os("SECRETS_MANAGER_TEST_ENDPOINT").is_some() || python.is_file(),
                "the Secrets Manager emulator is not installed: run `make .venv/.secrets-emulator-stamp` or `make test`"
            );
            let mut command = Command::new(python);
            command
                .arg(emulator_dir().join("moto_serve.py"))
                .args(["--watch-stdin", "--port", "0"]);
            SharedEmulator::start("SECRETS_MANAGER_TEST_ENDPOINT", command, "Secrets Manager")
        })
        .endpoint
}

/// Puts `keys` into a new secret on this process's Secrets Manager emulator, the
/// first key signing; answers the secret's name.
///
/// # Panics
/// When the emulator refuses: the test cannot run.
pub async fn signing_secret(keys: &[KeyPair]) -> String {
    let name = format!("jwt-keys/{}", ulid::Ulid::new().to_string().to_lowercase());
    let kid = keys
        .first()
        .and_then(KeyPair::public_key)
        .expect("a signing key pair")
        .kid()
        .to_owned();
    put_signing_secret(secrets_endpoint(), &name, keys, &kid)
        .await
        .expect("the emulator stores the secret");
    name
}

/// Creates a table named `name` with the definition of the template's `TodoTable`.
///
/// # Panics
/// When the template or the emulator is broken: the test cannot run.
pub async fn create_todo_table(endpoint: &str, name: &str) -> aws_sdk_dynamodb::Client {
    let template = Template::load(template_path()).expect("template.yml parses");
    let definition = template
        .tables()
        .expect("template tables parse")
        .into_iter()
        .find(|t| t.logical_id == "TodoTable")
        .expect("template.yml declares TodoTable");
    let client = local_client(endpoint);
    ensure_table(&client, &definition, name)
        .await
        .expect("the todo table is created on the emulator");
    client
}

/// A table name no other test uses.
pub fn unique_table_name(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}

/// Builds every binary of the workspace (`cargo build --workspace --bins`), the same
/// selection `make dev` and the browser tests build, so the three share one build.
///
/// Cargo passes a test its package's variables (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`,
/// ...). A nested `cargo` would inherit them, and build scripts that declare
/// `rerun-if-env-changed` on them (ring's does) would then look changed and rebuild
/// the AWS SDK stack above them, here and again in the next build from a shell. They
/// are removed first.
///
/// # Panics
/// When cargo cannot be run or the build fails: the tests need the binaries.
pub fn build_workspace_binaries() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "--workspace", "--bins"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    without_test_variables(&mut command);
    let status = command.status().expect("cargo runs");
    assert!(status.success(), "cargo build --workspace --bins failed");
}

/// Removes from `command`'s environment the variables cargo sets for a test, so that a
/// cargo it runs (directly or through a script) sees the environment of a shell and
/// rebuilds nothing that is up to date (see [`build_workspace_binaries`]).
pub fn without_test_variables(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_for_the_test = name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_MANIFEST_")
            || name.starts_with("CARGO_BIN_")
            || [
                "CARGO_CRATE_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref());
        if set_for_the_test {
            command.env_remove(name.as_ref());
        }
    }
}
