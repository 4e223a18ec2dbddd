//! Following a job's logs: stdout to stdout, stderr to stderr, rgrid's own lines as notes.
//! Survives a server that goes away for a while and resumes from the last chunk printed.

use std::io::Write;
use std::time::{Duration, Instant};

use rgrid_spec::api::{JobStatus, Stream};
use uuid::Uuid;

use crate::client::{Client, ClientError};
use crate::ui::Ui;

/// How long a follower keeps trying while the server cannot be reached.
const RECONNECT_WINDOW: Duration = Duration::from_secs(120);
/// Long-poll wait per request.
const WAIT_SECS: u64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print what there is and return.
    Once,
    /// Keep printing until the job is final.
    Follow,
}

/// Prints the job's chunks after `after`; returns the cursor and the job's last known status.
pub async fn print_logs(
    client: &Client,
    job: Uuid,
    mut after: i64,
    mode: Mode,
    ui: &Ui,
    json: bool,
) -> Result<(i64, JobStatus), ClientError> {
    let mut down_since: Option<Instant> = None;
    loop {
        let wait = if mode == Mode::Follow { WAIT_SECS } else { 0 };
        let page = match client.logs(job, after, wait).await {
            Ok(page) => {
                if down_since.take().is_some() {
                    ui.note("reconnected; resuming the logs");
                }
                page
            }
            // A restarting server (or database) answers 5xx for a while: the same as away.
            Err(err) if mode == Mode::Follow && err.is_transient() => {
                let since = *down_since.get_or_insert_with(|| {
                    ui.warn(format!("lost the server ({err}); retrying"));
                    Instant::now()
                });
                if since.elapsed() > RECONNECT_WINDOW {
                    return Err(err);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Err(err) => return Err(err),
        };
        for chunk in &page.chunks {
            if json {
                print_json_chunk(chunk);
            } else {
                print_chunk(chunk.stream, &chunk.data.0, ui);
            }
        }
        after = page.next;
        if page.complete || mode == Mode::Once && page.chunks.is_empty() {
            return Ok((after, page.status));
        }
    }
}

fn print_chunk(stream: Stream, data: &[u8], ui: &Ui) {
    // Write errors (a closed pipe: `rgrid logs ID | head`) are not the job's failure; the
    // follower keeps going so outputs still download.
    match stream {
        Stream::Stdout => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(data).and_then(|()| out.flush());
        }
        Stream::Stderr => {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(data).and_then(|()| err.flush());
        }
        Stream::System => {
            for line in String::from_utf8_lossy(data).lines() {
                ui.note(line);
            }
        }
    }
}

fn print_json_chunk(chunk: &rgrid_spec::api::LogChunkOut) {
    let line = serde_json::json!({
        "type": "log",
        "id": chunk.id,
        "attempt": chunk.attempt,
        "stream": chunk.stream,
        "text": String::from_utf8_lossy(&chunk.data.0),
        "at": chunk.at,
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}
