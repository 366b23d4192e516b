//! Sums of many groups of G1 points at once, by batch-affine additions on unpacked 29-bit limbs:
//! the row sums of the wasm verifier's public-input sum (`zkagg_core`'s `InputComb`; the
//! bucket sums of a one-shot key's).
//!
//! Adding `P = (x1, y1)` and `Q = (x2, y2)` with `x1 != x2` is
//!
//! `lambda = (y2 - y1) / (x2 - x1)`, `x3 = lambda^2 - x1 - x2`, `y3 = lambda (x1 - x3) - y1`.
//!
//! Each round adds the points of every group in pairs (an odd one out waits for the next round),
//! so a group of `n` points takes `ceil(log2 n)` rounds and `n - 1` additions, all groups in the
//! same rounds; the divisions of a round share one field inversion (Montgomery's trick: three
//! products per pair), so an addition costs six products.
//!
//! The points are unpacked once into [`Fq29`] pairs (the packed form of [`crate::backend`]
//! unpacks both factors and packs the result of every product) and the products take loose
//! operands where [`Fq29::mul`]'s bound allows it: the denominators `x2 - x1` and the numerators
//! `y2 - y1` are [`Fq29::sub_loose`] values, each used only as the one loose factor of its
//! products; the running products and inverses are [`Fq29::mul_loose`] values (below `2p` on
//! 29-bit limbs, fit as the other factor). Stored coordinates are canonical, so `x1 == x2`
//! compares values.
//!
//! The formula does not apply when `x1 = x2` (`Q = P`, a doubling, or `Q = -P`, the identity)
//! or when either point is the identity. An honest key's comb tables meet such pairs only by
//! coincidence, but a crafted key can force them; they are added case by case instead (the
//! other point, the identity, or the affine doubling), so every input gives the exact group
//! sum. The identity is held as `(0, 0)`, which is not on `y^2 = x^3 + 3`.

use alloc::vec::Vec;

use ark_ec::AffineRepr;
use ark_ff::Field;

use crate::backend::{fq_from_ark, from_fq29, to_fq29};
use crate::bn::G1Affine;
use crate::Fq29;

/// An affine point on canonical unpacked coordinates; `(0, 0)` is the identity.
#[derive(Clone, Copy)]
struct Point {
    x: Fq29,
    y: Fq29,
}

impl Point {
    const IDENTITY: Point = Point {
        x: Fq29::ZERO,
        y: Fq29::ZERO,
    };

    fn from_affine(p: &G1Affine) -> Point {
        match p.xy() {
            Some((x, y)) => Point {
                x: to_fq29(&x),
                y: to_fq29(&y),
            },
            None => Point::IDENTITY,
        }
    }

    fn to_affine(self) -> G1Affine {
        if self.is_identity() {
            G1Affine::identity()
        } else {
            G1Affine::new_unchecked(from_fq29(&self.x), from_fq29(&self.y))
        }
    }

    /// Only the identity has `y = 0`: BN254's G1 has odd order, so no point of it has order 2.
    fn is_identity(&self) -> bool {
        self.y.is_zero()
    }

    /// Whether the affine formula cannot add `self` and `q` (an identity, or equal `x`).
    fn exceptional(&self, q: &Point) -> bool {
        self.is_identity() || q.is_identity() || self.x == q.x
    }

    /// `self + q` for a pair that is [`Point::exceptional`]: an identity gives the other
    /// point; otherwise `x1 = x2`, so `q = P` or `q = -P` (a curve point's `x` fixes `y` up to
    /// sign, and `y != 0`): equal `y` is a doubling, `lambda = 3 x^2 / (2 y)`, and opposite `y`
    /// the identity. Rare (one inversion of its own), so out of line.
    #[inline(never)]
    fn add_exceptional(&self, q: &Point) -> Point {
        if self.is_identity() {
            return *q;
        }
        if q.is_identity() {
            return *self;
        }
        if self.y != q.y {
            return Point::IDENTITY;
        }
        let three_x = self.x.double().add(&self.x);
        let slope = loose_product(&self.x, &three_x);
        self.add_with_slope(q, &loose_product(&slope, &invert(&self.y.double())))
    }

    /// `self + q` given `inverse = 1 / (q.x - self.x)` (a loose value below `2p`) for a pair
    /// that is not [`Point::exceptional`]; canonical result.
    fn add_with_inverse(&self, q: &Point, inverse: &Fq29) -> Point {
        self.add_with_slope(q, &loose_product(&q.y.sub_loose(&self.y), inverse))
    }

    /// The sum `(x3, y3)` of `self` and `q` from the slope `lambda` of the line through them
    /// (the tangent for a doubling; a loose value below `2p`):
    /// `x3 = lambda^2 - x1 - x2`, `y3 = lambda (x1 - x3) - y1`. Out of line, as the products.
    #[inline(never)]
    fn add_with_slope(&self, q: &Point, lambda: &Fq29) -> Point {
        let x = loose_product(lambda, lambda).reduce_once();
        let x = x.sub(&self.x).sub(&q.x);
        let y = loose_product(lambda, &self.x.sub_loose(&x)).reduce_once();
        let y = y.sub(&self.y);
        Point { x, y }
    }
}

/// [`Fq29::mul_loose`], out of line: the wasm verifier's download carries one copy of the
/// product's spelled-out rounds for every product of this module (inlined at each call site,
/// the module was 2.5x larger for no measured gain); [`Fq29::reduce_once`] after it where a
/// canonical value is needed.
#[inline(never)]
fn loose_product(a: &Fq29, b: &Fq29) -> Fq29 {
    a.mul_loose(b)
}

