//! The runner endpoints and the embedded object store through the router on a real SQLite
//! store: claims with minted input URLs, outputs through presigned URLs, fencing, signatures.

mod api_support;

use std::time::{Duration, Instant};

use api_support::{sha256_hex, spec, test_app, wait_until, PUBLIC_URL};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use rgrid_spec::api::{ArtifactList, HeartbeatResponse, JobStatus, JobView, OutputsResponse};
use serde_json::json;

#[tokio::test]
async fn registering_with_a_wrong_bootstrap_token_is_unauthorized() {
    let app = test_app().await;
    let body = json!({"bootstrap_token": "rgb_guess", "name": "n", "slots": 1,
                      "executor": "docker", "version": "t"});
    let answer = app.runner("", "/v1/runner/register", body).await;
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let claim = app
        .runner("rgn_unknown", "/v1/runner/claim", json!({"wait_secs": 0}))
        .await;
    assert_eq!(claim.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_claim_mints_urls_for_uploaded_inputs_and_keeps_the_users_own() {
    let app = test_app().await;
    let data = b"\x00binary input\xff".to_vec();
    let sha = sha256_hex(&data);
    let put = app
        .call(
            Method::PUT,
            &format!("/v1/uploads/{sha}"),
            Some(&app.api_key),
            Body::from(data.clone()),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK);
    let own = "https://example.invalid/data.csv";
    let job = app
        .submit(spec(json!({
            "files": {"inputs": [
                {"path": "in.bin", "url": format!("rgrid://uploads/{sha}"), "sha256": sha},
                {"path": "data.csv", "url": own},
            ]},
            "resources": {"cpu": "500m", "memory": "256Mi"},
        })))
        .await;
    let token = app.register().await;
    let assignment = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("the queued job");
    assert_eq!((assignment.job_id, assignment.attempt), (job, 1));
    assert_eq!(
        (assignment.cpu_millis, assignment.memory_bytes),
        (Some(500), Some(256 << 20))
    );
    let inputs = &assignment.spec.spec.files.inputs;
    let minted = &inputs[0].url;
    let prefix = format!("{PUBLIC_URL}/blobs/uploads/local/default/{sha}?method=GET&expires=");
    assert!(minted.starts_with(&prefix), "{minted}");
    assert_eq!(inputs[1].url, own, "bring-your-own URLs are used as given");

    let download = app.presigned(Method::GET, minted, Body::empty()).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.as_ref(), data.as_slice());

    // The stored spec still names the upload, not a URL that expires.
    let view: JobView = app
        .user(Method::GET, &format!("/v1/jobs/{job}"), None)
        .await
        .json();
    assert_eq!(
        view.spec.spec.files.inputs[0].url,
        format!("rgrid://uploads/{sha}")
    );
    assert_eq!(view.status, JobStatus::Running);
}

#[tokio::test]
async fn a_waiting_claim_wakes_when_a_job_is_submitted() {
    let app = test_app().await;
    let token = app.register().await;
    assert!(
        app.claim(&token, 0).await.assignment.is_none(),
        "the queue starts empty"
    );

    let waiting = {
        let router = app.router.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let request = axum::http::Request::post("/v1/runner/claim")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::from(r#"{"wait_secs": 20}"#))
                .expect("request");
            let response = tower::ServiceExt::oneshot(router, request)
                .await
                .expect("router");
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            let claim: rgrid_spec::api::ClaimResponse =
                serde_json::from_slice(&body).expect("claim response");
            (started.elapsed(), claim)
        })
    };
    wait_until(|| app.state.events.queue_watchers() >= 1).await;
    let job = app.submit(spec(json!({}))).await;
    let (elapsed, claim) = waiting.await.expect("claim task");
    assert!(
        elapsed < Duration::from_secs(10),
        "the claim woke after {elapsed:?}"
    );
    assert_eq!(claim.assignment.expect("the new job").job_id, job);
}

#[tokio::test]
async fn outputs_go_up_through_presigned_urls_and_come_back_as_artifacts() {
    let app = test_app().await;
    let job = app
        .submit(spec(
            json!({"files": {"outputs": [{"path": "out/report.json"}]}}),
        ))
        .await;
    let token = app.register().await;
    let eid = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("job")
        .execution_id;
    let report: Vec<u8> = b"{\"ok\": true}\n\x00\xfe".to_vec();
    let file =
        json!({"path": "out/report.json", "size": report.len(), "sha256": sha256_hex(&report)});

    let bad = app
        .runner(
            &token,
            &format!("/v1/runner/executions/{eid}/outputs"),
            json!({"files": [{"path": "../escape", "size": 1, "sha256": "x"}]}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (StatusCode::BAD_REQUEST, "invalid_path")
    );

    let outputs: OutputsResponse = app
        .runner(
            &token,
            &format!("/v1/runner/executions/{eid}/outputs"),
            json!({"files": [file]}),
        )
        .await
        .json();
    let put_url = &outputs.uploads["out/report.json"];
    let expected = format!("{PUBLIC_URL}/blobs/artifacts/local/default/{job}/out/report.json?");
    assert!(put_url.starts_with(&expected), "{put_url}");
    let stored = app
        .presigned(Method::PUT, put_url, Body::from(report.clone()))
        .await;
    assert_eq!(stored.status, StatusCode::OK);
    let refused = app.presigned(Method::GET, put_url, Body::empty()).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a PUT URL does not allow GET"
    );

    let finish = json!({"reason": "completed", "exit_code": 0, "message": null,
                        "artifacts": [file], "executor": "process"});
    let uri = format!("/v1/runner/executions/{eid}/finish");
    assert_eq!(
        app.runner(&token, &uri, finish.clone()).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.runner(&token, &uri, finish).await.status,
        StatusCode::NO_CONTENT,
        "a repeated finish is accepted"
    );

    let list: ArtifactList = app
        .user(Method::GET, &format!("/v1/jobs/{job}/artifacts"), None)
        .await
        .json();
    assert_eq!(list.artifacts.len(), 1);
    let artifact = &list.artifacts[0];
    assert_eq!(
        (artifact.path.as_str(), artifact.size),
        ("out/report.json", report.len() as u64)
    );
    assert_eq!(artifact.content_type, "application/json");
    let download = app
        .presigned(Method::GET, &artifact.url, Body::empty())
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.as_ref(), report.as_slice(), "byte-exact");
    let view: JobView = app
        .user(Method::GET, &format!("/v1/jobs/{job}"), None)
        .await
        .json();
    assert_eq!(view.status, JobStatus::Succeeded);
}

