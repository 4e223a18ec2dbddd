//! Fault tests: real `rgrid-server` on a real Postgres, real `rgrid-runner`s on a real Docker
//! engine (the process executor for the racing count), the `rgrid` CLI. Each kills, cuts or
//! restarts something while jobs run and checks that no job was lost, none ran twice at
//! once, and no log line went missing. Each prints a `FAULT REPORT` line.
//!
//! The tests take turns (one lock): they measure heartbeat timeouts of a few seconds, which a
//! machine busy with another grid would blur.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rgrid_tests::faults::{
    containers_of_job, inline_spec, is_final, numbered_lines_lost, running_containers_of_execution,
    status, stdout_of, submit, wait_for_job, wait_for_output, FaultReport,
};
use rgrid_tests::grid::{Grid, GridOptions, RunnerOptions};
use rgrid_tests::postgres::TempPostgres;
use rgrid_tests::process::{bin, wait_until, Run, TEST_API_KEY};
use rgrid_tests::proxy::TcpProxy;

static SERIAL: Mutex<()> = Mutex::new(());

/// Short enough that a dead runner's job moves on within seconds.
const SHORT_HEARTBEAT: GridOptions = GridOptions {
    heartbeat_timeout_secs: 4,
    server_args: Vec::new(),
    server_env: Vec::new(),
};

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Postgres and Docker, or `None` when the test should skip (never under CI=true).
fn services() -> Option<TempPostgres> {
    if !rgrid_tests::docker::require_docker() {
        return None;
    }
    rgrid_tests::postgres::require_postgres()
}

fn docker_runner(slots: u32) -> RunnerOptions {
    RunnerOptions {
        slots,
        ..RunnerOptions::default()
    }
}

/// `attempt|status` of each execution of the job, oldest first.
fn executions(pg: &TempPostgres, db: &str, job: &str) -> Vec<String> {
    pg.query(
        db,
        &format!(
            "SELECT attempt, status, coalesce(reason, '') FROM executions \
             WHERE job_id = '{job}' ORDER BY attempt"
        ),
    )
}

fn execution_id(pg: &TempPostgres, db: &str, job: &str, attempt: u32) -> String {
    pg.query(
        db,
        &format!("SELECT id FROM executions WHERE job_id = '{job}' AND attempt = {attempt}"),
    )
    .into_iter()
    .next()
    .expect("the execution exists")
}

/// A job that says it started, works for `secs`, writes a token of its own to `out.txt`
/// and prints it: whose output the job keeps tells which attempt won.
fn slow_job_spec(name: &str, secs: u32) -> String {
    let code = format!(
        "import time, uuid\n\
         token = uuid.uuid4().hex\n\
         print('started', token, flush=True)\n\
         time.sleep({secs})\n\
         open('out.txt', 'w').write(token)\n\
         print('finished', token, flush=True)\n"
    );
    inline_spec(
        name,
        &code,
        serde_json::json!({"retries": 2, "files": {"outputs": [{"path": "out.txt"}]}}),
    )
}

/// Fault 1: `kill -9` the runner in the middle of a job: the execution is abandoned after the
/// heartbeat timeout, the job is requeued and succeeds on a second runner; exactly one
/// execution succeeded, and the dead runner's container did not run beside the retry.
#[test]
fn killed_runner_job_is_requeued_and_succeeds_elsewhere() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_kill");
    let mut grid = Grid::start_with(&db, SHORT_HEARTBEAT).expect("start server");
    grid.add_runner(docker_runner(1)).expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("kill -9 runner");

    let id = submit(&grid, here, &slow_job_spec("victim", 8));
    report.submitted = 1;
    wait_for_output(&grid, here, &id, "started", Duration::from_secs(60));
    let first = execution_id(&pg, &db, &id, 1);
    grid.runners[0].kill();
    grid.add_runner(docker_runner(1))
        .expect("start second runner");

    // When the retry starts, nothing of the first attempt may still run.
    wait_for_job(
        &grid,
        here,
        &id,
        "the retry",
        Duration::from_secs(60),
        |v| v["attempts"] == 2 || is_final(v),
    );
    if !running_containers_of_execution(&first).is_empty() {
        report.run_twice_concurrently += 1;
    }
    let view = wait_for_job(
        &grid,
        here,
        &id,
        "the job's end",
        Duration::from_secs(90),
        is_final,
    );
    report.ended = usize::from(is_final(&view));
    report.lost = usize::from(view["status"] != "succeeded");
    report.print_and_check();

    assert_eq!(view["attempts"], 2, "{view}");
    let runs = executions(&pg, &db, &id);
    assert_eq!(
        runs,
        vec!["1|abandoned|abandoned", "2|succeeded|completed"],
        "{}",
        grid.logs()
    );
    let succeeded = runs.iter().filter(|r| r.contains("|succeeded|")).count();
    assert_eq!(succeeded, 1);
    assert!(containers_of_job(&id).is_empty(), "containers left behind");
}

/// Fault 2: Two, then four runners race for 200 tiny jobs: each job's side effect (a line in a
/// file of its own outside the work directory) happens exactly once. The process executor
/// runs them: 400 containers would take minutes on two cores.
#[test]
fn racing_runners_run_every_job_exactly_once() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    for runners in [2, 4] {
        race(&pg, runners, 200);
    }
}

