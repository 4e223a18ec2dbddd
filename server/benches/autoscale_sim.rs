//! A day of bursty load through the orchestrator's own planning (`orchestrator::plan`, the
//! same pure function the server ticks with), with a simulated provider (servers boot after a
//! delay) and simulated runners (each slot claims the oldest queued job the moment it is free),
//! in simulated time. Prints peak nodes, node-hours, idle node-hours, queue wait p50/p99, and
//! checks after every tick that capacity reached what the rule asks (scale-up within one tick)
//! unless the tick says a limit held it back: the cap on orders per tick, or `max_nodes` with
//! draining nodes still holding servers. It also counts ticks with more servers than
//! `max_nodes` (there must be none).
//!
//! Run with `cargo bench -p rgrid-server --bench autoscale_sim`; without `--bench` (as
//! `cargo test --all-targets` runs bench targets) it does nothing. Environment: `SIM_SEED`,
//! `SIM_BURSTS` (default 6), `SIM_BURST_JOBS` (5000), `SIM_MAX_NODES` (1000),
//! `SIM_BOOT_SECS` (90), `SIM_MAX_ORDERS` (orders per tick, 100), `SIM_LIFETIME_SECS` (3600).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rgrid_server::orchestrator::plan::{self, Limit, Memory, NodeFacts, Policy};
use rgrid_server::orchestrator::rule::{desired_nodes, Bounds, Load};
use rgrid_spec::api::NodeState;
use uuid::Uuid;

const DAY: u64 = 24 * 3600;
const TICK: u64 = 10;
const SLOTS: u32 = 2;

struct Job {
    arrival: u64,
    duration: u64,
}

struct Node {
    state: NodeState,
    created: u64,
    /// When the runner registers (the server booted and cloud-init finished).
    ready: u64,
    /// Finish times of the jobs running on it.
    running: Vec<u64>,
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn at(secs: u64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(i64::try_from(secs).unwrap_or(0))
}

/// Bursts at random times of the day, each submitted over a minute, jobs of 30–300 s.
fn workload(rng: &mut StdRng, bursts: u64, per_burst: u64) -> Vec<Job> {
    let mut jobs = Vec::new();
    for _ in 0..bursts {
        let start = rng.gen_range(0..DAY - 4 * 3600);
        for _ in 0..per_burst {
            jobs.push(Job {
                arrival: start + rng.gen_range(0..60),
                duration: rng.gen_range(30..=300),
            });
        }
    }
    jobs.sort_by_key(|job| job.arrival);
    jobs
}

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!(
            "autoscale_sim: not run without --bench; use `cargo bench --bench autoscale_sim`"
        );
        return;
    }
    let seed = env("SIM_SEED", 7);
    let mut rng = StdRng::seed_from_u64(seed);
    let jobs = workload(&mut rng, env("SIM_BURSTS", 6), env("SIM_BURST_JOBS", 5000));
    let max_nodes = u32::try_from(env("SIM_MAX_NODES", 1000)).unwrap_or(u32::MAX);
    let boot = env("SIM_BOOT_SECS", 90);
    let max_orders = u32::try_from(env("SIM_MAX_ORDERS", 100)).unwrap_or(u32::MAX);
    let policy = Policy {
        bounds: Bounds {
            slots_per_node: SLOTS,
            min_nodes: 0,
            max_nodes,
        },
        scale_down_delay: Duration::from_secs(300),
        lifetime: Duration::from_secs(env("SIM_LIFETIME_SECS", 3600)),
        register_deadline: Duration::from_secs(600),
        silence_timeout: Duration::from_secs(120),
        max_orders_per_tick: max_orders,
    };

    let mut nodes: HashMap<Uuid, Node> = HashMap::new();
    let mut memory = Memory::default();
    let mut queue: VecDeque<usize> = VecDeque::new();
    let mut next_arrival = 0;
    let mut waits: Vec<u64> = Vec::with_capacity(jobs.len());
    let (mut node_secs, mut idle_secs, mut peak, mut ticks) = (0, 0, 0, 0);
    let mut counts = TickCounts::default();
    let mut now = 0;
    // Run past the day until the last burst's work is done and the nodes are gone.
    while now < DAY || !queue.is_empty() || !nodes.is_empty() {
        now += TICK;
        ticks += 1;
        while next_arrival < jobs.len() && jobs[next_arrival].arrival <= now {
            queue.push_back(next_arrival);
            next_arrival += 1;
        }
        // Runners: every slot free before `now` claims the oldest job, at the earliest moment.
        let mut free: BinaryHeap<Reverse<(u64, Uuid)>> = BinaryHeap::new();
        for (id, node) in &mut nodes {
            if node.state == NodeState::Provisioning && node.ready <= now {
                node.state = NodeState::Active;
            }
            if node.state != NodeState::Active {
                continue;
            }
            let mut kept = Vec::new();
            let mut frees = Vec::new();
            for &end in &node.running {
                if end <= now {
                    frees.push(end.max(node.ready));
                } else {
                    kept.push(end);
                }
            }
            for _ in 0..(SLOTS as usize).saturating_sub(kept.len() + frees.len()) {
                frees.push(node.ready.max(now - TICK));
            }
            node.running = kept;
            for free_at in frees {
                free.push(Reverse((free_at, *id)));
            }
        }
        while let (Some(Reverse((free_at, id))), Some(&job)) = (free.peek().copied(), queue.front())
        {
            let start = free_at.max(jobs[job].arrival);
            if start > now {
                break;
            }
            free.pop();
            queue.pop_front();
            waits.push(start - jobs[job].arrival);
            let end = start + jobs[job].duration;
            if let Some(node) = nodes.get_mut(&id) {
                node.running.push(end);
            }
            if end <= now {
                free.push(Reverse((end, id)));
            }
        }
        for node in nodes.values_mut() {
            node.running.retain(|&end| end > now);
        }

        // The orchestrator's tick, on the simulated cluster.
        let running: u64 = nodes.values().map(|n| n.running.len() as u64).sum();
        let load = Load {
            queued: queue.len() as u64,
            running,
        };
        let facts: Vec<NodeFacts> = nodes
            .iter()
            .map(|(id, node)| NodeFacts {
                id: *id,
                state: node.state,
                created_at: at(node.created),
                last_seen: at(now),
                running: u32::try_from(node.running.len()).unwrap_or(u32::MAX),
            })
            .collect();
        let tick = plan::plan(at(now), load, &facts, &policy, &mut memory);
        for id in &tick.drain {
            if let Some(node) = nodes.get_mut(id) {
                node.state = NodeState::Draining;
            }
        }
        for id in tick.terminate.iter().chain(&tick.dead) {
            nodes.remove(id);
        }
        for _ in 0..tick.create {
            nodes.insert(
                Uuid::new_v4(),
                Node {
                    state: NodeState::Provisioning,
                    created: now,
                    ready: now + boot + rng.gen_range(0..30),
                    running: Vec::new(),
                },
            );
        }

        // Check the rule independently of the plan: capacity now covers what it asks for.
        let capacity = nodes
            .values()
            .filter(|n| matches!(n.state, NodeState::Provisioning | NodeState::Active))
            .count();
        if (capacity as u64) < u64::from(desired_nodes(load, policy.bounds)) {
            match tick.limited {
                Some(Limit::OrderCap) => counts.cap += 1,
                Some(Limit::MaxNodes) => counts.max_nodes += 1,
                None => counts.short += 1,
            }
        }
        if nodes.len() > max_nodes as usize {
            counts.over_max += 1;
        }
        peak = peak.max(nodes.len());
        node_secs += TICK * nodes.len() as u64;
        idle_secs += TICK * nodes.values().filter(|n| n.running.is_empty()).count() as u64;
        if next_arrival == jobs.len() && queue.is_empty() && now > DAY * 2 {
            break;
        }
    }
    report(
        &jobs, &mut waits, peak, node_secs, idle_secs, &counts, ticks, &policy,
    );
}

