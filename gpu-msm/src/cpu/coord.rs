//! The base-field arithmetic of the CPU MSM's bucket additions ([`Coord`]), in arkworks'
//! fields (native) or on 29-bit limbs (wasm), and the batch inversions that make affine
//! additions cheap.

use ark_bn254::{Fq, Fq2};
use ark_ec::AdditiveGroup;
use ark_ff::{Field, Zero};

use crate::fq29::Fq29;
use zkagg_field29::Fq2x29;

/// The arithmetic the batch-affine bucket sums need, in some representation of the curve's
/// base field `F`. Values must be canonical (`==` is field equality), except the **loose**
/// results of [`Coord::mul_loose`], [`Coord::sub_loose`] and [`Coord::batch_inverse`], which
/// are only ever factors of a product.
pub trait Coord<F>: Copy + PartialEq + Send + Sync {
    fn from_base(x: &F) -> Self;
    fn to_base(&self) -> F;
    fn zero() -> Self;
    fn one() -> Self;
    fn is_zero(&self) -> bool;
    fn add(&self, o: &Self) -> Self;
    fn sub(&self, o: &Self) -> Self;
    fn neg(&self) -> Self;
    fn double(&self) -> Self;
    /// The product; either factor may be loose (at most one of them a loose difference).
    fn mul(&self, o: &Self) -> Self;
    /// The square; the input may be a loose product (every override of [`Coord::mul_loose`]
    /// squares by its product).
    fn square(&self) -> Self;
    /// A product that may be left loose: fit only as a factor of [`Coord::mul`], of another
    /// `mul_loose` or of [`Coord::inverse`] (the 29-bit field skips its final conditional
    /// subtraction: [`Fq29::mul_loose`]). Either factor may be loose, at most one of them a
    /// loose difference. By default the canonical product.
    #[inline]
    fn mul_loose(&self, o: &Self) -> Self {
        self.mul(o)
    }
    /// `self - o` of canonical values, possibly loose: fit only as the **second** factor (`o`)
    /// of [`Coord::mul`] or [`Coord::mul_loose`] whose first factor is not a loose difference
    /// (the 29-bit field skips the borrow chain: [`Fq29::sub_loose`]; `Fq2x29` negates a
    /// coordinate of the first factor within `2p`: [`Fq2x29::sub_carried`]), or as a value for
    /// [`Coord::batch_inverse`] to invert. By default the canonical difference.
    #[inline]
    fn sub_loose(&self, o: &Self) -> Self {
        self.sub(o)
    }
    /// `-self` for `self` canonical or a loose product, possibly loose (fit only as a factor of a
    /// product, as a loose product is: [`Fq29::neg_loose`]). By default the canonical negation.
    #[inline]
    fn neg_loose(&self) -> Self {
        self.neg()
    }
    /// `a^2 + b^2` (the norm of `a + b u` in `Fq2`); a representation with a fused sum of
    /// products overrides it.
    fn sum_of_squares(a: &Self, b: &Self) -> Self {
        a.square().add(&b.square())
    }
    /// The inverse (canonical), or `None` for zero; the input may be a loose product.
    fn inverse(&self) -> Option<Self>;
    /// Replaces every value (all non-zero; canonical or a loose difference) by its inverse,
    /// possibly loose, with one field inversion: Montgomery's trick, 3 products per value
    /// ([`montgomery_batch_inverse`]). Quadratic extensions override it with the norm
    /// ([`batch_inverse_by_norm`]).
    fn batch_inverse(values: &mut [Self]) {
        montgomery_batch_inverse::<F, Self>(values);
    }
}

/// Montgomery's trick: with prefix products `q_k = v_0 ... v_{k-1}` and one inversion of
/// `q_n`, the inverses come out backwards as `1/v_k = q_k (1/q_{k+1})` and
/// `1/q_k = v_k (1/q_{k+1})`: 3 products per value. Values must be non-zero (a zero would make
/// every result wrong; the callers put 1 where there is nothing to invert). Every product is
/// [`Coord::mul_loose`]: each has at most one loose difference (an input value) as a factor,
/// and the results are loose.
pub fn montgomery_batch_inverse<F, C: Coord<F>>(values: &mut [C]) {
    let mut prefix = Vec::with_capacity(values.len());
    let mut acc = C::one();
    for v in values.iter() {
        prefix.push(acc);
        acc = acc.mul_loose(v);
    }
    let mut inv = acc.inverse().unwrap_or_else(C::one);
    for (v, q) in values.iter_mut().zip(&prefix).rev() {
        let value = *v;
        *v = inv.mul_loose(q);
        inv = inv.mul_loose(&value);
    }
}

