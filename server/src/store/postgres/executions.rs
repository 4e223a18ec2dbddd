//! Executions (attempts): claim, heartbeat, fencing, finish and the reaper.
//!
//! Row locks are always taken execution first, then job (and queue row, then batch row, then
//! job, for a claim), so these transactions cannot deadlock with each other or with
//! `append_logs`.

use chrono::{DateTime, Utc};
use rgrid_spec::api::{EndReason, JobStatus};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::{jobs, logs};
use crate::store::rows::{self, execution, AttemptState, Verdict};
use crate::store::{Beat, Claim, FinishEffect, Outcome, StoreError, StoreResult};

pub(super) async fn claim(conn: &mut PgConnection, node_id: Uuid) -> StoreResult<Option<Claim>> {
    let Some(node_name) = claiming_node_name(conn, node_id).await? else {
        return Ok(None);
    };
    let Some(job_id) = take_next(conn).await? else {
        return Ok(None);
    };

    let execution_id = Uuid::now_v7();
    let now = rows::now();
    let row = sqlx::query(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, current_execution = $1, \
         started_at = COALESCE(started_at, $2), node_name = $3 WHERE id = $4 \
         RETURNING attempts, spec_json",
    )
    .bind(execution_id)
    .bind(now)
    .bind(&node_name)
    .bind(job_id)
    .fetch_one(&mut *conn)
    .await?;
    let attempt: i32 = row.try_get(0)?;
    let deadline = rows::deadline(now, row.try_get(1)?);
    sqlx::query(
        "INSERT INTO executions \
         (id, job_id, attempt, node_id, status, started_at, heartbeat_at, deadline_at) \
         VALUES ($1, $2, $3, $4, 'running', $5, $5, $6)",
    )
    .bind(execution_id)
    .bind(job_id)
    .bind(attempt)
    .bind(node_id)
    .bind(now)
    .bind(deadline)
    .execute(&mut *conn)
    .await?;

    let job = jobs::fetch(conn, job_id).await?;
    let attempt = rows::unsigned(i64::from(attempt), "attempt")?;
    tracing::debug!(%job_id, %execution_id, attempt, "job claimed");
    Ok(Some(Claim {
        job,
        execution_id,
        attempt,
    }))
}

/// The node's name when it may take a job: active and not revoked. A claim that passed the
/// token check before a revoke, drain or death (a waiting long poll) gets `None` here. The
/// share lock on the node row orders this look against a revoke's update of that row: a revoke
/// that commits first is seen, one that comes later waits and then abandons what we claimed.
/// `NotFound` for an unknown node.
async fn claiming_node_name(conn: &mut PgConnection, node_id: Uuid) -> StoreResult<Option<String>> {
    let row = sqlx::query(
        "SELECT name, state = 'active' AND revoked_at IS NULL FROM nodes WHERE id = $1 FOR SHARE",
    )
    .bind(node_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("node"))?;
    let eligible: bool = row.try_get(1)?;
    Ok(eligible.then(|| row.try_get(0)).transpose()?)
}

/// How often a claim looks again when the job it picked belongs to a batch that another claim
/// just filled up.
const CAP_RACE_ATTEMPTS: usize = 3;

/// Deletes and returns the next queued job that may start, passing over jobs of batches that
/// already run `parallel` jobs.
async fn take_next(conn: &mut PgConnection) -> StoreResult<Option<Uuid>> {
    for _ in 0..CAP_RACE_ATTEMPTS {
        // SKIP LOCKED: a row another claimer holds is passed over, not waited for.
        let Some(row) = sqlx::query(
            "SELECT q.job_id, q.batch_id, b.parallel FROM queue q \
             LEFT JOIN batches b ON b.id = q.batch_id \
             WHERE b.parallel IS NULL OR b.parallel > (SELECT count(*) FROM jobs j \
             WHERE j.batch_id = q.batch_id AND j.status = 'running') \
             ORDER BY q.priority DESC, q.turn, q.enqueued LIMIT 1 FOR UPDATE OF q SKIP LOCKED",
        )
        .fetch_optional(&mut *conn)
        .await?
        else {
            return Ok(None);
        };
        let job_id: Uuid = row.try_get(0)?;
        let batch: Option<Uuid> = row.try_get(1)?;
        let parallel: Option<i32> = row.try_get(2)?;
        if let (Some(batch), Some(parallel)) = (batch, parallel) {
            if !batch_has_room(conn, batch, parallel).await? {
                // Another claim filled the batch after our first look; its row stays locked
                // by us until commit, so the next look skips it.
                continue;
            }
        }
        sqlx::query("DELETE FROM queue WHERE job_id = $1")
            .bind(job_id)
            .execute(&mut *conn)
            .await?;
        return Ok(Some(job_id));
    }
    Ok(None)
}

