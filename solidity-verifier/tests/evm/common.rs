//! Fixtures shared by the EVM tests, each made once per test process: real proofs (a zkagg batch
//! proof and the committed circom/snarkjs proof), their keys and wrong keys, and every contract
//! compiled in ONE solc run.

use std::sync::OnceLock;

use ark_bn254::{Fq2, G1Affine, G2Affine};
use ark_ec::{short_weierstrass::SWCurveConfig, AffineRepr, CurveGroup};
use ark_ff::Field;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_core::batch::{self, BatchParams, Transfer};
use zkagg_core::formats::{load_proof, load_public_inputs, load_verifying_key};
use zkagg_core::{Fr, Proof, VerifyingKey};
use zkagg_solidity_verifier::harness::evm::{Address, Evm};
use zkagg_solidity_verifier::harness::solc::{self, Artifact};
use zkagg_solidity_verifier::{generate, Options, ROLLUP_SOURCE};

/// The batch-circuit shape of the tests (small, for speed).
pub const PARAMS: BatchParams = BatchParams {
    transfers: 2,
    depth: 8,
};

/// A key, a valid proof for it, and a key from another setup of the same circuit.
pub struct Fixture {
    pub name: &'static str,
    pub vk: VerifyingKey,
    pub wrong_vk: VerifyingKey,
    pub proof: Proof,
    pub inputs: Vec<Fr>,
}

/// The batch circuit's keys and a chain of two batches from one genesis state.
pub struct Batches {
    pub fixture: Fixture,
    pub genesis_root: Fr,
    /// `[old_root, new_root, tx_commitment]` of the second batch (old_root = new_root of the
    /// first) and its proof.
    pub second: (Proof, Vec<Fr>),
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn batches() -> &'static Batches {
    static CELL: OnceLock<Batches> = OnceLock::new();
    CELL.get_or_init(|| {
        let (pk, vk) = batch::setup(&PARAMS, &mut rng(31)).expect("setup");
        let (_, wrong_vk) = batch::setup(&PARAMS, &mut rng(32)).expect("second setup");
        let (mut tree, transfers) =
            batch::random_genesis_and_batch(&PARAMS, &mut rng(33)).expect("genesis");
        let genesis_root = tree.root();
        let (statement, witness) = tree.apply_batch(&PARAMS, &transfers).expect("batch 1");
        let proof = batch::prove(&pk, &PARAMS, &witness, &mut rng(34)).expect("prove 1");

        // A second batch on the state the first one left: the funded account with the
        // smallest index sends 1 (or 0) twice to the next funded account.
        let mut funded: Vec<(u64, batch::Account)> =
            tree.accounts().map(|(i, a)| (i, *a)).collect();
        funded.sort_by_key(|(i, _)| *i);
        let (from, sender) = funded[0];
        let to = funded[1].0;
        let amount = u64::from(sender.balance >= 2);
        let second_transfers = [
            Transfer {
                from,
                to,
                amount,
                nonce: sender.nonce,
            },
            Transfer {
                from,
                to,
                amount,
                nonce: sender.nonce + 1,
            },
        ];
        let (statement2, witness2) = tree
            .apply_batch(&PARAMS, &second_transfers)
            .expect("batch 2");
        assert_eq!(statement2.old_root, statement.new_root);
        let proof2 = batch::prove(&pk, &PARAMS, &witness2, &mut rng(35)).expect("prove 2");

        Batches {
            fixture: Fixture {
                name: "batch",
                vk,
                wrong_vk,
                proof,
                inputs: statement.public_inputs(),
            },
            genesis_root,
            second: (proof2, statement2.public_inputs()),
        }
    })
}

const SNARKJS_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../core/tests/fixtures/snarkjs/"
);

fn read(file: &str) -> Vec<u8> {
    std::fs::read(format!("{SNARKJS_DIR}{file}")).expect("read the snarkjs fixture")
}

