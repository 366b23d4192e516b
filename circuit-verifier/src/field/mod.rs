//! # Emulated `Fq`: BN254's base field inside a circuit over BN254's scalar field
//!
//! An element of `Fq` (`p ~ 2^253.6`) cannot be one variable of the circuit field `Fr`
//! (`r ~ 2^253.6`, `r < p`): it is a vector of `k` *limbs* of `b` bits ([`Layout`]), worth
//! `sum_i limb_i * 2^(b*i)`. Each limb is a linear combination of circuit variables together with
//! its integer value and a static interval `[lo, hi]` that every satisfying assignment respects
//! ([`Limb`]). The intervals are what the soundness arguments are about: as long as every integer
//! that a constraint talks about stays strictly inside `(-r/2, r/2)`, an equation that holds in
//! `Fr` holds over the integers. The gadgets check those bounds while they build constraints and
//! refuse ([`crate::Error::Bound`]) to build one whose argument would fail.
//!
//! - [`Elem`]: one emulated element; sums, differences and small multiples of elements are free
//!   (linear combinations of the limbs) and grow the intervals.
//! - Every multiplication, reduction or equality modulo `p` goes through a [`relation::Relation`]:
//!   products are computed as polynomials in the limb variable with one constraint per evaluation
//!   point ([`product`]), then the relation allocates the result, the quotient and grouped carries,
//!   all range-checked, and enforces the integer identity that makes it an identity modulo `p`.
//!   Many products can share one reduction (lazy reduction).
//! - Range checks ([`Emu::alloc_bits_lc`]) are bit decompositions: one constraint per bit.

pub mod product;
pub mod relation;

use crate::convert::{fq_modulus_int, fr_from_i128, Fr};
use crate::{Error, Result};
use ff::Field;
use nova_snark::frontend::{ConstraintSystem, Index, LinearCombination, Variable};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::sync::Arc;

/// The constant-one variable of every nova-snark constraint system.
pub fn one() -> Variable {
    Variable::new_unchecked(Index::Input(0))
}

/// The linear combination `c * 1`.
pub fn lc_const(c: Fr) -> LinearCombination<Fr> {
    LinearCombination::zero() + (c, one())
}

/// How an emulated element is cut into limbs: `num_limbs` limbs of `limb_bits` bits.
///
/// `limb_bits * num_limbs` must be at least 254 (the size of `p`); the measurements in
/// `docs/BENCHMARKS.md` chose the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    /// `b`: bits per limb of an allocated (range-checked) element.
    pub limb_bits: u32,
    /// `k`: number of limbs.
    pub num_limbs: usize,
}

impl Layout {
    /// The layout used by the verifier circuits.
    pub const DEFAULT: Layout = Layout {
        limb_bits: 32,
        num_limbs: 8,
    };

    /// Checks `16 <= b <= 64` and `b * k >= 254`.
    pub fn validate(&self) -> Result<()> {
        if !(8..=64).contains(&self.limb_bits) {
            return Err(Error::Bound(format!(
                "limb width {} outside 8..=64",
                self.limb_bits
            )));
        }
        if (self.limb_bits as usize) * self.num_limbs < 254 {
            return Err(Error::Bound(format!(
                "{} limbs of {} bits cannot hold p",
                self.num_limbs, self.limb_bits
            )));
        }
        Ok(())
    }
}

impl Default for Layout {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The emulation context: the layout and the constants derived from it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Emu {
    inner: Arc<EmuInner>,
}

#[derive(Debug)]
struct EmuInner {
    layout: Layout,
    /// `p`'s limbs in base `2^b`.
    p_limbs: Vec<i128>,
}

impl Emu {
    /// A context for `layout` (validated).
    pub fn new(layout: Layout) -> Result<Self> {
        layout.validate()?;
        let p_limbs = int_to_limbs(fq_modulus_int(), layout.limb_bits, layout.num_limbs)
            .ok_or_else(|| Error::Bound("p does not fit the layout".into()))?;
        Ok(Self {
            inner: Arc::new(EmuInner { layout, p_limbs }),
        })
    }

    /// The context for [`Layout::DEFAULT`].
    pub fn default_layout() -> Self {
        // The default layout is valid (checked by a test), so this cannot fail.
        Self::new(Layout::DEFAULT).unwrap_or_else(|_| unreachable!("default layout is valid"))
    }

