//! The CPU half of the GPU MSM: signed-digit recoding, bucket sorting and the work plan.
//!
//! Pippenger's bucket method with `c`-bit signed windows. A scalar `s < 2^254` is recoded into
//! `W = ceil(255 / c)` digits (`ceil((k + 1) / c)` for scalars below `2^k`:
//! [`PlanConfig::scalar_bits`]) `d_w` in `[-2^(c-1), 2^(c-1)]` with `s = sum d_w 2^(c w)` (a digit
//! at or above `2^(c-1)` becomes `d - 2^c` and carries one into the next window; the top window
//! is never recoded and cannot overflow because `c W >= 255`, or `k + 1`). Digit `d != 0` puts `sign(d) P`
//! into bucket `|d| - 1` of window `w`, so each window has `B = 2^(c-1)` buckets (half of the
//! unsigned method: negating an affine point is free).
//!
//! The plan is a CSR matrix: for every window, the point indices of each bucket, contiguous
//! (`entries`, with the sign in bit 31), produced by a counting sort per window (windows in
//! parallel). Zero scalars and points at infinity are dropped before anything else (real
//! witnesses have many zeros).
//!
//! Load balance: a bucket's entries are cut into *segments* of at most `piece_len` entries; one
//! GPU thread sums one segment. Pass 0 sums entries (affine points, mixed additions); a bucket
//! with several segments leaves several partial sums, which the next pass sums again in
//! segments (projective additions), until every bucket has one sum. Skewed scalars (a witness
//! full of ones puts most points into bucket 0 of window 0) thus cost `log_T(n)` short passes
//! instead of one thread walking the whole bucket.
//!
//! Bucket reduction: each window's `B` buckets are cut into chunks of `m`; one GPU thread runs
//! the running-sum trick over its chunk and returns `(S, A)` with `S = sum (b - lo + 1) B_b` and
//! `A = sum B_b`; the CPU adds `lo * A` and combines windows (Horner, `c` doublings each).

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AdditiveGroup, AffineRepr, PrimeGroup};
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};

#[cfg(feature = "parallel")]
use rayon::prelude::*;

/// Bit 31 of an entry: the point is negated.
pub const NEG_FLAG: u32 = 1 << 31;
/// Bit 31 of a segment destination: the sum is a final bucket sum (index into the bucket array),
/// not a partial sum (index into the partials array).
pub const FINAL_FLAG: u32 = 1 << 31;
/// Bits of the scalar field (scalars are below `r < 2^254`).
pub const SCALAR_BITS: u32 = 254;

/// The most buckets one GPU reduction thread runs over. Measured on lavapipe (2026-11-21):
/// reduction threads over 128 or more non-empty buckets return points off the curve (caught by
/// the result check, which then falls back to the CPU), at every window size; 64 and less are
/// exact at every size tested (`gpu_equals_cpu_for_every_window_size`,
/// `gpu_large_windows_dense_buckets`). The root cause is not found yet (the same kernel code is
/// exact over short runs, and the CPU simulation of the plan is exact for any chunk), so the
/// chunk is capped; more threads only mean more (small) CPU scalar multiplications at the end.
pub const MAX_REDUCE_CHUNK: u32 = 64;

/// Tuning knobs of the plan (defaults are sensible for every size).
#[derive(Clone, Copy, Debug)]
pub struct PlanConfig {
    /// Window size `c` (4..=18); `None` picks one from the number of points.
    pub window_bits: Option<u32>,
    /// Maximum entries (pass 0) or partial sums (later passes) one GPU thread adds.
    pub piece_len: u32,
    /// About how many GPU threads the bucket reduction should use (also the number of small
    /// scalar multiplications left to the CPU).
    pub reduce_threads: u32,
    /// Every scalar is below `2^scalar_bits` (at most [`SCALAR_BITS`]; the CPU MSM's GLV
    /// halves have 128): the plan has `ceil((scalar_bits + 1) / c)` windows.
    pub scalar_bits: u32,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            window_bits: None,
            piece_len: 32,
            reduce_threads: 2048,
            scalar_bits: SCALAR_BITS,
        }
    }
}

