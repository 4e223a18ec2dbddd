//! Batches: many jobs created in one transaction, and the batch row their cap lives on.

use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::{get_id, get_time, id, jobs, micros};
use crate::store::rows;
use crate::store::{Batch, NewJob, StoreError, StoreResult};

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
