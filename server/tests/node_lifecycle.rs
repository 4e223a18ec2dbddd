//! Node lifecycle through the `Store` trait on both backends: an ordered node taken over by
//! its runner, draining, a dead node's executions abandoned and requeued, history and usage.
//! On Postgres, also that one server at a time holds the orchestrator's leadership.
// A failed unwrap here is a failed test, with the value in the message.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use rgrid_server::store::postgres::PostgresStore;
use rgrid_server::store::sqlite::SqliteStore;
use rgrid_server::store::{
    connect_store, NewJob, NewNode, OrderedNode, Outcome, Store, StoreError,
};
use rgrid_spec::api::{EndReason, JobStatus, NodeState};

#[tokio::test]
async fn sqlite_node_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::connect(dir.path().join("db").to_str().unwrap())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    story(Arc::new(store)).await;
}

#[tokio::test]
async fn postgres_node_lifecycle_and_one_leader() {
    let Some(cluster) = rgrid_tests::postgres::require_postgres() else {
        return;
    };
    let url = cluster.create_database("rgrid_nodes");
    let store = connect_store(&url).await.unwrap();
    store.migrate().await.unwrap();
    story(store.clone()).await;

    let first = PostgresStore::connect(&url).await.unwrap();
    let second = PostgresStore::connect(&url).await.unwrap();
    assert!(first.try_lead().await.unwrap());
    assert!(first.try_lead().await.unwrap(), "the leader keeps leading");
    assert!(!second.try_lead().await.unwrap(), "one leader at a time");
    drop(first);
    // The lock goes with the leader's connection; Postgres notices the closed socket at once.
    let mut took_over = false;
    for _ in 0..50 {
        if second.try_lead().await.unwrap() {
            took_over = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(took_over, "a standby takes over once the leader is gone");
}

async fn story(store: Arc<dyn Store>) {
    let project = store.ensure_project("acme", "web").await.unwrap();
    let ordered = store
        .add_ordered_node(OrderedNode {
            name: "rgrid-abc",
            slots: 2,
            node_type: "cx22",
            hourly_price: Some(0.0065),
        })
        .await
        .unwrap();
    assert_eq!(ordered.state, NodeState::Provisioning);
    store.set_provider_id(ordered.id, "4711").await.unwrap();

    // The runner registers under the ordered name and takes the node over.
    let node = store
        .register_node(NewNode {
            name: "rgrid-abc",
            slots: 2,
            executor: "docker",
            token_hash: "hash-abc",
        })
        .await
        .unwrap();
    assert_eq!(node.id, ordered.id);
    assert_eq!(node.state, NodeState::Active);
    // A runner started by hand is a node of its own.
    let manual = store
        .register_node(NewNode {
            name: "by-hand",
            slots: 1,
            executor: "process",
            token_hash: "hash-hand",
        })
        .await
        .unwrap();
    assert_ne!(manual.id, node.id);

    let job = store
        .create_job(NewJob {
            project_id: project.id,
            name: None,
            spec_json: "{}",
            max_retries: 1,
            priority: 0,
        })
        .await
        .unwrap();
    let claim = store.claim(node.id).await.unwrap().unwrap();
    assert_eq!(claim.job.id, job.id);

    // Draining shows on the node a token authenticates.
    assert!(store
        .set_node_state(node.id, &[NodeState::Active], NodeState::Draining)
        .await
        .unwrap());
    assert!(!store
        .set_node_state(node.id, &[NodeState::Active], NodeState::Draining)
        .await
        .unwrap());
    assert_eq!(
        store.node_for_token("hash-abc").await.unwrap().state,
        NodeState::Draining
    );
    let listed = store.node_records(None).await.unwrap();
    let mine = listed.iter().find(|n| n.id == node.id).unwrap();
    assert_eq!(
        (mine.running, mine.executions, mine.provider_id.as_deref()),
        (1, 1, Some("4711"))
    );

    // Declared dead: its execution is abandoned and the job requeued; its token stops working.
    assert!(store
        .set_node_state(node.id, &[NodeState::Draining], NodeState::Dead)
        .await
        .unwrap());
    assert_eq!(store.abandon_node(node.id).await.unwrap(), 1);
    let requeued = store.get_job(project.id, job.id).await.unwrap();
    assert_eq!(requeued.status, JobStatus::Queued);
    assert!(matches!(
        store.node_for_token("hash-abc").await,
        Err(StoreError::NotFound(_))
    ));
    let dead = store.node_records(None).await.unwrap();
    let dead = dead.iter().find(|n| n.id == node.id).unwrap();
    assert!(dead.ended_at.is_some() && dead.deleted_at.is_none());

    // Once its server is deleted it leaves the live list but stays in history.
    store.mark_node_deleted(node.id).await.unwrap();
    assert!(store
        .node_records(None)
        .await
        .unwrap()
        .iter()
        .all(|n| n.id != node.id));
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    assert!(store
        .node_records(Some(since))
        .await
        .unwrap()
        .iter()
        .any(|n| n.id == node.id));
    let usage = store.usage_since(since).await.unwrap();
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].project, "acme/web");
    assert_eq!(usage[0].cpu_seconds, None, "abandoned: nothing measured");

    // The retry runs on the hand-started node and reports the CPU time it measured.
    let retry = store.claim(manual.id).await.unwrap().unwrap();
    assert_eq!(retry.job.id, job.id);
    let done = Outcome {
        reason: EndReason::Completed,
        exit_code: Some(0),
        message: None,
        executor: "process".into(),
        artifacts: Vec::new(),
        cpu_micros: Some(1_500_000),
    };
    store.finish(retry.execution_id, &done).await.unwrap();
    let usage = store.usage_since(since).await.unwrap();
    let measured: Vec<Option<f64>> = usage.iter().map(|u| u.cpu_seconds).collect();
    assert_eq!(measured.len(), 2);
    assert!(measured.contains(&Some(1.5)), "{measured:?}");
    let nodes = store.node_records(None).await.unwrap();
    let by_hand = nodes.iter().find(|n| n.id == manual.id).unwrap();
    assert_eq!((by_hand.executions, by_hand.cpu_seconds), (1, 1.5));
    assert!(matches!(
        store
            .set_node_state(
                uuid::Uuid::new_v4(),
                &[NodeState::Active],
                NodeState::Draining
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
}
