//! Starting and stopping the DynamoDB API emulator as a process of its own (and what
//! every emulator process shares: the ready line, the stdin watch).
//!
//! The emulator is the workspace's `dynamodb-emulator` binary ([`crate::server`]:
//! dynoxide on SQLite). It listens on loopback, prints its endpoint once it accepts
//! connections, persists to a folder when given one, and exits when its standard
//! input closes: the pipe is held by [`Emulator`], so the emulator ends with its
//! owner, even when the owner is killed. A process of its own, so that tests can
//! pause or kill the datastore under a running platform.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long the emulator may take to print its endpoint.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the emulator could not be started.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// It is not installed (or built) yet.
    #[error("the {0} emulator is not installed: run `{1}` (make does this for you)")]
    NotInstalled(&'static str, String),
    /// Its program could not be run.
    #[error("could not start an emulator: {0}")]
    Spawn(#[source] std::io::Error),
    /// It exited or printed something else instead of its endpoint.
    #[error("an emulator did not start: {0}")]
    Startup(String),
    /// It did not print its endpoint in time.
    #[error("an emulator did not start within {0:?}")]
    Timeout(Duration),
}

/// Where and how to run the emulator.
#[derive(Debug, Clone, Default)]
pub struct EmulatorOptions {
    /// Folder for the SQLite database; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
}

/// A running emulator; dropping it stops the emulator.
#[derive(Debug)]
pub struct Emulator {
    endpoint: String,
    child: Child,
}

#[derive(Deserialize)]
struct ReadyLine {
    endpoint: String,
}

/// Spawns `command` (an emulator that prints `{"endpoint": ...}` once it accepts
/// connections) and waits for that line.
pub(crate) async fn spawn_ready(mut command: Command) -> Result<(Child, String), EmulatorError> {
    let mut child = command.spawn().map_err(EmulatorError::Spawn)?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| EmulatorError::Startup("no standard output".into()))?;
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(STARTUP_TIMEOUT, lines.next_line())
        .await
        .map_err(|_| EmulatorError::Timeout(STARTUP_TIMEOUT))?
        .map_err(|e| EmulatorError::Startup(e.to_string()))?
        .ok_or_else(|| EmulatorError::Startup("it exited before it was ready".into()))?;
    let ready: ReadyLine = serde_json::from_str(&line)
        .map_err(|e| EmulatorError::Startup(format!("unexpected output {line:?}: {e}")))?;
    Ok((child, ready.endpoint))
}

/// Stops an emulator started with `--watch-stdin`: closing its standard input asks it
/// to exit cleanly; it is killed if it lingers.
pub(crate) async fn stop_child(child: &mut Child) {
    drop(child.stdin.take());
    if tokio::time::timeout(Duration::from_secs(3), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
}

/// The emulator binary's name, as `cargo build --workspace --bins` names it.
pub const EMULATOR_BINARY: &str = "dynamodb-emulator";

/// What builds the emulator binary, for errors.
const BUILD: &str = "cargo build --workspace --bins";

/// The emulator binary: next to the running executable (`local-platform`, `bench`:
/// `target/<profile>/`), or in its parent folder (a test executable is in
/// `target/<profile>/deps/`).
pub fn emulator_binary() -> Result<PathBuf, EmulatorError> {
    let not_built = || EmulatorError::NotInstalled("DynamoDB", BUILD.to_owned());
    let executable = std::env::current_exe().map_err(|_| not_built())?;
    let folder = executable.parent().ok_or_else(not_built)?;
    [Some(folder), folder.parent()]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(EMULATOR_BINARY))
        .find(|binary| binary.is_file())
        .ok_or_else(not_built)
}

impl Emulator {
    /// Starts the emulator and waits until it accepts connections.
    pub async fn start(options: &EmulatorOptions) -> Result<Self, EmulatorError> {
        let mut command = Command::new(emulator_binary()?);
        command
            .arg("--watch-stdin")
            .arg("--port")
            .arg(options.port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(data_dir) = &options.data_dir {
            command.arg("--path").arg(data_dir);
        }
        let (child, endpoint) = spawn_ready(command).await?;
        Ok(Self { endpoint, child })
    }

    /// The emulator's HTTP endpoint, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The operating-system process id, for tests that stop the emulator on purpose.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the emulator and waits for it to exit.
    pub async fn stop(mut self) {
        stop_child(&mut self.child).await;
    }
}
