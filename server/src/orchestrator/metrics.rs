//! Gauges and counters of the orchestrator, rendered as Prometheus text at `/v1/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rgrid_spec::api::NodeState;

use super::plan::Plan;
use crate::store::NodeRecord;

#[derive(Debug, Default)]
pub struct Metrics {
    leader: AtomicBool,
    desired: AtomicU64,
    /// Nodes by state, in [`NodeState::ALL`] order (live ones only: gone nodes are history).
    nodes: [AtomicU64; 5],
    create_failures: AtomicU64,
    delete_failures: AtomicU64,
}

impl Metrics {
    pub fn set_leader(&self, leader: bool) {
        self.leader.store(leader, Ordering::Relaxed);
    }

    pub fn set_plan(&self, plan: &Plan) {
        self.desired
            .store(u64::from(plan.desired), Ordering::Relaxed);
    }

    /// Counts the nodes whose server may still exist, by state.
    pub fn set_nodes(&self, nodes: &[NodeRecord]) {
        for (slot, state) in self.nodes.iter().zip(NodeState::ALL) {
            let count = nodes.iter().filter(|node| node.state == state).count();
            slot.store(u64::try_from(count).unwrap_or(u64::MAX), Ordering::Relaxed);
        }
    }

    pub fn count_create_failure(&self) {
        self.create_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_delete_failure(&self) {
        self.delete_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Desired nodes as the rule last answered.
    pub fn desired(&self) -> u64 {
        self.desired.load(Ordering::Relaxed)
    }

    /// Provisioning plus active nodes: what counts as capacity.
    pub fn actual(&self) -> u64 {
        self.nodes[0].load(Ordering::Relaxed) + self.nodes[1].load(Ordering::Relaxed)
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        let gauge = |text: &mut String, name: &str, help: &str, value: u64| {
            let _ = writeln!(
                text,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        };
        gauge(
            &mut text,
            "rgrid_orchestrator_leader",
            "1 when this server runs the orchestrator.",
            u64::from(self.leader.load(Ordering::Relaxed)),
        );
        gauge(
            &mut text,
            "rgrid_nodes_desired",
            "Nodes the scaling rule asks for.",
            self.desired(),
        );
        gauge(
            &mut text,
            "rgrid_nodes_actual",
            "Provisioning and active nodes.",
            self.actual(),
        );
        let _ = writeln!(
            text,
            "# HELP rgrid_nodes Nodes whose server may still exist, by state.\n\
             # TYPE rgrid_nodes gauge"
        );
        for (slot, state) in self.nodes.iter().zip(NodeState::ALL) {
            let value = slot.load(Ordering::Relaxed);
            let _ = writeln!(text, "rgrid_nodes{{state=\"{}\"}} {value}", state.as_str());
        }
        for (name, help, counter) in [
            (
                "rgrid_node_create_failures_total",
                "Orders the provider refused or failed.",
                &self.create_failures,
            ),
            (
                "rgrid_node_delete_failures_total",
                "Deletes that failed and were retried.",
                &self.delete_failures,
            ),
        ] {
            let value = counter.load(Ordering::Relaxed);
            let _ = writeln!(
                text,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        }
        text
    }
}
