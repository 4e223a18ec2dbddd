//! One claimed job from start to finish on one slot: work directory, heartbeats, execution,
//! outputs, logs and the finish call. A stale execution (409 on any call) is abandoned: the
//! job is killed and nothing more is reported for it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rgrid_spec::api::{
    Assignment, EndReason, FinishRequest, LogBatch, OutputFileInfo, OutputsRequest,
};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use crate::client::{ClientError, NodeClient};
use crate::executor::{Executor, JobRun, Outcome};
use crate::logs::{self, LogSink, LogTransport};
use crate::outputs::{self, OutputError};
use crate::workdir::{self, WorkDir};
use crate::{inputs, RunnerConfig};

/// What a slot needs to run jobs.
pub struct JobContext {
    pub client: NodeClient,
    pub executor: Arc<dyn Executor>,
    pub config: RunnerConfig,
    pub heartbeat_interval: Duration,
    /// The server's heartbeat timeout: cut off from the server for longer, an execution has
    /// been abandoned there and handed to another node, so the runner kills it. `None` from
    /// servers that do not say (the runner then waits to hear `stale_execution`).
    pub heartbeat_timeout: Option<Duration>,
    /// Cancelled when the runner must stop now: running jobs are killed and released.
    pub hard_stop: CancellationToken,
    /// Cancelled when the server drains this node: slots claim nothing more and the runner
    /// exits once the jobs running now are done.
    pub drain: CancellationToken,
}

/// Why a job stopped being ours.
#[derive(Default)]
struct Control {
    kill: CancellationToken,
    /// Cancelled with `stale`: nothing more is sent for the execution, logs included.
    gone: CancellationToken,
    stale: AtomicBool,
    cancelled: AtomicBool,
    /// Killed by a hard stop: not finished, given back to the server by the agent.
    released: AtomicBool,
}

impl Control {
    fn abandon(&self) {
        self.stale.store(true, Ordering::SeqCst);
        self.gone.cancel();
        self.kill.cancel();
    }

    fn release(&self) {
        self.released.store(true, Ordering::SeqCst);
        self.kill.cancel();
    }
}

struct ExecutionLogs<'a> {
    client: &'a NodeClient,
    execution: Uuid,
}

#[async_trait::async_trait]
impl LogTransport for ExecutionLogs<'_> {
    async fn send(&self, batch: &LogBatch) -> Result<(), ClientError> {
        self.client.send_logs(self.execution, batch).await
    }
}

/// Runs `assignment` to its end and reports it, unless the execution went stale.
pub async fn run_job(ctx: &JobContext, assignment: Assignment) {
    let span = tracing::info_span!(
        "job",
        job_id = %assignment.job_id,
        execution_id = %assignment.execution_id,
        attempt = assignment.attempt
    );
    run_job_inner(ctx, assignment).instrument(span).await
}

