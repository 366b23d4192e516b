//! The WGSL source: `msm.wgsl` plus constants and limb (un)packing generated here from
//! arkworks' modulus, so the kernel has no hand-typed magic numbers.
//!
//! Two variants of the same kernel:
//!
//! - [`Variant::Unrolled`], for real GPUs: field loops with constant bounds and straight-line
//!   point formulas, which GPU compilers unroll into register-only code.
//! - [`Variant::Compact`], for software adapters (lavapipe, SwiftShader): the field loops' bound
//!   and the point formulas (as [`crate::formulas`] programs) come from the uniform buffer, so
//!   each kernel holds one field multiplication that its compiler cannot unroll. Measured on
//!   lavapipe: the unrolled kernels take about 7.5 s of compilation per inlined field
//!   multiplication (several minutes in all); the compact ones take seconds.

use std::fmt::Write;

use ark_bn254::Fq;
use ark_ff::PrimeField;

use crate::formulas::{self, reg};
use crate::repr::{bigint_to_limbs, n0, pow2_mod_p, FE_WORDS, LIMBS, LIMB_BITS};

/// Program slots in the uniform buffer (`array<vec4<u32>, 18>`).
pub const PROGRAM_SLOTS: usize = 72;

/// Which form of the kernel to compile (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Constant loops, straight-line formulas: for real GPUs.
    Unrolled,
    /// Runtime loop bounds, interpreted formulas: for software adapters.
    Compact,
}

/// The uniform words after the eight parameters: limb count, program lengths, programs.
pub fn uniform_tail() -> Vec<u32> {
    let add = formulas::add_program();
    let mixed = formulas::add_mixed_program();
    let mut w = vec![LIMBS as u32, add.len() as u32, mixed.len() as u32];
    let mut prog: Vec<u32> = add
        .iter()
        .chain(mixed.iter())
        .map(|op| op.encode())
        .collect();
    prog.resize(PROGRAM_SLOTS, 0);
    w.extend(prog);
    w
}

const TEMPLATE: &str = include_str!("msm.wgsl");
const MARKER: &str = "//__GENERATED__";

/// Entry points of the kernel.
pub mod entry {
    /// Arkworks form -> kernel form, in place.
    pub const CONVERT: &str = "convert_bases";
    /// Buckets := identity.
    pub const INIT: &str = "init_buckets";
    /// Pass 0: sum signed affine entries per segment.
    pub const ACC_ENTRIES: &str = "accumulate_entries";
    /// Later passes: sum partial sums per segment.
    pub const ACC_PARTIALS: &str = "accumulate_partials";
    /// Running-sum bucket reduction per chunk.
    pub const REDUCE: &str = "reduce_buckets";
    /// Field-arithmetic known-answer test.
    pub const SELFTEST: &str = "selftest";
    /// All of them.
    pub const ALL: [&str; 6] = [CONVERT, INIT, ACC_ENTRIES, ACC_PARTIALS, REDUCE, SELFTEST];
}

fn fe_const(name: &str, limbs: &[u32; LIMBS]) -> String {
    let body: Vec<String> = limbs.iter().map(|l| format!("{l}u")).collect();
    // `var<private>` rather than `const`: the unrolled variant's loops index P with a loop index.
    format!("var<private> {name}: Fe = Fe({});\n", body.join(", "))
}

/// Straight-line field code shared by both variants (constant indices only).
fn field_code(gen: &mut String, p: &[u32; LIMBS]) {
    // fe_reduce: a - p if a >= p (a < 2p).
    gen.push_str(
        "fn fe_reduce(a: Fe) -> Fe {\n    var s: Fe;\n    var d: u32;\n    var borrow = 0u;\n",
    );
    for (i, pi) in p.iter().enumerate() {
        let _ = writeln!(gen, "    d = a[{i}] + 0x2000u - {pi}u - borrow;\n    s[{i}] = d & MASK;\n    borrow = 1u - (d >> 13u);");
    }
    gen.push_str("    let keep = borrow == 1u;\n    var r: Fe;\n");
    for i in 0..LIMBS {
        let _ = writeln!(gen, "    r[{i}] = select(s[{i}], a[{i}], keep);");
    }
    gen.push_str("    return r;\n}\n");
    // fe_add.
    gen.push_str(
        "fn fe_add(a: Fe, b: Fe) -> Fe {\n    var r: Fe;\n    var s: u32;\n    var carry = 0u;\n",
    );
    for i in 0..LIMBS {
        let _ = writeln!(
            gen,
            "    s = a[{i}] + b[{i}] + carry;\n    r[{i}] = s & MASK;\n    carry = s >> 13u;"
        );
    }
    gen.push_str("    return fe_reduce(r);\n}\n");
    // fe_sub: a - b, plus p when it borrowed.
    gen.push_str(
        "fn fe_sub(a: Fe, b: Fe) -> Fe {\n    var r: Fe;\n    var d: u32;\n    var borrow = 0u;\n",
    );
    for i in 0..LIMBS {
        let _ = writeln!(gen, "    d = a[{i}] + 0x2000u - b[{i}] - borrow;\n    r[{i}] = d & MASK;\n    borrow = 1u - (d >> 13u);");
    }
    gen.push_str("    let m = 0u - borrow;\n    var carry = 0u;\n");
    for (i, pi) in p.iter().enumerate() {
        let _ = writeln!(
            gen,
            "    d = r[{i}] + ({pi}u & m) + carry;\n    r[{i}] = d & MASK;\n    carry = d >> 13u;"
        );
    }
    gen.push_str("    return r;\n}\n");
}

