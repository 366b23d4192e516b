//! Tests with a simulated key: every discrete logarithm is known, so an honest proof is built
//! from the toxic waste (the verifier cannot tell the difference), and every tampering must fail.

use ark_bn254::{Fq, Fq2, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInteger, Field, PrimeField, UniformRand, Zero};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

use super::encoding::*;
use super::*;

/// A simulated committed-input Groth16 key with its trapdoor.
struct Fixture {
    vk: AggregateVerifyingKey,
    /// Discrete logs of `ic0`, `ic_plain[0]`, and the committed bases.
    ic0: Fr,
    ic1: Fr,
    bases: Vec<Fr>,
    alpha: Fr,
    beta: Fr,
    gamma: Fr,
    delta: Fr,
    k: Fr,
}

fn g1(x: Fr) -> G1Affine {
    (G1Projective::generator() * x).into_affine()
}

fn g2(x: Fr) -> G2Affine {
    (G2Projective::generator() * x).into_affine()
}

impl Fixture {
    fn new(seed: u64, n: usize) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut r = || Fr::rand(&mut rng);
        let (alpha, beta, gamma, delta, k) = (r(), r(), r(), r(), r());
        let (ic0, ic1) = (r(), r());
        let bases: Vec<Fr> = (0..n).map(|_| r()).collect();
        let vk = AggregateVerifyingKey {
            alpha1: g1(alpha),
            beta2: g2(beta),
            gamma2: g2(gamma),
            delta2: g2(delta),
            ic0: g1(ic0),
            ic_plain: vec![g1(ic1)],
            k_gamma2: g2(k * gamma),
            config: r(),
        };
        Self {
            vk,
            ic0,
            ic1,
            bases,
            alpha,
            beta,
            gamma,
            delta,
            k,
        }
    }

    fn base_points(&self) -> Vec<G1Affine> {
        self.bases.iter().map(|b| g1(*b)).collect()
    }

    /// A proof for the committed vector `w` (as discrete log `d` of `D`) and the plain input `p`,
    /// built from the trapdoor.
    fn simulate(&self, d: Fr, p: Fr, rng: &mut ChaCha20Rng) -> CommittedGroth16Proof {
        let (a, b) = (Fr::rand(rng), Fr::rand(rng));
        let l = self.ic0 + p * self.ic1 + d;
        let delta_inv = self.delta.inverse().unwrap_or_default();
        let c = (a * b - self.alpha * self.beta - l * self.gamma) * delta_inv;
        CommittedGroth16Proof {
            a: g1(a),
            b: g2(b),
            c: g1(c),
            pi: g1(self.k * d),
        }
    }

    fn dot(&self, w: &[Fr]) -> Fr {
        w.iter().zip(&self.bases).map(|(x, b)| *x * b).sum()
    }

    /// An honest aggregate proof for random folded witnesses.
    fn aggregate(&self, seed: u64) -> AggregateProof {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let n = self.bases.len();
        let w_run: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let w_fresh: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let alpha = Fr::rand(&mut rng);
        let mut proof = AggregateProof {
            a: G1Affine::zero(),
            b: G2Affine::zero(),
            c: G1Affine::zero(),
            pi: G1Affine::zero(),
            c_running: g1(self.dot(&w_run)),
            c_fresh: g1(self.dot(&w_fresh)),
            alpha,
            statement: AggregateStatement {
                count: 42,
                statements_root: Fr::rand(&mut rng),
                old_root: Fr::zero(),
                new_root: Fr::zero(),
            },
        };
        let p = statement_digest(&self.vk.config, &proof);
        let d = self.dot(&w_run) + alpha * self.dot(&w_fresh);
        let g = self.simulate(d, p, &mut rng);
        proof.a = g.a;
        proof.b = g.b;
        proof.c = g.c;
        proof.pi = g.pi;
        proof
    }
}

fn bump1(p: &G1Affine) -> G1Affine {
    (p.into_group() + G1Projective::generator()).into_affine()
}

fn bump2(p: &G2Affine) -> G2Affine {
    (p.into_group() + G2Projective::generator()).into_affine()
}

