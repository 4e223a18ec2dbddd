//! Commands that look at jobs: status, logs, list, download, cancel, retry.

use std::io::Write;

use anyhow::Context;
use rgrid_spec::api::{EndReason, JobStatus, JobView};
use uuid::Uuid;

use crate::cli::{CancelArgs, DownloadArgs, JobArgs, ListArgs, LogsArgs};
use crate::client::ClientError;
use crate::printer::Format;
use crate::target::Target;
use crate::ui::Ui;
use crate::{download, exit, follow, outcome, UsageError};

pub fn parse_id(text: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(text.trim()).map_err(|_| {
        UsageError(format!(
            "`{text}` is not a job id; ids look like 0190f2c4-…, see `rgrid list`"
        ))
        .into()
    })
}

pub async fn status(args: JobArgs, target: Target) -> anyhow::Result<i32> {
    let id = parse_id(&args.id)?;
    let job = match target.client.job(id).await {
        Ok(job) => job,
        // Jobs and batches share one id space (UUIDs): an id that is no job may be a batch.
        Err(ClientError::NotFound { message }) => {
            return match target.client.batch(id).await {
                Ok(batch) => crate::commands::batch::print_status(&batch, args.json),
                Err(ClientError::NotFound { .. }) => {
                    tracing::debug!(job_id = %id, %message, "no job or batch with this id");
                    Err(ClientError::NotFound {
                        message: format!(
                            "no job or batch {id} in this project; `rgrid list` shows its \
                             jobs. Wrong project or profile? `rgrid whoami` says which key \
                             is in use"
                        ),
                    }
                    .into())
                }
                Err(err) => Err(err.into()),
            };
        }
        Err(err) => return Err(err.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&job)?);
        return Ok(exit::OK);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "job       {}", job.id)?;
    if let Some(name) = &job.name {
        writeln!(out, "name      {name}")?;
    }
    writeln!(out, "status    {}", job.status.as_str())?;
    if job.status.is_final() && job.status != JobStatus::Succeeded {
        writeln!(out, "why       {}", outcome::failure_line(&job))?;
    }
    writeln!(
        out,
        "attempts  {} (retries allowed: {})",
        job.attempts, job.max_retries
    )?;
    writeln!(out, "runtime   {}", job.spec.spec.runtime)?;
    if let Some(executor) = &job.executor {
        writeln!(
            out,
            "executor  {executor} on {}",
            job.node.as_deref().unwrap_or("?")
        )?;
    }
    writeln!(out, "created   {}", job.created_at.to_rfc3339())?;
    if let Some(took) = outcome::ran_for(&job) {
        writeln!(out, "ran for   {took}")?;
    }
    Ok(exit::OK)
}

pub async fn logs(args: LogsArgs, target: Target, ui: &Ui) -> anyhow::Result<i32> {
    let id = parse_id(&args.id)?;
    let mode = if args.follow {
        follow::Mode::Follow
    } else {
        follow::Mode::Once
    };
    let format = Format {
        json: args.json,
        run_events: false,
        timestamps: args.log_format.timestamps,
        prefix: args.log_format.prefix,
    };
    follow::print_logs(&target.client, id, 0, mode, ui, format).await?;
    Ok(exit::OK)
}

pub async fn list(args: ListArgs, target: Target) -> anyhow::Result<i32> {
    if let Some(status) = &args.status {
        if JobStatus::parse(status).is_none() {
            return Err(UsageError(format!(
                "`--status {status}` is not a status; use queued, running, succeeded, failed or \
                 cancelled"
            ))
            .into());
        }
    }
    let batch = args.batch.as_deref().map(parse_id).transpose()?;
    let list = target
        .client
        .jobs(args.status.as_deref(), batch, args.limit)
        .await?;
    if args.json {
        let mut out = std::io::stdout().lock();
        for job in &list.jobs {
            writeln!(out, "{}", serde_json::to_string(job)?)?;
        }
        return Ok(exit::OK);
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<36}  {:<10}  {:<20}  {:<9}  CREATED",
        "ID", "STATUS", "NAME", "REASON"
    )?;
    for job in &list.jobs {
        writeln!(out, "{}", list_row(job))?;
    }
    Ok(exit::OK)
}

