//! One story through the `Store` trait, run against every backend: SQLite in a temp file and
//! Postgres in a throwaway cluster with a fresh database. Plus concurrent claims on both.
// A failed unwrap here is a failed test, with the value in the message.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{Duration, Utc};
use rgrid_server::store::postgres::PostgresStore;
use rgrid_server::store::sqlite::SqliteStore;
use rgrid_server::store::{
    connect_store, BatchCancel, Claim, FinishEffect, JobFilter, NewApiKey, NewBootstrapToken,
    NewJob, NewNode, NewToken, Node, Outcome, Project, Role, Store, StoreError, UploadRecord,
};
use rgrid_spec::api::{Bytes64, EndReason, JobStatus, LogChunkIn, OutputFileInfo, Stream};
use uuid::Uuid;

#[tokio::test]
async fn sqlite_backend_tells_the_story() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    story(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_backend_claims_each_job_once_under_concurrency() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    concurrent_claims(store).await;
    let dir = tempfile::tempdir().unwrap();
    concurrent_capped_claims(sqlite_store(&dir).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_backend_tells_the_story_and_claims_each_job_once() {
    let Some(cluster) = rgrid_tests::postgres::require_postgres() else {
        return;
    };

    let url = cluster.create_database("rgrid_story");
    let store = connect_store(&url).await.unwrap();
    assert_eq!(store.backend(), "postgres");
    store.migrate().await.unwrap();
    story(store).await;

    let store = PostgresStore::connect(&cluster.create_database("rgrid_claims"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    // A session stuck inside a transaction would keep vacuum off the queue: the pool's
    // sessions end such a one after a minute.
    let idle: String = sqlx::query_scalar("SHOW idle_in_transaction_session_timeout")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(idle, "1min");
    concurrent_claims(Arc::new(store)).await;

    let store = PostgresStore::connect(&cluster.create_database("rgrid_capped"))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    concurrent_capped_claims(Arc::new(store)).await;
}

#[tokio::test]
async fn connect_store_picks_sqlite_for_paths_and_sqlite_urls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    let store = connect_store(path.to_str().unwrap()).await.unwrap();
    assert_eq!(store.backend(), "sqlite");
    store.migrate().await.unwrap();
    store.migrate().await.unwrap(); // migrating twice is a no-op
    assert!(path.exists());

    let url = format!("sqlite://{}", dir.path().join("url.db").display());
    let store = connect_store(&url).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.active_counts().await.unwrap(), (0, 0));
}

async fn sqlite_store(dir: &tempfile::TempDir) -> Arc<dyn Store> {
    let path = dir.path().join("rgrid.db");
    let store = SqliteStore::connect(path.to_str().unwrap()).await.unwrap();
    store.migrate().await.unwrap();
    Arc::new(store)
}

/// Everything a server does with the store, in the order a job's life goes.
async fn story(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (project, other) = tenancy(s).await;
    let node = nodes(s).await;
    submit_and_read_back(s, &project, &other).await;
    claim_order_logs_and_outcomes(s, &project, &node).await;
    reaped_execution_is_fenced_off(s, &project, &node).await;
    cancels(s, &project, &other, &node).await;
    overdue_release_and_retry(s, &project, &other, &node).await;
    batches(s, &project, &other, &node).await;
    batch_cancel(s, &project, &other, &node).await;
    releases_are_free_only_a_few_times(s, &project, &node).await;
    assert_eq!(s.active_counts().await.unwrap(), (0, 0));
    overview(s, &project, &other, &node).await;
    revoked_node_loses_its_work(s, &project).await;
    claims_take_turns_across_projects(s, &project, &other, &node).await;
    uploads_and_retention(s, &project, &other).await;
}

/// Upload rows and the retention sweeper's queries: use marks, age guards, references from
/// jobs that have not expired, artifacts of finished jobs.
async fn uploads_and_retention(s: &dyn Store, project: &Project, other: &Project) {
    let record = |key: &str, project: &Project, sha: &str| UploadRecord {
        object_key: key.to_string(),
        project_id: project.id,
        sha256: sha.to_string(),
        size: 7,
    };
    let (a, b, c) = ("uploads/t/p/aaa", "uploads/t/p/bbb", "uploads/t/q/ccc");
    s.record_upload(&record(a, project, "aaa")).await.unwrap();
    s.record_upload(&record(b, project, "bbb")).await.unwrap();
    s.record_upload(&record(c, other, "ccc")).await.unwrap();
    // Recording again is an update, not a conflict.
    s.record_upload(&record(b, project, "bbb")).await.unwrap();

    let asked: Vec<String> = [a, b, c, "uploads/t/p/none"].map(String::from).to_vec();
    let mut held = s.touch_uploads(project.id, &asked).await.unwrap();
    held.sort();
    assert_eq!(held, [a, b], "another project's upload is not held");

    let later = Utc::now() + Duration::days(1);
    let earlier = Utc::now() - Duration::hours(1);
    let stale: HashSet<String> = s
        .stale_uploads(later, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.object_key)
        .collect();
    assert!([a, b, c].iter().all(|k| stale.contains(*k)), "{stale:?}");
    assert!(s.stale_uploads(earlier, 100).await.unwrap().is_empty());

    // A queued job naming `bbb` has not expired; cancelled (finished), it has.
    let spec = r#"{"inputs":["rgrid://uploads/bbb"]}"#;
    let job = s
        .create_job(NewJob {
            project_id: project.id,
            name: Some("named"),
            spec_json: spec,
            max_retries: 0,
            priority: 0,
        })
        .await
        .unwrap()
        .id;
    let live = s.unexpired_specs_created_before(later).await.unwrap();
    assert!(live.contains(&(project.id, spec.to_string())), "{live:?}");
    s.cancel(project.id, job).await.unwrap();
    let live = s.unexpired_specs_created_before(later).await.unwrap();
    assert!(!live.iter().any(|(_, json)| json == spec), "{live:?}");

    assert!(!s.forget_upload(a, earlier).await.unwrap(), "used since");
    assert!(s.forget_upload(a, later).await.unwrap());
    assert!(!s.forget_upload(a, later).await.unwrap(), "only once");
    let keys: Vec<String> = [a, b, "uploads/t/p/none"].map(String::from).to_vec();
    assert_eq!(s.known_object_keys(&keys).await.unwrap(), [b]);

    // The story's finished jobs wrote artifacts: expired as of tomorrow, not as of an hour ago.
    assert!(s.expired_artifacts(earlier, 100).await.unwrap().is_empty());
    let expired = s.expired_artifacts(later, 10_000).await.unwrap();
    assert!(!expired.is_empty());
    let artifact_keys: Vec<String> = expired.iter().map(|a| a.object_key.clone()).collect();
    assert!(!s
        .known_object_keys(&artifact_keys)
        .await
        .unwrap()
        .is_empty());
    let ids: Vec<i64> = expired.iter().map(|a| a.id).collect();
    s.forget_artifacts(&ids).await.unwrap();
    s.forget_artifacts(&ids).await.unwrap();
    assert!(s.expired_artifacts(later, 100).await.unwrap().is_empty());
}

/// What `rgrid top` shows agrees with the jobs themselves, and busy slots follow claims.
async fn overview(s: &dyn Store, project: &Project, other: &Project, node: &Node) {
    let since = Utc::now() - Duration::minutes(10);
    for p in [project, other] {
        let jobs = s
            .list_jobs(
                p.id,
                &JobFilter {
                    status: None,
                    batch: None,
                    limit: 1000,
                },
            )
            .await
            .unwrap();
        let overview = s.project_overview(p.id, since).await.unwrap();
        let count = |status| jobs.iter().filter(|j| j.status == status).count() as u64;
        let c = overview.counts;
        assert_eq!(
            (c.queued, c.running, c.succeeded, c.failed, c.cancelled),
            (
                count(JobStatus::Queued),
                count(JobStatus::Running),
                count(JobStatus::Succeeded),
                count(JobStatus::Failed),
                count(JobStatus::Cancelled)
            )
        );
        let finished = jobs.iter().filter(|j| j.finished_at.is_some()).count() as u64;
        let per_minute: u64 = overview.finished_per_minute.iter().map(|(_, n)| n).sum();
        assert_eq!(per_minute, finished);
        assert!(overview
            .finished_per_minute
            .iter()
            .all(|(minute, _)| *minute <= 10));
    }

    let busy = |nodes: Vec<rgrid_server::store::NodeInfo>| {
        let info = nodes.into_iter().find(|n| n.node.id == node.id).unwrap();
        assert_eq!(
            (info.node.slots, info.state.as_str()),
            (node.slots, "active")
        );
        info.busy
    };
    assert_eq!(busy(s.list_nodes().await.unwrap()), 0);
    submit(s, project, "busy", 0, 0).await;
    let claim = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!(busy(s.list_nodes().await.unwrap()), 1);
    // The execution belongs to the node that claimed it; an unknown one to none.
    assert_eq!(s.execution_node(claim.execution_id).await.unwrap(), node.id);
    assert!(matches!(
        s.execution_node(uuid::Uuid::now_v7()).await,
        Err(StoreError::NotFound(_))
    ));
    let done = outcome(EndReason::Completed, Some(0));
    s.finish(claim.execution_id, &done).await.unwrap();
    assert_eq!(busy(s.list_nodes().await.unwrap()), 0);
}

async fn revoked_node_loses_its_work(s: &dyn Store, project: &Project) {
    let new = NewNode {
        name: "doomed",
        slots: 1,
        executor: "docker",
        token_hash: "doomed-hash",
    };
    let doomed = s.register_node(new).await.unwrap();
    let job = submit(s, project, "on-doomed", 0, 2).await;
    let claim = s.claim(doomed.id).await.unwrap().unwrap();
    assert_eq!(claim.job.id, job);

    assert_eq!(s.revoke_node(doomed.id).await.unwrap(), 1);
    assert!(matches!(
        s.node_for_token("doomed-hash").await,
        Err(StoreError::NotFound(_))
    ));
    // The attempt is fenced off and the job waits for another node.
    assert!(matches!(
        s.heartbeat(claim.execution_id).await,
        Err(StoreError::Stale)
    ));
    let requeued = s.get_job(project.id, job).await.unwrap();
    assert_eq!(
        (requeued.status, requeued.reason),
        (JobStatus::Queued, Some(EndReason::Abandoned))
    );
    // A claim already past the token check (a long poll that was waiting when the node was
    // revoked) gets nothing: the claim itself refuses a revoked node.
    assert!(s.claim(doomed.id).await.unwrap().is_none());
    // It is listed as ended (terminated), not active.
    let since = Utc::now() - Duration::hours(1);
    let records = s.node_records(Some(since)).await.unwrap();
    let record = records.iter().find(|n| n.id == doomed.id).unwrap();
    assert_eq!(record.state, rgrid_spec::api::NodeState::Terminated);
    assert!(record.ended_at.is_some());
    assert_eq!(
        s.get_job(project.id, job).await.unwrap().status,
        JobStatus::Queued
    );
    assert_eq!(s.revoke_node(doomed.id).await.unwrap(), 0);
    assert!(matches!(
        s.revoke_node(Uuid::new_v4()).await,
        Err(StoreError::NotFound("node"))
    ));
    s.cancel(project.id, job).await.unwrap();
}

/// Fairness: a project with 1 000 queued jobs does not make another's single job wait for
/// them; projects take turns, FIFO inside each, and priority still goes first.
async fn claims_take_turns_across_projects(
    s: &dyn Store,
    busy: &Project,
    late: &Project,
    node: &Node,
) {
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.push(submit(s, busy, &format!("batch-{i}"), 0, 0).await);
    }
    let mut claimed = Vec::new();
    for _ in 0..3 {
        claimed.push(s.claim(node.id).await.unwrap().unwrap().job.id);
    }
    assert_eq!(claimed, batch[..3]);

    let single = submit(s, late, "single", 0, 0).await;
    let urgent = submit(s, busy, "urgent", 9, 0).await;
    let next: Vec<Uuid> = claim_n(s, node, 3).await;
    assert_eq!(next[0], urgent, "priority goes first");
    assert!(next[1..].contains(&single), "the late job waited: {next:?}");
    assert!(next.contains(&batch[3]), "the batch stays FIFO: {next:?}");

    // Three more from the late project interleave with the batch rather than queue behind it.
    let more = [
        submit(s, late, "more-1", 0, 0).await,
        submit(s, late, "more-2", 0, 0).await,
        submit(s, late, "more-3", 0, 0).await,
    ];
    let next = claim_n(s, node, 6).await;
    let late_claims: Vec<_> = next.iter().filter(|id| more.contains(id)).collect();
    assert_eq!(late_claims, more.iter().collect::<Vec<_>>(), "{next:?}");
    let busy_claims = next.iter().filter(|id| batch.contains(id)).count();
    assert_eq!(busy_claims, 3, "{next:?}");
}

async fn claim_n(s: &dyn Store, node: &Node, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(s.claim(node.id).await.unwrap().unwrap().job.id);
    }
    ids
}

