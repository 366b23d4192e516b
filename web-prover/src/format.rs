//! Parsers for the snarkjs binary files: `.zkey` (Groth16 proving key) and `.wtns` (witness).
//!
//! Both use iden3's container: magic (4 bytes: `zkey` / `wtns`), version (u32), number of
//! sections (u32), then sections, each `type (u32) | size (u64) | payload`, all little-endian.
//! Sections may appear in any order; those the prover needs must appear exactly once.
//!
//! `.zkey` (Groth16, protocol id 1) sections, as written by snarkjs:
//!
//! | # | name          | content                                                                 |
//! |---|---------------|-------------------------------------------------------------------------|
//! | 1 | Header        | protocol id (u32, 1 = Groth16)                                          |
//! | 2 | Groth16Header | n8q, q, n8r, r, nVars, nPublic, domainSize (u32s and LE integers), then |
//! |   |               | alpha1, beta1 (G1), beta2, gamma2 (G2), delta1 (G1), delta2 (G2)         |
//! | 3 | IC            | nPublic + 1 G1 points                                                   |
//! | 4 | Coeffs        | nCoeffs (u32), then (matrix u32, constraint u32, signal u32, value Fr)  |
//! | 5 | PointsA       | nVars G1 points                                                         |
//! | 6 | PointsB1      | nVars G1 points                                                         |
//! | 7 | PointsB2      | nVars G2 points                                                         |
//! | 8 | PointsC       | nVars - nPublic - 1 G1 points (private signals)                         |
//! | 9 | PointsH       | domainSize G1 points                                                    |
//! | 10| Contributions | ceremony transcript (not needed to prove)                               |
//!
//! Field elements of points are little-endian in Montgomery form (`x 2^256 mod p`, exactly
//! arkworks' internal form for BN254, so no conversion is needed); G1 is `x | y` (64 bytes), G2
//! is `x.c0 | x.c1 | y.c0 | y.c1` (128 bytes); the point at infinity is all zeros. A coefficient
//! value is stored as `c R^2 mod r` (R = 2^256): snarkjs multiplies it by the plain witness with
//! a Montgomery product to land in Montgomery form.
//!
//! `.wtns` sections: 1 = n8 (u32), prime (n8 bytes), nWitness (u32); 2 = nWitness values, each
//! n8 bytes little-endian, plain (not Montgomery) integers below r.

use std::collections::BTreeMap;

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};

use crate::source::Source;
use crate::{Error, Result};

/// Bytes of an Fr or Fq element.
pub const N8: usize = 32;
/// Bytes of a G1 point.
pub const G1_BYTES: usize = 2 * N8;
/// Bytes of a G2 point.
pub const G2_BYTES: usize = 4 * N8;
/// Bytes of one coefficient record.
pub const COEFF_BYTES: usize = 12 + N8;

/// Name of a zkey section (for error messages).
pub fn zkey_section_name(section: u32) -> &'static str {
    match section {
        1 => "Header",
        2 => "Groth16Header",
        3 => "IC",
        4 => "Coeffs",
        5 => "PointsA",
        6 => "PointsB1",
        7 => "PointsB2",
        8 => "PointsC",
        9 => "PointsH",
        10 => "Contributions",
        _ => "unknown",
    }
}

/// Where one section's payload is.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    /// Offset of the payload in the file.
    pub offset: u64,
    /// Payload size in bytes.
    pub size: u64,
}

/// The section table of a container file.
#[derive(Clone, Debug)]
pub struct BinFile {
    /// "zkey" or "wtns".
    pub file: &'static str,
    /// Container version.
    pub version: u32,
    sections: BTreeMap<u32, Vec<Section>>,
}

