//! Executors run one prepared job and say how it ended. [`docker::DockerExecutor`] runs it in
//! a container; [`process::ProcessExecutor`] runs it as a local process group for the embedded
//! grid when no Docker engine answers. Both install requirements into a venv cached by hash.

mod cpu_meter;
pub mod docker;
pub mod process;

use std::path::PathBuf;
use std::time::Duration;

use rgrid_spec::api::EndReason;
use rgrid_spec::JobSpec;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::logs::LogSink;

/// Bound on a requirements install, apart from the job's own timeout: installing is the
/// runner's step, and a slow index should not eat the job's time.
pub const INSTALL_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Settings every executor shares.
#[derive(Debug, Clone)]
pub struct ExecutorSettings {
    /// The node name, put on containers so a restarted runner finds its own leftovers.
    pub node: String,
    /// Parent of the venv caches.
    pub cache_root: PathBuf,
    /// CA bundle mounted into requirement installs only.
    pub ca_bundle: Option<PathBuf>,
}

/// One job, prepared and ready to run.
pub struct JobRun<'a> {
    pub job_id: Uuid,
    pub execution_id: Uuid,
    pub spec: &'a JobSpec,
    /// Holds `main.py`, `requirements.txt` and the inputs; mounted at `/app`.
    pub work_dir: PathBuf,
    pub cpu_millis: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub logs: LogSink,
    /// Cancelled when the job must stop now (user cancel, stale execution, shutdown).
    pub kill: CancellationToken,
}

/// How a run ended, ready for the finish call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub reason: EndReason,
    pub exit_code: Option<i32>,
    pub message: Option<String>,
    /// CPU time (user + system) the job itself used, when the executor measured it; the
    /// requirements install is the runner's step and not counted.
    pub cpu_time: Option<Duration>,
}

impl Outcome {
    pub fn new(reason: EndReason, message: impl Into<String>) -> Outcome {
        Outcome {
            reason,
            exit_code: None,
            message: Some(message.into()),
            cpu_time: None,
        }
    }

    /// The outcome for a process that exited on its own with `code`.
    pub fn exited(code: i32) -> Outcome {
        if code == 0 {
            Outcome {
                reason: EndReason::Completed,
                exit_code: Some(0),
                message: None,
                cpu_time: None,
            }
        } else {
            let message = Some(format!("exit code {code}"));
            Outcome {
                reason: EndReason::ExitCode,
                exit_code: Some(code),
                message,
                cpu_time: None,
            }
        }
    }

    pub fn timeout(seconds: u64) -> Outcome {
        Outcome::new(EndReason::Timeout, format!("timeout after {seconds} s"))
    }

    pub fn cancelled() -> Outcome {
        Outcome::new(EndReason::Cancelled, "cancelled")
    }

    pub fn runner_error(message: impl Into<String>) -> Outcome {
        Outcome::new(EndReason::RunnerError, message)
    }

    /// The same outcome with the job's measured CPU time.
    pub fn with_cpu_time(self, cpu_time: Option<Duration>) -> Outcome {
        Outcome { cpu_time, ..self }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    #[error("docker engine: {0}")]
    Docker(#[from] bollard::errors::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

#[async_trait::async_trait]
pub trait Executor: Send + Sync {
    /// `docker` or `process`, as reported to the server.
    fn name(&self) -> &'static str;

    /// Removes whatever an earlier run of this node left behind (containers, temp dirs).
    async fn remove_leftovers(&self) -> Result<(), ExecutorError>;

    /// Runs the job to its end. Never panics on job failures: every way a job can end is an
    /// [`Outcome`].
    async fn run(&self, job: &JobRun<'_>) -> Outcome;
}

/// The cache key of a requirements venv: sha256 of the image (or interpreter) and the text.
pub fn venv_key(base: &str, requirements: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(base.as_bytes());
    hasher.update(b"\n");
    hasher.update(requirements.as_bytes());
    hex::encode(hasher.finalize())
}

/// The last line pip printed that says what went wrong, for the finish message.
pub fn last_pip_error(output: &str) -> String {
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .iter()
        .rev()
        .find(|line| line.starts_with("ERROR:"))
        .or(lines.last())
        .map(|line| line.to_string())
        .unwrap_or_else(|| "pip failed without output".to_string())
}

/// Removes venv build directories (`.tmp-*`) in `dir` that no install can still be writing:
/// older than [`INSTALL_TIMEOUT`], so a concurrent runner's build is left alone.
pub fn remove_stale_builds(dir: &std::path::Path) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        let is_build = entry.file_name().to_string_lossy().starts_with(".tmp-");
        let age = entry.metadata()?.modified()?.elapsed().unwrap_or_default();
        if is_build && age > INSTALL_TIMEOUT + Duration::from_secs(60) {
            tracing::info!(path = %entry.path().display(), "removing an abandoned venv build");
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// The running user's uid and gid, so files a job writes belong to the runner.
pub fn runner_ids() -> std::io::Result<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let me = std::fs::metadata("/proc/self")?;
    Ok((me.uid(), me.gid()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_error_line_is_the_last_error() {
        let output = "Collecting nope\nERROR: Could not find a version that satisfies nope\n\
                      ERROR: No matching distribution found for nope\n\n";
        assert_eq!(
            last_pip_error(output),
            "ERROR: No matching distribution found for nope"
        );
        assert_eq!(last_pip_error("boom\n"), "boom");
    }

    #[test]
    fn venv_key_depends_on_both_parts() {
        assert_ne!(venv_key("a", "six"), venv_key("b", "six"));
        assert_ne!(venv_key("a", "six"), venv_key("a", "idna"));
        assert_eq!(venv_key("a", "six").len(), 64);
    }
}
