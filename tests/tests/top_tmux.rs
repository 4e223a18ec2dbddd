//! `rgrid top` for real: the binary in a tmux pane of 80×24 against a real server and a
//! process runner, driven with send-keys and read with capture-pane.

use std::process::Command;
use std::time::Duration;

use rgrid_tests::grid::{Grid, RunnerOptions};
use rgrid_tests::process::{bin, wait_until, TEST_API_KEY};

/// One tmux server of our own (`-L`), so the test never touches a user's sessions.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "top"])
    }

    fn keys(&self, keys: &str) {
        self.run(&["send-keys", "-t", "top", keys]);
    }

    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool, grid: &Grid) {
        let found = wait_until(what, Duration::from_secs(30), || check(&self.screen()));
        if found.is_err() {
            panic!(
                "{what}; the pane shows:\n{}\n{}",
                self.screen(),
                grid.logs()
            );
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

fn require_tmux() -> bool {
    if Command::new("tmux").arg("-V").output().is_ok() {
        return true;
    }
    if rgrid_tests::docker::running_in_ci() {
        panic!("CI=true but tmux is missing: scripts/setup.sh installs it");
    }
    eprintln!("\n*** SKIPPING the tmux test: no tmux. Run `bash scripts/setup.sh`. ***\n");
    false
}

#[test]
fn top_shows_the_grid_opens_logs_cancels_and_restores_the_terminal() {
    if !require_tmux() {
        return;
    }
    let db = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", db.path().join("rgrid.db").display());
    let mut grid = Grid::start(&database).expect("start rgrid-server");
    let runner = RunnerOptions {
        executor: "process",
        slots: 1,
        ..RunnerOptions::default()
    };
    grid.add_runner(runner).expect("start rgrid-runner");

    let work = tempfile::tempdir().expect("temp dir");
    let script = "import time\nprint('hello from top', flush=True)\ntime.sleep(120)\n";
    std::fs::write(work.path().join("tick.py"), script).expect("write script");
    let run = grid
        .rgrid(work.path(), &["run", "--detach", "tick.py"])
        .expect("run");
    assert_eq!(run.code, 0, "{run:?}");

    let tmux = Tmux {
        socket: format!("rgrid-top-test-{}", std::process::id()),
    };
    let command = format!(
        "env RGRID_SERVER={} RGRID_API_KEY={TEST_API_KEY} NO_COLOR=1 TERM=xterm-256color {} top; \
         echo TOP-EXITED $?; sleep 60",
        grid.url,
        bin("rgrid").display()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "top",
        "-x",
        "80",
        "-y",
        "24",
        &command,
    ]);

    tmux.wait_for(
        "the running job in the table",
        |s| {
            s.lines()
                .any(|l| l.contains("tick") && l.contains("running"))
        },
        &grid,
    );
    let screen = tmux.screen();
    assert!(
        screen.contains("nodes (1)") && screen.contains("1/1"),
        "{screen}"
    );
    assert!(screen.contains("q quit"), "{screen}");

    tmux.keys("Enter");
    tmux.wait_for(
        "the job's live logs",
        |s| s.contains("hello from top"),
        &grid,
    );
    tmux.keys("Escape");
    tmux.wait_for("the jobs table again", |s| s.contains("jobs (1)"), &grid);

    tmux.keys("c");
    tmux.wait_for("the confirmation", |s| s.contains("y/N"), &grid);
    tmux.keys("y");
    tmux.wait_for(
        "the cancelled job, pushed",
        |s| {
            s.lines()
                .any(|l| l.contains("tick") && l.contains("cancelled"))
        },
        &grid,
    );

    tmux.keys("q");
    tmux.wait_for("top to exit", |s| s.contains("TOP-EXITED 0"), &grid);
    // The alternate screen is gone: nothing of the dashboard is left on the terminal.
    assert!(!tmux.screen().contains("jobs ("), "{}", tmux.screen());
}

/// A batch on a real terminal shows its one progress bar; with `--quiet` nothing of it is
/// ever drawn. (Off a terminal it is hidden too: tests/tests/e2e_json.rs.)
#[test]
fn a_batch_shows_one_bar_on_a_terminal_and_none_with_quiet() {
    if !require_tmux() {
        return;
    }
    let db = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite:{}", db.path().join("rgrid.db").display());
    let mut grid = Grid::start(&database).expect("start rgrid-server");
    let runner = RunnerOptions {
        executor: "process",
        slots: 2,
        ..RunnerOptions::default()
    };
    grid.add_runner(runner).expect("start rgrid-runner");
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        work.path().join("slow.py"),
        "import time\ntime.sleep(4)\nprint('done')\n",
    )
    .expect("write script");
    std::fs::create_dir_all(work.path().join("in")).expect("dir");
    for name in ["a", "b"] {
        std::fs::write(work.path().join(format!("in/{name}.txt")), name).expect("input");
    }

    for (quiet, socket) in [(false, "bar"), (true, "bar-quiet")] {
        let tmux = Tmux {
            socket: format!("rgrid-{socket}-test-{}", std::process::id()),
        };
        let command = format!(
            "cd {} && env RGRID_SERVER={} RGRID_API_KEY={TEST_API_KEY} NO_COLOR=1 \
             TERM=xterm-256color {} run slow.py --batch 'in/*.txt' {}; echo RUN-EXITED $?; \
             sleep 60",
            work.path().display(),
            grid.url,
            bin("rgrid").display(),
            if quiet { "--quiet" } else { "" }
        );
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "top",
            "-x",
            "100",
            "-y",
            "24",
            &command,
        ]);
        let bars = std::cell::Cell::new(0);
        tmux.wait_for(
            "the batch to end",
            |s| {
                let bar_lines = s.lines().filter(|l| l.contains("batch [")).count();
                bars.set(bars.get().max(bar_lines));
                s.contains("RUN-EXITED")
            },
            &grid,
        );
        let screen = tmux.screen();
        assert!(screen.contains("RUN-EXITED 0"), "{screen}\n{}", grid.logs());
        if quiet {
            assert_eq!(bars.get(), 0, "--quiet drew a bar");
            assert!(
                !screen.contains("rgrid:"),
                "--quiet printed notes: {screen}"
            );
        } else {
            assert_eq!(bars.get(), 1, "one bar while the batch ran");
            assert!(screen.contains("2 succeeded"), "{screen}");
        }
    }
}
