//! Sums of many groups of affine points at once, by batch-affine additions: the row sums of
//! the verifiers' public-input sums ([`crate::verifier::InputComb::combine`]; also the sums of
//! its tables' entries when a key is prepared) and the bucket sums of a one-shot key's.
//! [`GroupSums`] picks the code per G1 model: this module's generic sums on arkworks' G1,
//! `zkagg_field29::g1_sums` on the wasm verifier's.
//!
//! Adding two affine points `P = (x1, y1)`, `Q = (x2, y2)` with `x1 != x2` is
//!
//! `lambda = (y2 - y1) / (x2 - x1)`, `x3 = lambda^2 - x1 - x2`, `y3 = lambda (x1 - x3) - y1`,
//!
//! one division, two products and a square. The divisions of all the additions of a round share
//! one field inversion (Montgomery's trick: three products per element), so an addition costs
//! about six products instead of the eleven of a mixed Jacobian addition. Each round adds the
//! points of every group in pairs (an odd one out waits for the next round), so a group of `n`
//! points takes `ceil(log2 n)` rounds and `n - 1` additions, all groups in the same rounds.
//!
//! The formula does not apply when `x1 = x2` (then `Q = P`, a doubling, or `Q = -P`, the
//! identity) or when either point is the identity; such pairs (which an honest key's comb
//! tables meet only by coincidence, but a crafted key can force) are added by arkworks' complete
//! Jacobian formulas instead, so every input gives the exact group sum.

use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{batch_inversion, Field};

use crate::Fr;

/// A G1 curve model with its batch-affine group sums (the verifiers' input sums use them):
/// the same sums on either model, each on its fastest code. Natively arkworks' G1 takes this
/// module's generic [`group_sums`]; the wasm verifier's G1 on packed 29-bit limbs takes
/// `zkagg_field29::g1_sums`, which unpacks the points once and runs its products on loose
/// limbs (tested against arkworks' sums there, and both against scalar multiplications in
/// `crate::verifier`'s tests).
pub trait GroupSums: SWCurveConfig<ScalarField = Fr> {
    /// The sum of each group of `points`: the groups lie one after another, `lengths[g]`
    /// points for group `g`; an empty group sums to the identity.
    fn group_sums(points: Vec<Affine<Self>>, lengths: &[usize]) -> Vec<Affine<Self>>;
}

impl GroupSums for ark_bn254::g1::Config {
    fn group_sums(points: Vec<Affine<Self>>, lengths: &[usize]) -> Vec<Affine<Self>> {
        group_sums(points, lengths)
    }
}

impl GroupSums for zkagg_field29::bn::G1Config {
    fn group_sums(points: Vec<Affine<Self>>, lengths: &[usize]) -> Vec<Affine<Self>> {
        zkagg_field29::g1_sums::group_sums(&points, lengths)
    }
}

/// Whether the affine formula cannot add `p` and `q` (an identity, or equal `x`).
fn exceptional<C: SWCurveConfig>(p: &Affine<C>, q: &Affine<C>) -> bool {
    p.is_zero() || q.is_zero() || p.x == q.x
}

/// `p + q` given `inverse = 1 / (q.x - p.x)` for a pair that is not [`exceptional`].
fn add_with_inverse<C: SWCurveConfig>(
    p: &Affine<C>,
    q: &Affine<C>,
    inverse: &C::BaseField,
) -> Affine<C> {
    let lambda = (q.y - p.y) * inverse;
    let x = lambda.square() - p.x - q.x;
    let y = lambda * (p.x - x) - p.y;
    Affine::new_unchecked(x, y)
}

/// `entries` (group index below `groups`, point) laid out group after group, with each group's
/// length: the input of [`group_sums`] (a counting sort; `entries` is walked twice).
pub(crate) fn sort_into_groups<C: SWCurveConfig, I>(
    groups: usize,
    entries: I,
) -> (Vec<Affine<C>>, Vec<usize>)
where
    I: Iterator<Item = (usize, Affine<C>)> + Clone,
{
    let mut lengths = vec![0usize; groups];
    for (group, _) in entries.clone() {
        lengths[group] += 1;
    }
    let mut offsets = Vec::with_capacity(groups);
    let mut total = 0;
    for &n in &lengths {
        offsets.push(total);
        total += n;
    }
    let mut sorted = vec![Affine::<C>::identity(); total];
    for (group, point) in entries {
        sorted[offsets[group]] = point;
        offsets[group] += 1;
    }
    (sorted, lengths)
}

