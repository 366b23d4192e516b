//! The HTTP/JSON API (axum). Every error is JSON `{"code": ..., "message": ...}` with the status
//! of its [`RejectionCode`] (malformed JSON and wrong types: 422 `malformed`; a body over the
//! limit: 413 `too_large`); store failures are 500 `internal` and never echo input.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/transfers` | a rollup transfer, checked against the pending state; a full batch becomes a job |
//! | `GET /v1/accounts/{index}` | an account's balance and nonce after the pending transfers |
//! | `POST /v1/leases` | lease the oldest waiting job (`204` when none) |
//! | `GET /v1/jobs/{id}` | a job |
//! | `POST /v1/jobs/{id}/heartbeat` | extend the lease, report progress |
//! | `POST /v1/jobs/{id}/release` | give the lease back |
//! | `POST /v1/jobs/{id}/submissions` | submit a proof (checked before the answer) |
//! | `GET /v1/status` | job and round counts, batches, key, rollup contract |
//! | `GET /v1/rounds` | the latest 100 rounds, newest first |
//! | `GET /v1/rounds/{id}` | a round |
//! | `GET /v1/rounds/{id}/proof` | its aggregate proof (JSON), once compressed |
//! | `GET /v1/rounds/{id}/key` | the aggregate verifying key it was made under |
//! | `GET /v1/rounds/{id}/inclusion/{batch}` | a batch's statement and inclusion proof in the aggregate |
//! | `GET /v1/stats` | throughput per minute, rejections by reason, lease expiries, check latency |
//! | `GET /v1/volunteers/{name}` | one volunteer's submissions and leases |
//! | `GET /v1/verifying-key` | the batch key (snarkjs `verification_key.json`) |
//! | `POST /v1/admin/generate` | cut random valid batches (admin token) |
//! | `POST /v1/admin/rounds/resume` | let rounds open again after a failed one (admin token) |
//! | `GET /v1/openapi.json` | this API's OpenAPI document |
//! | `GET /artifacts/{sha256}` | proving key, witnesses (Range requests) |
//! | `GET /metrics`, `GET /healthz` | Prometheus text, liveness |
//! | `GET /www/...` (and `/` to the volunteer page) | the web app, with `--web-root` ([`web_routes`]) |
//!
//! Every response carries `Cross-Origin-Opener-Policy: same-origin` and
//! `Cross-Origin-Embedder-Policy: require-corp` (and artifacts `Cross-Origin-Resource-Policy:
//! same-origin`): the threaded browser prover needs a cross-origin isolated page.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::{OpenApi, ToSchema};

use crate::jobs::{Rejection, RejectionCode};
use crate::rounds::{inclusion_file, RoundState, RoundView, AGGREGATE_KEY_FILE};
use crate::store::{
    Counts, JobView, Stats, ThroughputMinute, VerificationLatency, VolunteerCounts,
};
use crate::submit::SubmitRequest;
use crate::{Error, LeaseGrant, Service, SubmitOutcome};

/// An error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The stable code (see `RejectionCode`), or `internal`.
    pub code: String,
    /// What is wrong.
    pub message: String,
}

/// An API error.
pub struct ApiError(Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        ApiError(Error::Rejected(r))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self.0 {
            Error::Rejected(r) => (r.code.status(), r.code.as_str().to_string(), r.message),
            other => (500, "internal".to_string(), other.to_string()),
        };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(ErrorBody { code, message })).into_response()
    }
}

/// A JSON body, or a typed rejection naming the problem.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    match b {
        Ok(Json(v)) => Ok(v),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(Rejection::new(
            RejectionCode::TooLarge,
            "the request body is over the limit",
        )
        .into()),
        Err(e) => Err(Rejection::new(RejectionCode::Malformed, e.body_text()).into()),
    }
}

/// `POST /v1/leases` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaseRequest {
    /// Who asks (a name or id the volunteer chooses; shown to operators).
    pub volunteer: String,
}

