//! # zkagg-gpu-msm: BN254 G1 multi-scalar multiplication on the GPU, checked, with a CPU fallback
//!
//! Most of a Groth16 prover's time is multi-scalar multiplication (MSM): `sum s_i P_i` over
//! hundreds of thousands of points. This crate computes it with a WGSL kernel driven by `wgpu`,
//! so the same kernel runs natively (Vulkan: a real GPU, or Mesa's lavapipe without one) and in
//! browsers (WebGPU), and always returns **exactly** arkworks' result:
//!
//! - [`plan`]: the CPU half of Pippenger's bucket method (signed `c`-bit windows, a counting sort
//!   of point indices into buckets, load-balanced segments).
//! - [`shader`] / `msm.wgsl`: the GPU half (13-bit-limb Montgomery arithmetic, complete
//!   projective formulas, bucket accumulation and reduction).
//! - [`gpu`]: the wgpu driver (adapter, device, dispatches, read-back, error capture, self-test).
//! - [`check`]: what comes back is validated (canonical, on the curve, randomized spot check)
//!   before use.
//! - [`MsmEngine`]: picks CPU, GPU or a hybrid split (GPU and CPU threads work on disjoint parts
//!   at the same time), and **falls back to the CPU** (arkworks' `msm_bigint`, multi-threaded
//!   with rayon) when there is no adapter, the GPU errs, or a check fails.
//!
//! Native use blocks on the async API with `pollster`; in a browser the same `async fn`s are
//! awaited from a Web Worker (see the `zkagg-web-prover` crate).
//!
//! ```no_run
//! # async fn demo(bases: Vec<ark_bn254::G1Affine>, scalars: Vec<ark_bn254::Fr>) -> Result<(), zkagg_gpu_msm::Error> {
//! use zkagg_gpu_msm::{MsmConfig, MsmEngine};
//! let engine = MsmEngine::new(MsmConfig::default()).await; // never fails: no GPU = CPU only
//! let scalars = zkagg_gpu_msm::plan::scalars_to_bigints(&scalars);
//! let out = engine.msm(&bases, &scalars, &|| false).await?;
//! println!("{} via {}", out.result, out.report.backend);
//! # Ok(()) }
//! ```
#![deny(unsafe_code)]

pub mod check;
pub mod cpu;
pub mod formulas;
pub use zkagg_field29::fq29;
pub mod gpu;
pub mod plan;
pub mod repr;
pub mod shader;

use std::sync::Mutex;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::{BigInt, PrimeField, Zero};

pub use gpu::{GpuContext, GpuInfo};
pub use plan::PlanConfig;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No usable adapter (none present, or disabled).
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    /// The adapter refused to open a device.
    #[error("GPU device request failed: {0}")]
    Device(String),
    /// The GPU reported an error (validation, out of memory, device lost, mapping).
    #[error("GPU error: {0}")]
    Gpu(String),
    /// The GPU returned something that failed a check (see [`check`]).
    #[error("GPU result check failed: {0}")]
    Check(String),
    /// The input does not fit the adapter's limits.
    #[error("MSM too large for this GPU: {0}")]
    TooLarge(String),
    /// Malformed input (lengths differ, a scalar not below the group order).
    #[error("invalid MSM input: {0}")]
    Input(String),
    /// The caller cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// Where an MSM runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    /// arkworks on CPU threads only.
    Cpu,
    /// The GPU only (the CPU still plans, checks and finishes).
    Gpu,
    /// This fraction (0..=1) of the points on the GPU, the rest on CPU threads, concurrently.
    Hybrid(f64),
    /// Decide: CPU on software adapters and small inputs; otherwise the split measured by
    /// [`MsmEngine::calibrate`] (run automatically on the first large MSM).
    Auto,
}

impl std::str::FromStr for Backend {
    type Err = String;

