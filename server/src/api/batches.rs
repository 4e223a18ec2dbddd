//! Batch runs: many jobs submitted in one request, followed as one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rgrid_spec::api::{
    BatchCancelView, BatchCounts, BatchJob, BatchRequest, BatchView, JobStatus, LABEL_BATCH_INPUT,
    MAX_BATCH_JOBS,
};
use rgrid_spec::{JobSpec, SpecError};

use super::auth::{Developer, User};
use super::jobs::{check_held, invalid, parse_stored_spec, uploads_named};
use super::{ApiError, ApiResult, AppState, IdPath, JsonBody};
use crate::store::{Batch, Job, JobFilter, NewJob};

#[tracing::instrument(skip_all, fields(project = %project.slug))]
pub async fn submit(
    State(state): State<AppState>,
    Developer(project): Developer,
    JsonBody(request): JsonBody<BatchRequest>,
) -> ApiResult<(StatusCode, Json<BatchView>)> {
    check_shape(&request)?;
    let mut specs = Vec::with_capacity(request.jobs.len());
    let mut wanted = Vec::new();
    for (i, spec) in request.jobs.into_iter().enumerate() {
        let prefix = format!("jobs[{i}].");
        let valid = spec.validate().map_err(|err| {
            ApiError::InvalidSpec(SpecError {
                field: format!("{prefix}{}", err.field),
                message: err.message,
            })
        })?;
        uploads_named(&valid.spec, &prefix, &mut wanted)?;
        let json = serde_json::to_string(&valid.spec).map_err(|e| ApiError::internal(&e))?;
        specs.push((valid.spec, json));
    }

    check_held(&state, &project, &wanted).await?;

    let new_jobs: Vec<NewJob<'_>> = specs
        .iter()
        .map(|(spec, json)| NewJob {
            project_id: project.id,
            name: spec.metadata.name.as_deref(),
            spec_json: json,
            max_retries: spec.spec.retries,
            priority: 0,
        })
        .collect();
    let (batch, ids) = state
        .store
        .create_batch(project.id, request.parallel, &new_jobs)
        .await?;
    state.events.queue_changed();
    tracing::info!(batch_id = %batch.id, jobs = ids.len(), "batch submitted");
    let view = batch_view(&state, batch).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

fn check_shape(request: &BatchRequest) -> ApiResult<()> {
    if request.jobs.is_empty() {
        return Err(invalid("jobs", "is empty; give at least one job"));
    }
    if request.jobs.len() > MAX_BATCH_JOBS {
        return Err(invalid(
            "jobs",
            &format!(
                "holds {} jobs, more than {MAX_BATCH_JOBS}; split it into several batches",
                request.jobs.len()
            ),
        ));
    }
    if request.parallel == Some(0) {
        return Err(invalid(
            "parallel",
            "must be at least 1, or absent for no cap",
        ));
    }
    Ok(())
}

/// Cancels the whole batch in one request: queued jobs at once, running ones within seconds.
#[tracing::instrument(skip_all, fields(batch_id = %id))]
pub async fn cancel(
    State(state): State<AppState>,
    Developer(project): Developer,
    IdPath(id): IdPath,
) -> ApiResult<Json<BatchCancelView>> {
    let done = state.store.cancel_batch(project.id, id).await?;
    tracing::info!(
        cancelled = done.cancelled,
        stopping = done.stopping,
        "batch cancel requested"
    );
    state.events.all_jobs_changed();
    Ok(Json(BatchCancelView {
        id,
        cancelled: done.cancelled,
        stopping: done.stopping,
    }))
}

#[tracing::instrument(skip_all, fields(batch_id = %id))]
pub async fn get_one(
    State(state): State<AppState>,
    User(project): User,
    IdPath(id): IdPath,
) -> ApiResult<Json<BatchView>> {
    let batch = state.store.get_batch(project.id, id).await?;
    Ok(Json(batch_view(&state, batch).await?))
}

async fn batch_view(state: &AppState, batch: Batch) -> ApiResult<BatchView> {
    let filter = JobFilter {
        status: None,
        batch: Some(batch.id),
        limit: u32::try_from(MAX_BATCH_JOBS).unwrap_or(u32::MAX),
    };
    let mut jobs = state.store.list_jobs(batch.project_id, &filter).await?;
    // Listed newest first; a batch reads in the order it was submitted.
    jobs.reverse();
    let mut counts = BatchCounts::default();
    let mut views = Vec::with_capacity(jobs.len());
    for job in jobs {
        count(&mut counts, job.status);
        views.push(batch_job(job)?);
    }
    Ok(BatchView {
        id: batch.id,
        parallel: batch.parallel,
        created_at: batch.created_at,
        counts,
        jobs: views,
    })
}

fn count(counts: &mut BatchCounts, status: JobStatus) {
    let slot = match status {
        JobStatus::Queued => &mut counts.queued,
        JobStatus::Running => &mut counts.running,
        JobStatus::Succeeded => &mut counts.succeeded,
        JobStatus::Failed => &mut counts.failed,
        JobStatus::Cancelled => &mut counts.cancelled,
    };
    *slot += 1;
}

fn batch_job(job: Job) -> ApiResult<BatchJob> {
    let spec: JobSpec = parse_stored_spec(&job)?;
    Ok(BatchJob {
        id: job.id,
        input: spec.metadata.labels.get(LABEL_BATCH_INPUT).cloned(),
        status: job.status,
        reason: job.reason,
        exit_code: job.exit_code,
        message: job.message,
    })
}
