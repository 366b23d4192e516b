//! The crate's one error type.

use thiserror::Error;

/// Everything that can go wrong while setting up, folding, verifying or (de)serializing.
#[derive(Debug, Error)]
pub enum Error {
    /// A constraint system refused to synthesize (a gadget found an impossible witness).
    #[error("synthesis failed: {0}")]
    Synthesis(String),
    /// A witness or hint could not be computed (for example a point at infinity where the
    /// construction needs a finite one).
    #[error("witness: {0}")]
    Witness(String),
    /// The commitment key cannot be built or loaded, or is too short.
    #[error("commitment key: {0}")]
    Key(String),
    /// A relation, instance or proof does not verify; the message names the failed check.
    #[error("verification failed: {0}")]
    Verify(String),
    /// Malformed bytes, files or parameters.
    #[error("format: {0}")]
    Format(String),
    /// An I/O failure, with the path or action that failed.
    #[error("i/o: {0}")]
    Io(String),
}

impl From<nova_snark::frontend::SynthesisError> for Error {
    fn from(e: nova_snark::frontend::SynthesisError) -> Self {
        Error::Synthesis(e.to_string())
    }
}

impl From<zkagg_circuit_verifier::Error> for Error {
    fn from(e: zkagg_circuit_verifier::Error) -> Self {
        Error::Synthesis(e.to_string())
    }
}

impl From<nova_snark::errors::NovaError> for Error {
    fn from(e: nova_snark::errors::NovaError) -> Self {
        Error::Verify(e.to_string())
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
