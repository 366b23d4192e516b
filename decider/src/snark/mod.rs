//! Groth16 with a **committed input block** (LegoGroth16-style), on snarkjs `.zkey` files.
//!
//! The circuit's public inputs are `(a_1 .. a_p, w_1 .. w_n)`: `p` *plain* inputs (the decider
//! has one, the statement digest `P`) and the *committed block* `w`. The key is an ordinary
//! snarkjs Groth16 key with `nPublic = p + n` (so it also proves and verifies as one, with every
//! input public); on top of it the setup draws a secret `k` and publishes the **link key**
//! `K_i = k IC_{1+p+i}` and `[k gamma]_2`. A proof is the Groth16 proof `(A, B, C)` plus
//! `pi = sum_i w_i K_i`, and the verifier, who knows only `D = sum_i w_i IC_{1+p+i}`, runs
//! [`zkagg_core::aggregate::verify_committed`]. See `docs/design/decider.md`.
//!
//! - [`r1cs`]: a nova-snark `frontend` circuit to an R1CS in snarkjs signal order, and its
//!   witness.
//! - [`zkey`]: the `.zkey` of an R1CS from a known toxic waste.
//! - [`setup`] writes a directory ([`ZKEY_FILE`], [`LINK_FILE`], [`VK_FILE`], [`VK_JSON_FILE`],
//!   [`META_FILE`]); [`CommittedSetup::load`] reads it back with checks; [`prove`] proves with
//!   `zkagg_web_prover`'s streaming prover (the key is never read whole).
//!
//! **The local setup is INSECURE**: its toxic waste (tau, alpha, beta, gamma, delta and k) comes
//! from a ChaCha RNG seeded with a public `u64`, so anyone can recompute it and forge proofs.
//! It is for tests and development; a deployment needs a ceremony (see the design document).

pub mod r1cs;
pub mod zkey;

use std::path::{Path, PathBuf};

use ark_bn254::{Fq, G1Affine, G1Projective, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInt, PrimeField, UniformRand, Zero};
use rand::SeedableRng;
use rayon::prelude::*;
use zkagg_core::aggregate::encoding::{
    committed_key_from_bytes, committed_key_to_bytes, committed_key_to_json,
};
use zkagg_core::aggregate::{verify_committed, CommittedGroth16Proof, CommittedVerifyingKey};
use zkagg_core::VerifyingKey;
use zkagg_web_prover::format::{read_zkey_header, BinFile};
use zkagg_web_prover::prover::{prove_zkey, zkey_verifying_key};
use zkagg_web_prover::source::{Bytes, FileSource};
pub use zkagg_web_prover::ProveOptions;
use zkagg_web_prover::{MsmEngine, ProofOutput};

pub use r1cs::{fr_from_ark, fr_to_ark, ArkFr, R1cs, R1csRecorder, WitnessGenerator};
pub use zkey::ToxicWaste;

use crate::{Error, Result};

/// The proving key (snarkjs Groth16 `.zkey`, `nPublic = n_plain + n_committed`).
pub const ZKEY_FILE: &str = "decider.zkey";
/// The link key `K_i` (format in [`write_link_key`]).
pub const LINK_FILE: &str = "link.key";
/// The [`CommittedVerifyingKey`] in `zkagg_core`'s binary form.
pub const VK_FILE: &str = "committed_vk.bin";
/// The same key as JSON (for people and other tools; not read back).
pub const VK_JSON_FILE: &str = "committed_vk.json";
/// What the setup was: sizes, seed, and the `insecure` label.
pub const META_FILE: &str = "setup.json";

/// Magic of [`LINK_FILE`].
const LINK_MAGIC: &[u8; 8] = b"zkaglink";

/// A committed-input Groth16 setup, in memory (its proving key stays on disk).
#[derive(Clone, Debug)]
pub struct CommittedSetup {
    /// The directory holding the files.
    pub dir: PathBuf,
    /// Number of plain inputs (signals `1 ..= n_plain`).
    pub n_plain: usize,
    /// The verifying key.
    pub vk: CommittedVerifyingKey,
    /// The committed bases `IC_{1+n_plain ..}`: the commitment key of the committed block.
    pub bases: Vec<G1Affine>,
    /// The link key `K_i = k bases_i`.
    pub link: Vec<G1Affine>,
    /// Signals of the circuit (with the constant).
    pub n_vars: usize,
    /// The QAP domain size.
    pub domain_size: usize,
    /// Whether the toxic waste is known (seeded): true for every key [`setup`] makes.
    pub insecure: bool,
}

