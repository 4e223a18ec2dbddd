//! Starting and stopping a whole server: store, credentials, object storage, listener, reaper.
//! The `rgrid-server` binary and the CLI's embedded grid both start servers through [`start`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::auth::hash_secret;
use crate::api::{router, AppState, Events};
use crate::blobs::{Blobs, LocalBlobs, S3Blobs, UrlSigner};
use crate::config::{mask_password_in, mask_url, ServerConfig, Storage};
use crate::orchestrator::hetzner::HetznerProvider;
use crate::orchestrator::local::LocalProvider;
use crate::orchestrator::{
    Orchestrator, OrchestratorSettings, Provider, ProviderSettings, SingleUseTokens,
};
use crate::store::{connect_store, NewApiKey, NewToken, Project, Role, Store, StoreError};
use crate::{reaper, replicas, retention};

pub mod secrets;

/// The account and project an embedded or single-tenant server puts every job in.
pub const DEFAULT_ACCOUNT: &str = "local";
pub const DEFAULT_PROJECT: &str = "default";

/// The name the key a server makes (or is given) at start-up is listed under.
const STARTUP_KEY_NAME: &str = "start-up key";
/// The name the operator key given in the configuration is listed under.
const CONFIGURED_OPERATOR_KEY_NAME: &str = "configured operator key";

/// How many leading characters of a secret listings show: the kind prefix and 8 more, which
/// tell keys apart and leave about 140 random bits unknown.
pub fn key_prefix(secret: &str) -> String {
    let kind = secret.find('_').map_or(0, |i| i + 1);
    secret.chars().take(kind + 8).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot connect to the database at {url}: {cause}; check --database-url")]
    Connect { url: String, cause: String },
    #[error("cannot prepare the database at {url}: {cause}")]
    Database { url: String, cause: String },
    #[error("cannot use {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the orchestrator: {0}")]
    Orchestrator(String),
    #[error("cannot use the S3 bucket: {0}; check the --s3-* settings")]
    Storage(String),
    #[error("cannot listen on {addr}: {source}; pick another --listen address")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A server that is accepting requests. Dropping it without [`RunningServer::shutdown`] leaves
/// the tasks running until the runtime ends.
pub struct RunningServer {
    url: String,
    api_key: String,
    bootstrap_token: String,
    state: AppState,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    reaper: JoinHandle<()>,
    sweeper: Option<JoinHandle<()>>,
    orchestrator: Option<JoinHandle<()>>,
    /// Wake-ups to and from other servers on the same Postgres database.
    replicas: Option<JoinHandle<()>>,
}

pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let data_dir = config.data_dir.clone();
    std::fs::create_dir_all(&data_dir).map_err(|source| data_dir_error(&data_dir, source))?;
    let store = open_store(&config.database_url).await?;
    let db_error = |err: StoreError| ServerError::Database {
        url: mask_url(&config.database_url),
        cause: mask_password_in(&err.to_string(), &config.database_url),
    };
    let project = store
        .ensure_project(DEFAULT_ACCOUNT, DEFAULT_PROJECT)
        .await
        .map_err(db_error)?;
    let api_key = secret(config.api_key.clone(), &data_dir.join("api-key"), "rg_")?;
    register_api_key(store.as_ref(), &project, &api_key)
        .await
        .map_err(db_error)?;
    if config.startup_key_operates {
        register_operator_key(store.as_ref(), &api_key, STARTUP_KEY_NAME)
            .await
            .map_err(db_error)?;
    }
    if let Some(key) = &config.operator_key {
        register_operator_key(store.as_ref(), key, CONFIGURED_OPERATOR_KEY_NAME)
            .await
            .map_err(db_error)?;
    }
    let bootstrap_token = secret(
        config.bootstrap_token.clone(),
        &data_dir.join("bootstrap-token"),
        "rgb_",
    )?;

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.listen,
        source,
    })?;
    let url = url_of(bound);
    let public_url = config.public_url.clone().unwrap_or_else(|| url.clone());

    let (blobs, signer) = open_blobs(&config, &public_url)?;
    let mut state = AppState::new(store.clone(), blobs, signer, &bootstrap_token);
    state.events = Arc::new(Events::new(config.recheck));
    state.settings.heartbeat_interval = (config.heartbeat_timeout / 3).max(Duration::from_secs(1));
    state.settings.retention = config.retention;
    state.settings.heartbeat_timeout = config.heartbeat_timeout;

    let (stop, stopped) = watch::channel(false);
    let replicas = store
        .postgres_pool()
        .map(|pool| replicas::start(pool, state.events.clone(), stopped.clone()));
    let orchestrator = match &config.orchestrator {
        Some(settings) => {
            let orchestrator = Orchestrator::new(
                store.clone(),
                provider_for(settings)?,
                Arc::new(SingleUseTokens {
                    store: store.clone(),
                    ttl: settings.register_deadline,
                }),
                state.events.clone(),
                settings.clone(),
                public_url.clone(),
            );
            state.orchestrator = Some(orchestrator.metrics.clone());
            Some(tokio::spawn(orchestrator.run(stopped.clone())))
        }
        None => None,
    };
    let reaper = tokio::spawn(reaper::run(
        store,
        state.events.clone(),
        config.heartbeat_timeout,
        config.timeout_grace,
        reaper::interval_for(config.heartbeat_timeout),
        stopped.clone(),
    ));
    let sweeper = config.retention.map(|keep| {
        tokio::spawn(retention::run(
            state.store.clone(),
            state.blobs.clone(),
            keep,
            retention::interval_for(keep),
            stopped.clone(),
        ))
    });
    let server = tokio::spawn(serve(listener, state.clone(), stopped));
    tracing::info!(url = %url, public_url = %public_url, "server started");
    Ok(RunningServer {
        url,
        api_key,
        bootstrap_token,
        state,
        stop,
        server,
        reaper,
        sweeper,
        orchestrator,
        replicas,
    })
}

