//! App-level tokens and the Socket Mode side of the Events API queue.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

use crate::store::apps::DueDelivery;

#[derive(Debug, Clone, FromRow)]
pub struct AppTokenRow {
    pub app_id: String,
    pub team_id: String,
    pub name: String,
    pub scopes: String,
}

pub async fn insert_app_token(
    db: impl AnyExecutor<'_>,
    hash: &str,
    app_id: &str,
    team_id: &str,
    name: &str,
    scopes: &str,
    created: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO app_tokens (hash, app_id, team_id, name, scopes, created) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(hash)
        .bind(app_id)
        .bind(team_id)
        .bind(name)
        .bind(scopes)
        .bind(created)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn app_token(db: impl AnyExecutor<'_>, hash: &str) -> sqlx::Result<Option<AppTokenRow>> {
    sqlx::query_as("SELECT app_id, team_id, name, scopes FROM app_tokens WHERE hash = $1").bind(hash).fetch_optional(db).await
}

pub async fn delete_app_tokens(db: impl AnyExecutor<'_>, app_id: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM app_tokens WHERE app_id = $1").bind(app_id).execute(db).await?.rows_affected())
}

pub async fn set_socket_mode(db: impl AnyExecutor<'_>, app_id: &str, on: bool) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE app_settings SET socket_mode = $2 WHERE app_id = $1").bind(app_id).bind(on as i64).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// The app an id names, with its team (app-level tokens are minted for any app).
pub async fn app_team(db: impl AnyExecutor<'_>, app_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT team_id FROM apps WHERE id = $1").bind(app_id).fetch_optional(db).await
}

/// Deliveries to `app_id`, in Socket Mode, whose (next) attempt is due.
pub async fn due(db: impl AnyExecutor<'_>, app_id: &str, now_ms: i64, limit: i64) -> sqlx::Result<Vec<DueDelivery>> {
    sqlx::query_as(
        "SELECT q.id, q.app_id, q.event_id, q.event_type, q.body, q.attempts, q.last_error, COALESCE(s.request_url, '') AS request_url, \
         s.signing_secret FROM event_queue q JOIN app_settings s ON s.app_id = q.app_id \
         WHERE q.app_id = $3 AND q.state = 'pending' AND q.next_ms <= $1 AND s.socket_mode = 1 \
         ORDER BY q.next_ms, q.created_ms, q.id LIMIT $2",
    )
    .bind(now_ms)
    .bind(limit)
    .bind(app_id)
    .fetch_all(db)
    .await
}

/// An acknowledged envelope: the delivery is done (false when that attempt is
/// no longer the current one, or the row is gone).
pub async fn acked(db: impl AnyExecutor<'_>, id: &str, attempts: i64) -> sqlx::Result<bool> {
    let r =
        sqlx::query("UPDATE event_queue SET state = 'delivered', last_error = NULL WHERE id = $1 AND attempts = $2 AND state = 'pending'")
            .bind(id)
            .bind(attempts)
            .execute(db)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Gives up on a delivery whose last attempt was not acknowledged either.
pub async fn give_up(db: impl AnyExecutor<'_>, id: &str, attempts: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE event_queue SET state = 'failed' WHERE id = $1 AND attempts = $2 AND state = 'pending'")
        .bind(id)
        .bind(attempts)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}
