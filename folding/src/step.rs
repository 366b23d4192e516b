//! # The step function and how its state is hashed
//!
//! [`FoldStep`] is what the engine folds: `z_{i+1} = F(z_i)` as constraints over `Fr`, plus the
//! state's **width map**: for each element either a bit width `b` (the step keeps that element
//! below `2^b` in every state it outputs — the state invariant) or `None` (a full field element).
//!
//! The state enters the public-IO hash through its digest `H(pack(z))`, where [`pack`] joins
//! consecutive bounded elements into one field element (`sum_j z_j 2^(o_j)`, at most
//! [`PACK_BITS`] bits per pack). Packing is injective only on in-range states, so the augmented
//! circuit **range-checks every bounded input element** before packing it (a prover who could
//! feed `z_j + 2^b` and `z_{j+1} - 1` would otherwise hash to the same digest and run the step on
//! a state that no previous step produced). Outputs are packed without a new check: the step
//! itself guarantees their bounds (its invariant), and the next step's input check re-verifies
//! them anyway.

use crate::{Error, Fr, Result};
use ff::{Field, PrimeField, PrimeFieldBits};
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, LinearCombination, SynthesisError};

/// Most bits joined into one packed field element (below `Fr`'s 254).
pub const PACK_BITS: u32 = 248;

/// A step function the engine can fold.
pub trait FoldStep: Sync {
    /// Number of state elements.
    fn arity(&self) -> usize;

    /// Per state element: `Some(b)` if every state the step outputs keeps it below `2^b`,
    /// `None` for a full field element.
    fn element_bits(&self) -> Vec<Option<u32>>;

    /// `z_{i+1} = F(z_i)`.
    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> std::result::Result<Vec<AllocatedNum<Fr>>, SynthesisError>;
}

/// The packing plan: groups of consecutive element indices, each hashed as one field element.
pub fn pack_plan(bits: &[Option<u32>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    let mut used = 0u32;
    for (j, b) in bits.iter().enumerate() {
        match b {
            Some(b) if *b < PACK_BITS => {
                if used + b > PACK_BITS {
                    groups.push(std::mem::take(&mut cur));
                    used = 0;
                }
                cur.push(j);
                used += b;
            }
            _ => {
                if !cur.is_empty() {
                    groups.push(std::mem::take(&mut cur));
                    used = 0;
                }
                groups.push(vec![j]);
            }
        }
    }
    if !cur.is_empty() {
        groups.push(cur);
    }
    groups
}

/// Packs a native state (checking every bounded element's range: a state outside the invariant
/// has no digest).
pub fn pack(bits: &[Option<u32>], z: &[Fr]) -> Result<Vec<Fr>> {
    if z.len() != bits.len() {
        return Err(Error::Format(format!(
            "state of {} elements, expected {}",
            z.len(),
            bits.len()
        )));
    }
    let mut out = Vec::new();
    for group in pack_plan(bits) {
        let mut acc = Fr::ZERO;
        let mut shift = Fr::ONE;
        for &j in &group {
            let b = bits[j].map(|b| b.min(Fr::NUM_BITS)).unwrap_or(Fr::NUM_BITS);
            if b < Fr::NUM_BITS {
                let le = z[j].to_le_bits();
                if le.iter().skip(b as usize).any(|bit| *bit) {
                    return Err(Error::Verify(format!(
                        "state element {j} exceeds its {b}-bit bound"
                    )));
                }
            }
            acc += z[j] * shift;
            shift *= Fr::from(2u64).pow_vartime([u64::from(b)]);
        }
        out.push(acc);
    }
    Ok(out)
}

/// Packs an allocated state; with `check_ranges`, every bounded element is first decomposed into
/// `b` boolean variables (`b + 1` constraints), which proves `0 <= z_j < 2^b`. One constraint
/// per pack allocates it.
pub fn pack_circuit<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    bits: &[Option<u32>],
    z: &[AllocatedNum<Fr>],
    check_ranges: bool,
) -> std::result::Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
    if z.len() != bits.len() {
        return Err(SynthesisError::Unsatisfiable(format!(
            "state of {} elements, expected {}",
            z.len(),
            bits.len()
        )));
    }
    let mut out = Vec::new();
    for (g, group) in pack_plan(bits).into_iter().enumerate() {
        if group.len() == 1 && bits[group[0]].is_none_or(|b| b >= PACK_BITS) {
            out.push(z[group[0]].clone());
            continue;
        }
        let mut lc = LinearCombination::zero();
        let mut val = Some(Fr::ZERO);
        let mut shift = Fr::ONE;
        for &j in &group {
            let b = bits[j].unwrap_or(Fr::NUM_BITS);
            if check_ranges {
                range_check(&mut cs.namespace(|| format!("range {j}")), &z[j], b)?;
            }
            lc = lc + (shift, z[j].get_variable());
            val = val.and_then(|v| z[j].get_value().map(|x| v + x * shift));
            shift *= Fr::from(2u64).pow_vartime([u64::from(b)]);
        }
        let packed = AllocatedNum::alloc(cs.namespace(|| format!("pack {g}")), || {
            val.ok_or(SynthesisError::AssignmentMissing)
        })?;
        cs.enforce(
            || format!("pack {g} is the weighted sum"),
            |l| l + &lc,
            |l| l + CS::one(),
            |l| l + packed.get_variable(),
        );
        out.push(packed);
    }
    Ok(out)
}

/// Proves `0 <= x < 2^b` by a boolean decomposition (`b + 1` constraints).
pub fn range_check<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    x: &AllocatedNum<Fr>,
    b: u32,
) -> std::result::Result<(), SynthesisError> {
    let le = x.get_value().map(|v| v.to_le_bits());
    let mut lc = LinearCombination::zero();
    let mut coeff = Fr::ONE;
    for k in 0..b as usize {
        let bit_val = le.as_ref().map(|bits| bits[k]);
        let v = cs.alloc(
            || format!("bit {k}"),
            || {
                bit_val
                    .map(|b| if b { Fr::ONE } else { Fr::ZERO })
                    .ok_or(SynthesisError::AssignmentMissing)
            },
        )?;
        cs.enforce(
            || format!("bit {k} boolean"),
            |l| l + v,
            |l| l + CS::one() - v,
            |l| l,
        );
        lc = lc + (coeff, v);
        coeff = coeff.double();
    }
    cs.enforce(
        || "sum of bits",
        |l| l + &lc,
        |l| l + CS::one(),
        |l| l + x.get_variable(),
    );
    Ok(())
}
