//! Queue churn: does claiming slow down while the queue churns?
//!
//! DESIGN.md ("Queue tables churn") saw a claim loop on a `jobs` table with a partial index
//! fall from ~5 900 to ~1 650 claims/s within a minute, because dead index entries piled up
//! at the front of the queue until autovacuum ran. This keeps our store's `queue` at a steady
//! depth while claimers claim, finish and replace jobs as fast as they can, and prints
//! claims/s per window with the mean time of each step. On Postgres each window also shows
//! what the server says about the queue table (dead tuples, autovacuum runs, index size) and
//! what the claim's scan costs right now (`EXPLAIN ANALYZE` buffers and time), so a decay can
//! be tied to its cause.
//!
//! Run with `cargo bench -p rgrid-server --bench queue_churn` or `scripts/bench-queue.sh`.
//! Without `--bench` (as `cargo test --all-targets` runs bench targets) it does nothing.
//! Settings (env): `RGRID_BENCH_SECS` (Postgres run, default 90), `RGRID_BENCH_SQLITE_SECS`
//! (default 30), `RGRID_BENCH_DEPTH` (queued jobs kept, default 10000),
//! `RGRID_BENCH_CLAIMERS` (default 2), `RGRID_BENCH_WINDOW_SECS` (default 5),
//! `RGRID_BENCH_BACKENDS` (`postgres,sqlite` by default), `RGRID_BENCH_HOLD_SNAPSHOT=1` (keep
//! a repeatable-read transaction open on Postgres for the whole run, as a forgotten
//! `idle in transaction` session would: vacuum can then remove nothing).

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures::{StreamExt, TryStreamExt};
use rgrid_server::store::postgres::PostgresStore;
use rgrid_server::store::sqlite::SqliteStore;
use rgrid_server::store::{NewJob, NewNode, Outcome, Store};
use rgrid_spec::api::EndReason;
use sqlx::PgPool;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// What each benchmark job carries; the store never parses it, so any valid spec will do.
const SPEC_JSON: &str = concat!(
    r#"{"apiVersion":"rgrid.dev/v1","kind":"Job","metadata":{"name":"churn"},"#,
    r#""spec":{"runtime":"python:3.11-slim","command":["python","-c","print(1)"]}}"#
);

/// Concurrent `create_job` calls while filling the queue before the run.
const FILL_CONCURRENCY: usize = 4;

/// The claim's row selection, as `PostgresStore::claim` runs it inside its `DELETE`.
const CLAIM_SCAN: &str = "SELECT job_id FROM queue ORDER BY priority DESC, turn, enqueued \
                          LIMIT 1 FOR UPDATE SKIP LOCKED";

fn main() -> Result<()> {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("queue_churn: not run without --bench; use `cargo bench --bench queue_churn`");
        return Ok(());
    }
    let settings = Settings::from_env()?;
    // The machine has 2 cores; more worker threads would only add context switches.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    runtime.block_on(run(settings))
}

#[derive(Debug, Clone)]
struct Settings {
    postgres_secs: u64,
    sqlite_secs: u64,
    depth: u64,
    claimers: usize,
    window: Duration,
    postgres: bool,
    sqlite: bool,
    hold_snapshot: bool,
}

impl Settings {
    fn from_env() -> Result<Settings> {
        let backends =
            std::env::var("RGRID_BENCH_BACKENDS").unwrap_or_else(|_| "postgres,sqlite".to_owned());
        let backends: Vec<&str> = backends.split(',').map(str::trim).collect();
        if let Some(unknown) = backends
            .iter()
            .find(|b| !matches!(**b, "postgres" | "sqlite"))
        {
            bail!("RGRID_BENCH_BACKENDS: unknown backend `{unknown}` (postgres, sqlite)");
        }
        let settings = Settings {
            postgres_secs: env_or("RGRID_BENCH_SECS", 90)?,
            sqlite_secs: env_or("RGRID_BENCH_SQLITE_SECS", 30)?,
            depth: env_or("RGRID_BENCH_DEPTH", 10_000)?,
            claimers: env_or("RGRID_BENCH_CLAIMERS", 2)?,
            window: Duration::from_secs(env_or("RGRID_BENCH_WINDOW_SECS", 5)?),
            postgres: backends.contains(&"postgres"),
            sqlite: backends.contains(&"sqlite"),
            hold_snapshot: env_or("RGRID_BENCH_HOLD_SNAPSHOT", 0u8)? == 1,
        };
        if settings.claimers == 0 || settings.window.is_zero() {
            bail!("RGRID_BENCH_CLAIMERS and RGRID_BENCH_WINDOW_SECS must be at least 1");
        }
        Ok(settings)
    }
}

