//! A synthetic snarkjs Groth16 proving key (`.zkey`), its witness (`.wtns`), verifying key
//! (`vk.json`) and public signals (`public.json`) for a circuit of about `2^k` constraints, made
//! directly from a known toxic waste: the large keys for measuring the web prover's speed and
//! peak memory, which snarkjs cannot set up here in reasonable time (its powers of tau alone take
//! over an hour at 2^20 on two cores). This takes well under two minutes at 2^20.
//!
//! ```sh
//! cargo run --release -p zkagg-web-prover --example make_zkey -- [log2 (default 20)] [out_dir]
//! ```
//!
//! writes `out_dir/circuit.zkey`, `witness.wtns`, `vk.json`, `public.json` and `meta.json`
//! (`{constraints, power, wires}`); `out_dir` defaults to `target/bench-prover/c<log2>`.
//!
//! **Insecure, for tests and benchmarks only.** The toxic waste (tau, alpha, beta, gamma, delta)
//! is drawn from a ChaCha RNG with a fixed seed, so anyone can recompute it and forge proofs for
//! this key. Never use such a key for anything that must be sound.
//!
//! The circuit (snarkjs semantics; `w0 = 1`, public signals `w1`, `w2`, so `nPublic = 2`):
//! constraint 0 is `w1 * w2 = w3`, constraint `j >= 1` is `w_{j+2} * w_{j+2} = w_{j+3}`, with
//! `m = 2^k - nPublic - 1` constraints and `m + 3` signals. Like snarkjs, the A matrix gets
//! `nPublic + 1` extra rows (row `m + s` is signal `s`), so the domain of `n = 2^k` points is
//! exactly full. The key is what snarkjs's setup computes, with `L_j` the Lagrange basis of the
//! domain `<w_n>` (arkworks' and snarkjs's roots of unity, those of `qap.rs`):
//!
//! * `u_i, v_i, w_i = sum_j A|B|C[j][i] L_j(tau)`; `PointsA_i = u_i G1`, `PointsB1_i = v_i G1`,
//!   `PointsB2_i = v_i G2`;
//! * `IC_i = (beta u_i + alpha v_i + w_i) / gamma G1` for `i <= nPublic`, `PointsC_i` the same
//!   over `delta` for the others;
//! * `PointsH_i = L'_{2i+1}(tau) / delta G1`, `L'` the Lagrange basis of the domain of `2n`
//!   points: the prover evaluates `A B - C` on the odd coset `w_2n <w_n>` (see `qap.rs`), and on
//!   the even points (the domain) it vanishes.
//!
//! The byte layout is the one `src/format.rs` documents and parses.

use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::{BatchMulPreprocessing, ScalarMul};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{batch_inversion, BigInt, FftField, Field, One, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::SeedableRng;
use zkagg_core::formats::snarkjs;
use zkagg_core::VerifyingKey;

type Res<T> = Result<T, Box<dyn Error>>;

/// Public signals (without the constant 1).
const N_PUBLIC: usize = 2;
/// Seed of the (public, hence insecure) toxic waste.
const TOXIC_SEED: u64 = 0x7a6b_6167_5f7a_6b65;
/// The witness's public inputs `w1`, `w2`.
const INPUT_A: u64 = 3;
const INPUT_B: u64 = 11;
/// Points computed (and held) at a time while writing a points section.
const CHUNK: usize = 1 << 16;

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() > 2 || args.iter().any(|a| a == "-h" || a == "--help") {
        return Err("usage: make_zkey [log2 constraints (default 20)] [out_dir]".into());
    }
    let power: u32 = match args.first() {
        Some(a) => a
            .parse()
            .map_err(|_| format!("log2 {a:?} is not a number"))?,
        None => 20,
    };
    if !(2..=27).contains(&power) {
        return Err(format!(
            "log2 {power}: must be 2..=27 (the prover supports domains below 2^28)"
        )
        .into());
    }
    let out = match args.get(1) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(format!("target/bench-prover/c{power}")),
    };
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    generate(power, &out)
}

