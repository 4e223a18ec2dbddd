//! A whole grid for end-to-end tests: `rgrid-server` on a database, `rgrid-runner`(s), and a
//! way to run the `rgrid` CLI against them as a user would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use crate::process::{
    bin, wait_for_file, Daemon, Run, TEST_API_KEY, TEST_BOOTSTRAP_TOKEN, TEST_OPERATOR_KEY,
};

pub struct Grid {
    pub url: String,
    pub dir: tempfile::TempDir,
    pub server: Daemon,
    pub runners: Vec<Daemon>,
    database_url: String,
    options: GridOptions,
    /// How many times the server was started, so each start gets its own log file.
    starts: u32,
}

#[derive(Debug, Clone)]
pub struct GridOptions {
    /// `--heartbeat-timeout` of the server; runners beat at a third of it.
    pub heartbeat_timeout_secs: u64,
    /// More arguments for `rgrid-server serve` (e.g. `--config FILE`).
    pub server_args: Vec<std::ffi::OsString>,
    /// More environment variables for the server, e.g. `RGRID_S3_SECRET_ACCESS_KEY`.
    pub server_env: Vec<(String, String)>,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            heartbeat_timeout_secs: 10,
            server_args: Vec::new(),
            server_env: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RunnerOptions {
    pub executor: &'static str,
    pub slots: u32,
    /// Reach the API here instead of the server's own URL (e.g. through a [`TcpProxy`]).
    ///
    /// [`TcpProxy`]: crate::proxy::TcpProxy
    pub server_url: Option<String>,
    /// `--drain-timeout` in seconds.
    pub drain_timeout_secs: Option<u64>,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            executor: "docker",
            slots: 2,
            server_url: None,
            drain_timeout_secs: None,
        }
    }
}

impl Grid {
    /// Starts `rgrid-server serve` on `database_url` (listening on a free loopback port).
    pub fn start(database_url: &str) -> anyhow::Result<Grid> {
        Grid::start_with(database_url, GridOptions::default())
    }

    /// Starts the server with objects in the S3 bucket of `s3` instead of its data directory.
    pub fn start_on_s3(database_url: &str, s3: &crate::s3::TempS3) -> anyhow::Result<Grid> {
        let secret = s3.secret_access_key.clone();
        let options = GridOptions {
            server_args: s3.server_args().into_iter().map(Into::into).collect(),
            server_env: vec![("RGRID_S3_SECRET_ACCESS_KEY".into(), secret)],
            ..GridOptions::default()
        };
        Grid::start_with(database_url, options)
    }

    pub fn start_with(database_url: &str, options: GridOptions) -> anyhow::Result<Grid> {
        let dir = tempfile::Builder::new().prefix("rgrid-e2e-").tempdir()?;
        let (server, url) = spawn_server(dir.path(), database_url, &options, "127.0.0.1:0", 0)?;
        Ok(Grid {
            url,
            dir,
            server,
            runners: Vec::new(),
            database_url: database_url.to_string(),
            options,
            starts: 1,
        })
    }

    /// `host:port` of the server, for a proxy in front of it.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Stops the server (SIGTERM) and starts it again on the same address and data.
    pub fn restart_server(&mut self) -> anyhow::Result<()> {
        self.restart_server_after(Duration::ZERO)
    }

    /// Stops the server, keeps it down for `outage`, and starts it again.
    pub fn restart_server_after(&mut self, outage: Duration) -> anyhow::Result<()> {
        self.server.terminate(Duration::from_secs(10));
        std::thread::sleep(outage);
        let address = self.address().to_string();
        let (server, url) = spawn_server(
            self.dir.path(),
            &self.database_url,
            &self.options,
            &address,
            self.starts,
        )?;
        anyhow::ensure!(
            url == self.url,
            "the server came back at {url}, not {}",
            self.url
        );
        self.server = server;
        self.starts += 1;
        Ok(())
    }

