//! The wgpu driver: adapter and device, the compiled kernel, buffers, dispatches, read-back.
//!
//! The same code runs natively (wgpu's Vulkan backend: a real GPU, or Mesa's lavapipe without
//! one) and in browsers (wgpu's WebGPU backend). Natively completion is awaited by polling the
//! device; in a browser by the event loop (the driver is `async` and never blocks there).
//!
//! Every GPU error (validation, out of memory, device lost, failed mapping) is captured with
//! error scopes and returned as [`Error::Gpu`], never a panic, so that the caller can fall back
//! to the CPU.

use std::sync::{Arc, Mutex};

use ark_bn254::{Fq, G1Affine};
use ark_ff::{BigInt, Field, PrimeField, UniformRand};
use wgpu::util::DeviceExt;

use crate::plan::Plan;
use crate::repr::{
    affine_to_words, bigint_to_words, words_to_bigint, Homogeneous, AFFINE_WORDS, PROJ_WORDS,
};
use crate::shader::{self, entry, Variant};
use crate::Error;

/// Threads per workgroup (must match `@workgroup_size` in the kernel).
const WORKGROUP: u32 = 64;
/// At most this many threads per dispatch (dispatches are split beyond it, which also bounds
/// the time of one dispatch on slow adapters).
const MAX_THREADS_PER_DISPATCH: u32 = 1 << 16;

/// What we know about the adapter the kernel runs on.
#[derive(Clone, Debug)]
pub struct GpuInfo {
    /// Adapter name (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)", "SwiftShader Device (Subzero)").
    pub name: String,
    /// Backend ("Vulkan", "BrowserWebGpu", ...).
    pub backend: String,
    /// Driver description when the backend gives one.
    pub driver: String,
    /// Whether it is a software adapter (a CPU emulating a GPU: correctness only, never fast).
    pub software: bool,
    /// Largest storage buffer binding, in bytes.
    pub max_binding: u64,
    /// The kernel variant compiled for it.
    pub variant: Variant,
}

impl std::fmt::Display for GpuInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}", self.name, self.backend)?;
        if !self.driver.is_empty() {
            write!(f, ", {}", self.driver)?;
        }
        if self.software {
            write!(f, ", software adapter")?;
        }
        write!(f, ", {:?} kernel)", self.variant)
    }
}

/// A device with the compiled kernel.
pub struct GpuContext {
    device: wgpu::Device,
    queue: wgpu::Queue,
    layout: wgpu::BindGroupLayout,
    pipelines: Vec<(&'static str, wgpu::ComputePipeline)>,
    info: GpuInfo,
    max_dispatch_x: u32,
    lost: Arc<Mutex<Option<String>>>,
}

fn gpu_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Gpu(format!("{what}: {e}"))
}

/// Environment switch for native use: `ZKAGG_GPU=off` (or `0`, `cpu`) disables the GPU.
fn disabled_by_env() -> Option<String> {
    #[cfg(not(target_arch = "wasm32"))]
    if let Ok(v) = std::env::var("ZKAGG_GPU") {
        if matches!(v.as_str(), "off" | "0" | "cpu" | "none") {
            return Some(format!("disabled by ZKAGG_GPU={v}"));
        }
    }
    None
}

