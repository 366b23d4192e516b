//! Native MSM timings: arkworks CPU vs the GPU kernel (wgpu/Vulkan), same inputs.
//!
//! ```sh
//! cargo run --release -p zkagg-gpu-msm --example msm_bench -- [log2 sizes...]   # default 12 14 16
//! ZKAGG_GPU_KERNEL=compact|unrolled  selects the kernel variant (default: by adapter)
//! ZKAGG_WINDOW_BITS=c                 forces the GPU plan's window size (default: by size)
//! ```
//! Prints one JSON object per size on stdout (and the adapter on stderr). On a software adapter
//! (lavapipe) the GPU numbers measure correctness plumbing, not GPU speed.

use ark_bn254::{Fr, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{PrimeField, UniformRand};
use rand::SeedableRng;
use zkagg_gpu_msm::{msm_ark, msm_cpu, now_ms, Backend, MsmConfig, MsmEngine};

fn main() {
    let logs: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let logs = if logs.is_empty() {
        vec![12, 14, 16]
    } else {
        logs
    };
    let t = now_ms();
    // ZKAGG_WINDOW_BITS=c forces the GPU plan's window size (default: chosen by size).
    let window_bits = std::env::var("ZKAGG_WINDOW_BITS")
        .ok()
        .and_then(|v| v.parse().ok());
    let engine = MsmEngine::new_blocking(MsmConfig {
        backend: Backend::Gpu,
        plan: zkagg_gpu_msm::plan::PlanConfig {
            window_bits,
            reduce_threads: std::env::var("ZKAGG_REDUCE_THREADS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(zkagg_gpu_msm::plan::PlanConfig::default().reduce_threads),
            ..Default::default()
        },
        ..MsmConfig::default()
    });
    let init_ms = now_ms() - t;
    let adapter = engine
        .gpu_info()
        .map(|i| i.to_string())
        .unwrap_or_else(|| "none".into());
    eprintln!("adapter: {adapter} (init + kernel compile + self-test {init_ms:.0} ms)");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(42);
    for log in logs {
        let n = 1usize << log;
        let g = G1Projective::generator();
        let step = g * Fr::rand(&mut rng);
        let mut acc = g;
        let proj: Vec<G1Projective> = (0..n)
            .map(|_| {
                acc += step;
                acc
            })
            .collect();
        let bases = G1Projective::normalize_batch(&proj);
        let scalars: Vec<_> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        let t = now_ms();
        let expect = msm_ark(&bases, &scalars);
        let ark_ms = now_ms() - t;
        let t = now_ms();
        assert_eq!(
            msm_cpu(&bases, &scalars),
            expect,
            "CPU MSM differs from arkworks"
        );
        let cpu_ms = now_ms() - t;
        let mut runs = Vec::new();
        let mut backend = String::new();
        for _ in 0..2 {
            let t = now_ms();
            let out = engine.msm_blocking(&bases, &scalars).expect("msm");
            runs.push(now_ms() - t);
            assert_eq!(out.result, expect, "GPU result differs");
            if out.report.backend != "gpu" {
                eprintln!("not on the GPU: {:?}", out.report);
            }
            backend = out.report.backend.to_string();
        }
        println!(
            "{{\"log2\":{log},\"cpu_ms\":{cpu_ms:.1},\"ark_ms\":{ark_ms:.1},\"gpu_ms\":{:.1},\"gpu_first_ms\":{:.1},\"backend\":{backend:?},\"adapter\":{:?},\"init_ms\":{init_ms:.0}}}",
            runs[1], runs[0], adapter
        );
    }
}
