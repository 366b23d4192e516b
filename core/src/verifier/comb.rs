//! `sum_i x_i P_i` for a prepared key's fixed input points `P_i = IC[i+1]`, by a fixed-base
//! **comb** (Lim and Lee's method, one comb per input point, all rows summed at once).
//!
//! With `t` teeth and `rows = ceil(254 / t)`, every scalar `x < r < 2^254` is read as `t`
//! blocks of `rows` bits: `x = sum_row 2^row sum_j x[j rows + row] 2^(j rows)` (`x[b]` its bit
//! `b`). A key's table holds, for each input point and each `t`-bit index `m`, the point
//! `T_i[m] = sum_{j: bit j of m} 2^(j rows) P_i`, so that
//!
//! `sum_i x_i P_i = sum_row 2^row R_row` with `R_row = sum_i T_i[m_i,row]`,
//!
//! where `m_i,row` has bit `j` equal to `x_i[j rows + row]` (the comb's `t` teeth, `rows` bits
//! apart). The row sums are batch-affine additions, all rows at once ([`GroupSums`]: about six
//! field products per point), and `sum_row 2^row R_row` is Horner's rule from the top row:
//! `rows` doublings and `rows` mixed additions for the whole key. The bucket method over fixed
//! window bases (this module's predecessor) spends `inputs * ceil(255 / c)` batch-affine
//! additions for `c`-bit signed windows and then `2^c` full additions on running sums over its
//! buckets: 2,048 and 256 for the 8-bit windows of a 64-input key, where a 10-tooth comb
//! spends 1,664 (`64 * 26`) and 26 doublings and 26 additions. Its price is memory: `2^t`
//! affine points per input instead of `ceil(255 / c)` ([`teeth`] caps the tables at
//! [`MAX_ENTRIES`] points for the whole key, so keys with more than 256 inputs get fewer than
//! 8 teeth; there the buckets' running sums amortise and the bucket method would need fewer
//! field products: about 8% fewer at 257 inputs and 1.4x fewer at 1,024, by operation count).
//!
//! The result is the same group element as the scalar multiplications (the identity above is
//! exact for every scalar below `2^(t rows)`, and `t rows >= 254`), so `L` and the pairing
//! equation are unchanged; the tests compare against scalar multiplications on edge and random
//! scalars, and with repeated, opposite and identity points.

use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AdditiveGroup, CurveGroup};
use ark_ff::PrimeField;

use super::SCALAR_BITS;
use crate::group_sums::GroupSums;
use crate::Fr;

/// Most teeth of a comb: `2^10` table entries per input point, 26 rows.
const MAX_TEETH: usize = 10;
/// Most table entries of a key, all its inputs together: `2^16` affine points (5.5 MiB on the
/// wasm verifier's G1 at 88 bytes a point, 4.5 MiB natively). Keys with up to 64 inputs get 10
/// teeth, 256 inputs 8, 1024 inputs 6.
pub const MAX_ENTRIES: usize = 1 << 16;

/// The teeth for a key with `inputs` input points: the most (fewest rows, so fewest additions)
/// whose tables stay within [`MAX_ENTRIES`], at most [`MAX_TEETH`], at least one.
pub(super) fn teeth(inputs: usize) -> usize {
    (1..=MAX_TEETH)
        .rev()
        .find(|&t| inputs << t <= MAX_ENTRIES)
        .unwrap_or(1)
}

/// Rows of a comb with `teeth` teeth: bits per block, `ceil(254 / teeth)`.
fn rows_of(teeth: usize) -> usize {
    SCALAR_BITS.div_ceil(teeth)
}

/// Input points whose tables are built together: each tooth's additions for them share one
/// batch of affine sums (one inversion), while the work space stays under 1 MiB. Built for all
/// 64 inputs of a key at once, the transient vectors took the wasm verifier's memory to 22.1
/// MiB, against 8.9 MiB in batches (wasm memory does not shrink).
const TABLE_BATCH: usize = 8;

