//! A JSON request body whose problems answer as an [`ApiError`] (with our error body) rather
//! than axum's plain-text rejections, and which does not insist on a `Content-Type`.

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