/// The REASON column: why a job ended other than by succeeding (failed, cancelled, timed
/// out, …), the same reason `--json` carries.
fn reason_cell(status: JobStatus, reason: Option<EndReason>) -> String {
    match (status, reason) {
        (JobStatus::Succeeded, _) | (_, None) => "-".into(),
        (_, Some(reason)) => reason.as_str().to_string(),
    }
}

fn list_row(job: &JobView) -> String {
    let reason = reason_cell(job.status, job.reason);
    let name: String = job
        .name
        .as_deref()
        .unwrap_or("-")
        .chars()
        .take(20)
        .collect();
    format!(
        "{:<36}  {:<10}  {:<20}  {:<9}  {}",
        job.id,
        job.status.as_str(),
        name,
        reason,
        job.created_at.format("%Y-%m-%d %H:%M:%S")
    )
}

/// `rgrid outputs ID`: each output's size, content type and path, and a download URL that is
/// good for the server's artifact URL lifetime (an hour by default).
pub async fn outputs(args: JobArgs, target: Target, ui: &Ui) -> anyhow::Result<i32> {
    let id = parse_id(&args.id)?;
    let list = target.client.artifacts(id).await?;
    let mut out = std::io::stdout().lock();
    if args.json {
        for artifact in &list.artifacts {
            writeln!(out, "{}", serde_json::to_string(artifact)?)?;
        }
        return Ok(exit::OK);
    }
    if list.artifacts.is_empty() {
        ui.note(format!("job {id} has no output files"));
        return Ok(exit::OK);
    }
    for artifact in &list.artifacts {
        writeln!(
            out,
            "{:>10}  {:<24}  {}\n            {}",
            human_size(artifact.size),
            artifact.content_type,
            artifact.path,
            artifact.url
        )?;
    }
    Ok(exit::OK)
}

/// `512 B`, `1.5 KiB`, `3.0 MiB`.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

