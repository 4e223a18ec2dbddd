//! HTTP wire types between the CLI, the server and the runner.
//!
//! User endpoints take `Authorization: Bearer <api key>` (a key belongs to one project and has
//! a role there); `/v1/accounts/…` takes a user's personal token (`rgu_…`); runner endpoints
//! take the node token from registration, and act only on that node's own executions (another
//! node's answers 404); grid-wide routes (operators) take an operator key (`rgo_…`), and a
//! project key there answers 403. A credential of the wrong kind answers 401; an object of
//! another project or account answers 404; a role too weak answers 403. Routes (all JSON
//! unless noted):
//!
//! | method and path                                | body → answer                          |
//! |------------------------------------------------|----------------------------------------|
//! | `GET  /v1/health`                              | → [`Health`] (no auth)                 |
//! | `POST /v1/jobs`                                | `JobSpec` → [`JobView`] (201)          |
//! | `GET  /v1/jobs?status=&limit=&batch=`          | → [`JobList`]                          |
//! | `POST /v1/batches`                             | [`BatchRequest`] → [`BatchView`] (201) |
//! | `GET  /v1/batches/{id}`                        | → [`BatchView`]                        |
//! | `POST /v1/batches/{id}/cancel`                 | → [`BatchCancelView`]                  |
//! | `GET  /v1/jobs/{id}`                           | → [`JobView`]                          |
//! | `POST /v1/jobs/{id}/cancel`                    | → [`JobView`]                          |
//! | `POST /v1/jobs/{id}/retry`                     | → [`JobView`] (a final job, requeued)  |
//! | `GET  /v1/jobs/{id}/logs?after=&wait=`         | → [`LogPage`] (long poll up to `wait` s)|
//! | `GET  /v1/jobs/{id}/logs/ws?after=`            | WebSocket: [`LogEvent`] text frames    |
//! | `GET  /v1/jobs/{id}/logs/sse?after=`           | SSE: [`LogEvent`] as `data:` lines     |
//! | `GET  /v1/jobs/{id}/artifacts`                 | → [`ArtifactList`] with fresh GET URLs |
//! | `GET  /v1/grid/ws`                             | WebSocket: [`GridSnapshot`] on change  |
//! | `GET  /v1/whoami`                              | → [`crate::access::WhoAmI`]            |
//! | `GET  /v1/me`                                  | → `Me` (user token)                    |
//! | `GET  /v1/me/tokens`                           | → `TokenList` (user token)             |
//! | `POST /v1/me/tokens`                           | `CreateTokenRequest` → `CreatedToken` (201) |
//! | `DELETE /v1/me/tokens/{id}`                    | → `TokenView` (revoked)                |
//! | `GET  /v1/keys`                                | → `KeyList` (admin key)                |
//! | `POST /v1/keys`                                | `CreateKeyRequest` → `CreatedKey` (201)|
//! | `DELETE /v1/keys/{id}`                         | → `KeyView` (revoked)                  |
//! | `GET  /v1/accounts/{account}/projects`         | → `ProjectList` (user token)           |
//! | `POST /v1/accounts/{account}/projects`         | `CreateProjectRequest` → `CreatedProject` (201) |
//! | `GET  /v1/accounts/{account}/members`          | → `MemberList` (user token)            |
//! | `PUT  /v1/accounts/{account}/members`          | `SetMemberRequest` → `MemberView` (owner) |
//! | `DELETE /v1/accounts/{account}/members/{email}`| → 204 (owner)                          |
//! | `HEAD /v1/uploads/{sha256}`                    | 200 when held, 404 otherwise           |
//! | `PUT  /v1/uploads/{sha256}`                    | raw bytes → [`UploadView`]             |
//! | `POST /v1/uploads/held`                        | [`HeldRequest`] → [`HeldView`]         |
//! | `POST /v1/uploads/{sha256}/session`            | [`SessionRequest`] → [`UploadSession`] |
//! | `PUT  /v1/uploads/{sha256}/parts/{n}`          | raw bytes (part `n`, from 0) → 204     |
//! | `POST /v1/uploads/{sha256}/complete`           | [`SessionRequest`] → [`UploadView`]    |
//! | `POST /v1/projects/{slug}/files/upload?name=&expires_minutes=` | raw bytes → [`FileView`] (201) |
//! | `POST /v1/runner/register`                     | [`RegisterRequest`] → [`RegisterResponse`] |
//! | `POST /v1/runner/claim`                        | [`ClaimRequest`] → [`ClaimResponse`]   |
//! | `POST /v1/runner/release`                      | → [`ReleaseResponse`] (runner stopping) |
//! | `POST /v1/runner/executions/{eid}/heartbeat`   | → [`HeartbeatResponse`]                |
//! | `POST /v1/runner/executions/{eid}/logs`        | [`LogBatch`] → 204                     |
//! | `POST /v1/runner/executions/{eid}/outputs`     | [`OutputsRequest`] → [`OutputsResponse`] |
//! | `POST /v1/runner/executions/{eid}/finish`      | [`FinishRequest`] → 204                |
//! | `GET  /v1/nodes`                               | → [`NodeList`] (operators)             |
//! | `POST /v1/nodes/{id}/drain`                    | → [`NodeView`] (operators)             |
//! | `POST /v1/nodes/{id}/revoke`                   | → `RevokedNode` (operators)            |
//! | `GET  /v1/operator/whoami`                     | → `OperatorView` (operators)           |
//! | `GET  /v1/cost?days=`                          | → [`CostReport`] (operators: all; a project key: its own share) |
//! | `GET  /v1/metrics`                             | → Prometheus text (no auth)            |
//! | `GET/PUT /blobs/{key}?method=&expires=&sig=`   | raw bytes (server-signed URLs, embedded storage) |
//!
//! Errors come back as [`ErrorBody`] with a stable `code`. A runner call for an execution that
//! is no longer current answers 409 with code [`CODE_STALE_EXECUTION`].

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::JobSpec;

