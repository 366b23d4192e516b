//! The rounds' rows: one transaction per transition of the round state machine
//! (`crate::rounds`), each appending an event under the subject `round-<id>`.

use sqlx::Row;

use super::{event, rejected, Store};
use crate::jobs::RejectionCode;
use crate::rounds::{RoundState, RoundView};
use crate::{Error, Result};

/// An accepted batch proof as a round folds it.
#[derive(Clone, Debug)]
pub struct AcceptedBatch {
    /// The batch.
    pub batch_index: u64,
    /// The accepted proof (snarkjs JSON).
    pub proof: String,
    /// Its public inputs (JSON array of decimal strings).
    pub public_inputs: String,
}

const ROUND_COLUMNS: &str = "id, state, first_batch, last_batch, opened_at, closed_at, fold_ms, \
    compress_ms, old_root, new_root, \
    CAST(CASE WHEN aggregate_proof IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_proof, tx_hash, gas_used, \
    block_number, reason, batch_verify_gas";

/// `SELECT` of a round's columns followed by `rest` (a constant of this module: nothing from a
/// request is ever spliced into SQL).
fn columns(rest: &'static str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("SELECT {ROUND_COLUMNS} FROM rounds {rest}"))
}

fn round_from_row(row: &sqlx::any::AnyRow) -> Result<RoundView> {
    let state: String = row.try_get("state")?;
    let opt_u64 = |name: &str| -> Result<Option<u64>> {
        Ok(row.try_get::<Option<i64>, _>(name)?.map(|v| v as u64))
    };
    Ok(RoundView {
        id: row.try_get::<i64, _>("id")? as u64,
        state: RoundState::parse(&state)
            .ok_or_else(|| Error::Store(format!("unknown round state {state:?}")))?,
        first_batch: row.try_get::<i64, _>("first_batch")? as u64,
        last_batch: opt_u64("last_batch")?,
        opened_at: row.try_get::<i64, _>("opened_at")? as u64,
        closed_at: opt_u64("closed_at")?,
        fold_ms: opt_u64("fold_ms")?,
        compress_ms: opt_u64("compress_ms")?,
        old_root: row.try_get("old_root")?,
        new_root: row.try_get("new_root")?,
        has_proof: row.try_get::<i64, _>("has_proof")? != 0,
        tx_hash: row.try_get("tx_hash")?,
        gas_used: opt_u64("gas_used")?,
        block_number: opt_u64("block_number")?,
        reason: row.try_get("reason")?,
        batch_verify_gas: opt_u64("batch_verify_gas")?,
    })
}