/// The committed circom/snarkjs fixture (5 public inputs).
pub fn snarkjs() -> &'static Fixture {
    static CELL: OnceLock<Fixture> = OnceLock::new();
    CELL.get_or_init(|| Fixture {
        name: "snarkjs",
        vk: load_verifying_key(&read("verification_key.json")).expect("vk"),
        wrong_vk: load_verifying_key(&read("wrong_verification_key.json")).expect("wrong vk"),
        proof: load_proof(&read("proof.json")).expect("proof"),
        inputs: load_public_inputs(&read("public.json")).expect("public inputs"),
    })
}

/// Every contract of the tests, compiled once.
pub struct Contracts {
    pub output: solc::Output,
    pub sources: Vec<(String, String)>,
}

impl Contracts {
    pub fn artifact(&self, name: &str) -> &Artifact {
        self.output
            .contract(&format!("{name}.sol"), name)
            .expect("compiled contract")
    }

    pub fn source(&self, name: &str) -> &str {
        &self
            .sources
            .iter()
            .find(|(file, _)| *file == format!("{name}.sol"))
            .expect("source")
            .1
    }

    /// Deploys contract `name` (constructor arguments appended) into `evm`.
    pub fn deploy(&self, evm: &mut Evm, name: &str, constructor_args: &[u8]) -> Address {
        let mut initcode = self.artifact(name).bytecode.clone();
        initcode.extend_from_slice(constructor_args);
        evm.deploy(&initcode).expect("deploy").address
    }
}

/// The name of the verifier contract of a fixture (`wrong`: for its wrong key).
pub fn verifier_name(fixture: &Fixture, wrong: bool) -> String {
    let base = match fixture.name {
        "batch" => "BatchVerifier",
        _ => "SnarkjsVerifier",
    };
    if wrong {
        format!("Wrong{base}")
    } else {
        base.to_string()
    }
}

pub fn contracts() -> &'static Contracts {
    static CELL: OnceLock<Contracts> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut sources = Vec::new();
        for fixture in [&batches().fixture, snarkjs()] {
            for wrong in [false, true] {
                let name = verifier_name(fixture, wrong);
                let vk = if wrong {
                    &fixture.wrong_vk
                } else {
                    &fixture.vk
                };
                let source = generate(vk, &Options::named(name.clone())).expect("generate");
                sources.push((format!("{name}.sol"), source));
            }
        }
        sources.push(("BatchRollup.sol".into(), ROLLUP_SOURCE.to_string()));
        let refs: Vec<(&str, &str)> = sources
            .iter()
            .map(|(f, s)| (f.as_str(), s.as_str()))
            .collect();
        let output = solc::compile(&refs).expect("solc");
        Contracts { output, sources }
    })
}

/// A point on the twist E'(Fp2) that is NOT in the order-r subgroup G2.
pub fn g2_outside_subgroup() -> G2Affine {
    let mut x = Fq2::from(1u64);
    loop {
        let rhs = x.square() * x + ark_bn254::g2::Config::COEFF_B;
        if let Some(y) = rhs.sqrt() {
            let point = G2Affine::new_unchecked(x, y);
            assert!(point.is_on_curve());
            if !point.is_in_correct_subgroup_assuming_on_curve() {
                return point;
            }
        }
        x += Fq2::from(1u64);
    }
}

/// Another valid G1 point.
pub fn other_g1(p: G1Affine) -> G1Affine {
    (p.into_group() + G1Affine::generator()).into_affine()
}

/// Another valid G2 point.
pub fn other_g2(p: G2Affine) -> G2Affine {
    (p.into_group() + G2Affine::generator()).into_affine()
}

/// `word + m` for a 256-bit big-endian word (the sum stays below 2^256 here: word < m < 2^254).
pub fn add_words(word: &[u8; 32], m: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let sum = u16::from(word[i]) + u16::from(m[i]) + carry;
        out[i] = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "overflow");
    out
}

/// The base-field modulus p as a word.
pub fn p_word() -> [u8; 32] {
    modulus::<zkagg_core::Fq>()
}

/// The scalar-field modulus r as a word.
pub fn r_word() -> [u8; 32] {
    modulus::<Fr>()
}

fn modulus<F: ark_ff::PrimeField>() -> [u8; 32] {
    let bytes = ark_ff::BigInteger::to_bytes_be(&F::MODULUS);
    let mut word = [0u8; 32];
    word[32 - bytes.len()..].copy_from_slice(&bytes);
    word
}
