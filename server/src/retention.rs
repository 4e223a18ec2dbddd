//! Retention: uploads and job outputs expire a configurable time after their last use, and a
//! sweeper deletes their objects and rows.
//!
//! - An artifact expires `keep` after its job finished. A retried job has not finished until
//!   its new attempt does, so its outputs are not swept under it.
//! - An upload expires `keep` after it was last used: uploaded again, answered "held" to a
//!   client, or named by a submitted job. One still named by a job that has not expired (not
//!   finished, or finished within `keep`) is renewed instead of deleted.
//! - Objects under `uploads/` and `artifacts/` older than `keep` that no row names (a runner
//!   that uploaded outputs and died before finishing, parts of an abandoned multipart
//!   upload, objects from before upload rows existed) are deleted too.
//!
//! Every step is an idempotent delete guarded by the row's age, so several servers sweeping
//! one database and bucket at once do no harm; no leader is needed.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::blobs::{BlobError, Blobs};
use crate::store::{Store, StoreError, UploadRecord};

/// How long uploads and outputs are kept when the operator names no retention.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Rows handled per query.
const BATCH: u32 = 500;

/// Prefixes the orphan pass looks under.
const SWEPT_PREFIXES: [&str; 2] = ["uploads/", "artifacts/"];

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("retention sweep: {0}")]
    Store(#[from] StoreError),
    #[error("retention sweep: {0}")]
    Blobs(#[from] BlobError),
}

/// What one sweep deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub uploads: u64,
    pub artifacts: u64,
    /// Objects without a row.
    pub orphans: u64,
    /// Uploads past the cutoff kept (renewed) because a job that has not expired names them.
    pub renewed: u64,
}

/// Parses a retention setting: `7d`, `12h`, `30m`, `45s`; `0`, `none` or `off` disable
/// expiry (`None`).
pub fn parse_retention(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if matches!(text, "0" | "none" | "off") {
        return Ok(None);
    }
    let unit_at = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} has no unit; write e.g. 7d, 12h, 30m or 45s"))?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a whole number; write e.g. 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?} has unit {unit:?}; use s, m, h or d")),
    };
    match number.checked_mul(seconds) {
        Some(0) => Ok(None),
        Some(secs) => Ok(Some(Duration::from_secs(secs))),
        None => Err(format!("{text:?} is too long")),
    }
}

/// `7d`, `12h`, … for messages (the largest unit that divides it).
pub fn show_retention(keep: Duration) -> String {
    let secs = keep.as_secs();
    for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs >= size && secs.is_multiple_of(size) {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

/// How often to sweep: a tenth of the retention, between 1 s and 10 min.
pub fn interval_for(keep: Duration) -> Duration {
    (keep / 10).clamp(Duration::from_secs(1), Duration::from_secs(600))
}

/// Sweeps every `interval` until `stop` turns true.
pub async fn run(
    store: std::sync::Arc<dyn Store>,
    blobs: std::sync::Arc<dyn Blobs>,
    keep: Duration,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.changed() => return,
        }
        match sweep_once(store.as_ref(), blobs.as_ref(), keep, Utc::now()).await {
            Ok(report) if report == SweepReport::default() => {}
            Ok(report) => tracing::info!(
                uploads = report.uploads,
                artifacts = report.artifacts,
                orphans = report.orphans,
                renewed = report.renewed,
                "expired objects deleted"
            ),
            Err(err) => tracing::warn!(cause = %err, "retention sweep failed; trying again later"),
        }
    }
}

/// One sweep as of `now`: everything last used before `now - keep` goes.
pub async fn sweep_once(
    store: &dyn Store,
    blobs: &dyn Blobs,
    keep: Duration,
    now: DateTime<Utc>,
) -> Result<SweepReport, SweepError> {
    let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
    let Some(cutoff) = now.checked_sub_signed(keep) else {
        return Ok(SweepReport::default());
    };
    let mut report = SweepReport::default();
    sweep_artifacts(store, blobs, cutoff, &mut report).await?;
    sweep_uploads(store, blobs, cutoff, &mut report).await?;
    sweep_orphans(store, blobs, cutoff, &mut report).await?;
    Ok(report)
}

