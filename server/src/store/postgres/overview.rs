//! What `rgrid top` shows: nodes with their busy slots, a project's counts and throughput.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::store::{rows, Node, NodeInfo, Overview, StoreResult};

pub(super) async fn nodes(pool: &PgPool) -> StoreResult<Vec<NodeInfo>> {
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
                    id: row.try_get(0)?,
                    name: row.try_get(1)?,
                    slots: rows::unsigned(i64::from(row.try_get::<i32, _>(2)?), "slots")?,
                    executor: row.try_get(3)?,
                    last_seen: row.try_get(4)?,
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
    pool: &PgPool,
    project_id: Uuid,
    since: DateTime<Utc>,
) -> StoreResult<Overview> {
    let mut overview = Overview::default();
    let counts = sqlx::query("SELECT status, count(*) FROM jobs WHERE project_id = $1 GROUP BY 1")
        .bind(project_id)
        .fetch_all(pool)
        .await?;
    for row in &counts {
        let count = rows::unsigned(row.try_get(1)?, "count")?;
        let status: String = row.try_get(0)?;
        rows::add_count(&mut overview.counts, rows::status(&status)?, count);
    }
    let finished = sqlx::query(
        "SELECT floor(extract(epoch FROM finished_at - $1) / 60)::bigint, count(*) FROM jobs \
         WHERE project_id = $2 AND finished_at >= $1 GROUP BY 1 ORDER BY 1",
    )
    .bind(since)
    .bind(project_id)
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
