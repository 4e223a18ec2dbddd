//! The agent end to end against a real `rgrid-server` (SQLite, signed URLs) on 127.0.0.1: a job
//! is submitted through the API, claimed, run by the process executor, its log streamed, its
//! outputs uploaded and its end reported; then a running job is cancelled through the API.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use rgrid_runner::{ExecutorChoice, RunnerConfig};
use rgrid_server::{RunningServer, ServerConfig};
use rgrid_spec::api::{ArtifactList, EndReason, JobStatus, JobView, LogPage, Stream};
use rgrid_spec::{JobSpec, OutputFile, OutputKind};
use tokio_util::sync::CancellationToken;

struct Grid {
    server: RunningServer,
    http: reqwest::Client,
    shutdown: CancellationToken,
    runner: tokio::task::JoinHandle<Result<(), rgrid_runner::RunnerError>>,
    dir: tempfile::TempDir,
}

impl Grid {
    async fn start(executor: ExecutorChoice) -> Grid {
        // Server errors (the logged cause of any 500) and warnings reach the test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("rgrid_server=warn,rgrid_runner=warn")
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().unwrap();
        let server = rgrid_server::start(ServerConfig::local(&dir.path().join("server")))
            .await
            .unwrap();
        let config = RunnerConfig {
            server_url: server.url().to_string(),
            bootstrap_token: server.bootstrap_token().to_string(),
            name: "story".into(),
            slots: 2,
            work_root: dir.path().join("work"),
            cache_root: dir.path().join("cache"),
            ca_bundle: None,
            executor,
            heartbeat_interval: Some(Duration::from_millis(200)),
        };
        let shutdown = CancellationToken::new();
        let runner = tokio::spawn(rgrid_runner::run(config, shutdown.clone()));
        Grid {
            server,
            http: reqwest::Client::new(),
            shutdown,
            runner,
            dir,
        }
    }

    async fn submit(&self, spec: &JobSpec) -> JobView {
        let answer = self
            .http
            .post(format!("{}/v1/jobs", self.server.url()))
            .bearer_auth(self.server.api_key())
            .json(spec)
            .send()
            .await
            .unwrap();
        assert_eq!(
            answer.status().as_u16(),
            201,
            "{}",
            answer.text().await.unwrap()
        );
        answer.json().await.unwrap()
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let answer = self
            .http
            .get(format!("{}{path}", self.server.url()))
            .bearer_auth(self.server.api_key())
            .send()
            .await
            .unwrap();
        let status = answer.status();
        // The body carries the error code and message; the cause of a 500 is in the server's
        // log (run with RUST_LOG=rgrid_server=error and --nocapture to see it).
        let body = answer.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|err| panic!("{path}: {err}: {body}"))
    }

    /// Polls the job until `done` holds for it (or fails after 60 s).
    async fn wait_for(&self, job: &JobView, done: impl Fn(&JobView) -> bool) -> JobView {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let view: JobView = self.get(&format!("/v1/jobs/{}", job.id)).await;
            if done(&view) {
                return view;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "job stuck: {view:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn log_of(&self, job: &JobView, stream: Stream) -> Vec<u8> {
        let page: LogPage = self.get(&format!("/v1/jobs/{}/logs?after=0", job.id)).await;
        let mut chunks = page.chunks;
        chunks.sort_by_key(|chunk| chunk.seq);
        chunks
            .into_iter()
            .filter(|c| c.stream == stream)
            .flat_map(|c| c.data.0)
            .collect()
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.runner)
            .await
            .expect("runner drains after shutdown")
            .unwrap()
            .unwrap();
        self.server.shutdown().await;
    }
}

fn python_job(code: &str) -> JobSpec {
    let mut spec = JobSpec::new("python:3.11-slim", Vec::new());
    spec.spec.code = Some(code.to_string());
    spec.spec.retries = 0;
    spec
}

#[tokio::test]
async fn a_job_runs_streams_uploads_and_finishes() {
    a_job_runs_streams_uploads_and_finishes_on(ExecutorChoice::Process, "process").await;
}

