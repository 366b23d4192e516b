//! `Fq2 = Fq[u] / (u^2 + 1)` on [`Fq29`] coordinates: the G2 coordinates of the CPU MSM in
//! wasm.

use ark_bn254::Fq2;

use crate::fq29::Fq29;

/// `Fq2 = Fq[u] / (u^2 + 1)` over [`Fq29`], as in ark-bn254.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fq2x29 {
    pub c0: Fq29,
    pub c1: Fq29,
}

impl Fq2x29 {
    pub const ZERO: Fq2x29 = Fq2x29 {
        c0: Fq29::ZERO,
        c1: Fq29::ZERO,
    };

    /// `(a0 + a1 u)(b0 + b1 u) = (a0 b0 - a1 b1) + (a0 b1 + a1 b0) u`, each coordinate one
    /// [`Fq29::sum_of_two_products`] (`a0 b0 + (2p - a1) b1` for the first, the negation
    /// loose: [`Fq29::neg_loose`]): four products and two reductions. Every coordinate of
    /// either factor may be a loose product (below `2p` on 29-bit limbs): the sums' bound
    /// covers factors up to `2p`. Karatsuba's three base products cost as many 32x32-bit products
    /// here (each of its products carries its own reduction) plus two additions and three
    /// subtractions, so the sums of products are the cheaper form on 29-bit limbs.
    #[inline]
    pub fn mul(&self, o: &Fq2x29) -> Fq2x29 {
        // The loose product's coordinates are below 2p: one conditional subtraction each.
        let loose = self.mul_loose(o);
        Fq2x29 {
            c0: loose.c0.reduce_once(),
            c1: loose.c1.reduce_once(),
        }
    }

    /// [`Fq2x29::mul`] without the final conditional subtractions: a **loose** result (each
    /// coordinate below `2p` on 29-bit limbs), fit as a factor of another product. `self`
    /// below `2p` per coordinate (canonical or a loose product: its `c1` is negated by
    /// [`Fq29::neg_loose`]); `o` may also be a carried difference ([`Fq2x29::sub_carried`],
    /// below `3p`): each coordinate is then a sum of two products below `6 p^2`, and
    /// `(12 p^2 + R p) / R < 2p` as `12p < R` ([`Fq29::sub_carried`]).
    #[inline]
    pub fn mul_loose(&self, o: &Fq2x29) -> Fq2x29 {
        let minus_a1 = self.c1.neg_loose();
        Fq2x29 {
            c0: Fq29::sum_of_two_products_loose([&self.c0, &minus_a1], [&o.c0, &o.c1]),
            c1: Fq29::sum_of_two_products_loose([&self.c0, &self.c1], [&o.c1, &o.c0]),
        }
    }

    /// `self - o` of canonical values, carried but not reduced ([`Fq29::sub_carried`]): a
    /// **loose** value, each coordinate in `(p, 3p)` on 29-bit limbs, fit as the second
    /// factor (`o`) of [`Fq2x29::mul`] or [`Fq2x29::mul_loose`] (never the first: that one's
    /// `c1` is negated within `2p`), or as a value to invert through its norm (both squares
    /// of one [`Fq29::sum_of_two_products`]).
    #[inline]
    pub fn sub_carried(&self, o: &Fq2x29) -> Fq2x29 {
        Fq2x29 {
            c0: self.c0.sub_carried(&o.c0),
            c1: self.c1.sub_carried(&o.c1),
        }
    }

    /// `(a + b u)^2 = (a + b)(a - b) + (2a) b u`: two base products, canonical, for `a` and `b`
    /// below `2p` on 29-bit limbs (canonical or loose products). The sums and the difference are
    /// carried but not reduced (all below `4p`: [`Fq29::add_carried`], [`Fq29::sub_carried`]),
    /// so there is no borrow chain and no conditional subtraction before the two products.
    #[inline]
    pub fn square(&self) -> Fq2x29 {
        let (a, b) = (&self.c0, &self.c1);
        // a - b + 2p lies in (0, 4p) for a, b below 2p; its limbs carry like a sum's.
        let difference = a.sub_carried(b);
        Fq2x29 {
            c0: a.add_carried(b).mul(&difference),
            c1: a.add_carried(a).mul(b),
        }
    }

    #[inline]
    pub fn add(&self, o: &Fq2x29) -> Fq2x29 {
        Fq2x29 {
            c0: self.c0.add(&o.c0),
            c1: self.c1.add(&o.c1),
        }
    }