fn race(pg: &TempPostgres, runners: usize, jobs: usize) {
    let db = pg.create_database(&format!("rgrid_fault_race_{runners}"));
    let mut grid = Grid::start(&db).expect("start server");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let effects = here.join("effects");
    std::fs::create_dir(&effects).expect("effects dir");
    let mut report = FaultReport::new(if runners == 2 {
        "2 runners racing"
    } else {
        "4 runners racing"
    });

    let started = Instant::now();
    for n in 0..jobs {
        let code = format!(
            "import time\n\
             with open('{dir}/{n}', 'a') as f:\n    f.write(f'start {{time.time()}}\\n')\n\
             time.sleep(0.05)\n\
             with open('{dir}/{n}', 'a') as f:\n    f.write(f'end {{time.time()}}\\n')\n",
            dir = effects.display()
        );
        submit(
            &grid,
            here,
            &inline_spec(&format!("race-{n}"), &code, serde_json::json!({})),
        );
    }
    report.submitted = jobs;
    let submitted_in = started.elapsed();
    for _ in 0..runners {
        let options = RunnerOptions {
            executor: "process",
            slots: 2,
            ..RunnerOptions::default()
        };
        grid.add_runner(options).expect("start runner");
    }
    let racing = Instant::now();
    let all_final = wait_until("every job to end", Duration::from_secs(240), || {
        let ended = pg.query(
            &db,
            "SELECT count(*) FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled')",
        );
        ended.first().map(String::as_str) == Some(&jobs.to_string())
    });
    if let Err(err) = all_final {
        panic!("{err:#}\n{}", grid.logs());
    }
    let raced_in = racing.elapsed();

    let statuses = pg.query(
        &db,
        "SELECT status, attempts, count(*) FROM jobs GROUP BY 1, 2",
    );
    assert_eq!(
        statuses,
        vec![format!("succeeded|1|{jobs}")],
        "{}",
        grid.logs()
    );
    report.ended = jobs;
    for n in 0..jobs {
        let text = std::fs::read_to_string(effects.join(n.to_string())).unwrap_or_default();
        let starts = text.lines().filter(|l| l.starts_with("start")).count();
        match starts {
            0 => report.lost += 1,
            1 => {}
            _ => report.run_twice_concurrently += overlapping_runs(&text),
        }
        assert_eq!(starts, 1, "job race-{n} ran {starts} times: {text}");
    }
    println!(
        "racing with {runners} runners x 2 slots (process executor): {jobs} jobs submitted in \
         {:.1} s, all ended {:.1} s after the runners started",
        submitted_in.as_secs_f64(),
        raced_in.as_secs_f64()
    );
    report.print_and_check();
}

/// Pairs of runs in one effects file whose start..end intervals overlap.
fn overlapping_runs(text: &str) -> usize {
    let times: Vec<f64> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    let runs: Vec<(f64, f64)> = times
        .chunks(2)
        .map(|c| (c[0], *c.last().unwrap_or(&c[0])))
        .collect();
    let mut overlaps = 0;
    for (i, a) in runs.iter().enumerate() {
        for b in &runs[i + 1..] {
            if a.0 < b.1 && b.0 < a.1 {
                overlaps += 1;
            }
        }
    }
    overlaps
}

/// A job printing `line <n>` for `count` lines, `pause` seconds apart.
fn counting_spec(name: &str, count: usize, pause: f64) -> String {
    let code = format!(
        "import time\nfor n in range({count}):\n    print(f'line {{n}}', flush=True)\n    \
         time.sleep({pause})\n"
    );
    inline_spec(name, &code, serde_json::json!({"retries": 2}))
}

/// `rgrid logs ID --follow` in the background, as a user watching the job.
fn follower(grid: &Grid, cwd: &Path, id: &str) -> std::process::Child {
    std::process::Command::new(bin("rgrid"))
        .args(["logs", id, "--follow"])
        .current_dir(cwd)
        .env("RGRID_SERVER", &grid.url)
        .env("RGRID_API_KEY", TEST_API_KEY)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start rgrid logs --follow")
}

