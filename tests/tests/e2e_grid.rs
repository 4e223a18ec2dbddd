//! End to end on real components: `rgrid-server` on a real Postgres cluster, `rgrid-runner`
//! with the Docker executor on a real engine, and the `rgrid` CLI run as a user runs it.
//! One story per grid, since starting Postgres, the server and a runner costs seconds.

use std::path::Path;

use rgrid_tests::grid::{Grid, RunnerOptions};
use rgrid_tests::process::{repo_root, Run};

fn example_dir(into: &Path) {
    let from = repo_root().join("examples/sales-report");
    for name in ["report.py", "requirements.txt", "sales.csv"] {
        std::fs::copy(from.join(name), into.join(name)).expect("copy example");
    }
}

fn job_id(run: &Run) -> String {
    run.stderr
        .split_whitespace()
        .skip_while(|w| *w != "job")
        .nth(1)
        .expect("rgrid names the job on stderr")
        .to_string()
}

fn assert_run(run: &Run, code: i32, grid: &Grid) {
    assert_eq!(run.code, code, "{run}\n{}", grid.logs());
}

#[test]
fn postgres_docker_grid_story() {
    if !rgrid_tests::docker::require_docker() {
        return;
    }
    let Some(pg) = rgrid_tests::postgres::require_postgres() else {
        return;
    };
    let database = pg.create_database("rgrid_e2e");
    let mut grid = Grid::start(&database).expect("start rgrid-server");
    grid.add_runner(RunnerOptions::default())
        .expect("start rgrid-runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    example_dir(here);

    // The main job: a real script, a real requirement from PyPI, a real input file.
    let first = grid
        .rgrid(here, &["run", "report.py", "sales.csv"])
        .expect("rgrid run");
    assert_run(&first, 0, &grid);
    assert!(
        first.stdout.contains("| north    |        9 |   2734.72 |"),
        "{first}"
    );
    assert!(
        first
            .stderr
            .contains("wrote report.md (5 regions, 40 orders)"),
        "{first}"
    );
    assert!(first.stderr.contains("executor: docker"), "{first}");
    let expected = std::fs::read(repo_root().join("examples/sales-report/expected-report.md"))
        .expect("expected report");
    assert_eq!(
        std::fs::read(here.join("report.md")).expect("report.md downloaded"),
        expected
    );
    let first_id = job_id(&first);

    // Logs and outputs are kept: read them again later, download elsewhere.
    let logs = grid.rgrid(here, &["logs", &first_id]).expect("rgrid logs");
    assert_run(&logs, 0, &grid);
    assert!(
        logs.stdout.contains("| central  |       11 |   2427.20 |"),
        "{logs}"
    );
    let again = here.join("again");
    let download = grid
        .rgrid(
            here,
            &["download", &first_id, again.to_str().expect("utf-8 path")],
        )
        .expect("rgrid download");
    assert_run(&download, 0, &grid);
    assert_eq!(
        std::fs::read(again.join("report.md")).expect("downloaded again"),
        expected
    );
    let status = grid
        .rgrid(here, &["status", &first_id, "--json"])
        .expect("rgrid status");
    let view: serde_json::Value = serde_json::from_str(&status.stdout).expect("status JSON");
    assert_eq!(view["status"], "succeeded", "{status}");
    assert_eq!(view["executor"], "docker", "{status}");

    // A second run with the same requirements uses the cached environment.
    let second = grid
        .rgrid(here, &["run", "report.py", "sales.csv"])
        .expect("second run");
    assert_run(&second, 0, &grid);
    assert!(
        second.stderr.to_lowercase().contains("from cache"),
        "{second}"
    );

    // The job's own exit code comes back, with its output.
    std::fs::write(
        here.join("exit3.py"),
        "import sys\nprint('before exit')\nsys.exit(3)\n",
    )
    .expect("write script");
    let exit3 = grid.rgrid(here, &["run", "exit3.py"]).expect("run exit3");
    assert_run(&exit3, 3, &grid);
    assert!(exit3.stdout.contains("before exit"), "{exit3}");
    assert!(exit3.stderr.contains("exited with code 3"), "{exit3}");

    // `network: false` (the default): no interface but loopback, no route out. The connect
    // attempt fails inside the container before any packet could leave it.
    let probe = "import os, socket, sys\n\
                 print('interfaces', sorted(os.listdir('/sys/class/net')))\n\
                 try:\n    socket.create_connection(('1.1.1.1', 53), timeout=3)\n\
                 except OSError as err:\n    print('blocked:', err)\n    sys.exit(0)\n\
                 sys.exit(1)\n";
    std::fs::write(here.join("probe.py"), probe).expect("write probe");
    let net = grid.rgrid(here, &["run", "probe.py"]).expect("run probe");
    assert_run(&net, 0, &grid);
    assert!(net.stdout.contains("interfaces ['lo']"), "{net}");
    assert!(net.stdout.contains("blocked:"), "{net}");

    // Limits: timeout and memory, each with its own reason and exit code.
    std::fs::write(
        here.join("sleepy.py"),
        "import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n",
    )
    .expect("write sleepy");
    let timeout = grid
        .rgrid(here, &["run", "--timeout", "3", "sleepy.py"])
        .expect("run sleepy");
    assert_run(&timeout, 124, &grid);
    assert!(timeout.stderr.contains("timed out after 3 s"), "{timeout}");
    std::fs::write(
        here.join("hog.py"),
        "blocks = []\nwhile True:\n    blocks.append(bytearray(16 << 20))\n",
    )
    .expect("write hog");
    let oom = grid
        .rgrid(here, &["run", "--memory", "64Mi", "hog.py"])
        .expect("run hog");
    assert_run(&oom, 137, &grid);
    assert!(oom.stderr.contains("out of memory"), "{oom}");

    // Bad input: each a clear message and its own exit code.
    let missing = grid.rgrid(here, &["run", "nope.py"]).expect("run missing");
    assert_run(&missing, 2, &grid);
    assert!(
        missing
            .stderr
            .contains("cannot read script `nope.py`: no such file"),
        "{missing}"
    );
    let image = grid
        .rgrid(
            here,
            &["run", "--runtime", "rgrid-test/no-such-image:1", "exit3.py"],
        )
        .expect("run bad image");
    assert_run(&image, 125, &grid);
    assert!(
        image
            .stderr
            .contains("`rgrid-test/no-such-image:1` was not found"),
        "{image}"
    );
    std::fs::write(here.join("bad-req.txt"), "rgrid-no-such-package-e2e==1.0\n")
        .expect("write req");
    let pip = grid
        .rgrid(here, &["run", "--req", "bad-req.txt", "exit3.py"])
        .expect("run bad req");
    assert_run(&pip, 125, &grid);
    assert!(
        pip.stderr.contains("installing requirements failed"),
        "{pip}"
    );

    // Any image, any command, through a JobSpec file; declared outputs come back.
    let spec = r#"{"apiVersion":"rgrid.dev/v1","kind":"Job","metadata":{"name":"inline"},
      "spec":{"code":"import os\nos.makedirs('out', exist_ok=True)\nopen('out/x.txt','w').write('inline ok\\n')\nprint('hello from inline')",
              "files":{"outputs":[{"path":"out/x.txt"}]},"retries":0}}"#;
    std::fs::write(here.join("job.json"), spec).expect("write spec");
    let submit = grid
        .rgrid(here, &["submit", "job.json", "--follow"])
        .expect("submit");
    assert_run(&submit, 0, &grid);
    assert!(submit.stdout.contains("hello from inline"), "{submit}");
    let list = grid.rgrid(here, &["list", "--json"]).expect("list");
    assert!(list.stdout.lines().count() >= 8, "{list}");
}

#[test]
fn unreachable_server_is_a_clear_error() {
    let cwd = tempfile::tempdir().expect("temp dir");
    std::fs::write(cwd.path().join("a.py"), "print(1)\n").expect("write");
    let output = std::process::Command::new(rgrid_tests::process::bin("rgrid"))
        .args(["run", "a.py"])
        .current_dir(cwd.path())
        .env("RGRID_SERVER", "http://127.0.0.1:9")
        .env("RGRID_API_KEY", "rg_whatever")
        .output()
        .expect("run rgrid");
    let run = Run::from_output(output);
    assert_eq!(run.code, 69, "{run}");
    assert!(
        run.stderr
            .contains("cannot reach the rgrid server at http://127.0.0.1:9"),
        "{run}"
    );
    assert!(run.stderr.contains("is the server running?"), "{run}");
}
