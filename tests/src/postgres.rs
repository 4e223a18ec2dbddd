//! A throwaway Postgres cluster for tests: `initdb` in a temp dir, `pg_ctl start` on a free
//! loopback port, stopped and deleted on drop.
//!
//! `initdb` refuses to run as root; when the tests run as root (as in CI here), the cluster
//! runs as the `postgres` system user instead, through `runuser`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};
use tempfile::TempDir;

/// Where Debian's postgresql package installs its server binaries.
const DEBIAN_BIN_DIRS: &[&str] = &["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"];

/// How many free ports `start` tries before giving up.
const START_ATTEMPTS: usize = 3;

/// The system user a root test process runs the cluster as.
const SERVICE_USER: &str = "postgres";

/// A running cluster; trust authentication for the `postgres` role, loopback only.
pub struct TempPostgres {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    as_service_user: bool,
}

impl TempPostgres {
    /// Creates and starts a cluster. Takes a few seconds.
    pub fn start() -> Result<TempPostgres> {
        let bin = bin_dir().context(
            "Postgres server binaries (`initdb`, `pg_ctl`) not found; install postgresql-15",
        )?;
        let as_service_user = running_as_root()?;
        let dir = tempfile::Builder::new()
            .prefix("rgrid-pg-")
            .tempdir()
            .context("creating the cluster's temp dir")?;
        if as_service_user {
            hand_to_service_user(dir.path())?;
        }
        let mut cluster = TempPostgres {
            dir,
            bin,
            port: 0,
            as_service_user,
        };
        cluster.init()?;
        // The port is free when the kernel hands it out, but another process may take it
        // before the server binds it: try a few.
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            cluster.port = free_port()?;
            match cluster.start_server() {
                Ok(()) => return Ok(cluster),
                Err(err) => last_error = Some(err),
            }
        }
        // Nothing started, so there is nothing for Drop to stop.
        cluster.port = 0;
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("no start attempted")))
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// Creates an empty database `name` and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let port = self.port.to_string();
        let created = self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name],
        );
        if let Err(err) = created {
            panic!("creating test database `{name}` failed: {err:#}");
        }
        self.database_url(name)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs one SQL statement in database `name` with `psql` and returns its rows, one line
    /// each, columns separated by `|`. For tests that check what the server stored.
    pub fn query(&self, name: &str, sql: &str) -> Vec<String> {
        let port = self.port.to_string();
        let args = [
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "postgres",
            "-d",
            name,
            "-At",
            "-c",
            sql,
        ];
        match self.run("psql", &args) {
            Ok(output) => String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_string)
                .collect(),
            Err(err) => panic!("query on `{name}` failed: {err:#}"),
        }
    }

    /// Restarts the cluster (fast shutdown: open connections are cut), as an operator or a
    /// crash-restart would; the port stays the same.
    pub fn restart(&self) -> Result<()> {
        self.stop()?;
        self.start_again()
    }

    /// Stops the cluster (fast shutdown); [`TempPostgres::start_again`] brings it back.
    pub fn stop(&self) -> Result<()> {
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
                "stop",
            ],
        )?;
        Ok(())
    }

    /// Starts a stopped cluster again on the same port.
    pub fn start_again(&self) -> Result<()> {
        self.start_server()
    }

    fn database_url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn init(&self) -> Result<()> {
        let data = self.data_dir();
        let data = path_str(&data)?;
        self.run(
            "initdb",
            &[
                "-D",
                data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )
        .map(drop)
    }

    fn start_server(&self) -> Result<()> {
        let data = self.data_dir();
        let log = self.dir.path().join("server.log");
        // Durability is pointless for a throwaway cluster; fsync off keeps tests fast.
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off",
            self.port,
            path_str(self.dir.path())?
        );
        let started = self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-l",
                path_str(&log)?,
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        if let Err(err) = started {
            let server_log = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("{err:#}\nserver log:\n{server_log}");
        }
        Ok(())
    }

    /// Runs one of the cluster's binaries, as the service user when we are root.
    fn run(&self, program: &str, args: &[&str]) -> Result<Output> {
        let program = self.bin.join(program);
        let mut command = if self.as_service_user {
            let mut command = Command::new("runuser");
            command.args(["-u", SERVICE_USER, "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        command.args(args).current_dir(self.dir.path());
        let output = command
            .output()
            .with_context(|| format!("running {}", program.display()))?;
        if !output.status.success() {
            bail!(
                "{} {} failed ({}): {}{}",
                program.display(),
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(output)
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        if self.port == 0 {
            return;
        }
        let data = self.data_dir();
        let Some(data) = data.to_str() else { return };
        if let Err(err) = self.run("pg_ctl", &["-D", data, "-m", "immediate", "-w", "stop"]) {
            eprintln!("stopping the test Postgres cluster failed: {err:#}");
        }
        // TempDir removes the directory itself.
    }
}

/// Whether Postgres server binaries are installed.
pub fn available() -> bool {
    bin_dir().is_some()
}

/// A started cluster, or `None` (with a loud message) when Postgres is not installed.
/// Under `CI=true` a missing or broken Postgres fails the test instead.
pub fn require_postgres() -> Option<TempPostgres> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if !available() {
        assert!(
            !in_ci,
            "CI=true but Postgres binaries are missing: install postgresql-15"
        );
        eprintln!("SKIPPING Postgres test: no `initdb`/`pg_ctl` (install postgresql-15)");
        return None;
    }
    match TempPostgres::start() {
        Ok(cluster) => Some(cluster),
        Err(err) => panic!("starting a test Postgres cluster failed: {err:#}"),
    }
}

fn bin_dir() -> Option<PathBuf> {
    let debian = DEBIAN_BIN_DIRS.iter().map(PathBuf::from);
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    debian
        .chain(on_path)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn running_as_root() -> Result<bool> {
    let output = Command::new("id")
        .arg("-u")
        .output()
        .context("running `id -u`")?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn hand_to_service_user(dir: &Path) -> Result<()> {
    let output = Command::new("chown")
        .arg(format!("{SERVICE_USER}:"))
        .arg(dir)
        .output()
        .context("running chown")?;
    if !output.status.success() {
        bail!(
            "chown {SERVICE_USER} {} failed (does the `{SERVICE_USER}` user exist?): {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// A port the kernel just handed out on loopback; free unless someone races us for it.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str()
        .with_context(|| format!("path {} is not UTF-8", path.display()))
}
