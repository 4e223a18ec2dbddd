//! Node lifecycle on SQLite: ordered nodes, state changes, history, usage for cost.

use chrono::{DateTime, Utc};
use rgrid_spec::api::NodeState;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::{get_id, get_opt_time, get_time, id, micros};
use crate::store::rows;
use crate::store::{NodeRecord, OrderedNode, StoreError, StoreResult, Usage};

const NODE_COLUMNS: &str = "n.id, n.name, n.state, n.slots, n.executor, n.node_type, \
     n.provider_id, n.hourly_price, n.created_at, n.last_seen_at, n.ended_at, n.deleted_at, \
     (SELECT count(*) FROM executions e WHERE e.node_id = n.id AND e.status = 'running'), \
     (SELECT count(*) FROM executions e WHERE e.node_id = n.id), \
     (SELECT sum(e.cpu_micros) FROM executions e WHERE e.node_id = n.id)";

pub(super) async fn add_ordered(
    conn: &mut SqliteConnection,
    node: OrderedNode<'_>,
) -> StoreResult<NodeRecord> {
    let node_id = Uuid::now_v7();
    let now = micros(rows::now());
    sqlx::query(
        "INSERT INTO nodes (id, name, slots, executor, token_hash, registered_at, last_seen_at, \
         state, created_at, node_type, hourly_price) \
         VALUES (?, ?, ?, '', ?, ?, ?, 'provisioning', ?, ?, ?)",
    )
    .bind(id(node_id))
    .bind(node.name)
    .bind(i64::from(node.slots))
    .bind(rows::unregistered_token_hash(node_id))
    .bind(now)
    .bind(now)
    .bind(now)
    .bind(node.node_type)
    .bind(node.hourly_price)
    .execute(&mut *conn)
    .await
    .map_err(|err| rows::constraint(err, "node", "node"))?;
    fetch(conn, node_id).await
}

pub(super) async fn fetch(conn: &mut SqliteConnection, node_id: Uuid) -> StoreResult<NodeRecord> {
    let row = sqlx::query(&format!(
        "SELECT {NODE_COLUMNS} FROM nodes n WHERE n.id = ?"
    ))
    .bind(id(node_id))
    .fetch_optional(conn)
    .await?
    .ok_or(StoreError::NotFound("node"))?;
    record_from_row(&row)
}

pub(super) async fn set_provider_id(
    pool: &SqlitePool,
    node_id: Uuid,
    provider_id: &str,
) -> StoreResult<()> {
    let done = sqlx::query("UPDATE nodes SET provider_id = ? WHERE id = ?")
        .bind(provider_id)
        .bind(id(node_id))
        .execute(pool)
        .await?;
    found(done.rows_affected())
}

pub(super) async fn list(
    pool: &SqlitePool,
    ended_since: Option<DateTime<Utc>>,
) -> StoreResult<Vec<NodeRecord>> {
    let rows = sqlx::query(&format!(
        "SELECT {NODE_COLUMNS} FROM nodes n \
         WHERE n.deleted_at IS NULL OR n.ended_at >= ? ORDER BY n.created_at, n.id"
    ))
    // Without a bound, the `ended_at` arm matches nothing (no node ends in the far future).
    .bind(ended_since.map_or(i64::MAX, micros))
    .fetch_all(pool)
    .await?;
    rows.iter().map(record_from_row).collect()
}

pub(super) async fn set_state(
    conn: &mut SqliteConnection,
    node_id: Uuid,
    from: &[NodeState],
    to: NodeState,
) -> StoreResult<bool> {
    let current: String = sqlx::query_scalar("SELECT state FROM nodes WHERE id = ?")
        .bind(id(node_id))
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("node"))?;
    if !from.iter().any(|state| state.as_str() == current) {
        return Ok(false);
    }
    let ended = to.is_gone().then(|| micros(rows::now()));
    sqlx::query("UPDATE nodes SET state = ?, ended_at = COALESCE(ended_at, ?) WHERE id = ?")
        .bind(to.as_str())
        .bind(ended)
        .bind(id(node_id))
        .execute(conn)
        .await?;
    Ok(true)
}

pub(super) async fn mark_deleted(pool: &SqlitePool, node_id: Uuid) -> StoreResult<()> {
    let now = micros(rows::now());
    let done = sqlx::query(
        "UPDATE nodes SET deleted_at = COALESCE(deleted_at, ?), \
         ended_at = COALESCE(ended_at, ?) WHERE id = ?",
    )
    .bind(now)
    .bind(now)
    .bind(id(node_id))
    .execute(pool)
    .await?;
    found(done.rows_affected())
}

pub(super) async fn usage_since(
    pool: &SqlitePool,
    since: DateTime<Utc>,
) -> StoreResult<Vec<Usage>> {
    let rows = sqlx::query(
        "SELECT p.account, p.slug, e.started_at, e.finished_at, e.cpu_micros FROM executions e \
         JOIN jobs j ON j.id = e.job_id JOIN projects p ON p.id = j.project_id \
         WHERE e.finished_at IS NULL OR e.finished_at >= ?",
    )
    .bind(micros(since))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Usage {
                project: format!(
                    "{}/{}",
                    row.try_get::<String, _>(0)?,
                    row.try_get::<String, _>(1)?
                ),
                started_at: get_time(row, 2)?,
                finished_at: get_opt_time(row, 3)?,
                cpu_seconds: rows::cpu_seconds(row.try_get(4)?),
            })
        })
        .collect()
}

fn found(rows_affected: u64) -> StoreResult<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound("node"))
    } else {
        Ok(())
    }
}

fn record_from_row(row: &SqliteRow) -> StoreResult<NodeRecord> {
    Ok(NodeRecord {
        id: get_id(row, 0)?,
        name: row.try_get(1)?,
        state: rows::node_state(row.try_get(2)?)?,
        slots: rows::unsigned(row.try_get(3)?, "slots")?,
        executor: row.try_get(4)?,
        node_type: row.try_get(5)?,
        provider_id: row.try_get(6)?,
        hourly_price: row.try_get(7)?,
        created_at: get_time(row, 8)?,
        last_seen: get_time(row, 9)?,
        ended_at: get_opt_time(row, 10)?,
        deleted_at: get_opt_time(row, 11)?,
        running: rows::unsigned(row.try_get(12)?, "running")?,
        executions: rows::unsigned(row.try_get(13)?, "executions")?,
        cpu_seconds: rows::cpu_seconds(row.try_get(14)?).unwrap_or(0.0),
    })
}