pub const CODE_STALE_EXECUTION: &str = "stale_execution";
pub const CODE_NOT_FOUND: &str = "not_found";
pub const CODE_INVALID_SPEC: &str = "invalid_spec";
pub const CODE_UNAUTHORIZED: &str = "unauthorized";
/// `GET /v1/jobs/{id}/artifacts` of a job whose outputs passed the server's retention (410).
pub const CODE_OUTPUTS_EXPIRED: &str = "outputs_expired";
/// Header a runner may read to learn which executor the server expects (informational).
pub const HEADER_SHA256: &str = "x-rgrid-sha256";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// The spec field at fault, for `invalid_spec`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// `sqlite` or `postgres`.
    pub store: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<JobStatus> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Failed,
            JobStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// Why an execution ended the way it did. Each is shown to the user differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The process exited with code 0.
    Completed,
    /// The process exited with a non-zero code (see `exit_code`).
    ExitCode,
    /// Killed by the kernel's OOM killer (memory limit).
    Oom,
    /// Ran past `timeoutSeconds` and was killed.
    Timeout,
    /// A declared output was missing after the job ran.
    MissingOutput,
    /// The runtime image could not be found or pulled.
    ImageNotFound,
    /// `pip install -r requirements.txt` failed.
    RequirementsFailed,
    /// An input could not be downloaded or failed its sha256 check.
    InputFailed,
    /// Any other failure on the runner side (message says which).
    RunnerError,
    /// Heartbeats stopped: the node died or lost the server.
    Abandoned,
    /// The user cancelled the job.
    Cancelled,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Completed => "completed",
            EndReason::ExitCode => "exit_code",
            EndReason::Oom => "oom",
            EndReason::Timeout => "timeout",
            EndReason::MissingOutput => "missing_output",
            EndReason::ImageNotFound => "image_not_found",
            EndReason::RequirementsFailed => "requirements_failed",
            EndReason::InputFailed => "input_failed",
            EndReason::RunnerError => "runner_error",
            EndReason::Abandoned => "abandoned",
            EndReason::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<EndReason> {
        use EndReason::*;
        [
            Completed,
            ExitCode,
            Oom,
            Timeout,
            MissingOutput,
            ImageNotFound,
            RequirementsFailed,
            InputFailed,
            RunnerError,
            Abandoned,
            Cancelled,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }

    /// Whether another attempt could end differently. An image that does not exist or a
    /// requirements line pip cannot install will fail the same way again.
    pub fn is_retryable(self) -> bool {
        !matches!(
            self,
            EndReason::Completed
                | EndReason::ImageNotFound
                | EndReason::RequirementsFailed
                | EndReason::Cancelled
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobView {
    pub id: Uuid,
    pub name: Option<String>,
    pub project: String,
    pub status: JobStatus,
    /// Attempts started so far (executions).
    pub attempts: u32,
    pub max_retries: u32,
    pub reason: Option<EndReason>,
    pub exit_code: Option<i32>,
    /// A one-line explanation of the reason, for people.
    pub message: Option<String>,
    /// The executor that ran the last attempt (`docker` or `process`).
    pub executor: Option<String>,
    pub node: Option<String>,
    pub current_execution: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub spec: JobSpec,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobList {
    pub jobs: Vec<JobView>,
}

/// The label a batch job carries with the local name of its input file, for people: progress,
/// errors and the `outputs/<input-stem>/` folder.
pub const LABEL_BATCH_INPUT: &str = "rgrid.dev/input";

/// Most jobs one batch may hold.
pub const MAX_BATCH_JOBS: usize = 10_000;

/// Many jobs submitted in one request. Each spec is validated as `POST /v1/jobs` would; one
/// invalid spec refuses the whole batch, naming it (`jobs[3].spec.args`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchRequest {
    /// At most this many of the batch's jobs run at once; absent for no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel: Option<u32>,
    pub jobs: Vec<JobSpec>,
}

/// What `POST /v1/batches/{id}/cancel` did: queued jobs ended at once, running ones told to
/// stop (their runners kill them at their next heartbeat). Final jobs are left as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCancelView {
    pub id: Uuid,
    /// Queued jobs now `cancelled`.
    pub cancelled: u32,
    /// Running jobs that end `cancelled` within seconds.
    pub stopping: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCounts {
    pub queued: u32,
    pub running: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub cancelled: u32,
}

impl BatchCounts {
    pub fn total(&self) -> u32 {
        self.queued + self.running + self.succeeded + self.failed + self.cancelled
    }

    /// Jobs that reached a final status.
    pub fn finished(&self) -> u32 {
        self.succeeded + self.failed + self.cancelled
    }
}

/// One job of a batch, as much as progress and error reports need.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchJob {
    pub id: Uuid,
    /// The input file's local name ([`LABEL_BATCH_INPUT`]), when the job has one.
    pub input: Option<String>,
    pub status: JobStatus,
    pub reason: Option<EndReason>,
    pub exit_code: Option<i32>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchView {
    pub id: Uuid,
    pub parallel: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub counts: BatchCounts,
    /// In submission order.
    pub jobs: Vec<BatchJob>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
    /// Lines from rgrid itself (install steps, executor choice), shown dimmed.
    System,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
            Stream::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Stream> {
        [Stream::Stdout, Stream::Stderr, Stream::System]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// Bytes on the wire as base64, so a job may print anything (invalid UTF-8, NUL).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes64(pub Vec<u8>);

impl Serialize for Bytes64 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map(Bytes64)
            .map_err(serde::de::Error::custom)
    }
}

/// A chunk as the runner sends it: `seq` counts from 0 within one execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogChunkIn {
    pub seq: u64,
    pub stream: Stream,
    pub data: Bytes64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogBatch {
    pub chunks: Vec<LogChunkIn>,
}

/// A stored chunk as a reader gets it; `id` orders all chunks of a job and is the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogChunkOut {
    pub id: i64,
    pub attempt: u32,
    pub seq: u64,
    pub stream: Stream,
    pub data: Bytes64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogPage {
    pub chunks: Vec<LogChunkOut>,
    /// Pass as `after` to read on.
    pub next: i64,
    /// The job is final and every chunk up to `next` has been returned.
    pub complete: bool,
    pub status: JobStatus,
}

/// One message of a live log stream, as JSON with a `type` field. A stream sends the chunks
/// after the `after` it was opened with, in order and each once, then follows the job; it
/// ends with [`LogEvent::End`]. A follower that loses the stream reopens it with `after` set
/// to the last `next` it saw.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LogEvent {
    Chunks {
        chunks: Vec<LogChunkOut>,
        /// The cursor after these chunks.
        next: i64,
    },
    /// The job is final and every chunk up to `next` has been sent.
    End { status: JobStatus, next: i64 },
}

/// A worker node as `GET /v1/nodes` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NodeView {
    pub id: Uuid,
    pub name: String,
    pub executor: String,
    pub slots: u32,
    /// Executions running on it now.
    pub busy: u32,
    /// A [`NodeState`]: `provisioning`, `active`, `draining`, `terminated` or `dead`.
    pub state: String,
    pub last_seen: DateTime<Utc>,
    // What operators see in `rgrid nodes` (defaults keep older answers parsing).
    /// The provider's server type (e.g. `cx22`); none for a runner started by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_type: Option<String>,
    /// The provider's id of the server, once it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it was terminated or declared dead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Executions it ever started.
    #[serde(default)]
    pub executions: u64,
    /// Price per hour in EUR, as configured for its type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_price: Option<f64>,
    /// Price × the hours from creation to end (or now), in EUR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// CPU-seconds the jobs that finished on it used, as its runner measured them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeList {
    pub nodes: Vec<NodeView>,
}

/// Job counts of one project by status; `queued` is its queue depth.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub cancelled: u64,
}

