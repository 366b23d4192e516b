//! The GPU MSM against arkworks' CPU MSM, natively through wgpu (Vulkan).
//!
//! In CI the adapter is Mesa's lavapipe (a CPU implementation of Vulkan, installed by
//! `scripts/setup.sh`): it proves the kernel correct, not fast. On a machine without any Vulkan
//! adapter these tests do not fail or hang: they check that the engine falls back to the CPU
//! (and say so on stderr).
//!
//! Sizes 1 .. 2^16, random scalars and the skewed scalars of real witnesses (zeros, ones,
//! small values, a few large ones), points at infinity, and faults injected into the GPU path.
//! The reference (`msm_cpu` below) is arkworks' own MSM.

use std::sync::OnceLock;

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{BigInt, PrimeField, UniformRand, Zero};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkagg_gpu_msm::{msm_ark as msm_cpu, Backend, Fault, MsmConfig, MsmEngine};

/// One engine (one device, one kernel compilation) for the whole test binary.
fn engine() -> &'static MsmEngine {
    static ENGINE: OnceLock<MsmEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let e = MsmEngine::new_blocking(MsmConfig {
            backend: Backend::Gpu,
            spot_checks: 4,
            ..MsmConfig::default()
        });
        match e.gpu_info() {
            Some(info) => eprintln!("GPU adapter: {info}"),
            None => eprintln!(
                "NO GPU ADAPTER ({}): these tests exercise the CPU fallback only",
                e.gpu_unavailable_reason().unwrap_or_default()
            ),
        }
        e
    })
}

/// Random points: multiples of the generator, normalised in one batch.
fn points(n: usize, rng: &mut ChaCha20Rng) -> Vec<G1Affine> {
    let g = G1Projective::generator();
    let mut acc = g * Fr::rand(rng);
    let step = g * Fr::rand(rng);
    let proj: Vec<G1Projective> = (0..n)
        .map(|_| {
            acc += step;
            acc
        })
        .collect();
    G1Projective::normalize_batch(&proj)
}

fn random_scalars(n: usize, rng: &mut ChaCha20Rng) -> Vec<BigInt<4>> {
    (0..n).map(|_| Fr::rand(rng).into_bigint()).collect()
}

/// Witness-like scalars: about 40% zeros, 30% ones, 15% small, 5% minus one, 10% random.
fn skewed_scalars(n: usize, rng: &mut ChaCha20Rng) -> Vec<BigInt<4>> {
    (0..n)
        .map(|_| match rng.gen_range(0..100) {
            0..=39 => BigInt::from(0u64),
            40..=69 => BigInt::from(1u64),
            70..=84 => BigInt::from(rng.gen_range(2u64..1 << 16)),
            85..=89 => (-Fr::from(1u64)).into_bigint(),
            _ => Fr::rand(rng).into_bigint(),
        })
        .collect()
}

fn check_equal(bases: &[G1Affine], scalars: &[BigInt<4>], what: &str) {
    let e = engine();
    let t = std::time::Instant::now();
    let out = e.msm_blocking(bases, scalars).expect("msm");
    let gpu_ms = t.elapsed().as_secs_f64() * 1e3;
    let expect = msm_cpu(bases, scalars);
    assert_eq!(out.result, expect, "{what}: GPU MSM differs from arkworks");
    if e.gpu_info().is_some() {
        assert_eq!(out.report.backend, "gpu", "{what}: {:?}", out.report);
        assert!(out.report.fallback.is_none(), "{what}: {:?}", out.report);
    } else {
        assert_eq!(out.report.backend, "cpu");
    }
    eprintln!(
        "{what}: n = {}, {} in {gpu_ms:.0} ms",
        bases.len(),
        out.report.backend
    );
}

