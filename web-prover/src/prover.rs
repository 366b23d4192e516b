//! The streaming Groth16 prover for snarkjs keys: `.zkey` + `.wtns` in, a proof that snarkjs
//! (and zkagg) verify out, the same statement as `snarkjs groth16 prove`.
//!
//! Memory: the witness is read whole (32 bytes per signal); the key is read section by section
//! and point sections in chunks of [`ProveOptions::chunk_points`] points, each chunk's MSM
//! accumulated into a running sum (an MSM is linear, so chunking changes nothing but memory).
//! The peak is the QAP step: three vectors of `domainSize` field elements (96 MB at 2^20) plus
//! the witness, far below what the whole key would take (~700 MB at 2^20).
//!
//! The proof (with `r`, `s` random):
//! `A = alpha1 + sum w_i A_i + r delta1`, `B = beta2 + sum w_i B2_i + s delta2` (G2),
//! `B1 = beta1 + sum w_i B1_i + s delta1`,
//! `C = sum_{private} w_i C_i + sum h_j H_j + s A + r B1 - r s delta1`, with `h` from [`crate::qap`].
//! Before returning, the proof is verified against the key's own verifying key (alpha1, beta2,
//! gamma2, delta2, IC): a witness that does not satisfy the circuit is an error, not a bad proof.

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, BigInteger, PrimeField, UniformRand, Zero};
use rand::SeedableRng;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use zkagg_core::{Proof, VerifyingKey};
use zkagg_gpu_msm::{now_ms, MsmEngine, MsmReport};

use crate::format::{
    self, check_points_section, parse_g1s, parse_g2s, read_wtns, read_zkey_header, BinFile,
    ZkeyHeader, COEFF_BYTES, G1_BYTES, G2_BYTES,
};
use crate::qap::{self, h_scalars, AbAccumulator, QapField};
use crate::source::Source;
use crate::{Error, Result};

/// Options of a proof.
#[derive(Clone, Debug)]
pub struct ProveOptions {
    /// Points per chunk, G1 and G2 alike: the memory/throughput knob. A chunk is one MSM
    /// with its own bucket reductions, so splitting a section costs time: G2 chunks were half
    /// as many points (for the same bytes), and one 2^18-point G2 MSM instead of two of 2^17
    /// took 7.2 against 7.9 s in wasm (one thread; docs/BENCHMARKS.md).
    pub chunk_points: usize,
    /// Verify the proof against the key before returning it (a pairing check: milliseconds).
    pub self_check: bool,
    /// Deterministic blinding `r`, `s` from this seed (tests only: a proof's zero knowledge needs
    /// fresh randomness).
    pub seed: Option<u64>,
}

impl Default for ProveOptions {
    fn default() -> Self {
        Self {
            chunk_points: 1 << 18,
            self_check: true,
            seed: None,
        }
    }
}

/// The phases of a proof, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading the witness and the key's header.
    Load,
    /// Evaluating A and B from the key's coefficients.
    Qap,
    /// The six FFTs of the H polynomial.
    Fft,
    /// MSM over PointsA.
    MsmA,
    /// MSM over PointsB1.
    MsmB1,
    /// MSM over PointsB2 (G2, CPU).
    MsmB2,
    /// MSM over PointsC.
    MsmC,
    /// MSM over PointsH.
    MsmH,
    /// Assembling and self-checking the proof.
    Finish,
}

impl Phase {
    /// Snake-case name ("msm_a", ...).
    pub fn name(self) -> &'static str {
        match self {
            Phase::Load => "load",
            Phase::Qap => "qap",
            Phase::Fft => "fft",
            Phase::MsmA => "msm_a",
            Phase::MsmB1 => "msm_b1",
            Phase::MsmB2 => "msm_b2",
            Phase::MsmC => "msm_c",
            Phase::MsmH => "msm_h",
            Phase::Finish => "finish",
        }
    }
}

/// A progress report: the phase, how far it is, and how far the whole proof is (both 0..=1; the
/// overall figure weighs phases by their estimated cost).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Progress {
    /// Current phase.
    pub phase: Phase,
    /// Fraction of the phase done.
    pub fraction: f64,
    /// Fraction of the proof done.
    pub overall: f64,
}

