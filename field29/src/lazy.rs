//! `Fq12` products with **lazy reduction**: the pairing's hot products (the Miller loop's
//! square and line products, the final exponentiation's products and cyclotomic squares) with
//! one Montgomery reduction per output coefficient instead of one per `Fq2` product.
//!
//! arkworks' generic tower multiplies in `Fq2` and reduces every `Fq2` product to a field
//! element (two reductions each, [`crate::backend`]'s `sum_of_products`); an `Fq12` product is
//! 18 `Fq2` products, 72 limb-product passes and 36 reductions. A Montgomery reduction costs as
//! much as a product (90 against 81 limb products), so here the `Fq2` products are taken
//! with Karatsuba's three products and kept **unreduced** ("wide": the exact integer, up to
//! `~2^520`), the tower's sums, differences and multiplications by `xi = 9 + u` run on the wide
//! values, and only each output coefficient is reduced: an `Fq12` product is 54 products and
//! 12 reductions.
//!
//! **Why the values stay right.** Every operation here is on integers congruent to the tower's
//! values mod `p`; Montgomery's reduction maps any integer `T` to `(T + M p) / 2^261`, with `M`
//! chosen limb by limb so that the division is exact, which is `T 2^-261 mod p` whatever the
//! sign of `T`, and lies in `(T / 2^261, T / 2^261 + p)`. The final step ([`canonical`]) adds
//! or subtracts `p` until the value is in `[0, p)`, so each output is the canonical element
//! that arkworks' tower computes; the tests compare every product with arkworks' on random
//! and edge values (0, 1, `p - 1`).
//!
//! **Why nothing overflows.** Limbs are 29 bits, held in `i64`. A product's inputs have limbs in
//! `(-2^29, 2^29)`, so each of its 17 columns is a sum of at most 9 terms below `2^58` in
//! magnitude, and Karatsuba's middle column `s - v0 - v1` at most 27 such terms:
//! `27 (2^29 - 1)^2 < 2^63`. Columns are carried into limbs below `2^29` (the top limb holds
//! the rest) before any sum, so the tower's additions and the multiplications by `xi` (factor
//! 10) leave every limb below `2^40`. In the reduction each column receives at most 9 terms
//! `m p_j < 2^58` on top of that: `< 2^62`. The wide values themselves stay below `~800 p^2`
//! (bounded op by op in the comments), so a reduced value lies within a few `p` of `[0, p)`.
//! Sums fed into a product are carried into limbs below `2^29` and stay below `8p < 2^257`,
//! inside nine limbs.

use crate::backend::{from_canonical_limbs, limbs_of, Fq};
use crate::bn::{Fq12, Fq2, Fq6, Fq6Config};
use crate::fq29::{BITS, LIMBS, MASK, MU, P};
use ark_ff::fields::Fp6Config;
use ark_ff::{AdditiveGroup, Field};

/// Limbs of a wide (double-length) value.
const WIDE: usize = 2 * LIMBS;
/// Columns of a product of two nine-limb values.
const COLUMNS: usize = 2 * LIMBS - 1;
const MASK64: i64 = MASK as i64;

/// Nine limbs, each in `(-2^29, 2^29)` where they enter a product.
type Limbs = [i64; LIMBS];
/// A double-length integer: eighteen signed limbs of weight `2^(29 k)`.
type Wide = [i64; WIDE];
/// An `Fq2` value as limbs / wide, `c0 + c1 u`.
type Limbs2 = [Limbs; 2];
type Wide2 = [Wide; 2];
/// An `Fq6` value as `Fq2` limbs / wide, `c0 + c1 v + c2 v^2`.
type Limbs6 = [Limbs2; 3];
type Wide6 = [Wide2; 3];

const P_LIMBS: Limbs = {
    let mut out = [0i64; LIMBS];
    let mut i = 0;
    while i < LIMBS {
        out[i] = P[i] as i64;
        i += 1;
    }
    out
};

