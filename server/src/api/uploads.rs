//! Files a user uploads as job inputs, addressed by their SHA-256 so each is stored once: in
//! one PUT, or for large files in parts that survive an interrupted connection.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use futures::{StreamExt, TryStreamExt};
use rgrid_spec::api::{
    HeldRequest, HeldView, SessionRequest, UploadSession, UploadView, MAX_HELD_QUERY,
};

use super::auth::Developer;
use super::{ApiError, ApiResult, AppState, JsonBody};
use crate::blobs::{Blobs, ByteStream};
use crate::store::{Project, UploadRecord};

/// Size of each part of a multipart upload but the last. Bounds what an interrupted part
/// costs to send again.
pub const PART_SIZE: u64 = 8 << 20;

/// Where a project's upload with this hash lives.
pub fn upload_key(project: &Project, sha256: &str) -> String {
    format!("uploads/{}/{}/{sha256}", project.account, project.slug)
}

/// Where the parts of a multipart upload wait for `complete`. The size is part of the folder,
/// so two sessions for the same content but different declared sizes never mix their parts.
/// Parts nobody completes are deleted by the retention sweeper (they have no row).
fn parts_dir(project: &Project, sha256: &str, size: u64) -> String {
    format!(
        "uploads/{}/{}/parts/{sha256}/{size}",
        project.account, project.slug
    )
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

/// Of these hashes, the ones the project holds, each marked used now (so the retention
/// sweeper keeps it while the job that will name it is submitted). The upload rows decide:
/// one query, whatever the number of hashes or the storage backend.
pub async fn held(
    state: &AppState,
    project: &Project,
    shas: &[String],
) -> ApiResult<HashSet<String>> {
    let keys: Vec<String> = shas.iter().map(|sha| upload_key(project, sha)).collect();
    let touched = state.store.touch_uploads(project.id, &keys).await?;
    Ok(touched
        .iter()
        .filter_map(|key| key.rsplit('/').next())
        .map(str::to_string)
        .collect())
}

async fn record(
    state: &AppState,
    project: &Project,
    key: String,
    sha: &str,
    size: u64,
) -> ApiResult<()> {
    let record = UploadRecord {
        object_key: key,
        project_id: project.id,
        sha256: sha.to_string(),
        size,
    };
    state.store.record_upload(&record).await?;
    Ok(())
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
    record(&state, &project, key, &sha, receipt.size).await?;
    tracing::info!(sha256 = %sha, size = receipt.size, "upload stored");
    Ok(Json(view(sha, receipt.size)))
}

fn view(sha: String, size: u64) -> UploadView {
    UploadView {
        url: format!("rgrid://uploads/{sha}"),
        sha256: sha,
        size,
    }
}

pub async fn head(
    State(state): State<AppState>,
    Developer(project): Developer,
    Path(sha256): Path<String>,
) -> ApiResult<StatusCode> {
    let sha = checked_sha(&sha256)?;
    if held(&state, &project, std::slice::from_ref(&sha))
        .await?
        .is_empty()
    {
        Ok(StatusCode::NOT_FOUND)
    } else {
        Ok(StatusCode::OK)
    }
}

/// `POST /v1/uploads/held`: which of many contents the project holds, in one request.
#[tracing::instrument(skip_all, fields(project = %project.slug))]
pub async fn held_many(
    State(state): State<AppState>,
    Developer(project): Developer,
    JsonBody(request): JsonBody<HeldRequest>,
) -> ApiResult<Json<HeldView>> {
    if request.sha256.len() > MAX_HELD_QUERY {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!(
                "asks about {} hashes, more than {MAX_HELD_QUERY}; ask in several requests",
                request.sha256.len()
            ),
        ));
    }
    let shas = request
        .sha256
        .iter()
        .map(|sha| checked_sha(sha))
        .collect::<ApiResult<Vec<String>>>()?;
    let found = held(&state, &project, &shas).await?;
    let held = shas.into_iter().filter(|sha| found.contains(sha)).collect();
    Ok(Json(HeldView { held }))
}

fn part_count(size: u64) -> u64 {
    size.div_ceil(PART_SIZE).max(1)
}

/// The length part `n` of a file of `size` bytes must have.
fn part_len(size: u64, n: u64) -> u64 {
    size.saturating_sub(n * PART_SIZE).min(PART_SIZE)
}

/// The parts already received whole, in order.
async fn received(state: &AppState, dir: &str, size: u64) -> ApiResult<Vec<u64>> {
    let prefix = format!("{dir}/");
    let mut parts: Vec<u64> = state
        .blobs
        .list(&prefix)
        .await?
        .into_iter()
        .filter_map(|object| {
            let n: u64 = object.key.strip_prefix(&prefix)?.parse().ok()?;
            (n < part_count(size) && object.size == part_len(size, n)).then_some(n)
        })
        .collect();
    parts.sort_unstable();
    parts.dedup();
    Ok(parts)
}

