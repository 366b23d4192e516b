//! The IVC on a small step: honest runs verify; every attack of issue 9 item 2 is rejected.

use ff::Field;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, SynthesisError};
use std::sync::OnceLock;
use zkagg_folding::commitment::kzg::{write_insecure_ptau, KzgKey};
use zkagg_folding::cyclefold::instance::check;
use zkagg_folding::ivc::{verify, IvcProver, IvcState, KeySource, PublicParams, Tamper};
use zkagg_folding::step::{range_check, FoldStep};
use zkagg_folding::{Error, Fr, Result};

/// `z = (acc, a, b)`: `acc' = acc^2 + a + 7`, `a' = b`, `b' = (a + b) mod 2^32` (range-checked:
/// `a + b = b' + 2^32 c`, `c` boolean), so `a, b` stay 32-bit.
struct Toy;

impl FoldStep for Toy {
    fn arity(&self) -> usize {
        3
    }
    fn element_bits(&self) -> Vec<Option<u32>> {
        vec![None, Some(32), Some(32)]
    }
    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> std::result::Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
        let sq = z[0].square(cs.namespace(|| "acc^2"))?;
        let acc = AllocatedNum::alloc(cs.namespace(|| "acc'"), || {
            Ok(sq.get_value().unwrap_or(Fr::ZERO)
                + z[1].get_value().unwrap_or(Fr::ZERO)
                + Fr::from(7u64))
        })?;
        cs.enforce(
            || "acc'",
            |l| l + sq.get_variable() + z[1].get_variable() + (Fr::from(7u64), CS::one()),
            |l| l + CS::one(),
            |l| l + acc.get_variable(),
        );
        let to_u64 = |v: Option<Fr>| -> u64 {
            v.map(|f| {
                let b = ff::PrimeField::to_repr(&f);
                u64::from_le_bytes(b.as_ref()[..8].try_into().unwrap())
            })
            .unwrap_or(0)
        };
        let sum = to_u64(z[1].get_value()) + to_u64(z[2].get_value());
        let carry = sum >> 32;
        let b_next =
            AllocatedNum::alloc(cs.namespace(|| "b'"), || Ok(Fr::from(sum & 0xffff_ffff)))?;
        let c = AllocatedNum::alloc(cs.namespace(|| "carry"), || Ok(Fr::from(carry)))?;
        cs.enforce(
            || "carry boolean",
            |l| l + c.get_variable(),
            |l| l + CS::one() - c.get_variable(),
            |l| l,
        );
        range_check(&mut cs.namespace(|| "b' range"), &b_next, 32)?;
        cs.enforce(
            || "a + b = b' + 2^32 c",
            |l| l + z[1].get_variable() + z[2].get_variable(),
            |l| l + CS::one(),
            |l| l + b_next.get_variable() + (Fr::from(1u64 << 32), c.get_variable()),
        );
        Ok(vec![acc, z[2].clone(), b_next])
    }
}

fn native_step(z: &[Fr]) -> Vec<Fr> {
    let to_u64 = |f: &Fr| {
        let b = ff::PrimeField::to_repr(f);
        u64::from_le_bytes(b.as_ref()[..8].try_into().unwrap())
    };
    let s = (to_u64(&z[1]) + to_u64(&z[2])) & 0xffff_ffff;
    vec![z[0].square() + z[1] + Fr::from(7u64), z[2], Fr::from(s)]
}

fn z0() -> Vec<Fr> {
    vec![
        Fr::from(3u64),
        Fr::from(0xffff_fff0u64),
        Fr::from(0x1234u64),
    ]
}

fn params() -> &'static PublicParams {
    static PP: OnceLock<PublicParams> = OnceLock::new();
    PP.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("zkagg-ivc-test-{}", std::process::id()));
        write_insecure_ptau(&dir, 16, 11).unwrap();
        let key = KzgKey::from_ptau_dir(&dir, 1 << 16).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        let pp = PublicParams::setup(&Toy, KeySource::Key(Box::new(key))).unwrap();
        println!(
            "augmented toy circuit: {} constraints, {} variables, mu {}; CycleFold: {} constraints",
            pp.shape.num_cons(),
            pp.shape.num_vars(),
            pp.mu,
            pp.cf.num_cons()
        );
        pp
    })
}

/// The expected final state after `n` steps, checked by the final check.
fn expect_state(n: usize) -> impl Fn(&[Fr]) -> Result<()> {
    let mut z = z0();
    for _ in 0..n {
        z = native_step(&z);
    }
    move |got: &[Fr]| {
        if got == z.as_slice() {
            Ok(())
        } else {
            Err(Error::Verify("unexpected final state".into()))
        }
    }
}

