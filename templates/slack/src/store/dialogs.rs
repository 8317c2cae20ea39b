//! Legacy dialogs opened with dialog.open.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct DialogRow {
    pub id: String,
    pub team_id: String,
    pub app_id: String,
    pub user_id: String,
    pub trigger_id: String,
    pub callback_id: String,
    pub body: String,
    pub created_ms: i64,
}

pub async fn insert(db: impl AnyExecutor<'_>, d: &DialogRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO dialogs (id, team_id, app_id, user_id, trigger_id, callback_id, body, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&d.id)
    .bind(&d.team_id)
    .bind(&d.app_id)
    .bind(&d.user_id)
    .bind(&d.trigger_id)
    .bind(&d.callback_id)
    .bind(&d.body)
    .bind(d.created_ms)
    .execute(db)
    .await?;
    Ok(())
}

/// The dialogs an app opened for a person, oldest first.
pub async fn for_user(db: impl AnyExecutor<'_>, app_id: &str, user_id: &str) -> sqlx::Result<Vec<DialogRow>> {
    sqlx::query_as(
        "SELECT id, team_id, app_id, user_id, trigger_id, callback_id, body, created_ms FROM dialogs \
         WHERE app_id = $1 AND user_id = $2 ORDER BY created_ms, id",
    )
    .bind(app_id)
    .bind(user_id)
    .fetch_all(db)
    .await
}
