//! OAuth authorization codes, the access log of sign-ins and the integration log
//! of apps added and removed.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub app_id: String,
    pub team_id: String,
    pub user_id: String,
    pub bot_scopes: String,
    pub user_scopes: String,
    pub redirect_uri: Option<String>,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
}

pub async fn insert_code(db: impl AnyExecutor<'_>, c: &CodeRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO oauth_codes (code_hash, app_id, team_id, user_id, bot_scopes, user_scopes, redirect_uri, created_ms, expires_ms, used_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&c.code_hash)
    .bind(&c.app_id)
    .bind(&c.team_id)
    .bind(&c.user_id)
    .bind(&c.bot_scopes)
    .bind(&c.user_scopes)
    .bind(&c.redirect_uri)
    .bind(c.created_ms)
    .bind(c.expires_ms)
    .bind(c.used_ms)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn code(db: impl AnyExecutor<'_>, code_hash: &str) -> sqlx::Result<Option<CodeRow>> {
    sqlx::query_as(
        "SELECT code_hash, app_id, team_id, user_id, bot_scopes, user_scopes, redirect_uri, created_ms, expires_ms, used_ms \
         FROM oauth_codes WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(db)
    .await
}

/// Marks a code exchanged; false when another exchange did it first.
pub async fn use_code(db: impl AnyExecutor<'_>, code_hash: &str, now_ms: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE oauth_codes SET used_ms = $2 WHERE code_hash = $1 AND used_ms IS NULL")
        .bind(code_hash)
        .bind(now_ms)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The manifest text of an app made from a manifest.
pub async fn manifest(db: impl AnyExecutor<'_>, app_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT manifest FROM app_settings WHERE app_id = $1").bind(app_id).fetch_optional(db).await
}

/// Counts one more sign-in of `user_id` from `ip` with `user_agent` at `now`.
pub async fn log_access(db: impl AnyExecutor<'_>, team_id: &str, user_id: &str, ip: &str, user_agent: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO access_logs (team_id, user_id, ip, user_agent, count, date_first, date_last) VALUES ($1, $2, $3, $4, 1, $5, $5) \
         ON CONFLICT(user_id, ip, user_agent) DO UPDATE SET count = access_logs.count + 1, date_last = $5",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(ip)
    .bind(user_agent)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct AccessRow {
    pub user_id: String,
    pub username: String,
    pub ip: String,
    pub user_agent: String,
    pub count: i64,
    pub date_first: i64,
    pub date_last: i64,
}

/// A team's access log, most recent first, of sign-ins last seen before `before`.
pub async fn access_logs(db: impl AnyExecutor<'_>, team_id: &str, before: i64, limit: i64, offset: i64) -> sqlx::Result<Vec<AccessRow>> {
    sqlx::query_as(
        "SELECT l.user_id, u.name AS username, l.ip, l.user_agent, l.count, l.date_first, l.date_last \
         FROM access_logs l JOIN users u ON u.id = l.user_id \
         WHERE l.team_id = $1 AND l.date_last < $2 ORDER BY l.date_last DESC, l.user_id, l.ip, l.user_agent LIMIT $3 OFFSET $4",
    )
    .bind(team_id)
    .bind(before)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn count_access_logs(db: impl AnyExecutor<'_>, team_id: &str, before: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM access_logs WHERE team_id = $1 AND date_last < $2")
        .bind(team_id)
        .bind(before)
        .fetch_one(db)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct IntegrationRow {
    pub id: String,
    pub team_id: String,
    pub app_id: String,
    pub app_type: String,
    pub user_id: String,
    pub change_type: String,
    pub scope: String,
    pub reason: Option<String>,
    pub date: i64,
}

pub async fn log_integration(db: impl AnyExecutor<'_>, r: &IntegrationRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO integration_logs (id, team_id, app_id, app_type, user_id, change_type, scope, reason, date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.id)
    .bind(&r.team_id)
    .bind(&r.app_id)
    .bind(&r.app_type)
    .bind(&r.user_id)
    .bind(&r.change_type)
    .bind(&r.scope)
    .bind(&r.reason)
    .bind(r.date)
    .execute(db)
    .await?;
    Ok(())
}

/// One integration log entry with the names Slack shows beside the ids.
#[derive(Debug, Clone, FromRow)]
pub struct IntegrationView {
    pub app_id: String,
    pub app_type: String,
    pub user_id: String,
    pub user_name: String,
    pub service_name: String,
    pub change_type: String,
    pub scope: String,
    pub reason: Option<String>,
    pub date: i64,
}

/// A team's integration log, newest first, filtered by app, user and change type
/// (empty filters match everything).
pub async fn integration_logs(
    db: impl AnyExecutor<'_>,
    team_id: &str,
    app_id: &str,
    user_id: &str,
    change_type: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<IntegrationView>, i64)> {
    // The total comes with the page (a window count), so one executor suffices.
    let views: Vec<IntegrationViewCounted> = sqlx::query_as(
        "SELECT l.app_id, l.app_type, l.user_id, COALESCE(u.name, '') AS user_name, COALESCE(a.name, '') AS service_name, \
         l.change_type, l.scope, l.reason, l.date, COUNT(*) OVER () AS total \
         FROM integration_logs l LEFT JOIN users u ON u.id = l.user_id LEFT JOIN apps a ON a.id = l.app_id \
         WHERE l.team_id = $1 AND ($2 = '' OR l.app_id = $2) AND ($3 = '' OR l.user_id = $3) AND ($4 = '' OR l.change_type = $4) \
         ORDER BY l.date DESC, l.id DESC LIMIT $5 OFFSET $6",
    )
    .bind(team_id)
    .bind(app_id)
    .bind(user_id)
    .bind(change_type)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let total = views.first().map(|v| v.total).unwrap_or(0);
    Ok((views.into_iter().map(|v| v.view).collect(), total))
}

#[derive(Debug, Clone, FromRow)]
struct IntegrationViewCounted {
    #[sqlx(flatten)]
    view: IntegrationView,
    total: i64,
}