#[tokio::test]
async fn tampered_expired_and_foreign_urls_are_forbidden() {
    let app = test_app().await;
    let key = "artifacts/local/default/j/secret.txt";
    let far = chrono::Utc::now().timestamp() + 600;
    let url = |method: &str, key: &str, expires: i64, sig: &str| {
        format!("/blobs/{key}?method={method}&expires={expires}&sig={sig}")
    };
    let put_sig = app.signer.sign("PUT", key, far);
    let stored = app
        .call(
            Method::PUT,
            &url("PUT", key, far, &put_sig),
            None,
            Body::from("top secret"),
        )
        .await;
    assert_eq!(stored.status, StatusCode::OK);

    let get_sig = app.signer.sign("GET", key, far);
    let ok = app
        .call(
            Method::GET,
            &url("GET", key, far, &get_sig),
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(
        (ok.status, ok.body.as_ref()),
        (StatusCode::OK, b"top secret".as_slice())
    );

    let mut tampered = get_sig.clone();
    tampered.replace_range(0..1, if get_sig.starts_with('0') { "1" } else { "0" });
    let past = chrono::Utc::now().timestamp() - 1;
    let expired_sig = app.signer.sign("GET", key, past);
    let other_key = "artifacts/local/default/j/other.txt";
    let cases = [
        ("tampered signature", url("GET", key, far, &tampered)),
        ("later expiry", url("GET", key, far + 1, &get_sig)),
        ("expired", url("GET", key, past, &expired_sig)),
        ("another key", url("GET", other_key, far, &get_sig)),
        ("signed for PUT", url("GET", key, far, &put_sig)),
        ("method says PUT", url("PUT", key, far, &get_sig)),
        ("unsigned", format!("/blobs/{key}")),
    ];
    for (case, uri) in cases {
        let answer = app.call(Method::GET, &uri, None, Body::empty()).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{case}");
    }
}

#[tokio::test]
async fn a_superseded_execution_is_refused_as_stale() {
    let app = test_app().await;
    let job = app.submit(spec(json!({"retries": 1}))).await;
    let token = app.register().await;
    let first = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("job")
        .execution_id;
    let failed = json!({"reason": "exit_code", "exit_code": 3, "message": "exit code 3",
                        "artifacts": [], "executor": "process"});
    let uri = format!("/v1/runner/executions/{first}/finish");
    assert_eq!(
        app.runner(&token, &uri, failed).await.status,
        StatusCode::NO_CONTENT
    );

    let second = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("the requeued job");
    assert_eq!((second.job_id, second.attempt), (job, 2));
    for action in ["heartbeat", "logs", "outputs"] {
        let body = match action {
            "logs" => json!({"chunks": [{"seq": 0, "stream": "stdout", "data": "aGk="}]}),
            "outputs" => json!({"files": []}),
            _ => json!({}),
        };
        let answer = app
            .runner(
                &token,
                &format!("/v1/runner/executions/{first}/{action}"),
                body,
            )
            .await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (StatusCode::CONFLICT, "stale_execution"),
            "{action}"
        );
    }
    let beat: HeartbeatResponse = app
        .runner(
            &token,
            &format!("/v1/runner/executions/{}/heartbeat", second.execution_id),
            json!({}),
        )
        .await
        .json();
    assert!(!beat.cancel);

    // Cancelling a running job reaches the runner through its next heartbeat.
    app.user(Method::POST, &format!("/v1/jobs/{job}/cancel"), None)
        .await;
    let beat: HeartbeatResponse = app
        .runner(
            &token,
            &format!("/v1/runner/executions/{}/heartbeat", second.execution_id),
            json!({}),
        )
        .await
        .json();
    assert!(beat.cancel);
}

#[tokio::test]
async fn the_reaper_requeues_a_job_whose_runner_went_silent() {
    let app = test_app().await;
    let job = app.submit(spec(json!({"retries": 2}))).await;
    let token = app.register().await;
    let first = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("job")
        .execution_id;
    // A zero timeout makes every running execution silent for too long.
    rgrid_server::reaper::reap_once(app.state.store.as_ref(), &app.state.events, Duration::ZERO)
        .await;
    let again = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("the requeued job");
    assert_eq!((again.job_id, again.attempt), (job, 2));
    let stale = app
        .runner(
            &token,
            &format!("/v1/runner/executions/{first}/heartbeat"),
            json!({}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
}
