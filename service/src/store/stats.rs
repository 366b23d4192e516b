//! What the operator dashboard and the volunteer page read: throughput per minute, rejections by
//! reason, lease expiries, the native check's latency, and one volunteer's own counts. Reads
//! only; every aggregate is computed by the database (`GROUP BY`) or over a bounded sample, so a
//! poll costs the same however many submissions the store holds.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Counts, Store};
use crate::Result;

/// Minutes of throughput history [`Store::stats`] returns.
pub const THROUGHPUT_MINUTES: u64 = 30;
/// Decided submissions the latency percentiles are taken over (the newest).
pub const LATENCY_SAMPLE: i64 = 1000;
const MINUTE_MS: u64 = 60_000;

/// Decided submissions in one minute.
#[derive(Clone, Debug, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct ThroughputMinute {
    /// The minute's start (milliseconds since the Unix epoch, a multiple of 60,000).
    pub minute_ms: u64,
    /// Submissions accepted (by their arrival time).
    pub accepted: u64,
    /// Submissions rejected.
    pub rejected: u64,
}

/// How long the native check of a submission took (parse, key, inputs, pairing).
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
pub struct VerificationLatency {
    /// Decided submissions measured (the newest [`LATENCY_SAMPLE`] at most).
    pub samples: u64,
    /// Median, milliseconds.
    pub p50: f64,
    /// 95th percentile, milliseconds.
    pub p95: f64,
}

/// `GET /v1/stats`: the service's activity.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Stats {
    /// When these were read (milliseconds since the Unix epoch).
    pub now_ms: u64,
    /// Jobs by state.
    pub jobs: Counts,
    /// The last [`THROUGHPUT_MINUTES`] minutes, oldest first, one entry per minute (the current
    /// minute last, partial).
    pub throughput: Vec<ThroughputMinute>,
    /// Proofs accepted in the last 60 seconds.
    pub proofs_last_minute: u64,
    /// Rejected submissions by rejection code (`invalid_proof`, `wrong_public_inputs`, ...).
    pub rejection_reasons: std::collections::BTreeMap<String, u64>,
    /// Leases that ran out (a job re-queued, or given up after its last attempt).
    pub lease_expiries: u64,
    /// The native check's latency, once a submission was decided.
    pub verification_ms: Option<VerificationLatency>,
}

/// `GET /v1/volunteers/{name}`: one volunteer's submissions and current leases.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct VolunteerCounts {
    /// The name the volunteer leases under.
    pub volunteer: String,
    /// Accepted submissions.
    pub accepted: u64,
    /// Rejected submissions.
    pub rejected: u64,
    /// Submissions still being checked.
    pub pending: u64,
    /// Jobs it holds a lease on now.
    pub leased: u64,
}

/// The `q`-quantile of sorted `values` (nearest rank).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

impl Store {
    /// The dashboard's numbers at `now`.
    pub async fn stats(&self, now: u64) -> Result<Stats> {
        let first_minute = (now / MINUTE_MS).saturating_sub(THROUGHPUT_MINUTES - 1);
        let per_minute: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT CAST(created_at / 60000 AS BIGINT) AS minute, verdict, COUNT(*) \
             FROM submissions WHERE created_at >= $1 AND verdict <> 'pending' \
             GROUP BY CAST(created_at / 60000 AS BIGINT), verdict",
        )
        .bind((first_minute * MINUTE_MS) as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut throughput: Vec<ThroughputMinute> = (first_minute..=now / MINUTE_MS)
            .map(|m| ThroughputMinute {
                minute_ms: m * MINUTE_MS,
                ..Default::default()
            })
            .collect();
        for (minute, verdict, n) in per_minute {
            let Some(slot) = (minute as u64)
                .checked_sub(first_minute)
                .and_then(|i| throughput.get_mut(i as usize))
            else {
                continue;
            };
            match verdict.as_str() {
                "accepted" => slot.accepted += n as u64,
                _ => slot.rejected += n as u64,
            }
        }
        let last_minute: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM submissions WHERE verdict = 'accepted' AND created_at >= $1",
        )
        .bind(now.saturating_sub(MINUTE_MS) as i64)
        .fetch_one(&self.pool)
        .await?;
        let reasons: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT reason, COUNT(*) FROM submissions WHERE verdict = 'rejected' GROUP BY reason",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut rejection_reasons = std::collections::BTreeMap::new();
        for (reason, n) in reasons {
            // Stored as `code: message` (see `encode_reason`).
            let reason = reason.unwrap_or_default();
            let code = reason.split_once(": ").map_or(reason.as_str(), |(c, _)| c);
            *rejection_reasons.entry(code.to_string()).or_insert(0) += n as u64;
        }
        // Job events only: rounds log their own `failed` under `round-N`.
        let expiries: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM events WHERE kind IN ('expired', 'failed') \
             AND job_id LIKE 'batch-%'",
        )
        .fetch_one(&self.pool)
        .await?;
        let mut latencies: Vec<f64> = sqlx::query_scalar(
            "SELECT verify_ms FROM submissions WHERE verify_ms IS NOT NULL \
             ORDER BY created_at DESC LIMIT $1",
        )
        .bind(LATENCY_SAMPLE)
        .fetch_all(&self.pool)
        .await?;
        latencies.sort_unstable_by(f64::total_cmp);
        let verification_ms = (!latencies.is_empty()).then(|| VerificationLatency {
            samples: latencies.len() as u64,
            p50: quantile(&latencies, 0.5),
            p95: quantile(&latencies, 0.95),
        });
        Ok(Stats {
            now_ms: now,
            jobs: self.counts().await?,
            throughput,
            proofs_last_minute: last_minute as u64,
            rejection_reasons,
            lease_expiries: expiries as u64,
            verification_ms,
        })
    }

    /// `volunteer`'s submissions by verdict and the leases it holds.
    pub async fn volunteer_counts(&self, volunteer: &str) -> Result<VolunteerCounts> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT verdict, COUNT(*) FROM submissions WHERE volunteer = $1 GROUP BY verdict",
        )
        .bind(volunteer)
        .fetch_all(&self.pool)
        .await?;
        let count = |v: &str| {
            rows.iter()
                .find(|(verdict, _)| verdict == v)
                .map_or(0, |(_, n)| *n as u64)
        };
        let leased: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE state = 'leased' AND leased_by = $1",
        )
        .bind(volunteer)
        .fetch_one(&self.pool)
        .await?;
        Ok(VolunteerCounts {
            volunteer: volunteer.to_string(),
            accepted: count("accepted"),
            rejected: count("rejected"),
            pending: count("pending"),
            leased: leased as u64,
        })
    }

    /// A batch's public inputs `[old_root, new_root, tx_commitment]` (decimal), if it was cut.
    pub async fn batch_public_inputs(&self, batch: u64) -> Result<Option<[String; 3]>> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT old_root, new_root, tx_commitment FROM batches WHERE batch_index = $1",
        )
        .bind(batch as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(a, b, c)| [a, b, c]))
    }
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.95), 95.0);
        assert_eq!(quantile(&[7.5], 0.5), 7.5);
        assert_eq!(quantile(&[7.5], 0.95), 7.5);
        assert_eq!(quantile(&[1.0, 9.0], 0.5), 1.0);
        assert_eq!(quantile(&[1.0, 9.0], 0.95), 9.0);
    }
}
