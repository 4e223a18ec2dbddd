//! The Postgres backend, for a grid of many nodes and possibly several servers.
//!
//! Claims take the next queue row with `FOR UPDATE SKIP LOCKED`, so concurrent claimers pass
//! each other instead of queueing on one row. Transactions that touch several rows lock them
//! in one order, queue → job, and execution → job, so they cannot deadlock. New queue entries
//! are announced on the `rgrid_queue` channel (`NOTIFY`), so a server may `LISTEN` instead of
//! polling.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rgrid_spec::api::{LogChunkIn, NodeState};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgConnection, PgPool, Row};
use uuid::Uuid;

use super::rows;
use super::{
    Account, ApiKeyInfo, Artifact, Batch, BatchCancel, Beat, Claim, ExpiredArtifact, FinishEffect,
    Job, JobFilter, KeyGrant, LogChunk, Member, NewApiKey, NewBootstrapToken, NewJob, NewNode,
    NewToken, Node, NodeInfo, NodeRecord, OrderedNode, Outcome, Overview, Project, Role, Store,
    StoreResult, TokenInfo, UploadRecord, Usage, User,
};

mod accounts;
mod batches;
mod credentials;
mod executions;
mod files;
mod jobs;
mod logs;
mod nodes;
mod overview;
mod tenancy;

/// The channel a `NOTIFY` goes to whenever a job enters the queue.
pub const QUEUE_CHANNEL: &str = "rgrid_queue";

const MAX_CONNECTIONS: u32 = 16;
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// Postgres ends a session left idle inside a transaction this long. Ours last milliseconds;
/// one left open (a client stuck mid-transaction) would hold row locks and keep vacuum from
/// removing the queue's dead rows, and claims slow down as they pile up (see
/// docs/benchmarks.md, the held-snapshot run).
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

pub struct PostgresStore {
    pool: PgPool,
    /// The connection holding the orchestrator's leader lock, while this server leads.
    leader: tokio::sync::Mutex<Option<PgConnection>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's options hold the password; never print them.
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `postgres://…` / `postgresql://…`.
    pub async fn connect(url: &str) -> StoreResult<PostgresStore> {
        let options = PgConnectOptions::from_str(url)?.options([(
            "idle_in_transaction_session_timeout",
            IDLE_IN_TRANSACTION_TIMEOUT,
        )]);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(PostgresStore {
            pool,
            leader: tokio::sync::Mutex::new(None),
        })
    }

