//! What both backends share: the job column list, text ↔ enum decoding, integer range checks,
//! driver-error translation and the rule that decides what an ended attempt does to its job.

use chrono::{DateTime, SubsecRound, Utc};
use rgrid_spec::api::{EndReason, JobStatus, NodeState, Stream};
use uuid::Uuid;

use super::{Role, StoreError, StoreResult};

/// Columns of a [`super::Job`], in the order both backends decode them. Expects `jobs j` joined
/// with `projects p`.
pub(crate) const JOB_COLUMNS: &str = "j.id, j.project_id, p.slug, j.name, j.status, j.spec_json, \
     j.attempts, j.max_retries, j.reason, j.exit_code, j.message, j.executor, j.node_name, \
     j.current_execution, j.cancel_requested, j.created_at, j.started_at, j.finished_at";

/// `SELECT <job columns> FROM jobs j JOIN projects p …`; callers append `WHERE …`.
pub(crate) fn select_jobs() -> String {
    format!("SELECT {JOB_COLUMNS} FROM jobs j JOIN projects p ON p.id = j.project_id")
}

/// How many jobs `list_jobs` returns when the filter leaves `limit` at 0.
pub(crate) const DEFAULT_LIST_LIMIT: u32 = 100;

/// `last_used_at` / `last_seen_at` are rewritten at most this often, so that every
/// authenticated request is not also a write.
pub(crate) const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(5);

/// Whether a credential last used at `last_used` is due a new `last_used_at`. Decided from
/// the row just read, so a request whose credential was touched recently issues no UPDATE: on
/// SQLite even an UPDATE that matches no row takes the database's single write lock, and a
/// read that waits for it past `busy_timeout` fails with "database is locked".
pub(crate) fn touch_due(last_used: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used.is_none_or(|last| last < now - TOUCH_INTERVAL)
}

/// Message recorded on a job whose execution stopped heartbeating.
pub(crate) const ABANDONED_MESSAGE: &str = "the node stopped sending heartbeats";

/// Message recorded on a job whose execution ran past its timeout and the grace period
/// without its runner ending it.
pub(crate) const OVERDUE_MESSAGE: &str =
    "the job ran past its timeout and its runner did not stop it";

/// Message recorded on an execution its runner gave back unfinished (shutdown or drain).
pub(crate) const RELEASED_MESSAGE: &str = "the node stopped before the job finished";

/// Message recorded on a release past [`FREE_RELEASES`]: it spent one of the job's retries.
pub(crate) const RELEASED_AGAIN_MESSAGE: &str =
    "the node stopped before the job finished (released too often: this one spent a retry)";

/// How many times a job may be given back by stopping runners without spending a retry. A
/// release is not the job's fault, but a job that stops every node it lands on (or a fleet
/// that keeps cycling) must not go round forever: past this many, a release counts as an
/// abandoned attempt, and the job fails once its retries are spent.
pub(crate) const FREE_RELEASES: u32 = 3;

