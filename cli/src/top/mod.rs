//! `rgrid top`: a live monitor of the grid. Snapshots arrive pushed over a WebSocket (the
//! server sends one whenever a job changes); a job's logs follow the same stream as
//! `rgrid logs -f`. State (`state`), keys (`input`) and drawing (`view`) are kept apart; this
//! module only runs the loop and talks to the server.

mod input;
mod state;
#[cfg(test)]
mod tests;
mod view;

use std::io::IsTerminal;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use rgrid_spec::api::{GridSnapshot, LogEvent};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::client::Client;
use crate::stream::{self, StreamError};
use crate::ui::Ui;
use crate::{exit, UsageError};
use state::{short_id, App, Effect};

/// Pause before reconnecting a lost stream.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// What the background tasks tell the loop.
enum Update {
    Snapshot(GridSnapshot),
    Log(Uuid, LogEvent),
    Message(String),
}

pub async fn run(client: Client, ui: &Ui) -> anyhow::Result<i32> {
    if !std::io::stdout().is_terminal() {
        return Err(UsageError(
            "`rgrid top` needs a terminal; for scripts use `rgrid list --json`".into(),
        )
        .into());
    }
    let (tx, mut updates) = mpsc::channel(64);
    let snapshots = tokio::spawn(follow_snapshots(client.clone(), tx.clone()));
    let mut logs: Option<JoinHandle<()>> = None;
    let mut app = App::new(ui.color);
    let mut keys = EventStream::new();
    // Ages and runtimes move on by themselves: redraw every second.
    let mut tick = tokio::time::interval(Duration::from_secs(1));

    // `init` also installs a panic hook that restores the terminal before the message prints.
    let mut terminal = ratatui::try_init()?;
    let _restore = RestoreOnDrop;
    loop {
        terminal.draw(|frame| view::draw(frame, &app, chrono::Utc::now()))?;
        let effect = tokio::select! {
            event = keys.next() => match event {
                Some(Ok(Event::Key(key))) => {
                    input::action(&app.screen, key).and_then(|action| app.apply(action))
                }
                // A resize only needs the redraw at the top of the loop.
                Some(Ok(_)) => None,
                Some(Err(_)) | None => Some(Effect::Quit),
            },
            Some(update) = updates.recv() => {
                match update {
                    Update::Snapshot(snapshot) => app.set_snapshot(snapshot),
                    Update::Log(job, event) if app.logs.job == Some(job) => app.log_event(event),
                    Update::Log(..) => {}
                    Update::Message(message) => app.message = Some(message),
                }
                None
            }
            _ = tick.tick() => None,
        };
        match effect {
            Some(Effect::Quit) => break,
            Some(Effect::Cancel(id)) => {
                app.message = Some(match client.cancel(id).await {
                    Ok(_) => format!("cancelling job {}", short_id(id)),
                    Err(err) => format!("cannot cancel job {}: {err}", short_id(id)),
                });
            }
            Some(Effect::Retry(id)) => {
                app.message = Some(match client.retry(id).await {
                    Ok(_) => format!("job {} queued again", short_id(id)),
                    Err(err) => format!("cannot retry job {}: {err}", short_id(id)),
                });
            }
            Some(Effect::FollowLogs(id)) => {
                if let Some(task) = logs.take() {
                    task.abort();
                }
                logs = Some(tokio::spawn(follow_logs(client.clone(), id, tx.clone())));
            }
            Some(Effect::StopLogs) => {
                if let Some(task) = logs.take() {
                    task.abort();
                }
            }
            None => {}
        }
    }
    snapshots.abort();
    if let Some(task) = logs {
        task.abort();
    }
    Ok(exit::OK)
}

struct RestoreOnDrop;

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

async fn follow_snapshots(client: Client, tx: mpsc::Sender<Update>) {
    loop {
        match stream::open::<GridSnapshot>(&client, "/v1/grid/ws").await {
            Ok(mut snapshots) => {
                while let Ok(Some(snapshot)) = snapshots.next().await {
                    if tx.send(Update::Snapshot(snapshot)).await.is_err() {
                        return;
                    }
                }
            }
            Err(StreamError::Unsupported(status)) => {
                let message = format!("this server has no live grid stream (HTTP {status})");
                let _ = tx.send(Update::Message(message)).await;
                return;
            }
            Err(err) => {
                let _ = tx.send(Update::Message(format!("{err}; retrying"))).await;
            }
        }
        tokio::time::sleep(RECONNECT_PAUSE).await;
    }
}

/// Streams one job's logs into the loop, resuming after the last chunk on reconnection.
async fn follow_logs(client: Client, job: Uuid, tx: mpsc::Sender<Update>) {
    let mut after = 0;
    loop {
        let path = format!("/v1/jobs/{job}/logs/ws?after={after}");
        match stream::open::<LogEvent>(&client, &path).await {
            Ok(mut events) => {
                while let Ok(Some(event)) = events.next().await {
                    let end = matches!(event, LogEvent::End { .. });
                    if let LogEvent::Chunks { next, .. } = &event {
                        after = *next;
                    }
                    if tx.send(Update::Log(job, event)).await.is_err() || end {
                        return;
                    }
                }
            }
            Err(StreamError::Lost(_)) => {}
            Err(err) => {
                let _ = tx.send(Update::Message(format!("logs: {err}"))).await;
                return;
            }
        }
        tokio::time::sleep(RECONNECT_PAUSE).await;
    }
}