/// How one MSM phase ran.
#[derive(Clone, Debug, Serialize)]
pub struct MsmSummary {
    /// The phase.
    pub phase: Phase,
    /// Points.
    pub points: usize,
    /// Backends used by its chunks ("cpu", "gpu", "hybrid"; G2 is always "cpu").
    pub backends: Vec<String>,
    /// GPU fallback reasons seen, if any.
    pub fallbacks: Vec<String>,
}

/// What happened during a proof.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ProveReport {
    /// Signals (wires).
    pub n_vars: usize,
    /// Public signals.
    pub n_public: usize,
    /// Domain size.
    pub domain_size: usize,
    /// Milliseconds per phase, in order.
    pub phase_ms: Vec<(String, f64)>,
    /// Total milliseconds.
    pub total_ms: f64,
    /// The MSMs.
    pub msms: Vec<MsmSummary>,
    /// Peak memory of the process (native: peak RSS) or of the wasm instance (its linear memory,
    /// which never shrinks), in bytes, when known.
    pub peak_memory_bytes: Option<u64>,
    /// The GPU adapter, if one was used or available.
    pub gpu: Option<String>,
}

/// A proof with its public signals.
#[derive(Clone, Debug)]
pub struct ProofOutput {
    /// The proof.
    pub proof: Proof,
    /// Public signals (`witness[1..=nPublic]`).
    pub public: Vec<Fr>,
    /// What happened.
    pub report: ProveReport,
}

impl ProofOutput {
    /// snarkjs `proof.json` text.
    pub fn proof_json(&self) -> String {
        zkagg_core::formats::snarkjs::proof_to_string(&self.proof)
    }

    /// snarkjs `public.json` text.
    pub fn public_json(&self) -> String {
        zkagg_core::formats::snarkjs::public_inputs_to_string(&self.public)
    }
}

/// Peak memory (see [`ProveReport::peak_memory_bytes`]).
pub fn peak_memory_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::wasm::memory_bytes()
    }
    #[cfg(all(not(target_arch = "wasm32"), target_os = "linux"))]
    {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }
    #[cfg(all(not(target_arch = "wasm32"), not(target_os = "linux")))]
    {
        None
    }
}

/// Progress bookkeeping: phase weights and callback.
struct Tracker<'a> {
    progress: &'a mut dyn FnMut(&Progress),
    weights: Vec<(Phase, f64)>,
    phase_start: f64,
    report: ProveReport,
}

impl Tracker<'_> {
    fn overall(&self, phase: Phase, fraction: f64) -> f64 {
        let total: f64 = self.weights.iter().map(|w| w.1).sum();
        let mut done = 0.0;
        for (p, w) in &self.weights {
            if *p == phase {
                done += w * fraction.clamp(0.0, 1.0);
                break;
            }
            done += w;
        }
        if total > 0.0 {
            (done / total).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    fn tick(&mut self, phase: Phase, fraction: f64) {
        let p = Progress {
            phase,
            fraction: fraction.clamp(0.0, 1.0),
            overall: self.overall(phase, fraction),
        };
        (self.progress)(&p);
    }

    fn end(&mut self, phase: Phase) {
        let now = now_ms();
        self.report
            .phase_ms
            .push((phase.name().to_string(), now - self.phase_start));
        self.phase_start = now;
        self.tick(phase, 1.0);
    }
}

fn check_cancel(cancel: &dyn Fn() -> bool) -> Result<()> {
    if cancel() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

/// A chunk's read in flight.
type ChunkRead<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>>> + 'a>>;

/// The chunks of a points section whose scalars are not all zero, read one ahead: the next
/// chunk's read is started before the current chunk is handed out (and computed), so I/O
/// overlaps compute where the source is truly asynchronous, as a browser `Blob` is.
struct ChunkReader<'a, S: Source> {
    src: &'a S,
    offset: u64,
    point_bytes: usize,
    ranges: Vec<(usize, usize)>,
    index: usize,
    pending: Option<ChunkRead<'a>>,
}

impl<'a, S: Source> ChunkReader<'a, S> {
    /// Chunks of `chunk` points (at least one) of the section at `offset`, one per range of
    /// `scalars`, skipping ranges whose scalars are all zero.
    fn new(
        src: &'a S,
        offset: u64,
        point_bytes: usize,
        scalars: &[BigInt<4>],
        chunk: usize,
    ) -> Self {
        let (count, chunk) = (scalars.len(), chunk.max(1));
        let ranges: Vec<(usize, usize)> = (0..count)
            .step_by(chunk)
            .map(|s| (s, (s + chunk).min(count)))
            .filter(|&(s, e)| scalars[s..e].iter().any(|x| !x.is_zero()))
            .collect();
        let mut reader = ChunkReader {
            src,
            offset,
            point_bytes,
            ranges,
            index: 0,
            pending: None,
        };
        reader.pending = reader.read(0);
        reader
    }

    fn read(&self, i: usize) -> Option<ChunkRead<'a>> {
        let (s, e) = *self.ranges.get(i)?;
        let (src, offset, size) = (self.src, self.offset, self.point_bytes);
        Some(Box::pin(
            src.read(offset + (s * size) as u64, (e - s) * size),
        ))
    }

    /// The next chunk: its point range and bytes.
    async fn next(&mut self) -> Option<Result<((usize, usize), Vec<u8>)>> {
        let current = self.pending.take()?;
        let bytes = current.await;
        let range = self.ranges[self.index];
        self.index += 1;
        self.pending = self.read(self.index);
        Some(bytes.map(|b| (range, b)))
    }
}

