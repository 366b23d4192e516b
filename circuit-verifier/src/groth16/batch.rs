//! # Batched verification of many proofs under one key, with in-circuit Fiat–Shamir
//!
//! For proofs `(A_i, B_i, C_i)` with inputs `x_i` and challenges `rho_i`, all valid proofs satisfy
//!
//! ```text
//!   prod_i e(rho_i A_i, B_i) = e(s_0 alpha, beta) e(L, gamma) e(S_C, delta),
//!   s_0 = sum_i rho_i,  s_j = sum_i rho_i x_ij,  L = sum_{j>=0} s_j IC_j,  S_C = sum_i rho_i C_i.
//! ```
//!
//! The circuit accumulates, proof by proof ([`Emu::batch_absorb`]):
//!
//! 1. the proof's points (canonical coordinates, on the curve) and its inputs are absorbed into
//!    a Poseidon transcript ([`crate::hash::Transcript`]) that started from the key's `vk_hash`;
//!    the inputs also extend a statement chain (the aggregate's commitment to what it covers);
//! 2. `rho_i` is squeezed: the canonical bits of one squeezed element give 2 x 64 digit bits, and
//!    `rho_i = rho_1 + lambda rho_2` in the GLV form of [`crate::curve::glv`] (128 random bits);
//! 3. `F <- F * ML(rho_i A_i, B_i)` (the variable-G2 loop, with the G2 subgroup check of `B_i`),
//!    `S_C <- S_C + rho_i C_i` (checked addition; `S_C` starts at a fixed offset `H_C`),
//!    `s_0 <- s_0 + rho_i`, `s_j <- s_j + rho_i x_ij` (native: one constraint each).
//!
//! [`Emu::batch_finish`] computes `L` and `s_0 alpha` by fixed-base MSMs, removes `H_C`, runs the
//! three fixed-G2 loops `ML(-L, gamma) ML(-S_C, delta) ML(-s_0 alpha, beta)` (the residue
//! witness folded into the first) and enforces the residue check on the product with `F`.
//!
//! ## Soundness (summary; the full argument is in `docs/design/in-circuit-verifier.md`)
//!
//! Let `D_i` be proof `i`'s discrepancy, the element of `G_T` (order `r`) with
//! `e(A_i, B_i) = e(alpha, beta) e(L_i, gamma) e(C_i, delta) D_i`, and `d_i` its discrete log.
//! The circuit proves `sum_i rho_i d_i = 0 (mod r)`. Each `d_i` is a function of what the
//! transcript absorbed up to proof `i` (the key is fixed by `vk_hash`, the points and inputs are
//! absorbed with canonical encodings, and `B_i` is in G2, so the pairings are bilinear), and
//! `rho_i` is derived *after* absorbing proof `i`. Take the **last** invalid proof `k`
//! (`d_k != 0`; all later `d_i = 0`): the equation forces
//! `rho_k = -(sum_{i<k} rho_i d_i) / d_k`, a value fixed before `rho_k` was sampled; `rho_k` is
//! uniform over `2^128` distinct values (the map from digit bits to `rho` is injective by the
//! lattice bound of [`crate::curve::glv`]), so in the random-oracle model each attempt succeeds
//! with probability `2^-128`. Later proofs cannot help: they are valid (`d_i = 0`) by the
//! choice of `k`, so they add nothing, and an adversary that makes them invalid just moves `k`.

use super::{num_to_bits, CircuitKey, ProofVar, INPUT_BITS, MSM_WINDOW};
use crate::convert::{fr_from_ark, fr_from_bigint, fr_modulus, Fr};
use crate::curve::glv::{endo_lambda, fq_as_fq2, HALF_DIGITS, HALF_LEADS};
use crate::curve::msm::FixedBaseMsm;
use crate::curve::{AffineVar, CurveSpec};
use crate::field::{lc_const, one, scaled, Bit, Elem, Emu};
use crate::hash::{NativeTranscript, Num, Transcript};
use crate::tower::{fq12_to_direct, Ext, ExtKind};
use crate::{Error, Result};
use ark_bn254::{Fq12, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, One, PrimeField};
use ff::Field;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination};
use num_bigint::BigInt;
use zkagg_core::VerifyingKey;