fn env_or<T: FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={text:?} is not a valid number")),
        Err(_) => Ok(default),
    }
}

async fn run(settings: Settings) -> Result<()> {
    println!(
        "queue churn: depth {} jobs, {} claimer(s) (claim -> finish completed -> submit), \
         {} s windows, {} cpu(s), load {}",
        settings.depth,
        settings.claimers,
        settings.window.as_secs(),
        std::thread::available_parallelism().map_or(0, usize::from),
        load_average()
    );
    if settings.postgres {
        run_postgres(&settings).await?;
    }
    if settings.sqlite {
        run_sqlite(&settings).await?;
    }
    Ok(())
}

async fn run_postgres(settings: &Settings) -> Result<()> {
    let cluster = rgrid_tests::postgres::TempPostgres::start()
        .context("starting a throwaway Postgres (is postgresql-15 installed?)")?;
    let url = cluster.create_database("rgrid_churn");
    let store = PostgresStore::connect(&url)
        .await
        .context("connecting to the bench cluster")?;
    store.migrate().await.context("migrating")?;
    let probe = Probe::Postgres(store.pool().clone());
    probe.describe().await?;
    let snapshot = if settings.hold_snapshot {
        println!("holding a repeatable-read snapshot open for the whole run");
        Some(hold_snapshot(store.pool()).await?)
    } else {
        None
    };

    let store: Arc<dyn Store> = Arc::new(store);
    let secs = Duration::from_secs(settings.postgres_secs);
    let windows = churn(store, &probe, settings, secs).await?;
    summarize("postgres", &windows);
    if let Some(snapshot) = snapshot {
        snapshot.rollback().await?;
    }
    probe.diagnose().await
}

/// A transaction whose snapshot pins the xmin horizon until it ends.
async fn hold_snapshot(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *tx)
        .await?;
    // The snapshot is taken by the first query, not by BEGIN.
    sqlx::query("SELECT 1").execute(&mut *tx).await?;
    Ok(tx)
}

async fn run_sqlite(settings: &Settings) -> Result<()> {
    let dir = tempfile::tempdir().context("creating a temp dir for SQLite")?;
    let path = dir.path().join("churn.db");
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::connect(&url)
        .await
        .context("opening the SQLite bench database")?;
    store.migrate().await.context("migrating")?;
    println!("\n== sqlite: {url} (WAL, synchronous=NORMAL, as SqliteStore opens it)");

    let store: Arc<dyn Store> = Arc::new(store);
    let secs = Duration::from_secs(settings.sqlite_secs);
    let windows = churn(store, &Probe::None, settings, secs).await?;
    summarize("sqlite", &windows);
    Ok(())
}

/// Running totals the claimers add to; the sampler takes differences.
#[derive(Default)]
struct Counters {
    claims: AtomicU64,
    empty_claims: AtomicU64,
    created: AtomicU64,
    claim_nanos: AtomicU64,
    finish_nanos: AtomicU64,
    create_nanos: AtomicU64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    claims: u64,
    empty_claims: u64,
    created: u64,
    claim_nanos: u64,
    finish_nanos: u64,
    create_nanos: u64,
}

impl Counters {
    fn totals(&self) -> Totals {
        Totals {
            claims: self.claims.load(Ordering::Relaxed),
            empty_claims: self.empty_claims.load(Ordering::Relaxed),
            created: self.created.load(Ordering::Relaxed),
            claim_nanos: self.claim_nanos.load(Ordering::Relaxed),
            finish_nanos: self.finish_nanos.load(Ordering::Relaxed),
            create_nanos: self.create_nanos.load(Ordering::Relaxed),
        }
    }
}

/// Adds the time since `started` to `total`.
fn add_elapsed(total: &AtomicU64, started: Instant) {
    let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    total.fetch_add(nanos, Ordering::Relaxed);
}

/// One sampling window's figures.
#[derive(Debug, Clone)]
struct Window {
    end_secs: f64,
    claims_per_sec: f64,
    /// Mean claim time over mean finish time. Both are a few statements in one transaction,
    /// but only the claim scans the queue: a load spike on the shared machine slows both
    /// alike, while dead queue entries raise this ratio alone.
    claim_to_finish: f64,
}

