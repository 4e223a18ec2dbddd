//! What the caller's key grants (`whoami`), and the project's keys: list, create, revoke.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rgrid_spec::access::{CreateKeyRequest, CreatedKey, KeyList, KeyView, WhoAmI};

use super::auth::{Caller, ProjectAdmin};
use super::{ApiError, ApiResult, AppState, JsonBody};
use crate::access::{create_api_key, parse_role};
use crate::store::{ApiKeyInfo, Role};

pub async fn whoami(Caller(grant): Caller) -> Json<WhoAmI> {
    Json(WhoAmI {
        account: grant.project.account,
        project: grant.project.slug,
        role: grant.role.to_string(),
        key_id: grant.key_id,
    })
}

#[tracing::instrument(skip_all, fields(project = %admin.project.slug))]
pub async fn list(
    State(state): State<AppState>,
    ProjectAdmin(admin): ProjectAdmin,
) -> ApiResult<Json<KeyList>> {
    let keys = state.store.list_api_keys(admin.project.id).await?;
    Ok(Json(KeyList {
        keys: keys.into_iter().map(key_view).collect(),
    }))
}

#[tracing::instrument(skip_all, fields(project = %admin.project.slug))]
pub async fn create(
    State(state): State<AppState>,
    ProjectAdmin(admin): ProjectAdmin,
    JsonBody(request): JsonBody<CreateKeyRequest>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    let role = match request.role.as_deref() {
        None => Role::Developer,
        Some(text) => parse_role(text).map_err(|message| ApiError::BadRequest {
            code: "invalid_role",
            message,
            field: Some("role".into()),
        })?,
    };
    if !admin.role.allows(role) || role == Role::Owner {
        return Err(ApiError::Forbidden(format!(
            "a key can get at most the role of the key that makes it (`{}`), and never `owner`",
            admin.role
        )));
    }
    let name = request.name.trim();
    if name.is_empty() {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            message: "a key needs a name, e.g. \"ci\" or \"laptop\"".into(),
            field: Some("name".into()),
        });
    }
    let (info, secret) = create_api_key(state.store.as_ref(), admin.project.id, name, role).await?;
    tracing::info!(key_id = info.id, role = %info.role, "api key created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            key: key_view(info),
            secret,
        }),
    ))
}

#[tracing::instrument(skip_all, fields(project = %admin.project.slug, key_id))]
pub async fn revoke(
    State(state): State<AppState>,
    ProjectAdmin(admin): ProjectAdmin,
    Path(key_id): Path<String>,
) -> ApiResult<Json<KeyView>> {
    // Not a number, or another project's number: either way no such key here.
    let key_id: i64 = key_id.parse().map_err(|_| ApiError::NotFound("api key"))?;
    tracing::Span::current().record("key_id", key_id);
    let info = state.store.revoke_api_key(admin.project.id, key_id).await?;
    tracing::info!("api key revoked");
    Ok(Json(key_view(info)))
}

pub fn key_view(info: ApiKeyInfo) -> KeyView {
    KeyView {
        id: info.id,
        name: info.name,
        role: info.role.to_string(),
        prefix: info.prefix,
        created_at: info.created_at,
        last_used_at: info.last_used_at,
        revoked_at: info.revoked_at,
    }
}
