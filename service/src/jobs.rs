//! The job state machine and the typed reasons a request is refused for.
//!
//! ```text
//!            lease                 submit (lease valid)         proof checks out
//!  queued ----------> leased ---------------------> verifying ------------------> accepted
//!    ^ ^  <----------  |   \                            |
//!    | |  release      |    heartbeat: extends the      | wrong key / inputs / invalid proof:
//!    | |               |    lease, records progress     | rejected submission, charged to
//!    | +---------------|--------------------------------+ the volunteer; the job is queued
//!    |   lease expired | (attempts < max)                 again
//!    +-----------------+-----> failed (attempts = max)
//! ```
//!
//! `attempts` counts the leases charged to the job: a release or a rejected submission gives
//! its attempt back (the job is not at fault; the volunteer was). A job whose leases expired
//! `max_attempts` times becomes `failed` (kept, with its last reason, for an operator). A
//! volunteer with `max_rejections` rejected submissions within the rejection window is refused
//! new leases (`too_many_rejections`) until the window moves past them. Every transition is one
//! store transaction and appends one event.

use serde::Serialize;
use utoipa::ToSchema;

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a volunteer.
    Queued,
    /// Held by a volunteer until its lease expires.
    Leased,
    /// A submission is being checked.
    Verifying,
    /// A valid proof is stored.
    Accepted,
    /// Given up after the maximum number of attempts.
    Failed,
}

impl JobState {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Leased => "leased",
            JobState::Verifying => "verifying",
            JobState::Accepted => "accepted",
            JobState::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => JobState::Queued,
            "leased" => JobState::Leased,
            "verifying" => JobState::Verifying,
            "accepted" => JobState::Accepted,
            "failed" => JobState::Failed,
            _ => return None,
        })
    }
}

/// Why a request was refused: each has its own code (stable, for clients) and HTTP status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Rejection {
    /// A stable machine-readable code, e.g. `wrong_public_inputs`.
    pub code: RejectionCode,
    /// A human-readable explanation naming the problem.
    pub message: String,
}

/// The stable rejection codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    /// The request body or a field of it is malformed (422).
    Malformed,
    /// The proof was made for another verifying key (its `vk_hash` differs) (422).
    WrongKey,
    /// The public inputs are not the job's expected ones (422).
    WrongPublicInputs,
    /// The proof does not verify for the job's statement (422).
    InvalidProof,
    /// The lease is not (or no longer) the job's current one (409).
    StaleLease,
    /// The job is not in a state that allows this request (409).
    WrongState,
    /// No such job or artifact (404).
    NotFound,
    /// The request body is too large (413).
    TooLarge,
    /// No job is waiting (204 for a lease request; reported as a rejection otherwise).
    NoJob,
    /// A missing or wrong admin token (401).
    Unauthorized,
    /// A transfer the rollup's state refuses (a slot out of range, the sender's nonce, an
    /// overdraft, an overflow) (422).
    InvalidTransfer,
    /// A sequencer request (transfers, accounts, the generator) sent to a replica that does
    /// not hold the sequencer role (409); send it to the sequencer replica.
    NotSequencer,
    /// This volunteer had too many submissions rejected recently; no lease until the window
    /// moves on (429).
    TooManyRejections,
}

impl RejectionCode {
    /// The HTTP status of a rejection with this code.
    pub fn status(self) -> u16 {
        match self {
            RejectionCode::Malformed
            | RejectionCode::WrongKey
            | RejectionCode::WrongPublicInputs
            | RejectionCode::InvalidProof
            | RejectionCode::InvalidTransfer => 422,
            RejectionCode::StaleLease | RejectionCode::WrongState | RejectionCode::NotSequencer => {
                409
            }
            RejectionCode::NotFound => 404,
            RejectionCode::TooLarge => 413,
            RejectionCode::NoJob => 204,
            RejectionCode::Unauthorized => 401,
            RejectionCode::TooManyRejections => 429,
        }
    }

    /// The code as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionCode::Malformed => "malformed",
            RejectionCode::WrongKey => "wrong_key",
            RejectionCode::WrongPublicInputs => "wrong_public_inputs",
            RejectionCode::InvalidProof => "invalid_proof",
            RejectionCode::StaleLease => "stale_lease",
            RejectionCode::WrongState => "wrong_state",
            RejectionCode::NotFound => "not_found",
            RejectionCode::TooLarge => "too_large",
            RejectionCode::NoJob => "no_job",
            RejectionCode::Unauthorized => "unauthorized",
            RejectionCode::InvalidTransfer => "invalid_transfer",
            RejectionCode::NotSequencer => "not_sequencer",
            RejectionCode::TooManyRejections => "too_many_rejections",
        }
    }
}

impl Rejection {
    /// A rejection with `code` and `message`.
    pub fn new(code: RejectionCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}
