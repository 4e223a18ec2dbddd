//! Operator endpoints: the nodes (`GET /v1/nodes`, history included), draining one by hand,
//! cost, and the orchestrator's metrics.
//!
//! Any API key may call them for now: roles (admin vs developer) arrive with tenancy (issue 3),
//! and these handlers should then require an admin.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use chrono::Utc;
use rgrid_spec::api::{CostReport, NodeList, NodeState, NodeView};
use serde::Deserialize;

use super::auth::{ProjectAdmin, User};
use super::{ApiError, ApiResult, AppState, IdPath};
use crate::orchestrator::cost;
use crate::store::NodeRecord;

/// How far back `GET /v1/nodes` shows nodes that have ended.
const HISTORY: chrono::Duration = chrono::Duration::hours(24);
/// The longest window `GET /v1/cost` reports on.
const MAX_COST_DAYS: u32 = 366;

pub async fn list(State(state): State<AppState>, User(_): User) -> ApiResult<Json<NodeList>> {
    let now = Utc::now();
    let nodes = state.store.node_records(Some(now - HISTORY)).await?;
    Ok(Json(NodeList {
        nodes: nodes.iter().map(|node| view(node, now)).collect(),
    }))
}

#[tracing::instrument(skip_all, fields(node_id = %id))]
pub async fn drain(
    State(state): State<AppState>,
    // Nodes are shared by every tenant; until operators have a credential of their own, only
    // project admins may drain one (a viewer or developer key cannot).
    ProjectAdmin(_): ProjectAdmin,
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
        tracing::info!("node drained by an operator");
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

pub async fn cost(
    State(state): State<AppState>,
    User(_): User,
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
    Ok(Json(cost::report(&nodes, &usage, now, days)))
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
