//! From a nova-snark `frontend` circuit to an R1CS in **snarkjs signal order**, and its witness.
//!
//! Signal order: `0` is the constant one, `1 ..= num_inputs` the inputs in `alloc_input` order,
//! then the auxiliary variables in `alloc` order. Two constraint systems walk the same circuit:
//!
//! - [`R1csRecorder`] records the shape: three sparse matrices (rows of `(signal, coefficient)`,
//!   stored flat, CSR-style), coefficients in arkworks' `Fr`. Closures producing values are never
//!   called.
//! - [`WitnessGenerator`] computes the assignment and stores nothing else (no constraints, no
//!   names). It is a *witness generator* in nova's sense (`is_witness_generator() == true`), so
//!   gadgets that have a fast witness path (Poseidon's sponge) take it, exactly as with nova's
//!   own `WitnessCS`; the variable layout is the same as the shape's.
//!
//! Neither builds annotation or namespace strings: the `FnOnce` producing them is dropped
//! uncalled.

use ark_ff::{BigInt, PrimeField as _};
use ff::{Field, PrimeField};
use nova_snark::frontend::{
    Circuit, ConstraintSystem, Index, LinearCombination, SynthesisError, Variable,
};
use rayon::prelude::*;

use crate::{Error, Result};

/// The circuit field (halo2curves' BN254 `Fr`, as nova-snark uses it).
pub type Fr = zkagg_folding::Fr;
/// arkworks' BN254 `Fr` (the same prime field).
pub type ArkFr = ark_bn254::Fr;

/// The circuit field to arkworks' (same prime): canonical little-endian limbs, one Montgomery
/// multiplication on the arkworks side.
pub fn fr_to_ark(x: &Fr) -> ArkFr {
    let repr = x.to_repr();
    let bytes: &[u8] = repr.as_ref();
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[8 * i..8 * i + 8]);
        *limb = u64::from_le_bytes(w);
    }
    // `to_repr` is canonical (< r), so this never falls back.
    ArkFr::from_bigint(BigInt(limbs)).unwrap_or_default()
}

/// arkworks' `Fr` to the circuit field.
pub fn fr_from_ark(x: &ArkFr) -> Fr {
    let mut repr = <Fr as PrimeField>::Repr::default();
    let limbs = x.into_bigint().0;
    for (i, limb) in limbs.iter().enumerate() {
        repr.as_mut()[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
    }
    Option::from(Fr::from_repr(repr)).unwrap_or(Fr::ZERO)
}

/// A sparse matrix stored row after row: row `j` is `entries[starts[j] .. starts[j + 1]]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SparseMatrix {
    starts: Vec<usize>,
    entries: Vec<(u32, ArkFr)>,
}

impl SparseMatrix {
    fn new() -> Self {
        Self {
            starts: vec![0],
            entries: Vec::new(),
        }
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.starts.len() - 1
    }

    /// Row `j`: `(signal, coefficient)` pairs, coefficients non-zero, signals distinct.
    pub fn row(&self, j: usize) -> &[(u32, ArkFr)] {
        &self.entries[self.starts[j]..self.starts[j + 1]]
    }

    /// All rows in order.
    pub fn rows(&self) -> impl Iterator<Item = &[(u32, ArkFr)]> + '_ {
        self.starts
            .windows(2)
            .map(move |w| &self.entries[w[0]..w[1]])
    }

    /// Total non-zero entries.
    pub fn num_entries(&self) -> usize {
        self.entries.len()
    }

    /// Append a row from its entries (signals may be tagged, see [`R1csRecorder`]).
    fn push_row(&mut self, lc: &LinearCombination<Fr>) {
        for (var, coeff) in lc.iter() {
            if *coeff == Fr::ZERO {
                continue;
            }
            let signal = match var.get_unchecked() {
                Index::Input(i) => i as u64,
                Index::Aux(i) => AUX_TAG | i as u64,
            };
            // Out-of-range indices are caught at `finish` (a signal >= 2^31 cannot be encoded).
            let signal = u32::try_from(signal).unwrap_or(u32::MAX);
            self.entries.push((signal, convert_coeff(coeff)));
        }
        self.starts.push(self.entries.len());
    }

    /// Replace tagged aux indices by their final signal numbers.
    fn relabel(&mut self, num_inputs: usize) {
        let shift = 1 + num_inputs as u32;
        self.entries.par_iter_mut().for_each(|(s, _)| {
            if *s & AUX_TAG as u32 != 0 {
                *s = (*s & !(AUX_TAG as u32)) + shift;
            }
        });
    }

    /// `sum coeff * z[signal]` of row `j`.
    pub fn eval_row(&self, j: usize, z: &[ArkFr]) -> ArkFr {
        self.row(j).iter().map(|(s, c)| *c * z[*s as usize]).sum()
    }
}

/// Aux indices during recording: bit 31 set (inputs may still be allocated after aux ones, so
/// the final signal numbers are known only at the end).
const AUX_TAG: u64 = 1 << 31;