async fn tenancy(s: &dyn Store) -> (Project, Project) {
    let project = s.ensure_project("acme", "images").await.unwrap();
    assert_eq!(s.ensure_project("acme", "images").await.unwrap(), project);
    let other = s.ensure_project("globex", "images").await.unwrap();
    assert_ne!(other.id, project.id);
    assert_eq!(s.project(project.id).await.unwrap(), project);
    assert!(matches!(
        s.project(Uuid::new_v4()).await,
        Err(StoreError::NotFound(_))
    ));

    let key = s
        .add_api_key(new_key(project.id, "ci", Role::Developer, "hash-of-key"))
        .await
        .unwrap();
    assert_eq!(
        (key.name.as_str(), key.role, key.prefix.as_str()),
        ("ci", Role::Developer, "rg_abc")
    );
    assert!(key.last_used_at.is_none() && key.revoked_at.is_none());
    let grant = s.key_grant("hash-of-key").await.unwrap();
    assert_eq!(
        (grant.project, grant.role, grant.key_id),
        (project.clone(), Role::Developer, key.id)
    );
    assert!(matches!(
        s.key_grant("nope").await,
        Err(StoreError::NotFound(_))
    ));
    let duplicate = s
        .add_api_key(new_key(other.id, "dup", Role::Viewer, "hash-of-key"))
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::Conflict(_))),
        "{duplicate:?}"
    );
    let orphan = s
        .add_api_key(new_key(Uuid::new_v4(), "x", Role::Viewer, "hash-2"))
        .await;
    assert!(
        matches!(orphan, Err(StoreError::NotFound("project"))),
        "{orphan:?}"
    );
    keys_are_listed_and_revoked(s, &project, &other).await;
    accounts_users_and_roles(s).await;
    bootstrap_tokens_expire_and_run_out(s).await;
    (project, other)
}