/// Fault 3: Stop the server, then Postgres, each for longer than the heartbeat timeout,
/// while jobs run and CLIs follow their logs (one CLI starts while the database is away):
/// every job ends succeeded on its first attempt (an outage is not the runners' silence),
/// and the stored logs and what the CLIs printed hold every line once, in order.
#[test]
fn server_and_postgres_restarts_lose_nothing() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_restart");
    let mut grid = Grid::start_with(&db, SHORT_HEARTBEAT).expect("start server");
    grid.add_runner(docker_runner(2)).expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("server and Postgres outages");
    let lines = 400;
    let outage = Duration::from_secs(SHORT_HEARTBEAT.heartbeat_timeout_secs + 2);

    let ids: Vec<String> = (0..2)
        .map(|n| {
            let spec = counting_spec(&format!("count-{n}"), lines, 0.03);
            submit(&grid, here, &spec)
        })
        .collect();
    report.submitted = ids.len();
    let mut followers: Vec<_> = ids.iter().map(|id| follower(&grid, here, id)).collect();
    for id in &ids {
        wait_for_output(&grid, here, id, "line 20\n", Duration::from_secs(60));
    }
    // The outage's length is what this test is about, so it is a fixed pause.
    grid.restart_server_after(outage)
        .expect("restart the server");
    for id in &ids {
        wait_for_output(&grid, here, id, "line 120\n", Duration::from_secs(60));
    }

    pg.stop().expect("stop Postgres");
    let down = Instant::now();
    followers.push(follower(&grid, here, &ids[0]));
    // The new follower's first request fails (the server answers 500 once its database
    // pool gives up); only then does Postgres come back.
    wait_until(
        "the late follower's request to fail",
        Duration::from_secs(30),
        || {
            grid.server
                .log_text()
                .lines()
                .any(|l| l.contains("request failed") && l.contains("/v1/jobs/{id}/logs"))
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}\n{}", grid.logs()));
    if let Some(rest) = outage.checked_sub(down.elapsed()) {
        std::thread::sleep(rest);
    }
    let pg_down = down.elapsed();
    pg.start_again().expect("start Postgres again");

    for id in &ids {
        let view = wait_for_job(
            &grid,
            here,
            id,
            "the job's end",
            Duration::from_secs(120),
            is_final,
        );
        report.ended += usize::from(is_final(&view));
        if view["status"] != "succeeded" {
            report.lost += 1;
        }
        if view["attempts"] != 1 {
            report.run_twice_concurrently += 1;
        }
        report.log_lines_lost += numbered_lines_lost(&stdout_of(&grid, here, id), lines);
    }
    for child in followers {
        let run = Run::from_output(child.wait_with_output().expect("follower ends"));
        assert_eq!(run.code, 0, "{run}");
        report.log_lines_lost += numbered_lines_lost(&run.stdout, lines);
    }
    println!(
        "outages: server down {} s, Postgres down {:.1} s",
        outage.as_secs(),
        pg_down.as_secs_f64()
    );
    report.print_and_check();
}

/// Fault 4: Cut the runner off the server (a proxy the test controls) for longer than the
/// heartbeat timeout while its job keeps running: the cut-off runner kills its own attempt
/// (it learned the server's timeout at registration) while the partition still holds, the
/// server requeues the job on another runner, whose attempt wins; nothing of the cut-off
/// attempt reaches the job's logs or artifacts.
#[test]
fn partitioned_runner_kills_its_attempt_and_the_retry_wins() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_partition");
    let mut grid = Grid::start_with(&db, SHORT_HEARTBEAT).expect("start server");
    let proxy = TcpProxy::start(grid.address()).expect("start proxy");
    let behind_proxy = RunnerOptions {
        slots: 1,
        server_url: Some(proxy.url.clone()),
        ..RunnerOptions::default()
    };
    grid.add_runner(behind_proxy)
        .expect("start runner behind the proxy");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("runner cut off");

    // 20 s of work: far longer than it takes the cut-off runner to give up on it.
    let id = submit(&grid, here, &slow_job_spec("partitioned", 20));
    report.submitted = 1;
    wait_for_output(&grid, here, &id, "started", Duration::from_secs(60));
    let first = execution_id(&pg, &db, &id, 1);
    proxy.cut();
    let cut_at = Instant::now();
    grid.add_runner(docker_runner(1))
        .expect("start second runner");

    // While the partition holds, the first attempt's container goes, killed by its runner;
    // meanwhile, watch whether the retry's container ever runs beside it.
    let mut overlapped = false;
    wait_until(
        "the cut-off runner to kill its attempt",
        Duration::from_secs(15),
        || {
            let first_runs = !running_containers_of_execution(&first).is_empty();
            let second = pg.query(
                &db,
                &format!("SELECT id FROM executions WHERE job_id = '{id}' AND attempt = 2"),
            );
            if let Some(second) = second.first() {
                overlapped |= first_runs && !running_containers_of_execution(second).is_empty();
            }
            !first_runs
        },
    )
    .unwrap_or_else(|err| panic!("{err:#}\n{}", grid.logs()));
    let killed_after = cut_at.elapsed();
    report.run_twice_concurrently += usize::from(overlapped);
    assert!(
        grid.runners[0]
            .log_text()
            .contains("cut off from the server"),
        "{}",
        grid.logs()
    );
    println!(
        "runner cut off: its attempt killed {:.1} s after the cut (heartbeat timeout {} s), \
         before the partition ended",
        killed_after.as_secs_f64(),
        SHORT_HEARTBEAT.heartbeat_timeout_secs
    );
    proxy.restore();
    let view = wait_for_job(
        &grid,
        here,
        &id,
        "the job's end",
        Duration::from_secs(90),
        is_final,
    );
    report.ended = usize::from(is_final(&view));
    report.lost = usize::from(view["status"] != "succeeded");

    assert_eq!(
        executions(&pg, &db, &id),
        vec!["1|abandoned|abandoned", "2|succeeded|completed"],
        "{}",
        grid.logs()
    );
    let logs = grid.rgrid(here, &["logs", &id, "--json"]).expect("logs");
    let chunks: Vec<serde_json::Value> = logs
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let finished: Vec<&serde_json::Value> = chunks
        .iter()
        .filter(|c| c["text"].as_str().is_some_and(|t| t.contains("finished")))
        .collect();
    assert_eq!(
        finished.len(),
        1,
        "one attempt's finish is logged: {chunks:?}"
    );
    assert_eq!(finished[0]["attempt"], 2, "{chunks:?}");
    let winner = finished[0]["text"]
        .as_str()
        .and_then(|t| t.split_whitespace().nth(1))
        .expect("token");
    let out = here.join("out");
    let download = grid
        .rgrid(here, &["download", &id, out.to_str().expect("utf-8")])
        .expect("download");
    assert_eq!(download.code, 0, "{download}");
    let kept = std::fs::read_to_string(out.join("out.txt")).expect("out.txt");
    assert_eq!(kept, winner, "the artifact is the winning attempt's");
    report.print_and_check();
}

