//! [`CheckCS`]: a streaming constraint system that counts and checks as it goes.
//!
//! nova-snark's `TestConstraintSystem` keeps every constraint (with its name) in memory and checks
//! them at the end; for circuits of millions of constraints with dense linear combinations that
//! is slow and large. Every gadget of this crate computes its witness while it synthesizes, so a
//! constraint can be checked the moment it is enforced: [`CheckCS`] evaluates `A`, `B` and `C`
//! against the values allocated so far, remembers the first unsatisfied constraint (with its
//! namespace path), and keeps only counters. It is the cheap "satisfiability + size" oracle of the
//! tests and the benchmarks; the real shape and witness come from nova-snark's `ShapeCS` and
//! `SatisfyingAssignment`, which the step circuits are also tested with.

use crate::convert::Fr;
use ff::Field;
use nova_snark::frontend::{ConstraintSystem, Index, LinearCombination, SynthesisError, Variable};

/// A constraint system that checks each constraint when it is enforced and keeps only counts.
#[derive(Debug)]
pub struct CheckCS {
    inputs: Vec<Fr>,
    aux: Vec<Fr>,
    constraints: usize,
    nonzeros: usize,
    first_failure: Option<String>,
    failures: usize,
    namespace: Vec<String>,
    /// When `false`, constraints are only counted (no evaluation): a fast counting mode.
    check: bool,
    /// Recorded constraints (recording mode only), for tests that tamper with the assignment.
    recorded: Option<Vec<Recorded>>,
}

type Recorded = (
    LinearCombination<Fr>,
    LinearCombination<Fr>,
    LinearCombination<Fr>,
    String,
);

impl Default for CheckCS {
    fn default() -> Self {
        Self::new()
    }
}

impl CheckCS {
    /// A checking constraint system with the constant-one input.
    pub fn new() -> Self {
        Self {
            inputs: vec![Fr::ONE],
            aux: Vec::new(),
            constraints: 0,
            nonzeros: 0,
            first_failure: None,
            failures: 0,
            namespace: Vec::new(),
            check: true,
            recorded: None,
        }
    }

    /// A checking constraint system that also keeps every constraint, so that a test can change
    /// the assignment afterwards ([`Self::set_aux`]) and re-check ([`Self::recheck`]).
    pub fn recording() -> Self {
        Self {
            recorded: Some(Vec::new()),
            ..Self::new()
        }
    }

    /// Overwrites the value of auxiliary variable `i` (recording mode; for malicious-witness
    /// tests).
    pub fn set_aux(&mut self, v: Variable, value: Fr) {
        if let Index::Aux(i) = v.get_unchecked() {
            self.aux[i] = value;
        }
    }

    /// Re-checks every recorded constraint against the current assignment; returns the name of
    /// the first unsatisfied one.
    pub fn recheck(&self) -> Option<String> {
        let rec = self.recorded.as_ref()?;
        for (a, b, c, name) in rec {
            let va = a.eval(&self.inputs, &self.aux);
            let vb = b.eval(&self.inputs, &self.aux);
            let vc = c.eval(&self.inputs, &self.aux);
            if va * vb != vc {
                return Some(name.clone());
            }
        }
        None
    }

    /// The namespace paths of the recorded constraints (recording mode; empty otherwise), for
    /// cost breakdowns.
    pub fn recorded_paths(&self) -> impl Iterator<Item = &str> {
        self.recorded
            .iter()
            .flat_map(|r| r.iter().map(|(_, _, _, p)| p.as_str()))
    }

    /// A constraint system that only counts constraints, variables and non-zero entries.
    pub fn counting() -> Self {
        Self {
            check: false,
            ..Self::new()
        }
    }

    /// Number of constraints enforced so far.
    pub fn num_constraints(&self) -> usize {
        self.constraints
    }

    /// Number of auxiliary (private) variables allocated so far.
    pub fn num_aux(&self) -> usize {
        self.aux.len()
    }

    /// Number of public inputs, including the constant one.
    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }

    /// Total number of non-zero entries of the `A`, `B`, `C` matrices so far.
    pub fn num_nonzeros(&self) -> usize {
        self.nonzeros
    }

    /// Whether every constraint enforced so far holds (always `true` in counting mode).
    pub fn is_satisfied(&self) -> bool {
        self.failures == 0
    }

    /// The namespace path of the first unsatisfied constraint, if any.
    pub fn which_is_unsatisfied(&self) -> Option<&str> {
        self.first_failure.as_deref()
    }

    /// Number of unsatisfied constraints.
    pub fn num_failures(&self) -> usize {
        self.failures
    }

    /// The value of a variable (for tests).
    pub fn value(&self, v: Variable) -> Fr {
        match v.get_unchecked() {
            Index::Input(i) => self.inputs[i],
            Index::Aux(i) => self.aux[i],
        }
    }

    /// Evaluates a linear combination against the current assignment.
    pub fn eval(&self, lc: &LinearCombination<Fr>) -> Fr {
        lc.eval(&self.inputs, &self.aux)
    }

    /// Public input values (the first is the constant one).
    pub fn inputs(&self) -> &[Fr] {
        &self.inputs
    }
}

impl ConstraintSystem<Fr> for CheckCS {
    type Root = Self;

    fn alloc<F, A, AR>(&mut self, _annotation: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.aux.push(f()?);
        Ok(Variable::new_unchecked(Index::Aux(self.aux.len() - 1)))
    }

    fn alloc_input<F, A, AR>(&mut self, _annotation: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.inputs.push(f()?);
        Ok(Variable::new_unchecked(Index::Input(self.inputs.len() - 1)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, annotation: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
        LB: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
        LC: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
    {
        self.constraints += 1;
        let a = a(LinearCombination::zero());
        let b = b(LinearCombination::zero());
        let c = c(LinearCombination::zero());
        self.nonzeros += a.len() + b.len() + c.len();
        if !self.check {
            return;
        }
        let va = a.eval(&self.inputs, &self.aux);
        let vb = b.eval(&self.inputs, &self.aux);
        let vc = c.eval(&self.inputs, &self.aux);
        let failed = va * vb != vc;
        if failed || self.recorded.is_some() {
            let mut path = self.namespace.join("/");
            path.push('/');
            path.push_str(&annotation().into());
            if failed {
                self.failures += 1;
                if self.first_failure.is_none() {
                    self.first_failure = Some(path.clone());
                }
            }
            if let Some(rec) = self.recorded.as_mut() {
                rec.push((a, b, c, path));
            }
        }
    }

    fn push_namespace<NR, N>(&mut self, name_fn: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
        if self.check {
            self.namespace.push(name_fn().into());
        }
    }

    fn pop_namespace(&mut self) {
        self.namespace.pop();
    }

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }
}
