//! The SQLite backend, for the embedded one-machine grid.
//!
//! Every write runs in a `BEGIN IMMEDIATE` transaction: it takes SQLite's single write lock
//! at the start, so a read-then-write such as a claim can never be overtaken by another
//! writer between its read and its write (which with a plain deferred `BEGIN` ends in
//! `SQLITE_BUSY` or, worse, two claims of one job). Readers are not blocked thanks to WAL,
//! and writers wait for each other through `busy_timeout` instead of failing.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rgrid_spec::api::{LogChunkIn, NodeState};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};
use uuid::fmt::Hyphenated;
use uuid::Uuid;

use super::rows;
use super::{
    Account, ApiKeyInfo, Artifact, Batch, BatchCancel, Beat, Claim, ExpiredArtifact, FinishEffect,
    Job, JobFilter, KeyGrant, LogChunk, Member, NewApiKey, NewBootstrapToken, NewJob, NewNode,
    NewToken, Node, NodeInfo, NodeRecord, OrderedNode, Outcome, Overview, Project, Role, Store,
    StoreError, StoreResult, TokenInfo, UploadRecord, Usage, User,
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

/// How long a writer waits for SQLite's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct SqliteStore {
    pool: SqlitePool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url`: `sqlite:///abs/path.db`,
    /// `sqlite://relative.db`, `sqlite::memory:` or a plain file path.
    pub async fn connect(url: &str) -> StoreResult<SqliteStore> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // Each connection to `:memory:` would be its own empty database.
        let max_connections = if url.contains(":memory:") { 1 } else { 8 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await?;
        Ok(SqliteStore { pool })
    }

    /// A write transaction holding the database's write lock from its first statement.
    async fn write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/sqlite")
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
        let mut tx = self.write().await?;
        tenancy::mark_node_revoked(&mut tx, node_id).await?;
        let abandoned = executions::abandon_revoked_node(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(abandoned)
    }

    async fn register_node(&self, node: NewNode<'_>) -> StoreResult<Node> {
        tenancy::register_node(&self.pool, node).await
    }

    async fn node_for_token(&self, token_hash: &str) -> StoreResult<Node> {
        tenancy::node_for_token(&self.pool, token_hash).await
    }

    async fn create_job(&self, job: NewJob<'_>) -> StoreResult<Job> {
        let mut tx = self.write().await?;
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
        let mut tx = self.write().await?;
        let created = batches::create(&mut tx, project_id, parallel, jobs).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn cancel_batch(&self, project_id: Uuid, batch_id: Uuid) -> StoreResult<BatchCancel> {
        let mut tx = self.write().await?;
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
        let mut tx = self.write().await?;
        let claim = executions::claim(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(claim)
    }

    async fn heartbeat(&self, execution_id: Uuid) -> StoreResult<Beat> {
        let mut tx = self.write().await?;
        let beat = executions::heartbeat(&mut tx, execution_id).await?;
        tx.commit().await?;
        Ok(beat)
    }

    async fn append_logs(&self, execution_id: Uuid, chunks: &[LogChunkIn]) -> StoreResult<()> {
        let mut tx = self.write().await?;
        logs::append(&mut tx, execution_id, chunks).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn read_logs(&self, job_id: Uuid, after: i64, limit: u32) -> StoreResult<Vec<LogChunk>> {
        logs::read(&self.pool, job_id, after, limit).await
    }

    async fn current_job_of(&self, execution_id: Uuid) -> StoreResult<Job> {
        let mut conn = self.pool.acquire().await?;
        let job_id = executions::current_job_id(&mut conn, execution_id).await?;
        jobs::fetch(&mut conn, job_id).await
    }

    async fn finish(&self, execution_id: Uuid, outcome: &Outcome) -> StoreResult<FinishEffect> {
        let mut tx = self.write().await?;
        let effect = executions::finish(&mut tx, execution_id, outcome).await?;
        tx.commit().await?;
        Ok(effect)
    }

    async fn list_artifacts(&self, job_id: Uuid) -> StoreResult<Vec<Artifact>> {
        logs::list_artifacts(&self.pool, job_id).await
    }

    async fn reap(&self, before: DateTime<Utc>) -> StoreResult<u32> {
        let mut tx = self.write().await?;
        let reaped = executions::reap(&mut tx, before).await?;
        tx.commit().await?;
        Ok(reaped)
    }

    async fn reap_overdue(&self, before: DateTime<Utc>) -> StoreResult<u32> {
        let mut tx = self.write().await?;
        let reaped = executions::reap_overdue(&mut tx, before).await?;
        tx.commit().await?;
        Ok(reaped)
    }

    async fn release_node(&self, node_id: Uuid) -> StoreResult<u32> {
        let mut tx = self.write().await?;
        let released = executions::release_node(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(released)
    }

    async fn retry(&self, project_id: Uuid, job_id: Uuid, retries: u32) -> StoreResult<Job> {
        let mut tx = self.write().await?;
        let job = jobs::retry(&mut tx, project_id, job_id, retries).await?;
        tx.commit().await?;
        Ok(job)
    }

    async fn cancel(&self, project_id: Uuid, job_id: Uuid) -> StoreResult<Job> {
        let mut tx = self.write().await?;
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
        let mut tx = self.write().await?;
        let record = nodes::add_ordered(&mut tx, node).await?;
        tx.commit().await?;
        Ok(record)
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
        let mut tx = self.write().await?;
        let moved = nodes::set_state(&mut tx, node_id, from, to).await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn mark_node_deleted(&self, node_id: Uuid) -> StoreResult<()> {
        nodes::mark_deleted(&self.pool, node_id).await
    }

    async fn abandon_node(&self, node_id: Uuid) -> StoreResult<u32> {
        let mut tx = self.write().await?;
        let abandoned = executions::abandon_node(&mut tx, node_id).await?;
        tx.commit().await?;
        Ok(abandoned)
    }

    async fn usage_since(&self, since: DateTime<Utc>) -> StoreResult<Vec<Usage>> {
        nodes::usage_since(&self.pool, since).await
    }

    /// SQLite serves one process (the embedded grid): it always leads.
    async fn try_lead(&self) -> StoreResult<bool> {
        Ok(true)
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

/// Ids are stored as hyphenated UUID text.
fn id(id: Uuid) -> Hyphenated {
    id.hyphenated()
}

fn get_id(row: &SqliteRow, column: usize) -> StoreResult<Uuid> {
    Ok(row.try_get::<Hyphenated, _>(column)?.into_uuid())
}

fn get_opt_id(row: &SqliteRow, column: usize) -> StoreResult<Option<Uuid>> {
    Ok(row
        .try_get::<Option<Hyphenated>, _>(column)?
        .map(Hyphenated::into_uuid))
}

/// Times are stored as microseconds since the Unix epoch.
/// Records that a credential was used, at most once per `rows::TOUCH_INTERVAL`: even an UPDATE
/// that matches no row takes SQLite's write lock, so it runs only when `last_used` says it is
/// due. `table` keys the credential by `hash_column`; both are fixed names, never user input.
async fn touch_last_used(
    pool: &SqlitePool,
    (table, hash_column): (&'static str, &'static str),
    hash: &str,
    last_used: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let now = rows::now();
    if rows::touch_due(last_used, now) {
        sqlx::query(&format!(
            "UPDATE {table} SET last_used_at = ? \
             WHERE {hash_column} = ? AND (last_used_at IS NULL OR last_used_at < ?)"
        ))
        .bind(micros(now))
        .bind(hash)
        .bind(micros(now - rows::TOUCH_INTERVAL))
        .execute(pool)
        .await?;
    }
    Ok(())
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn time(micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {micros}")))
}

fn get_time(row: &SqliteRow, column: usize) -> StoreResult<DateTime<Utc>> {
    time(row.try_get(column)?)
}

fn get_opt_time(row: &SqliteRow, column: usize) -> StoreResult<Option<DateTime<Utc>>> {
    row.try_get::<Option<i64>, _>(column)?.map(time).transpose()
}

/// Decodes a row selected with [`rows::JOB_COLUMNS`].
fn job_from_row(row: &SqliteRow) -> StoreResult<Job> {
    Ok(Job {
        id: get_id(row, 0)?,
        project_id: get_id(row, 1)?,
        project_slug: row.try_get(2)?,
        name: row.try_get(3)?,
        status: rows::status(row.try_get(4)?)?,
        spec_json: row.try_get(5)?,
        attempts: rows::unsigned(row.try_get(6)?, "attempts")?,
        max_retries: rows::unsigned(row.try_get(7)?, "max_retries")?,
        reason: rows::reason(row.try_get(8)?)?,
        exit_code: row.try_get(9)?,
        message: row.try_get(10)?,
        executor: row.try_get(11)?,
        node_name: row.try_get(12)?,
        current_execution: get_opt_id(row, 13)?,
        cancel_requested: row.try_get(14)?,
        created_at: get_time(row, 15)?,
        started_at: get_opt_time(row, 16)?,
        finished_at: get_opt_time(row, 17)?,
    })
}
