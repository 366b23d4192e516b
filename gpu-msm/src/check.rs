//! Checks on what comes back from the GPU, before anything of it is used.
//!
//! 1. Every coordinate is an integer below p (a flipped high bit or uninitialised memory fails).
//! 2. Every returned point is on the curve (`Y^2 Z = X^3 + 3 Z^3`; BN254 G1 has cofactor 1, so
//!    this also means in the group). Random corruption of a coordinate fails this with
//!    overwhelming probability.
//! 3. A randomized spot check: a few reduction threads, chosen at random, are recomputed on the
//!    CPU from the plan (their buckets' entries, summed with the formulas the kernel uses) and
//!    compared. This catches a GPU that returns valid-looking but wrong points (a skipped
//!    entry, a mis-sorted bucket, a miscompiled loop): when a fraction `f` of the threads is
//!    wrong, `k` checks miss it with probability `(1 - f)^k`. Its cost is bounded by choosing
//!    only threads whose buckets hold few entries.
//!
//! A failure is an [`Error::Check`]; the engine then falls back to the CPU and stops using the
//! GPU for the rest of the session.

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::AffineRepr;

use crate::formulas;
use crate::gpu::parse_output;
use crate::plan::{Plan, NEG_FLAG};
use crate::repr::Homogeneous;
use crate::Error;

/// A small non-cryptographic generator (xorshift64*) for choosing spot checks.
#[derive(Clone, Debug)]
pub struct SpotRng(u64);

impl SpotRng {
    /// Seeded generator (a zero seed is replaced).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// Next value below `n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

/// The sum of one bucket, recomputed on the CPU with the kernel's formulas.
fn bucket_sum(plan: &Plan, bases: &[G1Affine], g: u32) -> Homogeneous {
    let mut acc = Homogeneous::IDENTITY;
    for &e in plan.bucket_entries(g) {
        let p = &bases[plan.point_index[(e & !NEG_FLAG) as usize] as usize];
        let p = if e & NEG_FLAG != 0 { -*p } else { *p };
        if let Some((x, y)) = p.xy() {
            acc = formulas::add_mixed(&acc, x, y);
        }
    }
    acc
}

/// Reduction thread `t`'s `(S, A)`, recomputed on the CPU.
fn reduce_thread(plan: &Plan, bases: &[G1Affine], t: u32) -> (Homogeneous, Homogeneous) {
    let cpw = plan.buckets / plan.reduce_chunk;
    let (w, lo) = (t / cpw, (t % cpw) * plan.reduce_chunk);
    let mut acc = Homogeneous::IDENTITY;
    let mut sum = Homogeneous::IDENTITY;
    for j in (0..plan.reduce_chunk).rev() {
        acc = formulas::add(&acc, &bucket_sum(plan, bases, w * plan.buckets + lo + j));
        sum = formulas::add(&sum, &acc);
    }
    (sum, acc)
}

/// Number of entries reduction thread `t` covers.
fn thread_entries(plan: &Plan, t: u32) -> u32 {
    let cpw = plan.buckets / plan.reduce_chunk;
    let g0 = (t / cpw) * plan.buckets + (t % cpw) * plan.reduce_chunk;
    plan.bucket_start[(g0 + plan.reduce_chunk) as usize] - plan.bucket_start[g0 as usize]
}

/// Validate the GPU's reduction output and convert it to arkworks points (see the module
/// documentation). `spot_checks` threads are recomputed.
pub fn check_output(
    plan: &Plan,
    bases: &[G1Affine],
    words: &[u32],
    spot_checks: u32,
    rng: &mut SpotRng,
) -> Result<Vec<(G1Projective, G1Projective)>, Error> {
    let threads = plan.reduce_threads();
    let parsed = parse_output(words);
    if parsed.len() != threads as usize {
        return Err(Error::Check(format!(
            "expected {threads} reduction results, got {}",
            parsed.len()
        )));
    }
    let mut out = Vec::with_capacity(parsed.len());
    for (t, pair) in parsed.iter().enumerate() {
        let (s, a) = pair.as_ref().ok_or_else(|| {
            Error::Check(format!("reduction thread {t}: a coordinate is not below p"))
        })?;
        if !s.is_on_curve() || !a.is_on_curve() {
            return Err(Error::Check(format!(
                "reduction thread {t}: a point is not on the curve"
            )));
        }
        out.push((*s, *a));
    }
    if spot_checks > 0 && threads > 0 {
        let total = plan.entries.len() as u64;
        let budget = (4 * total / u64::from(threads)).max(4096);
        let mut done = 0;
        let mut tries = 0;
        while done < spot_checks && tries < 8 * spot_checks {
            tries += 1;
            let t = rng.below(u64::from(threads)) as u32;
            if u64::from(thread_entries(plan, t)) > budget {
                continue;
            }
            let (s, a) = reduce_thread(plan, bases, t);
            let (gs, ga) = &out[t as usize];
            if s.to_ark() != gs.to_ark() || a.to_ark() != ga.to_ark() {
                return Err(Error::Check(format!(
                    "spot check: reduction thread {t} (window {}) differs from the CPU",
                    t / (plan.buckets / plan.reduce_chunk)
                )));
            }
            done += 1;
        }
    }
    Ok(out.iter().map(|(s, a)| (s.to_ark(), a.to_ark())).collect())
}

/// Run the whole plan on the CPU with the kernel's formulas (a reference for tests of the plan
/// and of the formulas, independent of any GPU).
pub fn simulate(plan: &Plan, bases: &[G1Affine]) -> G1Projective {
    let sums: Vec<(G1Projective, G1Projective)> = (0..plan.reduce_threads())
        .map(|t| {
            let (s, a) = reduce_thread(plan, bases, t);
            (s.to_ark(), a.to_ark())
        })
        .collect();
    plan.combine(&sums)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanConfig;
    use ark_bn254::Fr;
    use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
    use ark_ff::{BigInt, PrimeField, UniformRand};
    use rand::SeedableRng;

    #[test]
    fn simulated_plan_equals_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        for (n, c) in [
            (1usize, None),
            (7, Some(4)),
            (100, None),
            (257, Some(9)),
            (1000, Some(6)),
        ] {
            let bases: Vec<G1Affine> = (0..n)
                .map(|i| {
                    if i % 31 == 5 {
                        G1Affine::identity()
                    } else {
                        (G1Projective::generator() * Fr::rand(&mut rng)).into_affine()
                    }
                })
                .collect();
            let scalars: Vec<BigInt<4>> = (0..n)
                .map(|i| match i % 4 {
                    0 => BigInt::from(0u64),
                    1 => BigInt::from(1u64),
                    2 => BigInt::from((i * 7919) as u64),
                    _ => Fr::rand(&mut rng).into_bigint(),
                })
                .collect();
            let plan = Plan::new(
                &bases,
                &scalars,
                &PlanConfig {
                    window_bits: c,
                    piece_len: 4,
                    reduce_threads: 3,
                    ..PlanConfig::default()
                },
            );
            let expect = G1Projective::msm_bigint(&bases, &scalars);
            assert_eq!(simulate(&plan, &bases), expect, "n={n}");
        }
    }
}
