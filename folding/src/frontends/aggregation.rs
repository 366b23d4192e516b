//! `circuit-verifier`'s [`AggregationStep`] as a [`FoldStep`]: its natives are full field
//! elements, its emulated limbs are below `2^b` (the state invariant documented in
//! `zkagg_circuit_verifier::steps`: every limb in every state a step outputs is a range-checked
//! relation output, a range-checked hint, a selection of such, or a constant).

use crate::step::FoldStep;
use crate::{Error, Fr, Result};
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, SynthesisError};
use nova_snark::traits::circuit::StepCircuit;
use zkagg_circuit_verifier::cs::CheckCS;
use zkagg_circuit_verifier::steps::driver::Aggregator;
use zkagg_circuit_verifier::steps::AggregationStep;

/// A borrowed aggregation step.
pub struct AggregationFold<'a>(pub &'a AggregationStep);

impl FoldStep for AggregationFold<'_> {
    fn arity(&self) -> usize {
        self.0.key.layout().arity()
    }

    fn element_bits(&self) -> Vec<Option<u32>> {
        let layout = self.0.key.layout();
        let base = layout.elem_base();
        let b = self.0.key.emu.limb_bits();
        (0..layout.arity())
            .map(|j| if j < base { None } else { Some(b) })
            .collect()
    }

    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> std::result::Result<Vec<AllocatedNum<Fr>>, SynthesisError> {
        StepCircuit::synthesize(self.0, cs, z)
    }
}

/// The aggregation's final check on the last state (`phase = done`, `F = 1`), evaluated on a
/// checking constraint system: the native twin of what the decider proves.
pub fn final_check(agg: &Aggregator, z: &[Fr]) -> Result<()> {
    let mut cs = CheckCS::new();
    let zin: Vec<AllocatedNum<Fr>> = z
        .iter()
        .enumerate()
        .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z {i}")), || Ok(*v)))
        .collect::<std::result::Result<_, _>>()?;
    agg.key.emu.aggregate_final_check(&mut cs, &agg.key, &zin)?;
    if cs.is_satisfied() {
        Ok(())
    } else {
        Err(Error::Verify(format!(
            "the aggregation's final check fails ({})",
            cs.which_is_unsatisfied().unwrap_or("unknown constraint")
        )))
    }
}