fn new_key<'a>(project_id: Uuid, name: &'a str, role: Role, hash: &'a str) -> NewApiKey<'a> {
    NewApiKey {
        project_id,
        name,
        role,
        prefix: "rg_abc",
        key_hash: hash,
    }
}

async fn keys_are_listed_and_revoked(s: &dyn Store, project: &Project, other: &Project) {
    let viewer = s
        .add_api_key(new_key(project.id, "dash", Role::Viewer, "hash-viewer"))
        .await
        .unwrap();
    let listed = s.list_api_keys(project.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
        ["ci", "dash"]
    );
    // `key_grant` above marked the first key used.
    assert!(listed[0].last_used_at.is_some());
    assert!(s.list_api_keys(other.id).await.unwrap().is_empty());

    // Another project cannot revoke it; this one can, twice, and then it grants nothing.
    assert!(matches!(
        s.revoke_api_key(other.id, viewer.id).await,
        Err(StoreError::NotFound(_))
    ));
    let revoked = s.revoke_api_key(project.id, viewer.id).await.unwrap();
    let when = revoked.revoked_at.unwrap();
    let again = s.revoke_api_key(project.id, viewer.id).await.unwrap();
    assert_eq!(again.revoked_at, Some(when));
    assert!(matches!(
        s.key_grant("hash-viewer").await,
        Err(StoreError::NotFound(_))
    ));
}