impl BinFile {
    /// Read the header and the section table (a few small reads).
    pub async fn read<S: Source>(src: &S, file: &'static str, max_version: u32) -> Result<Self> {
        let fmt = |problem: String| Error::Format { file, problem };
        let len = src.len();
        if len < 12 {
            return Err(fmt(format!("{len} bytes: too short for a {file} file")));
        }
        let head = src.read(0, 12).await?;
        if &head[..4] != file.as_bytes() {
            return Err(fmt(format!(
                "wrong magic {:?}, expected {file:?} (is this a {file} file?)",
                String::from_utf8_lossy(&head[..4])
            )));
        }
        let version = u32_at(&head, 4);
        if version == 0 || version > max_version {
            return Err(fmt(format!(
                "version {version} is not supported (1..={max_version})"
            )));
        }
        let n = u32_at(&head, 8);
        if n > 4096 {
            return Err(fmt(format!("{n} sections: implausible")));
        }
        let mut sections: BTreeMap<u32, Vec<Section>> = BTreeMap::new();
        let mut pos = 12u64;
        for i in 0..n {
            if pos + 12 > len {
                return Err(fmt(format!(
                    "section header {i} at byte {pos} is truncated"
                )));
            }
            let h = src.read(pos, 12).await?;
            let kind = u32_at(&h, 0);
            let size = u64::from_le_bytes(h[4..12].try_into().unwrap_or([0; 8]));
            let offset = pos + 12;
            if size > len - offset {
                return Err(fmt(format!(
                    "section {kind} claims {size} bytes at byte {offset}, but the file has {len}"
                )));
            }
            sections
                .entry(kind)
                .or_default()
                .push(Section { offset, size });
            pos = offset + size;
        }
        Ok(Self {
            file,
            version,
            sections,
        })
    }

    /// The unique section `kind` (an error names it when missing or duplicated).
    pub fn section(&self, kind: u32) -> Result<Section> {
        let err = |p: &str| Error::Section {
            file: self.file,
            section: kind,
            name: if self.file == "zkey" {
                zkey_section_name(kind)
            } else if kind == 1 {
                "Header"
            } else {
                "Witness"
            },
            problem: p.to_string(),
        };
        match self.sections.get(&kind).map(|v| v.as_slice()) {
            Some([s]) => Ok(*s),
            Some([]) | None => Err(err("missing")),
            Some(_) => Err(err("appears more than once")),
        }
    }
}

/// Little-endian u32 at `at` (callers guarantee the bounds).
pub fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A little-endian 256-bit integer.
pub fn bigint_le(b: &[u8]) -> BigInt<4> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[8 * i..8 * i + 8]);
        *limb = u64::from_le_bytes(w);
    }
    BigInt(limbs)
}

/// An Fq stored in Montgomery form (arkworks' internal form): `None` if not below p.
pub fn fq_mont(b: &[u8]) -> Option<Fq> {
    let x = bigint_le(b);
    (x < Fq::MODULUS).then(|| Fq::new_unchecked(x))
}

/// A G1 point in snarkjs's Montgomery encoding; all zeros is infinity. Checks canonical
/// coordinates and the curve equation (G1 has cofactor 1).
pub fn g1_mont(b: &[u8]) -> Result<G1Affine, String> {
    if b.iter().all(|&x| x == 0) {
        return Ok(G1Affine::zero());
    }
    let x = fq_mont(&b[..N8]).ok_or("x is not below p")?;
    let y = fq_mont(&b[N8..2 * N8]).ok_or("y is not below p")?;
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err("not on the curve".into());
    }
    Ok(p)
}

/// A G2 point in snarkjs's Montgomery encoding; all zeros is infinity. Checks canonical
/// coordinates and the curve equation (not the subgroup: a proving key's G2 points only affect
/// the proof, which is verified before it is returned).
pub fn g2_mont(b: &[u8]) -> Result<G2Affine, String> {
    if b.iter().all(|&x| x == 0) {
        return Ok(G2Affine::zero());
    }
    let c = |i: usize| fq_mont(&b[i * N8..(i + 1) * N8]).ok_or("a coordinate is not below p");
    let x = Fq2::new(c(0)?, c(1)?);
    let y = Fq2::new(c(2)?, c(3)?);
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err("not on the curve".into());
    }
    Ok(p)
}

/// The Groth16 header of a zkey (section 2) plus what the prover derives from it.
#[derive(Clone, Debug)]
pub struct ZkeyHeader {
    /// Number of signals (wires) including the constant 1.
    pub n_vars: usize,
    /// Number of public signals (outputs + public inputs), without the constant.
    pub n_public: usize,
    /// Evaluation domain size (a power of two).
    pub domain_size: usize,
    /// log2 of the domain size.
    pub power: u32,
    /// alpha in G1.
    pub alpha1: G1Affine,
    /// beta in G1.
    pub beta1: G1Affine,
    /// beta in G2.
    pub beta2: G2Affine,
    /// gamma in G2.
    pub gamma2: G2Affine,
    /// delta in G1.
    pub delta1: G1Affine,
    /// delta in G2.
    pub delta2: G2Affine,
}

