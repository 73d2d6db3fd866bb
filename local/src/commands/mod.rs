//! The commands of `local-platform`: [`dev`], [`invoke`], [`bench`] and [`repair`]
//! (`repair-counts`), and the set-up they share in [`project`]; [`sample_user`] fills
//! in the sample events' placeholders.

pub mod bench;
pub mod dev;
pub mod invoke;
pub mod project;
pub mod repair;
pub mod sample_user;

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

impl CommandError {
    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let what = what.into();
        move |source| Self::Io { what, source }
    }
}
