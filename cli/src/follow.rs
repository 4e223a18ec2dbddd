//! Following a job's logs: over the server's WebSocket stream when it offers one, otherwise
//! with the long poll. Either way it survives a server that goes away for a while and resumes
//! after the last chunk printed (chunk ids are the cursor, `after`), so nothing is lost or
//! printed twice.

use std::time::{Duration, Instant};

use rgrid_spec::api::{JobStatus, LogEvent};
use uuid::Uuid;

use crate::client::{Client, ClientError};
use crate::printer::{Format, Printer};
use crate::stream::{self, StreamError};
use crate::ui::Ui;

/// How long a follower keeps trying while the server cannot be reached.
const RECONNECT_WINDOW: Duration = Duration::from_secs(120);
/// Pause between reconnection attempts.
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);
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
    format: Format,
) -> Result<(i64, JobStatus), ClientError> {
    let mut printer = Printer::new(*ui, format);
    if mode == Mode::Follow {
        if let Some(status) = follow_stream(client, job, &mut after, ui, &mut printer).await? {
            printer.end(status, after);
            return Ok((after, status));
        }
    }
    poll(client, job, after, mode, ui, &mut printer).await
}

/// Follows over the WebSocket stream; `None` when the server offers none.
async fn follow_stream(
    client: &Client,
    job: Uuid,
    after: &mut i64,
    ui: &Ui,
    printer: &mut Printer,
) -> Result<Option<JobStatus>, ClientError> {
    let mut outage = Outage::default();
    loop {
        let path = format!("/v1/jobs/{job}/logs/ws?after={after}");
        let lost = match stream::open::<LogEvent>(client, &path).await {
            Ok(mut events) => {
                outage.over(ui);
                loop {
                    match events.next().await {
                        Ok(Some(LogEvent::Chunks { chunks, next })) => {
                            for chunk in chunks.iter().filter(|c| c.id > *after) {
                                printer.chunk(chunk);
                            }
                            *after = next.max(*after);
                        }
                        Ok(Some(LogEvent::End { status, next })) => {
                            *after = next.max(*after);
                            return Ok(Some(status));
                        }
                        // Closed without an end (the server is stopping): resume elsewhere.
                        Ok(None) => break lost_stream(client),
                        Err(StreamError::Lost(err)) => break err,
                        Err(StreamError::Refused(err)) => return Err(err),
                        Err(StreamError::Unsupported(_)) => return Ok(None),
                    }
                }
            }
            Err(StreamError::Unsupported(status)) => {
                tracing::debug!(status, "no log stream; following with the long poll");
                return Ok(None);
            }
            Err(StreamError::Lost(err)) => err,
            Err(StreamError::Refused(err)) => return Err(err),
        };
        outage.wait(lost, ui).await?;
    }
}

fn lost_stream(client: &Client) -> ClientError {
    ClientError::Unreachable {
        url: client.base().to_string(),
        detail: "the server closed the log stream".into(),
    }
}

/// A time without the server: one warning when it starts, one note when it ends.
#[derive(Default)]
struct Outage {
    since: Option<Instant>,
}

impl Outage {
    /// Waits before the next try, or gives the error back once the window has passed.
    async fn wait(&mut self, err: ClientError, ui: &Ui) -> Result<(), ClientError> {
        let since = *self.since.get_or_insert_with(|| {
            ui.warn(format!("lost the server ({err}); retrying"));
            Instant::now()
        });
        if since.elapsed() > RECONNECT_WINDOW {
            return Err(err);
        }
        tokio::time::sleep(RECONNECT_PAUSE).await;
        Ok(())
    }

    fn over(&mut self, ui: &Ui) {
        if self.since.take().is_some() {
            ui.note("reconnected; resuming the logs");
        }
    }
}

/// Pages through the logs with the long poll (and once, without waiting, for `Mode::Once`).
async fn poll(
    client: &Client,
    job: Uuid,
    mut after: i64,
    mode: Mode,
    ui: &Ui,
    printer: &mut Printer,
) -> Result<(i64, JobStatus), ClientError> {
    let mut outage = Outage::default();
    loop {
        let wait = if mode == Mode::Follow { WAIT_SECS } else { 0 };
        let page = match client.logs(job, after, wait).await {
            Ok(page) => {
                outage.over(ui);
                page
            }
            // A restarting server (or database) answers 5xx for a while: the same as away.
            Err(err) if mode == Mode::Follow && err.is_transient() => {
                outage.wait(err, ui).await?;
                continue;
            }
            Err(err) => return Err(err),
        };
        for chunk in &page.chunks {
            printer.chunk(chunk);
        }
        after = page.next;
        if page.complete {
            printer.end(page.status, after);
        }
        if page.complete || mode == Mode::Once && page.chunks.is_empty() {
            return Ok((after, page.status));
        }
    }
}
