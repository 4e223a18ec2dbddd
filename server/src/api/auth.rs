//! Credentials: API keys for projects, personal tokens for users, operator keys for the grid as
//! a whole, node tokens for runners. All are stored only as SHA-256 hashes; the request's
//! bearer value is hashed and looked up in the table of the kind the route takes.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};
use crate::store::{KeyGrant, Node, Project, Role, StoreError, TokenInfo};

/// The project of the API key a user request carries; any role (reading).
pub struct User(pub Project);

/// The project of an API key whose role may submit, cancel, upload and download.
pub struct Developer(pub Project);

/// An API key whose role may manage the project's keys.
pub struct ProjectAdmin(pub KeyGrant);

/// Whatever API key the request carries, with its grant (for `whoami`).
pub struct Caller(pub KeyGrant);

/// The user whose personal token the request carries (account-level calls).
pub struct AccountUser(pub crate::store::User);

/// The node whose token a runner request carries.
pub struct Runner(pub Node);

/// The operator key a grid-wide request carries (nodes, draining, node revocation). A project
/// API key gets 403 naming what is needed; any other credential 401.
pub struct Operator(pub TokenInfo);

/// How much of the grid a caller may see in grid-wide figures (cost): an operator key sees
/// every project, a project API key (any role) its own project's share.
pub enum Scope {
    Grid,
    Project(Project),
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Operator, ApiError> {
        let key = bearer(parts).ok_or(ApiError::Unauthorized)?;
        let hash = hash_secret(key);
        match state.store.operator_key(&hash).await {
            Ok(info) => return Ok(Operator(info)),
            Err(StoreError::NotFound(_)) => {}
            Err(err) => return Err(err.into()),
        }
        match state.store.key_grant(&hash).await {
            Ok(grant) => Err(ApiError::Forbidden(format!(
                "this is an API key of project `{}/{}`; nodes are shared by every project, so \
                 this needs an operator key. The grid's operator makes one with `rgrid-server \
                 admin operator-key create NAME` and uses it with `rgrid login --server URL` \
                 or `RGRID_API_KEY`",
                grant.project.account, grant.project.slug
            ))),
            Err(StoreError::NotFound(_)) => Err(ApiError::Unauthorized),
            Err(err) => Err(err.into()),
        }
    }
}

impl FromRequestParts<AppState> for Scope {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Scope, ApiError> {
        let key = bearer(parts).ok_or(ApiError::Unauthorized)?;
        match state.store.operator_key(&hash_secret(key)).await {
            Ok(_) => Ok(Scope::Grid),
            Err(StoreError::NotFound(_)) => {
                let Caller(grant) = Caller::from_request_parts(parts, state).await?;
                Ok(Scope::Project(grant.project))
            }
            Err(err) => Err(err.into()),
        }
    }
}

/// Whether the request's bearer is also a (not revoked) operator key, for routes that show
/// more to operators (every node in `rgrid top`'s snapshots). Never rejects.
pub struct IsOperator(pub bool);

impl FromRequestParts<AppState> for IsOperator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<IsOperator, ApiError> {
        let Some(key) = bearer(parts) else {
            return Ok(IsOperator(false));
        };
        match state.store.operator_key(&hash_secret(key)).await {
            Ok(_) => Ok(IsOperator(true)),
            Err(StoreError::NotFound(_)) => Ok(IsOperator(false)),
            Err(err) => Err(err.into()),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let key = bearer(parts).ok_or(ApiError::Unauthorized)?;
        match state.store.key_grant(&hash_secret(key)).await {
            Ok(grant) => Ok(Caller(grant)),
            Err(StoreError::NotFound(_)) => Err(ApiError::Unauthorized),
            Err(err) => Err(err.into()),
        }
    }
}

/// The caller's grant when its role allows `needed`, else 403 naming the role.
async fn grant_with(
    parts: &mut Parts,
    state: &AppState,
    needed: Role,
) -> Result<KeyGrant, ApiError> {
    let Caller(grant) = Caller::from_request_parts(parts, state).await?;
    if grant.role.allows(needed) {
        return Ok(grant);
    }
    Err(ApiError::Forbidden(format!(
        "this API key has role `{}` in project `{}`, which cannot do this (it needs `{needed}`); \
         ask a project admin for a key with that role",
        grant.role, grant.project.slug
    )))
}

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<User, ApiError> {
        Ok(User(grant_with(parts, state, Role::Viewer).await?.project))
    }
}

impl FromRequestParts<AppState> for Developer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Developer, ApiError> {
        Ok(Developer(
            grant_with(parts, state, Role::Developer).await?.project,
        ))
    }
}

impl FromRequestParts<AppState> for ProjectAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ProjectAdmin, ApiError> {
        Ok(ProjectAdmin(grant_with(parts, state, Role::Admin).await?))
    }
}

impl FromRequestParts<AppState> for AccountUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<AccountUser, ApiError> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        match state.store.user_for_token(&hash_secret(token)).await {
            Ok(user) => Ok(AccountUser(user)),
            Err(StoreError::NotFound(_)) => Err(ApiError::Unauthorized),
            Err(err) => Err(err.into()),
        }
    }
}

impl FromRequestParts<AppState> for Runner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Runner, ApiError> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        match state.store.node_for_token(&hash_secret(token)).await {
            Ok(node) => Ok(Runner(node)),
            Err(StoreError::NotFound(_)) => Err(ApiError::Unauthorized),
            Err(err) => Err(err.into()),
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The lower-case hex SHA-256 of a secret, as the store keeps it.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time that depends only on their lengths.
pub fn secrets_equal(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_exactly() {
        assert!(secrets_equal("abc", "abc"));
        assert!(!secrets_equal("abc", "abd"));
        assert!(!secrets_equal("abc", "abcd"));
        assert_eq!(hash_secret("x").len(), 64);
    }
}