fn rejected(vk: &AggregateVerifyingKey, proof: &AggregateProof) -> bool {
    !matches!(verify_aggregate(vk, proof), Ok(true))
}

#[test]
fn honest_aggregate_verifies() {
    let fx = Fixture::new(1, 5);
    let proof = fx.aggregate(2);
    assert!(verify_aggregate(&fx.vk, &proof).unwrap());
    // The same through the generic entry point.
    let p = statement_digest(&fx.vk.config, &proof);
    let d = proof.folded_commitment();
    assert!(verify_committed(&fx.vk.committed_key(), &d, &[p], &proof.groth16()).unwrap());
    // D is the commitment of the folded witness under the committed bases.
    assert_eq!(
        d,
        (proof.c_running.into_group() + proof.c_fresh * proof.alpha).into_affine()
    );
}

/// A named change to a proof.
type Tamper = Box<dyn Fn(&mut AggregateProof)>;

#[test]
fn tampered_proofs_are_rejected() {
    let fx = Fixture::new(3, 4);
    let honest = fx.aggregate(4);
    assert!(verify_aggregate(&fx.vk, &honest).unwrap());
    let one = Fr::from(1u64);
    let cases: Vec<(&str, Tamper)> = vec![
        ("a", Box::new(|p| p.a = bump1(&p.a))),
        ("b", Box::new(|p| p.b = bump2(&p.b))),
        ("c", Box::new(|p| p.c = bump1(&p.c))),
        ("pi", Box::new(|p| p.pi = bump1(&p.pi))),
        ("c_running", Box::new(|p| p.c_running = bump1(&p.c_running))),
        ("c_fresh", Box::new(|p| p.c_fresh = bump1(&p.c_fresh))),
        ("alpha", Box::new(move |p| p.alpha += one)),
        ("count", Box::new(|p| p.statement.count += 1)),
        (
            "statements_root",
            Box::new(move |p| p.statement.statements_root += one),
        ),
        ("old_root", Box::new(move |p| p.statement.old_root += one)),
        ("new_root", Box::new(move |p| p.statement.new_root += one)),
        ("a = identity", Box::new(|p| p.a = G1Affine::zero())),
        ("b = identity", Box::new(|p| p.b = G2Affine::zero())),
        ("c = identity", Box::new(|p| p.c = G1Affine::zero())),
        ("pi = identity", Box::new(|p| p.pi = G1Affine::zero())),
        ("a <-> c", Box::new(|p| std::mem::swap(&mut p.a, &mut p.c))),
    ];
    for (name, tamper) in cases {
        let mut p = honest;
        tamper(&mut p);
        assert!(rejected(&fx.vk, &p), "tampered {name} accepted");
    }
}

#[test]
fn wrong_keys_are_rejected() {
    let fx = Fixture::new(5, 3);
    let proof = fx.aggregate(6);
    let mut vk = fx.vk.clone();
    vk.k_gamma2 = g2(fx.k * fx.gamma + Fr::from(1u64));
    assert!(rejected(&vk, &proof), "other k_gamma2 accepted");
    let mut vk = fx.vk.clone();
    vk.config += Fr::from(1u64);
    assert!(rejected(&vk, &proof), "other config accepted");
    let mut vk = fx.vk.clone();
    vk.ic0 = bump1(&vk.ic0);
    assert!(rejected(&vk, &proof), "other ic0 accepted");
    let mut vk = fx.vk.clone();
    vk.ic_plain[0] = bump1(&vk.ic_plain[0]);
    assert!(rejected(&vk, &proof), "other ic_plain accepted");
    let mut vk = fx.vk.clone();
    vk.delta2 = bump2(&vk.delta2);
    assert!(rejected(&vk, &proof), "other delta2 accepted");
    let other = Fixture::new(7, 3);
    assert!(rejected(&other.vk, &proof), "another setup's key accepted");
    // A key with two plain inputs: wrong input count is an error, not a panic.
    let mut vk = fx.vk.clone();
    vk.ic_plain.push(vk.ic0);
    assert!(matches!(
        verify_aggregate(&vk, &proof),
        Err(Error::InputCount {
            expected: 2,
            got: 1
        })
    ));
}