/// The window size minimising the estimated number of additions for `n` points: about `n` mixed
/// additions per window plus about `2 B` (projective, ~10% dearer) for the bucket reduction.
pub fn choose_window_bits(n: usize) -> u32 {
    let n = n.max(1) as f64;
    (4u32..=18)
        .min_by(|&a, &b| {
            let cost = |c: u32| {
                let w = f64::from(windows_for(c));
                w * (n + 2.2 * f64::from(1u32 << (c - 1)))
            };
            cost(a).total_cmp(&cost(b))
        })
        .unwrap_or(8)
}

/// Number of windows for window size `c`: `ceil(255 / c)` (see the module documentation).
pub fn windows_for(c: u32) -> u32 {
    windows_for_bits(c, SCALAR_BITS)
}

/// Number of windows for window size `c` and scalars below `2^bits`: `ceil((bits + 1) / c)`
/// (the extra bit takes the carry of the signed recoding).
pub fn windows_for_bits(c: u32, bits: u32) -> u32 {
    (bits + 1).div_ceil(c)
}

/// Bits `[w c, w c + c)` of `s`.
fn raw_window(s: &BigInt<4>, w: u32, c: u32) -> u32 {
    let offset = w * c;
    let limb = (offset / 64) as usize;
    if limb >= 4 {
        return 0;
    }
    let sh = offset % 64;
    let mut v = s.0[limb] >> sh;
    if sh + c > 64 && limb + 1 < 4 {
        v |= s.0[limb + 1] << (64 - sh);
    }
    (v & ((1u64 << c) - 1)) as u32
}

/// Carry into each window (bit `w` of the result) of the signed recoding of `s`.
fn carry_mask(s: &BigInt<4>, c: u32, windows: u32) -> u64 {
    let half = 1u32 << (c - 1);
    let mut mask = 0u64;
    let mut carry = 0u32;
    for w in 0..windows {
        if carry == 1 {
            mask |= 1 << w;
        }
        let v = raw_window(s, w, c) + carry;
        carry = u32::from(w + 1 < windows && v >= half);
    }
    mask
}

/// The signed digit of window `w` given the precomputed carry mask.
#[inline]
fn digit(s: &BigInt<4>, w: u32, c: u32, windows: u32, mask: u64) -> i32 {
    let v = raw_window(s, w, c) + ((mask >> w) & 1) as u32;
    if w + 1 < windows && v >= 1 << (c - 1) {
        v as i32 - (1i32 << c)
    } else {
        v as i32
    }
}

/// All signed digits of `s` (for tests and the CPU reference).
pub fn signed_digits(s: &BigInt<4>, c: u32) -> Vec<i32> {
    let windows = windows_for(c);
    let mask = carry_mask(s, c, windows);
    (0..windows)
        .map(|w| digit(s, w, c, windows, mask))
        .collect()
}

/// One GPU pass: segments `(start, len, dest)`; pass 0 reads `entries`, later passes read partial
/// sums.
#[derive(Clone, Debug, Default)]
pub struct Pass {
    /// Flattened `(start, len, dest)` triples.
    pub segments: Vec<u32>,
}

impl Pass {
    /// Number of segments (= GPU threads).
    pub fn len(&self) -> usize {
        self.segments.len() / 3
    }

    /// Whether the pass has no segments.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }
}

/// Everything the GPU needs for one MSM, and what the CPU needs to finish it.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Original index of each used point (non-zero scalar, finite point), in upload order.
    pub point_index: Vec<u32>,
    /// Window size `c`.
    pub c: u32,
    /// Number of windows `W`.
    pub windows: u32,
    /// Buckets per window `B = 2^(c-1)`.
    pub buckets: u32,
    /// Signed indices (into the uploaded points) sorted by (window, bucket).
    pub entries: Vec<u32>,
    /// `bucket_start[g]..bucket_start[g + 1]` are the entries of global bucket `g = w B + b`.
    pub bucket_start: Vec<u32>,
    /// The accumulation passes (pass 0 over entries, then over partial sums).
    pub passes: Vec<Pass>,
    /// Number of partial sums all passes write.
    pub partials: u32,
    /// Buckets per reduction thread `m` (a power of two dividing `B`).
    pub reduce_chunk: u32,
}

impl Plan {
    /// Total number of buckets `W B`.
    pub fn total_buckets(&self) -> u32 {
        self.windows * self.buckets
    }

