//! Every `--json` output of the CLI against a real grid (`rgrid-server` on SQLite, one
//! `rgrid-runner` with the process executor), parsed and checked against the shapes
//! docs/cli.md documents ("JSON output"): field names and types, one document per command,
//! JSON Lines for listings and streams. Also `rgrid run --json`'s event stream and that no
//! progress bar reaches a stderr that is not a terminal.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rgrid_tests::grid::{Grid, RunnerOptions};
use rgrid_tests::process::{bin, wait_until, Run, TEST_API_KEY};
use serde_json::Value;

/// A documented type: `string`, `integer`, `number`, `bool`, `object`, `array`, `time`
/// (RFC 3339 string), `uuid`; a trailing `?` allows null (or the field missing).
type Shape = &'static [(&'static str, &'static str)];

const JOB: Shape = &[
    ("id", "uuid"),
    ("name", "string?"),
    ("project", "string"),
    ("status", "string"),
    ("attempts", "integer"),
    ("max_retries", "integer"),
    ("reason", "string?"),
    ("exit_code", "integer?"),
    ("message", "string?"),
    ("executor", "string?"),
    ("node", "string?"),
    ("current_execution", "uuid?"),
    ("created_at", "time"),
    ("started_at", "time?"),
    ("finished_at", "time?"),
    ("spec", "object"),
];
const LOG: Shape = &[
    ("type", "string"),
    ("id", "integer"),
    ("attempt", "integer"),
    ("seq", "integer"),
    ("stream", "string"),
    ("text", "string"),
    ("at", "time"),
];
const END: Shape = &[
    ("type", "string"),
    ("status", "string"),
    ("next", "integer"),
];
const ARTIFACT: Shape = &[
    ("path", "string"),
    ("size", "integer"),
    ("sha256", "string"),
    ("content_type", "string"),
    ("url", "string"),
];
const DOWNLOADED: Shape = &[("path", "string"), ("state", "string")];
const WHOAMI: Shape = &[
    ("server", "string"),
    ("account", "string"),
    ("project", "string"),
    ("role", "string"),
    ("key_id", "integer"),
    ("key_from", "string"),
];
const KEY: Shape = &[
    ("id", "integer"),
    ("name", "string"),
    ("role", "string"),
    ("prefix", "string"),
    ("created_at", "time"),
    ("last_used_at", "time?"),
    ("revoked_at", "time?"),
];
const CREATED_KEY: Shape = &[("key", "object"), ("secret", "string")];
const TOKEN: Shape = &[
    ("id", "integer"),
    ("name", "string"),
    ("prefix", "string"),
    ("created_at", "time"),
    ("last_used_at", "time?"),
    ("revoked_at", "time?"),
];
const CREATED_TOKEN: Shape = &[("token", "object"), ("secret", "string")];
const PROJECT: Shape = &[("id", "uuid"), ("account", "string"), ("slug", "string")];
const CREATED_PROJECT: Shape = &[("project", "object"), ("key", "object")];
const NODE: Shape = &[
    ("id", "uuid"),
    ("name", "string"),
    ("executor", "string"),
    ("slots", "integer"),
    ("busy", "integer"),
    ("state", "string"),
    ("last_seen", "time"),
    ("executions", "integer"),
    ("node_type", "string?"),
    ("created_at", "time?"),
    ("ended_at", "time?"),
    ("cost", "number?"),
];
const COST: Shape = &[("days", "array"), ("projects", "array")];
const COST_DAY: Shape = &[
    ("day", "string"),
    ("node_hours", "number"),
    ("node_cost", "number"),
    ("cpu_seconds", "number"),
];
const SETTING: Shape = &[("value", "string?"), ("source", "string")];
const SETTINGS: [&str; 11] = [
    "server",
    "api_key",
    "project",
    "profile",
    "color",
    "quiet",
    "output_dir",
    "runtime",
    "cpu",
    "memory",
    "timeout",
];
const BATCH: Shape = &[
    ("id", "uuid"),
    ("parallel", "integer?"),
    ("created_at", "time"),
    ("counts", "object"),
    ("jobs", "array"),
];
const BATCH_COUNTS: Shape = &[
    ("queued", "integer"),
    ("running", "integer"),
    ("succeeded", "integer"),
    ("failed", "integer"),
    ("cancelled", "integer"),
];
const BATCH_JOB: Shape = &[
    ("id", "uuid"),
    ("input", "string?"),
    ("status", "string"),
    ("reason", "string?"),
    ("exit_code", "integer?"),
    ("message", "string?"),
];
const SUBMITTED: Shape = &[("type", "string"), ("job", "object")];
const STATUS: Shape = &[
    ("type", "string"),
    ("status", "string"),
    ("attempt", "integer"),
    ("node", "string?"),
    ("executor", "string?"),
];
const OUTPUT: Shape = &[("type", "string"), ("path", "string"), ("state", "string")];
const FINISHED: Shape = &[
    ("type", "string"),
    ("id", "uuid"),
    ("status", "string"),
    ("reason", "string?"),
    ("exit_code", "integer?"),
    ("message", "string?"),
    ("attempts", "integer"),
    ("rgrid_exit", "integer"),
];

