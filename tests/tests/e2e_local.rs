//! The embedded default: no server configured, `rgrid run` starts the local grid on demand
//! (SQLite, local files, the runner in the same process) and runs the example there.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rgrid_tests::process::{bin, repo_root, wait_until, Run};

/// A local grid home that stops its grid when the test ends.
struct LocalHome {
    dir: tempfile::TempDir,
}

impl LocalHome {
    fn new() -> LocalHome {
        LocalHome {
            dir: tempfile::Builder::new()
                .prefix("rgrid-home-")
                .tempdir()
                .expect("home"),
        }
    }

    fn rgrid(&self, cwd: &Path, executor: &str, args: &[&str]) -> Run {
        let output = Command::new(bin("rgrid"))
            .args(args)
            .current_dir(cwd)
            .env("RGRID_HOME", self.dir.path())
            .env("RGRID_EXECUTOR", executor)
            .env("NO_COLOR", "1")
            .env_remove("RGRID_SERVER")
            .env_remove("RGRID_API_KEY")
            .output()
            .expect("run rgrid");
        Run::from_output(output)
    }

    fn grid_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("grid.log")).unwrap_or_default()
    }
}

impl Drop for LocalHome {
    fn drop(&mut self) {
        let grid = self.dir.path().join("grid.json");
        let Ok(text) = std::fs::read_to_string(&grid) else {
            return;
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            return;
        };
        if let Some(pid) = value["pid"].as_u64() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
            let _ = wait_until("local grid to stop", Duration::from_secs(20), || {
                !grid.exists()
            });
        }
    }
}

fn copy_example(into: &Path) {
    let from = repo_root().join("examples/sales-report");
    for name in ["report.py", "requirements.txt", "sales.csv"] {
        std::fs::copy(from.join(name), into.join(name)).expect("copy example");
    }
}

fn expected_report() -> Vec<u8> {
    std::fs::read(repo_root().join("examples/sales-report/expected-report.md")).expect("expected")
}

/// The README's first command, on the process executor (no Docker needed): the grid starts
/// on demand, installs the requirement into a venv, runs, and the report lands here.
#[test]
fn local_grid_runs_the_example_with_the_process_executor() {
    let home = LocalHome::new();
    let cwd = tempfile::tempdir().expect("cwd");
    copy_example(cwd.path());
    let run = home.rgrid(cwd.path(), "process", &["run", "report.py", "sales.csv"]);
    assert_eq!(run.code, 0, "{run}\n--- grid log ---\n{}", home.grid_log());
    assert!(run.stderr.contains("starting the local grid"), "{run}");
    assert!(run.stderr.contains("executor: process"), "{run}");
    assert!(
        run.stdout.contains("| north    |        9 |   2734.72 |"),
        "{run}"
    );
    assert_eq!(
        std::fs::read(cwd.path().join("report.md")).expect("report.md"),
        expected_report()
    );

    // The grid stays up for the next command: no second start, and the job is listed.
    let list = home.rgrid(cwd.path(), "process", &["list"]);
    assert_eq!(list.code, 0, "{list}");
    assert!(!list.stderr.contains("starting the local grid"), "{list}");
    assert!(list.stdout.contains("succeeded"), "{list}");

    // No sign-in for the operator commands either: the local grid's own key operates it.
    let nodes = home.rgrid(cwd.path(), "process", &["nodes", "--json"]);
    assert_eq!(nodes.code, 0, "{nodes}");
    assert!(nodes.stdout.contains("\"state\":\"active\""), "{nodes}");
    let unknown = "00000000-0000-0000-0000-000000000000";
    let drain = home.rgrid(cwd.path(), "process", &["nodes", "drain", unknown]);
    assert!(
        drain.stderr.contains("node not found"),
        "allowed, not refused: {drain}"
    );
    let cost = home.rgrid(cwd.path(), "process", &["cost", "--json"]);
    assert_eq!(cost.code, 0, "{cost}");
    let whoami = home.rgrid(cwd.path(), "process", &["whoami"]);
    assert!(whoami.stdout.contains("operator"), "{whoami}");

    // A script exiting 3 makes `rgrid run` exit 3.
    std::fs::write(cwd.path().join("exit3.py"), "import sys\nsys.exit(3)\n").expect("write");
    let failed = home.rgrid(cwd.path(), "process", &["run", "exit3.py"]);
    assert_eq!(failed.code, 3, "{failed}");
}

/// The same on Docker, which the local grid picks when an engine answers.
#[test]
fn local_grid_runs_the_example_on_docker() {
    if !rgrid_tests::docker::require_docker() {
        return;
    }
    let home = LocalHome::new();
    let cwd = tempfile::tempdir().expect("cwd");
    copy_example(cwd.path());
    let run = home.rgrid(cwd.path(), "auto", &["run", "report.py", "sales.csv"]);
    assert_eq!(run.code, 0, "{run}\n--- grid log ---\n{}", home.grid_log());
    assert!(run.stderr.contains("executor: docker"), "{run}");
    assert_eq!(
        std::fs::read(cwd.path().join("report.md")).expect("report.md"),
        expected_report()
    );
}
