//! The one error type of the aggregator crate and the CLI.

use std::path::PathBuf;
use thiserror::Error;

/// Result alias for this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in the aggregator and its CLI.
#[derive(Debug, Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file's content is malformed (the core error names the field).
    #[error("{path}: {source}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        source: zkagg_core::Error,
    },
    /// An error from the core library not tied to one file.
    #[error(transparent)]
    Core(#[from] zkagg_core::Error),
    /// A command-line option has an unusable value.
    #[error("{option}: {problem}")]
    InvalidOption {
        /// The option, e.g. `--contract-name`.
        option: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
    /// The Solidity generator refused a key.
    #[error("export-solidity: {0}")]
    Solidity(zkagg_solidity_verifier::Error),
    /// A key directory is inconsistent (e.g. the proving key does not match the verifying key).
    #[error("{0}")]
    Keys(String),
    /// A checkpoint or aggregation input is unusable (corrupt, foreign, or empty).
    #[error("{0}")]
    Checkpoint(String),
    /// The folding engine failed.
    #[error("folding: {0}")]
    Folding(#[from] zkagg_folding::Error),
    /// The service failed to start or run.
    #[error("serve: {0}")]
    Service(String),
    /// The decider (its setup, proof or check) failed.
    #[error("decider: {0}")]
    Decider(#[from] zkagg_decider::Error),
    /// The in-circuit verifier (step circuits, finish hints) failed.
    #[error("aggregation step: {0}")]
    Step(#[from] zkagg_circuit_verifier::Error),
}

impl Error {
    /// Attach a path to an I/O error.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Attach a path to a parse error.
    pub fn malformed(path: impl Into<PathBuf>, source: zkagg_core::Error) -> Self {
        Error::Malformed {
            path: path.into(),
            source,
        }
    }
}