#[test]
fn committed_point_outside_the_span_is_rejected() {
    let fx = Fixture::new(8, 6);
    let key = fx.vk.committed_key();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let w: Vec<Fr> = (0..6).map(|_| Fr::rand(&mut rng)).collect();
    let d_log = fx.dot(&w);
    let d = commit(&fx.base_points(), &w).unwrap();
    assert_eq!(d, g1(d_log));
    let p = Fr::rand(&mut rng);
    let honest = fx.simulate(d_log, p, &mut rng);
    assert!(verify_committed(&key, &d, &[p], &honest).unwrap());
    // Another committed vector: the same proof fails.
    let mut w2 = w.clone();
    w2[3] += Fr::from(1u64);
    let d2 = commit(&fx.base_points(), &w2).unwrap();
    assert!(!verify_committed(&key, &d2, &[p], &honest).unwrap());
    // The plain input changed.
    assert!(!verify_committed(&key, &d, &[p + Fr::from(1u64)], &honest).unwrap());
    // D off the span (D + IC_0): a Groth16 proof made for it and the honest part's pi fails.
    let d_off = d_log + fx.ic0;
    let mut off = fx.simulate(d_off, p, &mut rng);
    off.pi = g1(fx.k * d_log);
    assert!(!verify_committed(&key, &g1(d_off), &[p], &off).unwrap());
    // ... and so does every scaling of pi that does not know k for IC_0's part.
    off.pi = g1(fx.k * d_log + fx.ic0);
    assert!(!verify_committed(&key, &g1(d_off), &[p], &off).unwrap());
    // Whereas someone who knows k (the trapdoor) could: the check is exactly the span check.
    off.pi = g1(fx.k * d_off);
    assert!(verify_committed(&key, &g1(d_off), &[p], &off).unwrap());
    // The design doc's naive forgery: D = -IC_0 - P IC_1, A = alpha, B = beta, C = 0.
    let forged = CommittedGroth16Proof {
        a: fx.vk.alpha1,
        b: fx.vk.beta2,
        c: G1Affine::zero(),
        pi: G1Affine::zero(),
    };
    let d_forge = g1(-(fx.ic0 + p * fx.ic1));
    assert!(!verify_committed(&key, &d_forge, &[p], &forged).unwrap());
    let forged = CommittedGroth16Proof {
        c: g1(Fr::from(1u64)),
        pi: g1(Fr::from(2u64)),
        ..forged
    };
    assert!(!verify_committed(&key, &d_forge, &[p], &forged).unwrap());
    // Wrong plain count.
    assert!(verify_committed(&key, &d, &[], &honest).is_err());
    assert!(verify_committed(&key, &d, &[p, p], &honest).is_err());
}

/// A point with `x` on neither curve's equation.
fn off_curve_g1() -> G1Affine {
    let p = G1Affine::new_unchecked(Fq::from(1u64), Fq::from(1u64));
    assert!(!p.is_on_curve());
    p
}

/// A point on the G2 twist outside the prime-order subgroup.
fn twist_point_outside_subgroup() -> G2Affine {
    let mut x = Fq2::new(Fq::from(1u64), Fq::from(0u64));
    loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
            if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                return p;
            }
        }
        x += Fq2::new(Fq::from(1u64), Fq::from(0u64));
    }
}

