//! `rgrid run --json`: the run as JSON Lines on stdout, one event per line, for scripts and
//! CI. The shapes are documented in docs/cli.md ("JSON output"); log lines are the ones
//! `rgrid logs --json` prints.

use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rgrid_spec::api::{JobStatus, JobView};
use serde_json::json;
use uuid::Uuid;

use crate::client::Client;

/// Long-poll wait per status request.
const WAIT_SECS: u64 = 20;
/// Shortest time between two status requests, for a server that answers at once (one
/// without the status long poll) or while it is unreachable.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Writes one event as one line, whole, so lines from concurrent writers never interleave.
pub fn emit(event: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`rgrid run --json | head`) is not the job's failure.
    let _ = writeln!(out, "{event}").and_then(|()| out.flush());
}

pub fn submitted(job: &JobView) {
    emit(&json!({"type": "submitted", "job": job}));
}

/// `written` (downloaded), `unchanged` (the local file has the same content) or `kept` (the
/// local file differs and was left alone).
pub fn output(path: &Path, state: &str) {
    let path = path.strip_prefix(".").unwrap_or(path);
    emit(&json!({"type": "output", "path": path.display().to_string(), "state": state}));
}

pub fn finished(job: &JobView, rgrid_exit: i32) {
    emit(&json!({
        "type": "finished",
        "id": job.id,
        "status": job.status,
        "reason": job.reason,
        "exit_code": job.exit_code,
        "message": job.message,
        "attempts": job.attempts,
        "rgrid_exit": rgrid_exit,
    }));
}

pub fn detached(id: Uuid) {
    emit(&json!({"type": "detached", "id": id}));
}

/// Status events, each (status, attempt) once, in the order they were seen.
pub struct StatusEvents {
    seen: Mutex<(JobStatus, u32)>,
}

impl StatusEvents {
    /// Starts from the job as submitted (the `submitted` event shows that state).
    pub fn new(job: &JobView) -> StatusEvents {
        StatusEvents {
            seen: Mutex::new((job.status, job.attempts)),
        }
    }

    /// Emits a `status` event when the job's status or attempt differs from the last seen.
    pub fn report(&self, job: &JobView) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if *seen == (job.status, job.attempts) {
            return;
        }
        *seen = (job.status, job.attempts);
        emit(&json!({
            "type": "status",
            "status": job.status,
            "attempt": job.attempts,
            "node": job.node,
            "executor": job.executor,
        }));
    }

    fn seen(&self) -> (JobStatus, u32) {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reports every change until the job is final; then waits forever (the caller selects
    /// it against the log follower, which ends the run).
    pub async fn watch(&self, client: &Client, id: Uuid) {
        loop {
            let started = Instant::now();
            match client.job_change(id, self.seen(), WAIT_SECS).await {
                Ok(job) => {
                    self.report(&job);
                    if job.status.is_final() {
                        break;
                    }
                }
                // Status events are a courtesy: the follower reports a lost server, and the
                // final status is reported after the logs end anyway.
                Err(err) => tracing::debug!(job_id = %id, cause = %err, "status watch failed"),
            }
            if let Some(rest) = MIN_INTERVAL.checked_sub(started.elapsed()) {
                tokio::time::sleep(rest).await;
            }
        }
        std::future::pending::<()>().await;
    }
}
