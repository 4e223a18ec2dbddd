//! In-process wake-ups for long polls: a log reader waits for its job to change, a runner's
//! claim waits for the queue to change. Writers poke; waiters subscribe *before* they look at
//! the store, so a change between the look and the wait is never missed.
//!
//! Other server processes sharing a Postgres database hear of our changes and we of theirs
//! through [`crate::replicas`] (LISTEN/NOTIFY): every local change is also handed to the
//! publisher set with [`Events::publish_to`], and the peers' changes come back in through
//! [`Events::apply`]. A notification can still be lost (a dropped listener connection), so
//! every wait also ends after the recheck interval ([`RECHECK`] by default) and the caller
//! looks again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use uuid::Uuid;

/// Longest a waiter sleeps without looking at the store again.
pub const RECHECK: Duration = Duration::from_secs(2);

pub struct Events {
    jobs: Mutex<HashMap<Uuid, watch::Sender<u64>>>,
    queue: watch::Sender<u64>,
    /// Any job or the queue changed: what `rgrid top` follows.
    any: watch::Sender<u64>,
    closing: watch::Sender<bool>,
    /// Longest a waiter sleeps without looking at the store again.
    recheck: Duration,
    /// Where local changes go to reach other servers on the same database, when there are any.
    peers: OnceLock<mpsc::UnboundedSender<Change>>,
}

/// One change, as it travels between servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// The job's logs or status changed.
    Job(Uuid),
    /// Jobs changed that nobody named (the reaper abandoned some).
    AllJobs,
    /// A job was queued or requeued.
    Queue,
}

/// Why a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Something changed, or it is time to look again.
    Look,
    /// The deadline passed.
    Deadline,
    /// The server is shutting down: answer now.
    Closing,
}

impl Default for Events {
    fn default() -> Events {
        Events::new(RECHECK)
    }
}

impl Events {
    /// Waits end after `recheck` at the latest, so a missed wake-up costs at most that.
    pub fn new(recheck: Duration) -> Events {
        Events {
            jobs: Mutex::new(HashMap::new()),
            queue: watch::channel(0).0,
            any: watch::channel(0).0,
            closing: watch::channel(false).0,
            recheck,
            peers: OnceLock::new(),
        }
    }

    /// From now on every local change is also sent to `peers`; false if a publisher was set
    /// already.
    pub fn publish_to(&self, peers: mpsc::UnboundedSender<Change>) -> bool {
        self.peers.set(peers).is_ok()
    }

    /// Wakes the local waiters a change concerns, without telling other servers (for changes
    /// that came from them).
    pub fn apply(&self, change: Change) {
        self.any_changed();
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        match change {
            Change::Job(job_id) => {
                if let Some(sender) = jobs.get(&job_id) {
                    sender.send_modify(|n| *n = n.wrapping_add(1));
                }
            }
            Change::AllJobs => {
                for sender in jobs.values() {
                    sender.send_modify(|n| *n = n.wrapping_add(1));
                }
            }
            Change::Queue => self.queue.send_modify(|n| *n = n.wrapping_add(1)),
        }
    }

    fn changed(&self, change: Change) {
        self.apply(change);
        if let Some(peers) = self.peers.get() {
            // The publisher gone (shutting down) leaves the peers to their recheck.
            let _ = peers.send(change);
        }
    }

    /// The job's logs or status changed.
    pub fn job_changed(&self, job_id: Uuid) {
        self.changed(Change::Job(job_id));
    }

    /// Jobs changed that we cannot name (the reaper abandoned some).
    pub fn all_jobs_changed(&self) {
        self.changed(Change::AllJobs);
    }

    /// How many long polls wait on this job now (for tests and diagnostics).
    pub fn job_watchers(&self, job_id: Uuid) -> usize {
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        jobs.get(&job_id)
            .map_or(0, |sender| sender.receiver_count())
    }

    /// How many claims wait on the queue now (for tests and diagnostics).
    pub fn queue_watchers(&self) -> usize {
        self.queue.receiver_count()
    }

    /// A job was queued or requeued.
    pub fn queue_changed(&self) {
        self.changed(Change::Queue);
    }

