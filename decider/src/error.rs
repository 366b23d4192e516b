//! The crate's one error type.

/// What can go wrong in setup, proving or verification.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("i/o: {0}")]
    Io(String),
    /// Malformed bytes or values (names the field).
    #[error("format: {0}")]
    Format(String),
    /// The decider circuit could not be synthesized (or its witness is inconsistent).
    #[error("synthesis: {0}")]
    Synthesis(String),
    /// A key is unusable (wrong sizes, wrong circuit, points off the curve).
    #[error("key: {0}")]
    Key(String),
    /// The Groth16 prover failed.
    #[error("prover: {0}")]
    Prover(String),
    /// A proof or statement was rejected (says which check).
    #[error("rejected: {0}")]
    Verify(String),
    /// An error from the folding engine.
    #[error(transparent)]
    Folding(#[from] zkagg_folding::Error),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
