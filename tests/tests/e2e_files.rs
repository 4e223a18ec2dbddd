//! Files end to end through the real binaries: inputs and outputs on S3 storage (a real
//! S3-compatible server on loopback), bring-your-own URLs from a local HTTP server, the edge
//! cases of inputs and outputs, and a large input streamed through the server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use rgrid_tests::grid::{Grid, RunnerOptions};
use rgrid_tests::process::Run;
use serde_json::{json, Value};

fn assert_run(run: &Run, code: i32, grid: &Grid) {
    assert_eq!(run.code, code, "{run}\n{}", grid.logs());
}

fn job_id(run: &Run) -> String {
    run.stderr
        .split_whitespace()
        .skip_while(|w| *w != "job")
        .nth(1)
        .expect("rgrid names the job on stderr")
        .to_string()
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("grid.db").display())
}

/// A job whose input, script and outputs all travel through the S3 bucket by presigned URLs:
/// nothing lands in the server's data directory.
#[test]
fn a_job_on_s3_storage_round_trips_its_files() {
    let Some(s3) = rgrid_tests::s3::require_s3() else {
        return;
    };
    let db = tempfile::tempdir().expect("temp dir");
    let mut grid = Grid::start_on_s3(&sqlite_url(db.path()), &s3).expect("start rgrid-server");
    grid.add_runner(RunnerOptions {
        executor: "process",
        slots: 1,
        ..RunnerOptions::default()
    })
    .expect("start rgrid-runner");
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    let input: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(here.join("données brutes.bin"), &input).expect("write input");
    std::fs::write(
        here.join("copy.py"),
        "import os, sys\n\
         data = open(sys.argv[1], 'rb').read()\n\
         os.makedirs('out', exist_ok=True)\n\
         open('out/copie été.bin', 'wb').write(data[::-1])\n\
         open('out/empty.txt', 'wb').close()\n\
         print('bytes', len(data))\n",
    )
    .expect("write script");

    let run = grid
        .rgrid(here, &["run", "copy.py", "données brutes.bin"])
        .expect("rgrid run");
    assert_run(&run, 0, &grid);
    assert!(run.stdout.contains("bytes 1200000"), "{run}");
    let reversed: Vec<u8> = input.iter().rev().copied().collect();
    let got = std::fs::read(here.join("out/copie été.bin")).expect("output downloaded");
    assert!(
        got == reversed,
        "the output differs from the reversed input"
    );
    assert_eq!(
        std::fs::read(here.join("out/empty.txt")).expect("empty output"),
        b""
    );

    let elsewhere = here.join("later");
    let id = job_id(&run);
    let download = grid
        .rgrid(here, &["download", &id, elsewhere.to_str().expect("utf-8")])
        .expect("rgrid download");
    assert_run(&download, 0, &grid);
    assert!(std::fs::read(elsewhere.join("out/copie été.bin")).expect("again") == reversed);

    // `rgrid outputs` lists them with sizes and fresh presigned URLs into the bucket.
    let outputs = grid
        .rgrid(here, &["outputs", &id, "--json"])
        .expect("rgrid outputs");
    assert_run(&outputs, 0, &grid);
    let listed: Vec<Value> = outputs
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("output JSON line"))
        .collect();
    let copy = listed
        .iter()
        .find(|o| o["path"] == "out/copie été.bin")
        .unwrap_or_else(|| panic!("{outputs}"));
    assert_eq!(copy["size"], 1_200_000, "{copy}");
    assert_eq!(copy["sha256"], sha256_hex(&reversed), "{copy}");
    let url = copy["url"].as_str().expect("url");
    assert!(
        url.starts_with(&format!("{}/{}/", s3.endpoint, s3.bucket)),
        "{url}"
    );
    assert!(url.contains("X-Amz-Signature="), "{url}");

    let objects = grid.dir.path().join("server/objects");
    assert!(
        !objects.exists(),
        "objects went to the data directory instead of S3"
    );
    let log = grid.server.log_text();
    assert!(log.contains("objects in S3"), "{}", grid.logs());
    let secret = rgrid_tests::s3::SECRET_ACCESS_KEY;
    for leak in [secret, "X-Amz-Signature", "X-Amz-Credential"] {
        assert!(
            !grid.logs().contains(leak),
            "the logs show {leak}:\n{}",
            grid.logs()
        );
    }
}

