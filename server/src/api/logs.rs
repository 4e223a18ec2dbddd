//! Reading a job's logs: pages with a long poll, and live streams (WebSocket, or SSE where a
//! proxy will not pass WebSockets) fed by the job's shared pump in `log_stream`.

use std::time::Duration;

use std::convert::Infallible;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use axum::Json;
use futures::Stream;
use rgrid_spec::api::{Bytes64, LogChunkOut, LogEvent, LogPage};
use serde::Deserialize;
use tokio::time::Instant;
use uuid::Uuid;

use super::auth::User;
use super::events::Wake;
use super::{log_stream, ApiResult, AppState, IdPath};
use crate::store::Project;

/// Chunks per page; a reader that gets a full page asks again at once.
const PAGE_CHUNKS: u32 = 1000;

#[derive(Debug, Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    after: i64,
    /// Seconds to wait for new output when there is none yet.
    #[serde(default)]
    wait: u64,
}

#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn read(
    State(state): State<AppState>,
    User(project): User,
    IdPath(id): IdPath,
    Query(query): Query<LogQuery>,
) -> ApiResult<Json<LogPage>> {
    let wait = Duration::from_secs(query.wait).min(state.settings.max_wait);
    let deadline = Instant::now() + wait;
    // Subscribe before the first look, so a chunk appended in between still wakes us.
    let mut watch = state.events.watch_job(id);
    loop {
        let page = page(&state, &project, id, query.after).await?;
        if !page.chunks.is_empty() || page.complete {
            return Ok(Json(page));
        }
        match watch.wait(deadline).await {
            Wake::Look => continue,
            Wake::Deadline | Wake::Closing => return Ok(Json(page)),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    #[serde(default)]
    after: i64,
}

/// `GET /v1/jobs/{id}/logs/ws`: the job's chunks after `after`, then live, as JSON text frames.
#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn websocket(
    State(state): State<AppState>,
    User(project): User,
    IdPath(id): IdPath,
    Query(query): Query<StreamQuery>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    // Answer 404 before the upgrade, so a wrong id is an HTTP error and not a closed socket.
    state.store.get_job(project.id, id).await?;
    let events = log_stream::follow(state, project, id, query.after);
    Ok(upgrade.on_upgrade(move |socket| send_events(socket, events)))
}

async fn send_events(mut socket: WebSocket, mut events: tokio::sync::mpsc::Receiver<LogEvent>) {
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { break };
                let Ok(text) = serde_json::to_string(&event) else { break };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            // The client says nothing; anything but a ping or pong means it is leaving.
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                _ => return,
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// `GET /v1/jobs/{id}/logs/sse`: the same events as the WebSocket, as server-sent events.
#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn sse(
    State(state): State<AppState>,
    User(project): User,
    IdPath(id): IdPath,
    Query(query): Query<StreamQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    state.store.get_job(project.id, id).await?;
    let events = log_stream::follow(state, project, id, query.after);
    let stream = futures::stream::unfold(events, |mut events| async move {
        let event = events.recv().await?;
        let data = serde_json::to_string(&event).unwrap_or_default();
        Some((Ok(Event::default().data(data)), events))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

async fn page(state: &AppState, project: &Project, job_id: Uuid, after: i64) -> ApiResult<LogPage> {
    // The status is read before the chunks: a job final at that moment has all its chunks
    // stored, so `complete` never hides output written after the read.
    let job = state.store.get_job(project.id, job_id).await?;
    let chunks = state.store.read_logs(job_id, after, PAGE_CHUNKS).await?;
    let complete = job.status.is_final() && (chunks.len() as u64) < u64::from(PAGE_CHUNKS);
    let next = chunks.last().map_or(after, |chunk| chunk.id);
    let chunks = chunks
        .into_iter()
        .map(|c| LogChunkOut {
            id: c.id,
            attempt: c.attempt,
            seq: c.seq,
            stream: c.stream,
            data: Bytes64(c.data),
            at: c.at,
        })
        .collect();
    Ok(LogPage {
        chunks,
        next,
        complete,
        status: job.status,
    })
}