/// `POST /v1/uploads/{sha256}/session`: starts a multipart upload, or resumes one, answering
/// which parts arrived. The session is the (project, hash, size) triple: nothing else to keep.
#[tracing::instrument(skip_all, fields(project = %project.slug))]
pub async fn session(
    State(state): State<AppState>,
    Developer(project): Developer,
    Path(sha256): Path<String>,
    JsonBody(request): JsonBody<SessionRequest>,
) -> ApiResult<Json<UploadSession>> {
    let sha = checked_sha(&sha256)?;
    let is_held = !held(&state, &project, std::slice::from_ref(&sha))
        .await?
        .is_empty();
    let received = if is_held {
        Vec::new()
    } else {
        received(
            &state,
            &parts_dir(&project, &sha, request.size),
            request.size,
        )
        .await?
    };
    Ok(Json(UploadSession {
        sha256: sha,
        size: request.size,
        part_size: PART_SIZE,
        part_count: part_count(request.size),
        received,
        held: is_held,
    }))
}

#[derive(Debug, serde::Deserialize)]
pub struct PartPath {
    sha256: String,
    n: u64,
}

#[derive(Debug, serde::Deserialize)]
pub struct PartQuery {
    /// The whole file's size, as given to `session`.
    size: u64,
}

/// `PUT /v1/uploads/{sha256}/parts/{n}?size=`: one part, streamed to storage; it counts as
/// received only once all of it arrived with the length its place demands.
#[tracing::instrument(skip_all, fields(project = %project.slug, part = path.n))]
pub async fn put_part(
    State(state): State<AppState>,
    Developer(project): Developer,
    Path(path): Path<PartPath>,
    axum::extract::Query(query): axum::extract::Query<PartQuery>,
    body: Body,
) -> ApiResult<StatusCode> {
    let sha = checked_sha(&path.sha256)?;
    if path.n >= part_count(query.size) {
        return Err(ApiError::bad_request(
            "invalid_part",
            format!(
                "part {} is past the end of a {}-byte file ({} parts)",
                path.n,
                query.size,
                part_count(query.size)
            ),
        ));
    }
    let key = format!("{}/{}", parts_dir(&project, &sha, query.size), path.n);
    let receipt = state.blobs.put(&key, body_stream(body), None).await?;
    let expected = part_len(query.size, path.n);
    if receipt.size != expected {
        state.blobs.delete(&key).await?;
        return Err(ApiError::bad_request(
            "invalid_part",
            format!(
                "part {} has {} bytes, expected {expected}; send it again",
                path.n, receipt.size
            ),
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/uploads/{sha256}/complete`: joins the parts into the upload, streaming them
/// through the hash check. A hash that does not match stores nothing and drops the parts.
///
/// What is missing: on S3 the parts are read back from the bucket and written once more
/// through this server. Handing the client presigned `UploadPart` URLs of one S3 multipart
/// upload would save that copy, but `object_store` does not presign parts, and the local
/// backend would still need this path.
#[tracing::instrument(skip_all, fields(project = %project.slug))]
pub async fn complete(
    State(state): State<AppState>,
    Developer(project): Developer,
    Path(sha256): Path<String>,
    JsonBody(request): JsonBody<SessionRequest>,
) -> ApiResult<Json<UploadView>> {
    let sha = checked_sha(&sha256)?;
    let key = upload_key(&project, &sha);
    if !held(&state, &project, std::slice::from_ref(&sha))
        .await?
        .is_empty()
    {
        return Ok(Json(view(sha, request.size)));
    }
    let dir = parts_dir(&project, &sha, request.size);
    let count = part_count(request.size);
    let got = received(&state, &dir, request.size).await?;
    if got.len() as u64 != count {
        return Err(ApiError::Conflict(format!(
            "{} of {count} parts arrived; send the missing ones, then complete again",
            got.len()
        )));
    }
    let joined = joined_parts(state.blobs.clone(), dir.clone(), count);
    let stored = state.blobs.put(&key, joined, Some(&sha)).await;
    if matches!(stored, Err(crate::blobs::BlobError::DigestMismatch { .. })) {
        delete_parts(state.blobs.as_ref(), &dir, count).await;
    }
    let receipt = stored?;
    record(&state, &project, key, &sha, receipt.size).await?;
    delete_parts(state.blobs.as_ref(), &dir, count).await;
    tracing::info!(sha256 = %sha, size = receipt.size, parts = count, "multipart upload stored");
    Ok(Json(view(sha, receipt.size)))
}

/// The parts in order as one stream, each opened only when the one before it is used up.
fn joined_parts(blobs: Arc<dyn Blobs>, dir: String, count: u64) -> ByteStream {
    let parts = futures::stream::iter(0..count).then(move |n| {
        let blobs = blobs.clone();
        let key = format!("{dir}/{n}");
        async move {
            blobs
                .get(&key)
                .await
                .map(|object| object.body)
                .map_err(std::io::Error::other)
        }
    });
    Box::pin(parts.try_flatten())
}

async fn delete_parts(blobs: &dyn Blobs, dir: &str, count: u64) {
    for n in 0..count {
        if let Err(err) = blobs.delete(&format!("{dir}/{n}")).await {
            // The retention sweeper removes what is left.
            tracing::warn!(cause = %err, part = n, "cannot delete an upload part");
        }
    }
}