/// The `2^teeth` table entries of each of `points`, point after point (see
/// [`InputComb`]'s `tables`).
///
/// The teeth `2^(j rows) P` come from `rows` doublings each; an entry `m` with top bit `j` and
/// more bits is `T[m - 2^j] + T[2^j]`, so the entries are filled tooth by tooth, each tooth's
/// additions for every point in one call of batch-affine sums (pairs of points; an equal or
/// opposite pair, which a crafted key can force, is added exactly).
fn tables_of<C: GroupSums>(points: &[Affine<C>], teeth: usize, rows: usize) -> Vec<Affine<C>> {
    let size = 1 << teeth;
    let mut doubled = Vec::with_capacity(points.len() * teeth);
    for point in points {
        let mut tooth = Projective::<C>::from(*point);
        for j in 0..teeth {
            if j > 0 {
                for _ in 0..rows {
                    tooth.double_in_place();
                }
            }
            doubled.push(tooth);
        }
    }
    let doubled = Projective::<C>::normalize_batch(&doubled);
    let mut tables = vec![Affine::<C>::identity(); points.len() * size];
    for (table, teeth_points) in tables.chunks_exact_mut(size).zip(doubled.chunks(teeth)) {
        for (j, tooth) in teeth_points.iter().enumerate() {
            table[1 << j] = *tooth;
        }
    }
    for j in 1..teeth {
        let top = 1 << j;
        let mut pairs = Vec::with_capacity(points.len() * 2 * (top - 1));
        for table in tables.chunks_exact(size) {
            for low in 1..top {
                pairs.extend([table[low], table[top]]);
            }
        }
        let sums = C::group_sums(pairs, &vec![2; points.len() * (top - 1)]);
        for (table, sums) in tables
            .chunks_exact_mut(size)
            .zip(sums.chunks_exact(top - 1))
        {
            table[top + 1..2 * top].copy_from_slice(sums);
        }
    }
    tables
}

/// The comb tables of a key's input points `IC[1..]` (see the module documentation).
///
/// Generic over the curve model so that the tables live on the pairing engine's G1
/// ([`crate::pairing::PairingEngine::G1`]): arkworks' natively, the 29-bit-limb field in wasm.
#[derive(Clone)]
pub struct InputComb<C: GroupSums> {
    /// Teeth `t`: table entries per input are `2^t`.
    teeth: usize,
    /// Bits between two teeth: `ceil(254 / t)`.
    rows: usize,
    /// `2^t` entries per input, input after input: entry `m` of input `i` is
    /// `sum_{j: bit j of m} 2^(j rows) IC[i+1]` (entry 0, the identity, is never read).
    tables: Vec<Affine<C>>,
}

impl<C: GroupSums> core::fmt::Debug for InputComb<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InputComb")
            .field("inputs", &(self.tables.len() >> self.teeth))
            .field("teeth", &self.teeth)
            .finish()
    }
}

impl<C: GroupSums> InputComb<C> {
    /// The comb tables of `points` (`IC[1..]`), with the teeth for their count.
    pub fn new(points: &[Affine<C>]) -> Self {
        Self::with_teeth(points, teeth(points.len()))
    }

    /// The comb tables of `points` with `teeth` teeth (1 to 16), built [`TABLE_BATCH`] points
    /// at a time ([`tables_of`]).
    pub(super) fn with_teeth(points: &[Affine<C>], teeth: usize) -> Self {
        let rows = rows_of(teeth);
        let mut tables = Vec::with_capacity(points.len() << teeth);
        for batch in points.chunks(TABLE_BATCH) {
            tables.extend(tables_of(batch, teeth, rows));
        }
        Self {
            teeth,
            rows,
            tables,
        }
    }

