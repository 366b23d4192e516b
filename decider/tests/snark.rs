//! Groth16 with a committed input block, end to end on a toy nova-snark `frontend` circuit:
//! R1CS and witness, INSECURE seeded setup (zkey + link key), proof through the web prover,
//! verification through `zkagg_core::aggregate::verify_committed`, and the zkey as an ordinary
//! snarkjs Groth16 key.

use std::path::PathBuf;
use std::time::Instant;

use ark_bn254::{G1Affine, G1Projective, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ff::Field;
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{Circuit, ConstraintSystem, SynthesisError};
use zkagg_core::aggregate::{verify_committed, CommittedGroth16Proof};
use zkagg_decider::snark::{
    self, fr_from_ark, fr_to_ark, ArkFr, CommittedSetup, ProveOptions, R1cs, WitnessGenerator,
    LINK_FILE, VK_FILE, ZKEY_FILE,
};
use zkagg_folding::transcript::{hash_circuit, hash_native, HashConstants};
use zkagg_folding::Fr;

/// Committed inputs of the toy.
const N_COMMITTED: usize = 6;

/// A toy: plain input `p`, committed inputs `w_0 .. w_5`; products `w_i w_{i+1}`, a Poseidon
/// hash of `(p, w)` (exercises the witness generator's fast path), and a chain of
/// `z_{t+1} = z_t^2 + w_{t mod 6}` for `rounds` rounds, ending in `z_rounds * p = out`.
#[derive(Clone)]
struct Toy {
    p: Fr,
    w: Vec<Fr>,
    rounds: usize,
    poseidon: bool,
}

impl Toy {
    fn new(rounds: usize) -> Self {
        Self {
            p: Fr::from(7u64),
            w: (0..N_COMMITTED as u64)
                .map(|i| Fr::from(3 + 2 * i))
                .collect(),
            rounds,
            poseidon: true,
        }
    }
}

impl Circuit<Fr> for Toy {
    fn synthesize<CS: ConstraintSystem<Fr>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        let p_in = cs.alloc_input(|| "p", || Ok(self.p))?;
        let w = self
            .w
            .iter()
            .enumerate()
            .map(|(i, v)| Ok((cs.alloc_input(|| format!("w{i}"), || Ok(*v))?, *v)))
            .collect::<Result<Vec<_>, SynthesisError>>()?;
        // Copies of the inputs as `AllocatedNum`s for the gadgets (bound by `copy * 1 = input`).
        let p = AllocatedNum::alloc(cs.namespace(|| "p copy"), || Ok(self.p))?;
        cs.enforce(
            || "p copy",
            |l| l + p.get_variable(),
            |l| l + CS::one(),
            |l| l + p_in,
        );
        let mut ws = Vec::new();
        for (i, (var, v)) in w.iter().enumerate() {
            let num = AllocatedNum::alloc(cs.namespace(|| format!("w{i} copy")), || Ok(*v))?;
            cs.enforce(
                || format!("w{i} copy"),
                |l| l + num.get_variable(),
                |l| l + CS::one(),
                |l| l + *var,
            );
            ws.push(num);
        }
        for i in 0..ws.len() {
            let (a, b) = (&w[i], &w[(i + 1) % w.len()]);
            let prod = AllocatedNum::alloc(cs.namespace(|| format!("prod {i}")), || Ok(a.1 * b.1))?;
            cs.enforce(
                || format!("prod {i}"),
                |l| l + a.0,
                |l| l + b.0,
                |l| l + prod.get_variable(),
            );
        }
        if self.poseidon {
            let mut xs = vec![p.clone()];
            xs.extend(ws.iter().cloned());
            let h = hash_circuit(
                &mut cs.namespace(|| "poseidon"),
                &HashConstants::default(),
                &xs,
            )?;
            h.square(cs.namespace(|| "h^2"))?;
        }
        let mut z = p.clone();
        for t in 0..self.rounds {
            let (wv, wval) = &w[t % w.len()];
            let zv = z.get_value();
            let next = AllocatedNum::alloc(cs.namespace(|| format!("z{t}")), || {
                zv.map(|z| z * z + wval)
                    .ok_or(SynthesisError::AssignmentMissing)
            })?;
            cs.enforce(
                || format!("z{t}"),
                |l| l + z.get_variable(),
                |l| l + z.get_variable(),
                |l| l + next.get_variable() - *wv,
            );
            z = next;
        }
        z.mul(cs.namespace(|| "out"), &p)?;
        Ok(())
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkagg-decider-snark-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn bump(p: &G1Affine) -> G1Affine {
    (p.into_group() + G1Projective::generator()).into_affine()
}

fn opts(seed: u64) -> ProveOptions {
    ProveOptions {
        self_check: false,
        seed: Some(seed),
        ..ProveOptions::default()
    }
}

#[test]
fn r1cs_and_witness_agree() {
    let toy = Toy::new(50);
    let r1cs = R1cs::from_circuit(toy.clone()).unwrap();
    let z = WitnessGenerator::assignment(toy.clone()).unwrap();
    assert_eq!(r1cs.num_inputs, 1 + N_COMMITTED);
    assert_eq!(z.len(), r1cs.num_signals());
    // snarkjs order: one, then the inputs in allocation order.
    assert_eq!(z[0], ArkFr::from(1u64));
    assert_eq!(fr_from_ark(&z[1]), toy.p);
    for i in 0..N_COMMITTED {
        assert_eq!(fr_from_ark(&z[2 + i]), toy.w[i]);
    }
    r1cs.check(&z).unwrap();
    // The Poseidon output (through the witness generator's fast path) is the native hash.
    let mut xs = vec![toy.p];
    xs.extend(toy.w.iter().copied());
    let h = fr_to_ark(&hash_native(&HashConstants::default(), &xs));
    assert!(z.contains(&h));
    // A wrong assignment fails the check, naming a constraint.
    let mut bad = z.clone();
    let last = bad.len() - 1;
    bad[last] += ArkFr::from(1u64);
    assert!(r1cs
        .check(&bad)
        .unwrap_err()
        .to_string()
        .contains("constraint"));
    // Conversions round-trip.
    let x = Fr::random(&mut rand::rngs::OsRng);
    assert_eq!(fr_from_ark(&fr_to_ark(&x)), x);
}

#[test]
fn committed_proof_end_to_end() {
    let toy = Toy::new(300);
    let r1cs = R1cs::from_circuit(toy.clone()).unwrap();
    let z = WitnessGenerator::assignment(toy.clone()).unwrap();
    let dir = temp_dir("e2e");
    let setup = snark::setup(&r1cs, 1, &dir, 42).unwrap();
    assert!(setup.insecure);
    assert_eq!(setup.n_committed(), N_COMMITTED);
    assert_eq!(setup.n_plain, 1);

    // Loads back identical and consistent.
    let loaded = CommittedSetup::load(&dir).unwrap();
    assert_eq!(loaded.vk, setup.vk);
    assert_eq!(loaded.bases, setup.bases);
    assert_eq!(loaded.link, setup.link);
    assert_eq!(loaded.n_vars, r1cs.num_signals());

    let proof = snark::prove_with(&loaded, &z, &opts(1)).unwrap();
    let plain = [z[1]];
    let committed = &z[2..2 + N_COMMITTED];
    let d = zkagg_core::aggregate::commit(&setup.bases, committed).unwrap();
    assert_eq!(d, proof.d);
    let g = proof.groth16();
    let vk = &setup.vk;
    assert!(verify_committed(vk, &d, &plain, &g).unwrap());
    // Fresh blinding gives another valid proof.
    let again = snark::prove(&loaded, &z).unwrap();
    assert_ne!(again.a, proof.a);
    assert!(verify_committed(vk, &again.d, &plain, &again.groth16()).unwrap());

    // Another committed vector's D fails.
    let mut other = committed.to_vec();
    other[2] += ArkFr::from(1u64);
    let d_other = zkagg_core::aggregate::commit(&setup.bases, &other).unwrap();
    assert!(!verify_committed(vk, &d_other, &plain, &g).unwrap());
    // D off the span (D + IC_0) with pi for the honest part fails.
    let d_off = (d.into_group() + vk.ic0).into_affine();
    assert!(!verify_committed(vk, &d_off, &plain, &g).unwrap());
    // ... also with pi scaled for a guess of the extra part (without k).
    let g_off = CommittedGroth16Proof {
        pi: (g.pi.into_group() + vk.ic0).into_affine(),
        ..g
    };
    assert!(!verify_committed(vk, &d_off, &plain, &g_off).unwrap());
    // Each tampered element fails.
    for (name, t) in [
        ("a", CommittedGroth16Proof { a: bump(&g.a), ..g }),
        (
            "b",
            CommittedGroth16Proof {
                b: (g.b.into_group() + G2Projective::generator()).into_affine(),
                ..g
            },
        ),
        ("c", CommittedGroth16Proof { c: bump(&g.c), ..g }),
        (
            "pi",
            CommittedGroth16Proof {
                pi: bump(&g.pi),
                ..g
            },
        ),
    ] {
        assert!(
            !verify_committed(vk, &d, &plain, &t).unwrap(),
            "tampered {name} accepted"
        );
    }
    assert!(!verify_committed(vk, &bump(&d), &plain, &g).unwrap());
    // The plain input changed.
    assert!(!verify_committed(vk, &d, &[plain[0] + ArkFr::from(1u64)], &g).unwrap());
    // The wrong number of plain inputs is an error.
    assert!(verify_committed(vk, &d, &[], &g).is_err());
    // Another setup (another seed) rejects the proof.
    let dir2 = temp_dir("e2e-other");
    let setup2 = snark::setup(&r1cs, 1, &dir2, 43).unwrap();
    assert!(!verify_committed(&setup2.vk, &d, &plain, &g).unwrap());

    // The zkey is an ordinary snarkjs Groth16 key with every input public.
    let full_vk = loaded.groth16_verifying_key().unwrap();
    assert_eq!(full_vk.gamma_abc_g1.len(), 2 + N_COMMITTED);
    let out = snark::prove_groth16(
        &loaded,
        &z,
        &ProveOptions {
            self_check: true,
            seed: Some(5),
            ..ProveOptions::default()
        },
    )
    .unwrap();
    assert_eq!(out.public, z[1..2 + N_COMMITTED].to_vec());
    assert!(zkagg_core::verifier::verify(&full_vk, &out.proof, &out.public).unwrap());
    let mut wrong = out.public.clone();
    wrong[3] += ArkFr::from(1u64);
    assert!(!zkagg_core::verifier::verify(&full_vk, &out.proof, &wrong).unwrap());

    // A witness that does not satisfy the circuit is an error.
    let mut bad = z.clone();
    let last = bad.len() - 1;
    bad[last] += ArkFr::from(1u64);
    assert!(snark::prove_with(&loaded, &bad, &opts(2)).is_err());
    assert!(snark::prove_with(&loaded, &z[1..], &opts(2)).is_err());

    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}

#[test]
fn broken_setup_files_are_reported_by_name() {
    let toy = Toy {
        poseidon: false,
        ..Toy::new(20)
    };
    let r1cs = R1cs::from_circuit(toy).unwrap();
    let dir = temp_dir("broken");
    snark::setup(&r1cs, 1, &dir, 7).unwrap();
    let other = temp_dir("broken-other");
    snark::setup(&r1cs, 1, &other, 8).unwrap();
    let err = |d: &PathBuf| CommittedSetup::load(d).unwrap_err().to_string();

    let link = std::fs::read(dir.join(LINK_FILE)).unwrap();
    std::fs::write(dir.join(LINK_FILE), &link[..link.len() - 1]).unwrap();
    assert!(err(&dir).contains(LINK_FILE));
    let mut off = link.clone();
    off[24] ^= 1; // first point's x: off the curve (or another point: then the link check fails)
    std::fs::write(dir.join(LINK_FILE), &off).unwrap();
    assert!(err(&dir).contains(LINK_FILE));
    // Another setup's link key: the pairing check catches it.
    std::fs::copy(other.join(LINK_FILE), dir.join(LINK_FILE)).unwrap();
    let e = err(&dir);
    assert!(e.contains(LINK_FILE) && e.contains("not k times"), "{e}");
    std::fs::write(dir.join(LINK_FILE), &link).unwrap();
    CommittedSetup::load(&dir).unwrap();

    // Another setup's verifying key: the zkey disagrees.
    let vk = std::fs::read(dir.join(VK_FILE)).unwrap();
    std::fs::copy(other.join(VK_FILE), dir.join(VK_FILE)).unwrap();
    assert!(err(&dir).contains(ZKEY_FILE));
    std::fs::write(dir.join(VK_FILE), &vk[..10]).unwrap();
    assert!(err(&dir).contains(VK_FILE));
    std::fs::write(dir.join(VK_FILE), &vk).unwrap();

    // A truncated zkey.
    let zkey = std::fs::read(dir.join(ZKEY_FILE)).unwrap();
    std::fs::write(dir.join(ZKEY_FILE), &zkey[..zkey.len() / 2]).unwrap();
    assert!(err(&dir).contains(ZKEY_FILE));
    std::fs::remove_file(dir.join(ZKEY_FILE)).unwrap();
    assert!(err(&dir).contains(ZKEY_FILE));

    // Setup arguments.
    assert!(snark::setup(&r1cs, 1 + r1cs.num_inputs, &dir, 1).is_err());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&other);
}

/// A real aggregate proof (zkey prover, toy circuit whose plain input is the statement digest)
/// verifies through core's `verify_aggregate` AND the aggregate contract's Rust reference
/// (`zkagg_solidity_verifier::aggregate::reference`), with the same `P` and `rho`; a changed
/// statement fails both.
#[test]
fn aggregate_proof_matches_the_contract_reference() {
    use ark_ff::UniformRand;
    use zkagg_core::aggregate::encoding::{
        proof_from_bytes, proof_from_json, proof_to_bytes, proof_to_json,
    };
    use zkagg_core::aggregate::{
        link_challenge, statement_digest, verify_aggregate, AggregateProof, AggregateStatement,
    };
    use zkagg_solidity_verifier::aggregate::{self as sol, reference};

    let mut toy = Toy {
        poseidon: false,
        ..Toy::new(100)
    };
    let r1cs = R1cs::from_circuit(toy.clone()).unwrap();
    let dir = temp_dir("aggregate");
    let setup = snark::setup(&r1cs, 1, &dir, 11).unwrap();
    let mut rng = rand::rngs::OsRng;
    let w: Vec<ArkFr> = toy.w.iter().map(fr_to_ark).collect();
    let w_fresh: Vec<ArkFr> = (0..N_COMMITTED).map(|_| ArkFr::rand(&mut rng)).collect();
    let alpha = ArkFr::rand(&mut rng);
    let w_run: Vec<ArkFr> = w
        .iter()
        .zip(&w_fresh)
        .map(|(x, f)| *x - alpha * f)
        .collect();
    let config = ArkFr::rand(&mut rng);
    let mut agg = AggregateProof {
        a: G1Affine::zero(),
        b: ark_bn254::G2Affine::zero(),
        c: G1Affine::zero(),
        pi: G1Affine::zero(),
        c_running: snark::commit(&setup, &w_run).unwrap(),
        c_fresh: snark::commit(&setup, &w_fresh).unwrap(),
        alpha,
        statement: AggregateStatement {
            count: 3,
            statements_root: ArkFr::rand(&mut rng),
            old_root: ArkFr::from(0u64),
            new_root: ArkFr::from(0u64),
        },
    };
    let p = statement_digest(&config, &agg);
    toy.p = fr_from_ark(&p);
    let z = WitnessGenerator::assignment(toy).unwrap();
    let proof = snark::prove(&setup, &z).unwrap();
    assert_eq!(proof.d, agg.folded_commitment());
    agg.a = proof.a;
    agg.b = proof.b;
    agg.c = proof.c;
    agg.pi = proof.pi;
    let vk = setup.aggregate_key(config);
    assert!(verify_aggregate(&vk, &agg).unwrap());
    assert_eq!(proof_from_json(&proof_to_json(&agg)).unwrap(), agg);
    assert!(verify_aggregate(&vk, &proof_from_bytes(&proof_to_bytes(&agg)).unwrap()).unwrap());

    let params = sol::AggregateVerifierParams {
        alpha1: vk.alpha1,
        beta2: vk.beta2,
        gamma2: vk.gamma2,
        delta2: vk.delta2,
        ic0: vk.ic0,
        ic1: vk.ic_plain[0],
        k_gamma2: vk.k_gamma2,
        config,
    };
    let sol_proof = sol::AggregateProof {
        a: agg.a,
        b: agg.b,
        c: agg.c,
        pi: agg.pi,
    };
    let mut sol_statement = sol::AggregateStatement {
        comm_n: agg.c_running,
        comm_f: agg.c_fresh,
        alpha,
        count: agg.statement.count,
        statements_root: agg.statement.statements_root,
        old_root: agg.statement.old_root,
        new_root: agg.statement.new_root,
    };
    assert_eq!(reference::statement_digest(config, &sol_statement), p);
    assert_eq!(
        reference::aggregate_rho(&sol_proof, &proof.d, p),
        link_challenge(&agg.groth16(), &proof.d, &[p])
    );
    assert!(reference::verify_aggregate(
        &params,
        &sol_proof,
        &sol_statement
    ));

    agg.statement.count += 1;
    sol_statement.count += 1;
    assert!(!verify_aggregate(&vk, &agg).unwrap());
    assert!(!reference::verify_aggregate(
        &params,
        &sol_proof,
        &sol_statement
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Setup and prove times for a ~2^16-constraint toy (run with `--ignored --nocapture`, release).
#[test]
#[ignore]
fn timing_2_16() {
    let toy = Toy {
        poseidon: false,
        ..Toy::new((1 << 16) - 64)
    };
    let t = Instant::now();
    let r1cs = R1cs::from_circuit(toy.clone()).unwrap();
    let t_shape = t.elapsed();
    let t = Instant::now();
    let z = WitnessGenerator::assignment(toy).unwrap();
    let t_wit = t.elapsed();
    let dir = temp_dir("timing");
    let t = Instant::now();
    let setup = snark::setup(&r1cs, 1, &dir, 9).unwrap();
    let t_setup = t.elapsed();
    let t = Instant::now();
    let loaded = CommittedSetup::load(&dir).unwrap();
    let t_load = t.elapsed();
    let t = Instant::now();
    let proof = snark::prove(&loaded, &z).unwrap();
    let t_prove = t.elapsed();
    assert!(verify_committed(&setup.vk, &proof.d, &[z[1]], &proof.groth16()).unwrap());
    println!(
        "{} constraints, {} signals, domain {}: shape {:.2?}, witness {:.2?}, setup {:.2?}, \
         load {:.2?}, prove {:.2?}",
        r1cs.num_constraints(),
        r1cs.num_signals(),
        setup.domain_size,
        t_shape,
        t_wit,
        t_setup,
        t_load,
        t_prove
    );
    let _ = std::fs::remove_dir_all(&dir);
}