/// The compact variant's Montgomery product: the outer loop's bound comes from the uniform
/// buffer (so it stays a loop), its body is straight-line code on scalar accumulators that
/// shift down one limb per iteration (so no local array is indexed dynamically).
fn fe_mul_rolled(gen: &mut String, p: &[u32; LIMBS]) {
    gen.push_str("fn fe_mul(a: Fe, b: Fe) -> Fe {\n    var aa = a;\n");
    for j in 0..LIMBS {
        let _ = writeln!(gen, "    var t{j} = 0u;");
    }
    gen.push_str("    for (var i = 0u; i < params.limbs; i++) {\n        let ai = aa[0];\n");
    for j in 0..LIMBS - 1 {
        let _ = writeln!(gen, "        aa[{j}] = aa[{}];", j + 1);
    }
    let _ = writeln!(gen, "        aa[{}] = 0u;", LIMBS - 1);
    for j in 0..LIMBS {
        let _ = writeln!(gen, "        t{j} += ai * b[{j}];");
    }
    gen.push_str("        let m = (t0 * N0) & MASK;\n");
    for (j, pj) in p.iter().enumerate() {
        let _ = writeln!(gen, "        t{j} += m * {pj}u;");
    }
    gen.push_str("        let c = t0 >> 13u;\n        t0 = t1 + c;\n");
    for j in 1..LIMBS - 1 {
        let _ = writeln!(gen, "        t{j} = t{};", j + 1);
    }
    let _ = writeln!(gen, "        t{} = 0u;\n    }}", LIMBS - 1);
    gen.push_str("    var r: Fe;\n    var s: u32;\n    var carry = 0u;\n");
    for i in 0..LIMBS {
        let _ = writeln!(
            gen,
            "    s = t{i} + carry;\n    r[{i}] = s & MASK;\n    carry = s >> 13u;"
        );
    }
    gen.push_str("    return fe_reduce(r);\n}\n");
}