async fn accounts_users_and_roles(s: &dyn Store) {
    let account = s.ensure_account("acme").await.unwrap();
    assert_eq!(s.ensure_account("acme").await.unwrap(), account);
    let projects = s.list_projects("acme").await.unwrap();
    assert_eq!(
        projects.iter().map(|p| p.slug.as_str()).collect::<Vec<_>>(),
        ["images"]
    );

    let ann = s.create_user("ann@acme.test").await.unwrap();
    let bob = s.create_user("bob@acme.test").await.unwrap();
    assert!(matches!(
        s.create_user("ann@acme.test").await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.user_by_email("bob@acme.test").await.unwrap(), bob);
    s.set_role("acme", ann.id, Role::Owner).await.unwrap();
    s.set_role("acme", bob.id, Role::Viewer).await.unwrap();
    s.set_role("acme", bob.id, Role::Developer).await.unwrap();
    assert_eq!(s.role_of("acme", bob.id).await.unwrap(), Role::Developer);
    assert!(matches!(
        s.role_of("globex", bob.id).await,
        Err(StoreError::NotFound(_))
    ));
    let members = s.members("acme").await.unwrap();
    let seen: Vec<_> = members
        .iter()
        .map(|m| (m.user.email.as_str(), m.role))
        .collect();
    assert_eq!(
        seen,
        [
            ("ann@acme.test", Role::Owner),
            ("bob@acme.test", Role::Developer)
        ]
    );
    s.remove_member("acme", bob.id).await.unwrap();
    assert!(matches!(
        s.remove_member("acme", bob.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.set_role("no-such-account", bob.id, Role::Viewer).await,
        Err(StoreError::NotFound(_))
    ));

    let token = |name, hash| NewToken {
        name,
        prefix: "rgu_abc",
        hash,
    };
    let laptop = s
        .add_user_token(ann.id, token("laptop", "user-hash"))
        .await
        .unwrap();
    assert_eq!(s.user_for_token("user-hash").await.unwrap(), ann);
    // User tokens, operator keys, API keys and node tokens live apart: one is never taken for
    // another.
    assert!(s.key_grant("user-hash").await.is_err());
    assert!(s.operator_key("user-hash").await.is_err());
    assert!(s.user_for_token("hash-of-key").await.is_err());

    // Listed per user, revoked only by their own user.
    s.add_user_token(bob.id, token("bob", "bob-hash"))
        .await
        .unwrap();
    let listed = s.list_user_tokens(ann.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].id),
        ("laptop", laptop.id)
    );
    assert!(matches!(
        s.revoke_user_token(bob.id, laptop.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(s.user_for_token("user-hash").await.is_ok());
    let revoked = s.revoke_user_token(ann.id, laptop.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    let again = s.revoke_user_token(ann.id, laptop.id).await.unwrap();
    assert_eq!(
        again.revoked_at, revoked.revoked_at,
        "revoking twice keeps the first time"
    );
    assert!(s.user_for_token("user-hash").await.is_err());

    // Operator keys: found by hash until revoked, which the listing shows.
    let ops = s
        .add_operator_key(NewToken {
            name: "ops",
            prefix: "rgo_abc",
            hash: "operator-hash",
        })
        .await
        .unwrap();
    assert_eq!(s.operator_key("operator-hash").await.unwrap().id, ops.id);
    assert!(s.key_grant("operator-hash").await.is_err());
    assert!(s.user_for_token("operator-hash").await.is_err());
    s.revoke_operator_key(ops.id).await.unwrap();
    assert!(s.operator_key("operator-hash").await.is_err());
    let listed = s.list_operator_keys().await.unwrap();
    assert!(listed
        .iter()
        .any(|k| k.id == ops.id && k.revoked_at.is_some()));
    assert!(matches!(
        s.revoke_operator_key(ops.id + 1000).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn bootstrap_tokens_expire_and_run_out(s: &dyn Store) {
    let token = |hash, uses, expires_at| NewBootstrapToken {
        name: "test",
        token_hash: hash,
        uses,
        expires_at,
    };
    let later = Utc::now() + Duration::minutes(10);
    s.add_bootstrap_token(token("boot-2", 2, later))
        .await
        .unwrap();
    s.add_bootstrap_token(token("boot-old", 5, Utc::now() - Duration::seconds(1)))
        .await
        .unwrap();
    s.spend_bootstrap_token("boot-2").await.unwrap();
    s.spend_bootstrap_token("boot-2").await.unwrap();
    for spent_expired_or_unknown in ["boot-2", "boot-old", "boot-unknown"] {
        assert!(
            matches!(
                s.spend_bootstrap_token(spent_expired_or_unknown).await,
                Err(StoreError::NotFound(_))
            ),
            "{spent_expired_or_unknown}"
        );
    }
}

async fn nodes(s: &dyn Store) -> Node {
    let new = NewNode {
        name: "node-1",
        slots: 2,
        executor: "docker",
        token_hash: "node-hash",
    };
    let node = s.register_node(new).await.unwrap();
    assert_eq!(
        (node.name.as_str(), node.slots, node.executor.as_str()),
        ("node-1", 2, "docker")
    );
    let found = s.node_for_token("node-hash").await.unwrap();
    assert_eq!(found.id, node.id);
    assert!(found.last_seen >= node.last_seen);
    assert!(matches!(
        s.node_for_token("other").await,
        Err(StoreError::NotFound(_))
    ));
    let again = NewNode {
        name: "node-2",
        slots: 1,
        executor: "docker",
        token_hash: "node-hash",
    };
    assert!(matches!(
        s.register_node(again).await,
        Err(StoreError::Conflict(_))
    ));
    node
}

async fn submit(s: &dyn Store, project: &Project, name: &str, priority: i32, retries: u32) -> Uuid {
    let spec = format!(r#"{{"name":"{name}"}}"#);
    let new = NewJob {
        project_id: project.id,
        name: Some(name),
        spec_json: &spec,
        max_retries: retries,
        priority,
    };
    s.create_job(new).await.unwrap().id
}

async fn submit_and_read_back(s: &dyn Store, project: &Project, other: &Project) {
    let spec = r#"{"apiVersion":"rgrid.dev/v1"}"#;
    let new = NewJob {
        project_id: project.id,
        name: None,
        spec_json: spec,
        max_retries: 2,
        priority: 0,
    };
    let job = s.create_job(new).await.unwrap();
    assert_eq!(
        (job.status, job.attempts, job.max_retries),
        (JobStatus::Queued, 0, 2)
    );
    assert_eq!(
        (job.project_slug.as_str(), job.spec_json.as_str()),
        ("images", spec)
    );
    assert!(job.started_at.is_none() && job.current_execution.is_none());
    assert_eq!(s.get_job(project.id, job.id).await.unwrap(), job);

    // Another project's job does not exist for this one, neither to read nor to cancel.
    assert!(matches!(
        s.get_job(other.id, job.id).await,
        Err(StoreError::NotFound("job"))
    ));
    assert!(matches!(
        s.cancel(other.id, job.id).await,
        Err(StoreError::NotFound("job"))
    ));

    let newer = submit(s, project, "newer", 0, 2).await;
    let listed = s
        .list_jobs(project.id, &JobFilter::default())
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![newer, job.id]
    );
    let one = JobFilter {
        status: Some(JobStatus::Queued),
        limit: 1,
        ..JobFilter::default()
    };
    assert_eq!(s.list_jobs(project.id, &one).await.unwrap().len(), 1);
    let none = JobFilter {
        status: Some(JobStatus::Running),
        limit: 10,
        ..JobFilter::default()
    };
    assert!(s.list_jobs(project.id, &none).await.unwrap().is_empty());
    assert!(s
        .list_jobs(other.id, &JobFilter::default())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(s.active_counts().await.unwrap(), (2, 0));

    // Clear the queue for the next chapters.
    for id in [job.id, newer] {
        assert_eq!(
            s.cancel(project.id, id).await.unwrap().status,
            JobStatus::Cancelled
        );
    }
}

async fn claim_order_logs_and_outcomes(s: &dyn Store, project: &Project, node: &Node) {
    let low_1 = submit(s, project, "low-1", 0, 1).await;
    let low_2 = submit(s, project, "low-2", 0, 2).await;
    let high = submit(s, project, "high", 5, 2).await;

    let first = s.claim(node.id).await.unwrap().unwrap();
    let second = s.claim(node.id).await.unwrap().unwrap();
    let third = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!(
        [first.job.id, second.job.id, third.job.id],
        [high, low_1, low_2]
    );
    assert!(s.claim(node.id).await.unwrap().is_none());
    assert_claimed(&first, node);
    assert_eq!(s.active_counts().await.unwrap(), (0, 3));

    logs_and_success(s, project, &first).await;
    retry_until_spent(s, node, &second).await;

    let permanent = outcome(EndReason::ImageNotFound, None);
    let effect = s.finish(third.execution_id, &permanent).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Failed));
    let job = s.get_job(project.id, low_2).await.unwrap();
    assert_eq!(
        (job.attempts, job.reason),
        (1, Some(EndReason::ImageNotFound))
    );
}

fn assert_claimed(claim: &Claim, node: &Node) {
    assert_eq!(claim.attempt, 1);
    assert_eq!(claim.job.status, JobStatus::Running);
    assert_eq!(claim.job.attempts, 1);
    assert_eq!(claim.job.current_execution, Some(claim.execution_id));
    assert_eq!(claim.job.node_name.as_deref(), Some(node.name.as_str()));
    assert!(claim.job.started_at.is_some());
}

fn chunk(seq: u64, stream: Stream, data: &[u8]) -> LogChunkIn {
    LogChunkIn {
        seq,
        stream,
        data: Bytes64(data.to_vec()),
    }
}

fn outcome(reason: EndReason, exit_code: Option<i32>) -> Outcome {
    Outcome {
        reason,
        exit_code,
        message: Some(format!("ended: {}", reason.as_str())),
        executor: "docker".into(),
        artifacts: Vec::new(),
        cpu_micros: None,
    }
}

async fn logs_and_success(s: &dyn Store, project: &Project, claim: &Claim) {
    let execution = claim.execution_id;
    assert!(!s.heartbeat(execution).await.unwrap().cancel_requested);
    assert_eq!(s.current_job_of(execution).await.unwrap().id, claim.job.id);

    let binary = [0xff, 0xfe, 0x00, b'x', 0xc3, 0x28];
    let batch = [
        chunk(0, Stream::Stdout, b"hello\n"),
        chunk(1, Stream::Stderr, &binary),
        chunk(2, Stream::System, b"\0\0"),
    ];
    s.append_logs(execution, &batch).await.unwrap();
    // A resend of seq 1 (with other bytes) is skipped; seq 3 is new.
    let resend = [
        chunk(1, Stream::Stderr, b"dup"),
        chunk(3, Stream::Stdout, b""),
    ];
    s.append_logs(execution, &resend).await.unwrap();

    let all = s.read_logs(claim.job.id, 0, 100).await.unwrap();
    let seen: Vec<_> = all
        .iter()
        .map(|c| (c.seq, c.stream, c.data.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (0, Stream::Stdout, b"hello\n".to_vec()),
            (1, Stream::Stderr, binary.to_vec()),
            (2, Stream::System, b"\0\0".to_vec()),
            (3, Stream::Stdout, Vec::new()),
        ]
    );
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert!(all.iter().all(|c| c.attempt == 1));
    let rest = s.read_logs(claim.job.id, all[1].id, 100).await.unwrap();
    assert_eq!(rest.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![2, 3]);
    let page = s.read_logs(claim.job.id, 0, 1).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].seq, 0);

    let file = OutputFileInfo {
        path: "out/report.json".into(),
        size: 42,
        sha256: "ab".repeat(32),
    };
    let key = format!("artifacts/acme/images/{}/out/report.json", claim.job.id);
    let done = Outcome {
        artifacts: vec![(file.clone(), key.clone())],
        ..outcome(EndReason::Completed, Some(0))
    };
    let effect = s.finish(execution, &done).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Succeeded));
    assert_eq!(
        s.finish(execution, &done).await.unwrap(),
        FinishEffect::AlreadyFinished
    );

    let artifacts = s.list_artifacts(claim.job.id).await.unwrap();
    assert_eq!(artifacts.len(), 1);
    let artifact = &artifacts[0];
    assert_eq!(
        (artifact.path.as_str(), artifact.size),
        ("out/report.json", 42)
    );
    assert_eq!(
        (&artifact.sha256, &artifact.object_key),
        (&file.sha256, &key)
    );
    assert_eq!(artifact.content_type, "application/json");

    let job = s.get_job(project.id, claim.job.id).await.unwrap();
    let completed = Some(EndReason::Completed);
    assert_eq!(
        (job.status, job.exit_code, job.reason),
        (JobStatus::Succeeded, Some(0), completed)
    );
    assert_eq!(job.executor.as_deref(), Some("docker"));
    assert!(job.finished_at.is_some() && job.current_execution.is_none());

    // A finished execution is no longer current.
    assert!(matches!(
        s.heartbeat(execution).await,
        Err(StoreError::Stale)
    ));
    assert!(matches!(
        s.append_logs(execution, &batch).await,
        Err(StoreError::Stale)
    ));
    assert!(matches!(
        s.current_job_of(execution).await,
        Err(StoreError::Stale)
    ));
}

/// `low-1` allows one retry: the first failure requeues, the second ends it failed.
async fn retry_until_spent(s: &dyn Store, node: &Node, claim: &Claim) {
    let project_id = claim.job.project_id;
    let failed = outcome(EndReason::ExitCode, Some(3));
    assert_eq!(
        s.finish(claim.execution_id, &failed).await.unwrap(),
        FinishEffect::Requeued
    );
    assert_eq!(
        s.finish(claim.execution_id, &failed).await.unwrap(),
        FinishEffect::AlreadyFinished
    );
    let job = s.get_job(project_id, claim.job.id).await.unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Queued, 1));
    assert_eq!(
        (job.reason, job.exit_code),
        (Some(EndReason::ExitCode), Some(3))
    );
    assert!(job.current_execution.is_none() && job.finished_at.is_none());

    let retry = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!((retry.job.id, retry.attempt), (claim.job.id, 2));
    s.append_logs(retry.execution_id, &[chunk(0, Stream::Stdout, b"again")])
        .await
        .unwrap();
    let attempts: Vec<u32> = s
        .read_logs(claim.job.id, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|c| c.attempt)
        .collect();
    assert_eq!(attempts, vec![2]);

    let oom = outcome(EndReason::Oom, None);
    let effect = s.finish(retry.execution_id, &oom).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Failed));
    let job = s.get_job(project_id, claim.job.id).await.unwrap();
    assert_eq!(
        (job.status, job.attempts, job.reason),
        (JobStatus::Failed, 2, Some(EndReason::Oom))
    );
    assert!(job.finished_at.is_some());
}

