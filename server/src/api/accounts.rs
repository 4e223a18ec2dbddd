//! Account-level calls with a user's personal token: the account's projects and members.
//! A user who is not a member of the account gets 404, as if the account did not exist.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rgrid_spec::access::{
    CreateProjectRequest, CreatedKey, CreatedProject, Me, MemberList, MemberView, ProjectList,
    ProjectView, SetMemberRequest,
};

use super::auth::AccountUser;
use super::keys::key_view;
use super::{ApiError, ApiResult, AppState, JsonBody};
use crate::access::{check_slug, create_api_key, parse_role};
use crate::store::{Project, Role, StoreError, User};

/// Name of the key a new project comes with.
const FIRST_KEY_NAME: &str = "first key";

pub async fn me(AccountUser(user): AccountUser) -> Json<Me> {
    Json(Me { email: user.email })
}

#[tracing::instrument(skip_all, fields(account = %account))]
pub async fn list_projects(
    State(state): State<AppState>,
    AccountUser(user): AccountUser,
    Path(account): Path<String>,
) -> ApiResult<Json<ProjectList>> {
    require_role(&state, &account, &user, Role::Viewer).await?;
    let projects = state.store.list_projects(&account).await?;
    Ok(Json(ProjectList {
        projects: projects.into_iter().map(project_view).collect(),
    }))
}

#[tracing::instrument(skip_all, fields(account = %account))]
pub async fn create_project(
    State(state): State<AppState>,
    AccountUser(user): AccountUser,
    Path(account): Path<String>,
    JsonBody(request): JsonBody<CreateProjectRequest>,
) -> ApiResult<(StatusCode, Json<CreatedProject>)> {
    require_role(&state, &account, &user, Role::Admin).await?;
    check_slug("project", &request.slug).map_err(|message| ApiError::BadRequest {
        code: "invalid_slug",
        message,
        field: Some("slug".into()),
    })?;
    let existing = state.store.list_projects(&account).await?;
    if existing.iter().any(|p| p.slug == request.slug) {
        return Err(ApiError::Conflict(format!(
            "project `{account}/{}` already exists",
            request.slug
        )));
    }
    let project = state.store.ensure_project(&account, &request.slug).await?;
    let store = state.store.as_ref();
    let (info, secret) = create_api_key(store, project.id, FIRST_KEY_NAME, Role::Admin).await?;
    tracing::info!(project = %project.slug, "project created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedProject {
            project: project_view(project),
            key: CreatedKey {
                key: key_view(info),
                secret,
            },
        }),
    ))
}

#[tracing::instrument(skip_all, fields(account = %account))]
pub async fn list_members(
    State(state): State<AppState>,
    AccountUser(user): AccountUser,
    Path(account): Path<String>,
) -> ApiResult<Json<MemberList>> {
    require_role(&state, &account, &user, Role::Viewer).await?;
    let members = state.store.members(&account).await?;
    Ok(Json(MemberList {
        members: members
            .into_iter()
            .map(|m| MemberView {
                email: m.user.email,
                role: m.role.to_string(),
            })
            .collect(),
    }))
}

#[tracing::instrument(skip_all, fields(account = %account))]
pub async fn set_member(
    State(state): State<AppState>,
    AccountUser(user): AccountUser,
    Path(account): Path<String>,
    JsonBody(request): JsonBody<SetMemberRequest>,
) -> ApiResult<Json<MemberView>> {
    require_role(&state, &account, &user, Role::Owner).await?;
    let role = parse_role(&request.role).map_err(|message| ApiError::BadRequest {
        code: "invalid_role",
        message,
        field: Some("role".into()),
    })?;
    let member = state.store.user_by_email(&request.email).await?;
    if member.id == user.id && role != Role::Owner {
        return Err(last_owner_guard());
    }
    state.store.set_role(&account, member.id, role).await?;
    tracing::info!(role = %role, "member role set");
    Ok(Json(MemberView {
        email: member.email,
        role: role.to_string(),
    }))
}

#[tracing::instrument(skip_all, fields(account = %account))]
pub async fn remove_member(
    State(state): State<AppState>,
    AccountUser(user): AccountUser,
    Path((account, email)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    require_role(&state, &account, &user, Role::Owner).await?;
    let member = state.store.user_by_email(&email).await?;
    if member.id == user.id {
        return Err(last_owner_guard());
    }
    state.store.remove_member(&account, member.id).await?;
    tracing::info!("member removed");
    Ok(StatusCode::NO_CONTENT)
}

/// 404 for a non-member (the account's existence is not revealed), 403 for a weaker role.
async fn require_role(
    state: &AppState,
    account: &str,
    user: &User,
    needed: Role,
) -> ApiResult<Role> {
    let role = match state.store.role_of(account, user.id).await {
        Ok(role) => role,
        Err(StoreError::NotFound(_)) => return Err(ApiError::NotFound("account")),
        Err(err) => return Err(err.into()),
    };
    if role.allows(needed) {
        Ok(role)
    } else {
        Err(ApiError::Forbidden(format!(
            "your role in account `{account}` is `{role}`; this needs `{needed}`"
        )))
    }
}

/// An owner demoting or removing themselves could leave the account without an owner.
fn last_owner_guard() -> ApiError {
    ApiError::Conflict("owners cannot demote or remove themselves; ask another owner".into())
}

fn project_view(project: Project) -> ProjectView {
    ProjectView {
        id: project.id,
        account: project.account,
        slug: project.slug,
    }
}
