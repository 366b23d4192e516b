//! A small in-process EVM for tests and benchmarks: revm at a pinned hardfork, an in-memory
//! state, one funded-by-nothing caller (gas price and base fee are zero), and gas read back the
//! way a receipt reports it.
//!
//! Every call is a real transaction (committed, unless simulated, timed or profiled), so the gas
//! reported is what a user pays: [`GasUsage::tx`] is the receipt's `gasUsed` (intrinsic 21,000 +
//! calldata + execution, and the EIP-7623 floor when it binds); [`GasUsage::execution`] is the
//! part spent by the code itself (total spent minus the intrinsic gas revm charges up front).

use std::time::{Duration, Instant};

use revm::bytecode::opcode::OpCode;
use revm::context::result::{ExecutionResult, Output as TxOutput};
use revm::context::{BlockEnv, CfgEnv, Context, Journal, TxEnv};
use revm::context_interface::cfg::gas::calculate_initial_tx_gas;
use revm::database::{CacheDB, EmptyDB};
use revm::handler::MainnetEvm;
use revm::interpreter::interpreter_types::Jumps;
use revm::interpreter::{FrameInput, Interpreter};
use revm::primitives::{Bytes, TxKind};
use revm::{ExecuteCommitEvm, ExecuteEvm, InspectEvm, Inspector, MainBuilder};

pub use revm::primitives::hardfork::SpecId;
pub use revm::primitives::Address;

use crate::{Error, Result};

/// The hardfork the harness runs by default: Prague (the `evmVersion` contracts are compiled
/// for, see [`super::solc::EVM_VERSION`]).
pub const DEFAULT_SPEC: SpecId = SpecId::PRAGUE;

/// Gas limit of a transaction unless told otherwise: the EIP-7825 cap (2^24).
pub const DEFAULT_GAS_LIMIT: u64 = 1 << 24;

type Db = CacheDB<EmptyDB>;
type Ctx = Context<BlockEnv, TxEnv, CfgEnv, Db, Journal<Db>, ()>;

/// The gas a transaction used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasUsage {
    /// The receipt's `gasUsed`: intrinsic + execution, after refunds, at least the EIP-7623
    /// calldata floor.
    pub tx: u64,
    /// Intrinsic gas: 21,000 (+ 32,000 and initcode words for a creation) + calldata.
    pub intrinsic: u64,
    /// Gas spent before refunds, intrinsic included.
    pub spent: u64,
    /// The EIP-7623 calldata floor (Prague): the least a transaction with this calldata pays,
    /// and the least gas limit it may have.
    pub floor: u64,
}

impl GasUsage {
    /// Gas spent by executing code: `spent - intrinsic`.
    pub fn execution(&self) -> u64 {
        self.spent.saturating_sub(self.intrinsic)
    }
}

/// An event emitted by a contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventLog {
    /// The emitting contract.
    pub address: Address,
    /// Topics (`topics[0]` is the event signature hash for non-anonymous events).
    pub topics: Vec<[u8; 32]>,
    /// Non-indexed data, ABI-encoded.
    pub data: Vec<u8>,
}

/// How a transaction ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It returned (`RETURN`/`STOP`).
    Success {
        /// Return data.
        output: Vec<u8>,
        /// Events emitted.
        logs: Vec<EventLog>,
    },
    /// It reverted (`REVERT`), with this revert data (e.g. a custom error's selector).
    Revert {
        /// Revert data.
        output: Vec<u8>,
    },
    /// It halted exceptionally (out of gas, invalid opcode, ...): all gas is consumed.
    Halt {
        /// revm's halt reason.
        reason: String,
    },
}

/// The result of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallResult {
    /// How it ended.
    pub outcome: Outcome,
    /// The gas it used.
    pub gas: GasUsage,
}

impl CallResult {
    /// The return data of a successful call; an error describing the revert or halt otherwise.
    pub fn output(&self) -> Result<&[u8]> {
        match &self.outcome {
            Outcome::Success { output, .. } => Ok(output),
            Outcome::Revert { output } => {
                Err(Error::Evm(format!("call reverted with 0x{}", hex(output))))
            }
            Outcome::Halt { reason } => Err(Error::Evm(format!("call halted: {reason}"))),
        }
    }

    /// The call returned an ABI `bool`: which one. Errors if it reverted, halted, or returned
    /// anything but one canonical bool word.
    pub fn returned_bool(&self) -> Result<bool> {
        let output = self.output()?;
        if output.len() != 32 || output[..31].iter().any(|b| *b != 0) || output[31] > 1 {
            return Err(Error::Abi(format!(
                "expected one bool word, got 0x{}",
                hex(output)
            )));
        }
        Ok(output[31] == 1)
    }

    /// The events of a successful call (empty otherwise).
    pub fn logs(&self) -> &[EventLog] {
        match &self.outcome {
            Outcome::Success { logs, .. } => logs,
            _ => &[],
        }
    }

    /// Whether the call reverted with revert data starting with `selector` (a custom error).
    pub fn reverted_with(&self, selector: [u8; 4]) -> bool {
        matches!(&self.outcome, Outcome::Revert { output } if output.starts_with(&selector))
    }
}

