//! Teams, users, apps and tokens.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct TeamRow {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub created: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub real_name: String,
    pub display_name: String,
    pub email: Option<String>,
    pub title: String,
    pub tz: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_admin: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_owner: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_primary_owner: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_bot: bool,
    pub bot_id: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub deleted: bool,
    pub presence: String,
    pub updated: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub kind: String,
    pub team_id: String,
    pub user_id: String,
    pub app_id: Option<String>,
    pub scopes: String,
    pub bot_id: Option<String>,
}

const USER_COLS: &str = "id, team_id, name, real_name, display_name, email, title, tz, is_admin, is_owner, is_primary_owner, is_bot, bot_id, deleted, presence, updated";

pub async fn insert_team(db: impl AnyExecutor<'_>, t: &TeamRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO teams (id, name, domain, created) VALUES ($1, $2, $3, $4)")
        .bind(&t.id)
        .bind(&t.name)
        .bind(&t.domain)
        .bind(t.created)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn first_team(db: impl AnyExecutor<'_>) -> sqlx::Result<Option<TeamRow>> {
    sqlx::query_as("SELECT id, name, domain, created FROM teams ORDER BY created, id LIMIT 1").fetch_optional(db).await
}

pub async fn team(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<TeamRow>> {
    sqlx::query_as("SELECT id, name, domain, created FROM teams WHERE id = $1").bind(id).fetch_optional(db).await
}

pub async fn insert_user(db: impl AnyExecutor<'_>, u: &UserRow, password_hash: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, team_id, name, real_name, display_name, email, title, tz, is_admin, is_owner, \
         is_primary_owner, is_bot, bot_id, deleted, presence, updated, password_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(&u.id)
    .bind(&u.team_id)
    .bind(&u.name)
    .bind(&u.real_name)
    .bind(&u.display_name)
    .bind(&u.email)
    .bind(&u.title)
    .bind(&u.tz)
    .bind(u.is_admin as i64)
    .bind(u.is_owner as i64)
    .bind(u.is_primary_owner as i64)
    .bind(u.is_bot as i64)
    .bind(&u.bot_id)
    .bind(u.deleted as i64)
    .bind(&u.presence)
    .bind(u.updated)
    .bind(password_hash)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn user(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(concatcp!("SELECT ", USER_COLS, " FROM users WHERE id = $1")).bind(id).fetch_optional(db).await
}

pub async fn primary_owner(db: impl AnyExecutor<'_>, team_id: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(concatcp!(
        "SELECT ",
        USER_COLS,
        " FROM users WHERE team_id = $1 AND is_bot = 0 AND deleted = 0 \
         ORDER BY is_primary_owner DESC, is_owner DESC, is_admin DESC, id LIMIT 1"
    ))
    .bind(team_id)
    .fetch_optional(db)
    .await
}

/// Users ordered by id, after `after` (a cursor), at most `limit`.
pub async fn users_page(db: impl AnyExecutor<'_>, team_id: &str, after: &str, limit: i64) -> sqlx::Result<Vec<UserRow>> {
    sqlx::query_as(concatcp!("SELECT ", USER_COLS, " FROM users WHERE team_id = $1 AND id > $2 ORDER BY id LIMIT $3"))
        .bind(team_id)
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await
}

pub async fn insert_app(
    db: impl AnyExecutor<'_>,
    id: &str,
    team_id: &str,
    name: &str,
    bot_id: &str,
    bot_user_id: &str,
    created: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO apps (id, team_id, name, bot_id, bot_user_id, created) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT(id) DO NOTHING",
    )
    .bind(id)
    .bind(team_id)
    .bind(name)
    .bind(bot_id)
    .bind(bot_user_id)
    .bind(created)
    .execute(db)
    .await?;
    Ok(())
}

pub struct NewToken<'a> {
    pub hash: &'a str,
    pub kind: &'a str,
    pub team_id: &'a str,
    pub user_id: &'a str,
    pub app_id: Option<&'a str>,
    pub scopes: &'a str,
    pub created: i64,
}

pub async fn insert_token(db: impl AnyExecutor<'_>, t: NewToken<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO tokens (hash, kind, team_id, user_id, app_id, scopes, created) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT(hash) DO NOTHING",
    )
    .bind(t.hash)
    .bind(t.kind)
    .bind(t.team_id)
    .bind(t.user_id)
    .bind(t.app_id)
    .bind(t.scopes)
    .bind(t.created)
    .execute(db)
    .await?;
    Ok(())
}

/// Revokes every token of one app (before its credentials are re-applied).
pub async fn delete_app_tokens(db: impl AnyExecutor<'_>, app_id: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM tokens WHERE app_id = $1").bind(app_id).execute(db).await?.rows_affected())
}

pub async fn delete_token(db: impl AnyExecutor<'_>, hash: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM tokens WHERE hash = $1").bind(hash).execute(db).await?;
    Ok(())
}

pub async fn token(db: impl AnyExecutor<'_>, hash: &str) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as(
        "SELECT t.kind, t.team_id, t.user_id, t.app_id, t.scopes, a.bot_id \
         FROM tokens t LEFT JOIN apps a ON a.id = t.app_id WHERE t.hash = $1",
    )
    .bind(hash)
    .fetch_optional(db)
    .await
}
