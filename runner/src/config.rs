//! How a runner is set up: which server, which name, how many slots, where work happens.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Everything [`crate::run`] needs. The bootstrap token is masked in `Debug`.
#[derive(Clone)]
pub struct RunnerConfig {
    /// Base URL of the API, e.g. `http://127.0.0.1:8080`.
    pub server_url: String,
    /// Exchanged once for a node token at registration.
    pub bootstrap_token: String,
    /// The node's name as the server shows it; also labels its containers.
    pub name: String,
    /// Jobs run at the same time (see [`default_slots`]).
    pub slots: u32,
    /// Parent of the per-job work directories `<work_root>/<job_id>`.
    pub work_root: PathBuf,
    /// Parent of the requirement venv caches.
    pub cache_root: PathBuf,
    /// CA bundle for HTTPS from requirement installs (a TLS-inspecting proxy); install steps
    /// only, never the job itself.
    pub ca_bundle: Option<PathBuf>,
    pub executor: ExecutorChoice,
    /// Overrides the heartbeat interval the server asks for at registration.
    pub heartbeat_interval: Option<Duration>,
}

impl fmt::Debug for RunnerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunnerConfig")
            .field("server_url", &self.server_url)
            .field("bootstrap_token", &"<redacted>")
            .field("name", &self.name)
            .field("slots", &self.slots)
            .field("work_root", &self.work_root)
            .field("cache_root", &self.cache_root)
            .field("ca_bundle", &self.ca_bundle)
            .field("executor", &self.executor)
            .field("heartbeat_interval", &self.heartbeat_interval)
            .finish()
    }
}

/// Which executor runs the jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorChoice {
    /// Containers through the local Docker engine; fails to start without one.
    Docker,
    /// Local processes with a venv per requirements hash (embedded grid without Docker).
    Process,
    /// Docker when an engine answers, else process.
    Auto,
}

/// One slot per CPU the runner may use, as the design brief asks (2 on a CX22).
pub fn default_slots() -> u32 {
    std::thread::available_parallelism()
        .map(|n| u32::try_from(n.get()).unwrap_or(u32::MAX))
        .unwrap_or(1)
}

/// The machine's host name, the default node name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "rgrid-node".to_string())
}
