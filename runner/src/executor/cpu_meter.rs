//! How much CPU a container used. Its cgroup goes away with the container, before anything
//! can read it after the exit, so the meter samples while the container runs and keeps the
//! last figure: the job's CPU time minus at most one sampling interval at the very end.
//!
//! It reads the cgroup's accounting file directly when the runner sees the host's cgroups
//! (cgroup v1 `cpuacct.usage`, v2 `cpu.stat`, with Docker's cgroupfs or systemd layout), and
//! otherwise asks the engine for one-shot stats.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bollard::container::StatsOptions;
use bollard::Docker;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

/// Short enough that a job's last moments are mostly counted, long enough to cost nothing.
const INTERVAL: Duration = Duration::from_millis(200);
/// The first pause: the meter starts fast and doubles up to [`INTERVAL`], so a job that
/// lasts a fraction of a second still gets a sample.
const FIRST_INTERVAL: Duration = Duration::from_millis(10);

/// The highest CPU figure seen for one container, in nanoseconds.
#[derive(Default)]
pub struct CpuMeter {
    nanos: AtomicU64,
    sampled: AtomicBool,
}

impl CpuMeter {
    /// Samples container `id` until `done` is cancelled. Its cgroup appears when it starts,
    /// so until then the meter keeps looking for it.
    pub async fn follow(&self, docker: &Docker, id: &str, done: &CancellationToken) {
        let mut file = None;
        let mut pause = FIRST_INTERVAL;
        loop {
            if file.is_none() {
                file = cgroup_file(id);
            }
            let sample = match &file {
                Some(file) => read_cgroup(file).await,
                None => read_stats(docker, id).await,
            };
            if let Some(nanos) = sample {
                self.nanos.fetch_max(nanos, Ordering::Relaxed);
                self.sampled.store(true, Ordering::Relaxed);
            }
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = done.cancelled() => return,
            }
            pause = (pause * 2).min(INTERVAL);
        }
    }

    /// The CPU time measured, or `None` when no sample could be taken (the container ended
    /// before the first one, or neither the cgroup nor the engine answered).
    pub fn total(&self) -> Option<Duration> {
        self.sampled
            .load(Ordering::Relaxed)
            .then(|| Duration::from_nanos(self.nanos.load(Ordering::Relaxed)))
    }
}

/// Where the container's CPU accounting lives on this host, if the runner can see it.
fn cgroup_file(id: &str) -> Option<PathBuf> {
    let root = PathBuf::from("/sys/fs/cgroup");
    let candidates = [
        root.join(format!("cpuacct/docker/{id}/cpuacct.usage")),
        root.join(format!("cpu,cpuacct/docker/{id}/cpuacct.usage")),
        root.join(format!(
            "cpuacct/system.slice/docker-{id}.scope/cpuacct.usage"
        )),
        root.join(format!("system.slice/docker-{id}.scope/cpu.stat")),
        root.join(format!("docker/{id}/cpu.stat")),
    ];
    candidates.into_iter().find(|path| path.exists())
}

async fn read_cgroup(file: &std::path::Path) -> Option<u64> {
    let text = tokio::fs::read_to_string(file).await.ok()?;
    parse_cgroup(file.ends_with("cpu.stat"), &text)
}

/// Nanoseconds from `cpuacct.usage` (nanoseconds) or `cpu.stat` (`usage_usec` line).
fn parse_cgroup(v2: bool, text: &str) -> Option<u64> {
    if !v2 {
        return text.trim().parse().ok();
    }
    text.lines()
        .find_map(|line| line.strip_prefix("usage_usec "))
        .and_then(|usec| usec.trim().parse::<u64>().ok())
        .map(|usec| usec.saturating_mul(1000))
}

async fn read_stats(docker: &Docker, id: &str) -> Option<u64> {
    let options = StatsOptions {
        stream: false,
        one_shot: true,
    };
    let stats = docker.stats(id, Some(options)).next().await?.ok()?;
    // A container that already stopped answers zeros: no information, not zero use.
    let nanos = stats.cpu_stats.cpu_usage.total_usage;
    (nanos > 0).then_some(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_cgroup_versions() {
        assert_eq!(parse_cgroup(false, "1500000000\n"), Some(1_500_000_000));
        let v2 = "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n";
        assert_eq!(parse_cgroup(true, v2), Some(2_500_000_000));
        assert_eq!(parse_cgroup(true, "nr_periods 0\n"), None);
    }

    #[test]
    fn no_sample_is_no_figure() {
        let meter = CpuMeter::default();
        assert_eq!(meter.total(), None);
        meter.nanos.fetch_max(7, Ordering::Relaxed);
        meter.sampled.store(true, Ordering::Relaxed);
        assert_eq!(meter.total(), Some(Duration::from_nanos(7)));
    }
}
