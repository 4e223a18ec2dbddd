//! Reading a job's logs, with a long poll so `rgrid logs -f` sees output as it is written.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::Json;
use rgrid_spec::api::{Bytes64, LogChunkOut, LogPage};
use serde::Deserialize;
use tokio::time::Instant;
use uuid::Uuid;

use super::auth::User;
use super::events::Wake;
use super::{ApiResult, AppState, IdPath};
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
