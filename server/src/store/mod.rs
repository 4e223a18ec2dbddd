//! State and queue storage behind one trait, with a SQLite and a Postgres implementation.
//!
//! Each backend owns its migrations (`server/migrations/<backend>/`). Driver errors are
//! translated here, at the storage edge: handlers see [`StoreError`], never `sqlx::Error`.
//! Queries are checked at run time, not compile time, on purpose: two backends would need two
//! sets of offline query data in CI, and the conformance suite (`tests/store_conformance.rs`)
//! runs every query against both backends instead.
//!
//! The queue is its own narrow table whose rows are deleted on claim, so a claim loop does not
//! wade through dead index entries (see DESIGN.md); job history lives in `jobs`.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rgrid_spec::api::{EndReason, JobStatus, LogChunkIn, NodeState, OutputFileInfo, Stream};
use uuid::Uuid;

pub mod postgres;
mod rows;
pub mod sqlite;
mod tenancy;

pub use tenancy::{
    Account, ApiKeyInfo, KeyGrant, Member, NewApiKey, NewBootstrapToken, NewToken, Role, TokenInfo,
    User,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The execution is no longer the job's current one (fencing token refused).
    #[error("execution is no longer current")]
    Stale,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: Uuid,
    pub account: String,
    pub slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: Uuid,
    pub name: String,
    pub slots: u32,
    pub executor: String,
    pub last_seen: DateTime<Utc>,
    /// Draining nodes may heartbeat and finish but claim nothing new.
    pub state: NodeState,
}

pub struct NewNode<'a> {
    pub name: &'a str,
    pub slots: u32,
    pub executor: &'a str,
    /// SHA-256 (hex) of the node token; the token itself is never stored.
    pub token_hash: &'a str,
}

pub struct NewJob<'a> {
    pub project_id: Uuid,
    pub name: Option<&'a str>,
    /// The validated JobSpec as JSON text.
    pub spec_json: &'a str,
    pub max_retries: u32,
    pub priority: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: Uuid,
    pub project_id: Uuid,
    pub project_slug: String,
    pub name: Option<String>,
    pub status: JobStatus,
    pub spec_json: String,
    pub attempts: u32,
    pub max_retries: u32,
    pub reason: Option<EndReason>,
    pub exit_code: Option<i32>,
    pub message: Option<String>,
    pub executor: Option<String>,
    pub node_name: Option<String>,
    pub current_execution: Option<Uuid>,
    pub cancel_requested: bool,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    /// Only the jobs of this batch.
    pub batch: Option<Uuid>,
    /// Newest first; at most this many.
    pub limit: u32,
}

/// Jobs submitted together (one per input file), followed together, with an optional cap on
/// how many of them run at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub id: Uuid,
    pub project_id: Uuid,
    /// At most this many of the batch's jobs are running at any time; `None` for no cap.
    pub parallel: Option<u32>,
    pub created_at: DateTime<Utc>,
}

/// What cancelling a batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCancel {
    /// Queued jobs that ended `cancelled` at once.
    pub cancelled: u32,
    /// Running jobs flagged for their runners to kill (at their next heartbeat).
    pub stopping: u32,
}

/// What a successful claim hands the runner.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub job: Job,
    pub execution_id: Uuid,
    pub attempt: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beat {
    pub cancel_requested: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogChunk {
    pub id: i64,
    pub attempt: u32,
    pub seq: u64,
    pub stream: Stream,
    pub data: Vec<u8>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub content_type: String,
    pub object_key: String,
}

/// An uploaded object (a content-addressed input or a shared file) as its row records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub object_key: String,
    pub project_id: Uuid,
    pub sha256: String,
    pub size: u64,
}

/// An artifact row whose job finished before the retention cutoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredArtifact {
    pub id: i64,
    pub object_key: String,
}

