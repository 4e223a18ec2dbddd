//! The node agent: picks an executor, clears leftovers, registers, then runs `slots` worker
//! loops that each claim and run one job at a time until shutdown.

use std::sync::Arc;
use std::time::Duration;

use rgrid_spec::api::{RegisterRequest, RegisterResponse};
use tokio_util::sync::CancellationToken;

use crate::client::{ApiClient, ClientError};
use crate::executor::docker::DockerExecutor;
use crate::executor::process::ProcessExecutor;
use crate::executor::{Executor, ExecutorError, ExecutorSettings};
use crate::job::{run_job, JobContext};
use crate::{ExecutorChoice, RunnerConfig};

/// How long one claim waits on the server for a job.
const CLAIM_WAIT_SECS: u64 = 20;
/// Pause after a claim that failed even after the client's retries.
const CLAIM_PAUSE: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("invalid runner configuration: {0}")]
    Config(String),
    #[error("cannot use the {executor} executor: {source}")]
    Executor {
        executor: &'static str,
        #[source]
        source: ExecutorError,
    },
    #[error("registration failed: {0}")]
    Register(#[source] ClientError),
    #[error("the node token was refused: {0}")]
    Unauthorized(#[source] ClientError),
}

/// How long a stopping runner tries to give its unfinished executions back to the server.
const RELEASE_BOUND: Duration = Duration::from_secs(15);

/// Runs the agent until `shutdown` is cancelled or the server drains the node: no new claims
/// after that, running jobs finish, then it returns.
pub async fn run(config: RunnerConfig, shutdown: CancellationToken) -> Result<(), RunnerError> {
    run_until(config, shutdown, CancellationToken::new()).await
}

/// [`run`], and when `hard_stop` is cancelled too (the drain deadline passed, or a second
/// stop signal), running jobs are killed now and given back to the server unfinished, which
/// requeues them at once.
pub async fn run_until(
    config: RunnerConfig,
    shutdown: CancellationToken,
    hard_stop: CancellationToken,
) -> Result<(), RunnerError> {
    if config.slots == 0 {
        return Err(RunnerError::Config("slots must be at least 1".into()));
    }
    let executor = choose_executor(&config).await?;
    tracing::info!(executor = executor.name(), node = %config.name, "executor chosen");
    executor
        .remove_leftovers()
        .await
        .map_err(|source| RunnerError::Executor {
            executor: executor.name(),
            source,
        })?;

    let api = ApiClient::new(&config.server_url).map_err(RunnerError::Register)?;
    let request = RegisterRequest {
        bootstrap_token: config.bootstrap_token.clone(),
        name: config.name.clone(),
        slots: config.slots,
        executor: executor.name().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let Some(registered) = register(&api, &request, &shutdown).await? else {
        return Ok(());
    };
    tracing::info!(node_id = %registered.node_id, slots = config.slots, "registered");

    let heartbeat_interval = config.heartbeat_interval.unwrap_or(Duration::from_secs(
        registered.heartbeat_interval_secs.max(1),
    ));
    let slots = config.slots;
    let ctx = Arc::new(JobContext {
        client: api.node(registered.node_token),
        executor,
        config,
        heartbeat_interval,
        heartbeat_timeout: registered.heartbeat_timeout_secs.map(Duration::from_secs),
        hard_stop,
        drain: CancellationToken::new(),
    });
    let mut workers = tokio::task::JoinSet::new();
    for slot in 0..slots {
        workers.spawn(work_slot(ctx.clone(), slot, shutdown.clone()));
    }
    let mut outcome = Ok(());
    while let Some(done) = workers.join_next().await {
        match done {
            Ok(Err(err)) => {
                // A refused node token will not get better: stop every slot.
                shutdown.cancel();
                outcome = Err(err);
            }
            Ok(Ok(())) => {}
            Err(err) => tracing::error!(error = %err, "a slot panicked"),
        }
    }
    release(&ctx).await;
    tracing::info!("runner stopped");
    outcome
}

/// Hands back whatever the server still counts as running here: jobs a hard stop killed, and
/// a claim the server granted while the runner stopped listening for its answer.
async fn release(ctx: &JobContext) {
    match tokio::time::timeout(RELEASE_BOUND, ctx.client.release()).await {
        Ok(Ok(answer)) if answer.released > 0 => {
            tracing::warn!(
                released = answer.released,
                "gave unfinished jobs back to the queue"
            );
        }
        Ok(Ok(_)) => {}
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "could not give jobs back; the server's reaper will");
        }
        Err(_) => tracing::warn!("the server did not answer the release; its reaper will"),
    }
}

/// Registers, waiting out a server that is not up yet (a node may boot before it); a refusal
/// ends the runner. `None` when shutdown came first.
async fn register(
    api: &ApiClient,
    request: &RegisterRequest,
    shutdown: &CancellationToken,
) -> Result<Option<RegisterResponse>, RunnerError> {
    loop {
        let answer = tokio::select! {
            answer = api.register(request) => answer,
            () = shutdown.cancelled() => return Ok(None),
        };
        match answer {
            Ok(registered) => return Ok(Some(registered)),
            Err(err) if err.is_transient() => {
                tracing::warn!(error = %err, "server not reachable yet; registering again");
            }
            Err(err) => return Err(RunnerError::Register(err)),
        }
        tokio::select! {
            () = tokio::time::sleep(CLAIM_PAUSE) => {}
            () = shutdown.cancelled() => return Ok(None),
        }
    }
}

async fn choose_executor(config: &RunnerConfig) -> Result<Arc<dyn Executor>, RunnerError> {
    let settings = ExecutorSettings {
        node: config.name.clone(),
        cache_root: config.cache_root.clone(),
        ca_bundle: config.ca_bundle.clone(),
    };
    let use_docker = match config.executor {
        ExecutorChoice::Docker => true,
        ExecutorChoice::Process => false,
        ExecutorChoice::Auto => DockerExecutor::engine_answers().await,
    };
    if use_docker {
        let docker =
            DockerExecutor::connect(settings)
                .await
                .map_err(|source| RunnerError::Executor {
                    executor: "docker",
                    source,
                })?;
        Ok(Arc::new(docker))
    } else {
        Ok(Arc::new(ProcessExecutor::new(settings).await))
    }
}

/// One slot: claim, run, repeat, until shutdown.
async fn work_slot(
    ctx: Arc<JobContext>,
    slot: u32,
    shutdown: CancellationToken,
) -> Result<(), RunnerError> {
    while !shutdown.is_cancelled() && !ctx.drain.is_cancelled() {
        // A claim dropped here on shutdown may already have been granted: the release when the
        // runner stops gives it back.
        let claimed = tokio::select! {
            answer = ctx.client.claim(CLAIM_WAIT_SECS) => answer,
            () = shutdown.cancelled() => break,
        };
        match claimed {
            Ok(answer) => {
                if let Some(assignment) = answer.assignment {
                    run_job(&ctx, assignment).await;
                }
                if answer.drain && !ctx.drain.is_cancelled() {
                    tracing::info!(slot, "the server is draining this node: exiting when idle");
                    ctx.drain.cancel();
                }
            }
            Err(
                err @ ClientError::Refused {
                    status: 401 | 403, ..
                },
            ) => {
                return Err(RunnerError::Unauthorized(err));
            }
            Err(err) => {
                tracing::warn!(slot, error = %err, "claim failed");
                tokio::select! {
                    () = tokio::time::sleep(CLAIM_PAUSE) => {}
                    () = shutdown.cancelled() => break,
                }
            }
        }
    }
    Ok(())
}