/// Batch inversion in `Fq2 = Fq[u]/(u^2 + 1)` through the norm:
/// `1/(a + b u) = (a - b u) / (a^2 + b^2)`. The norms `a^2 + b^2` lie in the base field and
/// are inverted there with Montgomery's trick, so a value costs 2 squarings (fused into one
/// sum of products with one reduction where the base field has it:
/// [`Coord::sum_of_squares`]), 3 base products and 2 more for `(a - b u) n^{-1}`: 7 base
/// products, against 9 for the trick run on `Fq2` itself (3 `Fq2` products of 3 base products
/// each). The norm of a non-zero value is non-zero
/// because `-1` is not a square modulo BN254's `p` (`p = 3 mod 4`), so `a^2 = -b^2` forces
/// `a = b = 0`.
pub fn batch_inverse_by_norm<B: Coord<Fq>, E>(
    values: &mut [E],
    parts: impl Fn(&E) -> (B, B),
    join: impl Fn(B, B) -> E,
) {
    let mut norms: Vec<B> = values
        .iter()
        .map(|v| {
            let (a, b) = parts(v);
            B::sum_of_squares(&a, &b)
        })
        .collect();
    montgomery_batch_inverse::<Fq, B>(&mut norms);
    for (v, n) in values.iter_mut().zip(&norms) {
        let (a, b) = parts(v);
        // The inverse's parts may be loose: they are only factors of the slope's product. `b`
        // may be a loose difference, so it is negated after its product.
        *v = join(a.mul_loose(n), b.mul_loose(n).neg_loose());
    }
}

/// arkworks' fields as their own coordinates.
macro_rules! ark_coord {
    ($f:ty $(, $extra:item)*) => {
        impl Coord<$f> for $f {
            #[inline]
            fn from_base(x: &$f) -> Self {
                *x
            }
            #[inline]
            fn to_base(&self) -> $f {
                *self
            }
            fn zero() -> Self {
                <$f>::ZERO
            }
            fn one() -> Self {
                <$f>::ONE
            }
            #[inline]
            fn is_zero(&self) -> bool {
                Zero::is_zero(self)
            }
            #[inline]
            fn add(&self, o: &Self) -> Self {
                *self + o
            }
            #[inline]
            fn sub(&self, o: &Self) -> Self {
                *self - o
            }
            #[inline]
            fn neg(&self) -> Self {
                -*self
            }
            #[inline]
            fn double(&self) -> Self {
                AdditiveGroup::double(self)
            }
            #[inline]
            fn mul(&self, o: &Self) -> Self {
                *self * o
            }
            #[inline]
            fn square(&self) -> Self {
                Field::square(self)
            }
            fn inverse(&self) -> Option<Self> {
                Field::inverse(self)
            }
            $($extra)*
        }
    };
}
ark_coord!(Fq);
ark_coord!(
    Fq2,
    fn batch_inverse(values: &mut [Self]) {
        batch_inverse_by_norm(values, |v| (v.c0, v.c1), Fq2::new);
    }
);

/// The 29-bit-limb fields as coordinates (inversion goes through arkworks: once per round).
macro_rules! limb29_coord {
    ($t:ty, $f:ty $(, $extra:item)*) => {
        impl Coord<$f> for $t {
            #[inline]
            fn from_base(x: &$f) -> Self {
                <$t>::from_ark(x)
            }
            #[inline]
            fn to_base(&self) -> $f {
                self.to_ark()
            }
            fn zero() -> Self {
                <$t>::ZERO
            }
            fn one() -> Self {
                <$t>::from_ark(&<$f>::ONE)
            }
            #[inline]
            fn is_zero(&self) -> bool {
                *self == <$t>::ZERO
            }
            #[inline]
            fn add(&self, o: &Self) -> Self {
                <$t>::add(self, o)
            }
            #[inline]
            fn sub(&self, o: &Self) -> Self {
                <$t>::sub(self, o)
            }
            #[inline]
            fn neg(&self) -> Self {
                <$t>::neg(self)
            }
            #[inline]
            fn double(&self) -> Self {
                <$t>::add(self, self)
            }
            #[inline]
            fn mul(&self, o: &Self) -> Self {
                <$t>::mul(self, o)
            }
            #[inline]
            fn square(&self) -> Self {
                <$t>::square(self)
            }
            fn inverse(&self) -> Option<Self> {
                Field::inverse(&self.to_ark()).map(|i| <$t>::from_ark(&i))
            }
            $($extra)*
        }
    };
}
limb29_coord!(
    Fq29,
    Fq,
    /// One reduction for both squares ([`Fq29::sum_of_two_products`]).
    fn sum_of_squares(a: &Self, b: &Self) -> Self {
        Fq29::sum_of_two_products([a, b], [a, b])
    },
    #[inline]
    fn mul_loose(&self, o: &Self) -> Self {
        Fq29::mul_loose(self, o)
    },
    #[inline]
    fn sub_loose(&self, o: &Self) -> Self {
        Fq29::sub_loose(self, o)
    },
    #[inline]
    fn neg_loose(&self) -> Self {
        Fq29::neg_loose(self)
    }
);
limb29_coord!(
    Fq2x29,
    Fq2,
    fn batch_inverse(values: &mut [Self]) {
        batch_inverse_by_norm(values, |v| (v.c0, v.c1), |c0, c1| Fq2x29 { c0, c1 });
    },
    /// Products without their final subtractions ([`Fq2x29::mul_loose`]).
    #[inline]
    fn mul_loose(&self, o: &Self) -> Self {
        Fq2x29::mul_loose(self, o)
    },
    /// Carried, unreduced differences ([`Fq2x29::sub_carried`]): their coordinates stay on
    /// 29-bit limbs, as the sums of products of `Fq2x29::mul` and the norm need.
    #[inline]
    fn sub_loose(&self, o: &Self) -> Self {
        Fq2x29::sub_carried(self, o)
    }
);

