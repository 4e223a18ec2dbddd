//! What the orchestrator needs from a place that runs servers: create one, delete one, list
//! the ones it created (by label or, locally, by its own records).

use async_trait::async_trait;

/// A server to create. Its runner registers under `name`.
pub struct ServerRequest {
    pub name: String,
    /// The API URL the runner talks to.
    pub server_url: String,
    /// Single-use where the server supports it; a secret, masked in `Debug`.
    pub bootstrap_token: String,
    /// Jobs the runner runs at once.
    pub slots: u32,
}

impl std::fmt::Debug for ServerRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerRequest")
            .field("name", &self.name)
            .field("server_url", &self.server_url)
            .field("bootstrap_token", &"<hidden>")
            .field("slots", &self.slots)
            .finish()
    }
}

/// A server the provider holds for us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderServer {
    /// The provider's id (Hetzner's numeric id, a local process id).
    pub id: String,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the request and repeating it will not help (bad type, quota).
    #[error("{provider} refused: {message}")]
    Refused {
        provider: &'static str,
        message: String,
    },
    /// Worth another try later: rate limit, 5xx, network.
    #[error("{provider} failed, will retry: {message}")]
    Transient {
        provider: &'static str,
        message: String,
    },
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// `local` or `hetzner`, for logs and metrics.
    fn name(&self) -> &'static str;

    /// Orders a server and answers its id once the provider has accepted it (it may still be
    /// booting).
    async fn create(&self, request: &ServerRequest) -> Result<ProviderServer, ProviderError>;

    /// Deletes a server. A server that is already gone counts as deleted.
    async fn delete(&self, id: &str) -> Result<(), ProviderError>;

    /// Every server this grid created that still exists.
    async fn list(&self) -> Result<Vec<ProviderServer>, ProviderError>;
}
