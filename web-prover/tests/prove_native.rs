//! The native prover on the committed snarkjs fixture (`tests/fixtures/`, see its README):
//! proofs verify with the fixture's snarkjs verification key, CPU and GPU engines give the same
//! proof for the same blinding, progress and cancellation work, and malformed files are errors
//! that name the section (including a small fuzz). Also the batch circuit prover.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use zkagg_core::formats::snarkjs;
use zkagg_web_prover::prover::{prove_zkey, read_verifying_key};
use zkagg_web_prover::source::Bytes;
use zkagg_web_prover::{Backend, Error, MsmConfig, MsmEngine, Phase, ProveOptions};

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn cpu() -> &'static MsmEngine {
    static E: OnceLock<MsmEngine> = OnceLock::new();
    E.get_or_init(MsmEngine::cpu_only)
}

fn gpu() -> &'static MsmEngine {
    static E: OnceLock<MsmEngine> = OnceLock::new();
    E.get_or_init(|| {
        let e = MsmEngine::new_blocking(MsmConfig {
            backend: Backend::Gpu,
            ..MsmConfig::default()
        });
        match e.gpu_info() {
            Some(g) => eprintln!("GPU: {g}"),
            None => eprintln!(
                "no GPU ({}): the GPU engine falls back to the CPU",
                e.gpu_unavailable_reason().unwrap_or_default()
            ),
        }
        e
    })
}

fn prove(
    zkey: &[u8],
    wtns: &[u8],
    engine: &MsmEngine,
    opts: &ProveOptions,
) -> Result<zkagg_web_prover::ProofOutput, Error> {
    pollster::block_on(prove_zkey(
        &Bytes(zkey),
        &Bytes(wtns),
        engine,
        opts,
        &mut |_| {},
        &|| false,
    ))
}

fn check_valid(out: &zkagg_web_prover::ProofOutput) {
    let vk =
        snarkjs::parse_verifying_key(&String::from_utf8(fixture("verification_key.json")).unwrap())
            .unwrap();
    let public =
        snarkjs::parse_public_inputs(&String::from_utf8(fixture("public.json")).unwrap()).unwrap();
    assert_eq!(out.public, public, "public signals differ from snarkjs's");
    // Round-trip through the JSON we write, as a user of the files would.
    let proof = snarkjs::parse_proof(&out.proof_json()).unwrap();
    let public2 = snarkjs::parse_public_inputs(&out.public_json()).unwrap();
    assert!(
        zkagg_core::verifier::verify(&vk, &proof, &public2).unwrap(),
        "proof does not verify"
    );
    let wrong = snarkjs::parse_verifying_key(
        &String::from_utf8(fixture("wrong_verification_key.json")).unwrap(),
    )
    .unwrap();
    assert!(!zkagg_core::verifier::verify(&wrong, &proof, &public2).unwrap());
}

#[test]
fn proves_the_snarkjs_fixture_on_cpu_and_gpu() {
    let (zkey, wtns) = (fixture("circuit.zkey"), fixture("witness.wtns"));
    let opts = ProveOptions {
        chunk_points: 64, // several chunks per section even on this small key
        ..ProveOptions::default()
    };
    let cpu_out = prove(&zkey, &wtns, cpu(), &opts).expect("cpu proof");
    check_valid(&cpu_out);
    let gpu_out = prove(&zkey, &wtns, gpu(), &opts).expect("gpu proof");
    check_valid(&gpu_out);
    if gpu().gpu_info().is_some() {
        assert!(
            gpu_out
                .report
                .msms
                .iter()
                .any(|m| m.backends.iter().any(|b| b == "gpu")),
            "{:?}",
            gpu_out.report.msms
        );
    }
    // Same blinding: the same proof, whatever computed the MSMs.
    let seeded = ProveOptions {
        seed: Some(7),
        ..opts
    };
    let a = prove(&zkey, &wtns, cpu(), &seeded).unwrap();
    let b = prove(&zkey, &wtns, gpu(), &seeded).unwrap();
    assert_eq!(a.proof, b.proof);
    assert!(a.report.peak_memory_bytes.unwrap_or(1) > 0);
    eprintln!("report: {}", serde_json::to_string(&a.report).unwrap());
}

#[test]
fn exports_the_same_verifying_key_as_snarkjs() {
    let vk = pollster::block_on(read_verifying_key(&Bytes(&fixture("circuit.zkey")))).unwrap();
    let expect =
        snarkjs::parse_verifying_key(&String::from_utf8(fixture("verification_key.json")).unwrap())
            .unwrap();
    assert_eq!(vk, expect);
}