/// Fault 5: A job prints 200 000 lines as fast as it can: the server stores every line once, in
/// order, and the CLI prints them all.
#[test]
fn flood_of_lines_is_stored_and_printed_whole() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_flood");
    let mut grid = Grid::start(&db).expect("start server");
    grid.add_runner(docker_runner(1)).expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let lines = 200_000;
    std::fs::write(
        here.join("flood.py"),
        format!("for n in range({lines}):\n    print(f'line {{n}}')\n"),
    )
    .expect("write flood.py");
    let mut report = FaultReport::new("200 000 lines");

    let started = Instant::now();
    let run = grid.rgrid(here, &["run", "flood.py"]).expect("rgrid run");
    let took = started.elapsed();
    report.submitted = 1;
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, grid.logs());
    report.ended = 1;
    report.log_lines_lost += numbered_lines_lost(&run.stdout, lines);
    let id = run
        .stderr
        .split_whitespace()
        .skip_while(|w| *w != "job")
        .nth(1)
        .expect("rgrid names the job")
        .to_string();
    report.log_lines_lost += numbered_lines_lost(&stdout_of(&grid, here, &id), lines);
    println!(
        "200 000 lines: `rgrid run` printed them all in {:.1} s",
        took.as_secs_f64()
    );
    report.print_and_check();
}

/// Fault 6: Out of memory → failed, reason `oom`; past the timeout → failed, reason
/// `timeout`, even when a child ignores SIGTERM; no container is left behind either way.
#[test]
fn oom_timeout_and_stubborn_children_end_with_their_reason() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_limits");
    let mut grid = Grid::start(&db).expect("start server");
    grid.add_runner(docker_runner(2)).expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("oom, timeout, SIGTERM ignored");

    let hog = "blocks = []\nwhile True:\n    blocks.append(bytearray(16 << 20))\n";
    let stubborn = "import os, signal, time\n\
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n\
                    if os.fork() == 0:\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n\
                    print('child and parent ignore SIGTERM', flush=True)\n\
                    while True:\n    time.sleep(1)\n";
    let cases = [
        (
            "hog",
            hog,
            serde_json::json!({"retries": 0, "resources": {"memory": "64Mi"}}),
            "oom",
        ),
        (
            "stubborn",
            stubborn,
            serde_json::json!({"retries": 0, "timeoutSeconds": 3}),
            "timeout",
        ),
    ];
    let ids: Vec<(String, &str)> = cases
        .iter()
        .map(|(name, code, extra, reason)| {
            (
                submit(&grid, here, &inline_spec(name, code, extra.clone())),
                *reason,
            )
        })
        .collect();
    report.submitted = ids.len();
    for (id, reason) in &ids {
        let view = wait_for_job(
            &grid,
            here,
            id,
            "the job's end",
            Duration::from_secs(90),
            is_final,
        );
        report.ended += 1;
        assert_eq!(view["status"], "failed", "{view}");
        assert_eq!(view["reason"], *reason, "{view}");
        assert!(
            containers_of_job(id).is_empty(),
            "a container of {id} is left"
        );
    }

    // `rgrid retry` runs a finished job again as a new attempt; a running one is refused.
    let (hog_id, _) = &ids[0];
    let retry = grid.rgrid(here, &["retry", hog_id]).expect("rgrid retry");
    assert_eq!(retry.code, 0, "{retry}");
    let view = wait_for_job(
        &grid,
        here,
        hog_id,
        "the retry",
        Duration::from_secs(90),
        |v| v["attempts"] == 2 && is_final(v),
    );
    assert_eq!(
        (&view["status"], &view["reason"]),
        (&"failed".into(), &"oom".into())
    );
    let sleeper = inline_spec(
        "sleeper",
        "import time\ntime.sleep(60)\n",
        serde_json::json!({}),
    );
    let running = submit(&grid, here, &sleeper);
    wait_for_job(
        &grid,
        here,
        &running,
        "it to run",
        Duration::from_secs(60),
        |v| v["status"] == "running",
    );
    let refused = grid.rgrid(here, &["retry", &running]).expect("rgrid retry");
    assert_eq!(refused.code, 2, "{refused}");
    assert!(refused.stderr.contains("has not ended yet"), "{refused}");
    report.print_and_check();
}

