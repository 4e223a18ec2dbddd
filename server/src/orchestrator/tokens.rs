//! Where the orchestrator gets the bootstrap token it hands a new node: a fresh one per node,
//! good for one registration until the node's registration deadline. A token read from a
//! server's user data (which stays readable on the server) or a leaked runner environment is
//! therefore worth nothing once its node registered or was declared dead.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::access::mint_bootstrap_token;
use crate::store::{Store, StoreError};

#[async_trait]
pub trait BootstrapTokens: Send + Sync + 'static {
    /// A bootstrap token for the node about to be created under `node_name`.
    async fn fresh_token(&self, node_name: &str) -> Result<String, StoreError>;
}

/// Mints one single-use token per node in the store's bootstrap tokens.
pub struct SingleUseTokens {
    pub store: Arc<dyn Store>,
    /// How long a token is good for: the registration deadline, after which the node is dead
    /// anyway.
    pub ttl: Duration,
}

#[async_trait]
impl BootstrapTokens for SingleUseTokens {
    async fn fresh_token(&self, node_name: &str) -> Result<String, StoreError> {
        let name = format!("node {node_name}");
        mint_bootstrap_token(self.store.as_ref(), &name, 1, self.ttl).await
    }
}
