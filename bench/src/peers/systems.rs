//! The three systems the peers comparison runs, each with the same two functions:
//!
//! - **ours**: the Rust `user` and `rule` release binaries on this platform;
//! - **node, on-demand**: the Node.js peer (`bench/peers/node`, built as `sam build`
//!   builds `BuildMethod: esbuild`) on this platform, started by its custom-runtime
//!   `bootstrap` (Node.js 22 with `aws-lambda-ric`), as Lambda starts a Node.js
//!   function, one request per instance as on-demand Lambda runs it (no
//!   `AWS_LAMBDA_MAX_CONCURRENCY`, so `aws-lambda-ric` starts no worker threads);
//! - **node, 10 per instance**: the same at the template's per-instance concurrency,
//!   as Lambda Managed Instances run it (`aws-lambda-ric` with its worker threads);
//! - **cargo lambda**: the same Rust release binaries under `cargo lambda watch`'s own
//!   Runtime API and HTTP endpoint (`--only-lambda-apis`: it runs the emulator and we
//!   start the binaries; letting it build them would rebuild the workspace with other
//!   features), one `watch` server per function.
//!
//! Every system gets one instance per function, at the template's per-instance
//! concurrency (10) but for the on-demand Node.js peer (1): more clients wait in the
//! system's own queue.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use local::commands::CommandError;
use local::runtime::pool::PoolSettings;
use local::template::functions::FunctionSpec;
use tokio::process::{Child, Command};

use crate::Gateway;

/// How long a `cargo lambda watch` server may take to listen.
const SERVER_START: Duration = Duration::from_secs(30);

/// Which system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The Rust functions on this platform.
    Ours,
    /// The Node.js peer on this platform, one request per instance (on-demand Lambda).
    NodeOnDemand,
    /// The Node.js peer on this platform at the per-instance concurrency.
    Node,
    /// The Rust functions under `cargo lambda watch`.
    CargoLambda,
    /// The Rust functions built at an earlier commit, on this platform.
    Baseline,
}

impl Kind {
    pub(super) fn label(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::NodeOnDemand => "node, on-demand",
            Kind::Node => "node, 10 per instance",
            Kind::CargoLambda => "cargo lambda",
            Kind::Baseline => "baseline",
        }
    }
}

/// What a system runs: its kind and its two functions (user first, then rule).
#[derive(Debug, Clone)]
pub(super) struct Setup {
    pub(super) kind: Kind,
    pub(super) functions: Vec<FunctionSpec>,
    pub(super) bin_dir: PathBuf,
    /// `cargo-lambda`, for [`Kind::CargoLambda`].
    pub(super) cargo_lambda: PathBuf,
}

/// One function under `cargo lambda watch`: its server and the binary serving it.
struct Watched {
    name: String,
    server: Child,
    function: Option<Child>,
    port: u16,
}

/// A running system.
pub(super) struct Running {
    pub(super) kind: Kind,
    gateway: Option<Gateway>,
    watched: Vec<Watched>,
    setup: Setup,
}

fn free_port() -> Result<u16, CommandError> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(CommandError::io("finding a free port"))?;
    Ok(probe
        .local_addr()
        .map_err(CommandError::io("finding a free port"))?
        .port())
}

impl Setup {
    /// Starts the system; instances start cold on the first request.
    pub(super) async fn start(&self) -> Result<Running, CommandError> {
        let mut running = Running {
            kind: self.kind,
            gateway: None,
            watched: Vec::new(),
            setup: self.clone(),
        };
        match self.kind {
            Kind::Ours | Kind::NodeOnDemand | Kind::Node | Kind::Baseline => {
                let settings = PoolSettings {
                    max_instances: 1,
                    ..PoolSettings::default()
                };
                running.gateway =
                    Some(Gateway::start(self.functions.clone(), &self.bin_dir, settings).await?);
            }
            Kind::CargoLambda => {
                for spec in &self.functions {
                    let port = free_port()?;
                    let server = Command::new(&self.cargo_lambda)
                        .args(["lambda", "watch", "--only-lambda-apis", "--quiet"])
                        .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
                        .arg(port.to_string())
                        .args(["--manifest-path", "Cargo.toml"])
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .kill_on_drop(true)
                        .spawn()
                        .map_err(CommandError::io(format!(
                            "starting {} (make peers installs it)",
                            self.cargo_lambda.display()
                        )))?;
                    running.watched.push(Watched {
                        name: spec.name.clone(),
                        server,
                        function: None,
                        port,
                    });
                    wait_for_port(port).await?;
                }
            }
        }
        Ok(running)
    }
}

