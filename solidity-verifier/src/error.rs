//! The one error type of `zkagg-solidity-verifier`.

use thiserror::Error;

/// Result alias for this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong while generating, compiling or running a verifier contract.
#[derive(Debug, Error)]
pub enum Error {
    /// A key, proof or public input was rejected by `zkagg-core` (the message names the field).
    #[error(transparent)]
    Core(#[from] zkagg_core::Error),
    /// The requested contract name is not a Solidity identifier.
    #[error("invalid contract name {0:?}: expected a Solidity identifier ([A-Za-z_$][A-Za-z0-9_$]*, not a keyword)")]
    ContractName(String),
    /// The pairing gas stipend is below the pairing precompile's price.
    #[error("{0}")]
    PairingGas(String),
    /// The key cannot be turned into a contract (e.g. too many public inputs for the code-size
    /// limit of EIP-170).
    #[error("unsupported verifying key: {0}")]
    UnsupportedKey(String),
    /// Running an external program (`node`) failed.
    #[error("{program}: {problem}")]
    Process {
        /// The program (and script) that was run.
        program: String,
        /// What went wrong (spawn error, exit status with stderr, unreadable output).
        problem: String,
    },
    /// solc reported errors (the messages are solc's, formatted).
    #[error("solc: compilation failed:\n{0}")]
    Solc(String),
    /// A compiled contract is missing from solc's output or its output is malformed.
    #[error("solc output: {0}")]
    SolcOutput(String),
    /// The EVM refused to run a transaction (invalid transaction, database error).
    #[error("evm: {0}")]
    Evm(String),
    /// A deployment did not produce a contract (it reverted or halted).
    #[error("deployment failed: {0}")]
    Deploy(String),
    /// Return data could not be decoded as the expected ABI type.
    #[error("abi: {0}")]
    Abi(String),
}
