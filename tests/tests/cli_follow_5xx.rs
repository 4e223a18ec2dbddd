//! The CLI following a job's logs rides out a server (or a proxy in front of it) that answers
//! 502/503 for a while, mid-follow, and prints every line once, in order.
//!
//! The server here is a fake on 127.0.0.1 that the test scripts: it refuses the WebSocket
//! stream with 503 twice (a restarting server: the follower must retry, not give up), then
//! with 404 (no stream: the follower falls back to the long poll), and answers some long-poll
//! pages with 502 and 503 between good ones. It records each request's cursor, so the test
//! also sees the follower resume from the last line it printed.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use rgrid_tests::process::{bin, Run};

const JOB: &str = "0190f2c4-0000-7000-8000-000000000001";
const LINES: i64 = 300;
const PAGE: i64 = 40;

/// What the fake answers, in order of the requests it gets.
#[derive(Default)]
struct Script {
    stream_requests: usize,
    /// `after` of every long-poll request, and what it was answered.
    polls: Vec<(i64, u16)>,
}

impl Script {
    /// The WebSocket upgrade: 503 twice, then 404 (no stream here).
    fn stream(&mut self) -> (u16, String) {
        self.stream_requests += 1;
        if self.stream_requests <= 2 {
            (503, error_body("unavailable"))
        } else {
            (404, error_body("not_found"))
        }
    }

    /// Long-poll pages; the 2nd, 3rd and 6th requests fail with a gateway's answers.
    fn poll(&mut self, after: i64) -> (u16, String) {
        let status = match self.polls.len() + 1 {
            2 => 502,
            3 | 6 => 503,
            _ => 200,
        };
        self.polls.push((after, status));
        if status != 200 {
            return (status, "<html>bad gateway</html>".into());
        }
        (200, page_after(after))
    }
}

fn error_body(code: &str) -> String {
    serde_json::json!({"error": {"code": code, "message": code}}).to_string()
}

/// Chunk `n` (1-based, the cursor) holds `line <n-1>\n`.
fn page_after(after: i64) -> String {
    let last = (after + PAGE).min(LINES);
    let chunks: Vec<serde_json::Value> = (after + 1..=last)
        .map(|id| {
            let data = format!("line {}\n", id - 1);
            serde_json::json!({
                "id": id,
                "attempt": 1,
                "seq": id - 1,
                "stream": "stdout",
                "data": base64::engine::general_purpose::STANDARD.encode(data),
                "at": "2026-12-04T12:00:00Z",
            })
        })
        .collect();
    let complete = last == LINES;
    serde_json::json!({
        "chunks": chunks,
        "next": last,
        "complete": complete,
        "status": if complete { "succeeded" } else { "running" },
    })
    .to_string()
}

fn serve(listener: TcpListener, script: Arc<Mutex<Script>>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let script = script.clone();
        std::thread::spawn(move || answer(stream, &script));
    }
}

fn answer(mut stream: TcpStream, script: &Mutex<Script>) {
    let Some(target) = request_target(&stream) else {
        return;
    };
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let after = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let (status, body) = {
        let mut script = script.lock().unwrap_or_else(|p| p.into_inner());
        if path == format!("/v1/jobs/{JOB}/logs/ws") {
            script.stream()
        } else if path == format!("/v1/jobs/{JOB}/logs") {
            script.poll(after)
        } else {
            (404, error_body("not_found"))
        }
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        502 => "Bad Gateway",
        _ => "Service Unavailable",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

/// The request's target (`/path?query`), after reading its head.
fn request_target(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
    }
    first.split_whitespace().nth(1).map(str::to_string)
}

#[test]
fn follower_prints_every_line_once_through_502_and_503() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake server");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let script = Arc::new(Mutex::new(Script::default()));
    let serving = script.clone();
    std::thread::spawn(move || serve(listener, serving));
    let home = tempfile::tempdir().expect("temp dir");

    let output = std::process::Command::new(bin("rgrid"))
        .args(["logs", JOB, "--follow"])
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("RGRID_SERVER", &url)
        .env("RGRID_API_KEY", "rgk_fake")
        .env("NO_COLOR", "1")
        .output()
        .expect("run rgrid logs --follow");
    let run = Run::from_output(output);
    assert_eq!(run.code, 0, "{run}");

    let expected: String = (0..LINES).map(|n| format!("line {n}\n")).collect();
    assert_eq!(run.stdout, expected, "every line once, in order");
    let script = script.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(script.stream_requests, 3, "two 503s retried, then the 404");
    let failed: Vec<&(i64, u16)> = script.polls.iter().filter(|(_, s)| *s != 200).collect();
    assert_eq!(failed.len(), 3, "{:?}", script.polls);
    // Each failed page is asked for again from the same cursor: nothing skipped or repeated.
    for (i, (after, status)) in script.polls.iter().enumerate() {
        if *status != 200 {
            assert_eq!(script.polls[i + 1].0, *after, "{:?}", script.polls);
        }
    }
    assert!(run.stderr.contains("retrying"), "{run}");
    println!(
        "follower through 502/503: {} lines printed once; requests: {} stream, {} long poll \
         ({} answered 5xx)",
        LINES,
        script.stream_requests,
        script.polls.len(),
        failed.len()
    );
}
