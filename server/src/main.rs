//! `rgrid-server serve`: the API server as a process, configured by flags and `RGRID_*`
//! environment variables (a flag wins over its variable).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use rgrid_server::blobs::S3Settings;
use rgrid_server::config::{
    sqlite_url, Storage, DEFAULT_HEARTBEAT_TIMEOUT, DEFAULT_RECHECK, DEFAULT_TIMEOUT_GRACE,
};
use rgrid_server::config_file::{orchestrator_settings, FileConfig};
use rgrid_server::retention::{parse_retention, DEFAULT_RETENTION};
use rgrid_server::ServerConfig;

mod admin;

#[derive(Debug, Parser)]
#[command(name = "rgrid-server", version, about = "The rgrid API server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API until SIGTERM or Ctrl-C.
    Serve(Box<ServeArgs>),
    /// Create accounts, users, projects and keys; mint bootstrap tokens; revoke nodes.
    Admin(admin::AdminArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "RGRID_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// `postgres://user:password@host/db`, or `sqlite:///path/rgrid.db` [default: rgrid.db in
    /// the data directory].
    #[arg(long, env = "RGRID_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,

    /// Where secrets and stored objects live [default: the XDG data dir `rgrid/server`].
    #[arg(long, env = "RGRID_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Base URL clients and runners reach this server at [default: the bound URL].
    #[arg(long, env = "RGRID_PUBLIC_URL")]
    public_url: Option<String>,

    /// File holding the API key of project local/default (else env `RGRID_SERVER_API_KEY`,
    /// else `<data-dir>/api-key`, created on first start).
    #[arg(long)]
    api_key_file: Option<PathBuf>,

    /// File holding an operator key to register at start (else env
    /// `RGRID_SERVER_OPERATOR_KEY`); `rgrid-server admin operator-key create` makes more.
    #[arg(long)]
    operator_key_file: Option<PathBuf>,

    /// Seconds a runner may stay silent before its jobs are retried elsewhere.
    #[arg(long, env = "RGRID_HEARTBEAT_TIMEOUT", default_value_t = DEFAULT_HEARTBEAT_TIMEOUT.as_secs())]
    heartbeat_timeout: u64,

    /// Seconds past a job's timeout its execution may still run (image pull, requirements,
    /// inputs, outputs) before the server abandons it, in case its runner did not stop it.
    #[arg(long, env = "RGRID_TIMEOUT_GRACE", default_value_t = DEFAULT_TIMEOUT_GRACE.as_secs())]
    timeout_grace: u64,

    /// Seconds a waiting log follower or claim looks at the database again on its own. On
    /// Postgres, changes made through other servers wake waiters at once (LISTEN/NOTIFY); this
    /// is the fallback for a lost notification.
    #[arg(long, env = "RGRID_RECHECK", value_name = "SECS",
          default_value_t = DEFAULT_RECHECK.as_secs())]
    recheck: u64,

    /// How long uploads and job outputs are kept after their last use before the sweeper
    /// deletes them: `7d`, `12h`, `30m`, `45s`; `0` or `none` keeps them for ever. Else the
    /// config file's `retention`, else 7d.
    #[arg(long, env = "RGRID_RETENTION", value_name = "DURATION")]
    retention: Option<String>,

    /// TOML file with the orchestrator's settings (see docs/operator.md); `RGRID_*` variables
    /// override its values.
    #[arg(long, env = "RGRID_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,

    /// Write the bound URL to this file once the server accepts requests.
    #[arg(long)]
    url_file: Option<PathBuf>,

    #[command(flatten)]
    s3: S3Args,
}

/// Objects in an S3-compatible bucket instead of `<data-dir>/objects`: set `--s3-bucket`.
#[derive(Debug, clap::Args)]
struct S3Args {
    /// Keep objects in this bucket (it must exist) instead of the data directory.
    #[arg(long, env = "RGRID_S3_BUCKET")]
    s3_bucket: Option<String>,

    /// S3 endpoint of MinIO, Hetzner and other services, e.g. `https://fsn1.your-objectstorage.com`
    /// [default: AWS's endpoint for the region].
    #[arg(long, env = "RGRID_S3_ENDPOINT")]
    s3_endpoint: Option<String>,

    #[arg(long, env = "RGRID_S3_REGION", default_value = "us-east-1")]
    s3_region: String,

    #[arg(long, env = "RGRID_S3_ACCESS_KEY_ID", hide_env_values = true)]
    s3_access_key_id: Option<String>,

