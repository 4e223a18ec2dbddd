//! Operator endpoints: the nodes (`GET /v1/nodes`, history included), draining or revoking
//! one by hand, cost, and the orchestrator's metrics.
//!
//! Nodes are shared by every tenant, so the node list, draining and revoking take an operator
//! key ([`Operator`]). Cost takes either: an operator sees every project, a project API key
//! only its own project's share ([`Scope`]). The metrics carry grid-wide gauges only (no
//! project names or counts per tenant) and stay open for scrapers.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use chrono::Utc;
use rgrid_spec::access::RevokedNode;
use rgrid_spec::api::{CostReport, NodeList, NodeState, NodeView};
use serde::Deserialize;

use super::auth::{Operator, Scope};
use super::{ApiError, ApiResult, AppState, IdPath};
use crate::orchestrator::cost;
use crate::store::NodeRecord;

/// How far back `GET /v1/nodes` shows nodes that have ended.
const HISTORY: chrono::Duration = chrono::Duration::hours(24);
/// The longest window `GET /v1/cost` reports on.
const MAX_COST_DAYS: u32 = 366;

pub async fn list(
    State(state): State<AppState>,
    Operator(_): Operator,
) -> ApiResult<Json<NodeList>> {
    let now = Utc::now();
    let nodes = state.store.node_records(Some(now - HISTORY)).await?;
    Ok(Json(NodeList {
        nodes: nodes.iter().map(|node| view(node, now)).collect(),
    }))
}

#[tracing::instrument(skip_all, fields(node_id = %id))]
pub async fn drain(
    State(state): State<AppState>,
    Operator(operator): Operator,
    IdPath(id): IdPath,
) -> ApiResult<Json<NodeView>> {
    let from = [NodeState::Active, NodeState::Provisioning];
    let moved = state
        .store
        .set_node_state(id, &from, NodeState::Draining)
        .await?;
    let now = Utc::now();
    let node = state
        .store
        .node_records(Some(now - HISTORY))
        .await?
        .into_iter()
        .find(|node| node.id == id)
        .ok_or(ApiError::NotFound("node"))?;
    if moved {
        tracing::info!(operator_key = operator.id, "node drained by an operator");
    } else if node.state != NodeState::Draining {
        return Err(ApiError::bad_request(
            "invalid_state",
            format!(
                "node {id} is {}; only active nodes can be drained",
                node.state.as_str()
            ),
        ));
    }
    Ok(Json(view(&node, now)))
}

#[derive(Debug, Deserialize)]
pub struct CostQuery {
    days: Option<u32>,
}

/// Revokes the node's token (its runner's next call is refused) and abandons its running
/// executions, which are retried elsewhere while retries remain.
#[tracing::instrument(skip_all, fields(node_id = %id))]
pub async fn revoke(
    State(state): State<AppState>,
    Operator(operator): Operator,
    IdPath(id): IdPath,
) -> ApiResult<Json<RevokedNode>> {
    let abandoned = state.store.revoke_node(id).await?;
    tracing::info!(
        operator_key = operator.id,
        abandoned,
        "node revoked by an operator"
    );
    if abandoned > 0 {
        state.events.all_jobs_changed();
        state.events.queue_changed();
    }
    Ok(Json(RevokedNode {
        node_id: id,
        abandoned,
    }))
}

pub async fn cost(
    State(state): State<AppState>,
    scope: Scope,
    Query(query): Query<CostQuery>,
) -> ApiResult<Json<CostReport>> {
    let days = query.days.unwrap_or(7).clamp(1, MAX_COST_DAYS);
    let now = Utc::now();
    let since = (now - chrono::Duration::days(i64::from(days)))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |midnight| midnight.and_utc());
    let nodes = state.store.node_records(Some(since)).await?;
    let usage = state.store.usage_since(since).await?;
    let whole = cost::report(&nodes, &usage, now, days);
    Ok(Json(match scope {
        Scope::Grid => whole,
        Scope::Project(project) => {
            let name = format!("{}/{}", project.account, project.slug);
            let own: Vec<_> = usage.into_iter().filter(|u| u.project == name).collect();
            project_share(whole, &cost::report(&nodes, &own, now, days), &name)
        }
    }))
}

/// What a project key sees of the cost: per day its own CPU-seconds and its share of the node
/// hours and cost (by its share of that day's CPU-seconds), and its own line of projects.
/// Nothing of another project, nor the grid's totals.
fn project_share(whole: CostReport, own: &CostReport, project: &str) -> CostReport {
    let days = whole
        .days
        .into_iter()
        .zip(&own.days)
        .map(|(mut day, own_day)| {
            let share = if day.cpu_seconds > 0.0 {
                own_day.cpu_seconds / day.cpu_seconds
            } else {
                0.0
            };
            day.node_hours *= share;
            day.node_cost *= share;
            day.cpu_seconds = own_day.cpu_seconds;
            day
        })
        .collect();
    CostReport {
        days,
        projects: whole
            .projects
            .into_iter()
            .filter(|p| p.project == project)
            .collect(),
    }
}

/// Prometheus text; empty gauges when this server runs no orchestrator.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let body = state
        .orchestrator
        .as_ref()
        .map_or_else(String::new, |metrics| metrics.render());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

fn view(node: &NodeRecord, now: chrono::DateTime<Utc>) -> NodeView {
    NodeView {
        id: node.id,
        name: node.name.clone(),
        executor: node.executor.clone(),
        slots: node.slots,
        busy: node.running,
        state: node.state.as_str().to_string(),
        last_seen: node.last_seen,
        node_type: node.node_type.clone(),
        provider_id: node.provider_id.clone(),
        created_at: Some(node.created_at),
        ended_at: node.ended_at,
        executions: node.executions,
        hourly_price: node.hourly_price,
        cost: cost::node_cost(node, now),
        cpu_seconds: Some(node.cpu_seconds),
    }
}
