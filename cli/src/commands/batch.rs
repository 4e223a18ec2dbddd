//! `rgrid run script.py --batch 'data/*.csv'`: one job per matching file, submitted in one
//! request, followed with one progress bar, each job's outputs in `outputs/<file stem>/`.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use indicatif::ProgressBar;
use rgrid_spec::api::{
    BatchJob, BatchRequest, BatchView, EndReason, JobStatus, LABEL_BATCH_INPUT, MAX_BATCH_JOBS,
};
use uuid::Uuid;

use crate::cli::RunArgs;
use crate::client::Client;
use crate::commands::run::{hash_and_size, input_for, upload, Plan, Upload};
use crate::target::Target;
use crate::ui::Ui;
use crate::{download, exit, progress, UsageError};

/// Input uploads in flight at once.
const PARALLEL_UPLOADS: usize = 8;

/// How often the batch is polled while it runs.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// One input file of the batch and where its job's outputs go.
struct Item {
    file: PathBuf,
    /// The name the job sees it by (its file name), also its first argument.
    remote: String,
    /// As the user would write it, for progress and errors: `data/a.csv`.
    shown: String,
    outputs: PathBuf,
}

pub async fn run(
    args: RunArgs,
    pattern: &str,
    plan: Plan,
    target: Target,
    ui: &Ui,
) -> anyhow::Result<i32> {
    let items = items(&args, pattern, &plan)?;
    let client = &target.client;

    let mut base = plan.spec;
    for file in &plan.uploads {
        base.spec.files.inputs.push(upload(client, file, ui).await?);
    }
    // One bar for the whole batch: it counts hashed files, uploads, then finished jobs.
    let bar = progress::count(ui, items.len() as u64, "hashing");
    let mut hashed = Vec::with_capacity(items.len());
    for item in &items {
        hashed.push(hash_and_size(&item.file).await?);
        bar.inc(1);
    }
    // One question for the whole batch instead of one per file.
    let shas: Vec<String> = hashed.iter().map(|(sha, _)| sha.clone()).collect();
    let held = client.held(&shas).await?;
    bar.set_position(0);
    bar.set_prefix("uploading");
    // The missing inputs go up a few at a time: each is its own PUT, so overlap them.
    let uploaded: Vec<(String, String)> = futures::stream::iter(items.iter().zip(hashed))
        .map(|(item, (sha, size))| {
            let known = Some(held.contains(&sha));
            let bar = &bar;
            async move {
                let hidden = progress::hidden();
                let view = client
                    .upload(&item.file, &sha, size, known, &hidden)
                    .await?;
                bar.inc(1);
                Ok::<_, anyhow::Error>((view.url, sha))
            }
        })
        .buffered(PARALLEL_UPLOADS)
        .try_collect()
        .await?;
    let mut jobs = Vec::with_capacity(items.len());
    for (item, (url, sha)) in items.iter().zip(uploaded) {
        let input = Upload {
            local: item.file.clone(),
            remote: item.remote.clone(),
        };
        let mut spec = base.clone();
        spec.spec.files.inputs.push(input_for(&input, url, sha)?);
        spec.spec.args.insert(0, item.remote.clone());
        spec.metadata
            .labels
            .insert(LABEL_BATCH_INPUT.into(), item.shown.clone());
        jobs.push(spec);
    }

    let request = BatchRequest {
        parallel: args.parallel,
        jobs,
    };
    let batch = client.submit_batch(&request).await?;
    if args.detach {
        bar.finish_and_clear();
    }
    if args.detach && args.json {
        println!("{}", serde_json::to_string(&batch)?);
        return Ok(exit::OK);
    }
    if args.detach {
        println!("{}", batch.id);
        ui.note(format!(
            "batch {id} of {} jobs queued. Next: `rgrid status {id}`, `rgrid list --batch {id}`",
            items.len(),
            id = batch.id
        ));
        return Ok(exit::OK);
    }
    bar.suspend(|| ui.note(format!("batch {} of {} jobs queued", batch.id, items.len())));
    bar.set_prefix("batch");
    bar.set_position(0);
    bar.reset_eta();
    follow(client, batch.id, &items, &args, &bar, ui).await
}

/// The files the pattern matches, sorted, each with its output folder. Refuses an empty match
/// and two inputs whose outputs would share a folder.
fn items(args: &RunArgs, pattern: &str, plan: &Plan) -> anyhow::Result<Vec<Item>> {
    let paths = glob::glob(pattern)
        .map_err(|e| UsageError(format!("`--batch {pattern}` is not a valid pattern: {e}")))?;
    let mut files: Vec<PathBuf> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(UsageError(format!("`--batch {pattern}` matches no file")).into());
    }
    if files.len() > MAX_BATCH_JOBS {
        return Err(UsageError(format!(
            "`--batch {pattern}` matches {} files, more than {MAX_BATCH_JOBS} in one batch; \
             narrow the pattern",
            files.len()
        ))
        .into());
    }
    let root = args
        .output_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("outputs"));
    let taken: HashSet<&str> = plan.uploads.iter().map(|u| u.remote.as_str()).collect();
    let mut folders = HashSet::new();
    let mut items = Vec::with_capacity(files.len());
    for file in files {
        let remote = name_of(&file, |p| p.file_name())?;
        if taken.contains(remote.as_str()) {
            return Err(UsageError(format!(
                "batch input `{}` has the same name as the script or another input; rename it",
                file.display()
            ))
            .into());
        }
        let stem = name_of(&file, |p| p.file_stem())?;
        let outputs = if args.flat {
            root.clone()
        } else {
            root.join(&stem)
        };
        if !args.flat && !folders.insert(stem.clone()) {
            return Err(UsageError(format!(
                "two batch inputs share the name `{stem}`, so their outputs would share \
                 `{}`; rename one or pass `--flat`",
                outputs.display()
            ))
            .into());
        }
        let shown = file.display().to_string();
        items.push(Item {
            file,
            remote,
            shown,
            outputs,
        });
    }
    Ok(items)
}