    /// Reduction threads: `W B / m`.
    pub fn reduce_threads(&self) -> u32 {
        self.total_buckets() / self.reduce_chunk
    }

    /// Entries of global bucket `g`.
    pub fn bucket_entries(&self, g: u32) -> &[u32] {
        &self.entries
            [self.bucket_start[g as usize] as usize..self.bucket_start[g as usize + 1] as usize]
    }

    /// Build the plan for `bases` and canonical `scalars` (same length).
    pub fn new(bases: &[G1Affine], scalars: &[BigInt<4>], config: &PlanConfig) -> Plan {
        let n = bases.len().min(scalars.len());
        Self::build(n, scalars, |i| bases[i].is_zero(), config, true)
    }

    /// The plan of any MSM (G1 or G2): `infinity(i)` says whether base `i` is the identity.
    /// `gpu_passes = false` skips the GPU's segment passes (the CPU MSM does not use them).
    pub fn build(
        n: usize,
        scalars: &[BigInt<4>],
        infinity: impl Fn(usize) -> bool,
        config: &PlanConfig,
        gpu_passes: bool,
    ) -> Plan {
        let point_index: Vec<u32> = (0..n.min(scalars.len()))
            .filter(|&i| !scalars[i].is_zero() && !infinity(i))
            .map(|i| i as u32)
            .collect();
        let n = point_index.len();
        let c = config
            .window_bits
            .unwrap_or_else(|| choose_window_bits(n))
            .clamp(4, 18);
        let bits = config.scalar_bits.clamp(1, SCALAR_BITS);
        let windows = windows_for_bits(c, bits);
        let buckets = 1u32 << (c - 1);
        let used: Vec<&BigInt<4>> = point_index.iter().map(|&i| &scalars[i as usize]).collect();

        #[cfg(feature = "parallel")]
        let masks: Vec<u64> = used.par_iter().map(|s| carry_mask(s, c, windows)).collect();
        #[cfg(not(feature = "parallel"))]
        let masks: Vec<u64> = used.iter().map(|s| carry_mask(s, c, windows)).collect();

        // Counting sort, one window at a time (windows in parallel): counts, then fill.
        let count_window = |w: u32| -> Vec<u32> {
            let mut counts = vec![0u32; buckets as usize];
            for (s, &mask) in used.iter().zip(&masks) {
                let d = digit(s, w, c, windows, mask);
                if d != 0 {
                    counts[d.unsigned_abs() as usize - 1] += 1;
                }
            }
            counts
        };
        #[cfg(feature = "parallel")]
        let counts: Vec<Vec<u32>> = (0..windows).into_par_iter().map(count_window).collect();
        #[cfg(not(feature = "parallel"))]
        let counts: Vec<Vec<u32>> = (0..windows).map(count_window).collect();

        let mut bucket_start = Vec::with_capacity((windows * buckets) as usize + 1);
        let mut total = 0u32;
        let mut window_sizes = Vec::with_capacity(windows as usize);
        for wc in &counts {
            let before = total;
            for &k in wc {
                bucket_start.push(total);
                total += k;
            }
            window_sizes.push((total - before) as usize);
        }
        bucket_start.push(total);

        let mut entries = vec![0u32; total as usize];
        let mut slices: Vec<&mut [u32]> = Vec::with_capacity(windows as usize);
        let mut rest: &mut [u32] = &mut entries;
        for &size in &window_sizes {
            let (head, tail) = rest.split_at_mut(size);
            slices.push(head);
            rest = tail;
        }
        let fill_window = |(w, (slice, wc)): (usize, (&mut [u32], &Vec<u32>))| {
            let mut next: Vec<u32> = Vec::with_capacity(wc.len());
            let mut acc = 0u32;
            for &k in wc {
                next.push(acc);
                acc += k;
            }
            for (k, (s, &mask)) in used.iter().zip(&masks).enumerate() {
                let d = digit(s, w as u32, c, windows, mask);
                if d != 0 {
                    let b = d.unsigned_abs() as usize - 1;
                    slice[next[b] as usize] = k as u32 | if d < 0 { NEG_FLAG } else { 0 };
                    next[b] += 1;
                }
            }
        };
        #[cfg(feature = "parallel")]
        slices
            .into_par_iter()
            .zip(counts.par_iter())
            .enumerate()
            .for_each(fill_window);
        #[cfg(not(feature = "parallel"))]
        slices
            .into_iter()
            .zip(counts.iter())
            .enumerate()
            .for_each(fill_window);

        let (passes, partials) = if gpu_passes {
            segment_passes(&bucket_start, config.piece_len.max(2))
        } else {
            (Vec::new(), 0)
        };

        let total_buckets = windows * buckets;
        let target = config.reduce_threads.max(1);
        let reduce_chunk = (total_buckets / target)
            .max(1)
            .next_power_of_two()
            .min(buckets)
            .min(MAX_REDUCE_CHUNK);

        Plan {
            point_index,
            c,
            windows,
            buckets,
            entries,
            bucket_start,
            passes,
            partials,
            reduce_chunk,
        }
    }

