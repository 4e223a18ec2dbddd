//! The user endpoints through the router on a real SQLite store: specs, jobs, uploads, logs.

mod api_support;

use std::time::{Duration, Instant};

use api_support::{sha256_hex, spec, test_app, wait_until};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use rgrid_spec::api::{FileView, JobList, JobStatus, JobView, LogPage, Stream, UploadView};
use serde_json::json;

#[tokio::test]
async fn an_invalid_spec_is_refused_naming_the_field() {
    let app = test_app().await;
    let answer = app
        .user(Method::POST, "/v1/jobs", Some(spec(json!({"timeout": 5}))))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.code(), "invalid_spec");
    assert_eq!(answer.value()["error"]["field"], "spec.timeout");

    let bad_cpu = spec(json!({"resources": {"cpu": "lots"}}));
    let answer = app.user(Method::POST, "/v1/jobs", Some(bad_cpu)).await;
    assert_eq!(answer.value()["error"]["field"], "spec.resources.cpu");

    let not_json = app
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&app.api_key),
            Body::from("{"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_json.code(), "invalid_spec");
}

#[tokio::test]
async fn a_submitted_job_can_be_read_listed_and_cancelled() {
    let app = test_app().await;
    let answer = app
        .user(Method::POST, "/v1/jobs", Some(spec(json!({"retries": 4}))))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let job: JobView = answer.json();
    assert_eq!(
        (job.status, job.max_retries, job.project.as_str()),
        (JobStatus::Queued, 4, "default")
    );

    let got: JobView = app
        .user(Method::GET, &format!("/v1/jobs/{}", job.id), None)
        .await
        .json();
    assert_eq!(got.id, job.id);
    assert_eq!(got.spec.spec.code.as_deref(), Some("print(1)"));

    let second = app.submit(spec(json!({}))).await;
    let list: JobList = app
        .user(Method::GET, "/v1/jobs?status=queued", None)
        .await
        .json();
    let ids: Vec<_> = list.jobs.iter().map(|j| j.id).collect();
    assert_eq!(ids, vec![second, job.id], "newest first");
    let bad = app
        .user(Method::GET, "/v1/jobs?status=sleeping", None)
        .await;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );

    let cancelled: JobView = app
        .user(Method::POST, &format!("/v1/jobs/{}/cancel", job.id), None)
        .await
        .json();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    let missing = app
        .user(
            Method::GET,
            &format!("/v1/jobs/{}", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_unauthorized() {
    let app = test_app().await;
    let wrong = app
        .call(Method::GET, "/v1/jobs", Some("rg_wrong"), Body::empty())
        .await;
    assert_eq!(
        (wrong.status, wrong.code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let none = app.call(Method::GET, "/v1/jobs", None, Body::empty()).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let health = app
        .call(Method::GET, "/v1/health", None, Body::empty())
        .await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.value()["store"], "sqlite");
}

#[tokio::test]
async fn uploads_are_checked_against_their_hash() {
    let app = test_app().await;
    let data = b"name,value\na,1\n".to_vec();
    let sha = sha256_hex(&data);
    let uri = format!("/v1/uploads/{sha}");

    let wrong = app
        .call(
            Method::PUT,
            &uri,
            Some(&app.api_key),
            Body::from(b"other".to_vec()),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.code().as_str()),
        (StatusCode::BAD_REQUEST, "sha256_mismatch")
    );
    let head = app
        .call(Method::HEAD, &uri, Some(&app.api_key), Body::empty())
        .await;
    assert_eq!(
        head.status,
        StatusCode::NOT_FOUND,
        "a refused upload leaves nothing behind"
    );

    let stored = app
        .call(
            Method::PUT,
            &uri,
            Some(&app.api_key),
            Body::from(data.clone()),
        )
        .await;
    assert_eq!(stored.status, StatusCode::OK);
    let view: UploadView = stored.json();
    assert_eq!(
        (view.url.as_str(), view.size),
        (format!("rgrid://uploads/{sha}").as_str(), 15)
    );
    let head = app
        .call(Method::HEAD, &uri, Some(&app.api_key), Body::empty())
        .await;
    assert_eq!(head.status, StatusCode::OK);

    let bad = app
        .call(
            Method::PUT,
            "/v1/uploads/xyz",
            Some(&app.api_key),
            Body::empty(),
        )
        .await;
    assert_eq!(bad.code(), "invalid_sha256");
}

/// Uploads stream to disk, so one larger than the JSON body limit (16 MiB) is accepted.
#[tokio::test]
async fn a_large_upload_streams_past_the_json_body_limit() {
    let app = test_app().await;
    let data: Vec<u8> = (0..20u32 << 20).map(|i| (i % 251) as u8).collect();
    let sha = sha256_hex(&data);
    let uri = format!("/v1/uploads/{sha}");
    let stored = app
        .call(Method::PUT, &uri, Some(&app.api_key), Body::from(data))
        .await;
    assert_eq!(
        stored.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    assert_eq!(stored.json::<UploadView>().size, 20 << 20);
}

#[tokio::test]
async fn a_spec_naming_a_missing_upload_is_refused() {
    let app = test_app().await;
    let missing = "a".repeat(64);
    let inputs =
        json!({"inputs": [{"path": "in.csv", "url": format!("rgrid://uploads/{missing}")}]});
    let answer = app
        .user(
            Method::POST,
            "/v1/jobs",
            Some(spec(json!({"files": inputs}))),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.value()["error"]["field"], "spec.files.inputs[0].url");
}

#[tokio::test]
async fn logs_round_trip_bytes_and_a_long_poll_wakes_on_new_output() {
    let app = test_app().await;
    let job = app.submit(spec(json!({}))).await;
    let token = app.register().await;
    let eid = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("a job")
        .execution_id;
    let logs_uri = format!("/v1/runner/executions/{eid}/logs");

    // Nothing yet: a zero wait answers at once with an empty page.
    let empty: LogPage = app
        .user(
            Method::GET,
            &format!("/v1/jobs/{job}/logs?after=0&wait=0"),
            None,
        )
        .await
        .json();
    assert!(empty.chunks.is_empty() && !empty.complete);
    assert_eq!((empty.next, empty.status), (0, JobStatus::Running));

    let waiting = {
        let app_router = app.router.clone();
        let key = app.api_key.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let request = axum::http::Request::get(format!("/v1/jobs/{job}/logs?after=0&wait=20"))
                .header("authorization", format!("Bearer {key}"))
                .body(Body::empty())
                .expect("request");
            let response = tower::ServiceExt::oneshot(app_router, request)
                .await
                .expect("router");
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            (
                started.elapsed(),
                serde_json::from_slice::<LogPage>(&body).expect("page"),
            )
        })
    };
    // The poll must be waiting before we write, or this would not test the wake-up.
    wait_until(|| app.state.events.job_watchers(job) == 1).await;

    let binary = vec![0u8, 159, 146, 150, b'\n', 255];
    let chunks = json!({"chunks": [
        {"seq": 0, "stream": "stdout", "data": base64(&binary)},
        {"seq": 1, "stream": "stderr", "data": base64(b"warn\n")},
    ]});
    assert_eq!(
        app.runner(&token, &logs_uri, chunks).await.status,
        StatusCode::NO_CONTENT
    );

    let (elapsed, page) = waiting.await.expect("poll task");
    assert!(
        elapsed < Duration::from_secs(10),
        "the poll woke after {elapsed:?}"
    );
    assert_eq!(page.chunks.len(), 2);
    assert_eq!(page.chunks[0].data.0, binary);
    assert_eq!(
        (page.chunks[0].stream, page.chunks[1].stream),
        (Stream::Stdout, Stream::Stderr)
    );
    assert_eq!(page.next, page.chunks[1].id);

    // A resent chunk (same seq) is not stored twice.
    let again = json!({"chunks": [{"seq": 1, "stream": "stderr", "data": base64(b"warn\n")}]});
    app.runner(&token, &logs_uri, again).await;
    let finish = json!({"reason": "completed", "exit_code": 0, "message": null,
                        "artifacts": [], "executor": "process"});
    let done = app
        .runner(
            &token,
            &format!("/v1/runner/executions/{eid}/finish"),
            finish,
        )
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT);
    let rest: LogPage = app
        .user(
            Method::GET,
            &format!("/v1/jobs/{job}/logs?after={}&wait=20", page.next),
            None,
        )
        .await
        .json();
    assert!(
        rest.chunks.is_empty() && rest.complete,
        "a final job answers at once, complete"
    );
    assert_eq!(rest.status, JobStatus::Succeeded);
}

fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A file stored through `files/upload` comes back as a presigned GET URL with the asked-for
/// life, its key, size and sha256; bad names, lifetimes and other projects are refused.
#[tokio::test]
async fn a_file_upload_returns_a_presigned_url() {
    let app = test_app().await;
    let data: Vec<u8> = (0..(20u32 << 20)).map(|i| (i % 241) as u8).collect();
    let uri = "/v1/projects/default/files/upload?name=rapport%20%C3%A9t%C3%A9.csv&\
               expires_minutes=45";
    let before = chrono::Utc::now();
    let stored = app
        .call(
            Method::POST,
            uri,
            Some(&app.api_key),
            Body::from(data.clone()),
        )
        .await;
    assert_eq!(
        stored.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&stored.body)
    );
    let view: FileView = stored.json();
    assert_eq!(
        (view.size, view.sha256.clone()),
        (20 << 20, sha256_hex(&data))
    );
    assert!(
        view.key.starts_with("uploads/local/default/files/")
            && view.key.ends_with("/rapport été.csv"),
        "{}",
        view.key
    );
    let life = view.expires_at - before;
    assert!(
        (44..=45).contains(&life.num_minutes()),
        "the URL lives {life}"
    );
    let fetched = app.presigned(Method::GET, &view.url, Body::empty()).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert!(fetched.body == data, "the presigned URL serves other bytes");

    for (uri, status) in [
        ("/v1/projects/other/files/upload", StatusCode::NOT_FOUND),
        (
            "/v1/projects/default/files/upload?expires_minutes=10",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/v1/projects/default/files/upload?expires_minutes=121",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/v1/projects/default/files/upload?name=..%2Fx",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let refused = app
            .call(Method::POST, uri, Some(&app.api_key), Body::from("x"))
            .await;
        assert_eq!(refused.status, status, "{uri}");
    }
}