/// Domain tag of the Fiat–Shamir transcript.
pub const TRANSCRIPT_DOMAIN: u64 = 0x7a6b_6167_6673; // "zkagfs"
/// Domain tag of the statement chain.
pub const STATEMENT_DOMAIN: u64 = 0x7a6b_6167_7374; // "zkagst"

/// A key prepared for batched verification.
#[derive(Clone, Debug)]
pub struct BatchKey {
    /// The single-proof constants (loops of gamma, delta, beta).
    pub key: CircuitKey,
    /// MSM over `IC_0..IC_n` (scalars `s_0..s_n`), starting at the identity.
    pub ic_msm: FixedBaseMsm,
    /// MSM over `[alpha]` (scalar `s_0`).
    pub alpha_msm: FixedBaseMsm,
    /// `vk_hash` as a field element: seeds the transcript and the statement chain.
    pub vk_hash: Fr,
    /// The offset `H_C` the `C` accumulator starts from.
    pub h_c: G1Affine,
}

impl BatchKey {
    /// Prepares `vk`.
    pub fn new(vk: &VerifyingKey) -> Result<Self> {
        let key = CircuitKey::new(vk)?;
        let ic_msm = FixedBaseMsm::new(
            &vk.gamma_abc_g1,
            G1Affine::identity(),
            INPUT_BITS,
            MSM_WINDOW,
        );
        let alpha_msm =
            FixedBaseMsm::new(&[vk.alpha_g1], G1Affine::identity(), INPUT_BITS, MSM_WINDOW);
        let seed = ark_bn254::Fr::from_le_bytes_mod_order(b"zkagg batched verifier C offset");
        Ok(Self {
            key,
            ic_msm,
            alpha_msm,
            vk_hash: fr_from_ark(&zkagg_core::vk_hash::vk_hash_field(vk)),
            h_c: (G1Affine::generator() * seed).into_affine(),
        })
    }

    /// Number of public inputs per proof.
    pub fn num_inputs(&self) -> usize {
        self.key.num_inputs()
    }

    /// The transcript's initial state.
    pub fn initial_transcript(&self) -> [Fr; 3] {
        let mut t = NativeTranscript::new(Fr::from(TRANSCRIPT_DOMAIN));
        t.absorb(&[self.vk_hash]);
        t.state()
    }
}

/// The batched accumulator as circuit values.
#[derive(Clone, Debug)]
pub struct BatchAcc {
    /// Fiat–Shamir transcript state.
    pub transcript: [Num; 3],
    /// Statement chain: `vk_hash`, then `H(prev, x_i)` per proof.
    pub statements: Num,
    /// Number of proofs absorbed.
    pub count: Num,
    /// Product of the per-proof Miller loops.
    pub f: Ext,
    /// `H_C + sum_i rho_i C_i`.
    pub s_c: AffineVar,
    /// `s_0 = sum rho_i`, `s_j = sum rho_i x_ij`.
    pub scalars: Vec<Num>,
}

/// The statement chain's next value: `sponge(STATEMENT_DOMAIN; prev, x_1..x_n)`.
pub fn statement_step_native(prev: Fr, inputs: &[Fr]) -> Fr {
    let mut t = NativeTranscript::new(Fr::from(STATEMENT_DOMAIN));
    t.absorb(&[prev]);
    t.absorb(inputs);
    t.squeeze()
}

/// The two 128-bit halves of a canonical coordinate (limbs 0..k/2 and k/2..k).
fn halves(e: &Elem, limb_bits: u32) -> [Num; 2] {
    let k = e.limbs.len();
    let h = k / 2;
    let pack = |ls: &[crate::field::Limb]| -> Num {
        let mut lc = LinearCombination::zero();
        let mut val = BigInt::from(0);
        let mut c = Fr::ONE;
        let step = fr_from_bigint(&(BigInt::from(1) << limb_bits));
        for (i, l) in ls.iter().enumerate() {
            lc = lc + &scaled(&l.lc, c);
            val += BigInt::from(l.val) << (limb_bits as usize * i);
            c *= step;
        }
        Num {
            lc,
            val: fr_from_bigint(&val),
        }
    };
    [pack(&e.limbs[..h]), pack(&e.limbs[h..])]
}

