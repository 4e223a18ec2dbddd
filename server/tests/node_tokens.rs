//! Every node the orchestrator orders gets a bootstrap token of its own, good for one
//! registration until the registration deadline: the runner registers with it once, and a
//! second registration with the same token (someone who read the node's user data or
//! environment) is refused with 401. On both store backends, through the real router.
// A failed unwrap here is a failed test, with the value in the message.
#![allow(clippy::unwrap_used)]

mod api_support;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_support::{test_app_on, TestApp};
use async_trait::async_trait;
use axum::http::StatusCode;
use rgrid_server::orchestrator::{
    LocalSettings, Orchestrator, OrchestratorSettings, Provider, ProviderError, ProviderServer,
    ProviderSettings, ServerRequest, SingleUseTokens,
};
use rgrid_server::store::sqlite::SqliteStore;
use rgrid_server::store::{connect_store, NewJob};
use rgrid_spec::api::NodeState;
use serde_json::json;

#[tokio::test]
async fn sqlite_each_node_gets_a_single_use_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("rgrid.db");
    let store = SqliteStore::connect(db.to_str().unwrap()).await.unwrap();
    let app = test_app_on(Arc::new(store), dir).await;
    story(&app).await;
}

#[tokio::test]
async fn postgres_each_node_gets_a_single_use_token() {
    let Some(cluster) = rgrid_tests::postgres::require_postgres() else {
        return;
    };
    let store = connect_store(&cluster.create_database("rgrid_node_tokens"))
        .await
        .unwrap();
    let app = test_app_on(store, tempfile::tempdir().unwrap()).await;
    story(&app).await;
}

/// A provider that only remembers what it was asked to create.
#[derive(Default)]
struct Recorder {
    orders: Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl Provider for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    async fn create(&self, request: &ServerRequest) -> Result<ProviderServer, ProviderError> {
        let order = (request.name.clone(), request.bootstrap_token.clone());
        self.orders.lock().unwrap().push(order);
        Ok(ProviderServer {
            id: request.name.clone(),
            name: request.name.clone(),
        })
    }

    async fn delete(&self, _id: &str) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn list(&self) -> Result<Vec<ProviderServer>, ProviderError> {
        let orders = self.orders.lock().unwrap();
        Ok(orders
            .iter()
            .map(|(name, _)| ProviderServer {
                id: name.clone(),
                name: name.clone(),
            })
            .collect())
    }
}

fn settings(register_deadline: Duration, max_nodes: u32) -> OrchestratorSettings {
    let mut settings = OrchestratorSettings::new(ProviderSettings::Local(LocalSettings {
        runner_bin: PathBuf::from("unused"),
        executor: "process".into(),
        root: PathBuf::from("unused"),
        ca_bundle: None,
    }));
    settings.max_nodes = max_nodes;
    settings.register_deadline = register_deadline;
    settings
}

fn orchestrator_for(
    app: &TestApp,
    provider: &Arc<Recorder>,
    deadline: Duration,
    max_nodes: u32,
) -> Orchestrator {
    let store = app.state.store.clone();
    Orchestrator::new(
        store.clone(),
        provider.clone(),
        Arc::new(SingleUseTokens {
            store,
            ttl: deadline,
        }),
        app.state.events.clone(),
        settings(deadline, max_nodes),
        "http://rgrid.test".into(),
    )
}

async fn register(app: &TestApp, name: &str, token: &str) -> StatusCode {
    let body = json!({"bootstrap_token": token, "name": name, "slots": 2,
                      "executor": "process", "version": "test"});
    app.runner("", "/v1/runner/register", body).await.status
}

async fn story(app: &TestApp) {
    let store = app.state.store.clone();
    for _ in 0..5 {
        let job = NewJob {
            project_id: app.project.id,
            name: None,
            spec_json: "{}",
            max_retries: 0,
            priority: 0,
        };
        store.create_job(job).await.unwrap();
    }
    let provider = Arc::new(Recorder::default());
    let mut orchestrator = orchestrator_for(app, &provider, Duration::from_secs(600), 3);
    orchestrator.tick().await.unwrap();
    let orders = provider.orders.lock().unwrap().clone();
    assert_eq!(orders.len(), 3, "5 jobs / 2 slots, max 3: {orders:?}");
    let tokens: HashSet<&str> = orders.iter().map(|(_, token)| token.as_str()).collect();
    assert_eq!(tokens.len(), 3, "a token per node");
    assert!(
        tokens.iter().all(|token| token.starts_with("rgb_")),
        "minted bootstrap tokens"
    );
    assert!(
        !tokens.contains(app.state.bootstrap_token.as_ref()),
        "not the server's standing token"
    );

    // Each runner registers once with its token and takes over its ordered node.
    let (name, token) = &orders[0];
    assert_eq!(register(app, name, token).await, StatusCode::OK);
    let nodes = store.node_records(None).await.unwrap();
    let node = nodes.iter().find(|n| &n.name == name).unwrap();
    assert_eq!(node.state, NodeState::Active);

    // The same token again, under its own name or another, is spent.
    assert_eq!(register(app, name, token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        register(app, "intruder", token).await,
        StatusCode::UNAUTHORIZED
    );
    // The other nodes' tokens still work, once each.
    for (name, token) in &orders[1..] {
        assert_eq!(register(app, name, token).await, StatusCode::OK);
        assert_eq!(register(app, name, token).await, StatusCode::UNAUTHORIZED);
    }

    // A token outlives its node's registration deadline by nothing.
    let late = Arc::new(Recorder::default());
    let mut expired = orchestrator_for(app, &late, Duration::ZERO, 10);
    for _ in 0..4 {
        let job = NewJob {
            project_id: app.project.id,
            name: None,
            spec_json: "{}",
            max_retries: 0,
            priority: 0,
        };
        store.create_job(job).await.unwrap();
    }
    expired.tick().await.unwrap();
    let orders = late.orders.lock().unwrap().clone();
    let (name, token) = orders.first().expect("a node ordered for the new work");
    assert_eq!(register(app, name, token).await, StatusCode::UNAUTHORIZED);
}
