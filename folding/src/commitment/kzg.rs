//! # The primary commitment key: BN254 G1 bases
//!
//! A primary witness `W = (w_0, ..., w_{n-1})` is committed as `C = sum_i w_i G_i`. Two kinds
//! of bases: the first `n` G1 powers of a powers-of-tau ceremony (`[tau^i]_1`, KZG-compatible;
//! used by the benchmarks and the folding-only runs), or the decider's Groth16 input bases
//! ([`KzgKey::from_points`]), so that the folded commitment is directly the decider proof's
//! committed input block and no opening is needed (see `docs/design/decider.md`, which also
//! explains why an opening at an in-circuit challenge would not be sound).
//!
//! Keys are read from `.ptau` files (snarkjs / Perpetual Powers of Tau format, full or pruned,
//! through nova-snark's reader, which checks every point on its curve and G2 in its subgroup).
//! For tests and demos, [`write_insecure_ptau`] writes a file from a tau drawn from a seeded RNG:
//! whoever knows the seed can forge openings, so its file name says `insecure`.
//!
//! No blinding: the committed witnesses are the verifier circuit's computation on public batch
//! proofs and public statements; nothing in them is secret (see `docs/design/folding.md`).

use crate::{Error, Fr, G1Affine, Result};
use ff::{Field, PrimeField};
use halo2curves::bn256::{G2Affine, G1, G2};
use halo2curves::group::{prime::PrimeCurveAffine, Curve, Group};
use nova_snark::provider::ptau::{read_ptau, write_ptau};
use rand::SeedableRng;
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

/// A KZG-compatible commitment key: `[tau^i]_1` for `i < n`, and `[1]_2, [tau]_2`.
#[derive(Clone, Debug)]
pub struct KzgKey {
    powers: Vec<G1Affine>,
    g2: [G2Affine; 2],
}

impl KzgKey {
    /// Reads the first `n` G1 powers and two G2 powers from a `.ptau` file.
    pub fn from_ptau(path: &Path, n: usize) -> Result<Self> {
        let file = File::open(path)
            .map_err(|e| Error::Io(format!("cannot open {}: {e}", path.display())))?;
        let mut reader = BufReader::new(file);
        let (powers, g2) = read_ptau::<G1Affine, G2Affine>(&mut reader, n, 2)
            .map_err(|e| Error::Key(format!("{}: {e:?}", path.display())))?;
        if powers.len() < n || g2.len() < 2 {
            return Err(Error::Key(format!(
                "{}: holds fewer than {n} G1 powers",
                path.display()
            )));
        }
        if powers[0] != G1Affine::generator() || g2[0] != G2Affine::generator() {
            return Err(Error::Key(format!(
                "{}: the first powers are not the generators",
                path.display()
            )));
        }
        Ok(Self {
            powers,
            g2: [g2[0], g2[1]],
        })
    }

    /// Loads the key of at least `n` powers from `dir`: the smallest `.ptau` file there whose
    /// name ends in `_{power}.ptau` with `2^power >= n` (ceremony files such as
    /// `ppot_0080_20.ptau` or `ppot_pruned_20.ptau`, or the insecure local ones).
    pub fn from_ptau_dir(dir: &Path, n: usize) -> Result<Self> {
        let need = n.next_power_of_two().trailing_zeros();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| Error::Io(format!("cannot list {}: {e}", dir.display())))?;
        let mut best: Option<(u32, PathBuf)> = None;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(power) = ptau_power(&path) else {
                continue;
            };
            if power >= need && best.as_ref().is_none_or(|(p, _)| power < *p) {
                best = Some((power, path));
            }
        }
        let (_, path) = best.ok_or_else(|| {
            Error::Key(format!(
                "no .ptau file of power >= {need} in {} (for tests and demos, write one with \
                 write_insecure_ptau)",
                dir.display()
            ))
        })?;
        Self::from_ptau(&path, n)
    }

    /// A key made of arbitrary bases (no powers-of-tau structure): the decider's Groth16 input
    /// bases, so that a folded commitment is directly the decider's committed input block (see
    /// `docs/design/decider.md`). `g2` is kept for the layout; such a key has no KZG opening.
    pub fn from_points(points: Vec<G1Affine>) -> Result<Self> {
        if points.is_empty() {
            return Err(Error::Key(
                "a commitment key needs at least one point".into(),
            ));
        }
        if points.iter().any(|p| bool::from(p.is_identity())) {
            return Err(Error::Key("a commitment key point is the identity".into()));
        }
        Ok(Self {
            powers: points,
            g2: [G2Affine::generator(), G2Affine::generator()],
        })
    }

    /// Keccak-256 of every point's coordinates, reduced into `Fr`: what the parameters' digest
    /// binds of the key (all of it, not a sample).
    pub fn fingerprint(&self) -> Fr {
        use sha3::{Digest, Keccak256};
        let mut h = Keccak256::new();
        for p in &self.powers {
            let (x, y) = crate::augmented::io::g1_coords(p);
            h.update(x.to_repr().as_ref());
            h.update(y.to_repr().as_ref());
        }
        let d = h.finalize();
        // 248 bits: below r, so the reduction is the identity.
        let mut repr = [0u8; 32];
        repr[..31].copy_from_slice(&d[..31]);
        Fr::from_repr(repr.into()).unwrap_or(Fr::ZERO)
    }

    /// Number of G1 powers (the longest vector it commits to).
    pub fn len(&self) -> usize {
        self.powers.len()
    }

    /// Whether the key is empty.
    pub fn is_empty(&self) -> bool {
        self.powers.is_empty()
    }

    /// `[1]_2` and `[tau]_2`, for the decider's pairing check.
    pub fn g2(&self) -> &[G2Affine; 2] {
        &self.g2
    }

    /// The G1 powers.
    pub fn powers(&self) -> &[G1Affine] {
        &self.powers
    }

    /// `sum_i v_i [tau^i]_1` (identity for an all-zero vector).
    pub fn commit(&self, v: &[Fr]) -> Result<G1Affine> {
        if v.len() > self.powers.len() {
            return Err(Error::Key(format!(
                "vector of length {} exceeds the key ({} powers)",
                v.len(),
                self.powers.len()
            )));
        }
        Ok(nova_snark::provider::msm::msm(v, &self.powers[..v.len()]).to_affine())
    }
}

