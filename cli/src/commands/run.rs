//! `rgrid run script.py [args…]`: upload, submit, follow, download, exit with the job's code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rgrid_spec::api::JobView;
use rgrid_spec::{InputFile, JobSpec};
use uuid::Uuid;

use crate::cli::RunArgs;
use crate::client::Client;
use crate::printer::Format;
use crate::settings::{Setting, Settings, Source};
use crate::target::Target;
use crate::ui::Ui;
use crate::{download, exit, follow, outcome, progress, run_events, UsageError};

pub async fn run(args: RunArgs, plan: Plan, target: Target, ui: &Ui) -> anyhow::Result<i32> {
    let client = &target.client;

    let mut spec = plan.spec;
    // `--json` output gets no bars, as `--quiet` does.
    let bars = Ui {
        quiet: ui.quiet || args.json,
        ..*ui
    };
    for file in &plan.uploads {
        spec.spec
            .files
            .inputs
            .push(upload(client, file, &bars).await?);
    }
    let job = client.submit(&spec).await?;
    if args.detach {
        return detached(&job, args.json, ui);
    }
    ui.note(format!("job {} queued on {}", job.id, where_(&target)));

    let format = Format {
        json: args.json,
        run_events: args.json,
        timestamps: args.log_format.timestamps,
        prefix: args.log_format.prefix,
    };
    let job = follow_job(client, &job, ui, format).await?;
    finish(
        client,
        &job,
        args.output_dir.as_deref().unwrap_or(Path::new(".")),
        Finish {
            force: args.force,
            remote_only: args.remote_only,
            json: args.json,
        },
        ui,
    )
    .await
}

/// What to do with a finished job's outputs, and how to report them.
#[derive(Debug, Clone, Copy)]
pub struct Finish {
    /// Overwrite local files that differ.
    pub force: bool,
    /// Leave the outputs on the grid.
    pub remote_only: bool,
    /// Report downloads and the end as `rgrid run --json` events.
    pub json: bool,
}

/// Uploads a local file (unless the server holds its content already) and returns the input
/// that names it. A large file shows a progress bar (on a terminal).
pub async fn upload(client: &Client, file: &Upload, ui: &Ui) -> anyhow::Result<InputFile> {
    let (sha, size) = hash_and_size(&file.local).await?;
    let bar = if size >= progress::LARGE_UPLOAD {
        progress::bytes(ui, size, &format!("uploading {}", file.remote))
    } else {
        progress::hidden()
    };
    let uploaded = client.upload(&file.local, &sha, size, None, &bar).await;
    bar.finish_and_clear();
    input_for(file, uploaded?.url, sha)
}

/// The file's SHA-256 and size.
pub async fn hash_and_size(path: &Path) -> anyhow::Result<(String, u64)> {
    let sha = download::sha256_file(path).await?;
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    Ok((sha, size))
}

/// The input naming an upload.
pub fn input_for(file: &Upload, url: String, sha: String) -> anyhow::Result<InputFile> {
    Ok(InputFile {
        path: file.remote.clone(),
        url,
        sha256: Some(sha),
    })
}

/// Follows a just-submitted job to its end and returns it final; with `format.run_events`
/// as the `rgrid run --json` events (submitted, status, log), else as logs for people.
pub async fn follow_job(
    client: &Client,
    job: &JobView,
    ui: &Ui,
    format: Format,
) -> anyhow::Result<JobView> {
    if !format.run_events {
        follow_to_end(client, job.id, ui, format).await?;
        return Ok(client.job(job.id).await?);
    }
    run_events::submitted(job);
    let status = run_events::StatusEvents::new(job);
    tokio::select! {
        done = follow_to_end(client, job.id, ui, format) => done?,
        () = status.watch(client, job.id) => {}
    }
    let job = client.job(job.id).await?;
    status.report(&job);
    Ok(job)
}

/// Follows a submitted job's logs to its end; Ctrl-C detaches and leaves it running.
pub async fn follow_to_end(
    client: &Client,
    id: Uuid,
    ui: &Ui,
    format: Format,
) -> anyhow::Result<()> {
    tokio::select! {
        done = follow::print_logs(client, id, 0, follow::Mode::Follow, ui, format) => {
            done?;
            Ok(())
        }
        _ = tokio::signal::ctrl_c() => {
            if format.run_events {
                run_events::detached(id);
            }
            ui.note(format!(
                "detached; job {id} keeps running. Follow it with `rgrid logs {id} --follow`, \
                 fetch its files with `rgrid download {id}`"
            ));
            Err(Detached.into())
        }
    }
}