/// What the claim loop needs to know about the grid it runs on.
#[derive(Clone, Copy)]
struct Grid {
    project_id: Uuid,
    node_id: Uuid,
}

/// Fills the queue, runs the claimers for `secs`, printing one line per window.
async fn churn(
    store: Arc<dyn Store>,
    probe: &Probe,
    settings: &Settings,
    secs: Duration,
) -> Result<Vec<Window>> {
    let grid = set_up_grid(store.as_ref()).await?;
    let counters = Arc::new(Counters::default());
    let filled = Instant::now();
    create_jobs(store.as_ref(), grid, settings.depth, &counters).await?;
    println!(
        "filled {} jobs in {:.1} s; running {} s",
        settings.depth,
        filled.elapsed().as_secs_f64(),
        secs.as_secs()
    );

    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<JoinHandle<Result<()>>> = (0..settings.claimers)
        .map(|_| {
            tokio::spawn(claim_loop(
                store.clone(),
                grid,
                counters.clone(),
                stop.clone(),
            ))
        })
        .collect();

    let windows = sample(probe, settings, secs, &counters).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.context("a bench task panicked")??;
    }
    windows
}

async fn set_up_grid(store: &dyn Store) -> Result<Grid> {
    let project = store.ensure_project("bench", "churn").await?;
    let node = store
        .register_node(NewNode {
            name: "bench-node",
            slots: 2,
            executor: "process",
            token_hash: "bench-token-hash",
        })
        .await?;
    Ok(Grid {
        project_id: project.id,
        node_id: node.id,
    })
}

/// Creates `count` jobs through the store, a few at a time.
async fn create_jobs(store: &dyn Store, grid: Grid, count: u64, counters: &Counters) -> Result<()> {
    futures::stream::iter(0..count)
        .map(|_| async { create_job(store, grid, counters).await })
        .buffer_unordered(FILL_CONCURRENCY)
        .try_collect()
        .await
}

async fn create_job(store: &dyn Store, grid: Grid, counters: &Counters) -> Result<()> {
    let job = NewJob {
        project_id: grid.project_id,
        name: None,
        spec_json: SPEC_JSON,
        max_retries: 0,
        priority: 0,
    };
    store.create_job(job).await.context("creating a job")?;
    counters.created.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Claims, finishes as completed, and submits a new job in place of the one taken, so the
/// queue stays at its depth. A separate filler task could not keep up on SQLite, where it
/// competes with the claimers for the one write lock and the queue drained within seconds.
async fn claim_loop(
    store: Arc<dyn Store>,
    grid: Grid,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
) -> Result<()> {
    let outcome = Outcome {
        reason: EndReason::Completed,
        exit_code: Some(0),
        message: None,
        executor: "process".to_owned(),
        artifacts: Vec::new(),
        cpu_micros: None,
    };
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let Some(claim) = store.claim(grid.node_id).await.context("claim")? else {
            // Only when the depth is below the number of claimers; counted so a drained
            // queue cannot pass for a slow one.
            counters.empty_claims.fetch_add(1, Ordering::Relaxed);
            tokio::task::yield_now().await;
            continue;
        };
        add_elapsed(&counters.claim_nanos, started);

        let started = Instant::now();
        store
            .finish(claim.execution_id, &outcome)
            .await
            .with_context(|| format!("finishing job {}", claim.job.id))?;
        add_elapsed(&counters.finish_nanos, started);
        counters.claims.fetch_add(1, Ordering::Relaxed);

        let started = Instant::now();
        create_job(store.as_ref(), grid, &counters).await?;
        add_elapsed(&counters.create_nanos, started);
    }
    Ok(())
}

