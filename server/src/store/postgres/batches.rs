//! Batches: many jobs created in one transaction, and the batch row their cap lives on.

use rgrid_spec::api::EndReason;
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::{int4, jobs};
use crate::store::rows;
use crate::store::{Batch, BatchCancel, NewJob, StoreError, StoreResult};

pub(super) async fn create(
    conn: &mut PgConnection,
    project_id: Uuid,
    parallel: Option<u32>,
    new_jobs: &[NewJob<'_>],
) -> StoreResult<(Batch, Vec<Uuid>)> {
    let batch = Batch {
        id: Uuid::now_v7(),
        project_id,
        parallel,
        created_at: rows::now(),
    };
    let parallel = parallel.map(|n| int4(n, "parallel")).transpose()?;
    sqlx::query(
        "INSERT INTO batches (id, project_id, parallel, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(batch.id)
    .bind(project_id)
    .bind(parallel)
    .bind(batch.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|err| rows::constraint(err, "batch", "project"))?;
    let mut ids = Vec::with_capacity(new_jobs.len());
    for job in new_jobs {
        ids.push(jobs::create(conn, job, Some(batch.id)).await?);
    }
    Ok((batch, ids))
}

pub(super) async fn get(pool: &PgPool, project_id: Uuid, batch_id: Uuid) -> StoreResult<Batch> {
    let row = sqlx::query(
        "SELECT id, project_id, parallel, created_at FROM batches \
         WHERE id = $1 AND project_id = $2",
    )
    .bind(batch_id)
    .bind(project_id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("batch"))?;
    let parallel: Option<i32> = row.try_get(2)?;
    Ok(Batch {
        id: row.try_get(0)?,
        project_id: row.try_get(1)?,
        parallel: parallel
            .map(|n| rows::unsigned(i64::from(n), "parallel"))
            .transpose()?,
        created_at: row.try_get(3)?,
    })
}

/// How many rounds a batch cancel makes before it gives up on jobs that keep changing state.
const CANCEL_ROUNDS: usize = 5;

/// Cancels the batch's jobs. Each statement sees what committed before it started, so a job
/// can slip between them: a claim in flight turns a queued job running after the running ones
/// were flagged, a finish requeues a running one after the queue was emptied. So it goes in
/// rounds (flag the running, then dequeue the queued) until no job of the batch is left queued
/// or running unflagged.
pub(super) async fn cancel(
    conn: &mut PgConnection,
    project_id: Uuid,
    batch_id: Uuid,
) -> StoreResult<BatchCancel> {
    let found = sqlx::query("SELECT 1 FROM batches WHERE id = $1 AND project_id = $2")
        .bind(batch_id)
        .bind(project_id)
        .fetch_optional(&mut *conn)
        .await?;
    if found.is_none() {
        return Err(StoreError::NotFound("batch"));
    }
    let mut cancelled = 0u64;
    for _ in 0..CANCEL_ROUNDS {
        sqlx::query(
            "UPDATE jobs SET cancel_requested = TRUE \
             WHERE batch_id = $1 AND status = 'running' AND NOT cancel_requested",
        )
        .bind(batch_id)
        .execute(&mut *conn)
        .await?;
        let dequeued: Vec<Uuid> =
            sqlx::query_scalar("DELETE FROM queue WHERE batch_id = $1 RETURNING job_id")
                .bind(batch_id)
                .fetch_all(&mut *conn)
                .await?;
        let ended = sqlx::query(
            "UPDATE jobs SET status = 'cancelled', reason = $1, finished_at = $2 \
             WHERE id = ANY($3)",
        )
        .bind(EndReason::Cancelled.as_str())
        .bind(rows::now())
        .bind(&dequeued)
        .execute(&mut *conn)
        .await?;
        cancelled += ended.rows_affected();
        let left: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE batch_id = $1 \
             AND (status = 'queued' OR (status = 'running' AND NOT cancel_requested))",
        )
        .bind(batch_id)
        .fetch_one(&mut *conn)
        .await?;
        if left == 0 {
            let stopping: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM jobs WHERE batch_id = $1 AND status = 'running'",
            )
            .bind(batch_id)
            .fetch_one(&mut *conn)
            .await?;
            return Ok(BatchCancel {
                cancelled: u32::try_from(cancelled).unwrap_or(u32::MAX),
                stopping: rows::unsigned(stopping, "stopping")?,
            });
        }
    }
    Err(StoreError::Conflict(
        "the batch's jobs kept changing state during the cancel; try again".into(),
    ))
}
