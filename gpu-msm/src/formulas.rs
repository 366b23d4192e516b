//! The point formulas of the WGSL kernel, mirrored on the CPU with arkworks field arithmetic.
//!
//! The kernel adds points with the *complete* formulas of Renes, Costello and Batina
//! ("Complete addition formulas for prime order elliptic curves", 2015), for short Weierstrass
//! curves with `a = 0` in homogeneous projective coordinates: Algorithm 7 (projective +
//! projective, 12 multiplications) and Algorithm 8 (projective + affine, 11 multiplications),
//! with `b3 = 3 b = 9` applied as additions. "Complete" means there are no special cases: the
//! same straight-line code adds distinct points, doubles equal points and handles the identity
//! (as the first operand), which is what a GPU wants (no divergent branches) and what makes the
//! kernel easy to test exhaustively.
//!
//! This mirror is the specification the kernel is written against: the unit tests below check it
//! against arkworks' group law, and the GPU spot checks ([`crate::check`]) recompute buckets
//! with it.

use ark_bn254::Fq;

use crate::repr::Homogeneous;

fn mul_b3(x: Fq) -> Fq {
    let x2 = x + x;
    let x4 = x2 + x2;
    let x8 = x4 + x4;
    x8 + x
}

/// `p + q` (RCB Algorithm 7, `a = 0`).
pub fn add(p: &Homogeneous, q: &Homogeneous) -> Homogeneous {
    let (x1, y1, z1) = (p.x, p.y, p.z);
    let (x2, y2, z2) = (q.x, q.y, q.z);
    let mut t0 = x1 * x2;
    let mut t1 = y1 * y2;
    let mut t2 = z1 * z2;
    let mut t3 = x1 + y1;
    let mut t4 = x2 + y2;
    t3 *= t4;
    t4 = t0 + t1;
    t3 -= t4;
    t4 = y1 + z1;
    let mut x3 = y2 + z2;
    t4 *= x3;
    x3 = t1 + t2;
    t4 -= x3;
    x3 = x1 + z1;
    let mut y3 = x2 + z2;
    x3 *= y3;
    y3 = t0 + t2;
    y3 = x3 - y3;
    x3 = t0 + t0;
    t0 += x3;
    t2 = mul_b3(t2);
    let mut z3 = t1 + t2;
    t1 -= t2;
    y3 = mul_b3(y3);
    x3 = t4 * y3;
    t2 = t3 * t1;
    x3 = t2 - x3;
    y3 *= t0;
    t1 *= z3;
    y3 = t1 + y3;
    t0 *= t3;
    z3 *= t4;
    z3 += t0;
    Homogeneous {
        x: x3,
        y: y3,
        z: z3,
    }
}

/// `p + (x2, y2)` for an affine, non-identity second point (RCB Algorithm 8, `a = 0`).
pub fn add_mixed(p: &Homogeneous, x2: Fq, y2: Fq) -> Homogeneous {
    let (x1, y1, z1) = (p.x, p.y, p.z);
    let mut t0 = x1 * x2;
    let mut t1 = y1 * y2;
    let mut t3 = x2 + y2;
    let mut t4 = x1 + y1;
    t3 *= t4;
    t4 = t0 + t1;
    t3 -= t4;
    t4 = y2 * z1;
    t4 += y1;
    let mut y3 = x2 * z1;
    y3 += x1;
    let mut x3 = t0 + t0;
    t0 += x3;
    let mut t2 = mul_b3(z1);
    let mut z3 = t1 + t2;
    t1 -= t2;
    y3 = mul_b3(y3);
    x3 = t4 * y3;
    t2 = t3 * t1;
    x3 = t2 - x3;
    y3 *= t0;
    t1 *= z3;
    y3 = t1 + y3;
    t0 *= t3;
    z3 *= t4;
    z3 += t0;
    Homogeneous {
        x: x3,
        y: y3,
        z: z3,
    }
}

/// One instruction of a point-formula *program*: `regs[d] = regs[a] op regs[b]`.
///
/// The compact kernel variant (for software adapters, whose compilers would otherwise spend
/// minutes on dozens of inlined, fully unrolled field multiplications) interprets these
/// programs from its uniform buffer, so that each kernel contains a single field multiplication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Montgomery product.
    Mul(u8, u8, u8),
    /// Sum.
    Add(u8, u8, u8),
    /// Difference.
    Sub(u8, u8, u8),
}

