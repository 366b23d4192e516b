//! The service's API end to end on a real SQLite store and real Groth16 batch proofs (a small
//! batch shape, 1 transfer on a depth-4 tree): the volunteer flow (lease, witness artifact with
//! Range, prove, heartbeat, submit, duplicate), every bad submission with its typed reason, lease
//! expiry and re-lease, release, bad input on every route, and a restart that keeps everything.

use std::sync::{Arc, OnceLock};

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use rand::rngs::OsRng;
use serde_json::{json, Value};
use tower::ServiceExt;
use zkagg_core::batch::{self, BatchParams, BatchWitness};
use zkagg_core::formats::snarkjs;
use zkagg_core::{ProvingKey, VerifyingKey};
use zkagg_service::{api, BatchKeys, Config, Service};

const PARAMS: BatchParams = BatchParams {
    transfers: 1,
    depth: 4,
};
const TOKEN: &str = "test-admin-token";

/// The batch keys, and a second, foreign key pair of the same shape.
fn keys() -> &'static ((ProvingKey, VerifyingKey), (ProvingKey, VerifyingKey)) {
    static KEYS: OnceLock<((ProvingKey, VerifyingKey), (ProvingKey, VerifyingKey))> =
        OnceLock::new();
    KEYS.get_or_init(|| {
        (
            batch::setup(&PARAMS, &mut OsRng).unwrap(),
            batch::setup(&PARAMS, &mut OsRng).unwrap(),
        )
    })
}

fn batch_keys() -> BatchKeys {
    let (pk, vk) = &keys().0;
    let mut bytes = Vec::new();
    pk.serialize_compressed(&mut bytes).unwrap();
    BatchKeys {
        params: PARAMS,
        verifying_key: vk.clone(),
        proving_key: bytes,
    }
}

async fn open(dir: &std::path::Path, lease_ms: u64) -> Arc<Service> {
    let mut config = Config::new(dir.to_path_buf());
    config.lease_ms = lease_ms;
    config.admin_token = Some(TOKEN.into());
    config.max_body_bytes = 16 * 1024;
    Service::open(config, batch_keys()).await.unwrap()
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }
    fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_string()
    }
}

async fn call(s: &Arc<Service>, req: Request<Body>) -> Reply {
    let res = api::router(s.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        headers,
        bytes,
    }
}

async fn post(s: &Arc<Service>, path: &str, body: Value) -> Reply {
    post_raw(s, path, body.to_string()).await
}

async fn post_raw(s: &Arc<Service>, path: &str, body: String) -> Reply {
    let req = Request::post(path)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::from(body))
        .unwrap();
    call(s, req).await
}

async fn get(s: &Arc<Service>, path: &str) -> Reply {
    call(s, Request::get(path).body(Body::empty()).unwrap()).await
}

