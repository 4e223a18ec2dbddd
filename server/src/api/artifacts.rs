//! The files a job's last execution uploaded, each with a fresh download URL.

use axum::extract::State;
use axum::Json;
use rgrid_spec::api::{ArtifactList, ArtifactView, CODE_OUTPUTS_EXPIRED};

use crate::retention::show_retention;

use super::auth::Developer;
use super::{ApiError, ApiResult, AppState, IdPath};

#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn list(
    State(state): State<AppState>,
    Developer(project): Developer,
    IdPath(id): IdPath,
) -> ApiResult<Json<ArtifactList>> {
    // Also proves the job belongs to the caller's project.
    let job = state.store.get_job(project.id, id).await?;
    if let (Some(retention), Some(finished)) = (state.settings.retention, job.finished_at) {
        let keep = chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
        if let Some(expired_at) = finished.checked_add_signed(keep) {
            if expired_at <= chrono::Utc::now() {
                return Err(ApiError::Gone {
                    code: CODE_OUTPUTS_EXPIRED,
                    message: format!(
                        "the outputs of job {id} expired on {} (the server keeps outputs for \
                         {} after a job ends); run the job again with `rgrid retry {id}`",
                        expired_at.format("%Y-%m-%d %H:%M UTC"),
                        show_retention(retention),
                    ),
                });
            }
        }
    }
    let stored = state.store.list_artifacts(id).await?;
    let mut artifacts = Vec::with_capacity(stored.len());
    for artifact in stored {
        let url = state
            .blobs
            .presign_get(&artifact.object_key, state.settings.artifact_url_ttl)
            .await?;
        artifacts.push(ArtifactView {
            path: artifact.path,
            size: artifact.size,
            sha256: artifact.sha256,
            content_type: artifact.content_type,
            url,
        });
    }
    Ok(Json(ArtifactList { artifacts }))
}
