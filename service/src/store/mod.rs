//! The durable store (SQLite in WAL mode with `synchronous = FULL`, or PostgreSQL): every state
//! change is one transaction, committed before the request that caused it is answered.
//! Migrations are embedded (`migrations/`) and run on open.
//!
//! SQLite serialises writers; the pool holds one connection, so transactions never race each
//! other for the write lock (no `SQLITE_BUSY` under load) and "lease the oldest queued job" is
//! atomic. The same methods and migrations run on PostgreSQL through sqlx's `Any` driver
//! ([`Store::connect`]) for several service replicas on one database: leasing and expiry lock
//! rows with `FOR UPDATE SKIP LOCKED` (concurrent leases take different jobs, never one twice),
//! every read-modify-write of a job locks its row first, and one replica holds the sequencer
//! role through an advisory lock ([`Store::claim_sequencer`]).

use std::path::Path;

use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use utoipa::ToSchema;

use crate::jobs::{JobState, Rejection, RejectionCode};
use crate::{Error, Result};

mod rounds;
mod stats;
pub use rounds::AcceptedBatch;
pub use stats::{Stats, ThroughputMinute, VerificationLatency, VolunteerCounts};

/// The embedded migrations.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A batch as the sequencer stores it.
#[derive(Clone, Debug)]
pub struct NewBatch {
    /// Its index in the rollup (0 for the first).
    pub batch_index: u64,
    /// `[old_root, new_root, tx_commitment]` as decimal strings.
    pub public_inputs: [String; 3],
    /// The transfers (JSON), replayed to rebuild the tree.
    pub transfers: String,
    /// The witness artifact's SHA-256 (hex) and size.
    pub witness_sha256: String,
    /// Its size in bytes.
    pub witness_size: u64,
}

/// A stored batch.
#[derive(Clone, Debug)]
pub struct BatchRow {
    /// Its index.
    pub batch_index: u64,
    /// Its expected public inputs (decimal strings).
    pub public_inputs: [String; 3],
    /// Its transfers (JSON).
    pub transfers: String,
    /// Its witness artifact.
    pub witness_sha256: String,
}

/// A job as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct JobView {
    /// The job's id (`batch-<index>`).
    pub id: String,
    /// The batch it proves.
    pub batch_index: u64,
    /// Its state.
    pub state: JobState,
    /// Leases charged to it (a release or a rejected submission gives its attempt back).
    pub attempts: u64,
    /// The current lease's deadline (milliseconds since the Unix epoch), while leased.
    pub lease_expires_at: Option<u64>,
    /// The last progress a heartbeat reported (0 to 1).
    pub progress: Option<f64>,
    /// The last rejection or expiry, if any.
    pub last_reason: Option<String>,
    /// The expected public inputs `[old_root, new_root, tx_commitment]`.
    pub public_inputs: Vec<String>,
    /// The witness artifact (`/artifacts/{sha256}`).
    pub witness_sha256: String,
}

/// What a fresh lease hands out.
#[derive(Clone, Debug)]
pub struct Lease {
    /// The job.
    pub job: JobView,
    /// The lease's id (needed for heartbeats, release and the submission).
    pub lease_id: String,
}

/// The rules a lease is granted under.
#[derive(Clone, Copy, Debug)]
pub struct LeasePolicy {
    /// How long a lease lasts (a heartbeat extends it by as much).
    pub lease_ms: u64,
    /// Expired leases of one job before it is given up.
    pub max_attempts: u64,
    /// Rejected submissions a volunteer may have within `rejection_window_ms` before it is
    /// refused new leases (0: no limit).
    pub max_rejections: u64,
    /// The window `max_rejections` counts over.
    pub rejection_window_ms: u64,
}

/// The outcome of recording a submission.
#[derive(Clone, Debug)]
pub enum Recorded {
    /// New: stored as pending and the job moved to `verifying`; check it against this view of
    /// the job (read in the same transaction: its id and public inputs never change), then
    /// finish it.
    Fresh(JobView),
    /// The same proof was submitted before: its verdict (`Ok` accepted, `Err` its rejection),
    /// or `None` while it is still being checked.
    Duplicate(Option<std::result::Result<(), Rejection>>),
}