/// What `rgrid top` shows, pushed by `GET /v1/grid/ws` whenever the project's jobs change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GridSnapshot {
    pub project: String,
    pub counts: JobCounts,
    /// Jobs that finished in each of the last minutes, oldest first (the last is this one).
    pub finished_per_minute: Vec<u64>,
    pub nodes: Vec<NodeView>,
    /// Recent jobs, newest first.
    pub jobs: Vec<JobView>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactView {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub content_type: String,
    /// A presigned GET URL, fresh at the time of the answer.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactList {
    pub artifacts: Vec<ArtifactView>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadView {
    /// Use as an input's `url`: `rgrid://uploads/<sha256>`.
    pub url: String,
    pub sha256: String,
    pub size: u64,
}

/// Most hashes one [`HeldRequest`] may ask about.
pub const MAX_HELD_QUERY: usize = 10_000;

/// "Which of these contents do you hold?" — one request for a whole batch's inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldRequest {
    /// SHA-256 of each file, lower-case hex.
    pub sha256: Vec<String>,
}

/// The asked hashes the project holds; each is marked used, so retention keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldView {
    pub held: Vec<String>,
}

/// Starts (or resumes) a multipart upload of a file of `size` bytes with the SHA-256 in the
/// path; `complete` repeats it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRequest {
    pub size: u64,
}

