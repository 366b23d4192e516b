//! The wasm-bindgen API, meant to run in a dedicated Web Worker (see `web-prover/js/`):
//!
//! ```js
//! import init, { initThreadPool, Prover } from "./zkagg_web_prover.js";
//! await init();
//! await initThreadPool(navigator.hardwareConcurrency);   // wasm-bindgen-rayon
//! const prover = await Prover.create({ backend: "auto" }); // "auto" | "cpu" | "gpu" | "hybrid:0.5"
//! const { proof, publicSignals, report } = await prover.prove(zkeyBlob, wtnsBytes, {
//!   chunkPoints: 1 << 18,
//!   onProgress: (phase, fraction, overall) => {},
//!   cancel: new Int32Array(new SharedArrayBuffer(4)), // set [0] to 1 (Atomics.store) to cancel
//! });
//! ```
//!
//! `proof` and `publicSignals` are exactly what `snarkjs.groth16.prove` returns (JSON objects
//! with decimal strings). Keys and witnesses may be `Blob`s/`File`s (read in chunks: a large key
//! never enters wasm memory whole) or `Uint8Array`s.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInt, PrimeField, UniformRand};
use js_sys::{Function, Int32Array, Object, Reflect, Uint8Array};
use rand::{Rng, SeedableRng};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use zkagg_gpu_msm::{msm_ark, now_ms, Backend, Fault, MsmConfig, MsmEngine};

use crate::batch::BatchShape;
use crate::prover::{prove_zkey, ProveOptions};
use crate::source::Source;
use crate::{Error, Result};

#[cfg(feature = "parallel")]
pub use wasm_bindgen_rayon::init_thread_pool;

/// Send Rust panics to the console (a panic in wasm is otherwise an opaque "unreachable").
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&JsValue::from_str(&format!(
            "zkagg-web-prover panic: {info}"
        )));
    }));
}

/// Bytes of this instance's linear memory (which never shrinks: the peak of the wasm heap).
pub fn memory_bytes() -> Option<u64> {
    let mem = wasm_bindgen::memory();
    let buf = Reflect::get(&mem, &"buffer".into()).ok()?;
    let len = Reflect::get(&buf, &"byteLength".into()).ok()?;
    len.as_f64().map(|v| v as u64)
}

fn js_err(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn io_err(what: &str, e: JsValue) -> Error {
    Error::Io {
        what: what.to_string(),
        problem: format!("{e:?}"),
    }
}

/// A `Blob` (or `File`), read in slices.
struct BlobSource {
    blob: web_sys::Blob,
    what: &'static str,
}

impl Source for BlobSource {
    fn len(&self) -> u64 {
        self.blob.size() as u64
    }

    fn read(&self, offset: u64, len: usize) -> impl Future<Output = Result<Vec<u8>>> {
        // Start the read now (the promise runs while the caller computes), await it later.
        let promise = self
            .blob
            .slice_with_f64_and_f64(offset as f64, offset as f64 + len as f64)
            .map(|b| b.array_buffer());
        let what = self.what;
        async move {
            let promise = promise.map_err(|e| io_err(what, e))?;
            let buf = JsFuture::from(promise).await.map_err(|e| io_err(what, e))?;
            let bytes = Uint8Array::new(&buf).to_vec();
            if bytes.len() != len {
                return Err(Error::Io {
                    what: what.to_string(),
                    problem: format!("short read: {} of {len} bytes", bytes.len()),
                });
            }
            Ok(bytes)
        }
    }
}

/// A `Uint8Array` (read by copying only the requested slice).
struct ArraySource {
    arr: Uint8Array,
    what: &'static str,
}

impl Source for ArraySource {
    fn len(&self) -> u64 {
        u64::from(self.arr.length())
    }

    async fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let end = offset + len as u64;
        if end > self.len() {
            return Err(Error::Io {
                what: self.what.to_string(),
                problem: "read past the end".into(),
            });
        }
        Ok(self.arr.subarray(offset as u32, end as u32).to_vec())
    }
}

enum AnySource {
    Blob(BlobSource),
    Array(ArraySource),
}