impl Op {
    /// The kernel's encoding: `kind << 12 | d << 8 | a << 4 | b` (kind 0 = mul, 1 = add, 2 = sub).
    pub fn encode(self) -> u32 {
        let (k, d, a, b) = match self {
            Op::Mul(d, a, b) => (0, d, a, b),
            Op::Add(d, a, b) => (1, d, a, b),
            Op::Sub(d, a, b) => (2, d, a, b),
        };
        (k << 12) | (u32::from(d) << 8) | (u32::from(a) << 4) | u32::from(b)
    }
}

/// Registers of the programs: inputs `X1 Y1 Z1 X2 Y2 Z2`, temporaries, outputs `X3 Y3 Z3`.
pub mod reg {
    #![allow(missing_docs)]
    pub const X1: u8 = 0;
    pub const Y1: u8 = 1;
    pub const Z1: u8 = 2;
    pub const X2: u8 = 3;
    pub const Y2: u8 = 4;
    pub const Z2: u8 = 5;
    pub const T0: u8 = 6;
    pub const T1: u8 = 7;
    pub const T2: u8 = 8;
    pub const T3: u8 = 9;
    pub const T4: u8 = 10;
    pub const X3: u8 = 11;
    pub const Y3: u8 = 12;
    pub const Z3: u8 = 13;
    pub const TMP: u8 = 14;
    /// Number of registers.
    pub const COUNT: usize = 15;
}

use reg::*;
use Op::{Add as A, Mul as M, Sub as S};

/// `regs[d] = 9 regs[s]` (b3 = 9) as four additions (`d != TMP`).
const fn b3(d: u8, s: u8) -> [Op; 4] {
    [
        A(TMP, s, s),
        A(TMP, TMP, TMP),
        A(TMP, TMP, TMP),
        A(d, TMP, s),
    ]
}

macro_rules! program {
    ($($part:expr),* $(,)?) => {{
        let mut v = Vec::new();
        $(v.extend_from_slice(&$part);)*
        v
    }};
}

/// RCB Algorithm 7 as a program (same steps as [`add`]).
pub fn add_program() -> Vec<Op> {
    program![
        [
            M(T0, X1, X2),
            M(T1, Y1, Y2),
            M(T2, Z1, Z2),
            A(T3, X1, Y1),
            A(T4, X2, Y2)
        ],
        [
            M(T3, T3, T4),
            A(T4, T0, T1),
            S(T3, T3, T4),
            A(T4, Y1, Z1),
            A(X3, Y2, Z2)
        ],
        [
            M(T4, T4, X3),
            A(X3, T1, T2),
            S(T4, T4, X3),
            A(X3, X1, Z1),
            A(Y3, X2, Z2)
        ],
        [
            M(X3, X3, Y3),
            A(Y3, T0, T2),
            S(Y3, X3, Y3),
            A(X3, T0, T0),
            A(T0, X3, T0)
        ],
        b3(T2, T2),
        [A(Z3, T1, T2), S(T1, T1, T2)],
        b3(Y3, Y3),
        [
            M(X3, T4, Y3),
            M(T2, T3, T1),
            S(X3, T2, X3),
            M(Y3, Y3, T0),
            M(T1, T1, Z3)
        ],
        [A(Y3, T1, Y3), M(T0, T0, T3), M(Z3, Z3, T4), A(Z3, Z3, T0)],
    ]
}

/// RCB Algorithm 8 as a program (same steps as [`add_mixed`]; `Z2` is not read).
pub fn add_mixed_program() -> Vec<Op> {
    program![
        [
            M(T0, X1, X2),
            M(T1, Y1, Y2),
            A(T3, X2, Y2),
            A(T4, X1, Y1),
            M(T3, T3, T4)
        ],
        [
            A(T4, T0, T1),
            S(T3, T3, T4),
            M(T4, Y2, Z1),
            A(T4, T4, Y1),
            M(Y3, X2, Z1)
        ],
        [A(Y3, Y3, X1), A(X3, T0, T0), A(T0, X3, T0)],
        b3(T2, Z1),
        [A(Z3, T1, T2), S(T1, T1, T2)],
        b3(Y3, Y3),
        [
            M(X3, T4, Y3),
            M(T2, T3, T1),
            S(X3, T2, X3),
            M(Y3, Y3, T0),
            M(T1, T1, Z3)
        ],
        [A(Y3, T1, Y3), M(T0, T0, T3), M(Z3, Z3, T4), A(Z3, Z3, T0)],
    ]
}

