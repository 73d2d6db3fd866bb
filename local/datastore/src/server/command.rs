//! The `dynamodb-emulator` binary's command line and process contract:
//!
//! ```text
//! dynamodb-emulator [--port 0] [--path DIR] [--watch-stdin]
//! ```
//!
//! It serves on 127.0.0.1 (`--port 0`, the default, picks a free port), on
//! `DIR/dynamodb.sqlite` with `--path` and in memory without, and prints one JSON line,
//! `{"endpoint":"http://127.0.0.1:PORT"}`, once it accepts connections
//! ([`crate::emulator`] reads it). It exits cleanly on SIGTERM or SIGINT, and with
//! `--watch-stdin` when its standard input closes, so an emulator never outlives the
//! process that started it, even one that was killed.

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};

use super::{ServerError, Store, endpoint_of, loopback, serve};

/// How long open requests may take to finish once a stop is asked for.
const GRACE: Duration = Duration::from_secs(2);

/// The command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Data folder; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// Exit when standard input closes.
    pub watch_stdin: bool,
}

/// The usage line, for errors.
pub const USAGE: &str = "usage: dynamodb-emulator [--port PORT] [--path DIR] [--watch-stdin]";

impl Options {
    /// Reads the arguments (without the program name).
    pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Self, String> {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.to_str() {
                Some("--port") => {
                    let value = args.next().ok_or("--port needs a value")?;
                    options.port = value
                        .to_str()
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| format!("--port {value:?} is not a port number"))?;
                }
                Some("--path") => {
                    options.data_dir = Some(args.next().ok_or("--path needs a folder")?.into());
                }
                Some("--watch-stdin") => options.watch_stdin = true,
                _ => return Err(format!("unknown argument {arg:?}")),
            }
        }
        Ok(options)
    }
}

/// Serves as `options` say until a signal (or, watched, the end of standard input)
/// asks it to stop.
pub async fn run(options: Options) -> Result<(), ServerError> {
    let store = Store::open(options.data_dir.as_deref())?;
    let listener = TcpListener::bind(loopback(options.port))
        .await
        .map_err(ServerError::Listen)?;
    let endpoint = endpoint_of(listener.local_addr().map_err(ServerError::Listen)?);
    // Watched before the endpoint is printed: a SIGTERM sent as soon as it is read
    // stops the emulator cleanly instead of killing it.
    let (stop, mut stop_asked) = mpsc::unbounded_channel::<()>();
    watch_signals(stop.clone())?;
    if options.watch_stdin {
        watch_stdin(stop)?;
    }
    {
        let ready = serde_json::json!({ "endpoint": endpoint });
        let mut out = std::io::stdout().lock();
        writeln!(out, "{ready}")
            .and_then(|()| out.flush())
            .map_err(ServerError::Listen)?;
    }
    let stopping = Arc::new(Notify::new());
    let shutdown = {
        let stopping = Arc::clone(&stopping);
        async move {
            let _ = stop_asked.recv().await;
            stopping.notify_one();
        }
    };
    tokio::select! {
        served = serve(listener, store, shutdown) => served,
        () = async {
            stopping.notified().await;
            tokio::time::sleep(GRACE).await;
        } => Ok(()),
    }
}

/// Asks for a stop on SIGTERM or SIGINT.
fn watch_signals(stop: mpsc::UnboundedSender<()>) -> Result<(), ServerError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).map_err(ServerError::Listen)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(ServerError::Listen)?;
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        let _ = stop.send(());
    });
    Ok(())
}

/// Asks for a stop when standard input reaches its end (or fails). A plain thread,
/// not the runtime's stdin, whose blocking read would hold up the runtime's shutdown
/// when the stop comes from a signal instead.
fn watch_stdin(stop: mpsc::UnboundedSender<()>) -> Result<(), ServerError> {
    std::thread::Builder::new()
        .name("stdin-watch".to_owned())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buffer = [0_u8; 256];
            loop {
                match stdin.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = stop.send(());
        })
        .map(drop)
        .map_err(|e| ServerError::Start(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(OsString::from))
    }

    #[test]
    fn reads_every_option_and_defaults_to_memory_on_a_free_port() {
        assert_eq!(parse(&[]), Ok(Options::default()));
        assert_eq!(
            parse(&["--watch-stdin", "--port", "8000", "--path", "/tmp/d"]),
            Ok(Options {
                port: 8000,
                data_dir: Some(PathBuf::from("/tmp/d")),
                watch_stdin: true,
            })
        );
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        assert!(parse(&["--port"]).is_err());
        assert!(parse(&["--port", "http"]).is_err());
        assert!(parse(&["--path"]).is_err());
        assert!(parse(&["--host", "0.0.0.0"]).is_err());
    }
}