/// A deployed contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// Its address.
    pub address: Address,
    /// The gas of the creation transaction.
    pub gas: GasUsage,
    /// Size of the runtime code stored (EIP-170 limits it to 24,576 bytes).
    pub code_size: usize,
}

/// One executed instruction of a [`Evm::profile_call`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Call depth (1 = the called contract; precompile calls do not execute instructions).
    pub depth: usize,
    /// Program counter.
    pub pc: usize,
    /// The opcode.
    pub opcode: u8,
    /// Gas charged for it, including memory expansion and, for a call, the gas the callee used
    /// (so a `STATICCALL` to the pairing precompile shows the pairing's price).
    pub gas: u64,
}

impl Step {
    /// The opcode's mnemonic (`MULMOD`, `STATICCALL`, ...).
    pub fn name(&self) -> &'static str {
        OpCode::new(self.opcode).map_or("UNKNOWN", |op| op.as_str())
    }
}

/// Records every instruction with the gas left before it; costs are differences between
/// consecutive instructions of the same frame.
#[derive(Default)]
struct Profiler {
    depth: usize,
    /// Per depth, the index in `steps` of the last instruction of that frame.
    last: Vec<Option<usize>>,
    steps: Vec<(Step, u64)>,
}

impl<CTX> Inspector<CTX> for Profiler {
    fn step(&mut self, interp: &mut Interpreter, _context: &mut CTX) {
        let remaining = interp.gas.remaining();
        let depth = self.depth;
        if self.last.len() <= depth {
            self.last.resize(depth + 1, None);
        }
        if let Some(previous) = self.last[depth] {
            let before = self.steps[previous].1;
            self.steps[previous].0.gas = before.saturating_sub(remaining);
        }
        self.last[depth] = Some(self.steps.len());
        let step = Step {
            depth,
            pc: interp.bytecode.pc(),
            opcode: interp.bytecode.opcode(),
            gas: 0,
        };
        self.steps.push((step, remaining));
    }

    fn step_end(&mut self, interp: &mut Interpreter, _context: &mut CTX) {
        // Provisional cost (exact for the frame's last instruction; replaced by the next step's
        // difference otherwise, which also accounts for gas returned by a sub-call).
        if let Some(Some(index)) = self.last.get(self.depth) {
            let before = self.steps[*index].1;
            self.steps[*index].0.gas = before.saturating_sub(interp.gas.remaining());
        }
    }

    fn frame_start(
        &mut self,
        _context: &mut CTX,
        _frame_input: &mut FrameInput,
    ) -> Option<revm::handler::FrameResult> {
        self.depth += 1;
        if self.last.len() > self.depth {
            self.last[self.depth] = None;
        }
        None
    }

    fn frame_end(
        &mut self,
        _context: &mut CTX,
        _frame_input: &FrameInput,
        _frame_result: &mut revm::handler::FrameResult,
    ) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// An in-memory chain with one externally owned caller.
pub struct Evm {
    evm: MainnetEvm<Ctx>,
    spec: SpecId,
    caller: Address,
}

impl std::fmt::Debug for Evm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evm")
            .field("spec", &self.spec)
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

impl Default for Evm {
    fn default() -> Self {
        Self::new()
    }
}

impl Evm {
    /// An empty chain at [`DEFAULT_SPEC`].
    pub fn new() -> Self {
        Self::with_spec(DEFAULT_SPEC)
    }

    /// An empty chain at `spec` (mainnet gas schedule of that hardfork).
    pub fn with_spec(spec: SpecId) -> Self {
        let ctx: Ctx = Context::new(Db::default(), spec).modify_cfg_chained(|cfg| {
            // Every transaction comes from one caller; its nonce is tracked by the state, so
            // the check only adds bookkeeping here.
            cfg.disable_nonce_check = true;
        });
        Self {
            evm: ctx.build_mainnet(),
            spec,
            caller: Address::with_last_byte(0xca),
        }
    }

    /// The hardfork this chain runs.
    pub fn spec(&self) -> SpecId {
        self.spec
    }

    /// The transaction sender (an account without code or balance; gas is free here).
    pub fn caller(&self) -> Address {
        self.caller
    }

    /// Deploys `initcode` (creation bytecode, constructor arguments appended).
    pub fn deploy(&mut self, initcode: &[u8]) -> Result<Deployment> {
        let result = self.transact(TxKind::Create, initcode, DEFAULT_GAS_LIMIT, true)?;
        let address = match &result.0 {
            ExecutionResult::Success {
                output: TxOutput::Create(_, Some(address)),
                ..
            } => *address,
            other => return Err(Error::Deploy(describe(other))),
        };
        let code_size = self
            .evm
            .ctx
            .journaled_state
            .database
            .cache
            .accounts
            .get(&address)
            .and_then(|account| account.info.code.as_ref())
            .map_or(0, |code| code.original_byte_slice().len());
        Ok(Deployment {
            address,
            gas: result.1,
            code_size,
        })
    }