/// The sum of each group of `points`: the groups lie one after another, `lengths[g]` points
/// for group `g`; an empty group sums to the identity. Consumes `points` as its work space.
pub(crate) fn group_sums<C: SWCurveConfig>(
    mut points: Vec<Affine<C>>,
    lengths: &[usize],
) -> Vec<Affine<C>> {
    let mut lengths = lengths.to_vec();
    let mut denominators = Vec::new();
    while lengths.iter().any(|&n| n > 1) {
        // The denominators `x2 - x1` of this round's pairs, group after group (1 where the
        // pair is exceptional: that slot's inverse goes unused).
        denominators.clear();
        let mut start = 0;
        for &n in &lengths {
            for pair in points[start..start + n].chunks_exact(2) {
                let (p, q) = (&pair[0], &pair[1]);
                denominators.push(if exceptional(p, q) {
                    C::BaseField::ONE
                } else {
                    q.x - p.x
                });
            }
            start += n;
        }
        batch_inversion(&mut denominators);

        // The sums, written over the front of the work space: the write position never passes
        // the pair being read (each group shrinks to at most its first half-plus-one slots).
        let (mut read, mut write, mut pair_index) = (0, 0, 0);
        for n in lengths.iter_mut() {
            for _ in 0..*n / 2 {
                let (p, q) = (points[read], points[read + 1]);
                points[write] = if exceptional(&p, &q) {
                    (Projective::from(p) + q).into_affine()
                } else {
                    add_with_inverse(&p, &q, &denominators[pair_index])
                };
                read += 2;
                write += 1;
                pair_index += 1;
            }
            if *n % 2 == 1 {
                points[write] = points[read];
                read += 1;
                write += 1;
            }
            *n = n.div_ceil(2);
        }
        points.truncate(write);
    }
    let mut sums = Vec::with_capacity(lengths.len());
    let mut next = points.into_iter();
    for &n in &lengths {
        sums.push(if n == 1 {
            next.next().unwrap_or_default()
        } else {
            Affine::identity()
        });
    }
    sums
}

#[cfg(test)]
mod tests {
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    use super::*;

    type G1Affine = ark_bn254::G1Affine;
    type G1Projective = ark_bn254::G1Projective;

    /// Group sums equal the plain sums, with groups of every size from 0 to 9 and 33, and with
    /// the exceptional pairs: a point twice (doubling), a point and its negative (identity),
    /// the identity itself, and sums that meet as equal or opposite points in a later round.
    #[test]
    fn group_sums_equal_plain_sums_including_exceptional_pairs() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G1Projective::rand(&mut rng).into_affine();
        let r = (p + q).into_affine();
        let mut groups: Vec<Vec<G1Affine>> = (0..10)
            .chain([33])
            .map(|n| {
                (0..n)
                    .map(|_| G1Projective::rand(&mut rng).into_affine())
                    .collect()
            })
            .collect();
        groups.extend([
            vec![p, p],
            vec![p, -p],
            vec![G1Affine::zero(), p],
            vec![p, G1Affine::zero()],
            vec![G1Affine::zero(), G1Affine::zero(), G1Affine::zero()],
            // Round two meets (p + q) and (p + q): a doubling of a computed sum.
            vec![p, q, q, p],
            // Round two meets (p + q) and -(p + q): the identity, then plus r.
            vec![p, q, -p, -q, r],
            vec![p, p, p, -p, -p, -p, r, -r],
        ]);
        let lengths: Vec<usize> = groups.iter().map(Vec::len).collect();
        let flat: Vec<G1Affine> = groups.iter().flatten().copied().collect();
        let sums = group_sums(flat, &lengths);
        assert_eq!(sums.len(), groups.len());
        for (group, sum) in groups.iter().zip(&sums) {
            let want: G1Projective = group.iter().map(|&a| G1Projective::from(a)).sum();
            assert_eq!(*sum, want.into_affine(), "{group:?}");
            assert!(sum.is_on_curve());
        }
        assert!(group_sums::<ark_bn254::g1::Config>(Vec::new(), &[]).is_empty());
    }
}