fn type_ok(value: &Value, ty: &str) -> bool {
    if let Some(inner) = ty.strip_suffix('?') {
        return value.is_null() || type_ok(value, inner);
    }
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "bool" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "uuid" => value
            .as_str()
            .is_some_and(|s| s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4),
        "time" => value
            .as_str()
            .is_some_and(|s| s.len() >= 20 && s.as_bytes()[10] == b'T'),
        other => panic!("unknown type {other} in a shape"),
    }
}

/// Every documented field is there (or null where allowed) with its type.
fn check(what: &str, value: &Value, shape: Shape) {
    assert!(value.is_object(), "{what}: not an object: {value}");
    for (field, ty) in shape {
        let got = value.get(*field).unwrap_or(&Value::Null);
        assert!(
            type_ok(got, ty),
            "{what}: field `{field}` should be {ty}, is {got}\n{value:#}"
        );
    }
}

/// One JSON document on stdout.
fn document(run: &Run) -> Value {
    assert_eq!(run.code, 0, "{run}");
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document: {e}\n{run}"))
}

/// JSON Lines on stdout.
fn lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line: {e}: {line}"))
        })
        .collect()
}

fn rgrid_with_key(grid: &Grid, cwd: &Path, key: &str, args: &[&str]) -> Run {
    let output = Command::new(bin("rgrid"))
        .args(args)
        .current_dir(cwd)
        .env("RGRID_SERVER", &grid.url)
        .env("RGRID_API_KEY", key)
        .env("NO_COLOR", "1")
        .output()
        .expect("run rgrid");
    Run::from_output(output)
}

fn admin(database: &str, args: &[&str]) -> String {
    let output = Command::new(bin("rgrid-server"))
        .arg("admin")
        .args(["--database-url", database])
        .args(args)
        .output()
        .expect("run rgrid-server admin");
    let run = Run::from_output(output);
    assert_eq!(run.code, 0, "{run}");
    run.stdout.trim().to_string()
}

