//! Abandons executions whose runner stopped heartbeating, and executions still running well
//! past their job's timeout, so their jobs are retried or failed instead of staying `running`
//! forever. Every pass is safe beside other servers' reapers (the store's contract).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::api::Events;
use crate::store::Store;

/// Runs until `stop` turns true, reaping every `interval`.
///
/// Silence is only the runners' fault when the server could hear them: after this server
/// starts, and after its database comes back from an outage, it waits one
/// `heartbeat_timeout` (runners beat every third of it) before it abandons anything.
pub async fn run(
    store: Arc<dyn Store>,
    events: Arc<Events>,
    heartbeat_timeout: Duration,
    timeout_grace: Duration,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut quiet_until = Instant::now() + heartbeat_timeout;
    let mut store_down = false;
    let mut quiet = true;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            // Any change, or the sender gone, means stop.
            _ = stop.changed() => return,
        }
        if store_down || Instant::now() < quiet_until {
            match store.active_counts().await {
                Ok(_) if store_down => {
                    tracing::info!(
                        "database reachable again; reaping resumes after a heartbeat \
                                    timeout"
                    );
                    store_down = false;
                    quiet_until = Instant::now() + heartbeat_timeout;
                }
                Ok(_) => {}
                Err(_) => store_down = true,
            }
            quiet = true;
            continue;
        }
        if quiet {
            tracing::info!("reaper active: abandoning silent and overdue executions");
            quiet = false;
        }
        let reaped = reap_once(store.as_ref(), &events, heartbeat_timeout).await;
        let overdue = reap_overdue_once(store.as_ref(), &events, timeout_grace).await;
        store_down = !(reaped && overdue);
    }
}

// Missing: a node silent past the heartbeat timeout is not yet marked `dead` here (only the
// orchestrator does that, for the nodes it ordered); a hand-started runner killed without its
// release stays listed `active`. Doing it safely needs a threshold that also covers a long-poll
// claim (`max_wait`) and the `last_seen_at` touch interval.

/// One pass: abandon what has been silent longer than `heartbeat_timeout`. False when the
/// store could not be reached.
pub async fn reap_once(store: &dyn Store, events: &Events, heartbeat_timeout: Duration) -> bool {
    let timeout = chrono::Duration::from_std(heartbeat_timeout).unwrap_or(chrono::Duration::MAX);
    let before = chrono::Utc::now() - timeout;
    match store.reap(before).await {
        Ok(0) => true,
        Ok(abandoned) => {
            tracing::warn!(abandoned, "abandoned executions whose runner went silent");
            events.all_jobs_changed();
            events.queue_changed();
            true
        }
        Err(err) => {
            tracing::error!(cause = %err, "reaping silent executions failed");
            false
        }
    }
}

/// One pass of the timeout backstop: abandon executions running `grace` past their deadline
/// (claim time + the job's `timeoutSeconds`), which their runner should have killed. False
/// when the store could not be reached.
pub async fn reap_overdue_once(store: &dyn Store, events: &Events, grace: Duration) -> bool {
    let grace = chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX);
    let before = chrono::Utc::now() - grace;
    match store.reap_overdue(before).await {
        Ok(0) => true,
        Ok(abandoned) => {
            tracing::warn!(abandoned, "abandoned executions running past their timeout");
            events.all_jobs_changed();
            events.queue_changed();
            true
        }
        Err(err) => {
            tracing::error!(cause = %err, "reaping overdue executions failed");
            false
        }
    }
}

/// How often to reap: often enough that a dead runner's job waits little past the timeout.
pub fn interval_for(heartbeat_timeout: Duration) -> Duration {
    (heartbeat_timeout / 4).clamp(Duration::from_millis(200), Duration::from_secs(5))
}