    /// File holding the secret access key (else env `RGRID_S3_SECRET_ACCESS_KEY`).
    #[arg(long)]
    s3_secret_access_key_file: Option<PathBuf>,
}

impl S3Args {
    fn storage(&self) -> anyhow::Result<Storage> {
        let Some(bucket) = self.s3_bucket.clone() else {
            return Ok(Storage::Local);
        };
        let access_key_id = self.s3_access_key_id.clone().context(
            "--s3-bucket needs an access key: set --s3-access-key-id or RGRID_S3_ACCESS_KEY_ID",
        )?;
        let secret_access_key = match &self.s3_secret_access_key_file {
            Some(path) => read_secret_file(path, "S3 secret access key")?,
            None => non_empty_env("RGRID_S3_SECRET_ACCESS_KEY").context(
                "--s3-bucket needs a secret key: set --s3-secret-access-key-file or \
                 RGRID_S3_SECRET_ACCESS_KEY",
            )?,
        };
        Ok(Storage::S3(S3Settings {
            endpoint: self.s3_endpoint.clone(),
            bucket,
            region: self.s3_region.clone(),
            access_key_id,
            secret_access_key,
        }))
    }
}

#[tokio::main]
async fn main() {
    init_logging();
    let result = match Cli::parse().command {
        Command::Serve(args) => serve(*args).await,
        Command::Admin(args) => admin::run(args).await,
    };
    if let Err(err) = result {
        eprintln!("rgrid-server: error: {err:#}");
        std::process::exit(1);
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = config_from(&args)?;
    let server = rgrid_server::start(config).await?;
    let store = server.state().store.backend();
    eprintln!(
        "rgrid-server listening on {} (store: {store})",
        server.url()
    );
    if let Some(path) = &args.url_file {
        write_atomically(path, server.url())
            .with_context(|| format!("cannot write the URL to {}", path.display()))?;
    }
    shutdown_signal().await;
    eprintln!("rgrid-server: shutting down");
    server.shutdown().await;
    Ok(())
}

impl ServeArgs {
    fn data_dir(&self) -> anyhow::Result<PathBuf> {
        match &self.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => Ok(dirs::data_dir()
                .context("no data directory is known for this user; pass --data-dir")?
                .join("rgrid")
                .join("server")),
        }
    }
}

fn config_from(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let data_dir = args.data_dir()?;
    let api_key = match &args.api_key_file {
        Some(path) => Some(read_secret_file(path, "API key")?),
        None => non_empty_env("RGRID_SERVER_API_KEY"),
    };
    let operator_key = match &args.operator_key_file {
        Some(path) => Some(read_secret_file(path, "operator key")?),
        None => non_empty_env("RGRID_SERVER_OPERATOR_KEY"),
    };
    let file = match &args.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    let orchestrator = orchestrator_settings(&file, &non_empty_env, &data_dir)?;
    let retention = match (&args.retention, &file.retention) {
        (Some(text), _) => parse_retention(text)
            .map_err(|e| anyhow::anyhow!("--retention / RGRID_RETENTION: {e}"))?,
        (None, Some(text)) => parse_retention(text).map_err(|e| {
            anyhow::anyhow!(
                "`retention` in the config file {}: {e}",
                show_path(&args.config)
            )
        })?,
        (None, None) => Some(DEFAULT_RETENTION),
    };
    Ok(ServerConfig {
        listen: args.listen,
        database_url: args
            .database_url
            .clone()
            .unwrap_or_else(|| sqlite_url(&data_dir)),
        data_dir,
        public_url: args.public_url.clone(),
        api_key,
        bootstrap_token: non_empty_env("RGRID_BOOTSTRAP_TOKEN"),
        operator_key,
        // A shared server: project keys must not operate the grid.
        startup_key_operates: false,
        heartbeat_timeout: Duration::from_secs(args.heartbeat_timeout.max(1)),
        timeout_grace: Duration::from_secs(args.timeout_grace),
        recheck: Duration::from_secs(args.recheck.max(1)),
        orchestrator,
        storage: args.s3.storage()?,
        retention,
    })
}

fn show_path(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map_or_else(String::new, |p| p.display().to_string())
}

fn read_secret_file(path: &Path, what: &str) -> anyhow::Result<String> {
    let key = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} file {}", path.display()))?;
    let key = key.trim();
    if key.is_empty() {
        bail!(
            "the {what} file {} is empty; put the key in it",
            path.display()
        );
    }
    Ok(key.to_string())
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Writes through a temporary file and a rename, so a reader never sees half a URL.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, format!("{text}\n"))?;
    std::fs::rename(&partial, path)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(cause = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(cause = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
