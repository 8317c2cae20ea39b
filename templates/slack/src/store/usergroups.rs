//! User groups (subteams) and their members.

use const_format::concatcp;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct UsergroupRow {
    pub id: String,
    pub team_id: String,
    pub name: String,
    pub handle: String,
    pub description: String,
    /// Default channel ids, comma-separated.
    pub channels: String,
    pub date_create: i64,
    pub date_update: i64,
    pub date_delete: i64,
    pub created_by: String,
    pub updated_by: String,
    pub deleted_by: Option<String>,
}

const COLS: &str =
    "id, team_id, name, handle, description, channels, date_create, date_update, date_delete, created_by, updated_by, deleted_by";

pub async fn insert(db: impl AnyExecutor<'_>, g: &UsergroupRow) -> sqlx::Result<bool> {
    let r = sqlx::query(concatcp!(
        "INSERT INTO usergroups (",
        COLS,
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING"
    ))
    .bind(&g.id)
    .bind(&g.team_id)
    .bind(&g.name)
    .bind(&g.handle)
    .bind(&g.description)
    .bind(&g.channels)
    .bind(g.date_create)
    .bind(g.date_update)
    .bind(g.date_delete)
    .bind(&g.created_by)
    .bind(&g.updated_by)
    .bind(&g.deleted_by)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn update(db: impl AnyExecutor<'_>, g: &UsergroupRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE usergroups SET name = $2, handle = $3, description = $4, channels = $5, date_update = $6, date_delete = $7, \
         updated_by = $8, deleted_by = $9 WHERE id = $1",
    )
    .bind(&g.id)
    .bind(&g.name)
    .bind(&g.handle)
    .bind(&g.description)
    .bind(&g.channels)
    .bind(g.date_update)
    .bind(g.date_delete)
    .bind(&g.updated_by)
    .bind(&g.deleted_by)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, id: &str) -> sqlx::Result<Option<UsergroupRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM usergroups WHERE id = $1")).bind(id).fetch_optional(db).await
}

/// A team's groups by name, enabled ones first.
pub async fn list(db: impl AnyExecutor<'_>, team_id: &str, include_disabled: bool) -> sqlx::Result<Vec<UsergroupRow>> {
    sqlx::query_as(concatcp!("SELECT ", COLS, " FROM usergroups WHERE team_id = $1 AND ($2 = 1 OR date_delete = 0) ORDER BY name, id"))
        .bind(team_id)
        .bind(include_disabled as i64)
        .fetch_all(db)
        .await
}

/// Another group of the team already using `name` (any case).
pub async fn name_taken(db: impl AnyExecutor<'_>, team_id: &str, name: &str, except: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM usergroups WHERE team_id = $1 AND LOWER(name) = LOWER($2) AND id <> $3")
        .bind(team_id)
        .bind(name)
        .bind(except)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// `handle` already names another group or a member of the team.
pub async fn handle_taken(db: impl AnyExecutor<'_>, team_id: &str, handle: &str, except: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM usergroups WHERE team_id = $1 AND handle = $2 AND id <> $3) \
              + (SELECT COUNT(*) FROM users WHERE team_id = $1 AND LOWER(name) = $2)",
    )
    .bind(team_id)
    .bind(handle)
    .bind(except)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// Member ids of a group, in the order they were added.
pub async fn members(db: impl AnyExecutor<'_>, usergroup_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT user_id FROM usergroup_members WHERE usergroup_id = $1 ORDER BY added, user_id")
        .bind(usergroup_id)
        .fetch_all(db)
        .await
}

pub async fn add_member(db: impl AnyExecutor<'_>, usergroup_id: &str, user_id: &str, added: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO usergroup_members (usergroup_id, user_id, added) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(usergroup_id)
        .bind(user_id)
        .bind(added)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn remove_member(db: impl AnyExecutor<'_>, usergroup_id: &str, user_id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM usergroup_members WHERE usergroup_id = $1 AND user_id = $2")
        .bind(usergroup_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}