impl GpuContext {
    /// Find an adapter, open a device, compile the kernel and run its self-test.
    ///
    /// Natively only Vulkan is tried (real GPUs, or lavapipe without one); the most capable
    /// adapter wins (discrete > integrated > virtual > software). In a browser, WebGPU's default
    /// adapter. `Err(Error::NoAdapter)` when there is none.
    ///
    /// `variant` forces a kernel variant; by default software adapters get
    /// [`Variant::Compact`] and others [`Variant::Unrolled`] (natively, `ZKAGG_GPU_KERNEL=compact`
    /// or `unrolled` overrides).
    pub async fn new(variant: Option<Variant>) -> Result<Self, Error> {
        if let Some(why) = disabled_by_env() {
            return Err(Error::NoAdapter(why));
        }
        #[cfg(target_arch = "wasm32")]
        let backends = wgpu::Backends::BROWSER_WEBGPU;
        #[cfg(not(target_arch = "wasm32"))]
        let backends = wgpu::Backends::VULKAN | wgpu::Backends::METAL | wgpu::Backends::DX12;
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
            backends,
            ..wgpu::InstanceDescriptor::new_without_display_handle()
        });
        #[cfg(not(target_arch = "wasm32"))]
        let adapter = {
            let rank = |t: wgpu::DeviceType| match t {
                wgpu::DeviceType::DiscreteGpu => 0,
                wgpu::DeviceType::IntegratedGpu => 1,
                wgpu::DeviceType::VirtualGpu => 2,
                wgpu::DeviceType::Other => 3,
                wgpu::DeviceType::Cpu => 4,
            };
            let mut adapters = instance.enumerate_adapters(backends).await;
            adapters.sort_by_key(|a| rank(a.get_info().device_type));
            adapters.into_iter().next().ok_or_else(|| {
                Error::NoAdapter(
                    "no Vulkan adapter (install a GPU driver or Mesa's lavapipe)".into(),
                )
            })?
        };
        #[cfg(target_arch = "wasm32")]
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| Error::NoAdapter(format!("WebGPU: {e}")))?;

        let ai = adapter.get_info();
        let alimits = adapter.limits();
        let mut limits = wgpu::Limits::downlevel_defaults();
        limits.max_storage_buffer_binding_size = alimits.max_storage_buffer_binding_size;
        limits.max_buffer_size = alimits.max_buffer_size;
        limits.max_storage_buffers_per_shader_stage =
            6.max(limits.max_storage_buffers_per_shader_stage);
        limits.max_compute_workgroups_per_dimension = alimits.max_compute_workgroups_per_dimension;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("zkagg-gpu-msm"),
                required_limits: limits.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Device(e.to_string()))?;

        let lost = Arc::new(Mutex::new(None));
        {
            let lost = lost.clone();
            device.set_device_lost_callback(move |reason, msg| {
                if let Ok(mut l) = lost.lock() {
                    *l = Some(format!("device lost ({reason:?}): {msg}"));
                }
            });
        }
        // Errors outside our error scopes must not panic (wgpu's default handler does).
        device.on_uncaptured_error(Arc::new(|_e| {}));

        let software = ai.device_type == wgpu::DeviceType::Cpu
            || ai.name.contains("llvmpipe")
            || ai.name.contains("SwiftShader")
            || ai.driver.contains("llvmpipe");
        #[cfg(not(target_arch = "wasm32"))]
        let variant = variant.or_else(|| match std::env::var("ZKAGG_GPU_KERNEL").as_deref() {
            Ok("compact") => Some(Variant::Compact),
            Ok("unrolled") => Some(Variant::Unrolled),
            _ => None,
        });
        let variant = variant.unwrap_or(if software {
            Variant::Compact
        } else {
            Variant::Unrolled
        });
        let info = GpuInfo {
            variant,
            // Browsers do not expose adapter names to WebGPU (privacy); say what we know.
            name: if ai.name.is_empty() {
                format!(
                    "WebGPU adapter (vendor {:#x}, device {:#x})",
                    ai.vendor, ai.device
                )
            } else {
                ai.name.clone()
            },
            backend: format!("{:?}", ai.backend),
            driver: [ai.driver.as_str(), ai.driver_info.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
            software,
            max_binding: limits
                .max_storage_buffer_binding_size
                .min(limits.max_buffer_size),
        };

        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("msm.wgsl"),
            source: wgpu::ShaderSource::Wgsl(shader::source(variant).into()),
        });
        let storage = |binding: u32| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only: false },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let mut entries: Vec<wgpu::BindGroupLayoutEntry> = (0..6).map(storage).collect();
        entries.push(wgpu::BindGroupLayoutEntry {
            binding: 6,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("msm"),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("msm"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipelines = entry::ALL
            .iter()
            .map(|&name| {
                let p = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(name),
                    layout: Some(&pipeline_layout),
                    module: &module,
                    entry_point: Some(name),
                    compilation_options: Default::default(),
                    cache: None,
                });
                (name, p)
            })
            .collect();
        if let Some(e) = scope.pop().await {
            return Err(gpu_err("compiling the kernel", e));
        }
        let ctx = Self {
            device,
            queue,
            layout,
            pipelines,
            info,
            max_dispatch_x: limits.max_compute_workgroups_per_dimension.max(1),
            lost,
        };
        ctx.selftest().await?;
        Ok(ctx)
    }

    /// The adapter.
    pub fn info(&self) -> &GpuInfo {
        &self.info
    }

    /// How many points one run can take within the adapter's buffer limits (the larger of the
    /// point and the entry buffers binds the limit).
    pub fn max_points(&self, windows: u32) -> usize {
        let per_point = (AFFINE_WORDS as u64 * 4).max(4 * u64::from(windows));
        (self.info.max_binding / per_point).min(1 << 30) as usize
    }

    fn pipeline(&self, name: &str) -> &wgpu::ComputePipeline {
        // Every entry point was compiled in `new`; a missing one is a programming error caught
        // by the unit test that lists them.
        &self
            .pipelines
            .iter()
            .find(|(n, _)| *n == name)
            .expect("entry point compiled in GpuContext::new")
            .1
    }

    fn storage(&self, label: &str, words: &[u32], min_words: usize) -> wgpu::Buffer {
        if words.len() >= min_words.max(4) {
            return self
                .device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: bytemuck::cast_slice(words),
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                });
        }
        let mut padded = words.to_vec();
        padded.resize(min_words.max(4), 0);
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(&padded),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            })
    }

    fn empty(&self, label: &str, words: usize) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (words.max(4) * 4) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// Encode `threads` invocations of `kernel` (split into dispatches of at most
    /// [`MAX_THREADS_PER_DISPATCH`]), with params `(a, b, c)`.
    #[allow(clippy::too_many_arguments)]
    fn dispatch(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        buffers: &[&wgpu::Buffer; 6],
        kernel: &str,
        threads: u32,
        a: u32,
        b: u32,
        c: u32,
    ) {
        let mut base = 0u32;
        while base < threads {
            let count = (threads - base).min(MAX_THREADS_PER_DISPATCH);
            // Segment offsets in `a` advance with the base for the accumulation kernels.
            let a_here = if kernel == entry::ACC_ENTRIES || kernel == entry::ACC_PARTIALS {
                a + 3 * base
            } else {
                a
            };
            let mut params = vec![count, a_here, b, c, base];
            params.extend(shader::uniform_tail());
            let ubuf = self
                .device
                .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("params"),
                    contents: bytemuck::cast_slice(&params),
                    usage: wgpu::BufferUsages::UNIFORM,
                });
            let mut bind: Vec<wgpu::BindGroupEntry> = buffers
                .iter()
                .enumerate()
                .map(|(i, b)| wgpu::BindGroupEntry {
                    binding: i as u32,
                    resource: b.as_entire_binding(),
                })
                .collect();
            bind.push(wgpu::BindGroupEntry {
                binding: 6,
                resource: ubuf.as_entire_binding(),
            });
            let group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(kernel),
                layout: &self.layout,
                entries: &bind,
            });
            let groups = count.div_ceil(WORKGROUP);
            let x = groups.min(self.max_dispatch_x);
            let y = groups.div_ceil(x);
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(kernel),
                timestamp_writes: None,
            });
            pass.set_pipeline(self.pipeline(kernel));
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(x, y, 1);
            drop(pass);
            base += count;
        }
    }

    /// Field-arithmetic known-answer test: Montgomery product, sum and difference of edge-case
    /// and random elements against arkworks. A device that fails it is never used.
    pub async fn selftest(&self) -> Result<(), Error> {
        let mut rng =
            ark_std::rand::rngs::mock::StepRng::new(0x9e37_79b9_7f4a_7c15, 0x2545_f491_4f6c_dd1d);
        let p_minus_1 = Fq::from(-1i64).into_bigint();
        let mut pairs: Vec<(BigInt<4>, BigInt<4>)> = vec![
            (BigInt::from(0u64), BigInt::from(0u64)),
            (BigInt::from(1u64), BigInt::from(1u64)),
            (p_minus_1, p_minus_1),
            (p_minus_1, BigInt::from(1u64)),
            (BigInt::from(1u64), p_minus_1),
            (BigInt::from(0u64), p_minus_1),
        ];
        while pairs.len() < 64 {
            pairs.push((
                Fq::rand(&mut rng).into_bigint(),
                Fq::rand(&mut rng).into_bigint(),
            ));
        }
        let mut input = Vec::with_capacity(pairs.len() * 16);
        for (a, b) in &pairs {
            input.extend_from_slice(&bigint_to_words(a));
            input.extend_from_slice(&bigint_to_words(b));
        }
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let bases = self.storage("selftest-in", &input, 0);
        // Distinct unused buffers: WebGPU forbids aliasing writable bindings.
        let d: Vec<wgpu::Buffer> = (0..4).map(|_| self.empty("unused", 4)).collect();
        let out = self.empty("selftest-out", pairs.len() * PROJ_WORDS);
        let mut encoder = self.device.create_command_encoder(&Default::default());
        self.dispatch(
            &mut encoder,
            &[&bases, &d[0], &d[1], &d[2], &d[3], &out],
            entry::SELFTEST,
            pairs.len() as u32,
            0,
            0,
            0,
        );
        let words = self
            .read_back(encoder, &out, pairs.len() * PROJ_WORDS)
            .await;
        if let Some(e) = scope.pop().await {
            return Err(gpu_err("self-test", e));
        }
        let words = words?;
        let r_inv = Fq::from(2u64).pow([260u64]).inverse().unwrap_or_default();
        for (i, (a, b)) in pairs.iter().enumerate() {
            let (fa, fb) = (
                Fq::from_bigint(*a).unwrap_or_default(),
                Fq::from_bigint(*b).unwrap_or_default(),
            );
            let chain = (fb * r_inv).pow([(i % 5 + 1) as u64]);
            let expect = [
                (fa * chain).into_bigint(),
                (fa + fb).into_bigint(),
                (fa - fb).into_bigint(),
            ];
            for (k, e) in expect.iter().enumerate() {
                let got =
                    words_to_bigint(&words[i * PROJ_WORDS + 8 * k..i * PROJ_WORDS + 8 * k + 8]);
                if got != *e {
                    return Err(Error::Check(format!(
                        "self-test: field {} of pair {i} is wrong on {}",
                        ["product", "sum", "difference"][k],
                        self.info
                    )));
                }
            }
        }
        Ok(())
    }

    /// Open the out-of-memory and validation error scopes that [`Self::submit`] calls run in.
    /// wgpu's scopes form a stack: they must be popped in reverse order, so one pair covers a
    /// whole batch of submissions and is popped right after it (creation, encoding and
    /// submission report their errors synchronously, into the open scopes), never held by the
    /// [`Pending`] runs, which may finish in any order.
    pub fn error_scopes(&self) -> ErrorScopes {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        ErrorScopes { validation, oom }
    }

    /// Submit a plan (inside [`Self::error_scopes`]): upload the used points, accumulate
    /// buckets, reduce; the returned
    /// [`Pending`] reads back the reduction threads' `(S, A)` pairs (homogeneous, arkworks field
    /// form, *unchecked*: see [`crate::check`]). The GPU works while the caller does other
    /// things (the CPU share of a hybrid MSM). `fault` is a test hook simulating a faulty GPU.
    pub fn submit(
        &self,
        plan: &Plan,
        bases: &[G1Affine],
        fault: Option<crate::Fault>,
    ) -> Result<Pending, Error> {
        let n = plan.point_index.len();
        let mut points = vec![0u32; n * AFFINE_WORDS];
        for (chunk, &i) in points.chunks_mut(AFFINE_WORDS).zip(&plan.point_index) {
            // The plan only keeps finite points.
            if let Some(w) = affine_to_words(&bases[i as usize]) {
                chunk.copy_from_slice(&w);
            }
        }
        let mut seg_words: Vec<u32> = Vec::new();
        let mut offsets = Vec::new();
        for pass in &plan.passes {
            offsets.push(seg_words.len() as u32);
            seg_words.extend_from_slice(&pass.segments);
        }
        if fault == Some(crate::Fault::DropEntries) {
            // Each segment of pass 0 forgets its last entry: sums stay on the curve but are wrong.
            if let Some(pass0) = plan.passes.first() {
                for s in 0..pass0.len() {
                    if seg_words[3 * s + 1] > 1 {
                        seg_words[3 * s + 1] -= 1;
                    }
                }
            }
        }
        let total_buckets = plan.total_buckets();
        let threads = plan.reduce_threads();
        let out_words = 2 * threads as usize * PROJ_WORDS;
        for (what, words) in [
            ("points", points.len()),
            ("entries", plan.entries.len()),
            ("buckets", total_buckets as usize * PROJ_WORDS),
            ("partial sums", plan.partials as usize * PROJ_WORDS),
        ] {
            if words as u64 * 4 > self.info.max_binding {
                return Err(Error::TooLarge(format!(
                    "{what} need {} bytes, the adapter binds at most {}",
                    words * 4,
                    self.info.max_binding
                )));
            }
        }

        let b_points = self.storage("points", &points, 0);
        drop(points);
        let b_entries = self.storage("entries", &plan.entries, 0);
        let b_segs = self.storage("segments", &seg_words, 0);
        let b_partials = self.empty("partials", plan.partials as usize * PROJ_WORDS);
        let b_buckets = self.empty("buckets", total_buckets as usize * PROJ_WORDS);
        let b_out = self.empty("out", out_words);
        let buffers = [
            &b_points,
            &b_entries,
            &b_segs,
            &b_partials,
            &b_buckets,
            &b_out,
        ];

        let mut encoder = self.device.create_command_encoder(&Default::default());
        self.dispatch(&mut encoder, &buffers, entry::CONVERT, n as u32, 0, 0, 0);
        self.dispatch(&mut encoder, &buffers, entry::INIT, total_buckets, 0, 0, 0);
        for (i, pass) in plan.passes.iter().enumerate() {
            let kernel = if i == 0 {
                entry::ACC_ENTRIES
            } else {
                entry::ACC_PARTIALS
            };
            self.dispatch(
                &mut encoder,
                &buffers,
                kernel,
                pass.len() as u32,
                offsets[i],
                0,
                0,
            );
        }
        self.dispatch(
            &mut encoder,
            &buffers,
            entry::REDUCE,
            threads,
            plan.reduce_chunk,
            plan.buckets / plan.reduce_chunk,
            plan.buckets,
        );
        let read = self.start_read_back(encoder, &b_out, out_words);
        Ok(Pending { read, fault })
    }

    /// Copy `words` words of `src` into a mappable buffer, submit, and start mapping it.
    fn start_read_back(
        &self,
        encoder: wgpu::CommandEncoder,
        src: &wgpu::Buffer,
        words: usize,
    ) -> ReadBack {
        let mut encoder = encoder;
        let size = (words * 4) as u64;
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read-back"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        encoder.copy_buffer_to_buffer(src, 0, &staging, 0, size);
        self.queue.submit([encoder.finish()]);
        let (tx, rx) = futures_channel::oneshot::channel();
        staging.slice(..).map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        ReadBack {
            staging,
            rx,
            device: self.device.clone(),
            lost: self.lost.clone(),
        }
    }

    /// Copy `words` words of `src` into a mappable buffer and read them back.
    async fn read_back(
        &self,
        encoder: wgpu::CommandEncoder,
        src: &wgpu::Buffer,
        words: usize,
    ) -> Result<Vec<u32>, Error> {
        self.start_read_back(encoder, src, words).wait().await
    }
}

