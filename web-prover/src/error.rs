//! The one error type of the web prover.

use thiserror::Error;

/// Result alias for this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong while proving. Malformed files are reported with the file kind,
/// the section and what is wrong, never with a panic.
#[derive(Debug, Error)]
pub enum Error {
    /// A `.zkey` or `.wtns` file is malformed outside a particular section (magic, version,
    /// section table).
    #[error("{file}: {problem}")]
    Format {
        /// "zkey" or "wtns".
        file: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A section of a `.zkey` or `.wtns` file is malformed.
    #[error("{file} section {section} ({name}): {problem}")]
    Section {
        /// "zkey" or "wtns".
        file: &'static str,
        /// Section number.
        section: u32,
        /// Section name (e.g. "PointsA", "Coeffs").
        name: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The witness does not belong to the key (curve, length).
    #[error("the witness does not match the proving key: {0}")]
    Mismatch(String),
    /// A feature of the file that this prover does not implement (another protocol, a
    /// domain of 2^28).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Reading the input failed.
    #[error("reading {what}: {problem}")]
    Io {
        /// What was being read.
        what: String,
        /// The underlying error.
        problem: String,
    },
    /// The MSM engine failed (not a GPU failure: those fall back to the CPU).
    #[error(transparent)]
    Msm(#[from] zkagg_gpu_msm::Error),
    /// An error from the shared core crate (batch circuit, formats).
    #[error(transparent)]
    Core(#[from] zkagg_core::Error),
    /// The batch circuit could not be synthesised or reduced.
    #[error("batch circuit: {0}")]
    Circuit(String),
    /// The finished proof does not verify against the key's own verifying key: the witness does
    /// not satisfy the circuit (or the key is corrupted). Nothing is written.
    #[error("the proof does not verify against the zkey's verifying key (is the witness for this circuit and does it satisfy it?)")]
    SelfCheck,
    /// A batch proof does not verify against the proving key's own verifying key (the key does
    /// not belong to these batch parameters, or it is corrupted). Nothing is returned.
    #[error("the batch proof does not verify against the proving key's verifying key (is the key for these batch parameters, and intact?)")]
    BatchSelfCheck,
    /// The caller cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// A section error of a `.zkey` file.
    pub fn zkey(section: u32, problem: impl Into<String>) -> Self {
        Error::Section {
            file: "zkey",
            section,
            name: crate::format::zkey_section_name(section),
            problem: problem.into(),
        }
    }

    /// A section error of a `.wtns` file.
    pub fn wtns(section: u32, problem: impl Into<String>) -> Self {
        Error::Section {
            file: "wtns",
            section,
            name: match section {
                1 => "Header",
                2 => "Witness",
                _ => "unknown",
            },
            problem: problem.into(),
        }
    }
}
