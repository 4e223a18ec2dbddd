//! The Hetzner Cloud provider against a fake of the public API, served on 127.0.0.1 by this
//! test (Hetzner itself cannot be reached from here). The fake follows the published API:
//! bearer auth, `{"error": {"code", "message"}}` bodies, `meta.pagination`, `RateLimit-*`
//! headers on every answer, actions that run before they succeed, 404 for a deleted server,
//! 422 for an unavailable server type, and 429 / 5xx when a failure is injected.
// A failed unwrap here is a failed test, with the value in the message.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use rgrid_server::api::Events;
use rgrid_server::orchestrator::hetzner::{HetznerProvider, GRID_LABEL};
use rgrid_server::orchestrator::{
    HetznerSettings, Orchestrator, OrchestratorSettings, Provider, ProviderError, ProviderSettings,
    ServerRequest, SingleUseTokens,
};
use rgrid_server::store::sqlite::SqliteStore;
use rgrid_server::store::{NewJob, NewNode, Store};
use rgrid_spec::api::NodeState;
use serde_json::{json, Value};

const API_TOKEN: &str = "hcloud-test-token-never-logged";
const BOOTSTRAP: &str = "rgb_fake_bootstrap_token";
const GRID: &str = "test-grid";

#[derive(Default)]
struct Cloud {
    next_id: u64,
    servers: BTreeMap<u64, Value>,
    /// Action id → polls left before it succeeds.
    actions: BTreeMap<u64, (String, u32)>,
    /// Answers to give instead of the real one, oldest first: (method+path prefix, status).
    failures: VecDeque<(String, u16)>,
    /// Every user_data received, for checks.
    user_data: Vec<String>,
    requests: u64,
}

type Shared = Arc<Mutex<Cloud>>;

fn error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let mut response = (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("ratelimit-remaining", "0".parse().unwrap());
    }
    response
}

/// Checks the token, counts the request, and plays an injected failure if one is due.
fn gate(cloud: &Shared, headers: &HeaderMap, what: &str) -> Option<Response> {
    let mut cloud = cloud.lock().unwrap();
    cloud.requests += 1;
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {API_TOKEN}")) {
        return Some(error(401, "unauthorized", "unable to authenticate"));
    }
    let due = cloud
        .failures
        .front()
        .is_some_and(|(prefix, _)| what.starts_with(prefix));
    if due {
        let (_, status) = cloud.failures.pop_front().unwrap();
        return Some(match status {
            429 => error(
                429,
                "rate_limit_exceeded",
                "limit of 3600 requests per hour reached",
            ),
            _ => error(status, "server_error", "something went wrong on our side"),
        });
    }
    None
}

fn with_rate_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("ratelimit-limit", "3600".parse().unwrap());
    headers
        .entry("ratelimit-remaining")
        .or_insert("3599".parse().unwrap());
    headers.insert("ratelimit-reset", "1764880000".parse().unwrap());
    response
}

fn new_action(cloud: &mut Cloud, command: &str) -> Value {
    cloud.next_id += 1;
    let id = cloud.next_id;
    cloud.actions.insert(id, (command.to_string(), 1));
    json!({"id": id, "command": command, "status": "running", "progress": 0,
           "started": "2026-12-04T12:00:00+00:00", "finished": null, "resources": [],
           "error": null})
}

async fn create(
    State(cloud): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(failure) = gate(&cloud, &headers, "POST /servers") {
        return with_rate_headers(failure);
    }
    let mut c = cloud.lock().unwrap();
    for field in ["name", "server_type", "image", "location"] {
        if !body[field].is_string() {
            return with_rate_headers(error(
                422,
                "invalid_input",
                &format!("invalid input in field '{field}'"),
            ));
        }
    }
    if body["server_type"] == "cx99" {
        return with_rate_headers(error(
            422,
            "invalid_input",
            "unsupported server type 'cx99'",
        ));
    }
    if c.servers.values().any(|s| s["name"] == body["name"]) {
        return with_rate_headers(error(
            409,
            "uniqueness_error",
            "server name is already used",
        ));
    }
    c.user_data
        .push(body["user_data"].as_str().unwrap_or_default().to_string());
    c.next_id += 1;
    let id = c.next_id;
    let server = json!({"id": id, "name": body["name"], "status": "initializing",
                        "labels": body["labels"], "server_type": {"name": body["server_type"]}});
    c.servers.insert(id, server.clone());
    let action = new_action(&mut c, "create_server");
    with_rate_headers(
        (
            StatusCode::CREATED,
            Json(
                json!({"server": server, "action": action, "next_actions": [],
                                          "root_password": null}),
            ),
        )
            .into_response(),
    )
}

