//! Accounts, users, memberships and user tokens.

use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};
use uuid::Uuid;

use crate::store::rows;
use crate::store::{Account, Member, Role, StoreError, StoreResult, User};

pub(super) async fn ensure_account(pool: &PgPool, slug: &str) -> StoreResult<Account> {
    sqlx::query("INSERT INTO accounts (slug, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(slug)
        .bind(rows::now())
        .execute(pool)
        .await?;
    let row = sqlx::query("SELECT slug, created_at FROM accounts WHERE slug = $1")
        .bind(slug)
        .fetch_one(pool)
        .await?;
    Ok(Account {
        slug: row.try_get(0)?,
        created_at: row.try_get(1)?,
    })
}

pub(super) async fn create_user(pool: &PgPool, email: &str) -> StoreResult<User> {
    let user = User {
        id: Uuid::now_v7(),
        email: email.to_owned(),
        created_at: rows::now(),
    };
    sqlx::query("INSERT INTO users (id, email, created_at) VALUES ($1, $2, $3)")
        .bind(user.id)
        .bind(email)
        .bind(user.created_at)
        .execute(pool)
        .await
        .map_err(|err| rows::constraint(err, "user", "user"))?;
    Ok(user)
}

pub(super) async fn user_by_email(pool: &PgPool, email: &str) -> StoreResult<User> {
    let row = sqlx::query("SELECT id, email, created_at FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row, 0)
}

pub(super) async fn set_role(
    pool: &PgPool,
    account: &str,
    user_id: Uuid,
    role: Role,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO memberships (account, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(account)
    .bind(user_id)
    .bind(role.as_str())
    .bind(rows::now())
    .execute(pool)
    .await
    .map_err(|err| rows::constraint(err, "membership", "account or user"))?;
    Ok(())
}

pub(super) async fn remove_member(pool: &PgPool, account: &str, user_id: Uuid) -> StoreResult<()> {
    let removed = sqlx::query("DELETE FROM memberships WHERE account = $1 AND user_id = $2")
        .bind(account)
        .bind(user_id)
        .execute(pool)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(StoreError::NotFound("member"));
    }
    Ok(())
}

pub(super) async fn members(pool: &PgPool, account: &str) -> StoreResult<Vec<Member>> {
    sqlx::query(
        "SELECT u.id, u.email, u.created_at, m.role FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.account = $1 ORDER BY u.email",
    )
    .bind(account)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(Member {
            user: user_from_row(row, 0)?,
            role: rows::role(row.try_get(3)?)?,
        })
    })
    .collect()
}

pub(super) async fn role_of(pool: &PgPool, account: &str, user_id: Uuid) -> StoreResult<Role> {
    let role: String =
        sqlx::query_scalar("SELECT role FROM memberships WHERE account = $1 AND user_id = $2")
            .bind(account)
            .bind(user_id)
            .fetch_optional(pool)
            .await?
            .ok_or(StoreError::NotFound("account"))?;
    rows::role(role)
}

pub(super) async fn user_for_token(pool: &PgPool, token_hash: &str) -> StoreResult<User> {
    let now = rows::now();
    let row = sqlx::query(
        "SELECT u.id, u.email, u.created_at FROM user_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("user token"))?;
    sqlx::query(
        "UPDATE user_tokens SET last_used_at = $1 \
         WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(token_hash)
    .bind(now - rows::TOUCH_INTERVAL)
    .execute(pool)
    .await?;
    user_from_row(&row, 0)
}

fn user_from_row(row: &PgRow, first: usize) -> StoreResult<User> {
    Ok(User {
        id: row.try_get(first)?,
        email: row.try_get(first + 1)?,
        created_at: row.try_get(first + 2)?,
    })
}