/// A node that stops heartbeating loses its execution; the retry runs, the old one is refused.
async fn reaped_execution_is_fenced_off(s: &dyn Store, project: &Project, node: &Node) {
    let job_id = submit(s, project, "flaky-node", 0, 1).await;
    let lost = s.claim(node.id).await.unwrap().unwrap();
    s.heartbeat(lost.execution_id).await.unwrap();
    assert_eq!(s.reap(Utc::now() - Duration::minutes(1)).await.unwrap(), 0);
    assert_eq!(s.reap(Utc::now() + Duration::seconds(1)).await.unwrap(), 1);

    let job = s.get_job(project.id, job_id).await.unwrap();
    assert_eq!(
        (job.status, job.reason),
        (JobStatus::Queued, Some(EndReason::Abandoned))
    );
    assert!(matches!(
        s.heartbeat(lost.execution_id).await,
        Err(StoreError::Stale)
    ));
    let late_logs = s
        .append_logs(lost.execution_id, &[chunk(9, Stream::Stdout, b"late")])
        .await;
    assert!(matches!(late_logs, Err(StoreError::Stale)));
    let late = outcome(EndReason::Completed, Some(0));
    assert!(matches!(
        s.finish(lost.execution_id, &late).await,
        Err(StoreError::Stale)
    ));

    let retry = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!((retry.job.id, retry.attempt), (job_id, 2));
    assert!(matches!(
        s.finish(lost.execution_id, &late).await,
        Err(StoreError::Stale)
    ));
    assert_eq!(s.reap(Utc::now() + Duration::seconds(1)).await.unwrap(), 1);
    let job = s.get_job(project.id, job_id).await.unwrap();
    assert_eq!(
        (job.status, job.reason),
        (JobStatus::Failed, Some(EndReason::Abandoned))
    );
    assert!(matches!(
        s.finish(retry.execution_id, &late).await,
        Err(StoreError::Stale)
    ));
}