async fn list(
    State(cloud): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(failure) = gate(&cloud, &headers, "GET /servers") {
        return with_rate_headers(failure);
    }
    let c = cloud.lock().unwrap();
    let matching: Vec<&Value> = c
        .servers
        .values()
        .filter(|s| match query.get("label_selector") {
            Some(selector) => {
                let (key, value) = selector.split_once('=').unwrap();
                s["labels"][key] == value
            }
            None => true,
        })
        .collect();
    let page: usize = query.get("page").map_or(1, |p| p.parse().unwrap());
    let per_page: usize = query.get("per_page").map_or(25, |p| p.parse().unwrap());
    let last_page = matching.len().div_ceil(per_page).max(1);
    let items: Vec<&Value> = matching
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .copied()
        .collect();
    let next_page = (page < last_page).then_some(page + 1);
    let previous_page = (page > 1).then_some(page - 1);
    with_rate_headers(
        Json(json!({"servers": items, "meta": {"pagination": {
            "page": page, "per_page": per_page, "previous_page": previous_page,
            "next_page": next_page, "last_page": last_page, "total_entries": matching.len()}}}))
        .into_response(),
    )
}

async fn remove(State(cloud): State<Shared>, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    if let Some(failure) = gate(&cloud, &headers, "DELETE /servers") {
        return with_rate_headers(failure);
    }
    let mut c = cloud.lock().unwrap();
    if c.servers.remove(&id).is_none() {
        return with_rate_headers(error(
            404,
            "not_found",
            &format!("server with ID '{id}' not found"),
        ));
    }
    let action = new_action(&mut c, "delete_server");
    with_rate_headers(Json(json!({"action": action})).into_response())
}

async fn action(State(cloud): State<Shared>, headers: HeaderMap, Path(id): Path<u64>) -> Response {
    if let Some(failure) = gate(&cloud, &headers, "GET /actions") {
        return with_rate_headers(failure);
    }
    let mut c = cloud.lock().unwrap();
    let Some((command, polls_left)) = c.actions.get_mut(&id) else {
        return with_rate_headers(error(404, "not_found", "action not found"));
    };
    let status = if *polls_left == 0 {
        "success"
    } else {
        "running"
    };
    *polls_left = polls_left.saturating_sub(1);
    let command = command.clone();
    with_rate_headers(
        Json(
            json!({"action": {"id": id, "command": command, "status": status,
                               "progress": 100, "resources": [], "error": null}}),
        )
        .into_response(),
    )
}

async fn fake_cloud() -> (String, Shared) {
    let cloud = Shared::default();
    let app = Router::new()
        .route("/v1/servers", post(create).get(list))
        .route("/v1/servers/{id}", delete(remove))
        .route("/v1/actions/{id}", get(action))
        .with_state(cloud.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, cloud)
}

fn settings(api_url: &str) -> HetznerSettings {
    HetznerSettings {
        api_url: api_url.to_string(),
        token: API_TOKEN.to_string(),
        image: "debian-12".into(),
        location: "fsn1".into(),
        ssh_keys: vec![],
        runner_url: "https://downloads.example.com/rgrid-runner".into(),
        grid_label: GRID.into(),
    }
}

fn provider(api_url: &str, server_type: &str) -> HetznerProvider {
    HetznerProvider::new(settings(api_url), server_type)
        .unwrap()
        .with_action_timing(Duration::from_millis(10), Duration::from_secs(5))
}

fn request(name: &str) -> ServerRequest {
    ServerRequest {
        name: name.into(),
        server_url: "https://grid.example.com".into(),
        bootstrap_token: BOOTSTRAP.into(),
        slots: 2,
    }
}

