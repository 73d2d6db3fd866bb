//! The commands of `local-platform`: [`dev`] and [`invoke`], and the set-up they
//! share (with the `bench` crate) in [`project`]; [`sample_user`] fills in the sample events' placeholders.

pub mod dev;
pub mod invoke;
pub mod project;
pub mod sample_user;

use std::process::ExitCode;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// `template.yml` could not be read.
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    /// A function could not be resolved.
    #[error(transparent)]
    Function(#[from] crate::template::functions::FunctionError),
    /// The DynamoDB emulator did not start.
    #[error(transparent)]
    Emulator(#[from] crate::datastore::emulator::EmulatorError),
    /// A table could not be created.
    #[error(transparent)]
    Table(#[from] crate::datastore::tables::TableError),
    /// The JWT keys could not be made or used.
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
    /// The platform did not start.
    #[error(transparent)]
    Platform(#[from] crate::platform::PlatformError),
    /// A file or socket failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// Anything else, said in a sentence.
    #[error("{0}")]
    Message(String),
}

/// Runs a command to its end, as a binary's `main` does: on a multi-threaded runtime,
/// with warnings (or `RUST_LOG`'s levels) on stderr; its error is printed there and
/// makes the exit code a failure.
pub fn run_to_exit(command: impl Future<Output = Result<(), CommandError>>) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

impl CommandError {
    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }
}