/// Ctrl-C while following: not an error of the job.
#[derive(Debug, thiserror::Error)]
#[error("detached")]
pub struct Detached;

/// Reports a final job, downloads its outputs and picks the exit code.
pub async fn finish(
    client: &Client,
    job: &rgrid_spec::api::JobView,
    dir: &Path,
    how: Finish,
    ui: &Ui,
) -> anyhow::Result<i32> {
    let code = outcome::exit_code(job);
    let mut outputs_note = String::new();
    if !how.remote_only {
        let got =
            download::outputs(client, job.id, dir, how.force, (!how.json).then_some(ui)).await?;
        if how.json {
            let states = [
                (&got.written, "written"),
                (&got.unchanged, "unchanged"),
                (&got.kept, "kept"),
            ];
            for (paths, state) in states {
                for path in paths {
                    run_events::output(path, state);
                }
            }
        }
        let names: Vec<String> = got.written.iter().map(|p| shown(p)).collect();
        if !names.is_empty() {
            outputs_note = format!("; outputs: {}", names.join(", "));
        }
        if !got.unchanged.is_empty() && names.is_empty() {
            outputs_note = format!("; {} output(s) already up to date", got.unchanged.len());
        }
        if !got.kept.is_empty() {
            let kept: Vec<String> = got.kept.iter().map(|p| shown(p)).collect();
            ui.warn(format!(
                "kept local {} (it differs from the job's output); rerun `rgrid download {}` \
                 with `--force` to overwrite",
                kept.join(", "),
                job.id
            ));
        }
    }
    if how.json {
        run_events::finished(job, code);
    }
    let executor = job.executor.as_deref().unwrap_or("unknown");
    let node = job.node.as_deref().unwrap_or("?");
    let took = outcome::ran_for(job)
        .map(|t| format!(" in {t}"))
        .unwrap_or_default();
    if code == exit::OK {
        ui.note(format!(
            "job {} succeeded{took} (executor: {executor}, node: {node}){outputs_note}",
            job.id
        ));
    } else {
        ui.error(format!(
            "{} (executor: {executor}, node: {node}){outputs_note}; logs: `rgrid logs {}`",
            outcome::failure_line(job),
            job.id
        ));
    }
    Ok(code)
}

/// A path as the user would type it: `report.md`, not `./report.md`.
fn shown(path: &Path) -> String {
    path.strip_prefix(".").unwrap_or(path).display().to_string()
}

/// The job id on stdout (for scripts); the next steps on stderr, unless `--quiet`.
fn detached(job: &rgrid_spec::api::JobView, json: bool, ui: &Ui) -> anyhow::Result<i32> {
    if json {
        println!("{}", serde_json::to_string(job)?);
    } else {
        println!("{}", job.id);
        ui.note(format!(
            "job {id} queued. Next: `rgrid logs {id} --follow`, `rgrid status {id}`, \
             `rgrid download {id}`",
            id = job.id
        ));
    }
    Ok(exit::OK)
}

fn where_(target: &Target) -> String {
    if target.local {
        "the local grid".into()
    } else {
        target.client.base().to_string()
    }
}

/// A local file to upload and the path it gets in the job's work directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub local: PathBuf,
    pub remote: String,
}

#[derive(Debug)]
pub struct Plan {
    pub spec: JobSpec,
    pub uploads: Vec<Upload>,
}

