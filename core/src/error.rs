//! The one error type of `zkagg-core`.
//!
//! Every parse error names *where* the problem is (`field`: a dotted path such as
//! `vk_delta_2[0][1]` or `proof.pi_a`) and *what* is wrong, so that a user holding a malformed
//! file can fix it without reading our source.

use thiserror::Error;

/// Result alias for this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong in `zkagg-core`.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// Input text is not JSON at all (or not UTF-8).
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A JSON member is missing or has the wrong shape.
    #[error("{field}: {problem}")]
    Shape {
        /// Dotted path of the offending member.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A number is not a canonical decimal/hex integer below the field modulus.
    #[error("{field}: not a canonical field element: {problem}")]
    NonCanonical {
        /// Dotted path of the offending number.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A point's coordinates do not satisfy the curve equation.
    #[error("{field}: point is not on the curve")]
    NotOnCurve {
        /// Which point.
        field: String,
    },
    /// A point is on the curve but not in the prime-order subgroup (relevant for G2).
    #[error("{field}: point is not in the prime-order subgroup")]
    NotInSubgroup {
        /// Which point.
        field: String,
    },
    /// Binary input could not be decoded (truncated, trailing bytes, invalid point, ...).
    #[error("{what}: malformed binary encoding: {problem}")]
    Binary {
        /// What was being decoded (`verifying key`, `proof`, `public inputs`).
        what: String,
        /// What went wrong.
        problem: String,
    },
    /// The number of public inputs does not match the verifying key.
    #[error("wrong number of public inputs: the verifying key expects {expected}, got {got}")]
    InputCount {
        /// Inputs the key expects (`IC.len() - 1`).
        expected: usize,
        /// Inputs supplied.
        got: usize,
    },
    /// The format of an input could not be recognised.
    #[error("unrecognised format: {0}")]
    UnknownFormat(String),
    /// A batch (state transition) is invalid: overdraft, unknown account, bad parameters, ...
    #[error("invalid batch: {0}")]
    InvalidBatch(String),
    /// A statement-tree operation or inclusion proof is malformed (wrong depth, index outside the
    /// tree, a full tree, the empty-slot leaf).
    #[error("statement tree: {0}")]
    Inclusion(String),
    /// Circuit synthesis, setup or proving failed.
    #[error("proving system error: {0}")]
    ProvingSystem(String),
}

impl Error {
    /// Shorthand for a [`Error::Shape`] error.
    pub fn shape(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Shape {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// Shorthand for a [`Error::NonCanonical`] error.
    pub fn non_canonical(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::NonCanonical {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// Shorthand for a [`Error::Binary`] error.
    pub fn binary(what: impl Into<String>, problem: impl ToString) -> Self {
        Error::Binary {
            what: what.into(),
            problem: problem.to_string(),
        }
    }
}