    /// The layout.
    pub fn layout(&self) -> Layout {
        self.inner.layout
    }

    /// `b`.
    pub fn limb_bits(&self) -> u32 {
        self.inner.layout.limb_bits
    }

    /// `k`.
    pub fn num_limbs(&self) -> usize {
        self.inner.layout.num_limbs
    }

    /// `p`'s limbs.
    pub fn p_limbs(&self) -> &[i128] {
        &self.inner.p_limbs
    }

    /// Allocates `bits` boolean variables holding the binary digits of `value` (which must be in
    /// `[0, 2^bits)`; a larger value is truncated, which only makes the witness unsatisfiable)
    /// and returns their weighted sum as a linear combination.
    ///
    /// Constraint count: `bits` (one booleanity constraint `x * (1 - x) = 0` per bit). The
    /// returned combination is then an integer in `[0, 2^bits)` in every satisfying assignment.
    pub fn alloc_bits_lc<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        value: &BigInt,
        bits: u32,
    ) -> Result<LinearCombination<Fr>> {
        let mut lc = LinearCombination::zero();
        let mut coeff = Fr::ONE;
        let mag = value.magnitude();
        for i in 0..bits {
            let bit = value.sign() != num_bigint::Sign::Minus && mag.bit(u64::from(i));
            let v = cs.alloc(
                || format!("bit {i}"),
                || Ok(if bit { Fr::ONE } else { Fr::ZERO }),
            )?;
            cs.enforce(
                || format!("bit {i} is boolean"),
                |lc| lc + v,
                |lc| lc + one() - v,
                |lc| lc,
            );
            lc = lc + (coeff, v);
            coeff = coeff.double();
        }
        Ok(lc)
    }