    /// `sum_i inputs[i] * IC[i+1]` (the caller checked the input count; fewer inputs than
    /// points use the first points' tables).
    pub fn combine(&self, inputs: &[Fr]) -> Projective<C> {
        let size = 1 << self.teeth;
        let scalars: Vec<[u64; 4]> = inputs.iter().map(|x| x.into_bigint().0).collect();
        let mut points = Vec::with_capacity(inputs.len() * self.rows);
        let mut lengths = Vec::with_capacity(self.rows);
        for row in 0..self.rows {
            let start = points.len();
            for (table, x) in self.tables.chunks_exact(size).zip(&scalars) {
                let entry = self.entry(x, row);
                if entry != 0 {
                    points.push(table[entry]);
                }
            }
            lengths.push(points.len() - start);
        }
        let row_sums = C::group_sums(points, &lengths);
        let mut sum = Projective::<C>::default();
        for row_sum in row_sums.iter().rev() {
            sum.double_in_place();
            sum += row_sum;
        }
        sum
    }

    /// The table index of scalar `x` (little-endian limbs) in `row`: bit `j` is `x`'s bit
    /// `j rows + row` (bits at and above 256 read as zero).
    fn entry(&self, x: &[u64; 4], row: usize) -> usize {
        (0..self.teeth).fold(0, |m, j| {
            let bit = j * self.rows + row;
            let set = x.get(bit / 64).map_or(0, |word| (word >> (bit % 64)) & 1);
            m | (set as usize) << j
        })
    }
}

#[cfg(test)]
mod tests {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::{BigInteger, Field, PrimeField, UniformRand};
    use rand::SeedableRng;

    use super::*;
    use crate::pairing::{Limbs29, PairingEngine};

    type G1Affine = ark_bn254::G1Affine;
    type G1Projective = ark_bn254::G1Projective;