/// Checks the 29-bit-limb coordinates against arkworks, value for value, on edge values
/// (0, 1, 2, `p - 1`, `p - 2`, `1/2 = (p + 1)/2`, `(p - 1)/2`, `2^253`, `2^64 - 1`, and `Fq2`
/// values built from them) and `randoms` random ones: products (also of loose factors: loose
/// products, differences, in `Fq2` carried differences as the second factor), squares (in
/// `Fq2` also of loose products), sums, differences, negations, doublings and both batch
/// inversions (in `Fq2` also of carried differences, as the G2 additions invert them).
/// Products, sums and differences in `Fq` are compared limb for limb with the converted
/// arkworks result (canonical form: equal values have equal limbs), the rest through `to_ark`.
/// Returns the number of comparisons, or the first mismatch. The same function runs natively
/// (unit test) and in wasm (the web prover's `fieldSelfTest`, called in Node and in Chromium),
/// where the 29-bit products are the ones the MSM uses.
pub fn coordinates_agree_with_arkworks(randoms: usize) -> Result<usize, String> {
    use ark_ff::UniformRand;
    let mut rng = ark_std::test_rng();
    let mut fq = zkagg_field29::self_check::edge_values();
    fq.extend((0..randoms).map(|_| Fq::rand(&mut rng)));
    let mut checks = zkagg_field29::self_check::Comparisons::default();
    let mut same = |ok: bool, what: &dyn Fn() -> String| checks.check(ok, what);
    for a in &fq {
        let x = Fq29::from_ark(a);
        same(x.to_ark() == *a, &|| format!("round trip of {a}"))?;
        same(x.square().to_ark() == Field::square(a), &|| {
            format!("{a}^2")
        })?;
        same(x.neg().to_ark() == -*a, &|| format!("-{a}"))?;
        same(x.double().to_ark() == AdditiveGroup::double(a), &|| {
            format!("2 {a}")
        })?;
        same(x.is_zero() == Zero::is_zero(a), &|| format!("{a} == 0"))?;
        for b in fq.iter().take(24) {
            let y = Fq29::from_ark(b);
            same(x.mul(&y) == Fq29::from_ark(&(*a * b)), &|| {
                format!("{a} * {b}")
            })?;
            same(x.add(&y) == Fq29::from_ark(&(*a + b)), &|| {
                format!("{a} + {b}")
            })?;
            same(x.sub(&y) == Fq29::from_ark(&(*a - b)), &|| {
                format!("{a} - {b}")
            })?;
            // Loose values as factors: a difference without carries, a product without its
            // final subtraction, and both in one product.
            let (difference, product) = (x.sub_loose(&y), x.mul_loose(&y));
            same(
                difference.mul(&x) == Fq29::from_ark(&((*a - b) * a)),
                &|| format!("loose ({a} - {b}) {a}"),
            )?;
            same(
                product.mul(&difference) == Fq29::from_ark(&(*a * b * (*a - b))),
                &|| format!("loose {a} {b} ({a} - {b})"),
            )?;
        }
    }
    let mut fq2: Vec<Fq2> = fq
        .iter()
        .zip(fq.iter().rev())
        .map(|(a, b)| Fq2::new(*a, *b))
        .collect();
    fq2.extend(fq.iter().map(|a| Fq2::new(Fq::ZERO, *a)));
    for a in &fq2 {
        let x = Fq2x29::from_ark(a);
        same(x.square().to_ark() == Field::square(a), &|| {
            format!("({a})^2")
        })?;
        same(x.neg().to_ark() == -*a, &|| format!("-({a})"))?;
        for b in fq2.iter().take(16) {
            let y = Fq2x29::from_ark(b);
            same(x.mul(&y).to_ark() == *a * b, &|| format!("({a}) * ({b})"))?;
            same(x.sub(&y).to_ark() == *a - b, &|| format!("({a}) - ({b})"))?;
            // Loose values as the G2 additions make them: a carried difference as the second
            // factor, a loose product as the first, and the square of a loose product.
            let (difference, product) = (
                <Fq2x29 as Coord<Fq2>>::sub_loose(&x, &y),
                <Fq2x29 as Coord<Fq2>>::mul_loose(&x, &y),
            );
            same(x.mul(&difference).to_ark() == *a * (*a - b), &|| {
                format!("loose ({a}) (({a}) - ({b}))")
            })?;
            same(
                product.mul_loose(&difference).to_ark() == *a * b * (*a - b),
                &|| format!("loose ({a}) ({b}) (({a}) - ({b}))"),
            )?;
            same(
                product.square().to_ark() == Field::square(&(*a * b)),
                &|| format!("loose (({a}) ({b}))^2"),
            )?;
        }
    }
    let nonzero: Vec<Fq> = fq.iter().copied().filter(|a| !Zero::is_zero(a)).collect();
    let mut inverses: Vec<Fq29> = nonzero.iter().map(Fq29::from_ark).collect();
    <Fq29 as Coord<Fq>>::batch_inverse(&mut inverses);
    for (a, i) in nonzero.iter().zip(&inverses) {
        same(Some(i.to_ark()) == Field::inverse(a), &|| format!("1/{a}"))?;
    }
    let nonzero: Vec<Fq2> = fq2.iter().copied().filter(|a| !Zero::is_zero(a)).collect();
    let mut inverses: Vec<Fq2x29> = nonzero.iter().map(Fq2x29::from_ark).collect();
    <Fq2x29 as Coord<Fq2>>::batch_inverse(&mut inverses);
    for (a, i) in nonzero.iter().zip(&inverses) {
        same(Some(i.to_ark()) == Field::inverse(a), &|| {
            format!("1/({a})")
        })?;
    }
    // The G2 denominators: carried differences `x2 - x1`, inverted through their norms.
    let pairs: Vec<(Fq2, Fq2)> = fq2
        .iter()
        .zip(fq2.iter().skip(1))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (*a, *b))
        .collect();
    let mut inverses: Vec<Fq2x29> = pairs
        .iter()
        .map(|(a, b)| <Fq2x29 as Coord<Fq2>>::sub_loose(&Fq2x29::from_ark(a), &Fq2x29::from_ark(b)))
        .collect();
    <Fq2x29 as Coord<Fq2>>::batch_inverse(&mut inverses);
    for ((a, b), i) in pairs.iter().zip(&inverses) {
        same(Some(i.to_ark()) == Field::inverse(&(*a - b)), &|| {
            format!("1/(({a}) - ({b}))")
        })?;
    }
    Ok(checks.count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    /// Every coordinate type's batch inversion (Montgomery's trick on the base fields, the
    /// norm on the `Fq2`s) gives arkworks' inverse of each value, on edge values (1, -1,
    /// `u`, `-u`, purely real and purely imaginary, `p - 1` parts) and random ones.
    #[test]
    fn batch_inverses_equal_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
        let m1 = -Fq::ONE;
        let mut fq2: Vec<Fq2> = [
            (Fq::ONE, Fq::ZERO),
            (m1, Fq::ZERO),
            (Fq::ZERO, Fq::ONE),
            (Fq::ZERO, m1),
            (m1, m1),
            (Fq::from(2u64), m1),
            (Fq::ONE, Fq::ONE),
        ]
        .into_iter()
        .map(|(a, b)| Fq2::new(a, b))
        .collect();
        fq2.extend((0..300).map(|_| Fq2::rand(&mut rng)));
        let fq: Vec<Fq> = fq2
            .iter()
            .flat_map(|v| [v.c0, v.c1])
            .filter(|x| !Zero::is_zero(x))
            .collect();
        fn check<F: Field, C: Coord<F> + std::fmt::Debug>(values: &[F]) {
            let mut coords: Vec<C> = values.iter().map(C::from_base).collect();
            C::batch_inverse(&mut coords);
            for (v, c) in values.iter().zip(&coords) {
                assert_eq!(c.to_base(), v.inverse().unwrap(), "1/{v}");
            }
        }
        check::<Fq, Fq>(&fq);
        check::<Fq, Fq29>(&fq);
        check::<Fq2, Fq2>(&fq2);
        check::<Fq2, Fq2x29>(&fq2);
        check::<Fq2, Fq2x29>(&fq2[..1]);
        check::<Fq2, Fq2x29>(&[]);
    }

    #[test]
    fn limb29_coordinates_agree_with_arkworks() {
        let checks = coordinates_agree_with_arkworks(64).unwrap();
        assert!(checks > 5_000, "{checks}");
    }
}