    /// Finish on the CPU: from the reduction threads' `(S, A)` pairs (in thread order) to the
    /// MSM result. See the module documentation.
    pub fn combine(&self, chunk_sums: &[(G1Projective, G1Projective)]) -> G1Projective {
        let chunks_per_window = (self.buckets / self.reduce_chunk) as usize;
        let window_sum = |w: usize| -> G1Projective {
            let mut acc = G1Projective::zero();
            let mine = &chunk_sums[w * chunks_per_window..(w + 1) * chunks_per_window];
            for (k, (s, a)) in mine.iter().enumerate() {
                acc += s;
                // Chunk k of the window starts at bucket index lo = k m.
                let lo = k as u64 * u64::from(self.reduce_chunk);
                if lo > 0 {
                    acc += a.mul_bigint([lo]);
                }
            }
            acc
        };
        #[cfg(feature = "parallel")]
        let sums: Vec<G1Projective> = (0..self.windows as usize)
            .into_par_iter()
            .map(window_sum)
            .collect();
        #[cfg(not(feature = "parallel"))]
        let sums: Vec<G1Projective> = (0..self.windows as usize).map(window_sum).collect();
        let mut result = G1Projective::zero();
        for s in sums.iter().rev() {
            for _ in 0..self.c {
                result.double_in_place();
            }
            result += s;
        }
        result
    }
}

/// Cut every bucket's entries into segments of at most `t`, then the partial sums again, until
/// every bucket has one sum. Returns the passes and the number of partial sums written.
fn segment_passes(bucket_start: &[u32], t: u32) -> (Vec<Pass>, u32) {
    let mut passes = Vec::new();
    let mut next_partial = 0u32;
    // (bucket, start, len) still to be summed; pass 0 starts from the entries.
    let mut pending: Vec<(u32, u32, u32)> = bucket_start
        .windows(2)
        .enumerate()
        .filter(|(_, r)| r[1] > r[0])
        .map(|(g, r)| (g as u32, r[0], r[1] - r[0]))
        .collect();
    while !pending.is_empty() {
        let mut pass = Pass::default();
        let mut still = Vec::new();
        for &(g, start, len) in &pending {
            let pieces = len.div_ceil(t);
            if pieces == 1 {
                pass.segments
                    .extend_from_slice(&[start, len, FINAL_FLAG | g]);
                continue;
            }
            let (base, extra) = (len / pieces, len % pieces);
            let first = next_partial;
            let mut s = start;
            for i in 0..pieces {
                let l = base + u32::from(i < extra);
                pass.segments.extend_from_slice(&[s, l, next_partial]);
                next_partial += 1;
                s += l;
            }
            still.push((g, first, pieces));
        }
        passes.push(pass);
        pending = still;
    }
    (passes, next_partial)
}

