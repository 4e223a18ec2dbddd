//! Job history rows: submit, look up, list, cancel, count.

use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::{id, job_from_row, micros};
use crate::store::rows;
use crate::store::{Job, JobFilter, NewJob, StoreError, StoreResult};
use rgrid_spec::api::{EndReason, JobStatus};

/// Inserts the job (in `batch`, if any) and its queue entry; returns the new job's id.
pub(super) async fn create(
    conn: &mut SqliteConnection,
    job: &NewJob<'_>,
    batch: Option<Uuid>,
) -> StoreResult<Uuid> {
    let job_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO jobs (id, project_id, name, status, spec_json, priority, max_retries, \
         created_at, batch_id) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
    )
    .bind(id(job_id))
    .bind(id(job.project_id))
    .bind(job.name)
    .bind(job.spec_json)
    .bind(job.priority)
    .bind(i64::from(job.max_retries))
    .bind(micros(rows::now()))
    .bind(batch.map(id))
    .execute(&mut *conn)
    .await
    .map_err(|err| rows::constraint(err, "job", "project"))?;
    enqueue(conn, job_id).await?;
    Ok(job_id)
}

/// Puts the job (at its own priority) at the back of its project's turns (see the `turn`
/// column in the migrations).
pub(super) async fn enqueue(conn: &mut SqliteConnection, job_id: Uuid) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO queue (job_id, project_id, priority, batch_id, turn) \
         SELECT id, project_id, priority, batch_id, MAX( \
             COALESCE((SELECT MIN(q.turn) FROM queue q WHERE q.priority = jobs.priority), 0), \
             1 + COALESCE((SELECT MAX(q.turn) FROM queue q \
                       WHERE q.project_id = jobs.project_id AND q.priority = jobs.priority), 0)) \
         FROM jobs WHERE id = ?",
    )
    .bind(id(job_id))
    .execute(conn)
    .await?;
    Ok(())
}

/// A job by id, whatever its project.
pub(super) async fn fetch(conn: &mut SqliteConnection, job_id: Uuid) -> StoreResult<Job> {
    let row = sqlx::query(&format!("{} WHERE j.id = ?", rows::select_jobs()))
        .bind(id(job_id))
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("job"))?;
    job_from_row(&row)
}

pub(super) async fn get(pool: &SqlitePool, project_id: Uuid, job_id: Uuid) -> StoreResult<Job> {
    let row = sqlx::query(&format!(
        "{} WHERE j.id = ? AND j.project_id = ?",
        rows::select_jobs()
    ))
    .bind(id(job_id))
    .bind(id(project_id))
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("job"))?;
    job_from_row(&row)
}

pub(super) async fn list(
    pool: &SqlitePool,
    project_id: Uuid,
    filter: &JobFilter,
) -> StoreResult<Vec<Job>> {
    let sql = format!(
        "{} WHERE j.project_id = ? AND (? IS NULL OR j.status = ?) \
         AND (? IS NULL OR j.batch_id = ?) ORDER BY j.created_at DESC, j.id DESC LIMIT ?",
        rows::select_jobs()
    );
    let status = filter.status.map(JobStatus::as_str);
    sqlx::query(&sql)
        .bind(id(project_id))
        .bind(status)
        .bind(status)
        .bind(filter.batch.map(id))
        .bind(filter.batch.map(id))
        .bind(rows::list_limit(filter.limit))
        .fetch_all(pool)
        .await?
        .iter()
        .map(job_from_row)
        .collect()
}

/// Queues a final job again for one more attempt, with a fresh budget of `retries`.
pub(super) async fn retry(
    conn: &mut SqliteConnection,
    project_id: Uuid,
    job_id: Uuid,
    retries: u32,
) -> StoreResult<Job> {
    let requeued = sqlx::query(
        "UPDATE jobs SET status = 'queued', reason = NULL, exit_code = NULL, message = NULL, \
         finished_at = NULL, cancel_requested = 0, max_retries = attempts + ? \
         WHERE id = ? AND project_id = ? AND status IN ('succeeded', 'failed', 'cancelled')",
    )
    .bind(i64::from(retries))
    .bind(id(job_id))
    .bind(id(project_id))
    .execute(&mut *conn)
    .await?;
    let job = match fetch(&mut *conn, job_id).await {
        Ok(job) if job.project_id == project_id => job,
        Ok(_) | Err(StoreError::NotFound(_)) => return Err(StoreError::NotFound("job")),
        Err(err) => return Err(err),
    };
    if requeued.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "job {job_id} is {}; only a finished job can be retried",
            job.status.as_str()
        )));
    }
    enqueue(conn, job_id).await?;
    Ok(job)
}

pub(super) async fn cancel(
    conn: &mut SqliteConnection,
    project_id: Uuid,
    job_id: Uuid,
) -> StoreResult<Job> {
    let dequeued = sqlx::query("DELETE FROM queue WHERE job_id = ? AND project_id = ?")
        .bind(id(job_id))
        .bind(id(project_id))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if dequeued > 0 {
        sqlx::query(
            "UPDATE jobs SET status = 'cancelled', reason = ?, finished_at = ? WHERE id = ?",
        )
        .bind(EndReason::Cancelled.as_str())
        .bind(micros(rows::now()))
        .bind(id(job_id))
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query(
            "UPDATE jobs SET cancel_requested = 1 \
             WHERE id = ? AND project_id = ? AND status = 'running'",
        )
        .bind(id(job_id))
        .bind(id(project_id))
        .execute(&mut *conn)
        .await?;
    }
    let job = fetch(conn, job_id).await?;
    if job.project_id != project_id {
        return Err(StoreError::NotFound("job"));
    }
    Ok(job)
}

pub(super) async fn active_counts(pool: &SqlitePool) -> StoreResult<(u64, u64)> {
    let row = sqlx::query(
        "SELECT (SELECT count(*) FROM queue), \
                (SELECT count(*) FROM executions WHERE status = 'running')",
    )
    .fetch_one(pool)
    .await?;
    Ok((
        rows::unsigned(row.try_get(0)?, "queued")?,
        rows::unsigned(row.try_get(1)?, "running")?,
    ))
}