async fn cancels(s: &dyn Store, project: &Project, other: &Project, node: &Node) {
    let queued = submit(s, project, "queued", 0, 2).await;
    let job = s.cancel(project.id, queued).await.unwrap();
    assert_eq!(
        (job.status, job.reason),
        (JobStatus::Cancelled, Some(EndReason::Cancelled))
    );
    assert!(job.finished_at.is_some());
    assert!(s.claim(node.id).await.unwrap().is_none());

    // The runner notices on its next heartbeat and reports the kill.
    submit(s, project, "running", 0, 2).await;
    let running = s.claim(node.id).await.unwrap().unwrap();
    assert!(matches!(
        s.cancel(other.id, running.job.id).await,
        Err(StoreError::NotFound(_))
    ));
    let job = s.cancel(project.id, running.job.id).await.unwrap();
    assert_eq!(
        (job.status, job.cancel_requested),
        (JobStatus::Running, true)
    );
    assert!(
        s.heartbeat(running.execution_id)
            .await
            .unwrap()
            .cancel_requested
    );
    let killed = outcome(EndReason::Cancelled, Some(137));
    let effect = s.finish(running.execution_id, &killed).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Cancelled));

    // A cancelled job is never retried, whatever the killed process reported.
    submit(s, project, "killed", 0, 2).await;
    let killed_claim = s.claim(node.id).await.unwrap().unwrap();
    s.cancel(project.id, killed_claim.job.id).await.unwrap();
    let signal = outcome(EndReason::ExitCode, Some(143));
    let effect = s.finish(killed_claim.execution_id, &signal).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Cancelled));
    let job = s.get_job(project.id, killed_claim.job.id).await.unwrap();
    assert_eq!(job.reason, Some(EndReason::Cancelled));

    // Cancelling a final job changes nothing.
    let again = s.cancel(project.id, killed_claim.job.id).await.unwrap();
    assert_eq!(again, job);
}