/// The circuit's shape.
struct Shape {
    /// Domain size `2^power`.
    n: usize,
    /// Constraints (without snarkjs's public-input rows).
    m: usize,
    /// Signals, including the constant.
    n_vars: usize,
}

impl Shape {
    fn new(power: u32) -> Self {
        let n = 1usize << power;
        let m = n - N_PUBLIC - 1;
        Self {
            n,
            m,
            n_vars: m + 3,
        }
    }

    /// The signals of constraint `j` in A, B, C (each with coefficient 1): `a * b = c`.
    fn constraint(j: usize) -> (usize, usize, usize) {
        if j == 0 {
            (1, 2, 3)
        } else {
            (j + 2, j + 2, j + 3)
        }
    }
}

/// The toxic waste.
struct Toxic {
    tau: Fr,
    alpha: Fr,
    beta: Fr,
    gamma: Fr,
    delta: Fr,
}

fn generate(power: u32, out: &Path) -> Res<()> {
    let t0 = Instant::now();
    let step = |what: &str| eprintln!("[{:7.2} s] {what}", t0.elapsed().as_secs_f64());
    let shape = Shape::new(power);
    let (n, m, nv) = (shape.n, shape.m, shape.n_vars);
    eprintln!("2^{power}: {m} constraints, {nv} signals, domain {n}");

    // Exactly the roots the prover uses (qap.rs): the domain's generator and the 2n-th root that
    // shifts it to the odd coset.
    let domain = Radix2EvaluationDomain::<Fr>::new(n)
        .filter(|d| d.size() == n)
        .ok_or("no FFT domain of this size")?;
    let omega = domain.group_gen();
    let omega_2n = Fr::get_root_of_unity(2 * n as u64).ok_or("no 2n-th root of unity")?;
    if omega_2n.square() != omega {
        return Err("the 2n-th root of unity does not square to the domain's generator".into());
    }

    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(TOXIC_SEED);
    let toxic = Toxic {
        tau: Fr::rand(&mut rng),
        alpha: Fr::rand(&mut rng),
        beta: Fr::rand(&mut rng),
        gamma: Fr::rand(&mut rng),
        delta: Fr::rand(&mut rng),
    };
    let tau_2n = toxic.tau.pow([2 * n as u64]);
    if tau_2n.is_one() || [toxic.alpha, toxic.beta, toxic.gamma, toxic.delta].contains(&Fr::zero())
    {
        return Err("degenerate toxic waste (change TOXIC_SEED)".into());
    }
    let gamma_inv = toxic.gamma.inverse().ok_or("gamma = 0")?;
    let delta_inv = toxic.delta.inverse().ok_or("delta = 0")?;

    // u, v, w at tau from the Lagrange basis (w is turned into beta u + alpha v + w in place).
    let l = lagrange(
        toxic.tau,
        Fr::one(),
        omega,
        n,
        (toxic.tau.pow([n as u64]) - Fr::one()) / Fr::from(n as u64),
    )?;
    let mut u = vec![Fr::zero(); nv];
    let mut v = vec![Fr::zero(); nv];
    let mut k = vec![Fr::zero(); nv];
    for (j, lj) in l.iter().enumerate().take(m) {
        let (a, b, c) = Shape::constraint(j);
        u[a] += lj;
        v[b] += lj;
        k[c] += lj;
    }
    for (s, lj) in l[m..=m + N_PUBLIC].iter().enumerate() {
        u[s] += lj;
    }
    drop(l);
    for ((k, u), v) in k.iter_mut().zip(&u).zip(&v) {
        *k += toxic.beta * u + toxic.alpha * v;
    }
    step("QAP polynomials at tau");

    let g1 = G1Projective::generator();
    let g2 = G2Projective::generator();
    let ic: Vec<G1Affine> = k[..=N_PUBLIC]
        .iter()
        .map(|x| (g1 * (*x * gamma_inv)).into_affine())
        .collect();
    let vk = VerifyingKey {
        alpha_g1: (g1 * toxic.alpha).into_affine(),
        beta_g2: (g2 * toxic.beta).into_affine(),
        gamma_g2: (g2 * toxic.gamma).into_affine(),
        delta_g2: (g2 * toxic.delta).into_affine(),
        gamma_abc_g1: ic,
    };

    let zkey_path = out.join("circuit.zkey");
    let file = File::create(&zkey_path).map_err(|e| format!("{}: {e}", zkey_path.display()))?;
    let mut z = BufWriter::with_capacity(1 << 20, file);
    let io_err = |e: io::Error| format!("{}: {e}", zkey_path.display());
    z.write_all(b"zkey").map_err(io_err)?;
    put_u32(&mut z, 1).map_err(io_err)?; // version
    put_u32(&mut z, 9).map_err(io_err)?; // sections 1..=9 (no Contributions)

    // 1: Header (Groth16).
    let mut sec = Section::begin(&mut z, 1, 4).map_err(io_err)?;
    put_u32(&mut z, 1).map_err(io_err)?;
    sec.end(&mut z)?;

    // 2: Groth16Header.
    sec = Section::begin(&mut z, 2, 4 + 32 + 4 + 32 + 12 + 3 * 64 + 3 * 128).map_err(io_err)?;
    put_u32(&mut z, 32).map_err(io_err)?;
    put_bigint(&mut z, &Fq::MODULUS).map_err(io_err)?;
    put_u32(&mut z, 32).map_err(io_err)?;
    put_bigint(&mut z, &Fr::MODULUS).map_err(io_err)?;
    put_u32(&mut z, u32::try_from(nv)?).map_err(io_err)?;
    put_u32(&mut z, N_PUBLIC as u32).map_err(io_err)?;
    put_u32(&mut z, u32::try_from(n)?).map_err(io_err)?;
    put_g1(&mut z, &vk.alpha_g1).map_err(io_err)?;
    put_g1(&mut z, &(g1 * toxic.beta).into_affine()).map_err(io_err)?;
    put_g2(&mut z, &vk.beta_g2).map_err(io_err)?;
    put_g2(&mut z, &vk.gamma_g2).map_err(io_err)?;
    put_g1(&mut z, &(g1 * toxic.delta).into_affine()).map_err(io_err)?;
    put_g2(&mut z, &vk.delta_g2).map_err(io_err)?;
    sec.end(&mut z)?;

    // 3: IC.
    sec = Section::begin(&mut z, 3, 64 * (N_PUBLIC as u64 + 1)).map_err(io_err)?;
    for p in &vk.gamma_abc_g1 {
        put_g1(&mut z, p).map_err(io_err)?;
    }
    sec.end(&mut z)?;

    // 4: Coeffs: A and B of every constraint (coefficient 1), then the public-input rows of A.
    // A value is stored as `c R^2 mod r` (R = 2^256), see format.rs.
    let n_coeffs = 2 * m + N_PUBLIC + 1;
    sec = Section::begin(&mut z, 4, 4 + 44 * n_coeffs as u64).map_err(io_err)?;
    put_u32(&mut z, u32::try_from(n_coeffs)?).map_err(io_err)?;
    let one_stored = (Fr::one() * Fr::from(2u64).pow([512u64])).into_bigint();
    let coeff = |z: &mut BufWriter<File>, matrix: u32, row: usize, signal: usize| {
        put_u32(z, matrix)?;
        put_u32(z, row as u32)?;
        put_u32(z, signal as u32)?;
        put_bigint(z, &one_stored)
    };
    for j in 0..m {
        let (a, b, _) = Shape::constraint(j);
        coeff(&mut z, 0, j, a).map_err(io_err)?;
        coeff(&mut z, 1, j, b).map_err(io_err)?;
    }
    for s in 0..=N_PUBLIC {
        coeff(&mut z, 0, m + s, s).map_err(io_err)?;
    }
    sec.end(&mut z)?;
    step("header, IC, coefficients written");

    // 5..8: PointsA, PointsB1, PointsB2, PointsC.
    let table1 = BatchMulPreprocessing::new(g1, n);
    sec = Section::begin(&mut z, 5, 64 * nv as u64).map_err(io_err)?;
    write_points(&mut z, &table1, &u, put_g1).map_err(io_err)?;
    sec.end(&mut z)?;
    drop(u);
    step("PointsA");
    sec = Section::begin(&mut z, 6, 64 * nv as u64).map_err(io_err)?;
    write_points(&mut z, &table1, &v, put_g1).map_err(io_err)?;
    sec.end(&mut z)?;
    step("PointsB1");
    let table2 = BatchMulPreprocessing::new(g2, nv);
    sec = Section::begin(&mut z, 7, 128 * nv as u64).map_err(io_err)?;
    write_points(&mut z, &table2, &v, put_g2).map_err(io_err)?;
    sec.end(&mut z)?;
    drop((v, table2));
    step("PointsB2");
    let c: Vec<Fr> = k[N_PUBLIC + 1..].iter().map(|x| *x * delta_inv).collect();
    drop(k);
    sec = Section::begin(&mut z, 8, 64 * c.len() as u64).map_err(io_err)?;
    write_points(&mut z, &table1, &c, put_g1).map_err(io_err)?;
    sec.end(&mut z)?;
    drop(c);
    step("PointsC");

    // 9: PointsH: L'_{2i+1}(tau) / delta, the odd points of the 2n-domain.
    let h = lagrange(
        toxic.tau,
        omega_2n,
        omega,
        n,
        (tau_2n - Fr::one()) / Fr::from(2 * n as u64) * delta_inv,
    )?;
    sec = Section::begin(&mut z, 9, 64 * n as u64).map_err(io_err)?;
    write_points(&mut z, &table1, &h, put_g1).map_err(io_err)?;
    sec.end(&mut z)?;
    drop(h);
    z.flush().map_err(io_err)?;
    drop(z);
    step("PointsH; circuit.zkey done");

    // The witness: w1 = a, w2 = b, w3 = a b, then squares (streamed; only w1, w2 are kept).
    let wtns_path = out.join("witness.wtns");
    let file = File::create(&wtns_path).map_err(|e| format!("{}: {e}", wtns_path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let io_err = |e: io::Error| format!("{}: {e}", wtns_path.display());
    w.write_all(b"wtns").map_err(io_err)?;
    put_u32(&mut w, 2).map_err(io_err)?; // version
    put_u32(&mut w, 2).map_err(io_err)?; // sections
    sec = Section::begin(&mut w, 1, 4 + 32 + 4).map_err(io_err)?;
    put_u32(&mut w, 32).map_err(io_err)?;
    put_bigint(&mut w, &Fr::MODULUS).map_err(io_err)?;
    put_u32(&mut w, u32::try_from(nv)?).map_err(io_err)?;
    sec.end(&mut w)?;
    sec = Section::begin(&mut w, 2, 32 * nv as u64).map_err(io_err)?;
    let public = [Fr::from(INPUT_A), Fr::from(INPUT_B)];
    let mut x = public[0] * public[1];
    for value in [Fr::one(), public[0], public[1]] {
        put_bigint(&mut w, &value.into_bigint()).map_err(io_err)?;
    }
    for _ in 3..nv {
        put_bigint(&mut w, &x.into_bigint()).map_err(io_err)?;
        x.square_in_place();
    }
    sec.end(&mut w)?;
    w.flush().map_err(io_err)?;
    drop(w);

    let write = |name: &str, text: String| -> Res<()> {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()).into())
    };
    write("vk.json", snarkjs::verifying_key_to_string(&vk))?;
    write("public.json", snarkjs::public_inputs_to_string(&public))?;
    write(
        "meta.json",
        serde_json::json!({ "constraints": m, "power": power, "wires": nv }).to_string(),
    )?;
    step("witness.wtns, vk.json, public.json, meta.json done");
    println!(
        "{}: 2^{power} ({m} constraints, {nv} signals) in {:.1} s",
        out.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `f * x_i / (tau - x_i)` for `x_i = offset * gen^i`, `i < count`: the Lagrange basis at `tau`
/// of a domain (or of its points `x_i`) when `f = Z(tau) / |domain|`.
fn lagrange(tau: Fr, offset: Fr, gen: Fr, count: usize, f: Fr) -> Res<Vec<Fr>> {
    let mut d = Vec::with_capacity(count);
    let mut x = offset;
    for _ in 0..count {
        d.push(tau - x);
        x *= gen;
    }
    if d.contains(&Fr::zero()) {
        return Err("tau is a domain point (change TOXIC_SEED)".into());
    }
    batch_inversion(&mut d);
    let mut x = offset * f;
    for di in &mut d {
        *di *= x;
        x *= gen;
    }
    Ok(d)
}

/// A section being written: its header goes out first, and [`Section::end`] checks that the
/// payload had the announced size.
struct Section {
    id: u32,
    start: u64,
    size: u64,
}

impl Section {
    fn begin<W: Write + Seek>(w: &mut W, id: u32, size: u64) -> io::Result<Self> {
        put_u32(w, id)?;
        w.write_all(&size.to_le_bytes())?;
        Ok(Self {
            id,
            start: w.stream_position()?,
            size,
        })
    }

    fn end<W: Write + Seek>(self, w: &mut W) -> Res<()> {
        let written = w.stream_position()? - self.start;
        if written != self.size {
            return Err(format!(
                "bug: section {} has {written} bytes, its header says {}",
                self.id, self.size
            )
            .into());
        }
        Ok(())
    }
}

/// `scalars[i] * base` for all `i` (fixed-base, parallel inside arkworks), written in chunks.
fn write_points<G: ScalarMul<ScalarField = Fr>, W: Write>(
    w: &mut W,
    table: &BatchMulPreprocessing<G>,
    scalars: &[Fr],
    put: fn(&mut W, &G::MulBase) -> io::Result<()>,
) -> io::Result<()> {
    for chunk in scalars.chunks(CHUNK) {
        for p in table.batch_mul(chunk) {
            put(w, &p)?;
        }
    }
    Ok(())
}

fn put_u32<W: Write>(w: &mut W, x: u32) -> io::Result<()> {
    w.write_all(&x.to_le_bytes())
}

/// A 256-bit integer, little-endian.
fn put_bigint<W: Write>(w: &mut W, x: &BigInt<4>) -> io::Result<()> {
    for limb in x.0 {
        w.write_all(&limb.to_le_bytes())?;
    }
    Ok(())
}

/// An Fq in Montgomery form: arkworks' internal representation is exactly snarkjs's
/// (`x 2^256 mod p`, the inverse of format.rs's `Fq::new_unchecked`).
fn put_fq<W: Write>(w: &mut W, x: &Fq) -> io::Result<()> {
    put_bigint(w, &x.0)
}

/// A G1 point `x | y` (Montgomery), infinity as all zeros.
fn put_g1<W: Write>(w: &mut W, p: &G1Affine) -> io::Result<()> {
    match p.xy() {
        Some((x, y)) => {
            put_fq(w, &x)?;
            put_fq(w, &y)
        }
        None => w.write_all(&[0u8; 64]),
    }
}

/// A G2 point `x.c0 | x.c1 | y.c0 | y.c1` (Montgomery), infinity as all zeros.
fn put_g2<W: Write>(w: &mut W, p: &G2Affine) -> io::Result<()> {
    match p.xy() {
        Some((x, y)) => {
            put_fq(w, &x.c0)?;
            put_fq(w, &x.c1)?;
            put_fq(w, &y.c0)?;
            put_fq(w, &y.c1)
        }
        None => w.write_all(&[0u8; 128]),
    }
}
