//! Calls registered with the Calls API and their participants.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct CallRow {
    pub id: String,
    pub team_id: String,
    pub app_id: String,
    pub created_by: String,
    pub external_unique_id: String,
    pub external_display_id: Option<String>,
    pub join_url: String,
    pub desktop_app_join_url: Option<String>,
    pub title: Option<String>,
    pub date_start: i64,
    pub date_end: Option<i64>,
    pub created: i64,
}

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct ParticipantRow {
    pub participant: String,
    pub slack_id: Option<String>,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub avatar_url: Option<String>,
}

pub async fn insert(db: impl AnyExecutor<'_>, c: &CallRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO calls (id, team_id, app_id, created_by, external_unique_id, external_display_id, join_url, desktop_app_join_url, \
         title, date_start, date_end, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&c.id)
    .bind(&c.team_id)
    .bind(&c.app_id)
    .bind(&c.created_by)
    .bind(&c.external_unique_id)
    .bind(&c.external_display_id)
    .bind(&c.join_url)
    .bind(&c.desktop_app_join_url)
    .bind(&c.title)
    .bind(c.date_start)
    .bind(c.date_end)
    .bind(c.created)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<CallRow>> {
    sqlx::query_as(
        "SELECT id, team_id, app_id, created_by, external_unique_id, external_display_id, join_url, desktop_app_join_url, title, \
         date_start, date_end, created FROM calls WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn update(db: impl AnyExecutor<'_>, c: &CallRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE calls SET title = $2, join_url = $3, desktop_app_join_url = $4, date_end = $5 WHERE id = $1")
        .bind(&c.id)
        .bind(&c.title)
        .bind(&c.join_url)
        .bind(&c.desktop_app_join_url)
        .bind(c.date_end)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn participants(db: impl AnyExecutor<'_>, call_id: &str) -> sqlx::Result<Vec<ParticipantRow>> {
    sqlx::query_as(
        "SELECT participant, slack_id, external_id, display_name, avatar_url FROM call_participants WHERE call_id = $1 ORDER BY position",
    )
    .bind(call_id)
    .fetch_all(db)
    .await
}

pub async fn add_participant(db: impl AnyExecutor<'_>, call_id: &str, p: &ParticipantRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO call_participants (call_id, participant, position, slack_id, external_id, display_name, avatar_url) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM call_participants WHERE call_id = $1), $3, $4, $5, $6)",
    )
    .bind(call_id)
    .bind(&p.participant)
    .bind(&p.slack_id)
    .bind(&p.external_id)
    .bind(&p.display_name)
    .bind(&p.avatar_url)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn remove_participant(db: impl AnyExecutor<'_>, call_id: &str, participant: &str) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM call_participants WHERE call_id = $1 AND participant = $2")
        .bind(call_id)
        .bind(participant)
        .execute(db)
        .await?;
    Ok(r.rows_affected() > 0)
}
