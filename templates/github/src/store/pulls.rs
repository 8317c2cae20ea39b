//! Pull requests, reviews, review comments and requested reviewers.

use sqlx::AnyConnection;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct PullRow {
    pub issue_id: i64,
    pub id: i64,
    pub head_ref: String,
    pub head_sha: String,
    pub base_ref: String,
    pub base_sha: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub draft: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub merged: bool,
    pub merged_at: Option<i64>,
    pub merged_by: Option<i64>,
    pub merge_commit_sha: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub maintainer_can_modify: bool,
    /// The fork the head branch lives in (None: the pull request's own repository).
    pub head_repo_id: Option<i64>,
}

const COLS: &str = "issue_id, id, head_ref, head_sha, base_ref, base_sha, draft, merged, merged_at, merged_by, merge_commit_sha, maintainer_can_modify, head_repo_id";

pub async fn insert(db: impl AnyExecutor<'_>, p: &PullRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO pulls ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")))
        .bind(p.issue_id)
        .bind(p.id)
        .bind(&p.head_ref)
        .bind(&p.head_sha)
        .bind(&p.base_ref)
        .bind(&p.base_sha)
        .bind(p.draft as i64)
        .bind(p.merged as i64)
        .bind(p.merged_at)
        .bind(p.merged_by)
        .bind(&p.merge_commit_sha)
        .bind(p.maintainer_can_modify as i64)
        .bind(p.head_repo_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update(db: impl AnyExecutor<'_>, p: &PullRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE pulls SET head_sha = $2, base_ref = $3, base_sha = $4, draft = $5, merged = $6, merged_at = $7, merged_by = $8, \
         merge_commit_sha = $9, maintainer_can_modify = $10 WHERE issue_id = $1",
    )
    .bind(p.issue_id)
    .bind(&p.head_sha)
    .bind(&p.base_ref)
    .bind(&p.base_sha)
    .bind(p.draft as i64)
    .bind(p.merged as i64)
    .bind(p.merged_at)
    .bind(p.merged_by)
    .bind(&p.merge_commit_sha)
    .bind(p.maintainer_can_modify as i64)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn of_issue(db: impl AnyExecutor<'_>, issue: i64) -> sqlx::Result<Option<PullRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM pulls WHERE issue_id = $1"))).bind(issue).fetch_optional(db).await
}

/// Open pull requests of a repository whose head is `head_ref` (to follow pushes).
pub async fn open_with_head(db: impl AnyExecutor<'_>, repo: i64, head_ref: &str) -> sqlx::Result<Vec<PullRow>> {
    let cols = COLS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {cols} FROM pulls p JOIN issues i ON i.id = p.issue_id WHERE i.repo_id = $1 AND i.state = 'open' AND p.head_ref = $2 AND p.head_repo_id IS NULL"
    )))
    .bind(repo)
    .bind(head_ref)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct ReviewRow {
    pub id: i64,
    pub repo_id: i64,
    pub issue_id: i64,
    pub user_id: i64,
    pub body: String,
    pub state: String,
    pub commit_id: String,
    pub submitted_at: Option<i64>,
}

const REVIEW_COLS: &str = "id, repo_id, issue_id, user_id, body, state, commit_id, submitted_at";