#[test]
fn progress_is_monotonic_and_complete() {
    let (zkey, wtns) = (fixture("circuit.zkey"), fixture("witness.wtns"));
    let mut seen: Vec<(Phase, f64)> = Vec::new();
    let opts = ProveOptions {
        chunk_points: 32,
        ..ProveOptions::default()
    };
    pollster::block_on(prove_zkey(
        &Bytes(&zkey),
        &Bytes(&wtns),
        cpu(),
        &opts,
        &mut |p| seen.push((p.phase, p.overall)),
        &|| false,
    ))
    .unwrap();
    assert!(
        seen.windows(2).all(|w| w[1].1 >= w[0].1 - 1e-12),
        "overall progress went backwards"
    );
    assert_eq!(seen.last().map(|s| s.0), Some(Phase::Finish));
    assert!((seen.last().unwrap().1 - 1.0).abs() < 1e-9);
    for phase in [
        Phase::Qap,
        Phase::Fft,
        Phase::MsmA,
        Phase::MsmB1,
        Phase::MsmB2,
        Phase::MsmC,
        Phase::MsmH,
    ] {
        assert!(
            seen.iter().any(|s| s.0 == phase),
            "{phase:?} never reported"
        );
    }
}

#[test]
fn cancellation_stops_the_proof() {
    let (zkey, wtns) = (fixture("circuit.zkey"), fixture("witness.wtns"));
    let opts = ProveOptions {
        chunk_points: 16,
        ..ProveOptions::default()
    };
    for stop_at in [1usize, 5, 20] {
        let polls = AtomicUsize::new(0);
        let cancel = || polls.fetch_add(1, Ordering::SeqCst) + 1 >= stop_at;
        let r = pollster::block_on(prove_zkey(
            &Bytes(&zkey),
            &Bytes(&wtns),
            cpu(),
            &opts,
            &mut |_| {},
            &cancel,
        ));
        assert!(
            matches!(r, Err(Error::Cancelled)),
            "stop at poll {stop_at}: {r:?}"
        );
        assert!(
            polls.load(Ordering::SeqCst) <= stop_at + 1,
            "kept going after the cancel"
        );
    }
}

fn expect_err(zkey: &[u8], wtns: &[u8], needle: &str) {
    let opts = ProveOptions::default();
    match prove(zkey, wtns, cpu(), &opts) {
        Ok(_) => panic!("expected an error mentioning {needle:?}"),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(needle), "{msg:?} does not mention {needle:?}");
        }
    }
}

/// Offset of section `kind`'s payload in a container file.
fn section_offset(file: &[u8], kind: u32) -> usize {
    let n = u32::from_le_bytes(file[8..12].try_into().unwrap());
    let mut pos = 12;
    for _ in 0..n {
        let k = u32::from_le_bytes(file[pos..pos + 4].try_into().unwrap());
        let size = u64::from_le_bytes(file[pos + 4..pos + 12].try_into().unwrap()) as usize;
        if k == kind {
            return pos + 12;
        }
        pos += 12 + size;
    }
    panic!("no section {kind}");
}