#[test]
fn invalid_points_are_errors_not_panics() {
    let fx = Fixture::new(10, 3);
    let honest = fx.aggregate(11);
    let bad1 = off_curve_g1();
    let bad2 = twist_point_outside_subgroup();
    let g1_fields: [fn(&mut AggregateProof) -> &mut G1Affine; 5] = [
        |p| &mut p.a,
        |p| &mut p.c,
        |p| &mut p.pi,
        |p| &mut p.c_running,
        |p| &mut p.c_fresh,
    ];
    for f in g1_fields {
        let mut p = honest;
        *f(&mut p) = bad1;
        assert!(matches!(
            verify_aggregate(&fx.vk, &p),
            Err(Error::NotOnCurve { .. })
        ));
    }
    let mut p = honest;
    p.b = bad2;
    assert!(matches!(
        verify_aggregate(&fx.vk, &p),
        Err(Error::NotInSubgroup { field }) if field == "b"
    ));
    let mut vk = fx.vk.clone();
    vk.k_gamma2 = bad2;
    assert!(matches!(
        verify_aggregate(&vk, &honest),
        Err(Error::NotInSubgroup { field }) if field == "k_gamma2"
    ));
    let key = fx.vk.committed_key();
    assert!(matches!(
        verify_committed(&key, &bad1, &[Fr::zero()], &honest.groth16()),
        Err(Error::NotOnCurve { field }) if field == "d"
    ));
}

#[test]
fn statement_digest_matches_its_definition() {
    let fx = Fixture::new(12, 2);
    let mut proof = fx.aggregate(13);
    proof.statement.old_root = Fr::from(7u64);
    proof.statement.new_root = Fr::from(8u64);
    proof.c_fresh = G1Affine::zero();
    let mut bytes = Vec::new();
    bytes.extend(fx.vk.config.into_bigint().to_bytes_be());
    bytes.extend([0u8; 24]);
    bytes.extend(proof.statement.count.to_be_bytes());
    for x in [
        proof.statement.statements_root,
        proof.statement.old_root,
        proof.statement.new_root,
    ] {
        bytes.extend(x.into_bigint().to_bytes_be());
    }
    let (x, y) = proof.c_running.xy().unwrap();
    bytes.extend(x.into_bigint().to_bytes_be());
    bytes.extend(y.into_bigint().to_bytes_be());
    bytes.extend([0u8; 64]); // C_f at infinity: (0, 0)
    bytes.extend(proof.alpha.into_bigint().to_bytes_be());
    assert_eq!(bytes.len(), 320);
    let mut d: [u8; 32] = Sha256::digest(&bytes).into();
    let full = Fr::from_be_bytes_mod_order(&d);
    d[0] &= 0x1f;
    let p = statement_digest(&fx.vk.config, &proof);
    assert_eq!(p, Fr::from_be_bytes_mod_order(&d));
    assert!(p.into_bigint().num_bits() <= DIGEST_BITS);
    assert_ne!(p, full, "the top bits are dropped (w.h.p. for this input)");
}

#[test]
fn link_challenge_binds_every_element() {
    let fx = Fixture::new(14, 2);
    let proof = fx.aggregate(15);
    let g = proof.groth16();
    let d = proof.folded_commitment();
    let rho = link_challenge(&g, &d, &[Fr::from(3u64)]);
    assert_ne!(rho, link_challenge(&g, &d, &[Fr::from(4u64)]));
    assert_ne!(rho, link_challenge(&g, &bump1(&d), &[Fr::from(3u64)]));
    let mut g2p = g;
    g2p.pi = bump1(&g.pi);
    assert_ne!(rho, link_challenge(&g2p, &d, &[Fr::from(3u64)]));
}

#[test]
fn json_and_binary_round_trip() {
    let fx = Fixture::new(16, 3);
    let mut proof = fx.aggregate(17);
    proof.statement.count = u64::MAX;
    proof.c_fresh = G1Affine::zero();
    let json = proof_to_json(&proof);
    assert_eq!(proof_from_json(&json).unwrap(), proof);
    assert_eq!(load_proof(json.as_bytes()).unwrap(), proof);
    let bin = proof_to_bytes(&proof);
    assert_eq!(bin.len(), PROOF_BYTES);
    assert_eq!(proof_from_bytes(&bin).unwrap(), proof);
    assert_eq!(load_proof(&bin).unwrap(), proof);

    let vk = fx.vk.clone();
    let json = verifying_key_to_json(&vk);
    assert_eq!(verifying_key_from_json(&json).unwrap(), vk);
    assert_eq!(load_verifying_key(json.as_bytes()).unwrap(), vk);
    let bin = verifying_key_to_bytes(&vk);
    assert_eq!(verifying_key_from_bytes(&bin).unwrap(), vk);
    assert_eq!(load_verifying_key(&bin).unwrap(), vk);

    let key = vk.committed_key();
    let json = committed_key_to_json(&key);
    assert_eq!(committed_key_from_json(&json).unwrap(), key);
    let bin = committed_key_to_bytes(&key);
    assert_eq!(committed_key_from_bytes(&bin).unwrap(), key);
    assert_eq!(load_committed_key(&bin).unwrap(), key);
    // An aggregate key is not a committed key (trailing config) and vice versa (truncated).
    assert!(committed_key_from_bytes(&verifying_key_to_bytes(&vk)).is_err());
    assert!(verifying_key_from_bytes(&bin).is_err());
}

