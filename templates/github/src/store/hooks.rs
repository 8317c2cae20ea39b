//! Repository webhooks and their delivery log.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct HookRow {
    pub id: i64,
    pub repo_id: i64,
    #[sqlx(try_from = "asym_store::Flag")]
    pub active: bool,
    /// JSON array of event names.
    pub events: String,
    /// JSON object: `url`, `content_type`, `secret`, `insecure_ssl`.
    pub config: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, repo_id, active, events, config, created_at, updated_at";

pub async fn insert(db: impl AnyExecutor<'_>, h: &HookRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO hooks ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")))
        .bind(h.id)
        .bind(h.repo_id)
        .bind(h.active as i64)
        .bind(&h.events)
        .bind(&h.config)
        .bind(h.created_at)
        .bind(h.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update(db: impl AnyExecutor<'_>, h: &HookRow) -> sqlx::Result<()> {
    sqlx::query("UPDATE hooks SET active = $2, events = $3, config = $4, updated_at = $5 WHERE id = $1")
        .bind(h.id)
        .bind(h.active as i64)
        .bind(&h.events)
        .bind(&h.config)
        .bind(h.updated_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM hooks WHERE repo_id = $1 AND id = $2").bind(repo).bind(id).execute(db).await?.rows_affected())
}

pub async fn get(db: impl AnyExecutor<'_>, repo: i64, id: i64) -> sqlx::Result<Option<HookRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM hooks WHERE repo_id = $1 AND id = $2")))
        .bind(repo)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<HookRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM hooks WHERE repo_id = $1 ORDER BY id"))).bind(repo).fetch_all(db).await
}

#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub hook_id: i64,
    pub repo_id: i64,
    pub guid: String,
    pub event: String,
    pub action: Option<String>,
    pub status_code: i64,
    pub status: String,
    pub delivered_at: i64,
    pub duration: f64,
    #[sqlx(try_from = "asym_store::Flag")]
    pub redelivery: bool,
    /// JSON `{headers, payload}`.
    pub request: String,
    /// JSON `{headers, payload}`.
    pub response: String,
}

const DCOLS: &str = "id, hook_id, repo_id, guid, event, action, status_code, status, delivered_at, duration, redelivery, request, response";

pub async fn insert_delivery(db: impl AnyExecutor<'_>, d: &DeliveryRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO hook_deliveries ({DCOLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )))
    .bind(d.id)
    .bind(d.hook_id)
    .bind(d.repo_id)
    .bind(&d.guid)
    .bind(&d.event)
    .bind(&d.action)
    .bind(d.status_code)
    .bind(&d.status)
    .bind(d.delivered_at)
    .bind(d.duration)
    .bind(d.redelivery as i64)
    .bind(&d.request)
    .bind(&d.response)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn deliveries_of(db: impl AnyExecutor<'_>, hook: i64) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DCOLS} FROM hook_deliveries WHERE hook_id = $1 ORDER BY id DESC")))
        .bind(hook)
        .fetch_all(db)
        .await
}

pub async fn delivery(db: impl AnyExecutor<'_>, hook: i64, id: i64) -> sqlx::Result<Option<DeliveryRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DCOLS} FROM hook_deliveries WHERE hook_id = $1 AND id = $2")))
        .bind(hook)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The whole log of the clone, oldest first (the control plane's view).
pub async fn all_deliveries(db: impl AnyExecutor<'_>, limit: i64) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {DCOLS} FROM hook_deliveries ORDER BY id LIMIT $1"))).bind(limit).fetch_all(db).await
}

// Organization webhooks: a `hooks` row with `org_id` set and `repo_id` 0.

/// Makes the hook `id` (inserted with `repo_id` 0) a hook of `org`.
pub async fn set_org(db: impl AnyExecutor<'_>, id: i64, org: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE hooks SET org_id = $2 WHERE id = $1").bind(id).bind(org).execute(db).await?;
    Ok(())
}

pub async fn of_org(db: impl AnyExecutor<'_>, org: i64) -> sqlx::Result<Vec<HookRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM hooks WHERE org_id = $1 ORDER BY id"))).bind(org).fetch_all(db).await
}

pub async fn get_of_org(db: impl AnyExecutor<'_>, org: i64, id: i64) -> sqlx::Result<Option<HookRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM hooks WHERE org_id = $1 AND id = $2")))
        .bind(org)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn delete_of_org(db: impl AnyExecutor<'_>, org: i64, id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM hooks WHERE org_id = $1 AND id = $2").bind(org).bind(id).execute(db).await?.rows_affected())
}

/// The organization a hook belongs to (none for a repository hook).
pub async fn org_of(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT org_id FROM hooks WHERE id = $1").bind(id).fetch_optional(db).await.map(Option::flatten)
}

/// The hooks an event of repository `repo` reaches: its own, and those of its
/// owning organization (`org`, or -1 for a user-owned repository).
pub async fn for_repo_event(db: impl AnyExecutor<'_>, repo: i64, org: i64) -> sqlx::Result<Vec<HookRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM hooks WHERE repo_id = $1 OR org_id = $2 ORDER BY id")))
        .bind(repo)
        .bind(org)
        .fetch_all(db)
        .await
}