/// Canonical integers of field elements (what the plan and arkworks' `msm_bigint` take).
pub fn scalars_to_bigints(scalars: &[Fr]) -> Vec<BigInt<4>> {
    #[cfg(feature = "parallel")]
    return scalars.par_iter().map(|s| s.into_bigint()).collect();
    #[cfg(not(feature = "parallel"))]
    return scalars.iter().map(|s| s.into_bigint()).collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, UniformRand};
    use num_check::*;
    use rand::SeedableRng;

    mod num_check {
        use ark_bn254::Fr;
        use ark_ff::{BigInt, Field, PrimeField};
        /// `sum d_w 2^(c w)` as a field element.
        pub fn recompose(digits: &[i32], c: u32) -> Fr {
            let base = Fr::from(2u64).pow([u64::from(c)]);
            let mut acc = Fr::from(0u64);
            for d in digits.iter().rev() {
                acc *= base;
                let v = Fr::from(u64::from(d.unsigned_abs()));
                acc += if *d < 0 { -v } else { v };
            }
            acc
        }
        pub fn fr(x: &BigInt<4>) -> Fr {
            Fr::from_bigint(*x).unwrap()
        }
    }

    #[test]
    fn signed_digits_recompose_and_stay_in_range() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let mut samples: Vec<BigInt<4>> =
            (0..200).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        samples.push((-Fr::from(1u64)).into_bigint()); // r - 1: the largest scalar
        samples.push(BigInt::from(1u64));
        samples.push(BigInt::from(u64::MAX));
        for c in 4..=18 {
            let half = 1i32 << (c - 1);
            for s in &samples {
                let d = signed_digits(s, c);
                assert_eq!(d.len() as u32, windows_for(c));
                assert!(d.iter().all(|&x| (-half..=half).contains(&x)), "c={c}");
                assert_eq!(recompose(&d, c), fr(s), "c={c}");
            }
        }
    }

    #[test]
    fn plan_sorts_every_digit_into_its_bucket() {
        use ark_ec::{CurveGroup, PrimeGroup};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(4);
        let n = 300;
        let bases: Vec<G1Affine> = (0..n)
            .map(|i| {
                if i % 17 == 0 {
                    G1Affine::identity()
                } else {
                    (G1Projective::generator() * Fr::from(i as u64 + 1)).into_affine()
                }
            })
            .collect();
        let scalars: Vec<BigInt<4>> = (0..n)
            .map(|i| match i % 5 {
                0 => BigInt::from(0u64),
                1 => BigInt::from(1u64),
                2 => BigInt::from(i as u64),
                _ => Fr::rand(&mut rng).into_bigint(),
            })
            .collect();
        for c in [4, 7, 13] {
            let plan = Plan::new(
                &bases,
                &scalars,
                &PlanConfig {
                    window_bits: Some(c),
                    piece_len: 3,
                    reduce_threads: 5,
                    ..PlanConfig::default()
                },
            );
            assert!(plan
                .point_index
                .iter()
                .all(|&i| !scalars[i as usize].is_zero() && !bases[i as usize].is_zero()));
            // Recompose each used scalar from the buckets it landed in.
            let mut acc = vec![Fr::from(0u64); plan.point_index.len()];
            for w in 0..plan.windows {
                for b in 0..plan.buckets {
                    for &e in plan.bucket_entries(w * plan.buckets + b) {
                        let k = (e & !NEG_FLAG) as usize;
                        let v = Fr::from(u64::from(b + 1)) * Fr::from(2u64).pow([u64::from(c * w)]);
                        acc[k] += if e & NEG_FLAG != 0 { -v } else { v };
                    }
                }
            }
            for (k, &i) in plan.point_index.iter().enumerate() {
                assert_eq!(acc[k], fr(&scalars[i as usize]), "c={c} k={k}");
            }
            // Every bucket with entries ends in exactly one final segment.
            let mut finals = vec![0; plan.total_buckets() as usize];
            for pass in &plan.passes {
                for s in pass.segments.chunks(3) {
                    assert!(s[1] >= 1 && s[1] <= 3);
                    if s[2] & FINAL_FLAG != 0 {
                        finals[(s[2] & !FINAL_FLAG) as usize] += 1;
                    }
                }
            }
            for g in 0..plan.total_buckets() {
                let expect = usize::from(!plan.bucket_entries(g).is_empty());
                assert_eq!(finals[g as usize], expect);
            }
            assert_eq!(plan.buckets % plan.reduce_chunk, 0);
        }
    }

    #[test]
    fn window_choice_grows_with_size() {
        let c10 = choose_window_bits(1 << 10);
        let c16 = choose_window_bits(1 << 16);
        let c20 = choose_window_bits(1 << 20);
        assert!(c10 < c16 && c16 <= c20, "{c10} {c16} {c20}");
        assert!((4..=18).contains(&choose_window_bits(1)));
    }
}