/// The transcript elements of a proof: every coordinate coefficient as two halves.
pub fn proof_elements(emu: &Emu, p: &ProofVar) -> Vec<Num> {
    let mut out = Vec::new();
    for pt in [&p.a, &p.b, &p.c] {
        for coord in [&pt.x, &pt.y] {
            for c in &coord.coeffs {
                out.extend(halves(c, emu.limb_bits()));
            }
        }
    }
    out
}

/// Strict little-endian bits of `z` (the integer they represent is `z`'s canonical value below
/// `r`): 254 bits, plus `d = r - 1 - z` in 254 bits and the exact integer identity
/// `z + d = r - 1` checked in two 127-bit halves with a carry (no half can wrap around `r`).
pub fn strict_bits<CS: ConstraintSystem<Fr>>(cs: &mut CS, z: &Num) -> Result<Vec<Bit>> {
    let zv = crate::convert::fr_to_biguint(&z.val);
    let rm1 = fr_modulus() - 1u32;
    let dv = &rm1 - &zv;
    let alloc = |cs: &mut CS, v: &num_bigint::BigUint, name: &str| -> Result<Vec<Bit>> {
        (0..254)
            .map(|i| Bit::alloc(&mut cs.namespace(|| format!("{name} {i}")), v.bit(i as u64)))
            .collect()
    };
    let zb = alloc(cs, &zv, "z bit")?;
    let db = alloc(cs, &dv, "d bit")?;
    let part = |bits: &[Bit], lo: usize, hi: usize| -> LinearCombination<Fr> {
        let mut lc = LinearCombination::zero();
        let mut c = Fr::ONE;
        for b in &bits[lo..hi] {
            lc = lc + &scaled(&b.lc, c);
            c = c.double();
        }
        lc
    };
    let two127 = fr_from_bigint(&(BigInt::from(1) << 127));
    let rm1_lo = fr_from_bigint(&BigInt::from(
        &rm1 & ((num_bigint::BigUint::from(1u32) << 127) - 1u32),
    ));
    let rm1_hi = fr_from_bigint(&BigInt::from(&rm1 >> 127));
    let carry_val = ((&zv & ((num_bigint::BigUint::from(1u32) << 127) - 1u32))
        + (&dv & ((num_bigint::BigUint::from(1u32) << 127) - 1u32)))
        >> 127;
    let carry = Bit::alloc(
        &mut cs.namespace(|| "carry"),
        carry_val == num_bigint::BigUint::from(1u32),
    )?;
    let (zlo, dlo, zhi, dhi) = (
        part(&zb, 0, 127),
        part(&db, 0, 127),
        part(&zb, 127, 254),
        part(&db, 127, 254),
    );
    cs.enforce(
        || "low halves",
        |l| l + &zlo + &dlo - &scaled(&carry.lc, two127) - &lc_const(rm1_lo),
        |l| l + one(),
        |l| l,
    );
    cs.enforce(
        || "high halves",
        |l| l + &zhi + &dhi + &carry.lc - &lc_const(rm1_hi),
        |l| l + one(),
        |l| l,
    );
    let all = part(&zb, 0, 254);
    cs.enforce(|| "bits are z", |l| l + &all, |l| l + one(), |l| l + &z.lc);
    Ok(zb)
}

/// `rho_1 + lambda rho_2` as a linear combination of the digit bits.
pub fn challenge_num(bits1: &[Bit], bits2: &[Bit]) -> Num {
    let lam = fr_from_ark(&endo_lambda());
    let half = |lead: u8, bits: &[Bit]| -> Num {
        // rho = lead 2^64 - (2^64 - 1) + sum_j b_j 2^(j+1)
        let base = fr_from_bigint(
            &((BigInt::from(lead) << HALF_DIGITS) - (BigInt::from(1) << HALF_DIGITS) + 1),
        );
        let mut n = Num::constant(base);
        let mut c = Fr::from(2u64);
        for b in bits {
            n = n.add(&Num {
                lc: scaled(&b.lc, c),
                val: if b.val { c } else { Fr::ZERO },
            });
            c = c.double();
        }
        n
    };
    half(HALF_LEADS[0], bits1).add(&half(HALF_LEADS[1], bits2).scale(lam))
}

