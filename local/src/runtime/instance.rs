//! One instance: a function's real binary, run as a child process that speaks the
//! Lambda Runtime API to the platform.
//!
//! The process gets a clean environment like Lambda's: the `AWS_LAMBDA_*` variables the
//! runtime client reads (`AWS_LAMBDA_RUNTIME_API` is the `host:port` of the instance's
//! own Runtime API listener), `LAMBDA_TASK_ROOT` and `_HANDLER`, the template's
//! variables, and throwaway credentials. A function with a package folder (a
//! `bootstrap` that is a script or a runtime, such as the Node.js peer of the
//! benchmark) starts in that folder, as Lambda starts one in `/var/task`. Its output
//! is read line by line and logged with the instance's prefix.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Notify, mpsc};

use crate::observe::logs::Logs;
use crate::template::functions::FunctionSpec;

/// How to start a function's instances.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The function binary (`bootstrap`).
    pub executable: PathBuf,
    /// The function's package folder (`LAMBDA_TASK_ROOT` and working directory), if
    /// it has one; a bare binary gets Lambda's `/var/task` as a name only.
    pub task_root: Option<PathBuf>,
    /// Variables set after the template's (local replacements such as keys and endpoints).
    pub overrides: BTreeMap<String, String>,
    /// The region the instance believes it runs in.
    pub region: String,
}

/// An invocation handed to an instance through `next`.
#[derive(Debug, Clone)]
pub struct Event {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// The event JSON.
    pub payload: Bytes,
    /// `Lambda-Runtime-Deadline-Ms`: epoch milliseconds.
    pub deadline_ms: u64,
    /// `Lambda-Runtime-Trace-Id`.
    pub trace_id: String,
}

/// Why the platform stopped an instance (an exit without a reason is a crash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitReason {
    /// Its initializer ran past the initializer timeout.
    InitTimeout,
    /// It reported an init error.
    InitError(String),
    /// An invocation ran past the function timeout.
    FunctionTimeout,
    /// It was idle past the keep-alive.
    Idle,
    /// The watermark policy scaled in.
    ScaledIn,
    /// The platform is shutting down.
    Shutdown,
}

/// A running instance, as the rest of the platform sees it.
#[derive(Debug)]
pub struct Instance {
    /// Instance number within its function, from 1.
    pub id: u64,
    /// Operating-system process id.
    pub pid: Option<u32>,
    events: mpsc::UnboundedSender<Event>,
    inbox: tokio::sync::Mutex<mpsc::UnboundedReceiver<Event>>,
    kill: Notify,
    exit_reason: Mutex<Option<ExitReason>>,
}

impl Instance {
    /// Queues `event` for the instance's next `next` call; `false` when it is gone.
    pub fn send(&self, event: Event) -> bool {
        self.events.send(event).is_ok()
    }

    /// Waits for the next event for this instance (one per open `next` call).
    pub async fn next_event(&self) -> Option<Event> {
        self.inbox.lock().await.recv().await
    }

    /// Asks the monitor to kill the process, recording why (the first reason wins).
    pub fn stop(&self, reason: ExitReason) {
        if let Ok(mut slot) = self.exit_reason.lock() {
            slot.get_or_insert(reason);
        }
        self.kill.notify_one();
    }

    /// Why the platform stopped it, if it did.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.exit_reason.lock().ok().and_then(|r| r.clone())
    }

    /// Waits until the process exits, killing it when [`Instance::stop`] is called.
    pub async fn supervise(&self, mut child: Child) -> std::io::Result<std::process::ExitStatus> {
        tokio::select! {
            status = child.wait() => status,
            () = self.kill.notified() => {
                let _ = child.start_kill();
                child.wait().await
            }
        }
    }
}

/// Starts instance `id` of `spec`, whose Runtime API listens on `runtime_api`
/// (`host:port`); the caller supervises the returned child.
pub fn spawn(
    spec: &FunctionSpec,
    launch: &Launch,
    id: u64,
    runtime_api: &str,
    logs: &Arc<Logs>,
) -> std::io::Result<(Arc<Instance>, Child)> {
    let mut command = Command::new(&launch.executable);
    if let Some(root) = &launch.task_root {
        command.current_dir(root);
    }
    command
        .env_clear()
        .envs(base_environment(spec, launch, id, runtime_api))
        .envs(&spec.environment)
        .envs(&launch.overrides)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Its own process group: a terminal's Ctrl-C reaches the platform only, which then
    // stops its instances itself, instead of seeing them "crash" and replacing them.
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command.spawn()?;
    if let Some(out) = child.stdout.take() {
        forward(out, spec.name.clone(), id, logs.clone());
    }
    if let Some(err) = child.stderr.take() {
        forward(err, spec.name.clone(), id, logs.clone());
    }
    let (events, inbox) = mpsc::unbounded_channel();
    let instance = Arc::new(Instance {
        id,
        pid: child.id(),
        events,
        inbox: tokio::sync::Mutex::new(inbox),
        kill: Notify::new(),
        exit_reason: Mutex::new(None),
    });
    Ok((instance, child))
}

fn base_environment(
    spec: &FunctionSpec,
    launch: &Launch,
    id: u64,
    runtime_api: &str,
) -> Vec<(String, String)> {
    let inherited = [
        "PATH",
        "LANG",
        "RUST_BACKTRACE",
        "RUST_LOG",
        // The Node.js runtime interface client's own debug output.
        "AWS_LAMBDA_RUNTIME_VERBOSE",
    ]
    .into_iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_owned(), v)));
    let log_level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .or_else(|| spec.log_level.clone())
        .unwrap_or_else(|| "INFO".to_owned());
    let fixed = [
        // `host:port`, as Lambda sets it: clients prepend `http://` themselves.
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", spec.function_name.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            spec.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        (
            "AWS_LAMBDA_MAX_CONCURRENCY",
            spec.lifecycle.concurrency.to_string(),
        ),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", spec.function_name),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            format!("local/[$LATEST]{id:032x}"),
        ),
        ("AWS_LAMBDA_LOG_FORMAT", spec.log_format.clone()),
        ("AWS_LAMBDA_LOG_LEVEL", log_level),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
        ("AWS_REGION", launch.region.clone()),
        ("AWS_DEFAULT_REGION", launch.region.clone()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        (
            "LAMBDA_TASK_ROOT",
            launch
                .task_root
                .as_ref()
                .map_or_else(|| "/var/task".to_owned(), |root| root.display().to_string()),
        ),
        ("_HANDLER", spec.handler.clone()),
        ("TZ", ":UTC".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v));
    inherited.chain(fixed).collect()
}

fn forward(
    stream: impl AsyncRead + Unpin + Send + 'static,
    function: String,
    id: u64,
    logs: Arc<Logs>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            logs.output(&function, id, &line);
        }
    });
}
