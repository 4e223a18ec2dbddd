//! Projects, API keys and nodes.

use chrono::{DateTime, Utc};
use rgrid_spec::api::NodeState;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::int4;
use crate::store::rows;
use crate::store::{NewNode, Node, Project, StoreError, StoreResult};

pub(super) async fn ensure_project(
    pool: &PgPool,
    account: &str,
    slug: &str,
) -> StoreResult<Project> {
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

pub(super) async fn add_api_key(
    pool: &PgPool,
    project_id: Uuid,
    prefix: &str,
    key_hash: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO api_keys (project_id, prefix, key_hash, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(project_id)
    .bind(prefix)
    .bind(key_hash)
    .bind(rows::now())
    .execute(pool)
    .await
    .map_err(|err| rows::constraint(err, "api key", "project"))?;
    Ok(())
}

pub(super) async fn project_for_key(pool: &PgPool, key_hash: &str) -> StoreResult<Project> {
    let now = rows::now();
    let row = sqlx::query(
        "SELECT p.id, p.account, p.slug FROM api_keys k JOIN projects p ON p.id = k.project_id \
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
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
    project_from_row(&row)
}

pub(super) async fn project(pool: &PgPool, project_id: Uuid) -> StoreResult<Project> {
    let row = sqlx::query("SELECT id, account, slug FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("project"))?;
    project_from_row(&row)
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
         WHERE token_hash = $1 AND state IN ('active', 'draining')",
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

fn project_from_row(row: &PgRow) -> StoreResult<Project> {
    Ok(Project {
        id: row.try_get(0)?,
        account: row.try_get(1)?,
        slug: row.try_get(2)?,
    })
}
