//! The crate's one error type.

use nova_snark::frontend::SynthesisError;

/// Everything that can go wrong while building or witnessing a verifier circuit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The constraint system refused an allocation or a constraint.
    #[error("constraint system: {0}")]
    Synthesis(#[from] SynthesisError),
    /// A static bound would let an integer identity wrap around the circuit field: the gadget
    /// refuses to build a constraint whose soundness argument would not hold. This is a
    /// programming error in the caller (for example limbs grown too large by unreduced sums).
    #[error("bound violation: {0}")]
    Bound(String),
    /// A witness value is inconsistent with what the gadget needs (for example a hint that does
    /// not exist: the inverse of zero, a point not on the curve).
    #[error("invalid witness: {0}")]
    Witness(String),
    /// An input (proof, key, public input) is malformed.
    #[error("invalid input: {0}")]
    Input(String),
}

impl From<Error> for SynthesisError {
    fn from(e: Error) -> Self {
        match e {
            Error::Synthesis(s) => s,
            other => SynthesisError::Unsatisfiable(other.to_string()),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;