#[tokio::test]
async fn a_job_runs_streams_uploads_and_finishes_in_docker() {
    if !rgrid_runner::executor::docker::DockerExecutor::engine_answers().await {
        assert!(!in_ci(), "CI=true but no Docker engine answers");
        eprintln!("\n*** SKIPPING Docker agent story: no Docker engine answers ***\n");
        return;
    }
    a_job_runs_streams_uploads_and_finishes_on(ExecutorChoice::Docker, "docker").await;
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

async fn a_job_runs_streams_uploads_and_finishes_on(executor: ExecutorChoice, name: &str) {
    let grid = Grid::start(executor).await;
    let mut spec = python_job(
        "import os, sys\n\
         os.makedirs('out', exist_ok=True)\n\
         open('out/result.txt', 'w').write('forty-two')\n\
         open('out/a\\\\b.txt', 'w').write('a legal Linux name no object key can hold')\n\
         print('hello from the job')\n\
         sys.stdout.flush()\n\
         sys.stdout.buffer.write(b'\\xff\\x00\\n')\n",
    );
    spec.spec.files.outputs = vec![OutputFile {
        path: "out/*.txt".into(),
        kind: OutputKind::File,
        optional: false,
    }];
    let job = grid.submit(&spec).await;

    let done = grid.wait_for(&job, |view| view.status.is_final()).await;
    assert_eq!(done.status, JobStatus::Succeeded, "{done:?}");
    assert_eq!(done.reason, Some(EndReason::Completed));
    assert_eq!(done.executor.as_deref(), Some(name));
    // The finish carried the CPU time the runner measured; the server stored it for costs.
    let usage = grid
        .server
        .state()
        .store
        .usage_since(done.created_at)
        .await
        .unwrap();
    assert_eq!(usage.len(), 1, "{usage:?}");
    match usage[0].cpu_seconds {
        Some(cpu) => assert!((0.0..5.0).contains(&cpu), "{cpu}"),
        // A container that ends before the meter's first sample (tens of ms) has no figure;
        // the cost report then counts its wall time, which is as short.
        None => assert_eq!(name, "docker", "the process executor always measures"),
    }

    let stdout = grid.log_of(&job, Stream::Stdout).await;
    assert_eq!(stdout, b"hello from the job\n\xff\x00\n");
    let system = String::from_utf8(grid.log_of(&job, Stream::System).await).unwrap();
    assert!(
        system.starts_with(&format!("runner story: executor {name}\n")),
        "{system}"
    );
    assert!(
        system.contains("output out/a\\\\b.txt skipped"),
        "a file no artifact path can name is skipped and said so: {system}"
    );

    let list: ArtifactList = grid.get(&format!("/v1/jobs/{}/artifacts", job.id)).await;
    assert_eq!(list.artifacts.len(), 1, "{list:?}");
    assert_eq!(list.artifacts[0].path, "out/result.txt");
    let body = grid
        .http
        .get(&list.artifacts[0].url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&body[..], b"forty-two");
    let left = std::fs::read_dir(grid.dir.path().join("work"))
        .unwrap()
        .count();
    assert_eq!(left, 0, "work directories are removed after the job");
    grid.stop().await;
}

#[tokio::test]
async fn a_missing_output_and_a_cancel_are_reported() {
    let grid = Grid::start(ExecutorChoice::Process).await;
    let mut spec = python_job("print('no outputs written')\n");
    spec.spec.files.outputs = vec![OutputFile {
        path: "report.json".into(),
        kind: OutputKind::File,
        optional: false,
    }];
    let missing = grid.submit(&spec).await;

    let sleeper = grid
        .submit(&python_job(
            "import time\nprint('up', flush=True)\ntime.sleep(300)\n",
        ))
        .await;
    let running = grid
        .wait_for(&sleeper, |view| view.status == JobStatus::Running)
        .await;
    let cancel = grid
        .http
        .post(format!(
            "{}/v1/jobs/{}/cancel",
            grid.server.url(),
            running.id
        ))
        .bearer_auth(grid.server.api_key())
        .send()
        .await
        .unwrap();
    assert!(cancel.status().is_success(), "cancel: {}", cancel.status());

    let missing = grid.wait_for(&missing, |view| view.status.is_final()).await;
    assert_eq!(missing.status, JobStatus::Failed);
    assert_eq!(missing.reason, Some(EndReason::MissingOutput));
    assert_eq!(
        missing.message.as_deref(),
        Some("missing output report.json")
    );

    let cancelled = grid.wait_for(&sleeper, |view| view.status.is_final()).await;
    assert_eq!(cancelled.status, JobStatus::Cancelled, "{cancelled:?}");
    grid.stop().await;
}

#[tokio::test]
async fn the_client_maps_refusals_and_stale_executions() {
    use rgrid_runner::client::{ApiClient, ClientError};
    use rgrid_spec::api::{LogBatch, RegisterRequest};

    let dir = tempfile::tempdir().unwrap();
    let server = rgrid_server::start(ServerConfig::local(dir.path()))
        .await
        .unwrap();
    let api = ApiClient::new(server.url()).unwrap();
    let mut request = RegisterRequest {
        bootstrap_token: "wrong".into(),
        name: "client-test".into(),
        slots: 1,
        executor: "process".into(),
        version: "test".into(),
    };
    let started = std::time::Instant::now();
    let refused = api.register(&request).await.unwrap_err();
    assert!(
        matches!(refused, ClientError::Refused { status: 401, .. }),
        "{refused}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "a 4xx is never retried"
    );

    request.bootstrap_token = server.bootstrap_token().to_string();
    let node = api.node(api.register(&request).await.unwrap().node_token);
    let unknown = uuid::Uuid::new_v4();
    assert!(matches!(
        node.heartbeat(unknown).await,
        Err(ClientError::Stale)
    ));
    let batch = LogBatch { chunks: Vec::new() };
    assert!(matches!(
        node.send_logs(unknown, &batch).await,
        Err(ClientError::Stale)
    ));
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_bootstrap_token_stops_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    let server = rgrid_server::start(ServerConfig::local(dir.path()))
        .await
        .unwrap();
    let config = RunnerConfig {
        server_url: server.url().to_string(),
        bootstrap_token: "wrong".into(),
        name: "refused".into(),
        slots: 1,
        work_root: dir.path().join("work"),
        cache_root: dir.path().join("cache"),
        ca_bundle: None,
        executor: ExecutorChoice::Process,
        heartbeat_interval: None,
    };
    let err = rgrid_runner::run(config, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, rgrid_runner::RunnerError::Register(_)),
        "{err}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_input_fails_the_job_naming_it() {
    let grid = Grid::start(ExecutorChoice::Process).await;
    let mut spec = python_job("print('never runs')\n");
    // A closed port on loopback: the download fails here without any traffic leaving.
    spec.spec.files.inputs = vec![rgrid_spec::InputFile {
        path: "data/in.csv".into(),
        url: "http://127.0.0.1:9/in.csv?sig=secret".into(),
        sha256: None,
    }];
    let job = grid.submit(&spec).await;
    let done = grid.wait_for(&job, |view| view.status.is_final()).await;
    assert_eq!(done.reason, Some(EndReason::InputFailed), "{done:?}");
    let message = done.message.unwrap();
    assert!(message.starts_with("input data/in.csv: download from http://127.0.0.1:9/in.csv"));
    assert!(
        !message.contains("secret"),
        "presigned query kept out: {message}"
    );
    grid.stop().await;
}