    /// The combs give exactly the scalar multiples, on random inputs and the edge values 0,
    /// 1, 2, 16, 2^64 - 1, r - 1, r - 2 and 2^248 - 1, for every tooth count a key may get and
    /// odd ones whose rows do not divide the scalar's bits, on arkworks' G1 and the wasm
    /// verifier's.
    #[test]
    fn combs_equal_scalar_multiplication() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let bases: Vec<G1Affine> = (0..5)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let bases29: Vec<_> = bases.iter().map(Limbs29::g1).collect();
        let minus_one = -Fr::ONE;
        let ones = Fr::from_le_bytes_mod_order(&[0xff; 31]);
        let mut cases: Vec<Vec<Fr>> = vec![
            vec![Fr::ZERO; 5],
            vec![Fr::ONE; 5],
            vec![
                minus_one,
                minus_one - Fr::ONE,
                Fr::from(2u64),
                ones,
                Fr::ZERO,
            ],
            vec![
                Fr::from(u64::MAX),
                Fr::ONE,
                Fr::ZERO,
                minus_one,
                Fr::from(16u64),
            ],
        ];
        cases.extend((0..12).map(|_| (0..5).map(|_| Fr::rand(&mut rng)).collect()));
        let combs: Vec<InputComb<ark_bn254::g1::Config>> = [1, 2, 3, 5, 6, 7, 8, 9, 10]
            .into_iter()
            .map(|t| InputComb::with_teeth(&bases, t))
            .collect();
        let combs29: Vec<_> = [6, 8, 10]
            .into_iter()
            .map(|t| InputComb::with_teeth(&bases29, t))
            .collect();
        for inputs in cases {
            let want: G1Projective = bases.iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            for comb in &combs {
                assert_eq!(comb.combine(&inputs), want, "{inputs:?}, {comb:?}");
            }
            for comb in &combs29 {
                assert_eq!(
                    comb.combine(&inputs).into_affine(),
                    Limbs29::g1(&want.into_affine()),
                    "{inputs:?}, {comb:?} on the 29-bit-limb G1"
                );
            }
            // Fewer inputs than points use the first points' tables.
            let want_two: G1Projective = bases[..2].iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            assert_eq!(InputComb::new(&bases).combine(&inputs[..2]), want_two);
        }
        assert!(Fr::MODULUS.num_bits() as usize <= SCALAR_BITS);
        assert!(InputComb::new(&bases).combine(&[]).into_affine().is_zero());
    }

    /// A key with more inputs than one batch of tables ([`TABLE_BATCH`]): the batches' tables
    /// line up with their points (19 inputs: two full batches and a partial one).
    #[test]
    fn tables_built_in_batches_line_up() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(19);
        let bases: Vec<G1Affine> = (0..2 * TABLE_BATCH + 3)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let bases29: Vec<_> = bases.iter().map(Limbs29::g1).collect();
        let (comb, comb29) = (InputComb::new(&bases), InputComb::new(&bases29));
        for _ in 0..3 {
            let inputs: Vec<Fr> = bases.iter().map(|_| Fr::rand(&mut rng)).collect();
            let want: G1Projective = bases.iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            assert_eq!(comb.combine(&inputs), want);
            assert_eq!(
                comb29.combine(&inputs).into_affine(),
                Limbs29::g1(&want.into_affine())
            );
        }
    }

    /// A crafted key's input points may repeat, cancel or be the identity, so that table
    /// entries and row sums meet as equal or opposite points: the batch-affine sums still give
    /// the exact sum (on arkworks' G1 and the wasm verifier's).
    #[test]
    fn combs_with_repeated_opposite_and_zero_points() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G1Projective::rand(&mut rng).into_affine();
        let bases = [p, p, -p, q, G1Affine::zero(), (p + p).into_affine(), -q];
        let bases29: Vec<_> = bases.iter().map(Limbs29::g1).collect();
        let x = Fr::rand(&mut rng);
        let cases = [
            vec![x; 7],
            vec![x, x, x, x, x, -x - x, x],
            vec![Fr::ONE; 7],
            (0..7).map(|_| Fr::rand(&mut rng)).collect(),
        ];
        for inputs in cases {
            let want: G1Projective = bases.iter().zip(&inputs).map(|(b, x)| *b * x).sum();
            for teeth in [4, 10] {
                assert_eq!(InputComb::with_teeth(&bases, teeth).combine(&inputs), want);
                assert_eq!(
                    InputComb::with_teeth(&bases29, teeth)
                        .combine(&inputs)
                        .into_affine(),
                    Limbs29::g1(&want.into_affine())
                );
            }
        }
    }

    /// A table entry read bit by bit equals the scalar's bits at the comb's teeth, and the
    /// teeth cover every bit of a scalar exactly once for each tooth count.
    #[test]
    fn entries_read_the_teeth_bits() {
        let x = [
            0x0123_4567_89ab_cdef,
            0xfedc_ba98_7654_3210,
            u64::MAX,
            0x2000_0000_0000_0001,
        ];
        let bit_at = |i: usize| i < 256 && (x[i / 64] >> (i % 64)) & 1 == 1;
        let points = [G1Affine::generator()];
        for teeth in 1..=11 {
            let comb = InputComb::with_teeth(&points, teeth);
            let mut covered = vec![0u32; teeth * comb.rows];
            for row in 0..comb.rows {
                let m = comb.entry(&x, row);
                for j in 0..teeth {
                    let bit = j * comb.rows + row;
                    assert_eq!(m >> j & 1 == 1, bit_at(bit), "t = {teeth}, row {row}");
                    covered[bit] += 1;
                }
            }
            assert!(covered.iter().all(|&n| n == 1) && covered.len() >= SCALAR_BITS);
        }
    }

    /// The tooth counts and table sizes for the benchmark keys' input counts.
    #[test]
    fn teeth_shrink_with_the_input_count_within_the_table_cap() {
        let picked: Vec<usize> = [1, 3, 20, 64, 256, 257, 1024].map(teeth).to_vec();
        assert_eq!(picked, [10, 10, 10, 10, 8, 7, 6]);
        for n in [1, 64, 256, 1024, super::super::MAX_COMB_INPUTS] {
            assert!(n << teeth(n) <= MAX_ENTRIES);
        }
    }
}