/// A server the orchestrator has just ordered: a `provisioning` node until its runner registers
/// under the same name.
#[derive(Debug, Clone)]
pub struct OrderedNode<'a> {
    pub name: &'a str,
    pub slots: u32,
    pub node_type: &'a str,
    pub hourly_price: Option<f64>,
}

/// A node as the orchestrator and operators see it, history included.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRecord {
    pub id: Uuid,
    pub name: String,
    pub state: NodeState,
    pub slots: u32,
    pub executor: String,
    pub node_type: Option<String>,
    pub provider_id: Option<String>,
    pub hourly_price: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// `None` while the provider may still hold the server.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Executions running on it now.
    pub running: u32,
    /// Executions it ever started.
    pub executions: u64,
    /// CPU-seconds its runner measured for the executions that finished on it.
    pub cpu_seconds: f64,
}

/// One execution's slot time, for cost reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// `account/project`.
    pub project: String,
    pub started_at: DateTime<Utc>,
    /// `None` while it runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// Measured CPU time in seconds; `None` while it runs, or from a runner that does not
    /// measure (cost reports then count its wall time × one slot).
    pub cpu_seconds: Option<f64>,
}

/// How an execution ended, as the runner reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub reason: EndReason,
    pub exit_code: Option<i32>,
    pub message: Option<String>,
    pub executor: String,
    pub artifacts: Vec<(OutputFileInfo, String)>,
    /// CPU time the job used (user + system), in microseconds, when the runner measured it.
    pub cpu_micros: Option<i64>,
}

