//! Custom profile field definitions (team.profile.get) and Do Not Disturb state.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct ProfileFieldRow {
    pub id: String,
    pub team_id: String,
    pub ordering: i64,
    pub field_name: String,
    pub label: String,
    pub hint: String,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub possible_values: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_hidden: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_protected: bool,
    pub section_id: Option<String>,
}

pub async fn insert_profile_field(db: impl AnyExecutor<'_>, f: &ProfileFieldRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO team_profile_fields (id, team_id, ordering, field_name, label, hint, type, possible_values, is_hidden, \
         is_protected, section_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&f.id)
    .bind(&f.team_id)
    .bind(f.ordering)
    .bind(&f.field_name)
    .bind(&f.label)
    .bind(&f.hint)
    .bind(&f.kind)
    .bind(&f.possible_values)
    .bind(f.is_hidden as i64)
    .bind(f.is_protected as i64)
    .bind(&f.section_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn profile_fields(db: impl AnyExecutor<'_>, team_id: &str) -> sqlx::Result<Vec<ProfileFieldRow>> {
    sqlx::query_as(
        "SELECT id, team_id, ordering, field_name, label, hint, type, possible_values, is_hidden, is_protected, section_id \
         FROM team_profile_fields WHERE team_id = $1 ORDER BY ordering, id",
    )
    .bind(team_id)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, Default, FromRow)]
pub struct DndRow {
    pub user_id: String,
    pub snooze_start: i64,
    pub snooze_end: i64,
}

pub async fn dnd(db: impl AnyExecutor<'_>, user_id: &str) -> sqlx::Result<Option<DndRow>> {
    sqlx::query_as("SELECT user_id, snooze_start, snooze_end FROM dnd_state WHERE user_id = $1").bind(user_id).fetch_optional(db).await
}

pub async fn team_dnd(db: impl AnyExecutor<'_>, team_id: &str) -> sqlx::Result<Vec<DndRow>> {
    sqlx::query_as("SELECT user_id, snooze_start, snooze_end FROM dnd_state WHERE team_id = $1").bind(team_id).fetch_all(db).await
}

pub async fn set_snooze(db: impl AnyExecutor<'_>, team_id: &str, user_id: &str, start: i64, end: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO dnd_state (user_id, team_id, snooze_start, snooze_end, updated) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT(user_id) DO UPDATE SET snooze_start = $3, snooze_end = $4, updated = $5",
    )
    .bind(user_id)
    .bind(team_id)
    .bind(start)
    .bind(end)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