    /// `auto`, `cpu`, `gpu` or `hybrid:<f>` with `0 <= f <= 1` (the CLI's `--backend` and the
    /// browser prover's `backend` option).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Backend::Auto),
            "cpu" => Ok(Backend::Cpu),
            "gpu" => Ok(Backend::Gpu),
            _ => s
                .strip_prefix("hybrid:")
                .and_then(|f| f.parse::<f64>().ok())
                .filter(|f| (0.0..=1.0).contains(f))
                .map(Backend::Hybrid)
                .ok_or_else(|| format!("backend {s:?}: expected auto, cpu, gpu or hybrid:<0..1>")),
        }
    }
}

/// Test hooks that make the GPU path return garbage (to test the checks and the fallback).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Flip bits in the read-back buffer (fails the canonical / on-curve checks).
    CorruptOutput,
    /// Drop the last entry of every pass-0 segment (valid points, wrong sums: fails the spot
    /// check).
    DropEntries,
}

/// MSM options.
#[derive(Clone, Debug)]
pub struct MsmConfig {
    /// Where to run.
    pub backend: Backend,
    /// Plan tuning.
    pub plan: PlanConfig,
    /// Reduction threads recomputed on the CPU per GPU run (see [`check`]).
    pub spot_checks: u32,
    /// Points per GPU run (larger MSMs run in several, within the adapter's limits too).
    pub max_gpu_points: usize,
    /// Below this many points `Auto` stays on the CPU.
    pub auto_min_points: usize,
    /// Test hook: simulate a faulty GPU.
    pub fault: Option<Fault>,
    /// Force a kernel variant (default: by adapter, see [`shader::Variant`]).
    pub kernel: Option<shader::Variant>,
}

impl Default for MsmConfig {
    fn default() -> Self {
        Self {
            backend: Backend::Auto,
            plan: PlanConfig::default(),
            spot_checks: 2,
            max_gpu_points: 1 << 20,
            auto_min_points: 1 << 12,
            fault: None,
            kernel: None,
        }
    }
}

/// How an MSM was computed.
#[derive(Clone, Debug, Default)]
pub struct MsmReport {
    /// "cpu", "gpu" or "hybrid".
    pub backend: &'static str,
    /// Points computed on the GPU.
    pub gpu_points: usize,
    /// Points computed on CPU threads.
    pub cpu_points: usize,
    /// Why the GPU was not used (or its result was discarded), when it was asked for.
    pub fallback: Option<String>,
    /// Milliseconds of GPU work (planning, upload, kernels, read-back, checks).
    pub gpu_ms: f64,
    /// Milliseconds of CPU MSM work.
    pub cpu_ms: f64,
}

/// An MSM result and how it was computed.
#[derive(Clone, Debug)]
pub struct MsmOutput {
    /// `sum s_i P_i`.
    pub result: G1Projective,
    /// How.
    pub report: MsmReport,
}

/// Milliseconds since an arbitrary origin (wall clock; `Instant` does not exist in browsers).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
    }
}

fn seed() -> u64 {
    let t = now_ms().to_bits();
    let local = 0u8;
    t ^ (&local as *const u8 as u64).rotate_left(32)
}

/// The CPU MSM of the engine (fallback and CPU share): [`cpu::msm`], batch-affine buckets on
/// all threads; equal to arkworks' result.
pub fn msm_cpu(bases: &[G1Affine], scalars: &[BigInt<4>]) -> G1Projective {
    cpu::msm(bases, scalars)
}

/// arkworks' own multi-threaded CPU MSM: the reference the tests compare everything with.
pub fn msm_ark(bases: &[G1Affine], scalars: &[BigInt<4>]) -> G1Projective {
    msm_cpu_generic::<G1Projective>(bases, scalars)
}