pub async fn insert_review(db: impl AnyExecutor<'_>, r: &ReviewRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO reviews ({REVIEW_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")))
        .bind(r.id)
        .bind(r.repo_id)
        .bind(r.issue_id)
        .bind(r.user_id)
        .bind(&r.body)
        .bind(&r.state)
        .bind(&r.commit_id)
        .bind(r.submitted_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_review(db: impl AnyExecutor<'_>, r: &ReviewRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE reviews SET body = $2, state = $3, submitted_at = $4 WHERE id = $1")
        .bind(r.id)
        .bind(&r.body)
        .bind(&r.state)
        .bind(r.submitted_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn reviews_of(db: impl AnyExecutor<'_>, issue: i64) -> sqlx::Result<Vec<ReviewRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {REVIEW_COLS} FROM reviews WHERE issue_id = $1 ORDER BY id")))
        .bind(issue)
        .fetch_all(db)
        .await
}

pub async fn review(db: impl AnyExecutor<'_>, issue: i64, id: i64) -> sqlx::Result<Option<ReviewRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {REVIEW_COLS} FROM reviews WHERE issue_id = $1 AND id = $2")))
        .bind(issue)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn delete_review(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM review_comments WHERE review_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM reviews WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct ReviewCommentRow {
    pub id: i64,
    pub repo_id: i64,
    pub issue_id: i64,
    pub review_id: Option<i64>,
    pub user_id: i64,
    pub body: String,
    pub path: String,
    pub line: Option<i64>,
    pub side: String,
    pub commit_id: String,
    pub diff_hunk: String,
    pub in_reply_to: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const RC_COLS: &str =
    "id, repo_id, issue_id, review_id, user_id, body, path, line, side, commit_id, diff_hunk, in_reply_to, created_at, updated_at";

pub async fn insert_review_comment(db: impl AnyExecutor<'_>, c: &ReviewCommentRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO review_comments ({RC_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    )))
    .bind(c.id)
    .bind(c.repo_id)
    .bind(c.issue_id)
    .bind(c.review_id)
    .bind(c.user_id)
    .bind(&c.body)
    .bind(&c.path)
    .bind(c.line)
    .bind(&c.side)
    .bind(&c.commit_id)
    .bind(&c.diff_hunk)
    .bind(c.in_reply_to)
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn review_comments_of(db: impl AnyExecutor<'_>, issue: i64) -> sqlx::Result<Vec<ReviewCommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {RC_COLS} FROM review_comments WHERE issue_id = $1 ORDER BY id")))
        .bind(issue)
        .fetch_all(db)
        .await
}

pub async fn review_comments_of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<ReviewCommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {RC_COLS} FROM review_comments WHERE repo_id = $1 ORDER BY id")))
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn review_comment(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<ReviewCommentRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {RC_COLS} FROM review_comments WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn update_review_comment(db: impl AnyExecutor<'_>, id: i64, body: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE review_comments SET body = $2, updated_at = $3 WHERE id = $1").bind(id).bind(body).bind(now).execute(db).await?;
    Ok(())
}

pub async fn delete_review_comment(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM review_comments WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn requested(db: impl AnyExecutor<'_>, issue: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT user_id FROM review_requests WHERE issue_id = $1 ORDER BY user_id").bind(issue).fetch_all(db).await
}

pub async fn request(db: impl AnyExecutor<'_>, issue: i64, user: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO review_requests (issue_id, user_id) VALUES ($1, $2) ON CONFLICT (issue_id, user_id) DO NOTHING")
        .bind(issue)
        .bind(user)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn unrequest(db: impl AnyExecutor<'_>, issue: i64, user: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM review_requests WHERE issue_id = $1 AND user_id = $2").bind(issue).bind(user).execute(db).await?;
    Ok(())
}

/// Open pull requests (in any repository) whose head is branch `head_ref` of fork `head_repo`.
pub async fn open_from_fork(db: impl AnyExecutor<'_>, head_repo: i64, head_ref: &str) -> sqlx::Result<Vec<(i64, PullRow)>> {
    let cols = COLS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
    let rows: Vec<PullRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {cols} FROM pulls p JOIN issues i ON i.id = p.issue_id WHERE p.head_repo_id = $1 AND i.state = 'open' AND p.head_ref = $2"
    )))
    .bind(head_repo)
    .bind(head_ref)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|p| (p.issue_id, p)).collect())
}

/// The merged pull requests whose base is in `repo`, as `(issue id, pull row)`, oldest merge first.
pub async fn merged_into(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<PullRow>> {
    let cols = COLS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ");
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {cols} FROM pulls p JOIN issues i ON i.id = p.issue_id WHERE i.repo_id = $1 AND p.merged = 1 ORDER BY p.merged_at, p.id"
    )))
    .bind(repo)
    .fetch_all(db)
    .await
}