impl Store {
    /// One round (`not_found` if there is none with this id).
    pub async fn round(&self, id: u64) -> Result<RoundView> {
        let row = sqlx::query(columns("WHERE id = $1"))
            .bind(id as i64)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| rejected(RejectionCode::NotFound, format!("no round {id}")))?;
        round_from_row(&row)
    }

    /// The latest `limit` rounds, newest first.
    pub async fn rounds(&self, limit: u64) -> Result<Vec<RoundView>> {
        let rows = sqlx::query(columns("ORDER BY id DESC LIMIT $1"))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(round_from_row).collect()
    }

    /// The round not yet settled or failed, if any (there is at most one: rounds settle in
    /// rollup order, each on the root the previous one left).
    pub async fn active_round(&self) -> Result<Option<RoundView>> {
        let row = sqlx::query(columns(
            "WHERE state NOT IN ('settled', 'failed') ORDER BY id LIMIT 1",
        ))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(round_from_row).transpose()
    }

    /// Rounds by state: `(state, count)`.
    pub async fn round_counts(&self) -> Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM rounds GROUP BY state ORDER BY state")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(s, n)| (s, n as u64)).collect())
    }

    /// The first batch no settled round covers.
    pub async fn settled_end(&self) -> Result<u64> {
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(last_batch) FROM rounds WHERE state = 'settled'")
                .fetch_one(&self.pool)
                .await?;
        Ok(last.map(|l| l as u64 + 1).unwrap_or(0))
    }

    /// Failed rounds since the last settled one, or since an operator resumed rounds (see
    /// [`Store::resume_rounds`]), whichever came later.
    pub async fn failures_since_settled(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM rounds WHERE state = 'failed' AND id > \
             (SELECT COALESCE(MAX(id), 0) FROM rounds WHERE state = 'settled') AND id > \
             (SELECT COALESCE(MAX(CAST(value AS BIGINT)), 0) FROM meta \
              WHERE key = 'rounds_resumed_after')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n as u64)
    }

    /// Lets rounds open again after failures (an operator's decision): failures up to now no
    /// longer count. Returns the last round id they were counted to.
    pub async fn resume_rounds(&self, now: u64) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM rounds")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('rounds_resumed_after', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(last.to_string())
        .execute(&mut *tx)
        .await?;
        event(
            &mut tx,
            "rounds",
            "resumed",
            Some(&format!("after round {last}")),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(last as u64)
    }

    /// The accepted proofs of the consecutive batches `first, first + 1, ...` (at most `max`),
    /// stopping at the first batch without one.
    pub async fn accepted_run(&self, first: u64, max: u64) -> Result<Vec<AcceptedBatch>> {
        let rows = sqlx::query(
            "SELECT j.batch_index, s.proof, s.public_inputs FROM jobs j \
             JOIN submissions s ON s.id = j.accepted_submission \
             WHERE j.state = 'accepted' AND j.batch_index >= $1 AND j.batch_index < $2 \
             ORDER BY j.batch_index",
        )
        .bind(first as i64)
        .bind(first.saturating_add(max).min(i64::MAX as u64) as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut run = Vec::new();
        for row in rows {
            let batch_index = row.try_get::<i64, _>("batch_index")? as u64;
            if batch_index != first + run.len() as u64 {
                break;
            }
            run.push(AcceptedBatch {
                batch_index,
                proof: row.try_get("proof")?,
                public_inputs: row.try_get("public_inputs")?,
            });
        }
        Ok(run)
    }

    /// How many consecutive batches from `first` (at most `max`) have an accepted proof: the
    /// length of [`Store::accepted_run`] without reading the proofs (the status polls it).
    pub async fn accepted_run_len(&self, first: u64, max: u64) -> Result<u64> {
        let indices: Vec<i64> = sqlx::query_scalar(
            "SELECT batch_index FROM jobs WHERE state = 'accepted' AND batch_index >= $1 \
             AND batch_index < $2 ORDER BY batch_index",
        )
        .bind(first as i64)
        .bind(first.saturating_add(max).min(i64::MAX as u64) as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(indices
            .iter()
            .zip(first..)
            .take_while(|(index, want)| **index as u64 == *want)
            .count() as u64)
    }

    /// Opens a round starting at `first_batch`.
    pub async fn open_round(&self, first_batch: u64, now: u64) -> Result<RoundView> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM rounds")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO rounds (id, state, first_batch, opened_at, updated_at) \
             VALUES ($1, 'open', $2, $3, $4)",
        )
        .bind(id)
        .bind(first_batch as i64)
        .bind(now as i64)
        .bind(now as i64)
        .execute(&mut *tx)
        .await?;
        event(
            &mut tx,
            &format!("round-{id}"),
            "open",
            Some(&format!("first batch {first_batch}")),
            now,
        )
        .await?;
        tx.commit().await?;
        self.round(id as u64).await
    }

    /// Moves a round `from` one state `to` the next, setting the given columns, in one
    /// transaction; refused (`wrong_state`) if the round is not in `from`.
    async fn transition(
        &self,
        id: u64,
        from: RoundState,
        to: RoundState,
        set: &[(&'static str, Value<'_>)],
        detail: Option<&str>,
        now: u64,
    ) -> Result<RoundView> {
        let mut sql = String::from("UPDATE rounds SET state = $1, updated_at = $2");
        for (k, (column, _)) in set.iter().enumerate() {
            sql.push_str(&format!(", {column} = ${}", k + 3));
        }
        sql.push_str(&format!(
            " WHERE id = ${} AND state = ${}",
            set.len() + 3,
            set.len() + 4
        ));
        // The column names are constants of this module, the values are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(to.as_str())
            .bind(now as i64);
        for (_, value) in set {
            query = match value {
                Value::Int(v) => query.bind(*v as i64),
                Value::Text(v) => query.bind(*v),
            };
        }
        let mut tx = self.pool.begin().await?;
        let done = query
            .bind(id as i64)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(rejected(
                RejectionCode::WrongState,
                format!("round {id} is not {}", from.as_str()),
            ));
        }
        event(&mut tx, &format!("round-{id}"), to.as_str(), detail, now).await?;
        tx.commit().await?;
        self.round(id).await
    }

    /// `open -> folding`: the round covers `first_batch ..= last_batch` from now on.
    pub async fn close_round(&self, id: u64, last_batch: u64, now: u64) -> Result<RoundView> {
        self.transition(
            id,
            RoundState::Open,
            RoundState::Folding,
            &[
                ("last_batch", Value::Int(last_batch)),
                ("closed_at", Value::Int(now)),
            ],
            Some(&format!("last batch {last_batch}")),
            now,
        )
        .await
    }

    /// `folding -> compressing`.
    pub async fn round_folded(&self, id: u64, fold_ms: u64, now: u64) -> Result<RoundView> {
        self.transition(
            id,
            RoundState::Folding,
            RoundState::Compressing,
            &[("fold_ms", Value::Int(fold_ms))],
            None,
            now,
        )
        .await
    }

    /// `compressing -> submitting`: the aggregate proof and its roots are stored.
    pub async fn round_compressed(
        &self,
        id: u64,
        compress_ms: u64,
        aggregate_proof: &str,
        old_root: &str,
        new_root: &str,
        now: u64,
    ) -> Result<RoundView> {
        self.transition(
            id,
            RoundState::Compressing,
            RoundState::Submitting,
            &[
                ("compress_ms", Value::Int(compress_ms)),
                ("aggregate_proof", Value::Text(aggregate_proof)),
                ("old_root", Value::Text(old_root)),
                ("new_root", Value::Text(new_root)),
            ],
            None,
            now,
        )
        .await
    }

    /// Stores the signed settlement (while `submitting`) before it is broadcast, so that after
    /// a crash the same transaction is looked up or sent again, never a second one.
    pub async fn round_signed(
        &self,
        id: u64,
        tx_hash: &str,
        raw_tx: &str,
        now: u64,
    ) -> Result<RoundView> {
        self.transition(
            id,
            RoundState::Submitting,
            RoundState::Submitting,
            &[
                ("tx_hash", Value::Text(tx_hash)),
                ("raw_tx", Value::Text(raw_tx)),
            ],
            Some(tx_hash),
            now,
        )
        .await
    }

    /// `submitting -> settled`, with the receipt's gas and block.
    pub async fn round_settled(
        &self,
        id: u64,
        gas_used: u64,
        block_number: u64,
        now: u64,
    ) -> Result<RoundView> {
        self.transition(
            id,
            RoundState::Submitting,
            RoundState::Settled,
            &[
                ("gas_used", Value::Int(gas_used)),
                ("block_number", Value::Int(block_number)),
            ],
            None,
            now,
        )
        .await
    }

    /// Any unfinished state `-> failed` with the reason (the round's proofs stay accepted: the
    /// next round covers the same batches again).
    pub async fn round_failed(&self, id: u64, reason: &str, now: u64) -> Result<RoundView> {
        let from = self.round(id).await?.state;
        if matches!(from, RoundState::Settled | RoundState::Failed) {
            return Err(rejected(
                RejectionCode::WrongState,
                format!("round {id} is already {}", from.as_str()),
            ));
        }
        self.transition(
            id,
            from,
            RoundState::Failed,
            &[("reason", Value::Text(reason))],
            Some(reason),
            now,
        )
        .await
    }

    /// The signed settlement of a round, if one was stored: `(tx_hash, raw_tx)`.
    pub async fn round_transaction(&self, id: u64) -> Result<Option<(String, String)>> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT tx_hash, raw_tx FROM rounds WHERE id = $1")
                .bind(id as i64)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some((Some(hash), Some(raw))) => Some((hash, raw)),
            _ => None,
        })
    }

    /// `(old_root, new_root)` of the batches `first ..= last`, in order.
    pub async fn batch_roots(&self, first: u64, last: u64) -> Result<Vec<(String, String)>> {
        Ok(sqlx::query_as(
            "SELECT old_root, new_root FROM batches WHERE batch_index >= $1 AND batch_index <= $2 \
             ORDER BY batch_index",
        )
        .bind(first as i64)
        .bind(last as i64)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records the gas of one separate Groth16 verification of a batch proof, measured on the
    /// settlement chain after the round settled (what the dashboard compares the aggregate's
    /// gas per batch against).
    pub async fn round_batch_verify_gas(&self, id: u64, gas: u64) -> Result<()> {
        sqlx::query("UPDATE rounds SET batch_verify_gas = $1 WHERE id = $2")
            .bind(gas as i64)
            .bind(id as i64)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A round's aggregate proof (JSON), once compressed.
    pub async fn round_proof(&self, id: u64) -> Result<Option<String>> {
        let row: Option<Option<String>> =
            sqlx::query_scalar("SELECT aggregate_proof FROM rounds WHERE id = $1")
                .bind(id as i64)
                .fetch_optional(&self.pool)
                .await?;
        row.ok_or_else(|| rejected(RejectionCode::NotFound, format!("no round {id}")))
    }
}

/// A column value of a transition.
enum Value<'a> {
    Int(u64),
    Text(&'a str),
}
