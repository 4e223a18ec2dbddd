//! Where the orchestrator gets the bootstrap token it hands a new node.
//!
//! One function on purpose: today every node gets the server's one bootstrap token; once
//! single-use tokens with an expiry exist (issue 3), a second implementation mints one per
//! node and nothing else in the orchestrator changes.

use async_trait::async_trait;

#[async_trait]
pub trait BootstrapTokens: Send + Sync + 'static {
    /// A bootstrap token for the node about to be created under `node_name`.
    async fn fresh_token(&self, node_name: &str) -> Result<String, crate::store::StoreError>;
}

/// The server's one configured bootstrap token, for every node.
pub struct SharedToken(pub String);

#[async_trait]
impl BootstrapTokens for SharedToken {
    async fn fresh_token(&self, _node_name: &str) -> Result<String, crate::store::StoreError> {
        Ok(self.0.clone())
    }
}
