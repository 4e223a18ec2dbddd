//! A throwaway S3-compatible server for tests: moto's `moto_server` (installed from PyPI by
//! `scripts/setup.sh`) on a free loopback port, with one bucket, stopped on drop.
//!
//! moto keeps objects in memory and by default does not check signatures, so [`TempS3::start`]
//! proves that requests and presigned URLs are well-formed S3, not that credentials are
//! enforced. [`TempS3::start_with_auth`] turns moto's IAM authentication on
//! (`INITIAL_NO_AUTH_ACTION_COUNT`): after the set-up actions every request must carry a
//! SigV4 signature made with the secret of an access key moto issued, or it is refused.
//! moto answers every presigned (query-signed) request with a 500 in that mode, valid or
//! not, so presigned URL tampering cannot be proven against it.

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
    /// The credentials to sign with: the fixed test pair, or the key moto issued when
    /// started with authentication.
    pub access_key_id: String,
    pub secret_access_key: String,
    _dir: tempfile::TempDir,
    _server: Daemon,
}

impl TempS3 {
    /// Starts `moto_server` and creates the bucket `rgrid-test`. Takes a second or two.
    pub fn start() -> Result<TempS3> {
        TempS3::launch(None)
    }

    /// Starts `moto_server` with authentication: creates an IAM user with an access key
    /// allowed `s3:*` and the bucket during the first [`AUTH_SETUP_ACTIONS`] unchecked
    /// actions; every request after them must be signed with that key's secret.
    pub fn start_with_auth() -> Result<TempS3> {
        TempS3::launch(Some(AUTH_SETUP_ACTIONS))
    }

    fn launch(no_auth_actions: Option<u32>) -> Result<TempS3> {
        let program = moto_server().context("`moto_server` is not installed")?;
        let dir = tempfile::Builder::new().prefix("rgrid-s3-").tempdir()?;
        let port = free_port()?;
        let mut command = Command::new(program);
        command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        if let Some(count) = no_auth_actions {
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", count.to_string());
        }
        let mut server = Daemon::spawn("moto_server", command, dir.path().join("moto.log"))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        let bucket = "rgrid-test".to_string();
        let mut created = false;
        let waited = wait_until("moto_server to answer", Duration::from_secs(30), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok() || server.check_alive().is_err()
        });
        if waited.is_err() || server.check_alive().is_err() {
            bail!("moto_server did not answer; log:\n{}", server.log_text());
        }
        let (access_key_id, secret_access_key) = match no_auth_actions {
            Some(_) => issue_access_key(port)
                .with_context(|| format!("moto_server log:\n{}", server.log_text()))?,
            None => (ACCESS_KEY_ID.to_string(), SECRET_ACCESS_KEY.to_string()),
        };
        let waited = wait_until(
            "moto_server to create a bucket",
            Duration::from_secs(30),
            || {
                created = create_bucket(port, &bucket).is_ok();
                created || server.check_alive().is_err()
            },
        );
        if waited.is_err() || !created {
            bail!(
                "moto_server did not create the bucket; log:\n{}",
                server.log_text()
            );
        }
        Ok(TempS3 {
            endpoint,
            bucket,
            access_key_id,
            secret_access_key,
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
            self.access_key_id.clone(),
        ]
    }
}

/// A started server, or `None` (with a loud message) when moto is not installed.
/// Under `CI=true` a missing or broken moto fails the test instead.
pub fn require_s3() -> Option<TempS3> {
    require(TempS3::start)
}

/// As [`require_s3`], with authentication on (see [`TempS3::start_with_auth`]).
pub fn require_s3_with_auth() -> Option<TempS3> {
    require(TempS3::start_with_auth)
}

fn require(start: fn() -> Result<TempS3>) -> Option<TempS3> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    if moto_server().is_none() {
        assert!(
            !in_ci,
            "CI=true but `moto_server` is missing: run scripts/setup.sh (pip install 'moto[server]')"
        );
        eprintln!("SKIPPING S3 test: no `moto_server` (pip install 'moto[server]')");
        return None;
    }
    match start() {
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

/// The unchecked actions [`TempS3::start_with_auth`] spends: create user, create access key,
/// put user policy, create bucket.
const AUTH_SETUP_ACTIONS: u32 = 4;

/// An IAM user `rgrid` with one access key allowed everything on S3, through moto's IAM
/// query API while it still accepts unsigned actions. Returns (key id, secret).
fn issue_access_key(port: u16) -> Result<(String, String)> {
    iam_action(port, "Action=CreateUser&UserName=rgrid")?;
    let answer = iam_action(port, "Action=CreateAccessKey&UserName=rgrid")?;
    let policy = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22\
                  %3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22\
                  %7D%5D%7D";
    iam_action(
        port,
        &format!("Action=PutUserPolicy&UserName=rgrid&PolicyName=s3&PolicyDocument={policy}"),
    )?;
    let field = |name: &str| -> Result<String> {
        let start = answer
            .find(&format!("<{name}>"))
            .with_context(|| format!("no {name} in CreateAccessKey's answer: {answer}"))?;
        let rest = &answer[start + name.len() + 2..];
        let end = rest.find('<').context("unterminated field")?;
        Ok(rest[..end].to_string())
    };
    Ok((field("AccessKeyId")?, field("SecretAccessKey")?))
}

/// One IAM query action; the Authorization header only tells moto which service it is for
/// (its signature is not checked during the set-up actions).
fn iam_action(port: u16, params: &str) -> Result<String> {
    let body = format!("{params}&Version=2010-05-08");
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=setup/20260101/{REGION}/iam/aws4_request, \
         SignedHeaders=host, Signature=0\r\n\
         X-Amz-Date: 20260101T000000Z\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    if !answer.starts_with("HTTP/1.1 200") && !answer.starts_with("HTTP/1.0 200") {
        bail!("IAM {params} answered: {answer}");
    }
    Ok(answer)
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
