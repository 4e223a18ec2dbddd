//! Who may do what: accounts, users and their roles, API keys, bootstrap tokens.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Project;

/// A role, from most to least powerful. Owners manage members; admins manage projects and
/// keys; developers submit, cancel and download; viewers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Developer,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Developer, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Developer => "developer",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub slug: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user: User,
    pub role: Role,
}

pub struct NewApiKey<'a> {
    pub project_id: Uuid,
    pub name: &'a str,
    /// Owner is an account role; a key gets at most admin.
    pub role: Role,
    /// The first characters of the key, shown in listings.
    pub prefix: &'a str,
    /// SHA-256 (hex) of the key; the key itself is never stored.
    pub key_hash: &'a str,
}

/// An API key as listings show it: never the key or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    pub id: i64,
    pub project_id: Uuid,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What a valid API key lets its bearer do: `role` within `project`, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGrant {
    pub key_id: i64,
    pub project: Project,
    pub role: Role,
}

pub struct NewBootstrapToken<'a> {
    pub name: &'a str,
    /// SHA-256 (hex) of the token.
    pub token_hash: &'a str,
    /// How many registrations it allows.
    pub uses: u32,
    pub expires_at: DateTime<Utc>,
}

/// An operator key or a personal token as listings show it: never the secret or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new operator key or personal token: its name, prefix and SHA-256 (hex).
pub struct NewToken<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
}
