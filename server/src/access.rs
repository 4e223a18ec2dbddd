//! Making credentials: API keys, user tokens and bootstrap tokens. Each is random, handed back
//! once, and stored only as its SHA-256. Shared by the API and `rgrid-server admin`.

use std::time::Duration;

use crate::api::auth::hash_secret;
use crate::app::key_prefix;
use crate::app::secrets::random_token;
use crate::store::{
    ApiKeyInfo, NewApiKey, NewBootstrapToken, NewToken, Role, Store, StoreResult, TokenInfo,
};
use uuid::Uuid;

/// Prefixes that say what kind of secret a string is (and let scanners find leaked ones).
pub const API_KEY_PREFIX: &str = "rg_";
pub const USER_TOKEN_PREFIX: &str = "rgu_";
pub const BOOTSTRAP_TOKEN_PREFIX: &str = "rgb_";
pub const NODE_TOKEN_PREFIX: &str = "rgn_";
pub const OPERATOR_KEY_PREFIX: &str = "rgo_";

/// A new key for the project; the returned secret is its only copy.
pub async fn create_api_key(
    store: &dyn Store,
    project_id: Uuid,
    name: &str,
    role: Role,
) -> StoreResult<(ApiKeyInfo, String)> {
    let secret = random_token(API_KEY_PREFIX);
    let key = NewApiKey {
        project_id,
        name,
        role: role.min(Role::Admin),
        prefix: &key_prefix(&secret),
        key_hash: &hash_secret(&secret),
    };
    let info = store.add_api_key(key).await?;
    Ok((info, secret))
}

/// A new personal token for the user; the returned secret is its only copy.
pub async fn create_user_token(
    store: &dyn Store,
    user_id: Uuid,
    name: &str,
) -> StoreResult<(TokenInfo, String)> {
    let secret = random_token(USER_TOKEN_PREFIX);
    let token = NewToken {
        name,
        prefix: &key_prefix(&secret),
        hash: &hash_secret(&secret),
    };
    let info = store.add_user_token(user_id, token).await?;
    Ok((info, secret))
}

/// A new operator key (nodes, draining, node revocation, every project's cost); the returned
/// secret is its only copy.
pub async fn create_operator_key(
    store: &dyn Store,
    name: &str,
) -> StoreResult<(TokenInfo, String)> {
    let secret = random_token(OPERATOR_KEY_PREFIX);
    let key = NewToken {
        name,
        prefix: &key_prefix(&secret),
        hash: &hash_secret(&secret),
    };
    let info = store.add_operator_key(key).await?;
    Ok((info, secret))
}

/// A new bootstrap token good for `uses` registrations within `ttl`.
pub async fn mint_bootstrap_token(
    store: &dyn Store,
    name: &str,
    uses: u32,
    ttl: Duration,
) -> StoreResult<String> {
    let secret = random_token(BOOTSTRAP_TOKEN_PREFIX);
    let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
    let token = NewBootstrapToken {
        name,
        token_hash: &hash_secret(&secret),
        uses,
        expires_at: chrono::Utc::now() + ttl,
    };
    store.add_bootstrap_token(token).await?;
    Ok(secret)
}

/// Checks an account or project slug: 1 to 63 lower-case letters, digits and `-`, starting
/// with a letter or digit. Slugs end up in object keys and URLs, so nothing else is allowed.
pub fn check_slug(what: &str, slug: &str) -> Result<(), String> {
    let valid = (1..=63).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{what} {slug:?} is not a valid name; use 1 to 63 lower-case letters, digits and \
             `-`, not starting with `-`"
        ))
    }
}

/// A role by name, for messages that say which names exist.
pub fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text)
        .ok_or_else(|| format!("role {text:?} is unknown; use owner, admin, developer or viewer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert!(check_slug("project", "images-2").is_ok());
        for bad in ["", "-x", "Images", "a/b", "a.b", &"x".repeat(64)] {
            assert!(check_slug("project", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn roles_parse_by_name() {
        assert_eq!(parse_role("viewer"), Ok(Role::Viewer));
        assert!(parse_role("root")
            .expect_err("unknown role")
            .contains("owner, admin"));
        assert!(Role::Owner.allows(Role::Admin) && !Role::Viewer.allows(Role::Developer));
    }
}