/// A submitted read-back.
struct ReadBack {
    staging: wgpu::Buffer,
    rx: futures_channel::oneshot::Receiver<Result<(), wgpu::BufferAsyncError>>,
    // Polled natively to drive the mapping; in browsers the event loop does it.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    device: wgpu::Device,
    lost: Arc<Mutex<Option<String>>>,
}

impl ReadBack {
    async fn wait(self) -> Result<Vec<u32>, Error> {
        #[cfg(not(target_arch = "wasm32"))]
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| gpu_err("waiting for the GPU", e))?;
        let mapped = self
            .rx
            .await
            .map_err(|_| Error::Gpu("read-back callback dropped".into()))?;
        if let Some(lost) = self.lost.lock().ok().and_then(|l| l.clone()) {
            return Err(Error::Gpu(lost));
        }
        mapped.map_err(|e| gpu_err("mapping the result", e))?;
        let data = {
            let view = self
                .staging
                .get_mapped_range(..)
                .map_err(|e| gpu_err("mapping the result", e))?;
            bytemuck::cast_slice::<u8, u32>(&view).to_vec()
        };
        self.staging.unmap();
        Ok(data)
    }
}

/// Error scopes around GPU submissions (see [`GpuContext::error_scopes`]).
pub struct ErrorScopes {
    validation: wgpu::ErrorScopeGuard,
    oom: wgpu::ErrorScopeGuard,
}

