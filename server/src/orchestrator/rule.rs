//! The scaling rule, a pure function shared by the server and the simulation
//! (`benches/autoscale_sim.rs`): desired nodes = ceil((queued + running) / slots per node),
//! bounded by the configured min and max.

/// What the rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    pub queued: u64,
    pub running: u64,
}

/// The bounds the rule works within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Jobs one node runs at a time (its vCPUs: 2 on a CX22).
    pub slots_per_node: u32,
    pub min_nodes: u32,
    pub max_nodes: u32,
}

/// How many nodes the load calls for.
pub fn desired_nodes(load: Load, bounds: Bounds) -> u32 {
    let slots = u64::from(bounds.slots_per_node.max(1));
    let wanted = (load.queued + load.running).div_ceil(slots);
    let wanted = u32::try_from(wanted).unwrap_or(u32::MAX);
    // `max` wins over `min` when an operator sets them the wrong way round.
    wanted.max(bounds.min_nodes).min(bounds.max_nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(min_nodes: u32, max_nodes: u32) -> Bounds {
        Bounds {
            slots_per_node: 2,
            min_nodes,
            max_nodes,
        }
    }

    #[test]
    fn desired_is_the_ceiling_of_jobs_over_slots() {
        let load = |queued, running| Load { queued, running };
        assert_eq!(desired_nodes(load(0, 0), bounds(0, 10)), 0);
        assert_eq!(desired_nodes(load(1, 0), bounds(0, 10)), 1);
        assert_eq!(desired_nodes(load(2, 0), bounds(0, 10)), 1);
        assert_eq!(desired_nodes(load(2, 1), bounds(0, 10)), 2);
        assert_eq!(desired_nodes(load(7, 6), bounds(0, 10)), 7);
    }

    #[test]
    fn min_and_max_bound_the_answer() {
        let idle = Load {
            queued: 0,
            running: 0,
        };
        let busy = Load {
            queued: 5_000,
            running: 0,
        };
        assert_eq!(desired_nodes(idle, bounds(2, 10)), 2);
        assert_eq!(desired_nodes(busy, bounds(2, 10)), 10);
        assert_eq!(desired_nodes(busy, bounds(20, 10)), 10);
    }
}
