//! Whole servers on real loopback listeners: the library's `start`/`shutdown`, and the
//! `rgrid-server serve` binary as an operator starts it.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rgrid_server::{start, ServerConfig};
use rgrid_spec::api::{Health, JobView};
use serde_json::json;

fn job_spec() -> serde_json::Value {
    json!({"apiVersion": "rgrid.dev/v1", "kind": "Job",
           "spec": {"command": ["python", "main.py"], "code": "print(1)"}})
}

#[tokio::test]
async fn a_started_server_answers_and_keeps_its_secrets_across_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start(ServerConfig::local(dir.path())).await.expect("start");
    assert!(
        server.url().starts_with("http://127.0.0.1:"),
        "{}",
        server.url()
    );
    let http = reqwest::Client::new();

    let health: Health = http
        .get(format!("{}/v1/health", server.url()))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("health body");
    assert_eq!(
        (health.status.as_str(), health.store.as_str()),
        ("ok", "sqlite")
    );

    // Any activity before `sent` is older than `sent.elapsed()`; only a touch by this request
    // can leave the idle clock below it.
    let sent = Instant::now();
    let created = http
        .post(format!("{}/v1/jobs", server.url()))
        .bearer_auth(server.api_key())
        .json(&job_spec())
        .send()
        .await
        .expect("submit");
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let job: JobView = created.json().await.expect("job");
    assert!(
        server.idle_for() <= sent.elapsed(),
        "a user request resets the idle clock"
    );
    assert_eq!(server.active_jobs().await, 1);

    let wrong = http
        .get(format!("{}/v1/jobs", server.url()))
        .bearer_auth("rg_wrong")
        .send()
        .await
        .expect("list");
    assert_eq!(wrong.status(), reqwest::StatusCode::UNAUTHORIZED);

    let upload = b"kept across restarts".to_vec();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&upload))
    };
    let put = http
        .put(format!("{}/v1/uploads/{sha}", server.url()))
        .bearer_auth(server.api_key())
        .body(upload.clone())
        .send()
        .await
        .expect("upload");
    assert_eq!(put.status(), reqwest::StatusCode::OK);
    let key = format!("uploads/local/default/{sha}");
    let signed = server
        .state()
        .blobs
        .presign_get(&key, Duration::from_secs(600))
        .await;
    let signed = signed.expect("presign");
    let (api_key, bootstrap) = (
        server.api_key().to_string(),
        server.bootstrap_token().to_string(),
    );
    let port = server.url().rsplit(':').next().expect("port").to_string();
    server.shutdown().await;

    // Same data dir, same port (the presigned URL names it): same secrets, same jobs.
    let mut config = ServerConfig::local(dir.path());
    config.listen = format!("127.0.0.1:{port}").parse().expect("address");
    let server = start(config).await.expect("restart");
    assert_eq!(
        (server.api_key(), server.bootstrap_token()),
        (api_key.as_str(), bootstrap.as_str())
    );
    let again: JobView = http
        .get(format!("{}/v1/jobs/{}", server.url(), job.id))
        .bearer_auth(server.api_key())
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("job");
    assert_eq!(again.id, job.id);
    let fetched = http.get(&signed).send().await.expect("presigned GET");
    assert_eq!(
        fetched.status(),
        reqwest::StatusCode::OK,
        "URLs survive a restart"
    );
    assert_eq!(
        fetched.bytes().await.expect("bytes").as_ref(),
        upload.as_slice()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_given_api_key_is_used_instead_of_a_generated_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServerConfig::local(dir.path());
    config.api_key = Some("rg_operator-chosen-key".into());
    config.bootstrap_token = Some("rgb_operator-token".into());
    let server = start(config).await.expect("start");
    assert_eq!(server.api_key(), "rg_operator-chosen-key");
    let list = reqwest::Client::new()
        .get(format!("{}/v1/jobs", server.url()))
        .bearer_auth("rg_operator-chosen-key")
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), reqwest::StatusCode::OK);
    assert!(
        !dir.path().join("api-key").exists(),
        "a given key is not written to disk"
    );
    server.shutdown().await;
}

#[test]
fn the_binary_serves_writes_its_url_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url_file = dir.path().join("url");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rgrid-server"))
        .args(["serve", "--listen", "127.0.0.1:0", "--url-file"])
        .arg(&url_file)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env_remove("RGRID_DATABASE_URL")
        .env_remove("RGRID_SERVER_API_KEY")
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rgrid-server");

    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        if let Ok(text) = std::fs::read_to_string(&url_file) {
            break text.trim().to_string();
        }
        assert!(Instant::now() < deadline, "no URL file within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let health: Health = runtime.block_on(async {
        reqwest::get(format!("{url}/v1/health"))
            .await
            .expect("health")
            .json()
            .await
            .expect("body")
    });
    assert_eq!(health.store, "sqlite");
    assert!(dir.path().join("data/api-key").exists());

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    assert!(killed.expect("kill").success());
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "rgrid-server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let first = stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("rgrid-server listening on {url} (store: sqlite)")
    );
}
