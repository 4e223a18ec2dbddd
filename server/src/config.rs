//! What a server is started with, and masking of the secrets inside it for messages and logs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::blobs::S3Settings;
use crate::orchestrator::OrchestratorSettings;

/// How long a runner may stay silent before its executions are abandoned and requeued.
pub const DEFAULT_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long past its job's timeout an execution may still run before the server abandons it.
/// Covers what the runner does outside the job's own timeout: pulling the image, installing
/// requirements (bounded by 15 min on the runner), downloading inputs, uploading outputs.
pub const DEFAULT_TIMEOUT_GRACE: Duration = Duration::from_secs(30 * 60);

/// How long a long poll or log stream waits before it looks at the store again on its own.
pub const DEFAULT_RECHECK: Duration = crate::api::events::RECHECK;

#[derive(Clone)]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free port (see `RunningServer::url`).
    pub listen: SocketAddr,
    /// `postgres://…`, `sqlite:…` or a plain SQLite file path.
    pub database_url: String,
    /// Holds the secrets (`api-key`, `bootstrap-token`, `signing-key`) and `objects/`.
    pub data_dir: PathBuf,
    /// Base of the URLs handed to runners and users; defaults to the bound URL.
    pub public_url: Option<String>,
    /// The API key of project `local/default`; else `<data_dir>/api-key`, made on first start.
    pub api_key: Option<String>,
    /// The runners' bootstrap token; else `<data_dir>/bootstrap-token`, made on first start.
    pub bootstrap_token: Option<String>,
    /// An operator key (the grid-wide credential: nodes, draining, every project's cost) to
    /// register at start, for deployments set up by configuration; `rgrid-server admin
    /// operator-key create` makes more. A revoked one stays revoked.
    pub operator_key: Option<String>,
    /// The start-up API key may also operate the grid. True for a grid on one machine whose
    /// only user is its owner (the embedded grid: `rgrid nodes` works without signing in);
    /// false for a shared server, where project keys must not see or drain the shared nodes.
    pub startup_key_operates: bool,
    pub heartbeat_timeout: Duration,
    /// The timeout backstop: see [`DEFAULT_TIMEOUT_GRACE`].
    pub timeout_grace: Duration,
    /// See [`DEFAULT_RECHECK`].
    pub recheck: Duration,
    /// Grow and shrink the pool of nodes; `None` leaves nodes to the operator.
    pub orchestrator: Option<OrchestratorSettings>,
    pub storage: Storage,
    /// How long uploads and job outputs are kept after their last use (see
    /// [`crate::retention`]); `None` keeps them forever.
    pub retention: Option<Duration>,
}

/// Where objects (uploads, artifacts) are kept.
#[derive(Debug, Clone)]
pub enum Storage {
    /// Files under `<data_dir>/objects`, behind URLs this server signs and serves.
    Local,
    /// One bucket of an S3-compatible service, behind the provider's presigned URLs.
    S3(S3Settings),
}

impl ServerConfig {
    /// A server for one machine: loopback on a free port, SQLite and objects in `data_dir`.
    pub fn local(data_dir: &Path) -> ServerConfig {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: sqlite_url(data_dir),
            data_dir: data_dir.to_path_buf(),
            public_url: None,
            api_key: None,
            bootstrap_token: None,
            operator_key: None,
            startup_key_operates: true,
            heartbeat_timeout: DEFAULT_HEARTBEAT_TIMEOUT,
            timeout_grace: DEFAULT_TIMEOUT_GRACE,
            recheck: DEFAULT_RECHECK,
            orchestrator: None,
            storage: Storage::Local,
            retention: Some(crate::retention::DEFAULT_RETENTION),
        }
    }
}

/// The default database: `rgrid.db` in the data directory.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("rgrid.db").display())
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |secret: &Option<String>| secret.as_ref().map(|_| "<hidden>");
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("database_url", &mask_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("public_url", &self.public_url)
            .field("api_key", &hidden(&self.api_key))
            .field("bootstrap_token", &hidden(&self.bootstrap_token))
            .field("operator_key", &hidden(&self.operator_key))
            .field("startup_key_operates", &self.startup_key_operates)
            .field("heartbeat_timeout", &self.heartbeat_timeout)
            .field("timeout_grace", &self.timeout_grace)
            .field("recheck", &self.recheck)
            .field("orchestrator", &self.orchestrator)
            .field("storage", &self.storage)
            .field("retention", &self.retention)
            .finish()
    }
}

/// The URL with any password replaced by `****`, fit for messages and logs.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // The userinfo ends at the last `@` before the path; a password may itself hold `@`.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let Some((user, _password)) = userinfo.split_once(':') else {
        return url.to_string();
    };
    format!("{scheme}://{user}:****{}", &rest[at..])
}

/// `text` with every occurrence of the URL's password replaced, for driver errors that might
/// quote it.
pub fn mask_password_in(text: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .map(|(_, rest)| &rest[..rest.find('/').unwrap_or(rest.len())])
        .and_then(|authority| authority.rfind('@').map(|at| &authority[..at]))
        .and_then(|userinfo| userinfo.split_once(':'))
        .map(|(_, password)| password)
        .filter(|password| !password.is_empty());
    match password {
        Some(password) => text.replace(password, "****"),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask_url("postgres://rgrid:s3cr@t@db:5432/rgrid"),
            "postgres://rgrid:****@db:5432/rgrid"
        );
        assert_eq!(
            mask_url("postgres://rgrid@db/rgrid"),
            "postgres://rgrid@db/rgrid"
        );
        assert_eq!(mask_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(
            mask_password_in("login for s3cr@t failed", "postgres://u:s3cr@t@h/d"),
            "login for **** failed"
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let mut config = ServerConfig::local(Path::new("/d"));
        config.api_key = Some("rg_secret".into());
        config.database_url = "postgres://u:pw@h/d".into();
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("rg_secret") && !shown.contains(":pw@"),
            "{shown}"
        );
    }
}