/// Counts the batch's running jobs under a lock on its row, so two claims of the same capped
/// batch take turns and never both see the last free slot.
async fn batch_has_room(conn: &mut PgConnection, batch: Uuid, parallel: i32) -> StoreResult<bool> {
    sqlx::query("SELECT 1 FROM batches WHERE id = $1 FOR UPDATE")
        .bind(batch)
        .execute(&mut *conn)
        .await?;
    let running: i64 =
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE batch_id = $1 AND status = 'running'")
            .bind(batch)
            .fetch_one(&mut *conn)
            .await?;
    Ok(running < i64::from(parallel))
}

pub(super) async fn heartbeat(pool: &PgPool, execution_id: Uuid) -> StoreResult<Beat> {
    let cancel_requested: bool = sqlx::query_scalar(
        "UPDATE executions e SET heartbeat_at = $2 FROM jobs j \
         WHERE e.id = $1 AND e.status = 'running' AND j.id = e.job_id \
         AND j.current_execution = e.id RETURNING j.cancel_requested",
    )
    .bind(execution_id)
    .bind(rows::now())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::Stale)?;
    Ok(Beat { cancel_requested })
}

/// The job of a current execution (running and the job's `current_execution`), else `Stale`.
/// With `lock`, the execution row stays locked until the transaction ends, so it cannot be
/// finished or reaped meanwhile.
pub(super) async fn current_job_id(
    conn: &mut PgConnection,
    execution_id: Uuid,
    lock: bool,
) -> StoreResult<Uuid> {
    let sql = format!(
        "SELECT e.job_id FROM executions e JOIN jobs j ON j.current_execution = e.id \
         WHERE e.id = $1 AND e.status = 'running'{}",
        if lock { " FOR UPDATE OF e" } else { "" }
    );
    sqlx::query_scalar(&sql)
        .bind(execution_id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::Stale)
}

pub(super) async fn finish(
    conn: &mut PgConnection,
    execution_id: Uuid,
    outcome: &Outcome,
) -> StoreResult<FinishEffect> {
    let row = sqlx::query("SELECT status, job_id FROM executions WHERE id = $1 FOR UPDATE")
        .bind(execution_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::Stale)?;
    let status: String = row.try_get(0)?;
    match status.as_str() {
        execution::RUNNING => {}
        execution::SUCCEEDED | execution::FAILED | execution::CANCELLED => {
            return Ok(FinishEffect::AlreadyFinished);
        }
        _ => return Err(StoreError::Stale),
    }
    let job_id: Uuid = row.try_get(1)?;
    let (current, state) = lock_job(conn, job_id).await?;
    if current != Some(execution_id) {
        return Err(StoreError::Stale);
    }

    logs::replace_artifacts(conn, job_id, execution_id, &outcome.artifacts).await?;
    let ending = Ending {
        execution_id,
        job_id,
        reason: outcome.reason,
        exit_code: outcome.exit_code,
        message: outcome.message.as_deref(),
        executor: Some(&outcome.executor),
    };
    let verdict = end_execution(conn, &ending, &state).await?;
    if let Some(cpu_micros) = outcome.cpu_micros {
        sqlx::query("UPDATE executions SET cpu_micros = $1 WHERE id = $2")
            .bind(cpu_micros)
            .bind(execution_id)
            .execute(&mut *conn)
            .await?;
    }
    tracing::debug!(%job_id, %execution_id, reason = outcome.reason.as_str(), "execution ended");
    Ok(match verdict {
        Verdict::Final(status) => FinishEffect::Finished(status),
        Verdict::Requeue => FinishEffect::Requeued,
    })
}

