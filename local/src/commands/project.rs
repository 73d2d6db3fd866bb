//! What every command sets up: the template's functions made local (table names,
//! endpoint, generated JWT keys), the DynamoDB emulator with its tables, and where
//! the function binaries are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::commands::CommandError;
use crate::dynamo::{LOCAL_REGION, local_client};
use crate::emulator::{Emulator, EmulatorOptions};
use crate::functions::{self, FunctionSpec};
use crate::keys::KeyPair;
use crate::resolve::Resolver;
use crate::tables::{Outcome, ensure_tables};
use crate::template::{TableDefinition, Template};

/// The local name of a template table: its literal `TableName`, else its logical id.
pub fn table_name(definition: &TableDefinition) -> String {
    definition
        .table_name
        .clone()
        .unwrap_or_else(|| definition.logical_id.clone())
}

/// The template's functions, resolved for a local run against `endpoint` with `keys`.
///
/// Table references resolve to local table names; `DYNAMODB_ENDPOINT` is added; a
/// variable holding a `{{resolve:...}}` dynamic reference is replaced by the local
/// key when its name says which (`JWT_PRIVATE_KEY`, `JWT_PUBLIC_KEY`) and dropped
/// with a warning otherwise.
pub fn local_functions(
    template: &Template,
    endpoint: &str,
    keys: &KeyPair,
) -> Result<Vec<FunctionSpec>, CommandError> {
    let names: BTreeMap<String, String> = template
        .tables()?
        .iter()
        .map(|t| (t.logical_id.clone(), table_name(t)))
        .collect();
    let resolver = Resolver::new(template, LOCAL_REGION, &names);
    let mut specs = functions::functions(template, &resolver)?;
    for spec in &mut specs {
        let dynamic: Vec<String> = spec
            .environment
            .iter()
            .filter(|(_, v)| v.contains("{{resolve:"))
            .map(|(k, _)| k.clone())
            .collect();
        for name in dynamic {
            match name.as_str() {
                "JWT_PRIVATE_KEY" => spec.environment.insert(name, keys.private_pem.clone()),
                "JWT_PUBLIC_KEY" => spec.environment.insert(name, keys.public_pem.clone()),
                _ => {
                    eprintln!(
                        "warning: {}: {name} is a dynamic reference with no local value; left unset",
                        spec.name
                    );
                    spec.environment.remove(&name)
                }
            };
        }
        spec.environment
            .insert("DYNAMODB_ENDPOINT".into(), endpoint.to_owned());
    }
    Ok(specs)
}

/// A DynamoDB API to use: the one `dev` is running, or an emulator of our own.
#[derive(Debug)]
pub struct Datastore {
    /// Its endpoint URL.
    pub endpoint: String,
    emulator: Option<Emulator>,
}

/// The file where `dev` writes its emulator's endpoint.
fn endpoint_file(data_dir: &Path) -> PathBuf {
    data_dir.join("dynamodb.endpoint")
}

impl Datastore {
    /// Starts an emulator persisting under `<data_dir>/dynamodb` (memory only without a folder).
    pub async fn start(data_dir: Option<&Path>) -> Result<Self, CommandError> {
        let emulator = Emulator::start(&EmulatorOptions {
            data_dir: data_dir.map(|d| d.join("dynamodb")),
            port: 0,
        })
        .await?;
        let endpoint = emulator.endpoint().to_owned();
        if let Some(dir) = data_dir {
            std::fs::write(endpoint_file(dir), &endpoint)
                .map_err(CommandError::io("writing the endpoint file"))?;
        }
        Ok(Self {
            endpoint,
            emulator: Some(emulator),
        })
    }

    /// The emulator `dev` runs on `data_dir` if it answers, else a new one on it.
    pub async fn reuse_or_start(data_dir: &Path) -> Result<Self, CommandError> {
        if let Ok(endpoint) = std::fs::read_to_string(endpoint_file(data_dir)) {
            let endpoint = endpoint.trim().to_owned();
            let address = endpoint.trim_start_matches("http://").to_owned();
            let connect = tokio::net::TcpStream::connect(address);
            if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(300), connect).await {
                return Ok(Self {
                    endpoint,
                    emulator: None,
                });
            }
        }
        Self::start(Some(data_dir)).await
    }

    /// Creates the template's tables when missing; returns the names created.
    pub async fn create_tables(&self, template: &Template) -> Result<Vec<String>, CommandError> {
        let client = local_client(&self.endpoint);
        let outcomes = ensure_tables(&client, &template.tables()?, table_name).await?;
        Ok(outcomes
            .into_iter()
            .filter(|(_, o)| *o == Outcome::Created)
            .map(|(name, _)| name)
            .collect())
    }

    /// The process id of the emulator this process started (tests pause it).
    pub fn emulator_pid(&self) -> Option<u32> {
        self.emulator.as_ref().and_then(Emulator::pid)
    }

    /// Stops the emulator if this process started it.
    pub async fn stop(self, data_dir: Option<&Path>) {
        if let Some(emulator) = self.emulator {
            emulator.stop().await;
            if let Some(dir) = data_dir {
                let _ = std::fs::remove_file(endpoint_file(dir));
            }
        }
    }
}

/// The folder with every binary in `binaries`: `explicit`, else `target/debug`, else
/// `target/release` (under `$CARGO_TARGET_DIR` when set).
pub fn find_bin_dir(
    explicit: Option<PathBuf>,
    binaries: &[String],
) -> Result<PathBuf, CommandError> {
    let has_all = |dir: &Path| binaries.iter().all(|b| dir.join(b).is_file());
    if let Some(dir) = explicit {
        return if has_all(&dir) {
            Ok(dir)
        } else {
            Err(CommandError::Message(format!(
                "{} does not hold the binaries {binaries:?}; build them first (make build)",
                dir.display()
            )))
        };
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    ["debug", "release"]
        .iter()
        .map(|profile| target.join(profile))
        .find(|dir| has_all(dir))
        .ok_or_else(|| {
            CommandError::Message(format!(
                "no {}/debug or {}/release holds the binaries {binaries:?}; build them first (e.g. `cargo build -p {}`)",
                target.display(),
                target.display(),
                binaries.join(" -p ")
            ))
        })
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