impl AnySource {
    fn new(v: JsValue, what: &'static str) -> Result<Self, JsError> {
        if let Some(blob) = v.dyn_ref::<web_sys::Blob>() {
            return Ok(AnySource::Blob(BlobSource {
                blob: blob.clone(),
                what,
            }));
        }
        if let Some(arr) = v.dyn_ref::<Uint8Array>() {
            return Ok(AnySource::Array(ArraySource {
                arr: arr.clone(),
                what,
            }));
        }
        if let Some(buf) = v.dyn_ref::<js_sys::ArrayBuffer>() {
            return Ok(AnySource::Array(ArraySource {
                arr: Uint8Array::new(buf),
                what,
            }));
        }
        Err(JsError::new(&format!(
            "{what}: expected a Blob, File, Uint8Array or ArrayBuffer"
        )))
    }
}

impl Source for AnySource {
    fn len(&self) -> u64 {
        match self {
            AnySource::Blob(b) => b.len(),
            AnySource::Array(a) => a.len(),
        }
    }

    async fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        match self {
            AnySource::Blob(b) => b.read(offset, len).await,
            AnySource::Array(a) => a.read(offset, len).await,
        }
    }
}

fn get(obj: &JsValue, key: &str) -> Option<JsValue> {
    if obj.is_undefined() || obj.is_null() {
        return None;
    }
    Reflect::get(obj, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn config_from(options: &JsValue) -> Result<MsmConfig, JsError> {
    let mut cfg = MsmConfig::default();
    if let Some(b) = get(options, "backend").and_then(|v| v.as_string()) {
        cfg.backend = b.parse().map_err(|e: String| JsError::new(&e))?;
    }
    cfg.fault = match get(options, "fault").and_then(|v| v.as_string()).as_deref() {
        None => None,
        Some("corrupt") => Some(Fault::CorruptOutput),
        Some("drop") => Some(Fault::DropEntries),
        Some(f) => {
            return Err(JsError::new(&format!(
                "fault {f:?}: expected corrupt or drop"
            )))
        }
    };
    Ok(cfg)
}

fn cancel_flag(options: &JsValue) -> Option<Int32Array> {
    get(options, "cancel").and_then(|v| v.dyn_into::<Int32Array>().ok())
}

fn cancelled(flag: &Option<Int32Array>) -> bool {
    match flag {
        Some(a) => js_sys::Atomics::load(a, 0).map(|v| v != 0).unwrap_or(false),
        None => false,
    }
}

/// A prover: an MSM engine (with its GPU device, if any) reused across proofs.
#[wasm_bindgen]
pub struct Prover {
    engine: Rc<MsmEngine>,
    /// The batch circuit's matrices for the last shape proved or prepared: a volunteer proves
    /// job after job of one shape, so they are built once per Worker.
    batch_shape: Rc<RefCell<Option<Rc<BatchShape>>>>,
    /// The last batch proving key parsed, with its bytes ([`key_for`]).
    batch_key: Rc<RefCell<Option<CachedKey>>>,
}

/// A parsed batch proving key and the bytes it came from. A volunteer proves job after job
/// with one key; parsing it (35.6 MB for the default batch) took about 120 ms of every proof
/// in the browser (`docs/BENCHMARKS.md`), while the bytes cost one comparison.
struct CachedKey {
    bytes: Vec<u8>,
    key: Rc<zkagg_core::ProvingKey>,
}

/// The proving key in `bytes`: the cached one if the bytes are the same, byte for byte,
/// otherwise parsed now (arkworks' uncompressed encoding, as `zkagg setup` writes it) and
/// cached in place of the old one (dropped first, so two keys never sit in memory at once).
/// Also says whether it came from the cache.
fn key_for(
    cache: &RefCell<Option<CachedKey>>,
    bytes: Vec<u8>,
) -> Result<(Rc<zkagg_core::ProvingKey>, bool), JsError> {
    use ark_serialize::{CanonicalDeserialize, Compress, Validate};
    if let Some(cached) = cache.borrow().as_ref().filter(|c| c.bytes == bytes) {
        return Ok((cached.key.clone(), true));
    }
    *cache.borrow_mut() = None;
    let key = Rc::new(
        zkagg_core::ProvingKey::deserialize_with_mode(&bytes[..], Compress::No, Validate::No)
            .map_err(|e| JsError::new(&format!("proving key: {e}")))?,
    );
    *cache.borrow_mut() = Some(CachedKey {
        bytes,
        key: key.clone(),
    });
    Ok((key, false))
}

/// The cached shape for `params`, or a new one (built now, and cached in place of the old).
/// Resolves to the shape and, when it was built by this call, the milliseconds it took.
fn shape_for(
    cache: &RefCell<Option<Rc<BatchShape>>>,
    params: &zkagg_core::batch::BatchParams,
) -> Result<(Rc<BatchShape>, Option<f64>)> {
    if let Some(shape) = cache.borrow().as_ref().filter(|s| s.params() == params) {
        return Ok((shape.clone(), None));
    }
    let t = now_ms();
    let shape = Rc::new(BatchShape::build(params)?);
    *cache.borrow_mut() = Some(shape.clone());
    Ok((shape, Some(now_ms() - t)))
}

/// `{ transfers, depth }` from JS, validated.
fn batch_params(params: &JsValue) -> Result<zkagg_core::batch::BatchParams, JsError> {
    let field = |name: &str| -> Result<usize, JsError> {
        let v = get(params, name).and_then(|v| v.as_f64()).ok_or_else(|| {
            JsError::new(&format!(
                "batch params: `{name}` is missing or not a number"
            ))
        })?;
        if v.fract() != 0.0 || !(0.0..=1e6).contains(&v) {
            return Err(JsError::new(&format!(
                "batch params: `{name}` = {v} is not a small whole number"
            )));
        }
        Ok(v as usize)
    };
    let params = zkagg_core::batch::BatchParams {
        transfers: field("transfers")?,
        depth: field("depth")?,
    };
    params.validate().map_err(js_err)?;
    Ok(params)
}

#[wasm_bindgen]
impl Prover {
    /// Open the engine: `{ backend: "auto" | "cpu" | "gpu" | "hybrid:<share>" }` (default auto:
    /// the GPU where it is a real one and helps). `fault: "corrupt" | "drop"` is a test hook that
    /// makes the GPU path return garbage (the checks must catch it).
    pub async fn create(options: JsValue) -> Result<Prover, JsError> {
        let cfg = config_from(&options)?;
        let engine = if cfg.backend == Backend::Cpu {
            MsmEngine::cpu_only()
        } else {
            MsmEngine::new(cfg).await
        };
        Ok(Prover {
            engine: Rc::new(engine),
            batch_shape: Rc::new(RefCell::new(None)),
            batch_key: Rc::new(RefCell::new(None)),
        })
    }

    /// The GPU adapter in use, or `undefined`.
    #[wasm_bindgen(getter)]
    pub fn gpu(&self) -> Option<String> {
        self.engine.gpu_info().map(|g| g.to_string())
    }

    /// Why no GPU is used, or `undefined`.
    #[wasm_bindgen(getter, js_name = gpuUnavailableReason)]
    pub fn gpu_unavailable_reason(&self) -> Option<String> {
        self.engine.gpu_unavailable_reason()
    }

    /// Prove (see the module documentation). Resolves to `{ proof, publicSignals, report }`.
    pub fn prove(&self, zkey: JsValue, wtns: JsValue, options: JsValue) -> js_sys::Promise {
        let engine = self.engine.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let zkey = AnySource::new(zkey, "zkey")?;
            let wtns = AnySource::new(wtns, "wtns")?;
            let mut opts = ProveOptions::default();
            if let Some(c) = get(&options, "chunkPoints").and_then(|v| v.as_f64()) {
                opts.chunk_points = (c as usize).max(1);
            }
            if let Some(s) = get(&options, "seed").and_then(|v| v.as_f64()) {
                opts.seed = Some(s as u64);
            }
            let on_progress =
                get(&options, "onProgress").and_then(|v| v.dyn_into::<Function>().ok());
            let flag = cancel_flag(&options);
            let mut last = (0.0f64, "");
            let mut progress = |p: &crate::Progress| {
                if let Some(f) = &on_progress {
                    // Rate-limit: phase changes and every 1% overall.
                    if p.phase.name() != last.1 || p.overall - last.0 >= 0.01 || p.overall >= 1.0 {
                        last = (p.overall, p.phase.name());
                        let _ = f.call3(
                            &JsValue::NULL,
                            &p.phase.name().into(),
                            &p.fraction.into(),
                            &p.overall.into(),
                        );
                    }
                }
            };
            let cancel = || cancelled(&flag);
            let out = prove_zkey(&zkey, &wtns, &engine, &opts, &mut progress, &cancel)
                .await
                .map_err(js_err)?;
            let result = Object::new();
            let parse = |s: String| js_sys::JSON::parse(&s);
            Reflect::set(&result, &"proof".into(), &parse(out.proof_json())?)?;
            Reflect::set(&result, &"publicSignals".into(), &parse(out.public_json())?)?;
            let report = serde_json::to_string(&out.report).map_err(js_err)?;
            Reflect::set(&result, &"report".into(), &parse(report)?)?;
            Ok(result.into())
        })
    }

    /// Test and benchmark hook: an MSM of `n` random points (multiples of the generator) with
    /// `kind` scalars ("random" or "skewed": 40% zero, 30% one, 15% small, 5% r-1, 10% random),
    /// on this engine and with arkworks' own MSM (the reference). Resolves to `{ equal, backend, fallback,
    /// engineMs, cpuMs, gpuMs, n }`.
    #[wasm_bindgen(js_name = msmCheck)]
    pub fn msm_check(&self, n: u32, kind: String, seed: u32) -> js_sys::Promise {
        let engine = self.engine.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let (bases, scalars) = random_msm(n as usize, &kind, u64::from(seed));
            let t = now_ms();
            let out = engine
                .msm(&bases, &scalars, &|| false)
                .await
                .map_err(js_err)?;
            let engine_ms = now_ms() - t;
            let t = now_ms();
            let expect = msm_ark(&bases, &scalars);
            let cpu_ms = now_ms() - t;
            let o = Object::new();
            Reflect::set(&o, &"equal".into(), &(out.result == expect).into())?;
            Reflect::set(&o, &"backend".into(), &out.report.backend.into())?;
            Reflect::set(
                &o,
                &"fallback".into(),
                &out.report
                    .fallback
                    .clone()
                    .map(JsValue::from)
                    .unwrap_or(JsValue::NULL),
            )?;
            Reflect::set(&o, &"engineMs".into(), &engine_ms.into())?;
            Reflect::set(&o, &"cpuMs".into(), &cpu_ms.into())?;
            Reflect::set(&o, &"gpuMs".into(), &out.report.gpu_ms.into())?;
            Reflect::set(&o, &"n".into(), &n.into())?;
            Ok(o.into())
        })
    }

    /// Build (or find cached) the batch circuit's matrices for `params` `{ transfers, depth }`,
    /// so that the first [`Self::prove_batch`] of that shape does not pay for them: call it while
    /// the proving key downloads. Resolves to `{ constraints, terms, ms, cached }`.
    #[wasm_bindgen(js_name = prepareBatch)]
    pub fn prepare_batch(&self, params: JsValue) -> js_sys::Promise {
        let cache = self.batch_shape.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let params = batch_params(&params)?;
            let (shape, ms) = shape_for(&cache, &params).map_err(js_err)?;
            let out = Object::new();
            Reflect::set(
                &out,
                &"constraints".into(),
                &(shape.num_constraints() as f64).into(),
            )?;
            Reflect::set(&out, &"terms".into(), &(shape.terms() as f64).into())?;
            Reflect::set(&out, &"ms".into(), &ms.unwrap_or(0.0).into())?;
            Reflect::set(&out, &"cached".into(), &ms.is_none().into())?;
            Ok(out.into())
        })
    }

    /// Prove a batch of the project's rollup circuit: `pk` is the arkworks proving key as
    /// `zkagg setup` writes it (`batch.pk.bin`, uncompressed), `params` `{ transfers, depth }`
    /// (`batch-params.json`), `witness` a `BatchWitness` in arkworks' compressed encoding (what a
    /// coordinator ships to volunteers). Resolves to `{ proof, publicSignals, report }` (snarkjs
    /// JSON; `report`: constraints, variables, domainSize, phaseMs, totalMs, with a `shape`
    /// phase when the circuit's matrices were built by this call, and `keyCached`: whether the
    /// key was the one this Worker parsed last, found by comparing the bytes (then `load` is
    /// only the copy and the comparison).
    #[wasm_bindgen(js_name = proveBatch)]
    pub fn prove_batch(
        &self,
        pk: Uint8Array,
        params: JsValue,
        witness: Uint8Array,
        options: JsValue,
    ) -> js_sys::Promise {
        let engine = self.engine.clone();
        let cache = self.batch_shape.clone();
        let key_cache = self.batch_key.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            use ark_serialize::{CanonicalDeserialize, Compress, Validate};
            let t = now_ms();
            let params = batch_params(&params)?;
            let (pk, key_cached) = key_for(&key_cache, pk.to_vec())?;
            let witness = zkagg_core::batch::BatchWitness::deserialize_with_mode(
                &witness.to_vec()[..],
                Compress::Yes,
                Validate::Yes,
            )
            .map_err(|e| JsError::new(&format!("batch witness: {e}")))?;
            let load_ms = now_ms() - t;
            let (shape, shape_ms) = shape_for(&cache, &params).map_err(js_err)?;
            let mut before = vec![("load".to_string(), load_ms)];
            if let Some(ms) = shape_ms {
                before.push(("shape".to_string(), ms));
            }
            let result = batch_result(&engine, &pk, &shape, &witness, &options, before).await?;
            let report = Reflect::get(&result, &"report".into())?;
            Reflect::set(&report, &"keyCached".into(), &key_cached.into())?;
            Ok(result)
        })
    }

    /// Self-contained demo and test of [`Self::prove_batch`]: a single-party setup (test keys!)
    /// of a small batch circuit, a random valid batch, its proof (through the same code path) and
    /// its verification, all in this Worker. Resolves to `{ proof, publicSignals, valid, setupMs,
    /// proveMs, vk, pk, witness }` (`vk` snarkjs JSON; `pk`, `witness` the bytes
    /// [`Self::prove_batch`] takes).
    #[wasm_bindgen(js_name = batchDemo)]
    pub fn batch_demo(&self, transfers: u32, depth: u32, seed: u32) -> js_sys::Promise {
        let engine = self.engine.clone();
        let cache = self.batch_shape.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            use zkagg_core::batch::{self, random_genesis_and_batch, BatchParams};
            let params = BatchParams {
                transfers: transfers as usize,
                depth: depth as usize,
            };
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(u64::from(seed));
            let t = now_ms();
            let (pk, vk) = batch::setup(&params, &mut rng).map_err(js_err)?;
            let setup_ms = now_ms() - t;
            let (mut tree, transfers) =
                random_genesis_and_batch(&params, &mut rng).map_err(js_err)?;
            let (_, witness) = tree.apply_batch(&params, &transfers).map_err(js_err)?;
            let t = now_ms();
            let (shape, _) = shape_for(&cache, &params).map_err(js_err)?;
            let out = batch_result(
                &engine,
                &pk,
                &shape,
                &witness,
                &JsValue::UNDEFINED,
                Vec::new(),
            )
            .await?;
            let prove_ms = now_ms() - t;
            let proof = zkagg_core::formats::snarkjs::proof_from_value(
                &serde_json::from_str(
                    &js_sys::JSON::stringify(&Reflect::get(&out, &"proof".into())?)?
                        .as_string()
                        .unwrap_or_default(),
                )
                .map_err(js_err)?,
            )
            .map_err(js_err)?;
            let inputs = witness.statement().public_inputs();
            let valid = zkagg_core::verifier::verify(&vk, &proof, &inputs).map_err(js_err)?;
            Reflect::set(&out, &"valid".into(), &valid.into())?;
            // What a coordinator would hand out: the key (snarkjs JSON vk for verifiers, the
            // proving key as `zkagg setup` writes it) and the witness, for `proveBatch`.
            use ark_serialize::{CanonicalSerialize, Compress};
            let vk_json = zkagg_core::formats::snarkjs::verifying_key_to_string(&vk);
            Reflect::set(&out, &"vk".into(), &js_sys::JSON::parse(&vk_json)?)?;
            let mut pk_bytes = Vec::new();
            pk.serialize_with_mode(&mut pk_bytes, Compress::No)
                .map_err(js_err)?;
            let mut witness_bytes = Vec::new();
            witness
                .serialize_with_mode(&mut witness_bytes, Compress::Yes)
                .map_err(js_err)?;
            Reflect::set(&out, &"pk".into(), &Uint8Array::from(&pk_bytes[..]))?;
            Reflect::set(
                &out,
                &"witness".into(),
                &Uint8Array::from(&witness_bytes[..]),
            )?;
            Reflect::set(&out, &"setupMs".into(), &setup_ms.into())?;
            Reflect::set(&out, &"proveMs".into(), &prove_ms.into())?;
            Ok(out)
        })
    }

    /// Peak bytes of this instance's linear memory.
    #[wasm_bindgen(js_name = memoryBytes)]
    pub fn memory_bytes_js(&self) -> f64 {
        memory_bytes().unwrap_or(0) as f64
    }
}

