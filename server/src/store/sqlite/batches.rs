//! Batches: many jobs created in one transaction, and the batch row their cap lives on.

use rgrid_spec::api::EndReason;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::{get_id, get_time, id, jobs, micros};
use crate::store::rows;
use crate::store::{Batch, BatchCancel, NewJob, StoreError, StoreResult};

pub(super) async fn create(
    conn: &mut SqliteConnection,
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
    sqlx::query("INSERT INTO batches (id, project_id, parallel, created_at) VALUES (?, ?, ?, ?)")
        .bind(id(batch.id))
        .bind(id(project_id))
        .bind(parallel.map(i64::from))
        .bind(micros(batch.created_at))
        .execute(&mut *conn)
        .await
        .map_err(|err| rows::constraint(err, "batch", "project"))?;
    let mut ids = Vec::with_capacity(new_jobs.len());
    for job in new_jobs {
        ids.push(jobs::create(conn, job, Some(batch.id)).await?);
    }
    Ok((batch, ids))
}

pub(super) async fn get(pool: &SqlitePool, project_id: Uuid, batch_id: Uuid) -> StoreResult<Batch> {
    let row = sqlx::query(
        "SELECT id, project_id, parallel, created_at FROM batches WHERE id = ? AND project_id = ?",
    )
    .bind(id(batch_id))
    .bind(id(project_id))
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("batch"))?;
    let parallel: Option<i64> = row.try_get(2)?;
    Ok(Batch {
        id: get_id(&row, 0)?,
        project_id: get_id(&row, 1)?,
        parallel: parallel
            .map(|n| rows::unsigned(n, "parallel"))
            .transpose()?,
        created_at: get_time(&row, 3)?,
    })
}

/// Cancels the batch's jobs. The write lock (`BEGIN IMMEDIATE`) keeps claims and finishes out
/// for the whole transaction, so one pass is enough: a queued job's queue row exists.
pub(super) async fn cancel(
    conn: &mut SqliteConnection,
    project_id: Uuid,
    batch_id: Uuid,
) -> StoreResult<BatchCancel> {
    let found = sqlx::query("SELECT 1 FROM batches WHERE id = ? AND project_id = ?")
        .bind(id(batch_id))
        .bind(id(project_id))
        .fetch_optional(&mut *conn)
        .await?;
    if found.is_none() {
        return Err(StoreError::NotFound("batch"));
    }
    let cancelled = sqlx::query(
        "UPDATE jobs SET status = 'cancelled', reason = ?, finished_at = ? \
         WHERE batch_id = ? AND status = 'queued'",
    )
    .bind(EndReason::Cancelled.as_str())
    .bind(micros(rows::now()))
    .bind(id(batch_id))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM queue WHERE batch_id = ?")
        .bind(id(batch_id))
        .execute(&mut *conn)
        .await?;
    let stopping = sqlx::query(
        "UPDATE jobs SET cancel_requested = 1 WHERE batch_id = ? AND status = 'running'",
    )
    .bind(id(batch_id))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(BatchCancel {
        cancelled: u32::try_from(cancelled).unwrap_or(u32::MAX),
        stopping: u32::try_from(stopping).unwrap_or(u32::MAX),
    })
}
