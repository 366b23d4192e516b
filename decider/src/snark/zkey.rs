//! A snarkjs Groth16 proving key (`.zkey`) for an [`R1cs`], computed from a known toxic waste.
//!
//! The key is exactly what snarkjs's setup would compute for the same R1CS and toxic waste, in
//! the layout `zkagg_web_prover::format` documents and `zkagg_web_prover::prover::prove_zkey`
//! reads (the generalisation of `web-prover/examples/make_zkey.rs` to any R1CS):
//!
//! * `m` constraints; like snarkjs, the `A` matrix gets `nPublic + 1` extra rows, row `m + s`
//!   being signal `s` with coefficient 1 (`s = 0 ..= nPublic`); the domain has
//!   `n = 2^k >= m + nPublic + 1` points (BN254's standard roots of unity, those of
//!   `web-prover/src/qap.rs`), `L_j` its Lagrange basis;
//! * `u_i, v_i, w_i = sum_j A|B|C[j][i] L_j(tau)`: `PointsA_i = u_i G1`, `PointsB1_i = v_i G1`,
//!   `PointsB2_i = v_i G2`;
//! * `IC_i = (beta u_i + alpha v_i + w_i) / gamma G1` for `i <= nPublic`, `PointsC_i` the same
//!   over `delta` for the private signals;
//! * `PointsH_i = L'_{2i+1}(tau) / delta G1`, `L'` the Lagrange basis of the `2n`-point domain
//!   (the prover evaluates `A B - C` on the odd coset);
//! * `Coeffs`: every non-zero coefficient of `A` and `B` (and the extra `A` rows), each stored as
//!   `c R^2 mod r` (`R = 2^256`).
//!
//! Scale: the decider has ~2M constraints (a 2^22 domain) and ~2M signals. Sections are streamed
//! (never more than a chunk of points in memory), points come from batch fixed-base
//! multiplication (arkworks' windowed tables, in parallel), and a point whose scalar is zero is
//! written as the point at infinity without any work: most signals have `v_i = 0` (they appear
//! in no `B` row), so most of the expensive G2 section costs nothing.
//!
//! **Insecure unless the toxic waste is secret and destroyed**: whoever knows it can forge.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use ark_bn254::{Fq, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::{BatchMulPreprocessing, ScalarMul};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{batch_inversion, BigInt, FftField, Field, One, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;
use zkagg_core::VerifyingKey;

use super::r1cs::{ArkFr, R1cs, SparseMatrix};
use crate::{Error, Result};

/// Points computed (and held) at a time while writing a points section.
const CHUNK: usize = 1 << 16;
/// Rows of coefficients encoded per parallel task.
const COEFF_ROWS: usize = 1 << 14;

/// The secret trapdoor of a Groth16 setup.
#[derive(Clone, Debug)]
pub struct ToxicWaste {
    /// The evaluation point.
    pub tau: ArkFr,
    /// `alpha`.
    pub alpha: ArkFr,
    /// `beta`.
    pub beta: ArkFr,
    /// `gamma`.
    pub gamma: ArkFr,
    /// `delta`.
    pub delta: ArkFr,
}

/// What writing a key produced.
#[derive(Clone, Debug)]
pub struct ZkeyOutput {
    /// The ordinary Groth16 verifying key (all `nPublic + 1` IC points).
    pub vk: VerifyingKey,
    /// The discrete logarithms of the IC points (secret: derived from the toxic waste).
    pub ic_scalars: Vec<ArkFr>,
    /// Signals, including the constant.
    pub n_vars: usize,
    /// Public signals.
    pub n_public: usize,
    /// Domain size.
    pub domain_size: usize,
}

/// A file being written, with a byte count for the section sizes.
struct Out {
    w: BufWriter<File>,
    pos: u64,
    name: String,
}

