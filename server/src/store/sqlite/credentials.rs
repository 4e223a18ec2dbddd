//! Personal tokens and operator keys (listing, revoking), and which node owns an execution.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::{get_id, get_opt_time, get_time, id, micros, touch_last_used};
use crate::store::rows;
use crate::store::{NewToken, StoreError, StoreResult, TokenInfo};

const COLUMNS: &str = "id, name, prefix, created_at, last_used_at, revoked_at";

pub(super) async fn add_user_token(
    pool: &SqlitePool,
    user_id: Uuid,
    token: NewToken<'_>,
) -> StoreResult<TokenInfo> {
    let row = sqlx::query(&format!(
        "INSERT INTO user_tokens (user_id, name, prefix, token_hash, created_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(id(user_id))
    .bind(token.name)
    .bind(token.prefix)
    .bind(token.hash)
    .bind(micros(rows::now()))
    .fetch_one(pool)
    .await
    .map_err(|err| rows::constraint(err, "user token", "user"))?;
    token_from_row(&row)
}

pub(super) async fn list_user_tokens(
    pool: &SqlitePool,
    user_id: Uuid,
) -> StoreResult<Vec<TokenInfo>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM user_tokens WHERE user_id = ? ORDER BY id"
    ))
    .bind(id(user_id))
    .fetch_all(pool)
    .await?
    .iter()
    .map(token_from_row)
    .collect()
}

pub(super) async fn revoke_user_token(
    pool: &SqlitePool,
    user_id: Uuid,
    token_id: i64,
) -> StoreResult<TokenInfo> {
    sqlx::query(&format!(
        "UPDATE user_tokens SET revoked_at = COALESCE(revoked_at, ?) \
         WHERE id = ? AND user_id = ? RETURNING {COLUMNS}"
    ))
    .bind(micros(rows::now()))
    .bind(token_id)
    .bind(id(user_id))
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("personal token"))
    .and_then(|row| token_from_row(&row))
}

pub(super) async fn add_operator_key(
    pool: &SqlitePool,
    key: NewToken<'_>,
) -> StoreResult<TokenInfo> {
    let row = sqlx::query(&format!(
        "INSERT INTO operator_keys (name, prefix, key_hash, created_at) \
         VALUES (?, ?, ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(key.name)
    .bind(key.prefix)
    .bind(key.hash)
    .bind(micros(rows::now()))
    .fetch_one(pool)
    .await
    .map_err(|err| rows::constraint(err, "operator key", "operator key"))?;
    token_from_row(&row)
}

pub(super) async fn operator_key(pool: &SqlitePool, key_hash: &str) -> StoreResult<TokenInfo> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM operator_keys WHERE key_hash = ? AND revoked_at IS NULL"
    ))
    .bind(key_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("operator key"))?;
    touch_last_used(
        pool,
        ("operator_keys", "key_hash"),
        key_hash,
        get_opt_time(&row, 4)?,
    )
    .await?;
    token_from_row(&row)
}

pub(super) async fn list_operator_keys(pool: &SqlitePool) -> StoreResult<Vec<TokenInfo>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM operator_keys ORDER BY id"))
        .fetch_all(pool)
        .await?
        .iter()
        .map(token_from_row)
        .collect()
}

pub(super) async fn revoke_operator_key(pool: &SqlitePool, key_id: i64) -> StoreResult<TokenInfo> {
    sqlx::query(&format!(
        "UPDATE operator_keys SET revoked_at = COALESCE(revoked_at, ?) \
         WHERE id = ? RETURNING {COLUMNS}"
    ))
    .bind(micros(rows::now()))
    .bind(key_id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("operator key"))
    .and_then(|row| token_from_row(&row))
}

pub(super) async fn execution_node(pool: &SqlitePool, execution_id: Uuid) -> StoreResult<Uuid> {
    let row = sqlx::query("SELECT node_id FROM executions WHERE id = ?")
        .bind(id(execution_id))
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("execution"))?;
    get_id(&row, 0)
}

fn token_from_row(row: &SqliteRow) -> StoreResult<TokenInfo> {
    Ok(TokenInfo {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        prefix: row.try_get(2)?,
        created_at: get_time(row, 3)?,
        last_used_at: get_opt_time(row, 4)?,
        revoked_at: get_opt_time(row, 5)?,
    })
}