/// The timeout backstop, a stopping runner's release, and a user's retry of a finished job.
async fn overdue_release_and_retry(s: &dyn Store, project: &Project, other: &Project, node: &Node) {
    // Claimed with a 60 s timeout: overdue only once its deadline has passed, whatever the
    // heartbeats say.
    let spec = r#"{"spec":{"timeoutSeconds":60}}"#;
    let new = NewJob {
        project_id: project.id,
        name: Some("overdue"),
        spec_json: spec,
        max_retries: 0,
        priority: 0,
    };
    let overdue = s.create_job(new).await.unwrap().id;
    let running = s.claim(node.id).await.unwrap().unwrap();
    s.heartbeat(running.execution_id).await.unwrap();
    assert_eq!(s.reap_overdue(Utc::now()).await.unwrap(), 0);
    let later = Utc::now() + Duration::seconds(61);
    assert_eq!(s.reap_overdue(later).await.unwrap(), 1);
    let job = s.get_job(project.id, overdue).await.unwrap();
    assert_eq!(
        (job.status, job.reason),
        (JobStatus::Failed, Some(EndReason::Abandoned))
    );
    assert!(matches!(
        s.heartbeat(running.execution_id).await,
        Err(StoreError::Stale)
    ));

    // A release requeues without spending a retry (this job has none), unless cancelled.
    let released = submit(s, project, "released", 0, 0).await;
    let first = s.claim(node.id).await.unwrap().unwrap();
    let cancelled = submit(s, project, "released-cancelled", 0, 2).await;
    let second = s.claim(node.id).await.unwrap().unwrap();
    s.cancel(project.id, cancelled).await.unwrap();
    assert_eq!(s.release_node(node.id).await.unwrap(), 2);
    assert_eq!(s.release_node(node.id).await.unwrap(), 0);
    let job = s.get_job(project.id, released).await.unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Queued, 1));
    let job = s.get_job(project.id, cancelled).await.unwrap();
    assert_eq!(job.status, JobStatus::Cancelled);
    for late in [first.execution_id, second.execution_id] {
        let done = outcome(EndReason::Completed, Some(0));
        assert!(matches!(
            s.finish(late, &done).await,
            Err(StoreError::Stale)
        ));
    }
    let again = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!((again.job.id, again.attempt), (released, 2));
    let failed = outcome(EndReason::ExitCode, Some(1));
    let effect = s.finish(again.execution_id, &failed).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Failed));

    // Retry: only a final job, only in its own project; a new attempt with a fresh budget.
    assert!(matches!(
        s.retry(other.id, released, 1).await,
        Err(StoreError::NotFound(_))
    ));
    let job = s.retry(project.id, released, 1).await.unwrap();
    assert_eq!(
        (job.status, job.reason, job.max_retries, job.finished_at),
        (JobStatus::Queued, None, 3, None)
    );
    assert!(matches!(
        s.retry(project.id, released, 1).await,
        Err(StoreError::Conflict(_))
    ));
    let third = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!((third.job.id, third.attempt), (released, 3));
    let effect = s.finish(third.execution_id, &failed).await.unwrap();
    assert_eq!(effect, FinishEffect::Requeued, "the retry's own budget");
    let fourth = s.claim(node.id).await.unwrap().unwrap();
    let done = outcome(EndReason::Completed, Some(0));
    let effect = s.finish(fourth.execution_id, &done).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Succeeded));
    let job = s.retry(project.id, cancelled, 2).await.unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    let fifth = s.claim(node.id).await.unwrap().unwrap();
    let effect = s.finish(fifth.execution_id, &done).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Succeeded));
}

fn new_jobs<'a>(project: &Project, specs: &'a [String]) -> Vec<NewJob<'a>> {
    specs
        .iter()
        .map(|spec| NewJob {
            project_id: project.id,
            name: None,
            spec_json: spec,
            max_retries: 0,
            priority: 0,
        })
        .collect()
}

