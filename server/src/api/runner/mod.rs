//! The runner's endpoints: register, claim, then per execution heartbeat, logs, outputs and
//! finish. Every per-execution call carries the execution id as a fencing token; the store
//! refuses it (409 `stale_execution`) once that execution is no longer the job's current one.
//! A node acts only on executions it claimed: another node's execution answers 404 and is not
//! touched, as if it did not exist (an execution's node never changes, so checking it first
//! and then acting leaves no gap).

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rgrid_spec::api::{
    FinishRequest, HeartbeatResponse, LogBatch, NodeState, OutputsRequest, OutputsResponse,
    RegisterRequest, RegisterResponse, ReleaseResponse,
};
use uuid::Uuid;

use super::auth::{hash_secret, secrets_equal, Runner};
use super::{ApiError, ApiResult, AppState, IdPath, JsonBody};
use crate::app::secrets::random_token;
use crate::store::{FinishEffect, Job, NewNode, Node, Outcome, StoreError};

mod claim;

pub use claim::claim;

#[tracing::instrument(skip_all, fields(node = %request.name))]
pub async fn register(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<RegisterRequest>,
) -> ApiResult<Json<RegisterResponse>> {
    check_bootstrap_token(&state, &request.bootstrap_token).await?;
    if request.name.trim().is_empty() || request.slots == 0 {
        return Err(ApiError::bad_request(
            "invalid_request",
            "a runner needs a non-empty name and at least one slot",
        ));
    }
    let token = random_token(crate::access::NODE_TOKEN_PREFIX);
    let node = state
        .store
        .register_node(NewNode {
            name: &request.name,
            slots: request.slots,
            executor: &request.executor,
            token_hash: &hash_secret(&token),
        })
        .await?;
    tracing::info!(node_id = %node.id, slots = node.slots, executor = %node.executor,
        version = %request.version, "runner registered");
    Ok(Json(RegisterResponse {
        node_id: node.id,
        node_token: token,
        heartbeat_interval_secs: state.settings.heartbeat_interval.as_secs().max(1),
        heartbeat_timeout_secs: Some(state.settings.heartbeat_timeout.as_secs().max(1)),
    }))
}

/// The runner is stopping: its running executions (jobs it gives up, or a claim it never
/// received) go back to the queue now instead of after the heartbeat timeout.
#[tracing::instrument(skip_all, fields(node = %node.name))]
pub async fn release(
    State(state): State<AppState>,
    Runner(node): Runner,
) -> ApiResult<Json<ReleaseResponse>> {
    let released = state.store.release_node(node.id).await?;
    // Only a stopping runner releases (it registers anew when it starts again), so its node
    // has ended: terminated, which also retires its token.
    let live = [NodeState::Active, NodeState::Draining];
    if state
        .store
        .set_node_state(node.id, &live, NodeState::Terminated)
        .await?
    {
        tracing::info!("runner stopped; node terminated");
    }
    if released > 0 {
        tracing::info!(released, "runner released unfinished executions");
        state.events.all_jobs_changed();
        state.events.queue_changed();
    }
    Ok(Json(ReleaseResponse { released }))
}

/// The server's standing token (from its configuration) or a minted one with uses left and
/// not expired, which this registration uses up.
async fn check_bootstrap_token(state: &AppState, token: &str) -> ApiResult<()> {
    if secrets_equal(token, &state.bootstrap_token) {
        return Ok(());
    }
    match state.store.spend_bootstrap_token(&hash_secret(token)).await {
        Ok(()) => Ok(()),
        Err(StoreError::NotFound(_)) => {
            tracing::warn!("registration refused: unknown, expired or spent bootstrap token");
            Err(ApiError::Unauthorized)
        }
        Err(err) => Err(err.into()),
    }
}

/// How long a heartbeat may take (its node lookup included) before the server answers 503.
const BEAT_BOUND: Duration = Duration::from_secs(2);

/// Answers a heartbeat the database cannot record soon with 503 instead of letting it hang:
/// a runner takes a 5xx as "the server is down, it abandons nothing", whereas a heartbeat
/// that times out on its side looks like a cut network, after which it kills its job.
pub async fn answer_beats_promptly(request: Request, next: Next) -> Response {
    match tokio::time::timeout(BEAT_BOUND, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("heartbeat not recorded within {} s", BEAT_BOUND.as_secs());
            ApiError::Unavailable("the heartbeat could not be recorded in time".into())
                .into_response()
        }
    }
}

#[tracing::instrument(skip_all, fields(execution_id = %eid))]
pub async fn heartbeat(
    State(state): State<AppState>,
    Runner(node): Runner,
    IdPath(eid): IdPath,
) -> ApiResult<Json<HeartbeatResponse>> {
    check_owner(&state, &node, eid).await?;
    let beat = state.store.heartbeat(eid).await?;
    Ok(Json(HeartbeatResponse {
        cancel: beat.cancel_requested,
        drain: node.state == NodeState::Draining,
    }))
}

