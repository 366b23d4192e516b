//! The crate's one error type. [`Error::Rejected`] carries the typed reason a submission or a
//! request was refused for; the HTTP layer maps each variant to its status code.

use crate::jobs::Rejection;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed (I/O, SQL, migration).
    #[error("store: {0}")]
    Store(String),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        message: String,
    },
    /// Unusable configuration or keys.
    #[error("config: {0}")]
    Config(String),
    /// The sequencer could not cut a batch.
    #[error("sequencer: {0}")]
    Sequencer(String),
    /// The chain node failed or refused a request.
    #[error("chain: {0}")]
    Chain(String),
    /// A round could not go on (its state is kept; the step is tried again).
    #[error("{0}")]
    Round(String),
    /// A request was refused for a typed reason (see [`Rejection`]).
    #[error("{0}")]
    Rejected(Rejection),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Store(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Store(format!("migration: {e}"))
    }
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