impl Emu {
    /// The empty accumulator (all constants).
    pub fn batch_init(&self, key: &BatchKey) -> BatchAcc {
        let t = key.initial_transcript();
        let g1 = CurveSpec::g1();
        BatchAcc {
            transcript: t.map(Num::constant),
            statements: Num::constant(key.vk_hash),
            count: Num::constant(Fr::ZERO),
            f: Ext::constant(ExtKind::Fq12, &fq12_to_direct(&Fq12::one()), self),
            s_c: self.constant_point(&g1, fq_as_fq2(key.h_c.x), fq_as_fq2(key.h_c.y)),
            scalars: vec![Num::constant(Fr::ZERO); key.num_inputs() + 1],
        }
    }

    /// Absorbs one proof (allocated with canonical coordinates) and its inputs.
    pub fn batch_absorb<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        key: &BatchKey,
        acc: &BatchAcc,
        proof: &ProofVar,
        inputs: &[AllocatedNum<Fr>],
    ) -> Result<BatchAcc> {
        if inputs.len() != key.num_inputs() {
            return Err(Error::Input(format!(
                "{} inputs for a key with {}",
                inputs.len(),
                key.num_inputs()
            )));
        }
        let xs: Vec<Num> = inputs.iter().map(Num::from_alloc).collect();
        // Statement chain.
        let mut st = Transcript::new(Fr::from(STATEMENT_DOMAIN));
        st.absorb(
            &mut cs.namespace(|| "statement prev"),
            std::slice::from_ref(&acc.statements),
        )?;
        st.absorb(&mut cs.namespace(|| "statement inputs"), &xs)?;
        let statements = st.squeeze(&mut cs.namespace(|| "statement squeeze"))?;
        // Transcript and challenge.
        let mut t = Transcript::from_state(acc.transcript.clone());
        t.absorb(&mut cs.namespace(|| "absorb inputs"), &xs)?;
        t.absorb(
            &mut cs.namespace(|| "absorb proof"),
            &proof_elements(self, proof),
        )?;
        let z = t.squeeze(&mut cs.namespace(|| "squeeze"))?;
        let transcript = t.state(&mut cs.namespace(|| "state"))?;
        let bits = strict_bits(&mut cs.namespace(|| "challenge bits"), &z)?;
        let (b1, b2) = (&bits[..HALF_DIGITS], &bits[HALF_DIGITS..2 * HALF_DIGITS]);
        let rho = challenge_num(b1, b2);
        // rho A, rho C.
        let pa = self.g1_mul_challenge(&mut cs.namespace(|| "rho A"), &proof.a, b1, b2)?;
        let pc = self.g1_mul_challenge(&mut cs.namespace(|| "rho C"), &proof.c, b1, b2)?;
        let s_c =
            self.point_add_checked(&mut cs.namespace(|| "S_C"), &CurveSpec::g1(), &acc.s_c, &pc)?;
        // Native scalars.
        let mut scalars = Vec::with_capacity(acc.scalars.len());
        scalars.push(acc.scalars[0].add(&rho));
        for (j, x) in xs.iter().enumerate() {
            let t = rho.mul(&mut cs.namespace(|| format!("rho x_{j}")), x)?;
            scalars.push(acc.scalars[j + 1].add(&t));
        }
        // The Miller loop and the product.
        let f_i = self.miller_loop(&mut cs.namespace(|| "ML(rho A, B)"), &pa, &proof.b, true)?;
        let f = self.mul(&mut cs.namespace(|| "F"), &acc.f, &f_i)?;
        Ok(BatchAcc {
            transcript,
            statements,
            count: acc.count.add(&Num::constant(Fr::ONE)),
            f,
            s_c,
            scalars,
        })
    }

    /// Closes the aggregate: enforces the batched pairing equation (module documentation).
    /// Unsatisfiable for an empty aggregate (the sums are then the identity).
    pub fn batch_finish<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        key: &BatchKey,
        acc: &BatchAcc,
    ) -> Result<()> {
        let g1 = CurveSpec::g1();
        let mut bits = Vec::with_capacity(acc.scalars.len());
        for (j, s) in acc.scalars.iter().enumerate() {
            let x = s.alloc(&mut cs.namespace(|| format!("s_{j}")))?;
            bits.push(num_to_bits(
                &mut cs.namespace(|| format!("s_{j} bits")),
                &x,
                INPUT_BITS,
            )?);
        }
        let l = self.fixed_base_msm(&mut cs.namespace(|| "L"), &key.ic_msm, &bits)?;
        let sa = self.fixed_base_msm(
            &mut cs.namespace(|| "s_0 alpha"),
            &key.alpha_msm,
            &bits[..1],
        )?;
        let neg_h = self.constant_point(&g1, fq_as_fq2(key.h_c.x), fq_as_fq2(-key.h_c.y));
        let sc =
            self.point_add_checked(&mut cs.namespace(|| "S_C - H_C"), &g1, &acc.s_c, &neg_h)?;
        let val = |v: &AffineVar| {
            let (x, y) = v.values(self);
            G1Affine::new_unchecked(x.c0, y.c0)
        };
        let (lv, sav, scv) = (val(&l), val(&sa), val(&sc));
        let f_acc = crate::tower::fq12_from_direct(&acc.f.values(self));
        let f_native = f_acc
            * key.key.gamma.native(lv.x, -lv.y)
            * key.key.delta.native(scv.x, -scv.y)
            * key.key.beta.native(sav.x, -sav.y);
        let res = self.alloc_residue(&mut cs.namespace(|| "residue"), &f_native)?;
        let g1f = self.miller_loop_fixed(
            &mut cs.namespace(|| "ML(-L, gamma)"),
            &l.neg(),
            &key.key.gamma,
            Some(&res),
        )?;
        let g2f = self.miller_loop_fixed(
            &mut cs.namespace(|| "ML(-S_C, delta)"),
            &sc.neg(),
            &key.key.delta,
            None,
        )?;
        let g3f = self.miller_loop_fixed(
            &mut cs.namespace(|| "ML(-s_0 alpha, beta)"),
            &sa.neg(),
            &key.key.beta,
            None,
        )?;
        let t1 = self.mul(&mut cs.namespace(|| "F g1"), &acc.f, &g1f)?;
        let t2 = self.mul(&mut cs.namespace(|| "g2 g3"), &g2f, &g3f)?;
        let t = self.mul(&mut cs.namespace(|| "all"), &t1, &t2)?;
        self.residue_close(&mut cs.namespace(|| "residue check"), &t, &res)
    }
}

