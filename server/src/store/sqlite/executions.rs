//! Executions (attempts): claim, heartbeat, fencing, finish and the reaper.
//!
//! Every function here runs inside the caller's `BEGIN IMMEDIATE` transaction, so its reads
//! and writes see no other writer in between.

use chrono::{DateTime, Utc};
use rgrid_spec::api::{EndReason, JobStatus};
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use super::{get_id, id, jobs, logs, micros};
use crate::store::rows::{self, execution, AttemptState, Verdict};
use crate::store::{Beat, Claim, FinishEffect, Outcome, StoreError, StoreResult};

pub(super) async fn claim(
    conn: &mut SqliteConnection,
    node_id: Uuid,
) -> StoreResult<Option<Claim>> {
    let Some(node_name) = claiming_node_name(conn, node_id).await? else {
        return Ok(None);
    };
    // A job of a batch that already runs `parallel` jobs waits; the write transaction makes
    // the count exact.
    let Some(row) = sqlx::query(
        "DELETE FROM queue WHERE enqueued = (SELECT q.enqueued FROM queue q \
         LEFT JOIN batches b ON b.id = q.batch_id \
         WHERE b.parallel IS NULL OR b.parallel > (SELECT count(*) FROM jobs j \
         WHERE j.batch_id = q.batch_id AND j.status = 'running') \
         ORDER BY q.priority DESC, q.turn, q.enqueued LIMIT 1) RETURNING job_id",
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let job_id = get_id(&row, 0)?;

    let execution_id = Uuid::now_v7();
    let claimed_at = rows::now();
    let now = micros(claimed_at);
    let row = sqlx::query(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, current_execution = ?, \
         started_at = COALESCE(started_at, ?), node_name = ? WHERE id = ? \
         RETURNING attempts, spec_json",
    )
    .bind(id(execution_id))
    .bind(now)
    .bind(&node_name)
    .bind(id(job_id))
    .fetch_one(&mut *conn)
    .await?;
    let attempt: i64 = row.try_get(0)?;
    let deadline = rows::deadline(claimed_at, row.try_get(1)?);
    sqlx::query(
        "INSERT INTO executions \
         (id, job_id, attempt, node_id, status, started_at, heartbeat_at, deadline_at) \
         VALUES (?, ?, ?, ?, 'running', ?, ?, ?)",
    )
    .bind(id(execution_id))
    .bind(id(job_id))
    .bind(attempt)
    .bind(id(node_id))
    .bind(now)
    .bind(now)
    .bind(micros(deadline))
    .execute(&mut *conn)
    .await?;

    let job = jobs::fetch(conn, job_id).await?;
    let attempt = rows::unsigned(attempt, "attempt")?;
    tracing::debug!(job_id = %job_id, execution_id = %execution_id, attempt, "job claimed");
    Ok(Some(Claim {
        job,
        execution_id,
        attempt,
    }))
}

/// The node's name when it may take a job: active and not revoked. A claim that passed the
/// token check before a revoke, drain or death (a waiting long poll) gets `None` here; the
/// write transaction orders this look against the revoke. `NotFound` for an unknown node.
async fn claiming_node_name(
    conn: &mut SqliteConnection,
    node_id: Uuid,
) -> StoreResult<Option<String>> {
    let row =
        sqlx::query("SELECT name, state = 'active' AND revoked_at IS NULL FROM nodes WHERE id = ?")
            .bind(id(node_id))
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound("node"))?;
    let eligible: bool = row.try_get(1)?;
    Ok(eligible.then(|| row.try_get(0)).transpose()?)
}

pub(super) async fn heartbeat(
    conn: &mut SqliteConnection,
    execution_id: Uuid,
) -> StoreResult<Beat> {
    let job_id = current_job_id(conn, execution_id).await?;
    sqlx::query("UPDATE executions SET heartbeat_at = ? WHERE id = ?")
        .bind(micros(rows::now()))
        .bind(id(execution_id))
        .execute(&mut *conn)
        .await?;
    let cancel_requested: bool =
        sqlx::query_scalar("SELECT cancel_requested FROM jobs WHERE id = ?")
            .bind(id(job_id))
            .fetch_one(conn)
            .await?;
    Ok(Beat { cancel_requested })
}