fn err_text<T: core::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => panic!("accepted: {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_binary_is_rejected_naming_the_field() {
    let fx = Fixture::new(18, 2);
    let proof = fx.aggregate(19);
    let bin = proof_to_bytes(&proof);
    // Truncated, extended.
    assert!(err_text(proof_from_bytes(&bin[..bin.len() - 1])).contains("expected 360 bytes"));
    let mut long = bin.clone();
    long.push(0);
    assert!(proof_from_bytes(&long).is_err());
    // alpha >= r (all ones): non-canonical scalar.
    let mut b = bin.clone();
    b[224..256].fill(0xff);
    assert!(err_text(proof_from_bytes(&b)).contains("alpha"));
    // new_root >= r.
    let mut b = bin.clone();
    b[328..360].fill(0xff);
    b[359] = 0x3f;
    assert!(err_text(proof_from_bytes(&b)).contains("new_root"));
    // A's x with no point on the curve (try a few until one is off the curve).
    let mut hit = false;
    for v in 1u8..50 {
        let mut b = bin.clone();
        b[0] = b[0].wrapping_add(v);
        if let Err(e) = proof_from_bytes(&b) {
            assert!(e.to_string().contains("a:"), "{e}");
            hit = true;
            break;
        }
    }
    assert!(hit);
    // B on the twist but outside the prime-order subgroup: arkworks decodes it (Validate::No),
    // check_point refuses it by name; the same for a key's G2 points.
    let mut rogue = proof;
    rogue.b = twist_point_outside_subgroup();
    let text = err_text(proof_from_bytes(&proof_to_bytes(&rogue)));
    assert!(
        text.contains("b: point is not in the prime-order subgroup"),
        "{text}"
    );
    for field in ["beta2", "gamma2", "delta2", "k_gamma2"] {
        let mut vk = fx.vk.clone();
        *match field {
            "beta2" => &mut vk.beta2,
            "gamma2" => &mut vk.gamma2,
            "delta2" => &mut vk.delta2,
            _ => &mut vk.k_gamma2,
        } = twist_point_outside_subgroup();
        let text = err_text(verifying_key_from_bytes(&verifying_key_to_bytes(&vk)));
        assert!(
            text.contains(&format!(
                "{field}: point is not in the prime-order subgroup"
            )),
            "{text}"
        );
    }
    // Identity A (compressed infinity: flag bit) is rejected by name.
    let mut b = bin.clone();
    let mut inf = Vec::new();
    G1Affine::zero().serialize_compressed(&mut inf).unwrap();
    b[..32].copy_from_slice(&inf);
    assert!(err_text(proof_from_bytes(&b)).contains("a: must not be the point at infinity"));
    // Non-canonical infinity for c_running: the flag with a non-zero x.
    let mut b = bin.clone();
    let mut alt = inf.clone();
    alt[0] = 1;
    b[160..192].copy_from_slice(&alt);
    assert!(err_text(proof_from_bytes(&b)).contains("c_running"));
    // The same field with the canonical infinity is fine.
    let mut b = bin.clone();
    b[160..192].copy_from_slice(&inf);
    assert!(proof_from_bytes(&b).unwrap().c_running.is_zero());
    // A G2 point outside the subgroup as B.
    let mut b = bin.clone();
    let mut enc = Vec::new();
    twist_point_outside_subgroup()
        .serialize_compressed(&mut enc)
        .unwrap();
    b[32..96].copy_from_slice(&enc);
    assert!(err_text(proof_from_bytes(&b)).contains("b:"));
    // Keys: a huge ic_plain length, truncation, trailing bytes.
    let kb = verifying_key_to_bytes(&fx.vk);
    let mut b = kb.clone();
    b[256..264].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(err_text(verifying_key_from_bytes(&b)).contains("ic_plain"));
    assert!(err_text(verifying_key_from_bytes(&kb[..kb.len() - 3])).contains("config"));
    let mut b = kb.clone();
    b.push(1);
    assert!(err_text(verifying_key_from_bytes(&b)).contains("trailing"));
    let mut b = kb.clone();
    let n = b.len();
    b[n - 32..].fill(0xff);
    assert!(err_text(verifying_key_from_bytes(&b)).contains("config"));
}