#[tracing::instrument(skip_all, fields(execution_id = %eid, job_id))]
pub async fn logs(
    State(state): State<AppState>,
    Runner(node): Runner,
    IdPath(eid): IdPath,
    JsonBody(batch): JsonBody<LogBatch>,
) -> ApiResult<StatusCode> {
    check_owner(&state, &node, eid).await?;
    let job = current_job(&state, eid).await?;
    state.store.append_logs(eid, &batch.chunks).await?;
    state.events.job_changed(job.id);
    Ok(StatusCode::NO_CONTENT)
}

#[tracing::instrument(skip_all, fields(execution_id = %eid, job_id))]
pub async fn outputs(
    State(state): State<AppState>,
    Runner(node): Runner,
    IdPath(eid): IdPath,
    JsonBody(request): JsonBody<OutputsRequest>,
) -> ApiResult<Json<OutputsResponse>> {
    check_owner(&state, &node, eid).await?;
    let job = current_job(&state, eid).await?;
    let prefix = artifact_prefix(&state, &job).await?;
    let mut uploads = BTreeMap::new();
    for (i, file) in request.files.iter().enumerate() {
        check_output_path(i, &file.path)?;
        let key = format!("{prefix}{}", file.path);
        let url = state
            .blobs
            .presign_put(&key, state.settings.output_url_ttl)
            .await?;
        uploads.insert(file.path.clone(), url);
    }
    Ok(Json(OutputsResponse { uploads }))
}

#[tracing::instrument(skip_all, fields(execution_id = %eid, job_id))]
pub async fn finish(
    State(state): State<AppState>,
    Runner(node): Runner,
    IdPath(eid): IdPath,
    JsonBody(request): JsonBody<FinishRequest>,
) -> ApiResult<StatusCode> {
    check_owner(&state, &node, eid).await?;
    let mut outcome = Outcome {
        reason: request.reason,
        exit_code: request.exit_code,
        message: request.message,
        executor: request.executor,
        artifacts: Vec::new(),
        cpu_micros: cpu_micros(request.cpu_seconds),
    };
    let job_id = match current_job(&state, eid).await {
        Ok(job) => {
            let prefix = artifact_prefix(&state, &job).await?;
            for (i, file) in request.artifacts.into_iter().enumerate() {
                check_output_path(i, &file.path)?;
                let key = format!("{prefix}{}", file.path);
                outcome.artifacts.push((file, key));
            }
            Some(job.id)
        }
        // A repeated finish (the first answer was lost) reaches an execution that is no longer
        // current; the store tells a repeat (`AlreadyFinished`) from a stale attempt.
        Err(ApiError::Stale) => None,
        Err(err) => return Err(err),
    };

    let effect = state.store.finish(eid, &outcome).await?;
    tracing::info!(reason = outcome.reason.as_str(), effect = ?effect, "execution finished");
    if let Some(job_id) = job_id {
        state.events.job_changed(job_id);
    }
    // A requeued job can be claimed again, and a finished one may free a slot of its batch's
    // `parallel` cap: either way, waiting claims look again.
    if effect != FinishEffect::AlreadyFinished {
        state.events.queue_changed();
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A runner's CPU-seconds as microseconds; a negative or non-finite figure is dropped (the
/// cost report then counts wall time, as for a runner that does not measure).
fn cpu_micros(seconds: Option<f64>) -> Option<i64> {
    let seconds = seconds.filter(|s| s.is_finite() && *s >= 0.0)?;
    // Saturating float-to-int cast: a figure beyond i64 microseconds (292 000 years) clamps.
    Some((seconds * 1e6).round() as i64)
}

/// Refuses (404) an execution that this node did not claim, or that does not exist.
async fn check_owner(state: &AppState, node: &Node, eid: Uuid) -> ApiResult<()> {
    match state.store.execution_node(eid).await {
        Ok(owner) if owner == node.id => Ok(()),
        Ok(_) => {
            tracing::warn!(node_id = %node.id, "a node called about another node's execution");
            Err(ApiError::NotFound("execution"))
        }
        Err(StoreError::NotFound(_)) => Err(ApiError::NotFound("execution")),
        Err(err) => Err(err.into()),
    }
}

/// The job of a current execution, recorded on the handler's span.
async fn current_job(state: &AppState, eid: Uuid) -> ApiResult<Job> {
    let job = state
        .store
        .current_job_of(eid)
        .await
        .map_err(|err| match err {
            StoreError::NotFound(_) => ApiError::Stale,
            other => ApiError::from(other),
        })?;
    tracing::Span::current().record("job_id", tracing::field::display(job.id));
    Ok(job)
}

/// `artifacts/<account>/<project>/<job>/`: where this job's outputs go.
async fn artifact_prefix(state: &AppState, job: &Job) -> ApiResult<String> {
    let project = state.store.project(job.project_id).await?;
    Ok(format!(
        "artifacts/{}/{}/{}/",
        project.account, project.slug, job.id
    ))
}

fn check_output_path(index: usize, path: &str) -> ApiResult<()> {
    rgrid_spec::path::check_relative(path).map_err(|problem| ApiError::BadRequest {
        code: "invalid_path",
        message: format!("{path:?} {}", problem.explain()),
        field: Some(format!("files[{index}].path")),
    })
}
