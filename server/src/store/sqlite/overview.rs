//! What `rgrid top` shows: nodes with their busy slots, a project's counts and throughput.

use chrono::{DateTime, Utc};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::{get_id, get_time, id, micros};
use crate::store::{rows, Node, NodeInfo, Overview, StoreResult};

const MINUTE_MICROS: i64 = 60_000_000;

pub(super) async fn nodes(pool: &SqlitePool) -> StoreResult<Vec<NodeInfo>> {
    let rows = sqlx::query(
        "SELECT n.id, n.name, n.slots, n.executor, n.last_seen_at, n.state, \
                (SELECT count(*) FROM executions e \
                 WHERE e.node_id = n.id AND e.status = 'running') \
         FROM nodes n WHERE n.deleted_at IS NULL ORDER BY n.name, n.id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(NodeInfo {
                node: Node {
                    id: get_id(row, 0)?,
                    name: row.try_get(1)?,
                    slots: rows::unsigned(row.try_get(2)?, "slots")?,
                    executor: row.try_get(3)?,
                    last_seen: get_time(row, 4)?,
                    state: rows::node_state(row.try_get(5)?)?,
                },
                state: row.try_get(5)?,
                busy: rows::unsigned(row.try_get(6)?, "busy")?,
            })
        })
        .collect()
}

// Counting by status scans the project's job history; a counter table would keep this cheap
// for projects with millions of jobs.
pub(super) async fn project(
    pool: &SqlitePool,
    project_id: Uuid,
    since: DateTime<Utc>,
) -> StoreResult<Overview> {
    let mut overview = Overview::default();
    let counts = sqlx::query("SELECT status, count(*) FROM jobs WHERE project_id = ? GROUP BY 1")
        .bind(id(project_id))
        .fetch_all(pool)
        .await?;
    for row in &counts {
        let count = rows::unsigned(row.try_get(1)?, "count")?;
        let status: String = row.try_get(0)?;
        rows::add_count(&mut overview.counts, rows::status(&status)?, count);
    }
    let since = micros(since);
    let finished = sqlx::query(
        "SELECT (finished_at - ?) / ?, count(*) FROM jobs \
         WHERE project_id = ? AND finished_at >= ? GROUP BY 1 ORDER BY 1",
    )
    .bind(since)
    .bind(MINUTE_MICROS)
    .bind(id(project_id))
    .bind(since)
    .fetch_all(pool)
    .await?;
    for row in &finished {
        overview.finished_per_minute.push((
            rows::unsigned(row.try_get(0)?, "minute")?,
            rows::unsigned(row.try_get(1)?, "count")?,
        ));
    }
    Ok(overview)
}
