//! The grid at a glance, for `rgrid top`: the nodes, and snapshots of a project pushed over a
//! WebSocket whenever any job changes. Nodes are shared by every tenant: an operator key sees
//! them all; a project API key sees only the nodes running its own jobs, busy with its own.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use chrono::Utc;
use rgrid_spec::api::{GridSnapshot, JobStatus, NodeView};
use tokio::time::Instant;

use super::auth::{IsOperator, User};
use super::events::Wake;
use super::jobs::job_view;
use super::{ApiResult, AppState};
use crate::store::{Job, JobFilter, NodeInfo, Project};

/// Jobs in a snapshot, newest first.
const SNAPSHOT_JOBS: u32 = 200;
/// Minutes of throughput history in a snapshot.
const THROUGHPUT_MINUTES: usize = 30;
/// Changes closer together than this go out as one snapshot.
const COALESCE: Duration = Duration::from_millis(200);

async fn node_views(state: &AppState) -> ApiResult<Vec<NodeView>> {
    let nodes = state.store.list_nodes().await?;
    Ok(nodes.into_iter().map(node_view).collect())
}

fn node_view(info: NodeInfo) -> NodeView {
    NodeView {
        id: info.node.id,
        name: info.node.name,
        executor: info.node.executor,
        slots: info.node.slots,
        busy: info.busy,
        state: info.state,
        last_seen: info.node.last_seen,
        node_type: None,
        provider_id: None,
        created_at: None,
        ended_at: None,
        executions: 0,
        hourly_price: None,
        cost: None,
        cpu_seconds: None,
    }
}

/// The nodes running the project's jobs, each busy with as many of them as it runs.
fn own_nodes(nodes: Vec<NodeView>, jobs: &[Job]) -> Vec<NodeView> {
    let mut running: HashMap<&str, u32> = HashMap::new();
    for job in jobs.iter().filter(|job| job.status == JobStatus::Running) {
        if let Some(name) = job.node_name.as_deref() {
            *running.entry(name).or_default() += 1;
        }
    }
    nodes
        .into_iter()
        .filter_map(|mut node| {
            node.busy = *running.get(node.name.as_str())?;
            Some(node)
        })
        .collect()
}

/// `GET /v1/grid/ws`: a [`GridSnapshot`] now and again after every change.
#[tracing::instrument(skip_all, fields(project = %project.slug))]
pub async fn websocket(
    State(state): State<AppState>,
    User(project): User,
    IsOperator(all_nodes): IsOperator,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| push_snapshots(socket, state, project, all_nodes))
}

async fn push_snapshots(mut socket: WebSocket, state: AppState, project: Project, all: bool) {
    // Subscribed before the first snapshot, so a change while it is built wakes us again.
    let mut watch = state.events.watch_any();
    let mut last_sent = String::new();
    loop {
        let Ok((key, text)) = snapshot(&state, &project, all).await else {
            break;
        };
        // Rechecks find nothing new most of the time: send only what differs.
        if key != last_sent {
            last_sent = key;
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
        // Someone is watching: an embedded grid must not stop as idle under `rgrid top`.
        state.activity.touch();
        let far = Instant::now() + Duration::from_secs(3600);
        tokio::select! {
            wake = watch.wait(far) => if wake == Wake::Closing { break },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return,
            },
        }
        tokio::time::sleep(COALESCE).await;
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// The project's snapshot as (what it shows without its time, the JSON to send).
async fn snapshot(
    state: &AppState,
    project: &Project,
    all_nodes: bool,
) -> ApiResult<(String, String)> {
    let now = Utc::now();
    // Whole minutes, the last one being the current minute.
    let first_minute = now.timestamp() / 60 - (THROUGHPUT_MINUTES as i64 - 1);
    let since = chrono::DateTime::from_timestamp(first_minute * 60, 0).unwrap_or(now);
    let overview = state.store.project_overview(project.id, since).await?;
    let mut finished_per_minute = vec![0; THROUGHPUT_MINUTES];
    for (minute, count) in overview.finished_per_minute {
        if let Some(slot) = finished_per_minute.get_mut(minute as usize) {
            *slot += count;
        }
    }
    let filter = JobFilter {
        status: None,
        batch: None,
        limit: SNAPSHOT_JOBS,
    };
    let jobs = state.store.list_jobs(project.id, &filter).await?;
    let mut nodes = node_views(state).await?;
    if !all_nodes {
        nodes = own_nodes(nodes, &jobs);
    }
    let jobs = jobs
        .into_iter()
        .map(job_view)
        .collect::<ApiResult<Vec<_>>>()?;
    let mut snapshot = GridSnapshot {
        project: project.slug.clone(),
        counts: overview.counts,
        finished_per_minute,
        nodes,
        jobs,
        at: chrono::DateTime::UNIX_EPOCH,
    };
    let key = serde_json::to_string(&snapshot).map_err(|e| super::ApiError::internal(&e))?;
    snapshot.at = now;
    let text = serde_json::to_string(&snapshot).map_err(|e| super::ApiError::internal(&e))?;
    Ok((key, text))
}