    /// Allocates a variable holding `value` in `[0, 2^bits)`, range-checked by bit decomposition
    /// (`bits + 1` constraints: the bits and the link to the variable).
    pub fn alloc_bounded_var<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        value: &BigInt,
        bits: u32,
    ) -> Result<Variable> {
        let bits_lc = self.alloc_bits_lc(&mut cs.namespace(|| "bits"), value, bits)?;
        let fv = crate::convert::fr_from_bigint(value);
        let var = cs.alloc(|| "value", || Ok(fv))?;
        cs.enforce(
            || "value is the sum of its bits",
            |lc| lc + var,
            |lc| lc + one(),
            |_| bits_lc,
        );
        Ok(var)
    }

    /// Allocates an emulated element with `k` range-checked limbs of `b` bits holding the
    /// non-negative integer `value < 2^(b*k)` (not necessarily reduced modulo `p`).
    ///
    /// Cost: `k * (b + 1)` constraints. Bounds: every limb in `[0, 2^b - 1]`.
    pub fn alloc_elem<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        value: &BigInt,
    ) -> Result<Elem> {
        let b = self.limb_bits();
        let k = self.num_limbs();
        if value.is_negative() || value.bits() > u64::from(b) * k as u64 {
            return Err(Error::Witness(format!(
                "value does not fit in {k} limbs of {b} bits"
            )));
        }
        let digits = int_to_limbs(value, b, k)
            .ok_or_else(|| Error::Witness("limb decomposition failed".into()))?;
        let mut limbs = Vec::with_capacity(k);
        for (i, d) in digits.iter().enumerate() {
            let var = self.alloc_bounded_var(
                &mut cs.namespace(|| format!("limb {i}")),
                &BigInt::from(*d),
                b,
            )?;
            limbs.push(Limb {
                lc: LinearCombination::zero() + var,
                val: *d,
                lo: 0,
                hi: (1i128 << b) - 1,
            });
        }
        Ok(Elem { limbs })
    }

    /// Allocates an element holding the canonical representative of an `Fq` value.
    pub fn alloc_fq<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        x: &ark_bn254::Fq,
    ) -> Result<Elem> {
        self.alloc_elem(cs, &crate::convert::fq_to_bigint(x))
    }

    /// Allocates an element and proves it canonical: `0 <= value <= p - 1`.
    ///
    /// The extra check allocates `d = p - 1 - value` with range-checked limbs and proves
    /// `value + d = p - 1` as an exact integer identity ([`relation::Relation::assert_exact`]): a
    /// non-negative `d` exists only if `value <= p - 1`. Cost: about `2 * k * (b + 1)` plus a few
    /// carries. Canonical encodings are needed where an element is hashed (Fiat–Shamir,
    /// statement commitments): there every value must have exactly one encoding.
    pub fn alloc_fq_canonical<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        x: &ark_bn254::Fq,
    ) -> Result<Elem> {
        let v = crate::convert::fq_to_bigint(x);
        let e = self.alloc_elem(&mut cs.namespace(|| "value"), &v)?;
        self.assert_canonical(&mut cs.namespace(|| "canonical"), &e)?;
        Ok(e)
    }

    /// Proves that `e` (whose limbs are range-checked) is at most `p - 1`; see
    /// [`Self::alloc_fq_canonical`].
    pub fn assert_canonical<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS, e: &Elem) -> Result<()> {
        let pm1 = fq_modulus_int() - BigInt::one();
        let d_val = &pm1 - e.value(self.limb_bits());
        // A non-canonical witness has d < 0: allocate 0 instead (the identity then fails).
        let d_val = if d_val.is_negative() {
            BigInt::zero()
        } else {
            d_val
        };
        let d = self.alloc_elem(&mut cs.namespace(|| "p - 1 - value"), &d_val)?;
        let sum = e.add(&d);
        let mut rel = relation::Relation::new(self, crate::tower::ExtKind::Fq);
        rel.add_linear(1, &crate::tower::Ext::from_elem(sum));
        rel.add_linear(-1, &crate::tower::Ext::from_elem(self.constant(&pm1)));
        rel.assert_exact(&mut cs.namespace(|| "value + d = p - 1"))
    }

    /// The constant element `value` (any integer; non-negative limbs when `value >= 0`). No
    /// variables; every limb's interval is the single point of its value.
    pub fn constant(&self, value: &BigInt) -> Elem {
        let b = self.limb_bits();
        let neg = value.is_negative();
        let mag = BigInt::from(value.magnitude().clone());
        let n = self
            .num_limbs()
            .max(mag.bits().div_ceil(u64::from(b)) as usize);
        let digits = int_to_limbs(&mag, b, n).unwrap_or_else(|| vec![0; n]);
        Elem {
            limbs: digits
                .into_iter()
                .map(|d| {
                    let d = if neg { -d } else { d };
                    Limb::constant(d)
                })
                .collect(),
        }
    }

    /// The constant element holding an `Fq` value (canonical).
    pub fn constant_fq(&self, x: &ark_bn254::Fq) -> Elem {
        self.constant(&crate::convert::fq_to_bigint(x))
    }

    /// The zero element (all limbs structurally zero).
    pub fn zero(&self) -> Elem {
        Elem {
            limbs: vec![Limb::zero(); self.num_limbs()],
        }
    }

    /// Selects `if bit { a } else { c }` limb by limb: one constraint per limb
    /// (`bit * (a_i - c_i) = out_i - c_i`), none when both are constants (then the result is a
    /// linear combination of `bit`). Bounds: the hull of both inputs' intervals.
    pub fn select<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        bit: &Bit,
        a: &Elem,
        c: &Elem,
    ) -> Result<Elem> {
        let n = a.limbs.len().max(c.limbs.len());
        let mut limbs = Vec::with_capacity(n);
        for i in 0..n {
            let la = a.limbs.get(i).cloned().unwrap_or_else(Limb::zero);
            let lcc = c.limbs.get(i).cloned().unwrap_or_else(Limb::zero);
            limbs.push(select_limb(
                &mut cs.namespace(|| format!("limb {i}")),
                bit,
                &la,
                &lcc,
            )?);
        }
        Ok(Elem { limbs })
    }
}

/// Selects between two limbs by a bit (see [`Emu::select`]).
pub fn select_limb<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    bit: &Bit,
    a: &Limb,
    c: &Limb,
) -> Result<Limb> {
    if bit.is_const {
        return Ok(if bit.val { a.clone() } else { c.clone() });
    }
    let val = if bit.val { a.val } else { c.val };
    let lo = a.lo.min(c.lo);
    let hi = a.hi.max(c.hi);
    if a.is_constant() && c.is_constant() {
        // out = c + bit * (a - c): linear in the bit.
        let lc = lc_const(fr_from_i128(c.val)) + &scaled(&bit.lc, fr_from_i128(a.val - c.val));
        return Ok(Limb { lc, val, lo, hi });
    }
    if a.lc == c.lc {
        return Ok(a.clone());
    }
    let fv = fr_from_i128(val);
    let out = cs.alloc(|| "select", || Ok(fv))?;
    cs.enforce(
        || "bit * (a - c) = out - c",
        |lc| lc + &bit.lc,
        |lc| lc + &a.lc - &c.lc,
        |lc| lc + out - &c.lc,
    );
    Ok(Limb {
        lc: LinearCombination::zero() + out,
        val,
        lo,
        hi,
    })
}

