//! Request parts whose problems answer as an [`ApiError`] (with our error body) rather
//! than as axum's plain-text rejections. The JSON body does not insist on a `Content-Type`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::ApiError;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<JsonBody<T>, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                ApiError::bad_request(
                    "invalid_request",
                    format!("cannot read the body: {rejection}"),
                )
            })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|err| {
            ApiError::bad_request(
                "invalid_request",
                format!("the JSON body is invalid: {err}"),
            )
        })
    }
}

/// The one id in a route's path (`{id}` or `{eid}`); a malformed one answers with our error
/// body instead of axum's plain text.
pub struct IdPath(pub uuid::Uuid);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<IdPath, ApiError> {
        let axum::extract::Path(text) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|rejection| ApiError::bad_request("invalid_id", rejection.body_text()))?;
        uuid::Uuid::parse_str(&text).map(IdPath).map_err(|_| {
            ApiError::bad_request("invalid_id", format!("{text:?} is not an id (a UUID)"))
        })
    }
}