// ---- base field: columns, carries, reduction ----

#[inline(always)]
fn load(x: &Fq) -> Limbs {
    limbs_of(x).map(|l| l as i64)
}

/// The 17 columns of `a b` (no carries): column `k` is `sum_{i + j = k} a_i b_j`.
#[inline(always)]
fn columns(a: &Limbs, b: &Limbs) -> [i64; COLUMNS] {
    let mut c = [0i64; COLUMNS];
    for i in 0..LIMBS {
        for j in 0..LIMBS {
            c[i + j] += a[i] * b[j];
        }
    }
    c
}

/// Columns carried into limbs in `[0, 2^29)` (the top limb keeps the sign and the rest).
#[inline(always)]
fn carry_wide(c: &[i64; COLUMNS]) -> Wide {
    let mut w = [0i64; WIDE];
    let mut carry = 0i64;
    for k in 0..COLUMNS {
        let s = c[k] + carry;
        w[k] = s & MASK64;
        carry = s >> BITS;
    }
    w[COLUMNS] = carry;
    w
}

/// `a + b` carried into limbs below `2^29` (for a product's input; `a + b < 2^261`).
#[inline(always)]
fn sum(a: &Limbs, b: &Limbs) -> Limbs {
    let mut s = [0i64; LIMBS];
    let mut carry = 0i64;
    for k in 0..LIMBS {
        let v = a[k] + b[k] + carry;
        s[k] = v & MASK64;
        carry = v >> BITS;
    }
    s[LIMBS - 1] += carry << BITS;
    s
}

/// `a - b` limb by limb (limbs in `(-2^29, 2^29)`: a product's input as it is).
#[inline(always)]
fn difference(a: &Limbs, b: &Limbs) -> Limbs {
    let mut d = [0i64; LIMBS];
    for k in 0..LIMBS {
        d[k] = a[k] - b[k];
    }
    d
}

#[inline(always)]
fn wide_add(a: &Wide, b: &Wide) -> Wide {
    let mut s = [0i64; WIDE];
    for k in 0..WIDE {
        s[k] = a[k] + b[k];
    }
    s
}

#[inline(always)]
fn wide_sub(a: &Wide, b: &Wide) -> Wide {
    let mut s = [0i64; WIDE];
    for k in 0..WIDE {
        s[k] = a[k] - b[k];
    }
    s
}

/// Montgomery's reduction of a wide value: `T 2^-261 mod p`, canonical.
///
/// Round `i` adds `m p 2^(29 i)` with `m = -T_i p^-1 mod 2^29` (`MU = -p^-1`), which clears
/// limb `i` (its low 29 bits become zero; `T_i mod 2^29` is read from the two's complement
/// bits, so negative limbs work too), and moves limb `i`'s carry up. After nine rounds
/// `T + M p` is divisible by `2^261` and its top nine limbs are the quotient.
#[inline(never)]
fn reduce(mut t: Wide) -> Limbs {
    macro_rules! round {
        ($i:expr) => {{
            let m = ((t[$i] as u64).wrapping_mul(MU) & u64::from(MASK)) as i64;
            for j in 0..LIMBS {
                t[$i + j] += m * P_LIMBS[j];
            }
            t[$i + 1] += t[$i] >> BITS;
        }};
    }
    round!(0);
    round!(1);
    round!(2);
    round!(3);
    round!(4);
    round!(5);
    round!(6);
    round!(7);
    round!(8);
    let mut v = [0i64; LIMBS];
    let mut carry = 0i64;
    for k in 0..LIMBS - 1 {
        let s = t[LIMBS + k] + carry;
        v[k] = s & MASK64;
        carry = s >> BITS;
    }
    v[LIMBS - 1] = t[WIDE - 1] + carry;
    canonical(v)
}

