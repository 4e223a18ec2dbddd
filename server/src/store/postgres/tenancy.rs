//! Projects, API keys, bootstrap tokens and nodes.

use chrono::{DateTime, Utc};
use rgrid_spec::api::NodeState;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::{accounts, int4};
use crate::store::rows;
use crate::store::{
    ApiKeyInfo, KeyGrant, NewApiKey, NewBootstrapToken, NewNode, Node, Project, StoreError,
    StoreResult,
};

const KEY_COLUMNS: &str =
    "id, project_id, name, role, prefix, created_at, last_used_at, revoked_at";

pub(super) async fn ensure_project(
    pool: &PgPool,
    account: &str,
    slug: &str,
) -> StoreResult<Project> {
    accounts::ensure_account(pool, account).await?;
    sqlx::query(
        "INSERT INTO projects (id, account, slug, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account, slug) DO NOTHING",
    )
    .bind(Uuid::now_v7())
    .bind(account)
    .bind(slug)
    .bind(rows::now())
    .execute(pool)
    .await?;
    let row =
        sqlx::query("SELECT id, account, slug FROM projects WHERE account = $1 AND slug = $2")
            .bind(account)
            .bind(slug)
            .fetch_one(pool)
            .await?;
    project_from_row(&row)
}

pub(super) async fn list_projects(pool: &PgPool, account: &str) -> StoreResult<Vec<Project>> {
    sqlx::query("SELECT id, account, slug FROM projects WHERE account = $1 ORDER BY slug")
        .bind(account)
        .fetch_all(pool)
        .await?
        .iter()
        .map(project_from_row)
        .collect()
}

pub(super) async fn add_api_key(pool: &PgPool, key: NewApiKey<'_>) -> StoreResult<ApiKeyInfo> {
    let row = sqlx::query(&format!(
        "INSERT INTO api_keys (project_id, name, role, prefix, key_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {KEY_COLUMNS}"
    ))
    .bind(key.project_id)
    .bind(key.name)
    .bind(key.role.as_str())
    .bind(key.prefix)
    .bind(key.key_hash)
    .bind(rows::now())
    .fetch_one(pool)
    .await
    .map_err(|err| rows::constraint(err, "api key", "project"))?;
    key_from_row(&row)
}

pub(super) async fn key_grant(pool: &PgPool, key_hash: &str) -> StoreResult<KeyGrant> {
    let now = rows::now();
    let row = sqlx::query(
        "SELECT p.id, p.account, p.slug, k.id, k.role FROM api_keys k \
         JOIN projects p ON p.id = k.project_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("api key"))?;
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $1 \
         WHERE key_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(key_hash)
    .bind(now - rows::TOUCH_INTERVAL)
    .execute(pool)
    .await?;
    Ok(KeyGrant {
        project: project_from_row(&row)?,
        key_id: row.try_get(3)?,
        role: rows::role(row.try_get(4)?)?,
    })
}

pub(super) async fn list_api_keys(pool: &PgPool, project_id: Uuid) -> StoreResult<Vec<ApiKeyInfo>> {
    sqlx::query(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE project_id = $1 ORDER BY id"
    ))
    .bind(project_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(key_from_row)
    .collect()
}

pub(super) async fn revoke_api_key(
    pool: &PgPool,
    project_id: Uuid,
    key_id: i64,
) -> StoreResult<ApiKeyInfo> {
    sqlx::query(&format!(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) \
         WHERE id = $2 AND project_id = $3 RETURNING {KEY_COLUMNS}"
    ))
    .bind(rows::now())
    .bind(key_id)
    .bind(project_id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("api key"))
    .and_then(|row| key_from_row(&row))
}

pub(super) async fn add_bootstrap_token(
    pool: &PgPool,
    token: NewBootstrapToken<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO bootstrap_tokens (token_hash, name, uses_left, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token.token_hash)
    .bind(token.name)
    .bind(int4(token.uses, "uses")?)
    .bind(token.expires_at)
    .bind(rows::now())
    .execute(pool)
    .await
    .map_err(|err| rows::constraint(err, "bootstrap token", "bootstrap token"))?;
    Ok(())
}

