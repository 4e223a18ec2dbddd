//! The orchestrator: grows and shrinks the pool of nodes with the queue.
//!
//! Every tick the leader (one server at a time, see [`crate::store::Store::try_lead`]) reads
//! the nodes and the load, asks the pure [`plan::plan`] what to do, and applies it: orders
//! servers, drains nodes (the runners learn it from their claim and heartbeat answers),
//! declares silent nodes dead (abandoning their executions), and deletes servers until the
//! provider confirms. It then reconciles with the provider's own list, so a restarted server
//! finds the servers it created and deletes those it has no record of.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use rgrid_spec::api::NodeState;
use tokio::sync::watch;
use uuid::Uuid;

use crate::api::Events;
use crate::store::{NodeRecord, OrderedNode, Store, StoreError};

pub mod cloud_init;
pub mod cost;
pub mod hetzner;
pub mod local;
pub mod metrics;
pub mod plan;
pub mod provider;
pub mod rule;
pub mod settings;
pub mod tokens;

pub use metrics::Metrics;
pub use provider::{Provider, ProviderError, ProviderServer, ServerRequest};
pub use settings::{HetznerSettings, LocalSettings, OrchestratorSettings, ProviderSettings};
pub use tokens::{BootstrapTokens, SingleUseTokens};

use plan::{Memory, NodeFacts};
use rule::Load;

const LIVE: [NodeState; 3] = [
    NodeState::Provisioning,
    NodeState::Active,
    NodeState::Draining,
];

#[derive(Debug, thiserror::Error)]
pub enum TickError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("provider: {0}")]
    Provider(#[from] ProviderError),
}

pub struct Orchestrator {
    pub store: Arc<dyn Store>,
    pub provider: Arc<dyn Provider>,
    pub tokens: Arc<dyn BootstrapTokens>,
    pub events: Arc<Events>,
    pub metrics: Arc<Metrics>,
    pub settings: OrchestratorSettings,
    /// The URL runners reach the API at.
    pub server_url: String,
    memory: Memory,
}

impl Orchestrator {
    pub fn new(
        store: Arc<dyn Store>,
        provider: Arc<dyn Provider>,
        tokens: Arc<dyn BootstrapTokens>,
        events: Arc<Events>,
        settings: OrchestratorSettings,
        server_url: String,
    ) -> Orchestrator {
        Orchestrator {
            store,
            provider,
            tokens,
            events,
            metrics: Arc::new(Metrics::default()),
            settings,
            server_url,
            memory: Memory::default(),
        }
    }