impl ErrorScopes {
    /// Pop both scopes (in reverse order of their creation): the first out-of-memory or
    /// validation error raised while they were open, if any.
    pub async fn pop(self) -> Result<(), Error> {
        let validation = self.validation.pop().await;
        let oom = self.oom.pop().await;
        if let Some(e) = oom {
            return Err(gpu_err("out of GPU memory", e));
        }
        if let Some(e) = validation {
            return Err(gpu_err("submitting the kernel", e));
        }
        Ok(())
    }
}

/// GPU work in flight (see [`GpuContext::submit`]).
pub struct Pending {
    read: ReadBack,
    fault: Option<crate::Fault>,
}

impl Pending {
    /// Wait for the GPU and return the raw reduction output (a device lost while it ran is an
    /// error; errors of creating and submitting the work are the submitter's [`ErrorScopes`]).
    pub async fn finish(self) -> Result<Vec<u32>, Error> {
        let mut words = self.read.wait().await?;
        if self.fault == Some(crate::Fault::CorruptOutput) {
            for w in words.iter_mut().step_by(7) {
                *w ^= 0x5a5a_5a5a;
            }
        }
        Ok(words)
    }
}

/// Parse the reduction output into `(S, A)` pairs, `None` for an element not below p.
pub fn parse_output(words: &[u32]) -> Vec<Option<(Homogeneous, Homogeneous)>> {
    words
        .chunks_exact(2 * PROJ_WORDS)
        .map(|w| {
            Some((
                Homogeneous::from_words(&w[..PROJ_WORDS])?,
                Homogeneous::from_words(&w[PROJ_WORDS..])?,
            ))
        })
        .collect()
}