/// `lc * c` as a new linear combination.
pub fn scaled(lc: &LinearCombination<Fr>, c: Fr) -> LinearCombination<Fr> {
    let mut out = LinearCombination::zero();
    if c == Fr::ZERO {
        return out;
    }
    for (v, coeff) in lc.iter() {
        out = out + (*coeff * c, v);
    }
    out
}

/// Splits a non-negative integer into `n` base-`2^b` digits (little-endian); `None` if it does
/// not fit or is negative.
pub fn int_to_limbs(v: &BigInt, b: u32, n: usize) -> Option<Vec<i128>> {
    if v.is_negative() || v.bits() > u64::from(b) * n as u64 {
        return None;
    }
    let mask = (BigInt::one() << b) - 1;
    let mut out = Vec::with_capacity(n);
    let mut x = v.clone();
    for _ in 0..n {
        out.push((&x & &mask).to_i128()?);
        x >>= b;
    }
    Some(out)
}

/// A boolean variable (or constant) with its value.
#[derive(Clone, Debug)]
pub struct Bit {
    /// The variable (or constant combination) holding 0 or 1.
    pub lc: LinearCombination<Fr>,
    /// Its value.
    pub val: bool,
    /// Whether the bit is a constant (then selections by it are free and exact).
    pub is_const: bool,
}

impl Bit {
    /// Allocates a bit with its booleanity constraint (1 constraint).
    pub fn alloc<CS: ConstraintSystem<Fr>>(cs: &mut CS, val: bool) -> Result<Self> {
        let v = cs.alloc(|| "bit", || Ok(if val { Fr::ONE } else { Fr::ZERO }))?;
        cs.enforce(|| "boolean", |lc| lc + v, |lc| lc + one() - v, |lc| lc);
        Ok(Self {
            lc: LinearCombination::zero() + v,
            val,
            is_const: false,
        })
    }

    /// A constant bit (no variable).
    pub fn constant(val: bool) -> Self {
        Self {
            lc: if val {
                lc_const(Fr::ONE)
            } else {
                LinearCombination::zero()
            },
            val,
            is_const: true,
        }
    }

    /// `1 - self` (free).
    pub fn not(&self) -> Self {
        Self {
            lc: lc_const(Fr::ONE) - &self.lc,
            val: !self.val,
            is_const: self.is_const,
        }
    }

    /// `self AND other` (1 constraint; free for constants).
    pub fn and<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS, other: &Bit) -> Result<Self> {
        if self.is_const {
            return Ok(if self.val {
                other.clone()
            } else {
                Bit::constant(false)
            });
        }
        if other.is_const {
            return Ok(if other.val {
                self.clone()
            } else {
                Bit::constant(false)
            });
        }
        let val = self.val && other.val;
        let v = cs.alloc(|| "and", || Ok(if val { Fr::ONE } else { Fr::ZERO }))?;
        cs.enforce(
            || "a * b = and",
            |lc| lc + &self.lc,
            |lc| lc + &other.lc,
            |lc| lc + v,
        );
        Ok(Self {
            lc: LinearCombination::zero() + v,
            val,
            is_const: false,
        })
    }
}

/// One limb of an emulated element: a linear combination of circuit variables, its integer value
/// and the interval `[lo, hi]` that its integer value lies in for every satisfying assignment.
#[derive(Clone, Debug)]
pub struct Limb {
    /// The limb as a linear combination of circuit variables.
    pub lc: LinearCombination<Fr>,
    /// Its integer value in the current witness.
    pub val: i128,
    /// Lower bound of the integer value (static).
    pub lo: i128,
    /// Upper bound of the integer value (static).
    pub hi: i128,
}