/// The value of `v` (limbs `0..8` in `[0, 2^29)`, the top limb signed) moved into `[0, p)` by
/// adding or subtracting `p` (a few times at most: reduced values lie within a few `p`).
#[inline(always)]
fn canonical(mut v: Limbs) -> Limbs {
    while v[LIMBS - 1] < 0 {
        v = add_p(&v, 1);
    }
    loop {
        let d = add_p(&v, -1);
        if d[LIMBS - 1] < 0 {
            return v;
        }
        v = d;
    }
}

/// `v + sign p`, limbs `0..8` carried into `[0, 2^29)`.
#[inline(always)]
fn add_p(v: &Limbs, sign: i64) -> Limbs {
    let mut r = [0i64; LIMBS];
    let mut carry = 0i64;
    for k in 0..LIMBS - 1 {
        let s = v[k] + sign * P_LIMBS[k] + carry;
        r[k] = s & MASK64;
        carry = s >> BITS;
    }
    r[LIMBS - 1] = v[LIMBS - 1] + sign * P_LIMBS[LIMBS - 1] + carry;
    r
}

#[inline(always)]
fn store(v: &Limbs) -> Fq {
    from_canonical_limbs(&v.map(|l| l as u64))
}

// ---- Fq2 = Fq[u] / (u^2 + 1) ----

#[inline(always)]
fn load2(x: &Fq2) -> Limbs2 {
    [load(&x.c0), load(&x.c1)]
}

#[inline(never)]
fn sum2(a: &Limbs2, b: &Limbs2) -> Limbs2 {
    [sum(&a[0], &b[0]), sum(&a[1], &b[1])]
}

/// `a b` unreduced, Karatsuba: `v0 = a0 b0`, `v1 = a1 b1`,
/// `a b = (v0 - v1) + ((a0 + a1)(b0 + b1) - v0 - v1) u`. For components below `A` and `B`:
/// `|c0| < A B`, `0 <= c1 < 2 A B`.
#[inline(never)]
fn mul2(a: &Limbs2, b: &Limbs2) -> Wide2 {
    let v0 = columns(&a[0], &b[0]);
    let v1 = columns(&a[1], &b[1]);
    let s = columns(&sum(&a[0], &a[1]), &sum(&b[0], &b[1]));
    let mut c0 = [0i64; COLUMNS];
    let mut c1 = [0i64; COLUMNS];
    for k in 0..COLUMNS {
        c0[k] = v0[k] - v1[k];
        c1[k] = s[k] - v0[k] - v1[k];
    }
    [carry_wide(&c0), carry_wide(&c1)]
}

/// `a^2` unreduced: `(a0 + a1)(a0 - a1) + 2 a0 a1 u` (two products). For components below
/// `A`: `|c0| < 2 A^2`, `0 <= c1 < 2 A^2`.
#[inline(never)]
fn square2(a: &Limbs2) -> Wide2 {
    let c0 = columns(&sum(&a[0], &a[1]), &difference(&a[0], &a[1]));
    let mut c1 = columns(&a[0], &a[1]);
    for column in c1.iter_mut() {
        *column *= 2;
    }
    [carry_wide(&c0), carry_wide(&c1)]
}

#[inline(never)]
fn add2(a: &Wide2, b: &Wide2) -> Wide2 {
    [wide_add(&a[0], &b[0]), wide_add(&a[1], &b[1])]
}

#[inline(never)]
fn sub2(a: &Wide2, b: &Wide2) -> Wide2 {
    [wide_sub(&a[0], &b[0]), wide_sub(&a[1], &b[1])]
}

/// `(9 + u)(c0 + c1 u) = (9 c0 - c1) + (c0 + 9 c1) u` (magnitudes grow at most tenfold).
#[inline(never)]
fn mul_by_xi(a: &Wide2) -> Wide2 {
    let mut r = [[0i64; WIDE]; 2];
    for k in 0..WIDE {
        r[0][k] = 9 * a[0][k] - a[1][k];
        r[1][k] = a[0][k] + 9 * a[1][k];
    }
    r
}