/// The complete WGSL source of the kernel.
pub fn source(variant: Variant) -> String {
    let mut gen = String::new();
    let p = bigint_to_limbs(&Fq::MODULUS);
    gen.push_str("// Generated by src/shader.rs.\n");
    gen += &fe_const("P", &p);
    // K_IN = 2^264 mod p: mont(x 2^256, K_IN) = x 2^260.
    gen += &fe_const("K_IN", &bigint_to_limbs(&pow2_mod_p(264)));
    // K_OUT = 2^256 mod p: mont(x 2^260, K_OUT) = x 2^256.
    gen += &fe_const("K_OUT", &bigint_to_limbs(&pow2_mod_p(256)));
    // R1 = 2^260 mod p: one in kernel form.
    gen += &fe_const("R1", &bigint_to_limbs(&pow2_mod_p(260)));
    let _ = writeln!(gen, "const N0: u32 = {}u;", n0());
    for (name, r) in [
        ("X1", reg::X1),
        ("Y1", reg::Y1),
        ("Z1", reg::Z1),
        ("X2", reg::X2),
        ("Y2", reg::Y2),
        ("Z2", reg::Z2),
        ("X3", reg::X3),
        ("Y3", reg::Y3),
        ("Z3", reg::Z3),
    ] {
        let _ = writeln!(gen, "const R_{name}: u32 = {r}u;");
    }
    // Register file of the formula interpreter.
    for r in 0..reg::COUNT {
        let _ = writeln!(gen, "var<private> RG{r}: Fe;");
    }
    gen.push_str("fn reg_get(i: u32) -> Fe {\n    switch i {\n");
    for r in 0..reg::COUNT - 1 {
        let _ = writeln!(
            gen,
            "        case {r}u: {{\n            return RG{r};\n        }}"
        );
    }
    let _ = writeln!(
        gen,
        "        default: {{\n            return RG{};\n        }}\n    }}\n}}",
        reg::COUNT - 1
    );
    gen.push_str("fn reg_set(i: u32, v: Fe) {\n    switch i {\n");
    for r in 0..reg::COUNT - 1 {
        let _ = writeln!(
            gen,
            "        case {r}u: {{\n            RG{r} = v;\n        }}"
        );
    }
    let _ = writeln!(
        gen,
        "        default: {{\n            RG{} = v;\n        }}\n    }}\n}}",
        reg::COUNT - 1
    );

    field_code(&mut gen, &p);
    let impl_ = match variant {
        Variant::Unrolled => {
            gen.push_str("fn fe_mul(a: Fe, b: Fe) -> Fe {\n    return fe_mul_wide(a, b);\n}\n");
            "straight"
        }
        Variant::Compact => {
            fe_mul_rolled(&mut gen, &p);
            "prog"
        }
    };
    let _ = writeln!(
        gen,
        "fn pt_add(p: Pt, q: Pt) -> Pt {{\n    return pt_add_{impl_}(p, q);\n}}"
    );
    let _ = writeln!(
        gen,
        "fn pt_add_mixed(p: Pt, x2: Fe, y2: Fe) -> Pt {{\n    return pt_add_mixed_{impl_}(p, x2, y2);\n}}"
    );

    // Storage access: 8 words at a word offset, per buffer.
    for buf in ["bases", "partials", "buckets", "outp"] {
        let _ = writeln!(gen, "fn ld8_{buf}(o: u32) -> Words {{\n    var w: Words;");
        for i in 0..FE_WORDS {
            let _ = writeln!(gen, "    w[{i}] = {buf}[o + {i}u];");
        }
        gen.push_str("    return w;\n}\n");
        let _ = writeln!(gen, "fn st8_{buf}(o: u32, w: Words) {{");
        for i in 0..FE_WORDS {
            let _ = writeln!(gen, "    {buf}[o + {i}u] = w[{i}];");
        }
        gen.push_str("}\n");
    }

    // unpack: 8 words -> 20 limbs (straight-line, constant shifts).
    gen.push_str("fn unpack(w: Words) -> Fe {\n    var r: Fe;\n");
    for i in 0..LIMBS as u32 {
        let bit = i * LIMB_BITS;
        let (word, sh) = (bit / 32, bit % 32);
        if sh + LIMB_BITS <= 32 || word + 1 >= FE_WORDS as u32 {
            let _ = writeln!(gen, "    r[{i}] = (w[{word}] >> {sh}u) & MASK;");
        } else {
            let _ = writeln!(
                gen,
                "    r[{i}] = ((w[{word}] >> {sh}u) | (w[{}] << {}u)) & MASK;",
                word + 1,
                32 - sh
            );
        }
    }
    gen.push_str("    return r;\n}\n");

    // pack: 20 limbs -> 8 words.
    gen.push_str("fn pack(a: Fe) -> Words {\n    var w: Words;\n");
    for j in 0..FE_WORDS as u32 {
        let mut terms = Vec::new();
        for i in 0..LIMBS as u32 {
            let (lo, hi) = (i * LIMB_BITS, i * LIMB_BITS + LIMB_BITS);
            if hi <= 32 * j || lo >= 32 * (j + 1) {
                continue;
            }
            if lo >= 32 * j {
                terms.push(format!("(a[{i}] << {}u)", lo - 32 * j));
            } else {
                terms.push(format!("(a[{i}] >> {}u)", 32 * j - lo));
            }
        }
        let _ = writeln!(gen, "    w[{j}] = {};", terms.join(" | "));
    }
    gen.push_str("    return w;\n}\n");

    TEMPLATE.replacen(MARKER, &gen, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_is_valid_wgsl_with_every_entry_point() {
        for variant in [Variant::Unrolled, Variant::Compact] {
            check(&source(variant));
        }
    }

    fn check(src: &str) {
        let src = src.to_string();
        assert!(!src.contains(MARKER));
        for e in entry::ALL {
            assert!(src.contains(&format!("fn {e}(")), "{e}");
        }
        // Parse and validate with naga (the WGSL front end wgpu uses natively), no GPU needed.
        let module = naga::front::wgsl::parse_str(&src)
            .unwrap_or_else(|e| panic!("{}", e.emit_to_string(&src)));
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::empty(),
        )
        .validate(&module)
        .unwrap_or_else(|e| panic!("{e:?}"));
        for e in entry::ALL {
            assert!(module.entry_points.iter().any(|ep| ep.name == e), "{e}");
        }
    }
}