/// One statement: two runners spending the last use at once cannot both succeed.
pub(super) async fn spend_bootstrap_token(pool: &PgPool, token_hash: &str) -> StoreResult<()> {
    let spent = sqlx::query(
        "UPDATE bootstrap_tokens SET uses_left = uses_left - 1 \
         WHERE token_hash = $1 AND uses_left > 0 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(rows::now())
    .execute(pool)
    .await?;
    if spent.rows_affected() == 0 {
        return Err(StoreError::NotFound("bootstrap token"));
    }
    Ok(())
}

/// Registers a runner. A runner whose name matches a node the orchestrator ordered takes that
/// node over (it becomes `active`); any other runner is a new `active` node.
pub(super) async fn register_node(pool: &PgPool, node: NewNode<'_>) -> StoreResult<Node> {
    let now = rows::now();
    let ordered: Option<Uuid> = sqlx::query_scalar(
        "UPDATE nodes SET slots = $1, executor = $2, token_hash = $3, registered_at = $4, \
         last_seen_at = $4, state = 'active' \
         WHERE id = (SELECT id FROM nodes WHERE name = $5 AND state = 'provisioning' \
                     LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING id",
    )
    .bind(int4(node.slots, "slots")?)
    .bind(node.executor)
    .bind(node.token_hash)
    .bind(now)
    .bind(node.name)
    .fetch_optional(pool)
    .await
    .map_err(|err| rows::constraint(err, "node token", "node"))?;
    let node_id = match ordered {
        Some(ordered) => ordered,
        None => insert_node(pool, &node, now).await?,
    };
    Ok(Node {
        id: node_id,
        name: node.name.to_owned(),
        slots: node.slots,
        executor: node.executor.to_owned(),
        last_seen: now,
        state: NodeState::Active,
    })
}

async fn insert_node(pool: &PgPool, node: &NewNode<'_>, now: DateTime<Utc>) -> StoreResult<Uuid> {
    let node_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO nodes (id, name, slots, executor, token_hash, registered_at, last_seen_at, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $6, $6)",
    )
    .bind(node_id)
    .bind(node.name)
    .bind(int4(node.slots, "slots")?)
    .bind(node.executor)
    .bind(node.token_hash)
    .bind(now)
    .execute(pool)
    .await
    .map_err(|err| rows::constraint(err, "node token", "node"))?;
    Ok(node_id)
}

/// The node of a token; terminated and dead nodes are refused, so a runner that comes back
/// after being declared dead stops instead of claiming beside its replacement.
pub(super) async fn node_for_token(pool: &PgPool, token_hash: &str) -> StoreResult<Node> {
    let now = rows::now();
    sqlx::query("UPDATE nodes SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $3")
        .bind(now)
        .bind(token_hash)
        .bind(now - rows::TOUCH_INTERVAL)
        .execute(pool)
        .await?;
    let row = sqlx::query(
        "SELECT id, name, slots, executor, last_seen_at, state FROM nodes \
         WHERE token_hash = $1 AND state IN ('active', 'draining') AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("node"))?;
    Ok(Node {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        slots: rows::unsigned(i64::from(row.try_get::<i32, _>(2)?), "slots")?,
        executor: row.try_get(3)?,
        last_seen: row.try_get(4)?,
        state: rows::node_state(row.try_get(5)?)?,
    })
}

/// Marks the node revoked, so its token stops working; `NotFound` for an unknown node.
pub(super) async fn mark_node_revoked(pool: &PgPool, node_id: Uuid) -> StoreResult<()> {
    // A node still live ends as `terminated` (stamped), so listings stop showing it active.
    let marked = sqlx::query(
        "UPDATE nodes SET revoked_at = COALESCE(revoked_at, $1), \
         ended_at = CASE WHEN state IN ('provisioning', 'active', 'draining') \
         THEN $1 ELSE ended_at END, \
         state = CASE WHEN state IN ('provisioning', 'active', 'draining') \
         THEN 'terminated' ELSE state END \
         WHERE id = $2",
    )
    .bind(rows::now())
    .bind(node_id)
    .execute(pool)
    .await?;
    if marked.rows_affected() == 0 {
        return Err(StoreError::NotFound("node"));
    }
    Ok(())
}

pub(super) async fn project(pool: &PgPool, project_id: Uuid) -> StoreResult<Project> {
    let row = sqlx::query("SELECT id, account, slug FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("project"))?;
    project_from_row(&row)
}

fn project_from_row(row: &PgRow) -> StoreResult<Project> {
    Ok(Project {
        id: row.try_get(0)?,
        account: row.try_get(1)?,
        slug: row.try_get(2)?,
    })
}

fn key_from_row(row: &PgRow) -> StoreResult<ApiKeyInfo> {
    Ok(ApiKeyInfo {
        id: row.try_get(0)?,
        project_id: row.try_get(1)?,
        name: row.try_get(2)?,
        role: rows::role(row.try_get(3)?)?,
        prefix: row.try_get(4)?,
        created_at: row.try_get(5)?,
        last_used_at: row.try_get(6)?,
        revoked_at: row.try_get(7)?,
    })
}