/// Turns the command line into a spec and a list of files to upload, checking every local
/// file before anything leaves the machine.
pub fn plan(args: &RunArgs, ui: &Ui) -> anyhow::Result<Plan> {
    let script = &args.script;
    let meta = std::fs::metadata(script).map_err(|e| {
        UsageError(format!(
            "cannot read script `{}`: {}",
            script.display(),
            io_reason(&e)
        ))
    })?;
    if !meta.is_file() {
        return Err(UsageError(format!("script `{}` is not a file", script.display())).into());
    }
    let script_name = file_name(script)?;
    if !args.detach && !args.remote_only {
        if let Some(dir) = &args.output_dir {
            check_output_dir(dir, &args.from_settings)?;
        }
    }
    warn_about_stdin(ui, script);
    let mut uploads = vec![Upload {
        local: script.clone(),
        remote: script_name.clone(),
    }];

    let mut job_args = Vec::with_capacity(args.args.len());
    for arg in &args.args {
        let path = Path::new(arg);
        let is_file = !arg.starts_with('-') && path.is_file();
        if !is_file {
            if looks_like_a_file(arg) {
                ui.warn(format!(
                    "`{arg}` is not a local file, so it reaches the script as plain text; \
                     check the path if the script should read it"
                ));
            }
            job_args.push(arg.clone());
            continue;
        }
        // Keep a tidy relative path as the job sees it; anything else lands by its name.
        let remote = match rgrid_spec::path::check_relative(arg) {
            Ok(()) => arg.clone(),
            Err(_) => file_name(path)?,
        };
        if let Some(existing) = uploads.iter().find(|u| u.remote == remote) {
            if !same_file(&existing.local, path) {
                return Err(UsageError(format!(
                    "two different files would both be `{remote}` in the job: `{}` and `{arg}`; \
                     rename one",
                    existing.local.display()
                ))
                .into());
            }
        } else {
            uploads.push(Upload {
                local: path.to_path_buf(),
                remote: remote.clone(),
            });
        }
        job_args.push(remote);
    }

    let requirements = read_requirements(args)?;
    let runtime = args.runtime.clone().unwrap_or_default();
    let mut spec = JobSpec::new(runtime, vec!["python".into(), script_name]);
    spec.spec.args = job_args;
    spec.spec.env = parse_env(&args.env)?;
    spec.spec.requirements = requirements;
    spec.spec.resources.cpu = args.cpu.clone();
    spec.spec.resources.memory = args.memory.clone();
    spec.spec.timeout_seconds = args
        .timeout
        .unwrap_or(rgrid_spec::job_spec::DEFAULT_TIMEOUT_SECONDS);
    spec.spec.network = args.network;
    spec.spec.retries = args.retries;
    if let Some(stem) = args.script.file_stem() {
        let name: String = stem
            .to_string_lossy()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .take(63)
            .collect();
        if !name.is_empty() {
            spec.metadata.name = Some(name);
        }
    }
    // Same rules as the server, checked before any upload; the message names the flag.
    let mut check = spec.clone();
    for upload in &uploads {
        check.spec.files.inputs.push(InputFile {
            path: upload.remote.clone(),
            url: "rgrid://check".into(),
            sha256: None,
        });
    }
    check
        .validate()
        .map_err(|e| UsageError(flag_for(&e, &args.from_settings)))?;
    Ok(Plan { spec, uploads })
}

/// Fills the run flags not given from the settings (environment, project file, user file),
/// noting where each came from.
pub fn with_settings(mut args: RunArgs, settings: &Settings) -> RunArgs {
    fn fill<T: Clone>(
        flag: &mut Option<T>,
        setting: Option<&Setting<T>>,
        name: &'static str,
        from: &mut Vec<(&'static str, String)>,
    ) {
        if flag.is_none() {
            if let Some(setting) = setting {
                *flag = Some(setting.value.clone());
                if setting.source != Source::Default {
                    from.push((name, setting.source.to_string()));
                }
            }
        }
    }
    let mut from = Vec::new();
    fill(
        &mut args.runtime,
        Some(&settings.runtime),
        "runtime",
        &mut from,
    );
    fill(&mut args.cpu, settings.cpu.as_ref(), "cpu", &mut from);
    fill(
        &mut args.memory,
        settings.memory.as_ref(),
        "memory",
        &mut from,
    );
    fill(
        &mut args.timeout,
        Some(&settings.timeout),
        "timeout",
        &mut from,
    );
    fill(
        &mut args.output_dir,
        settings.output_dir.as_ref(),
        "output_dir",
        &mut from,
    );
    args.from_settings = from;
    args
}

/// An argument that names a file by its shape (`data/x.csv`, `input.json`) but is not one
/// here is most likely a typo; numbers (`0.5`) and flags are not.
fn looks_like_a_file(arg: &str) -> bool {
    if arg.starts_with('-') || arg.contains("://") || arg.parse::<f64>().is_ok() {
        return false;
    }
    let extension = Path::new(arg)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let has_extension = (1..=5).contains(&extension.len())
        && extension.chars().all(|c| c.is_ascii_alphanumeric())
        && extension.chars().any(|c| c.is_ascii_alphabetic());
    has_extension || arg.contains('/')
}

fn read_requirements(args: &RunArgs) -> anyhow::Result<Option<String>> {
    let (path, explicit) = match &args.requirements {
        Some(path) => (path.clone(), true),
        None => {
            let beside = args
                .script
                .parent()
                .unwrap_or(Path::new(""))
                .join("requirements.txt");
            (beside, false)
        }
    };
    match std::fs::read(&path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| {
                UsageError(format!(
                    "requirements file `{}` is not UTF-8 text",
                    path.display()
                ))
            })?;
            Ok(Some(text))
        }
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(UsageError(format!(
            "cannot read requirements file `{}`: {}",
            path.display(),
            io_reason(&e)
        ))
        .into()),
    }
}