#[test]
fn gpu_equals_cpu_small_sizes() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let all = points(300, &mut rng);
    for n in [1usize, 2, 3, 5, 8, 31, 64, 65, 100, 255, 300] {
        let scalars = random_scalars(n, &mut rng);
        check_equal(&all[..n], &scalars, "random");
        let scalars = skewed_scalars(n, &mut rng);
        check_equal(&all[..n], &scalars, "skewed");
    }
    // Edge scalars: all zero, all one, all r - 1, one point.
    let n = 50;
    check_equal(&all[..n], &vec![BigInt::from(0u64); n], "all zero");
    check_equal(&all[..n], &vec![BigInt::from(1u64); n], "all one");
    check_equal(
        &all[..n],
        &vec![(-Fr::from(1u64)).into_bigint(); n],
        "all r-1",
    );
    check_equal(&all[..1], &[BigInt::from(2u64)], "single 2");
    // Equal points (bucket sums double) and points at infinity.
    let mut same = vec![all[0]; 40];
    same[3] = G1Affine::identity();
    let scalars = random_scalars(40, &mut rng);
    check_equal(&same, &scalars, "equal points + infinity");
}

#[test]
fn gpu_equals_cpu_2_12_random_and_skewed() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let bases = points(1 << 12, &mut rng);
    check_equal(
        &bases,
        &random_scalars(bases.len(), &mut rng),
        "random 2^12",
    );
    check_equal(
        &bases,
        &skewed_scalars(bases.len(), &mut rng),
        "skewed 2^12",
    );
}

#[test]
fn gpu_equals_cpu_2_16_skewed_and_random() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let bases = points(1 << 16, &mut rng);
    check_equal(
        &bases,
        &skewed_scalars(bases.len(), &mut rng),
        "skewed 2^16",
    );
    check_equal(
        &bases,
        &random_scalars(bases.len(), &mut rng),
        "random 2^16",
    );
}

#[test]
fn hybrid_split_equals_cpu() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let bases = points(3000, &mut rng);
    let scalars = skewed_scalars(bases.len(), &mut rng);
    let expect = msm_cpu(&bases, &scalars);
    let e = MsmEngine::new_blocking(MsmConfig {
        backend: Backend::Hybrid(0.6),
        ..MsmConfig::default()
    });
    let out = e.msm_blocking(&bases, &scalars).expect("msm");
    assert_eq!(out.result, expect);
    if e.gpu_info().is_some() {
        assert_eq!(out.report.backend, "hybrid", "{:?}", out.report);
        assert_eq!(out.report.gpu_points, 1800);
        assert_eq!(out.report.cpu_points, 1200);
    }
    // Auto never uses a software adapter (it would only slow the CPU down).
    let mut auto = e;
    auto.set_config(MsmConfig::default());
    let out = auto.msm_blocking(&bases, &scalars).expect("msm");
    assert_eq!(out.result, expect);
    if auto.gpu_info().is_some_and(|i| i.software) {
        assert_eq!(out.report.backend, "cpu");
    }
}

#[test]
fn faults_are_detected_and_fall_back_to_cpu() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let bases = points(2000, &mut rng);
    let scalars = random_scalars(bases.len(), &mut rng);
    let expect = msm_cpu(&bases, &scalars);
    for fault in [Fault::CorruptOutput, Fault::DropEntries] {
        // Own engine: a detected fault turns the GPU off for the engine's lifetime.
        let e = MsmEngine::new_blocking(MsmConfig {
            backend: Backend::Gpu,
            spot_checks: 4,
            fault: Some(fault),
            ..MsmConfig::default()
        });
        let out = e.msm_blocking(&bases, &scalars).expect("msm");
        assert_eq!(
            out.result, expect,
            "{fault:?}: the fallback must still give the right answer"
        );
        assert_eq!(out.report.backend, "cpu");
        let why = out.report.fallback.expect("a fallback reason");
        if e.gpu_info().is_none() && !why.contains("check") {
            eprintln!("{fault:?}: no GPU here, fallback reason: {why}");
            continue;
        }
        assert!(why.contains("check failed"), "{fault:?}: {why}");
        eprintln!("{fault:?}: detected: {why}");
        // The GPU is now off for this engine; later MSMs go straight to the CPU.
        assert!(e.gpu_unavailable_reason().is_some());
        let again = e.msm_blocking(&bases[..10], &scalars[..10]).expect("msm");
        assert_eq!(again.report.backend, "cpu");
    }
}

