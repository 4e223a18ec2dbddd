//! Two `rgrid-server` processes on one real Postgres database, as replicas behind a load
//! balancer would run: a job runs through server A (its runner talks to A only) while a user
//! follows its logs through server B. B hears of each chunk through LISTEN/NOTIFY; B's
//! fallback recheck is set to ten minutes, so a line reaching the follower within the test's
//! deadline can only have come by a notification.
//!
//! The test prints the latency of the cross-server leg (chunk stored through A → printed by
//! the follower on B): `cargo test -p rgrid-tests --test e2e_replicas -- --nocapture`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rgrid_tests::grid::{Grid, GridOptions, RunnerOptions};
use rgrid_tests::process::{bin, TEST_API_KEY};

const LINES: usize = 30;

#[test]
fn a_follower_on_one_server_sees_lines_appended_through_another() {
    let Some(pg) = rgrid_tests::postgres::require_postgres() else {
        return;
    };
    let database = pg.create_database("rgrid_replicas");
    let mut a = Grid::start(&database).expect("start server A");
    let b_options = GridOptions {
        server_args: vec!["--recheck".into(), "600".into()],
        ..GridOptions::default()
    };
    let b = Grid::start_with(&database, b_options).expect("start server B");
    a.add_runner(RunnerOptions {
        executor: "process",
        slots: 1,
        ..RunnerOptions::default()
    })
    .expect("start a runner on A");

    let cwd = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        cwd.path().join("ticks.py"),
        format!(
            "import time\n\
             time.sleep(2)\n\
             for i in range({LINES}):\n    \
                 print(f'tick {{i}}', flush=True)\n    \
                 time.sleep(0.1)\n"
        ),
    )
    .expect("write script");
    let submitted = a
        .rgrid(cwd.path(), &["run", "--detach", "ticks.py"])
        .expect("rgrid run --detach");
    assert_eq!(submitted.code, 0, "{submitted}\n{}", a.logs());
    let job = submitted.stdout.trim().to_string();

    let mut follower = Command::new(bin("rgrid"))
        .args(["logs", &job, "--follow", "--json"])
        .current_dir(cwd.path())
        .env("RGRID_SERVER", &b.url)
        .env("RGRID_API_KEY", TEST_API_KEY)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the follower on B");
    let stdout = follower.stdout.take().expect("piped stdout");
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send((line, chrono::Utc::now())).is_err() {
                break;
            }
        }
    });

    let deadline = Instant::now() + Duration::from_secs(90);
    let mut ticks = Vec::new();
    let mut latencies_ms = Vec::new();
    let mut end = None;
    while end.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok((line, printed)) = lines.recv_timeout(left) else {
            let _ = follower.kill();
            panic!(
                "the follower on B got {} of {LINES} lines and no end before the deadline \
                 (B's recheck is 600 s, so only a notification could have woken it)\n{}\n{}",
                ticks.len(),
                a.logs(),
                b.logs()
            );
        };
        let event: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        match event["type"].as_str() {
            Some("log") if event["stream"] == "stdout" => {
                let stored = event["at"].as_str().expect("at");
                let stored = chrono::DateTime::parse_from_rfc3339(stored).expect("RFC 3339");
                let text = event["text"].as_str().expect("text");
                for tick in text.lines() {
                    ticks.push(tick.to_string());
                    latencies_ms.push((printed - stored.to_utc()).num_microseconds());
                }
            }
            Some("log") => {}
            Some("end") => end = Some(event["status"].clone()),
            other => panic!("unexpected event type {other:?}: {line}"),
        }
    }
    let status = follower.wait().expect("follower exits");
    assert!(status.success(), "the follower exited with {status}");
    assert_eq!(end, Some(serde_json::json!("succeeded")));
    let expected: Vec<String> = (0..LINES).map(|i| format!("tick {i}")).collect();
    assert_eq!(ticks, expected, "every line once, in order");

    let mut ms: Vec<f64> = latencies_ms
        .into_iter()
        .map(|us| us.unwrap_or(i64::MAX) as f64 / 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    println!(
        "cross-server log latency (stored through A -> printed by `rgrid logs -f` on B), \
         {} chunks: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}
