//! Node lifecycle on Postgres: ordered nodes, state changes, history, usage for cost, and the
//! orchestrator's leadership (a session advisory lock held on one dedicated connection).

use chrono::{DateTime, Utc};
use rgrid_spec::api::NodeState;
use sqlx::postgres::PgRow;
use sqlx::{Connection, PgConnection, PgPool, Row};
use uuid::Uuid;

use super::int4;
use crate::store::rows;
use crate::store::{NodeRecord, OrderedNode, StoreError, StoreResult, Usage};

/// The advisory lock key of the orchestrator's leader ("rgrid-orchestrator", arbitrary).
const LEADER_LOCK_KEY: i64 = 0x7267_7269_645f_6f72;

const NODE_COLUMNS: &str = "n.id, n.name, n.state, n.slots, n.executor, n.node_type, \
     n.provider_id, n.hourly_price, n.created_at, n.last_seen_at, n.ended_at, n.deleted_at, \
     (SELECT count(*) FROM executions e WHERE e.node_id = n.id AND e.status = 'running'), \
     (SELECT count(*) FROM executions e WHERE e.node_id = n.id), \
     (SELECT sum(e.cpu_micros) FROM executions e WHERE e.node_id = n.id)::BIGINT";

pub(super) async fn add_ordered(pool: &PgPool, node: OrderedNode<'_>) -> StoreResult<NodeRecord> {
    let node_id = Uuid::now_v7();
    let now = rows::now();
    sqlx::query(
        "INSERT INTO nodes (id, name, slots, executor, token_hash, registered_at, last_seen_at, \
         state, created_at, node_type, hourly_price) \
         VALUES ($1, $2, $3, '', $4, $5, $5, 'provisioning', $5, $6, $7)",
    )
    .bind(node_id)
    .bind(node.name)
    .bind(int4(node.slots, "slots")?)
    .bind(rows::unregistered_token_hash(node_id))
    .bind(now)
    .bind(node.node_type)
    .bind(node.hourly_price)
    .execute(pool)
    .await
    .map_err(|err| rows::constraint(err, "node", "node"))?;
    fetch(pool, node_id).await
}

async fn fetch(pool: &PgPool, node_id: Uuid) -> StoreResult<NodeRecord> {
    let row = sqlx::query(&format!(
        "SELECT {NODE_COLUMNS} FROM nodes n WHERE n.id = $1"
    ))
    .bind(node_id)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("node"))?;
    record_from_row(&row)
}

pub(super) async fn set_provider_id(
    pool: &PgPool,
    node_id: Uuid,
    provider_id: &str,
) -> StoreResult<()> {
    let done = sqlx::query("UPDATE nodes SET provider_id = $1 WHERE id = $2")
        .bind(provider_id)
        .bind(node_id)
        .execute(pool)
        .await?;
    found(done.rows_affected())
}

pub(super) async fn list(
    pool: &PgPool,
    ended_since: Option<DateTime<Utc>>,
) -> StoreResult<Vec<NodeRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {NODE_COLUMNS} FROM nodes n \
         WHERE n.deleted_at IS NULL OR n.ended_at >= $1 ORDER BY n.created_at, n.id"
    ))
    .bind(ended_since)
    .fetch_all(pool)
    .await?;
    rows.iter().map(record_from_row).collect()
}

pub(super) async fn set_state(
    pool: &PgPool,
    node_id: Uuid,
    from: &[NodeState],
    to: NodeState,
) -> StoreResult<bool> {
    let from: Vec<&str> = from.iter().map(|state| state.as_str()).collect();
    let ended = to.is_gone().then(rows::now);
    let moved = sqlx::query(
        "UPDATE nodes SET state = $1, ended_at = COALESCE(ended_at, $2) \
         WHERE id = $3 AND state = ANY($4)",
    )
    .bind(to.as_str())
    .bind(ended)
    .bind(node_id)
    .bind(&from)
    .execute(pool)
    .await?;
    if moved.rows_affected() > 0 {
        return Ok(true);
    }
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM nodes WHERE id = $1")
        .bind(node_id)
        .fetch_optional(pool)
        .await?;
    exists.map(|_| false).ok_or(StoreError::NotFound("node"))
}

pub(super) async fn mark_deleted(pool: &PgPool, node_id: Uuid) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE nodes SET deleted_at = COALESCE(deleted_at, $1), \
         ended_at = COALESCE(ended_at, $1) WHERE id = $2",
    )
    .bind(rows::now())
    .bind(node_id)
    .execute(pool)
    .await?;
    found(done.rows_affected())
}

pub(super) async fn usage_since(pool: &PgPool, since: DateTime<Utc>) -> StoreResult<Vec<Usage>> {
    let rows = sqlx::query(
        "SELECT p.account || '/' || p.slug, e.started_at, e.finished_at, e.cpu_micros \
         FROM executions e \
         JOIN jobs j ON j.id = e.job_id JOIN projects p ON p.id = j.project_id \
         WHERE e.finished_at IS NULL OR e.finished_at >= $1",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Usage {
                project: row.try_get(0)?,
                started_at: row.try_get(1)?,
                finished_at: row.try_get(2)?,
                cpu_seconds: rows::cpu_seconds(row.try_get(3)?),
            })
        })
        .collect()
}

/// Keeps (or tries to take) the leader lock. The lock lives as long as the session holding
/// it, so it sits on a connection of its own, outside the pool; when that connection breaks,
/// Postgres frees the lock and another server may take it.
pub(super) async fn try_lead(pool: &PgPool, held: &mut Option<PgConnection>) -> StoreResult<bool> {
    if let Some(conn) = held.as_mut() {
        if conn.ping().await.is_ok() {
            return Ok(true);
        }
        tracing::warn!("lost the orchestrator leader connection");
        *held = None;
    }
    let mut conn = pool.acquire().await?.detach();
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LEADER_LOCK_KEY)
        .fetch_one(&mut conn)
        .await?;
    if locked {
        *held = Some(conn);
    } else if let Err(err) = conn.close().await {
        tracing::debug!(cause = %err, "closing a follower's probe connection failed");
    }
    Ok(locked)
}

fn found(rows_affected: u64) -> StoreResult<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound("node"))
    } else {
        Ok(())
    }
}

fn record_from_row(row: &PgRow) -> StoreResult<NodeRecord> {
    Ok(NodeRecord {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        state: rows::node_state(row.try_get(2)?)?,
        slots: rows::unsigned(i64::from(row.try_get::<i32, _>(3)?), "slots")?,
        executor: row.try_get(4)?,
        node_type: row.try_get(5)?,
        provider_id: row.try_get(6)?,
        hourly_price: row.try_get(7)?,
        created_at: row.try_get(8)?,
        last_seen: row.try_get(9)?,
        ended_at: row.try_get(10)?,
        deleted_at: row.try_get(11)?,
        running: rows::unsigned(row.try_get(12)?, "running")?,
        executions: rows::unsigned(row.try_get(13)?, "executions")?,
        cpu_seconds: rows::cpu_seconds(row.try_get(14)?).unwrap_or(0.0),
    })
}
