//! A dead man's switch for the runner's containers.
//!
//! Docker keeps a container running when the process that started it dies. A runner killed
//! with SIGKILL (or crashing) would leave its jobs running beside their retries on other
//! nodes once the server abandons them. So the runner binary starts a copy of itself as a
//! watchdog whose standard input is a pipe from the runner: when the runner dies for any
//! reason the pipe closes, and the watchdog force-removes every container labelled with the
//! runner process's instance id, then exits. A runner that stops cleanly has removed its
//! containers already, so the watchdog finds none.
//!
//! The watchdog sits in its own process group, so a Ctrl-C meant for the runner's terminal
//! does not reach it; a supervisor that kills the whole control group (systemd's default
//! `KillMode`) kills it too, and then the next runner start removes the leftovers instead.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};

use crate::executor::docker::{local_engine, remove_instance_containers, runner_instance};
use crate::executor::ExecutorError;

/// How long after the first sweep the watchdog sweeps again.
const SECOND_LOOK: std::time::Duration = std::time::Duration::from_secs(2);

/// Set on the watchdog process: the instance id of the runner whose containers it guards.
pub const WATCHDOG_ENV: &str = "RGRID_RUNNER_WATCHDOG_INSTANCE";

/// The running watchdog; dropping it (or the runner dying) closes the pipe and triggers it.
pub struct Watchdog {
    child: Child,
}

impl Watchdog {
    /// Starts this executable again as the watchdog for this runner process.
    pub fn spawn() -> std::io::Result<Watchdog> {
        let exe = std::env::current_exe()?;
        let child = Command::new(exe)
            .env(WATCHDOG_ENV, runner_instance())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()?;
        Ok(Watchdog { child })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Closing stdin is the signal; wait so the containers are gone when the runner exits.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The watchdog's whole life: wait for the runner's end, then remove its containers.
pub async fn run(instance: &str) -> Result<(), ExecutorError> {
    let waited = tokio::task::spawn_blocking(|| {
        let mut sink = [0u8; 64];
        let mut stdin = std::io::stdin();
        // The runner never writes; read returns 0 (EOF) or an error once it is gone.
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    });
    waited.await.map_err(std::io::Error::other)?;
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