async fn batch_result(
    engine: &MsmEngine,
    pk: &zkagg_core::ProvingKey,
    shape: &BatchShape,
    witness: &zkagg_core::batch::BatchWitness,
    options: &JsValue,
    before: Vec<(String, f64)>,
) -> Result<JsValue, JsValue> {
    let on_progress = get(options, "onProgress").and_then(|v| v.dyn_into::<Function>().ok());
    let flag = cancel_flag(options);
    let mut progress = |phase: &str, f: f64| {
        if let Some(cb) = &on_progress {
            let _ = cb.call2(&JsValue::NULL, &phase.into(), &f.into());
        }
    };
    let cancel = || cancelled(&flag);
    let out = crate::batch::prove_batch(pk, shape, witness, engine, None, &mut progress, &cancel)
        .await
        .map_err(js_err)?;
    let mut report = out.report;
    report.total_ms += before.iter().map(|p| p.1).sum::<f64>();
    report.phase_ms.splice(0..0, before);
    let result = Object::new();
    let parse = |s: String| js_sys::JSON::parse(&s);
    Reflect::set(
        &result,
        &"proof".into(),
        &parse(zkagg_core::formats::snarkjs::proof_to_string(&out.proof))?,
    )?;
    Reflect::set(
        &result,
        &"publicSignals".into(),
        &parse(zkagg_core::formats::snarkjs::public_inputs_to_string(
            &out.inputs,
        ))?,
    )?;
    Reflect::set(&result, &"report".into(), &batch_report_js(&report)?)?;
    Ok(result.into())
}

