//! Helpers shared by the executor tests: a job built from inline code, run straight through an
//! executor with its log collected in memory.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use rgrid_runner::executor::{Executor, ExecutorSettings, JobRun, Outcome};
use rgrid_runner::logs::LogSink;
use rgrid_runner::workdir::WorkDir;
use rgrid_spec::api::Stream;
use rgrid_spec::JobSpec;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const RUNTIME_IMAGE: &str = "python:3.11-slim";
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Temp directories for work and cache, removed when dropped.
pub struct Scratch {
    pub work: tempfile::TempDir,
    pub cache: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            work: tempfile::tempdir().unwrap(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    pub fn settings(&self, node: &str) -> ExecutorSettings {
        let bundle = PathBuf::from(CA_BUNDLE);
        ExecutorSettings {
            node: node.to_string(),
            cache_root: self.cache.path().to_path_buf(),
            ca_bundle: bundle.exists().then_some(bundle),
        }
    }
}

pub fn python_job(code: &str) -> JobSpec {
    let mut spec = JobSpec::new(RUNTIME_IMAGE, Vec::new());
    spec.spec.code = Some(code.to_string());
    spec.spec.timeout_seconds = 120;
    spec
}

/// What a run produced: its outcome and its log split by stream.
pub struct Ran {
    pub outcome: Outcome,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub system: String,
    /// The work directory, kept for inspection (removed with the scratch).
    pub work_dir: PathBuf,
}

impl Ran {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

pub async fn run(executor: &dyn Executor, scratch: &Scratch, spec: &JobSpec) -> Ran {
    run_with(executor, scratch, spec, None, CancellationToken::new()).await
}

pub async fn run_with(
    executor: &dyn Executor,
    scratch: &Scratch,
    spec: &JobSpec,
    memory_bytes: Option<u64>,
    kill: CancellationToken,
) -> Ran {
    let job_id = Uuid::new_v4();
    let dir = WorkDir::create(scratch.work.path(), job_id).await.unwrap();
    dir.write_sources(spec).await.unwrap();
    let logs = LogSink::new();
    let job = JobRun {
        job_id,
        execution_id: Uuid::new_v4(),
        spec,
        work_dir: dir.path().to_path_buf(),
        cpu_millis: Some(1000),
        memory_bytes,
        logs: logs.clone(),
        kill,
    };
    let outcome = executor.run(&job).await;
    let mut ran = Ran {
        outcome,
        stdout: Vec::new(),
        stderr: Vec::new(),
        system: String::new(),
        work_dir: dir.path().to_path_buf(),
    };
    for (stream, data) in logs.take() {
        match stream {
            Stream::Stdout => ran.stdout.extend(data),
            Stream::Stderr => ran.stderr.extend(data),
            Stream::System => ran.system.push_str(&String::from_utf8_lossy(&data)),
        }
    }
    ran
}

/// True when CI=true (or 1): a missing service is then a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Polls `check` every 50 ms until it holds or `deadline` passes.
pub async fn eventually(deadline: std::time::Duration, mut check: impl FnMut() -> bool) -> bool {
    let end = tokio::time::Instant::now() + deadline;
    while tokio::time::Instant::now() < end {
        if check() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    check()
}
