//! The aggregation's final statement: the batch-proof aggregation of `circuit-verifier`
//! (`Emu::aggregate_final_statement`, 101 constraints) as the decider's [`FinalStatement`].

use crate::circuit::{FinalStatement, StatementVars};
use nova_snark::frontend::num::AllocatedNum;
use nova_snark::frontend::{ConstraintSystem, SynthesisError};
use zkagg_circuit_verifier::convert::fr_from_ark;
use zkagg_circuit_verifier::hash::Num;
use zkagg_circuit_verifier::steps::driver::Aggregator;
use zkagg_folding::Fr;

/// The aggregation's final predicate and public statement.
pub struct AggregationStatement<'a>(pub &'a Aggregator);

/// A combination as a variable (one constraint).
fn num_var<CS: ConstraintSystem<Fr>>(
    cs: &mut CS,
    name: &str,
    n: &Num,
) -> Result<AllocatedNum<Fr>, SynthesisError> {
    let v = AllocatedNum::alloc(cs.namespace(|| name.to_string()), || Ok(n.val))?;
    cs.enforce(
        || format!("{name} = its combination"),
        |l| l + &n.lc,
        |l| l + CS::one(),
        |l| l + v.get_variable(),
    );
    Ok(v)
}

impl FinalStatement for AggregationStatement<'_> {
    fn key_hash(&self) -> Fr {
        self.0.key.batch.vk_hash
    }

    fn statement_native(&self, z: &[Fr]) -> Result<[Fr; 4], String> {
        let st = self.0.statement(z).map_err(|e| e.to_string())?;
        let (old, new) = st
            .roots
            .map(|r| (fr_from_ark(&r.old_root), fr_from_ark(&r.new_root)))
            .unwrap_or((Fr::from(0u64), Fr::from(0u64)));
        Ok([
            Fr::from(st.count),
            fr_from_ark(&st.statements_root),
            old,
            new,
        ])
    }

    fn synthesize<CS: ConstraintSystem<Fr>>(
        &self,
        cs: &mut CS,
        z: &[AllocatedNum<Fr>],
    ) -> Result<StatementVars, SynthesisError> {
        let key = &self.0.key;
        let st = key
            .emu
            .aggregate_final_statement(&mut cs.namespace(|| "final check"), key, z)
            .map_err(|e| SynthesisError::Unsatisfiable(e.to_string()))?;
        let zero = Num::constant(Fr::from(0u64));
        let (old, new) = match &st.roots {
            Some([o, n]) => (o.clone(), n.clone()),
            None => (zero.clone(), zero),
        };
        Ok(StatementVars {
            count: num_var(cs, "count", &st.count)?,
            statements_root: num_var(cs, "statements root", &st.statements_root)?,
            old_root: num_var(cs, "old root", &old)?,
            new_root: num_var(cs, "new root", &new)?,
        })
    }
}