/// The job of a current execution (running and the job's `current_execution`), else `Stale`.
pub(super) async fn current_job_id(
    conn: &mut SqliteConnection,
    execution_id: Uuid,
) -> StoreResult<Uuid> {
    let row = sqlx::query(
        "SELECT e.job_id FROM executions e JOIN jobs j ON j.current_execution = e.id \
         WHERE e.id = ? AND e.status = 'running'",
    )
    .bind(id(execution_id))
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::Stale)?;
    get_id(&row, 0)
}

pub(super) async fn finish(
    conn: &mut SqliteConnection,
    execution_id: Uuid,
    outcome: &Outcome,
) -> StoreResult<FinishEffect> {
    let row = sqlx::query(
        "SELECT e.status, e.job_id, j.current_execution = e.id, j.attempts, j.max_retries, \
         j.cancel_requested FROM executions e JOIN jobs j ON j.id = e.job_id WHERE e.id = ?",
    )
    .bind(id(execution_id))
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::Stale)?;
    let status: String = row.try_get(0)?;
    let is_current: Option<bool> = row.try_get(2)?;
    match status.as_str() {
        execution::RUNNING if is_current == Some(true) => {}
        execution::SUCCEEDED | execution::FAILED | execution::CANCELLED => {
            return Ok(FinishEffect::AlreadyFinished);
        }
        _ => return Err(StoreError::Stale),
    }
    let job_id = get_id(&row, 1)?;
    let state = AttemptState {
        attempts: rows::unsigned(row.try_get(3)?, "attempts")?,
        max_retries: rows::unsigned(row.try_get(4)?, "max_retries")?,
        cancel_requested: row.try_get(5)?,
    };

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
        sqlx::query("UPDATE executions SET cpu_micros = ? WHERE id = ?")
            .bind(cpu_micros)
            .bind(id(execution_id))
            .execute(&mut *conn)
            .await?;
    }
    tracing::debug!(%job_id, %execution_id, reason = outcome.reason.as_str(), "execution ended");
    Ok(match verdict {
        Verdict::Final(status) => FinishEffect::Finished(status),
        Verdict::Requeue => FinishEffect::Requeued,
    })
}

pub(super) async fn reap(conn: &mut SqliteConnection, before: DateTime<Utc>) -> StoreResult<u32> {
    let filter = "e.heartbeat_at < ?";
    end_each(conn, filter, micros(before), rows::ABANDONED_MESSAGE, false).await
}

/// Abandons executions still running past their deadline (`deadline_at < before`).
pub(super) async fn reap_overdue(
    conn: &mut SqliteConnection,
    before: DateTime<Utc>,
) -> StoreResult<u32> {
    let filter = "e.deadline_at < ?";
    end_each(conn, filter, micros(before), rows::OVERDUE_MESSAGE, false).await
}

/// Gives back the node's running executions: abandoned, their jobs requeued whatever their
/// retries (a cancelled one ends cancelled).
pub(super) async fn release_node(conn: &mut SqliteConnection, node_id: Uuid) -> StoreResult<u32> {
    let filter = "e.node_id = ?";
    end_each(conn, filter, id(node_id), rows::RELEASED_MESSAGE, true).await
}

/// Abandons the running executions of a node whose token was revoked; their jobs retry or
/// fail as after a lost heartbeat.
pub(super) async fn abandon_revoked_node(
    conn: &mut SqliteConnection,
    node_id: Uuid,
) -> StoreResult<u32> {
    let filter = "e.node_id = ?";
    end_each(conn, filter, id(node_id), rows::REVOKED_MESSAGE, false).await
}

/// Ends the running executions matching `filter` (bound to `key`) as abandoned.
async fn end_each<K>(
    conn: &mut SqliteConnection,
    filter: &str,
    key: K,
    message: &'static str,
    released: bool,
) -> StoreResult<u32>
where
    K: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + Send,
{
    let found = sqlx::query(&format!(
        "SELECT e.id, e.job_id, j.attempts, j.max_retries, j.cancel_requested \
         FROM executions e JOIN jobs j ON j.id = e.job_id \
         WHERE e.status = 'running' AND {filter}"
    ))
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    for row in &found {
        let mut ending = Ending {
            execution_id: get_id(row, 0)?,
            job_id: get_id(row, 1)?,
            reason: EndReason::Abandoned,
            exit_code: None,
            message: Some(message),
            executor: None,
        };
        let mut state = AttemptState {
            attempts: rows::unsigned(row.try_get(2)?, "attempts")?,
            max_retries: rows::unsigned(row.try_get(3)?, "max_retries")?,
            cancel_requested: row.try_get(4)?,
        };
        if released {
            if take_free_release(conn, ending.job_id).await? {
                state = state.released();
            } else {
                ending.message = Some(rows::RELEASED_AGAIN_MESSAGE);
            }
        }
        end_execution(conn, &ending, &state).await?;
        tracing::warn!(
            job_id = %ending.job_id,
            execution_id = %ending.execution_id,
            message,
            "execution abandoned"
        );
    }
    Ok(u32::try_from(found.len()).unwrap_or(u32::MAX))
}

