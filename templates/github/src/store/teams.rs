//! Organization teams, their members, their repositories, and teams requested to
//! review pull requests.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct TeamRow {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub privacy: String,
    pub notification_setting: String,
    pub permission: String,
    pub parent_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT: &str =
    "SELECT id, org_id, name, slug, description, privacy, notification_setting, permission, parent_id, created_at, updated_at FROM teams";

pub async fn insert(db: impl AnyExecutor<'_>, t: &TeamRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO teams (id, org_id, name, slug, description, privacy, notification_setting, permission, parent_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(t.id)
    .bind(t.org_id)
    .bind(&t.name)
    .bind(&t.slug)
    .bind(&t.description)
    .bind(&t.privacy)
    .bind(&t.notification_setting)
    .bind(&t.permission)
    .bind(t.parent_id)
    .bind(t.created_at)
    .bind(t.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(db: impl AnyExecutor<'_>, t: &TeamRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE teams SET name = $2, slug = $3, description = $4, privacy = $5, notification_setting = $6, permission = $7, \
         parent_id = $8, updated_at = $9 WHERE id = $1",
    )
    .bind(t.id)
    .bind(&t.name)
    .bind(&t.slug)
    .bind(&t.description)
    .bind(&t.privacy)
    .bind(&t.notification_setting)
    .bind(&t.permission)
    .bind(t.parent_id)
    .bind(t.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_slug(db: impl AnyExecutor<'_>, org: i64, slug: &str) -> sqlx::Result<Option<TeamRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE org_id = $1 AND slug = lower($2)")))
        .bind(org)
        .bind(slug)
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<TeamRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"))).bind(id).fetch_optional(db).await
}

pub async fn of_org(db: impl AnyExecutor<'_>, org: i64) -> sqlx::Result<Vec<TeamRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE org_id = $1 ORDER BY lower(name), id"))).bind(org).fetch_all(db).await
}

pub async fn children(db: impl AnyExecutor<'_>, parent: i64) -> sqlx::Result<Vec<TeamRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE parent_id = $1 ORDER BY lower(name), id"))).bind(parent).fetch_all(db).await
}

pub async fn of_user(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<TeamRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id IN (SELECT team_id FROM team_members WHERE user_id = $1) ORDER BY id")))
        .bind(user)
        .fetch_all(db)
        .await
}

pub async fn of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<TeamRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id IN (SELECT team_id FROM team_repos WHERE repo_id = $1) ORDER BY id")))
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn delete(conn: &mut sqlx::AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE teams SET parent_id = NULL WHERE parent_id = $1").bind(id).execute(&mut *conn).await?;
    for sql in [
        "DELETE FROM team_members WHERE team_id = $1",
        "DELETE FROM team_repos WHERE team_id = $1",
        "DELETE FROM team_review_requests WHERE team_id = $1",
        "DELETE FROM teams WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn member_role(db: impl AnyExecutor<'_>, team: i64, user: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2").bind(team).bind(user).fetch_optional(db).await
}

pub async fn set_member(conn: &mut sqlx::AnyConnection, team: i64, user: i64, role: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2").bind(team).bind(user).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3)")
        .bind(team)
        .bind(user)
        .bind(role)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn remove_member(db: impl AnyExecutor<'_>, team: i64, user: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2").bind(team).bind(user).execute(db).await?.rows_affected())
}

/// Members as (user id, role), `role` filtering when given.
pub async fn members(db: impl AnyExecutor<'_>, team: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT user_id, role FROM team_members WHERE team_id = $1 ORDER BY user_id").bind(team).fetch_all(db).await
}

pub async fn counts(db: impl AnyExecutor<'_>, team: i64) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT (SELECT COUNT(*) FROM team_members WHERE team_id = $1), (SELECT COUNT(*) FROM team_repos WHERE team_id = $1)")
        .bind(team)
        .fetch_one(db)
        .await
}

pub async fn repo_permission(db: impl AnyExecutor<'_>, team: i64, repo: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT permission FROM team_repos WHERE team_id = $1 AND repo_id = $2")
        .bind(team)
        .bind(repo)
        .fetch_optional(db)
        .await
}

pub async fn set_repo(conn: &mut sqlx::AnyConnection, team: i64, repo: i64, permission: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM team_repos WHERE team_id = $1 AND repo_id = $2").bind(team).bind(repo).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO team_repos (team_id, repo_id, permission) VALUES ($1, $2, $3)")
        .bind(team)
        .bind(repo)
        .bind(permission)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn remove_repo(db: impl AnyExecutor<'_>, team: i64, repo: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM team_repos WHERE team_id = $1 AND repo_id = $2").bind(team).bind(repo).execute(db).await?.rows_affected())
}

/// The team's repositories as (repo id, permission).
pub async fn repos(db: impl AnyExecutor<'_>, team: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT repo_id, permission FROM team_repos WHERE team_id = $1 ORDER BY repo_id").bind(team).fetch_all(db).await
}

pub async fn requested(db: impl AnyExecutor<'_>, issue: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT team_id FROM team_review_requests WHERE issue_id = $1 ORDER BY team_id").bind(issue).fetch_all(db).await
}

pub async fn request(db: impl AnyExecutor<'_>, issue: i64, team: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO team_review_requests (issue_id, team_id) VALUES ($1, $2) ON CONFLICT (issue_id, team_id) DO NOTHING")
        .bind(issue)
        .bind(team)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn unrequest(db: impl AnyExecutor<'_>, issue: i64, team: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM team_review_requests WHERE issue_id = $1 AND team_id = $2").bind(issue).bind(team).execute(db).await?;
    Ok(())
}
