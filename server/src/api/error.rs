//! API errors: a short message and a stable code for the client, the full cause to the log.
//!
//! Internal causes are logged once, when they turn into an [`ApiError`], inside the handler's
//! span (which carries the job and execution ids). Database text never reaches a client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rgrid_spec::api::{
    ErrorBody, ErrorDetail, CODE_INVALID_SPEC, CODE_NOT_FOUND, CODE_STALE_EXECUTION,
    CODE_UNAUTHORIZED,
};
use rgrid_spec::SpecError;

use crate::blobs::BlobError;
use crate::store::StoreError;

#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    NotFound(&'static str),
    InvalidSpec(SpecError),
    /// A malformed request other than a spec: `code` is stable, `field` optional.
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// A signed URL that is tampered with, expired, or for another method or object.
    Forbidden(String),
    Stale,
    Conflict(String),
    /// What was asked for existed and was deleted for good (outputs past retention).
    Gone {
        code: &'static str,
        message: String,
    },
    /// Something broke on our side; the cause has already been logged.
    Internal,
    /// Not now (the database is slow or away); worth another try later.
    Unavailable(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// Logs `cause` once with the current span's fields and answers 500.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(cause = %cause, "request failed");
        ApiError::Internal
    }

    fn parts(self) -> (StatusCode, &'static str, String, Option<String>) {
        match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                CODE_UNAUTHORIZED,
                "missing or unknown credentials; pass `Authorization: Bearer <key>`".into(),
                None,
            ),
            ApiError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                CODE_NOT_FOUND,
                format!("{what} not found"),
                None,
            ),
            ApiError::InvalidSpec(err) => (
                StatusCode::BAD_REQUEST,
                CODE_INVALID_SPEC,
                err.to_string(),
                Some(err.field),
            ),
            ApiError::BadRequest {
                code,
                message,
                field,
            } => (StatusCode::BAD_REQUEST, code, message, field),
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, "forbidden", message, None),
            ApiError::Stale => (
                StatusCode::CONFLICT,
                CODE_STALE_EXECUTION,
                "this execution is no longer current; stop working on it".into(),
                None,
            ),
            ApiError::Conflict(message) => (StatusCode::CONFLICT, "conflict", message, None),
            ApiError::Gone { code, message } => (StatusCode::GONE, code, message, None),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the server failed to handle the request; see its log".into(),
                None,
            ),
            ApiError::Unavailable(message) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                message,
                None,
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field) = self.parts();
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                field,
            },
        };
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match err {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Stale => ApiError::Stale,
            StoreError::Conflict(message) => ApiError::Conflict(message),
            other => ApiError::internal(&other),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(err: BlobError) -> ApiError {
        match err {
            BlobError::NotFound => ApiError::NotFound("object"),
            BlobError::InvalidKey(message) => ApiError::bad_request("invalid_key", message),
            BlobError::DigestMismatch { expected, actual } => ApiError::bad_request(
                "sha256_mismatch",
                format!("the body has sha256 {actual}, not {expected}; nothing was stored"),
            ),
            other => ApiError::internal(&other),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