/// Read and validate sections 1 and 2 of a zkey.
pub async fn read_zkey_header<S: Source>(src: &S, bin: &BinFile) -> Result<ZkeyHeader> {
    let s1 = bin.section(1)?;
    if s1.size < 4 {
        return Err(Error::zkey(1, "too short"));
    }
    let protocol = u32_at(&src.read(s1.offset, 4).await?, 0);
    if protocol != 1 {
        let name = match protocol {
            2 => "PLONK",
            10 => "FFLONK",
            _ => "unknown",
        };
        return Err(Error::Unsupported(format!(
            "zkey protocol {protocol} ({name}): only Groth16 (1) is supported"
        )));
    }
    let s2 = bin.section(2)?;
    let expect = 4 + N8 + 4 + N8 + 12 + 3 * G1_BYTES + 3 * G2_BYTES;
    if s2.size != expect as u64 {
        return Err(Error::zkey(
            2,
            format!("{} bytes, expected {expect} for BN254", s2.size),
        ));
    }
    let b = src.read(s2.offset, expect).await?;
    let e = |p: String| Error::zkey(2, p);
    if u32_at(&b, 0) as usize != N8 || bigint_le(&b[4..36]) != Fq::MODULUS {
        return Err(Error::Unsupported(
            "zkey base field is not BN254's (only bn128/BN254 keys are supported)".into(),
        ));
    }
    if u32_at(&b, 36) as usize != N8 || bigint_le(&b[40..72]) != Fr::MODULUS {
        return Err(e("scalar field is not BN254's".into()));
    }
    let n_vars = u32_at(&b, 72) as usize;
    let n_public = u32_at(&b, 76) as usize;
    let domain_size = u32_at(&b, 80) as usize;
    if n_vars == 0 || n_public + 1 > n_vars {
        return Err(e(format!(
            "nVars = {n_vars}, nPublic = {n_public}: inconsistent"
        )));
    }
    if !domain_size.is_power_of_two() {
        return Err(e(format!(
            "domain size {domain_size} is not a power of two"
        )));
    }
    let power = domain_size.trailing_zeros();
    if power >= 28 {
        return Err(Error::Unsupported(format!(
            "domain 2^{power}: keys of 2^28 constraints use another coset than this prover"
        )));
    }
    let mut off = 84;
    let mut g1 = |name: &str| -> Result<G1Affine> {
        let p = g1_mont(&b[off..off + G1_BYTES]).map_err(|m| e(format!("{name}: {m}")));
        off += G1_BYTES;
        p
    };
    let alpha1 = g1("alpha1")?;
    let beta1 = g1("beta1")?;
    let mut off2 = off;
    let mut g2 = |name: &str| -> Result<G2Affine> {
        let p = g2_mont(&b[off2..off2 + G2_BYTES]).map_err(|m| e(format!("{name}: {m}")));
        off2 += G2_BYTES;
        p
    };
    let beta2 = g2("beta2")?;
    let gamma2 = g2("gamma2")?;
    let delta1 = g1_mont(&b[off2..off2 + G1_BYTES]).map_err(|m| e(format!("delta1: {m}")))?;
    off2 += G1_BYTES;
    let delta2 = g2_mont(&b[off2..off2 + G2_BYTES]).map_err(|m| e(format!("delta2: {m}")))?;
    Ok(ZkeyHeader {
        n_vars,
        n_public,
        domain_size,
        power,
        alpha1,
        beta1,
        beta2,
        gamma2,
        delta1,
        delta2,
    })
}

/// Check that a points section holds exactly `count` points of `size` bytes.
pub fn check_points_section(
    bin: &BinFile,
    kind: u32,
    count: usize,
    size: usize,
) -> Result<Section> {
    let s = bin.section(kind)?;
    let expect = count as u64 * size as u64;
    if s.size != expect {
        return Err(Error::zkey(
            kind,
            format!(
                "{} bytes, expected {count} points of {size} bytes = {expect}",
                s.size
            ),
        ));
    }
    Ok(s)
}

/// Parse G1 points (`first` is the index of the first one, for messages).
pub fn parse_g1s(bytes: &[u8], kind: u32, first: usize) -> Result<Vec<G1Affine>> {
    let one = |(i, b): (usize, &[u8])| {
        g1_mont(b).map_err(|m| Error::zkey(kind, format!("point {}: {m}", first + i)))
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        bytes.par_chunks(G1_BYTES).enumerate().map(one).collect()
    }
    #[cfg(not(feature = "parallel"))]
    bytes.chunks(G1_BYTES).enumerate().map(one).collect()
}