#[inline]
fn reduce2(a: &Wide2) -> Fq2 {
    Fq2::new(store(&reduce(a[0])), store(&reduce(a[1])))
}

/// `a b mod p` for base-field limbs: the columns, then one reduction.
#[inline(never)]
fn product(a: &Limbs, b: &Limbs) -> Fq {
    store(&reduce(carry_wide(&columns(a, b))))
}

/// `c s` for `c` in `Fq2` and `s` in `Fq` (a line's coefficient scaled by a G1 coordinate).
pub fn mul_by_fq(c: &Fq2, s: &Fq) -> Fq2 {
    let (c, s) = (load2(c), load(s));
    Fq2::new(product(&c[0], &s), product(&c[1], &s))
}

/// `a b` in `Fq2` (three products, two reductions).
#[inline(never)]
pub fn fq2_mul(a: &Fq2, b: &Fq2) -> Fq2 {
    reduce2(&mul2(&load2(a), &load2(b)))
}

/// `a^2` in `Fq2` (two products, two reductions).
#[inline(never)]
pub fn fq2_square(a: &Fq2) -> Fq2 {
    reduce2(&square2(&load2(a)))
}

/// `a b - c d` in `Fq2` with one reduction per component (bounded by `4 p^2`).
#[inline(never)]
pub fn fq2_mul_sub(a: &Fq2, b: &Fq2, c: &Fq2, d: &Fq2) -> Fq2 {
    reduce2(&sub2(
        &mul2(&load2(a), &load2(b)),
        &mul2(&load2(c), &load2(d)),
    ))
}

// ---- Fq6 = Fq2[v] / (v^3 - xi) ----

#[inline(always)]
fn load6(x: &Fq6) -> Limbs6 {
    [load2(&x.c0), load2(&x.c1), load2(&x.c2)]
}

#[inline(always)]
fn sum6(a: &Limbs6, b: &Limbs6) -> Limbs6 {
    [sum2(&a[0], &b[0]), sum2(&a[1], &b[1]), sum2(&a[2], &b[2])]
}

/// `a b` unreduced, Karatsuba over `Fq2` (six `Fq2` products):
/// `c0 = v0 + xi ((a1 + a2)(b1 + b2) - v1 - v2)`, `c1 = (a0 + a1)(b0 + b1) - v0 - v1 + xi v2`,
/// `c2 = (a0 + a2)(b0 + b2) - v0 - v2 + v1`, with `vi = ai bi`. For components below `A` and
/// `B` every output component is below `~31 A B` (`c0`: `10 (8 + 2 + 2) + 2`). The sums run
/// limb by limb in one pass (separate passes per operation cost a fifth of the pairing).
#[inline(never)]
fn mul6(a: &Limbs6, b: &Limbs6) -> Wide6 {
    let v0 = mul2(&a[0], &b[0]);
    let v1 = mul2(&a[1], &b[1]);
    let v2 = mul2(&a[2], &b[2]);
    let s12 = mul2(&sum2(&a[1], &a[2]), &sum2(&b[1], &b[2]));
    let s01 = mul2(&sum2(&a[0], &a[1]), &sum2(&b[0], &b[1]));
    let s02 = mul2(&sum2(&a[0], &a[2]), &sum2(&b[0], &b[2]));
    let mut c = [[[0i64; WIDE]; 2]; 3];
    for k in 0..WIDE {
        let d0 = s12[0][k] - v1[0][k] - v2[0][k];
        let d1 = s12[1][k] - v1[1][k] - v2[1][k];
        c[0][0][k] = v0[0][k] + 9 * d0 - d1;
        c[0][1][k] = v0[1][k] + d0 + 9 * d1;
        c[1][0][k] = s01[0][k] - v0[0][k] - v1[0][k] + 9 * v2[0][k] - v2[1][k];
        c[1][1][k] = s01[1][k] - v0[1][k] - v1[1][k] + v2[0][k] + 9 * v2[1][k];
        c[2][0][k] = s02[0][k] - v0[0][k] - v2[0][k] + v1[0][k];
        c[2][1][k] = s02[1][k] - v0[1][k] - v2[1][k] + v1[1][k];
    }
    c
}

