//! The `zkagg` command line.
//!
//! | command        | what it does                                                          |
//! |----------------|-----------------------------------------------------------------------|
//! | `setup`        | Groth16 keys for the batch circuit (shape `--transfers`, `--depth`)    |
//! | `prove-batch`  | a random valid batch on a random genesis state, and its proof          |
//! | `verify`       | verify a proof (snarkjs JSON or binary files); exit 0 / 1 / 2          |
//! | `vk-hash`      | print a verifying key's `vk_hash`                                     |
//! | `calldata`     | print a proof and its inputs as `verifyProof` arguments                |
//! | `export-solidity` | write a Solidity verifier contract for a verifying key              |
//! | `prove`        | Groth16 proof from a snarkjs .zkey + .wtns (drop-in for snarkjs/rapidsnark) |
//! | `aggregate`    | fold a directory of batch proofs (Nova + CycleFold), checkpointed, resumable |
//!
//! Exit codes: 0 success (valid proof), 1 invalid proof, 2 malformed input or any other error.

mod aggregate;
mod export_solidity;
mod progress;
mod prove;
mod prove_batch;
mod serve;
mod setup;
mod verify;
mod volunteer;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use progress::Progress;

/// Exit code: success / valid proof.
pub const EXIT_OK: i32 = 0;
/// Exit code: a well-formed proof that does not verify.
pub const EXIT_INVALID: i32 = 1;
/// Exit code: malformed input, missing file, or any other error.
pub const EXIT_ERROR: i32 = 2;

/// zkagg: Groth16 batch proofs for a rollup, verified everywhere (native, wasm, EVM) and,
/// soon, aggregated by Nova folding into one proof.
#[derive(Parser, Debug)]
#[command(name = "zkagg", version, about, long_about = None)]
pub struct Cli {
    /// Print nothing but results and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate Groth16 keys for the batch circuit (single-party setup: for demos and tests; a
    /// production deployment needs a multi-party ceremony).
    Setup(setup::SetupArgs),
    /// Make a random valid batch of transfers on a random genesis state and prove it.
    ProveBatch(prove_batch::ProveBatchArgs),
    /// Verify a Groth16 proof. Exit code 0 = valid, 1 = invalid proof, 2 = malformed input.
    Verify(verify::VerifyArgs),
    /// Print the vk_hash (keccak256 of the key's EVM words) of a verifying key.
    VkHash {
        /// Verifying key: snarkjs verification_key.json or arkworks binary.
        #[arg(long)]
        vk: PathBuf,
    },
    /// Print a proof and its public inputs as Solidity `verifyProof` arguments (EIP-197 order).
    Calldata {
        /// Proof: snarkjs proof.json or arkworks binary.
        #[arg(long)]
        proof: PathBuf,
        /// Public inputs: snarkjs public.json or arkworks binary.
        #[arg(long)]
        public: PathBuf,
    },
    /// Write a Solidity verifier contract (Groth16, BN254, EVM precompiles) for a verifying key.
    ExportSolidity(export_solidity::ExportSolidityArgs),
    /// Prove from a snarkjs Groth16 .zkey and a .wtns, writing snarkjs proof.json and
    /// public.json (a native drop-in for `snarkjs groth16 prove`; GPU MSMs when available).
    Prove(prove::ProveArgs),
    /// Fold a directory of batch proofs into one IVC proof (Nova + CycleFold): every proof is
    /// verified first, a checkpoint is written after every fold, and the same command resumes.
    Aggregate(aggregate::AggregateArgs),
    /// Run the aggregator service: batch proving jobs for volunteers over HTTP (`/v1`), every
    /// submission checked natively before it is accepted, state in a durable SQLite store.
    Serve(serve::ServeArgs),
    /// Prove jobs for a `zkagg serve` service: lease, prove (with heartbeats), submit, repeat.
    Volunteer(volunteer::VolunteerArgs),
}

/// Parse the process arguments, run, and return the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    run(cli)
}

/// Run a parsed command line and return the exit code.
pub fn run(cli: Cli) -> i32 {
    let progress = Progress::new(!cli.quiet);
    let result = match cli.command {
        Command::Setup(args) => setup::run(&args, &progress).map(|()| EXIT_OK),
        Command::ProveBatch(args) => prove_batch::run(&args, &progress).map(|()| EXIT_OK),
        Command::Verify(args) => verify::run(&args),
        Command::VkHash { vk } => verify::load_vk(&vk).map(|vk| {
            println!("{}", zkagg_core::vk_hash::vk_hash_hex(&vk));
            EXIT_OK
        }),
        Command::Calldata { proof, public } => verify::calldata(&proof, &public).map(|text| {
            println!("{text}");
            EXIT_OK
        }),
        Command::ExportSolidity(args) => export_solidity::run(&args, &progress).map(|()| EXIT_OK),
        Command::Prove(args) => prove::run(&args, &progress),
        Command::Aggregate(args) => aggregate::run(&args, cli.quiet).map(|()| EXIT_OK),
        Command::Serve(args) => serve::run(&args, cli.quiet).map(|()| EXIT_OK),
        Command::Volunteer(args) => volunteer::run(&args, &progress).map(|()| EXIT_OK),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_ERROR
        }
    }
}
