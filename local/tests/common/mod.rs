//! Helpers for the platform's integration tests: the test function, a running
//! platform, and a small HTTP client; `project` runs the real functions on emulators
//! of a test's own.
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod project;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use local::platform::{Platform, PlatformConfig};
use local::runtime::pool::PoolSettings;
use local::server::ServerOptions;
use local::template::functions::{FunctionSpec, RouteSpec};

/// The workspace's target directory for this profile (`target/debug`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/debug/deps/<test> -> target/debug
    exe.parent()
        .and_then(|p| p.parent())
        .expect("target dir")
        .to_path_buf()
}

/// Builds the workspace's binaries (the test function among them) once per test
/// binary, as `make dev` and the browser tests build them, so they share one build.
pub fn test_function_dir() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            shared_testing::workspace::build_workspace_binaries();
            bin_dir()
        })
        .clone()
}

/// The test function as a spec: every path routed to it.
pub fn test_spec(concurrency: u32) -> FunctionSpec {
    catch_all(
        FunctionSpec::new("probe", "platform-test-function"),
        concurrency,
        Duration::from_secs(5),
    )
}

/// `spec` with every path routed to it, `concurrency` requests per instance, and
/// `timeout` for its initializer and for each request.
pub fn catch_all(mut spec: FunctionSpec, concurrency: u32, timeout: Duration) -> FunctionSpec {
    spec.routes = vec![RouteSpec {
        method: "ANY".into(),
        path: "/{proxy+}".into(),
    }];
    spec.lifecycle.concurrency = concurrency;
    spec.lifecycle.init_timeout = timeout;
    spec.timeout = timeout;
    spec
}

pub struct Running {
    pub platform: Arc<Platform>,
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(self) {
        self.platform.shutdown().await;
        self.server.abort();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

pub async fn start(specs: Vec<FunctionSpec>, settings: PoolSettings) -> Running {
    let mut config = PlatformConfig::new(specs, test_function_dir());
    config.settings = settings;
    config.echo_logs = std::env::var_os("LOCAL_TEST_LOGS").is_some();
    start_with(config).await
}

pub async fn start_with(config: PlatformConfig) -> Running {
    start_serving(config, ServerOptions::default()).await
}

/// [`start_with`], served with `options`.
pub async fn start_serving(config: PlatformConfig, options: ServerOptions) -> Running {
    let platform = Platform::start(config).await.expect("platform starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = local::server::serve(&platform, listener, options).expect("valid routes");
    Running {
        platform,
        addr,
        server,
    }
}

pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: bytes::Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

pub fn client() -> Client<HttpConnector, Full<bytes::Bytes>> {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(200)
        .build_http()
}

pub async fn send(
    client: &Client<HttpConnector, Full<bytes::Bytes>>,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<bytes::Bytes>,
) -> Answer {
    let mut builder = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let request = builder.body(Full::new(body.into())).expect("request");
    let response = client.request(request).await.expect("response");
    let (parts, body) = response.into_parts();
    Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.collect().await.expect("body").to_bytes(),
    }
}

pub async fn get(url: &str) -> Answer {
    send(&client(), "GET", url, &[], bytes::Bytes::new()).await
}

/// Waits until `check` holds, up to `limit`.
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + limit;
    while std::time::Instant::now() < until {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

pub fn pid_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(false)
}