/// Serves `files` over plain HTTP/1.1 on a free loopback port until the test ends, as a user's
/// own storage would. Any other path answers 403 with S3's body for an expired URL.
fn serve_files(files: Vec<(&'static str, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let line = String::from_utf8_lossy(&request);
            let path = line.split_whitespace().nth(1).unwrap_or("");
            let found = files.iter().find(|(name, _)| *name == path);
            let (status, body) = match found {
                Some((_, body)) => ("200 OK", body.clone()),
                None => (
                    "403 Forbidden",
                    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message>\
                      </Error>"
                        .to_vec(),
                ),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn process_grid() -> (Grid, tempfile::TempDir) {
    let db = tempfile::tempdir().expect("temp dir");
    let mut grid = Grid::start(&sqlite_url(db.path())).expect("start rgrid-server");
    grid.add_runner(RunnerOptions {
        executor: "process",
        slots: 2,
        ..RunnerOptions::default()
    })
    .expect("start rgrid-runner");
    (grid, db)
}

/// Submits `spec` with `rgrid submit --follow` from `here` and returns the run and the job.
fn submit(grid: &Grid, here: &Path, name: &str, spec: serde_json::Value) -> (Run, Value) {
    let file = here.join(format!("{name}.json"));
    std::fs::write(&file, spec.to_string()).expect("write spec");
    let run = grid
        .rgrid(here, &["submit", file.to_str().expect("utf-8"), "--follow"])
        .expect("rgrid submit");
    let id = job_id(&run);
    let status = grid
        .rgrid(here, &["status", &id, "--json"])
        .expect("rgrid status");
    let view = serde_json::from_str(&status.stdout).expect("status JSON");
    (run, view)
}

fn job(code: &str, inputs: Value, outputs: Value) -> Value {
    json!({
        "apiVersion": "rgrid.dev/v1",
        "kind": "Job",
        "spec": {
            "runtime": "python:3.11-slim",
            "command": ["python", "main.py"],
            "code": code,
            "files": {"inputs": inputs, "outputs": outputs},
            "retries": 0
        }
    })
}

/// Bring-your-own URLs, an expired URL, a missing declared output, an empty input, an output
/// path that tries to leave the work directory and a symlink that points out of it.
#[test]
fn inputs_and_outputs_at_their_edges() {
    let data = "région,total\nnord,12\n".repeat(1000).into_bytes();
    let storage = serve_files(vec![("/bucket/data.csv", data.clone())]);
    let (grid, _db) = process_grid();
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();

    // Bring your own storage: a plain URL with its sha256, downloaded by the runner.
    let copy = "import shutil\nshutil.copy('in put/data.csv', 'out/copy.csv')\n\
                print('copied')\n";
    let copy = format!("import os\nos.makedirs('out', exist_ok=True)\n{copy}");
    let byo = job(
        &copy,
        json!([{"path": "in put/data.csv", "url": format!("{storage}/bucket/data.csv"),
                "sha256": sha256_hex(&data)}]),
        json!([{"path": "out/copy.csv"}]),
    );
    let (run, view) = submit(&grid, here, "byo", byo);
    assert_run(&run, 0, &grid);
    assert_eq!(view["status"], "succeeded", "{run}");
    let id = view["id"].as_str().expect("id");
    let fetched = here.join("fetched");
    let download = grid
        .rgrid(here, &["download", id, fetched.to_str().expect("utf-8")])
        .expect("rgrid download");
    assert_run(&download, 0, &grid);
    assert!(std::fs::read(fetched.join("out/copy.csv")).expect("copy") == data);

    // An expired URL fails the job at its input, naming it, without retrying the 403.
    let expired = job(
        "print('never runs')\n",
        json!([{"path": "late.csv", "url": format!("{storage}/bucket/late.csv?X-Amz-Expires=1")}]),
        json!([]),
    );
    let (run, view) = submit(&grid, here, "expired", expired);
    assert_ne!(run.code, 0, "{run}");
    assert_eq!(view["reason"], "input_failed", "{view}");
    let message = view["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("late.csv") && message.contains("403"),
        "{view}"
    );
    assert!(
        !message.contains("X-Amz-Expires"),
        "the query leaked: {message}"
    );
    assert!(!run.stdout.contains("never runs"), "{run}");

    // A declared output the job did not write fails the job with reason missing_output.
    let missing = job(
        "open('other.txt', 'w').write('x')\n",
        json!([]),
        json!([{"path": "out/report.json"}]),
    );
    let (run, view) = submit(&grid, here, "missing", missing);
    assert_ne!(run.code, 0, "{run}");
    assert_eq!(view["status"], "failed", "{view}");
    assert_eq!(view["reason"], "missing_output", "{view}");
    assert!(
        view["message"]
            .as_str()
            .unwrap_or_default()
            .contains("out/report.json"),
        "{view}"
    );

    // An output path that leaves the work directory is refused before anything is sent.
    let escape = job("print(1)\n", json!([]), json!([{"path": "../escape.txt"}]));
    let file = here.join("escape.json");
    std::fs::write(&file, escape.to_string()).expect("write spec");
    let refused = grid
        .rgrid(here, &["submit", file.to_str().expect("utf-8")])
        .expect("rgrid submit");
    assert_eq!(refused.code, 2, "{refused}");
    assert!(
        refused.stderr.contains("spec.files.outputs[0].path"),
        "{refused}"
    );

    // A symlink the job made to a file outside its work directory is never uploaded.
    let secret = here.join("secret.txt");
    std::fs::write(&secret, "not for the grid").expect("write secret");
    std::fs::write(
        here.join("link.py"),
        format!(
            "import os\nos.symlink({:?}, 'leak.txt')\nopen('kept.txt', 'w').write('ok')\n",
            secret.display().to_string()
        ),
    )
    .expect("write script");
    let linked = here.join("linked");
    std::fs::create_dir_all(&linked).expect("dir");
    let run = grid
        .rgrid(
            here,
            &["run", "link.py", "-o", linked.to_str().expect("utf-8")],
        )
        .expect("rgrid run");
    assert_run(&run, 0, &grid);
    assert_eq!(
        std::fs::read_to_string(linked.join("kept.txt")).expect("kept"),
        "ok"
    );
    assert!(!linked.join("leak.txt").exists(), "{run}");

    // An empty input file and names with spaces and accents travel like any other.
    std::fs::write(here.join("vide é.txt"), b"").expect("write empty input");
    std::fs::write(
        here.join("size.py"),
        "import sys, os\nprint('size', os.path.getsize(sys.argv[1]))\n\
         open('résultat final.txt', 'w').write(sys.argv[1])\n",
    )
    .expect("write script");
    let run = grid
        .rgrid(here, &["run", "size.py", "vide é.txt"])
        .expect("rgrid run");
    assert_run(&run, 0, &grid);
    assert!(run.stdout.contains("size 0"), "{run}");
    assert_eq!(
        std::fs::read_to_string(here.join("résultat final.txt")).expect("output"),
        "vide é.txt"
    );
}

/// Peak resident memory of a process (VmHWM), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("VmHWM in /proc/<pid>/status");
    kib * 1024
}

/// A 300 MB input goes up through the server and down to the runner as a stream: the server's
/// peak memory stays flat however large the file. Prints the figures.
#[test]
fn a_large_input_streams_through_the_server() {
    const SIZE: usize = 300 << 20;
    let (grid, _db) = process_grid();
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    {
        let mut file = std::fs::File::create(here.join("big.bin")).expect("create");
        let block: Vec<u8> = (0..(1 << 20)).map(|i| (i % 253) as u8).collect();
        for _ in 0..(SIZE >> 20) {
            file.write_all(&block).expect("write");
        }
    }
    std::fs::write(
        here.join("size.py"),
        "import sys, os\nprint('size', os.path.getsize(sys.argv[1]))\n",
    )
    .expect("write script");
    let before = peak_rss(grid.server.pid());
    let run = grid
        .rgrid(here, &["run", "size.py", "big.bin"])
        .expect("rgrid run");
    assert_run(&run, 0, &grid);
    assert!(run.stdout.contains(&format!("size {SIZE}")), "{run}");
    let after = peak_rss(grid.server.pid());
    eprintln!(
        "large input: {} MiB through the server; server peak RSS {} MiB before, {} MiB after",
        SIZE >> 20,
        before >> 20,
        after >> 20
    );
    // A buffered body would add the whole file; streaming adds at most a few buffers.
    assert!(
        after < before + (64 << 20),
        "server peak RSS grew from {before} to {after} bytes for a {SIZE}-byte input"
    );
}

fn batch_id(run: &Run) -> String {
    run.stderr
        .split_whitespace()
        .skip_while(|w| *w != "batch")
        .nth(1)
        .expect("rgrid names the batch on stderr")
        .to_string()
}

/// An RFC 3339 UTC time (`2026-12-04T18:00:51.7792Z`, any number of fraction digits) as a key
/// that sorts in time order: the date, then microseconds into the day.
fn time_key(text: &str) -> (String, i64) {
    let (date, time) = text.split_once('T').expect("an RFC 3339 time");
    let time = time.trim_end_matches('Z');
    let mut parts = time.splitn(3, ':');
    let mut next = || {
        parts
            .next()
            .expect("hh:mm:ss")
            .parse::<f64>()
            .expect("a number")
    };
    let seconds = next() * 3600.0 + next() * 60.0 + next();
    (date.to_string(), (seconds * 1e6).round() as i64)
}

/// The most jobs whose [started_at, finished_at] overlap at one moment.
fn most_at_once(jobs: &[Value]) -> usize {
    let mut edges: Vec<((String, i64), i32)> = Vec::new();
    for job in jobs {
        let start = job["started_at"].as_str().expect("started");
        let end = job["finished_at"].as_str().expect("finished");
        edges.push((time_key(start), 1));
        edges.push((time_key(end), -1));
    }
    // At the same instant an end sorts before a start.
    edges.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

/// `rgrid run --batch` over 20 real files: one job each, at most `--parallel` at once, every
/// output in `outputs/<input stem>/` byte for byte; then a batch where one input fails.
#[test]
fn a_batch_runs_one_job_per_file() {
    let (grid, _db) = process_grid();
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    std::fs::create_dir_all(here.join("data")).expect("data dir");
    let mut expected = Vec::new();
    for i in 0..20 {
        let name = if i == 7 {
            "relevé 07.csv".to_string()
        } else {
            format!("in-{i:02}.csv")
        };
        let body = format!("id,value\n{i},{}\n", i * i).repeat(i + 1);
        std::fs::write(here.join("data").join(&name), &body).expect("write input");
        let stem = name.trim_end_matches(".csv").to_string();
        expected.push((stem, body.to_uppercase().into_bytes()));
    }
    std::fs::write(
        here.join("process.py"),
        "import sys\n\
         text = open(sys.argv[1]).read()\n\
         if 'FAIL' in text:\n    sys.exit(3)\n\
         open('result.txt', 'w').write(text.upper())\n\
         print('processed', sys.argv[1])\n",
    )
    .expect("write script");

    let run = grid
        .rgrid(
            here,
            &[
                "run",
                "process.py",
                "--batch",
                "data/*.csv",
                "--parallel",
                "2",
            ],
        )
        .expect("rgrid run --batch");
    assert_run(&run, 0, &grid);
    // The summary names the real folders, not a placeholder.
    assert!(
        run.stderr
            .contains("outputs in outputs/, one folder per input (e.g. outputs/in-00/)"),
        "{run}"
    );
    for (stem, body) in &expected {
        let got = std::fs::read(here.join("outputs").join(stem).join("result.txt"))
            .unwrap_or_else(|e| panic!("outputs/{stem}/result.txt: {e}\n{run}"));
        assert!(got == *body, "outputs/{stem}/result.txt differs");
    }

    let id = batch_id(&run);
    let status = grid
        .rgrid(here, &["status", &id, "--json"])
        .expect("rgrid status BATCH");
    assert_run(&status, 0, &grid);
    let view: Value = serde_json::from_str(&status.stdout).expect("batch JSON");
    assert_eq!(view["counts"]["succeeded"], 20, "{view}");
    assert_eq!(view["parallel"], 2, "{view}");
    let inputs: Vec<&str> = view["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter_map(|job| job["input"].as_str())
        .collect();
    assert_eq!(inputs.len(), 20, "{view}");
    assert!(inputs.contains(&"data/relevé 07.csv"), "{view}");

    let list = grid
        .rgrid(here, &["list", "--batch", &id, "--limit", "100", "--json"])
        .expect("rgrid list --batch");
    assert_run(&list, 0, &grid);
    let jobs: Vec<Value> = list
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("job JSON line"))
        .collect();
    assert_eq!(jobs.len(), 20, "{list}");
    let most = most_at_once(&jobs);
    assert!(most <= 2, "{most} jobs of a batch capped at 2 ran at once");

    // A failing input is named in the error, and the batch's exit code says it failed.
    std::fs::create_dir_all(here.join("mixed")).expect("dir");
    std::fs::write(here.join("mixed/good.csv"), "fine\n").expect("write");
    std::fs::write(here.join("mixed/bad.csv"), "FAIL\n").expect("write");
    let run = grid
        .rgrid(
            here,
            &[
                "run",
                "process.py",
                "--batch",
                "mixed/*.csv",
                "--flat",
                "-o",
                "flat",
            ],
        )
        .expect("rgrid run --batch");
    assert_run(&run, 125, &grid);
    assert!(run.stderr.contains("outputs in flat/"), "{run}");
    assert!(
        run.stderr.contains("mixed/bad.csv: exited with code 3"),
        "{run}"
    );
    assert_eq!(
        std::fs::read_to_string(here.join("flat/result.txt")).expect("flat output"),
        "FINE\n"
    );
}

/// `--detach --quiet` prints only the job id (scriptable), and a job on the process
/// executor that asked for no cpu limit gets no warning about one.
#[test]
fn quiet_detach_prints_only_the_id_and_no_needless_cpu_warning() {
    let (grid, _db) = process_grid();
    let cwd = tempfile::tempdir().expect("temp dir");
    let here = cwd.path();
    std::fs::write(here.join("hi.py"), "print('hi')\n").expect("write script");

    let run = grid
        .rgrid(here, &["run", "hi.py", "--detach", "--quiet"])
        .expect("rgrid run --detach --quiet");
    assert_run(&run, 0, &grid);
    assert_eq!(run.stderr, "", "{run}");
    let id = run.stdout.trim();
    assert!(
        id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
        "{run}"
    );

    // An id that is no job: named, with where to look.
    let unknown = "01a24300-0000-7000-8000-000000000000";
    let status = grid
        .rgrid(here, &["status", unknown])
        .expect("rgrid status");
    assert_eq!(status.code, 1, "{status}");
    assert!(status.stderr.contains(unknown), "{status}");
    assert!(status.stderr.contains("`rgrid list`"), "{status}");

    let run = grid.rgrid(here, &["run", "hi.py"]).expect("rgrid run");
    assert_run(&run, 0, &grid);
    assert!(!run.stderr.contains("cpu limit"), "{run}");
    assert!(!run.stdout.contains("cpu limit"), "{run}");
}