/// Fault 7: Cancel while requirements install (a fresh, uncached venv) and while the job runs:
/// each ends `cancelled` within seconds, without a retry, and leaves no container.
#[test]
fn cancel_during_install_and_during_run() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_cancel");
    // Heartbeats every 2 s: the cancel reaches the runner well within the install.
    let options = GridOptions {
        heartbeat_timeout_secs: 6,
        ..GridOptions::default()
    };
    let mut grid = Grid::start_with(&db, options).expect("start server");
    grid.add_runner(docker_runner(2)).expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("cancel during install and run");

    // A comment unique to this run makes the requirements hash new: the install really runs,
    // and numpy's wheel (about 18 MB) keeps it busy for a few seconds.
    let nonce = format!("{:?}", std::time::SystemTime::now());
    let install = inline_spec(
        "cancel-install",
        "print('never here')\n",
        serde_json::json!({"retries": 2, "requirements": format!("# {nonce}\nnumpy\n")}),
    );
    let running = inline_spec(
        "cancel-run",
        "import time\nprint('running', flush=True)\ntime.sleep(120)\n",
        serde_json::json!({"retries": 2}),
    );
    let installing = submit(&grid, here, &install);
    let sleeping = submit(&grid, here, &running);
    report.submitted = 2;

    wait_until("the install to start", Duration::from_secs(60), || {
        let run = grid.rgrid(here, &["logs", &installing]).expect("logs");
        run.stderr.contains("installing requirements")
    })
    .unwrap_or_else(|err| panic!("{err:#}\n{}", grid.logs()));
    wait_for_output(&grid, here, &sleeping, "running", Duration::from_secs(60));
    for id in [&installing, &sleeping] {
        let asked = Instant::now();
        let cancel = grid.rgrid(here, &["cancel", id]).expect("rgrid cancel");
        assert_eq!(cancel.code, 0, "{cancel}");
        let view = wait_for_job(
            &grid,
            here,
            id,
            "the cancel",
            Duration::from_secs(30),
            is_final,
        );
        report.ended += 1;
        assert_eq!(view["status"], "cancelled", "{view}");
        assert_eq!(view["attempts"], 1, "{view}");
        println!(
            "cancel of {}: ended {:.1} s after `rgrid cancel`",
            view["name"],
            asked.elapsed().as_secs_f64()
        );
        wait_until("its containers to go", Duration::from_secs(20), || {
            containers_of_job(id).is_empty()
        })
        .unwrap_or_else(|err| panic!("{err:#}"));
    }
    assert!(!stdout_of(&grid, here, &installing).contains("never here"));
    let _ = status(&grid, here, &sleeping);
    report.print_and_check();
}

/// Fault 8: Runner shutdown: SIGTERM drains (no new claims, a short job finishes and reports); a
/// second signal stops hard: the long job is killed and released, back in the queue at once
/// without spending a retry; the runner exits 0 and leaves no container.
#[test]
fn runner_drain_finishes_short_jobs_and_releases_the_rest() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_drain");
    let mut grid = Grid::start(&db).expect("start server");
    grid.add_runner(docker_runner(2)).expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("runner drain and hard stop");

    let short_code = "import time\nprint('short started', flush=True)\ntime.sleep(3)\n";
    let long_code = "import time\nprint('long started', flush=True)\ntime.sleep(300)\n";
    let no_retries = serde_json::json!({"retries": 0});
    let short = submit(
        &grid,
        here,
        &inline_spec("short", short_code, no_retries.clone()),
    );
    let long = submit(
        &grid,
        here,
        &inline_spec("long", long_code, no_retries.clone()),
    );
    report.submitted = 2;
    wait_for_output(
        &grid,
        here,
        &short,
        "short started",
        Duration::from_secs(60),
    );
    wait_for_output(&grid, here, &long, "long started", Duration::from_secs(60));

    grid.runners[0].signal("TERM");
    let late = submit(
        &grid,
        here,
        &inline_spec("late", "print('late')\n", no_retries),
    );
    report.submitted += 1;
    let view = wait_for_job(
        &grid,
        here,
        &short,
        "the drain",
        Duration::from_secs(60),
        is_final,
    );
    assert_eq!(view["status"], "succeeded", "{view}\n{}", grid.logs());
    assert_eq!(
        status(&grid, here, &late)["status"],
        "queued",
        "no claims while draining"
    );
    assert_eq!(status(&grid, here, &long)["status"], "running");

    grid.runners[0].signal("INT");
    let exit = grid.runners[0].wait_exit(Duration::from_secs(30));
    assert!(
        exit.is_some_and(|s| s.success()),
        "{exit:?}\n{}",
        grid.logs()
    );
    let view = status(&grid, here, &long);
    assert_eq!(
        (&view["status"], &view["attempts"], &view["reason"]),
        (
            &serde_json::json!("queued"),
            &serde_json::json!(1),
            &serde_json::json!("abandoned")
        ),
        "released at once, not after the heartbeat timeout: {view}"
    );
    assert!(
        containers_of_job(&long).is_empty(),
        "the released job's container is gone"
    );

    // Released, not failed: a job without retries still gets its next attempt.
    grid.add_runner(docker_runner(2))
        .expect("start second runner");
    let view = wait_for_job(
        &grid,
        here,
        &late,
        "the late job",
        Duration::from_secs(60),
        is_final,
    );
    assert_eq!(view["status"], "succeeded", "{view}");
    wait_for_job(
        &grid,
        here,
        &long,
        "the second attempt",
        Duration::from_secs(60),
        |v| v["attempts"] == 2 && v["status"] == "running",
    );
    let cancel = grid.rgrid(here, &["cancel", &long]).expect("cancel");
    assert_eq!(cancel.code, 0, "{cancel}");
    let view = wait_for_job(
        &grid,
        here,
        &long,
        "the cancel",
        Duration::from_secs(30),
        is_final,
    );
    assert_eq!(view["status"], "cancelled", "{view}");
    report.ended = 3;
    report.print_and_check();
}