/// The power in a ptau file name `..._{power}.ptau`.
fn ptau_power(path: &Path) -> Option<u32> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".ptau")?;
    stem.rsplit('_').next()?.parse().ok()
}

/// The file name [`write_insecure_ptau`] uses for a given power.
pub fn insecure_ptau_name(power: u32) -> String {
    format!("zkagg_insecure_local_{power}.ptau")
}

/// Writes an INSECURE powers-of-tau file with `2^power` G1 powers and two G2 powers of a tau
/// drawn from a ChaCha RNG seeded with `seed`, into `dir` (named by [`insecure_ptau_name`]), and
/// returns its path. Anyone who knows the seed knows tau and can forge openings: for tests and
/// demos only; production keys come from a ceremony file.
pub fn write_insecure_ptau(dir: &Path, power: u32, seed: u64) -> Result<PathBuf> {
    if power > 26 {
        return Err(Error::Key(format!("power {power} is too large")));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let tau = Fr::random(&mut rng);
    let n = 1usize << power;
    let mut scalars = vec![Fr::ONE; n];
    for i in 1..n {
        scalars[i] = scalars[i - 1] * tau;
    }
    let powers = fixed_base_g1(&scalars);
    let g2 = vec![G2Affine::generator(), (G2::generator() * tau).to_affine()];
    let path = dir.join(insecure_ptau_name(power));
    let tmp = dir.join(format!("{}.tmp", insecure_ptau_name(power)));
    {
        let file = File::create(&tmp)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", tmp.display())))?;
        let mut writer = BufWriter::new(file);
        write_ptau(&mut writer, powers, g2, power)
            .map_err(|e| Error::Io(format!("cannot write {}: {e:?}", tmp.display())))?;
        let file = writer
            .into_inner()
            .map_err(|e| Error::Io(format!("cannot flush {}: {e}", tmp.display())))?;
        file.sync_all()
            .map_err(|e| Error::Io(format!("cannot sync {}: {e}", tmp.display())))?;
    }
    std::fs::rename(&tmp, &path)
        .map_err(|e| Error::Io(format!("cannot rename to {}: {e}", path.display())))?;
    Ok(path)
}

/// `[s_i] G` for many scalars with one shared table of 8-bit windows (32 additions each).
fn fixed_base_g1(scalars: &[Fr]) -> Vec<G1Affine> {
    const WINDOW: usize = 8;
    const WINDOWS: usize = 32;
    let mut table: Vec<Vec<G1Affine>> = Vec::with_capacity(WINDOWS);
    let mut base = G1::generator();
    for _ in 0..WINDOWS {
        let mut row = vec![G1::identity(); 1 << WINDOW];
        for d in 1..(1 << WINDOW) {
            row[d] = row[d - 1] + base;
        }
        let mut affine = vec![G1Affine::identity(); 1 << WINDOW];
        G1::batch_normalize(&row, &mut affine);
        table.push(affine);
        for _ in 0..WINDOW {
            base = base.double();
        }
    }
    let projective: Vec<G1> = scalars
        .par_iter()
        .map(|s| {
            let bytes = s.to_repr();
            let mut acc = G1::identity();
            for (w, byte) in bytes.as_ref().iter().enumerate() {
                if *byte != 0 {
                    acc += table[w][*byte as usize];
                }
            }
            acc
        })
        .collect();
    let mut out = vec![G1Affine::identity(); projective.len()];
    G1::batch_normalize(&projective, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insecure_ptau_round_trips_and_commits_linearly() {
        let dir = std::env::temp_dir().join(format!("zkagg-kzg-{}", std::process::id()));
        let path = write_insecure_ptau(&dir, 6, 7).unwrap();
        let key = KzgKey::from_ptau_dir(&dir, 40).unwrap();
        assert_eq!(key.len(), 40);
        // The powers are consistent: e([tau^(i+1)]_1, [1]_2) = e([tau^i]_1, [tau]_2).
        use halo2curves::bn256::Bn256;
        use halo2curves::pairing::Engine;
        let pairing = |a: &G1Affine, b: &G2Affine| Bn256::pairing(a, b);
        let g2 = key.g2();
        for i in [0usize, 5, 38] {
            assert_eq!(
                pairing(&key.powers()[i + 1], &G2Affine::generator()),
                pairing(&key.powers()[i], &g2[1])
            );
        }
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let a: Vec<Fr> = (0..40).map(|_| Fr::random(&mut rng)).collect();
        let b: Vec<Fr> = (0..40).map(|_| Fr::random(&mut rng)).collect();
        let r = Fr::random(&mut rng);
        let ab: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| *x + r * y).collect();
        let lhs = key.commit(&ab).unwrap();
        let rhs = (key.commit(&a).unwrap() + key.commit(&b).unwrap() * r).to_affine();
        assert_eq!(lhs, rhs);
        assert!(key.commit(&vec![Fr::ONE; 41]).is_err());
        assert!(KzgKey::from_ptau_dir(&dir, 1000).is_err());
        // A truncated file is refused with an error, not a panic.
        let bytes = std::fs::read(&path).unwrap();
        let bad = dir.join("broken_6.ptau");
        std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
        assert!(KzgKey::from_ptau(&bad, 40).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}
