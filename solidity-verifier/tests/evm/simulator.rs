//! A trapdoor simulator of the decider, for the aggregate verifier's tests while the real decider
//! is being built: the test picks the key's discrete logs (alpha, beta, gamma, delta, k, IC0,
//! IC1) and the commitments' (C_N = c_n G1, C_f = c_f G1), so that VALID proofs for any statement
//! can be computed directly:
//!
//! ```text
//! P = digest(config, statement), d = c_n + alpha c_f (D = d G1), l = ic0 + P ic1 + d,
//! A = a G1, B = b G2 (a, b random), pi = k D, C = ((a b - alpha beta - l gamma) / delta) G1
//! ```
//!
//! Then `e(A, B) = e(alpha, beta) e(L, gamma) e(C, delta)` and `e(pi, gamma) = e(D, k gamma)`, so
//! the single combined check holds for every rho. Every contract of the aggregate tests is
//! compiled in one solc run.

use std::sync::OnceLock;

use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use zkagg_solidity_verifier::aggregate::{
    folded_commitment, generate_aggregate_rollup, generate_aggregate_verifier, statement_digest,
    AggregateOptions, AggregateProof, AggregateStatement, AggregateVerifierParams,
};
use zkagg_solidity_verifier::harness::evm::{Address, Evm};
use zkagg_solidity_verifier::harness::solc::{self, Artifact};

/// The toxic values of a simulated decider key.
#[derive(Clone, Copy, Debug)]
pub struct Trapdoor {
    pub alpha: Fr,
    pub beta: Fr,
    pub gamma: Fr,
    pub delta: Fr,
    pub k: Fr,
    pub ic0: Fr,
    pub ic1: Fr,
}

/// A simulated decider key: its trapdoor and the contract parameters.
#[derive(Clone, Copy, Debug)]
pub struct SimKey {
    pub trapdoor: Trapdoor,
    pub params: AggregateVerifierParams,
}

/// A statement with the discrete logs of its commitments.
#[derive(Clone, Copy, Debug)]
pub struct SimStatement {
    pub statement: AggregateStatement,
    pub c_n: Fr,
    pub c_f: Fr,
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn g1(s: Fr) -> G1Affine {
    (G1Affine::generator() * s).into_affine()
}

fn g2(s: Fr) -> G2Affine {
    (G2Affine::generator() * s).into_affine()
}

impl SimKey {
    pub fn new(seed: u64) -> Self {
        let mut rng = rng(seed);
        let [alpha, beta, gamma, delta, k, ic0, ic1, config] = [(); 8].map(|_| Fr::rand(&mut rng));
        let trapdoor = Trapdoor {
            alpha,
            beta,
            gamma,
            delta,
            k,
            ic0,
            ic1,
        };
        let params = AggregateVerifierParams {
            alpha1: g1(alpha),
            beta2: g2(beta),
            gamma2: g2(gamma),
            delta2: g2(delta),
            ic0: g1(ic0),
            ic1: g1(ic1),
            k_gamma2: g2(k * gamma),
            config,
        };
        Self { trapdoor, params }
    }

    /// A valid proof for `sim` under this key.
    pub fn prove(&self, sim: &SimStatement, rng: &mut impl Rng) -> AggregateProof {
        let t = &self.trapdoor;
        let st = &sim.statement;
        let p = statement_digest(self.params.config, st);
        let d = sim.c_n + st.alpha * sim.c_f;
        assert_eq!(g1(d), folded_commitment(st), "the commitments' logs");
        let l = t.ic0 + p * t.ic1 + d;
        let (a, b) = (Fr::rand(rng), Fr::rand(rng));
        let c = (a * b - t.alpha * t.beta - l * t.gamma) * t.delta.inverse().expect("delta != 0");
        AggregateProof {
            a: g1(a),
            b: g2(b),
            c: g1(c),
            pi: g1(t.k * d),
        }
    }
}

/// A random statement from `old_root` (commitments with known logs, count in 1..=1000).
pub fn random_statement(rng: &mut impl Rng, old_root: Fr) -> SimStatement {
    let (c_n, c_f) = (Fr::rand(rng), Fr::rand(rng));
    SimStatement {
        statement: AggregateStatement {
            comm_n: g1(c_n),
            comm_f: g1(c_f),
            alpha: Fr::rand(rng),
            count: rng.gen_range(1..=1000),
            statements_root: Fr::rand(rng),
            old_root,
            new_root: Fr::rand(rng),
        },
        c_n,
        c_f,
    }
}

/// The key of the tests and another one (another setup and another config).
pub fn keys() -> &'static (SimKey, SimKey) {
    static CELL: OnceLock<(SimKey, SimKey)> = OnceLock::new();
    CELL.get_or_init(|| (SimKey::new(901), SimKey::new(902)))
}

/// The file holding the verifier and the rollup of the main key (default names).
pub const ROLLUP_FILE: &str = "AggregateRollup.sol";
/// The file holding the verifier of the other key.
pub const OTHER_FILE: &str = "OtherAggregateVerifier.sol";

/// The aggregate contracts, compiled once: the main key's verifier + rollup file (exactly what
/// `generate_aggregate_rollup` writes with default options) and the other key's verifier.
pub struct AggregateContracts {
    pub output: solc::Output,
    pub rollup_source: String,
}

impl AggregateContracts {
    pub fn verifier(&self) -> &Artifact {
        self.output
            .contract(ROLLUP_FILE, "AggregateVerifier")
            .expect("verifier")
    }

    pub fn rollup(&self) -> &Artifact {
        self.output
            .contract(ROLLUP_FILE, "AggregateRollup")
            .expect("rollup")
    }

    pub fn other_verifier(&self) -> &Artifact {
        self.output
            .contract(OTHER_FILE, "OtherAggregateVerifier")
            .expect("other verifier")
    }
}

pub fn contracts() -> &'static AggregateContracts {
    static CELL: OnceLock<AggregateContracts> = OnceLock::new();
    CELL.get_or_init(|| {
        let (key, other) = keys();
        let rollup_source =
            generate_aggregate_rollup(&key.params, &AggregateOptions::default()).expect("rollup");
        let other_source = generate_aggregate_verifier(
            &other.params,
            &AggregateOptions::named("OtherAggregateVerifier", "OtherAggregateRollup"),
        )
        .expect("other verifier");
        let output = solc::compile(&[(ROLLUP_FILE, &rollup_source), (OTHER_FILE, &other_source)])
            .expect("solc");
        AggregateContracts {
            output,
            rollup_source,
        }
    })
}

/// Deploys `artifact` (constructor arguments appended).
pub fn deploy(evm: &mut Evm, artifact: &Artifact, constructor_args: &[u8]) -> Address {
    let mut initcode = artifact.bytecode.clone();
    initcode.extend_from_slice(constructor_args);
    evm.deploy(&initcode).expect("deploy").address
}
