//! Deployments, deployment statuses and environments.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct DeploymentRow {
    pub id: i64,
    pub repo_id: i64,
    pub sha: String,
    pub ref_name: String,
    pub task: String,
    /// JSON text of the payload as given (an object or a string).
    pub payload: String,
    pub original_environment: String,
    pub environment: String,
    pub description: Option<String>,
    pub creator_id: i64,
    #[sqlx(try_from = "asym_store::Flag")]
    pub transient_environment: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub production_environment: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, repo_id, sha, ref_name, task, payload, original_environment, environment, description, creator_id, \
     transient_environment, production_environment, created_at, updated_at";

pub async fn insert(db: impl AnyExecutor<'_>, d: &DeploymentRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO deployments ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )))
    .bind(d.id)
    .bind(d.repo_id)
    .bind(&d.sha)
    .bind(&d.ref_name)
    .bind(&d.task)
    .bind(&d.payload)
    .bind(&d.original_environment)
    .bind(&d.environment)
    .bind(&d.description)
    .bind(d.creator_id)
    .bind(d.transient_environment as i64)
    .bind(d.production_environment as i64)
    .bind(d.created_at)
    .bind(d.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_environment(db: impl AnyExecutor<'_>, id: i64, env: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE deployments SET environment = $2, updated_at = $3 WHERE id = $1").bind(id).bind(env).bind(now).execute(db).await?;
    Ok(())
}

pub async fn touch(db: impl AnyExecutor<'_>, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE deployments SET updated_at = $2 WHERE id = $1").bind(id).bind(now).execute(db).await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<DeploymentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM deployments WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A repository's deployments, newest first.
pub async fn of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<DeploymentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM deployments WHERE repo_id = $1 ORDER BY id DESC")))
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn delete(conn: &mut sqlx::AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM deployment_statuses WHERE deployment_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM deployments WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct StatusRow {
    pub id: i64,
    pub deployment_id: i64,
    pub repo_id: i64,
    pub state: String,
    pub description: String,
    pub environment: String,
    pub target_url: String,
    pub log_url: String,
    pub environment_url: String,
    pub creator_id: i64,
    pub created_at: i64,
}

const SCOLS: &str =
    "id, deployment_id, repo_id, state, description, environment, target_url, log_url, environment_url, creator_id, created_at";

pub async fn insert_status(db: impl AnyExecutor<'_>, s: &StatusRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO deployment_statuses ({SCOLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(s.id)
    .bind(s.deployment_id)
    .bind(s.repo_id)
    .bind(&s.state)
    .bind(&s.description)
    .bind(&s.environment)
    .bind(&s.target_url)
    .bind(&s.log_url)
    .bind(&s.environment_url)
    .bind(s.creator_id)
    .bind(s.created_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Statuses of a deployment, newest first.
pub async fn statuses_of(db: impl AnyExecutor<'_>, deployment: i64) -> sqlx::Result<Vec<StatusRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SCOLS} FROM deployment_statuses WHERE deployment_id = $1 ORDER BY id DESC")))
        .bind(deployment)
        .fetch_all(db)
        .await
}

/// The latest state of each deployment of a repository: `(deployment_id, state)`.
pub async fn latest_states(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT s.deployment_id, s.state FROM deployment_statuses s WHERE s.repo_id = $1 AND s.id = \
         (SELECT MAX(t.id) FROM deployment_statuses t WHERE t.deployment_id = s.deployment_id)",
    )
    .bind(repo)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct EnvironmentRow {
    pub id: i64,
    pub repo_id: i64,
    pub name: String,
    pub wait_timer: Option<i64>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub prevent_self_review: bool,
    pub reviewers: String,
    pub branch_policy: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const ECOLS: &str = "id, repo_id, name, wait_timer, prevent_self_review, reviewers, branch_policy, created_at, updated_at";

pub async fn environment(db: impl AnyExecutor<'_>, repo: i64, name: &str) -> sqlx::Result<Option<EnvironmentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ECOLS} FROM environments WHERE repo_id = $1 AND lower(name) = lower($2)")))
        .bind(repo)
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn environments_of(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<EnvironmentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ECOLS} FROM environments WHERE repo_id = $1 ORDER BY lower(name)")))
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn insert_environment(db: impl AnyExecutor<'_>, e: &EnvironmentRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO environments ({ECOLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")))
        .bind(e.id)
        .bind(e.repo_id)
        .bind(&e.name)
        .bind(e.wait_timer)
        .bind(e.prevent_self_review as i64)
        .bind(&e.reviewers)
        .bind(&e.branch_policy)
        .bind(e.created_at)
        .bind(e.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_environment(db: impl AnyExecutor<'_>, e: &EnvironmentRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE environments SET wait_timer = $2, prevent_self_review = $3, reviewers = $4, branch_policy = $5, updated_at = $6 WHERE id = $1")
        .bind(e.id)
        .bind(e.wait_timer)
        .bind(e.prevent_self_review as i64)
        .bind(&e.reviewers)
        .bind(&e.branch_policy)
        .bind(e.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_environment(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM environments WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}