fn wait_final(grid: &Grid, cwd: &Path, id: &str) -> Value {
    let mut job = Value::Null;
    wait_until("the job to end", Duration::from_secs(120), || {
        let run = grid.rgrid(cwd, &["status", id, "--json"]).expect("status");
        job = document(&run);
        matches!(
            job["status"].as_str(),
            Some("succeeded" | "failed" | "cancelled")
        )
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", grid.logs()));
    job
}

const SCRIPT: &str = "import sys, time\n\
    time.sleep(1)\n\
    print('hello out', flush=True)\n\
    print('hello err', file=sys.stderr, flush=True)\n\
    open('result.txt', 'w').write('42\\n')\n\
    code = sys.argv[1] if len(sys.argv) > 1 else '0'\n\
    sys.exit(int(code) if code.isdigit() else 0)\n";

#[test]
fn every_json_output_has_its_documented_shape() {
    let db_dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", db_dir.path().join("rgrid.db").display());
    let mut grid = Grid::start(&database).expect("start rgrid-server");
    grid.add_runner(RunnerOptions {
        executor: "process",
        slots: 2,
        ..RunnerOptions::default()
    })
    .expect("start rgrid-runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    std::fs::write(here.join("job.py"), SCRIPT).expect("write script");

    // run --detach --json, status, list, logs, outputs, download.
    let job = document(
        &grid
            .rgrid(here, &["run", "--detach", "--json", "job.py"])
            .expect("run"),
    );
    check("run --detach --json", &job, JOB);
    let id = job["id"].as_str().expect("id").to_string();
    let job = wait_final(&grid, here, &id);
    check("status --json", &job, JOB);
    assert_eq!(job["status"], "succeeded", "{job:#}\n{}", grid.logs());

    let listed = lines(&grid.rgrid(here, &["list", "--json"]).expect("list"));
    assert!(!listed.is_empty());
    for job in &listed {
        check("list --json", job, JOB);
    }

    let logs = lines(&grid.rgrid(here, &["logs", &id, "--json"]).expect("logs"));
    let (end, chunks) = logs.split_last().expect("some lines");
    check("logs --json end", end, END);
    assert_eq!(end["type"], "end");
    for chunk in chunks {
        check("logs --json chunk", chunk, LOG);
    }
    let stdout_text: String = chunks
        .iter()
        .filter(|c| c["stream"] == "stdout")
        .filter_map(|c| c["text"].as_str())
        .collect();
    assert!(stdout_text.contains("hello out"), "{logs:?}");
    assert!(chunks.iter().any(|c| c["stream"] == "stderr"), "{logs:?}");

    let outputs = lines(
        &grid
            .rgrid(here, &["outputs", &id, "--json"])
            .expect("outputs"),
    );
    assert_eq!(outputs.len(), 1, "{outputs:?}");
    check("outputs --json", &outputs[0], ARTIFACT);
    assert_eq!(outputs[0]["path"], "result.txt");

    let into = here.join("fetched");
    let into_arg = into.to_str().expect("utf-8");
    let downloaded = lines(
        &grid
            .rgrid(here, &["download", &id, into_arg, "--json"])
            .expect("download"),
    );
    assert_eq!(downloaded.len(), 1, "{downloaded:?}");
    check("download --json", &downloaded[0], DOWNLOADED);
    assert_eq!(downloaded[0]["state"], "written");
    let again = lines(
        &grid
            .rgrid(here, &["download", &id, into_arg, "--json"])
            .expect("download"),
    );
    assert_eq!(again[0]["state"], "unchanged");

    // submit --json, cancel --json, retry --json.
    let spec = serde_json::json!({
        "apiVersion": "rgrid.dev/v1",
        "kind": "Job",
        "metadata": {"name": "sleeper"},
        "spec": {
            "runtime": "python:3.11-slim",
            "command": ["python", "-c", "import time; time.sleep(60)"],
        }
    });
    std::fs::write(here.join("sleeper.json"), spec.to_string()).expect("write spec");
    let submitted = document(
        &grid
            .rgrid(here, &["submit", "sleeper.json", "--json"])
            .expect("submit"),
    );
    check("submit --json", &submitted, JOB);
    let sleeper = submitted["id"].as_str().expect("id").to_string();
    let cancelled = document(
        &grid
            .rgrid(here, &["cancel", &sleeper, "--json"])
            .expect("cancel"),
    );
    check("cancel --json", &cancelled, JOB);
    wait_final(&grid, here, &sleeper);
    let retried = document(&grid.rgrid(here, &["retry", &id, "--json"]).expect("retry"));
    check("retry --json", &retried, JOB);
    wait_final(&grid, here, &id);

    // whoami, keys, projects.
    let me = document(&grid.rgrid(here, &["whoami", "--json"]).expect("whoami"));
    check("whoami --json", &me, WHOAMI);
    assert_eq!(me["key_from"], "RGRID_API_KEY");
    let created = document(
        &grid
            .rgrid(
                here,
                &["keys", "create", "ci", "--role", "viewer", "--json"],
            )
            .expect("keys create"),
    );
    check("keys create --json", &created, CREATED_KEY);
    check("keys create --json .key", &created["key"], KEY);
    let keys = lines(
        &grid
            .rgrid(here, &["keys", "list", "--json"])
            .expect("keys list"),
    );
    assert!(keys.len() >= 2, "{keys:?}");
    for key in &keys {
        check("keys list --json", key, KEY);
    }
    let key_id = created["key"]["id"].as_i64().expect("id").to_string();
    let revoked = document(
        &grid
            .rgrid(here, &["keys", "revoke", &key_id, "--json"])
            .expect("keys revoke"),
    );
    check("keys revoke --json", &revoked, KEY);
    assert!(revoked["revoked_at"].is_string(), "{revoked}");

    let token = admin(
        &database,
        &[
            "create-user",
            "json@example.com",
            "--account",
            "local",
            "--role",
            "owner",
        ],
    );
    let made = document(&rgrid_with_key(
        &grid,
        here,
        &token,
        &[
            "projects",
            "create",
            "shapes",
            "--account",
            "local",
            "--json",
        ],
    ));
    check("projects create --json", &made, CREATED_PROJECT);
    check("projects create --json .project", &made["project"], PROJECT);
    check("projects create --json .key", &made["key"], CREATED_KEY);
    let projects = lines(&rgrid_with_key(
        &grid,
        here,
        &token,
        &["projects", "list", "--account", "local", "--json"],
    ));
    assert!(projects.len() >= 2, "{projects:?}");
    for project in &projects {
        check("projects list --json", project, PROJECT);
    }

    // personal tokens.
    let made = document(&rgrid_with_key(
        &grid,
        here,
        &token,
        &["tokens", "create", "shapes", "--json"],
    ));
    check("tokens create --json", &made, CREATED_TOKEN);
    check("tokens create --json .token", &made["token"], TOKEN);
    let tokens = lines(&rgrid_with_key(
        &grid,
        here,
        &token,
        &["tokens", "list", "--json"],
    ));
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    for listed in &tokens {
        check("tokens list --json", listed, TOKEN);
    }
    let id = made["token"]["id"].to_string();
    let revoked = document(&rgrid_with_key(
        &grid,
        here,
        &token,
        &["tokens", "revoke", &id, "--json"],
    ));
    check("tokens revoke --json", &revoked, TOKEN);
    assert!(revoked["revoked_at"].is_string(), "{revoked}");

    // nodes (an operator command), cost, config show.
    let nodes = lines(
        &grid
            .rgrid_as_operator(here, &["nodes", "--json"])
            .expect("nodes"),
    );
    assert_eq!(nodes.len(), 1, "{nodes:?}");
    check("nodes --json", &nodes[0], NODE);
    let cost = document(&grid.rgrid(here, &["cost", "--json"]).expect("cost"));
    check("cost --json", &cost, COST);
    for day in cost["days"].as_array().expect("days") {
        check("cost --json .days[]", day, COST_DAY);
    }
    let config = document(
        &grid
            .rgrid(here, &["config", "show", "--json"])
            .expect("config"),
    );
    for name in SETTINGS {
        check(
            &format!("config show --json .{name}"),
            &config[name],
            SETTING,
        );
    }
    assert!(!config.to_string().contains(TEST_API_KEY), "the key leaked");

    // A batch: detached as JSON, its status as JSON.
    std::fs::create_dir_all(here.join("in")).expect("dir");
    for name in ["a", "b", "c"] {
        std::fs::write(here.join(format!("in/{name}.txt")), name).expect("write input");
    }
    let batch = document(
        &grid
            .rgrid(
                here,
                &["run", "job.py", "--batch", "in/*.txt", "--detach", "--json"],
            )
            .expect("run --batch --detach --json"),
    );
    check("run --batch --detach --json", &batch, BATCH);
    let batch_id = batch["id"].as_str().expect("id").to_string();
    let mut status = Value::Null;
    wait_until("the batch to end", Duration::from_secs(120), || {
        status = document(
            &grid
                .rgrid(here, &["status", &batch_id, "--json"])
                .expect("st"),
        );
        let counts = &status["counts"];
        counts["queued"] == 0 && counts["running"] == 0
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", grid.logs()));
    check("status BATCH --json", &status, BATCH);
    check(
        "status BATCH --json .counts",
        &status["counts"],
        BATCH_COUNTS,
    );
    for job in status["jobs"].as_array().expect("jobs") {
        check("status BATCH --json .jobs[]", job, BATCH_JOB);
    }
    assert_eq!(status["counts"]["failed"], 0, "{status:#}");

    // A followed batch with stderr not a terminal: rgrid's notes, no bar.
    let followed = grid
        .rgrid(
            here,
            &["run", "job.py", "--batch", "in/*.txt", "-o", "batch-out"],
        )
        .expect("run --batch");
    assert_eq!(followed.code, 0, "{followed}");
    assert!(followed.stderr.contains("3 succeeded"), "{followed}");
    for mark in ["\r", "\x1b[", "ETA", "[="] {
        assert!(
            !followed.stderr.contains(mark),
            "a bar reached a pipe: {followed}"
        );
    }
}

/// `rgrid run --json`: submitted, status changes, log lines, outputs, finished; the exit code
/// is still the job's.
#[test]
fn run_json_is_an_event_stream_and_keeps_the_exit_code() {
    let db_dir = tempfile::tempdir().expect("temp dir");
    let database = format!("sqlite://{}", db_dir.path().join("rgrid.db").display());
    let mut grid = Grid::start(&database).expect("start rgrid-server");
    grid.add_runner(RunnerOptions {
        executor: "process",
        slots: 1,
        ..RunnerOptions::default()
    })
    .expect("start rgrid-runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    std::fs::write(here.join("job.py"), SCRIPT).expect("write script");

    for (args, code) in [
        (vec!["run", "--json", "job.py"], 0),
        (vec!["run", "--json", "job.py", "3"], 3),
    ] {
        let run = grid.rgrid(here, &args).expect("rgrid run --json");
        assert_eq!(run.code, code, "{run}\n{}", grid.logs());
        let events = lines(&run);
        let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(kinds.first(), Some(&"submitted"), "{kinds:?}");
        assert_eq!(kinds.last(), Some(&"finished"), "{kinds:?}");
        for event in &events {
            let shape = match event["type"].as_str() {
                Some("submitted") => SUBMITTED,
                Some("status") => STATUS,
                Some("log") => LOG,
                Some("output") => OUTPUT,
                Some("finished") => FINISHED,
                other => panic!("undocumented event {other:?}: {event}"),
            };
            check("run --json event", event, shape);
        }
        check("run --json submitted.job", &events[0]["job"], JOB);
        let statuses: Vec<&str> = events
            .iter()
            .filter(|e| e["type"] == "status")
            .filter_map(|e| e["status"].as_str())
            .collect();
        let last = if code == 0 { "succeeded" } else { "failed" };
        assert_eq!(statuses, ["running", last], "{run}");
        let text: String = events
            .iter()
            .filter(|e| e["type"] == "log" && e["stream"] == "stdout")
            .filter_map(|e| e["text"].as_str())
            .collect();
        assert!(text.contains("hello out"), "{run}");
        let finished = events.last().expect("finished");
        assert_eq!(finished["rgrid_exit"], code);
        if code == 0 {
            assert_eq!(finished["status"], "succeeded");
            let outputs: Vec<&Value> = events.iter().filter(|e| e["type"] == "output").collect();
            assert_eq!(outputs.len(), 1, "{run}");
            assert_eq!(outputs[0]["path"], "result.txt");
            assert_eq!(outputs[0]["state"], "written");
        } else {
            assert_eq!(finished["reason"], "exit_code");
            assert_eq!(finished["exit_code"], 3);
        }
    }

    // `submit --follow --json`: the same events, the job's exit code.
    let spec = serde_json::json!({
        "apiVersion": "rgrid.dev/v1",
        "kind": "Job",
        "spec": {
            "runtime": "python:3.11-slim",
            "command": ["python", "main.py"],
            "code": "print('inline', flush=True)\nraise SystemExit(4)\n",
        }
    });
    std::fs::write(here.join("job.json"), spec.to_string()).expect("write spec");
    let run = grid
        .rgrid(here, &["submit", "job.json", "--follow", "--json"])
        .expect("submit --follow --json");
    assert_eq!(run.code, 4, "{run}");
    let events = lines(&run);
    assert_eq!(
        events.first().map(|e| &e["type"]),
        Some(&Value::from("submitted"))
    );
    let finished = events.last().expect("events");
    check("submit --follow --json finished", finished, FINISHED);
    assert_eq!(
        (
            finished["exit_code"].as_i64(),
            finished["rgrid_exit"].as_i64()
        ),
        (Some(4), Some(4))
    );
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "log" && e["text"] == "inline\n"),
        "{run}"
    );

    // A followed batch has no event stream yet: refused before anything is uploaded.
    let refused = grid
        .rgrid(here, &["run", "--json", "job.py", "--batch", "*.py"])
        .expect("run");
    assert_eq!(refused.code, 2, "{refused}");
    assert!(refused.stderr.contains("needs `--detach`"), "{refused}");
}
