//! Release assets (metadata and bytes).

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

/// An asset without its bytes.
#[derive(Debug, Clone, FromRow)]
pub struct AssetRow {
    pub id: i64,
    pub release_id: i64,
    pub repo_id: i64,
    pub name: String,
    pub label: Option<String>,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub download_count: i64,
    pub uploader_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, release_id, repo_id, name, label, content_type, size, digest, download_count, uploader_id, created_at, updated_at";

pub async fn insert(db: impl AnyExecutor<'_>, a: &AssetRow, data: &[u8]) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO release_assets ({COLS}, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )))
    .bind(a.id)
    .bind(a.release_id)
    .bind(a.repo_id)
    .bind(&a.name)
    .bind(&a.label)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(&a.digest)
    .bind(a.download_count)
    .bind(a.uploader_id)
    .bind(a.created_at)
    .bind(a.updated_at)
    .bind(data)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(db: impl AnyExecutor<'_>, a: &AssetRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE release_assets SET name = $2, label = $3, updated_at = $4 WHERE id = $1")
        .bind(a.id)
        .bind(&a.name)
        .bind(&a.label)
        .bind(a.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM release_assets WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn delete_of_release(db: impl AnyExecutor<'_>, release: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM release_assets WHERE release_id = $1").bind(release).execute(db).await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<AssetRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM release_assets WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A release's assets, oldest first.
pub async fn of_release(db: impl AnyExecutor<'_>, release: i64) -> sqlx::Result<Vec<AssetRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM release_assets WHERE release_id = $1 ORDER BY id")))
        .bind(release)
        .fetch_all(db)
        .await
}

/// The bytes of an asset, counting the download.
pub async fn download(conn: &mut sqlx::AnyConnection, id: i64) -> sqlx::Result<Vec<u8>> {
    sqlx::query("UPDATE release_assets SET download_count = download_count + 1 WHERE id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query_scalar("SELECT data FROM release_assets WHERE id = $1").bind(id).fetch_one(&mut *conn).await
}