/// A proof: Groth16 `A, B, C`, the span proof `pi`, and the committed point `D`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommittedProof {
    /// `A`.
    pub a: G1Affine,
    /// `B`.
    pub b: ark_bn254::G2Affine,
    /// `C`.
    pub c: G1Affine,
    /// `pi = sum_i w_i K_i`.
    pub pi: G1Affine,
    /// `D = sum_i w_i IC_{1+n_plain+i}`.
    pub d: G1Affine,
}

impl CommittedProof {
    /// The part a verifier checks against `D` (which it computes itself).
    pub fn groth16(&self) -> CommittedGroth16Proof {
        CommittedGroth16Proof {
            a: self.a,
            b: self.b,
            c: self.c,
            pi: self.pi,
        }
    }
}

impl CommittedSetup {
    /// Number of committed inputs.
    pub fn n_committed(&self) -> usize {
        self.bases.len()
    }

    /// Path of the proving key.
    pub fn zkey_path(&self) -> PathBuf {
        self.dir.join(ZKEY_FILE)
    }

    /// The aggregate verifier's key for a contract constant `config`.
    pub fn aggregate_key(&self, config: ArkFr) -> zkagg_core::aggregate::AggregateVerifyingKey {
        zkagg_core::aggregate::AggregateVerifyingKey::new(self.vk.clone(), config)
    }

    /// The key as an ordinary Groth16 verifying key (every input public), read from the zkey.
    pub fn groth16_verifying_key(&self) -> Result<VerifyingKey> {
        let path = self.zkey_path();
        let src = FileSource::open(&path).map_err(|e| file_err(&path, e))?;
        let bin =
            pollster::block_on(BinFile::read(&src, "zkey", 1)).map_err(|e| file_err(&path, e))?;
        let header =
            pollster::block_on(read_zkey_header(&src, &bin)).map_err(|e| file_err(&path, e))?;
        pollster::block_on(zkey_verifying_key(&src, &bin, &header)).map_err(|e| file_err(&path, e))
    }

    /// Load a setup directory written by [`setup`], checking that the files agree: the zkey's
    /// header and IC against the verifying key, the link key's size, every point on the curve,
    /// and (one random linear combination, two MSMs) `e(K_i, gamma) = e(IC_i, k gamma)`.
    pub fn load(dir: &Path) -> Result<Self> {
        let vk_path = dir.join(VK_FILE);
        let vk_bytes = std::fs::read(&vk_path).map_err(|e| file_err(&vk_path, e))?;
        let vk = committed_key_from_bytes(&vk_bytes).map_err(|e| file_err(&vk_path, e))?;
        let n_plain = vk.ic_plain.len();

        let link_path = dir.join(LINK_FILE);
        let link_bytes = std::fs::read(&link_path).map_err(|e| file_err(&link_path, e))?;
        let (link_plain, link) = read_link_key(&link_bytes).map_err(|e| file_err(&link_path, e))?;
        if link_plain != n_plain {
            return Err(file_err(
                &link_path,
                format!("made for {link_plain} plain inputs, the verifying key has {n_plain}"),
            ));
        }

        let meta_path = dir.join(META_FILE);
        let meta_text = std::fs::read_to_string(&meta_path).map_err(|e| file_err(&meta_path, e))?;
        let meta: serde_json::Value =
            serde_json::from_str(&meta_text).map_err(|e| file_err(&meta_path, e))?;
        let insecure = meta
            .get("insecure")
            .and_then(|v| v.as_bool())
            .ok_or_else(|| file_err(&meta_path, "member \"insecure\" (a boolean) is missing"))?;

        let zkey_path = dir.join(ZKEY_FILE);
        let src = FileSource::open(&zkey_path).map_err(|e| file_err(&zkey_path, e))?;
        let zerr = |e: zkagg_web_prover::Error| file_err(&zkey_path, e);
        let bin = pollster::block_on(BinFile::read(&src, "zkey", 1)).map_err(zerr)?;
        let header = pollster::block_on(read_zkey_header(&src, &bin)).map_err(zerr)?;
        let full = pollster::block_on(zkey_verifying_key(&src, &bin, &header)).map_err(zerr)?;
        if header.n_public != n_plain + link.len() {
            return Err(file_err(
                &zkey_path,
                format!(
                    "nPublic = {}, but {VK_FILE} has {n_plain} plain inputs and {LINK_FILE} {} \
                     committed ones",
                    header.n_public,
                    link.len()
                ),
            ));
        }
        if full.alpha_g1 != vk.alpha1
            || full.beta_g2 != vk.beta2
            || full.gamma_g2 != vk.gamma2
            || full.delta_g2 != vk.delta2
            || full.gamma_abc_g1[0] != vk.ic0
            || full.gamma_abc_g1[1..=n_plain] != vk.ic_plain[..]
        {
            return Err(file_err(
                &zkey_path,
                format!("its verifying key differs from {VK_FILE} (files of different setups?)"),
            ));
        }
        let bases = full.gamma_abc_g1[1 + n_plain..].to_vec();
        let setup = Self {
            dir: dir.to_path_buf(),
            n_plain,
            vk,
            bases,
            link,
            n_vars: header.n_vars,
            domain_size: header.domain_size,
            insecure,
        };
        setup.check_link().map_err(|e| file_err(&link_path, e))?;
        Ok(setup)
    }

