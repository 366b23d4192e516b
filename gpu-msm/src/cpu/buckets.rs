//! Step 1 of a window: every bucket's points summed pairwise in rounds of batch-affine
//! additions (one field inversion per round for the whole range of buckets).

use ark_ec::short_weierstrass::SWCurveConfig;

use super::Coord;
use crate::plan::{Plan, NEG_FLAG};

/// One level of pairwise bucket summation: points (with identity flags) and bucket bounds.
struct Level<C> {
    x: Vec<C>,
    y: Vec<C>,
    inf: Vec<bool>,
    bounds: Vec<u32>,
}

/// The sums of the global buckets `first .. last` (all in one window), as affine points
/// `(x, y)` in coordinates `C` (`None` = identity).
pub(super) fn bucket_sums<P, C>(
    plan: &Plan,
    coords: &[(C, C)],
    first: usize,
    last: usize,
) -> Vec<Option<(C, C)>>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    // Buckets in ranges of at most RANGE_ENTRIES points (at least one bucket each), so that a
    // range's working set (coordinates of every level) stays in the cache; one batch inversion
    // per round of a range still amortises over thousands of elements.
    const RANGE_ENTRIES: u32 = 1 << 13;
    let mut sums = Vec::with_capacity(last - first);
    let mut lo = first;
    while lo < last {
        let mut hi = lo + 1;
        while hi < last && plan.bucket_start[hi + 1] - plan.bucket_start[lo] <= RANGE_ENTRIES {
            hi += 1;
        }
        sums.extend(bucket_range_sums::<P, C>(plan, coords, lo, hi));
        lo = hi;
    }
    sums
}

/// The sums of buckets `g0 .. g1` (global bucket indices within one window).
fn bucket_range_sums<P, C>(
    plan: &Plan,
    coords: &[(C, C)],
    g0: usize,
    g1: usize,
) -> Vec<Option<(C, C)>>
where
    P: SWCurveConfig,
    C: Coord<P::BaseField>,
{
    let b = g1 - g0;
    let start = plan.bucket_start[g0] as usize;
    let end = plan.bucket_start[g0 + b] as usize;
    let mut lvl = Level {
        x: Vec::with_capacity(end - start),
        y: Vec::with_capacity(end - start),
        inf: vec![false; end - start],
        bounds: plan.bucket_start[g0..=g0 + b]
            .iter()
            .map(|&s| s - start as u32)
            .collect(),
    };
    // The gather: the points are stored in index order, so these reads are scattered over
    // all of `coords` (cache misses, 13-15% of an MSM in wasm when they were interleaved with
    // the negations). A bare copy loop keeps many reads in flight; the negations follow in a
    // second, sequential pass.
    let range = &plan.entries[start..end];
    lvl.x.resize(range.len(), C::zero());
    lvl.y.resize(range.len(), C::zero());
    for ((&e, x), y) in range.iter().zip(&mut lvl.x).zip(&mut lvl.y) {
        (*x, *y) = coords[(e & !NEG_FLAG) as usize];
    }
    for (&e, y) in range.iter().zip(&mut lvl.y) {
        if e & NEG_FLAG != 0 {
            *y = y.neg();
        }
    }
    let coeff_a = C::from_base(&P::COEFF_A);
    let half = lvl.x.len() / 2 + b;
    let mut next = Level {
        x: Vec::with_capacity(half),
        y: Vec::with_capacity(half),
        inf: Vec::with_capacity(half),
        bounds: Vec::with_capacity(b + 1),
    };
    let mut den: Vec<C> = Vec::new();
    loop {
        if lvl.bounds.windows(2).all(|r| r[1] - r[0] <= 1) {
            break;
        }
        // Denominators of every pair (x2 - x1, or 2 y1 to double; 1 when no inversion is
        // needed); x2 - x1 only ever gets inverted, so it may be loose.
        den.clear();
        for r in lvl.bounds.windows(2) {
            let (s, e) = (r[0] as usize, r[1] as usize);
            let mut i = s;
            while i + 1 < e {
                let d = if lvl.inf[i] || lvl.inf[i + 1] {
                    C::one()
                } else if lvl.x[i] != lvl.x[i + 1] {
                    lvl.x[i + 1].sub_loose(&lvl.x[i])
                } else if lvl.y[i] == lvl.y[i + 1] && !lvl.y[i].is_zero() {
                    lvl.y[i].double()
                } else {
                    C::one() // opposite points: the identity
                };
                den.push(d);
                i += 2;
            }
        }
        // One batch inversion for the whole round; every denominator is non-zero. The inverses
        // are loose, and so is lambda: both are only factors of products. The new coordinates
        // are canonical (they are compared in the next round).
        C::batch_inverse(&mut den);
        // Next level (into the spare buffers).
        next.x.clear();
        next.y.clear();
        next.inf.clear();
        next.bounds.clear();
        next.bounds.push(0);
        let mut k = 0;
        for r in lvl.bounds.windows(2) {
            let (s, e) = (r[0] as usize, r[1] as usize);
            let mut i = s;
            while i + 1 < e {
                let (x1, y1, x2, y2) = (lvl.x[i], lvl.y[i], lvl.x[i + 1], lvl.y[i + 1]);
                let dinv = den[k];
                k += 1;
                if lvl.inf[i] || lvl.inf[i + 1] {
                    let j = if lvl.inf[i] { i + 1 } else { i };
                    next.x.push(lvl.x[j]);
                    next.y.push(lvl.y[j]);
                    next.inf.push(lvl.inf[i] && lvl.inf[i + 1]);
                } else if x1 != x2 || (y1 == y2 && !y1.is_zero()) {
                    let lambda = if x1 != x2 {
                        // The loose difference is the second factor (`Coord::sub_loose`).
                        dinv.mul_loose(&y2.sub_loose(&y1))
                    } else {
                        // Doubling: (3 x^2 + a) / 2y.
                        let x2s = x1.square();
                        x2s.double().add(&x2s).add(&coeff_a).mul_loose(&dinv)
                    };
                    let x3 = lambda.square().sub(&x1).sub(&x2);
                    let y3 = lambda.mul(&x1.sub_loose(&x3)).sub(&y1);
                    next.x.push(x3);
                    next.y.push(y3);
                    next.inf.push(false);
                } else {
                    next.x.push(C::zero());
                    next.y.push(C::zero());
                    next.inf.push(true);
                }
                i += 2;
            }
            if (e - s) % 2 == 1 {
                next.x.push(lvl.x[e - 1]);
                next.y.push(lvl.y[e - 1]);
                next.inf.push(lvl.inf[e - 1]);
            }
            next.bounds.push(next.x.len() as u32);
        }
        std::mem::swap(&mut lvl, &mut next);
    }
    lvl.bounds
        .windows(2)
        .map(|r| {
            let i = r[0] as usize;
            (r[1] > r[0] && !lvl.inf[i]).then(|| (lvl.x[i], lvl.y[i]))
        })
        .collect()
}