/// Proves the leased job from its witness artifact, as a volunteer does.
async fn prove_from_artifact(s: &Arc<Service>, grant: &Value, pk: &ProvingKey) -> (Value, Value) {
    let witness = get(s, grant["witness"].as_str().unwrap()).await;
    assert_eq!(witness.status, StatusCode::OK);
    let witness = BatchWitness::deserialize_compressed(&witness.bytes[..]).unwrap();
    let proof = batch::prove(pk, &PARAMS, &witness, &mut OsRng).unwrap();
    let inputs = witness.statement().public_inputs();
    (
        serde_json::from_str(&snarkjs::proof_to_string(&proof)).unwrap(),
        serde_json::from_str(&snarkjs::public_inputs_to_string(&inputs)).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volunteers_prove_jobs_and_every_bad_submission_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), 60_000).await;
    let (pk, _) = &keys().0;
    let (foreign_pk, foreign_vk) = &keys().1;

    // Admin: cut three batches (the token is required).
    let unauthorised = call(
        &s,
        Request::post("/v1/admin/generate")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"count": 1}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(unauthorised.status, StatusCode::UNAUTHORIZED);
    let made = post(&s, "/v1/admin/generate", json!({"count": 3})).await;
    assert_eq!(
        made.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&made.bytes)
    );
    assert_eq!(
        made.json()["jobs"],
        json!(["batch-0", "batch-1", "batch-2"])
    );

    // Lease the oldest job; its witness artifact supports Range requests and the COOP/COEP
    // headers; the proving key is served too.
    let grant = post(&s, "/v1/leases", json!({"volunteer": "alice"})).await;
    assert_eq!(grant.status, StatusCode::OK);
    assert_eq!(
        grant.headers["cross-origin-embedder-policy"],
        "require-corp"
    );
    assert_eq!(grant.headers["cross-origin-opener-policy"], "same-origin");
    let grant = grant.json();
    assert_eq!(grant["job"]["id"], "batch-0");
    assert_eq!(grant["job"]["state"], "leased");
    let lease = grant["lease_id"].as_str().unwrap().to_string();
    let ranged = call(
        &s,
        Request::get(grant["witness"].as_str().unwrap())
            .header("range", "bytes=0-9")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(ranged.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.bytes.len(), 10);
    assert_eq!(
        ranged.headers["cross-origin-resource-policy"],
        "same-origin"
    );
    let served_pk = get(&s, grant["proving_key"].as_str().unwrap()).await;
    assert_eq!(
        ProvingKey::deserialize_compressed(&served_pk.bytes[..])
            .unwrap()
            .vk,
        pk.vk
    );

    let (proof, inputs) = prove_from_artifact(&s, &grant, pk).await;
    let hb = post(
        &s,
        "/v1/jobs/batch-0/heartbeat",
        json!({"lease_id": lease, "progress": 0.5}),
    )
    .await;
    assert_eq!(hb.status, StatusCode::OK);
    assert_eq!(hb.json()["progress"], 0.5);
    let bad_progress = post(
        &s,
        "/v1/jobs/batch-0/heartbeat",
        json!({"lease_id": lease, "progress": 7}),
    )
    .await;
    assert_eq!(
        (bad_progress.status.as_u16(), bad_progress.code()),
        (422, "malformed".into())
    );

    // Bad submissions under the live lease, each with its reason; the job is re-queued each
    // time, so lease it again between them.
    let submit = |proof: Value, inputs: Value, lease: String, vk_hash: Option<String>| {
        let s = s.clone();
        async move {
            let mut body = json!({"lease_id": lease, "proof": proof, "public_inputs": inputs});
            if let Some(h) = vk_hash {
                body["vk_hash"] = json!(h);
            }
            post(&s, "/v1/jobs/batch-0/submissions", body).await
        }
    };
    // Malformed (nothing stored, the lease stays).
    let r = submit(json!({"pi_a": ["1"]}), inputs.clone(), lease.clone(), None).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "malformed".into()));
    assert!(r.json()["message"].as_str().unwrap().starts_with("proof"));
    let r = post_raw(&s, "/v1/jobs/batch-0/submissions", "{not json".into()).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "malformed".into()));
    let r = post(&s, "/v1/jobs/batch-0/submissions", json!({"lease_id": 5})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "malformed".into()));
    let huge = format!(r#"{{"lease_id": "{}"}}"#, "x".repeat(20_000));
    let r = post_raw(&s, "/v1/jobs/batch-0/submissions", huge).await;
    assert_eq!((r.status.as_u16(), r.code()), (413, "too_large".into()));
    // A stale lease.
    let r = submit(proof.clone(), inputs.clone(), "f".repeat(32), None).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "stale_lease".into()));
    // Wrong public inputs (the proof is valid, for other inputs: swapped roots).
    let swapped = json!([inputs[1], inputs[0], inputs[2]]);
    let r = submit(proof.clone(), swapped, lease.clone(), None).await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "wrong_public_inputs".into())
    );
    // The rejection is charged to the volunteer, not to the job: queued, its attempt given back.
    let job = get(&s, "/v1/jobs/batch-0").await.json();
    assert_eq!(job["state"], "queued");
    assert_eq!(job["attempts"], 0);
    assert!(job["last_reason"]
        .as_str()
        .unwrap()
        .starts_with("wrong_public_inputs"));
    // The same wrong submission again is one submission: the same verdict, nothing changes.
    let again = submit(
        proof.clone(),
        json!([inputs[1], inputs[0], inputs[2]]),
        lease.clone(),
        None,
    )
    .await;
    assert_eq!(again.code(), "wrong_public_inputs");
    assert_eq!(get(&s, "/v1/jobs/batch-0").await.json()["attempts"], 0);

    // Wrong key: a proof made with another key, announced (wrong_key) or not (invalid_proof).
    let grant = post(&s, "/v1/leases", json!({"volunteer": "mallory"}))
        .await
        .json();
    assert_eq!(grant["job"]["id"], "batch-0");
    let lease2 = grant["lease_id"].as_str().unwrap().to_string();
    let (foreign_proof, _) = prove_from_artifact(&s, &grant, foreign_pk).await;
    let foreign_hash = zkagg_core::vk_hash::vk_hash_hex(foreign_vk);
    let r = submit(
        foreign_proof.clone(),
        inputs.clone(),
        lease2.clone(),
        Some(foreign_hash),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "wrong_key".into()));
    let grant = post(&s, "/v1/leases", json!({"volunteer": "mallory"}))
        .await
        .json();
    let lease3 = grant["lease_id"].as_str().unwrap().to_string();
    // (The same foreign proof again would be the same submission, answered `wrong_key` again:
    // a fresh proof with the same foreign key, not announced.)
    let (foreign_proof, _) = prove_from_artifact(&s, &grant, foreign_pk).await;
    let r = submit(foreign_proof, inputs.clone(), lease3, None).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "invalid_proof".into()));
    // Bad volunteers cannot make a job give up: three rejections later batch-0 is queued with
    // no attempt used, and an honest proof from mallory is still accepted. Her third rejection
    // (batch-0's proof sent for batch-1) uses up her allowance (max_rejections = 3 an hour): no
    // lease for her, 429 with the reason.
    let job = get(&s, "/v1/jobs/batch-0").await.json();
    assert_eq!(
        (job["state"].clone(), job["attempts"].clone()),
        (json!("queued"), json!(0))
    );
    let grant = post(&s, "/v1/leases", json!({"volunteer": "mallory"}))
        .await
        .json();
    let lease4 = grant["lease_id"].as_str().unwrap().to_string();
    let r = submit(proof.clone(), inputs.clone(), lease4.clone(), None).await;
    assert_eq!(r.json()["verdict"], "accepted", "{}", r.json());
    let r = post(&s, "/v1/leases", json!({"volunteer": "mallory"})).await;
    assert_eq!(r.json()["job"]["id"], "batch-1");
    let lease5 = r.json()["lease_id"].as_str().unwrap().to_string();
    let r = post(
        &s,
        "/v1/jobs/batch-1/submissions",
        json!({"lease_id": lease5, "proof": proof, "public_inputs": inputs}),
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (422, "wrong_public_inputs".into())
    );
    let r = post(&s, "/v1/leases", json!({"volunteer": "mallory"})).await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (429, "too_many_rejections".into())
    );
    assert!(
        r.json()["message"].as_str().unwrap().contains("mallory"),
        "{}",
        r.json()
    );

    // The next job: a tampered proof (C replaced by A) is invalid; then the honest one is
    // accepted, and submitting it again is a duplicate.
    let grant = post(&s, "/v1/leases", json!({"volunteer": "bob"}))
        .await
        .json();
    assert_eq!(grant["job"]["id"], "batch-1");
    let lease = grant["lease_id"].as_str().unwrap().to_string();
    let (proof, inputs) = prove_from_artifact(&s, &grant, pk).await;
    let mut tampered = proof.clone();
    tampered["pi_c"] = proof["pi_a"].clone();
    let sub = |body: Value| {
        let s = s.clone();
        async move { post(&s, "/v1/jobs/batch-1/submissions", body).await }
    };
    let r = sub(json!({"lease_id": lease, "proof": tampered, "public_inputs": inputs})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "invalid_proof".into()));
    let grant = post(&s, "/v1/leases", json!({"volunteer": "bob"}))
        .await
        .json();
    let lease = grant["lease_id"].as_str().unwrap().to_string();
    let r = sub(json!({"lease_id": lease, "proof": proof, "public_inputs": inputs})).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(r.json()["verdict"], "accepted");
    assert_eq!(r.json()["duplicate"], false);
    let r = sub(json!({"lease_id": lease, "proof": proof, "public_inputs": inputs})).await;
    assert_eq!(r.json()["duplicate"], true);
    assert_eq!(r.json()["job"]["state"], "accepted");
    // A heartbeat or release on an accepted job is refused.
    let r = post(&s, "/v1/jobs/batch-1/release", json!({"lease_id": lease})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "stale_lease".into()));

    // Release gives a job back without using an attempt.
    let grant = post(&s, "/v1/leases", json!({"volunteer": "carol"}))
        .await
        .json();
    assert_eq!(grant["job"]["id"], "batch-2");
    let r = post(
        &s,
        "/v1/jobs/batch-2/release",
        json!({"lease_id": grant["lease_id"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["state"], "queued");
    assert_eq!(r.json()["attempts"], 0);

    // Bad input on other routes: unknown ids, path tricks, unknown routes, wrong types.
    for path in [
        "/v1/jobs/nope",
        "/v1/jobs/..%2Fservice.db",
        "/artifacts/..%2Fservice.db",
        "/artifacts/abc",
        &format!("/artifacts/{}", "0".repeat(64)),
        "/v1/nothing",
    ] {
        let r = get(&s, path).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (404, "not_found".into()),
            "{path}"
        );
    }
    let r = post(&s, "/v1/leases", json!({"volunteer": 3})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "malformed".into()));
    let r = post(&s, "/v1/leases", json!({"volunteer": "x", "extra": 1})).await;
    assert_eq!(r.status.as_u16(), 422);
    let r = post(&s, "/v1/admin/generate", json!({"count": 0})).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "malformed".into()));

    // Status, metrics, OpenAPI.
    let status = get(&s, "/v1/status").await.json();
    assert_eq!(status["batches"], 3);
    assert_eq!(status["jobs"]["accepted"], 2);
    assert_eq!(status["jobs"]["failed"], 0);
    assert_eq!(status["jobs"]["queued"], 1);
    assert_eq!(status["jobs"]["rejected_submissions"], 5);
    let metrics = String::from_utf8(get(&s, "/metrics").await.bytes).unwrap();
    assert!(
        metrics.contains("zkagg_jobs{state=\"accepted\"} 2"),
        "{metrics}"
    );
    let doc = get(&s, "/v1/openapi.json").await.json();
    for path in [
        "/v1/leases",
        "/v1/jobs/{id}/submissions",
        "/v1/jobs/{id}/heartbeat",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }

    // Restart on the same directory: the tree replays, nothing accepted is lost, and the next
    // batch continues the chain (its old_root is the last new_root).
    let accepted_before = s.store.accepted_proof("batch-1").await.unwrap();
    drop(s);
    let s = open(dir.path(), 60_000).await;
    assert_eq!(
        s.store.accepted_proof("batch-1").await.unwrap(),
        accepted_before
    );
    assert!(accepted_before.is_some());
    let last = get(&s, "/v1/jobs/batch-2").await.json();
    post(&s, "/v1/admin/generate", json!({"count": 1})).await;
    let next = get(&s, "/v1/jobs/batch-3").await.json();
    assert_eq!(next["public_inputs"][0], last["public_inputs"][1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_requeued_and_taken_by_another_volunteer() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), 300).await;
    post(&s, "/v1/admin/generate", json!({"count": 1})).await;
    let first = post(&s, "/v1/leases", json!({"volunteer": "slow"}))
        .await
        .json();
    let none = post(&s, "/v1/leases", json!({"volunteer": "fast"})).await;
    assert_eq!(none.status, StatusCode::NO_CONTENT);
    // The fast volunteer's proof of this job is made now (same witness), so that proving time
    // on a loaded machine cannot outlast its own short lease below.
    let (pk, _) = &keys().0;
    let (proof, inputs) = prove_from_artifact(&s, &first, pk).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let second = post(&s, "/v1/leases", json!({"volunteer": "fast"})).await;
    assert_eq!(second.status, StatusCode::OK);
    let second = second.json();
    assert_eq!(second["job"]["id"], first["job"]["id"]);
    assert_eq!(second["job"]["attempts"], 2);
    // The slow volunteer's lease is stale now.
    let r = post(
        &s,
        "/v1/jobs/batch-0/heartbeat",
        json!({"lease_id": first["lease_id"]}),
    )
    .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "stale_lease".into()));
    // The fast one submits in time.
    let r = post(
        &s,
        "/v1/jobs/batch-0/submissions",
        json!({"lease_id": second["lease_id"], "proof": proof, "public_inputs": inputs}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
}

/// The first funded slot of a depth-4 genesis: `(slot, balance, nonce)`.
async fn funded_slot(s: &Arc<Service>) -> (u64, u64, u64) {
    for slot in 0..16 {
        let a = get(s, &format!("/v1/accounts/{slot}")).await.json();
        if a["balance"].as_u64().unwrap() >= 10 {
            return (
                slot,
                a["balance"].as_u64().unwrap(),
                a["nonce"].as_u64().unwrap(),
            );
        }
    }
    panic!("no funded slot in the genesis");
}

/// Transfers become batches: each one is checked against the pending state (every refusal
/// names its reason), a full batch becomes a queued job, pending transfers survive a restart,
/// and the random generator waits while some are pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_are_checked_and_cut_into_batches() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), 60_000).await;
    let (slot, balance, nonce) = funded_slot(&s).await;
    let other = (slot + 1) % 16;
    for (body, code, says) in [
        (
            json!({"from": slot, "to": other, "amount": 1, "nonce": nonce + 1}),
            "invalid_transfer",
            "nonce",
        ),
        (
            json!({"from": slot, "to": other, "amount": balance + 1, "nonce": nonce}),
            "invalid_transfer",
            "overdraft",
        ),
        (
            json!({"from": slot, "to": 16, "amount": 1, "nonce": nonce}),
            "invalid_transfer",
            "out of range",
        ),
        (
            json!({"from": 99, "to": other, "amount": 1, "nonce": 0}),
            "invalid_transfer",
            "out of range",
        ),
        (
            json!({"from": "x", "to": other, "amount": 1, "nonce": nonce}),
            "malformed",
            "from",
        ),
        (
            json!({"from": slot, "to": other, "amount": -1, "nonce": nonce}),
            "malformed",
            "amount",
        ),
        (
            json!({"from": slot, "to": other, "amount": 1}),
            "malformed",
            "nonce",
        ),
        (
            json!({"from": slot, "to": other, "amount": 1, "nonce": nonce, "fee": 1}),
            "malformed",
            "fee",
        ),
    ] {
        let r = post(&s, "/v1/transfers", body.clone()).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, code.into()), "{body}");
        let message = r.json()["message"].as_str().unwrap().to_string();
        assert!(message.contains(says), "{body}: {message}");
    }
    for path in [
        "/v1/accounts/16",
        "/v1/accounts/x",
        "/v1/accounts/-1",
        "/v1/accounts/99999999999999999999999",
    ] {
        assert_eq!(get(&s, path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(s.batches().await.unwrap(), 0, "nothing refused was cut");
    // One transfer is a whole batch in this shape: its job is queued at once.
    let r = post(
        &s,
        "/v1/transfers",
        json!({"from": slot, "to": other, "amount": 3, "nonce": nonce}),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.bytes)
    );
    assert_eq!(r.json(), json!({"pending": 0, "job": "batch-0"}));
    let job = get(&s, "/v1/jobs/batch-0").await.json();
    assert_eq!(job["state"], "queued");
    let a = get(&s, &format!("/v1/accounts/{slot}")).await.json();
    assert_eq!(
        (a["balance"].as_u64(), a["nonce"].as_u64()),
        (Some(balance - 3), Some(nonce + 1))
    );
    drop(s);

    // Two transfers per batch: the first waits (and survives a restart), the second cuts it.
    let params = BatchParams {
        transfers: 2,
        depth: 4,
    };
    let (pk, vk) = batch::setup(&params, &mut OsRng).unwrap();
    let mut pk_bytes = Vec::new();
    pk.serialize_compressed(&mut pk_bytes).unwrap();
    let two = tempfile::tempdir().unwrap();
    let open_two = || async {
        let mut config = Config::new(two.path().to_path_buf());
        config.admin_token = Some(TOKEN.into());
        Service::open(
            config,
            BatchKeys {
                params,
                verifying_key: vk.clone(),
                proving_key: pk_bytes.clone(),
            },
        )
        .await
        .unwrap()
    };
    let s = open_two().await;
    let (slot, balance, nonce) = funded_slot(&s).await;
    let r = post(
        &s,
        "/v1/transfers",
        json!({"from": slot, "to": other, "amount": 2, "nonce": nonce}),
    )
    .await;
    assert_eq!(r.json(), json!({"pending": 1, "job": null}));
    let r = post(&s, "/v1/admin/generate", json!({"count": 1})).await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "wrong_state".into()));
    drop(s);
    let s = open_two().await;
    assert_eq!(get(&s, "/v1/status").await.json()["pending_transfers"], 1);
    let a = get(&s, &format!("/v1/accounts/{slot}")).await.json();
    assert_eq!(
        (a["balance"].as_u64(), a["nonce"].as_u64()),
        (Some(balance - 2), Some(nonce + 1))
    );
    // The pending state is what a new transfer is checked against: the old nonce is spent.
    let r = post(
        &s,
        "/v1/transfers",
        json!({"from": slot, "to": other, "amount": 1, "nonce": nonce}),
    )
    .await;
    assert_eq!(r.code(), "invalid_transfer");
    let r = post(
        &s,
        "/v1/transfers",
        json!({"from": slot, "to": other, "amount": 1, "nonce": nonce + 1}),
    )
    .await;
    assert_eq!(r.json(), json!({"pending": 0, "job": "batch-0"}));
    let job = get(&s, "/v1/jobs/batch-0").await.json();
    assert_eq!(job["state"], "queued");
    assert_eq!(get(&s, "/v1/status").await.json()["pending_transfers"], 0);
    let r = post(&s, "/v1/admin/generate", json!({"count": 1})).await;
    assert_eq!(r.status, StatusCode::OK);
    let next = get(&s, "/v1/jobs/batch-1").await.json();
    assert_eq!(
        next["public_inputs"][0], job["public_inputs"][1],
        "the batches chain"
    );
}

