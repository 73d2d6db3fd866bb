//! What every command sets up: the template's functions made local (table names,
//! endpoints, the local JWT keys), the DynamoDB emulator with its tables, the Secrets
//! Manager emulator with the signing-key secret, and where the function binaries are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::commands::CommandError;
use crate::datastore::dynamo::{LOCAL_REGION, local_client};
use crate::datastore::emulator::{Emulator, EmulatorOptions};
use crate::datastore::secrets_emulator::{SecretsEmulator, put_signing_secret};
use crate::datastore::tables::{Outcome, ensure_tables};
use crate::keys::KeyPair;
use crate::template::functions::{self, FunctionSpec};
use crate::template::resolve::Resolver;
use crate::template::{TableDefinition, Template};

/// The local name of a template table: its literal `TableName`, else its logical id.
pub fn table_name(definition: &TableDefinition) -> String {
    definition
        .table_name
        .clone()
        .unwrap_or_else(|| definition.logical_id.clone())
}

/// The emulators a local run talks to.
#[derive(Debug, Clone, Copy)]
pub struct Endpoints<'a> {
    /// The DynamoDB API.
    pub dynamodb: &'a str,
    /// The Secrets Manager API.
    pub secrets_manager: &'a str,
}

/// The template's functions, resolved for a local run against `endpoints` with `keys`.
///
/// Table references resolve to local table names; the parameters that name the JWT
/// keys (`JwtPublicKeys`, `JwtSigningKeyId`) get the local pair's public key and key
/// id, as `make deploy` passes the deployed ones; `DYNAMODB_ENDPOINT` and
/// `SECRETS_MANAGER_ENDPOINT` point at the emulators. A variable holding a
/// `{{resolve:...}}` dynamic reference has no local value: it is dropped with a warning.
pub fn local_functions(
    template: &Template,
    endpoints: Endpoints<'_>,
    keys: &KeyPair,
) -> Result<Vec<FunctionSpec>, CommandError> {
    let mut overrides: BTreeMap<String, String> = template
        .tables()?
        .iter()
        .map(|t| (t.logical_id.clone(), table_name(t)))
        .collect();
    let public = keys.public_key().ok_or_else(|| {
        CommandError::Message("the local public key is not an Ed25519 key".to_owned())
    })?;
    overrides.insert("JwtPublicKeys".into(), public.x().to_owned());
    overrides.insert("JwtSigningKeyId".into(), public.kid().to_owned());
    let resolver = Resolver::new(template, LOCAL_REGION, &overrides);
    let mut specs = functions::functions(template, &resolver)?;
    for spec in &mut specs {
        spec.environment.retain(|name, value| {
            let dynamic = value.contains("{{resolve:");
            if dynamic {
                eprintln!(
                    "warning: {}: {name} is a dynamic reference with no local value; left unset",
                    spec.name
                );
            }
            !dynamic
        });
        spec.environment
            .insert("DYNAMODB_ENDPOINT".into(), endpoints.dynamodb.to_owned());
        spec.environment.insert(
            "SECRETS_MANAGER_ENDPOINT".into(),
            endpoints.secrets_manager.to_owned(),
        );
    }
    Ok(specs)
}

/// The file where a command that started an emulator writes its endpoint.
fn endpoint_file(data_dir: &Path, service: &str) -> PathBuf {
    data_dir.join(format!("{service}.endpoint"))
}

/// The endpoint in `<data_dir>/<service>.endpoint` when something answers there.
async fn running_endpoint(data_dir: &Path, service: &str) -> Option<String> {
    let endpoint = std::fs::read_to_string(endpoint_file(data_dir, service)).ok()?;
    let endpoint = endpoint.trim().to_owned();
    let connect = tokio::net::TcpStream::connect(endpoint.trim_start_matches("http://").to_owned());
    match tokio::time::timeout(Duration::from_millis(300), connect).await {
        Ok(Ok(_)) => Some(endpoint),
        _ => None,
    }
}

/// An emulator a command can start: its name (the endpoint file's), how to start it
/// on a data folder, its endpoint, and how to stop it.
pub trait Emulated: Sized {
    /// The service, as the endpoint file names it (`<data_dir>/<NAME>.endpoint`).
    const NAME: &'static str;
    /// Starts one (persisting under `data_dir` where the emulator can).
    fn start(data_dir: Option<&Path>) -> impl Future<Output = Result<Self, CommandError>>;
    /// Its endpoint URL.
    fn endpoint(&self) -> &str;
    /// Stops it.
    fn stop(self) -> impl Future<Output = ()>;
}

impl Emulated for Emulator {
    const NAME: &'static str = "dynamodb";