fn name_of(
    path: &Path,
    part: impl Fn(&Path) -> Option<&std::ffi::OsStr>,
) -> anyhow::Result<String> {
    part(path)
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| UsageError(format!("`{}` has no file name", path.display())).into())
}

/// Polls the batch until every job ended, downloading each job's outputs as it succeeds and
/// reporting each failure with its input's name. Ctrl-C detaches.
async fn follow(
    client: &Client,
    id: Uuid,
    items: &[Item],
    args: &RunArgs,
    bar: &ProgressBar,
    ui: &Ui,
) -> anyhow::Result<i32> {
    let started = Instant::now();
    let mut handled = HashSet::new();
    let mut kept = Vec::new();
    loop {
        let batch = client.batch(id).await?;
        let c = &batch.counts;
        bar.set_position(u64::from(c.finished()));
        bar.set_message(format!(
            "{} done, {} failed, {} running, {} queued",
            c.succeeded,
            c.failed + c.cancelled,
            c.running,
            c.queued
        ));
        for job in &batch.jobs {
            if !job.status.is_final() || !handled.insert(job.id) {
                continue;
            }
            let item = items.iter().find(|i| Some(&i.shown) == job.input.as_ref());
            match (job.status, item) {
                (JobStatus::Succeeded, Some(item)) if !args.remote_only => {
                    let got =
                        download::outputs(client, job.id, &item.outputs, args.force, None).await?;
                    kept.extend(got.kept);
                }
                (JobStatus::Succeeded, _) => {}
                _ => bar.suspend(|| ui.error(failure_line(job))),
            }
        }
        if c.finished() == c.total() {
            bar.finish_and_clear();
            return Ok(summary(
                &batch,
                started.elapsed(),
                &kept,
                &place(items, args),
                ui,
            ));
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_EVERY) => {}
            _ = tokio::signal::ctrl_c() => {
                bar.abandon();
                ui.note(format!(
                    "detached; batch {id} keeps running. Follow it with `rgrid status {id}`"
                ));
                return Ok(exit::CANCELLED);
            }
        }
    }
}

/// Where the outputs went, for the summary: `; outputs in outputs/, one folder per input
/// (e.g. outputs/a/)`.
fn place(items: &[Item], args: &RunArgs) -> String {
    if args.remote_only {
        return String::new();
    }
    let Some(first) = items.first() else {
        return String::new();
    };
    if args.flat {
        return format!("; outputs in {}/", first.outputs.display());
    }
    let root = first.outputs.parent().unwrap_or(Path::new("."));
    format!(
        "; outputs in {}/, one folder per input (e.g. {}/)",
        root.display(),
        first.outputs.display()
    )
}

fn summary(batch: &BatchView, took: Duration, kept: &[PathBuf], place: &str, ui: &Ui) -> i32 {
    let c = &batch.counts;
    let failed = c.failed + c.cancelled;
    if !kept.is_empty() {
        let kept: Vec<String> = kept.iter().map(|p| p.display().to_string()).collect();
        ui.warn(format!(
            "kept local {} (different content); pass `--force` to overwrite",
            kept.join(", ")
        ));
    }
    let line = format!(
        "batch {}: {} succeeded, {failed} failed in {:.1} s{place}",
        batch.id,
        c.succeeded,
        took.as_secs_f64()
    );
    if failed == 0 {
        ui.note(line);
        exit::OK
    } else {
        ui.error(format!("{line}; details: `rgrid status {}`", batch.id));
        exit::JOB_FAILED
    }
}

/// `data/b.csv: exited with code 3 (job …)`.
fn failure_line(job: &BatchJob) -> String {
    let input = job.input.as_deref().unwrap_or("(no input)");
    let why = match (job.status, job.reason) {
        (JobStatus::Cancelled, _) => "cancelled".to_string(),
        (_, Some(EndReason::ExitCode)) => {
            format!("exited with code {}", job.exit_code.unwrap_or(-1))
        }
        _ => job
            .message
            .clone()
            .or_else(|| job.reason.map(|r| r.as_str().to_string()))
            .unwrap_or_else(|| job.status.as_str().to_string()),
    };
    format!("{input}: {why} (job {})", job.id)
}

/// `rgrid status BATCH`: the counts, then each job that did not succeed with its input.
pub fn print_status(batch: &BatchView, json: bool) -> anyhow::Result<i32> {
    if json {
        println!("{}", serde_json::to_string_pretty(batch)?);
        return Ok(exit::OK);
    }
    let c = &batch.counts;
    let mut out = std::io::stdout().lock();
    writeln!(out, "batch     {}", batch.id)?;
    writeln!(out, "jobs      {}", c.total())?;
    writeln!(
        out,
        "status    {} succeeded, {} failed, {} cancelled, {} running, {} queued",
        c.succeeded, c.failed, c.cancelled, c.running, c.queued
    )?;
    if let Some(parallel) = batch.parallel {
        writeln!(out, "parallel  at most {parallel} at once")?;
    }
    writeln!(out, "created   {}", batch.created_at.to_rfc3339())?;
    for job in &batch.jobs {
        if job.status.is_final() && job.status != JobStatus::Succeeded {
            writeln!(out, "failed    {}", failure_line(job))?;
        }
    }
    Ok(exit::OK)
}