#[tokio::test]
async fn creates_lists_by_label_across_pages_and_deletes() {
    let (url, cloud) = fake_cloud().await;
    let hetzner = provider(&url, "cx22");
    let first = hetzner.create(&request("rgrid-a")).await.unwrap();
    assert_eq!(first.name, "rgrid-a");
    // Another grid's servers and more than one page of ours.
    {
        let mut c = cloud.lock().unwrap();
        for n in 0..60u64 {
            let grid = if n % 10 == 0 { "other-grid" } else { GRID };
            c.servers.insert(
                1000 + n,
                json!({"id": 1000 + n, "name": format!("s{n}"),
                "labels": {GRID_LABEL: grid}}),
            );
        }
    }
    let listed = hetzner.list().await.unwrap();
    assert_eq!(listed.len(), 1 + 54, "{listed:?}");
    assert!(listed.iter().any(|s| s.id == first.id));

    hetzner.delete(&first.id).await.unwrap();
    // Already gone counts as deleted.
    hetzner.delete(&first.id).await.unwrap();
    assert!(!hetzner
        .list()
        .await
        .unwrap()
        .iter()
        .any(|s| s.id == first.id));

    let user_data = cloud.lock().unwrap().user_data[0].clone();
    let doc: serde_norway::Value = serde_norway::from_str(&user_data).unwrap();
    assert!(doc["write_files"].is_sequence(), "{user_data}");
    assert!(user_data.contains(BOOTSTRAP) && !user_data.contains(API_TOKEN));
}

#[tokio::test]
async fn failures_are_sorted_into_refused_and_transient() {
    let (url, cloud) = fake_cloud().await;
    let unavailable = provider(&url, "cx99");
    let err = unavailable.create(&request("rgrid-b")).await.unwrap_err();
    assert!(matches!(err, ProviderError::Refused { .. }), "{err}");
    assert!(err.to_string().contains("unsupported server type"), "{err}");

    let hetzner = provider(&url, "cx22");
    cloud
        .lock()
        .unwrap()
        .failures
        .push_back(("GET /servers".into(), 429));
    let err = hetzner.list().await.unwrap_err();
    assert!(matches!(err, ProviderError::Transient { .. }), "{err}");
    assert!(err.to_string().contains("rate limit"), "{err}");

    let server = hetzner.create(&request("rgrid-c")).await.unwrap();
    cloud
        .lock()
        .unwrap()
        .failures
        .push_back(("DELETE /servers".into(), 503));
    let err = hetzner.delete(&server.id).await.unwrap_err();
    assert!(matches!(err, ProviderError::Transient { .. }), "{err}");
    hetzner.delete(&server.id).await.unwrap();

    let wrong = HetznerProvider::new(
        HetznerSettings {
            token: "bad".into(),
            ..settings(&url)
        },
        "cx22",
    )
    .unwrap();
    let err = wrong.list().await.unwrap_err();
    assert!(matches!(err, ProviderError::Refused { .. }), "{err}");
    let shown = err.to_string();
    assert!(
        !shown.contains(API_TOKEN) && !shown.contains("bad"),
        "{shown}"
    );
}

/// The bootstrap token cloud-init writes to `/etc/rgrid/bootstrap-token`.
fn token_in(user_data: &str) -> String {
    let doc: serde_norway::Value = serde_norway::from_str(user_data).unwrap();
    let files = doc["write_files"].as_sequence().unwrap();
    let file = files
        .iter()
        .find(|file| file["path"] == "/etc/rgrid/bootstrap-token")
        .unwrap();
    file["content"].as_str().unwrap().trim().to_string()
}

