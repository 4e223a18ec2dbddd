//! Handing a queued job to a runner, with the job's uploaded inputs turned into URLs the runner
//! can download. The URLs are minted now, at claim time, so a job that waited in the queue for
//! hours still finds its inputs.

use std::time::Duration;

use axum::extract::State;
use axum::Json;
use rgrid_spec::api::{Assignment, ClaimRequest, ClaimResponse, EndReason, NodeState};
use rgrid_spec::quantity::{parse_cpu_millis, parse_memory_bytes};
use rgrid_spec::JobSpec;
use tokio::time::Instant;
use tracing::Instrument;

use crate::api::auth::Runner;
use crate::api::events::Wake;
use crate::api::jobs::parse_stored_spec;
use crate::api::uploads::{upload_key, upload_sha};
use crate::api::{ApiError, ApiResult, AppState, JsonBody};
use crate::store::{Claim, Outcome, Project};

/// Input URLs outlive the job's timeout by this much, to cover the download and a slow start.
const INPUT_URL_SLACK: Duration = Duration::from_secs(3600);

#[tracing::instrument(skip_all, fields(node = %node.name))]
pub async fn claim(
    State(state): State<AppState>,
    Runner(node): Runner,
    JsonBody(request): JsonBody<ClaimRequest>,
) -> ApiResult<Json<ClaimResponse>> {
    if node.state == NodeState::Draining {
        // Nothing new for a draining node; the runner stops claiming and exits once idle.
        return Ok(Json(ClaimResponse {
            assignment: None,
            drain: true,
        }));
    }
    let wait = Duration::from_secs(request.wait_secs).min(state.settings.max_wait);
    let deadline = Instant::now() + wait;
    // Subscribe before the first try, so a job queued in between still wakes us.
    let mut watch = state.events.watch_queue();
    loop {
        if let Some(claim) = state.store.claim(node.id).await? {
            let span = tracing::info_span!(
                "assign",
                job_id = %claim.job.id,
                execution_id = %claim.execution_id
            );
            let assignment = assignment_or_give_back(&state, claim)
                .instrument(span)
                .await?;
            return Ok(Json(ClaimResponse {
                assignment: Some(assignment),
                drain: false,
            }));
        }
        match watch.wait(deadline).await {
            Wake::Look => continue,
            Wake::Deadline | Wake::Closing => {
                return Ok(Json(ClaimResponse {
                    assignment: None,
                    drain: false,
                }))
            }
        }
    }
}

/// Builds the assignment; when that fails the execution is finished as a runner error, so the
/// job is retried or failed instead of sitting `running` until the reaper notices.
async fn assignment_or_give_back(state: &AppState, claim: Claim) -> ApiResult<Assignment> {
    match assignment(state, &claim).await {
        Ok(assignment) => {
            tracing::info!(attempt = claim.attempt, "job claimed");
            state.events.job_changed(claim.job.id);
            Ok(assignment)
        }
        Err(err) => {
            let outcome = Outcome {
                reason: EndReason::RunnerError,
                exit_code: None,
                message: Some("the server could not prepare the job's inputs".into()),
                executor: String::new(),
                artifacts: Vec::new(),
                cpu_micros: None,
            };
            if let Err(finish_err) = state.store.finish(claim.execution_id, &outcome).await {
                tracing::error!(cause = %finish_err, "could not give back a job it failed to assign");
            }
            state.events.job_changed(claim.job.id);
            state.events.queue_changed();
            Err(err)
        }
    }
}

async fn assignment(state: &AppState, claim: &Claim) -> ApiResult<Assignment> {
    let mut spec = parse_stored_spec(&claim.job)?;
    let project = state.store.project(claim.job.project_id).await?;
    let ttl = Duration::from_secs(spec.spec.timeout_seconds) + INPUT_URL_SLACK;
    mint_input_urls(state, &project, &mut spec, ttl).await?;
    let resources = &spec.spec.resources;
    let cpu_millis = resources.cpu.as_deref().and_then(parse_cpu_millis);
    let memory_bytes = resources.memory.as_deref().and_then(parse_memory_bytes);
    Ok(Assignment {
        job_id: claim.job.id,
        execution_id: claim.execution_id,
        attempt: claim.attempt,
        spec,
        cpu_millis,
        memory_bytes,
    })
}

/// Replaces every `rgrid://uploads/<sha256>` input URL with a presigned GET URL; URLs the user
/// brought are left as given.
async fn mint_input_urls(
    state: &AppState,
    project: &Project,
    spec: &mut JobSpec,
    ttl: Duration,
) -> ApiResult<()> {
    for input in &mut spec.spec.files.inputs {
        let Some(rest) = input.url.strip_prefix("rgrid://") else {
            continue;
        };
        let sha = upload_sha(rest).ok_or_else(|| {
            ApiError::internal(&format!(
                "input {:?} has an unresolvable rgrid:// URL",
                input.path
            ))
        })?;
        input.url = state
            .blobs
            .presign_get(&upload_key(project, sha), ttl)
            .await?;
    }
    Ok(())
}