impl Out {
    fn create(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let file = File::create(path).map_err(|e| Error::Io(format!("{name}: {e}")))?;
        Ok(Self {
            w: BufWriter::with_capacity(1 << 20, file),
            pos: 0,
            name,
        })
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.w
            .write_all(bytes)
            .map_err(|e| Error::Io(format!("{}: {e}", self.name)))?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn u32(&mut self, x: u32) -> Result<()> {
        self.put(&x.to_le_bytes())
    }

    /// Start section `id` of `size` bytes; returns where its payload must end.
    fn section(&mut self, id: u32, size: u64) -> Result<(u32, u64)> {
        self.u32(id)?;
        self.put(&size.to_le_bytes())?;
        Ok((id, self.pos + size))
    }

    fn end(&mut self, (id, end): (u32, u64)) -> Result<()> {
        if self.pos != end {
            return Err(Error::Key(format!(
                "bug: section {id} of {} ends at byte {}, expected {end}",
                self.name, self.pos
            )));
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.w
            .flush()
            .map_err(|e| Error::Io(format!("{}: {e}", self.name)))
    }
}

fn put_bigint(out: &mut Vec<u8>, x: &BigInt<4>) {
    for limb in x.0 {
        out.extend_from_slice(&limb.to_le_bytes());
    }
}

/// A G1 point `x | y` in Montgomery form (arkworks' internal form is snarkjs's), infinity zeros.
fn put_g1(out: &mut Vec<u8>, p: &G1Affine) {
    match p.xy() {
        Some((x, y)) => {
            put_bigint(out, &x.0);
            put_bigint(out, &y.0);
        }
        None => out.extend_from_slice(&[0u8; 64]),
    }
}

/// A G2 point `x.c0 | x.c1 | y.c0 | y.c1` in Montgomery form, infinity zeros.
fn put_g2(out: &mut Vec<u8>, p: &G2Affine) {
    match p.xy() {
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                put_bigint(out, &c.0);
            }
        }
        None => out.extend_from_slice(&[0u8; 128]),
    }
}

/// `f * x_i / (tau - x_i)` for `x_i = offset * gen^i`, `i < count` (the Lagrange basis at `tau`
/// when `f = Z(tau) / |domain|`). Errors if `tau` is one of the points.
fn lagrange(tau: ArkFr, offset: ArkFr, gen: ArkFr, count: usize, f: ArkFr) -> Result<Vec<ArkFr>> {
    let mut d = Vec::with_capacity(count);
    let mut x = offset;
    for _ in 0..count {
        d.push(tau - x);
        x *= gen;
    }
    if d.par_iter().any(|v| v.is_zero()) {
        return Err(Error::Key(
            "degenerate toxic waste: tau is a domain point (use another seed)".into(),
        ));
    }
    d.par_chunks_mut(1 << 16).for_each(batch_inversion);
    // x_i = offset gen^i: per chunk, the first power then a running product.
    let chunk = 1 << 16;
    d.par_chunks_mut(chunk).enumerate().for_each(|(ci, c)| {
        let mut x = offset * gen.pow([(ci * chunk) as u64]) * f;
        for di in c.iter_mut() {
            *di *= x;
            x *= gen;
        }
    });
    Ok(d)
}

/// `out[s] += c * l[j]` over the matrix entries `(j, s, c)`.
fn scatter(m: &SparseMatrix, l: &[ArkFr], n_vars: usize) -> Vec<ArkFr> {
    let mut out = vec![ArkFr::zero(); n_vars];
    for (row, lj) in m.rows().zip(l) {
        for (s, c) in row {
            out[*s as usize] += *c * lj;
        }
    }
    out
}

/// Write `scalars[i] * base` for all `i` (infinity for zero scalars, without computing it).
fn write_points<G: ScalarMul<ScalarField = ArkFr>>(
    out: &mut Out,
    table: &BatchMulPreprocessing<G>,
    scalars: &[ArkFr],
    put: fn(&mut Vec<u8>, &G::MulBase),
    point_bytes: usize,
) -> Result<()> {
    let zero = vec![0u8; point_bytes];
    for chunk in scalars.chunks(CHUNK) {
        let nonzero: Vec<ArkFr> = chunk.iter().filter(|x| !x.is_zero()).copied().collect();
        let points = if nonzero.is_empty() {
            Vec::new()
        } else {
            table.batch_mul(&nonzero)
        };
        let mut next = points.iter();
        let mut buf = Vec::with_capacity(chunk.len() * point_bytes);
        for x in chunk {
            if x.is_zero() {
                buf.extend_from_slice(&zero);
            } else {
                let p = next
                    .next()
                    .ok_or_else(|| Error::Key("bug: batch multiplication lost a point".into()))?;
                put(&mut buf, p);
            }
        }
        out.put(&buf)?;
    }
    Ok(())
}

