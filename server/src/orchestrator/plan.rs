//! One orchestrator tick as a pure function: from the nodes, the load and the time, what to
//! create, drain, terminate and declare dead. The server applies the plan to the store and
//! the provider; the simulation applies it to simulated ones.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rgrid_spec::api::NodeState;
use uuid::Uuid;

use super::rule::{desired_nodes, Bounds, Load};

/// What a tick knows about one node whose server may still exist.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    pub id: Uuid,
    pub state: NodeState,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Executions running on it.
    pub running: u32,
}

/// Timings and bounds of the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub bounds: Bounds,
    /// How long desired must stay below capacity before nodes are drained, so a brief lull
    /// does not churn nodes.
    pub scale_down_delay: Duration,
    /// A node is drained once this old.
    pub lifetime: Duration,
    /// A node that has not registered this long after it was ordered is dead.
    pub register_deadline: Duration,
    /// A registered node silent this long is dead.
    pub silence_timeout: Duration,
}

/// What the orchestrator remembers between ticks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memory {
    /// Since when desired has been below capacity without a break.
    pub surplus_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The rule's answer this tick.
    pub desired: u32,
    /// Nodes counted as capacity (provisioning and active) after this plan's drains.
    pub capacity: u32,
    /// New nodes to order.
    pub create: u32,
    /// Active nodes to stop feeding: over their lifetime or surplus.
    pub drain: Vec<Uuid>,
    /// Drained nodes now idle: delete their servers.
    pub terminate: Vec<Uuid>,
    /// Nodes that never registered or went silent: abandon their work, delete their servers.
    pub dead: Vec<Uuid>,
}

/// Plans one tick. `nodes` holds every node whose server may still exist.
pub fn plan(
    now: DateTime<Utc>,
    load: Load,
    nodes: &[NodeFacts],
    policy: &Policy,
    memory: &mut Memory,
) -> Plan {
    let mut plan = Plan {
        desired: desired_nodes(load, policy.bounds),
        ..Plan::default()
    };
    let mut capacity: Vec<&NodeFacts> = Vec::new();
    for node in nodes {
        match node.state {
            _ if is_dead(now, node, policy) => plan.dead.push(node.id),
            NodeState::Active if age(now, node.created_at) >= policy.lifetime => {
                plan.drain.push(node.id)
            }
            NodeState::Provisioning | NodeState::Active => capacity.push(node),
            NodeState::Draining if node.running == 0 => plan.terminate.push(node.id),
            NodeState::Draining | NodeState::Terminated | NodeState::Dead => {}
        }
    }

    let have = count(capacity.len());
    if plan.desired >= have {
        memory.surplus_since = None;
        plan.create = plan.desired - have;
        plan.capacity = plan.desired;
        return plan;
    }
    let since = *memory.surplus_since.get_or_insert(now);
    if age(now, since) < policy.scale_down_delay {
        plan.capacity = have;
        return plan;
    }
    // Drain the surplus, idlest first, then oldest (it would reach its lifetime soonest). A
    // provisioning node is idle but about to be useful; prefer draining active ones.
    capacity.sort_by_key(|node| {
        (
            node.running,
            node.state == NodeState::Provisioning,
            node.created_at,
        )
    });
    let surplus = usize::try_from(have - plan.desired).unwrap_or(usize::MAX);
    plan.drain
        .extend(capacity.iter().take(surplus).map(|node| node.id));
    plan.capacity = plan.desired;
    memory.surplus_since = None;
    plan
}

fn is_dead(now: DateTime<Utc>, node: &NodeFacts, policy: &Policy) -> bool {
    match node.state {
        NodeState::Provisioning => age(now, node.created_at) >= policy.register_deadline,
        NodeState::Active | NodeState::Draining => {
            age(now, node.last_seen) >= policy.silence_timeout
        }
        NodeState::Terminated | NodeState::Dead => false,
    }
}

