//! The whole project under the platform, for tests that disturb it from outside: the
//! real `user` and `rule` binaries on DynamoDB and Secrets Manager emulators of the
//! test's own (so that stopping the datastore disturbs no other test), a signed-in
//! user's session to call it with, and signals for the emulator and instances.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use local::commands::project::{Datastore, Endpoints, Secrets, local_functions};
use local::keys::KeyPair;
use local::platform::PlatformConfig;
use local::runtime::pool::{Pool, PoolSettings};
use local::template::Template;
use local::template::functions::FunctionSpec;
use serde_json::json;

use super::{Answer, Running, bin_dir, client, start_with};

/// The project under the platform, on emulators of its own.
pub struct Project {
    pub running: Running,
    pub datastore: Datastore,
    /// The signing key's Secrets Manager; stopped when dropped.
    pub secrets: Secrets,
}

/// The project before it is served: its emulators, running, and its functions,
/// resolved against them, for a test to change before [`Prepared::serve`].
pub struct Prepared {
    pub datastore: Datastore,
    secrets: Secrets,
    pub functions: Vec<FunctionSpec>,
}

/// Starts the emulators, creates `template.yml`'s tables, puts a fresh signing key into
/// its secret and resolves the template's functions against them.
pub async fn prepare_project() -> Prepared {
    shared_testing::workspace::build_workspace_binaries();
    let template_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yml");
    let template = Template::load(&template_path).expect("template.yml parses");
    let datastore = Datastore::start(None).await.expect("emulator starts");
    datastore.create_tables(&template).await.expect("tables");
    let secrets = Secrets::start(None).await.expect("secrets emulator starts");
    let keys = KeyPair::generate().expect("keys");
    let endpoints = Endpoints {
        dynamodb: &datastore.endpoint,
        secrets_manager: &secrets.endpoint,
    };
    let functions = local_functions(&template, endpoints, &keys).expect("functions resolve");
    secrets
        .put_keys(&functions, std::slice::from_ref(&keys))
        .await
        .expect("the signing key is in its secret");
    Prepared {
        datastore,
        secrets,
        functions,
    }
}

impl Prepared {
    /// Serves the functions with `settings`.
    pub async fn serve(self, settings: PoolSettings) -> Project {
        let mut config = PlatformConfig::new(self.functions, bin_dir());
        config.settings = settings;
        config.echo_logs = std::env::var_os("LOCAL_TEST_LOGS").is_some();
        Project {
            running: start_with(config).await,
            datastore: self.datastore,
            secrets: self.secrets,
        }
    }
}

/// [`prepare_project`], then serves its functions with `settings`; `configure` may
/// change each function first (its per-instance concurrency, say).
pub async fn start_project(
    settings: PoolSettings,
    configure: impl Fn(&mut FunctionSpec),
) -> Project {
    let mut prepared = prepare_project().await;
    prepared.functions.iter_mut().for_each(configure);
    prepared.serve(settings).await
}

impl Project {
    /// The instances of function `name`.
    pub fn pool(&self, name: &str) -> Arc<Pool> {
        self.running
            .platform
            .pool(name)
            .unwrap_or_else(|| panic!("no function {name}"))
            .clone()
    }

    /// The DynamoDB emulator's process id, for SIGSTOP and SIGCONT.
    pub fn datastore_pid(&self) -> u32 {
        self.datastore.emulator_pid().expect("our own emulator")
    }

    pub async fn stop(self) {
        self.running.stop().await;
        self.datastore.stop(None).await;
    }
}

/// Sends `signal` (`-STOP`, `-CONT`, `-KILL`) to `pid`; whether it was delivered (the
/// process may have exited already).
pub fn signal(pid: u32, signal: &str) -> bool {
    std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Resumes a process when dropped, so that a test that stops the datastore never
/// leaves it stopped, whether it ends normally, panics or is cancelled.
pub struct ResumeOnDrop(pub u32);

impl Drop for ResumeOnDrop {
    fn drop(&mut self) {
        signal(self.0, "-CONT");
    }
}

/// A signed-in user of the running project, with a connection pool of its own.
pub struct Session {
    url: String,
    pub token: String,
    http: Client<HttpConnector, Full<bytes::Bytes>>,
}

/// The password of every user the tests sign up.
const PASSWORD: &str = "correct horse";

impl Session {
    /// Registers `name` and logs in.
    pub async fn sign_up(running: &Running, name: &str) -> Self {
        let credentials = json!({"userName": name, "password": PASSWORD}).to_string();
        let registered = super::send(
            &client(),
            "POST",
            &running.url("/api/register"),
            &[("content-type", "application/json")],
            credentials,
        )
        .await;
        assert_eq!(registered.status, 201, "{name}: {:?}", registered.body);
        Self::log_in(running, name).await
    }

    /// A new session of the registered user `name`.
    pub async fn log_in(running: &Running, name: &str) -> Self {
        let credentials = json!({"userName": name, "password": PASSWORD}).to_string();
        let login = super::send(
            &client(),
            "POST",
            &running.url("/api/login/account"),
            &[("content-type", "application/json")],
            credentials,
        )
        .await;
        assert_eq!(login.status, 200, "{name}: {:?}", login.body);
        Self {
            url: running.url(""),
            token: login.json()["token"].as_str().expect("token").to_owned(),
            http: client(),
        }
    }

    /// Another client of the session `token` names: the same user and session, with
    /// connections of its own (as another browser tab).
    pub fn with_token(running: &Running, token: &str) -> Self {
        Self {
            url: running.url(""),
            token: token.to_owned(),
            http: client(),
        }
    }

    /// One request with the session's token (and `idempotency_key`, if any), answered
    /// within `limit`; `Err` when no answer came (a lost connection, or none in time).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: &str,
        idempotency_key: Option<&str>,
        limit: Duration,
    ) -> Result<Answer, String> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", self.token));
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        let request = request
            .body(Full::new(bytes::Bytes::copy_from_slice(body.as_bytes())))
            .map_err(|e| format!("request: {e}"))?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| format!("no answer: {e}"))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| format!("answer cut short: {e}"))?
                .to_bytes();
            Ok(Answer {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(limit, exchange)
            .await
            .map_err(|_| format!("no answer within {limit:?}"))?
    }
}
