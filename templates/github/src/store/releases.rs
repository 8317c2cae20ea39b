//! Releases.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct ReleaseRow {
    pub id: i64,
    pub repo_id: i64,
    pub tag_name: String,
    pub target_commitish: String,
    pub name: Option<String>,
    pub body: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub draft: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub prerelease: bool,
    pub author_id: i64,
    pub created_at: i64,
    pub published_at: Option<i64>,
}

const COLS: &str = "id, repo_id, tag_name, target_commitish, name, body, draft, prerelease, author_id, created_at, published_at";

pub async fn insert(db: impl AnyExecutor<'_>, r: &ReleaseRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO releases ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")))
        .bind(r.id)
        .bind(r.repo_id)
        .bind(&r.tag_name)
        .bind(&r.target_commitish)
        .bind(&r.name)
        .bind(&r.body)
        .bind(r.draft as i64)
        .bind(r.prerelease as i64)
        .bind(r.author_id)
        .bind(r.created_at)
        .bind(r.published_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update(db: impl AnyExecutor<'_>, r: &ReleaseRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE releases SET tag_name = $2, target_commitish = $3, name = $4, body = $5, draft = $6, prerelease = $7, published_at = $8 WHERE id = $1")
        .bind(r.id)
        .bind(&r.tag_name)
        .bind(&r.target_commitish)
        .bind(&r.name)
        .bind(&r.body)
        .bind(r.draft as i64)
        .bind(r.prerelease as i64)
        .bind(r.published_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM releases WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// The reactions on a release (deleted with it).
pub async fn delete_reactions(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM reactions WHERE subject = 'release' AND subject_id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// A repository's releases, newest first.
pub async fn of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<ReleaseRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM releases WHERE repo_id = $1 ORDER BY created_at DESC, id DESC")))
        .bind(repo)
        .fetch_all(db)
        .await
}