/// Counts a release of the job and raises its budget by one, if it has free releases left
/// ([`rows::FREE_RELEASES`]); false when it has used them up.
async fn take_free_release(conn: &mut SqliteConnection, job_id: Uuid) -> StoreResult<bool> {
    let taken = sqlx::query(
        "UPDATE jobs SET releases = releases + 1, max_retries = max_retries + 1 \
         WHERE id = ? AND releases < ?",
    )
    .bind(id(job_id))
    .bind(i64::from(rows::FREE_RELEASES))
    .execute(&mut *conn)
    .await?;
    Ok(taken.rows_affected() > 0)
}

/// Abandons the running executions of a node declared dead; their jobs follow the reaper's
/// rules (requeued while retries remain).
pub(super) async fn abandon_node(conn: &mut SqliteConnection, node_id: Uuid) -> StoreResult<u32> {
    let running = sqlx::query(
        "SELECT e.id, e.job_id, j.attempts, j.max_retries, j.cancel_requested \
         FROM executions e JOIN jobs j ON j.id = e.job_id \
         WHERE e.status = 'running' AND e.node_id = ?",
    )
    .bind(id(node_id))
    .fetch_all(&mut *conn)
    .await?;
    for row in &running {
        let ending = Ending {
            execution_id: get_id(row, 0)?,
            job_id: get_id(row, 1)?,
            reason: EndReason::Abandoned,
            exit_code: None,
            message: Some(rows::DEAD_NODE_MESSAGE),
            executor: None,
        };
        let state = AttemptState {
            attempts: rows::unsigned(row.try_get(2)?, "attempts")?,
            max_retries: rows::unsigned(row.try_get(3)?, "max_retries")?,
            cancel_requested: row.try_get(4)?,
        };
        end_execution(conn, &ending, &state).await?;
        tracing::warn!(
            job_id = %ending.job_id,
            execution_id = %ending.execution_id,
            node_id = %node_id,
            "execution abandoned: its node is dead"
        );
    }
    Ok(u32::try_from(running.len()).unwrap_or(u32::MAX))
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
    conn: &mut SqliteConnection,
    ending: &Ending<'_>,
    state: &AttemptState,
) -> StoreResult<Verdict> {
    let now = micros(rows::now());
    sqlx::query(
        "UPDATE executions SET status = ?, reason = ?, exit_code = ?, message = ?, \
         executor = COALESCE(?, executor), finished_at = ? WHERE id = ?",
    )
    .bind(state.execution_status(ending.reason))
    .bind(ending.reason.as_str())
    .bind(ending.exit_code)
    .bind(ending.message)
    .bind(ending.executor)
    .bind(now)
    .bind(id(ending.execution_id))
    .execute(&mut *conn)
    .await?;

    let verdict = state.verdict(ending.reason);
    let (status, finished_at) = match verdict {
        Verdict::Final(status) => (status, Some(now)),
        Verdict::Requeue => (JobStatus::Queued, None),
    };
    let reason = rows::job_reason(verdict, ending.reason);
    sqlx::query(
        "UPDATE jobs SET status = ?, reason = ?, exit_code = ?, message = ?, \
         executor = COALESCE(?, executor), current_execution = NULL, finished_at = ? \
         WHERE id = ?",
    )
    .bind(status.as_str())
    .bind(reason.as_str())
    .bind(ending.exit_code)
    .bind(ending.message)
    .bind(ending.executor)
    .bind(finished_at)
    .bind(id(ending.job_id))
    .execute(&mut *conn)
    .await?;
    if verdict == Verdict::Requeue {
        jobs::enqueue(conn, ending.job_id).await?;
    }
    Ok(verdict)
}