/// Abandons silent executions one transaction each. SKIP LOCKED leaves an execution that
/// another reaper (or a finish, or a log append) holds to that holder.
pub(super) async fn reap(pool: &PgPool, before: DateTime<Utc>) -> StoreResult<u32> {
    let select = "SELECT id, job_id FROM executions WHERE status = 'running' \
                  AND heartbeat_at < $1 ORDER BY heartbeat_at LIMIT 1 FOR UPDATE SKIP LOCKED";
    end_each(pool, select, before, rows::ABANDONED_MESSAGE, false).await
}

/// Abandons executions still running past their deadline (`deadline_at < before`), the
/// server's backstop for a runner that does not enforce the timeout.
pub(super) async fn reap_overdue(pool: &PgPool, before: DateTime<Utc>) -> StoreResult<u32> {
    let select = "SELECT id, job_id FROM executions WHERE status = 'running' \
                  AND deadline_at < $1 ORDER BY deadline_at LIMIT 1 FOR UPDATE SKIP LOCKED";
    end_each(pool, select, before, rows::OVERDUE_MESSAGE, false).await
}

/// Gives back the node's running executions: each is abandoned and its job requeued whatever
/// its retries (a cancelled one ends cancelled).
pub(super) async fn release_node(pool: &PgPool, node_id: Uuid) -> StoreResult<u32> {
    let select = "SELECT id, job_id FROM executions WHERE status = 'running' \
                  AND node_id = $1 LIMIT 1 FOR UPDATE SKIP LOCKED";
    end_each(pool, select, node_id, rows::RELEASED_MESSAGE, true).await
}

/// Ends, one transaction each, the executions `select` (one locked row: id, job_id, bound to
/// `key`) finds, as abandoned with `message`.
async fn end_each<K>(
    pool: &PgPool,
    select: &str,
    key: K,
    message: &'static str,
    released: bool,
) -> StoreResult<u32>
where
    K: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Copy + Send,
{
    let mut ended = 0;
    loop {
        let mut tx = pool.begin().await?;
        let Some(row) = sqlx::query(select)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(ended);
        };
        let mut ending = Ending {
            execution_id: row.try_get(0)?,
            job_id: row.try_get(1)?,
            reason: EndReason::Abandoned,
            exit_code: None,
            message: Some(message),
            executor: None,
        };
        let (_, mut state) = lock_job(&mut tx, ending.job_id).await?;
        if released {
            if take_free_release(&mut tx, ending.job_id).await? {
                state = state.released();
            } else {
                ending.message = Some(rows::RELEASED_AGAIN_MESSAGE);
            }
        }
        end_execution(&mut tx, &ending, &state).await?;
        tx.commit().await?;
        ended += 1;
        tracing::warn!(
            job_id = %ending.job_id,
            execution_id = %ending.execution_id,
            message,
            "execution abandoned"
        );
    }
}

/// Counts a release of the (locked) job and raises its budget by one, if it has free releases
/// left ([`rows::FREE_RELEASES`]); false when it has used them up.
async fn take_free_release(conn: &mut PgConnection, job_id: Uuid) -> StoreResult<bool> {
    let taken = sqlx::query(
        "UPDATE jobs SET releases = releases + 1, max_retries = max_retries + 1 \
         WHERE id = $1 AND releases < $2",
    )
    .bind(job_id)
    .bind(i32::try_from(rows::FREE_RELEASES).unwrap_or(i32::MAX))
    .execute(conn)
    .await?;
    Ok(taken.rows_affected() > 0)
}