/// MSM of a G1 points section against `scalars`, read in chunks ([`ChunkReader`]).
#[allow(clippy::too_many_arguments)]
async fn msm_g1_section<S: Source>(
    src: &S,
    bin: &BinFile,
    kind: u32,
    scalars: &[BigInt<4>],
    engine: &MsmEngine,
    chunk: usize,
    phase: Phase,
    tracker: &mut Tracker<'_>,
    cancel: &dyn Fn() -> bool,
) -> Result<G1Projective> {
    let count = scalars.len();
    let sec = check_points_section(bin, kind, count, G1_BYTES)?;
    let mut summary = MsmSummary {
        phase,
        points: count,
        backends: Vec::new(),
        fallbacks: Vec::new(),
    };
    let mut chunks = ChunkReader::new(src, sec.offset, G1_BYTES, scalars, chunk);
    let mut acc = G1Projective::zero();
    loop {
        check_cancel(cancel)?;
        let Some(next) = chunks.next().await else {
            break;
        };
        let ((s, e), bytes) = next?;
        let points: Vec<G1Affine> = parse_g1s(&bytes, kind, s)?;
        drop(bytes);
        let out = engine.msm(&points, &scalars[s..e], cancel).await?;
        acc += out.result;
        note(&mut summary, &out.report);
        tracker.tick(phase, e as f64 / count.max(1) as f64);
    }
    tracker.report.msms.push(summary);
    Ok(acc)
}

fn note(summary: &mut MsmSummary, r: &MsmReport) {
    if !summary.backends.iter().any(|b| b == r.backend) {
        summary.backends.push(r.backend.to_string());
    }
    if let Some(f) = &r.fallback {
        if !summary.fallbacks.contains(f) {
            summary.fallbacks.push(f.clone());
        }
    }
}

/// The G2 MSM over PointsB2 (CPU, arkworks), chunked like [`msm_g1_section`].
async fn msm_g2_section<S: Source>(
    src: &S,
    bin: &BinFile,
    scalars: &[BigInt<4>],
    chunk: usize,
    tracker: &mut Tracker<'_>,
    cancel: &dyn Fn() -> bool,
) -> Result<G2Projective> {
    let count = scalars.len();
    let sec = check_points_section(bin, 7, count, G2_BYTES)?;
    // As many points per chunk as G1 (twice the bytes): see ProveOptions::chunk_points.
    let mut chunks = ChunkReader::new(src, sec.offset, G2_BYTES, scalars, chunk);
    let mut acc = G2Projective::zero();
    loop {
        check_cancel(cancel)?;
        let Some(next) = chunks.next().await else {
            break;
        };
        let ((s, e), bytes) = next?;
        let points: Vec<G2Affine> = parse_g2s(&bytes, 7, s)?;
        drop(bytes);
        acc += zkagg_gpu_msm::cpu::msm(&points, &scalars[s..e]);
        tracker.tick(Phase::MsmB2, e as f64 / count.max(1) as f64);
    }
    tracker.report.msms.push(MsmSummary {
        phase: Phase::MsmB2,
        points: count,
        backends: vec!["cpu".into()],
        fallbacks: Vec::new(),
    });
    Ok(acc)
}