/// `a (b0 + b1 v)` unreduced (five `Fq2` products): with `v0 = a0 b0`, `v1 = a1 b1`,
/// `c0 = v0 + xi ((a1 + a2) b1 - v1)`, `c1 = (a0 + a1)(b0 + b1) - v0 - v1`,
/// `c2 = (a0 + a2) b0 - v0 + v1`.
#[inline(never)]
fn mul6_by_01(a: &Limbs6, b0: &Limbs2, b1: &Limbs2) -> Wide6 {
    let v0 = mul2(&a[0], b0);
    let v1 = mul2(&a[1], b1);
    let s12 = mul2(&sum2(&a[1], &a[2]), b1);
    let s01 = mul2(&sum2(&a[0], &a[1]), &sum2(b0, b1));
    let s02 = mul2(&sum2(&a[0], &a[2]), b0);
    let mut c = [[[0i64; WIDE]; 2]; 3];
    for k in 0..WIDE {
        let d0 = s12[0][k] - v1[0][k];
        let d1 = s12[1][k] - v1[1][k];
        c[0][0][k] = v0[0][k] + 9 * d0 - d1;
        c[0][1][k] = v0[1][k] + d0 + 9 * d1;
        for i in 0..2 {
            c[1][i][k] = s01[i][k] - v0[i][k] - v1[i][k];
            c[2][i][k] = s02[i][k] - v0[i][k] + v1[i][k];
        }
    }
    c
}

/// `(a + v b, c - a - b)` limb by limb (`v b = xi b2 + b0 v + b1 v^2`): the two halves of an
/// `Fq12` product or line product from its `Fq6` parts.
#[inline(never)]
fn combine12(a: &Wide6, b: &Wide6, c: &Wide6) -> (Wide6, Wide6) {
    let mut first = [[[0i64; WIDE]; 2]; 3];
    let mut second = [[[0i64; WIDE]; 2]; 3];
    for k in 0..WIDE {
        first[0][0][k] = a[0][0][k] + 9 * b[2][0][k] - b[2][1][k];
        first[0][1][k] = a[0][1][k] + b[2][0][k] + 9 * b[2][1][k];
        for i in 0..2 {
            first[1][i][k] = a[1][i][k] + b[0][i][k];
            first[2][i][k] = a[2][i][k] + b[1][i][k];
            for j in 0..3 {
                second[j][i][k] = c[j][i][k] - a[j][i][k] - b[j][i][k];
            }
        }
    }
    (first, second)
}

#[inline]
fn reduce6(a: &Wide6) -> Fq6 {
    Fq6::new(reduce2(&a[0]), reduce2(&a[1]), reduce2(&a[2]))
}

// ---- Fq12 = Fq6[w] / (w^2 - v) ----

/// `a b` in `Fq12` (Karatsuba over `Fq6`: 18 `Fq2` products, 12 reductions):
/// `c0 = a0 b0 + v a1 b1`, `c1 = (a0 + a1)(b0 + b1) - a0 b0 - a1 b1`.
/// Bounds: `a0 b0`, `a1 b1` below `31 p^2` per component, the middle product (inputs below
/// `2p`) below `124 p^2`, so `c1` below `~190 p^2` and `c0` below `~340 p^2`.
#[inline(never)]
pub fn mul(a: &Fq12, b: &Fq12) -> Fq12 {
    let (a0, a1) = (load6(&a.c0), load6(&a.c1));
    let (b0, b1) = (load6(&b.c0), load6(&b.c1));
    let t0 = mul6(&a0, &b0);
    let t1 = mul6(&a1, &b1);
    let s = mul6(&sum6(&a0, &a1), &sum6(&b0, &b1));
    let (c0, c1) = combine12(&t0, &t1, &s);
    Fq12::new(reduce6(&c0), reduce6(&c1))
}