/// `{ constraints, variables, domainSize, phaseMs: { phase: ms, ... }, totalMs }`.
fn batch_report_js(report: &crate::batch::BatchReport) -> Result<JsValue, JsValue> {
    let out = Object::new();
    Reflect::set(
        &out,
        &"constraints".into(),
        &(report.constraints as f64).into(),
    )?;
    Reflect::set(&out, &"variables".into(), &(report.variables as f64).into())?;
    Reflect::set(
        &out,
        &"domainSize".into(),
        &(report.domain_size as f64).into(),
    )?;
    let phases = Object::new();
    for (name, ms) in &report.phase_ms {
        Reflect::set(&phases, &name.as_str().into(), &(*ms).into())?;
    }
    Reflect::set(&out, &"phaseMs".into(), &phases)?;
    Reflect::set(&out, &"totalMs".into(), &report.total_ms.into())?;
    Ok(out.into())
}

/// Threads in the rayon pool (1 without threads).
#[wasm_bindgen(js_name = threadCount)]
pub fn thread_count() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Random MSM inputs (see [`Prover::msm_check`]).
fn random_msm(n: usize, kind: &str, seed: u64) -> (Vec<G1Affine>, Vec<BigInt<4>>) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let g = G1Projective::generator();
    let step = g * Fr::rand(&mut rng);
    let start = g * Fr::rand(&mut rng);
    // Points in parallel blocks: block k starts at start + k * 1024 * step.
    let block = 1024usize;
    let big_step = step * Fr::from(block as u64);
    let blocks = n.div_ceil(block);
    let make = |k: usize| -> Vec<G1Projective> {
        let mut acc = start + big_step * Fr::from(k as u64);
        let len = block.min(n - k * block);
        (0..len)
            .map(|_| {
                acc += step;
                acc
            })
            .collect()
    };
    #[cfg(feature = "parallel")]
    let proj: Vec<G1Projective> = {
        use rayon::prelude::*;
        (0..blocks).into_par_iter().flat_map_iter(make).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let proj: Vec<G1Projective> = (0..blocks).flat_map(make).collect();
    let bases = G1Projective::normalize_batch(&proj);
    let scalars = (0..n)
        .map(|_| {
            if kind == "skewed" {
                match rng.gen_range(0..100) {
                    0..=39 => BigInt::from(0u64),
                    40..=69 => BigInt::from(1u64),
                    70..=84 => BigInt::from(rng.gen_range(2u64..1 << 16)),
                    85..=89 => (-Fr::from(1u64)).into_bigint(),
                    _ => Fr::rand(&mut rng).into_bigint(),
                }
            } else {
                Fr::rand(&mut rng).into_bigint()
            }
        })
        .collect();
    (bases, scalars)
}

