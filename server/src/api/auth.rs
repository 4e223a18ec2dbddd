//! Credentials: API keys for users, node tokens for runners. Both are stored only as SHA-256
//! hashes; the request's bearer value is hashed and looked up.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::{ApiError, AppState};
use crate::store::{Node, Project, StoreError};

/// The project of the API key a user request carries.
pub struct User(pub Project);

/// The node whose token a runner request carries.
pub struct Runner(pub Node);

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<User, ApiError> {
        let key = bearer(parts).ok_or(ApiError::Unauthorized)?;
        match state.store.project_for_key(&hash_secret(key)).await {
            Ok(project) => Ok(User(project)),
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
