//! Many concurrent authenticated reads while a runner writes heartbeats and logs, on a real
//! SQLite store: no request may answer 5xx (lock contention must wait, never fail).

mod api_support;

use std::sync::Arc;

use api_support::{spec, test_app, test_app_on};
use axum::http::{Method, StatusCode};
use rgrid_server::store::sqlite::SqliteStore;
use rgrid_spec::api::JobView;
use serde_json::json;
use sqlx::{Connection, SqliteConnection};

const READERS: usize = 48;
const READS_EACH: usize = 20;
const WRITES: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reads_and_runner_writes_never_answer_5xx() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("rgrid_server=error")
        .with_test_writer()
        .try_init();
    let app = Arc::new(test_app().await);
    let job = app.submit(spec(json!({}))).await;
    let token = app.register().await;
    let claim = app.claim(&token, 0).await;
    let eid = claim.assignment.expect("the submitted job").execution_id;

    let mut tasks = Vec::new();
    for _ in 0..READERS {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for _ in 0..READS_EACH {
                let answer = app
                    .user(Method::GET, &format!("/v1/jobs/{job}"), None)
                    .await;
                if answer.status != StatusCode::OK {
                    failures.push(format!(
                        "GET job: {} {}",
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                    ));
                }
            }
            failures
        }));
    }
    for writer in 0..2 {
        let app = app.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            for i in 0..WRITES {
                let (action, body) = if i % 2 == 0 {
                    ("heartbeat", json!({}))
                } else {
                    let seq = writer * WRITES + i;
                    let chunk = json!({"seq": seq, "stream": "stdout", "data": "aGk="});
                    ("logs", json!({ "chunks": [chunk] }))
                };
                let uri = format!("/v1/runner/executions/{eid}/{action}");
                let answer = app.runner(&token, &uri, body).await;
                if !answer.status.is_success() {
                    failures.push(format!(
                        "{action}: {} {}",
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                    ));
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.expect("task"));
    }
    assert!(
        failures.is_empty(),
        "{} of {} requests failed (causes in the log above): {:#?}",
        failures.len(),
        READERS * READS_EACH + 2 * WRITES,
        &failures[..failures.len().min(10)]
    );
    let view: JobView = app
        .user(Method::GET, &format!("/v1/jobs/{job}"), None)
        .await
        .json();
    assert_eq!(view.id, job);
}

/// While another connection holds SQLite's write lock (a long write under load), an
/// authenticated read must still answer: readers are not blocked in WAL mode, and a "last
/// used" touch done within the last few seconds must not make every read a writer.
#[tokio::test]
async fn a_read_answers_while_another_connection_holds_the_write_lock() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("rgrid_server=error")
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("rgrid.db");
    let store = SqliteStore::connect(db.to_str().expect("utf-8 path"))
        .await
        .expect("sqlite");
    let app = test_app_on(Arc::new(store), dir).await;
    let job = app.submit(spec(json!({}))).await;
    let uri = format!("/v1/jobs/{job}");
    // The first use touches the key's `last_used_at`; the next ones are within the interval.
    assert_eq!(
        app.user(Method::GET, &uri, None).await.status,
        StatusCode::OK
    );

    let mut writer = SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("second connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut writer)
        .await
        .expect("write lock");
    let answer = app.user(Method::GET, &uri, None).await;
    sqlx::query("ROLLBACK")
        .execute(&mut writer)
        .await
        .expect("release");
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
}