    #[inline]
    pub fn sub(&self, o: &Fq2x29) -> Fq2x29 {
        Fq2x29 {
            c0: self.c0.sub(&o.c0),
            c1: self.c1.sub(&o.c1),
        }
    }

    #[inline]
    pub fn neg(&self) -> Fq2x29 {
        Fq2x29 {
            c0: self.c0.neg(),
            c1: self.c1.neg(),
        }
    }

    pub fn from_ark(x: &Fq2) -> Fq2x29 {
        Fq2x29 {
            c0: Fq29::from_ark(&x.c0),
            c1: Fq29::from_ark(&x.c1),
        }
    }

    pub fn to_ark(&self) -> Fq2 {
        Fq2::new(self.c0.to_ark(), self.c1.to_ark())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fq29::MASK;
    use ark_bn254::Fq;
    use ark_ec::AdditiveGroup;
    use ark_ff::{BigInteger, Field, PrimeField, UniformRand};
    use rand::SeedableRng;

    /// `a` and, where it is below `2p`, the loose representative `a + p` (a loose product's
    /// largest value, `2p - 1`, for `a = p - 1`).
    fn representatives(a: &Fq) -> [Fq29; 2] {
        let canonical = Fq29::from_ark(a);
        let mut sum = canonical.limbs_as_integer();
        sum.add_with_carry(&Fq::MODULUS);
        [canonical, Fq29::raw(crate::fq29::to_limbs(&sum.0))]
    }

    fn below_two_p(x: &Fq29) -> bool {
        let mut two_p = Fq::MODULUS;
        two_p.mul2();
        x.0.iter().all(|&l| l <= MASK) && x.limbs_as_integer() < two_p
    }

    /// The loose operations of the MSM's G2 additions give exact results on the extremes of
    /// their bounds: carried differences of canonical values (up to `3p - 1`) and of loose
    /// products (up to `4p - 1`, the input `2p - 1`), carried sums, loose sums of products,
    /// `Fq2` products with a carried difference as the second factor, and squares of loose
    /// products. Limbs stay below `2^29`; loose products stay below `2p`. A limb that went below
    /// zero would panic with overflow checks (`cargo test` without `--release`) and wrap to a
    /// wrong value without them.
    #[test]
    fn loose_values_give_exact_results() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(41);
        let m1 = -Fq::ONE;
        let mut xs = vec![
            Fq::ZERO,
            Fq::ONE,
            m1,
            m1.double(),
            Fq::from(2u64).inverse().unwrap(),
        ];
        xs.extend((0..12).map(|_| Fq::rand(&mut rng)));
        for a in &xs {
            for b in &xs {
                for (x, y) in representatives(a)
                    .iter()
                    .zip(representatives(b).iter().rev())
                {
                    let d = x.sub_carried(y);
                    assert!(d.0.iter().all(|&l| l <= MASK));
                    assert_eq!(d.to_ark(), *a - b);
                    let s = x.add_carried(y);
                    assert!(s.0.iter().all(|&l| l <= MASK));
                    assert_eq!(s.to_ark(), *a + b);
                    assert_eq!(s.mul(&d), Fq29::from_ark(&(a.square() - b.square())));
                    let t = Fq29::sum_of_two_products_loose([x, y], [y, x]);
                    assert!(below_two_p(&t));
                    assert_eq!(t.to_ark(), (*a * b).double());
                    let loose = Fq2x29 { c0: *x, c1: *y };
                    let value = Fq2::new(*a, *b);
                    assert_eq!(loose.square(), Fq2x29::from_ark(&value.square()));
                    for c in xs.iter().take(6) {
                        for e in xs.iter().rev().take(6) {
                            let (u, v) = (Fq2::new(*c, *e), Fq2::new(*e, *c));
                            let difference =
                                Fq2x29::from_ark(&u).sub_carried(&Fq2x29::from_ark(&v));
                            let exact = value * (u - v);
                            let product = loose.mul_loose(&difference);
                            assert!(below_two_p(&product.c0) && below_two_p(&product.c1));
                            assert_eq!(product.to_ark(), exact);
                            assert_eq!(loose.mul(&difference), Fq2x29::from_ark(&exact));
                            // Both squares of one sum of products on carried differences (the
                            // norm of a G2 denominator).
                            let norm = Fq29::sum_of_two_products(
                                [&difference.c0, &difference.c1],
                                [&difference.c0, &difference.c1],
                            );
                            let w = u - v;
                            assert_eq!(norm, Fq29::from_ark(&(w.c0.square() + w.c1.square())));
                        }
                    }
                }
            }
        }
    }
}