/// `a^2` in `Fq12` (12 `Fq2` products, 12 reductions): with `t = a0 a1` and
/// `s = (a0 + a1)(a0 + v a1) = a0^2 + v a1^2 + t + v t`: `c0 = s - t - v t`, `c1 = 2 t`.
/// Bounds: the first product's inputs are below `2p`, so `c0` stays below `~470 p^2`.
#[inline(never)]
pub fn square(a: &Fq12) -> Fq12 {
    let (a0, a1) = (load6(&a.c0), load6(&a.c1));
    let mut v_a1 = a.c1;
    <Fq6Config as Fp6Config>::mul_fp2_by_nonresidue_in_place(&mut v_a1.c2);
    let v_a1 = load6(&Fq6::new(v_a1.c2, a.c1.c0, a.c1.c1));
    let t = mul6(&a0, &a1);
    let s = mul6(&sum6(&a0, &a1), &sum6(&a0, &v_a1));
    // combine12(t, t, s) = (t + v t, s - 2t): c0 = s - t - v t = (s - 2t) + 2t - (t + v t).
    let (t_vt, s_2t) = combine12(&t, &t, &s);
    let mut c0 = [[[0i64; WIDE]; 2]; 3];
    let mut c1 = [[[0i64; WIDE]; 2]; 3];
    for j in 0..3 {
        for i in 0..2 {
            for k in 0..WIDE {
                c0[j][i][k] = s_2t[j][i][k] + 2 * t[j][i][k] - t_vt[j][i][k];
                c1[j][i][k] = 2 * t[j][i][k];
            }
        }
    }
    Fq12::new(reduce6(&c0), reduce6(&c1))
}

/// `f` times a sparse line value `c0 + (c3 + c4 v) w` (the Miller loop's line on the D-type
/// twist; 13 `Fq2` products, 12 reductions): with `a = f0 c0`, `b = f1 (c3 + c4 v)`,
/// `f0' = a + v b`, `f1' = (f0 + f1)((c0 + c3) + c4 v) - a - b`.
#[inline(never)]
pub fn mul_by_034(f: &mut Fq12, c0: &Fq2, c3: &Fq2, c4: &Fq2) {
    let (f0, f1) = (load6(&f.c0), load6(&f.c1));
    let (l0, l3, l4) = (load2(c0), load2(c3), load2(c4));
    let a = [mul2(&f0[0], &l0), mul2(&f0[1], &l0), mul2(&f0[2], &l0)];
    let b = mul6_by_01(&f1, &l3, &l4);
    let e = mul6_by_01(&sum6(&f0, &f1), &sum2(&l0, &l3), &l4);
    let (first, second) = combine12(&a, &b, &e);
    f.c0 = reduce6(&first);
    f.c1 = reduce6(&second);
}

/// `(x + y s)^2 = (x^2 + xi y^2) + ((x + y)^2 - x^2 - y^2) s` in `Fq4 = Fq2[s] / (s^2 - xi)`,
/// reduced (three `Fq2` squares, four reductions).
#[inline]
fn square4(x: &Fq2, y: &Fq2) -> (Fq2, Fq2) {
    let (x, y) = (load2(x), load2(y));
    let xx = square2(&x);
    let yy = square2(&y);
    let ss = square2(&sum2(&x, &y));
    let mut even = [[0i64; WIDE]; 2];
    let mut odd = [[0i64; WIDE]; 2];
    for k in 0..WIDE {
        even[0][k] = xx[0][k] + 9 * yy[0][k] - yy[1][k];
        even[1][k] = xx[1][k] + yy[0][k] + 9 * yy[1][k];
        for i in 0..2 {
            odd[i][k] = ss[i][k] - xx[i][k] - yy[i][k];
        }
    }
    (reduce2(&even), reduce2(&odd))
}