/// When an execution claimed `now` for the job whose spec is `spec_json` must have ended:
/// `now + spec.timeoutSeconds`, the spec's default when it gives none (or, for text that is
/// not a spec, which only tests store).
pub(crate) fn deadline(now: DateTime<Utc>, spec_json: &str) -> DateTime<Utc> {
    let secs = serde_json::from_str::<serde_json::Value>(spec_json)
        .ok()
        .and_then(|spec| spec["spec"]["timeoutSeconds"].as_u64())
        .unwrap_or(rgrid_spec::job_spec::DEFAULT_TIMEOUT_SECONDS);
    let secs = i64::try_from(secs).unwrap_or(i64::MAX);
    let timeout = chrono::Duration::try_seconds(secs).unwrap_or(chrono::Duration::MAX);
    now.checked_add_signed(timeout)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Message recorded on a job whose node's token was revoked while it ran.
pub(crate) const REVOKED_MESSAGE: &str = "the node's token was revoked";

/// The current time at the precision both databases keep (microseconds), so a value handed
/// back from a write equals the one read later.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Stored CPU microseconds as seconds.
pub(crate) fn cpu_seconds(micros: Option<i64>) -> Option<f64> {
    // Microsecond counts stay far below 2^53 for any real job; the cast is exact enough.
    micros.map(|micros| micros as f64 / 1e6)
}

pub(crate) fn list_limit(limit: u32) -> i64 {
    i64::from(if limit == 0 {
        DEFAULT_LIST_LIMIT
    } else {
        limit
    })
}

pub(crate) fn status(text: &str) -> StoreResult<JobStatus> {
    JobStatus::parse(text).ok_or_else(|| StoreError::Corrupt(format!("job status `{text}`")))
}

pub(crate) fn reason(text: Option<String>) -> StoreResult<Option<EndReason>> {
    text.map(|t| EndReason::parse(&t).ok_or_else(|| StoreError::Corrupt(format!("reason `{t}`"))))
        .transpose()
}

pub(crate) fn node_state(text: &str) -> StoreResult<NodeState> {
    NodeState::parse(text).ok_or_else(|| StoreError::Corrupt(format!("node state `{text}`")))
}

/// Message recorded on a job whose node was declared dead by the orchestrator.
pub(crate) const DEAD_NODE_MESSAGE: &str = "the node running it was declared dead";

/// The token hash of a node ordered but not registered yet: unique, and never the SHA-256 hex
/// of any token, so no token can authenticate as it.
pub(crate) fn unregistered_token_hash(node_id: Uuid) -> String {
    format!("unregistered:{node_id}")
}

pub(crate) fn role(text: String) -> StoreResult<Role> {
    Role::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("role `{text}`")))
}

pub(crate) fn stream(text: &str) -> StoreResult<Stream> {
    Stream::parse(text).ok_or_else(|| StoreError::Corrupt(format!("log stream `{text}`")))
}

/// A stored count (attempts, slots, sizes) back to its unsigned type.
pub(crate) fn unsigned<T: TryFrom<i64>>(value: i64, what: &str) -> StoreResult<T> {
    T::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} = {value}")))
}

/// An unsigned value from the caller into a signed column.
pub(crate) fn signed(value: u64, what: &str) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Conflict(format!("{what} {value} is too large")))
}

/// Translates a unique-key violation into `Conflict(what)` and a foreign-key violation into
/// `NotFound(parent)`; anything else stays a database error.
pub(crate) fn constraint(err: sqlx::Error, what: &str, parent: &'static str) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() {
            return StoreError::Conflict(format!("{what} already exists"));
        }
        if db.is_foreign_key_violation() {
            return StoreError::NotFound(parent);
        }
    }
    StoreError::Database(err)
}

/// Status of an execution in storage.
pub(crate) mod execution {
    pub const RUNNING: &str = "running";
    pub const SUCCEEDED: &str = "succeeded";
    pub const FAILED: &str = "failed";
    pub const ABANDONED: &str = "abandoned";
    pub const CANCELLED: &str = "cancelled";
}

/// What an ended attempt does to its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Final(JobStatus),
    Requeue,
}

/// The job's attempt state when one of its executions ends.
pub(crate) struct AttemptState {
    pub attempts: u32,
    pub max_retries: u32,
    pub cancel_requested: bool,
}

impl AttemptState {
    /// A completed run succeeds even if a cancel arrived meanwhile (the work is done); a
    /// cancelled job is never retried; a retryable failure requeues while `attempts` (the
    /// executions started so far) do not exceed `max_retries`.
    pub(crate) fn verdict(&self, reason: EndReason) -> Verdict {
        if reason == EndReason::Completed {
            return Verdict::Final(JobStatus::Succeeded);
        }
        if reason == EndReason::Cancelled || self.cancel_requested {
            return Verdict::Final(JobStatus::Cancelled);
        }
        if reason.is_retryable() && self.attempts <= self.max_retries {
            return Verdict::Requeue;
        }
        Verdict::Final(JobStatus::Failed)
    }

    /// The state for an execution its runner released while the job has free releases left
    /// (the store counts them, up to [`FREE_RELEASES`]): not the job's failure, so the budget
    /// grows by this attempt and the job goes back to the queue (unless cancelled). The store
    /// writes the raised `max_retries` with the job's end.
    pub(crate) fn released(self) -> AttemptState {
        AttemptState {
            max_retries: self.max_retries.saturating_add(1),
            ..self
        }
    }

