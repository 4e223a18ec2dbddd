//! Finding or starting the local grid: `rgrid dev` in the background, like a build tool's
//! daemon. Its state lives in one directory (`RGRID_HOME`, default `~/.local/share/rgrid`):
//! `grid.json` (URL and pid of the running grid), `api-key`, `grid.log`, the SQLite database,
//! objects, work and cache directories.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use crate::ui::Ui;

/// How long the on-demand grid lingers with no jobs and no requests.
pub const IDLE_TIMEOUT_SECS: u64 = 600;
/// First start runs migrations and probes Docker; give it time.
const START_DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GridFile {
    pub url: String,
    pub pid: u32,
}

pub struct LocalGrid {
    pub url: String,
    pub api_key: String,
}

/// The directory holding the local grid's state.
pub fn home() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("RGRID_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let base = dirs::data_local_dir()
        .context("cannot find a data directory for the local grid; set `RGRID_HOME`")?;
    Ok(base.join("rgrid"))
}

pub fn grid_file(home: &Path) -> PathBuf {
    home.join("grid.json")
}

/// Finds the running local grid, or starts one in the background and waits for it.
pub async fn ensure_running(ui: &Ui) -> anyhow::Result<LocalGrid> {
    let home = home()?;
    std::fs::create_dir_all(&home)
        .with_context(|| format!("cannot create the local grid directory {}", home.display()))?;
    if let Some(grid) = find_running(&home).await {
        return Ok(grid);
    }
    // One starter at a time: two `rgrid run`s in parallel must not start two grids.
    let lock = File::create(home.join("start.lock"))
        .with_context(|| format!("cannot create {}", home.join("start.lock").display()))?;
    lock.lock()
        .context("cannot lock the local grid's start.lock")?;
    if let Some(grid) = find_running(&home).await {
        return Ok(grid);
    }
    ui.note(format!(
        "starting the local grid in the background (state in {})",
        home.display()
    ));
    let mut child = spawn_background(&home)?;
    let deadline = Instant::now() + START_DEADLINE;
    loop {
        if let Some(grid) = find_running(&home).await {
            return Ok(grid);
        }
        if let Some(status) = child
            .try_wait()
            .context("cannot watch the local grid process")?
        {
            bail!(
                "the local grid stopped at start ({status}); its log {} ends with:\n{}",
                home.join("grid.log").display(),
                log_tail(&home.join("grid.log"))
            );
        }
        if Instant::now() > deadline {
            bail!(
                "the local grid did not answer within {} s; see {}",
                START_DEADLINE.as_secs(),
                home.join("grid.log").display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn find_running(home: &Path) -> Option<LocalGrid> {
    let text = std::fs::read_to_string(grid_file(home)).ok()?;
    let grid: GridFile = serde_json::from_str(&text).ok()?;
    let api_key = std::fs::read_to_string(home.join("api-key")).ok()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .ok()?;
    let health = http
        .get(format!("{}/v1/health", grid.url))
        .send()
        .await
        .ok()?;
    if !health.status().is_success() {
        return None;
    }
    Some(LocalGrid {
        url: grid.url,
        api_key: api_key.trim().to_string(),
    })
}

fn spawn_background(home: &Path) -> anyhow::Result<std::process::Child> {
    use std::os::unix::process::CommandExt;

    let exe = std::env::current_exe().context("cannot find the rgrid executable to start")?;
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(home.join("grid.log"))
        .with_context(|| format!("cannot open {}", home.join("grid.log").display()))?;
    let log_err = log
        .try_clone()
        .context("cannot duplicate the grid log handle")?;
    Command::new(exe)
        .args([
            "dev",
            "--background",
            "--idle-timeout",
            &IDLE_TIMEOUT_SECS.to_string(),
        ])
        .env("RGRID_HOME", home)
        .env_remove("RGRID_SERVER")
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        // Its own process group: Ctrl-C on `rgrid run` must not stop the grid and its jobs.
        .process_group(0)
        .spawn()
        .context("cannot start the local grid (`rgrid dev --background`)")
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}