fn convert_coeff(c: &Fr) -> ArkFr {
    if *c == Fr::ONE {
        ArkFr::from(1u64)
    } else if *c == -Fr::ONE {
        -ArkFr::from(1u64)
    } else {
        fr_to_ark(c)
    }
}

/// A rank-1 constraint system `A z o B z = C z` over signals in snarkjs order.
#[derive(Clone, Debug, PartialEq)]
pub struct R1cs {
    /// Public inputs (signals `1 ..= num_inputs`), without the constant.
    pub num_inputs: usize,
    /// Auxiliary (private) signals.
    pub num_aux: usize,
    /// The `A` matrix.
    pub a: SparseMatrix,
    /// The `B` matrix.
    pub b: SparseMatrix,
    /// The `C` matrix.
    pub c: SparseMatrix,
}

impl R1cs {
    /// Record the shape of `circuit`.
    pub fn from_circuit<C: Circuit<Fr>>(circuit: C) -> Result<Self> {
        Self::record(|cs| circuit.synthesize(cs))
    }

    /// Record the constraints `synthesize` enforces (for circuits with their own `synthesize`,
    /// e.g. `|cs| decider.synthesize(cs)`).
    pub fn record(
        synthesize: impl FnOnce(&mut R1csRecorder) -> Result<(), SynthesisError>,
    ) -> Result<Self> {
        let mut cs = R1csRecorder::new();
        synthesize(&mut cs).map_err(|e| Error::Synthesis(e.to_string()))?;
        cs.finish()
    }

    /// Signals, including the constant.
    pub fn num_signals(&self) -> usize {
        1 + self.num_inputs + self.num_aux
    }

    /// Constraints.
    pub fn num_constraints(&self) -> usize {
        self.a.num_rows()
    }

    /// `Ok(())` if `z` (a full assignment, `z[0] = 1`) satisfies every constraint; otherwise the
    /// first failing constraint's index in the error.
    pub fn check(&self, z: &[ArkFr]) -> Result<()> {
        if z.len() != self.num_signals() {
            return Err(Error::Synthesis(format!(
                "assignment has {} values, the R1CS {} signals",
                z.len(),
                self.num_signals()
            )));
        }
        if z[0] != ArkFr::from(1u64) {
            return Err(Error::Synthesis("z[0] (the constant) is not 1".into()));
        }
        let bad = (0..self.num_constraints())
            .into_par_iter()
            .find_first(|&j| {
                self.a.eval_row(j, z) * self.b.eval_row(j, z) != self.c.eval_row(j, z)
            });
        match bad {
            None => Ok(()),
            Some(j) => Err(Error::Synthesis(format!("constraint {j} is not satisfied"))),
        }
    }
}

/// Records a circuit's constraints (see the module documentation).
pub struct R1csRecorder {
    num_inputs: usize,
    num_aux: usize,
    a: SparseMatrix,
    b: SparseMatrix,
    c: SparseMatrix,
}

impl Default for R1csRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl R1csRecorder {
    /// An empty system (only the constant signal).
    pub fn new() -> Self {
        Self {
            num_inputs: 0,
            num_aux: 0,
            a: SparseMatrix::new(),
            b: SparseMatrix::new(),
            c: SparseMatrix::new(),
        }
    }

    /// The recorded R1CS, aux signals numbered after the inputs.
    pub fn finish(mut self) -> Result<R1cs> {
        if self.num_inputs as u64 >= AUX_TAG || self.num_aux as u64 >= AUX_TAG {
            return Err(Error::Synthesis(format!(
                "{} inputs, {} aux variables: too many for 32-bit signal numbers",
                self.num_inputs, self.num_aux
            )));
        }
        if 1 + self.num_inputs as u64 + self.num_aux as u64 > u32::MAX as u64 {
            return Err(Error::Synthesis("more than 2^32 signals".into()));
        }
        for m in [&mut self.a, &mut self.b, &mut self.c] {
            m.relabel(self.num_inputs);
        }
        Ok(R1cs {
            num_inputs: self.num_inputs,
            num_aux: self.num_aux,
            a: self.a,
            b: self.b,
            c: self.c,
        })
    }
}

impl ConstraintSystem<Fr> for R1csRecorder {
    type Root = Self;

    fn new() -> Self {
        R1csRecorder::new()
    }

    fn alloc<F, A, AR>(&mut self, _: A, _: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.num_aux += 1;
        Ok(Variable::new_unchecked(Index::Aux(self.num_aux - 1)))
    }