/// arkworks' CPU MSM for any group (G2 too), on all threads.
///
/// Natively arkworks parallelises internally (feature `ark-parallel`). In wasm, arkworks' MSM
/// must stay serial (its parallel MSM builds thread pools of its own, which wasm cannot), so the
/// input is cut into one chunk per thread of the global (wasm-bindgen-rayon) pool, each chunk a
/// serial arkworks MSM, and the results are summed: the same value, computed the same way.
pub fn msm_cpu_generic<V: VariableBaseMSM>(bases: &[V::MulBase], scalars: &[BigInt<4>]) -> V
where
    V::ScalarField: PrimeField<BigInt = BigInt<4>>,
{
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return V::zero();
    }
    #[cfg(all(feature = "parallel", not(feature = "ark-parallel")))]
    {
        use rayon::prelude::*;
        let threads = rayon::current_num_threads().max(1);
        let chunk = n.div_ceil(threads).max(1 << 10);
        bases[..n]
            .par_chunks(chunk)
            .zip(scalars[..n].par_chunks(chunk))
            .map(|(b, s)| V::msm_bigint(b, s))
            .reduce(V::zero, |a, b| a + b)
    }
    #[cfg(not(all(feature = "parallel", not(feature = "ark-parallel"))))]
    {
        V::msm_bigint(&bases[..n], &scalars[..n])
    }
}

/// The MSM engine: an optional GPU context plus the policy (see the crate documentation).
pub struct MsmEngine {
    gpu: Option<GpuContext>,
    config: MsmConfig,
    /// Why the GPU is not (or no longer) used.
    gpu_off: Mutex<Option<String>>,
    /// Measured GPU share for `Auto`.
    share: Mutex<Option<f64>>,
    rng: Mutex<check::SpotRng>,
}

impl MsmEngine {
    /// An engine with a GPU when one can be opened (and passes its self-test), else CPU only.
    pub async fn new(config: MsmConfig) -> Self {
        let wants_gpu = config.backend != Backend::Cpu;
        let (gpu, off) = if wants_gpu {
            match GpuContext::new(config.kernel).await {
                Ok(g) => (Some(g), None),
                Err(e) => (None, Some(e.to_string())),
            }
        } else {
            (None, Some("CPU backend selected".to_string()))
        };
        Self {
            gpu,
            config,
            gpu_off: Mutex::new(off),
            share: Mutex::new(None),
            rng: Mutex::new(check::SpotRng::new(seed())),
        }
    }

