//! Log chunks and artifacts.

use rgrid_spec::api::{LogChunkIn, OutputFileInfo};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use super::executions;
use crate::store::rows;
use crate::store::{Artifact, LogChunk, StoreResult};

/// Postgres allows 65 535 bound parameters per statement; 7 per chunk keeps a batch under.
const CHUNKS_PER_INSERT: usize = 500;

/// Holds the execution's row lock while inserting: appends of one execution are serialised,
/// so chunk ids (the readers' cursor) commit in increasing order within a job.
pub(super) async fn append(
    conn: &mut PgConnection,
    execution_id: Uuid,
    chunks: &[LogChunkIn],
) -> StoreResult<()> {
    let job_id = executions::current_job_id(conn, execution_id, true).await?;
    let attempt: i32 = sqlx::query_scalar("SELECT attempt FROM executions WHERE id = $1")
        .bind(execution_id)
        .fetch_one(&mut *conn)
        .await?;
    let at = rows::now();
    for batch in chunks.chunks(CHUNKS_PER_INSERT) {
        let seqs = batch
            .iter()
            .map(|chunk| rows::signed(chunk.seq, "log chunk seq"))
            .collect::<StoreResult<Vec<i64>>>()?;
        let mut insert = QueryBuilder::<Postgres>::new(
            "INSERT INTO log_chunks (job_id, execution_id, attempt, seq, stream, data, at) ",
        );
        insert.push_values(batch.iter().zip(seqs), |mut values, (chunk, seq)| {
            values
                .push_bind(job_id)
                .push_bind(execution_id)
                .push_bind(attempt)
                .push_bind(seq)
                .push_bind(chunk.stream.as_str())
                .push_bind(chunk.data.0.as_slice())
                .push_bind(at);
        });
        // A runner resends a batch whose answer it lost: keep the first copy.
        insert.push(" ON CONFLICT (execution_id, seq) DO NOTHING");
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(super) async fn read(
    pool: &PgPool,
    job_id: Uuid,
    after: i64,
    limit: u32,
) -> StoreResult<Vec<LogChunk>> {
    let rows = sqlx::query(
        "SELECT id, attempt, seq, stream, data, at FROM log_chunks \
         WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(job_id)
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(LogChunk {
                id: row.try_get(0)?,
                attempt: rows::unsigned(i64::from(row.try_get::<i32, _>(1)?), "attempt")?,
                seq: rows::unsigned(row.try_get(2)?, "seq")?,
                stream: rows::stream(row.try_get(3)?)?,
                data: row.try_get(4)?,
                at: row.try_get(5)?,
            })
        })
        .collect()
}

/// Keeps only the artifacts of the execution that finishes last.
pub(super) async fn replace_artifacts(
    conn: &mut PgConnection,
    job_id: Uuid,
    execution_id: Uuid,
    artifacts: &[(OutputFileInfo, String)],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM artifacts WHERE job_id = $1")
        .bind(job_id)
        .execute(&mut *conn)
        .await?;
    for (file, object_key) in artifacts {
        sqlx::query(
            "INSERT INTO artifacts (job_id, execution_id, path, size, sha256, content_type, \
             object_key) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (job_id, path) DO UPDATE SET size = excluded.size, \
             sha256 = excluded.sha256, object_key = excluded.object_key",
        )
        .bind(job_id)
        .bind(execution_id)
        .bind(&file.path)
        .bind(rows::signed(file.size, "artifact size")?)
        .bind(&file.sha256)
        .bind(rows::content_type_for(&file.path))
        .bind(object_key)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(super) async fn list_artifacts(pool: &PgPool, job_id: Uuid) -> StoreResult<Vec<Artifact>> {
    let rows = sqlx::query(
        "SELECT path, size, sha256, content_type, object_key FROM artifacts \
         WHERE job_id = $1 ORDER BY path",
    )
    .bind(job_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Artifact {
                path: row.try_get(0)?,
                size: rows::unsigned(row.try_get(1)?, "artifact size")?,
                sha256: row.try_get(2)?,
                content_type: row.try_get(3)?,
                object_key: row.try_get(4)?,
            })
        })
        .collect()
}