    fn alloc_input<F, A, AR>(&mut self, _: A, _: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.num_inputs += 1;
        Ok(Variable::new_unchecked(Index::Input(self.num_inputs)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, a: LA, b: LB, c: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
        LB: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
        LC: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
    {
        self.a.push_row(&a(LinearCombination::zero()));
        self.b.push_row(&b(LinearCombination::zero()));
        self.c.push_row(&c(LinearCombination::zero()));
    }

    fn push_namespace<NR, N>(&mut self, _: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
    }

    fn pop_namespace(&mut self) {}

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }
}

/// Computes a circuit's full assignment in snarkjs order (see the module documentation).
pub struct WitnessGenerator {
    inputs: Vec<Fr>,
    aux: Vec<Fr>,
}

impl Default for WitnessGenerator {
    fn default() -> Self {
        Self::new()
    }
}

impl WitnessGenerator {
    /// Only the constant.
    pub fn new() -> Self {
        Self::with_capacity(0, 0)
    }

    /// With room for `inputs` inputs and `aux` aux values.
    pub fn with_capacity(inputs: usize, aux: usize) -> Self {
        let mut v = Vec::with_capacity(inputs + 1);
        v.push(Fr::ONE);
        Self {
            inputs: v,
            aux: Vec::with_capacity(aux),
        }
    }

    /// Run `circuit` and return `(1, inputs..., aux...)` in arkworks' `Fr`.
    pub fn assignment<C: Circuit<Fr>>(circuit: C) -> Result<Vec<ArkFr>> {
        Self::run(|cs| circuit.synthesize(cs))
    }

    /// Run `synthesize` and return the assignment (for circuits with their own `synthesize`).
    pub fn run(
        synthesize: impl FnOnce(&mut WitnessGenerator) -> Result<(), SynthesisError>,
    ) -> Result<Vec<ArkFr>> {
        let mut cs = WitnessGenerator::new();
        synthesize(&mut cs).map_err(|e| Error::Synthesis(e.to_string()))?;
        Ok(cs.finish())
    }

    /// Number of inputs so far (without the constant).
    pub fn num_inputs(&self) -> usize {
        self.inputs.len() - 1
    }

    /// Number of aux values so far.
    pub fn num_aux(&self) -> usize {
        self.aux.len()
    }

    /// The assignment `(1, inputs..., aux...)` in arkworks' `Fr`.
    pub fn finish(self) -> Vec<ArkFr> {
        let mut out = Vec::with_capacity(self.inputs.len() + self.aux.len());
        self.inputs
            .par_iter()
            .chain(self.aux.par_iter())
            .map(fr_to_ark)
            .collect_into_vec(&mut out);
        out
    }
}

impl ConstraintSystem<Fr> for WitnessGenerator {
    type Root = Self;

    fn new() -> Self {
        WitnessGenerator::new()
    }

    fn alloc<F, A, AR>(&mut self, _: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.aux.push(f()?);
        Ok(Variable::new_unchecked(Index::Aux(self.aux.len() - 1)))
    }

    fn alloc_input<F, A, AR>(&mut self, _: A, f: F) -> Result<Variable, SynthesisError>
    where
        F: FnOnce() -> Result<Fr, SynthesisError>,
        A: FnOnce() -> AR,
        AR: Into<String>,
    {
        self.inputs.push(f()?);
        Ok(Variable::new_unchecked(Index::Input(self.inputs.len() - 1)))
    }

    fn enforce<A, AR, LA, LB, LC>(&mut self, _: A, _: LA, _: LB, _: LC)
    where
        A: FnOnce() -> AR,
        AR: Into<String>,
        LA: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
        LB: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
        LC: FnOnce(LinearCombination<Fr>) -> LinearCombination<Fr>,
    {
    }

    fn push_namespace<NR, N>(&mut self, _: N)
    where
        NR: Into<String>,
        N: FnOnce() -> NR,
    {
    }

    fn pop_namespace(&mut self) {}

    fn get_root(&mut self) -> &mut Self::Root {
        self
    }

    fn is_witness_generator(&self) -> bool {
        true
    }

    fn extend_inputs(&mut self, new_inputs: &[Fr]) {
        self.inputs.extend_from_slice(new_inputs);
    }

    fn extend_aux(&mut self, new_aux: &[Fr]) {
        self.aux.extend_from_slice(new_aux);
    }

    fn allocate_empty(&mut self, aux_n: usize, inputs_n: usize) -> (&mut [Fr], &mut [Fr]) {
        let (i, j) = (self.aux.len(), self.inputs.len());
        self.aux.resize(i + aux_n, Fr::ZERO);
        self.inputs.resize(j + inputs_n, Fr::ZERO);
        (&mut self.aux[i..], &mut self.inputs[j..])
    }

    fn allocate_empty_inputs(&mut self, n: usize) -> &mut [Fr] {
        let j = self.inputs.len();
        self.inputs.resize(j + n, Fr::ZERO);
        &mut self.inputs[j..]
    }

    fn allocate_empty_aux(&mut self, n: usize) -> &mut [Fr] {
        let i = self.aux.len();
        self.aux.resize(i + n, Fr::ZERO);
        &mut self.aux[i..]
    }

    fn inputs_slice(&self) -> &[Fr] {
        &self.inputs
    }

    fn aux_slice(&self) -> &[Fr] {
        &self.aux
    }
}
