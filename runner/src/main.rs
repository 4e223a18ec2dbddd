//! `rgrid-runner`: the node agent binary. See the library for what it does.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, ValueEnum};
use rgrid_runner::watchdog::{self, Watchdog};
use rgrid_runner::{config, ExecutorChoice, RunnerConfig};
use tokio_util::sync::CancellationToken;

/// Runs rgrid jobs on this machine: registers with the server, claims jobs, runs them in
/// containers, streams their logs and uploads their outputs.
#[derive(Debug, Parser)]
#[command(name = "rgrid-runner", version)]
struct Args {
    /// Base URL of the rgrid API.
    #[arg(long = "server", env = "RGRID_SERVER", value_name = "URL")]
    server: String,
    /// Bootstrap token, exchanged for a node token at registration. On the command line every
    /// user of the machine sees it in `ps`: prefer `--bootstrap-token-file` or the variable
    /// `RGRID_BOOTSTRAP_TOKEN` (the runner warns when this flag is used).
    #[arg(long, value_name = "TOKEN")]
    bootstrap_token: Option<String>,
    /// Read the bootstrap token from this file (first line); wins over the flag and the
    /// variable `RGRID_BOOTSTRAP_TOKEN`.
    #[arg(long, env = "RGRID_BOOTSTRAP_TOKEN_FILE", value_name = "PATH")]
    bootstrap_token_file: Option<PathBuf>,
    /// Node name shown by the server and put on containers [default: host name].
    #[arg(long, env = "RGRID_NODE_NAME")]
    name: Option<String>,
    /// Jobs run at the same time [default: number of CPUs].
    #[arg(long, env = "RGRID_SLOTS")]
    slots: Option<u32>,
    /// Parent of the per-job work directories `<work-root>/<job_id>`.
    #[arg(long, env = "RGRID_WORK_ROOT", default_value = "/work")]
    work_root: PathBuf,
    /// Where requirement venvs are cached.
    #[arg(long, env = "RGRID_CACHE_ROOT", default_value = "/var/cache/rgrid")]
    cache_root: PathBuf,
    /// CA bundle mounted into requirement installs (PIP_CERT, SSL_CERT_FILE,
    /// REQUESTS_CA_BUNDLE), for HTTPS through a TLS-inspecting proxy.
    #[arg(long, env = "RGRID_CA_BUNDLE", value_name = "PATH")]
    ca_bundle: Option<PathBuf>,
    /// How jobs run.
    #[arg(long, env = "RGRID_EXECUTOR", value_enum, default_value_t = Executor::Docker)]
    executor: Executor,
    /// After SIGTERM, how long running jobs may take to finish before the runner exits.
    #[arg(
        long,
        env = "RGRID_DRAIN_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = 3600
    )]
    drain_timeout: u64,
}

/// After a hard stop, how long killing the jobs and releasing them may take.
const HARD_STOP_BOUND: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Executor {
    Docker,
    Process,
    Auto,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if let Ok(instance) = std::env::var(watchdog::WATCHDOG_ENV) {
        let containers = std::env::var(watchdog::WATCHDOG_CONTAINERS_ENV).as_deref() != Ok("0");
        return watchdog::run(&instance, containers)
            .await
            .context("the job watchdog failed");
    }
    let args = Args::parse();
    let drain = Duration::from_secs(args.drain_timeout);
    let config = runner_config(args)?;
    // Kills the jobs (containers, process groups) if this process dies before them.
    let containers = config.executor != ExecutorChoice::Process;
    let _watchdog = Watchdog::spawn(containers).context("cannot start the job watchdog")?;

    let shutdown = CancellationToken::new();
    let hard_stop = CancellationToken::new();
    let runner = tokio::spawn(rgrid_runner::run_until(
        config,
        shutdown.clone(),
        hard_stop.clone(),
    ));
    tokio::pin!(runner);
    tokio::select! {
        result = &mut runner => return result.context("runner task")?.context("runner failed"),
        signal = stop_signal() => signal?,
    }
    tracing::info!(
        drain_secs = drain.as_secs(),
        "stopping: no new claims, draining jobs (stop again to stop now)"
    );
    shutdown.cancel();
    let why = tokio::select! {
        result = &mut runner => return result.context("runner task")?.context("runner failed"),
        () = tokio::time::sleep(drain) => "the drain timeout passed",
        signal = stop_signal() => signal.map(|()| "a second stop signal")?,
    };
    tracing::warn!(
        why,
        "stopping now: killing running jobs and giving them back"
    );
    hard_stop.cancel();
    match tokio::time::timeout(HARD_STOP_BOUND, &mut runner).await {
        Ok(result) => result.context("runner task")?.context("runner failed"),
        Err(_) => bail!(
            "jobs did not stop within {} s; exiting anyway",
            HARD_STOP_BOUND.as_secs()
        ),
    }
}

fn runner_config(args: Args) -> anyhow::Result<RunnerConfig> {
    if args.bootstrap_token.is_some() {
        tracing::warn!(
            "--bootstrap-token puts the token on the command line, where every user of this \
             machine can read it (`ps`); use --bootstrap-token-file PATH or RGRID_BOOTSTRAP_TOKEN"
        );
    }
    let from_env = std::env::var("RGRID_BOOTSTRAP_TOKEN")
        .ok()
        .filter(|token| !token.trim().is_empty());
    // A file named on purpose wins over the flag, which wins over the environment.
    let bootstrap_token = match (args.bootstrap_token_file, args.bootstrap_token.or(from_env)) {
        (None, Some(token)) => token.trim().to_string(),
        (Some(path), _) => std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the bootstrap token from {}", path.display()))?
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        (None, None) => bail!(
            "no bootstrap token: put it in a file named by --bootstrap-token-file (or \
             RGRID_BOOTSTRAP_TOKEN_FILE), or in RGRID_BOOTSTRAP_TOKEN; the operator mints one \
             with `rgrid-server admin mint-bootstrap-token`"
        ),
    };
    if bootstrap_token.is_empty() {
        bail!("the bootstrap token is empty; check --bootstrap-token-file");
    }
    Ok(RunnerConfig {
        server_url: args.server,
        bootstrap_token,
        name: args.name.unwrap_or_else(config::host_name),
        slots: args.slots.unwrap_or_else(config::default_slots),
        work_root: args.work_root,
        cache_root: args.cache_root,
        ca_bundle: args.ca_bundle,
        executor: match args.executor {
            Executor::Docker => ExecutorChoice::Docker,
            Executor::Process => ExecutorChoice::Process,
            Executor::Auto => ExecutorChoice::Auto,
        },
        heartbeat_interval: None,
    })
}

/// Resolves on SIGTERM or Ctrl-C (a fresh listener each call, so a second signal is seen).
async fn stop_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    tokio::select! {
        _ = term.recv() => {}
        result = tokio::signal::ctrl_c() => result.context("cannot listen for Ctrl-C")?,
    }
    Ok(())
}
