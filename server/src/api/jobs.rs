//! Submitting, reading, listing and cancelling jobs.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use rgrid_spec::api::{JobList, JobStatus, JobView};
use rgrid_spec::{JobSpec, SpecError};
use serde::Deserialize;

use super::auth::{Developer, User};
use super::uploads::{held, upload_sha};
use super::{ApiError, ApiResult, AppState, IdPath};
use crate::store::{Job, JobFilter, NewJob, Project};

const DEFAULT_LIST_LIMIT: u32 = 50;
const MAX_LIST_LIMIT: u32 = 1000;

#[tracing::instrument(skip_all, fields(project = %project.slug))]
pub async fn submit(
    State(state): State<AppState>,
    Developer(project): Developer,
    body: String,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let valid = JobSpec::from_json(&body)
        .and_then(JobSpec::validate)
        .map_err(ApiError::InvalidSpec)?;
    check_uploads_held(&state, &project, &valid.spec).await?;

    let spec_json = serde_json::to_string(&valid.spec).map_err(|e| ApiError::internal(&e))?;
    let job = state
        .store
        .create_job(NewJob {
            project_id: project.id,
            name: valid.spec.metadata.name.as_deref(),
            spec_json: &spec_json,
            max_retries: valid.spec.spec.retries,
            priority: 0,
        })
        .await?;
    state.events.queue_changed();
    tracing::info!(job_id = %job.id, "job submitted");
    Ok((StatusCode::CREATED, Json(job_view(job)?)))
}

/// Refuses a spec naming an `rgrid://` input this project has not uploaded, now rather than
/// when a runner fails to download it.
async fn check_uploads_held(state: &AppState, project: &Project, spec: &JobSpec) -> ApiResult<()> {
    let mut wanted = Vec::new();
    uploads_named(spec, "", &mut wanted)?;
    check_held(state, project, &wanted).await
}

/// Adds the uploads a spec names (`rgrid://uploads/<sha256>`) to `wanted`, each with the field
/// that names it (`field_prefix` names the spec among many: `jobs[3].`).
pub fn uploads_named(
    spec: &JobSpec,
    field_prefix: &str,
    wanted: &mut Vec<(String, String)>,
) -> ApiResult<()> {
    for (i, input) in spec.spec.files.inputs.iter().enumerate() {
        let Some(rest) = input.url.strip_prefix("rgrid://") else {
            continue;
        };
        let field = format!("{field_prefix}spec.files.inputs[{i}].url");
        let sha = upload_sha(rest).ok_or_else(|| {
            invalid(
                &field,
                "names no upload; write rgrid://uploads/<sha256> of an uploaded file",
            )
        })?;
        wanted.push((field, sha.to_string()));
    }
    Ok(())
}

/// Checks that the project holds every wanted upload, in one query however many jobs and
/// inputs there are, and marks them used (retention counts from the last use).
pub async fn check_held(
    state: &AppState,
    project: &Project,
    wanted: &[(String, String)],
) -> ApiResult<()> {
    let mut shas: Vec<String> = wanted.iter().map(|(_, sha)| sha.clone()).collect();
    shas.sort_unstable();
    shas.dedup();
    let found = held(state, project, &shas).await?;
    match wanted.iter().find(|(_, sha)| !found.contains(sha)) {
        Some((field, sha)) => Err(invalid(
            field,
            &format!("names upload {sha}, which this project does not hold; upload it first"),
        )),
        None => Ok(()),
    }
}

pub fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::InvalidSpec(SpecError {
        field: field.to_string(),
        message: message.to_string(),
    })
}

/// `?wait=SECS&status=S&attempts=N` makes it a long poll: the answer waits (at most `wait`
/// seconds, capped by the server) until the job's status or attempt count differs from the
/// ones given, so a client learns of each change without polling.
#[derive(Debug, Default, Deserialize)]
pub struct GetQuery {
    #[serde(default)]
    wait: u64,
    status: Option<String>,
    attempts: Option<u32>,
}

#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn get_one(
    State(state): State<AppState>,
    User(project): User,
    IdPath(id): IdPath,
    Query(query): Query<GetQuery>,
) -> ApiResult<Json<JobView>> {
    let wait = std::time::Duration::from_secs(query.wait).min(state.settings.max_wait);
    let deadline = tokio::time::Instant::now() + wait;
    // Subscribe before looking, so a change between the look and the wait is not missed.
    let mut watch = (query.wait > 0).then(|| state.events.watch_job(id));
    loop {
        let job = state.store.get_job(project.id, id).await?;
        let seen = query.status.as_deref() == Some(job.status.as_str())
            && query.attempts.is_none_or(|n| n == job.attempts);
        let Some(watch) = watch.as_mut().filter(|_| seen && !job.status.is_final()) else {
            return Ok(Json(job_view(job)?));
        };
        if watch.wait(deadline).await != super::events::Wake::Look {
            return Ok(Json(job_view(job)?));
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<u32>,
    /// Only this batch's jobs.
    batch: Option<uuid::Uuid>,
}

#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    User(project): User,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<JobList>> {
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(text) => Some(JobStatus::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_query",
                format!(
                    "status {text:?} is unknown; use queued, running, succeeded, failed or \
                     cancelled"
                ),
            )
        })?),
    };
    let limit = query
        .limit
        .unwrap_or(DEFAULT_LIST_LIMIT)
        .clamp(1, MAX_LIST_LIMIT);
    let jobs = state
        .store
        .list_jobs(
            project.id,
            &JobFilter {
                status,
                batch: query.batch,
                limit,
            },
        )
        .await?;
    let jobs = jobs
        .into_iter()
        .map(job_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(JobList { jobs }))
}

#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn cancel(
    State(state): State<AppState>,
    Developer(project): Developer,
    IdPath(id): IdPath,
) -> ApiResult<Json<JobView>> {
    let job = state.store.cancel(project.id, id).await?;
    state.events.job_changed(id);
    tracing::info!(status = job.status.as_str(), "cancel requested");
    Ok(Json(job_view(job)?))
}

/// Queues a finished job again as a new attempt, with the retries its spec allows.
#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn retry(
    State(state): State<AppState>,
    Developer(project): Developer,
    IdPath(id): IdPath,
) -> ApiResult<Json<JobView>> {
    let job = state.store.get_job(project.id, id).await?;
    let retries = parse_stored_spec(&job)?.spec.retries;
    let job = state.store.retry(project.id, id, retries).await?;
    state.events.job_changed(id);
    state.events.queue_changed();
    tracing::info!(attempts = job.attempts, "job queued again by the user");
    Ok(Json(job_view(job)?))
}

/// The wire view of a stored job.
pub fn job_view(job: Job) -> ApiResult<JobView> {
    let spec = parse_stored_spec(&job)?;
    Ok(JobView {
        id: job.id,
        name: job.name,
        project: job.project_slug,
        status: job.status,
        attempts: job.attempts,
        max_retries: job.max_retries,
        reason: job.reason,
        exit_code: job.exit_code,
        message: job.message,
        executor: job.executor,
        node: job.node_name,
        current_execution: job.current_execution,
        created_at: job.created_at,
        started_at: job.started_at,
        finished_at: job.finished_at,
        spec,
    })
}

/// The spec a job was stored with; it was valid when stored, so a failure is corruption.
pub fn parse_stored_spec(job: &Job) -> ApiResult<JobSpec> {
    serde_json::from_str(&job.spec_json).map_err(|err| {
        ApiError::internal(&format!(
            "stored spec of job {} does not parse: {err}",
            job.id
        ))
    })
}
