//! Projects, API keys, bootstrap tokens and nodes.

use chrono::{DateTime, Utc};
use rgrid_spec::api::NodeState;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::fmt::Hyphenated;
use uuid::Uuid;

use super::{accounts, get_id, get_opt_time, get_time, id, micros, touch_last_used};
use crate::store::rows;
use crate::store::{
    ApiKeyInfo, KeyGrant, NewApiKey, NewBootstrapToken, NewNode, Node, Project, StoreError,
    StoreResult,
};

const KEY_COLUMNS: &str =
    "id, project_id, name, role, prefix, created_at, last_used_at, revoked_at";

pub(super) async fn ensure_project(
    pool: &SqlitePool,
    account: &str,
    slug: &str,
) -> StoreResult<Project> {
    accounts::ensure_account(pool, account).await?;
    sqlx::query(
        "INSERT INTO projects (id, account, slug, created_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (account, slug) DO NOTHING",
    )
    .bind(id(Uuid::now_v7()))
    .bind(account)
    .bind(slug)
    .bind(micros(rows::now()))
    .execute(pool)
    .await?;
    let row = sqlx::query("SELECT id, account, slug FROM projects WHERE account = ? AND slug = ?")
        .bind(account)
        .bind(slug)
        .fetch_one(pool)
        .await?;
    project_from_row(&row)
}

pub(super) async fn list_projects(pool: &SqlitePool, account: &str) -> StoreResult<Vec<Project>> {
    sqlx::query("SELECT id, account, slug FROM projects WHERE account = ? ORDER BY slug")
        .bind(account)
        .fetch_all(pool)
        .await?
        .iter()
        .map(project_from_row)
        .collect()
}

pub(super) async fn add_api_key(pool: &SqlitePool, key: NewApiKey<'_>) -> StoreResult<ApiKeyInfo> {
    let row = sqlx::query(&format!(
        "INSERT INTO api_keys (project_id, name, role, prefix, key_hash, created_at) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING {KEY_COLUMNS}"
    ))
    .bind(id(key.project_id))
    .bind(key.name)
    .bind(key.role.as_str())
    .bind(key.prefix)
    .bind(key.key_hash)
    .bind(micros(rows::now()))
    .fetch_one(pool)
    .await
    .map_err(|err| rows::constraint(err, "api key", "project"))?;
    key_from_row(&row)
}

pub(super) async fn key_grant(pool: &SqlitePool, key_hash: &str) -> StoreResult<KeyGrant> {
    let row = sqlx::query(
        "SELECT p.id, p.account, p.slug, k.id, k.role, k.last_used_at FROM api_keys k \
         JOIN projects p ON p.id = k.project_id WHERE k.key_hash = ? AND k.revoked_at IS NULL",
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("api key"))?;
    touch_last_used(
        pool,
        ("api_keys", "key_hash"),
        key_hash,
        get_opt_time(&row, 5)?,
    )
    .await?;
    Ok(KeyGrant {
        project: project_from_row(&row)?,
        key_id: row.try_get(3)?,
        role: rows::role(row.try_get(4)?)?,
    })
}

pub(super) async fn list_api_keys(
    pool: &SqlitePool,
    project_id: Uuid,
) -> StoreResult<Vec<ApiKeyInfo>> {
    sqlx::query(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE project_id = ? ORDER BY id"
    ))
    .bind(id(project_id))
    .fetch_all(pool)
    .await?
    .iter()
    .map(key_from_row)
    .collect()
}

pub(super) async fn revoke_api_key(
    pool: &SqlitePool,
    project_id: Uuid,
    key_id: i64,
) -> StoreResult<ApiKeyInfo> {
    sqlx::query(&format!(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) \
         WHERE id = ? AND project_id = ? RETURNING {KEY_COLUMNS}"
    ))
    .bind(micros(rows::now()))
    .bind(key_id)
    .bind(id(project_id))
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("api key"))
    .and_then(|row| key_from_row(&row))
}