async fn run_job_inner(ctx: &JobContext, assignment: Assignment) {
    tracing::info!("job claimed");
    let control = Arc::new(Control::default());
    let sink = LogSink::new();
    sink.system(&format!(
        "runner {}: executor {}",
        ctx.config.name,
        ctx.executor.name()
    ));

    let logs_done = CancellationToken::new();
    // Heartbeats go on until the logs are delivered and the finish is: a job that ended while
    // the server was away is still this node's, and must not look silent once it is back.
    let shipped = CancellationToken::new();
    let transport = ExecutionLogs {
        client: &ctx.client,
        execution: assignment.execution_id,
    };
    let shipping = async {
        tokio::select! {
            shipped = logs::ship(sink.clone(), &transport, logs_done.clone()) => {
                if shipped.is_err() {
                    control.abandon();
                }
            }
            // An abandoned execution's output is refused anyway; do not wait on a server
            // this node cannot reach.
            () = control.gone.cancelled() => {}
        }
        shipped.cancel();
    };
    let beating = async {
        tokio::select! {
            () = heartbeat(ctx, assignment.execution_id, control.clone()) => {}
            () = ctx.hard_stop.cancelled() => {
                tracing::warn!("hard stop: killing the job; it goes back to the queue");
                control.release();
                // Keep the execution alive on the server until the agent releases it.
                heartbeat(ctx, assignment.execution_id, control.clone()).await;
            }
        }
    };
    let work = execute(ctx, &assignment, &sink, &control);

    let (mut report, (), ()) = tokio::join!(
        async {
            let report = work.await;
            logs_done.cancel();
            report
        },
        async {
            tokio::select! {
                () = beating => {}
                () = shipped.cancelled() => {}
            }
        },
        shipping,
    );
    if control.stale.load(Ordering::SeqCst) {
        tracing::warn!("execution is stale; abandoned without finishing");
        return;
    }
    if control.released.load(Ordering::SeqCst) {
        tracing::warn!("job stopped unfinished; the runner releases it for requeue");
        return;
    }
    if control.cancelled.load(Ordering::SeqCst) {
        report.outcome = Outcome::cancelled().with_cpu_time(report.outcome.cpu_time);
    }

    let finish = FinishRequest {
        reason: report.outcome.reason,
        exit_code: report.outcome.exit_code,
        message: report.outcome.message.clone(),
        artifacts: report.artifacts,
        executor: ctx.executor.name().to_string(),
        cpu_seconds: report.outcome.cpu_time.map(|cpu| cpu.as_secs_f64()),
    };
    let finished = tokio::select! {
        finished = ctx.client.finish(assignment.execution_id, &finish) => finished,
        // Returns only when the server says the execution is no longer ours.
        () = heartbeat(ctx, assignment.execution_id, control.clone()) => Err(ClientError::Stale),
    };
    match finished {
        Ok(()) => tracing::info!(reason = finish.reason.as_str(), "job finished"),
        Err(ClientError::Stale) => tracing::warn!("execution went stale before finish"),
        Err(err) => tracing::error!(error = %err, "could not report the job's end"),
    }
}

/// The outcome and the artifacts that were uploaded.
struct Report {
    outcome: Outcome,
    artifacts: Vec<OutputFileInfo>,
}

impl From<Outcome> for Report {
    fn from(outcome: Outcome) -> Report {
        Report {
            outcome,
            artifacts: Vec::new(),
        }
    }
}

async fn execute(
    ctx: &JobContext,
    assignment: &Assignment,
    sink: &LogSink,
    control: &Control,
) -> Report {
    let work_dir = match WorkDir::create(&ctx.config.work_root, assignment.job_id).await {
        Ok(dir) => dir,
        Err(err) => return Outcome::runner_error(format!("cannot create work dir: {err}")).into(),
    };
    let report = prepare_and_run(ctx, assignment, sink, control, &work_dir).await;
    if let Err(err) = work_dir.remove().await {
        tracing::warn!(error = %err, "could not remove work dir");
    }
    report
}

async fn prepare_and_run(
    ctx: &JobContext,
    assignment: &Assignment,
    sink: &LogSink,
    control: &Control,
    work_dir: &WorkDir,
) -> Report {
    let spec = &assignment.spec;
    if let Err(err) = work_dir.write_sources(spec).await {
        return Outcome::runner_error(format!("cannot write sources: {err}")).into();
    }
    let http = ctx.client.api().http();
    if let Err(err) = inputs::download_all(http, work_dir.path(), &spec.spec.files.inputs).await {
        return Outcome::new(EndReason::InputFailed, err.to_string()).into();
    }
    let before = match workdir::snapshot(work_dir.path()) {
        Ok(before) => before,
        Err(err) => return Outcome::runner_error(format!("cannot list work dir: {err}")).into(),
    };

    let run = JobRun {
        job_id: assignment.job_id,
        execution_id: assignment.execution_id,
        spec,
        work_dir: work_dir.path().to_path_buf(),
        cpu_millis: assignment.cpu_millis,
        memory_bytes: assignment.memory_bytes,
        logs: sink.clone(),
        kill: control.kill.clone(),
    };
    let outcome = ctx.executor.run(&run).await;
    // A failed attempt's files are not uploaded. Missing: keeping partial outputs for
    // debugging needs a rule for which attempt's files a retried job shows.
    if outcome.reason != EndReason::Completed || control.kill.is_cancelled() {
        return outcome.into();
    }
    let cpu_time = outcome.cpu_time;

    let collected = match outputs::collect(work_dir.path(), &spec.spec.files.outputs, &before) {
        Ok(collected) => keep_nameable(collected, sink),
        Err(OutputError::Missing(path)) => {
            return Outcome::new(EndReason::MissingOutput, format!("missing output {path}"))
                .with_cpu_time(cpu_time)
                .into()
        }
        Err(err) => {
            return Outcome::runner_error(err.to_string())
                .with_cpu_time(cpu_time)
                .into()
        }
    };
    match upload(ctx, assignment.execution_id, &collected).await {
        Ok(artifacts) => Report { outcome, artifacts },
        Err(ClientError::Stale) => {
            control.abandon();
            outcome.into()
        }
        Err(err) => Outcome::runner_error(format!("output upload failed: {err}"))
            .with_cpu_time(cpu_time)
            .into(),
    }
}