/// `POST /v1/transfers` body: move `amount` from slot `from` to slot `to`; `nonce` must be the
/// sender's current nonce (`GET /v1/accounts/{from}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The sender's slot.
    pub from: u64,
    /// The recipient's slot.
    pub to: u64,
    /// The amount.
    pub amount: u64,
    /// The sender's current nonce.
    pub nonce: u64,
}

/// `POST /v1/transfers` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferReceipt {
    /// Transfers now waiting for a batch (0 when this one completed a batch).
    pub pending: u64,
    /// The job of the batch this transfer completed, if it did.
    pub job: Option<String>,
}

/// `GET /v1/accounts/{index}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    /// The slot.
    pub index: u64,
    /// Its balance after the pending transfers.
    pub balance: u64,
    /// Its nonce after the pending transfers (the next transfer from it carries this one).
    pub nonce: u64,
}

/// `POST /v1/jobs/{id}/heartbeat` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatRequest {
    /// The lease.
    pub lease_id: String,
    /// Progress in `[0, 1]`.
    #[serde(default)]
    pub progress: Option<f64>,
}

/// `POST /v1/jobs/{id}/release` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// The lease.
    pub lease_id: String,
}

/// `POST /v1/admin/generate` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// How many batches (1 to 1000).
    pub count: u64,
}

/// `GET /v1/status`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusBody {
    /// Job counts.
    pub jobs: Counts,
    /// This process's role: the `sequencer`, or a `replica` that leases and checks only.
    pub role: crate::Role,
    /// Batches cut so far.
    pub batches: u64,
    /// Transfers waiting for a batch.
    pub pending_transfers: u64,
    /// The batch key's `vk_hash`.
    pub vk_hash: String,
    /// Rounds by state (`open`, `folding`, ..., `settled`, `failed`).
    pub rounds: std::collections::BTreeMap<String, u64>,
    /// The round in progress, if any.
    pub active_round: Option<RoundView>,
    /// The rollup contract rounds settle on (`0x` hex), once deployed.
    pub rollup: Option<String>,
    /// The rollup's genesis root (decimal).
    pub genesis_root: String,
    /// Batches per round (`None`: this process runs no rounds).
    pub round_size: Option<u64>,
    /// Batches the active round holds so far (accepted, consecutive; all of them once closed).
    pub active_round_batches: u64,
    /// Lease duration, milliseconds (a heartbeat extends a lease by as much).
    pub lease_ms: u64,
}

/// `GET /v1/rounds/{id}/inclusion/{batch}`: what a dapp needs to check that the round's
/// aggregate covers a batch (`AggregateVerifier.covers` of the wasm verifier).
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionView {
    /// The round.
    pub round: u64,
    /// The batch.
    pub batch: u64,
    /// The batch's public inputs `[old_root, new_root, tx_commitment]` (decimal).
    pub public_inputs: Vec<String>,
    /// Its slot and the siblings up to the aggregate's statements root (`{index, siblings}`).
    #[schema(value_type = Object)]
    pub inclusion: serde_json::Value,
}

/// A round id from the path (`not_found` for anything but a decimal `u64`).
fn round_id(id: &str) -> Result<u64, ApiError> {
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::new(RejectionCode::NotFound, "no such round").into());
    }
    id.parse()
        .map_err(|_| Rejection::new(RejectionCode::NotFound, "no such round").into())
}

fn check_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Rejection::new(RejectionCode::NotFound, "no such job").into());
    }
    Ok(())
}

#[utoipa::path(post, path = "/v1/leases", request_body = LeaseRequest,
    responses((status = 200, body = LeaseGrant), (status = 204, description = "no job waiting"),
              (status = 422, body = ErrorBody)))]