/// Prints one line per window until `secs` have passed; returns the windows.
async fn sample(
    probe: &Probe,
    settings: &Settings,
    secs: Duration,
    counters: &Counters,
) -> Result<Vec<Window>> {
    println!(
        "{:>6} {:>8} {:>8} {:>9} {:>9} {:>4} {:>6} {:>5} {:>5}{}",
        "t(s)",
        "claims/s",
        "claim ms",
        "finish ms",
        "create ms",
        "c/f",
        "depth",
        "empty",
        "load",
        probe.columns()
    );
    let started = Instant::now();
    let mut windows = Vec::new();
    let mut before = counters.totals();
    let mut window_start = Instant::now();
    while started.elapsed() < secs {
        let left = secs.saturating_sub(started.elapsed());
        tokio::time::sleep(settings.window.min(left)).await;
        let now = counters.totals();
        let elapsed = window_start.elapsed().as_secs_f64();
        window_start = Instant::now();
        let claims = now.claims - before.claims;
        let mean_ms = |total: fn(&Totals) -> u64| {
            let nanos = total(&now) - total(&before);
            nanos as f64 / claims.max(1) as f64 / 1e6
        };
        let (claim_ms, finish_ms) = (mean_ms(|t| t.claim_nanos), mean_ms(|t| t.finish_nanos));
        let window = Window {
            end_secs: started.elapsed().as_secs_f64(),
            claims_per_sec: claims as f64 / elapsed,
            claim_to_finish: claim_ms / finish_ms.max(f64::MIN_POSITIVE),
        };
        println!(
            "{:>6.1} {:>8.0} {:>8.3} {:>9.3} {:>9.3} {:>4.2} {:>6} {:>5} {:>5}{}",
            window.end_secs,
            window.claims_per_sec,
            claim_ms,
            finish_ms,
            mean_ms(|t| t.create_nanos),
            window.claim_to_finish,
            now.created.saturating_sub(now.claims),
            now.empty_claims - before.empty_claims,
            load_average(),
            probe.sample().await?
        );
        windows.push(window);
        before = now;
    }
    Ok(windows)
}

fn summarize(backend: &str, windows: &[Window]) {
    let (Some(first), Some(last)) = (windows.first(), windows.last()) else {
        println!("{backend}: no windows measured");
        return;
    };
    let min = windows
        .iter()
        .min_by(|a, b| a.claims_per_sec.total_cmp(&b.claims_per_sec))
        .unwrap_or(first);
    let max = windows
        .iter()
        .max_by(|a, b| a.claims_per_sec.total_cmp(&b.claims_per_sec))
        .unwrap_or(first);
    let mean = windows.iter().map(|w| w.claims_per_sec).sum::<f64>() / windows.len() as f64;
    println!(
        "{backend} summary: first window {:.0}/s, last window {:.0}/s ({:+.0}%), \
         min {:.0}/s (window ending {:.0} s), max {:.0}/s, mean {:.0}/s",
        first.claims_per_sec,
        last.claims_per_sec,
        (last.claims_per_sec / first.claims_per_sec - 1.0) * 100.0,
        min.claims_per_sec,
        min.end_secs,
        max.claims_per_sec,
        mean
    );
    let worst = windows
        .iter()
        .max_by(|a, b| a.claim_to_finish.total_cmp(&b.claim_to_finish))
        .unwrap_or(first);
    println!(
        "{backend} claim/finish time ratio (queue drag, load-independent): first {:.2}, \
         last {:.2}, max {:.2} (window ending {:.0} s)",
        first.claim_to_finish, last.claim_to_finish, worst.claim_to_finish, worst.end_secs
    );
}

/// The 1-minute load average, to read the figures against (the machine is shared).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Backend-specific views on the queue while the loop runs.
enum Probe {
    Postgres(PgPool),
    None,
}

/// One `EXPLAIN ANALYZE` of the claim scan: buffers touched and execution time.
struct ScanCost {
    buffers: String,
    millis: String,
    plan: Vec<String>,
}

impl Probe {
    /// Extra column headings for [`Probe::sample`].
    fn columns(&self) -> String {
        match self {
            Probe::Postgres(_) => format!(
                " | {:>8} {:>7} {:>7} {:>10} {:>8}",
                "dead_tup", "autovac", "idx_pg", "scan_bufs", "scan_ms"
            ),
            Probe::None => String::new(),
        }
    }

    async fn sample(&self) -> Result<String> {
        let Probe::Postgres(pool) = self else {
            return Ok(String::new());
        };
        let (dead, autovacuums, index_pages): (i64, i64, i64) = sqlx::query_as(
            "SELECT n_dead_tup, autovacuum_count, \
             pg_relation_size('queue_fair') / current_setting('block_size')::bigint \
             FROM pg_stat_user_tables WHERE relname = 'queue'",
        )
        .fetch_one(pool)
        .await
        .context("reading pg_stat_user_tables")?;
        let scan = explain_claim_scan(pool).await?;
        Ok(format!(
            " | {dead:>8} {autovacuums:>7} {index_pages:>7} {:>10} {:>8}",
            scan.buffers, scan.millis
        ))
    }