/// `GET /v1/jobs/{id}?wait=&status=&attempts=` answers at once when the job differs from what
/// the caller saw, and otherwise waits for the change (the claim) instead of the deadline.
#[tokio::test]
async fn a_job_long_poll_wakes_when_its_status_changes() {
    let app = test_app().await;
    let job = app.submit(spec(json!({}))).await;

    let differs: JobView = app
        .user(
            Method::GET,
            &format!("/v1/jobs/{job}?wait=20&status=running&attempts=1"),
            None,
        )
        .await
        .json();
    assert_eq!((differs.status, differs.attempts), (JobStatus::Queued, 0));

    let waiting = {
        let app_router = app.router.clone();
        let key = app.api_key.clone();
        tokio::spawn(async move {
            let uri = format!("/v1/jobs/{job}?wait=20&status=queued&attempts=0");
            let request = axum::http::Request::get(uri)
                .header("authorization", format!("Bearer {key}"))
                .body(Body::empty())
                .expect("request");
            let response = tower::ServiceExt::oneshot(app_router, request)
                .await
                .expect("router");
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            serde_json::from_slice::<JobView>(&body).expect("job")
        })
    };
    // The poll must be waiting before the claim, or this would not test the wake-up.
    wait_until(|| app.state.events.job_watchers(job) == 1).await;
    let token = app.register().await;
    app.claim(&token, 0).await.assignment.expect("a job");
    let changed = tokio::time::timeout(Duration::from_secs(15), waiting)
        .await
        .expect("the poll answered before its 20 s deadline")
        .expect("task");
    assert_eq!((changed.status, changed.attempts), (JobStatus::Running, 1));
}