impl Limb {
    /// The structural zero (no variables, interval `[0, 0]`).
    pub fn zero() -> Self {
        Self {
            lc: LinearCombination::zero(),
            val: 0,
            lo: 0,
            hi: 0,
        }
    }

    /// A constant limb.
    pub fn constant(v: i128) -> Self {
        if v == 0 {
            return Self::zero();
        }
        Self {
            lc: lc_const(fr_from_i128(v)),
            val: v,
            lo: v,
            hi: v,
        }
    }

    /// Whether the limb is a constant (its interval is a single point).
    pub fn is_constant(&self) -> bool {
        self.lo == self.hi
    }

    /// Whether the limb is the structural zero.
    pub fn is_zero(&self) -> bool {
        self.lo == 0 && self.hi == 0
    }

    /// `self + other` (free; bounds add).
    pub fn add(&self, other: &Limb) -> Limb {
        Limb {
            lc: self.lc.clone() + &other.lc,
            val: self.val + other.val,
            lo: self.lo.saturating_add(other.lo),
            hi: self.hi.saturating_add(other.hi),
        }
    }

    /// `self * c` for a small integer `c` (free).
    pub fn scale(&self, c: i64) -> Limb {
        let c = i128::from(c);
        let (a, b) = (self.lo.saturating_mul(c), self.hi.saturating_mul(c));
        Limb {
            lc: scaled(&self.lc, fr_from_i128(c)),
            val: self.val * c,
            lo: a.min(b),
            hi: a.max(b),
        }
    }
}

/// An emulated `Fq` element: limbs `l_i` with value `sum_i l_i * 2^(b*i)` (any integer; it
/// represents its residue modulo `p`). Limbs may be unreduced linear combinations.
#[derive(Clone, Debug)]
pub struct Elem {
    /// The limbs, least significant first.
    pub limbs: Vec<Limb>,
}

impl Elem {
    /// The integer value `sum_i l_i * 2^(b*i)`.
    pub fn value(&self, b: u32) -> BigInt {
        let mut acc = BigInt::zero();
        for l in self.limbs.iter().rev() {
            acc = (acc << b) + BigInt::from(l.val);
        }
        acc
    }

    /// The value modulo `p` as an arkworks element.
    pub fn fq(&self, b: u32) -> ark_bn254::Fq {
        crate::convert::fq_from_bigint(&self.value(b))
    }

    /// Whether every limb is a constant.
    pub fn is_constant(&self) -> bool {
        self.limbs.iter().all(Limb::is_constant)
    }

    /// Whether every limb is the structural zero.
    pub fn is_zero(&self) -> bool {
        self.limbs.iter().all(Limb::is_zero)
    }

    fn zip_with(&self, other: &Elem, f: impl Fn(&Limb, &Limb) -> Limb) -> Elem {
        let n = self.limbs.len().max(other.limbs.len());
        let z = Limb::zero();
        Elem {
            limbs: (0..n)
                .map(|i| {
                    f(
                        self.limbs.get(i).unwrap_or(&z),
                        other.limbs.get(i).unwrap_or(&z),
                    )
                })
                .collect(),
        }
    }

    /// `self + other` (free).
    pub fn add(&self, other: &Elem) -> Elem {
        self.zip_with(other, Limb::add)
    }

    /// `self - other` (free; limbs may become negative).
    pub fn sub(&self, other: &Elem) -> Elem {
        self.zip_with(other, |a, b| a.add(&b.scale(-1)))
    }

    /// `-self` (free).
    pub fn neg(&self) -> Elem {
        self.scale(-1)
    }

    /// `c * self` for a small integer `c` (free).
    pub fn scale(&self, c: i64) -> Elem {
        Elem {
            limbs: self.limbs.iter().map(|l| l.scale(c)).collect(),
        }
    }

    /// The largest absolute limb bound.
    pub fn max_abs_bound(&self) -> i128 {
        self.limbs
            .iter()
            .map(|l| l.lo.saturating_abs().max(l.hi.saturating_abs()))
            .max()
            .unwrap_or(0)
    }
}

/// `ceil(a / b)` for integers, `b > 0`.
pub(crate) fn div_ceil_int(a: &BigInt, b: &BigInt) -> BigInt {
    let (q, r) = a.div_mod_floor(b);
    if r.is_zero() {
        q
    } else {
        q + 1
    }
}

#[cfg(test)]
mod tests;