pub(super) async fn add_bootstrap_token(
    pool: &SqlitePool,
    token: NewBootstrapToken<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO bootstrap_tokens (token_hash, name, uses_left, expires_at, created_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(token.token_hash)
    .bind(token.name)
    .bind(i64::from(token.uses))
    .bind(micros(token.expires_at))
    .bind(micros(rows::now()))
    .execute(pool)
    .await
    .map_err(|err| rows::constraint(err, "bootstrap token", "bootstrap token"))?;
    Ok(())
}

pub(super) async fn spend_bootstrap_token(pool: &SqlitePool, token_hash: &str) -> StoreResult<()> {
    let spent = sqlx::query(
        "UPDATE bootstrap_tokens SET uses_left = uses_left - 1 \
         WHERE token_hash = ? AND uses_left > 0 AND expires_at > ?",
    )
    .bind(token_hash)
    .bind(micros(rows::now()))
    .execute(pool)
    .await?;
    if spent.rows_affected() == 0 {
        return Err(StoreError::NotFound("bootstrap token"));
    }
    Ok(())
}

/// Registers a runner. A runner whose name matches a node the orchestrator ordered takes that
/// node over (it becomes `active`); any other runner is a new `active` node.
pub(super) async fn register_node(pool: &SqlitePool, node: NewNode<'_>) -> StoreResult<Node> {
    let now = rows::now();
    let ordered: Option<Hyphenated> = sqlx::query_scalar(
        "UPDATE nodes SET slots = ?, executor = ?, token_hash = ?, registered_at = ?, \
         last_seen_at = ?, state = 'active' \
         WHERE id = (SELECT id FROM nodes WHERE name = ? AND state = 'provisioning' LIMIT 1) \
         RETURNING id",
    )
    .bind(i64::from(node.slots))
    .bind(node.executor)
    .bind(node.token_hash)
    .bind(micros(now))
    .bind(micros(now))
    .bind(node.name)
    .fetch_optional(pool)
    .await
    .map_err(|err| rows::constraint(err, "node token", "node"))?;
    let node_id = match ordered {
        Some(ordered) => ordered.into_uuid(),
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

async fn insert_node(
    pool: &SqlitePool,
    node: &NewNode<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let node_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO nodes (id, name, slots, executor, token_hash, registered_at, last_seen_at, \
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id(node_id))
    .bind(node.name)
    .bind(i64::from(node.slots))
    .bind(node.executor)
    .bind(node.token_hash)
    .bind(micros(now))
    .bind(micros(now))
    .bind(micros(now))
    .execute(pool)
    .await
    .map_err(|err| rows::constraint(err, "node token", "node"))?;
    Ok(node_id)
}

/// The node of a token; terminated and dead nodes are refused, so a runner that comes back
/// after being declared dead stops instead of claiming beside its replacement.
pub(super) async fn node_for_token(pool: &SqlitePool, token_hash: &str) -> StoreResult<Node> {
    let now = rows::now();
    sqlx::query("UPDATE nodes SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?")
        .bind(micros(now))
        .bind(token_hash)
        .bind(micros(now - rows::TOUCH_INTERVAL))
        .execute(pool)
        .await?;
    let row = sqlx::query(
        "SELECT id, name, slots, executor, last_seen_at, state FROM nodes \
         WHERE token_hash = ? AND state IN ('active', 'draining') AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("node"))?;
    Ok(Node {
        id: get_id(&row, 0)?,
        name: row.try_get(1)?,
        slots: rows::unsigned(row.try_get(2)?, "slots")?,
        executor: row.try_get(3)?,
        last_seen: get_time(&row, 4)?,
        state: rows::node_state(row.try_get(5)?)?,
    })
}

/// Marks the node revoked; `NotFound` for an unknown node. Runs in the caller's transaction,
/// which then abandons the node's executions.
pub(super) async fn mark_node_revoked(
    conn: &mut SqliteConnection,
    node_id: Uuid,
) -> StoreResult<()> {
    // A node still live ends as `terminated` (stamped), so listings stop showing it active.
    let marked = sqlx::query(
        "UPDATE nodes SET revoked_at = COALESCE(revoked_at, ?1), \
         ended_at = CASE WHEN state IN ('provisioning', 'active', 'draining') \
         THEN ?1 ELSE ended_at END, \
         state = CASE WHEN state IN ('provisioning', 'active', 'draining') \
         THEN 'terminated' ELSE state END \
         WHERE id = ?2",
    )
    .bind(micros(rows::now()))
    .bind(id(node_id))
    .execute(conn)
    .await?;
    if marked.rows_affected() == 0 {
        return Err(StoreError::NotFound("node"));
    }
    Ok(())
}

pub(super) async fn project(pool: &SqlitePool, project_id: Uuid) -> StoreResult<Project> {
    let row = sqlx::query("SELECT id, account, slug FROM projects WHERE id = ?")
        .bind(id(project_id))
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("project"))?;
    project_from_row(&row)
}

fn project_from_row(row: &SqliteRow) -> StoreResult<Project> {
    Ok(Project {
        id: get_id(row, 0)?,
        account: row.try_get(1)?,
        slug: row.try_get(2)?,
    })
}

fn key_from_row(row: &SqliteRow) -> StoreResult<ApiKeyInfo> {
    Ok(ApiKeyInfo {
        id: row.try_get(0)?,
        project_id: get_id(row, 1)?,
        name: row.try_get(2)?,
        role: rows::role(row.try_get(3)?)?,
        prefix: row.try_get(4)?,
        created_at: get_time(row, 5)?,
        last_used_at: get_opt_time(row, 6)?,
        revoked_at: get_opt_time(row, 7)?,
    })
}
