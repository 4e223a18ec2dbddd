//! Live log streams with fan-out: however many people follow a job, one pump per job reads its
//! new chunks from the store when the job changes and broadcasts them; each follower only
//! reads the store to catch up (on joining, or after it fell behind the broadcast).
//!
//! Every broadcast item carries the cursor it was read `after`. A follower whose own cursor is
//! behind that reads the gap from the store first, so a follower never misses a chunk however
//! late it joined or however far it lagged, and skips ids it has sent, so it never repeats one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rgrid_spec::api::{Bytes64, JobStatus, LogChunkOut, LogEvent};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use uuid::Uuid;

use super::events::Wake;
use super::AppState;
use crate::store::{Project, StoreResult};

/// Chunks per store read.
const PAGE_CHUNKS: u32 = 500;
/// Broadcast items a slow follower may fall behind before it catches up from the store.
const FEED_CAPACITY: usize = 256;
/// Events queued for one connection before its follower waits.
const CONNECTION_BUFFER: usize = 16;

/// What a pump broadcasts.
#[derive(Debug)]
enum FeedItem {
    Chunks {
        after: i64,
        chunks: Vec<LogChunkOut>,
        next: i64,
    },
    End {
        after: i64,
        status: JobStatus,
    },
}

impl FeedItem {
    fn after(&self) -> i64 {
        match self {
            FeedItem::Chunks { after, .. } | FeedItem::End { after, .. } => *after,
        }
    }
}

/// The pumps of the jobs being followed now, by job id.
#[derive(Default)]
pub struct LogFeeds {
    feeds: Mutex<HashMap<Uuid, broadcast::Sender<Arc<FeedItem>>>>,
}

impl LogFeeds {
    /// Followers of this job now (for tests and diagnostics).
    pub fn followers(&self, job_id: Uuid) -> usize {
        self.lock().get(&job_id).map_or(0, |s| s.receiver_count())
    }