    /// `e(sum r_i K_i, gamma) = e(sum r_i IC_i, k gamma)` for random `r_i`: the link key is `k`
    /// times the committed bases (w.h.p.).
    pub fn check_link(&self) -> Result<()> {
        use ark_ec::pairing::Pairing;
        if self.link.len() != self.bases.len() {
            return Err(Error::Key(format!(
                "{} link points for {} committed bases",
                self.link.len(),
                self.bases.len()
            )));
        }
        let mut rng = rand::rngs::OsRng;
        let r: Vec<ArkFr> = (0..self.link.len())
            .map(|_| ArkFr::rand(&mut rng))
            .collect();
        let (k, b) = rayon::join(
            || G1Projective::msm_unchecked(&self.link, &r),
            || G1Projective::msm_unchecked(&self.bases, &r),
        );
        let ok = zkagg_core::Curve::multi_pairing(
            [k.into_affine(), (-b).into_affine()],
            [self.vk.gamma2, self.vk.k_gamma2],
        )
        .is_zero();
        if ok {
            Ok(())
        } else {
            Err(Error::Key(
                "the link key is not k times the committed bases".into(),
            ))
        }
    }
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Key(format!("{}: {e}", path.display()))
}

/// The toxic waste and `k` of a seeded (INSECURE) setup.
pub fn seeded_toxic_waste(seed: u64) -> (ToxicWaste, ArkFr) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut r = || ArkFr::rand(&mut rng);
    let toxic = ToxicWaste {
        tau: r(),
        alpha: r(),
        beta: r(),
        gamma: r(),
        delta: r(),
    };
    (toxic, r())
}

