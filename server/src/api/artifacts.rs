//! The files a job's last execution uploaded, each with a fresh download URL.

use axum::extract::State;
use axum::Json;
use rgrid_spec::api::{ArtifactList, ArtifactView};

use super::auth::Developer;
use super::{ApiResult, AppState, IdPath};

#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn list(
    State(state): State<AppState>,
    Developer(project): Developer,
    IdPath(id): IdPath,
) -> ApiResult<Json<ArtifactList>> {
    // Also proves the job belongs to the caller's project.
    state.store.get_job(project.id, id).await?;
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