/// Fault 9: `rgrid cancel --batch` (one request) while two of six jobs run and four wait:
/// the queued ones end at once, the running ones within seconds, none is retried (the batch
/// allows 2 retries), and no container is left.
#[test]
fn cancel_batch_stops_queued_and_running_jobs() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_cancel_batch");
    // Heartbeats every 2 s: running jobs learn of the cancel within that.
    let options = GridOptions {
        heartbeat_timeout_secs: 6,
        ..GridOptions::default()
    };
    let mut grid = Grid::start_with(&db, options).expect("start server");
    grid.add_runner(docker_runner(2)).expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("cancel a batch");
    let inputs = here.join("in");
    std::fs::create_dir(&inputs).expect("inputs dir");
    let jobs = 6;
    for n in 0..jobs {
        std::fs::write(inputs.join(format!("{n}.txt")), format!("{n}\n")).expect("input");
    }
    let code = "import sys, time\nprint('started', sys.argv[1], flush=True)\ntime.sleep(300)\n";
    std::fs::write(here.join("sleeper.py"), code).expect("sleeper.py");

    let run = grid
        .rgrid(
            here,
            &[
                "run",
                "sleeper.py",
                "--batch",
                "in/*.txt",
                "--retries",
                "2",
                "--detach",
            ],
        )
        .expect("rgrid run --batch");
    assert_eq!(run.code, 0, "{run}\n{}", grid.logs());
    let batch = run.stdout.trim().to_string();
    report.submitted = jobs;
    let mut view = serde_json::Value::Null;
    wait_until("two jobs to run", Duration::from_secs(90), || {
        view = status(&grid, here, &batch);
        view["counts"]["running"] == 2
    })
    .unwrap_or_else(|err| panic!("{err:#}: {view}\n{}", grid.logs()));
    let running: Vec<String> = view["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|j| j["status"] == "running")
        .filter_map(|j| j["id"].as_str().map(str::to_string))
        .collect();
    for id in &running {
        wait_for_output(&grid, here, id, "started", Duration::from_secs(60));
    }

    let asked = Instant::now();
    let cancel = grid
        .rgrid(here, &["cancel", "--batch", &batch])
        .expect("rgrid cancel --batch");
    assert_eq!(cancel.code, 0, "{cancel}");
    assert!(
        cancel
            .stderr
            .contains("4 queued jobs cancelled, 2 running jobs stop within seconds"),
        "{cancel}"
    );
    let queued_gone = status(&grid, here, &batch);
    assert_eq!(queued_gone["counts"]["cancelled"], 4, "{queued_gone}");
    wait_until("every job to end", Duration::from_secs(30), || {
        view = status(&grid, here, &batch);
        view["counts"]["cancelled"] == jobs
    })
    .unwrap_or_else(|err| panic!("{err:#}: {view}\n{}", grid.logs()));
    let took = asked.elapsed();
    report.ended = jobs;
    let attempts = pg.query(
        &db,
        &format!(
            "SELECT status, attempts, count(*) FROM jobs WHERE batch_id = '{batch}' \
             GROUP BY 1, 2 ORDER BY 2"
        ),
    );
    assert_eq!(
        attempts,
        vec!["cancelled|0|4", "cancelled|1|2"],
        "never retried"
    );
    for id in &running {
        wait_until("its containers to go", Duration::from_secs(20), || {
            containers_of_job(id).is_empty()
        })
        .unwrap_or_else(|err| panic!("{err:#}"));
    }
    println!(
        "cancel --batch: 4 queued jobs ended at once, 2 running ended {:.1} s after the request",
        took.as_secs_f64()
    );
    report.print_and_check();
}