/// Job counts by state.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Counts {
    /// Queued jobs.
    pub queued: u64,
    /// Leased jobs.
    pub leased: u64,
    /// Jobs whose submission is being checked.
    pub verifying: u64,
    /// Jobs with an accepted proof.
    pub accepted: u64,
    /// Jobs given up.
    pub failed: u64,
    /// Rejected submissions.
    pub rejected_submissions: u64,
}

/// The database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (embedded, one process).
    Sqlite,
    /// PostgreSQL (several replicas on one database).
    Postgres,
}

/// Key of the PostgreSQL advisory lock the sequencer replica holds ("zkagg" in ASCII).
const SEQUENCER_LOCK_KEY: i64 = 0x7a_6b_61_67_67;

/// The store.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// PostgreSQL: the connection (out of the pool) whose session holds the sequencer's
    /// advisory lock; the lock lasts as long as this connection, so a replica that dies frees it.
    sequencer_lock: std::sync::Arc<tokio::sync::Mutex<Option<sqlx::AnyConnection>>>,
}

fn rejected(code: RejectionCode, message: impl Into<String>) -> Error {
    Error::Rejected(Rejection::new(code, message))
}

async fn event(
    tx: &mut Transaction<'_, Any>,
    job_id: &str,
    kind: &str,
    detail: Option<&str>,
    now: u64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO events (job_id, seq, kind, detail, at) VALUES ($1, \
         (SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE job_id = $1), $2, $3, $4)",
    )
    .bind(job_id)
    .bind(kind)
    .bind(detail)
    .bind(now as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One job with its batch's public inputs and witness.
const JOB_QUERY: &str = "SELECT j.id, j.batch_index, j.state, j.attempts, j.lease_expires_at, \
    j.progress, j.last_reason, b.old_root, b.new_root, b.tx_commitment, b.witness_sha256, \
    j.lease_id FROM jobs j JOIN batches b ON b.batch_index = j.batch_index WHERE j.id = $1";
/// [`JOB_QUERY`], locking the job's row (PostgreSQL).
const JOB_QUERY_LOCKED: &str = "SELECT j.id, j.batch_index, j.state, j.attempts, \
    j.lease_expires_at, j.progress, j.last_reason, b.old_root, b.new_root, b.tx_commitment, \
    b.witness_sha256, j.lease_id FROM jobs j JOIN batches b ON b.batch_index = j.batch_index \
    WHERE j.id = $1 FOR UPDATE OF j";

fn job_from_row(row: &AnyRow) -> Result<(JobView, Option<String>)> {
    let state: String = row.try_get("state")?;
    let view = JobView {
        id: row.try_get("id")?,
        batch_index: row.try_get::<i64, _>("batch_index")? as u64,
        state: JobState::parse(&state)
            .ok_or_else(|| Error::Store(format!("unknown job state {state:?}")))?,
        attempts: row.try_get::<i64, _>("attempts")? as u64,
        lease_expires_at: row
            .try_get::<Option<i64>, _>("lease_expires_at")?
            .map(|t| t as u64),
        progress: row.try_get("progress")?,
        last_reason: row.try_get("last_reason")?,
        public_inputs: vec![
            row.try_get("old_root")?,
            row.try_get("new_root")?,
            row.try_get("tx_commitment")?,
        ],
        witness_sha256: row.try_get("witness_sha256")?,
    };
    Ok((view, row.try_get("lease_id")?))
}

impl Store {
    /// Opens (creating if needed) the SQLite database file and runs the migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Connects to `sqlite://PATH?mode=rwc` or `postgres://...` and runs the migrations (the
    /// same files on both). SQLite: one connection, WAL journal, `synchronous = FULL`, foreign
    /// keys on. PostgreSQL: a pool of 16; leasing locks rows with `FOR UPDATE SKIP LOCKED`.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(Error::Config(
                "the database URL must start with sqlite: or postgres://".into(),
            ));
        };
        let options = match backend {
            Backend::Sqlite => AnyPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA synchronous = FULL",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA busy_timeout = 5000",
                        ] {
                            conn.execute(pragma).await?;
                        }
                        Ok(())
                    })
                }),
            Backend::Postgres => AnyPoolOptions::new().max_connections(16),
        };
        let pool = options.connect(url).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            backend,
            sequencer_lock: Default::default(),
        })
    }

    /// Takes the sequencer role if no other replica holds it: the one replica that holds the
    /// rollup state in memory, takes transfers, cuts batches and runs rounds (two sequencers
    /// would cut conflicting batches). SQLite: always (one process owns the file). PostgreSQL:
    /// `pg_try_advisory_lock` on a connection kept out of the pool for the store's lifetime;
    /// the database frees the lock when that session ends (the replica stopped or died).
    pub async fn claim_sequencer(&self) -> Result<bool> {
        if self.backend == Backend::Sqlite {
            return Ok(true);
        }
        let mut held = self.sequencer_lock.lock().await;
        if held.is_some() {
            return Ok(true);
        }
        let mut conn = self.pool.acquire().await?.detach();
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(SEQUENCER_LOCK_KEY)
            .fetch_one(&mut conn)
            .await?;
        if got {
            *held = Some(conn);
        }
        Ok(got)
    }

    /// The database this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A `meta` value.
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Sets a `meta` value once: returns the stored value (the existing one if it was set).
    pub async fn meta_init(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        self.meta(key)
            .await?
            .ok_or_else(|| Error::Store(format!("meta {key} vanished")))
    }

    /// Records an artifact (idempotent).
    pub async fn put_artifact(&self, sha256: &str, kind: &str, size: u64, now: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO artifacts (sha256, kind, size, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha256)
        .bind(kind)
        .bind(size as i64)
        .bind(now as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether an artifact is known.
    pub async fn has_artifact(&self, sha256: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM artifacts WHERE sha256 = $1")
            .bind(sha256)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// Stores a batch and its queued job in one transaction; with `takes_pending`, the batch is
    /// made of the pending transfers, which are deleted in the same transaction.
    pub async fn insert_batch(
        &self,
        b: &NewBatch,
        takes_pending: bool,
        now: u64,
    ) -> Result<String> {
        let job_id = format!("batch-{}", b.batch_index);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO artifacts (sha256, kind, size, created_at) VALUES ($1, 'witness', $2, $3) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&b.witness_sha256)
        .bind(b.witness_size as i64)
        .bind(now as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO batches (batch_index, old_root, new_root, tx_commitment, transfers, \
             witness_sha256, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(b.batch_index as i64)
        .bind(&b.public_inputs[0])
        .bind(&b.public_inputs[1])
        .bind(&b.public_inputs[2])
        .bind(&b.transfers)
        .bind(&b.witness_sha256)
        .bind(now as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO jobs (id, batch_index, state, attempts, updated_at) \
             VALUES ($1, $2, 'queued', 0, $3)",
        )
        .bind(&job_id)
        .bind(b.batch_index as i64)
        .bind(now as i64)
        .execute(&mut *tx)
        .await?;
        if takes_pending {
            sqlx::query("DELETE FROM pending_transfers")
                .execute(&mut *tx)
                .await?;
        }
        event(&mut tx, &job_id, "queued", None, now).await?;
        tx.commit().await?;
        Ok(job_id)
    }

    /// Appends a pending transfer (JSON); returns how many are pending now.
    pub async fn add_pending_transfer(&self, transfer: &str, now: u64) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO pending_transfers (seq, transfer, created_at) VALUES \
             ((SELECT COALESCE(MAX(seq), 0) + 1 FROM pending_transfers), $1, $2)",
        )
        .bind(transfer)
        .bind(now as i64)
        .execute(&mut *tx)
        .await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_transfers")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n as u64)
    }

    /// How many transfers are pending.
    pub async fn pending_transfer_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_transfers")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    /// The pending transfers (JSON), in arrival order.
    pub async fn pending_transfers(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT transfer FROM pending_transfers ORDER BY seq")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// How many batches are stored.
    pub async fn batch_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM batches")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    /// Every batch, in order (to rebuild the sequencer's tree).
    pub async fn batches(&self) -> Result<Vec<BatchRow>> {
        let rows = sqlx::query(
            "SELECT batch_index, old_root, new_root, tx_commitment, transfers, witness_sha256 \
             FROM batches ORDER BY batch_index",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BatchRow {
                    batch_index: r.try_get::<i64, _>("batch_index")? as u64,
                    public_inputs: [
                        r.try_get("old_root")?,
                        r.try_get("new_root")?,
                        r.try_get("tx_commitment")?,
                    ],
                    transfers: r.try_get("transfers")?,
                    witness_sha256: r.try_get("witness_sha256")?,
                })
            })
            .collect()
    }

    /// One job inside a transaction; on PostgreSQL its row stays locked until the transaction
    /// ends, so that concurrent requests on one job (from several replicas) take turns.
    async fn job_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        id: &str,
    ) -> Result<(JobView, Option<String>)> {
        let query = match self.backend {
            Backend::Sqlite => JOB_QUERY,
            Backend::Postgres => JOB_QUERY_LOCKED,
        };
        let row = sqlx::query(query)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| rejected(RejectionCode::NotFound, format!("no job {id:?}")))?;
        job_from_row(&row)
    }

    /// One job.
    pub async fn job(&self, id: &str) -> Result<JobView> {
        let mut tx = self.pool.begin().await?;
        let (job, _) = self.job_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(job)
    }

    /// Expired leases go back to the queue, or to `failed` after `max_attempts`.
    async fn expire(
        &self,
        tx: &mut Transaction<'_, Any>,
        now: u64,
        max_attempts: u64,
    ) -> Result<()> {
        let expired: Vec<(String, i64)> = sqlx::query_as(match self.backend {
            Backend::Sqlite => {
                "SELECT id, attempts FROM jobs WHERE state = 'leased' AND lease_expires_at <= $1"
            }
            // Rows another replica is expiring right now are skipped (it re-queues them).
            Backend::Postgres => {
                "SELECT id, attempts FROM jobs WHERE state = 'leased' AND lease_expires_at <= $1 \
                 FOR UPDATE SKIP LOCKED"
            }
        })
        .bind(now as i64)
        .fetch_all(&mut **tx)
        .await?;
        for (id, attempts) in expired {
            let give_up = attempts as u64 >= max_attempts;
            let state = if give_up { "failed" } else { "queued" };
            let reason = format!("lease expired (attempt {attempts} of {max_attempts})");
            sqlx::query(
                "UPDATE jobs SET state = $1, lease_id = NULL, leased_by = NULL, \
                 lease_expires_at = NULL, last_reason = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(state)
            .bind(&reason)
            .bind(now as i64)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
            event(
                tx,
                &id,
                if give_up { "failed" } else { "expired" },
                Some(&reason),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// Leases the oldest queued job (expired leases are re-queued first) to `volunteer`, unless
    /// the volunteer had `max_rejections` submissions rejected within the rejection window.
    pub async fn lease(
        &self,
        volunteer: &str,
        lease_id: &str,
        now: u64,
        policy: &LeasePolicy,
    ) -> Result<Option<Lease>> {
        let mut tx = self.pool.begin().await?;
        if policy.max_rejections > 0 {
            let since = now.saturating_sub(policy.rejection_window_ms);
            let recent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM submissions \
                 WHERE volunteer = $1 AND verdict = 'rejected' AND created_at > $2",
            )
            .bind(volunteer)
            .bind(since as i64)
            .fetch_one(&mut *tx)
            .await?;
            if recent as u64 >= policy.max_rejections {
                return Err(rejected(
                    RejectionCode::TooManyRejections,
                    format!(
                        "volunteer {volunteer:?} had {recent} submissions rejected in the last \
                         {} s; no new lease until fewer than {} are that recent",
                        policy.rejection_window_ms / 1000,
                        policy.max_rejections
                    ),
                ));
            }
        }
        self.expire(&mut tx, now, policy.max_attempts).await?;
        let next: Option<String> = sqlx::query_scalar(match self.backend {
            // One connection: this transaction is the only writer.
            Backend::Sqlite => {
                "SELECT id FROM jobs WHERE state = 'queued' ORDER BY batch_index LIMIT 1"
            }
            // The oldest queued job no other replica holds a lock on: concurrent leases take
            // different jobs and never the same one twice.
            Backend::Postgres => {
                "SELECT id FROM jobs WHERE state = 'queued' ORDER BY batch_index LIMIT 1 \
                 FOR UPDATE SKIP LOCKED"
            }
        })
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = next else {
            tx.commit().await?;
            return Ok(None);
        };
        sqlx::query(
            "UPDATE jobs SET state = 'leased', lease_id = $1, leased_by = $2, lease_expires_at = $3, \
             attempts = attempts + 1, progress = 0, updated_at = $4 WHERE id = $5",
        )
        .bind(lease_id)
        .bind(volunteer)
        .bind((now + policy.lease_ms) as i64)
        .bind(now as i64)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        event(&mut tx, &id, "leased", Some(volunteer), now).await?;
        let (job, _) = self.job_in(&mut tx, &id).await?;
        tx.commit().await?;
        Ok(Some(Lease {
            job,
            lease_id: lease_id.to_string(),
        }))
    }

    /// Checks that `lease_id` is the live lease of a leased job.
    fn check_lease(job: &JobView, current: Option<&str>, lease_id: &str, now: u64) -> Result<()> {
        if job.state != JobState::Leased {
            return Err(rejected(
                RejectionCode::StaleLease,
                format!("job {} is {}, not leased", job.id, job.state.as_str()),
            ));
        }
        if current != Some(lease_id) {
            return Err(rejected(
                RejectionCode::StaleLease,
                format!("lease {lease_id:?} is not job {}'s current lease", job.id),
            ));
        }
        if job.lease_expires_at.is_some_and(|t| t <= now) {
            return Err(rejected(
                RejectionCode::StaleLease,
                format!("the lease of job {} has expired", job.id),
            ));
        }
        Ok(())
    }

    /// Extends a live lease and records progress.
    pub async fn heartbeat(
        &self,
        id: &str,
        lease_id: &str,
        progress: Option<f64>,
        now: u64,
        lease_ms: u64,
    ) -> Result<JobView> {
        let mut tx = self.pool.begin().await?;
        let (job, current) = self.job_in(&mut tx, id).await?;
        Self::check_lease(&job, current.as_deref(), lease_id, now)?;
        sqlx::query(
            "UPDATE jobs SET lease_expires_at = $1, progress = COALESCE($2, progress), \
             updated_at = $3 WHERE id = $4",
        )
        .bind((now + lease_ms) as i64)
        .bind(progress)
        .bind(now as i64)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let (job, _) = self.job_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(job)
    }

    /// Gives a live lease back: the job is queued again (this attempt does not count).
    pub async fn release(&self, id: &str, lease_id: &str, now: u64) -> Result<JobView> {
        let mut tx = self.pool.begin().await?;
        let (job, current) = self.job_in(&mut tx, id).await?;
        Self::check_lease(&job, current.as_deref(), lease_id, now)?;
        sqlx::query(
            "UPDATE jobs SET state = 'queued', lease_id = NULL, leased_by = NULL, \
             lease_expires_at = NULL, attempts = attempts - 1, progress = NULL, updated_at = $1 \
             WHERE id = $2",
        )
        .bind(now as i64)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        event(&mut tx, id, "released", None, now).await?;
        let (job, _) = self.job_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(job)
    }

    /// Records a submission before it is checked: a repeat of a known submission returns its
    /// verdict; otherwise the lease must be live, the proof is stored as `pending` and the job
    /// moves to `verifying`.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_submission(
        &self,
        id: &str,
        lease_id: &str,
        submission_id: &str,
        proof_json: &str,
        inputs_json: &str,
        now: u64,
    ) -> Result<Recorded> {
        let mut tx = self.pool.begin().await?;
        let (job, current) = self.job_in(&mut tx, id).await?;
        let known: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT verdict, reason FROM submissions WHERE id = $1 AND job_id = $2")
                .bind(submission_id)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((verdict, reason)) = known {
            tx.commit().await?;
            return Ok(Recorded::Duplicate(match verdict.as_str() {
                "accepted" => Some(Ok(())),
                "rejected" => Some(Err(decode_reason(reason.as_deref()))),
                _ => None,
            }));
        }
        Self::check_lease(&job, current.as_deref(), lease_id, now)?;
        sqlx::query(
            "INSERT INTO submissions (id, job_id, lease_id, proof, public_inputs, verdict, \
             created_at, volunteer) VALUES ($1, $2, $3, $4, $5, 'pending', $6, \
             (SELECT leased_by FROM jobs WHERE id = $2))",
        )
        .bind(submission_id)
        .bind(id)
        .bind(lease_id)
        .bind(proof_json)
        .bind(inputs_json)
        .bind(now as i64)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE jobs SET state = 'verifying', updated_at = $1 WHERE id = $2")
            .bind(now as i64)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        event(&mut tx, id, "verifying", Some(submission_id), now).await?;
        tx.commit().await?;
        Ok(Recorded::Fresh(job))
    }

    /// Stores the verdict of a pending submission: accepted (the job is done) or rejected (the
    /// job is queued again and gets its attempt back: the rejection is charged to the volunteer
    /// who sent it, see [`Store::lease`], so bad volunteers cannot make a job give up). Only a
    /// submission still `pending` is decided: a second verdict (a replica recovering a
    /// submission another one is checking) changes nothing, so it can never re-queue a job that
    /// moved on.
    pub async fn finish_submission(
        &self,
        id: &str,
        submission_id: &str,
        verdict: &std::result::Result<(), Rejection>,
        verify_ms: Option<f64>,
        now: u64,
    ) -> Result<JobView> {
        let mut tx = self.pool.begin().await?;
        let (job, _) = self.job_in(&mut tx, id).await?;
        let still_pending: Option<String> = sqlx::query_scalar(
            "SELECT id FROM submissions WHERE id = $1 AND job_id = $2 AND verdict = 'pending'",
        )
        .bind(submission_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if still_pending.is_none() {
            tx.commit().await?;
            return Ok(job);
        }
        match verdict {
            Ok(()) => {
                sqlx::query(
                    "UPDATE submissions SET verdict = 'accepted', verify_ms = $1 WHERE id = $2",
                )
                .bind(verify_ms)
                .bind(submission_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE jobs SET state = 'accepted', accepted_submission = $1, lease_id = NULL, \
                     lease_expires_at = NULL, progress = 1, updated_at = $2 WHERE id = $3",
                )
                .bind(submission_id)
                .bind(now as i64)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                event(&mut tx, id, "accepted", Some(submission_id), now).await?;
            }
            Err(rejection) => {
                let reason = encode_reason(rejection);
                sqlx::query(
                    "UPDATE submissions SET verdict = 'rejected', reason = $1, verify_ms = $2 \
                     WHERE id = $3",
                )
                .bind(&reason)
                .bind(verify_ms)
                .bind(submission_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE jobs SET state = 'queued', lease_id = NULL, leased_by = NULL, \
                     lease_expires_at = NULL, attempts = attempts - 1, progress = NULL, \
                     last_reason = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(&reason)
                .bind(now as i64)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                event(&mut tx, id, "rejected", Some(&reason), now).await?;
            }
        }
        let (job, _) = self.job_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok(job)
    }

    /// Submissions stored but not yet decided (after a crash): `(job, submission, proof JSON,
    /// inputs JSON)`.
    pub async fn pending_submissions(&self) -> Result<Vec<(String, String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT job_id, id, proof, public_inputs FROM submissions WHERE verdict = 'pending'",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// The accepted proof of a job (snarkjs JSON), if any.
    pub async fn accepted_proof(&self, id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT s.proof FROM jobs j JOIN submissions s ON s.id = j.accepted_submission \
             WHERE j.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Job counts by state.
    pub async fn counts(&self) -> Result<Counts> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state")
                .fetch_all(&self.pool)
                .await?;
        let mut c = Counts::default();
        for (state, n) in rows {
            let n = n as u64;
            match JobState::parse(&state) {
                Some(JobState::Queued) => c.queued = n,
                Some(JobState::Leased) => c.leased = n,
                Some(JobState::Verifying) => c.verifying = n,
                Some(JobState::Accepted) => c.accepted = n,
                Some(JobState::Failed) => c.failed = n,
                None => return Err(Error::Store(format!("unknown job state {state:?}"))),
            }
        }
        let rejected: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM submissions WHERE verdict = 'rejected'")
                .fetch_one(&self.pool)
                .await?;
        c.rejected_submissions = rejected as u64;
        Ok(c)
    }
}

/// A rejection as stored: `code: message`.
fn encode_reason(r: &Rejection) -> String {
    r.to_string()
}

fn decode_reason(text: Option<&str>) -> Rejection {
    let text = text.unwrap_or("invalid_proof: (no reason stored)");
    let (code, message) = text.split_once(": ").unwrap_or(("invalid_proof", text));
    let code = [
        RejectionCode::Malformed,
        RejectionCode::WrongKey,
        RejectionCode::WrongPublicInputs,
        RejectionCode::InvalidProof,
    ]
    .into_iter()
    .find(|c| c.as_str() == code)
    .unwrap_or(RejectionCode::InvalidProof);
    Rejection::new(code, message)
}