    /// The pool, for `LISTEN` on [`QUEUE_CHANNEL`] (`sqlx::postgres::PgListener::connect_with`).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn postgres_pool(&self) -> Option<PgPool> {
        Some(self.pool.clone())
    }

    async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    async fn ensure_account(&self, slug: &str) -> StoreResult<Account> {
        accounts::ensure_account(&self.pool, slug).await
    }

    async fn ensure_project(&self, account: &str, slug: &str) -> StoreResult<Project> {
        tenancy::ensure_project(&self.pool, account, slug).await
    }

    async fn list_projects(&self, account: &str) -> StoreResult<Vec<Project>> {
        tenancy::list_projects(&self.pool, account).await
    }

    async fn project(&self, project_id: Uuid) -> StoreResult<Project> {
        tenancy::project(&self.pool, project_id).await
    }

    async fn create_user(&self, email: &str) -> StoreResult<User> {
        accounts::create_user(&self.pool, email).await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<User> {
        accounts::user_by_email(&self.pool, email).await
    }

    async fn set_role(&self, account: &str, user_id: Uuid, role: Role) -> StoreResult<()> {
        accounts::set_role(&self.pool, account, user_id, role).await
    }

    async fn remove_member(&self, account: &str, user_id: Uuid) -> StoreResult<()> {
        accounts::remove_member(&self.pool, account, user_id).await
    }

    async fn members(&self, account: &str) -> StoreResult<Vec<Member>> {
        accounts::members(&self.pool, account).await
    }

    async fn role_of(&self, account: &str, user_id: Uuid) -> StoreResult<Role> {
        accounts::role_of(&self.pool, account, user_id).await
    }

    async fn add_user_token(&self, user_id: Uuid, token: NewToken<'_>) -> StoreResult<TokenInfo> {
        credentials::add_user_token(&self.pool, user_id, token).await
    }

    async fn list_user_tokens(&self, user_id: Uuid) -> StoreResult<Vec<TokenInfo>> {
        credentials::list_user_tokens(&self.pool, user_id).await
    }

    async fn revoke_user_token(&self, user_id: Uuid, token_id: i64) -> StoreResult<TokenInfo> {
        credentials::revoke_user_token(&self.pool, user_id, token_id).await
    }

    async fn add_operator_key(&self, key: NewToken<'_>) -> StoreResult<TokenInfo> {
        credentials::add_operator_key(&self.pool, key).await
    }

    async fn operator_key(&self, key_hash: &str) -> StoreResult<TokenInfo> {
        credentials::operator_key(&self.pool, key_hash).await
    }

    async fn list_operator_keys(&self) -> StoreResult<Vec<TokenInfo>> {
        credentials::list_operator_keys(&self.pool).await
    }

    async fn revoke_operator_key(&self, key_id: i64) -> StoreResult<TokenInfo> {
        credentials::revoke_operator_key(&self.pool, key_id).await
    }

    async fn execution_node(&self, execution_id: Uuid) -> StoreResult<Uuid> {
        credentials::execution_node(&self.pool, execution_id).await
    }

    async fn user_for_token(&self, token_hash: &str) -> StoreResult<User> {
        accounts::user_for_token(&self.pool, token_hash).await
    }

    async fn add_api_key(&self, key: NewApiKey<'_>) -> StoreResult<ApiKeyInfo> {
        tenancy::add_api_key(&self.pool, key).await
    }

    async fn key_grant(&self, key_hash: &str) -> StoreResult<KeyGrant> {
        tenancy::key_grant(&self.pool, key_hash).await
    }

    async fn list_api_keys(&self, project_id: Uuid) -> StoreResult<Vec<ApiKeyInfo>> {
        tenancy::list_api_keys(&self.pool, project_id).await
    }

    async fn revoke_api_key(&self, project_id: Uuid, key_id: i64) -> StoreResult<ApiKeyInfo> {
        tenancy::revoke_api_key(&self.pool, project_id, key_id).await
    }

    async fn add_bootstrap_token(&self, token: NewBootstrapToken<'_>) -> StoreResult<()> {
        tenancy::add_bootstrap_token(&self.pool, token).await
    }

    async fn spend_bootstrap_token(&self, token_hash: &str) -> StoreResult<()> {
        tenancy::spend_bootstrap_token(&self.pool, token_hash).await
    }

    async fn revoke_node(&self, node_id: Uuid) -> StoreResult<u32> {
        // Revoked first: from then on the node cannot claim, heartbeat or finish.
        tenancy::mark_node_revoked(&self.pool, node_id).await?;
        executions::abandon_revoked_node(&self.pool, node_id).await
    }

    async fn register_node(&self, node: NewNode<'_>) -> StoreResult<Node> {
        tenancy::register_node(&self.pool, node).await
    }

    async fn node_for_token(&self, token_hash: &str) -> StoreResult<Node> {
        tenancy::node_for_token(&self.pool, token_hash).await
    }

    async fn create_job(&self, job: NewJob<'_>) -> StoreResult<Job> {
        let mut tx = self.pool.begin().await?;
        let id = jobs::create(&mut tx, &job, None).await?;
        let job = jobs::fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn create_batch(
        &self,
        project_id: Uuid,
        parallel: Option<u32>,
        jobs: &[NewJob<'_>],
    ) -> StoreResult<(Batch, Vec<Uuid>)> {
        let mut tx = self.pool.begin().await?;
        let created = batches::create(&mut tx, project_id, parallel, jobs).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn cancel_batch(&self, project_id: Uuid, batch_id: Uuid) -> StoreResult<BatchCancel> {
        let mut tx = self.pool.begin().await?;
        let done = batches::cancel(&mut tx, project_id, batch_id).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn get_batch(&self, project_id: Uuid, batch_id: Uuid) -> StoreResult<Batch> {
        batches::get(&self.pool, project_id, batch_id).await
    }

    async fn get_job(&self, project_id: Uuid, job_id: Uuid) -> StoreResult<Job> {
        jobs::get(&self.pool, project_id, job_id).await
    }

    async fn list_jobs(&self, project_id: Uuid, filter: &JobFilter) -> StoreResult<Vec<Job>> {
        jobs::list(&self.pool, project_id, filter).await
    }

    async fn claim(&self, node_id: Uuid) -> StoreResult<Option<Claim>> {
        let mut tx = self.pool.begin().await?;
        let claim = executions::claim(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(claim)
    }

    async fn heartbeat(&self, execution_id: Uuid) -> StoreResult<Beat> {
        executions::heartbeat(&self.pool, execution_id).await
    }

    async fn append_logs(&self, execution_id: Uuid, chunks: &[LogChunkIn]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        logs::append(&mut tx, execution_id, chunks).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn read_logs(&self, job_id: Uuid, after: i64, limit: u32) -> StoreResult<Vec<LogChunk>> {
        logs::read(&self.pool, job_id, after, limit).await
    }

    async fn current_job_of(&self, execution_id: Uuid) -> StoreResult<Job> {
        let mut conn = self.pool.acquire().await?;
        let job_id = executions::current_job_id(&mut conn, execution_id, false).await?;
        jobs::fetch(&mut conn, job_id).await
    }

    async fn finish(&self, execution_id: Uuid, outcome: &Outcome) -> StoreResult<FinishEffect> {
        let mut tx = self.pool.begin().await?;
        let effect = executions::finish(&mut tx, execution_id, outcome).await?;
        tx.commit().await?;
        Ok(effect)
    }

    async fn list_artifacts(&self, job_id: Uuid) -> StoreResult<Vec<Artifact>> {
        logs::list_artifacts(&self.pool, job_id).await
    }

    async fn reap(&self, before: DateTime<Utc>) -> StoreResult<u32> {
        executions::reap(&self.pool, before).await
    }

    async fn reap_overdue(&self, before: DateTime<Utc>) -> StoreResult<u32> {
        executions::reap_overdue(&self.pool, before).await
    }

    async fn release_node(&self, node_id: Uuid) -> StoreResult<u32> {
        executions::release_node(&self.pool, node_id).await
    }

    async fn retry(&self, project_id: Uuid, job_id: Uuid, retries: u32) -> StoreResult<Job> {
        let mut tx = self.pool.begin().await?;
        let job = jobs::retry(&mut tx, project_id, job_id, retries).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn cancel(&self, project_id: Uuid, job_id: Uuid) -> StoreResult<Job> {
        let mut tx = self.pool.begin().await?;
        let job = jobs::cancel(&mut tx, project_id, job_id).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn active_counts(&self) -> StoreResult<(u64, u64)> {
        jobs::active_counts(&self.pool).await
    }

    async fn list_nodes(&self) -> StoreResult<Vec<NodeInfo>> {
        overview::nodes(&self.pool).await
    }

    async fn project_overview(
        &self,
        project_id: Uuid,
        since: DateTime<Utc>,
    ) -> StoreResult<Overview> {
        overview::project(&self.pool, project_id, since).await
    }

    async fn add_ordered_node(&self, node: OrderedNode<'_>) -> StoreResult<NodeRecord> {
        nodes::add_ordered(&self.pool, node).await
    }

    async fn set_provider_id(&self, node_id: Uuid, provider_id: &str) -> StoreResult<()> {
        nodes::set_provider_id(&self.pool, node_id, provider_id).await
    }

    async fn node_records(
        &self,
        ended_since: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<NodeRecord>> {
        nodes::list(&self.pool, ended_since).await
    }

    async fn set_node_state(
        &self,
        node_id: Uuid,
        from: &[NodeState],
        to: NodeState,
    ) -> StoreResult<bool> {
        nodes::set_state(&self.pool, node_id, from, to).await
    }

    async fn mark_node_deleted(&self, node_id: Uuid) -> StoreResult<()> {
        nodes::mark_deleted(&self.pool, node_id).await
    }

    async fn abandon_node(&self, node_id: Uuid) -> StoreResult<u32> {
        executions::abandon_node(&self.pool, node_id).await
    }

    async fn usage_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<Usage>> {
        nodes::usage_since(&self.pool, since).await
    }

    async fn try_lead(&self) -> StoreResult<bool> {
        nodes::try_lead(&self.pool, &mut *self.leader.lock().await).await
    }

    async fn record_upload(&self, upload: &UploadRecord) -> StoreResult<()> {
        files::record_upload(&self.pool, upload).await
    }

    async fn touch_uploads(&self, project_id: Uuid, keys: &[String]) -> StoreResult<Vec<String>> {
        files::touch_uploads(&self.pool, project_id, keys).await
    }

    async fn stale_uploads(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<UploadRecord>> {
        files::stale_uploads(&self.pool, before, limit).await
    }

    async fn unexpired_specs_created_before(
        &self,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<(Uuid, String)>> {
        files::unexpired_specs_created_before(&self.pool, before).await
    }

    async fn forget_upload(&self, object_key: &str, before: DateTime<Utc>) -> StoreResult<bool> {
        files::forget_upload(&self.pool, object_key, before).await
    }

    async fn expired_artifacts(
        &self,
        finished_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<ExpiredArtifact>> {
        files::expired_artifacts(&self.pool, finished_before, limit).await
    }

    async fn forget_artifacts(&self, ids: &[i64]) -> StoreResult<()> {
        files::forget_artifacts(&self.pool, ids).await
    }

    async fn known_object_keys(&self, keys: &[String]) -> StoreResult<Vec<String>> {
        files::known_object_keys(&self.pool, keys).await
    }
}

/// Decodes a row selected with [`rows::JOB_COLUMNS`].
fn job_from_row(row: &PgRow) -> StoreResult<Job> {
    Ok(Job {
        id: row.try_get(0)?,
        project_id: row.try_get(1)?,
        project_slug: row.try_get(2)?,
        name: row.try_get(3)?,
        status: rows::status(row.try_get(4)?)?,
        spec_json: row.try_get(5)?,
        attempts: rows::unsigned(i64::from(row.try_get::<i32, _>(6)?), "attempts")?,
        max_retries: rows::unsigned(i64::from(row.try_get::<i32, _>(7)?), "max_retries")?,
        reason: rows::reason(row.try_get(8)?)?,
        exit_code: row.try_get(9)?,
        message: row.try_get(10)?,
        executor: row.try_get(11)?,
        node_name: row.try_get(12)?,
        current_execution: row.try_get(13)?,
        cancel_requested: row.try_get(14)?,
        created_at: row.try_get(15)?,
        started_at: row.try_get(16)?,
        finished_at: row.try_get(17)?,
    })
}

/// A count the caller passes as `u32` into an `INTEGER` column.
fn int4(value: u32, what: &str) -> StoreResult<i32> {
    i32::try_from(value)
        .map_err(|_| super::StoreError::Conflict(format!("{what} {value} is too large")))
}
