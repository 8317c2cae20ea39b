//! Webhook delivery rows: one per (event, endpoint), its signed body byte for
//! byte, and a log of every attempt.

use sqlx::any::AnyExecutor;
use sqlx::{FromRow, Row};

pub struct NewDelivery<'a> {
    pub id: &'a str,
    pub event_id: &'a str,
    pub endpoint_id: &'a str,
    pub event_type: &'a str,
    pub body: &'a str,
    pub now_ms: i64,
}

pub async fn enqueue(db: impl AnyExecutor<'_>, d: &NewDelivery<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, event_type, body, state, attempts, next_ms, last_error, created_ms) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, NULL, $6)",
    )
    .bind(d.id)
    .bind(d.event_id)
    .bind(d.endpoint_id)
    .bind(d.event_type)
    .bind(d.body)
    .bind(d.now_ms)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct Due {
    pub id: String,
    pub event_id: String,
    pub endpoint_id: String,
    pub event_type: String,
    pub body: String,
    pub attempts: i64,
}

pub async fn due(db: impl AnyExecutor<'_>, now_ms: i64, limit: i64) -> sqlx::Result<Vec<Due>> {
    sqlx::query_as::<_, Due>(
        "SELECT id, event_id, endpoint_id, event_type, body, attempts FROM webhook_deliveries \
         WHERE state = 'pending' AND next_ms <= $1 ORDER BY next_ms, created_ms LIMIT $2",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn pending_count(db: impl AnyExecutor<'_>) -> sqlx::Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'").fetch_one(db).await?;
    Ok(row.get::<i64, _>(0))
}

/// Records the outcome of attempt `attempt`; false when the row is gone (a reset).
pub async fn record(
    db: impl AnyExecutor<'_>,
    id: &str,
    attempt: i64,
    state: &str,
    error: Option<&str>,
    next_ms: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET state = $3, attempts = $2 + 1, last_error = $4, next_ms = $5 WHERE id = $1 AND attempts = $2",
    )
    .bind(id)
    .bind(attempt)
    .bind(state)
    .bind(error)
    .bind(next_ms)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(Debug, Clone, FromRow)]
pub struct Attempt {
    pub id: String,
    pub delivery_id: String,
    pub event_id: String,
    pub endpoint_id: String,
    pub event_type: String,
    pub attempt: i64,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub at_ms: i64,
}

pub async fn log_attempt(db: impl AnyExecutor<'_>, a: &Attempt) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO webhook_attempts (id, delivery_id, event_id, endpoint_id, event_type, attempt, status, error, at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&a.id)
    .bind(&a.delivery_id)
    .bind(&a.event_id)
    .bind(&a.endpoint_id)
    .bind(&a.event_type)
    .bind(a.attempt)
    .bind(a.status)
    .bind(&a.error)
    .bind(a.at_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// Attempts in the order they were made, after `after` (a log id), optionally
/// for one endpoint or event.
pub async fn log(
    db: impl AnyExecutor<'_>,
    endpoint: Option<&str>,
    event: Option<&str>,
    after: &str,
    limit: i64,
) -> sqlx::Result<Vec<Attempt>> {
    sqlx::query_as::<_, Attempt>(
        "SELECT id, delivery_id, event_id, endpoint_id, event_type, attempt, status, error, at_ms FROM webhook_attempts \
         WHERE id > $1 AND ($2 = '' OR endpoint_id = $2) AND ($3 = '' OR event_id = $3) ORDER BY id LIMIT $4",
    )
    .bind(after)
    .bind(endpoint.unwrap_or(""))
    .bind(event.unwrap_or(""))
    .bind(limit)
    .fetch_all(db)
    .await
}