    /// Pumps running now (for tests and diagnostics).
    pub fn pumps(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, broadcast::Sender<Arc<FeedItem>>>> {
        self.feeds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Joins the job's feed, starting its pump at `cursor` when nobody follows it yet.
    fn subscribe(
        state: &AppState,
        project: &Project,
        job_id: Uuid,
        cursor: i64,
    ) -> broadcast::Receiver<Arc<FeedItem>> {
        let mut feeds = state.log_feeds.lock();
        if let Some(sender) = feeds.get(&job_id) {
            return sender.subscribe();
        }
        let (sender, receiver) = broadcast::channel(FEED_CAPACITY);
        feeds.insert(job_id, sender.clone());
        tokio::spawn(pump(state.clone(), project.id, job_id, cursor, sender));
        receiver
    }

    /// Removes the job's feed if `sender` is still it and nobody listens (or `force`).
    fn retire(&self, job_id: Uuid, sender: &broadcast::Sender<Arc<FeedItem>>, force: bool) -> bool {
        let mut feeds = self.lock();
        let ours = feeds.get(&job_id).is_some_and(|s| s.same_channel(sender));
        if ours && (force || sender.receiver_count() == 0) {
            feeds.remove(&job_id);
            return true;
        }
        !ours
    }
}

/// Reads the job's new chunks whenever it changes and broadcasts them, until the job is final
/// and fully sent, nobody listens, or the server closes.
#[tracing::instrument(skip_all, fields(job_id = %job_id))]
async fn pump(
    state: AppState,
    project_id: Uuid,
    job_id: Uuid,
    mut cursor: i64,
    sender: broadcast::Sender<Arc<FeedItem>>,
) {
    let mut watch = state.events.watch_job(job_id);
    loop {
        match read_on(&state, project_id, job_id, cursor).await {
            Ok((chunks, next, Some(status))) => {
                if !chunks.is_empty() {
                    let _ = sender.send(Arc::new(FeedItem::Chunks {
                        after: cursor,
                        chunks,
                        next,
                    }));
                }
                let _ = sender.send(Arc::new(FeedItem::End {
                    after: next,
                    status,
                }));
                state.log_feeds.retire(job_id, &sender, true);
                return;
            }
            Ok((chunks, next, None)) => {
                if !chunks.is_empty() {
                    let _ = sender.send(Arc::new(FeedItem::Chunks {
                        after: cursor,
                        chunks,
                        next,
                    }));
                    cursor = next;
                    // A full page may have more behind it: read again before waiting.
                    continue;
                }
            }
            Err(err) => {
                tracing::warn!(cause = %err, "log pump cannot read the store; followers resume");
                state.log_feeds.retire(job_id, &sender, true);
                return;
            }
        }
        if state.log_feeds.retire(job_id, &sender, false) {
            return;
        }
        // No deadline of its own: `wait` still returns every recheck interval.
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        if watch.wait(far).await == Wake::Closing {
            state.log_feeds.retire(job_id, &sender, true);
            return;
        }
    }
}

/// One page after `cursor`: the chunks, the cursor after them, and the job's final status
/// once it is final and this page holds its last chunk.
async fn read_on(
    state: &AppState,
    project_id: Uuid,
    job_id: Uuid,
    cursor: i64,
) -> StoreResult<(Vec<LogChunkOut>, i64, Option<JobStatus>)> {
    // Status before chunks: a job final at that moment has all its chunks stored.
    let job = state.store.get_job(project_id, job_id).await?;
    let chunks = state.store.read_logs(job_id, cursor, PAGE_CHUNKS).await?;
    let full = chunks.len() as u64 >= u64::from(PAGE_CHUNKS);
    let next = chunks.last().map_or(cursor, |c| c.id);
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
    let done = (job.status.is_final() && !full).then_some(job.status);
    Ok((chunks, next, done))
}

/// Starts following a job from `after`; the events arrive on the receiver, which closes after
/// [`LogEvent::End`], when the server closes, or on a store error (the client resumes).
pub fn follow(
    state: AppState,
    project: Project,
    job_id: Uuid,
    after: i64,
) -> mpsc::Receiver<LogEvent> {
    let (tx, rx) = mpsc::channel(CONNECTION_BUFFER);
    tokio::spawn(async move {
        let mut follower = Follower {
            state,
            project,
            job_id,
            cursor: after,
            tx,
        };
        if let Err(err) = follower.run().await {
            tracing::debug!(job_id = %job_id, cause = %err, "log follower ended");
        }
    });
    rx
}

struct Follower {
    state: AppState,
    project: Project,
    job_id: Uuid,
    /// The id of the last chunk sent.
    cursor: i64,
    tx: mpsc::Sender<LogEvent>,
}

/// Why a follower stopped early.
#[derive(Debug, thiserror::Error)]
enum Stop {
    #[error("the connection went away")]
    Gone,
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl Follower {
    async fn run(&mut self) -> Result<(), Stop> {
        loop {
            if self.catch_up().await? {
                return Ok(());
            }
            let mut feed =
                LogFeeds::subscribe(&self.state, &self.project, self.job_id, self.cursor);
            loop {
                let item = match feed.recv().await {
                    Ok(item) => item,
                    // Fell behind: the next item's `after` shows the gap, read from the store.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    // The pump stopped (store error, server closing): look again, then rejoin.
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if item.after() > self.cursor && self.catch_up().await? {
                    return Ok(());
                }
                match &*item {
                    FeedItem::Chunks { chunks, next, .. } => {
                        let fresh: Vec<LogChunkOut> = chunks
                            .iter()
                            .filter(|c| c.id > self.cursor)
                            .cloned()
                            .collect();
                        self.send_chunks(fresh, *next).await?;
                    }
                    FeedItem::End { status, .. } => {
                        return self
                            .send(LogEvent::End {
                                status: *status,
                                next: self.cursor,
                            })
                            .await;
                    }
                }
            }
            if self.state.events.is_closing() {
                return Ok(());
            }
        }
    }

    /// Sends everything after the cursor the store holds; true when that included the end.
    async fn catch_up(&mut self) -> Result<bool, Stop> {
        loop {
            let (chunks, next, done) =
                read_on(&self.state, self.project.id, self.job_id, self.cursor).await?;
            let more = !chunks.is_empty();
            self.send_chunks(chunks, next).await?;
            if let Some(status) = done {
                self.send(LogEvent::End { status, next }).await?;
                return Ok(true);
            }
            if !more {
                return Ok(false);
            }
        }
    }

    async fn send_chunks(&mut self, chunks: Vec<LogChunkOut>, next: i64) -> Result<(), Stop> {
        let next = next.max(self.cursor);
        if chunks.is_empty() {
            // Nothing new to this follower, but everything up to `next` has been seen.
            self.cursor = next;
            return Ok(());
        }
        self.send(LogEvent::Chunks { chunks, next }).await?;
        self.cursor = next;
        Ok(())
    }

    async fn send(&self, event: LogEvent) -> Result<(), Stop> {
        self.tx.send(event).await.map_err(|_| Stop::Gone)
    }
}
