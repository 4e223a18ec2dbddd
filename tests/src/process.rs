//! Starting the real binaries as a user starts them, and stopping them on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// A fixed key and token for test grids; real deployments generate their own.
pub const TEST_API_KEY: &str = "rg_test_0123456789abcdef0123456789abcdef";
pub const TEST_BOOTSTRAP_TOKEN: &str = "rgb_test_0123456789abcdef0123456789ab";
/// The test grids' operator key (`rgrid nodes`, draining, all cost); project keys cannot.
pub const TEST_OPERATOR_KEY: &str = "rgo_test_0123456789abcdef0123456789ab";

/// The path of a workspace binary, built next to this test binary
/// (`target/<profile>/deps/…` → `target/<profile>/<name>`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binaries live in target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first with `cargo build --workspace --bins` \
         (scripts/test.sh does)",
        path.display()
    );
    path
}

/// A child process killed (and reaped) on drop, with its output in a log file.
pub struct Daemon {
    pub name: String,
    child: Option<Child>,
    pub log: PathBuf,
}

impl Daemon {
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> anyhow::Result<Daemon> {
        let file = std::fs::File::create(&log).context("create daemon log")?;
        let err = file.try_clone()?;
        command.stdin(Stdio::null()).stdout(file).stderr(err);
        let child = command.spawn().with_context(|| format!("spawn {name}"))?;
        Ok(Daemon {
            name: name.to_string(),
            child: Some(child),
            log,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// SIGKILL, as a crashing machine would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then wait up to `grace` before killing.
    pub fn terminate(&mut self, grace: Duration) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + grace;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends `signal` (e.g. `TERM`, `INT`) without waiting.
    pub fn signal(&self, signal: &str) {
        if let Some(child) = self.child.as_ref() {
            let _ = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status();
        }
    }

    /// Waits up to `timeout` for the process to exit; its status, or `None` if still running.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut()?;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fails when the process has already exited, with its log.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(child) = self.child.as_mut() {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "{} exited early ({status}); log:\n{}",
                    self.name,
                    self.log_text()
                );
            }
        }
        Ok(())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits for a file to appear with content, e.g. a server's `--url-file`.
pub fn wait_for_file(
    path: &Path,
    daemon: &mut Daemon,
    timeout: Duration,
) -> anyhow::Result<String> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if !text.trim().is_empty() {
                return Ok(text.trim().to_string());
            }
        }
        daemon.check_alive()?;
        if Instant::now() > deadline {
            bail!(
                "{} did not write {} in time; log:\n{}",
                daemon.name,
                path.display(),
                daemon.log_text()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls `check` until it answers true or the deadline passes.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("timed out waiting for {what}")
}

/// What `ps` shows every user of the machine for `pid`: its command line, arguments joined by
/// spaces. Waits for it to be filled in: a process just spawned can show an empty one for a
/// moment (its parent runs on before the kernel has set up the new program's arguments).
pub fn command_line(pid: u32) -> anyhow::Result<String> {
    let mut text = String::new();
    wait_until("the process's command line", Duration::from_secs(5), || {
        let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        text = String::from_utf8_lossy(&argv).replace('\0', " ");
        !text.trim().is_empty()
    })?;
    Ok(text)
}

/// The finished output of one `rgrid` invocation.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The repository root (for `examples/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repo")
        .to_path_buf()
}