/// Ticks after which capacity was below the rule's answer, by cause, and ticks with more
/// servers than `max_nodes`.
#[derive(Default)]
struct TickCounts {
    /// No limit explains it: the plan failed the rule (must stay 0).
    short: u64,
    /// The cap on orders per tick held the rest back to the next ticks.
    cap: u64,
    /// `max_nodes` held it back: draining nodes still held servers.
    max_nodes: u64,
    over_max: u64,
}

#[allow(clippy::too_many_arguments)]
fn report(
    jobs: &[Job],
    waits: &mut [u64],
    peak: usize,
    node_secs: u64,
    idle_secs: u64,
    counts: &TickCounts,
    ticks: u64,
    policy: &Policy,
) {
    let max_nodes = policy.bounds.max_nodes;
    waits.sort_unstable();
    let pct = |p: f64| {
        let i = ((waits.len() as f64 - 1.0) * p).round() as usize;
        waits.get(i).copied().unwrap_or(0)
    };
    let work: u64 = jobs.iter().map(|job| job.duration).sum();
    let hours = |secs: u64| secs as f64 / 3600.0;
    println!(
        "autoscale_sim: {} jobs in a simulated day, {SLOTS} slots per node, \
         max {max_nodes} nodes, at most {} orders per tick, tick {TICK} s",
        jobs.len(),
        policy.max_orders_per_tick
    );
    println!("  jobs started          {}", waits.len());
    println!("  peak nodes            {peak} (servers, draining ones included)");
    println!("  node-hours            {:.1}", hours(node_secs));
    println!(
        "  idle node-hours       {:.1} ({:.1}% of node-hours, boot time included)",
        hours(idle_secs),
        100.0 * idle_secs as f64 / node_secs.max(1) as f64
    );
    println!(
        "  slot utilisation      {:.1}% (job-hours {:.1} / slot-hours {:.1})",
        100.0 * work as f64 / (node_secs * u64::from(SLOTS)).max(1) as f64,
        hours(work),
        hours(node_secs * u64::from(SLOTS))
    );
    println!("  queue wait p50 / p99  {} s / {} s", pct(0.5), pct(0.99));
    println!(
        "  ticks short of rule   {} of {ticks} (capacity < desired after the tick, no limit)",
        counts.short
    );
    println!(
        "  ticks held by the cap {} (orders per tick reached; the rest ordered next tick)",
        counts.cap
    );
    println!(
        "  ticks held by max     {} (draining nodes still held servers up to max_nodes)",
        counts.max_nodes
    );
    println!("  ticks above max_nodes {}", counts.over_max);
}