    /// Ticks until `stop` turns true.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        tracing::info!(provider = self.provider.name(), settings = ?self.settings,
            "orchestrator started");
        let mut ticks = tokio::time::interval(self.settings.tick);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    if let Err(err) = self.tick().await {
                        tracing::error!(cause = %err, "orchestrator tick failed");
                    }
                }
                _ = stop.changed() => return,
            }
        }
    }

    /// One look: lead or stand by, plan, apply, reconcile, settle owed deletes.
    pub async fn tick(&mut self) -> Result<(), TickError> {
        let leading = self.store.try_lead().await?;
        self.metrics.set_leader(leading);
        if !leading {
            // Another server orchestrates; forget any surplus timer, it is theirs now.
            self.memory = Memory::default();
            return Ok(());
        }
        let (queued, running) = self.store.active_counts().await?;
        let nodes = self.store.node_records(None).await?;
        let facts: Vec<NodeFacts> = nodes
            .iter()
            .filter(|node| !node.state.is_gone())
            .map(facts_of)
            .collect();
        let load = Load { queued, running };
        let policy = self.settings.policy();
        let plan = plan::plan(Utc::now(), load, &facts, &policy, &mut self.memory);
        if plan.create > 0 || !plan.drain.is_empty() || !plan.dead.is_empty() {
            tracing::info!(
                queued,
                running,
                desired = plan.desired,
                create = plan.create,
                limited = ?plan.limited,
                drain = plan.drain.len(),
                terminate = plan.terminate.len(),
                dead = plan.dead.len(),
                "orchestrator plan"
            );
        }
        self.metrics.set_plan(&plan);

        for &node_id in &plan.dead {
            self.declare_dead(node_id, "silent or never registered")
                .await?;
        }
        for &node_id in &plan.drain {
            self.move_node(node_id, &[NodeState::Active], NodeState::Draining)
                .await?;
        }
        for &node_id in &plan.terminate {
            self.move_node(node_id, &[NodeState::Draining], NodeState::Terminated)
                .await?;
        }
        for _ in 0..plan.create {
            if !self.create_node().await? {
                break;
            }
        }
        // The provider's list may be briefly unavailable (rate limit): the rest of the tick
        // (owed deletes, metrics) still runs, and the next tick reconciles.
        if let Err(err) = self.reconcile().await {
            tracing::warn!(cause = %err, "reconciling with the provider failed; next tick");
        }
        self.settle_deletes().await?;
        let nodes = self.store.node_records(None).await?;
        self.metrics.set_nodes(&nodes);
        Ok(())
    }

    async fn move_node(
        &self,
        node_id: Uuid,
        from: &[NodeState],
        to: NodeState,
    ) -> Result<(), TickError> {
        if self.store.set_node_state(node_id, from, to).await? {
            tracing::info!(node_id = %node_id, state = to.as_str(), "node state changed");
        }
        Ok(())
    }

    async fn declare_dead(&self, node_id: Uuid, why: &str) -> Result<(), TickError> {
        if !self
            .store
            .set_node_state(node_id, &LIVE, NodeState::Dead)
            .await?
        {
            return Ok(());
        }
        let abandoned = self.store.abandon_node(node_id).await?;
        tracing::warn!(node_id = %node_id, abandoned, why, "node declared dead");
        if abandoned > 0 {
            self.events.all_jobs_changed();
            self.events.queue_changed();
        }
        Ok(())
    }

    /// Records the node first, so a crash after the provider accepted the order still leaves
    /// a row that reconciling matches by name. `false` when the provider failed in a way that
    /// makes more orders this tick pointless (rate limit, outage).
    async fn create_node(&self) -> Result<bool, TickError> {
        let name = format!("rgrid-{}", &Uuid::new_v4().simple().to_string()[..12]);
        let record = self
            .store
            .add_ordered_node(OrderedNode {
                name: &name,
                slots: self.settings.slots_per_node,
                node_type: &self.settings.node_type,
                hourly_price: self.settings.hourly_price,
            })
            .await?;
        let request = ServerRequest {
            name: name.clone(),
            server_url: self.server_url.clone(),
            bootstrap_token: self.tokens.fresh_token(&name).await?,
            slots: self.settings.slots_per_node,
        };
        match self.provider.create(&request).await {
            Ok(server) => {
                self.store.set_provider_id(record.id, &server.id).await?;
                tracing::info!(node_id = %record.id, node = %name, provider_id = %server.id,
                    "node ordered");
                Ok(true)
            }
            Err(err) => {
                // No server exists for it: dead at once, nothing to delete. The next tick
                // orders again (a refusal such as an unavailable type will repeat; the log
                // and the metrics show it).
                self.store
                    .set_node_state(record.id, &LIVE, NodeState::Dead)
                    .await?;
                self.store.mark_node_deleted(record.id).await?;
                self.metrics.count_create_failure();
                tracing::error!(node = %name, cause = %err, "ordering a node failed");
                Ok(!matches!(err, ProviderError::Transient { .. }))
            }
        }
    }

    /// Matches the provider's servers to node rows by name: a server without a live row is
    /// deleted; a live row without a server is gone (terminated if it had drained, else dead).
    async fn reconcile(&self) -> Result<(), TickError> {
        let servers = self.provider.list().await?;
        let nodes = self.store.node_records(None).await?;
        let by_name: HashMap<&str, &NodeRecord> = nodes
            .iter()
            .map(|node| (node.name.as_str(), node))
            .collect();
        for server in &servers {
            match by_name.get(server.name.as_str()) {
                Some(node) if node.provider_id.is_none() => {
                    self.store.set_provider_id(node.id, &server.id).await?;
                }
                Some(_) => {}
                None => {
                    tracing::warn!(provider_id = %server.id, node = %server.name,
                        "deleting a server with no node record");
                    if let Err(err) = self.provider.delete(&server.id).await {
                        tracing::warn!(cause = %err, "deleting an unknown server failed");
                    }
                }
            }
        }
        let existing: HashMap<&str, &ProviderServer> =
            servers.iter().map(|s| (s.name.as_str(), s)).collect();
        for node in nodes.iter().filter(|node| node.provider_id.is_some()) {
            if existing.contains_key(node.name.as_str()) {
                continue;
            }
            match node.state {
                NodeState::Draining if node.running == 0 => {
                    self.move_node(node.id, &[NodeState::Draining], NodeState::Terminated)
                        .await?;
                }
                state if !state.is_gone() => {
                    self.declare_dead(node.id, "its server disappeared").await?;
                }
                _ => {}
            }
            self.store.mark_node_deleted(node.id).await?;
        }
        Ok(())
    }

    /// Deletes the servers of terminated and dead nodes; a failure is retried next tick.
    async fn settle_deletes(&self) -> Result<(), TickError> {
        for node in self.store.node_records(None).await? {
            if !node.state.is_gone() {
                continue;
            }
            let Some(provider_id) = &node.provider_id else {
                self.store.mark_node_deleted(node.id).await?;
                continue;
            };
            match self.provider.delete(provider_id).await {
                Ok(()) => {
                    self.store.mark_node_deleted(node.id).await?;
                    tracing::info!(node_id = %node.id, provider_id = %provider_id,
                        "node's server deleted");
                }
                Err(err) => {
                    self.metrics.count_delete_failure();
                    tracing::warn!(node_id = %node.id, cause = %err,
                        "deleting a node's server failed; retrying next tick");
                }
            }
        }
        Ok(())
    }
}

fn facts_of(node: &NodeRecord) -> NodeFacts {
    NodeFacts {
        id: node.id,
        state: node.state,
        created_at: node.created_at,
        last_seen: node.last_seen,
        running: node.running,
    }
}