/// The orchestrator on a real store and the fake cloud: a backlog orders servers, a failed
/// delete is retried until it succeeds, and a restarted orchestrator deletes a server it has
/// no record of.
#[tokio::test]
async fn orchestrator_orders_retries_deletes_and_reconciles_after_restart() {
    let (url, cloud) = fake_cloud().await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::connect(dir.path().join("db").to_str().unwrap())
            .await
            .unwrap(),
    );
    store.migrate().await.unwrap();
    let project = store.ensure_project("acme", "web").await.unwrap();
    for _ in 0..5 {
        store
            .create_job(NewJob {
                project_id: project.id,
                name: None,
                spec_json: "{}",
                max_retries: 0,
                priority: 0,
            })
            .await
            .unwrap();
    }
    let mut settings = OrchestratorSettings::new(ProviderSettings::Hetzner(self::settings(&url)));
    settings.max_nodes = 2;
    settings.scale_down_delay = Duration::ZERO;
    let make = |settings: OrchestratorSettings| {
        Orchestrator::new(
            store.clone(),
            Arc::new(provider(&url, "cx22")),
            Arc::new(SingleUseTokens {
                store: store.clone(),
                ttl: Duration::from_secs(600),
            }),
            Arc::new(Events::default()),
            settings,
            "https://grid.example.com".into(),
        )
    };
    let mut orchestrator = make(settings.clone());
    // Rate limited: the one refused order is recorded dead (no server), and no more orders
    // are tried this tick.
    cloud
        .lock()
        .unwrap()
        .failures
        .push_back(("POST /servers".into(), 429));
    orchestrator.tick().await.unwrap();
    assert!(store.node_records(None).await.unwrap().is_empty());
    assert!(cloud.lock().unwrap().servers.is_empty());
    orchestrator.tick().await.unwrap();
    let nodes = store.node_records(None).await.unwrap();
    assert_eq!(
        nodes.len(),
        2,
        "5 jobs / 2 slots → 3, capped at max 2: {nodes:?}"
    );
    assert!(nodes
        .iter()
        .all(|n| n.state == NodeState::Provisioning && n.provider_id.is_some()));
    assert_eq!(cloud.lock().unwrap().servers.len(), 2);
    // Each server's user data holds a bootstrap token of its own, which registers once.
    let user_data = cloud.lock().unwrap().user_data.clone();
    let tokens: Vec<String> = user_data.iter().map(|data| token_in(data)).collect();
    assert_eq!(tokens.len(), 2);
    assert_ne!(tokens[0], tokens[1], "a fresh token per node");
    for token in &tokens {
        let hash = rgrid_server::api::auth::hash_secret(token);
        store.spend_bootstrap_token(&hash).await.unwrap();
        assert!(
            store.spend_bootstrap_token(&hash).await.is_err(),
            "single use"
        );
    }
    orchestrator.tick().await.unwrap();
    assert_eq!(
        store.node_records(None).await.unwrap().len(),
        2,
        "no second order"
    );

    // One runner registers; the operator drains it; it is idle, so it is terminated and its
    // server deleted — after one failed delete.
    let node = store
        .register_node(NewNode {
            name: &nodes[0].name,
            slots: 2,
            executor: "docker",
            token_hash: "h0",
        })
        .await
        .unwrap();
    assert_eq!(
        node.id, nodes[0].id,
        "the runner took over its ordered node"
    );
    store
        .set_node_state(node.id, &[NodeState::Active], NodeState::Draining)
        .await
        .unwrap();
    cloud
        .lock()
        .unwrap()
        .failures
        .push_back(("DELETE /servers".into(), 500));
    orchestrator.tick().await.unwrap();
    let drained = store.node_records(None).await.unwrap();
    let drained = drained.iter().find(|n| n.id == node.id).unwrap();
    assert_eq!(drained.state, NodeState::Terminated);
    assert!(drained.deleted_at.is_none(), "the first delete failed");
    orchestrator.tick().await.unwrap();
    assert!(store
        .node_records(None)
        .await
        .unwrap()
        .iter()
        .all(|n| n.id != node.id));

    // A server the store knows nothing about (ordered by a server that crashed before it
    // wrote its record) is deleted by a fresh orchestrator.
    let stray = provider(&url, "cx22")
        .create(&request("rgrid-stray"))
        .await
        .unwrap();
    let mut restarted = make(settings);
    restarted.tick().await.unwrap();
    let servers = cloud.lock().unwrap().servers.clone();
    assert!(
        !servers.contains_key(&stray.id.parse::<u64>().unwrap()),
        "{servers:?}"
    );
    assert!(cloud.lock().unwrap().requests > 0);
}
