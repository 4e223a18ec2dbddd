//! Upload rows and the retention sweeper's queries.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::store::rows;
use crate::store::{ExpiredArtifact, StoreResult, UploadRecord};

pub(super) async fn record_upload(pool: &PgPool, upload: &UploadRecord) -> StoreResult<()> {
    let now = rows::now();
    sqlx::query(
        "INSERT INTO uploads (object_key, project_id, sha256, size, created_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (object_key) DO UPDATE SET sha256 = excluded.sha256, \
         size = excluded.size, last_used_at = excluded.last_used_at",
    )
    .bind(&upload.object_key)
    .bind(upload.project_id)
    .bind(&upload.sha256)
    .bind(rows::signed(upload.size, "upload size")?)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn touch_uploads(
    pool: &PgPool,
    project_id: Uuid,
    keys: &[String],
) -> StoreResult<Vec<String>> {
    let held = sqlx::query_scalar(
        "UPDATE uploads SET last_used_at = $1 \
         WHERE project_id = $2 AND object_key = ANY($3) RETURNING object_key",
    )
    .bind(rows::now())
    .bind(project_id)
    .bind(keys)
    .fetch_all(pool)
    .await?;
    Ok(held)
}

pub(super) async fn stale_uploads(
    pool: &PgPool,
    before: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<UploadRecord>> {
    let rows = sqlx::query(
        "SELECT object_key, project_id, sha256, size FROM uploads \
         WHERE last_used_at < $1 ORDER BY last_used_at LIMIT $2",
    )
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(UploadRecord {
                object_key: row.try_get(0)?,
                project_id: row.try_get(1)?,
                sha256: row.try_get(2)?,
                size: rows::unsigned(row.try_get(3)?, "upload size")?,
            })
        })
        .collect()
}

pub(super) async fn unexpired_specs_created_before(
    pool: &PgPool,
    before: DateTime<Utc>,
) -> StoreResult<Vec<(Uuid, String)>> {
    let rows = sqlx::query(
        "SELECT project_id, spec_json FROM jobs \
         WHERE created_at < $1 AND (finished_at IS NULL OR finished_at >= $1)",
    )
    .bind(before)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

pub(super) async fn forget_upload(
    pool: &PgPool,
    object_key: &str,
    before: DateTime<Utc>,
) -> StoreResult<bool> {
    let deleted = sqlx::query("DELETE FROM uploads WHERE object_key = $1 AND last_used_at < $2")
        .bind(object_key)
        .bind(before)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

pub(super) async fn expired_artifacts(
    pool: &PgPool,
    finished_before: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<ExpiredArtifact>> {
    let rows = sqlx::query(
        "SELECT a.id, a.object_key FROM artifacts a JOIN jobs j ON j.id = a.job_id \
         WHERE j.finished_at < $1 ORDER BY a.id LIMIT $2",
    )
    .bind(finished_before)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ExpiredArtifact {
                id: row.try_get(0)?,
                object_key: row.try_get(1)?,
            })
        })
        .collect()
}

pub(super) async fn forget_artifacts(pool: &PgPool, ids: &[i64]) -> StoreResult<()> {
    sqlx::query("DELETE FROM artifacts WHERE id = ANY($1)")
        .bind(ids)
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn known_object_keys(pool: &PgPool, keys: &[String]) -> StoreResult<Vec<String>> {
    let known = sqlx::query_scalar(
        "SELECT object_key FROM uploads WHERE object_key = ANY($1) \
         UNION SELECT object_key FROM artifacts WHERE object_key = ANY($1)",
    )
    .bind(keys)
    .fetch_all(pool)
    .await?;
    Ok(known)
}