    /// Sends a transaction calling `to` with `data` (gas limit [`DEFAULT_GAS_LIMIT`]) and
    /// commits its state changes.
    pub fn call(&mut self, to: Address, data: &[u8]) -> Result<CallResult> {
        self.call_with_gas_limit(to, data, DEFAULT_GAS_LIMIT)
    }

    /// Like [`Self::call`] with a chosen gas limit (it must cover the intrinsic gas).
    pub fn call_with_gas_limit(
        &mut self,
        to: Address,
        data: &[u8],
        gas_limit: u64,
    ) -> Result<CallResult> {
        let (result, gas) = self.transact(TxKind::Call(to), data, gas_limit, true)?;
        Ok(CallResult {
            outcome: outcome(result),
            gas,
        })
    }

    /// Runs a call without committing it (state unchanged), as `eth_call` does.
    pub fn simulate(&mut self, to: Address, data: &[u8]) -> Result<CallResult> {
        let (result, gas) = self.transact(TxKind::Call(to), data, DEFAULT_GAS_LIMIT, false)?;
        Ok(CallResult {
            outcome: outcome(result),
            gas,
        })
    }

    /// The median wall-clock time of `repeats` (at least 1) uncommitted executions of the call:
    /// revm's whole transaction (validation, intrinsic gas, execution, precompiles).
    pub fn time_call(&mut self, to: Address, data: &[u8], repeats: usize) -> Result<Duration> {
        let mut times = Vec::with_capacity(repeats.max(1));
        for _ in 0..repeats.max(1) {
            let start = Instant::now();
            self.transact(TxKind::Call(to), data, DEFAULT_GAS_LIMIT, false)?;
            times.push(start.elapsed());
        }
        times.sort();
        Ok(times[times.len() / 2])
    }

    /// Runs a call without committing it and returns every instruction executed with its gas:
    /// the tool for finding where a contract's gas goes.
    pub fn profile_call(&mut self, to: Address, data: &[u8]) -> Result<Vec<Step>> {
        let db = self.evm.ctx.journaled_state.database.clone();
        let ctx: Ctx = Context::new(db, self.spec).modify_cfg_chained(|cfg| {
            cfg.disable_nonce_check = true;
        });
        let mut evm = ctx.build_mainnet_with_inspector(Profiler::default());
        let tx = TxEnv::builder()
            .caller(self.caller)
            .kind(TxKind::Call(to))
            .data(Bytes::copy_from_slice(data))
            .gas_limit(DEFAULT_GAS_LIMIT)
            .gas_price(0)
            .build()
            .map_err(|e| Error::Evm(format!("building the transaction: {e:?}")))?;
        evm.inspect_one_tx(tx)
            .map_err(|e| Error::Evm(e.to_string()))?;
        Ok(evm
            .inspector
            .steps
            .into_iter()
            .map(|(step, _)| step)
            .collect())
    }

    fn transact(
        &mut self,
        kind: TxKind,
        data: &[u8],
        gas_limit: u64,
        commit: bool,
    ) -> Result<(ExecutionResult, GasUsage)> {
        let is_create = matches!(kind, TxKind::Create);
        let tx = TxEnv::builder()
            .caller(self.caller)
            .kind(kind)
            .data(Bytes::copy_from_slice(data))
            .gas_limit(gas_limit)
            .gas_price(0)
            .build()
            .map_err(|e| Error::Evm(format!("building the transaction: {e:?}")))?;
        let result = if commit {
            self.evm
                .transact_commit(tx)
                .map_err(|e| Error::Evm(e.to_string()))?
        } else {
            self.evm
                .transact(tx)
                .map_err(|e| Error::Evm(e.to_string()))?
                .result
        };
        let intrinsic = calculate_initial_tx_gas(self.spec, data, is_create, 0, 0, 0, None);
        let gas = GasUsage {
            tx: result.tx_gas_used(),
            intrinsic: intrinsic.initial_regular_gas,
            spent: result.gas().total_gas_spent(),
            floor: intrinsic.floor_gas,
        };
        Ok((result, gas))
    }
}

fn outcome(result: ExecutionResult) -> Outcome {
    match result {
        ExecutionResult::Success { output, logs, .. } => Outcome::Success {
            output: output.into_data().to_vec(),
            logs: logs
                .into_iter()
                .map(|log| EventLog {
                    address: log.address,
                    topics: log.data.topics().iter().map(|t| t.0).collect(),
                    data: log.data.data.to_vec(),
                })
                .collect(),
        },
        ExecutionResult::Revert { output, .. } => Outcome::Revert {
            output: output.to_vec(),
        },
        ExecutionResult::Halt { reason, .. } => Outcome::Halt {
            reason: format!("{reason:?}"),
        },
    }
}

fn describe(result: &ExecutionResult) -> String {
    match result {
        ExecutionResult::Success { .. } => "no contract was created".into(),
        ExecutionResult::Revert { output, .. } => format!("reverted with 0x{}", hex(output)),
        ExecutionResult::Halt { reason, .. } => format!("halted: {reason:?}"),
    }
}

/// Lowercase hex of bytes, without `0x`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