async fn lease(
    State(s): State<Arc<Service>>,
    b: Result<Json<LeaseRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let req = body(b)?;
    if req.volunteer.is_empty() || req.volunteer.len() > 128 {
        return Err(
            Rejection::new(RejectionCode::Malformed, "volunteer: 1 to 128 characters").into(),
        );
    }
    Ok(match s.lease(&req.volunteer).await? {
        Some(grant) => Json(grant).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

#[utoipa::path(post, path = "/v1/transfers", request_body = TransferRequest,
    responses((status = 200, body = TransferReceipt), (status = 422, body = ErrorBody)))]
async fn transfer(
    State(s): State<Arc<Service>>,
    b: Result<Json<TransferRequest>, JsonRejection>,
) -> Result<Json<TransferReceipt>, ApiError> {
    let req = body(b)?;
    let (pending, job) = s
        .submit_transfer(zkagg_core::batch::Transfer {
            from: req.from,
            to: req.to,
            amount: req.amount,
            nonce: req.nonce,
        })
        .await?;
    Ok(Json(TransferReceipt {
        pending: pending as u64,
        job,
    }))
}

#[utoipa::path(get, path = "/v1/accounts/{index}",
    responses((status = 200, body = AccountView), (status = 404, body = ErrorBody)))]
async fn account(
    State(s): State<Arc<Service>>,
    Path(index): Path<String>,
) -> Result<Json<AccountView>, ApiError> {
    let no_such = || ApiError::from(Rejection::new(RejectionCode::NotFound, "no such account"));
    if index.is_empty() || index.len() > 20 || !index.bytes().all(|b| b.is_ascii_digit()) {
        return Err(no_such());
    }
    let index: u64 = index.parse().map_err(|_| no_such())?;
    let a = s.account(index).await?;
    Ok(Json(AccountView {
        index,
        balance: a.balance,
        nonce: a.nonce,
    }))
}

#[utoipa::path(get, path = "/v1/jobs/{id}",
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody)))]
async fn job(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    check_id(&id)?;
    Ok(Json(s.store.job(&id).await?))
}

#[utoipa::path(post, path = "/v1/jobs/{id}/heartbeat", request_body = HeartbeatRequest,
    responses((status = 200, body = JobView), (status = 409, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn heartbeat(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
    b: Result<Json<HeartbeatRequest>, JsonRejection>,
) -> Result<Json<JobView>, ApiError> {
    check_id(&id)?;
    let req = body(b)?;
    Ok(Json(s.heartbeat(&id, &req.lease_id, req.progress).await?))
}

#[utoipa::path(post, path = "/v1/jobs/{id}/release", request_body = ReleaseRequest,
    responses((status = 200, body = JobView), (status = 409, body = ErrorBody)))]
async fn release(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
    b: Result<Json<ReleaseRequest>, JsonRejection>,
) -> Result<Json<JobView>, ApiError> {
    check_id(&id)?;
    let req = body(b)?;
    Ok(Json(s.release(&id, &req.lease_id).await?))
}

#[utoipa::path(post, path = "/v1/jobs/{id}/submissions", request_body = SubmitRequest,
    responses((status = 200, body = SubmitOutcome), (status = 422, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn submit(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
    b: Result<Json<SubmitRequest>, JsonRejection>,
) -> Result<Json<SubmitOutcome>, ApiError> {
    check_id(&id)?;
    let req = body(b)?;
    Ok(Json(s.submit(&id, &req).await?))
}

#[utoipa::path(get, path = "/v1/status", responses((status = 200, body = StatusBody)))]
async fn status(State(s): State<Arc<Service>>) -> Result<Json<StatusBody>, ApiError> {
    Ok(Json(StatusBody {
        jobs: s.store.counts().await?,
        role: s.role(),
        batches: s.batches().await?,
        pending_transfers: s.pending_transfers().await?,
        vk_hash: s.vk_hash().to_string(),
        rounds: s.store.round_counts().await?.into_iter().collect(),
        active_round: s.store.active_round().await?,
        rollup: s.rollup_address().await?,
        genesis_root: s.genesis_root().await,
        round_size: s.round_size(),
        active_round_batches: active_round_batches(&s).await?,
        lease_ms: s.config.lease_ms,
    }))
}

/// Batches in the active round: the accepted run so far while it is open, its range once closed.
async fn active_round_batches(s: &Service) -> Result<u64, ApiError> {
    let Some(round) = s.store.active_round().await? else {
        return Ok(0);
    };
    Ok(match (round.last_batch, s.round_size()) {
        (Some(last), _) => last + 1 - round.first_batch,
        (None, Some(size)) => s.store.accepted_run_len(round.first_batch, size).await?,
        (None, None) => 0,
    })
}

#[utoipa::path(get, path = "/v1/stats", responses((status = 200, body = Stats)))]
async fn stats(State(s): State<Arc<Service>>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(s.store.stats(crate::now_ms()).await?))
}

#[utoipa::path(get, path = "/v1/volunteers/{name}", responses((status = 200, body = VolunteerCounts)))]
async fn volunteer(
    State(s): State<Arc<Service>>,
    Path(name): Path<String>,
) -> Result<Json<VolunteerCounts>, ApiError> {
    Ok(Json(s.store.volunteer_counts(&name).await?))
}

#[utoipa::path(get, path = "/v1/verifying-key",
    responses((status = 200, description = "the batch key, snarkjs verification_key.json")))]