    /// A short tag unique to this grid: the suffix of its temp dir.
    fn tag(&self) -> String {
        let name = self
            .dir
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        name.unwrap_or_default()
            .trim_start_matches("rgrid-e2e-")
            .to_string()
    }

    /// Starts one `rgrid-runner` process against the server.
    pub fn add_runner(&mut self, options: RunnerOptions) -> anyhow::Result<()> {
        let n = self.runners.len();
        let root = self.dir.path().join(format!("runner-{n}"));
        std::fs::create_dir_all(&root)?;
        let mut command = Command::new(bin("rgrid-runner"));
        let server_url = options.server_url.as_deref().unwrap_or(&self.url);
        command
            .args(["--server", server_url])
            .env("RGRID_BOOTSTRAP_TOKEN", TEST_BOOTSTRAP_TOKEN)
            // Unique per grid: a runner removes leftover containers of its own name at start,
            // and grids of tests running in parallel share one Docker engine.
            .args(["--name", &format!("test-runner-{}-{n}", self.tag())])
            .args(["--executor", options.executor])
            .args(["--slots", &options.slots.to_string()])
            .arg("--work-root")
            .arg(root.join("work"))
            .arg("--cache-root")
            .arg(shared_cache_root())
            .env("RUST_LOG", "info");
        if let Some(secs) = options.drain_timeout_secs {
            command.args(["--drain-timeout", &secs.to_string()]);
        }
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
        self.rgrid_with_key(TEST_API_KEY, cwd, args)
    }

    /// Runs the `rgrid` CLI with the grid's operator key (`rgrid nodes`, `rgrid cost`).
    pub fn rgrid_as_operator(&self, cwd: &Path, args: &[&str]) -> anyhow::Result<Run> {
        self.rgrid_with_key(TEST_OPERATOR_KEY, cwd, args)
    }

    pub fn rgrid_with_key(&self, key: &str, cwd: &Path, args: &[&str]) -> anyhow::Result<Run> {
        let output = Command::new(bin("rgrid"))
            .args(args)
            .current_dir(cwd)
            .env("RGRID_SERVER", &self.url)
            .env("RGRID_API_KEY", key)
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

/// Starts `rgrid-server serve`; its log is `server.log` (`server-<n>.log` after restarts).
fn spawn_server(
    dir: &Path,
    database_url: &str,
    options: &GridOptions,
    listen: &str,
    start: u32,
) -> anyhow::Result<(Daemon, String)> {
    let url_file = dir.join(format!("server-{start}.url"));
    let log = match start {
        0 => dir.join("server.log"),
        n => dir.join(format!("server-{n}.log")),
    };
    let mut command = Command::new(bin("rgrid-server"));
    command
        .arg("serve")
        .args(["--listen", listen])
        .args(["--database-url", database_url])
        .arg("--data-dir")
        .arg(dir.join("server"))
        .arg("--url-file")
        .arg(&url_file)
        .args([
            "--heartbeat-timeout",
            &options.heartbeat_timeout_secs.to_string(),
        ])
        .env("RGRID_SERVER_API_KEY", TEST_API_KEY)
        .env("RGRID_SERVER_OPERATOR_KEY", TEST_OPERATOR_KEY)
        .env("RGRID_BOOTSTRAP_TOKEN", TEST_BOOTSTRAP_TOKEN)
        .args(&options.server_args)
        .envs(options.server_env.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "info");
    let mut server = Daemon::spawn("rgrid-server", command, log)?;
    let url = wait_for_file(&url_file, &mut server, Duration::from_secs(30))?;
    Ok((server, url))
}

/// Requirement venvs are cached across test runs (and tests) so PyPI is hit once.
pub fn shared_cache_root() -> PathBuf {
    let dir = std::env::temp_dir().join("rgrid-test-cache");
    let _ = std::fs::create_dir_all(&dir);
    dir
}