async fn sweep_artifacts(
    store: &dyn Store,
    blobs: &dyn Blobs,
    cutoff: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<(), SweepError> {
    loop {
        let expired = store.expired_artifacts(cutoff, BATCH).await?;
        if expired.is_empty() {
            return Ok(());
        }
        // Objects first: a row left by a failed delete is retried on the next sweep.
        for artifact in &expired {
            blobs.delete(&artifact.object_key).await?;
        }
        let ids: Vec<i64> = expired.iter().map(|a| a.id).collect();
        store.forget_artifacts(&ids).await?;
        report.artifacts += ids.len() as u64;
    }
}

async fn sweep_uploads(
    store: &dyn Store,
    blobs: &dyn Blobs,
    cutoff: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<(), SweepError> {
    let mut live_specs = None;
    // Renewed uploads are stale again when the sweep runs as of a time past now (tests,
    // clocks that jump): each is handled once per sweep.
    let mut handled = std::collections::HashSet::new();
    loop {
        let stale = store.stale_uploads(cutoff, BATCH).await?;
        if live_specs.is_none() && !stale.is_empty() {
            live_specs = Some(store.unexpired_specs_created_before(cutoff).await?);
        }
        let live = live_specs.as_deref().unwrap_or_default();
        let mut progressed = false;
        for upload in &stale {
            if !handled.insert(upload.object_key.clone()) {
                continue;
            }
            progressed = true;
            if named_by_a_live_job(live, upload) {
                store
                    .touch_uploads(upload.project_id, std::slice::from_ref(&upload.object_key))
                    .await?;
                report.renewed += 1;
                continue;
            }
            // The row goes first, guarded by its age: an upload used since keeps it, and of
            // several sweepers only one deletes. What is missing: a client that uploads the
            // same content again in the instant between this row delete and the object delete
            // below loses the object (its row says held); the next upload of it repairs that.
            if store.forget_upload(&upload.object_key, cutoff).await? {
                blobs.delete(&upload.object_key).await?;
                report.uploads += 1;
            }
        }
        if !progressed || stale.len() < BATCH as usize {
            return Ok(());
        }
    }
}

/// Whether a job of the upload's project that has not expired names its content.
fn named_by_a_live_job(live: &[(uuid::Uuid, String)], upload: &UploadRecord) -> bool {
    live.iter().any(|(project, spec)| {
        *project == upload.project_id
            && (spec.contains(&upload.sha256) || spec.contains(&upload.object_key))
    })
}

async fn sweep_orphans(
    store: &dyn Store,
    blobs: &dyn Blobs,
    cutoff: DateTime<Utc>,
    report: &mut SweepReport,
) -> Result<(), SweepError> {
    for prefix in SWEPT_PREFIXES {
        let old: Vec<String> = blobs
            .list(prefix)
            .await?
            .into_iter()
            .filter(|object| object.modified < cutoff)
            .map(|object| object.key)
            .collect();
        for part in old.chunks(BATCH as usize) {
            let known: std::collections::HashSet<String> =
                store.known_object_keys(part).await?.into_iter().collect();
            for key in part.iter().filter(|key| !known.contains(*key)) {
                blobs.delete(key).await?;
                report.orphans += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_settings_parse() {
        assert_eq!(parse_retention("7d"), Ok(Some(DEFAULT_RETENTION)));
        assert_eq!(
            parse_retention("12h"),
            Ok(Some(Duration::from_secs(12 * 3600)))
        );
        assert_eq!(parse_retention("90s"), Ok(Some(Duration::from_secs(90))));
        for off in ["0", "none", "off", "0d"] {
            assert_eq!(parse_retention(off), Ok(None), "{off}");
        }
        for bad in ["7", "d", "7w", "-1d", "1.5d", ""] {
            assert!(parse_retention(bad).is_err(), "{bad}");
        }
        assert_eq!(show_retention(DEFAULT_RETENTION), "7d");
        assert_eq!(show_retention(Duration::from_secs(90)), "90s");
    }
}
