//! The Docker executor against the real engine. Without an engine (or the runtime image) these
//! tests skip loudly, and fail when CI=true.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::MetadataExt;
use std::process::Command;

use common::{python_job, run, run_with, Scratch, RUNTIME_IMAGE};
use rgrid_runner::executor::docker::DockerExecutor;
use rgrid_runner::executor::Executor;
use rgrid_spec::api::EndReason;
use tokio_util::sync::CancellationToken;

/// The executor, or `None` (after a loud message) when Docker is not usable here.
async fn docker(scratch: &Scratch, node: &str) -> Option<DockerExecutor> {
    let problem = match DockerExecutor::connect(scratch.settings(node)).await {
        Ok(executor) if image_present() => return Some(executor),
        Ok(_) => format!("the runtime image {RUNTIME_IMAGE} is not built"),
        Err(err) => format!("no Docker engine answers ({err})"),
    };
    if common::in_ci() {
        panic!("CI=true but {problem}; run scripts/setup.sh first");
    }
    eprintln!("\n*** SKIPPING Docker executor test: {problem}. Run scripts/setup.sh. ***\n");
    None
}

fn image_present() -> bool {
    Command::new("docker")
        .args(["image", "inspect", RUNTIME_IMAGE])
        .output()
        .is_ok_and(|out| out.status.success())
}

fn containers_labelled(label: &str) -> String {
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("label={label}")])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test]
async fn streams_stdout_and_stderr_bytes_and_writes_as_the_runner() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-streams").await else {
        return;
    };
    let code = "import sys\n\
                print('to stdout')\n\
                print('to stderr', file=sys.stderr)\n\
                sys.stdout.flush()\n\
                sys.stdout.buffer.write(b'raw\\xff\\x00end\\n')\n\
                open('made.txt', 'w').write('made')\n";
    let ran = run(&docker, &scratch, &python_job(code)).await;

    assert_eq!(
        ran.outcome.reason,
        EndReason::Completed,
        "{:?} {}",
        ran.outcome,
        ran.system
    );
    assert_eq!(ran.outcome.exit_code, Some(0));
    assert_eq!(ran.stdout, b"to stdout\nraw\xff\x00end\n");
    assert_eq!(ran.stderr, b"to stderr\n");
    let made = std::fs::metadata(ran.work_dir.join("made.txt")).unwrap();
    let me = std::fs::metadata("/proc/self").unwrap();
    assert_eq!(
        (made.uid(), made.gid()),
        (me.uid(), me.gid()),
        "files belong to the runner"
    );
}

#[tokio::test]
async fn non_zero_exit_is_exit_code() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-exit").await else {
        return;
    };
    let ran = run(&docker, &scratch, &python_job("import sys; sys.exit(3)")).await;
    assert_eq!(ran.outcome.reason, EndReason::ExitCode);
    assert_eq!(ran.outcome.exit_code, Some(3));
    assert_eq!(ran.outcome.message.as_deref(), Some("exit code 3"));
}

#[tokio::test]
async fn timeout_kills_and_removes_the_container() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-timeout").await else {
        return;
    };
    let mut spec = python_job("import time\nprint('start', flush=True)\ntime.sleep(300)\n");
    spec.spec.timeout_seconds = 2;
    let started = std::time::Instant::now();
    let ran = run(&docker, &scratch, &spec).await;
    assert_eq!(ran.outcome.reason, EndReason::Timeout);
    assert_eq!(ran.outcome.message.as_deref(), Some("timeout after 2 s"));
    assert!(started.elapsed().as_secs() < 60);
    assert_eq!(
        containers_labelled("rgrid.node=t-timeout"),
        "",
        "container removed"
    );
}

#[tokio::test]
async fn memory_limit_ends_in_oom() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-oom").await else {
        return;
    };
    let code = "data = bytearray(b'x') * (200 * 1024 * 1024)\nprint(len(data))\n";
    let ran = run_with(
        &docker,
        &scratch,
        &python_job(code),
        Some(32 << 20),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(ran.outcome.reason, EndReason::Oom, "{:?}", ran.outcome);
    assert_eq!(
        ran.outcome.message.as_deref(),
        Some("out of memory (limit 32 MiB)")
    );
}

#[tokio::test]
async fn without_network_no_socket_connects() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-nonet").await else {
        return;
    };
    // No packet leaves: the container has no network interface but loopback.
    let code = "import socket\n\
                try:\n    socket.create_connection(('1.1.1.1', 53), timeout=3)\n\
                \x20   print('connected')\n\
                except OSError as err:\n    print('blocked', err)\n";
    let ran = run(&docker, &scratch, &python_job(code)).await;
    assert_eq!(ran.outcome.reason, EndReason::Completed);
    assert!(
        ran.stdout_text().starts_with("blocked"),
        "{}",
        ran.stdout_text()
    );
}

