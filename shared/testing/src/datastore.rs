//! One DynamoDB and one Secrets Manager emulator per test process, a fresh table per
//! test, created from `template.yml`'s `TodoTable`, and a fresh signing-key secret.
//!
//! The DynamoDB API is the same server `local-platform dev` runs
//! ([`local_datastore::server`]: dynoxide, in memory here), embedded in the test
//! process on a thread and runtime of its own: each `#[tokio::test]` has its own
//! runtime, which ends with the test, while the server answers every test. The
//! Secrets Manager emulator is started by the same code as `dev`'s
//! ([`SecretsEmulator::start`]), on a runtime of its own that lives as long as the
//! process; it exits when the test process does (it watches its standard input, which
//! this process holds).
//!
//! Set `DYNAMODB_TEST_ENDPOINT` (`SECRETS_MANAGER_TEST_ENDPOINT`) to use an emulator
//! that is already running.

use std::future::Future;
use std::sync::{LazyLock, OnceLock};

use local_datastore::dynamo::local_client;
use local_datastore::emulator::EmulatorError;
use local_datastore::secrets_emulator::put_signing_secret;
use local_datastore::server::EmbeddedServer;
use local_datastore::tables::ensure_table;
use local_datastore::template::{TableDefinition, Template};
use shared::auth::keys::KeyPair;

/// For tests that run an emulator of their own, or moto's Python.
pub use local_datastore::secrets_emulator::{SecretsEmulator, python};

/// An emulator serving the whole test process: one given by its endpoint, or one this
/// process started (held, so that it runs until the process exits).
enum Shared<E> {
    Given(String),
    Started(E),
}

static DYNAMODB: OnceLock<Shared<EmbeddedServer>> = OnceLock::new();
static SECRETS: OnceLock<Shared<SecretsEmulator>> = OnceLock::new();

/// The runtime the Secrets Manager emulator is started on; never shut down.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the test emulators")
});

/// Runs `start` to completion on [`RUNTIME`], from a thread of its own (the caller may
/// be inside a test's runtime, where blocking on another one is not allowed).
fn on_shared_runtime<T, F>(start: F) -> T
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    std::thread::spawn(move || RUNTIME.block_on(start))
        .join()
        .expect("the emulator start does not panic")
}

/// The emulator at `$variable`, else the one `start` starts.
fn shared<E: Send + 'static, F>(variable: &str, start: F) -> Shared<E>
where
    F: Future<Output = Result<E, EmulatorError>> + Send + 'static,
{
    if let Ok(endpoint) = std::env::var(variable) {
        return Shared::Given(endpoint);
    }
    match on_shared_runtime(start) {
        Ok(emulator) => Shared::Started(emulator),
        // The message says how to install it; a test cannot run without one.
        Err(e) => panic!("{e} (or set {variable})"),
    }
}

/// The endpoint of this test process's DynamoDB emulator, starting it on first use.
///
/// # Panics
/// When the emulator cannot be started (no free port, no thread): a test cannot run
/// without one.
pub fn emulator_endpoint() -> &'static str {
    let emulator = DYNAMODB.get_or_init(|| {
        if let Ok(endpoint) = std::env::var("DYNAMODB_TEST_ENDPOINT") {
            return Shared::Given(endpoint);
        }
        match EmbeddedServer::start(None) {
            Ok(server) => Shared::Started(server),
            Err(e) => panic!("{e} (or set DYNAMODB_TEST_ENDPOINT)"),
        }
    });
    match emulator {
        Shared::Given(endpoint) => endpoint,
        Shared::Started(server) => server.endpoint(),
    }
}

/// The endpoint of this test process's Secrets Manager emulator, starting it on first use.
///
/// # Panics
/// When no emulator can be started; the message says how to install it.
pub fn secrets_endpoint() -> &'static str {
    let emulator =
        SECRETS.get_or_init(|| shared("SECRETS_MANAGER_TEST_ENDPOINT", SecretsEmulator::start()));
    match emulator {
        Shared::Given(endpoint) => endpoint,
        Shared::Started(emulator) => emulator.endpoint(),
    }
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

/// Creates a table named `name` at `endpoint` with the definition of the template's
/// `TodoTable`; answers a client for it.
///
/// # Panics
/// When the template or the emulator is broken: the test cannot run.
pub async fn create_todo_table(endpoint: &str, name: &str) -> aws_sdk_dynamodb::Client {
    let client = local_client(endpoint);
    ensure_table(&client, &todo_table(), name)
        .await
        .expect("the todo table is created on the emulator");
    client
}

/// The definition of the template's `TodoTable`.
///
/// # Panics
/// When the template is broken: the test cannot run.
pub fn todo_table() -> TableDefinition {
    Template::load(crate::template_path())
        .expect("template.yml parses")
        .tables()
        .expect("template tables parse")
        .into_iter()
        .find(|t| t.logical_id == "TodoTable")
        .expect("template.yml declares TodoTable")
}

/// A table name no other test uses.
pub fn unique_table_name(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}