fn parse_env(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    for pair in pairs {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            UsageError(format!(
                "`--env {pair}` needs the form KEY=VALUE, e.g. `--env MODE=fast`"
            ))
        })?;
        env.insert(key.to_string(), value.to_string());
    }
    Ok(env)
}

/// Rewrites a spec error in terms of the `rgrid run` flag (or setting) that caused it.
fn flag_for(err: &rgrid_spec::SpecError, from_settings: &[(&'static str, String)]) -> String {
    if let Some(key) = err.field.strip_prefix("spec.env.") {
        // Show the name as given, even an empty one (`--env =v`).
        return format!("`--env {key}=…`: the name `{key}` {}", err.message);
    }
    let (flag, setting) = match err.field.as_str() {
        "spec.resources.cpu" => ("--cpu", "cpu"),
        "spec.resources.memory" => ("--memory", "memory"),
        "spec.timeoutSeconds" => ("--timeout", "timeout"),
        "spec.runtime" => ("--runtime", "runtime"),
        "spec.retries" => ("--retries", "retries"),
        f if f.starts_with("spec.env") => ("--env", "env"),
        _ => return err.to_string(),
    };
    let message = err.message.replace("; write", "; give");
    match from_settings.iter().find(|(name, _)| *name == setting) {
        Some((_, source)) => format!("`{setting}` (from {source}) {message}"),
        None => format!("`{flag}` {message}"),
    }
}

/// The outputs land in `dir` only after the job ran, so a directory that cannot be made is
/// reported now rather than after the run: probe by making (and removing) a directory in the
/// nearest existing ancestor.
fn check_output_dir(dir: &Path, from_settings: &[(&'static str, String)]) -> anyhow::Result<()> {
    let name = match from_settings.iter().find(|(name, _)| *name == "output_dir") {
        Some((_, source)) => format!("`output_dir` (from {source})"),
        None => "`--output-dir`".to_string(),
    };
    let fail = |reason: String| -> anyhow::Error {
        UsageError(format!(
            "{name} `{}` cannot be created: {reason}; choose a writable directory",
            dir.display()
        ))
        .into()
    };
    let mut existing = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    loop {
        match std::fs::metadata(existing) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => return Err(fail(format!("`{}` is not a directory", existing.display()))),
            Err(_) => match existing.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => existing = parent,
                _ => {
                    existing = Path::new(".");
                    break;
                }
            },
        }
    }
    let probe = existing.join(format!(".rgrid-write-check-{}", std::process::id()));
    match std::fs::create_dir(&probe) {
        Ok(()) => {
            // Best effort: the probe is empty and ours.
            let _ = std::fs::remove_dir(&probe);
            Ok(())
        }
        Err(e) => Err(fail(format!(
            "cannot write in `{}` ({})",
            existing.display(),
            io_reason(&e)
        ))),
    }
}

/// The job gets no stdin; data piped or redirected into `rgrid run` would be dropped silently,
/// so say so once. Never reads stdin, so an idle terminal or an empty pipe does not block.
fn warn_about_stdin(ui: &Ui, script: &Path) {
    if stdin_has_data() {
        ui.warn(format!(
            "stdin is not passed to the job; give the data as an input file: \
             rgrid run {} data.txt",
            script.display()
        ));
    }
}

#[allow(unsafe_code)]
fn stdin_has_data() -> bool {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return false;
    }
    // SAFETY: fstat and ioctl(FIONREAD) on fd 0 only write into the local buffers given.
    unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        if libc::fstat(0, &mut stat) != 0 {
            return false;
        }
        match stat.st_mode & libc::S_IFMT {
            libc::S_IFREG => stat.st_size > 0,
            libc::S_IFIFO | libc::S_IFSOCK => {
                let mut available: libc::c_int = 0;
                libc::ioctl(0, libc::FIONREAD, &mut available) == 0 && available > 0
            }
            // Character devices (/dev/null, terminals) and the rest: nothing to say.
            _ => false,
        }
    }
}

fn file_name(path: &Path) -> anyhow::Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| UsageError(format!("`{}` has no file name", path.display())).into())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}
