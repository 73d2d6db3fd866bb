//! The DynamoDB API emulator itself: dynoxide (a DynamoDB implementation on SQLite)
//! served over HTTP on a loopback listener, with a time-to-live sweep that deletes
//! expired items as DynamoDB does.
//!
//! One implementation for both ways it runs: the `dynamodb-emulator` binary
//! ([`command`], started as a process of its own by [`crate::emulator::Emulator`] for
//! `make dev` and the platform's tests) and [`EmbeddedServer`], a thread of the
//! calling process (the functions' tests). Either way clients reach it only through
//! the DynamoDB HTTP API, so the emulator stays replaceable.

pub mod command;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use dynoxide::Database;
use tokio::net::TcpListener;

/// The SQLite file the emulator keeps in its data folder (with its `-wal` and
/// `-shm` companions: the write-ahead log makes every answered write durable, even
/// when the process is killed).
pub const DATABASE_FILE: &str = "dynamodb.sqlite";

/// How often expired items are deleted. DynamoDB itself takes up to a few days; a
/// local run wants to see them go.
pub const TTL_SWEEP_INTERVAL: Duration = Duration::from_secs(2);

/// The DynamoDB implementation served and its version as it reports itself (its
/// `Server` header), e.g. `dynoxide 1.5.0`, for reports.
pub fn engine() -> String {
    format!("dynoxide {}", dynoxide::PRODUCT_VERSION)
}

/// Why the emulator could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened or created.
    #[error("opening the DynamoDB emulator's database {0}: {1}")]
    Open(String, String),
    /// The listener could not be set up.
    #[error("listening for the DynamoDB emulator: {0}")]
    Listen(#[source] std::io::Error),
    /// A runtime or thread for the embedded server could not be created.
    #[error("starting the embedded DynamoDB emulator: {0}")]
    Start(String),
    /// Serving failed.
    #[error("the DynamoDB emulator failed: {0}")]
    Serve(String),
}

/// A database ready to be served: in memory, or [`DATABASE_FILE`] in a folder (which
/// is created when missing).
pub struct Store {
    database: Database,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the database in `data_dir`, or an empty one in memory without.
    pub fn open(data_dir: Option<&Path>) -> Result<Self, ServerError> {
        let database = match data_dir {
            None => Database::memory()
                .map_err(|e| ServerError::Open("in memory".to_owned(), e.to_string()))?,
            Some(dir) => {
                let file = database_file(dir);
                let shown = file.display().to_string();
                std::fs::create_dir_all(dir)
                    .map_err(|e| ServerError::Open(shown.clone(), e.to_string()))?;
                let path = file.to_str().ok_or_else(|| {
                    ServerError::Open(shown.clone(), "the path is not UTF-8".to_owned())
                })?;
                Database::new(path).map_err(|e| ServerError::Open(shown, e.to_string()))?
            }
        };
        Ok(Self { database })
    }
}

/// The database file in data folder `dir`.
pub fn database_file(dir: &Path) -> PathBuf {
    dir.join(DATABASE_FILE)
}

/// Serves `store` on `listener` until `shutdown` resolves, sweeping expired items
/// every [`TTL_SWEEP_INTERVAL`]; returns once open requests have finished.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let sweeper = tokio::spawn(sweep_expired_items(store.database.clone()));
    let served = dynoxide::server::serve_with_shutdown(listener, store.database, shutdown).await;
    sweeper.abort();
    served.map_err(ServerError::Serve)
}

/// Deletes expired items from every table with time to live, forever. A sweep
/// blocks on SQLite, so it runs on the blocking pool; it yields the database to
/// waiting requests between its pages.
async fn sweep_expired_items(database: Database) {
    let mut ticks = tokio::time::interval(TTL_SWEEP_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let database = database.clone();
        match tokio::task::spawn_blocking(move || database.sweep_ttl()).await {
            Ok(Ok(_deleted)) => {}
            Ok(Err(e)) => eprintln!("dynamodb-emulator: time-to-live sweep failed: {e}"),
            Err(e) => eprintln!("dynamodb-emulator: time-to-live sweep stopped: {e}"),
        }
    }
}

/// A free port on 127.0.0.1 (`port` 0), or the given one.
fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// The endpoint URL of a listener at `address`.
fn endpoint_of(address: SocketAddr) -> String {
    format!("http://{address}")
}

/// The emulator served from a thread of this process, on a runtime of its own (so it
/// answers whatever runtime, if any, its clients run on), until dropped.
#[derive(Debug)]
pub struct EmbeddedServer {
    endpoint: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EmbeddedServer {
    /// Starts serving `data_dir`'s database (in memory without) on a free loopback
    /// port; returns once it accepts connections.
    pub fn start(data_dir: Option<&Path>) -> Result<Self, ServerError> {
        let store = Store::open(data_dir)?;
        // Bound here, so that the endpoint is known and connections queue from now on;
        // handed to the server's runtime, which is the only place that can own it.
        let listener = std::net::TcpListener::bind(loopback(0)).map_err(ServerError::Listen)?;
        listener
            .set_nonblocking(true)
            .map_err(ServerError::Listen)?;
        let endpoint = endpoint_of(listener.local_addr().map_err(ServerError::Listen)?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("dynamodb-emulator")
            .enable_all()
            .build()
            .map_err(|e| ServerError::Start(e.to_string()))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("dynamodb-emulator".to_owned())
            .spawn(move || {
                let served = runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).map_err(ServerError::Listen)?;
                    serve(listener, store, async {
                        let _ = stopped.await;
                    })
                    .await
                });
                if let Err(e) = served {
                    eprintln!("{e}");
                }
            })
            .map_err(|e| ServerError::Start(e.to_string()))?;
        Ok(Self {
            endpoint,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Its HTTP endpoint, e.g. `http://127.0.0.1:41234`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
