//! `POST /v1/projects/{slug}/files/upload`: store a file as it streams in and hand back a
//! presigned GET URL for it, to share or to name as a job input.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use rgrid_spec::api::{FileView, FILE_URL_MINUTES};
use serde::Deserialize;

use super::auth::Developer;
use super::uploads::body_stream;
use super::{ApiError, ApiResult, AppState};
use crate::blobs::check_key;
use crate::store::UploadRecord;

/// The URL's life when the request names none.
const DEFAULT_URL_MINUTES: u64 = 60;

#[derive(Debug, Deserialize)]
pub struct FileQuery {
    /// The file's name, kept as the last segment of its key (default `file`).
    name: Option<String>,
    expires_minutes: Option<u64>,
}

/// Needs a developer key: the answer is a URL anyone holding it may read.
#[tracing::instrument(skip_all, fields(project = %project.slug))]
pub async fn upload(
    State(state): State<AppState>,
    Developer(project): Developer,
    Path(slug): Path<String>,
    Query(query): Query<FileQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<FileView>)> {
    // An API key belongs to one project; another project's slug is not there for it.
    if slug != project.slug {
        return Err(ApiError::NotFound("project"));
    }
    let minutes = query.expires_minutes.unwrap_or(DEFAULT_URL_MINUTES);
    if !FILE_URL_MINUTES.contains(&minutes) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!(
                "expires_minutes {minutes} is out of range; give {} to {}",
                FILE_URL_MINUTES.start(),
                FILE_URL_MINUTES.end()
            ),
        ));
    }
    let name = file_name(query.name.as_deref())?;
    // A fresh folder per upload: two files of the same name never replace each other.
    let key = format!(
        "uploads/{}/{}/files/{}/{name}",
        project.account,
        project.slug,
        uuid::Uuid::now_v7()
    );

    let receipt = state.blobs.put(&key, body_stream(body), None).await?;
    let record = UploadRecord {
        object_key: key.clone(),
        project_id: project.id,
        sha256: receipt.sha256.clone(),
        size: receipt.size,
    };
    state.store.record_upload(&record).await?;
    let ttl = Duration::from_secs(minutes * 60);
    let url = state.blobs.presign_get(&key, ttl).await?;
    let expires_at = chrono::Utc::now() + chrono::Duration::minutes(minutes as i64);
    tracing::info!(size = receipt.size, sha256 = %receipt.sha256, "file stored");
    Ok((
        StatusCode::CREATED,
        Json(FileView {
            key,
            size: receipt.size,
            sha256: receipt.sha256,
            url,
            expires_at,
        }),
    ))
}

/// One key segment: no `/`, no `.`/`..`, no control characters.
fn file_name(name: Option<&str>) -> ApiResult<String> {
    let name = name.unwrap_or("file");
    if name.contains('/') || check_key(name).is_err() {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("name {name:?} is not a plain file name; give one without `/` or `..`"),
        ));
    }
    Ok(name.to_string())
}
