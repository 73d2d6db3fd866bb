//! The platform: one [`Pool`] per function, each instance with its Runtime API.
//!
//! [`Platform::start`] starts each pool (each instance gets a Runtime API listener of
//! its own, see [`crate::runtime::runtime_api`]); [`Platform::shutdown`] stops every
//! instance. The platform knows no HTTP router: `crate::server` serves over it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::observe::logs::Logs;
use crate::runtime::instance::Launch;
use crate::runtime::pool::{Pool, PoolSettings, PoolStatus};
use crate::template::functions::FunctionSpec;

/// The pools by function short name.
pub type Pools = Arc<BTreeMap<String, Arc<Pool>>>;

/// Why the platform could not start.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// A function's binary is missing.
    #[error(
        "the binary of function {function} is missing at {path}; build it first (e.g. `cargo build -p {binary}`)"
    )]
    MissingBinary {
        /// The function's short name.
        function: String,
        /// The binary's name.
        binary: String,
        /// Where it was looked for.
        path: String,
    },
}

/// What to run and how.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// The functions.
    pub functions: Vec<FunctionSpec>,
    /// Where the function binaries are (`target/debug`).
    pub bin_dir: PathBuf,
    /// Environment variables for every instance, set after the template's.
    pub overrides: BTreeMap<String, String>,
    /// Pool settings for every function.
    pub settings: PoolSettings,
    /// Per-function settings that replace `settings`, by short name.
    pub function_settings: BTreeMap<String, PoolSettings>,
    /// Write log lines to standard error.
    pub echo_logs: bool,
    /// The region instances run in.
    pub region: String,
}

impl PlatformConfig {
    /// A configuration with default settings for `functions` found in `bin_dir`.
    pub fn new(functions: Vec<FunctionSpec>, bin_dir: impl Into<PathBuf>) -> Self {
        Self {
            functions,
            bin_dir: bin_dir.into(),
            overrides: BTreeMap::new(),
            settings: PoolSettings::default(),
            function_settings: BTreeMap::new(),
            echo_logs: true,
            region: crate::datastore::dynamo::LOCAL_REGION.to_owned(),
        }
    }
}

/// A running platform.
#[derive(Debug)]
pub struct Platform {
    pools: Pools,
    logs: Arc<Logs>,
}

impl Platform {
    /// Starts every function's pool (and its warm instances).
    pub async fn start(config: PlatformConfig) -> Result<Arc<Self>, PlatformError> {
        let logs = Arc::new(Logs::new(config.echo_logs));
        let mut pools = BTreeMap::new();
        for spec in &config.functions {
            let executable = match &spec.package_dir {
                Some(dir) => dir.join("bootstrap"),
                None => config.bin_dir.join(&spec.binary),
            };
            if !executable.is_file() {
                return Err(PlatformError::MissingBinary {
                    function: spec.name.clone(),
                    binary: spec.binary.clone(),
                    path: executable.display().to_string(),
                });
            }
            let launch = Launch {
                executable,
                task_root: spec.package_dir.clone(),
                overrides: config.overrides.clone(),
                region: config.region.clone(),
            };
            let settings = config
                .function_settings
                .get(&spec.name)
                .cloned()
                .unwrap_or_else(|| config.settings.clone());
            pools.insert(
                spec.name.clone(),
                Pool::new(spec.clone(), settings, launch, logs.clone()),
            );
        }
        let pools: Pools = Arc::new(pools);
        for pool in pools.values() {
            pool.start();
        }
        Ok(Arc::new(Self { pools, logs }))
    }

    /// The pool of the function with this short name.
    pub fn pool(&self, function: &str) -> Option<&Arc<Pool>> {
        self.pools.get(function)
    }

    /// Every pool, by short name.
    pub fn pools(&self) -> &BTreeMap<String, Arc<Pool>> {
        &self.pools
    }

    /// The log sink (recent lines included).
    pub fn logs(&self) -> &Arc<Logs> {
        &self.logs
    }

    /// Every pool's status.
    pub fn status(&self) -> Vec<PoolStatus> {
        self.pools.values().map(|p| p.status()).collect()
    }

    /// Stops every instance (waiting up to two seconds) and their Runtime APIs.
    pub async fn shutdown(&self) {
        futures::future::join_all(
            self.pools
                .values()
                .map(|p| p.shutdown(Duration::from_secs(2))),
        )
        .await;
    }
}