/// What the web app reads: the dashboard's stats (throughput, rejections by code, lease
/// expiries, check latency), a volunteer's own counts, the batch key, the status fields of the
/// volunteer page, and the web app's static files (only under `--web-root`, nothing outside its
/// four directories).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_reads_stats_volunteer_counts_and_its_pages() {
    let dir = tempfile::tempdir().unwrap();
    // alice proves under a lease long enough for a loaded machine; the service is then
    // reopened on the same store with a short lease for the expiry below.
    let s = open(dir.path(), 60_000).await;
    let (pk, vk) = &keys().0;
    let (foreign_pk, _) = &keys().1;
    post(&s, "/v1/admin/generate", json!({"count": 2})).await;

    // alice: one proof under a foreign key (rejected), then the right one (accepted).
    for (key, expect) in [
        (foreign_pk, StatusCode::UNPROCESSABLE_ENTITY),
        (pk, StatusCode::OK),
    ] {
        let grant = post(&s, "/v1/leases", json!({"volunteer": "alice"}))
            .await
            .json();
        assert_eq!(grant["job"]["id"], "batch-0");
        let (proof, inputs) = prove_from_artifact(&s, &grant, key).await;
        let r = post(
            &s,
            "/v1/jobs/batch-0/submissions",
            json!({"lease_id": grant["lease_id"], "proof": proof, "public_inputs": inputs}),
        )
        .await;
        assert_eq!(r.status, expect, "{}", String::from_utf8_lossy(&r.bytes));
    }
    // slow lets its lease of batch-1 run out; fast takes it over.
    drop(s);
    let s = open(dir.path(), 300).await;
    post(&s, "/v1/leases", json!({"volunteer": "slow"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let r = post(&s, "/v1/leases", json!({"volunteer": "fast"})).await;
    assert_eq!(r.json()["job"]["id"], "batch-1");

    let stats = get(&s, "/v1/stats").await.json();
    assert_eq!(stats["jobs"]["accepted"], 1);
    assert_eq!(stats["proofs_last_minute"], 1);
    assert_eq!(stats["rejection_reasons"], json!({"invalid_proof": 1}));
    assert_eq!(stats["lease_expiries"], 1);
    assert_eq!(stats["verification_ms"]["samples"], 2);
    assert!(stats["verification_ms"]["p95"].as_f64().unwrap() >= 0.0);
    let minutes = stats["throughput"].as_array().unwrap();
    assert_eq!(minutes.len(), 30);
    let total = |field: &str| {
        minutes
            .iter()
            .map(|m| m[field].as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!((total("accepted"), total("rejected")), (1, 1));
    assert!(minutes
        .windows(2)
        .all(|w| w[1]["minute_ms"].as_u64() == w[0]["minute_ms"].as_u64().map(|m| m + 60_000)));

    assert_eq!(
        get(&s, "/v1/volunteers/alice").await.json(),
        json!({"volunteer": "alice", "accepted": 1, "rejected": 1, "pending": 0, "leased": 0})
    );
    assert_eq!(get(&s, "/v1/volunteers/fast").await.json()["leased"], 1);
    assert_eq!(get(&s, "/v1/volunteers/nobody").await.json()["accepted"], 0);

    let key = get(&s, "/v1/verifying-key").await;
    assert_eq!(
        snarkjs::parse_verifying_key(std::str::from_utf8(&key.bytes).unwrap()).unwrap(),
        *vk
    );
    let status = get(&s, "/v1/status").await.json();
    assert_eq!(status["round_size"], Value::Null);
    assert_eq!(status["lease_ms"], 300);
    assert_eq!(status["active_round_batches"], 0);
    for path in [
        "/v1/rounds/1/key",
        "/v1/rounds/1/inclusion/0",
        "/v1/rounds/x/inclusion/0",
        "/v1/rounds/1/inclusion/-1",
    ] {
        let r = get(&s, path).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::NOT_FOUND, "not_found".into()),
            "{path}"
        );
    }
    // No web root: no pages.
    assert_eq!(get(&s, "/").await.status, StatusCode::NOT_FOUND);
    drop(s);

    let mut config = Config::new(dir.path().to_path_buf());
    config.web_root = Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    let s = Service::open(config, batch_keys()).await.unwrap();
    let home = get(&s, "/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.headers["location"], "/www/volunteer.html");
    let page = get(&s, "/www/api.mjs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["cross-origin-embedder-policy"], "require-corp");
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    for outside in [
        "/www/../Cargo.toml",
        "/www/%2e%2e/Cargo.toml",
        "/Cargo.toml",
        "/www/",
    ] {
        assert_eq!(
            get(&s, outside).await.status,
            StatusCode::NOT_FOUND,
            "{outside}"
        );
    }
}