/// `a^2` for `a` in the cyclotomic subgroup (norm 1 over `Fq6`, where the final
/// exponentiation works), Granger and Scott's squaring ("Faster squaring in the cyclotomic
/// subgroup of sixth degree extensions", PKC 2010): `Fq12` seen as `Fq4^3` with the pairs
/// `(g0, g1) = (a0.c0, a1.c1)`, `(g2, g3) = (a1.c0, a0.c2)`, `(g4, g5) = (a0.c1, a1.c2)`;
/// each pair is squared in `Fq4` and the result is `3 t - 2 g` or `3 t + 2 g` per coefficient
/// (for `g2` with `xi t5`). Only valid on the cyclotomic subgroup (the tests check it there).
#[inline(never)]
pub fn cyclotomic_square(a: &Fq12) -> Fq12 {
    let (g0, g1) = (a.c0.c0, a.c1.c1);
    let (g2, g3) = (a.c1.c0, a.c0.c2);
    let (g4, g5) = (a.c0.c1, a.c1.c2);
    let (t0, t1) = square4(&g0, &g1);
    let (t2, t3) = square4(&g2, &g3);
    let (t4, t5) = square4(&g4, &g5);
    let mut xi_t5 = t5;
    <Fq6Config as Fp6Config>::mul_fp2_by_nonresidue_in_place(&mut xi_t5);
    // 3 t - 2 g = 2 (t - g) + t; 3 t + 2 g = 2 (t + g) + t.
    let minus = |t: Fq2, g: Fq2| (t - g).double() + t;
    let plus = |t: Fq2, g: Fq2| (t + g).double() + t;
    Fq12::new(
        Fq6::new(minus(t0, g0), minus(t2, g4), minus(t4, g3)),
        Fq6::new(plus(xi_t5, g2), plus(t1, g1), plus(t3, g5)),
    )
}

/// `1/a` in `Fq6` (`None` for 0): with `c0 = a0^2 - xi a1 a2`, `c1 = xi a2^2 - a0 a1`,
/// `c2 = a1^2 - a0 a2` (the adjugate's first column), `a (c0 + c1 v + c2 v^2) = t` lies in
/// `Fq2`, `t = a0 c0 + xi (a2 c1 + a1 c2)`, so `1/a = (c0 + c1 v + c2 v^2) / t`.
fn inverse6(a: &Fq6) -> Option<Fq6> {
    let l = load6(a);
    let c0 = reduce2(&sub2(&mul2(&l[0], &l[0]), &mul_by_xi(&mul2(&l[1], &l[2]))));
    let c1 = reduce2(&sub2(&mul_by_xi(&mul2(&l[2], &l[2])), &mul2(&l[0], &l[1])));
    let c2 = reduce2(&sub2(&mul2(&l[1], &l[1]), &mul2(&l[0], &l[2])));
    let (c0_l, c1_l, c2_l) = (load2(&c0), load2(&c1), load2(&c2));
    let inner = add2(&mul2(&l[2], &c1_l), &mul2(&l[1], &c2_l));
    let t = reduce2(&add2(&mul2(&l[0], &c0_l), &mul_by_xi(&inner)));
    let t = load2(&t.inverse()?);
    Some(Fq6::new(
        reduce2(&mul2(&c0_l, &t)),
        reduce2(&mul2(&c1_l, &t)),
        reduce2(&mul2(&c2_l, &t)),
    ))
}