/// The verifying key a zkey carries (header points + IC).
pub async fn zkey_verifying_key<S: Source>(
    src: &S,
    bin: &BinFile,
    header: &ZkeyHeader,
) -> Result<VerifyingKey> {
    let ic = check_points_section(bin, 3, header.n_public + 1, G1_BYTES)?;
    let bytes = src.read(ic.offset, ic.size as usize).await?;
    let ic = parse_g1s(&bytes, 3, 0)?;
    Ok(VerifyingKey {
        alpha_g1: header.alpha1,
        beta_g2: header.beta2,
        gamma_g2: header.gamma2,
        delta_g2: header.delta2,
        gamma_abc_g1: ic,
    })
}

/// Read the verifying key of a zkey (like `snarkjs zkey export verificationkey`).
pub async fn read_verifying_key<S: Source>(zkey: &S) -> Result<VerifyingKey> {
    let bin = BinFile::read(zkey, "zkey", 1).await?;
    let header = read_zkey_header(zkey, &bin).await?;
    zkey_verifying_key(zkey, &bin, &header).await
}

/// Prove: see the module documentation. `progress` is called often (per chunk); `cancel` is
/// polled between chunks and FFTs and stops the proof with [`Error::Cancelled`].
pub async fn prove_zkey<Z: Source, W: Source>(
    zkey: &Z,
    wtns: &W,
    engine: &MsmEngine,
    opts: &ProveOptions,
    progress: &mut dyn FnMut(&Progress),
    cancel: &dyn Fn() -> bool,
) -> Result<ProofOutput> {
    let t0 = now_ms();
    let mut tracker = Tracker {
        progress,
        weights: vec![(Phase::Load, 1.0)],
        phase_start: t0,
        report: ProveReport {
            gpu: engine.gpu_info().map(|g| g.to_string()),
            ..ProveReport::default()
        },
    };
    tracker.tick(Phase::Load, 0.0);
    let witness = read_wtns(wtns).await?;
    check_cancel(cancel)?;
    let bin = BinFile::read(zkey, "zkey", 1).await?;
    let header = read_zkey_header(zkey, &bin).await?;
    if witness.values.len() != header.n_vars {
        return Err(Error::Mismatch(format!(
            "the witness has {} values, the key {} signals",
            witness.values.len(),
            header.n_vars
        )));
    }
    let (n, nv, np) = (header.domain_size, header.n_vars, header.n_public);
    tracker.report.n_vars = nv;
    tracker.report.n_public = np;
    tracker.report.domain_size = n;
    let coeffs = bin.section(4)?;
    if coeffs.size < 4 {
        return Err(Error::zkey(4, "too short"));
    }
    let n_coeffs = format::u32_at(&zkey.read(coeffs.offset, 4).await?, 0) as usize;
    if coeffs.size != 4 + (n_coeffs * COEFF_BYTES) as u64 {
        return Err(Error::zkey(
            4,
            format!(
                "{} bytes for {n_coeffs} coefficients of {COEFF_BYTES} bytes",
                coeffs.size
            ),
        ));
    }
    // Relative costs (about one unit per G1 point of an MSM).
    let log_n = f64::from(header.power.max(1));
    tracker.weights = vec![
        (Phase::Load, 0.02 * nv as f64),
        (Phase::Qap, 0.1 * n_coeffs as f64),
        (Phase::Fft, 0.3 * n as f64 * log_n / 16.0),
        (Phase::MsmA, nv as f64),
        (Phase::MsmB1, nv as f64),
        (Phase::MsmB2, 3.0 * nv as f64),
        (Phase::MsmC, (nv - np - 1) as f64),
        (Phase::MsmH, n as f64),
        (Phase::Finish, 0.02 * nv as f64),
    ];
    tracker.end(Phase::Load);

    // QAP: A, B evaluations from the coefficients, streamed.
    let w_fr = qap::witness_in::<QapField>(&witness.values);
    let mut ab = AbAccumulator::<QapField>::new(n, nv);
    let per_chunk = (opts.chunk_points * 2).max(1);
    let mut first = 0;
    while first < n_coeffs {
        check_cancel(cancel)?;
        let count = per_chunk.min(n_coeffs - first);
        let bytes = zkey
            .read(
                coeffs.offset + 4 + (first * COEFF_BYTES) as u64,
                count * COEFF_BYTES,
            )
            .await?;
        ab.add_chunk(&bytes, first, &w_fr)?;
        first += count;
        tracker.tick(Phase::Qap, first as f64 / n_coeffs.max(1) as f64);
    }
    drop(w_fr);
    tracker.end(Phase::Qap);

    // H scalars.
    let h = {
        let tr = &mut tracker;
        h_scalars(ab, |done| {
            tr.tick(Phase::Fft, done as f64 / 6.0);
            check_cancel(cancel)
        })?
    };
    tracker.end(Phase::Fft);

    let chunk = opts.chunk_points.max(1);
    let w = &witness.values;
    let pi_a = msm_g1_section(
        zkey,
        &bin,
        5,
        w,
        engine,
        chunk,
        Phase::MsmA,
        &mut tracker,
        cancel,
    )
    .await?;
    tracker.end(Phase::MsmA);
    let b1 = msm_g1_section(
        zkey,
        &bin,
        6,
        w,
        engine,
        chunk,
        Phase::MsmB1,
        &mut tracker,
        cancel,
    )
    .await?;
    tracker.end(Phase::MsmB1);
    let pi_b = msm_g2_section(zkey, &bin, w, chunk, &mut tracker, cancel).await?;
    tracker.end(Phase::MsmB2);
    let pi_c = msm_g1_section(
        zkey,
        &bin,
        8,
        &w[np + 1..],
        engine,
        chunk,
        Phase::MsmC,
        &mut tracker,
        cancel,
    )
    .await?;
    tracker.end(Phase::MsmC);
    let res_h = msm_g1_section(
        zkey,
        &bin,
        9,
        &h,
        engine,
        chunk,
        Phase::MsmH,
        &mut tracker,
        cancel,
    )
    .await?;
    drop(h);
    tracker.end(Phase::MsmH);

    let (r, s) = match opts.seed {
        Some(seed) => {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
            (Fr::rand(&mut rng), Fr::rand(&mut rng))
        }
        None => {
            let mut rng = rand::rngs::OsRng;
            (Fr::rand(&mut rng), Fr::rand(&mut rng))
        }
    };
    let delta1 = header.delta1.into_group();
    let a = pi_a + header.alpha1 + delta1 * r;
    let b = pi_b + header.beta2 + header.delta2.into_group() * s;
    let b1 = b1 + header.beta1 + delta1 * s;
    let c = pi_c + res_h + a * s + b1 * r - delta1 * (r * s);
    let proof = Proof {
        a: a.into_affine(),
        b: b.into_affine(),
        c: c.into_affine(),
    };
    let public: Vec<Fr> = w[1..=np]
        .iter()
        .map(|v| Fr::from_bigint(*v).unwrap_or_default())
        .collect();
    if opts.self_check {
        let vk = zkey_verifying_key(zkey, &bin, &header).await?;
        if !zkagg_core::verifier::verify(&vk, &proof, &public)? {
            return Err(Error::SelfCheck);
        }
    }
    tracker.end(Phase::Finish);
    let mut report = tracker.report;
    report.total_ms = now_ms() - t0;
    report.peak_memory_bytes = peak_memory_bytes();
    Ok(ProofOutput {
        proof,
        public,
        report,
    })
}

/// Blocking [`prove_zkey`] on files (native).
#[cfg(not(target_arch = "wasm32"))]
pub fn prove_files(
    zkey: &std::path::Path,
    wtns: &std::path::Path,
    engine: &MsmEngine,
    opts: &ProveOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ProofOutput> {
    let z = crate::source::FileSource::open(zkey)?;
    let w = crate::source::FileSource::open(wtns)?;
    pollster::block_on(prove_zkey(&z, &w, engine, opts, progress, &|| false))
}