    /// A CPU-only engine (no adapter is looked for).
    pub fn cpu_only() -> Self {
        Self {
            gpu: None,
            config: MsmConfig {
                backend: Backend::Cpu,
                ..MsmConfig::default()
            },
            gpu_off: Mutex::new(Some("CPU backend selected".into())),
            share: Mutex::new(None),
            rng: Mutex::new(check::SpotRng::new(seed())),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MsmConfig {
        &self.config
    }

    /// Change the configuration (e.g. the backend) without reopening the GPU.
    pub fn set_config(&mut self, config: MsmConfig) {
        self.config = config;
    }

    /// The adapter in use, if any.
    pub fn gpu_info(&self) -> Option<&GpuInfo> {
        self.usable_gpu().map(|g| g.info())
    }

    /// Why there is no usable GPU (`None` when there is one).
    pub fn gpu_unavailable_reason(&self) -> Option<String> {
        self.gpu_off.lock().ok().and_then(|r| r.clone())
    }

    fn usable_gpu(&self) -> Option<&GpuContext> {
        let off = self.gpu_off.lock().map(|r| r.is_some()).unwrap_or(true);
        if off {
            None
        } else {
            self.gpu.as_ref()
        }
    }

    fn disable_gpu(&self, why: &str) {
        if let Ok(mut off) = self.gpu_off.lock() {
            off.get_or_insert_with(|| why.to_string());
        }
    }

    /// Measure GPU and CPU throughput on (a prefix of) these inputs and remember the split that
    /// balances them (`Auto` uses it). Returns the GPU share.
    pub async fn calibrate(&self, bases: &[G1Affine], scalars: &[BigInt<4>]) -> Result<f64, Error> {
        let n = bases.len().min(scalars.len()).min(1 << 15);
        let (bases, scalars) = (&bases[..n], &scalars[..n]);
        let share = match self.usable_gpu() {
            None => 0.0,
            Some(gpu) if gpu.info().software => 0.0,
            Some(_) => {
                let t0 = now_ms();
                let _ = msm_cpu(bases, scalars);
                let cpu = (now_ms() - t0).max(0.01);
                let t1 = now_ms();
                let out = self.run_gpu(bases, scalars, &|| false).await?;
                let _ = out;
                let gpu = (now_ms() - t1).max(0.01);
                // Rates are points per ms; the balanced share equalises both finishing times.
                let (rc, rg) = (1.0 / cpu, 1.0 / gpu);
                rg / (rc + rg)
            }
        };
        if let Ok(mut s) = self.share.lock() {
            *s = Some(share);
        }
        Ok(share)
    }

    /// Run `bases[..]` x `scalars[..]` entirely on the GPU (in runs of at most
    /// `max_gpu_points`), checked. No fallback here.
    async fn run_gpu(
        &self,
        bases: &[G1Affine],
        scalars: &[BigInt<4>],
        cancel: &dyn Fn() -> bool,
    ) -> Result<G1Projective, Error> {
        let gpu = self
            .usable_gpu()
            .ok_or_else(|| Error::NoAdapter(self.gpu_unavailable_reason().unwrap_or_default()))?;
        let mut acc = G1Projective::zero();
        for (pending, plan, range) in self.submit_runs(gpu, bases, scalars, cancel).await? {
            let words = pending.finish().await?;
            acc += self.check(&plan, &bases[range], &words)?;
        }
        Ok(acc)
    }

    /// Plan and submit the GPU runs of `bases` (all submitted before any is awaited), inside
    /// one pair of error scopes popped as soon as they are submitted.
    #[allow(clippy::type_complexity)]
    async fn submit_runs(
        &self,
        gpu: &GpuContext,
        bases: &[G1Affine],
        scalars: &[BigInt<4>],
        cancel: &dyn Fn() -> bool,
    ) -> Result<Vec<(gpu::Pending, plan::Plan, std::ops::Range<usize>)>, Error> {
        let scopes = gpu.error_scopes();
        // Submit every run (the closure keeps `?` from skipping the scopes' pop).
        let submitted = (|| {
            let n = bases.len();
            let c_max = plan::windows_for(4);
            let per_run = self.config.max_gpu_points.min(gpu.max_points(c_max)).max(1);
            let mut runs = Vec::new();
            let mut start = 0;
            while start < n {
                if cancel() {
                    return Err(Error::Cancelled);
                }
                let end = (start + per_run).min(n);
                let plan =
                    plan::Plan::new(&bases[start..end], &scalars[start..end], &self.config.plan);
                let pending = gpu.submit(&plan, &bases[start..end], self.config.fault)?;
                runs.push((pending, plan, start..end));
                start = end;
            }
            Ok(runs)
        })();
        let scoped = scopes.pop().await;
        let runs = submitted?;
        scoped?;
        Ok(runs)
    }

    fn check(
        &self,
        plan: &plan::Plan,
        bases: &[G1Affine],
        words: &[u32],
    ) -> Result<G1Projective, Error> {
        let mut rng = self
            .rng
            .lock()
            .map(|r| r.clone())
            .unwrap_or_else(|_| check::SpotRng::new(seed()));
        let sums = check::check_output(plan, bases, words, self.config.spot_checks, &mut rng)?;
        if let Ok(mut r) = self.rng.lock() {
            r.below(2);
            *r = check::SpotRng::new(rng.below(u64::MAX));
        }
        Ok(plan.combine(&sums))
    }

    /// `sum scalars[i] bases[i]` with the configured backend, falling back to the CPU when the
    /// GPU is absent or fails (the report says why). Scalars must be canonical (below the group
    /// order `r`): see [`plan::scalars_to_bigints`]. `cancel` is polled between stages.
    pub async fn msm(
        &self,
        bases: &[G1Affine],
        scalars: &[BigInt<4>],
        cancel: &dyn Fn() -> bool,
    ) -> Result<MsmOutput, Error> {
        if bases.len() != scalars.len() {
            return Err(Error::Input(format!(
                "{} bases but {} scalars",
                bases.len(),
                scalars.len()
            )));
        }
        if let Some(i) = scalars.iter().position(|s| *s >= Fr::MODULUS) {
            return Err(Error::Input(format!(
                "scalar {i} is not below the group order"
            )));
        }
        let n = bases.len();
        let mut report = MsmReport::default();
        let share = match self.config.backend {
            Backend::Cpu => 0.0,
            Backend::Gpu => 1.0,
            Backend::Hybrid(f) => f.clamp(0.0, 1.0),
            Backend::Auto => match self.usable_gpu() {
                Some(g) if !g.info().software && n >= self.config.auto_min_points => {
                    let known = self.share.lock().ok().and_then(|s| *s);
                    match known {
                        Some(s) => s,
                        None => self.calibrate(bases, scalars).await.unwrap_or(0.0),
                    }
                }
                _ => 0.0,
            },
        };
        let share = if share < 0.02 {
            0.0
        } else if share > 0.98 {
            1.0
        } else {
            share
        };
        let mut k = ((n as f64) * share).round() as usize;
        if k > 0 && self.usable_gpu().is_none() {
            report.fallback = self.gpu_unavailable_reason().or(Some("no GPU".into()));
            k = 0;
        }

        // Submit the GPU share first, compute the CPU share while the GPU works, then collect.
        let mut gpu_result: Option<G1Projective> = None;
        let t_gpu = now_ms();
        let mut runs = Vec::new();
        if k > 0 {
            if let Some(gpu) = self.usable_gpu() {
                match self
                    .submit_runs(gpu, &bases[..k], &scalars[..k], cancel)
                    .await
                {
                    Ok(r) => runs = r,
                    Err(Error::Cancelled) => return Err(Error::Cancelled),
                    Err(e) => {
                        report.fallback = Some(e.to_string());
                        if !matches!(e, Error::TooLarge(_)) {
                            self.disable_gpu(&e.to_string());
                        }
                    }
                }
            }
        }
        let submitted = !runs.is_empty();
        let cpu_from = if submitted { k } else { 0 };
        let t_cpu = now_ms();
        let mut cpu_result = msm_cpu(&bases[cpu_from..], &scalars[cpu_from..]);
        report.cpu_ms = now_ms() - t_cpu;
        if cancel() {
            return Err(Error::Cancelled);
        }
        if submitted {
            let mut acc = G1Projective::zero();
            let mut failed = None;
            for (pending, plan, range) in runs {
                match pending
                    .finish()
                    .await
                    .and_then(|w| self.check(&plan, &bases[range.clone()], &w))
                {
                    Ok(r) => acc += r,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            match failed {
                None => gpu_result = Some(acc),
                Some(e) => {
                    report.fallback = Some(e.to_string());
                    self.disable_gpu(&e.to_string());
                    let t = now_ms();
                    cpu_result += msm_cpu(&bases[..k], &scalars[..k]);
                    report.cpu_ms += now_ms() - t;
                }
            }
            report.gpu_ms = now_ms() - t_gpu - report.cpu_ms;
        }
        let result = match gpu_result {
            Some(g) => {
                report.gpu_points = k;
                report.cpu_points = n - k;
                report.backend = if k == n { "gpu" } else { "hybrid" };
                g + cpu_result
            }
            None => {
                report.cpu_points = n;
                report.backend = "cpu";
                cpu_result
            }
        };
        Ok(MsmOutput { result, report })
    }

    /// Blocking [`Self::msm`] for native callers.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn msm_blocking(
        &self,
        bases: &[G1Affine],
        scalars: &[BigInt<4>],
    ) -> Result<MsmOutput, Error> {
        pollster::block_on(self.msm(bases, scalars, &|| false))
    }

    /// Blocking [`Self::new`] for native callers.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn new_blocking(config: MsmConfig) -> Self {
        pollster::block_on(Self::new(config))
    }
}