fn provider_for(settings: &OrchestratorSettings) -> Result<Arc<dyn Provider>, ServerError> {
    match &settings.provider {
        ProviderSettings::Local(local) => Ok(Arc::new(LocalProvider::new(local.clone()))),
        ProviderSettings::Hetzner(hetzner) => {
            HetznerProvider::new(hetzner.clone(), &settings.node_type)
                .map(|provider| Arc::new(provider) as Arc<dyn Provider>)
                .map_err(|err| ServerError::Orchestrator(err.to_string()))
        }
    }
}

impl RunningServer {
    /// The URL the server is bound to, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The API key of project `local/default`.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn bootstrap_token(&self) -> &str {
        &self.bootstrap_token
    }

    /// Time since the last user request (runner calls and health checks do not count).
    pub fn idle_for(&self) -> Duration {
        self.state.activity.idle_for()
    }

    /// Jobs queued or running. When the count cannot be read, answers 1: better to stay up
    /// than to stop under a running job.
    pub async fn active_jobs(&self) -> u64 {
        match self.state.store.active_counts().await {
            Ok((queued, running)) => queued + running,
            Err(err) => {
                tracing::warn!(cause = %err, "cannot count active jobs; assuming some");
                1
            }
        }
    }

    /// The state the routes share (store, blobs, events), for callers embedding the server.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting requests, ends long polls at once, lets requests in flight finish, and
    /// stops the reaper.
    pub async fn shutdown(self) {
        self.state.events.close();
        self.stop.send_replace(true);
        match self.server.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::error!(cause = %err, "server ended with an error"),
            Err(err) => tracing::error!(cause = %err, "server task failed"),
        }
        if let Err(err) = self.reaper.await {
            tracing::error!(cause = %err, "reaper task failed");
        }
        if let Some(sweeper) = self.sweeper {
            if let Err(err) = sweeper.await {
                tracing::error!(cause = %err, "retention sweeper task failed");
            }
        }
        if let Some(orchestrator) = self.orchestrator {
            if let Err(err) = orchestrator.await {
                tracing::error!(cause = %err, "orchestrator task failed");
            }
        }
        if let Some(replicas) = self.replicas {
            if let Err(err) = replicas.await {
                tracing::error!(cause = %err, "replica wake-up task failed");
            }
        }
        tracing::info!("server stopped");
    }
}

