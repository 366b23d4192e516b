//! The HTTP/JSON API (axum). Every error is JSON `{"code": ..., "message": ...}` with the status
//! of its [`RejectionCode`] (malformed JSON and wrong types: 422 `malformed`; a body over the
//! limit: 413 `too_large`); store failures are 500 `internal` and never echo input.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/leases` | lease the oldest waiting job (`204` when none) |
//! | `GET /v1/jobs/{id}` | a job |
//! | `POST /v1/jobs/{id}/heartbeat` | extend the lease, report progress |
//! | `POST /v1/jobs/{id}/release` | give the lease back |
//! | `POST /v1/jobs/{id}/submissions` | submit a proof (checked before the answer) |
//! | `GET /v1/status` | job counts, batches, key |
//! | `POST /v1/admin/generate` | cut random valid batches (admin token) |
//! | `GET /v1/openapi.json` | this API's OpenAPI document |
//! | `GET /artifacts/{sha256}` | proving key, witnesses (Range requests) |
//! | `GET /metrics`, `GET /healthz` | Prometheus text, liveness |
//!
//! Every response carries `Cross-Origin-Opener-Policy: same-origin` and
//! `Cross-Origin-Embedder-Policy: require-corp` (and artifacts `Cross-Origin-Resource-Policy:
//! same-origin`): the threaded browser prover needs a cross-origin isolated page.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::{OpenApi, ToSchema};

use crate::jobs::{Rejection, RejectionCode};
use crate::store::{Counts, JobView};
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
    /// Batches cut so far.
    pub batches: u64,
    /// The batch key's `vk_hash`.
    pub vk_hash: String,
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
        batches: s.batches().await,
        vk_hash: s.vk_hash().to_string(),
    }))
}

#[utoipa::path(post, path = "/v1/admin/generate", request_body = GenerateRequest,
    responses((status = 200, description = "the new jobs' ids"), (status = 401, body = ErrorBody)))]
async fn generate(
    State(s): State<Arc<Service>>,
    headers: HeaderMap,
    b: Result<Json<GenerateRequest>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let authorised = match (&s.config.admin_token, headers.get(header::AUTHORIZATION)) {
        (Some(token), Some(value)) => value.to_str().ok() == Some(&format!("Bearer {token}")),
        _ => false,
    };
    if !authorised {
        return Err(Rejection::new(RejectionCode::Unauthorized, "admin token required").into());
    }
    let req = body(b)?;
    if !(1..=1000).contains(&req.count) {
        return Err(Rejection::new(RejectionCode::Malformed, "count: 1 to 1000").into());
    }
    Ok(Json(json!({ "jobs": s.generate(req.count).await? })))
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
        s.batches().await
    ));
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
    paths(lease, job, heartbeat, release, submit, status, generate),
    components(schemas(
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
        ErrorBody,
        crate::jobs::JobState,
        crate::jobs::Rejection,
        crate::jobs::RejectionCode
    ))
)]
pub struct ApiDoc;

/// The router.
pub fn router(service: Arc<Service>) -> Router {
    let limit = service.config.max_body_bytes;
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .route(
            "/v1/openapi.json",
            get(|| async { Json(ApiDoc::openapi()) }),
        )
        .route("/v1/leases", post(lease))
        .route("/v1/jobs/{id}", get(job))
        .route("/v1/jobs/{id}/heartbeat", post(heartbeat))
        .route("/v1/jobs/{id}/release", post(release))
        .route("/v1/jobs/{id}/submissions", post(submit))
        .route("/v1/status", get(status))
        .route("/v1/admin/generate", post(generate))
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