/// Test hook: the 29-bit-limb field checked against arkworks in this build, edge values and
/// `randoms` random ones: `[msm, pairing]`, the number of comparisons of the MSM's coordinates
/// (`zkagg_gpu_msm::cpu::coordinates_agree_with_arkworks`) and of the arkworks field backend
/// the wasm verifier's pairing runs on (`zkagg_field29::self_check`), and of the QAP's scalar
/// field and FFTs (`crate::fft::qap_field_agrees_with_arkworks`). A mismatch is an error
/// naming the operation and its operands.
#[wasm_bindgen(js_name = fieldSelfTest)]
pub fn field_self_test(randoms: u32) -> Result<Vec<u32>, JsError> {
    let msm = zkagg_gpu_msm::cpu::coordinates_agree_with_arkworks(randoms as usize)
        .map_err(|e| JsError::new(&format!("29-bit field differs from arkworks: {e}")))?;
    let pairing = zkagg_field29::self_check::backend_agrees_with_arkworks(randoms as usize)
        .map_err(|e| JsError::new(&format!("29-bit field backend differs from arkworks: {e}")))?;
    let qap = crate::fft::qap_field_agrees_with_arkworks(randoms as usize)
        .map_err(|e| JsError::new(&format!("29-bit scalar field differs from arkworks: {e}")))?;
    Ok(vec![msm as u32, pairing as u32, qap as u32])
}

/// Benchmark hook: nanoseconds per base-field multiplication in this build, arkworks' vs the
/// 29-bit-limb one the CPU MSM uses in wasm (`[ark_ns, fq29_ns]`, a dependent chain of `n`
/// products each; the chains are compared so the work cannot be skipped).
#[wasm_bindgen(js_name = benchFieldMul)]
pub fn bench_field_mul(n: u32) -> Result<Vec<f64>, JsError> {
    use ark_bn254::Fq;
    use zkagg_gpu_msm::fq29::Fq29;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let (a0, b) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
    let t = now_ms();
    let mut a = a0;
    for _ in 0..n {
        a *= b;
    }
    let ark = now_ms() - t;
    let (b29, mut c) = (Fq29::from_ark(&b), Fq29::from_ark(&a0));
    let t = now_ms();
    for _ in 0..n {
        c = c.mul(&b29);
    }
    let fast = now_ms() - t;
    if c.to_ark() != a {
        return Err(JsError::new("29-bit product chain differs from arkworks"));
    }
    Ok(vec![ark * 1e6 / f64::from(n), fast * 1e6 / f64::from(n)])
}