/// Fault 10: the server's timeout backstop. The runner is frozen (SIGSTOP) while its job runs
/// past its timeout, so nobody enforces it there: the server abandons the execution at its
/// deadline plus `--timeout-grace` (well before the heartbeat timeout), and requeues the job.
/// Thawed, the runner hears its execution is stale and kills it before it claims again.
#[test]
fn frozen_runner_past_the_timeout_is_abandoned_by_the_backstop() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_backstop");
    // The heartbeat timeout (20 s) is longer than timeout + grace + a reaper tick (8 s + 2 s
    // + 5 s): the backstop, not the silence, must end the attempt.
    let options = GridOptions {
        heartbeat_timeout_secs: 20,
        server_args: vec!["--timeout-grace".into(), "2".into()],
        ..GridOptions::default()
    };
    let mut grid = Grid::start_with(&db, options).expect("start server");
    grid.add_runner(docker_runner(1)).expect("start runner");
    // A server reaps nothing for one heartbeat timeout after it starts; the job must be
    // claimed after that, or its silence and its deadline would expire in the same pass.
    wait_until("the reaper to start", Duration::from_secs(60), || {
        grid.server.log_text().contains("reaper active")
    })
    .unwrap_or_else(|err| panic!("{err:#}\n{}", grid.logs()));
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("timeout backstop");

    let spec = inline_spec(
        "overdue",
        "import time\nprint('started', flush=True)\ntime.sleep(300)\n",
        serde_json::json!({"retries": 1, "timeoutSeconds": 8}),
    );
    let id = submit(&grid, here, &spec);
    report.submitted = 1;
    wait_for_output(&grid, here, &id, "started", Duration::from_secs(60));
    let first = execution_id(&pg, &db, &id, 1);
    grid.runners[0].signal("STOP");
    let frozen = Instant::now();

    let view = wait_for_job(
        &grid,
        here,
        &id,
        "the backstop",
        Duration::from_secs(60),
        |v| v["status"] != "running",
    );
    let abandoned_after = frozen.elapsed();
    grid.runners[0].signal("CONT");
    assert_eq!(
        (&view["status"], &view["reason"]),
        (&"queued".into(), &"abandoned".into()),
        "{view}"
    );
    let message = pg.query(
        &db,
        &format!("SELECT message FROM executions WHERE id = '{first}'"),
    );
    assert_eq!(
        message,
        vec!["the job ran past its timeout and its runner did not stop it"],
        "the backstop ended it, not the heartbeat timeout"
    );
    // Thawed, the runner learns the attempt is stale and kills it; then it claims the retry,
    // which it times out itself this time.
    let view = wait_for_job(
        &grid,
        here,
        &id,
        "the retry's end",
        Duration::from_secs(90),
        is_final,
    );
    report.ended = 1;
    assert_eq!(
        executions(&pg, &db, &id),
        vec!["1|abandoned|abandoned", "2|failed|timeout"],
        "{}",
        grid.logs()
    );
    assert_eq!(view["reason"], "timeout", "{view}");
    // Timed out twice is this job's known end: it is not lost.
    assert!(
        running_containers_of_execution(&first).is_empty(),
        "the stale attempt's container is gone"
    );
    assert!(
        grid.runners[0].log_text().contains("stale"),
        "{}",
        grid.logs()
    );
    println!(
        "timeout backstop: frozen runner's execution abandoned {:.1} s after the freeze \
         (job timeout 8 s + grace 2 s, reaper every 5 s; heartbeat timeout 20 s)",
        abandoned_after.as_secs_f64()
    );
    report.print_and_check();
}

/// Fault 11: SIGTERM with a job longer than `--drain-timeout`: the runner waits the drain
/// deadline, then kills the job and releases it; the server requeues it at once without
/// spending a retry (it has none), and it succeeds on another runner.
#[test]
fn drain_deadline_releases_the_job_and_it_succeeds_elsewhere() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_drain_deadline");
    // A long heartbeat timeout: a requeue within it can only be the release.
    let options = GridOptions {
        heartbeat_timeout_secs: 30,
        ..GridOptions::default()
    };
    let mut grid = Grid::start_with(&db, options).expect("start server");
    let draining = RunnerOptions {
        slots: 1,
        drain_timeout_secs: Some(3),
        ..RunnerOptions::default()
    };
    grid.add_runner(draining).expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("drain deadline");

    let spec = inline_spec(
        "outlasts-drain",
        "import time\nprint('started', flush=True)\ntime.sleep(10)\nprint('done', flush=True)\n",
        serde_json::json!({"retries": 0}),
    );
    let id = submit(&grid, here, &spec);
    report.submitted = 1;
    wait_for_output(&grid, here, &id, "started", Duration::from_secs(60));
    let first = execution_id(&pg, &db, &id, 1);
    grid.runners[0].signal("TERM");
    let asked = Instant::now();
    let exit = grid.runners[0].wait_exit(Duration::from_secs(40));
    let stopped_after = asked.elapsed();
    assert!(
        exit.is_some_and(|s| s.success()),
        "{exit:?}\n{}",
        grid.logs()
    );
    assert!(
        stopped_after >= Duration::from_secs(3),
        "waited the drain deadline"
    );
    let view = status(&grid, here, &id);
    assert_eq!(
        (&view["status"], &view["attempts"]),
        (&"queued".into(), &1.into()),
        "released at once, not after the heartbeat timeout: {view}"
    );
    assert!(
        containers_of_job(&id).is_empty(),
        "the released attempt's container is gone"
    );
    let message = pg.query(
        &db,
        &format!("SELECT message FROM executions WHERE id = '{first}'"),
    );
    assert_eq!(message, vec!["the node stopped before the job finished"]);

    grid.add_runner(docker_runner(1))
        .expect("start second runner");
    let view = wait_for_job(
        &grid,
        here,
        &id,
        "the job's end",
        Duration::from_secs(90),
        is_final,
    );
    report.ended = 1;
    report.lost = usize::from(view["status"] != "succeeded");
    assert_eq!(
        executions(&pg, &db, &id),
        vec!["1|abandoned|abandoned", "2|succeeded|completed"],
        "{}",
        grid.logs()
    );
    report.log_lines_lost += usize::from(!stdout_of(&grid, here, &id).contains("done"));
    println!(
        "drain deadline 3 s: runner exited {:.1} s after SIGTERM; job requeued without a \
         retry and succeeded on attempt 2",
        stopped_after.as_secs_f64()
    );
    report.print_and_check();
}

