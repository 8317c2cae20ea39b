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

pub async fn set_edit_window(db: impl AnyExecutor<'_>, team: &str, mins: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE teams SET msg_edit_window_mins = $1 WHERE id = $2").bind(mins).bind(team).execute(db).await?;
    Ok(())
}

/// Minutes a person may edit their own message for; -1 means any time.
pub async fn edit_window(db: impl AnyExecutor<'_>, team: &str) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar("SELECT msg_edit_window_mins FROM teams WHERE id = $1").bind(team).fetch_optional(db).await?.unwrap_or(-1))
}

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

// -- workspace family: profiles, presence, lookups, emoji --

/// The profile fields kept beside the users table (`user_profiles`).
#[derive(Debug, Clone, Default, FromRow)]
pub struct ProfileRow {
    pub user_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: String,
    pub skype: String,
    pub pronouns: String,
    pub status_text: String,
    pub status_emoji: String,
    pub status_expiration: i64,
    pub fields: String,
    pub updated: i64,
}

const PROFILE_COLS: &str =
    "user_id, first_name, last_name, phone, skype, pronouns, status_text, status_emoji, status_expiration, fields, updated";

pub async fn profile(db: impl AnyExecutor<'_>, user_id: &str) -> sqlx::Result<Option<ProfileRow>> {
    sqlx::query_as(concatcp!("SELECT ", PROFILE_COLS, " FROM user_profiles WHERE user_id = $1")).bind(user_id).fetch_optional(db).await
}

/// Every stored profile of a team's users (users without a row have defaults).
pub async fn team_profiles(db: impl AnyExecutor<'_>, team_id: &str) -> sqlx::Result<Vec<ProfileRow>> {
    sqlx::query_as(concatcp!("SELECT ", PROFILE_COLS, " FROM user_profiles WHERE user_id IN (SELECT id FROM users WHERE team_id = $1)"))
        .bind(team_id)
        .fetch_all(db)
        .await
}

pub async fn upsert_profile(db: impl AnyExecutor<'_>, p: &ProfileRow) -> sqlx::Result<()> {
    sqlx::query(concatcp!(
        "INSERT INTO user_profiles (",
        PROFILE_COLS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT(user_id) DO UPDATE SET first_name = $2, last_name = $3, phone = $4, skype = $5, pronouns = $6, \
         status_text = $7, status_emoji = $8, status_expiration = $9, fields = $10, updated = $11"
    ))
    .bind(&p.user_id)
    .bind(&p.first_name)
    .bind(&p.last_name)
    .bind(&p.phone)
    .bind(&p.skype)
    .bind(&p.pronouns)
    .bind(&p.status_text)
    .bind(&p.status_emoji)
    .bind(p.status_expiration)
    .bind(&p.fields)
    .bind(p.updated)
    .execute(db)
    .await?;
    Ok(())
}

/// Writes the profile columns that live on the users row.
pub async fn update_user_profile(db: impl AnyExecutor<'_>, u: &UserRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET real_name = $2, display_name = $3, title = $4, email = $5, updated = $6 WHERE id = $1")
        .bind(&u.id)
        .bind(&u.real_name)
        .bind(&u.display_name)
        .bind(&u.title)
        .bind(&u.email)
        .bind(u.updated)
        .execute(db)
        .await?;
    Ok(())
}

/// A team's user by email address, ignoring case.
pub async fn user_by_email(db: impl AnyExecutor<'_>, team_id: &str, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(concatcp!(
        "SELECT ",
        USER_COLS,
        " FROM users WHERE team_id = $1 AND LOWER(email) = LOWER($2) ORDER BY deleted, id LIMIT 1"
    ))
    .bind(team_id)
    .bind(email)
    .fetch_optional(db)
    .await
}

/// Whether another user of the team already has `email`.
pub async fn email_taken(db: impl AnyExecutor<'_>, team_id: &str, email: &str, except: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE team_id = $1 AND LOWER(email) = LOWER($2) AND id <> $3")
        .bind(team_id)
        .bind(email)
        .bind(except)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// A team's user by `name` (username) or display name, for `from:@name`.
pub async fn user_by_name(db: impl AnyExecutor<'_>, team_id: &str, name: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(concatcp!(
        "SELECT ",
        USER_COLS,
        " FROM users WHERE team_id = $1 AND (LOWER(name) = LOWER($2) OR LOWER(display_name) = LOWER($2)) \
         ORDER BY deleted, CASE WHEN LOWER(name) = LOWER($2) THEN 0 ELSE 1 END, id LIMIT 1"
    ))
    .bind(team_id)
    .bind(name)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct PresenceRow {
    #[sqlx(try_from = "asym_store::Flag")]
    pub manual_away: bool,
    pub last_activity: i64,
}

pub async fn presence(db: impl AnyExecutor<'_>, user_id: &str) -> sqlx::Result<Option<PresenceRow>> {
    sqlx::query_as("SELECT manual_away, last_activity FROM user_presence WHERE user_id = $1").bind(user_id).fetch_optional(db).await
}

pub async fn set_presence(db: impl AnyExecutor<'_>, user_id: &str, manual_away: bool, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO user_presence (user_id, manual_away, last_activity) VALUES ($1, $2, $3) \
         ON CONFLICT(user_id) DO UPDATE SET manual_away = $2, last_activity = $3",
    )
    .bind(user_id)
    .bind(manual_away as i64)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct EmojiRow {
    pub name: String,
    pub image_hash: Option<String>,
    pub alias_for: Option<String>,
    pub created: i64,
}

pub async fn emoji(db: impl AnyExecutor<'_>) -> sqlx::Result<Vec<EmojiRow>> {
    sqlx::query_as("SELECT name, image_hash, alias_for, created FROM emoji ORDER BY name").fetch_all(db).await
}