/// An INSECURE local setup (toxic waste and `k` from `seed`, see the module documentation) for
/// `r1cs`, whose inputs `1 ..= n_plain` are plain and the rest committed. Writes the directory
/// `dir` (created if needed) and returns the loaded setup.
pub fn setup(r1cs: &R1cs, n_plain: usize, dir: &Path, seed: u64) -> Result<CommittedSetup> {
    if n_plain > r1cs.num_inputs {
        return Err(Error::Key(format!(
            "{n_plain} plain inputs, but the circuit has only {} inputs",
            r1cs.num_inputs
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| file_err(dir, e))?;
    let (toxic, k) = seeded_toxic_waste(seed);
    if k.is_zero() {
        return Err(Error::Key("degenerate k (use another seed)".into()));
    }
    let out = zkey::write_zkey(r1cs, &toxic, &dir.join(ZKEY_FILE))?;
    let ic = &out.vk.gamma_abc_g1;
    let link_scalars: Vec<ArkFr> = out.ic_scalars[1 + n_plain..]
        .par_iter()
        .map(|x| *x * k)
        .collect();
    let link = zkey::g1_batch_mul(&link_scalars);
    drop(link_scalars);
    let vk = CommittedVerifyingKey {
        alpha1: out.vk.alpha_g1,
        beta2: out.vk.beta_g2,
        gamma2: out.vk.gamma_g2,
        delta2: out.vk.delta_g2,
        ic0: ic[0],
        ic_plain: ic[1..=n_plain].to_vec(),
        k_gamma2: (G2Projective::generator() * (k * toxic.gamma)).into_affine(),
    };
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        let p = dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| file_err(&p, e))
    };
    write(LINK_FILE, &write_link_key(n_plain, &link))?;
    write(VK_FILE, &committed_key_to_bytes(&vk))?;
    write(VK_JSON_FILE, committed_key_to_json(&vk).as_bytes())?;
    let meta = serde_json::json!({
        "insecure": true,
        "warning": "INSECURE: the toxic waste (tau, alpha, beta, gamma, delta, k) is derived from \
                    the public seed below; anyone can forge proofs for this key. Tests only.",
        "seed": seed,
        "n_plain": n_plain,
        "n_committed": link.len(),
        "constraints": r1cs.num_constraints(),
        "signals": out.n_vars,
        "domain_size": out.domain_size,
    });
    write(
        META_FILE,
        serde_json::to_string_pretty(&meta)
            .unwrap_or_else(|_| meta.to_string())
            .as_bytes(),
    )?;
    Ok(CommittedSetup {
        dir: dir.to_path_buf(),
        n_plain,
        bases: ic[1 + n_plain..].to_vec(),
        vk,
        link,
        n_vars: out.n_vars,
        domain_size: out.domain_size,
        insecure: true,
    })
}

/// [`LINK_FILE`]: `"zkaglink" | version u32 (1) | n_plain u32 | count u64 | count points`, each
/// point `x | y` as canonical little-endian integers (64 bytes), infinity as zeros.
pub fn write_link_key(n_plain: usize, link: &[G1Affine]) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + 64 * link.len());
    out.extend_from_slice(LINK_MAGIC);
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(n_plain as u32).to_le_bytes());
    out.extend_from_slice(&(link.len() as u64).to_le_bytes());
    for p in link {
        match p.xy() {
            Some((x, y)) => {
                for c in [x, y] {
                    for limb in c.into_bigint().0 {
                        out.extend_from_slice(&limb.to_le_bytes());
                    }
                }
            }
            None => out.extend_from_slice(&[0u8; 64]),
        }
    }
    out
}

fn le_bigint(b: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[8 * i..8 * i + 8]);
        *limb = u64::from_le_bytes(w);
    }
    BigInt(limbs)
}

/// Parse [`LINK_FILE`] bytes: `(n_plain, points)`, every point checked.
pub fn read_link_key(bytes: &[u8]) -> Result<(usize, Vec<G1Affine>)> {
    let bad = |p: String| Error::Format(p);
    if bytes.len() < 24 || &bytes[..8] != LINK_MAGIC {
        return Err(bad("not a link key (wrong magic or too short)".into()));
    }
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    if u32_at(8) != 1 {
        return Err(bad(format!("version {} (only 1 is supported)", u32_at(8))));
    }
    let n_plain = u32_at(12) as usize;
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[16..24]);
    let count = u64::from_le_bytes(w);
    if count.checked_mul(64).and_then(|x| x.checked_add(24)) != Some(bytes.len() as u64) {
        return Err(bad(format!(
            "{} bytes for {count} points (expected 24 + 64 per point)",
            bytes.len()
        )));
    }
    let points = bytes[24..]
        .par_chunks(64)
        .enumerate()
        .map(|(i, b)| {
            if b.iter().all(|&x| x == 0) {
                return Ok(G1Affine::zero());
            }
            let x = Fq::from_bigint(le_bigint(&b[..32]));
            let y = Fq::from_bigint(le_bigint(&b[32..]));
            let (Some(x), Some(y)) = (x, y) else {
                return Err(bad(format!("point {i}: a coordinate is not below p")));
            };
            let p = G1Affine::new_unchecked(x, y);
            if !p.is_on_curve() {
                return Err(bad(format!("point {i}: not on the curve")));
            }
            Ok(p)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((n_plain, points))
}

/// A full assignment as snarkjs `.wtns` bytes (version 2).
pub fn wtns_bytes(witness: &[ArkFr]) -> Vec<u8> {
    let n = witness.len();
    let mut out = Vec::with_capacity(12 + 12 + 40 + 12 + 32 * n);
    out.extend_from_slice(b"wtns");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&40u64.to_le_bytes());
    out.extend_from_slice(&32u32.to_le_bytes());
    for limb in ArkFr::MODULUS.0 {
        out.extend_from_slice(&limb.to_le_bytes());
    }
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&(32 * n as u64).to_le_bytes());
    let start = out.len();
    out.resize(start + 32 * n, 0);
    out[start..]
        .par_chunks_mut(32)
        .zip(witness.par_iter())
        .for_each(|(dst, v)| {
            for (i, limb) in v.into_bigint().0.iter().enumerate() {
                dst[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
            }
        });
    out
}

