//! Upload rows and the retention sweeper's queries.

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use uuid::Uuid;

use super::{get_id, id, micros};
use crate::store::rows;
use crate::store::{ExpiredArtifact, StoreResult, UploadRecord};

/// Keys per `IN (…)` list, well under SQLite's 32 766 bound parameters.
const KEYS_PER_QUERY: usize = 500;

pub(super) async fn record_upload(pool: &SqlitePool, upload: &UploadRecord) -> StoreResult<()> {
    let now = micros(rows::now());
    sqlx::query(
        "INSERT INTO uploads (object_key, project_id, sha256, size, created_at, last_used_at) \
         VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (object_key) DO UPDATE SET sha256 = excluded.sha256, \
         size = excluded.size, last_used_at = excluded.last_used_at",
    )
    .bind(&upload.object_key)
    .bind(id(upload.project_id))
    .bind(&upload.sha256)
    .bind(rows::signed(upload.size, "upload size")?)
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn touch_uploads(
    pool: &SqlitePool,
    project_id: Uuid,
    keys: &[String],
) -> StoreResult<Vec<String>> {
    let now = micros(rows::now());
    let mut held = Vec::new();
    for part in keys.chunks(KEYS_PER_QUERY) {
        let mut query = QueryBuilder::<Sqlite>::new("UPDATE uploads SET last_used_at = ");
        query.push_bind(now);
        query.push(" WHERE project_id = ");
        query.push_bind(id(project_id));
        query.push(" AND object_key IN (");
        let mut list = query.separated(", ");
        for key in part {
            list.push_bind(key);
        }
        query.push(") RETURNING object_key");
        let rows = query.build().fetch_all(pool).await?;
        for row in rows {
            held.push(row.try_get(0)?);
        }
    }
    Ok(held)
}

pub(super) async fn stale_uploads(
    pool: &SqlitePool,
    before: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<UploadRecord>> {
    let rows = sqlx::query(
        "SELECT object_key, project_id, sha256, size FROM uploads \
         WHERE last_used_at < ? ORDER BY last_used_at LIMIT ?",
    )
    .bind(micros(before))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(UploadRecord {
                object_key: row.try_get(0)?,
                project_id: get_id(row, 1)?,
                sha256: row.try_get(2)?,
                size: rows::unsigned(row.try_get(3)?, "upload size")?,
            })
        })
        .collect()
}

pub(super) async fn unexpired_specs_created_before(
    pool: &SqlitePool,
    before: DateTime<Utc>,
) -> StoreResult<Vec<(Uuid, String)>> {
    let rows = sqlx::query(
        "SELECT project_id, spec_json FROM jobs \
         WHERE created_at < ? AND (finished_at IS NULL OR finished_at >= ?)",
    )
    .bind(micros(before))
    .bind(micros(before))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((get_id(row, 0)?, row.try_get(1)?)))
        .collect()
}

pub(super) async fn forget_upload(
    pool: &SqlitePool,
    object_key: &str,
    before: DateTime<Utc>,
) -> StoreResult<bool> {
    let deleted = sqlx::query("DELETE FROM uploads WHERE object_key = ? AND last_used_at < ?")
        .bind(object_key)
        .bind(micros(before))
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

pub(super) async fn expired_artifacts(
    pool: &SqlitePool,
    finished_before: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<ExpiredArtifact>> {
    let rows = sqlx::query(
        "SELECT a.id, a.object_key FROM artifacts a JOIN jobs j ON j.id = a.job_id \
         WHERE j.finished_at < ? ORDER BY a.id LIMIT ?",
    )
    .bind(micros(finished_before))
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

pub(super) async fn forget_artifacts(pool: &SqlitePool, ids: &[i64]) -> StoreResult<()> {
    for part in ids.chunks(KEYS_PER_QUERY) {
        let mut query = QueryBuilder::<Sqlite>::new("DELETE FROM artifacts WHERE id IN (");
        let mut list = query.separated(", ");
        for artifact in part {
            list.push_bind(*artifact);
        }
        query.push(")");
        query.build().execute(pool).await?;
    }
    Ok(())
}

pub(super) async fn known_object_keys(
    pool: &SqlitePool,
    keys: &[String],
) -> StoreResult<Vec<String>> {
    let mut known = Vec::new();
    for part in keys.chunks(KEYS_PER_QUERY) {
        let mut query = QueryBuilder::<Sqlite>::new("SELECT object_key FROM uploads WHERE ");
        push_key_list(&mut query, part);
        query.push(" UNION SELECT object_key FROM artifacts WHERE ");
        push_key_list(&mut query, part);
        for row in query.build().fetch_all(pool).await? {
            known.push(row.try_get(0)?);
        }
    }
    Ok(known)
}

fn push_key_list(query: &mut QueryBuilder<'_, Sqlite>, keys: &[String]) {
    query.push("object_key IN (");
    let mut list = query.separated(", ");
    for key in keys {
        list.push_bind(key.clone());
    }
    query.push(")");
}