fn run(n: usize, tamper_at: Option<(usize, Tamper)>) -> Result<IvcState> {
    let pp = params();
    let mut prover = IvcProver::new(pp, z0())?;
    for i in 0..n {
        let t = match tamper_at {
            Some((k, t)) if k == i => t,
            _ => Tamper::None,
        };
        prover.prove_step_with(&Toy, t)?;
    }
    Ok(prover.proof())
}

#[test]
fn honest_runs_verify() {
    let pp = params();
    for n in [1usize, 2, 4] {
        let proof = run(n, None).unwrap();
        verify(pp, &z0(), &proof, &expect_state(n)).unwrap();
    }
}

#[test]
fn each_attack_is_rejected() {
    let pp = params();
    let n = 4;
    for (k, t) in [
        (2, Tamper::Challenge),
        (2, Tamper::CrossTerm),
        (1, Tamper::CycleFoldOutput),
        (3, Tamper::CycleFoldOutput),
        (2, Tamper::SkipIndex),
        (3, Tamper::SkipIndex),
    ] {
        let proof = run(n, Some((k, t))).unwrap();
        let r = verify(pp, &z0(), &proof, &expect_state(n));
        assert!(r.is_err(), "{t:?} at step {k} was accepted");
        if t == Tamper::CycleFoldOutput {
            // Whatever else fails, the CycleFold instance itself no longer holds: a folded
            // commitment that is not C_1 + alpha C_2 cannot be proven by the CycleFold circuit.
            assert!(check(&pp.cf, &proof.running_cf, &proof.running_cf_w).is_err());
        }
        println!("{t:?} at step {k}: {}", r.unwrap_err());
    }
}

#[test]
fn swapped_instances_and_wrong_statements_are_rejected() {
    let pp = params();
    let good = run(3, None).unwrap();
    let ok = expect_state(3);
    verify(pp, &z0(), &good, &ok).unwrap();
    // Another z_0.
    let mut other = z0();
    other[0] += Fr::ONE;
    assert!(verify(pp, &other, &good, &ok).is_err());
    // A skipped or repeated step: the claimed step count differs.
    for i in [2u64, 4] {
        let mut p = good.clone();
        p.i = i;
        assert!(verify(pp, &z0(), &p, &ok).is_err(), "i = {i} accepted");
    }
    // A running instance swapped for the one of an earlier step (with its witness).
    let earlier = run(2, None).unwrap();
    let mut p = good.clone();
    p.running = earlier.running.clone();
    p.running_w = earlier.running_w.clone();
    assert!(verify(pp, &z0(), &p, &ok).is_err());
    let mut p = good.clone();
    p.running_cf = earlier.running_cf.clone();
    p.running_cf_w = earlier.running_cf_w.clone();
    assert!(verify(pp, &z0(), &p, &ok).is_err());
    // A swapped running instance inside the chain: step 3 folds step 1's running instance.
    let mut prover = IvcProver::new(pp, z0()).unwrap();
    prover.prove_step(&Toy).unwrap();
    prover.prove_step(&Toy).unwrap();
    let after2 = prover.proof();
    prover.prove_step(&Toy).unwrap();
    let mut s = prover.proof();
    s.running = after2.running.clone();
    s.running_w = after2.running_w.clone();
    let mut prover = IvcProver::resume(pp, s).unwrap();
    prover.prove_step(&Toy).unwrap();
    assert!(verify(pp, &z0(), &prover.proof(), &expect_state(4)).is_err());
    // Tampered state, witness values, and the final check.
    let mut p = good.clone();
    p.z[1] += Fr::ONE;
    assert!(verify(pp, &z0(), &p, &ok).is_err());
    let mut p = good.clone();
    p.running_w[5] += Fr::ONE;
    assert!(verify(pp, &z0(), &p, &ok).is_err());
    let mut p = good.clone();
    if let Some((_, w)) = p.last.as_mut() {
        w[7] += Fr::ONE;
    }
    assert!(verify(pp, &z0(), &p, &ok).is_err());
    assert!(verify(pp, &z0(), &good, &expect_state(2)).is_err());
}

#[test]
fn resume_from_a_serialized_state_continues_the_chain() {
    let pp = params();
    let mut prover = IvcProver::new(pp, z0()).unwrap();
    prover.prove_step(&Toy).unwrap();
    prover.prove_step(&Toy).unwrap();
    let saved = serde_json::to_vec(&prover.proof()).unwrap();
    let state: IvcState = serde_json::from_slice(&saved).unwrap();
    let mut resumed = IvcProver::resume(pp, state).unwrap();
    resumed.prove_step(&Toy).unwrap();
    verify(pp, &z0(), &resumed.proof(), &expect_state(3)).unwrap();
}