use ark_serialize::CanonicalSerialize;

#[test]
fn malformed_json_is_rejected_naming_the_field() {
    let fx = Fixture::new(20, 2);
    let proof = fx.aggregate(21);
    let value = proof_to_value(&proof);
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        f(&mut v);
        err_text(proof_from_value(&v))
    };
    assert!(edit(&|v| {
        v.as_object_mut().unwrap().remove("pi");
    })
    .contains("pi: missing"));
    assert!(edit(&|v| {
        v["statement"].as_object_mut().unwrap().remove("old_root");
    })
    .contains("statement.old_root: missing"));
    assert!(edit(&|v| v["alpha"] = serde_json::json!("0123")).contains("alpha"));
    assert!(edit(&|v| v["alpha"] = serde_json::json!(to_r_string())).contains("alpha"));
    assert!(
        edit(&|v| v["statement"]["count"] = serde_json::json!("18446744073709551616"))
            .contains("statement.count")
    );
    assert!(
        edit(&|v| v["statement"]["count"] = serde_json::json!("-1")).contains("statement.count")
    );
    assert!(edit(&|v| v["a"][0] = serde_json::json!("1")).contains("a"));
    assert!(edit(&|v| v["c"] = serde_json::json!(["0", "1", "0"])).contains("c: must not"));
    assert!(edit(&|v| v["protocol"] = serde_json::json!("groth16")).contains("protocol"));
    assert!(edit(&|v| v["curve"] = serde_json::json!("bls12-381")).contains("curve"));
    let bad_b = {
        let p = twist_point_outside_subgroup();
        let (x, y) = p.xy().unwrap();
        use crate::formats::snarkjs::to_decimal;
        serde_json::json!([
            [to_decimal(&x.c0), to_decimal(&x.c1)],
            [to_decimal(&y.c0), to_decimal(&y.c1)],
            ["1", "0"]
        ])
    };
    assert!(edit(&|v| v["b"] = bad_b.clone()).contains("b: point is not in the prime-order"));
    // Identity commitments are allowed (the point at infinity is (0, 0) in the digest).
    let mut v = value.clone();
    v["c_fresh"] = serde_json::json!(["0", "1", "0"]);
    assert!(proof_from_value(&v).unwrap().c_fresh.is_zero());
    // Keys.
    let kv = verifying_key_to_value(&fx.vk);
    let mut v = kv.clone();
    v.as_object_mut().unwrap().remove("config");
    assert!(err_text(verifying_key_from_value(&v)).contains("config: missing"));
    let mut v = kv.clone();
    v["ic_plain"][0] = serde_json::json!(["1", "1", "1"]);
    assert!(err_text(verifying_key_from_value(&v)).contains("ic_plain[0]"));
    let mut v = kv;
    v["k_gamma2"] = serde_json::json!("x");
    assert!(err_text(verifying_key_from_value(&v)).contains("k_gamma2"));
    assert!(proof_from_json("{").is_err());
    assert!(load_proof(b"").is_err());
}

fn to_r_string() -> String {
    num_bigint::BigUint::from_bytes_le(&Fr::MODULUS.to_bytes_le()).to_string()
}