    /// The status the ending execution itself records. An abandoned one stays `abandoned`
    /// whatever its job does, so a late finish from its runner is told it is stale.
    pub(crate) fn execution_status(&self, reason: EndReason) -> &'static str {
        if reason == EndReason::Abandoned {
            return execution::ABANDONED;
        }
        match self.verdict(reason) {
            Verdict::Final(JobStatus::Succeeded) => execution::SUCCEEDED,
            Verdict::Final(JobStatus::Cancelled) => execution::CANCELLED,
            _ => execution::FAILED,
        }
    }
}

/// The reason a job records: a job that ends cancelled says so, whatever the killed process
/// reported (a cancel usually shows up as a signal's exit code).
pub(crate) fn job_reason(verdict: Verdict, reason: EndReason) -> EndReason {
    match verdict {
        Verdict::Final(JobStatus::Cancelled) => EndReason::Cancelled,
        _ => reason,
    }
}

/// A content type for an artifact, from its file extension; browsers and `rgrid` only use it
/// as a hint, so the common cases are enough.
pub(crate) fn content_type_for(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" | "md" => "text/plain; charset=utf-8",
        "csv" => "text/csv",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        _ => "application/octet-stream",
    }
}

/// Adds `count` jobs of `status` to the tally.
pub(crate) fn add_count(counts: &mut rgrid_spec::api::JobCounts, status: JobStatus, count: u64) {
    let slot = match status {
        JobStatus::Queued => &mut counts.queued,
        JobStatus::Running => &mut counts.running,
        JobStatus::Succeeded => &mut counts.succeeded,
        JobStatus::Failed => &mut counts.failed,
        JobStatus::Cancelled => &mut counts.cancelled,
    };
    *slot += count;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(attempts: u32, max_retries: u32, cancel_requested: bool) -> AttemptState {
        AttemptState {
            attempts,
            max_retries,
            cancel_requested,
        }
    }

    #[test]
    fn retryable_failures_requeue_until_retries_are_spent() {
        assert_eq!(
            state(1, 2, false).verdict(EndReason::ExitCode),
            Verdict::Requeue
        );
        assert_eq!(state(2, 2, false).verdict(EndReason::Oom), Verdict::Requeue);
        let last = state(3, 2, false);
        assert_eq!(
            last.verdict(EndReason::Timeout),
            Verdict::Final(JobStatus::Failed)
        );
    }

    #[test]
    fn cancel_and_permanent_failures_never_retry() {
        let cancelled = state(1, 2, true);
        assert_eq!(
            cancelled.verdict(EndReason::ExitCode),
            Verdict::Final(JobStatus::Cancelled)
        );
        assert_eq!(
            cancelled.execution_status(EndReason::ExitCode),
            execution::CANCELLED
        );
        let permanent = state(1, 2, false).verdict(EndReason::ImageNotFound);
        assert_eq!(permanent, Verdict::Final(JobStatus::Failed));
        let done = state(1, 2, true).verdict(EndReason::Completed);
        assert_eq!(done, Verdict::Final(JobStatus::Succeeded));
    }

    #[test]
    fn a_free_release_requeues_a_job_with_no_retries_left() {
        let last = state(1, 0, false);
        assert_eq!(
            last.verdict(EndReason::Abandoned),
            Verdict::Final(JobStatus::Failed)
        );
        let released = state(1, 0, false).released();
        assert_eq!(released.max_retries, 1);
        assert_eq!(released.verdict(EndReason::Abandoned), Verdict::Requeue);
        let cancelled = state(1, 0, true).released();
        assert_eq!(
            cancelled.verdict(EndReason::Abandoned),
            Verdict::Final(JobStatus::Cancelled)
        );
    }

    #[test]
    fn abandoned_execution_keeps_its_own_status() {
        assert_eq!(
            state(1, 2, false).execution_status(EndReason::Abandoned),
            execution::ABANDONED
        );
        assert_eq!(
            state(3, 2, true).execution_status(EndReason::Abandoned),
            execution::ABANDONED
        );
    }
}
