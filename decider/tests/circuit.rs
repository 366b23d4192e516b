//! The decider circuit on a small step: the honest final state satisfies it; each tampered
//! input does not (checked constraint by constraint, no proof).

mod common;

use common::{params_with_random_key, run, CounterStatement};
use ff::Field;
use zkagg_circuit_verifier::cs::CheckCS;
use zkagg_decider::circuit::{DeciderCircuit, DeciderInputs};
use zkagg_decider::inputs::{decider_shape, prepare};
use zkagg_folding::ivc::PublicParams;
use zkagg_folding::Fr;

fn satisfied(pp: &PublicParams, inputs: &DeciderInputs) -> Result<(), String> {
    let shape = decider_shape(pp);
    let circuit = DeciderCircuit {
        params: &shape,
        statement: &CounterStatement,
        inputs,
    };
    let mut cs = CheckCS::new();
    circuit
        .synthesize(&mut cs)
        .map_err(|e| format!("synthesis: {e}"))?;
    if cs.is_satisfied() {
        Ok(())
    } else {
        Err(cs.which_is_unsatisfied().unwrap_or("?").to_string())
    }
}

#[test]
fn honest_state_satisfies_and_each_tamper_fails() {
    let pp = params_with_random_key();
    let state = run(&pp, 2);
    let prepared = prepare(&pp, &state, &CounterStatement).expect("prepare");
    // The committed block opens to the folded commitment under the parameters' key.
    assert_eq!(
        pp.key.commit(&prepared.inputs.folded_w).expect("commit"),
        prepared.folded_comm
    );
    satisfied(&pp, &prepared.inputs).expect("honest");

    let base = prepared.inputs;
    type Tamper = Box<dyn Fn(&mut DeciderInputs)>;
    let tampers: Vec<(&str, Tamper)> = vec![
        ("a witness entry", Box::new(|x| x.folded_w[3] += Fr::ONE)),
        (
            "the last witness entry",
            Box::new(|x| *x.folded_w.last_mut().unwrap() += Fr::ONE),
        ),
        ("the digest P", Box::new(|x| x.digest += Fr::ONE)),
        ("z_N", Box::new(|x| x.z[1] += Fr::ONE)),
        ("the step count", Box::new(|x| x.i += 1)),
        (
            "the params digest",
            Box::new(|x| x.params_digest += Fr::ONE),
        ),
        ("the z_0 digest", Box::new(|x| x.z0_digest += Fr::ONE)),
        ("the running u", Box::new(|x| x.running.u += Fr::ONE)),
        ("the running v", Box::new(|x| x.running.v += Fr::ONE)),
        ("a running rho", Box::new(|x| x.running.rho[0] += Fr::ONE)),
        ("the fresh x", Box::new(|x| x.fresh.x += Fr::ONE)),
        ("a fold message q", Box::new(|x| x.proof.q[1] += Fr::ONE)),
        ("the cross term", Box::new(|x| x.proof.t_eval += Fr::ONE)),
        (
            "the CycleFold u",
            Box::new(|x| x.running_cf.u += zkagg_folding::Fq::ONE),
        ),
    ];
    for (name, tamper) in tampers {
        let mut t = base.clone();
        tamper(&mut t);
        assert!(satisfied(&pp, &t).is_err(), "tampered {name} accepted");
    }
}