/// Drops the files whose path no artifact can carry (a backslash or a control character is a
/// legal Linux file name but not an object key), saying so in the job's log, so one odd name
/// does not cost the job its other outputs.
fn keep_nameable(collected: Vec<outputs::Collected>, sink: &LogSink) -> Vec<outputs::Collected> {
    collected
        .into_iter()
        .filter(
            |file| match rgrid_spec::path::check_relative(&file.relative) {
                Ok(()) => true,
                Err(_) => {
                    sink.system(&format!(
                        "output {} skipped: a backslash or control character in its name cannot \
                     be stored; rename it in the script",
                        file.relative.escape_debug()
                    ));
                    false
                }
            },
        )
        .collect()
}

async fn upload(
    ctx: &JobContext,
    execution: Uuid,
    files: &[outputs::Collected],
) -> Result<Vec<OutputFileInfo>, ClientError> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let mut infos = Vec::with_capacity(files.len());
    for file in files {
        let info = outputs::describe(file)
            .await
            .map_err(|source| ClientError::File {
                path: file.relative.clone(),
                source,
            })?;
        infos.push(info);
    }
    let request = OutputsRequest {
        files: infos.clone(),
    };
    let answer = ctx.client.announce_outputs(execution, &request).await?;
    let mut uploaded = Vec::with_capacity(infos.len());
    for (file, info) in files.iter().zip(infos) {
        // The server may skip files it already holds by answering no URL for them.
        if let Some(url) = answer.uploads.get(&info.path) {
            ctx.client.upload(url, &file.absolute, info.size).await?;
        }
        uploaded.push(info);
    }
    Ok(uploaded)
}

/// Heartbeats until the job ends; a cancel answer or a stale execution kills the job, and so
/// does being cut off from the server for longer than its heartbeat timeout.
async fn heartbeat(ctx: &JobContext, execution: Uuid, control: Arc<Control>) {
    let mut ticks = tokio::time::interval(ctx.heartbeat_interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    // When the server last heard from this execution, or last showed it could not be reaping
    // (down, or its database down): it abandons nothing sooner than a timeout after that.
    let mut heard_at = tokio::time::Instant::now();
    loop {
        ticks.tick().await;
        match ctx.client.heartbeat(execution).await {
            Ok(answer) => {
                heard_at = tokio::time::Instant::now();
                if answer.drain && !ctx.drain.is_cancelled() {
                    tracing::info!("the server is draining this node: finishing, then exiting");
                    ctx.drain.cancel();
                }
                if answer.cancel {
                    tracing::info!("job cancelled by the user");
                    control.cancelled.store(true, Ordering::SeqCst);
                    control.kill.cancel();
                }
            }
            Err(ClientError::Stale) => {
                control.abandon();
                return;
            }
            Err(err) if err.shows_server_down() => {
                heard_at = tokio::time::Instant::now();
                tracing::warn!(error = %err, "heartbeat failed: the server is down");
            }
            Err(err) => {
                tracing::warn!(error = %err, "heartbeat failed");
                // Killed at the last beat before the server's timeout runs out, so it is gone
                // before the server can hand the job to another node.
                let silent = heard_at.elapsed();
                let next_beat = silent + ctx.heartbeat_interval;
                if ctx
                    .heartbeat_timeout
                    .is_some_and(|timeout| next_beat >= timeout)
                {
                    tracing::error!(
                        silent_secs = silent.as_secs(),
                        "cut off from the server for about its heartbeat timeout: it gives this \
                         job to another node now; killing it"
                    );
                    control.abandon();
                    return;
                }
            }
        }
    }
}