async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    mut stopped: watch::Receiver<bool>,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            // `stop` only ever turns true, so any change (or its sender gone) means stop.
            let _ = stopped.changed().await;
        })
        .await
}

async fn open_store(database_url: &str) -> Result<Arc<dyn Store>, ServerError> {
    let store = connect_store(database_url)
        .await
        .map_err(|err| ServerError::Connect {
            url: mask_url(database_url),
            cause: mask_password_in(&err.to_string(), database_url),
        })?;
    store.migrate().await.map_err(|err| ServerError::Database {
        url: mask_url(database_url),
        cause: mask_password_in(&err.to_string(), database_url),
    })?;
    Ok(store)
}

type OpenedBlobs = (Arc<dyn Blobs>, Option<Arc<UrlSigner>>);

/// The object storage the configuration names, and the signer `/blobs/…` checks URLs with when
/// this server signs its own (local storage only).
fn open_blobs(config: &ServerConfig, public_url: &str) -> Result<OpenedBlobs, ServerError> {
    match &config.storage {
        Storage::Local => {
            let signing_key = config.data_dir.join("signing-key");
            let signer = UrlSigner::load_or_create(&signing_key)
                .map_err(|source| data_dir_error(&signing_key, source))?;
            let objects = config.data_dir.join("objects");
            let blobs = LocalBlobs::new(objects, public_url, signer.clone());
            Ok((Arc::new(blobs), Some(Arc::new(signer))))
        }
        Storage::S3(settings) => {
            let blobs =
                S3Blobs::new(settings).map_err(|err| ServerError::Storage(err.to_string()))?;
            tracing::info!(
                bucket = %settings.bucket,
                endpoint = settings.endpoint.as_deref().unwrap_or("aws"),
                "objects in S3"
            );
            Ok((Arc::new(blobs), None))
        }
    }
}

/// The configured secret, else the one kept in `path`, else a new one kept there.
fn secret(given: Option<String>, path: &Path, prefix: &str) -> Result<String, ServerError> {
    match given {
        Some(secret) => Ok(secret),
        None => secrets::load_or_create(path, || secrets::random_token(prefix))
            .map_err(|source| data_dir_error(path, source)),
    }
}

/// Stores the key's hash for the project unless the store already knows it.
async fn register_api_key(
    store: &dyn Store,
    project: &Project,
    api_key: &str,
) -> Result<(), StoreError> {
    let hash = hash_secret(api_key);
    match store.key_grant(&hash).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound(_)) => {
            let prefix = key_prefix(api_key);
            let key = NewApiKey {
                project_id: project.id,
                name: STARTUP_KEY_NAME,
                role: Role::Admin,
                prefix: &prefix,
                key_hash: &hash,
            };
            match store.add_api_key(key).await {
                Ok(_) => Ok(()),
                // Known but revoked: it stays revoked, whatever the configuration says.
                Err(StoreError::Conflict(_)) => {
                    tracing::warn!("the configured API key was revoked; it stays refused");
                    Ok(())
                }
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

/// Stores the operator key's hash unless the store already knows it; a revoked one stays
/// revoked.
async fn register_operator_key(store: &dyn Store, key: &str, name: &str) -> Result<(), StoreError> {
    let hash = hash_secret(key);
    match store.operator_key(&hash).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound(_)) => {
            let prefix = key_prefix(key);
            let token = NewToken {
                name,
                prefix: &prefix,
                hash: &hash,
            };
            match store.add_operator_key(token).await {
                Ok(_) => Ok(()),
                Err(StoreError::Conflict(_)) => {
                    tracing::warn!("the configured operator key was revoked; it stays refused");
                    Ok(())
                }
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}

/// A URL a client on this machine can reach: an unspecified address becomes loopback.
fn url_of(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => std::net::Ipv4Addr::LOCALHOST.into(),
        ip if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

fn data_dir_error(path: &Path, source: std::io::Error) -> ServerError {
    ServerError::DataDir {
        path: path.to_path_buf(),
        source,
    }
}