fn age(now: DateTime<Utc>, since: DateTime<Utc>) -> Duration {
    (now - since).to_std().unwrap_or(Duration::ZERO)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    fn policy() -> Policy {
        Policy {
            bounds: Bounds {
                slots_per_node: 2,
                min_nodes: 0,
                max_nodes: 3,
            },
            scale_down_delay: 2 * MIN,
            lifetime: 60 * MIN,
            register_deadline: 10 * MIN,
            silence_timeout: 2 * MIN,
        }
    }

    fn t(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::minutes(minutes)
    }

    fn node(state: NodeState, created: i64, seen: i64, running: u32) -> NodeFacts {
        NodeFacts {
            id: Uuid::new_v4(),
            state,
            created_at: t(created),
            last_seen: t(seen),
            running,
        }
    }

    fn load(queued: u64, running: u64) -> Load {
        Load { queued, running }
    }

    #[test]
    fn a_backlog_orders_nodes_once_counting_those_starting() {
        let mut memory = Memory::default();
        let first = plan(t(0), load(20, 0), &[], &policy(), &mut memory);
        assert_eq!((first.desired, first.create), (3, 3));
        let starting = [
            node(NodeState::Provisioning, 0, 0, 0),
            node(NodeState::Provisioning, 0, 0, 0),
            node(NodeState::Provisioning, 0, 0, 0),
        ];
        let second = plan(t(1), load(20, 0), &starting, &policy(), &mut memory);
        assert_eq!(second.create, 0, "{second:?}");
    }

    #[test]
    fn surplus_drains_only_after_the_delay_idlest_first() {
        let mut memory = Memory::default();
        let busy = node(NodeState::Active, 0, 6, 1);
        let idle = node(NodeState::Active, 0, 6, 0);
        let nodes = [busy.clone(), idle.clone()];
        let lull = plan(t(5), load(0, 1), &nodes, &policy(), &mut memory);
        assert!(lull.drain.is_empty(), "{lull:?}");
        let later = plan(t(6), load(0, 1), &nodes, &policy(), &mut memory);
        assert!(later.drain.is_empty(), "{later:?}");
        let after = plan(t(7), load(0, 1), &nodes, &policy(), &mut memory);
        assert_eq!(after.drain, vec![idle.id]);
    }

    #[test]
    fn a_brief_lull_resets_the_delay() {
        let mut memory = Memory::default();
        let nodes = [node(NodeState::Active, 0, 5, 0)];
        plan(t(5), load(0, 0), &nodes, &policy(), &mut memory);
        plan(t(6), load(1, 0), &nodes, &policy(), &mut memory);
        let after = plan(t(7), load(0, 0), &nodes, &policy(), &mut memory);
        assert!(after.drain.is_empty(), "{after:?}");
    }

    #[test]
    fn lifetime_drains_and_idle_drained_nodes_terminate() {
        let mut memory = Memory::default();
        let old = node(NodeState::Active, 0, 60, 2);
        let drained = node(NodeState::Draining, 0, 60, 0);
        let draining = node(NodeState::Draining, 0, 60, 1);
        let nodes = [old.clone(), drained.clone(), draining];
        let tick = plan(t(60), load(0, 3), &nodes, &policy(), &mut memory);
        assert_eq!(tick.drain, vec![old.id]);
        assert_eq!(tick.terminate, vec![drained.id]);
        assert_eq!(
            tick.create, 2,
            "the drained node's work needs a replacement: {tick:?}"
        );
    }

    #[test]
    fn silent_and_never_registered_nodes_are_dead() {
        let mut memory = Memory::default();
        let silent = node(NodeState::Active, 0, 1, 1);
        let never = node(NodeState::Provisioning, 0, 0, 0);
        let fine = node(NodeState::Active, 0, 10, 1);
        let nodes = [silent.clone(), never.clone(), fine];
        let tick = plan(t(10), load(0, 2), &nodes, &policy(), &mut memory);
        assert_eq!(tick.dead, vec![silent.id, never.id]);
    }
}
