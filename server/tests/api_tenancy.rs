//! Tenants kept apart, endpoint by endpoint, on both store backends: another project's objects
//! answer 404, a role too weak answers 403, a credential of the wrong kind (node token, user
//! key, personal token, operator key), a revoked one, or an expired or spent bootstrap token
//! answers 401. A node acts only on its own executions; grid-wide endpoints take an operator
//! key (a project key gets 403 saying so); personal tokens are listed and revoked.
// A failed unwrap here is a failed test, with the value in the message.
#![allow(clippy::unwrap_used)]

mod api_support;

use std::sync::Arc;
use std::time::Duration;

use api_support::{sha256_hex, spec, test_app_on, Answer, TestApp, BOOTSTRAP};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use rgrid_server::access::{
    create_api_key, create_operator_key, create_user_token, mint_bootstrap_token,
};
use rgrid_server::store::sqlite::SqliteStore;
use rgrid_server::store::{connect_store, Role};
use rgrid_spec::access::{
    CreatedKey, CreatedProject, CreatedToken, KeyList, MemberList, OperatorView, ProjectList,
    RevokedNode, TokenList, TokenView, WhoAmI,
};
use rgrid_spec::api::{CostReport, JobList, JobView, NodeList};
use serde_json::{json, Value};

#[tokio::test]
async fn sqlite_keeps_tenants_apart_on_every_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rgrid.db");
    let store = SqliteStore::connect(db.to_str().unwrap()).await.unwrap();
    let app = test_app_on(Arc::new(store), dir).await;
    matrix(&app).await;
}

#[tokio::test]
async fn postgres_keeps_tenants_apart_on_every_endpoint() {
    let Some(cluster) = rgrid_tests::postgres::require_postgres() else {
        return;
    };
    let store = connect_store(&cluster.create_database("rgrid_tenancy"))
        .await
        .unwrap();
    let app = test_app_on(store, tempfile::tempdir().unwrap()).await;
    matrix(&app).await;
}

/// Two accounts, each with a project; keys of every role in project A, one in project B.
struct World {
    admin_a: String,
    developer_a: String,
    viewer_a: String,
    admin_b: String,
    owner_a_token: String,
    operator: String,
    node_token: String,
    /// B's objects.
    job_b: String,
    upload_b: String,
    key_b_id: i64,
}

async fn matrix(app: &TestApp) {
    let world = world(app).await;
    foreign_objects_are_not_found(app, &world).await;
    roles_limit_what_a_key_does(app, &world).await;
    wrong_kinds_of_credential_are_unauthorized(app, &world).await;
    nodes_act_only_on_their_own_executions(app, &world).await;
    grid_wide_endpoints_take_an_operator_key(app, &world).await;
    personal_tokens_are_listed_and_revoked(app, &world).await;
    revoked_and_expired_credentials_are_unauthorized(app, &world).await;
    keys_and_projects_through_the_api(app, &world).await;
}

