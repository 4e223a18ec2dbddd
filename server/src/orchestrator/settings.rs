//! The orchestrator's settings, as `rgrid-server` reads them from its config file and the
//! environment (see docs/operator.md).

use std::path::PathBuf;
use std::time::Duration;

use super::plan::Policy;
use super::rule::Bounds;

#[derive(Clone, Debug)]
pub struct OrchestratorSettings {
    pub provider: ProviderSettings,
    /// The provider's server type, recorded on each node (e.g. `cx22`).
    pub node_type: String,
    /// Jobs per node: the type's vCPUs (2 on a CX22).
    pub slots_per_node: u32,
    pub min_nodes: u32,
    pub max_nodes: u32,
    /// Servers ordered in one tick at most; a bigger backlog is ordered over several ticks.
    pub max_orders_per_tick: u32,
    /// Price of one node per hour in EUR, for cost records.
    pub hourly_price: Option<f64>,
    pub lifetime: Duration,
    pub scale_down_delay: Duration,
    /// How long a new node may take to register before it is dead.
    pub register_deadline: Duration,
    /// How long a registered node may stay silent before it is dead.
    pub silence_timeout: Duration,
    /// How often the orchestrator looks.
    pub tick: Duration,
}

impl OrchestratorSettings {
    /// Defaults for a provider: CX22 nodes, 0..=10 of them, 60-minute lifetime.
    pub fn new(provider: ProviderSettings) -> OrchestratorSettings {
        OrchestratorSettings {
            provider,
            node_type: "cx22".into(),
            slots_per_node: 2,
            min_nodes: 0,
            max_nodes: 10,
            max_orders_per_tick: 20,
            hourly_price: None,
            lifetime: Duration::from_secs(60 * 60),
            scale_down_delay: Duration::from_secs(5 * 60),
            register_deadline: Duration::from_secs(10 * 60),
            silence_timeout: Duration::from_secs(2 * 60),
            tick: Duration::from_secs(10),
        }
    }

    pub fn policy(&self) -> Policy {
        Policy {
            bounds: Bounds {
                slots_per_node: self.slots_per_node,
                min_nodes: self.min_nodes,
                max_nodes: self.max_nodes,
            },
            scale_down_delay: self.scale_down_delay,
            lifetime: self.lifetime,
            register_deadline: self.register_deadline,
            silence_timeout: self.silence_timeout,
            max_orders_per_tick: self.max_orders_per_tick,
        }
    }
}

#[derive(Clone)]
pub enum ProviderSettings {
    /// `rgrid-runner` processes on this machine.
    Local(LocalSettings),
    Hetzner(HetznerSettings),
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderSettings::Local(local) => f.debug_tuple("Local").field(local).finish(),
            ProviderSettings::Hetzner(hetzner) => f.debug_tuple("Hetzner").field(hetzner).finish(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct LocalSettings {
    /// The `rgrid-runner` binary.
    pub runner_bin: PathBuf,
    /// `docker` or `process`.
    pub executor: String,
    /// Where each node gets its work and cache directories and its log.
    pub root: PathBuf,
    /// Passed to runners as `--ca-bundle`, for pip through a TLS-inspecting proxy.
    pub ca_bundle: Option<PathBuf>,
}

#[derive(Clone)]
pub struct HetznerSettings {
    /// `https://api.hetzner.cloud/v1`; tests point it at a local fake.
    pub api_url: String,
    /// The project's API token. Never logged: `Debug` hides it.
    pub token: String,
    pub image: String,
    pub location: String,
    /// Names of SSH keys the servers get, for operators.
    pub ssh_keys: Vec<String>,
    /// Where cloud-init downloads the `rgrid-runner` binary from (an HTTPS URL).
    pub runner_url: String,
    /// The label every server of this grid carries, `rgrid-grid=<value>`, so several grids
    /// may share one Hetzner project.
    pub grid_label: String,
}

impl std::fmt::Debug for HetznerSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HetznerSettings")
            .field("api_url", &self.api_url)
            .field("token", &"<hidden>")
            .field("image", &self.image)
            .field("location", &self.location)
            .field("ssh_keys", &self.ssh_keys)
            .field("runner_url", &self.runner_url)
            .field("grid_label", &self.grid_label)
            .finish()
    }
}
