//! Job history rows: submit, look up, list, cancel, count.

use rgrid_spec::api::{EndReason, JobStatus};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::{int4, job_from_row, QUEUE_CHANNEL};
use crate::store::rows;
use crate::store::{Job, JobFilter, NewJob, StoreError, StoreResult};

/// Inserts the job (in `batch`, if any) and its queue entry; returns the new job's id.
pub(super) async fn create(
    conn: &mut PgConnection,
    job: &NewJob<'_>,
    batch: Option<Uuid>,
) -> StoreResult<Uuid> {
    let job_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO jobs (id, project_id, name, status, spec_json, priority, max_retries, \
         created_at, batch_id) VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8)",
    )
    .bind(job_id)
    .bind(job.project_id)
    .bind(job.name)
    .bind(job.spec_json)
    .bind(job.priority)
    .bind(int4(job.max_retries, "max_retries")?)
    .bind(rows::now())
    .bind(batch)
    .execute(&mut *conn)
    .await
    .map_err(|err| rows::constraint(err, "job", "project"))?;
    enqueue(conn, job_id).await?;
    Ok(job_id)
}

/// Puts the job (at its own priority) at the back of its project's turns (see the `turn`
/// column in the migrations) and wakes listeners once the transaction commits. Two projects
/// enqueueing at once may draw the same turn; `enqueued` then breaks the tie.
pub(super) async fn enqueue(conn: &mut PgConnection, job_id: Uuid) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO queue (job_id, project_id, priority, batch_id, turn) \
         SELECT id, project_id, priority, batch_id, GREATEST( \
             COALESCE((SELECT MIN(q.turn) FROM queue q WHERE q.priority = jobs.priority), 0), \
             1 + COALESCE((SELECT MAX(q.turn) FROM queue q \
                       WHERE q.project_id = jobs.project_id AND q.priority = jobs.priority), 0)) \
         FROM jobs WHERE id = $1",
    )
    .bind(job_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(QUEUE_CHANNEL)
        .execute(conn)
        .await?;
    Ok(())
}

/// A job by id, whatever its project.
pub(super) async fn fetch(conn: &mut PgConnection, job_id: Uuid) -> StoreResult<Job> {
    let row = sqlx::query(&format!("{} WHERE j.id = $1", rows::select_jobs()))
        .bind(job_id)
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound("job"))?;
    job_from_row(&row)
}

pub(super) async fn get(pool: &PgPool, project_id: Uuid, job_id: Uuid) -> StoreResult<Job> {
    let sql = format!(
        "{} WHERE j.id = $1 AND j.project_id = $2",
        rows::select_jobs()
    );
    let row = sqlx::query(&sql)
        .bind(job_id)
        .bind(project_id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("job"))?;
    job_from_row(&row)
}

pub(super) async fn list(
    pool: &PgPool,
    project_id: Uuid,
    filter: &JobFilter,
) -> StoreResult<Vec<Job>> {
    let sql = format!(
        "{} WHERE j.project_id = $1 AND ($2::text IS NULL OR j.status = $2) \
         AND ($3::uuid IS NULL OR j.batch_id = $3) ORDER BY j.created_at DESC, j.id DESC LIMIT $4",
        rows::select_jobs()
    );
    sqlx::query(&sql)
        .bind(project_id)
        .bind(filter.status.map(JobStatus::as_str))
        .bind(filter.batch)
        .bind(rows::list_limit(filter.limit))
        .fetch_all(pool)
        .await?
        .iter()
        .map(job_from_row)
        .collect()
}

/// Deletes the queue row first (the lock order of a claim: queue, then job), so a cancel and
/// a claim of the same job never wait on each other's locks.
pub(super) async fn cancel(
    conn: &mut PgConnection,
    project_id: Uuid,
    job_id: Uuid,
) -> StoreResult<Job> {
    // A finish may requeue the job between our two statements; the second round then finds
    // the new queue row (each statement sees what committed before it started).
    for _ in 0..2 {
        if dequeue(conn, project_id, job_id).await? {
            sqlx::query(
                "UPDATE jobs SET status = 'cancelled', reason = $1, finished_at = $2 \
                 WHERE id = $3",
            )
            .bind(EndReason::Cancelled.as_str())
            .bind(rows::now())
            .bind(job_id)
            .execute(&mut *conn)
            .await?;
        } else {
            sqlx::query(
                "UPDATE jobs SET cancel_requested = TRUE \
                 WHERE id = $1 AND project_id = $2 AND status = 'running'",
            )
            .bind(job_id)
            .bind(project_id)
            .execute(&mut *conn)
            .await?;
        }
        let job = fetch(conn, job_id).await?;
        if job.project_id != project_id {
            return Err(StoreError::NotFound("job"));
        }
        if job.status != JobStatus::Queued {
            return Ok(job);
        }
    }
    Err(StoreError::Conflict(
        "the job changed state during the cancel; try again".into(),
    ))
}

/// Queues a final job again for one more attempt, with a fresh budget of `retries`.
pub(super) async fn retry(
    conn: &mut PgConnection,
    project_id: Uuid,
    job_id: Uuid,
    retries: u32,
) -> StoreResult<Job> {
    let requeued = sqlx::query(
        "UPDATE jobs SET status = 'queued', reason = NULL, exit_code = NULL, message = NULL, \
         finished_at = NULL, cancel_requested = FALSE, max_retries = attempts + $1 \
         WHERE id = $2 AND project_id = $3 \
         AND status IN ('succeeded', 'failed', 'cancelled')",
    )
    .bind(int4(retries, "retries")?)
    .bind(job_id)
    .bind(project_id)
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

async fn dequeue(conn: &mut PgConnection, project_id: Uuid, job_id: Uuid) -> StoreResult<bool> {
    let deleted = sqlx::query("DELETE FROM queue WHERE job_id = $1 AND project_id = $2")
        .bind(job_id)
        .bind(project_id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

pub(super) async fn active_counts(pool: &PgPool) -> StoreResult<(u64, u64)> {
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
