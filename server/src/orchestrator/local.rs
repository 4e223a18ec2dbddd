//! The local provider: each "server" is an `rgrid-runner` process on this machine, so the
//! orchestrator can be exercised end to end with real jobs.
//!
//! Every node gets `<root>/<name>/` with its work directory, its log, a `pid` file and its
//! single-use `bootstrap-token` (mode 0600, as cloud-init writes it on a Hetzner server; spent
//! once the runner registered). The pid files are the provider's list, so a restarted server
//! finds the runners still running.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use async_trait::async_trait;
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use super::provider::{Provider, ProviderError, ProviderServer, ServerRequest};
use super::settings::LocalSettings;

const PROVIDER: &str = "local";

pub struct LocalProvider {
    settings: LocalSettings,
    /// Runners this process started, by node name, so their exits are reaped.
    children: Mutex<HashMap<String, Child>>,
}

impl LocalProvider {
    pub fn new(settings: LocalSettings) -> LocalProvider {
        LocalProvider {
            settings,
            children: Mutex::new(HashMap::new()),
        }
    }

    fn node_dir(&self, name: &str) -> PathBuf {
        self.settings.root.join(name)
    }

    fn spawn(&self, request: &ServerRequest, dir: &Path) -> std::io::Result<Child> {
        std::fs::create_dir_all(dir.join("work"))?;
        let token_file = dir.join("bootstrap-token");
        write_private(&token_file, &format!("{}\n", request.bootstrap_token))?;
        let log = std::fs::File::create(dir.join("runner.log"))?;
        let mut command = Command::new(&self.settings.runner_bin);
        command
            .args(["--server", &request.server_url])
            .args(["--name", &request.name])
            .args(["--slots", &request.slots.to_string()])
            .args(["--executor", &self.settings.executor])
            .arg("--work-root")
            .arg(dir.join("work"))
            .arg("--cache-root")
            .arg(self.settings.root.join("cache"))
            // A file, not an argument: `ps` shows arguments to every user.
            .env("RGRID_BOOTSTRAP_TOKEN_FILE", &token_file)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        if let Some(ca) = &self.settings.ca_bundle {
            command.arg("--ca-bundle").arg(ca);
        }
        command.spawn()
    }
}

#[async_trait]
impl Provider for LocalProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    async fn create(&self, request: &ServerRequest) -> Result<ProviderServer, ProviderError> {
        let dir = self.node_dir(&request.name);
        let child = self
            .spawn(request, &dir)
            .map_err(|err| refused(&err, &self.settings))?;
        let pid = child.id().map(|pid| pid.to_string()).unwrap_or_default();
        std::fs::write(dir.join("pid"), &pid).map_err(|err| refused(&err, &self.settings))?;
        tracing::info!(node = %request.name, pid, "local runner started");
        self.children
            .lock()
            .await
            .insert(request.name.clone(), child);
        Ok(ProviderServer {
            id: request.name.clone(),
            name: request.name.clone(),
        })
    }

    async fn delete(&self, id: &str) -> Result<(), ProviderError> {
        let dir = self.node_dir(id);
        if let Some(mut child) = self.children.lock().await.remove(id) {
            // Like deleting a VM: no grace. Draining happened before, through the API.
            if let Err(err) = child.kill().await {
                tracing::debug!(node = id, cause = %err, "runner had already exited");
            }
        } else if let Some(pid) = live_pid(&dir) {
            kill_pid(pid).await?;
        }
        match std::fs::remove_file(dir.join("pid")) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(transient(&err)),
        }
    }

    async fn list(&self) -> Result<Vec<ProviderServer>, ProviderError> {
        let mut children = self.children.lock().await;
        let mut servers = Vec::new();
        let entries = match std::fs::read_dir(&self.settings.root) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(servers),
            Err(err) => return Err(transient(&err)),
        };
        for entry in entries {
            let entry = entry.map_err(|err| transient(&err))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let alive = match children.get_mut(&name) {
                // `try_wait` also reaps an exited child, so it does not linger as a zombie.
                Some(child) => matches!(child.try_wait(), Ok(None)),
                None => live_pid(&entry.path()).is_some(),
            };
            if alive {
                servers.push(ProviderServer {
                    id: name.clone(),
                    name,
                });
            } else {
                children.remove(&name);
            }
        }
        Ok(servers)
    }
}

/// Writes `text` to a new file only its owner may read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// The pid in `<dir>/pid` when that process is still an `rgrid-runner` (a pid may be reused
/// by an unrelated process after a reboot; its command line tells them apart). Linux only.
fn live_pid(dir: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(dir.join("pid"))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // A zombie (state `Z`) has exited; its parent has not reaped it yet.
    let zombie = stat
        .rsplit(')')
        .next()
        .is_some_and(|rest| rest.trim_start().starts_with('Z'));
    let is_runner = String::from_utf8_lossy(&cmdline).contains("rgrid-runner");
    (is_runner && !zombie).then_some(pid)
}

/// Kills a runner started by an earlier server process (not our child: no handle to it).
async fn kill_pid(pid: u32) -> Result<(), ProviderError> {
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .await
        .map_err(|err| transient(&err))?;
    if status.success() {
        Ok(())
    } else {
        Err(ProviderError::Transient {
            provider: PROVIDER,
            message: format!("kill -KILL {pid} failed"),
        })
    }
}

fn refused(err: &std::io::Error, settings: &LocalSettings) -> ProviderError {
    ProviderError::Refused {
        provider: PROVIDER,
        message: format!(
            "cannot start {} under {}: {err}",
            settings.runner_bin.display(),
            settings.root.display()
        ),
    }
}

fn transient(err: &std::io::Error) -> ProviderError {
    ProviderError::Transient {
        provider: PROVIDER,
        message: err.to_string(),
    }
}
