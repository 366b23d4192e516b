//! # Poseidon in nova-snark's frontend: the project's one instantiation, for Fiat–Shamir
//!
//! The permutation is exactly [`zkagg_core::poseidon::permute`] (width 3, `x^5`, 8 full and 57
//! partial rounds, arkworks' Grain-LFSR constants; checked by a test on random inputs), ported to
//! nova-snark's constraint system: constant additions and the MDS layer are linear combinations,
//! each S-box is three constraints over fresh variables (`x^2`, `x^4`, `x^5`), so every output is
//! a function of the inputs. A permutation costs at most 243 constraints.
//!
//! [`Transcript`] is a duplex sponge on top of it: state `[capacity, rate_0, rate_1]`, the
//! capacity initialised to a domain tag; absorbing two elements adds them to the rate and
//! permutes; squeezing permutes and returns `rate_0`. (Absorbing an odd count pads with zero;
//! every absorb call in this crate has a fixed length, so padding is unambiguous.)

use crate::convert::{fr_from_ark, fr_to_ark, Fr};
use crate::field::{lc_const, one, scaled};
use crate::Result;
use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;
use ff::Field;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination};
use std::sync::OnceLock;
use zkagg_core::poseidon::{FULL_ROUNDS, PARTIAL_ROUNDS, RATE, WIDTH};

/// A native circuit value: a linear combination and its value.
#[derive(Clone, Debug)]
pub struct Num {
    /// The combination.
    pub lc: LinearCombination<Fr>,
    /// Its value.
    pub val: Fr,
}

impl Num {
    /// A constant.
    pub fn constant(v: Fr) -> Self {
        Self {
            lc: lc_const(v),
            val: v,
        }
    }

    /// From an allocated variable.
    pub fn from_alloc(x: &AllocatedNum<Fr>) -> Self {
        Self {
            lc: LinearCombination::zero() + x.get_variable(),
            val: x.get_value().unwrap_or(Fr::ZERO),
        }
    }

    /// `self + other` (free).
    pub fn add(&self, other: &Num) -> Num {
        Num {
            lc: self.lc.clone() + &other.lc,
            val: self.val + other.val,
        }
    }

    /// `c * self` (free).
    pub fn scale(&self, c: Fr) -> Num {
        Num {
            lc: scaled(&self.lc, c),
            val: self.val * c,
        }
    }

    /// `self * other` (one constraint).
    pub fn mul<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS, other: &Num) -> Result<Num> {
        let val = self.val * other.val;
        let v = cs.alloc(|| "product", || Ok(val))?;
        cs.enforce(|| "a * b", |l| l + &self.lc, |l| l + &other.lc, |l| l + v);
        Ok(Num {
            lc: LinearCombination::zero() + v,
            val,
        })
    }

    /// Allocates the value as a variable equal to the combination (one constraint).
    pub fn alloc<CS: ConstraintSystem<Fr>>(&self, cs: &mut CS) -> Result<AllocatedNum<Fr>> {
        let v = self.val;
        let x = AllocatedNum::alloc(cs.namespace(|| "value"), || Ok(v))?;
        cs.enforce(
            || "equal",
            |l| l + &self.lc,
            |l| l + one(),
            |l| l + x.get_variable(),
        );
        Ok(x)
    }
}

struct Constants {
    ark: Vec<[Fr; WIDTH]>,
    mds: [[Fr; WIDTH]; WIDTH],
}

fn constants() -> &'static Constants {
    static C: OnceLock<Constants> = OnceLock::new();
    C.get_or_init(|| {
        let (ark, mds) = find_poseidon_ark_and_mds::<ark_bn254::Fr>(
            254,
            RATE,
            FULL_ROUNDS as u64,
            PARTIAL_ROUNDS as u64,
            0,
        );
        let row = |v: &[ark_bn254::Fr]| -> [Fr; WIDTH] {
            core::array::from_fn(|i| v.get(i).map(fr_from_ark).unwrap_or(Fr::ZERO))
        };
        Constants {
            ark: ark.iter().map(|r| row(r)).collect(),
            mds: core::array::from_fn(|i| row(mds.get(i).map(Vec::as_slice).unwrap_or(&[]))),
        }
    })
}

fn is_full_round(r: usize) -> bool {
    !(FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROUNDS).contains(&r)
}

fn sbox<CS: ConstraintSystem<Fr>>(cs: &mut CS, x: &Num) -> Result<Num> {
    let x2 = x.mul(&mut cs.namespace(|| "x^2"), x)?;
    let x4 = x2.mul(&mut cs.namespace(|| "x^4"), &x2)?;
    x4.mul(&mut cs.namespace(|| "x^5"), x)
}

/// The Poseidon permutation in the circuit (equal to `zkagg_core::poseidon::permute`).
pub fn permute<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    state: &[Num; WIDTH],
) -> Result<[Num; WIDTH]> {
    let c = constants();
    let mut st = state.clone();
    for (r, rc) in c.ark.iter().enumerate() {
        for (s, k) in st.iter_mut().zip(rc) {
            *s = s.add(&Num::constant(*k));
        }
        if is_full_round(r) {
            for (i, s) in st.iter_mut().enumerate() {
                *s = sbox(&mut cs.namespace(|| format!("round {r} sbox {i}")), s)?;
            }
        } else {
            st[0] = sbox(&mut cs.namespace(|| format!("round {r} sbox 0")), &st[0])?;
        }
        let old = st.clone();
        st = core::array::from_fn(|i| {
            old[0]
                .scale(c.mds[i][0])
                .add(&old[1].scale(c.mds[i][1]))
                .add(&old[2].scale(c.mds[i][2]))
        });
    }
    Ok(st)
}