/// Parse G2 points (`first` is the index of the first one, for messages).
pub fn parse_g2s(bytes: &[u8], kind: u32, first: usize) -> Result<Vec<G2Affine>> {
    let one = |(i, b): (usize, &[u8])| {
        g2_mont(b).map_err(|m| Error::zkey(kind, format!("point {}: {m}", first + i)))
    };
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        bytes.par_chunks(G2_BYTES).enumerate().map(one).collect()
    }
    #[cfg(not(feature = "parallel"))]
    bytes.chunks(G2_BYTES).enumerate().map(one).collect()
}

/// A parsed witness: the plain integers (MSM scalars), all below r.
#[derive(Clone, Debug)]
pub struct Witness {
    /// `witness[0]` is the constant 1; then public signals; then private ones.
    pub values: Vec<BigInt<4>>,
}

/// Parse a `.wtns` file (read whole: it is `32 nVars` bytes, small next to the key).
pub async fn read_wtns<S: Source>(src: &S) -> Result<Witness> {
    let bin = BinFile::read(src, "wtns", 2).await?;
    let s1 = bin.section(1)?;
    if s1.size < 4 {
        return Err(Error::wtns(1, "too short"));
    }
    let h = src
        .read(s1.offset, s1.size.min(4 + 64 + 4) as usize)
        .await?;
    let n8 = u32_at(&h, 0) as usize;
    if n8 != N8 || s1.size != (4 + n8 + 4) as u64 {
        return Err(Error::wtns(
            1,
            format!("field size {n8} bytes: only BN254 (32) is supported"),
        ));
    }
    if bigint_le(&h[4..4 + N8]) != Fr::MODULUS {
        return Err(Error::Mismatch(
            "the witness prime is not BN254's scalar field (was the circuit compiled for bn128?)"
                .into(),
        ));
    }
    let n = u32_at(&h, 4 + N8) as usize;
    let s2 = bin.section(2)?;
    if s2.size != (n * N8) as u64 {
        return Err(Error::wtns(
            2,
            format!("{} bytes, expected {n} values of 32 bytes", s2.size),
        ));
    }
    let b = src.read(s2.offset, n * N8).await?;
    let values: Vec<BigInt<4>> = b.chunks(N8).map(bigint_le).collect();
    if let Some(i) = values.iter().position(|v| *v >= Fr::MODULUS) {
        return Err(Error::wtns(
            2,
            format!("value {i} is not below the scalar field modulus"),
        ));
    }
    if values
        .first()
        .map(|v| *v != BigInt::from(1u64))
        .unwrap_or(true)
    {
        return Err(Error::wtns(
            2,
            "the first value (the constant signal) must be 1",
        ));
    }
    Ok(Witness { values })
}

/// A coefficient from the zkey's Coeffs section.
#[derive(Clone, Copy, Debug)]
pub struct Coeff {
    /// 0 = A, 1 = B.
    pub matrix: u32,
    /// Constraint (row) index.
    pub constraint: u32,
    /// Signal (column) index.
    pub signal: u32,
    /// The value as stored (`c R^2 mod r`, a plain integer below r).
    pub value: BigInt<4>,
}

/// Parse one coefficient record, validating it against the key's shape.
pub fn parse_coeff(b: &[u8], index: usize, n_vars: usize, domain: usize) -> Result<Coeff> {
    let c = Coeff {
        matrix: u32_at(b, 0),
        constraint: u32_at(b, 4),
        signal: u32_at(b, 8),
        value: bigint_le(&b[12..12 + N8]),
    };
    let bad = |p: String| Error::zkey(4, format!("coefficient {index}: {p}"));
    if c.matrix > 1 {
        return Err(bad(format!("matrix {} (must be 0 = A or 1 = B)", c.matrix)));
    }
    if c.constraint as usize >= domain {
        return Err(bad(format!(
            "constraint {} outside the domain of {domain}",
            c.constraint
        )));
    }
    if c.signal as usize >= n_vars {
        return Err(bad(format!("signal {} but the key has {n_vars}", c.signal)));
    }
    if c.value >= Fr::MODULUS {
        return Err(bad("value is not below the scalar field modulus".into()));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infinity_and_garbage_points() {
        assert!(g1_mont(&[0u8; 64]).unwrap().is_zero());
        assert!(g2_mont(&[0u8; 128]).unwrap().is_zero());
        let mut b = [0u8; 64];
        b[0] = 1;
        assert!(g1_mont(&b).is_err());
        assert!(g1_mont(&[0xffu8; 64]).is_err());
        assert!(g2_mont(&[0x11u8; 128]).is_err());
    }
}