async fn verifying_key(State(s): State<Arc<Service>>) -> Response {
    json_text(s.verifying_key_json().to_string())
}

fn json_text(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// Reads a file a compressed round left in its work directory (`not_found` until it exists).
fn round_file(s: &Service, id: u64, relative: &str, what: &str) -> Result<String, ApiError> {
    let path = s.rounds_dir().join(format!("round-{id}")).join(relative);
    std::fs::read_to_string(&path).map_err(|_| {
        Rejection::new(
            RejectionCode::NotFound,
            format!("round {id} has no {what} (yet)"),
        )
        .into()
    })
}

#[utoipa::path(get, path = "/v1/rounds/{id}/key",
    responses((status = 200, description = "the aggregate verifying key (JSON)"), (status = 404, body = ErrorBody)))]
async fn round_key(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = round_id(&id)?;
    s.store.round(id).await?;
    Ok(json_text(round_file(
        &s,
        id,
        AGGREGATE_KEY_FILE,
        "aggregate key",
    )?))
}

#[utoipa::path(get, path = "/v1/rounds/{id}/inclusion/{batch}",
    responses((status = 200, body = InclusionView), (status = 404, body = ErrorBody)))]
async fn round_inclusion(
    State(s): State<Arc<Service>>,
    Path((id, batch)): Path<(String, String)>,
) -> Result<Json<InclusionView>, ApiError> {
    let id = round_id(&id)?;
    let batch = round_id(&batch)
        .map_err(|_| ApiError::from(Rejection::new(RejectionCode::NotFound, "no such batch")))?;
    let round = s.store.round(id).await?;
    let last = round.last_batch.unwrap_or(round.first_batch);
    if batch < round.first_batch || batch > last || round.last_batch.is_none() {
        return Err(Rejection::new(
            RejectionCode::NotFound,
            format!("batch {batch} is not in round {id}"),
        )
        .into());
    }
    let text = round_file(&s, id, &inclusion_file(batch), "inclusion proof")?;
    let inclusion = serde_json::from_str(&text)
        .map_err(|e| ApiError(Error::Store(format!("round {id} inclusion file: {e}"))))?;
    let public_inputs = s
        .store
        .batch_public_inputs(batch)
        .await?
        .ok_or_else(|| ApiError::from(Rejection::new(RejectionCode::NotFound, "no such batch")))?
        .to_vec();
    Ok(Json(InclusionView {
        round: id,
        batch,
        public_inputs,
        inclusion,
    }))
}

#[utoipa::path(get, path = "/v1/rounds", responses((status = 200, body = [RoundView])))]
async fn rounds(State(s): State<Arc<Service>>) -> Result<Json<Vec<RoundView>>, ApiError> {
    Ok(Json(s.store.rounds(100).await?))
}

#[utoipa::path(get, path = "/v1/rounds/{id}",
    responses((status = 200, body = RoundView), (status = 404, body = ErrorBody)))]
async fn round(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<Json<RoundView>, ApiError> {
    Ok(Json(s.store.round(round_id(&id)?).await?))
}

#[utoipa::path(get, path = "/v1/rounds/{id}/proof",
    responses((status = 200, description = "the aggregate proof (JSON)"), (status = 404, body = ErrorBody)))]
