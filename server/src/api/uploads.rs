//! Files a user uploads as job inputs, addressed by their SHA-256 so each is stored once.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use futures::TryStreamExt;
use rgrid_spec::api::UploadView;

use super::auth::Developer;
use super::{ApiError, ApiResult, AppState};
use crate::blobs::ByteStream;
use crate::store::Project;

/// Where a project's upload with this hash lives.
pub fn upload_key(project: &Project, sha256: &str) -> String {
    format!("uploads/{}/{}/{sha256}", project.account, project.slug)
}

/// The hash in the rest of an `rgrid://` URL, `uploads/<sha256>`, when it is one.
pub fn upload_sha(rest: &str) -> Option<&str> {
    rest.strip_prefix("uploads/").filter(|sha| is_sha256(sha))
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn checked_sha(sha256: &str) -> ApiResult<String> {
    let sha = sha256.to_ascii_lowercase();
    if is_sha256(&sha) {
        Ok(sha)
    } else {
        Err(ApiError::bad_request(
            "invalid_sha256",
            "the path must end in 64 hexadecimal digits",
        ))
    }
}

/// The request body as a stream of bytes, never gathered whole.
pub fn body_stream(body: Body) -> ByteStream {
    Box::pin(body.into_data_stream().map_err(std::io::Error::other))
}

#[tracing::instrument(skip_all, fields(project = %project.slug))]
pub async fn put(
    State(state): State<AppState>,
    Developer(project): Developer,
    Path(sha256): Path<String>,
    body: Body,
) -> ApiResult<Json<UploadView>> {
    let sha = checked_sha(&sha256)?;
    let key = upload_key(&project, &sha);
    let receipt = state.blobs.put(&key, body_stream(body), Some(&sha)).await?;
    tracing::info!(sha256 = %sha, size = receipt.size, "upload stored");
    Ok(Json(UploadView {
        url: format!("rgrid://uploads/{sha}"),
        sha256: sha,
        size: receipt.size,
    }))
}

pub async fn head(
    State(state): State<AppState>,
    Developer(project): Developer,
    Path(sha256): Path<String>,
) -> ApiResult<StatusCode> {
    let sha = checked_sha(&sha256)?;
    if state.blobs.exists(&upload_key(&project, &sha)).await? {
        Ok(StatusCode::OK)
    } else {
        Ok(StatusCode::NOT_FOUND)
    }
}
