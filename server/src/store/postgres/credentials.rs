//! Personal tokens and operator keys (listing, revoking), and which node owns an execution.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::store::rows;
use crate::store::{NewToken, StoreError, StoreResult, TokenInfo};

const COLUMNS: &str = "id, name, prefix, created_at, last_used_at, revoked_at";

pub(super) async fn add_user_token(
    pool: &PgPool,
    user_id: Uuid,
    token: NewToken<'_>,
) -> StoreResult<TokenInfo> {
    let row = sqlx::query(&format!(
        "INSERT INTO user_tokens (user_id, name, prefix, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(user_id)
    .bind(token.name)
    .bind(token.prefix)
    .bind(token.hash)
    .bind(rows::now())
    .fetch_one(pool)
    .await
    .map_err(|err| rows::constraint(err, "user token", "user"))?;
    token_from_row(&row)
}

pub(super) async fn list_user_tokens(pool: &PgPool, user_id: Uuid) -> StoreResult<Vec<TokenInfo>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM user_tokens WHERE user_id = $1 ORDER BY id"
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(token_from_row)
    .collect()
}

pub(super) async fn revoke_user_token(
    pool: &PgPool,
    user_id: Uuid,
    token_id: i64,
) -> StoreResult<TokenInfo> {
    sqlx::query(&format!(
        "UPDATE user_tokens SET revoked_at = COALESCE(revoked_at, $1) \
         WHERE id = $2 AND user_id = $3 RETURNING {COLUMNS}"
    ))
    .bind(rows::now())
    .bind(token_id)
    .bind(user_id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("personal token"))
    .and_then(|row| token_from_row(&row))
}

pub(super) async fn add_operator_key(pool: &PgPool, key: NewToken<'_>) -> StoreResult<TokenInfo> {
    let row = sqlx::query(&format!(
        "INSERT INTO operator_keys (name, prefix, key_hash, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind(key.name)
    .bind(key.prefix)
    .bind(key.hash)
    .bind(rows::now())
    .fetch_one(pool)
    .await
    .map_err(|err| rows::constraint(err, "operator key", "operator key"))?;
    token_from_row(&row)
}

pub(super) async fn operator_key(pool: &PgPool, key_hash: &str) -> StoreResult<TokenInfo> {
    let now = rows::now();
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM operator_keys WHERE key_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(key_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("operator key"))?;
    sqlx::query(
        "UPDATE operator_keys SET last_used_at = $1 \
         WHERE key_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(key_hash)
    .bind(now - rows::TOUCH_INTERVAL)
    .execute(pool)
    .await?;
    token_from_row(&row)
}

pub(super) async fn list_operator_keys(pool: &PgPool) -> StoreResult<Vec<TokenInfo>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM operator_keys ORDER BY id"))
        .fetch_all(pool)
        .await?
        .iter()
        .map(token_from_row)
        .collect()
}

pub(super) async fn revoke_operator_key(pool: &PgPool, key_id: i64) -> StoreResult<TokenInfo> {
    sqlx::query(&format!(
        "UPDATE operator_keys SET revoked_at = COALESCE(revoked_at, $1) \
         WHERE id = $2 RETURNING {COLUMNS}"
    ))
    .bind(rows::now())
    .bind(key_id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("operator key"))
    .and_then(|row| token_from_row(&row))
}

pub(super) async fn execution_node(pool: &PgPool, execution_id: Uuid) -> StoreResult<Uuid> {
    let row = sqlx::query("SELECT node_id FROM executions WHERE id = $1")
        .bind(execution_id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("execution"))?;
    Ok(row.try_get(0)?)
}

fn token_from_row(row: &PgRow) -> StoreResult<TokenInfo> {
    Ok(TokenInfo {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        prefix: row.try_get(2)?,
        created_at: row.try_get(3)?,
        last_used_at: row.try_get(4)?,
        revoked_at: row.try_get(5)?,
    })
}