pub async fn download(args: DownloadArgs, target: Target, ui: &Ui) -> anyhow::Result<i32> {
    let id = parse_id(&args.id)?;
    let job = target.client.job(id).await?;
    if !job.status.is_final() {
        ui.note(format!(
            "job {id} is still {}; downloading what it has so far",
            job.status.as_str()
        ));
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create directory {}", args.dir.display()))?;
    // No bar with --json: stdout and stderr stay machine-readable.
    let bar_ui = (!args.json).then_some(ui);
    let got = download::outputs(&target.client, id, &args.dir, args.force, bar_ui).await?;
    if args.json {
        let mut out = std::io::stdout().lock();
        let states = [
            (&got.written, "written"),
            (&got.unchanged, "unchanged"),
            (&got.kept, "kept"),
        ];
        for (paths, state) in states {
            for path in paths {
                let line = serde_json::json!({"path": path.display().to_string(), "state": state});
                writeln!(out, "{line}")?;
            }
        }
        let code = if got.kept.is_empty() {
            exit::OK
        } else {
            exit::INTERNAL
        };
        return Ok(code);
    }
    for path in &got.written {
        println!("{}", path.display());
    }
    for path in &got.unchanged {
        ui.note(format!("{} is up to date", path.display()));
    }
    if !got.kept.is_empty() {
        let kept: Vec<String> = got.kept.iter().map(|p| p.display().to_string()).collect();
        ui.error(format!(
            "kept local {} (different content); pass `--force` to overwrite",
            kept.join(", ")
        ));
        return Ok(exit::INTERNAL);
    }
    if got.written.is_empty() && got.unchanged.is_empty() {
        ui.note(format!("job {id} has no output files"));
    }
    Ok(exit::OK)
}

/// What `rgrid cancel` stops: one job, or a whole batch.
pub enum CancelTarget {
    Job(Uuid),
    Batch(Uuid),
}

/// Checks the id before anything connects, so a typo is a usage error (exit 2) at once.
pub fn cancel_target(args: &CancelArgs) -> anyhow::Result<CancelTarget> {
    match (&args.id, &args.batch) {
        (_, Some(batch)) => Uuid::parse_str(batch.trim())
            .map(CancelTarget::Batch)
            .map_err(|_| {
                UsageError(format!(
                    "`{batch}` is not a batch id; `rgrid run --batch` prints it, and \
                     `rgrid list --batch ID` takes the same"
                ))
                .into()
            }),
        (Some(id), None) => parse_id(id).map(CancelTarget::Job),
        // clap requires one of them.
        (None, None) => Err(UsageError("give a job id, or `--batch BATCH_ID`".into()).into()),
    }
}

pub async fn cancel(
    what: CancelTarget,
    json: bool,
    target: Target,
    ui: &Ui,
) -> anyhow::Result<i32> {
    let id = match what {
        CancelTarget::Job(id) => id,
        CancelTarget::Batch(batch) => return cancel_batch(batch, json, target, ui).await,
    };
    let job = target.client.cancel(id).await?;
    if json {
        println!("{}", serde_json::to_string(&job)?);
    } else if job.status == JobStatus::Cancelled {
        ui.note(format!("job {} cancelled", job.id));
    } else if job.status.is_final() {
        ui.note(format!(
            "job {} had already ended ({})",
            job.id,
            job.status.as_str()
        ));
    } else {
        ui.note(format!("job {} will stop within seconds", job.id));
    }
    Ok(exit::OK)
}

/// One request for the whole batch; says how many jobs it stopped and how.
async fn cancel_batch(id: Uuid, json: bool, target: Target, ui: &Ui) -> anyhow::Result<i32> {
    let done = match target.client.cancel_batch(id).await {
        Ok(done) => done,
        Err(ClientError::Api { status: 404, .. }) => {
            return Err(UsageError(format!(
                "batch {id} was not found in this project; `rgrid run --batch` prints its id"
            ))
            .into())
        }
        Err(err) => return Err(err.into()),
    };
    if json {
        println!("{}", serde_json::to_string(&done)?);
        return Ok(exit::OK);
    }
    ui.note(format!(
        "batch {}: {} queued {} cancelled, {} running {} stop within seconds",
        done.id,
        done.cancelled,
        plural(done.cancelled, "job", "jobs"),
        done.stopping,
        plural(done.stopping, "job", "jobs"),
    ));
    Ok(exit::OK)
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

pub async fn retry(args: JobArgs, target: Target, ui: &Ui) -> anyhow::Result<i32> {
    let id = parse_id(&args.id)?;
    let job = match target.client.retry(id).await {
        Ok(job) => job,
        Err(ClientError::Api { status: 409, .. }) => {
            return Err(UsageError(format!(
                "job {id} has not ended yet; only a finished job can be retried \
                 (cancel it first with `rgrid cancel {id}`)"
            ))
            .into())
        }
        Err(err) => return Err(err.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string(&job)?);
    } else {
        ui.note(format!(
            "job {} queued again as attempt {}; follow it with `rgrid logs {} --follow`",
            job.id,
            job.attempts + 1,
            job.id
        ));
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use rgrid_spec::api::{EndReason, JobStatus};

    use super::{human_size, reason_cell};

    #[test]
    fn reason_column_shows_why_a_job_ended() {
        assert_eq!(
            reason_cell(JobStatus::Cancelled, Some(EndReason::Cancelled)),
            "cancelled"
        );
        assert_eq!(
            reason_cell(JobStatus::Failed, Some(EndReason::ExitCode)),
            EndReason::ExitCode.as_str()
        );
        assert_eq!(reason_cell(JobStatus::Running, None), "-");
    }

    #[test]
    fn sizes_read_like_ls_h() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 << 20), "3.0 MiB");
        assert_eq!(human_size(5 << 40), "5.0 TiB");
    }
}
