//! Wake-ups across servers sharing one Postgres database (several replicas behind a load
//! balancer): a log chunk appended through server A wakes the followers connected to server B
//! at once, and a job queued through A wakes the claims waiting on B.
//!
//! Each server publishes its local changes with `NOTIFY` on [`CHANNEL`] and `LISTEN`s there
//! for the others'. A payload is `<origin> j <job id>`, `<origin> a` (all jobs) or
//! `<origin> q` (the queue); `origin` is a random id per server process, so a server skips its
//! own notifications. Notifications are best effort: one sent while a listener reconnects is
//! lost, so a reconnect wakes every local waiter, and waits keep their recheck interval.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::api::events::{Change, Events};

/// The channel changes are announced on.
pub const CHANNEL: &str = "rgrid_changes";

/// Changes sent in one statement at most; a burst beyond waits for the next round.
const BATCH: usize = 256;
/// Pause before trying the database again after a failure.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Starts publishing this server's changes and applying the others'; both tasks end when
/// `stop` turns true.
pub fn start(pool: PgPool, events: Arc<Events>, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    let origin = Uuid::new_v4();
    let (sender, receiver) = mpsc::unbounded_channel();
    if !events.publish_to(sender) {
        tracing::warn!("changes are published already; not starting a second publisher");
    }
    let publisher = tokio::spawn(publish(pool.clone(), origin, receiver, stop.clone()));
    let listener = tokio::spawn(listen(pool, origin, events, stop));
    tokio::spawn(async move {
        for (name, task) in [("publisher", publisher), ("listener", listener)] {
            if let Err(err) = task.await {
                tracing::error!(task = name, cause = %err, "replica wake-up task failed");
            }
        }
    })
}

/// Sends local changes to the channel, coalescing a burst (many chunks of one job) into one
/// statement with each distinct change once.
async fn publish(
    pool: PgPool,
    origin: Uuid,
    mut changes: mpsc::UnboundedReceiver<Change>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let first = tokio::select! {
            change = changes.recv() => change,
            _ = stop.changed() => None,
        };
        let Some(first) = first else {
            return;
        };
        let mut batch = HashSet::from([first]);
        while batch.len() < BATCH {
            match changes.try_recv() {
                Ok(change) => {
                    batch.insert(change);
                }
                Err(_) => break,
            }
        }
        let payloads: Vec<String> = batch.iter().map(|c| encode(origin, *c)).collect();
        let sent = sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
            .bind(CHANNEL)
            .bind(&payloads)
            .execute(&pool)
            .await;
        if let Err(err) = sent {
            // The other servers find the change at their next recheck.
            tracing::warn!(cause = %err, changes = payloads.len(), "cannot notify other servers");
        }
    }
}

/// Applies the other servers' changes to the local waiters.
async fn listen(pool: PgPool, origin: Uuid, events: Arc<Events>, mut stop: watch::Receiver<bool>) {
    let mut listener = loop {
        match subscribe(&pool).await {
            Ok(listener) => break listener,
            Err(err) => {
                tracing::warn!(cause = %err, "cannot listen for other servers' changes; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(RETRY_PAUSE) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    };
    tracing::info!(channel = CHANNEL, "listening for other servers' changes");
    loop {
        let next = tokio::select! {
            next = listener.try_recv() => next,
            _ = stop.changed() => return,
        };
        match next {
            Ok(Some(notification)) => match decode(notification.payload()) {
                Some((from, _)) if from == origin => {}
                Some((_, change)) => events.apply(change),
                None => tracing::warn!(
                    payload = notification.payload(),
                    "ignoring a malformed change notification"
                ),
            },
            // The connection dropped and comes back on the next call: whatever was sent
            // meanwhile is lost, so every waiter looks again.
            Ok(None) => {
                tracing::warn!("lost the database connection listening for changes");
                events.apply(Change::AllJobs);
                events.apply(Change::Queue);
            }
            Err(err) => {
                tracing::warn!(cause = %err, "cannot listen for other servers' changes; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(RETRY_PAUSE) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}

async fn subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

fn encode(origin: Uuid, change: Change) -> String {
    match change {
        Change::Job(job) => format!("{origin} j {job}"),
        Change::AllJobs => format!("{origin} a"),
        Change::Queue => format!("{origin} q"),
    }
}

fn decode(payload: &str) -> Option<(Uuid, Change)> {
    let mut parts = payload.split(' ');
    let origin = Uuid::parse_str(parts.next()?).ok()?;
    let change = match (parts.next()?, parts.next()) {
        ("j", Some(job)) => Change::Job(Uuid::parse_str(job).ok()?),
        ("a", None) => Change::AllJobs,
        ("q", None) => Change::Queue,
        _ => return None,
    };
    parts.next().is_none().then_some((origin, change))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_junk_is_refused() {
        let origin = Uuid::new_v4();
        for change in [Change::Job(Uuid::new_v4()), Change::AllJobs, Change::Queue] {
            assert_eq!(decode(&encode(origin, change)), Some((origin, change)));
        }
        for junk in [
            "",
            "x j y",
            &format!("{origin} j"),
            &format!("{origin} q extra"),
        ] {
            assert_eq!(decode(junk), None, "{junk:?}");
        }
    }
}