/// The native mirror of the accumulator's public parts (transcript, statements, challenges):
/// what the prover computes outside the circuit and what a verifier of the aggregate recomputes.
#[derive(Clone, Debug)]
pub struct NativeBatch {
    /// Transcript state.
    pub transcript: [Fr; 3],
    /// Statement chain value.
    pub statements: Fr,
    /// Number of proofs.
    pub count: u64,
}

impl NativeBatch {
    /// The empty aggregate for `key`.
    pub fn new(key: &BatchKey) -> Self {
        Self {
            transcript: key.initial_transcript(),
            statements: key.vk_hash,
            count: 0,
        }
    }

    /// Absorbs a proof natively; returns the challenge's digit bits `(bits1, bits2)`.
    pub fn absorb(
        &mut self,
        emu: &Emu,
        proof: &zkagg_core::Proof,
        inputs: &[ark_bn254::Fr],
    ) -> (Vec<bool>, Vec<bool>) {
        let xs: Vec<Fr> = inputs.iter().map(fr_from_ark).collect();
        self.statements = statement_step_native(self.statements, &xs);
        let mut t = NativeTranscript::from_state(self.transcript);
        t.absorb(&xs);
        let b = emu.limb_bits() as usize * emu.num_limbs() / 2;
        let mut els = Vec::new();
        let mut push = |x: &ark_bn254::Fq| {
            let v = crate::convert::fq_to_biguint(x);
            let mask = (num_bigint::BigUint::from(1u32) << b) - 1u32;
            els.push(crate::convert::fr_from_biguint(&(&v & &mask)));
            els.push(crate::convert::fr_from_biguint(&(&v >> b)));
        };
        push(&proof.a.x);
        push(&proof.a.y);
        push(&proof.b.x.c0);
        push(&proof.b.x.c1);
        push(&proof.b.y.c0);
        push(&proof.b.y.c1);
        push(&proof.c.x);
        push(&proof.c.y);
        t.absorb(&els);
        let z = t.squeeze();
        self.transcript = t.state();
        self.count += 1;
        let zb = crate::convert::fr_to_ark(&z).into_bigint().to_bits_le();
        (
            zb[..HALF_DIGITS].to_vec(),
            zb[HALF_DIGITS..2 * HALF_DIGITS].to_vec(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cs::CheckCS;
    use crate::groth16::alloc_inputs;
    use crate::groth16::tests::batch_fixture;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;

    fn second_proof() -> (zkagg_core::Proof, Vec<ark_bn254::Fr>) {
        // A re-randomised copy of the fixture proof is another valid proof of the same statement.
        let (vk, proof, inputs) = batch_fixture();
        let mut rng = ark_std::test_rng();
        let pvk = ark_groth16::prepare_verifying_key(vk);
        let p2 = ark_groth16::Groth16::<ark_bn254::Bn254>::rerandomize_proof(vk, proof, &mut rng);
        assert!(ark_groth16::Groth16::<ark_bn254::Bn254>::verify_proof(&pvk, &p2, inputs).unwrap());
        (p2, inputs.clone())
    }

    fn run(proofs: &[(zkagg_core::Proof, Vec<ark_bn254::Fr>)]) -> (bool, usize, Fr) {
        let (vk, _, _) = batch_fixture();
        let e = Emu::default_layout();
        let key = BatchKey::new(vk).unwrap();
        let mut cs = CheckCS::new();
        let mut acc = e.batch_init(&key);
        let mut native = NativeBatch::new(&key);
        for (i, (p, x)) in proofs.iter().enumerate() {
            let pv = e
                .alloc_proof(&mut cs.namespace(|| format!("proof {i}")), p, true)
                .unwrap();
            let xv = alloc_inputs(&mut cs.namespace(|| format!("inputs {i}")), x).unwrap();
            acc = e
                .batch_absorb(
                    &mut cs.namespace(|| format!("absorb {i}")),
                    &key,
                    &acc,
                    &pv,
                    &xv,
                )
                .unwrap();
            native.absorb(&e, p, x);
            assert_eq!(acc.statements.val, native.statements);
            assert_eq!(acc.transcript.clone().map(|n| n.val), native.transcript);
        }
        e.batch_finish(&mut cs.namespace(|| "finish"), &key, &acc)
            .unwrap();
        (cs.is_satisfied(), cs.num_constraints(), acc.statements.val)
    }

    /// Two valid proofs aggregate; an invalid second proof (C shifted) makes the aggregate
    /// unsatisfiable (`cargo test --release -p zkagg-circuit-verifier batched -- --ignored`).
    #[test]
    #[ignore]
    fn batched_two_proofs_and_an_invalid_one() {
        let (_, proof, inputs) = batch_fixture();
        let p2 = second_proof();
        let (ok, n, _) = run(&[(proof.clone(), inputs.clone()), p2.clone()]);
        assert!(ok);
        println!("batched, 2 proofs: {n} constraints");
        let mut bad = p2.0.clone();
        let mut rng = ark_std::test_rng();
        bad.c = (bad.c + ark_bn254::G1Projective::rand(&mut rng)).into_affine();
        assert!(!run(&[(proof.clone(), inputs.clone()), (bad, p2.1.clone())]).0);
    }

    #[test]
    fn batched_single_proof() {
        let (_, proof, inputs) = batch_fixture();
        let (ok, n, _) = run(&[(proof.clone(), inputs.clone())]);
        assert!(ok);
        println!("batched, 1 proof: {n} constraints");
        let mut x = inputs.clone();
        x[0] += ark_bn254::Fr::from(1u64);
        assert!(!run(&[(proof.clone(), x)]).0);
    }
}