async fn world(app: &TestApp) -> World {
    let store = app.state.store.as_ref();
    let a = store.ensure_project("acme", "images").await.unwrap();
    let b = store.ensure_project("globex", "reports").await.unwrap();
    let key =
        |project, role| async move { create_api_key(store, project, "test", role).await.unwrap() };
    let (_, admin_a) = key(a.id, Role::Admin).await;
    let (_, developer_a) = key(a.id, Role::Developer).await;
    let (_, viewer_a) = key(a.id, Role::Viewer).await;
    let (key_b, admin_b) = key(b.id, Role::Admin).await;

    let owner = store.create_user("owner@acme.test").await.unwrap();
    store.set_role("acme", owner.id, Role::Owner).await.unwrap();
    let (_, owner_a_token) = create_user_token(store, owner.id, "laptop").await.unwrap();
    let (_, operator) = create_operator_key(store, "ops").await.unwrap();

    let body = b"globex data".to_vec();
    let upload_b = sha256_hex(&body);
    let uri = format!("/v1/uploads/{upload_b}");
    let answer = app
        .call(Method::PUT, &uri, Some(&admin_b), Body::from(body))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = call_json(
        app,
        Method::POST,
        "/v1/jobs",
        &admin_b,
        Some(spec(json!({}))),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let job_b = answer.json::<JobView>().id.to_string();

    World {
        admin_a,
        developer_a,
        viewer_a,
        admin_b,
        owner_a_token,
        operator,
        node_token: app.register().await,
        job_b,
        upload_b,
        key_b_id: key_b.id,
    }
}

async fn call_json(
    app: &TestApp,
    method: Method,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> Answer {
    let body = body.map_or_else(Body::empty, |v| Body::from(v.to_string()));
    app.call(method, uri, Some(token), body).await
}

/// Every user endpoint that names an object, as (method, path, body).
fn object_endpoints(w: &World) -> Vec<(Method, String, Option<Value>)> {
    let job = &w.job_b;
    vec![
        (Method::GET, format!("/v1/jobs/{job}"), None),
        (Method::POST, format!("/v1/jobs/{job}/cancel"), None),
        (Method::POST, format!("/v1/jobs/{job}/retry"), None),
        (Method::GET, format!("/v1/jobs/{job}/logs"), None),
        (Method::GET, format!("/v1/jobs/{job}/logs/sse"), None),
        (Method::GET, format!("/v1/jobs/{job}/artifacts"), None),
        (Method::HEAD, format!("/v1/uploads/{}", w.upload_b), None),
        (Method::DELETE, format!("/v1/keys/{}", w.key_b_id), None),
        (Method::GET, "/v1/accounts/globex/projects".into(), None),
        (
            Method::POST,
            "/v1/accounts/globex/projects".into(),
            Some(json!({"slug": "x"})),
        ),
        (Method::GET, "/v1/accounts/globex/members".into(), None),
        (
            Method::PUT,
            "/v1/accounts/globex/members".into(),
            Some(json!({"email": "owner@acme.test", "role": "owner"})),
        ),
        (
            Method::DELETE,
            "/v1/accounts/globex/members/owner@acme.test".into(),
            None,
        ),
    ]
}

async fn foreign_objects_are_not_found(app: &TestApp, w: &World) {
    for (method, uri, body) in object_endpoints(w) {
        // Account routes take the personal token; the rest an API key of project A.
        let token = if uri.starts_with("/v1/accounts") {
            &w.owner_a_token
        } else {
            &w.admin_a
        };
        let answer = call_json(app, method.clone(), &uri, token, body).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {uri}");
    }
    // Lists show only the caller's own objects.
    let answer = call_json(app, Method::GET, "/v1/jobs", &w.admin_a, None).await;
    assert!(answer.json::<JobList>().jobs.is_empty());
    let answer = call_json(app, Method::GET, "/v1/keys", &w.admin_a, None).await;
    let keys = answer.json::<KeyList>().keys;
    assert!(keys.iter().all(|k| k.id != w.key_b_id));
    // B's upload cannot be used as an input by A either.
    let input = json!({"files": {"inputs": [
        {"path": "in.txt", "url": format!("rgrid://uploads/{}", w.upload_b)}]}});
    let answer = call_json(app, Method::POST, "/v1/jobs", &w.admin_a, Some(spec(input))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    // B still sees its job, uncancelled.
    let uri = format!("/v1/jobs/{}", w.job_b);
    let answer = call_json(app, Method::GET, &uri, &w.admin_b, None).await;
    assert_eq!(answer.json::<JobView>().status.as_str(), "queued");
}

async fn roles_limit_what_a_key_does(app: &TestApp, w: &World) {
    let job = call_json(
        app,
        Method::POST,
        "/v1/jobs",
        &w.developer_a,
        Some(spec(json!({}))),
    )
    .await;
    assert_eq!(job.status, StatusCode::CREATED);
    let job = job.json::<JobView>().id;

    // Viewers read …
    for uri in [
        format!("/v1/jobs/{job}"),
        format!("/v1/jobs/{job}/logs"),
        "/v1/jobs".into(),
        "/v1/whoami".into(),
    ] {
        let answer = call_json(app, Method::GET, &uri, &w.viewer_a, None).await;
        assert_eq!(answer.status, StatusCode::OK, "viewer GET {uri}");
    }
    // … but cannot submit, cancel, upload, download or manage keys.
    let refused: Vec<(Method, String, Option<Value>)> = vec![
        (Method::POST, "/v1/jobs".into(), Some(spec(json!({})))),
        (Method::POST, format!("/v1/jobs/{job}/cancel"), None),
        (Method::GET, format!("/v1/jobs/{job}/artifacts"), None),
        (
            Method::PUT,
            format!("/v1/uploads/{}", sha256_hex(b"")),
            None,
        ),
        (
            Method::HEAD,
            format!("/v1/uploads/{}", sha256_hex(b"")),
            None,
        ),
        (Method::GET, "/v1/keys".into(), None),
        (
            Method::POST,
            "/v1/nodes/00000000-0000-0000-0000-000000000000/drain".into(),
            None,
        ),
    ];
    for (method, uri, body) in refused {
        let answer = call_json(app, method.clone(), &uri, &w.viewer_a, body).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "viewer {method} {uri}"
        );
    }
    let answer = call_json(
        app,
        Method::POST,
        "/v1/jobs",
        &w.viewer_a,
        Some(spec(json!({}))),
    )
    .await;
    let message = answer.value()["error"]["message"].to_string();
    assert!(
        message.contains("`viewer`") && message.contains("`developer`"),
        "{message}"
    );

    // Developers cancel but do not manage keys; nobody mints a key above their own role.
    let uri = format!("/v1/jobs/{job}/cancel");
    let answer = call_json(app, Method::POST, &uri, &w.developer_a, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = Some(json!({"name": "x", "role": "viewer"}));
    let answer = call_json(app, Method::POST, "/v1/keys", &w.developer_a, body).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let body = Some(json!({"name": "x", "role": "owner"}));
    let answer = call_json(app, Method::POST, "/v1/keys", &w.admin_a, body).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

/// Every route with a placeholder where it names an object.
fn user_routes() -> Vec<(Method, &'static str)> {
    let id = "/v1/jobs/00000000-0000-0000-0000-000000000000";
    let sha = "/v1/uploads/0000000000000000000000000000000000000000000000000000000000000000";
    vec![
        (Method::POST, "/v1/jobs"),
        (Method::GET, "/v1/jobs"),
        (Method::GET, id),
        (Method::POST, leak(format!("{id}/cancel"))),
        (Method::POST, leak(format!("{id}/retry"))),
        (Method::GET, leak(format!("{id}/logs"))),
        (Method::GET, leak(format!("{id}/logs/ws"))),
        (Method::GET, leak(format!("{id}/logs/sse"))),
        (Method::GET, leak(format!("{id}/artifacts"))),
        (Method::GET, "/v1/nodes"),
        (
            Method::POST,
            "/v1/nodes/00000000-0000-0000-0000-000000000000/drain",
        ),
        (Method::GET, "/v1/cost"),
        (Method::GET, "/v1/grid/ws"),
        (Method::PUT, sha),
        (Method::HEAD, sha),
        (Method::GET, "/v1/whoami"),
        (Method::GET, "/v1/keys"),
        (Method::POST, "/v1/keys"),
        (Method::DELETE, "/v1/keys/1"),
    ]
}

fn account_routes() -> Vec<(Method, &'static str)> {
    vec![
        (Method::GET, "/v1/me"),
        (Method::GET, "/v1/accounts/acme/projects"),
        (Method::POST, "/v1/accounts/acme/projects"),
        (Method::GET, "/v1/accounts/acme/members"),
        (Method::PUT, "/v1/accounts/acme/members"),
        (Method::DELETE, "/v1/accounts/acme/members/owner@acme.test"),
        (Method::GET, "/v1/me/tokens"),
        (Method::POST, "/v1/me/tokens"),
        (Method::DELETE, "/v1/me/tokens/1"),
    ]
}

fn operator_routes() -> Vec<(Method, &'static str)> {
    let node = "/v1/nodes/00000000-0000-0000-0000-000000000000";
    vec![
        (Method::GET, "/v1/operator/whoami"),
        (Method::GET, "/v1/nodes"),
        (Method::POST, leak(format!("{node}/drain"))),
        (Method::POST, leak(format!("{node}/revoke"))),
    ]
}

fn runner_routes() -> Vec<&'static str> {
    let eid = "/v1/runner/executions/00000000-0000-0000-0000-000000000000";
    vec![
        "/v1/runner/claim",
        "/v1/runner/release",
        leak(format!("{eid}/heartbeat")),
        leak(format!("{eid}/logs")),
        leak(format!("{eid}/outputs")),
        leak(format!("{eid}/finish")),
    ]
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

async fn assert_unauthorized(app: &TestApp, method: Method, uri: &str, token: &str) {
    let answer = app
        .call(method.clone(), uri, Some(token), Body::from("{}"))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
    if method != Method::HEAD {
        let body = String::from_utf8_lossy(&answer.body);
        assert!(!body.contains(token), "the credential came back: {body}");
    }
}

async fn wrong_kinds_of_credential_are_unauthorized(app: &TestApp, w: &World) {
    for (method, uri) in user_routes() {
        assert_unauthorized(app, method.clone(), uri, &w.node_token).await;
        assert_unauthorized(app, method.clone(), uri, &w.owner_a_token).await;
        assert_unauthorized(app, method, uri, "rg_malformed").await;
    }
    for (method, uri) in account_routes() {
        assert_unauthorized(app, method.clone(), uri, &w.admin_a).await;
        assert_unauthorized(app, method.clone(), uri, &w.operator).await;
        assert_unauthorized(app, method, uri, &w.node_token).await;
    }
    for uri in runner_routes() {
        assert_unauthorized(app, Method::POST, uri, &w.admin_a).await;
        assert_unauthorized(app, Method::POST, uri, &w.owner_a_token).await;
        assert_unauthorized(app, Method::POST, uri, &w.operator).await;
    }
    for (method, uri) in operator_routes() {
        assert_unauthorized(app, method.clone(), uri, &w.node_token).await;
        assert_unauthorized(app, method.clone(), uri, &w.owner_a_token).await;
        assert_unauthorized(app, method, uri, "rgo_malformed").await;
    }
    // An operator key is not a project key: it reaches no project's jobs.
    for (method, uri) in user_routes() {
        if uri != "/v1/cost" && !uri.starts_with("/v1/nodes") {
            assert_unauthorized(app, method, uri, &w.operator).await;
        }
    }
}

/// A second node calls about the first node's execution on every per-execution route: each
/// answers 404 and changes nothing; its release gives back none of the first node's work.
async fn nodes_act_only_on_their_own_executions(app: &TestApp, w: &World) {
    let claim = app.claim(&w.node_token, 0).await;
    let assignment = claim.assignment.expect("a queued job to claim");
    let eid = assignment.execution_id;
    let other = register_named(app, "node-2").await;

    let base = format!("/v1/runner/executions/{eid}");
    let chunk = json!({"chunks": [{"seq": 0, "stream": "stdout", "data": "aGk="}]});
    let finish = json!({"reason": "completed", "exit_code": 0, "executor": "process",
                        "artifacts": []});
    let outputs = json!({"files": [{"path": "out.txt", "size": 1, "sha256": "00"}]});
    for (uri, body) in [
        (format!("{base}/heartbeat"), json!({})),
        (format!("{base}/logs"), chunk.clone()),
        (format!("{base}/outputs"), outputs),
        (format!("{base}/finish"), finish.clone()),
    ] {
        let answer = app.runner(&other, &uri, body).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "other node: {uri}");
        let text = String::from_utf8_lossy(&answer.body);
        assert!(!text.contains(&assignment.job_id.to_string()), "{text}");
    }
    let answer = app.runner(&other, "/v1/runner/release", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.value()["released"], 0);
    // A release is the runner stopping: its node is terminated, and its token done.
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    let records = app.state.store.node_records(Some(since)).await.unwrap();
    let record = records.iter().find(|n| n.name == "node-2").unwrap();
    assert_eq!(
        record.state,
        rgrid_spec::api::NodeState::Terminated,
        "{record:?}"
    );
    let answer = app
        .runner(&other, "/v1/runner/claim", json!({"wait_secs": 0}))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // Nothing changed: the job still runs on the first node, with no log.
    let job = app
        .state
        .store
        .current_job_of(eid)
        .await
        .expect("the execution is still current");
    assert_eq!(job.status.as_str(), "running");
    let logs = app.state.store.read_logs(job.id, 0, 10).await.unwrap();
    assert!(logs.is_empty(), "{logs:?}");
    // The owner still can.
    let answer = app
        .runner(&w.node_token, &format!("{base}/heartbeat"), json!({}))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = app
        .runner(&w.node_token, &format!("{base}/logs"), chunk)
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    let answer = app
        .runner(&w.node_token, &format!("{base}/finish"), finish)
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
}

async fn register_named(app: &TestApp, name: &str) -> String {
    let answer = app
        .runner(
            "",
            "/v1/runner/register",
            json!({"bootstrap_token": BOOTSTRAP, "name": name, "slots": 1,
                   "executor": "process", "version": "test"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.value()["node_token"].as_str().unwrap().to_string()
}

async fn grid_wide_endpoints_take_an_operator_key(app: &TestApp, w: &World) {
    // Project keys, whatever their role, are refused with a message that says what to get.
    let node = "/v1/nodes/00000000-0000-0000-0000-000000000000";
    for key in [&w.admin_a, &w.viewer_a, &w.admin_b, &app.api_key] {
        for (method, uri) in [
            (Method::GET, "/v1/nodes".to_string()),
            (Method::POST, format!("{node}/drain")),
            (Method::POST, format!("{node}/revoke")),
            (Method::GET, "/v1/operator/whoami".to_string()),
        ] {
            let answer = call_json(app, method.clone(), &uri, key, None).await;
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{method} {uri}");
            let message = answer.value()["error"]["message"].to_string();
            assert!(
                message.contains("operator key")
                    && message.contains("rgrid-server admin operator-key create"),
                "{message}"
            );
        }
    }

    let answer = call_json(app, Method::GET, "/v1/operator/whoami", &w.operator, None).await;
    assert_eq!(answer.json::<OperatorView>().name, "ops");
    let answer = call_json(app, Method::GET, "/v1/nodes", &w.operator, None).await;
    let nodes = answer.json::<NodeList>().nodes;
    assert!(nodes.iter().any(|n| n.name == "node-2"), "{nodes:?}");

    // Cost: the operator sees every project, a project key only its own.
    let answer = call_json(app, Method::GET, "/v1/cost", &w.operator, None).await;
    let all = answer.json::<CostReport>();
    assert!(
        all.projects.iter().any(|p| p.project == "globex/reports"),
        "{all:?}"
    );
    for key in [&w.admin_a, &w.viewer_a] {
        let answer = call_json(app, Method::GET, "/v1/cost", key, None).await;
        let own = answer.json::<CostReport>();
        assert!(
            own.projects.iter().all(|p| p.project == "acme/images"),
            "{own:?}"
        );
        let cpu: f64 = own.days.iter().map(|d| d.cpu_seconds).sum();
        assert_eq!(cpu, 0.0, "acme ran nothing: {own:?}");
    }
    let answer = call_json(app, Method::GET, "/v1/cost", &w.admin_b, None).await;
    let own = answer.json::<CostReport>();
    assert_eq!(own.projects.len(), 1, "{own:?}");
    assert_eq!(own.projects[0].project, "globex/reports");

    // Revoking a node through the API: its token stops working.
    let doomed = register_named(app, "node-3").await;
    let node = app
        .state
        .store
        .node_for_token(&hash(&doomed))
        .await
        .unwrap();
    let uri = format!("/v1/nodes/{}/revoke", node.id);
    let answer = call_json(app, Method::POST, &uri, &w.operator, None).await;
    assert_eq!(answer.json::<RevokedNode>().node_id, node.id);
    let answer = app
        .runner(&doomed, "/v1/runner/claim", json!({"wait_secs": 0}))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // A revoked operator key stops working on its next request.
    let store = app.state.store.as_ref();
    let (info, secret) = create_operator_key(store, "temp").await.unwrap();
    let answer = call_json(app, Method::GET, "/v1/nodes", &secret, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    store.revoke_operator_key(info.id).await.unwrap();
    assert_unauthorized(app, Method::GET, "/v1/nodes", &secret).await;
    let listed = store.list_operator_keys().await.unwrap();
    assert!(listed
        .iter()
        .any(|k| k.id == info.id && k.revoked_at.is_some()));
    assert!(listed
        .iter()
        .any(|k| k.name == "ops" && k.last_used_at.is_some()));
}

async fn personal_tokens_are_listed_and_revoked(app: &TestApp, w: &World) {
    let tokens = "/v1/me/tokens";
    let body = Some(json!({"name": "ci"}));
    let answer = call_json(app, Method::POST, tokens, &w.owner_a_token, body).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let created = answer.json::<CreatedToken>();
    assert!(created.secret.starts_with(&created.token.prefix));
    let answer = call_json(app, Method::GET, "/v1/me", &created.secret, None).await;
    assert_eq!(answer.status, StatusCode::OK);

    let answer = call_json(app, Method::GET, tokens, &w.owner_a_token, None).await;
    let listed = String::from_utf8_lossy(&answer.body).to_string();
    assert!(!listed.contains(&created.secret), "{listed}");
    let list = answer.json::<TokenList>().tokens;
    let names: Vec<_> = list.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["laptop", "ci"]);
    assert!(list[0].last_used_at.is_some(), "{list:?}");

    // Another user's token is not found, and is not revoked.
    let store = app.state.store.as_ref();
    let other = store.create_user("other@globex.test").await.unwrap();
    let (theirs, their_secret) = create_user_token(store, other.id, "x").await.unwrap();
    let uri = format!("/v1/me/tokens/{}", theirs.id);
    let answer = call_json(app, Method::DELETE, &uri, &w.owner_a_token, None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = call_json(app, Method::GET, "/v1/me", &their_secret, None).await;
    assert_eq!(answer.status, StatusCode::OK);

    let uri = format!("/v1/me/tokens/{}", created.token.id);
    let answer = call_json(app, Method::DELETE, &uri, &w.owner_a_token, None).await;
    assert!(answer.json::<TokenView>().revoked_at.is_some());
    assert_unauthorized(app, Method::GET, "/v1/me", &created.secret).await;
}

async fn revoked_and_expired_credentials_are_unauthorized(app: &TestApp, w: &World) {
    let store = app.state.store.as_ref();
    let (doomed, secret) = create_api_key(store, app.project.id, "doomed", Role::Developer)
        .await
        .unwrap();
    let answer = call_json(app, Method::GET, "/v1/jobs", &secret, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let uri = format!("/v1/keys/{}", doomed.id);
    let answer = call_json(app, Method::DELETE, &uri, &app.api_key, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_unauthorized(app, Method::GET, "/v1/jobs", &secret).await;

    let register = |token: &str| {
        json!({"bootstrap_token": token, "name": "n", "slots": 1, "executor": "process",
               "version": "test"})
    };
    let expired = mint_bootstrap_token(store, "t", 5, Duration::ZERO)
        .await
        .unwrap();
    let answer = app
        .runner("", "/v1/runner/register", register(&expired))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let once = mint_bootstrap_token(store, "t", 1, Duration::from_secs(60))
        .await
        .unwrap();
    let answer = app.runner("", "/v1/runner/register", register(&once)).await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = app.runner("", "/v1/runner/register", register(&once)).await;
    assert_eq!(
        answer.status,
        StatusCode::UNAUTHORIZED,
        "a one-use token used twice"
    );
    // The standing token from the configuration keeps working.
    let answer = app
        .runner("", "/v1/runner/register", register(BOOTSTRAP))
        .await;
    assert_eq!(answer.status, StatusCode::OK);

    let node = store.node_for_token(&hash(&w.node_token)).await.unwrap();
    store.revoke_node(node.id).await.unwrap();
    let answer = app
        .runner(&w.node_token, "/v1/runner/claim", json!({"wait_secs": 0}))
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

fn hash(secret: &str) -> String {
    rgrid_server::api::auth::hash_secret(secret)
}

async fn keys_and_projects_through_the_api(app: &TestApp, w: &World) {
    let answer = call_json(app, Method::GET, "/v1/whoami", &w.developer_a, None).await;
    let me = answer.json::<WhoAmI>();
    assert_eq!(
        (me.account.as_str(), me.project.as_str(), me.role.as_str()),
        ("acme", "images", "developer")
    );

    let body = Some(json!({"name": "ci", "role": "viewer"}));
    let answer = call_json(app, Method::POST, "/v1/keys", &w.admin_a, body).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let created = answer.json::<CreatedKey>();
    assert!(created.secret.starts_with(&created.key.prefix));
    let answer = call_json(app, Method::GET, "/v1/keys", &w.admin_a, None).await;
    let listed = String::from_utf8_lossy(&answer.body).to_string();
    assert!(
        listed.contains("\"ci\"") && !listed.contains(&created.secret),
        "{listed}"
    );

    let body = Some(json!({"slug": "videos"}));
    let uri = "/v1/accounts/acme/projects";
    let answer = call_json(app, Method::POST, uri, &w.owner_a_token, body.clone()).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let made = answer.json::<CreatedProject>();
    let answer = call_json(app, Method::GET, "/v1/whoami", &made.key.secret, None).await;
    assert_eq!(answer.json::<WhoAmI>().project, "videos");
    let answer = call_json(app, Method::POST, uri, &w.owner_a_token, body).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    let answer = call_json(app, Method::GET, uri, &w.owner_a_token, None).await;
    let slugs: Vec<_> = answer
        .json::<ProjectList>()
        .projects
        .into_iter()
        .map(|p| p.slug)
        .collect();
    assert_eq!(slugs, ["images", "videos"]);

    app.state.store.create_user("dev@acme.test").await.unwrap();
    let body = Some(json!({"email": "dev@acme.test", "role": "developer"}));
    let members = "/v1/accounts/acme/members";
    let answer = call_json(app, Method::PUT, members, &w.owner_a_token, body).await;
    assert_eq!(answer.status, StatusCode::OK);
    let answer = call_json(app, Method::GET, members, &w.owner_a_token, None).await;
    assert_eq!(answer.json::<MemberList>().members.len(), 2);
    let uri = "/v1/accounts/acme/members/dev@acme.test";
    let answer = call_json(app, Method::DELETE, uri, &w.owner_a_token, None).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
}