#[test]
fn malformed_inputs_are_errors_naming_the_section() {
    let (zkey, wtns) = (fixture("circuit.zkey"), fixture("witness.wtns"));
    expect_err(&zkey[..100], &wtns, "zkey");
    expect_err(&zkey, &wtns[..10], "wtns");
    let mut bad = zkey.clone();
    bad[0] = b'x';
    expect_err(&bad, &wtns, "magic");
    expect_err(&wtns, &wtns, "magic");
    // A point of PointsA off the curve.
    let mut bad = zkey.clone();
    let a = section_offset(&zkey, 5);
    bad[a + 64 + 5] ^= 1;
    expect_err(&bad, &wtns, "section 5 (PointsA)");
    // A coefficient with matrix 7.
    let mut bad = zkey.clone();
    let c = section_offset(&zkey, 4);
    bad[c + 4] = 7;
    expect_err(&bad, &wtns, "section 4 (Coeffs)");
    // A coefficient pointing at a signal that does not exist.
    let mut bad = zkey.clone();
    bad[c + 4 + 8..c + 4 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    expect_err(&bad, &wtns, "signal");
    // A witness value above r.
    let mut bad = wtns.clone();
    let w = section_offset(&wtns, 2);
    bad[w + 32 + 31] = 0xff;
    expect_err(&zkey, &bad, "wtns section 2");
    // A witness that does not satisfy the circuit: caught by the self-check.
    let mut bad = wtns.clone();
    bad[w + 5 * 32] ^= 1;
    expect_err(&zkey, &bad, "does not verify");
    // Wrong protocol.
    let mut bad = zkey.clone();
    let h = section_offset(&zkey, 1);
    bad[h] = 2;
    expect_err(&bad, &wtns, "PLONK");
}

#[test]
fn fuzzed_inputs_never_panic() {
    let (zkey, wtns) = (fixture("circuit.zkey"), fixture("witness.wtns"));
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let opts = ProveOptions {
        chunk_points: 128,
        ..ProveOptions::default()
    };
    let mut outcomes = [0usize; 2];
    for i in 0..300 {
        let target_zkey = i % 3 != 0;
        let mut data = if target_zkey {
            zkey.clone()
        } else {
            wtns.clone()
        };
        match next() % 3 {
            0 => data.truncate((next() as usize) % data.len()),
            1 => {
                for _ in 0..1 + next() % 4 {
                    let at = (next() as usize) % data.len();
                    data[at] ^= 1 << (next() % 8);
                }
            }
            _ => {
                // Damage the section table (first 200 bytes) where length fields live.
                let at = (next() as usize) % data.len().min(200);
                data[at] = next() as u8;
            }
        }
        let (z, w) = if target_zkey {
            (&data, &wtns)
        } else {
            (&zkey, &data)
        };
        let r = std::panic::catch_unwind(|| prove(z, w, cpu(), &opts));
        match r {
            Ok(Ok(_)) => outcomes[0] += 1,
            Ok(Err(_)) => outcomes[1] += 1,
            Err(_) => panic!("case {i} panicked"),
        }
    }
    eprintln!(
        "fuzz: {} still proved (damage in unused bytes), {} clean errors",
        outcomes[0], outcomes[1]
    );
    assert!(outcomes[1] > 100);
}

#[test]
fn proves_the_batch_circuit_with_the_msm_engine() {
    use rand::SeedableRng;
    use zkagg_core::batch::{self, random_genesis_and_batch, BatchParams};
    let params = BatchParams {
        transfers: 1,
        depth: 3,
    };
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let (pk, vk) = batch::setup(&params, &mut rng).unwrap();
    let (mut tree, transfers) = random_genesis_and_batch(&params, &mut rng).unwrap();
    let (statement, witness) = tree.apply_batch(&params, &transfers).unwrap();
    let shape = zkagg_web_prover::batch::BatchShape::build(&params).unwrap();
    for engine in [cpu(), gpu()] {
        let out = pollster::block_on(zkagg_web_prover::batch::prove_batch(
            &pk,
            &shape,
            &witness,
            engine,
            None,
            &mut |_, _| {},
            &|| false,
        ))
        .unwrap();
        assert_eq!(out.inputs, statement.public_inputs());
        assert!(zkagg_core::verifier::verify(&vk, &out.proof, &out.inputs).unwrap());
        let phases: Vec<&str> = out.report.phase_ms.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            phases,
            ["witness", "qap", "msm_a", "msm_b1", "msm_b2", "msm_h", "msm_l", "finish"]
        );
    }
    // A corrupted key (one H point replaced) is an error, never a proof that fails later.
    let mut bad = pk.clone();
    bad.h_query[0] =
        (bad.h_query[0] + <ark_bn254::G1Affine as ark_ec::AffineRepr>::generator()).into();
    let prove = |pk: &zkagg_core::ProvingKey, witness: &zkagg_core::batch::BatchWitness| {
        pollster::block_on(zkagg_web_prover::batch::prove_batch(
            pk,
            &shape,
            witness,
            cpu(),
            None,
            &mut |_, _| {},
            &|| false,
        ))
    };
    let err = prove(&bad, &witness).unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
    // A key of another shape is refused by name before any work.
    let other = BatchParams {
        transfers: 1,
        depth: 4,
    };
    let (other_pk, _) = batch::setup(&other, &mut rng).unwrap();
    let err = prove(&other_pk, &witness).unwrap_err();
    assert!(err.to_string().contains("another circuit shape"), "{err}");
    // A cancelled proof stops with Cancelled.
    let err = pollster::block_on(zkagg_web_prover::batch::prove_batch(
        &pk,
        &shape,
        &witness,
        cpu(),
        None,
        &mut |_, _| {},
        &|| true,
    ))
    .unwrap_err();
    assert!(matches!(err, zkagg_web_prover::Error::Cancelled), "{err}");
}