/// What `finish` did with the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishEffect {
    /// The job reached a final status.
    Finished(JobStatus),
    /// The attempt failed and the job went back to the queue.
    Requeued,
    /// The same finish was already recorded (idempotent repeat).
    AlreadyFinished,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Runs this backend's pending migrations.
    async fn migrate(&self) -> StoreResult<()>;

    /// The Postgres pool, for LISTEN/NOTIFY between servers on one database
    /// ([`crate::replicas`]); `None` for a backend that one server owns alone (SQLite).
    fn postgres_pool(&self) -> Option<sqlx::PgPool> {
        None
    }

    /// Creates (or finds) the account `slug`.
    async fn ensure_account(&self, slug: &str) -> StoreResult<Account>;

    /// Creates (or finds) the project `slug` of `account`, and the account with it.
    async fn ensure_project(&self, account: &str, slug: &str) -> StoreResult<Project>;

    /// The account's projects, by slug.
    async fn list_projects(&self, account: &str) -> StoreResult<Vec<Project>>;

    /// The project with this id, or `NotFound`. The runner endpoints need the account to build
    /// object keys (`uploads/<account>/<project>/…`) from a job, which only has the project id.
    async fn project(&self, project_id: Uuid) -> StoreResult<Project>;

    /// A new user; `Conflict` when the email is taken.
    async fn create_user(&self, email: &str) -> StoreResult<User>;

    async fn user_by_email(&self, email: &str) -> StoreResult<User>;

    /// Gives the user `role` in the account (adding or changing the membership).
    async fn set_role(&self, account: &str, user_id: Uuid, role: Role) -> StoreResult<()>;

    /// Ends a membership; `NotFound` when there was none.
    async fn remove_member(&self, account: &str, user_id: Uuid) -> StoreResult<()>;

    /// The account's members, by email.
    async fn members(&self, account: &str) -> StoreResult<Vec<Member>>;

    /// The user's role in the account; `NotFound` for a non-member.
    async fn role_of(&self, account: &str, user_id: Uuid) -> StoreResult<Role>;

    /// Stores a personal token's hash for the user; name and prefix are shown in listings.
    async fn add_user_token(&self, user_id: Uuid, token: NewToken<'_>) -> StoreResult<TokenInfo>;

    /// The user's personal tokens, revoked ones included, oldest first.
    async fn list_user_tokens(&self, user_id: Uuid) -> StoreResult<Vec<TokenInfo>>;

    /// Revokes one of the user's personal tokens (`NotFound` for another user's); idempotent.
    async fn revoke_user_token(&self, user_id: Uuid, token_id: i64) -> StoreResult<TokenInfo>;

    /// Stores an operator key's hash (the grid-wide credential).
    async fn add_operator_key(&self, key: NewToken<'_>) -> StoreResult<TokenInfo>;

    /// The (not revoked) operator key by hash, or `NotFound`. Marks it used.
    async fn operator_key(&self, key_hash: &str) -> StoreResult<TokenInfo>;

    /// Every operator key, revoked ones included, oldest first.
    async fn list_operator_keys(&self) -> StoreResult<Vec<TokenInfo>>;

    /// Revokes an operator key; `NotFound` for an unknown id; idempotent.
    async fn revoke_operator_key(&self, key_id: i64) -> StoreResult<TokenInfo>;

    /// The node that claimed the execution (it never changes), or `NotFound`. The runner
    /// endpoints check it so a node token acts only on its own node's executions.
    async fn execution_node(&self, execution_id: Uuid) -> StoreResult<Uuid>;

    /// The user a (not revoked) token by hash belongs to, or `NotFound`.
    async fn user_for_token(&self, token_hash: &str) -> StoreResult<User>;

    /// Stores an API key's hash for a project.
    async fn add_api_key(&self, key: NewApiKey<'_>) -> StoreResult<ApiKeyInfo>;

    /// What a (not revoked) API key by hash grants, or `NotFound`. Marks it used.
    async fn key_grant(&self, key_hash: &str) -> StoreResult<KeyGrant>;

    /// The project's keys, revoked ones included, oldest first.
    async fn list_api_keys(&self, project_id: Uuid) -> StoreResult<Vec<ApiKeyInfo>>;

    /// Revokes a key of this project (`NotFound` for another project's key); idempotent.
    async fn revoke_api_key(&self, project_id: Uuid, key_id: i64) -> StoreResult<ApiKeyInfo>;

    async fn add_bootstrap_token(&self, token: NewBootstrapToken<'_>) -> StoreResult<()>;

    /// Uses up one registration of a bootstrap token; `NotFound` when the token is unknown,
    /// expired or spent.
    async fn spend_bootstrap_token(&self, token_hash: &str) -> StoreResult<()>;

    /// Revokes a node's token and abandons its running executions (their jobs are retried or
    /// failed as after a lost heartbeat). Returns how many were abandoned.
    async fn revoke_node(&self, node_id: Uuid) -> StoreResult<u32>;

    async fn register_node(&self, node: NewNode<'_>) -> StoreResult<Node>;

    /// The node a (not revoked) token by hash belongs to, or `NotFound`. Marks it seen.
    async fn node_for_token(&self, token_hash: &str) -> StoreResult<Node>;

    /// Inserts the job and its queue entry in one transaction.
    async fn create_job(&self, job: NewJob<'_>) -> StoreResult<Job>;

    /// Creates a batch and all its jobs (queued, in order) in one transaction; returns the
    /// batch and the jobs' ids in the order given.
    async fn create_batch(
        &self,
        project_id: Uuid,
        parallel: Option<u32>,
        jobs: &[NewJob<'_>],
    ) -> StoreResult<(Batch, Vec<Uuid>)>;

    /// A batch of this project, or `NotFound`. Its jobs: `list_jobs` with `JobFilter::batch`.
    async fn get_batch(&self, project_id: Uuid, batch_id: Uuid) -> StoreResult<Batch>;

    /// Cancels every job of the batch in one transaction: queued ones at once (queue rows
    /// deleted, status `cancelled`), running ones flagged so their runners kill them; final
    /// ones unchanged. None of them is retried. `NotFound` for another project's batch.
    async fn cancel_batch(&self, project_id: Uuid, batch_id: Uuid) -> StoreResult<BatchCancel>;

    /// A job of this project, or `NotFound` (also for another project's job).
    async fn get_job(&self, project_id: Uuid, job_id: Uuid) -> StoreResult<Job>;

    async fn list_jobs(&self, project_id: Uuid, filter: &JobFilter) -> StoreResult<Vec<Job>>;

    /// Takes the next queued job, deletes its queue row, creates an execution for `node_id`
    /// and marks the job running. Jobs of a batch already running `parallel` jobs are passed over; `None` when no queued
    /// job may start. The order: higher priority
    /// first; within a priority, projects take turns; within a project, FIFO.
    async fn claim(&self, node_id: Uuid) -> StoreResult<Option<Claim>>;

    /// Records a heartbeat for the current execution; `Stale` when it is not current.
    async fn heartbeat(&self, execution_id: Uuid) -> StoreResult<Beat>;

    /// Appends chunks of the current execution; a chunk whose `seq` is already stored is
    /// skipped (a retried send). `Stale` when the execution is not current.
    async fn append_logs(&self, execution_id: Uuid, chunks: &[LogChunkIn]) -> StoreResult<()>;

    /// The job's chunks with `id > after`, in order, at most `limit`.
    async fn read_logs(&self, job_id: Uuid, after: i64, limit: u32) -> StoreResult<Vec<LogChunk>>;

    /// The job id of a current execution; `Stale` when it is not current.
    async fn current_job_of(&self, execution_id: Uuid) -> StoreResult<Job>;

    /// Ends the execution: records artifacts, then finishes the job or requeues it while
    /// attempts remain and the reason is retryable. Repeating the same finish for an execution
    /// already finished answers `AlreadyFinished`; an execution that is not current is `Stale`.
    async fn finish(&self, execution_id: Uuid, outcome: &Outcome) -> StoreResult<FinishEffect>;

    /// The artifacts of the job's last finished execution.
    async fn list_artifacts(&self, job_id: Uuid) -> StoreResult<Vec<Artifact>>;

    /// Marks executions silent since `before` abandoned and finishes or requeues their jobs.
    /// Returns how many were abandoned. Safe to run from several servers at once.
    async fn reap(&self, before: DateTime<Utc>) -> StoreResult<u32>;

    /// Marks executions still running after their deadline (claim time + the job's timeout)
    /// passed `before` abandoned, and finishes or requeues their jobs: the server's backstop
    /// for a runner that does not enforce the timeout. Safe to run from several servers.
    async fn reap_overdue(&self, before: DateTime<Utc>) -> StoreResult<u32>;

    /// Gives back every running execution of the node (its runner stops with jobs unfinished
    /// or a claim it never received): each is abandoned and its job requeued at once, without
    /// spending a retry; a job with a cancel pending ends cancelled. Returns how many.
    async fn release_node(&self, node_id: Uuid) -> StoreResult<u32>;

    /// Queues a finished (succeeded, failed or cancelled) job of the project again as a new
    /// attempt, with `retries` automatic retries after it. `Conflict` when it is not final.
    async fn retry(&self, project_id: Uuid, job_id: Uuid, retries: u32) -> StoreResult<Job>;

    /// Cancels a job: a queued one at once (queue row deleted, status `cancelled`); a running
    /// one is flagged so the next heartbeat tells the runner to kill it. Final jobs unchanged.
    async fn cancel(&self, project_id: Uuid, job_id: Uuid) -> StoreResult<Job>;

    /// Counts of queued and running jobs (for idle detection and the autoscaler).
    async fn active_counts(&self) -> StoreResult<(u64, u64)>;

    /// Every registered node with the executions running on it, by name.
    async fn list_nodes(&self) -> StoreResult<Vec<NodeInfo>>;

    /// The project's jobs counted by status, and how many finished in each minute since
    /// `since` (index 0 is the minute starting at `since`).
    async fn project_overview(
        &self,
        project_id: Uuid,
        since: DateTime<Utc>,
    ) -> StoreResult<Overview>;

    // Node lifecycle (the orchestrator, `rgrid nodes`, cost).

    /// Records a server just ordered as a `provisioning` node.
    async fn add_ordered_node(&self, node: OrderedNode<'_>) -> StoreResult<NodeRecord>;

    /// Notes the provider's id of the node's server.
    async fn set_provider_id(&self, node_id: Uuid, provider_id: &str) -> StoreResult<()>;

    /// Nodes whose server may still exist (`deleted_at` unset), plus, when `ended_since` is
    /// given, those that ended after it. Oldest first, with running and total executions.
    async fn node_records(
        &self,
        ended_since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<NodeRecord>>;

    /// Moves the node to `to` if it is in one of `from`; `false` when it was not. Entering
    /// `terminated` or `dead` stamps `ended_at`. `NotFound` for an unknown node.
    async fn set_node_state(
        &self,
        node_id: Uuid,
        from: &[NodeState],
        to: NodeState,
    ) -> StoreResult<bool>;

    /// Records that the provider confirmed the node's server is gone.
    async fn mark_node_deleted(&self, node_id: Uuid) -> StoreResult<()>;

    /// Abandons every running execution of the node (the reaper's rules: requeue while
    /// retries remain). Returns how many.
    async fn abandon_node(&self, node_id: Uuid) -> StoreResult<u32>;

    /// Executions that started or were still running after `since`, with their project.
    async fn usage_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<Usage>>;

    /// Tries to become (or stay) the one orchestrator leader among servers sharing this
    /// database. `true` while this store holds the leadership.
    async fn try_lead(&self) -> StoreResult<bool>;

    // Uploads and retention (`crate::retention`).

    /// Records an upload, or a new upload of the same object, and marks it used now.
    async fn record_upload(&self, upload: &UploadRecord) -> StoreResult<()>;

    /// Of these object keys of the project, the ones that have an upload row, each marked used
    /// now (an answer "held" keeps the object from the sweeper while the job is submitted).
    async fn touch_uploads(&self, project_id: Uuid, keys: &[String]) -> StoreResult<Vec<String>>;

    /// Uploads last used before `before`, oldest first, at most `limit`.
    async fn stale_uploads(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<UploadRecord>>;

    /// `(project, spec JSON)` of every job created before `before` that has not finished or
    /// finished at or after it: the old jobs that have not expired and may still name an
    /// upload that was last used before `before`.
    async fn unexpired_specs_created_before(
        &self,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<(Uuid, String)>>;

    /// Deletes the upload's row if it was still last used before `before`; `true` when it
    /// did. Several sweepers may race: exactly one of them gets `true`.
    async fn forget_upload(&self, object_key: &str, before: DateTime<Utc>) -> StoreResult<bool>;

    /// Artifacts of jobs that finished before `finished_before`, at most `limit`.
    async fn expired_artifacts(
        &self,
        finished_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ExpiredArtifact>>;

    /// Deletes these artifact rows (missing ones are fine).
    async fn forget_artifacts(&self, ids: &[i64]) -> StoreResult<()>;

    /// Of these object keys, the ones an upload or artifact row names.
    async fn known_object_keys(&self, keys: &[String]) -> StoreResult<Vec<String>>;
}

/// A node as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub node: Node,
    /// `active` unless something else marked it.
    pub state: String,
    /// Executions running on it now.
    pub busy: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    pub counts: rgrid_spec::api::JobCounts,
    /// (minute index since `since`, jobs finished in it); minutes with none are left out.
    pub finished_per_minute: Vec<(u32, u64)>,
}

/// Opens the store a database URL names: `postgres://…` or `postgresql://…` for Postgres,
/// `sqlite:…` or a plain file path for SQLite. Does not migrate: call [`Store::migrate`].
pub async fn connect_store(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::connect(url).await?))
    } else {
        Ok(Arc::new(sqlite::SqliteStore::connect(url).await?))
    }
}
