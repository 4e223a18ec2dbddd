//! Accounts, users, memberships and user tokens.

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::{get_id, get_opt_time, get_time, id, micros, touch_last_used};
use crate::store::rows;
use crate::store::{Account, Member, Role, StoreError, StoreResult, User};

pub(super) async fn ensure_account(pool: &SqlitePool, slug: &str) -> StoreResult<Account> {
    sqlx::query("INSERT INTO accounts (slug, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bind(slug)
        .bind(micros(rows::now()))
        .execute(pool)
        .await?;
    let row = sqlx::query("SELECT slug, created_at FROM accounts WHERE slug = ?")
        .bind(slug)
        .fetch_one(pool)
        .await?;
    Ok(Account {
        slug: row.try_get(0)?,
        created_at: get_time(&row, 1)?,
    })
}

pub(super) async fn create_user(pool: &SqlitePool, email: &str) -> StoreResult<User> {
    let user = User {
        id: Uuid::now_v7(),
        email: email.to_owned(),
        created_at: rows::now(),
    };
    sqlx::query("INSERT INTO users (id, email, created_at) VALUES (?, ?, ?)")
        .bind(id(user.id))
        .bind(email)
        .bind(micros(user.created_at))
        .execute(pool)
        .await
        .map_err(|err| rows::constraint(err, "user", "user"))?;
    Ok(user)
}

pub(super) async fn user_by_email(pool: &SqlitePool, email: &str) -> StoreResult<User> {
    let row = sqlx::query("SELECT id, email, created_at FROM users WHERE email = ?")
        .bind(email)
        .fetch_optional(pool)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    user_from_row(&row, 0)
}

pub(super) async fn set_role(
    pool: &SqlitePool,
    account: &str,
    user_id: Uuid,
    role: Role,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO memberships (account, user_id, role, created_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (account, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(account)
    .bind(id(user_id))
    .bind(role.as_str())
    .bind(micros(rows::now()))
    .execute(pool)
    .await
    .map_err(|err| rows::constraint(err, "membership", "account or user"))?;
    Ok(())
}

pub(super) async fn remove_member(
    pool: &SqlitePool,
    account: &str,
    user_id: Uuid,
) -> StoreResult<()> {
    let removed = sqlx::query("DELETE FROM memberships WHERE account = ? AND user_id = ?")
        .bind(account)
        .bind(id(user_id))
        .execute(pool)
        .await?;
    if removed.rows_affected() == 0 {
        return Err(StoreError::NotFound("member"));
    }
    Ok(())
}

pub(super) async fn members(pool: &SqlitePool, account: &str) -> StoreResult<Vec<Member>> {
    sqlx::query(
        "SELECT u.id, u.email, u.created_at, m.role FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.account = ? ORDER BY u.email",
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

pub(super) async fn role_of(pool: &SqlitePool, account: &str, user_id: Uuid) -> StoreResult<Role> {
    let role: String =
        sqlx::query_scalar("SELECT role FROM memberships WHERE account = ? AND user_id = ?")
            .bind(account)
            .bind(id(user_id))
            .fetch_optional(pool)
            .await?
            .ok_or(StoreError::NotFound("account"))?;
    rows::role(role)
}

pub(super) async fn user_for_token(pool: &SqlitePool, token_hash: &str) -> StoreResult<User> {
    let row = sqlx::query(
        "SELECT u.id, u.email, u.created_at, t.last_used_at FROM user_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound("user token"))?;
    touch_last_used(
        pool,
        ("user_tokens", "token_hash"),
        token_hash,
        get_opt_time(&row, 3)?,
    )
    .await?;
    user_from_row(&row, 0)
}

fn user_from_row(row: &SqliteRow, first: usize) -> StoreResult<User> {
    Ok(User {
        id: get_id(row, first)?,
        email: row.try_get(first + 1)?,
        created_at: get_time(row, first + 2)?,
    })
}
