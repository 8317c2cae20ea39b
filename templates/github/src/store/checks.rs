//! Check suites, check runs, their annotations and suite preferences.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct SuiteRow {
    pub id: i64,
    pub repo_id: i64,
    pub app_id: i64,
    pub head_sha: String,
    pub head_branch: Option<String>,
    pub status: String,
    pub conclusion: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SUITE_COLS: &str = "id, repo_id, app_id, head_sha, head_branch, status, conclusion, created_at, updated_at";

pub async fn insert_suite(db: impl AnyExecutor<'_>, s: &SuiteRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO check_suites ({SUITE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")))
        .bind(s.id)
        .bind(s.repo_id)
        .bind(s.app_id)
        .bind(&s.head_sha)
        .bind(&s.head_branch)
        .bind(&s.status)
        .bind(&s.conclusion)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_suite_state(db: impl AnyExecutor<'_>, id: i64, status: &str, conclusion: Option<&str>, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE check_suites SET status = $2, conclusion = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(conclusion)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn suite(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<SuiteRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SUITE_COLS} FROM check_suites WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn suite_for(db: impl AnyExecutor<'_>, repo: i64, app: i64, sha: &str) -> sqlx::Result<Option<SuiteRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SUITE_COLS} FROM check_suites WHERE repo_id = $1 AND app_id = $2 AND head_sha = $3"
    )))
    .bind(repo)
    .bind(app)
    .bind(sha)
    .fetch_optional(db)
    .await
}

pub async fn suites_of_sha(db: impl AnyExecutor<'_>, repo: i64, sha: &str) -> sqlx::Result<Vec<SuiteRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SUITE_COLS} FROM check_suites WHERE repo_id = $1 AND head_sha = $2 ORDER BY id")))
        .bind(repo)
        .bind(sha)
        .fetch_all(db)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct RunRow {
    pub id: i64,
    pub repo_id: i64,
    pub suite_id: i64,
    pub name: String,
    pub head_sha: String,
    pub external_id: Option<String>,
    pub details_url: Option<String>,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub output_title: Option<String>,
    pub output_summary: Option<String>,
    pub output_text: Option<String>,
    /// JSON array of `{alt, image_url, caption}`.
    pub output_images: String,
    /// JSON array of `{label, description, identifier}`.
    pub actions: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const RUN_COLS: &str = "id, repo_id, suite_id, name, head_sha, external_id, details_url, status, conclusion, started_at, completed_at, \
     output_title, output_summary, output_text, output_images, actions, created_at, updated_at";

pub async fn insert_run(db: impl AnyExecutor<'_>, r: &RunRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO check_runs ({RUN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
    )))
    .bind(r.id)
    .bind(r.repo_id)
    .bind(r.suite_id)
    .bind(&r.name)
    .bind(&r.head_sha)
    .bind(&r.external_id)
    .bind(&r.details_url)
    .bind(&r.status)
    .bind(&r.conclusion)
    .bind(r.started_at)
    .bind(r.completed_at)
    .bind(&r.output_title)
    .bind(&r.output_summary)
    .bind(&r.output_text)
    .bind(&r.output_images)
    .bind(&r.actions)
    .bind(r.created_at)
    .bind(r.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_run(db: impl AnyExecutor<'_>, r: &RunRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE check_runs SET name = $2, external_id = $3, details_url = $4, status = $5, conclusion = $6, started_at = $7, \
         completed_at = $8, output_title = $9, output_summary = $10, output_text = $11, output_images = $12, actions = $13, updated_at = $14 \
         WHERE id = $1",
    )
    .bind(r.id)
    .bind(&r.name)
    .bind(&r.external_id)
    .bind(&r.details_url)
    .bind(&r.status)
    .bind(&r.conclusion)
    .bind(r.started_at)
    .bind(r.completed_at)
    .bind(&r.output_title)
    .bind(&r.output_summary)
    .bind(&r.output_text)
    .bind(&r.output_images)
    .bind(&r.actions)
    .bind(r.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn run(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<RunRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {RUN_COLS} FROM check_runs WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Runs on one commit, newest first.
pub async fn runs_of_sha(db: impl AnyExecutor<'_>, repo: i64, sha: &str) -> sqlx::Result<Vec<RunRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {RUN_COLS} FROM check_runs WHERE repo_id = $1 AND head_sha = $2 ORDER BY id DESC")))
        .bind(repo)
        .bind(sha)
        .fetch_all(db)
        .await
}

/// Runs of one suite, newest first.
pub async fn runs_of_suite(db: impl AnyExecutor<'_>, suite: i64) -> sqlx::Result<Vec<RunRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {RUN_COLS} FROM check_runs WHERE suite_id = $1 ORDER BY id DESC")))
        .bind(suite)
        .fetch_all(db)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct AnnotationRow {
    pub id: i64,
    pub run_id: i64,
    pub path: String,
    pub start_line: i64,
    pub end_line: i64,
    pub start_column: Option<i64>,
    pub end_column: Option<i64>,
    pub annotation_level: String,
    pub message: String,
    pub title: Option<String>,
    pub raw_details: Option<String>,
}

const ANN_COLS: &str = "id, run_id, path, start_line, end_line, start_column, end_column, annotation_level, message, title, raw_details";

pub async fn insert_annotation(db: impl AnyExecutor<'_>, a: &AnnotationRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO check_annotations ({ANN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(a.id)
    .bind(a.run_id)
    .bind(&a.path)
    .bind(a.start_line)
    .bind(a.end_line)
    .bind(a.start_column)
    .bind(a.end_column)
    .bind(&a.annotation_level)
    .bind(&a.message)
    .bind(&a.title)
    .bind(&a.raw_details)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn annotations_of(db: impl AnyExecutor<'_>, run: i64) -> sqlx::Result<Vec<AnnotationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ANN_COLS} FROM check_annotations WHERE run_id = $1 ORDER BY id")))
        .bind(run)
        .fetch_all(db)
        .await
}

pub async fn annotation_count(db: impl AnyExecutor<'_>, run: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM check_annotations WHERE run_id = $1").bind(run).fetch_one(db).await
}

/// `(app_id, setting)` of a repository's auto-trigger preferences.
pub async fn prefs_of(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as("SELECT app_id, setting FROM check_suite_prefs WHERE repo_id = $1 ORDER BY app_id").bind(repo).fetch_all(db).await
}

pub async fn set_pref(conn: &mut sqlx::AnyConnection, repo: i64, app: i64, setting: bool) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM check_suite_prefs WHERE repo_id = $1 AND app_id = $2").bind(repo).bind(app).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO check_suite_prefs (repo_id, app_id, setting) VALUES ($1, $2, $3)")
        .bind(repo)
        .bind(app)
        .bind(setting as i64)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Open pull requests of the repository whose head is `sha`: `(number, pull id, head_ref, base_ref, base_sha)`.
pub async fn open_pulls_at(db: impl AnyExecutor<'_>, repo: i64, sha: &str) -> sqlx::Result<Vec<(i64, i64, String, String, String)>> {
    sqlx::query_as(
        "SELECT i.number, p.id, p.head_ref, p.base_ref, p.base_sha FROM pulls p JOIN issues i ON i.id = p.issue_id \
         WHERE i.repo_id = $1 AND i.state = 'open' AND p.head_sha = $2 AND p.head_repo_id IS NULL ORDER BY i.number",
    )
    .bind(repo)
    .bind(sha)
    .fetch_all(db)
    .await
}