/// A batch is created whole, listed on its own, and never runs more than `parallel` jobs.
async fn batches(s: &dyn Store, project: &Project, other: &Project, node: &Node) {
    let specs: Vec<String> = (0..3).map(|i| format!(r#"{{"n":{i}}}"#)).collect();
    let (batch, ids) = s
        .create_batch(project.id, Some(1), &new_jobs(project, &specs))
        .await
        .unwrap();
    assert_eq!((batch.parallel, ids.len()), (Some(1), 3));
    assert_eq!(s.get_batch(project.id, batch.id).await.unwrap(), batch);
    assert!(matches!(
        s.get_batch(other.id, batch.id).await,
        Err(StoreError::NotFound(_))
    ));
    let filter = JobFilter {
        batch: Some(batch.id),
        ..JobFilter::default()
    };
    let mut listed: Vec<Uuid> = s
        .list_jobs(project.id, &filter)
        .await
        .unwrap()
        .iter()
        .map(|j| j.id)
        .collect();
    listed.reverse();
    assert_eq!(listed, ids, "a batch lists its jobs, in order");

    // A job outside the batch is not held back by the batch's cap.
    let first = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!(first.job.id, ids[0]);
    let single = submit(s, project, "single", 0, 0).await;
    let next = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!(
        next.job.id, single,
        "the capped batch waits, the single job runs"
    );
    assert!(
        s.claim(node.id).await.unwrap().is_none(),
        "parallel 1 holds"
    );
    let done = outcome(EndReason::Completed, Some(0));
    s.finish(next.execution_id, &done).await.unwrap();
    s.finish(first.execution_id, &done).await.unwrap();
    for id in &ids[1..] {
        let claim = s.claim(node.id).await.unwrap().unwrap();
        assert_eq!(claim.job.id, *id);
        assert!(
            s.claim(node.id).await.unwrap().is_none(),
            "parallel 1 holds"
        );
        s.finish(claim.execution_id, &done).await.unwrap();
    }
}

/// Cancelling a batch (one call) ends its queued jobs at once and flags its running one for
/// its runner; a finished job keeps its status; nothing of it is retried.
async fn batch_cancel(s: &dyn Store, project: &Project, other: &Project, node: &Node) {
    let specs: Vec<String> = (0..4).map(|i| format!(r#"{{"n":{i}}}"#)).collect();
    let mut jobs = new_jobs(project, &specs);
    for job in &mut jobs {
        job.max_retries = 2;
    }
    let (batch, ids) = s.create_batch(project.id, None, &jobs).await.unwrap();
    let running = s.claim(node.id).await.unwrap().unwrap();
    let finished = s.claim(node.id).await.unwrap().unwrap();
    assert_eq!((running.job.id, finished.job.id), (ids[0], ids[1]));
    let done = outcome(EndReason::Completed, Some(0));
    s.finish(finished.execution_id, &done).await.unwrap();

    assert!(matches!(
        s.cancel_batch(other.id, batch.id).await,
        Err(StoreError::NotFound(_))
    ));
    let cancel = s.cancel_batch(project.id, batch.id).await.unwrap();
    assert_eq!(
        cancel,
        BatchCancel {
            cancelled: 2,
            stopping: 1
        }
    );
    for id in &ids[2..] {
        let job = s.get_job(project.id, *id).await.unwrap();
        assert_eq!(
            (job.status, job.reason, job.attempts),
            (JobStatus::Cancelled, Some(EndReason::Cancelled), 0)
        );
        assert!(job.finished_at.is_some());
    }
    let kept = s.get_job(project.id, ids[1]).await.unwrap();
    assert_eq!(kept.status, JobStatus::Succeeded);
    assert!(s.claim(node.id).await.unwrap().is_none(), "queue emptied");

    // The runner learns it at its next heartbeat; whatever the killed process reports, the job
    // ends cancelled, not retried.
    let beat = s.heartbeat(running.execution_id).await.unwrap();
    assert!(beat.cancel_requested);
    let killed = outcome(EndReason::ExitCode, Some(137));
    let effect = s.finish(running.execution_id, &killed).await.unwrap();
    assert_eq!(effect, FinishEffect::Finished(JobStatus::Cancelled));
    let again = s.cancel_batch(project.id, batch.id).await.unwrap();
    assert_eq!(
        again,
        BatchCancel::default(),
        "a cancelled batch stays as it is"
    );
}

/// A stopping runner's release does not spend a retry, but only three times per job: a job
/// that keeps coming back spends its retries after that, then fails as abandoned.
async fn releases_are_free_only_a_few_times(s: &dyn Store, project: &Project, node: &Node) {
    let id = submit(s, project, "bouncer", 0, 1).await;
    for attempt in 1..=5u32 {
        let claim = s.claim(node.id).await.unwrap().unwrap();
        assert_eq!((claim.job.id, claim.attempt), (id, attempt));
        assert_eq!(s.release_node(node.id).await.unwrap(), 1);
        let job = s.get_job(project.id, id).await.unwrap();
        match attempt {
            // Three free releases, then the job's one retry.
            1..=4 => assert_eq!(job.status, JobStatus::Queued, "release {attempt}"),
            _ => {
                assert_eq!(
                    (job.status, job.reason),
                    (JobStatus::Failed, Some(EndReason::Abandoned))
                );
                let message = job.message.clone().unwrap_or_default();
                assert!(message.contains("released too often"), "{message}");
            }
        }
        if attempt == 4 {
            let message = job.message.clone().unwrap_or_default();
            assert!(message.contains("spent a retry"), "{message}");
        }
    }
    assert!(s.claim(node.id).await.unwrap().is_none());
}

/// 4 claimers race for a batch of 20 jobs capped at 2: exactly 2 start.
async fn concurrent_capped_claims(store: Arc<dyn Store>) {
    const CLAIMERS: usize = 4;
    let project = store.ensure_project("acme", "capped").await.unwrap();
    let specs: Vec<String> = (0..20).map(|i| format!(r#"{{"n":{i}}}"#)).collect();
    store
        .create_batch(project.id, Some(2), &new_jobs(&project, &specs))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..CLAIMERS {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let token = format!("capped-token-{n}");
            let name = format!("capped-node-{n}");
            let new = NewNode {
                name: &name,
                slots: 1,
                executor: "docker",
                token_hash: &token,
            };
            let node = store.register_node(new).await.unwrap();
            let mut claimed = 0;
            while store.claim(node.id).await.unwrap().is_some() {
                claimed += 1;
            }
            claimed
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(total, 2, "a batch capped at 2 started {total} jobs");
}

/// 4 claimers race for 200 jobs: every job is claimed exactly once.
async fn concurrent_claims(store: Arc<dyn Store>) {
    const JOBS: usize = 200;
    const CLAIMERS: usize = 4;
    let project = store.ensure_project("acme", "batch").await.unwrap();
    for i in 0..JOBS {
        submit(store.as_ref(), &project, &format!("job-{i}"), 0, 0).await;
    }

    let mut tasks = Vec::new();
    for n in 0..CLAIMERS {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let token = format!("token-{n}");
            let name = format!("node-{n}");
            let new = NewNode {
                name: &name,
                slots: 1,
                executor: "docker",
                token_hash: &token,
            };
            let node = store.register_node(new).await.unwrap();
            let mut claimed = Vec::new();
            while let Some(claim) = store.claim(node.id).await.unwrap() {
                claimed.push(claim.job.id);
            }
            claimed
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let unique: HashSet<Uuid> = all.iter().copied().collect();
    assert_eq!(all.len(), JOBS, "claims: {}", all.len());
    assert_eq!(unique.len(), JOBS);
    assert_eq!(store.active_counts().await.unwrap(), (0, JOBS as u64));

    // Their nodes go silent; four reapers (as in four server replicas) race to abandon them:
    // each execution is abandoned exactly once.
    let mut reapers = Vec::new();
    for _ in 0..CLAIMERS {
        let store = Arc::clone(&store);
        reapers.push(tokio::spawn(async move {
            let mut total = 0;
            for _ in 0..3 {
                total += store.reap(Utc::now() + Duration::seconds(1)).await.unwrap();
            }
            total
        }));
    }
    let mut reaped = 0;
    for reaper in reapers {
        reaped += reaper.await.unwrap();
    }
    assert_eq!(reaped, JOBS as u32);
    assert_eq!(store.active_counts().await.unwrap(), (0, 0));
}