/// Encode the coefficients of `m` (matrix id `id`) as zkey records, in parallel blocks.
fn write_coeffs(out: &mut Out, m: &SparseMatrix, id: u32, r2: ArkFr) -> Result<()> {
    let rows = m.num_rows();
    let blocks = rows.div_ceil(COEFF_ROWS);
    let per_batch = 64;
    let mut b = 0;
    while b < blocks {
        let hi = (b + per_batch).min(blocks);
        let parts: Vec<Vec<u8>> = (b..hi)
            .into_par_iter()
            .map(|blk| {
                let lo = blk * COEFF_ROWS;
                let end = (lo + COEFF_ROWS).min(rows);
                let mut buf = Vec::new();
                for j in lo..end {
                    for (s, c) in m.row(j) {
                        buf.extend_from_slice(&id.to_le_bytes());
                        buf.extend_from_slice(&(j as u32).to_le_bytes());
                        buf.extend_from_slice(&s.to_le_bytes());
                        put_bigint(&mut buf, &(*c * r2).into_bigint());
                    }
                }
                buf
            })
            .collect();
        for p in parts {
            out.put(&p)?;
        }
        b = hi;
    }
    Ok(())
}

/// Write the `.zkey` of `r1cs` for `toxic` to `path` (see the module documentation).
pub fn write_zkey(r1cs: &R1cs, toxic: &ToxicWaste, path: &Path) -> Result<ZkeyOutput> {
    let (m, np, nv) = (r1cs.num_constraints(), r1cs.num_inputs, r1cs.num_signals());
    let rows = m + np + 1;
    let n = rows.next_power_of_two().max(4);
    if n >= 1 << 28 {
        return Err(Error::Key(format!(
            "{rows} rows need a domain of {n}: the prover supports domains below 2^28"
        )));
    }
    if u32::try_from(nv).is_err() {
        return Err(Error::Key(format!("{nv} signals: more than 2^32")));
    }
    let domain = Radix2EvaluationDomain::<ArkFr>::new(n)
        .filter(|d| d.size() == n)
        .ok_or_else(|| Error::Key(format!("no FFT domain of size {n}")))?;
    let omega = domain.group_gen();
    let omega_2n = ArkFr::get_root_of_unity(2 * n as u64)
        .filter(|w| w.square() == omega)
        .ok_or_else(|| Error::Key(format!("no 2n-th root of unity for n = {n}")))?;
    let ToxicWaste {
        tau,
        alpha,
        beta,
        gamma,
        delta,
    } = toxic.clone();
    let tau_2n = tau.pow([2 * n as u64]);
    if tau_2n.is_one() || [alpha, beta, gamma, delta].iter().any(|x| x.is_zero()) {
        return Err(Error::Key(
            "degenerate toxic waste (use another seed)".into(),
        ));
    }
    let gamma_inv = gamma.inverse().unwrap_or_default();
    let delta_inv = delta.inverse().unwrap_or_default();

    // u, v, w at tau.
    let l = lagrange(
        tau,
        ArkFr::one(),
        omega,
        n,
        (tau.pow([n as u64]) - ArkFr::one()) / ArkFr::from(n as u64),
    )?;
    let (mut u, (v, mut k)) = rayon::join(
        || scatter(&r1cs.a, &l, nv),
        || rayon::join(|| scatter(&r1cs.b, &l, nv), || scatter(&r1cs.c, &l, nv)),
    );
    for (s, lj) in l[m..=m + np].iter().enumerate() {
        u[s] += lj;
    }
    drop(l);
    k.par_iter_mut()
        .zip(u.par_iter().zip(v.par_iter()))
        .for_each(|(k, (u, v))| *k += beta * u + alpha * v);

    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    let table1 = BatchMulPreprocessing::new(g1, n.max(nv));
    let ic_scalars: Vec<ArkFr> = k[..=np].par_iter().map(|x| *x * gamma_inv).collect();
    let ic = table1.batch_mul(&ic_scalars);
    let vk = VerifyingKey {
        alpha_g1: (g1 * alpha).into_affine(),
        beta_g2: (g2 * beta).into_affine(),
        gamma_g2: (g2 * gamma).into_affine(),
        delta_g2: (g2 * delta).into_affine(),
        gamma_abc_g1: ic,
    };

    let mut z = Out::create(path)?;
    z.put(b"zkey")?;
    z.u32(1)?; // version
    z.u32(9)?; // sections 1..=9 (no Contributions)

    // 1: Header (Groth16).
    let s = z.section(1, 4)?;
    z.u32(1)?;
    z.end(s)?;

    // 2: Groth16Header.
    let s = z.section(2, 4 + 32 + 4 + 32 + 12 + 3 * 64 + 3 * 128)?;
    let mut buf = Vec::new();
    buf.extend_from_slice(&32u32.to_le_bytes());
    put_bigint(&mut buf, &Fq::MODULUS);
    buf.extend_from_slice(&32u32.to_le_bytes());
    put_bigint(&mut buf, &ArkFr::MODULUS);
    for x in [nv, np, n] {
        buf.extend_from_slice(&(x as u32).to_le_bytes());
    }
    put_g1(&mut buf, &vk.alpha_g1);
    put_g1(&mut buf, &(g1 * beta).into_affine());
    put_g2(&mut buf, &vk.beta_g2);
    put_g2(&mut buf, &vk.gamma_g2);
    put_g1(&mut buf, &(g1 * delta).into_affine());
    put_g2(&mut buf, &vk.delta_g2);
    z.put(&buf)?;
    z.end(s)?;

    // 3: IC.
    let s = z.section(3, 64 * (np as u64 + 1))?;
    let mut buf = Vec::with_capacity(64 * (np + 1));
    for p in &vk.gamma_abc_g1 {
        put_g1(&mut buf, p);
    }
    z.put(&buf)?;
    z.end(s)?;

    // 4: Coeffs: A, B, then the public-input rows of A.
    let n_coeffs = r1cs.a.num_entries() + r1cs.b.num_entries() + np + 1;
    let n_coeffs_u32 = u32::try_from(n_coeffs)
        .map_err(|_| Error::Key(format!("{n_coeffs} coefficients: more than 2^32")))?;
    let s = z.section(4, 4 + 44 * n_coeffs as u64)?;
    z.u32(n_coeffs_u32)?;
    let r2 = ArkFr::from(2u64).pow([512u64]);
    write_coeffs(&mut z, &r1cs.a, 0, r2)?;
    write_coeffs(&mut z, &r1cs.b, 1, r2)?;
    let one = r2.into_bigint();
    let mut buf = Vec::with_capacity(44 * (np + 1));
    for sig in 0..=np {
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&((m + sig) as u32).to_le_bytes());
        buf.extend_from_slice(&(sig as u32).to_le_bytes());
        put_bigint(&mut buf, &one);
    }
    z.put(&buf)?;
    z.end(s)?;

    // 5..8: PointsA, PointsB1, PointsB2, PointsC.
    let s = z.section(5, 64 * nv as u64)?;
    write_points(&mut z, &table1, &u, put_g1, 64)?;
    z.end(s)?;
    drop(u);
    let s = z.section(6, 64 * nv as u64)?;
    write_points(&mut z, &table1, &v, put_g1, 64)?;
    z.end(s)?;
    let nonzero_v = v.par_iter().filter(|x| !x.is_zero()).count();
    let table2 = BatchMulPreprocessing::new(g2, nonzero_v.max(1));
    let s = z.section(7, 128 * nv as u64)?;
    write_points(&mut z, &table2, &v, put_g2, 128)?;
    z.end(s)?;
    drop((v, table2));
    let c: Vec<ArkFr> = k[np + 1..].par_iter().map(|x| *x * delta_inv).collect();
    drop(k);
    let s = z.section(8, 64 * c.len() as u64)?;
    write_points(&mut z, &table1, &c, put_g1, 64)?;
    z.end(s)?;
    drop(c);

    // 9: PointsH.
    let h = lagrange(
        tau,
        omega_2n,
        omega,
        n,
        (tau_2n - ArkFr::one()) / ArkFr::from(2 * n as u64) * delta_inv,
    )?;
    let s = z.section(9, 64 * n as u64)?;
    write_points(&mut z, &table1, &h, put_g1, 64)?;
    z.end(s)?;
    z.finish()?;

    Ok(ZkeyOutput {
        vk,
        ic_scalars,
        n_vars: nv,
        n_public: np,
        domain_size: n,
    })
}

/// `scalars[i] G1` for all `i` with one fixed-base table (parallel).
pub fn g1_batch_mul(scalars: &[ArkFr]) -> Vec<G1Affine> {
    let table = BatchMulPreprocessing::new(G1Projective::generator(), scalars.len().max(1));
    scalars
        .chunks(CHUNK)
        .flat_map(|c| table.batch_mul(c))
        .collect()
}
