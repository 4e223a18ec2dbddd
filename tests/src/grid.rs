//! A whole grid for end-to-end tests: `rgrid-server` on a database, `rgrid-runner`(s), and a
//! way to run the `rgrid` CLI against them as a user would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use crate::process::{bin, wait_for_file, Daemon, Run, TEST_API_KEY, TEST_BOOTSTRAP_TOKEN};

pub struct Grid {
    pub url: String,
    pub dir: tempfile::TempDir,
    pub server: Daemon,
    pub runners: Vec<Daemon>,
}

#[derive(Debug, Clone)]
pub struct RunnerOptions {
    pub executor: &'static str,
    pub slots: u32,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            executor: "docker",
            slots: 2,
        }
    }
}

impl Grid {
    /// Starts `rgrid-server serve` on `database_url` (listening on a free loopback port).
    pub fn start(database_url: &str) -> anyhow::Result<Grid> {
        let dir = tempfile::Builder::new().prefix("rgrid-e2e-").tempdir()?;
        let url_file = dir.path().join("server.url");
        let mut command = Command::new(bin("rgrid-server"));
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(["--database-url", database_url])
            .arg("--data-dir")
            .arg(dir.path().join("server"))
            .arg("--url-file")
            .arg(&url_file)
            .args(["--heartbeat-timeout", "10"])
            .env("RGRID_SERVER_API_KEY", TEST_API_KEY)
            .env("RGRID_BOOTSTRAP_TOKEN", TEST_BOOTSTRAP_TOKEN)
            .env("RUST_LOG", "info");
        let mut server = Daemon::spawn("rgrid-server", command, dir.path().join("server.log"))?;
        let url = wait_for_file(&url_file, &mut server, Duration::from_secs(30))?;
        Ok(Grid {
            url,
            dir,
            server,
            runners: Vec::new(),
        })
    }

    /// Starts one `rgrid-runner` process against the server.
    pub fn add_runner(&mut self, options: RunnerOptions) -> anyhow::Result<()> {
        let n = self.runners.len();
        let root = self.dir.path().join(format!("runner-{n}"));
        std::fs::create_dir_all(&root)?;
        let mut command = Command::new(bin("rgrid-runner"));
        command
            .args(["--server", &self.url])
            .args(["--bootstrap-token", TEST_BOOTSTRAP_TOKEN])
            .args(["--name", &format!("test-runner-{n}")])
            .args(["--executor", options.executor])
            .args(["--slots", &options.slots.to_string()])
            .arg("--work-root")
            .arg(root.join("work"))
            .arg("--cache-root")
            .arg(shared_cache_root())
            .env("RUST_LOG", "info");
        let ca = Path::new("/etc/ssl/certs/ca-certificates.crt");
        if ca.exists() {
            command.arg("--ca-bundle").arg(ca);
        }
        let runner = Daemon::spawn("rgrid-runner", command, root.join("runner.log"))?;
        self.runners.push(runner);
        Ok(())
    }

    /// Runs the `rgrid` CLI in `cwd` against this grid.
    pub fn rgrid(&self, cwd: &Path, args: &[&str]) -> anyhow::Result<Run> {
        let output = Command::new(bin("rgrid"))
            .args(args)
            .current_dir(cwd)
            .env("RGRID_SERVER", &self.url)
            .env("RGRID_API_KEY", TEST_API_KEY)
            .env("NO_COLOR", "1")
            .env_remove("RGRID_HOME")
            .output()
            .context("run rgrid")?;
        Ok(Run::from_output(output))
    }

    /// Server and runner logs, for a failure message.
    pub fn logs(&self) -> String {
        let mut text = format!("--- server log ---\n{}", self.server.log_text());
        for runner in &self.runners {
            text.push_str(&format!(
                "\n--- {} log ---\n{}",
                runner.name,
                runner.log_text()
            ));
        }
        text
    }
}

/// Requirement venvs are cached across test runs (and tests) so PyPI is hit once.
pub fn shared_cache_root() -> PathBuf {
    let dir = std::env::temp_dir().join("rgrid-test-cache");
    let _ = std::fs::create_dir_all(&dir);
    dir
}
