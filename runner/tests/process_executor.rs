//! The process executor on this machine: venvs with the host python3, exit codes, timeouts
//! that kill the whole process group, network isolation through `unshare` where possible.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{eventually, python_job, run, Scratch};
use rgrid_runner::executor::process::ProcessExecutor;
use rgrid_spec::api::EndReason;

#[tokio::test]
async fn exit_code_and_output_come_through() {
    let scratch = Scratch::new();
    let executor = ProcessExecutor::new(scratch.settings("p-exit")).await;
    let code = "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\nsys.exit(3)\n";
    let ran = run(&executor, &scratch, &python_job(code)).await;
    assert_eq!(
        ran.outcome.reason,
        EndReason::ExitCode,
        "{:?} {}",
        ran.outcome,
        ran.system
    );
    assert_eq!(ran.outcome.exit_code, Some(3));
    assert_eq!(ran.stdout, b"hello\n");
    assert_eq!(ran.stderr, b"oops\n");
    assert!(ran
        .system
        .contains("no container; the job runs as the runner's user"));
    // No cpu limit was asked for, so there is nothing to warn about.
    assert!(!ran.system.contains("cpu limit"), "{}", ran.system);
}

#[tokio::test]
async fn an_asked_cpu_limit_is_said_to_be_unenforced() {
    let scratch = Scratch::new();
    let executor = ProcessExecutor::new(scratch.settings("p-cpu")).await;
    let mut spec = python_job("print('hi')\n");
    spec.spec.resources.cpu = Some("0.5".into());
    let ran = run(&executor, &scratch, &spec).await;
    assert!(
        ran.system.contains("cpu limit 0.5 not enforced"),
        "{}",
        ran.system
    );
}

#[tokio::test]
async fn python_runs_from_a_venv_even_without_requirements() {
    let scratch = Scratch::new();
    let executor = ProcessExecutor::new(scratch.settings("p-venv")).await;
    let ran = run(
        &executor,
        &scratch,
        &python_job("import sys\nprint(sys.prefix)\n"),
    )
    .await;
    assert_eq!(
        ran.outcome.reason,
        EndReason::Completed,
        "{:?} {}",
        ran.outcome,
        ran.system
    );
    let prefix = ran.stdout_text().trim().to_string();
    let venvs = scratch.cache.path().join("process-venvs");
    assert!(prefix.starts_with(venvs.to_str().unwrap()), "{prefix}");
    assert!(std::path::Path::new(&prefix).join("pyvenv.cfg").exists());
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let scratch = Scratch::new();
    let executor = ProcessExecutor::new(scratch.settings("p-timeout")).await;
    let code = "import subprocess, time\n\
                child = subprocess.Popen(['sleep', '300'])\n\
                open('child.pid', 'w').write(str(child.pid))\n\
                time.sleep(300)\n";
    let mut spec = python_job(code);
    spec.spec.timeout_seconds = 2;
    let ran = run(&executor, &scratch, &spec).await;
    assert_eq!(
        ran.outcome.reason,
        EndReason::Timeout,
        "{:?} {}",
        ran.outcome,
        ran.system
    );
    assert_eq!(ran.outcome.message.as_deref(), Some("timeout after 2 s"));

    let pid = std::fs::read_to_string(ran.work_dir.join("child.pid")).unwrap();
    let status = format!("/proc/{}/status", pid.trim());
    let gone = eventually(Duration::from_secs(10), || {
        std::fs::read_to_string(&status)
            .map(|text| text.contains("State:\tZ"))
            .unwrap_or(true)
    })
    .await;
    assert!(gone, "the grandchild `sleep` outlived the timeout");
}

#[tokio::test]
async fn without_network_no_socket_connects_when_unshare_works() {
    let scratch = Scratch::new();
    let executor = ProcessExecutor::new(scratch.settings("p-nonet")).await;
    let code = "import socket\n\
                try:\n    socket.create_connection(('1.1.1.1', 53), timeout=3)\n\
                \x20   print('connected')\n\
                except OSError as err:\n    print('blocked', err)\n";
    let ran = run(&executor, &scratch, &python_job(code)).await;
    assert_eq!(
        ran.outcome.reason,
        EndReason::Completed,
        "{:?} {}",
        ran.outcome,
        ran.system
    );
    if ran.system.contains("network isolation is unavailable") {
        eprintln!("*** unshare --net is not permitted here; isolation not tested ***");
        return;
    }
    assert!(
        ran.stdout_text().starts_with("blocked"),
        "{}",
        ran.stdout_text()
    );
}

/// A job that burns 2 CPU-seconds reports about that much (measured by the job's own clock,
/// so a loaded machine only makes it take longer); one that sleeps 2 s reports next to none.
#[tokio::test]
async fn cpu_time_is_measured_busy_and_asleep() {
    let scratch = Scratch::new();
    let executor = ProcessExecutor::new(scratch.settings("p-cpu")).await;
    let busy = "import time\nwhile time.process_time() < 2.0:\n    pass\n";
    let ran = run(&executor, &scratch, &python_job(busy)).await;
    assert_eq!(ran.outcome.reason, EndReason::Completed, "{}", ran.system);
    let cpu = ran.outcome.cpu_time.expect("measured").as_secs_f64();
    eprintln!("busy job: {cpu:.3} CPU-seconds");
    assert!((1.0..30.0).contains(&cpu), "busy job: {cpu} s");

    // A child the job waits for is counted with it.
    let child = "import subprocess, sys\n\
                 subprocess.run([sys.executable, '-c', \
                 'import time\\nwhile time.process_time() < 1.0: pass'], check=True)\n";
    let ran = run(&executor, &scratch, &python_job(child)).await;
    assert_eq!(ran.outcome.reason, EndReason::Completed, "{}", ran.system);
    let cpu = ran.outcome.cpu_time.expect("measured").as_secs_f64();
    assert!(cpu > 0.5, "waited-for child: {cpu} s");

    let asleep = "import time\ntime.sleep(2)\n";
    let ran = run(&executor, &scratch, &python_job(asleep)).await;
    assert_eq!(ran.outcome.reason, EndReason::Completed, "{}", ran.system);
    let cpu = ran.outcome.cpu_time.expect("measured").as_secs_f64();
    eprintln!("sleeping job: {cpu:.3} CPU-seconds");
    assert!(cpu < 0.5, "sleeping job: {cpu} s");
}