async fn round_proof(
    State(s): State<Arc<Service>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = round_id(&id)?;
    match s.store.round_proof(id).await? {
        Some(json) => Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response()),
        None => Err(Rejection::new(
            RejectionCode::NotFound,
            format!("round {id} has no aggregate proof yet"),
        )
        .into()),
    }
}

#[utoipa::path(post, path = "/v1/admin/generate", request_body = GenerateRequest,
    responses((status = 200, description = "the new jobs' ids"), (status = 401, body = ErrorBody)))]
async fn generate(
    State(s): State<Arc<Service>>,
    headers: HeaderMap,
    b: Result<Json<GenerateRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    authorise(&s, &headers)?;
    let req = body(b)?;
    if !(1..=1000).contains(&req.count) {
        return Err(Rejection::new(RejectionCode::Malformed, "count: 1 to 1000").into());
    }
    Ok(Json(json!({ "jobs": s.generate(req.count).await? })))
}

/// Admin routes need `Authorization: Bearer <token>` (and a configured token).
fn authorise(s: &Service, headers: &HeaderMap) -> Result<(), ApiError> {
    let authorised = match (&s.config.admin_token, headers.get(header::AUTHORIZATION)) {
        (Some(token), Some(value)) => value.to_str().ok() == Some(&format!("Bearer {token}")),
        _ => false,
    };
    if !authorised {
        return Err(Rejection::new(RejectionCode::Unauthorized, "admin token required").into());
    }
    Ok(())
}

#[utoipa::path(post, path = "/v1/admin/rounds/resume",
    responses((status = 200, description = "rounds may open again"), (status = 401, body = ErrorBody)))]
async fn resume_rounds(
    State(s): State<Arc<Service>>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    authorise(&s, &headers)?;
    let after = s.store.resume_rounds(crate::now_ms()).await?;
    Ok(Json(json!({ "resumed_after_round": after })))
}

async fn artifact(
    State(s): State<Arc<Service>>,
    Path(sha): Path<String>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::from(Rejection::new(RejectionCode::NotFound, "no such artifact"));
    // Only 64 lower-case hex digits name an artifact: no path can escape the directory.
    if sha.len() != 64 || !sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(not_found());
    }
    if !s.store.has_artifact(&sha).await? {
        return Err(not_found());
    }
    let path = s.config.data_dir.join("artifacts").join(&sha);
    let response = tower::ServiceExt::oneshot(ServeFile::new(path), request)
        .await
        .map_err(|e| ApiError(Error::Store(format!("artifact: {e}"))))?;
    let mut response = response.map(Body::new);
    response.headers_mut().insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}