    fn any_changed(&self) {
        self.any.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Whether the server is shutting down.
    pub fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    /// Ends every wait at once; later waits end immediately.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    pub fn watch_job(self: &Arc<Self>, job_id: Uuid) -> Watch {
        let receiver = {
            let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
            jobs.entry(job_id)
                .or_insert_with(|| watch::channel(0).0)
                .subscribe()
        };
        Watch {
            receiver,
            closing: self.closing.subscribe(),
            recheck: self.recheck,
            job: Some((self.clone(), job_id)),
        }
    }

    /// A subscription that wakes on any change to any job or to the queue.
    pub fn watch_any(&self) -> Watch {
        Watch {
            receiver: self.any.subscribe(),
            closing: self.closing.subscribe(),
            recheck: self.recheck,
            job: None,
        }
    }

    pub fn watch_queue(&self) -> Watch {
        Watch {
            receiver: self.queue.subscribe(),
            closing: self.closing.subscribe(),
            recheck: self.recheck,
            job: None,
        }
    }
}

/// A subscription to one job or to the queue.
pub struct Watch {
    receiver: watch::Receiver<u64>,
    closing: watch::Receiver<bool>,
    recheck: Duration,
    /// Set for a job watch, so dropping the last one removes the job's entry.
    job: Option<(Arc<Events>, Uuid)>,
}

impl Watch {
    /// Waits for a change, the deadline, the next recheck or shutdown, whichever comes first.
    pub async fn wait(&mut self, deadline: Instant) -> Wake {
        if *self.closing.borrow() {
            return Wake::Closing;
        }
        let now = Instant::now();
        if now >= deadline {
            return Wake::Deadline;
        }
        let recheck = now + self.recheck;
        tokio::select! {
            _ = self.receiver.changed() => Wake::Look,
            // `closing` only ever turns true, so any change means closing.
            _ = self.closing.changed() => Wake::Closing,
            _ = tokio::time::sleep_until(deadline.min(recheck)) => {
                if recheck < deadline { Wake::Look } else { Wake::Deadline }
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let Some((events, job_id)) = &self.job else {
            return;
        };
        let mut jobs = events.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        // Our own receiver is still alive here: one left means nobody else waits.
        if jobs
            .get(job_id)
            .is_some_and(|sender| sender.receiver_count() <= 1)
        {
            jobs.remove(job_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_poke_wakes_a_waiter_and_the_entry_goes_with_it() {
        let events = Arc::new(Events::default());
        let job = Uuid::new_v4();
        let mut watch = events.watch_job(job);
        events.job_changed(job);
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(watch.wait(far).await, Wake::Look);
        drop(watch);
        assert!(events.jobs.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn local_changes_go_to_the_peers_and_applied_ones_do_not() {
        let events = Arc::new(Events::default());
        let (tx, mut rx) = mpsc::unbounded_channel();
        assert!(events.publish_to(tx));
        let job = Uuid::new_v4();
        let mut watch = events.watch_job(job);
        events.apply(Change::Job(job));
        let far = Instant::now() + Duration::from_secs(60);
        assert_eq!(watch.wait(far).await, Wake::Look);
        assert!(rx.try_recv().is_err(), "a peer's change is not sent back");
        events.job_changed(job);
        events.queue_changed();
        assert_eq!(rx.try_recv().ok(), Some(Change::Job(job)));
        assert_eq!(rx.try_recv().ok(), Some(Change::Queue));
    }

    #[tokio::test]
    async fn closing_ends_waits() {
        let events = Arc::new(Events::default());
        let mut watch = events.watch_queue();
        events.close();
        assert_eq!(
            watch.wait(Instant::now() + Duration::from_secs(60)).await,
            Wake::Closing
        );
    }

    #[tokio::test]
    async fn a_quiet_wait_ends_at_its_deadline() {
        let events = Arc::new(Events::default());
        let mut watch = events.watch_queue();
        let deadline = Instant::now() + Duration::from_millis(50);
        assert_eq!(watch.wait(deadline).await, Wake::Deadline);
    }
}
