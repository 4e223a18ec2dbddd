//! `/blobs/{key}`: the embedded object store's side of its presigned URLs. A request is served
//! only with a signature for exactly this method and key that has not expired.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::uploads::body_stream;
use super::{ApiError, ApiResult, AppState};

#[derive(Debug, Deserialize)]
pub struct Signed {
    method: Option<String>,
    expires: Option<i64>,
    sig: Option<String>,
}

pub async fn get(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(signed): Query<Signed>,
) -> ApiResult<Response> {
    authorize(&state, "GET", &key, &signed)?;
    let object = state.blobs.get(&key).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, object.size.to_string()),
        ],
        Body::from_stream(object.body),
    )
        .into_response())
}

pub async fn put(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(signed): Query<Signed>,
    body: Body,
) -> ApiResult<StatusCode> {
    authorize(&state, "PUT", &key, &signed)?;
    let receipt = state.blobs.put(&key, body_stream(body), None).await?;
    tracing::debug!(size = receipt.size, "object stored");
    Ok(StatusCode::OK)
}

fn authorize(state: &AppState, method: &str, key: &str, signed: &Signed) -> ApiResult<()> {
    let Some(signer) = &state.signer else {
        return Err(ApiError::NotFound("embedded object storage"));
    };
    let forbidden = |why: &str| ApiError::Forbidden(format!("{why}; ask the server for a new URL"));
    let (Some(given_method), Some(expires), Some(sig)) =
        (&signed.method, signed.expires, &signed.sig)
    else {
        return Err(forbidden("the URL is not signed"));
    };
    if given_method != method {
        return Err(forbidden(&format!(
            "the URL is signed for {given_method}, not {method}"
        )));
    }
    let now = chrono::Utc::now().timestamp();
    signer
        .verify(method, key, expires, sig, now)
        .map_err(|err| forbidden(&err.to_string()))
}
