//! A throwaway S3-compatible server for tests: moto's `moto_server` (installed from PyPI by
//! `scripts/setup.sh`) on a free loopback port, with one bucket, stopped on drop.
//!
//! moto keeps objects in memory and does not check signatures, so it proves that requests and
//! presigned URLs are well-formed S3, not that credentials are enforced.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::process::{wait_until, Daemon};

/// The server binary `pip install 'moto[server]'` puts on PATH.
const MOTO_SERVER: &str = "moto_server";

pub const ACCESS_KEY_ID: &str = "rgrid-test-key";
pub const SECRET_ACCESS_KEY: &str = "rgrid-test-secret";
pub const REGION: &str = "us-east-1";

pub struct TempS3 {
    pub endpoint: String,
    pub bucket: String,
    _dir: tempfile::TempDir,
    _server: Daemon,
}

impl TempS3 {
    /// Starts `moto_server` and creates the bucket `rgrid-test`. Takes a second or two.
    pub fn start() -> Result<TempS3> {
        let program = moto_server().context("`moto_server` is not installed")?;
        let dir = tempfile::Builder::new().prefix("rgrid-s3-").tempdir()?;
        let port = free_port()?;
        let mut command = Command::new(program);
        command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        let mut server = Daemon::spawn("moto_server", command, dir.path().join("moto.log"))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let bucket = "rgrid-test".to_string();
        let mut created = false;
        let waited = wait_until(
            "moto_server to create a bucket",
            Duration::from_secs(30),
            || {
                created = create_bucket(port, &bucket).is_ok();
                created || server.check_alive().is_err()
            },
        );
        if waited.is_err() || !created {
            bail!("moto_server did not answer; log:\n{}", server.log_text());
        }
        Ok(TempS3 {
            endpoint,
            bucket,
            _dir: dir,
            _server: server,
        })
    }

    /// `rgrid-server serve` arguments (and the secret's environment variable) for this bucket.
    pub fn server_args(&self) -> Vec<String> {
        vec![
            "--s3-bucket".into(),
            self.bucket.clone(),
            "--s3-endpoint".into(),
            self.endpoint.clone(),
            "--s3-region".into(),
            REGION.into(),
            "--s3-access-key-id".into(),
            ACCESS_KEY_ID.into(),
        ]
    }
}

/// A started server, or `None` (with a loud message) when moto is not installed.
/// Under `CI=true` a missing or broken moto fails the test instead.
pub fn require_s3() -> Option<TempS3> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if moto_server().is_none() {
        assert!(
            !in_ci,
            "CI=true but `moto_server` is missing: run scripts/setup.sh (pip install 'moto[server]')"
        );
        eprintln!("SKIPPING S3 test: no `moto_server` (pip install 'moto[server]')");
        return None;
    }
    match TempS3::start() {
        Ok(s3) => Some(s3),
        Err(err) => panic!("starting the test S3 server failed: {err:#}"),
    }
}

fn moto_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(MOTO_SERVER))
        .find(|candidate| candidate.is_file())
}

/// `PUT /<bucket>` with plain HTTP/1.1: moto creates buckets without checking signatures.
fn create_bucket(port: u16, bucket: &str) -> Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    if !answer.starts_with("HTTP/1.1 200") && !answer.starts_with("HTTP/1.0 200") {
        bail!(
            "creating the bucket answered: {}",
            answer.lines().next().unwrap_or("")
        );
    }
    Ok(())
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}