/// Prove with the zkey as an ordinary snarkjs Groth16 key (every input public): the streaming
/// prover's output, unchanged.
pub fn prove_groth16(
    setup: &CommittedSetup,
    witness: &[ArkFr],
    opts: &ProveOptions,
) -> Result<ProofOutput> {
    if witness.len() != setup.n_vars {
        return Err(Error::Prover(format!(
            "the witness has {} values, the key {} signals",
            witness.len(),
            setup.n_vars
        )));
    }
    let path = setup.zkey_path();
    let zkey = FileSource::open(&path).map_err(|e| file_err(&path, e))?;
    let wtns = wtns_bytes(witness);
    let engine = MsmEngine::cpu_only();
    pollster::block_on(prove_zkey(
        &zkey,
        &Bytes(&wtns),
        &engine,
        opts,
        &mut |_| {},
        &|| false,
    ))
    .map_err(|e| Error::Prover(e.to_string()))
}

/// Prove: the Groth16 proof from the zkey (fresh blinding, no self-check), `pi` and `D` by MSM
/// over the committed block, then a check with [`verify_committed`] (a witness that does not
/// satisfy the circuit is an error, not a bad proof).
pub fn prove(setup: &CommittedSetup, witness: &[ArkFr]) -> Result<CommittedProof> {
    prove_with(
        setup,
        witness,
        &ProveOptions {
            self_check: false,
            ..ProveOptions::default()
        },
    )
}

/// [`prove`] with explicit prover options (`seed` for deterministic blinding in tests;
/// `self_check` would verify with every input public, an MSM over all of them: not needed).
pub fn prove_with(
    setup: &CommittedSetup,
    witness: &[ArkFr],
    opts: &ProveOptions,
) -> Result<CommittedProof> {
    let np = setup.n_plain;
    let nc = setup.n_committed();
    if witness.len() != setup.n_vars || witness.len() < 1 + np + nc {
        return Err(Error::Prover(format!(
            "the witness has {} values, the key {} signals",
            witness.len(),
            setup.n_vars
        )));
    }
    let out = prove_groth16(setup, witness, opts)?;
    let committed = &witness[1 + np..1 + np + nc];
    let (d, pi) = rayon::join(
        || G1Projective::msm_unchecked(&setup.bases, committed),
        || G1Projective::msm_unchecked(&setup.link, committed),
    );
    let proof = CommittedProof {
        a: out.proof.a,
        b: out.proof.b,
        c: out.proof.c,
        pi: pi.into_affine(),
        d: d.into_affine(),
    };
    let ok = verify_committed(&setup.vk, &proof.d, &witness[1..=np], &proof.groth16())
        .map_err(|e| Error::Prover(e.to_string()))?;
    if !ok {
        return Err(Error::Prover(
            "the proof does not verify: the witness does not satisfy the circuit".into(),
        ));
    }
    Ok(proof)
}

/// `D = sum_i values_i bases_i`: the commitment of a committed block under a setup's bases.
pub fn commit(setup: &CommittedSetup, values: &[ArkFr]) -> Result<G1Affine> {
    zkagg_core::aggregate::commit(&setup.bases, values).map_err(|e| Error::Format(e.to_string()))
}