/// Abandons the running executions of a node declared dead, one transaction each; their jobs
/// follow the reaper's rules (requeued while retries remain).
pub(super) async fn abandon_node(pool: &PgPool, node_id: Uuid) -> StoreResult<u32> {
    let mut abandoned = 0;
    loop {
        let mut tx = pool.begin().await?;
        let Some(row) = sqlx::query(
            "SELECT id, job_id FROM executions WHERE status = 'running' AND node_id = $1 \
             LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .bind(node_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(abandoned);
        };
        let ending = Ending {
            execution_id: row.try_get(0)?,
            job_id: row.try_get(1)?,
            reason: EndReason::Abandoned,
            exit_code: None,
            message: Some(rows::DEAD_NODE_MESSAGE),
            executor: None,
        };
        let (_, state) = lock_job(&mut tx, ending.job_id).await?;
        end_execution(&mut tx, &ending, &state).await?;
        tx.commit().await?;
        abandoned += 1;
        tracing::warn!(
            job_id = %ending.job_id,
            execution_id = %ending.execution_id,
            node_id = %node_id,
            "execution abandoned: its node is dead"
        );
    }
}

/// Abandons the running executions of a node whose token was revoked; their jobs retry or
/// fail as after a lost heartbeat. It waits for a lock another transaction holds (a finish
/// in flight) rather than skip it, so no execution of the node stays running.
pub(super) async fn abandon_revoked_node(pool: &PgPool, node_id: Uuid) -> StoreResult<u32> {
    let select = "SELECT id, job_id FROM executions WHERE status = 'running' \
                  AND node_id = $1 LIMIT 1 FOR UPDATE";
    end_each(pool, select, node_id, rows::REVOKED_MESSAGE, false).await
}

/// Locks the job row; returns its current execution and attempt state.
async fn lock_job(
    conn: &mut PgConnection,
    job_id: Uuid,
) -> StoreResult<(Option<Uuid>, AttemptState)> {
    let row = sqlx::query(
        "SELECT current_execution, attempts, max_retries, cancel_requested FROM jobs \
         WHERE id = $1 FOR UPDATE",
    )
    .bind(job_id)
    .fetch_one(conn)
    .await?;
    let state = AttemptState {
        attempts: rows::unsigned(i64::from(row.try_get::<i32, _>(1)?), "attempts")?,
        max_retries: rows::unsigned(i64::from(row.try_get::<i32, _>(2)?), "max_retries")?,
        cancel_requested: row.try_get(3)?,
    };
    Ok((row.try_get(0)?, state))
}

/// How one execution ended, from its runner or from the reaper.
struct Ending<'a> {
    execution_id: Uuid,
    job_id: Uuid,
    reason: EndReason,
    exit_code: Option<i32>,
    message: Option<&'a str>,
    executor: Option<&'a str>,
}

/// Records the end on the execution, then finishes or requeues its job.
async fn end_execution(
    conn: &mut PgConnection,
    ending: &Ending<'_>,
    state: &AttemptState,
) -> StoreResult<Verdict> {
    let now = rows::now();
    sqlx::query(
        "UPDATE executions SET status = $1, reason = $2, exit_code = $3, message = $4, \
         executor = COALESCE($5, executor), finished_at = $6 WHERE id = $7",
    )
    .bind(state.execution_status(ending.reason))
    .bind(ending.reason.as_str())
    .bind(ending.exit_code)
    .bind(ending.message)
    .bind(ending.executor)
    .bind(now)
    .bind(ending.execution_id)
    .execute(&mut *conn)
    .await?;

    let verdict = state.verdict(ending.reason);
    let (status, finished_at) = match verdict {
        Verdict::Final(status) => (status, Some(now)),
        Verdict::Requeue => (JobStatus::Queued, None),
    };
    sqlx::query(
        "UPDATE jobs SET status = $1, reason = $2, exit_code = $3, message = $4, \
         executor = COALESCE($5, executor), current_execution = NULL, finished_at = $6 \
         WHERE id = $7",
    )
    .bind(status.as_str())
    .bind(rows::job_reason(verdict, ending.reason).as_str())
    .bind(ending.exit_code)
    .bind(ending.message)
    .bind(ending.executor)
    .bind(finished_at)
    .bind(ending.job_id)
    .execute(&mut *conn)
    .await?;
    if verdict == Verdict::Requeue {
        jobs::enqueue(conn, ending.job_id).await?;
    }
    Ok(verdict)
}