#[tokio::test]
async fn requirements_install_once_then_come_from_cache() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-reqs").await else {
        return;
    };
    let mut spec = python_job("import six\nprint('six', six.__version__)\n");
    spec.spec.requirements = Some("six\n".to_string());

    let first = run(&docker, &scratch, &spec).await;
    assert_eq!(
        first.outcome.reason,
        EndReason::Completed,
        "{:?}\n{}",
        first.outcome,
        first.system
    );
    assert!(
        first
            .system
            .contains("installing requirements (cache miss)"),
        "{}",
        first.system
    );
    assert!(
        first.stdout_text().starts_with("six 1."),
        "{}",
        first.stdout_text()
    );

    let second = run(&docker, &scratch, &spec).await;
    assert_eq!(second.outcome.reason, EndReason::Completed);
    assert!(
        second.system.contains("requirements from cache"),
        "{}",
        second.system
    );
    assert!(!second.system.contains("cache miss"));
    let venvs = std::fs::read_dir(scratch.cache.path().join("venvs"))
        .unwrap()
        .count();
    assert_eq!(venvs, 1, "one finished venv, no temporary leftovers");
}

#[tokio::test]
async fn uninstallable_requirements_fail_with_pips_error() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-badreqs").await else {
        return;
    };
    let mut spec = python_job("print('never')\n");
    // An invalid requirement line fails inside pip before it asks any index.
    spec.spec.requirements = Some("this is not a requirement ===\n".to_string());
    let ran = run(&docker, &scratch, &spec).await;
    assert_eq!(
        ran.outcome.reason,
        EndReason::RequirementsFailed,
        "{:?}",
        ran.outcome
    );
    let message = ran.outcome.message.unwrap();
    assert!(
        message.starts_with("requirements failed: ERROR:"),
        "{message}"
    );
    assert!(
        !scratch
            .cache
            .path()
            .join("venvs")
            .read_dir()
            .unwrap()
            .any(|_| true),
        "no half cache"
    );
}

#[tokio::test]
async fn missing_image_is_image_not_found() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-noimage").await else {
        return;
    };
    // A registry on a closed loopback port: the pull fails here, no traffic leaves the host.
    let mut spec = python_job("print()");
    spec.spec.runtime = "127.0.0.1:9/rgrid-missing:1".to_string();
    let ran = run(&docker, &scratch, &spec).await;
    assert_eq!(ran.outcome.reason, EndReason::ImageNotFound);
    assert!(ran
        .outcome
        .message
        .unwrap()
        .contains("127.0.0.1:9/rgrid-missing:1"));
}

#[tokio::test]
async fn leftover_containers_of_this_node_are_removed() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-leftover").await else {
        return;
    };
    let created = Command::new("docker")
        .args([
            "create",
            "--label",
            "rgrid.managed=true",
            "--label",
            "rgrid.node=t-leftover",
        ])
        .args([
            "--label",
            "rgrid.test=leftover",
            RUNTIME_IMAGE,
            "sleep",
            "300",
        ])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert_ne!(containers_labelled("rgrid.test=leftover"), "");
    docker.remove_leftovers().await.unwrap();
    assert_eq!(containers_labelled("rgrid.test=leftover"), "");
}

/// The container's CPU use is sampled while it runs (its cgroup goes with it): a job that
/// burns 2 CPU-seconds (by its own clock) reports most of them, one that sleeps next to none.
#[tokio::test]
async fn cpu_time_is_measured_busy_and_asleep() {
    let scratch = Scratch::new();
    let Some(docker) = docker(&scratch, "t-cpu").await else {
        return;
    };
    let busy = "import time\nwhile time.process_time() < 2.0:\n    pass\n";
    let ran = run(&docker, &scratch, &python_job(busy)).await;
    assert_eq!(ran.outcome.reason, EndReason::Completed, "{}", ran.system);
    let cpu = ran.outcome.cpu_time.expect("measured").as_secs_f64();
    eprintln!("busy job: {cpu:.3} CPU-seconds");
    assert!((1.0..30.0).contains(&cpu), "busy job: {cpu} s");

    let asleep = "import time\ntime.sleep(2)\n";
    let ran = run(&docker, &scratch, &python_job(asleep)).await;
    assert_eq!(ran.outcome.reason, EndReason::Completed, "{}", ran.system);
    let cpu = ran.outcome.cpu_time.expect("measured").as_secs_f64();
    eprintln!("sleeping job: {cpu:.3} CPU-seconds");
    assert!(cpu < 0.5, "sleeping job: {cpu} s");
}
