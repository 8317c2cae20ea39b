//! A repository's deploy keys and autolink references.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct DeployKeyRow {
    pub id: i64,
    pub repo_id: i64,
    pub title: String,
    pub key: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub read_only: bool,
    pub added_by: String,
    pub created_at: i64,
}

const DCOLS: &str = "id, repo_id, title, key, read_only, added_by, created_at";

pub async fn insert_deploy_key(db: impl AnyExecutor<'_>, k: &DeployKeyRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO deploy_keys ({DCOLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")))
        .bind(k.id)
        .bind(k.repo_id)
        .bind(&k.title)
        .bind(&k.key)
        .bind(k.read_only as i64)
        .bind(&k.added_by)
        .bind(k.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn deploy_keys_of(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<DeployKeyRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DCOLS} FROM deploy_keys WHERE repo_id = $1 ORDER BY id")))
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn deploy_key(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<DeployKeyRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DCOLS} FROM deploy_keys WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn delete_deploy_key(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM deploy_keys WHERE repo_id = $1 AND id = $2").bind(repo).bind(id).execute(db).await?.rows_affected())
}

#[derive(Debug, Clone, FromRow)]
pub struct AutolinkRow {
    pub id: i64,
    pub repo_id: i64,
    pub key_prefix: String,
    pub url_template: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_alphanumeric: bool,
}

const ACOLS: &str = "id, repo_id, key_prefix, url_template, is_alphanumeric";

pub async fn insert_autolink(db: impl AnyExecutor<'_>, a: &AutolinkRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO autolinks ({ACOLS}) VALUES ($1, $2, $3, $4, $5)")))
        .bind(a.id)
        .bind(a.repo_id)
        .bind(&a.key_prefix)
        .bind(&a.url_template)
        .bind(a.is_alphanumeric as i64)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn autolinks_of(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<AutolinkRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ACOLS} FROM autolinks WHERE repo_id = $1 ORDER BY id")))
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn autolink(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<AutolinkRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ACOLS} FROM autolinks WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn delete_autolink(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM autolinks WHERE repo_id = $1 AND id = $2").bind(repo).bind(id).execute(db).await?.rows_affected())
}
