//! What the container tests share: the images, the emulator and a table, each
//! function's environment, starting a container and waiting for its port, HTTP.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use containers::podman::{Container, Podman, RunOptions, image_name};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use local::commands::project::{Endpoints, local_functions};
use local::keys::KeyPair;
use local::template::Template;
use serde_json::Value;

/// The tag of the images the tests build.
pub(crate) const TAG: &str = "test";

/// The repository's root.
pub(crate) fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// podman, with the test images built (once per test process).
pub(crate) fn podman() -> Podman {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut command = std::process::Command::new("bash");
        command
            .args([
                "containers/build-images.sh",
                "--profile",
                "dev",
                "--tag",
                TAG,
            ])
            .current_dir(repository());
        shared_testing::workspace::without_test_variables(&mut command);
        let status = command.status().expect("bash runs");
        assert!(status.success(), "containers/build-images.sh failed");
    });
    Podman::new(&repository()).expect("podman is installed by build-images.sh")
}

/// A free loopback port (free when asked; the container binds it soon after).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A fresh table on the emulator, the key pair both functions use, and the secret the
/// user function reads it from.
pub(crate) struct Backend {
    pub(crate) endpoint: String,
    pub(crate) table: String,
    pub(crate) keys: KeyPair,
    pub(crate) secret: String,
}

impl Backend {
    pub(crate) async fn new() -> Self {
        let endpoint = shared_testing::datastore::emulator_endpoint().to_owned();
        let table = shared_testing::datastore::unique_table_name("containers");
        shared_testing::datastore::create_todo_table(&endpoint, &table).await;
        let keys = KeyPair::generate().expect("keys");
        let secret = shared_testing::datastore::signing_secret(std::slice::from_ref(&keys)).await;
        Self {
            endpoint,
            table,
            keys,
            secret,
        }
    }

    /// The environment of `function` (`user`, `rule`) as the template declares it,
    /// made local (the user function reading its key from this backend's secret),
    /// serving plain HTTP on `127.0.0.1:port`.
    pub(crate) fn environment(&self, function: &str, port: u16) -> BTreeMap<String, String> {
        let template = Template::load(shared_testing::template_path()).expect("template");
        let endpoints = Endpoints {
            dynamodb: &self.endpoint,
            secrets_manager: shared_testing::datastore::secrets_endpoint(),
        };
        let spec = local_functions(&template, endpoints, &self.keys)
            .expect("functions")
            .into_iter()
            .find(|f| f.name == function)
            .unwrap_or_else(|| panic!("template.yml has the {function} function"));
        let mut env = spec.environment;
        env.insert("TABLE_NAME".into(), self.table.clone());
        if env.contains_key("JWT_SIGNING_KEY_SECRET") {
            env.insert("JWT_SIGNING_KEY_SECRET".into(), self.secret.clone());
        }
        env.insert(
            "AWS_REGION".into(),
            local::datastore::dynamo::LOCAL_REGION.into(),
        );
        env.insert("HOST".into(), "127.0.0.1".into());
        env.insert("PORT".into(), port.to_string());
        env
    }
}

/// `function`'s test image started on the host's network with `env`.
pub(crate) async fn start(
    podman: &Podman,
    function: &str,
    env: BTreeMap<String, String>,
) -> Container {
    let options = RunOptions {
        image: image_name(function, TAG),
        name: format!(
            "todo-test-{function}-{}",
            ulid::Ulid::new().to_string().to_lowercase()
        ),
        env,
        host_network: true,
        args: Vec::new(),
    };
    podman.run(&options).await.expect("the container starts")
}

/// Waits until something accepts connections on `port`, or fails with the
/// container's logs.
pub(crate) async fn wait_for_port(container: &Container, port: u16, limit: Duration) -> Duration {
    let started = Instant::now();
    while started.elapsed() < limit {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "{} did not open port {port} within {limit:?}:\n{}",
        container.name(),
        container.logs().await
    );
}

/// An HTTP answer with its body as JSON (`Null` when empty).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) json: Value,
}

impl Answer {
    /// Asserts the contract's error shape and answers `errorCode`.
    pub(crate) fn error_code(&self) -> &str {
        assert_eq!(self.json["success"], Value::Bool(false), "{}", self.json);
        assert!(
            self.json["errorMessage"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        self.json["errorCode"].as_str().expect("errorCode")
    }
}

/// One request to `http://127.0.0.1:<port><path>`.
pub(crate) async fn send(
    port: u16,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1:{port}{path}"));
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    let response = client
        .request(request.body(Full::new(body)).expect("request"))
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        json: if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {bytes:?}"))
        },
    }
}

/// Registers `name` through the user function on `port` and logs in; answers the token.
pub(crate) async fn signed_up(port: u16, name: &str) -> String {
    let credentials =
        serde_json::json!({"userName": name, "password": format!("{name}'s passphrase")});
    let registered = send(port, "POST", "/api/register", None, Some(&credentials)).await;
    assert_eq!(registered.status, 201, "{}", registered.json);
    let login = send(port, "POST", "/api/login/account", None, Some(&credentials)).await;
    assert_eq!(login.status, 200, "{}", login.json);
    login.json["token"].as_str().expect("a token").to_owned()
}