/// A multipart upload in progress: send parts `0..part_count` (each `part_size` bytes, the
/// last one the rest) that are not in `received`, then `complete`. An interrupted upload
/// resumes by starting again: `received` lists what arrived.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadSession {
    pub sha256: String,
    pub size: u64,
    pub part_size: u64,
    pub part_count: u64,
    pub received: Vec<u64>,
    /// The server holds this content already: nothing to send, no need to complete.
    pub held: bool,
}

/// Shortest and longest life of the GET URL `POST /v1/projects/{slug}/files/upload` returns.
pub const FILE_URL_MINUTES: std::ops::RangeInclusive<u64> = 30..=120;

/// A file stored with `POST /v1/projects/{slug}/files/upload`: its key in the object store and
/// a presigned GET URL that any HTTP client (or a job input's `url`) can use until it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileView {
    pub key: String,
    pub size: u64,
    pub sha256: String,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterRequest {
    pub bootstrap_token: String,
    pub name: String,
    pub slots: u32,
    /// `docker` or `process`.
    pub executor: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterResponse {
    pub node_id: Uuid,
    pub node_token: String,
    pub heartbeat_interval_secs: u64,
    /// How long the server lets an execution's heartbeats fail before it abandons the
    /// execution and requeues its job. A runner cut off from the server for longer kills the
    /// job itself: the server has given it to another node. Absent from older servers.
    #[serde(default)]
    pub heartbeat_timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimRequest {
    /// Wait up to this many seconds for a job before answering empty.
    pub wait_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimResponse {
    pub assignment: Option<Assignment>,
    /// The server is draining this node: claim nothing more, finish what runs, then exit.
    /// Defaults to false so answers from servers without node lifecycle still parse.
    #[serde(default)]
    pub drain: bool,
}

/// A claimed job: what the runner needs, with every input URL ready to GET.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assignment {
    pub job_id: Uuid,
    pub execution_id: Uuid,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub spec: JobSpec,
    pub cpu_millis: Option<u64>,
    pub memory_bytes: Option<u64>,
}

/// How many of the node's running executions went back to the queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseResponse {
    pub released: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    /// The user cancelled the job: kill it and finish with reason `cancelled`.
    pub cancel: bool,
    /// The node is draining: let this job finish, claim nothing more (see [`ClaimResponse`]).
    #[serde(default)]
    pub drain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFileInfo {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputsRequest {
    pub files: Vec<OutputFileInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputsResponse {
    /// Presigned PUT URL per path.
    pub uploads: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FinishRequest {
    pub reason: EndReason,
    pub exit_code: Option<i32>,
    /// One line for people: "exit code 3", "timeout after 30 s", "missing output out/x.json".
    pub message: Option<String>,
    /// The outputs that were uploaded (a subset of those announced to `/outputs`).
    pub artifacts: Vec<OutputFileInfo>,
    /// `docker` or `process`.
    pub executor: String,
    /// CPU time (user + system) the job used, in seconds, when the executor measured it.
    /// Runners before this field send none; the default keeps their requests parsing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_seconds: Option<f64>,
}

/// Where a node is in its life. Orchestrated nodes start `provisioning`; a runner started by
/// hand starts `active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    /// Ordered from the provider; its runner has not registered yet.
    Provisioning,
    /// Registered and claiming jobs.
    Active,
    /// Finishing what runs, claiming nothing new; deleted once idle.
    Draining,
    /// Drained and handed to the provider for deletion.
    Terminated,
    /// Never registered in time or went silent; its executions were abandoned.
    Dead,
}

impl NodeState {
    pub const ALL: [NodeState; 5] = [
        NodeState::Provisioning,
        NodeState::Active,
        NodeState::Draining,
        NodeState::Terminated,
        NodeState::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Provisioning => "provisioning",
            NodeState::Active => "active",
            NodeState::Draining => "draining",
            NodeState::Terminated => "terminated",
            NodeState::Dead => "dead",
        }
    }

    pub fn parse(text: &str) -> Option<NodeState> {
        NodeState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Terminated and dead nodes are history: they run nothing and will not come back.
    pub fn is_gone(self) -> bool {
        matches!(self, NodeState::Terminated | NodeState::Dead)
    }
}

/// Cost per UTC day and per project over the last `days` days.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CostReport {
    pub days: Vec<DayCost>,
    pub projects: Vec<ProjectCost>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DayCost {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub node_hours: f64,
    /// EUR.
    pub node_cost: f64,
    pub cpu_seconds: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectCost {
    /// `account/project`.
    pub project: String,
    pub cpu_seconds: f64,
    /// The project's share of node cost, by its share of CPU-seconds, in EUR.
    pub cost: f64,
}