    async fn start(data_dir: Option<&Path>) -> Result<Self, CommandError> {
        let options = EmulatorOptions {
            data_dir: data_dir.map(|d| d.join("dynamodb")),
            port: 0,
        };
        Ok(Emulator::start(&options).await?)
    }

    fn endpoint(&self) -> &str {
        Emulator::endpoint(self)
    }

    async fn stop(self) {
        Emulator::stop(self).await;
    }
}

impl Emulated for SecretsEmulator {
    const NAME: &'static str = "secretsmanager";

    async fn start(_: Option<&Path>) -> Result<Self, CommandError> {
        Ok(SecretsEmulator::start().await?)
    }

    fn endpoint(&self) -> &str {
        SecretsEmulator::endpoint(self)
    }

    async fn stop(self) {
        SecretsEmulator::stop(self).await;
    }
}

/// An emulated AWS API to use: the one `dev` is running on the data folder, or an
/// emulator of our own (stopped by [`Service::stop`]).
#[derive(Debug)]
pub struct Service<E> {
    /// Its endpoint URL.
    pub endpoint: String,
    emulator: Option<E>,
}

/// The DynamoDB API a command uses.
pub type Datastore = Service<Emulator>;
/// The Secrets Manager API a command uses.
pub type Secrets = Service<SecretsEmulator>;

impl<E: Emulated> Service<E> {
    /// Starts an emulator; with `data_dir`, records its endpoint there for the
    /// commands that come after (`invoke`).
    pub async fn start(data_dir: Option<&Path>) -> Result<Self, CommandError> {
        let emulator = E::start(data_dir).await?;
        let endpoint = emulator.endpoint().to_owned();
        if let Some(dir) = data_dir {
            std::fs::write(endpoint_file(dir, E::NAME), &endpoint)
                .map_err(CommandError::io("writing the endpoint file"))?;
        }
        Ok(Self {
            endpoint,
            emulator: Some(emulator),
        })
    }

    /// The emulator `dev` runs on `data_dir` if it answers, else a new one on it.
    pub async fn reuse_or_start(data_dir: &Path) -> Result<Self, CommandError> {
        match running_endpoint(data_dir, E::NAME).await {
            Some(endpoint) => Ok(Self {
                endpoint,
                emulator: None,
            }),
            None => Self::start(Some(data_dir)).await,
        }
    }

    /// Stops the emulator if this process started it.
    pub async fn stop(self, data_dir: Option<&Path>) {
        if let Some(emulator) = self.emulator {
            emulator.stop().await;
            if let Some(dir) = data_dir {
                let _ = std::fs::remove_file(endpoint_file(dir, E::NAME));
            }
        }
    }
}

/// Runs `work` with both emulators on `data_dir` (new ones, or with `reuse` the ones
/// `dev` runs there), then stops the ones this process started, whatever `work` gave.
pub async fn with_emulators<T>(
    data_dir: &Path,
    reuse: bool,
    work: impl AsyncFnOnce(&Datastore, &Secrets) -> Result<T, CommandError>,
) -> Result<T, CommandError> {
    let (datastore, secrets) = if reuse {
        tokio::join!(
            Datastore::reuse_or_start(data_dir),
            Secrets::reuse_or_start(data_dir)
        )
    } else {
        tokio::join!(
            Datastore::start(Some(data_dir)),
            Secrets::start(Some(data_dir))
        )
    };
    let result = match (&datastore, &secrets) {
        (Ok(datastore), Ok(secrets)) => work(datastore, secrets).await,
        (Err(e), _) | (_, Err(e)) => Err(CommandError::Message(e.to_string())),
    };
    if let Ok(datastore) = datastore {
        datastore.stop(Some(data_dir)).await;
    }
    if let Ok(secrets) = secrets {
        secrets.stop(Some(data_dir)).await;
    }
    result
}

impl Secrets {
    /// Puts `keys` into the secret each function names in `JWT_SIGNING_KEY_SECRET`,
    /// signing with the key each names in `JWT_SIGNING_KEY_ID`.
    pub async fn put_keys(
        &self,
        functions: &[FunctionSpec],
        keys: &[KeyPair],
    ) -> Result<(), CommandError> {
        for spec in functions {
            let env = |name: &str| spec.environment.get(name);
            if let (Some(secret), Some(kid)) =
                (env("JWT_SIGNING_KEY_SECRET"), env("JWT_SIGNING_KEY_ID"))
            {
                put_signing_secret(&self.endpoint, secret, keys, kid)
                    .await
                    .map_err(|e| CommandError::Message(e.to_string()))?;
            }
        }
        Ok(())
    }
}

impl Datastore {
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