/// `1 / x` for `x` below `2p` on 29-bit limbs (`x != 0 mod p`), canonical.
#[inline(never)]
fn invert(x: &Fq29) -> Fq29 {
    // `to_ark` is a product, so it accepts the loose value; arkworks' inverse is one per round.
    let ark = x.to_ark().inverse().unwrap_or_default();
    to_fq29(&fq_from_ark(&ark))
}

/// The sum of each group of `points`: the groups lie one after another, `lengths[g]` points
/// for group `g`; an empty group sums to the identity. The same sums as adding each group's
/// points one by one (tested against arkworks' sums, exceptional pairs included).
pub fn group_sums(points: &[G1Affine], lengths: &[usize]) -> Vec<G1Affine> {
    let mut work: Vec<Point> = points.iter().map(Point::from_affine).collect();
    let mut lengths = lengths.to_vec();
    let mut denominators: Vec<Fq29> = Vec::new();
    let mut prefixes: Vec<Fq29> = Vec::new();
    while lengths.iter().any(|&n| n > 1) {
        // This round's denominators `x2 - x1` (1 for an exceptional pair: its inverse goes
        // unused), and the running products before each of them.
        denominators.clear();
        prefixes.clear();
        let mut product = Fq29::ONE;
        let mut start = 0;
        for &n in &lengths {
            for pair in work[start..start + n].chunks_exact(2) {
                let denominator = if pair[0].exceptional(&pair[1]) {
                    Fq29::ONE
                } else {
                    pair[1].x.sub_loose(&pair[0].x)
                };
                prefixes.push(product);
                product = loose_product(&product, &denominator);
                denominators.push(denominator);
            }
            start += n;
        }
        // Montgomery's trick, backwards: `inverse` is `1 / (d_0 ... d_i)` on entry to step i,
        // so `inverse * prefix_i = 1 / d_i`, and `inverse * d_i` moves it to step i - 1.
        let mut inverse = invert(&product);
        for (denominator, prefix) in denominators.iter_mut().zip(&prefixes).rev() {
            let own = loose_product(&inverse, prefix);
            inverse = loose_product(&inverse, denominator);
            *denominator = own;
        }

        // The sums, written over the front of the work space: the write position never passes
        // the pair being read (each group shrinks to at most its first half-plus-one slots).
        let (mut read, mut write, mut pair_index) = (0, 0, 0);
        for n in lengths.iter_mut() {
            for _ in 0..*n / 2 {
                let (p, q) = (work[read], work[read + 1]);
                work[write] = if p.exceptional(&q) {
                    p.add_exceptional(&q)
                } else {
                    p.add_with_inverse(&q, &denominators[pair_index])
                };
                read += 2;
                write += 1;
                pair_index += 1;
            }
            if *n % 2 == 1 {
                work[write] = work[read];
                read += 1;
                write += 1;
            }
            *n = n.div_ceil(2);
        }
        work.truncate(write);
    }
    let mut next = work.into_iter();
    lengths
        .iter()
        .map(|&n| match n {
            1 => next.next().map_or(G1Affine::identity(), Point::to_affine),
            _ => G1Affine::identity(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    use super::*;
    use crate::backend::fq_to_ark;
    use crate::bn::g1_from_ark;

    /// A point of this backend as arkworks' point.
    fn to_ark(p: &G1Affine) -> ark_bn254::G1Affine {
        match p.xy() {
            Some((x, y)) => ark_bn254::G1Affine::new_unchecked(fq_to_ark(&x), fq_to_ark(&y)),
            None => ark_bn254::G1Affine::identity(),
        }
    }

    type ArkAffine = ark_bn254::G1Affine;
    type ArkProjective = ark_bn254::G1Projective;

    /// Group sums equal arkworks' plain sums, with groups of every size from 0 to 9 and 33,
    /// and with the exceptional pairs: a point twice (doubling), a point and its negative
    /// (identity), the identity itself, and sums that meet as equal or opposite points in a
    /// later round.
    #[test]
    fn group_sums_equal_arkworks_sums_including_exceptional_pairs() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(29);
        let p = ArkProjective::rand(&mut rng).into_affine();
        let q = ArkProjective::rand(&mut rng).into_affine();
        let r = (p + q).into_affine();
        let mut groups: Vec<Vec<ArkAffine>> = (0..10)
            .chain([33])
            .map(|n| {
                (0..n)
                    .map(|_| ArkProjective::rand(&mut rng).into_affine())
                    .collect()
            })
            .collect();
        groups.extend([
            vec![p, p],
            vec![p, -p],
            vec![ArkAffine::zero(), p],
            vec![p, ArkAffine::zero()],
            vec![ArkAffine::zero(), ArkAffine::zero(), ArkAffine::zero()],
            vec![p, q, q, p],
            vec![p, q, -p, -q, r],
            vec![p, p, p, -p, -p, -p, r, -r],
        ]);
        let lengths: Vec<usize> = groups.iter().map(Vec::len).collect();
        let flat: Vec<G1Affine> = groups.iter().flatten().map(g1_from_ark).collect();
        let sums = group_sums(&flat, &lengths);
        assert_eq!(sums.len(), groups.len());
        for (group, sum) in groups.iter().zip(&sums) {
            let want: ArkProjective = group.iter().map(|&a| ArkProjective::from(a)).sum();
            assert_eq!(to_ark(sum), want.into_affine(), "{group:?}");
            assert!(sum.is_on_curve());
        }
        assert!(group_sums(&[], &[]).is_empty());
    }
}