    /// Prints the server version and the settings that decide how dead rows are cleaned.
    async fn describe(&self) -> Result<()> {
        let Probe::Postgres(pool) = self else {
            return Ok(());
        };
        let version: String = sqlx::query_scalar("SELECT version()")
            .fetch_one(pool)
            .await?;
        println!("\n== postgres: {version}");
        let settings: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, setting || COALESCE(unit, '') FROM pg_settings WHERE name IN \
             ('autovacuum', 'autovacuum_naptime', 'autovacuum_vacuum_cost_delay', \
             'autovacuum_vacuum_threshold', 'autovacuum_vacuum_scale_factor', 'fsync', \
             'synchronous_commit', 'full_page_writes', 'shared_buffers') ORDER BY name",
        )
        .fetch_all(pool)
        .await?;
        let settings: Vec<String> = settings
            .into_iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        println!("settings: {}", settings.join(", "));
        let options: Option<String> = sqlx::query_scalar(
            "SELECT array_to_string(reloptions, ', ') FROM pg_class WHERE relname = 'queue'",
        )
        .fetch_one(pool)
        .await?;
        println!("queue table options: {}", options.unwrap_or_default());
        Ok(())
    }

    /// After the loop: the claim plan in full, the tables' dead rows, and the same scan
    /// before and after a manual `VACUUM queue`, to show what the dead entries cost.
    async fn diagnose(&self) -> Result<()> {
        let Probe::Postgres(pool) = self else {
            return Ok(());
        };
        let scan = explain_claim_scan(pool).await?;
        println!("\nclaim scan at the end of the run:");
        for line in &scan.plan {
            println!("  {line}");
        }
        print_table_stats(pool).await?;
        let started = Instant::now();
        sqlx::query("VACUUM queue").execute(pool).await?;
        let vacuum_ms = started.elapsed().as_secs_f64() * 1e3;
        let vacuumed = explain_claim_scan(pool).await?;
        println!(
            "manual VACUUM queue took {vacuum_ms:.1} ms; claim scan after it: {} buffers, \
             {} ms (before: {} buffers, {} ms)",
            vacuumed.buffers, vacuumed.millis, scan.buffers, scan.millis
        );
        Ok(())
    }
}

/// Runs the claim's scan under `EXPLAIN (ANALYZE, BUFFERS)` in a transaction that is rolled
/// back, so the row it locks is released at once.
async fn explain_claim_scan(pool: &PgPool) -> Result<ScanCost> {
    let mut tx = pool.begin().await?;
    let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN (ANALYZE, BUFFERS) {CLAIM_SCAN}"))
        .fetch_all(&mut *tx)
        .await
        .context("explaining the claim scan")?;
    tx.rollback().await?;
    // The first `Buffers:` line belongs to the top plan node and includes all below it.
    let buffers = plan
        .iter()
        .find_map(|line| line.trim().strip_prefix("Buffers: shared "))
        .map_or_else(|| "-".to_owned(), |b| b.replace(' ', ","));
    let millis = plan
        .iter()
        .find_map(|line| line.trim().strip_prefix("Execution Time: "))
        .map_or_else(|| "-".to_owned(), |t| t.trim_end_matches(" ms").to_owned());
    Ok(ScanCost {
        buffers,
        millis,
        plan,
    })
}

async fn print_table_stats(pool: &PgPool) -> Result<()> {
    let rows: Vec<(String, i64, i64, i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT relname, n_live_tup, n_dead_tup, n_tup_del, autovacuum_count, \
         to_char(last_autovacuum, 'HH24:MI:SS') FROM pg_stat_user_tables \
         WHERE relname IN ('queue', 'jobs', 'executions') ORDER BY relname",
    )
    .fetch_all(pool)
    .await
    .context("reading pg_stat_user_tables")?;
    println!(
        "{:<11} {:>9} {:>9} {:>9} {:>8} {:>14}",
        "table", "live", "dead", "deleted", "autovac", "last autovac"
    );
    for (table, live, dead, deleted, autovacuums, last) in rows {
        let last = last.unwrap_or_else(|| "never".to_owned());
        println!("{table:<11} {live:>9} {dead:>9} {deleted:>9} {autovacuums:>8} {last:>14}");
    }
    Ok(())
}