/// Interpret a program on the CPU (what the compact kernel does on the GPU).
pub fn run_program(program: &[Op], p: &Homogeneous, q: &Homogeneous) -> Homogeneous {
    let mut r = [Fq::from(0u64); reg::COUNT];
    r[X1 as usize] = p.x;
    r[Y1 as usize] = p.y;
    r[Z1 as usize] = p.z;
    r[X2 as usize] = q.x;
    r[Y2 as usize] = q.y;
    r[Z2 as usize] = q.z;
    for op in program {
        match *op {
            Op::Mul(d, a, b) => r[d as usize] = r[a as usize] * r[b as usize],
            Op::Add(d, a, b) => r[d as usize] = r[a as usize] + r[b as usize],
            Op::Sub(d, a, b) => r[d as usize] = r[a as usize] - r[b as usize],
        }
    }
    Homogeneous {
        x: r[X3 as usize],
        y: r[Y3 as usize],
        z: r[Z3 as usize],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Affine, G1Projective};
    use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use ark_ff::Zero;
    use rand::SeedableRng;

    fn h(p: &G1Projective) -> Homogeneous {
        Homogeneous::from_affine(&p.into_affine())
    }

    #[test]
    fn complete_addition_matches_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let id = Homogeneous::IDENTITY;
        for _ in 0..50 {
            let a = G1Projective::generator() * Fr::rand(&mut rng);
            let b = G1Projective::generator() * Fr::rand(&mut rng);
            assert_eq!(add(&h(&a), &h(&b)).to_ark(), a + b, "distinct");
            assert_eq!(add(&h(&a), &h(&a)).to_ark(), a + a, "doubling");
            assert_eq!(
                add(&h(&a), &h(&-a)).to_ark(),
                G1Projective::default(),
                "inverse"
            );
            assert_eq!(add(&id, &h(&a)).to_ark(), a, "identity left");
            assert_eq!(add(&h(&a), &id).to_ark(), a, "identity right");
            // Non-normalised inputs (Z != 1).
            let s = add(&h(&a), &h(&b));
            assert_eq!(add(&s, &s).to_ark(), (a + b).double());
            assert!(add(&s, &h(&a)).is_on_curve());
        }
        assert_eq!(add(&id, &id), run_program(&add_program(), &id, &id));
        assert!(add(&id, &id).to_ark().is_zero());
    }

    #[test]
    fn mixed_addition_matches_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        for _ in 0..50 {
            let a = G1Projective::generator() * Fr::rand(&mut rng);
            let b: G1Affine = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let (x, y) = b.xy().unwrap();
            assert_eq!(add_mixed(&h(&a), x, y).to_ark(), a + b);
            let a_plus = add(&h(&a), &h(&a)); // Z != 1
            assert_eq!(add_mixed(&a_plus, x, y).to_ark(), a.double() + b);
            assert_eq!(
                add_mixed(&Homogeneous::IDENTITY, x, y).to_ark(),
                b.into_group()
            );
            assert_eq!(
                add_mixed(&h(&b.into_group()), x, y).to_ark(),
                b.into_group().double()
            );
            assert!(add_mixed(&h(&(-b).into_group()), x, y).to_ark().is_zero());
        }
    }
}

#[cfg(test)]
mod program_tests {
    use super::*;
    use ark_bn254::{Fr, G1Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use rand::SeedableRng;

    #[test]
    fn programs_compute_the_same_as_the_formulas() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let add_p = add_program();
        let mixed_p = add_mixed_program();
        assert!(add_p.len() + mixed_p.len() <= crate::shader::PROGRAM_SLOTS);
        for _ in 0..50 {
            let a = G1Projective::generator() * Fr::rand(&mut rng);
            let b = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let ha = add(
                &Homogeneous::from_affine(&a.into_affine()),
                &Homogeneous::from_affine(&b),
            );
            let hb = Homogeneous::from_affine(&b);
            for (p, q) in [
                (ha, hb),
                (ha, ha),
                (Homogeneous::IDENTITY, ha),
                (ha, Homogeneous::IDENTITY),
            ] {
                assert_eq!(run_program(&add_p, &p, &q), add(&p, &q));
            }
            assert_eq!(run_program(&mixed_p, &ha, &hb), add_mixed(&ha, hb.x, hb.y));
            assert_eq!(
                run_program(&mixed_p, &Homogeneous::IDENTITY, &hb),
                add_mixed(&Homogeneous::IDENTITY, hb.x, hb.y)
            );
        }
    }
}
