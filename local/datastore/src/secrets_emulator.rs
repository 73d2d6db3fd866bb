//! The Secrets Manager emulator: moto's server (PyPI `moto[server]`, in the project's
//! `.venv`), run by `local/emulator/moto_serve.py`, and the signing-key secret put
//! into it.
//!
//! Like the DynamoDB emulator it listens on loopback, prints its endpoint once it
//! accepts connections and exits when its standard input closes. It keeps nothing on
//! disk: the local key pair lives under `<data-dir>/jwt/` (the platform's `keys` module) and
//! [`put_signing_secret`] writes it into the emulator on every start, so the user
//! function reads its key through the same `GetSecretValue` call as on AWS while
//! sessions survive restarts.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use aws_sdk_secretsmanager::error::DisplayErrorContext;
use tokio::process::{Child, Command};

use crate::emulator::{EmulatorError, spawn_ready, stop_child};
use shared::auth::keys::KeyPair;

/// The Python of the project's `.venv`, where `make` installs moto.
pub fn python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python")
}

/// moto's server script, `local/emulator/moto_serve.py`.
fn server_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../emulator/moto_serve.py")
}

/// The command that installs moto, for error messages.
const INSTALL: &str = "make .venv/.secrets-emulator-stamp";

/// A running emulator; dropping it stops the emulator.
#[derive(Debug)]
pub struct SecretsEmulator {
    endpoint: String,
    child: Child,
}

impl SecretsEmulator {
    /// Starts the emulator on a free loopback port and waits until it accepts connections.
    pub async fn start() -> Result<Self, EmulatorError> {
        let python = python();
        if !python.is_file() {
            return Err(EmulatorError::NotInstalled(
                "Secrets Manager",
                INSTALL.to_owned(),
            ));
        }
        let mut command = Command::new(python);
        command
            .arg(server_script())
            .args(["--watch-stdin", "--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let (child, endpoint) = spawn_ready(command).await.map_err(|e| match e {
            EmulatorError::Startup(message) if message.contains("ModuleNotFoundError") => {
                EmulatorError::NotInstalled("Secrets Manager", INSTALL.to_owned())
            }
            other => other,
        })?;
        Ok(Self { endpoint, child })
    }

    /// The emulator's HTTP endpoint, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Stops the emulator and waits for it to exit.
    pub async fn stop(mut self) {
        stop_child(&mut self.child).await;
    }
}

/// A Secrets Manager client for the emulator at `endpoint`: fixed region, throwaway
/// credentials (the emulator does not check them unless told to).
pub fn local_client(endpoint: &str) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&shared::sdk_config::emulator(endpoint))
}

/// Why the secret could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing secret {name} to the Secrets Manager emulator: {message}")]
pub struct SecretWriteError {
    name: String,
    message: String,
}

/// Creates (or overwrites) secret `name` at `endpoint` with `keys`, `signing` signing,
/// in the shape the user function reads (`shared::auth::key_secret`).
pub async fn put_signing_secret(
    endpoint: &str,
    name: &str,
    keys: &[KeyPair],
    signing: &str,
) -> Result<(), SecretWriteError> {
    let client = local_client(endpoint);
    let text = shared::auth::key_secret::secret_text(keys, signing);
    let failed = |message: String| SecretWriteError {
        name: name.to_owned(),
        message,
    };
    let created = client
        .create_secret()
        .name(name)
        .description("JWT signing keys of the local todo service")
        .secret_string(&text)
        .send()
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_exists_exception()) =>
        {
            client
                .put_secret_value()
                .secret_id(name)
                .secret_string(&text)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| failed(DisplayErrorContext(e).to_string()))
        }
        Err(e) => Err(failed(DisplayErrorContext(e).to_string())),
    }
}
