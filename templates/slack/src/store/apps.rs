//! Apps made from a manifest, the Events API delivery queue and its log, and the
//! password lookup of the web login.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

/// What an app's manifest asked for, and its credentials.
#[derive(Debug, Clone)]
pub struct NewSettings<'a> {
    pub app_id: &'a str,
    pub manifest: &'a str,
    pub bot_scopes: &'a str,
    pub user_scopes: &'a str,
    pub installer_user_id: Option<&'a str>,
    pub request_url: Option<&'a str>,
    pub bot_events: &'a str,
    pub user_events: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub signing_secret: &'a str,
    pub verification_token: &'a str,
    pub created_ms: i64,
}

pub async fn insert_settings(db: impl AnyExecutor<'_>, s: &NewSettings<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO app_settings (app_id, manifest, bot_scopes, user_scopes, installer_user_id, request_url, bot_events, \
         user_events, url_verified, client_id, client_secret, signing_secret, verification_token, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13)",
    )
    .bind(s.app_id)
    .bind(s.manifest)
    .bind(s.bot_scopes)
    .bind(s.user_scopes)
    .bind(s.installer_user_id)
    .bind(s.request_url)
    .bind(s.bot_events)
    .bind(s.user_events)
    .bind(s.client_id)
    .bind(s.client_secret)
    .bind(s.signing_secret)
    .bind(s.verification_token)
    .bind(s.created_ms)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_url_verified(db: impl AnyExecutor<'_>, app_id: &str, verified: bool) -> sqlx::Result<bool> {
    let r =
        sqlx::query("UPDATE app_settings SET url_verified = $2 WHERE app_id = $1").bind(app_id).bind(verified as i64).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// One app as `GET /api/_asym/apps` lists it; the settings are absent for the
/// provisioned default app.
#[derive(Debug, Clone, FromRow)]
pub struct AppRow {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub bot_id: String,
    pub bot_user_id: String,
    pub created: i64,
    pub bot_scopes: Option<String>,
    pub user_scopes: Option<String>,
    pub installer_user_id: Option<String>,
    pub request_url: Option<String>,
    pub bot_events: Option<String>,
    pub user_events: Option<String>,
    pub url_verified: Option<i64>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub signing_secret: Option<String>,
    pub verification_token: Option<String>,
}

const APP_COLS: &str = "a.id, a.team_id, a.name, a.bot_id, a.bot_user_id, a.created, s.bot_scopes, s.user_scopes, s.installer_user_id, \
    s.request_url, s.bot_events, s.user_events, s.url_verified, s.client_id, s.client_secret, s.signing_secret, s.verification_token";

pub async fn list(db: impl AnyExecutor<'_>) -> sqlx::Result<Vec<AppRow>> {
    sqlx::query_as(concatcp!("SELECT ", APP_COLS, " FROM apps a LEFT JOIN app_settings s ON s.app_id = a.id ORDER BY a.created, a.id"))
        .fetch_all(db)
        .await
}

/// An app that receives events: it is in Socket Mode, or has a request URL that
/// answered the challenge.
#[derive(Debug, Clone, FromRow)]
pub struct Subscriber {
    pub app_id: String,
    pub team_id: String,
    pub bot_user_id: String,
    pub installer_user_id: Option<String>,
    pub bot_events: String,
    pub user_events: String,
    pub verification_token: String,
    pub created_ms: i64,
    /// Set once the app was uninstalled: it gets no event from after this moment.
    pub uninstalled_ms: Option<i64>,
}

pub async fn subscribers(db: impl AnyExecutor<'_>) -> sqlx::Result<Vec<Subscriber>> {
    sqlx::query_as(
        "SELECT s.app_id, a.team_id, a.bot_user_id, s.installer_user_id, s.bot_events, s.user_events, s.verification_token, s.created_ms, s.uninstalled_ms \
         FROM app_settings s JOIN apps a ON a.id = s.app_id \
         WHERE (s.socket_mode = 1 OR (s.request_url IS NOT NULL AND s.url_verified = 1)) ORDER BY s.created_ms, s.app_id",
    )
    .fetch_all(db)
    .await
}

/// The newest outbox event already routed (the low-water mark of the next scan).
pub async fn fanout_mark(db: impl AnyExecutor<'_>) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MAX(created_ms) FROM event_fanout").fetch_one(db).await
}

#[derive(Debug, Clone, FromRow)]
pub struct OutboxEvent {
    pub id: String,
    pub team_id: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub payload: String,
    pub created_ms: i64,
}

/// Outbox events from `since_ms` on that have not been routed yet, oldest first.
pub async fn unrouted(db: impl AnyExecutor<'_>, since_ms: i64, limit: i64) -> sqlx::Result<Vec<OutboxEvent>> {
    sqlx::query_as(
        "SELECT e.id, e.team_id, e.type, e.payload, e.created_ms FROM events e \
         WHERE e.created_ms >= $1 AND NOT EXISTS (SELECT 1 FROM event_fanout f WHERE f.event_id = e.id) \
         ORDER BY e.created_ms, e.id LIMIT $2",
    )
    .bind(since_ms)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Marks an outbox event routed; false when another pass did it first.
pub async fn mark_routed(db: impl AnyExecutor<'_>, event_id: &str, created_ms: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("INSERT INTO event_fanout (event_id, created_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(event_id)
        .bind(created_ms)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub struct NewDelivery<'a> {
    pub id: &'a str,
    pub app_id: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub body: &'a str,
    pub created_ms: i64,
}

pub async fn enqueue(db: impl AnyExecutor<'_>, d: &NewDelivery<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO event_queue (id, app_id, event_id, event_type, body, attempts, next_ms, state, created_ms) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, 'pending', $6) ON CONFLICT DO NOTHING",
    )
    .bind(d.id)
    .bind(d.app_id)
    .bind(d.event_id)
    .bind(d.event_type)
    .bind(d.body)
    .bind(d.created_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// A delivery whose (next) attempt is due, with where and how to send it.
#[derive(Debug, Clone, FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub app_id: String,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub request_url: String,
    pub signing_secret: String,
}

pub async fn due(db: impl AnyExecutor<'_>, now_ms: i64, limit: i64) -> sqlx::Result<Vec<DueDelivery>> {
    sqlx::query_as(
        "SELECT q.id, q.app_id, q.event_id, q.event_type, q.body, q.attempts, q.last_error, s.request_url, s.signing_secret \
         FROM event_queue q JOIN app_settings s ON s.app_id = q.app_id \
         WHERE q.state = 'pending' AND q.next_ms <= $1 AND s.request_url IS NOT NULL AND s.socket_mode = 0 \
         ORDER BY q.next_ms, q.created_ms, q.id LIMIT $2",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Whether attempt `attempt` of a delivery is still to be made (no other pass made it).
pub async fn still_due(db: impl AnyExecutor<'_>, id: &str, attempt: i64, now_ms: i64) -> sqlx::Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM event_queue WHERE id = $1 AND attempts = $2 AND state = 'pending' AND next_ms <= $3")
            .bind(id)
            .bind(attempt)
            .bind(now_ms)
            .fetch_one(db)
            .await?;
    Ok(n == 1)
}

/// Records the outcome of attempt `attempt`; false when the row is gone (the
/// database was reset meanwhile) or another attempt was recorded first.
pub async fn record_attempt(
    db: impl AnyExecutor<'_>,
    id: &str,
    attempt: i64,
    state: &str,
    last_error: Option<&str>,
    next_ms: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE event_queue SET attempts = $2 + 1, state = $3, last_error = $4, next_ms = $5 \
         WHERE id = $1 AND attempts = $2 AND state = 'pending'",
    )
    .bind(id)
    .bind(attempt)
    .bind(state)
    .bind(last_error)
    .bind(next_ms)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Clone, FromRow)]
pub struct LogRow {
    pub id: String,
    pub queue_id: String,
    pub event_id: String,
    pub app_id: String,
    pub event_type: String,
    pub attempt: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub at_ms: i64,
}

pub async fn log_attempt(db: impl AnyExecutor<'_>, l: &LogRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO event_deliveries (id, queue_id, event_id, app_id, event_type, attempt, status, error, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&l.id)
    .bind(&l.queue_id)
    .bind(&l.event_id)
    .bind(&l.app_id)
    .bind(&l.event_type)
    .bind(l.attempt)
    .bind(l.status)
    .bind(&l.error)
    .bind(l.at_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// The delivery log in the order attempts were made, optionally of one app or
/// one event, after the cursor `after` (a log id), at most `limit`.
pub async fn log(
    db: impl AnyExecutor<'_>,
    app_id: Option<&str>,
    event_id: Option<&str>,
    after: &str,
    limit: i64,
) -> sqlx::Result<Vec<LogRow>> {
    sqlx::query_as(
        "SELECT id, queue_id, event_id, app_id, event_type, attempt, status, error, at_ms FROM event_deliveries \
         WHERE ($1 = '' OR app_id = $1) AND ($2 = '' OR event_id = $2) AND id > $3 ORDER BY id LIMIT $4",
    )
    .bind(app_id.unwrap_or(""))
    .bind(event_id.unwrap_or(""))
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A person who can sign in to the web client, with the stored password hash.
#[derive(Debug, Clone, FromRow)]
pub struct LoginRow {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
}

pub async fn login_user(db: impl AnyExecutor<'_>, email: &str) -> sqlx::Result<Option<LoginRow>> {
    sqlx::query_as(
        "SELECT id, team_id, name, email, password_hash FROM users \
         WHERE LOWER(email) = LOWER($1) AND is_bot = 0 AND deleted = 0 ORDER BY team_id, id LIMIT 1",
    )
    .bind(email)
    .fetch_optional(db)
    .await
}

/// The app whose credentials these are (apps made from a manifest only).
pub async fn by_client_id(db: impl AnyExecutor<'_>, client_id: &str) -> sqlx::Result<Option<AppRow>> {
    sqlx::query_as(concatcp!("SELECT ", APP_COLS, " FROM apps a JOIN app_settings s ON s.app_id = a.id WHERE s.client_id = $1"))
        .bind(client_id)
        .fetch_optional(db)
        .await
}

/// Marks an app uninstalled; false when it was already.
pub async fn mark_uninstalled(db: impl AnyExecutor<'_>, app_id: &str, at_ms: i64) -> sqlx::Result<bool> {
    let n = sqlx::query("UPDATE app_settings SET uninstalled_ms = $2 WHERE app_id = $1 AND uninstalled_ms IS NULL")
        .bind(app_id)
        .bind(at_ms)
        .execute(db)
        .await?;
    Ok(n.rows_affected() > 0)
}

/// Marks an uninstalled app's bot user deleted, as Slack shows it.
pub async fn delete_bot_user(db: impl AnyExecutor<'_>, user_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET deleted = 1, updated = $2 WHERE id = $1 AND is_bot = 1").bind(user_id).bind(now).execute(db).await?;
    Ok(())
}