async fn wait_for_port(port: u16) -> Result<(), CommandError> {
    let deadline = Instant::now() + SERVER_START;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if Instant::now() > deadline {
            return Err(CommandError::Message(format!(
                "cargo lambda watch did not listen on port {port} within {SERVER_START:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

impl Running {
    /// The base URL serving `path` (`/api/rule...` is the rule function's).
    pub(super) fn base(&self, path: &str) -> String {
        if let Some(gateway) = &self.gateway {
            return gateway.base.clone();
        }
        let function = if path.starts_with("/api/rule") {
            "rule"
        } else {
            "user"
        };
        let port = self
            .watched
            .iter()
            .find(|w| w.name == function)
            .map_or(0, |w| w.port);
        format!("http://127.0.0.1:{port}/lambda-url/_")
    }

    /// Starts the function processes that the platform starts on demand itself
    /// (`cargo lambda watch --only-lambda-apis` waits for us to start them).
    pub(super) fn start_functions(&mut self) -> Result<(), CommandError> {
        for watched in &mut self.watched {
            let Some(spec) = self.setup.functions.iter().find(|f| f.name == watched.name) else {
                continue;
            };
            let child = Command::new(self.setup.bin_dir.join(&spec.binary))
                .env_clear()
                .envs(std::env::var("PATH").map(|p| ("PATH".to_owned(), p)))
                .envs(&spec.environment)
                .env(
                    "AWS_LAMBDA_RUNTIME_API",
                    format!("http://127.0.0.1:{}/.rt", watched.port),
                )
                .env("AWS_LAMBDA_FUNCTION_NAME", "_")
                .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
                .env(
                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                    spec.memory_mb.to_string(),
                )
                .env(
                    "AWS_LAMBDA_MAX_CONCURRENCY",
                    spec.lifecycle.concurrency.to_string(),
                )
                .env("AWS_LAMBDA_LOG_FORMAT", &spec.log_format)
                .env("AWS_LAMBDA_LOG_LEVEL", "WARN")
                .env("AWS_REGION", local::datastore::dynamo::LOCAL_REGION)
                .env("AWS_ACCESS_KEY_ID", "local")
                .env("AWS_SECRET_ACCESS_KEY", "local")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .map_err(CommandError::io(format!("starting {}", spec.binary)))?;
            watched.function = Some(child);
        }
        Ok(())
    }

    /// Stops the function processes (cargo lambda) so that the next start is cold.
    pub(super) async fn stop_functions(&mut self) {
        for watched in &mut self.watched {
            if let Some(mut child) = watched.function.take() {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
        }
    }

    /// The process ids serving `function` (`user` or `rule`).
    pub(super) fn pids(&self, function: &str) -> Vec<u32> {
        if let Some(gateway) = &self.gateway {
            return gateway
                .platform
                .pool(function)
                .map(|p| crate::load::instance_pids(p))
                .unwrap_or_default();
        }
        self.watched
            .iter()
            .filter(|w| w.name == function)
            .filter_map(|w| w.function.as_ref().and_then(Child::id))
            .collect()
    }

    /// The init duration of `function`'s instance, when the system reports one.
    pub(super) fn init_ms(&self, function: &str) -> Option<f64> {
        let pool = self.gateway.as_ref()?.platform.pool(function)?;
        pool.status().instances.first().and_then(|i| i.init_ms)
    }

    /// Stops everything.
    pub(super) async fn stop(mut self) {
        self.stop_functions().await;
        for watched in &mut self.watched {
            let _ = watched.server.start_kill();
            let _ = watched.server.wait().await;
        }
        if let Some(gateway) = self.gateway.take() {
            gateway.stop().await;
        }
    }
}

/// Resident memory of `pids` together, MiB.
pub(super) fn rss_mib(pids: &[u32]) -> Option<f64> {
    let total: u64 = pids
        .iter()
        .filter_map(|p| local::runtime::procfs::sample(*p))
        .map(|s| s.rss_kib)
        .sum();
    (total > 0).then(|| total as f64 / 1024.0)
}

/// The size of a file, or of a folder's files (symbolic links followed), bytes.
pub(super) fn size_of(path: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(path) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .map(|entries| entries.flatten().map(|e| size_of(&e.path())).sum())
        .unwrap_or(0)
}
