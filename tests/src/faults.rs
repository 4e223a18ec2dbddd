//! Helpers for the fault tests: submitting JobSpecs through the CLI, waiting on job states,
//! reading what the server stored, and the per-test report.

use std::path::Path;
use std::time::Duration;

use crate::grid::Grid;
use crate::process::wait_until;

/// What a fault test measured; printed at its end and collected for the report.
#[derive(Debug, Default)]
pub struct FaultReport {
    pub test: &'static str,
    pub submitted: usize,
    pub ended: usize,
    pub lost: usize,
    pub run_twice_concurrently: usize,
    pub log_lines_lost: usize,
}

impl FaultReport {
    pub fn new(test: &'static str) -> FaultReport {
        FaultReport {
            test,
            ..FaultReport::default()
        }
    }

    /// Prints the report, then fails when anything was lost or ran twice at once.
    pub fn print_and_check(&self) {
        let line = format!(
            "FAULT REPORT {}: submitted {}, ended {}, lost {}, run twice concurrently {}, \
             log lines lost {}",
            self.test,
            self.submitted,
            self.ended,
            self.lost,
            self.run_twice_concurrently,
            self.log_lines_lost
        );
        println!("{line}");
        assert_eq!(self.lost, 0, "{line}");
        assert_eq!(self.run_twice_concurrently, 0, "{line}");
        assert_eq!(self.log_lines_lost, 0, "{line}");
        assert_eq!(self.submitted, self.ended, "{line}");
    }
}

/// An inline-code JobSpec as JSON text.
pub fn inline_spec(name: &str, code: &str, extra: serde_json::Value) -> String {
    let mut spec = serde_json::json!({
        "apiVersion": "rgrid.dev/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"code": code},
    });
    if let (Some(inner), Some(extra)) = (spec["spec"].as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            inner.insert(key.clone(), value.clone());
        }
    }
    spec.to_string()
}

/// Submits a JobSpec through `rgrid submit` and returns the job id.
pub fn submit(grid: &Grid, cwd: &Path, spec: &str) -> String {
    let file = cwd.join(format!("spec-{}.json", std::process::id()));
    std::fs::write(&file, spec).expect("write spec");
    let file_arg = file.to_str().expect("utf-8 path");
    let run = grid
        .rgrid(cwd, &["submit", file_arg])
        .expect("rgrid submit");
    assert_eq!(run.code, 0, "{run}\n{}", grid.logs());
    run.stdout
        .lines()
        .next()
        .expect("submit prints the job id")
        .trim()
        .to_string()
}

/// `rgrid status ID --json`.
pub fn status(grid: &Grid, cwd: &Path, id: &str) -> serde_json::Value {
    let run = grid
        .rgrid(cwd, &["status", id, "--json"])
        .expect("rgrid status");
    assert_eq!(run.code, 0, "{run}");
    serde_json::from_str(&run.stdout).expect("status JSON")
}

/// Waits until `check` holds for the job's status JSON.
pub fn wait_for_job(
    grid: &Grid,
    cwd: &Path,
    id: &str,
    what: &str,
    timeout: Duration,
    mut check: impl FnMut(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let mut last = serde_json::Value::Null;
    let waited = wait_until(what, timeout, || {
        last = status(grid, cwd, id);
        check(&last)
    });
    if let Err(err) = waited {
        panic!("{err:#}; last status {last}\n{}", grid.logs());
    }
    last
}

pub fn is_final(view: &serde_json::Value) -> bool {
    matches!(
        view["status"].as_str(),
        Some("succeeded" | "failed" | "cancelled")
    )
}

/// The job's stdout as `rgrid logs ID` prints it.
pub fn stdout_of(grid: &Grid, cwd: &Path, id: &str) -> String {
    let run = grid.rgrid(cwd, &["logs", id]).expect("rgrid logs");
    assert_eq!(run.code, 0, "{run}");
    run.stdout
}

/// Waits until the job's stored stdout contains `text`.
pub fn wait_for_output(grid: &Grid, cwd: &Path, id: &str, text: &str, timeout: Duration) {
    let waited = wait_until(&format!("`{text}` in the logs of {id}"), timeout, || {
        stdout_of(grid, cwd, id).contains(text)
    });
    if let Err(err) = waited {
        panic!("{err:#}\n{}", grid.logs());
    }
}

/// Where the job printed `line <n>` for n in `0..count`: how many are missing, repeated or
/// out of order in `text`. 0 when every line is there once, in order.
pub fn numbered_lines_lost(text: &str, count: usize) -> usize {
    let printed: Vec<usize> = text
        .lines()
        .filter_map(|l| l.strip_prefix("line "))
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let mut seen = vec![0u32; count];
    for &n in &printed {
        if let Some(times) = seen.get_mut(n) {
            *times += 1;
        }
    }
    let missing = seen.iter().filter(|t| **t == 0).count();
    let repeated: usize = seen.iter().map(|t| t.saturating_sub(1) as usize).sum();
    let out_of_order = printed.windows(2).filter(|w| w[1] <= w[0]).count();
    missing + repeated + out_of_order
}

/// Containers of this job still on the engine (running or not).
pub fn containers_of_job(job_id: &str) -> Vec<String> {
    docker_ps(&format!("label=rgrid.job={job_id}"), true)
}

/// Running containers of one execution.
pub fn running_containers_of_execution(execution_id: &str) -> Vec<String> {
    docker_ps(&format!("label=rgrid.execution={execution_id}"), false)
}

fn docker_ps(filter: &str, all: bool) -> Vec<String> {
    let mut command = std::process::Command::new("docker");
    command.args(["ps", "-q", "--filter", filter]);
    if all {
        command.arg("-a");
    }
    let output = command.output().expect("run docker ps");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}
