//! Running the functions' container images with podman, for the container tests and
//! the benchmark's container cold starts (`bench/`).
//!
//! Every call sets `CONTAINERS_CONF` to the repository's `containers/containers.conf`
//! (runc as the runtime, no default ulimits: what these machines need). Containers run
//! detached under a name of their own; the environment reaches them as `-e NAME`
//! (taken from podman's own environment), so values such as keys never appear on a
//! command line. A [`Container`] is removed when dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;

/// The image of a function's container: `localhost/todo-service-<function>:<tag>`
/// (what `containers/build-images.sh` builds).
pub fn image_name(function: &str, tag: &str) -> String {
    format!("localhost/todo-service-{function}:{tag}")
}

/// Why podman did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum PodmanError {
    /// `podman` is not on `PATH`.
    #[error("podman is not installed: `bash containers/ensure-podman.sh` installs it")]
    NotInstalled,
    /// podman could not be run.
    #[error("running podman {args}: {source}")]
    Spawn {
        /// The arguments.
        args: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// podman exited with an error.
    #[error("podman {args} failed: {message}")]
    Failed {
        /// The arguments.
        args: String,
        /// Its standard error.
        message: String,
    },
}

/// podman, configured for this repository.
#[derive(Debug, Clone)]
pub struct Podman {
    conf: PathBuf,
}

/// How to run a container.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The image.
    pub image: String,
    /// The container's name (unique on the machine).
    pub name: String,
    /// Environment variables.
    pub env: BTreeMap<String, String>,
    /// Share the host's network (loopback included) instead of a network of its own.
    pub host_network: bool,
    /// More arguments for `podman run`, before the image.
    pub args: Vec<String>,
}

impl Podman {
    /// podman with the configuration in `<repository>/containers/containers.conf`.
    pub fn new(repository: &Path) -> Result<Self, PodmanError> {
        let found = std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("podman").is_file()));
        if !found {
            return Err(PodmanError::NotInstalled);
        }
        Ok(Self {
            conf: repository.join("containers").join("containers.conf"),
        })
    }

    /// A `podman` command with this repository's configuration.
    pub fn command(&self) -> Command {
        let mut command = Command::new("podman");
        command
            .env("CONTAINERS_CONF", &self.conf)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs `podman <args>` and answers its standard output.
    pub async fn output(&self, args: &[&str]) -> Result<String, PodmanError> {
        run(self.command().args(args), &args.join(" ")).await
    }

    /// Whether `image` is in local storage.
    pub async fn image_exists(&self, image: &str) -> bool {
        self.output(&["image", "exists", image]).await.is_ok()
    }

    /// Starts a container in the background; answers once podman has started it.
    pub async fn run(&self, options: &RunOptions) -> Result<Container, PodmanError> {
        let mut command = self.command();
        command.args(["run", "--detach", "--name", &options.name]);
        if options.host_network {
            command.args(["--network", "host"]);
        }
        for (name, value) in &options.env {
            command.arg("--env").arg(name).env(name, value);
        }
        command.args(&options.args).arg(&options.image);
        let args = format!("run {} ({})", options.name, options.image);
        run(&mut command, &args).await?;
        Ok(Container {
            podman: self.clone(),
            name: options.name.clone(),
            removed: false,
        })
    }
}

/// A container started by [`Podman::run`]; removed (killed if need be) when dropped.
#[derive(Debug)]
pub struct Container {
    podman: Podman,
    name: String,
    removed: bool,
}

impl Container {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends `signal` (e.g. `TERM`) to its main process.
    pub async fn signal(&self, signal: &str) -> Result<(), PodmanError> {
        self.podman
            .output(&["kill", "--signal", signal, &self.name])
            .await
            .map(drop)
    }

    /// Waits until it has exited; answers its exit code.
    pub async fn wait(&self) -> Result<i32, PodmanError> {
        let text = self.podman.output(&["wait", &self.name]).await?;
        text.trim().parse().map_err(|_| PodmanError::Failed {
            args: format!("wait {}", self.name),
            message: format!("not an exit code: {text:?}"),
        })
    }

    /// What it wrote to standard output and standard error so far.
    pub async fn logs(&self) -> String {
        let mut command = self.podman.command();
        command.args(["logs", &self.name]);
        match command.output().await {
            Ok(out) => format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => format!("(podman logs failed: {e})"),
        }
    }

    /// Stops and removes it now (SIGKILL after `grace_seconds`).
    pub async fn remove(mut self, grace_seconds: u32) {
        let grace = grace_seconds.to_string();
        let _ = self
            .podman
            .output(&["rm", "--force", "--time", &grace, &self.name])
            .await;
        self.removed = true;
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        let _ = std::process::Command::new("podman")
            .env("CONTAINERS_CONF", &self.podman.conf)
            .args(["rm", "--force", "--time", "0", &self.name])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

async fn run(command: &mut Command, args: &str) -> Result<String, PodmanError> {
    let output = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .map_err(|source| PodmanError::Spawn {
            args: args.to_owned(),
            source,
        })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(PodmanError::Failed {
            args: args.to_owned(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}
