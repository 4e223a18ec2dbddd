//! Uploads beyond one PUT, and their end: the bulk "which do you hold" question, multipart
//! uploads that resume, and the retention sweeper deleting what expired (objects and rows)
//! while keeping what is fresh or still named by a job. Real SQLite store, real local objects.

mod api_support;

use std::time::Duration;

use api_support::{sha256_hex, spec, test_app, TestApp};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use rgrid_server::retention::sweep_once;
use rgrid_server::router;
use rgrid_spec::api::{HeldView, OutputsResponse, UploadSession, UploadView};
use serde_json::json;

async fn put_upload(app: &TestApp, data: &[u8]) -> String {
    let sha = sha256_hex(data);
    let answer = app
        .call(
            Method::PUT,
            &format!("/v1/uploads/{sha}"),
            Some(&app.api_key),
            Body::from(data.to_vec()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    sha
}

#[tokio::test]
async fn one_request_answers_which_of_many_uploads_are_held() {
    let app = test_app().await;
    let a = put_upload(&app, b"first file").await;
    let b = put_upload(&app, b"second file").await;
    let missing = sha256_hex(b"never uploaded");
    let answer = app
        .user(
            Method::POST,
            "/v1/uploads/held",
            Some(json!({"sha256": [a, missing, b.to_uppercase()]})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let held: HeldView = answer.json();
    assert_eq!(held.held, vec![a.clone(), b.clone()]);

    let bad = app
        .user(
            Method::POST,
            "/v1/uploads/held",
            Some(json!({"sha256": ["nothex"]})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_sha256")
    );
    let too_many: Vec<String> = (0..10_001).map(|_| a.clone()).collect();
    let bad = app
        .user(
            Method::POST,
            "/v1/uploads/held",
            Some(json!({ "sha256": too_many })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// 2 full parts and a short third one.
fn three_parts() -> Vec<u8> {
    (0..(16 << 20) + 12_345).map(|i| (i % 251) as u8).collect()
}

async fn session(app: &TestApp, sha: &str, size: usize) -> UploadSession {
    let answer = app
        .user(
            Method::POST,
            &format!("/v1/uploads/{sha}/session"),
            Some(json!({ "size": size })),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.json()
}

async fn put_part(app: &TestApp, sha: &str, data: &[u8], n: usize) -> StatusCode {
    let part = 8 << 20;
    let end = ((n + 1) * part).min(data.len());
    let uri = format!("/v1/uploads/{sha}/parts/{n}?size={}", data.len());
    let body = Body::from(data[n * part..end].to_vec());
    app.call(Method::PUT, &uri, Some(&app.api_key), body)
        .await
        .status
}

async fn complete(app: &TestApp, sha: &str, size: usize) -> api_support::Answer {
    app.user(
        Method::POST,
        &format!("/v1/uploads/{sha}/complete"),
        Some(json!({ "size": size })),
    )
    .await
}

#[tokio::test]
async fn a_multipart_upload_resumes_with_the_parts_received_and_checks_the_hash() {
    let app = test_app().await;
    let data = three_parts();
    let sha = sha256_hex(&data);

    let started = session(&app, &sha, data.len()).await;
    assert_eq!(
        (
            started.part_size,
            started.part_count,
            started.received.len(),
            started.held
        ),
        (8 << 20, 3, 0, false)
    );
    assert_eq!(put_part(&app, &sha, &data, 2).await, StatusCode::NO_CONTENT);
    // A part cut short is not kept as received.
    let uri = format!("/v1/uploads/{sha}/parts/0?size={}", data.len());
    let short = app
        .call(
            Method::PUT,
            &uri,
            Some(&app.api_key),
            Body::from(vec![1u8; 10]),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);

    // The connection broke here; a new session says what arrived.
    let resumed = session(&app, &sha, data.len()).await;
    assert_eq!(resumed.received, vec![2]);
    let early = complete(&app, &sha, data.len()).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{:?}", early.body);

    for n in [0, 1] {
        assert_eq!(put_part(&app, &sha, &data, n).await, StatusCode::NO_CONTENT);
    }
    let done = complete(&app, &sha, data.len()).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    let view: UploadView = done.json();
    assert_eq!(
        (view.size, view.url),
        (data.len() as u64, format!("rgrid://uploads/{sha}"))
    );

    let key = format!("uploads/local/default/{sha}");
    let object = app.state.blobs.get(&key).await.expect("stored");
    assert_eq!(object.size, data.len() as u64);
    let parts = app
        .state
        .blobs
        .list("uploads/local/default/parts/")
        .await
        .expect("list");
    assert!(parts.is_empty(), "parts left behind: {parts:?}");
    assert!(session(&app, &sha, data.len()).await.held);

    // Parts whose whole does not hash to the name: nothing stored, parts dropped.
    let wrong = sha256_hex(b"something else");
    for n in 0..3 {
        assert_eq!(
            put_part(&app, &wrong, &data, n).await,
            StatusCode::NO_CONTENT
        );
    }
    let refused = complete(&app, &wrong, data.len()).await;
    assert_eq!(
        (refused.status, refused.code().as_str()),
        (StatusCode::BAD_REQUEST, "sha256_mismatch")
    );
    assert!(!app
        .state
        .blobs
        .exists(&format!("uploads/local/default/{wrong}"))
        .await
        .expect("exists"));
    assert!(session(&app, &wrong, data.len()).await.received.is_empty());
}

/// Runs a job to success with one output file; returns the job id.
async fn finished_job_with_output(app: &TestApp, token: &str) -> uuid::Uuid {
    let job = app
        .submit(spec(json!({"files": {"outputs": [{"path": "out.txt"}]}})))
        .await;
    let eid = app
        .claim(token, 0)
        .await
        .assignment
        .expect("job")
        .execution_id;
    let data = b"output bytes";
    let file = json!({"path": "out.txt", "size": data.len(), "sha256": sha256_hex(data)});
    let outputs: OutputsResponse = app
        .runner(
            token,
            &format!("/v1/runner/executions/{eid}/outputs"),
            json!({ "files": [file] }),
        )
        .await
        .json();
    let stored = app
        .presigned(
            Method::PUT,
            &outputs.uploads["out.txt"],
            Body::from(data.to_vec()),
        )
        .await;
    assert_eq!(stored.status, StatusCode::OK);
    let finish = json!({"reason": "completed", "exit_code": 0, "message": null,
                        "artifacts": [file], "executor": "process"});
    let uri = format!("/v1/runner/executions/{eid}/finish");
    assert_eq!(
        app.runner(token, &uri, finish).await.status,
        StatusCode::NO_CONTENT
    );
    job
}

#[tokio::test]
async fn the_sweeper_deletes_what_expired_and_keeps_what_is_fresh_or_in_use() {
    let app = test_app().await;
    let store = app.state.store.clone();
    let blobs = app.state.blobs.clone();
    let keep = Duration::from_secs(7 * 24 * 3600);
    let token = app.register().await;

    let unused = put_upload(&app, b"nobody needs me").await;
    let job = finished_job_with_output(&app, &token).await;
    // An upload named by a job still queued must outlive its own retention.
    let named = put_upload(&app, b"a queued job needs me").await;
    let input = json!({"inputs": [{"path": "in.txt", "url": format!("rgrid://uploads/{named}")}]});
    app.submit(spec(json!({ "files": input }))).await;
    let orphan = "artifacts/local/default/lost-runner/out.txt";
    blobs
        .put(
            orphan,
            Box::pin(futures::stream::iter([Ok(bytes::Bytes::from_static(b"x"))])),
            None,
        )
        .await
        .expect("orphan");

    let upload_key = |sha: &str| format!("uploads/local/default/{sha}");
    let artifact_key = format!("artifacts/local/default/{job}/out.txt");

    // Today: everything is fresh and stays.
    let now = chrono::Utc::now();
    let report = sweep_once(store.as_ref(), blobs.as_ref(), keep, now)
        .await
        .expect("sweep");
    assert_eq!(report, Default::default());
    for key in [
        upload_key(&unused),
        upload_key(&named),
        artifact_key.clone(),
    ] {
        assert!(blobs.exists(&key).await.expect("exists"), "{key} kept");
    }
    assert_eq!(store.list_artifacts(job).await.expect("rows").len(), 1);

    // Eight days on: the unused upload, the finished job's output and the orphan go; the
    // upload the queued job names is renewed instead.
    let later = now + chrono::Duration::days(8);
    let report = sweep_once(store.as_ref(), blobs.as_ref(), keep, later)
        .await
        .expect("sweep");
    assert_eq!(
        (
            report.uploads,
            report.artifacts,
            report.orphans,
            report.renewed
        ),
        (1, 1, 1, 1),
        "{report:?}"
    );
    assert!(!blobs.exists(&upload_key(&unused)).await.expect("exists"));
    assert!(!blobs.exists(&artifact_key).await.expect("exists"));
    assert!(!blobs.exists(orphan).await.expect("exists"));
    assert!(blobs.exists(&upload_key(&named)).await.expect("exists"));
    assert!(store.list_artifacts(job).await.expect("rows").is_empty());
    let held: HeldView = app
        .user(
            Method::POST,
            "/v1/uploads/held",
            Some(json!({"sha256": [unused, named]})),
        )
        .await
        .json();
    assert_eq!(
        held.held,
        vec![named.clone()],
        "the deleted upload's row is gone"
    );

    // A second sweeper racing over the same state finds nothing left to do.
    let again = sweep_once(store.as_ref(), blobs.as_ref(), keep, later)
        .await
        .expect("sweep");
    assert_eq!((again.uploads, again.artifacts, again.orphans), (0, 0, 0));
}

#[tokio::test]
async fn outputs_past_retention_answer_gone_with_a_clear_message() {
    let mut app = test_app().await;
    let token = app.register().await;
    let job = finished_job_with_output(&app, &token).await;
    let uri = format!("/v1/jobs/{job}/artifacts");
    assert_eq!(
        app.user(Method::GET, &uri, None).await.status,
        StatusCode::OK
    );

    app.state.settings.retention = Some(Duration::from_millis(1));
    app.router = router(app.state.clone());
    let answer = app.user(Method::GET, &uri, None).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (StatusCode::GONE, "outputs_expired")
    );
    let message = answer.value()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains(&format!("outputs of job {job} expired"))
            && message.contains("rgrid retry"),
        "{message}"
    );
}
