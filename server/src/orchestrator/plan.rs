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
    /// At most this many servers are ordered in one tick, so one huge backlog does not fire
    /// hundreds of create calls at once; the rest follow on the next ticks.
    pub max_orders_per_tick: u32,
}

/// What the orchestrator remembers between ticks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memory {
    /// Since when desired has been below capacity without a break.
    pub surplus_since: Option<DateTime<Utc>>,
}

/// What kept a tick from ordering all the nodes the rule asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `max_orders_per_tick`: the rest is ordered on the next ticks.
    OrderCap,
    /// `max_nodes`: draining nodes still hold servers, and count until they are terminated.
    MaxNodes,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The rule's answer this tick.
    pub desired: u32,
    /// Nodes counted as capacity (provisioning and active) after this plan: drains done,
    /// orders placed.
    pub capacity: u32,
    /// Servers that exist after this plan (capacity plus draining nodes); never above
    /// `max_nodes` unless it already was (a lowered setting), and then nothing is ordered.
    pub servers: u32,
    /// New nodes to order.
    pub create: u32,
    /// Set when fewer nodes are ordered than the rule asks for, and why.
    pub limited: Option<Limit>,
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
    // Draining nodes keep their servers until they are terminated: they count toward
    // `max_nodes` (a node drained by this plan included) but not toward capacity.
    let mut draining = 0u32;
    for node in nodes {
        match node.state {
            _ if is_dead(now, node, policy) => plan.dead.push(node.id),
            NodeState::Active if age(now, node.created_at) >= policy.lifetime => {
                plan.drain.push(node.id);
                draining += 1;
            }
            NodeState::Provisioning | NodeState::Active => capacity.push(node),
            NodeState::Draining if node.running == 0 => plan.terminate.push(node.id),
            NodeState::Draining => draining += 1,
            NodeState::Terminated | NodeState::Dead => {}
        }
    }

    let have = count(capacity.len());
    if plan.desired >= have {
        memory.surplus_since = None;
        order(&mut plan, have, draining, policy);
        return plan;
    }
    plan.servers = have + draining;
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

/// Orders what the rule asks for beyond `have`, within the room `max_nodes` leaves next to
/// the draining nodes and within the per-tick cap.
fn order(plan: &mut Plan, have: u32, draining: u32, policy: &Policy) {
    let wanted = plan.desired - have;
    let room = policy
        .bounds
        .max_nodes
        .saturating_sub(have.saturating_add(draining));
    let cap = policy.max_orders_per_tick.max(1);
    plan.create = wanted.min(room).min(cap);
    plan.limited = if plan.create == wanted {
        None
    } else if room < cap {
        Some(Limit::MaxNodes)
    } else {
        Some(Limit::OrderCap)
    };
    plan.capacity = have + plan.create;
    plan.servers = have + draining + plan.create;
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
            max_orders_per_tick: 100,
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
        // The work calls for 2 nodes, but the two draining nodes still hold 2 of the 3
        // servers `max_nodes` allows: one replacement now, more as they terminate.
        assert_eq!(tick.create, 1, "{tick:?}");
        assert_eq!(tick.limited, Some(Limit::MaxNodes));
        assert_eq!(tick.servers, 3);
    }

    #[test]
    fn orders_per_tick_are_capped_and_the_rest_follow() {
        let policy = Policy {
            max_orders_per_tick: 2,
            bounds: Bounds {
                max_nodes: 10,
                ..policy().bounds
            },
            ..policy()
        };
        let mut memory = Memory::default();
        let mut nodes = Vec::new();
        let mut orders = Vec::new();
        for minute in 0..5 {
            let tick = plan(t(minute), load(20, 0), &nodes, &policy, &mut memory);
            orders.push((tick.create, tick.limited));
            nodes.extend((0..tick.create).map(|_| node(NodeState::Provisioning, minute, 0, 0)));
        }
        let capped = Some(Limit::OrderCap);
        assert_eq!(
            orders,
            vec![
                (2, capped),
                (2, capped),
                (2, capped),
                (2, capped),
                (2, None)
            ]
        );
    }

    /// A fleet at `max_nodes` whose nodes reach their lifetime one after another, under a
    /// backlog: draining nodes hold their servers until idle, so servers never exceed the max.
    #[test]
    fn servers_never_exceed_max_nodes_while_nodes_drain() {
        let policy = policy();
        let max = policy.bounds.max_nodes as usize;
        let mut memory = Memory::default();
        let mut nodes: Vec<NodeFacts> = (0..3)
            .map(|i| node(NodeState::Active, -60 + i * 10, 0, 2))
            .collect();
        for minute in 0..120 {
            for node in &mut nodes {
                node.last_seen = t(minute);
                // Jobs run 3 minutes past the drain; a provisioning node registers after 1.
                match node.state {
                    NodeState::Draining if minute % 3 == 0 => node.running = 0,
                    NodeState::Provisioning if t(minute) > node.created_at => {
                        node.state = NodeState::Active;
                        node.running = 2;
                    }
                    _ => {}
                }
            }
            let tick = plan(t(minute), load(50, 6), &nodes, &policy, &mut memory);
            for node in &mut nodes {
                if tick.drain.contains(&node.id) {
                    node.state = NodeState::Draining;
                }
            }
            nodes
                .retain(|node| !tick.terminate.contains(&node.id) && !tick.dead.contains(&node.id));
            nodes
                .extend((0..tick.create).map(|_| node(NodeState::Provisioning, minute, minute, 0)));
            assert!(
                nodes.len() <= max,
                "minute {minute}: {} servers: {tick:?}",
                nodes.len()
            );
            assert_eq!(tick.servers as usize, nodes.len(), "minute {minute}");
        }
    }

    #[test]
    fn a_lowered_max_orders_nothing() {
        let mut memory = Memory::default();
        let nodes: Vec<NodeFacts> = (0..5).map(|_| node(NodeState::Active, 0, 1, 2)).collect();
        let tick = plan(t(1), load(40, 10), &nodes, &policy(), &mut memory);
        assert_eq!((tick.create, tick.limited), (0, None), "{tick:?}");
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