async fn metrics(State(s): State<Arc<Service>>) -> Result<Response, ApiError> {
    let c = s.store.counts().await?;
    let mut text = String::from("# HELP zkagg_jobs Jobs by state.\n# TYPE zkagg_jobs gauge\n");
    for (state, n) in [
        ("queued", c.queued),
        ("leased", c.leased),
        ("verifying", c.verifying),
        ("accepted", c.accepted),
        ("failed", c.failed),
    ] {
        text.push_str(&format!("zkagg_jobs{{state=\"{state}\"}} {n}\n"));
    }
    text.push_str(&format!(
        "# HELP zkagg_rejected_submissions_total Rejected submissions.\n\
         # TYPE zkagg_rejected_submissions_total counter\n\
         zkagg_rejected_submissions_total {}\n\
         # HELP zkagg_batches_total Batches cut by the sequencer.\n\
         # TYPE zkagg_batches_total counter\n\
         zkagg_batches_total {}\n",
        c.rejected_submissions,
        s.batches().await?
    ));
    text.push_str("# HELP zkagg_rounds Rounds by state.\n# TYPE zkagg_rounds gauge\n");
    let counts = s.store.round_counts().await?;
    for state in [
        "open",
        "folding",
        "compressing",
        "submitting",
        "settled",
        "failed",
    ] {
        let n = counts
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n);
        text.push_str(&format!("zkagg_rounds{{state=\"{state}\"}} {n}\n"));
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

async fn not_found() -> ApiError {
    Rejection::new(RejectionCode::NotFound, "no such route").into()
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "zkagg aggregator service",
        description = "Batch proving jobs for volunteers; every submission checked natively before it is accepted."
    ),
    paths(
        transfer,
        account,
        lease,
        job,
        heartbeat,
        release,
        submit,
        status,
        rounds,
        round,
        round_proof,
        round_key,
        round_inclusion,
        stats,
        volunteer,
        verifying_key,
        generate
    ),
    components(schemas(
        TransferRequest,
        TransferReceipt,
        AccountView,
        LeaseRequest,
        HeartbeatRequest,
        ReleaseRequest,
        GenerateRequest,
        SubmitRequest,
        LeaseGrant,
        SubmitOutcome,
        JobView,
        Counts,
        StatusBody,
        RoundView,
        RoundState,
        InclusionView,
        Stats,
        ThroughputMinute,
        VerificationLatency,
        VolunteerCounts,
        ErrorBody,
        crate::jobs::JobState,
        crate::jobs::Rejection,
        crate::jobs::RejectionCode
    ))
)]
pub struct ApiDoc;

/// The web app's static files under `root` (the repository, or an installed copy of its
/// layout): the pages in `www/`, the two wasm packages and the chart library they import
/// relatively, and `/` redirecting to the volunteer page. Nothing else under `root` is served
/// (only these four directories are mounted).
pub fn web_routes(root: &std::path::Path) -> Router<Arc<Service>> {
    let dir =
        |relative: &str| ServeDir::new(root.join(relative)).append_index_html_on_directories(false);
    Router::new()
        .route("/", get(|| async { Redirect::to("/www/volunteer.html") }))
        .nest_service("/www", dir("www"))
        .nest_service("/web-prover/pkg", dir("web-prover/pkg"))
        .nest_service("/wasm-verifier/pkg/web", dir("wasm-verifier/pkg/web"))
        .nest_service("/node_modules/uplot/dist", dir("node_modules/uplot/dist"))
        // Pages change with the code: revalidate rather than trust a heuristic cache.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}

/// The router.
pub fn router(service: Arc<Service>) -> Router {
    let limit = service.config.max_body_bytes;
    let web = match &service.config.web_root {
        Some(root) => web_routes(root),
        None => Router::new(),
    };
    Router::new()
        .merge(web)
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .route(
            "/v1/openapi.json",
            get(|| async { Json(ApiDoc::openapi()) }),
        )
        .route("/v1/transfers", post(transfer))
        .route("/v1/accounts/{index}", get(account))
        .route("/v1/leases", post(lease))
        .route("/v1/jobs/{id}", get(job))
        .route("/v1/jobs/{id}/heartbeat", post(heartbeat))
        .route("/v1/jobs/{id}/release", post(release))
        .route("/v1/jobs/{id}/submissions", post(submit))
        .route("/v1/status", get(status))
        .route("/v1/rounds", get(rounds))
        .route("/v1/rounds/{id}", get(round))
        .route("/v1/rounds/{id}/proof", get(round_proof))
        .route("/v1/rounds/{id}/key", get(round_key))
        .route("/v1/rounds/{id}/inclusion/{batch}", get(round_inclusion))
        .route("/v1/stats", get(stats))
        .route("/v1/volunteers/{name}", get(volunteer))
        .route("/v1/verifying-key", get(verifying_key))
        .route("/v1/admin/generate", post(generate))
        .route("/v1/admin/rounds/resume", post(resume_rounds))
        .route("/artifacts/{sha}", get(artifact))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-embedder-policy"),
            HeaderValue::from_static("require-corp"),
        ))
        .with_state(service)
}

/// Serves `router(service)` on `listener` until `shutdown` resolves.
pub async fn serve(
    service: Arc<Service>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(service))
        .with_graceful_shutdown(shutdown)
        .await
}