/// Fault 12: the claim-at-shutdown race. The server grants a claim whose answer never reaches
/// the runner (a proxy drops it), and the runner is told to stop while it waits: the release
/// it sends on its way out returns the job to the queue at once; it is not lost until the
/// heartbeat timeout, and it succeeds on another runner without spending a retry.
#[test]
fn claim_granted_while_stopping_is_released_not_lost() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_claim_race");
    let options = GridOptions {
        heartbeat_timeout_secs: 30,
        ..GridOptions::default()
    };
    let mut grid = Grid::start_with(&db, options).expect("start server");
    let proxy = TcpProxy::start(grid.address()).expect("start proxy");
    let behind_proxy = RunnerOptions {
        slots: 1,
        server_url: Some(proxy.url.clone()),
        ..RunnerOptions::default()
    };
    grid.add_runner(behind_proxy)
        .expect("start runner behind the proxy");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let mut report = FaultReport::new("claim at shutdown");
    wait_until("the runner to register", Duration::from_secs(60), || {
        grid.runners[0].log_text().contains("registered")
    })
    .unwrap_or_else(|err| panic!("{err:#}\n{}", grid.logs()));

    proxy.swallow_answers();
    let spec = inline_spec(
        "raced",
        "print('ran', flush=True)\n",
        serde_json::json!({"retries": 0}),
    );
    let id = submit(&grid, here, &spec);
    report.submitted = 1;
    wait_for_job(
        &grid,
        here,
        &id,
        "the claim to be granted",
        Duration::from_secs(60),
        |v| v["status"] == "running",
    );
    assert!(
        !grid.runners[0].log_text().contains("job claimed"),
        "the runner never heard of its claim"
    );
    proxy.restore();
    grid.runners[0].signal("TERM");
    let exit = grid.runners[0].wait_exit(Duration::from_secs(40));
    assert!(
        exit.is_some_and(|s| s.success()),
        "{exit:?}\n{}",
        grid.logs()
    );
    assert!(
        grid.runners[0]
            .log_text()
            .contains("gave unfinished jobs back"),
        "{}",
        grid.logs()
    );
    let view = status(&grid, here, &id);
    assert_eq!(
        (&view["status"], &view["attempts"]),
        (&"queued".into(), &1.into()),
        "released at once, not after the heartbeat timeout: {view}"
    );

    grid.add_runner(docker_runner(1))
        .expect("start second runner");
    let view = wait_for_job(
        &grid,
        here,
        &id,
        "the job's end",
        Duration::from_secs(90),
        is_final,
    );
    report.ended = 1;
    report.lost = usize::from(view["status"] != "succeeded");
    assert_eq!(
        executions(&pg, &db, &id),
        vec!["1|abandoned|abandoned", "2|succeeded|completed"],
        "{}",
        grid.logs()
    );
    report.log_lines_lost += usize::from(!stdout_of(&grid, here, &id).contains("ran"));
    report.print_and_check();
}

/// Whether a process is still alive (a zombie waiting for its reaper is not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// Fault 13: `kill -9` a process-executor runner while its job (and a child the job forked)
/// runs: its watchdog kills the job's process group, so nothing of the attempt runs on
/// beside the retry, which succeeds on a second runner.
#[test]
fn killed_process_runner_leaves_no_job_processes() {
    let _turn = serial();
    let Some(pg) = services() else { return };
    let db = pg.create_database("rgrid_fault_process_kill");
    let mut grid = Grid::start_with(&db, SHORT_HEARTBEAT).expect("start server");
    let process_runner = RunnerOptions {
        executor: "process",
        slots: 1,
        ..RunnerOptions::default()
    };
    grid.add_runner(process_runner.clone())
        .expect("start runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let marker = here.join("first-attempt");
    let mut report = FaultReport::new("kill -9 process runner");

    // The first attempt forks a child and both sleep; the retry finds the marker and ends.
    let code = format!(
        "import os, time\n\
         marker = '{marker}'\n\
         if not os.path.exists(marker):\n    \
             open(marker, 'w').close()\n    \
             child = os.fork()\n    \
             if child == 0:\n        time.sleep(300)\n        os._exit(0)\n    \
             print('pids', os.getpid(), child, flush=True)\n    \
             time.sleep(300)\n\
         print('second attempt', flush=True)\n",
        marker = marker.display()
    );
    let id = submit(
        &grid,
        here,
        &inline_spec("forks", &code, serde_json::json!({"retries": 2})),
    );
    report.submitted = 1;
    wait_for_output(&grid, here, &id, "pids", Duration::from_secs(60));
    let pids: Vec<u32> = stdout_of(&grid, here, &id)
        .lines()
        .find_map(|l| l.strip_prefix("pids "))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(pids.len(), 2, "the job and its child");
    assert!(pids.iter().all(|p| alive(*p)));

    grid.runners[0].kill();
    let killed = Instant::now();
    wait_until(
        "the job's processes to die with the runner",
        Duration::from_secs(10),
        || !pids.iter().any(|p| alive(*p)),
    )
    .unwrap_or_else(|err| panic!("{err:#}: {pids:?} still alive\n{}", grid.logs()));
    let gone_after = killed.elapsed();

    grid.add_runner(process_runner)
        .expect("start second runner");
    let view = wait_for_job(
        &grid,
        here,
        &id,
        "the retry's end",
        Duration::from_secs(90),
        is_final,
    );
    report.ended = 1;
    report.lost = usize::from(view["status"] != "succeeded");
    assert_eq!(view["attempts"], 2, "{view}");
    report.log_lines_lost += usize::from(!stdout_of(&grid, here, &id).contains("second attempt"));
    println!(
        "kill -9 process runner: job and child gone {:.2} s after the kill",
        gone_after.as_secs_f64()
    );
    report.print_and_check();
}
