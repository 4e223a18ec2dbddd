//! `rgrid dev`: the local grid (server + runner in one process, SQLite, local files).
//! `rgrid run` starts it in the background on demand; it stops after an idle timeout.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::cli::DevArgs;
use crate::local_grid::{self, GridFile};
use crate::ui::Ui;

/// The runner's heartbeat timeout on the local grid: one machine, so short.
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(30);

pub async fn run(args: DevArgs, ui: &Ui) -> anyhow::Result<i32> {
    let home = local_grid::home()?;
    std::fs::create_dir_all(&home)
        .with_context(|| format!("cannot create the local grid directory {}", home.display()))?;
    // Held until this grid exits: no two grids ever share a home (and its SQLite database).
    let _home_lock = lock_home(&home)?;
    let listen = args.listen.parse().map_err(|_| {
        crate::UsageError(format!(
            "`--listen {}` is not an address like 127.0.0.1:8080",
            args.listen
        ))
    })?;
    let config = rgrid_server::ServerConfig {
        listen,
        database_url: format!("sqlite://{}", home.join("grid.db").display()),
        data_dir: home.clone(),
        public_url: None,
        api_key: None,
        bootstrap_token: None,
        // One machine, one user: its key also runs `rgrid nodes`, drains and sees all cost.
        operator_key: None,
        startup_key_operates: true,
        heartbeat_timeout: HEARTBEAT_TIMEOUT,
        timeout_grace: rgrid_server::config::DEFAULT_TIMEOUT_GRACE,
        recheck: rgrid_server::config::DEFAULT_RECHECK,
        // The local grid is one machine with its own runner: nothing to scale.
        orchestrator: None,
        storage: rgrid_server::config::Storage::Local,
        retention: Some(rgrid_server::retention::DEFAULT_RETENTION),
    };
    let server = rgrid_server::start(config)
        .await
        .context("cannot start the local grid's server")?;

    let shutdown = CancellationToken::new();
    let runner_config = rgrid_runner::RunnerConfig {
        server_url: server.url().to_string(),
        bootstrap_token: server.bootstrap_token().to_string(),
        name: node_name(&home),
        slots: args.slots.unwrap_or_else(default_slots),
        work_root: home.join("work"),
        cache_root: home.join("cache"),
        ca_bundle: ca_bundle(),
        executor: executor_choice()?,
        heartbeat_interval: Some(Duration::from_secs(5)),
    };
    let runner = tokio::spawn(rgrid_runner::run(runner_config, shutdown.clone()));

    write_grid_file(&home, server.url())?;
    if !args.background {
        ui.note(format!(
            "local grid at {} (state in {})",
            server.url(),
            home.display()
        ));
        ui.note("jobs from `rgrid run` in other terminals run here; Ctrl-C stops it");
    }
    tracing::info!(url = server.url(), "local grid ready");

    wait_for_stop(&server, args.idle_timeout).await;
    remove_grid_file(&home);
    shutdown.cancel();
    match tokio::time::timeout(Duration::from_secs(30), runner).await {
        Ok(Ok(Err(err))) => tracing::warn!(error = %err, "runner stopped with an error"),
        Ok(Err(err)) => tracing::warn!(error = %err, "runner task failed"),
        Err(_) => tracing::warn!("runner did not stop within 30 s"),
        Ok(Ok(Ok(()))) => {}
    }
    server.shutdown().await;
    Ok(crate::exit::OK)
}

async fn wait_for_stop(server: &rgrid_server::RunningServer, idle_timeout: u64) {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(err) => {
                tracing::warn!(error = %err, "cannot watch SIGTERM; stop with Ctrl-C");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return,
            _ = terminate.recv() => return,
            _ = tick.tick() => {
                if idle_timeout > 0
                    && server.idle_for() > Duration::from_secs(idle_timeout)
                    && server.active_jobs().await == 0
                {
                    tracing::info!(idle_timeout, "local grid idle; stopping");
                    return;
                }
            }
        }
    }
}

/// Locks `grid.lock` in the home for this process's lifetime (the OS releases it on exit,
/// also after a crash); a grid already holding it is named in the error.
fn lock_home(home: &Path) -> anyhow::Result<std::fs::File> {
    let path = home.join("grid.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            let running = std::fs::read_to_string(local_grid::grid_file(home))
                .ok()
                .and_then(|t| serde_json::from_str::<GridFile>(&t).ok());
            match running {
                Some(grid) => anyhow::bail!(
                    "a local grid is already running for {} (pid {}, {}); `rgrid run` uses \
                     it, or stop it with `kill {}` and start `rgrid dev` again",
                    home.display(),
                    grid.pid,
                    grid.url,
                    grid.pid
                ),
                None => anyhow::bail!(
                    "a local grid is already starting or running for {} (it holds {}); \
                     wait for it or stop it, or set RGRID_HOME to another directory",
                    home.display(),
                    path.display()
                ),
            }
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

fn write_grid_file(home: &Path, url: &str) -> anyhow::Result<()> {
    let grid = GridFile {
        url: url.to_string(),
        pid: std::process::id(),
    };
    let path = local_grid::grid_file(home);
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(&grid)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
}

fn remove_grid_file(home: &Path) {
    let path = local_grid::grid_file(home);
    let ours = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str::<GridFile>(&t).ok())
        .is_some_and(|g| g.pid == std::process::id());
    if ours {
        let _ = std::fs::remove_file(path);
    }
}

/// `local-<hash of RGRID_HOME>`: the runner removes leftover containers of its own name at
/// start, so two local grids sharing one Docker engine must not share a name.
fn node_name(home: &Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(home.to_string_lossy().as_bytes());
    format!("local-{}", &hex::encode(digest)[..8])
}

/// `RGRID_EXECUTOR=docker|process|auto` (default auto: Docker when an engine answers).
fn executor_choice() -> anyhow::Result<rgrid_runner::ExecutorChoice> {
    let value = std::env::var("RGRID_EXECUTOR").unwrap_or_default();
    match value.trim() {
        "" | "auto" => Ok(rgrid_runner::ExecutorChoice::Auto),
        "docker" => Ok(rgrid_runner::ExecutorChoice::Docker),
        "process" => Ok(rgrid_runner::ExecutorChoice::Process),
        other => Err(crate::UsageError(format!(
            "`RGRID_EXECUTOR={other}` is not an executor; use docker, process or auto"
        ))
        .into()),
    }
}

fn default_slots() -> u32 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1)
}

/// The CA bundle passed into requirement installs: `RGRID_CA_BUNDLE`, else the system's.
fn ca_bundle() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("RGRID_CA_BUNDLE").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    let system = Path::new("/etc/ssl/certs/ca-certificates.crt");
    system.exists().then(|| system.to_path_buf())
}
