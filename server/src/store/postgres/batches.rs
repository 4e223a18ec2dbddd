//! Batches: many jobs created in one transaction, and the batch row their cap lives on.

use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::{int4, jobs};
use crate::store::rows;
use crate::store::{Batch, NewJob, StoreError, StoreResult};

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
