//! A dead man's switch for the runner's jobs.
//!
//! Docker keeps a container running when the process that started it dies, and a job of the
//! process executor lives on in its own process group. A runner killed with SIGKILL (or
//! crashing) would leave its jobs running beside their retries on other nodes once the server
//! abandons them. So the runner binary starts a copy of itself as a watchdog whose standard
//! input is a pipe from the runner. The process executor writes each job's process group on
//! it as it starts (`+<pgid>`) and ends (`-<pgid>`). When the runner dies for any reason the
//! pipe closes, and the watchdog sends SIGKILL to every process group still listed and
//! force-removes every container labelled with the runner process's instance id, then exits.
//! A runner that stops cleanly has ended its jobs already, so the watchdog finds none.
//!
//! The watchdog sits in its own process group, so a Ctrl-C meant for the runner's terminal
//! does not reach it; a supervisor that kills the whole control group (systemd's default
//! `KillMode`) kills it too, and every job with it, or the next runner start removes the
//! leftover containers instead.
//!
//! A job that leaves its process group (`setsid`) escapes the watchdog, as it would escape a
//! timeout kill; the Docker executor has no such hole.

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

use crate::executor::docker::{local_engine, remove_instance_containers, runner_instance};
use crate::executor::process::kill_group;
use crate::executor::ExecutorError;

/// How long after the first sweep the watchdog sweeps again.
const SECOND_LOOK: std::time::Duration = std::time::Duration::from_secs(2);

/// Set on the watchdog process: the instance id of the runner whose jobs it guards.
pub const WATCHDOG_ENV: &str = "RGRID_RUNNER_WATCHDOG_INSTANCE";

/// Set to `0` on the watchdog of a runner without Docker: it then kills process groups only.
pub const WATCHDOG_CONTAINERS_ENV: &str = "RGRID_RUNNER_WATCHDOG_CONTAINERS";

/// The write end of the running watchdog's pipe, while there is one (one per runner process).
static PIPE: Mutex<Option<ChildStdin>> = Mutex::new(None);

/// The running watchdog; dropping it (or the runner dying) closes the pipe and triggers it.
pub struct Watchdog {
    child: Child,
}

impl Watchdog {
    /// Starts this executable again as the watchdog for this runner process; `containers`
    /// says whether it should also look for Docker containers when it fires.
    pub fn spawn(containers: bool) -> std::io::Result<Watchdog> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .env(WATCHDOG_ENV, runner_instance())
            .env(WATCHDOG_CONTAINERS_ENV, if containers { "1" } else { "0" })
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()?;
        *lock_pipe() = child.stdin.take();
        Ok(Watchdog { child })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Closing the pipe is the signal; wait so the jobs are gone when the runner exits.
        drop(lock_pipe().take());
        let _ = self.child.wait();
    }
}

fn lock_pipe() -> std::sync::MutexGuard<'static, Option<ChildStdin>> {
    // A panic while writing a line leaves nothing half-done that matters: carry on.
    PIPE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Tells the watchdog (if this process has one) about a job's process group while it lives:
/// listed on creation, unlisted on drop.
pub struct GuardedGroup {
    pgid: Option<u32>,
}

impl GuardedGroup {
    pub fn new(pgid: Option<u32>) -> GuardedGroup {
        if let Some(pgid) = pgid {
            tell(&format!("+{pgid}\n"));
        }
        GuardedGroup { pgid }
    }
}

impl Drop for GuardedGroup {
    fn drop(&mut self) {
        if let Some(pgid) = self.pgid {
            tell(&format!("-{pgid}\n"));
        }
    }
}

/// One line to the watchdog: a few bytes, written whole (below `PIPE_BUF`).
fn tell(line: &str) {
    let mut pipe = lock_pipe();
    if let Some(stdin) = pipe.as_mut() {
        if let Err(err) = stdin.write_all(line.as_bytes()) {
            tracing::warn!(error = %err, "cannot reach the watchdog; a crash would leave jobs");
        }
    }
}

/// The watchdog's whole life: follow the runner's process groups until its end, then kill
/// what is left of them and remove its containers.
pub async fn run(instance: &str, containers: bool) -> Result<(), ExecutorError> {
    let groups = tokio::task::spawn_blocking(|| follow_groups(std::io::stdin().lock()));
    let groups = groups.await.map_err(std::io::Error::other)?;
    for &pgid in &groups {
        kill_group(pgid);
    }
    if !groups.is_empty() {
        tracing::warn!(
            instance,
            groups = groups.len(),
            "runner gone; killed its jobs"
        );
    }
    if !containers {
        return Ok(());
    }
    let docker = local_engine().await?;
    let mut removed = remove_instance_containers(&docker, instance).await?;
    // A create the runner sent just before it died may still land in the engine: look again.
    tokio::time::sleep(SECOND_LOOK).await;
    removed += remove_instance_containers(&docker, instance).await?;
    if removed > 0 {
        tracing::warn!(instance, removed, "runner gone; removed its containers");
    }
    Ok(())
}

/// Reads `+<pgid>` / `-<pgid>` lines until the runner's end of the pipe closes; the groups
/// still listed then.
fn follow_groups(input: impl BufRead) -> HashSet<u32> {
    let mut groups = HashSet::new();
    // A read error means the runner is gone too.
    for line in input.lines().map_while(Result::ok) {
        let (sign, number) = line.split_at(line.len().min(1));
        match (sign, number.trim().parse::<u32>()) {
            ("+", Ok(pgid)) => {
                groups.insert(pgid);
            }
            ("-", Ok(pgid)) => {
                groups.remove(&pgid);
            }
            _ => {}
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_still_listed_at_the_end_are_the_ones_killed() {
        let lines = "+10\n+11\n-10\n+12\nnonsense\n-99\n";
        let left = follow_groups(std::io::Cursor::new(lines));
        assert_eq!(left, HashSet::from([11, 12]));
    }
}