/// `1/a` in `Fq12` (`None` for 0): `(a0 + a1 w)(a0 - a1 w) = a0^2 - v a1^2` lies in `Fq6`, so
/// `1/a = (a0 - a1 w) / (a0^2 - v a1^2)`. Once per pairing (the final exponentiation).
pub fn inverse(a: &Fq12) -> Option<Fq12> {
    let (a0, a1) = (load6(&a.c0), load6(&a.c1));
    let (t0, t1) = (mul6(&a0, &a0), mul6(&a1, &a1));
    // a0^2 - v a1^2 = (t0_0 - xi t1_2) + (t0_1 - t1_0) v + (t0_2 - t1_1) v^2.
    let norm = Fq6::new(
        reduce2(&sub2(&t0[0], &mul_by_xi(&t1[2]))),
        reduce2(&sub2(&t0[1], &t1[0])),
        reduce2(&sub2(&t0[2], &t1[1])),
    );
    let inverse = load6(&inverse6(&norm)?);
    let c1 = reduce6(&mul6(&a1, &inverse));
    Some(Fq12::new(reduce6(&mul6(&a0, &inverse)), -c1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bn::{fq12_from_ark, fq12_to_ark, fq2_from_ark};
    use ark_ff::{CyclotomicMultSubgroup, Field, One, UniformRand, Zero};
    use rand::SeedableRng;

    type Ark2 = ark_bn254::Fq2;
    type Ark6 = ark_bn254::Fq6;
    type Ark12 = ark_bn254::Fq12;

    /// `Fq12` values with every coefficient at an edge (0, 1, `p - 1`, 2) and random ones.
    fn values(rng: &mut rand::rngs::StdRng) -> Vec<Ark12> {
        let edges = [
            ark_bn254::Fq::zero(),
            ark_bn254::Fq::one(),
            -ark_bn254::Fq::one(),
            ark_bn254::Fq::from(2u64),
        ];
        let mut out = Vec::new();
        for &e in &edges {
            let two = Ark2::new(e, e);
            let six = Ark6::new(two, two, two);
            out.push(Ark12::new(six, six));
        }
        let minus = -ark_bn254::Fq::one();
        let mixed = Ark6::new(
            Ark2::new(minus, ark_bn254::Fq::zero()),
            Ark2::new(ark_bn254::Fq::zero(), minus),
            Ark2::new(minus, minus),
        );
        out.push(Ark12::new(mixed, mixed));
        for _ in 0..40 {
            out.push(Ark12::rand(rng));
        }
        out
    }

    #[test]
    fn products_and_squares_equal_arkworks() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(29);
        let values = values(&mut rng);
        for (i, x) in values.iter().enumerate() {
            let y = values[(i * 7 + 3) % values.len()];
            let (ours_x, ours_y) = (fq12_from_ark(x), fq12_from_ark(&y));
            assert_eq!(fq12_to_ark(&mul(&ours_x, &ours_y)), *x * y, "product {i}");
            assert_eq!(fq12_to_ark(&square(&ours_x)), x.square(), "square {i}");
            let inverse = inverse(&ours_x).map(|v| fq12_to_ark(&v));
            assert_eq!(inverse, x.inverse(), "inverse {i}");
            let (c0, c3, c4) = (y.c0.c0, y.c1.c0, y.c1.c1);
            let mut line = ours_x;
            mul_by_034(
                &mut line,
                &fq2_from_ark(&c0),
                &fq2_from_ark(&c3),
                &fq2_from_ark(&c4),
            );
            let mut expected = *x;
            expected.mul_by_034(&c0, &c3, &c4);
            assert_eq!(fq12_to_ark(&line), expected, "line product {i}");
        }
    }

    #[test]
    fn cyclotomic_squares_equal_arkworks() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(30);
        for (i, x) in values(&mut rng).into_iter().enumerate() {
            let Some(inverse) = x.inverse() else { continue };
            // x^((p^6 - 1)(p^2 + 1)) lies in the cyclotomic subgroup.
            let mut easy = x;
            easy.cyclotomic_inverse_in_place();
            easy *= inverse;
            let mut cyclotomic = easy;
            cyclotomic.frobenius_map_in_place(2);
            cyclotomic *= easy;
            let mut ours = fq12_from_ark(&cyclotomic);
            let mut expected = cyclotomic;
            for round in 0..3 {
                ours = cyclotomic_square(&ours);
                expected.cyclotomic_square_in_place();
                assert_eq!(fq12_to_ark(&ours), expected, "value {i}, square {round}");
            }
        }
    }
}