/// The permutation natively (via `zkagg_core`).
pub fn permute_native(state: [Fr; WIDTH]) -> [Fr; WIDTH] {
    let out = zkagg_core::poseidon::permute(state.map(|x| fr_to_ark(&x)));
    out.map(|x| fr_from_ark(&x))
}

/// A duplex sponge transcript (see the module documentation).
#[derive(Clone, Debug)]
pub struct Transcript {
    state: [Num; WIDTH],
    pending: Vec<Num>,
}

impl Transcript {
    /// A transcript whose capacity holds `tag`.
    pub fn new(tag: Fr) -> Self {
        Self {
            state: [
                Num::constant(tag),
                Num::constant(Fr::ZERO),
                Num::constant(Fr::ZERO),
            ],
            pending: Vec::new(),
        }
    }

    /// A transcript continuing from a state.
    pub fn from_state(state: [Num; WIDTH]) -> Self {
        Self {
            state,
            pending: Vec::new(),
        }
    }

    /// The current state (after flushing pending elements).
    pub fn state<CS: ConstraintSystem<Fr>>(&mut self, cs: &mut CS) -> Result<[Num; WIDTH]> {
        self.flush(cs)?;
        Ok(self.state.clone())
    }

    /// Absorbs elements (two per permutation).
    pub fn absorb<CS: ConstraintSystem<Fr>>(&mut self, cs: &mut CS, xs: &[Num]) -> Result<()> {
        for x in xs {
            self.pending.push(x.clone());
            if self.pending.len() == RATE {
                self.flush(cs)?;
            }
        }
        Ok(())
    }

    fn flush<CS: ConstraintSystem<Fr>>(&mut self, cs: &mut CS) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let a = self
            .pending
            .first()
            .cloned()
            .unwrap_or_else(|| Num::constant(Fr::ZERO));
        let b = self
            .pending
            .get(1)
            .cloned()
            .unwrap_or_else(|| Num::constant(Fr::ZERO));
        self.pending.clear();
        let st = [
            self.state[0].clone(),
            self.state[1].add(&a),
            self.state[2].add(&b),
        ];
        self.state = permute(&mut cs.namespace(|| "absorb"), &st)?;
        Ok(())
    }

    /// Squeezes one element (permutes first).
    pub fn squeeze<CS: ConstraintSystem<Fr>>(&mut self, cs: &mut CS) -> Result<Num> {
        self.flush(cs)?;
        self.state = permute(&mut cs.namespace(|| "squeeze"), &self.state)?;
        Ok(self.state[1].clone())
    }
}

/// The same transcript natively.
#[derive(Clone, Debug)]
pub struct NativeTranscript {
    state: [Fr; WIDTH],
    pending: Vec<Fr>,
}

impl NativeTranscript {
    /// A transcript whose capacity holds `tag`.
    pub fn new(tag: Fr) -> Self {
        Self {
            state: [tag, Fr::ZERO, Fr::ZERO],
            pending: Vec::new(),
        }
    }

    /// From a state.
    pub fn from_state(state: [Fr; WIDTH]) -> Self {
        Self {
            state,
            pending: Vec::new(),
        }
    }

    /// The state after flushing.
    pub fn state(&mut self) -> [Fr; WIDTH] {
        self.flush();
        self.state
    }

    /// Absorbs elements.
    pub fn absorb(&mut self, xs: &[Fr]) {
        for x in xs {
            self.pending.push(*x);
            if self.pending.len() == RATE {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let a = self.pending.first().copied().unwrap_or(Fr::ZERO);
        let b = self.pending.get(1).copied().unwrap_or(Fr::ZERO);
        self.pending.clear();
        self.state = permute_native([self.state[0], self.state[1] + a, self.state[2] + b]);
    }

    /// Squeezes one element.
    pub fn squeeze(&mut self) -> Fr {
        self.flush();
        self.state = permute_native(self.state);
        self.state[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cs::CheckCS;
    use ark_ff::UniformRand;

    #[test]
    fn gadget_matches_core_permutation_and_transcript() {
        let mut rng = ark_std::test_rng();
        let xs: Vec<Fr> = (0..7)
            .map(|_| fr_from_ark(&ark_bn254::Fr::rand(&mut rng)))
            .collect();
        let mut cs = CheckCS::new();
        let vars: Vec<Num> = xs
            .iter()
            .map(|x| {
                let v = cs.alloc(|| "x", || Ok(*x)).unwrap();
                Num {
                    lc: LinearCombination::zero() + v,
                    val: *x,
                }
            })
            .collect();
        let before = cs.num_constraints();
        let out = permute(
            &mut cs,
            &[vars[0].clone(), vars[1].clone(), vars[2].clone()],
        )
        .unwrap();
        assert_eq!(cs.num_constraints() - before, 243);
        let native = permute_native([xs[0], xs[1], xs[2]]);
        for i in 0..3 {
            assert_eq!(out[i].val, native[i]);
            assert_eq!(cs.eval(&out[i].lc), native[i]);
        }
        let mut t = Transcript::new(Fr::from(77u64));
        let mut tn = NativeTranscript::new(Fr::from(77u64));
        t.absorb(&mut cs, &vars).unwrap();
        tn.absorb(&xs);
        let s = t.squeeze(&mut cs).unwrap();
        assert_eq!(s.val, tn.squeeze());
        assert_eq!(cs.eval(&s.lc), s.val);
        assert!(cs.is_satisfied());
    }
}