#[test]
fn no_adapter_means_cpu_fallback() {
    // ZKAGG_GPU=off is the switch a server without a usable GPU (or a user) sets; the engine
    // must then answer from the CPU and say why.
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let bases = points(100, &mut rng);
    let scalars = random_scalars(100, &mut rng);
    let e = MsmEngine::cpu_only();
    let out = e.msm_blocking(&bases, &scalars).expect("msm");
    assert_eq!(out.result, msm_cpu(&bases, &scalars));
    assert!(e.gpu_info().is_none());
    let cfg = MsmConfig {
        backend: Backend::Gpu,
        ..MsmConfig::default()
    };
    let mut e = MsmEngine::cpu_only();
    e.set_config(cfg);
    let out = e.msm_blocking(&bases, &scalars).expect("msm");
    assert_eq!(out.report.backend, "cpu");
    assert!(out.report.fallback.is_some());
    assert!(!out.result.is_zero());
}

#[test]
fn malformed_input_is_an_error() {
    let e = MsmEngine::cpu_only();
    let g = G1Projective::generator().into_affine();
    assert!(e.msm_blocking(&[g, g], &[BigInt::from(1u64)]).is_err());
    let too_big = Fr::MODULUS;
    assert!(e.msm_blocking(&[g], &[too_big]).is_err());
}

/// Every window size the planner can choose (4 ..= 18 bits; large sizes pick 15 at 2^18 and
/// more beyond), forced on a small input so that the kernel meets each bucket-count regime.
#[test]
fn gpu_equals_cpu_for_every_window_size() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let bases = points(3000, &mut rng);
    let scalars = random_scalars(bases.len(), &mut rng);
    let expect = msm_cpu(&bases, &scalars);
    // 18 needs more bucket memory than lavapipe binds (the engine then falls back, correctly).
    for c in 4..=17u32 {
        let e = MsmEngine::new_blocking(MsmConfig {
            backend: Backend::Gpu,
            plan: zkagg_gpu_msm::plan::PlanConfig {
                window_bits: Some(c),
                ..Default::default()
            },
            ..MsmConfig::default()
        });
        let out = e.msm_blocking(&bases, &scalars).expect("msm");
        assert_eq!(out.result, expect, "c = {c}: {:?}", out.report);
        if e.gpu_info().is_some() {
            assert_eq!(out.report.backend, "gpu", "c = {c}: {:?}", out.report);
        }
    }
}

/// Large windows with dense buckets (2^16 points, `c = 15`: the window the planner picks at
/// 2^18), where long reduction runs returned off-curve points on lavapipe before the reduction
/// chunk was capped (`plan::MAX_REDUCE_CHUNK`); the GPU must answer, exactly.
#[test]
fn gpu_large_windows_dense_buckets() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let bases = points(1 << 16, &mut rng);
    let scalars = random_scalars(bases.len(), &mut rng);
    let expect = msm_cpu(&bases, &scalars);
    let e = MsmEngine::new_blocking(MsmConfig {
        backend: Backend::Gpu,
        plan: zkagg_gpu_msm::plan::PlanConfig {
            window_bits: Some(15),
            ..Default::default()
        },
        ..MsmConfig::default()
    });
    let out = e.msm_blocking(&bases, &scalars).expect("msm");
    assert_eq!(out.result, expect, "{:?}", out.report);
    if e.gpu_info().is_some() {
        assert_eq!(out.report.backend, "gpu", "{:?}", out.report);
        assert!(out.report.fallback.is_none(), "{:?}", out.report);
    }
}

/// An MSM larger than one GPU run (`max_gpu_points`) is several runs submitted together and
/// finished in order (this panicked inside wgpu when each run held its own error scopes).
#[test]
fn gpu_in_several_runs() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let bases = points(3000, &mut rng);
    let scalars = random_scalars(bases.len(), &mut rng);
    let expect = msm_cpu(&bases, &scalars);
    let e = MsmEngine::new_blocking(MsmConfig {
        backend: Backend::Gpu,
        max_gpu_points: 1000,
        ..MsmConfig::default()
    });
    let out = e.msm_blocking(&bases, &scalars).expect("msm");
    assert_eq!(out.result, expect, "{:?}", out.report);
    if e.gpu_info().is_some() {
        assert_eq!(out.report.backend, "gpu", "{:?}", out.report);
    }
}
