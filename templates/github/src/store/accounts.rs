//! Users, organizations, org membership and personal access tokens.

use sqlx::AnyConnection;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub login: String,
    /// `User` or `Organization`.
    pub kind: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub bio: Option<String>,
    pub company: Option<String>,
    pub location: Option<String>,
    pub blog: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub site_admin: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, login, kind, name, email, bio, company, location, blog, site_admin, created_at, updated_at";

pub async fn insert(db: impl AnyExecutor<'_>, a: &AccountRow, password_hash: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, login, kind, name, email, bio, company, location, blog, site_admin, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(a.id)
    .bind(&a.login)
    .bind(&a.kind)
    .bind(&a.name)
    .bind(&a.email)
    .bind(&a.bio)
    .bind(&a.company)
    .bind(&a.location)
    .bind(&a.blog)
    .bind(a.site_admin as i64)
    .bind(password_hash)
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn by_login(db: impl AnyExecutor<'_>, login: &str) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM accounts WHERE lower(login) = lower($1)")))
        .bind(login)
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM accounts WHERE id = $1"))).bind(id).fetch_optional(db).await
}

pub async fn by_ids(conn: &mut AnyConnection, ids: &[i64]) -> sqlx::Result<Vec<AccountRow>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!("SELECT {COLS} FROM accounts WHERE id IN ({})", super::placeholders(1, ids.len()));
    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(conn).await
}

pub async fn list_users(db: impl AnyExecutor<'_>, since: i64, limit: i64) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM accounts WHERE id > $1 ORDER BY id LIMIT $2")))
        .bind(since)
        .bind(limit)
        .fetch_all(db)
        .await
}

pub async fn password_hash(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1").bind(id).fetch_optional(db).await.map(Option::flatten)
}

pub async fn update_profile(db: impl AnyExecutor<'_>, a: &AccountRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET name = $2, email = $3, bio = $4, company = $5, location = $6, blog = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(a.id)
    .bind(&a.name)
    .bind(&a.email)
    .bind(&a.bio)
    .bind(&a.company)
    .bind(&a.location)
    .bind(&a.blog)
    .bind(a.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn add_member(db: impl AnyExecutor<'_>, org: i64, user: i64, role: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, $3)").bind(org).bind(user).bind(role).execute(db).await?;
    Ok(())
}

/// The caller's role in `org` (`admin` or `member`).
pub async fn member_role(db: impl AnyExecutor<'_>, org: i64, user: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT role FROM org_members WHERE org_id = $1 AND user_id = $2").bind(org).bind(user).fetch_optional(db).await
}

pub async fn members(db: impl AnyExecutor<'_>, org: i64, role: Option<&str>) -> sqlx::Result<Vec<AccountRow>> {
    let cols = COLS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {cols} FROM accounts a JOIN org_members m ON m.user_id = a.id WHERE m.org_id = $1 AND ($2 = '' OR m.role = $2) ORDER BY a.id"
    )))
    .bind(org)
    .bind(role.unwrap_or(""))
    .fetch_all(db)
    .await
}

pub async fn orgs_of(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<AccountRow>> {
    let cols = COLS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {cols} FROM accounts a JOIN org_members m ON m.org_id = a.id WHERE m.user_id = $1 ORDER BY a.id"
    )))
    .bind(user)
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub note: String,
    pub scopes: String,
    pub created_at: i64,
}

pub async fn insert_token(
    db: impl AnyExecutor<'_>,
    id: i64,
    hash: &str,
    user: i64,
    note: &str,
    scopes: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO tokens (id, hash, user_id, note, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(hash)
        .bind(user)
        .bind(note)
        .bind(scopes)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn token_by_hash(db: impl AnyExecutor<'_>, hash: &str) -> sqlx::Result<Option<TokenRow>> {
    sqlx::query_as("SELECT id, user_id, note, scopes, created_at FROM tokens WHERE hash = $1").bind(hash).fetch_optional(db).await
}

pub async fn tokens_of(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as("SELECT id, user_id, note, scopes, created_at FROM tokens WHERE user_id = $1 ORDER BY id").bind(user).fetch_all(db).await
}

pub async fn delete_token_by_hash(db: impl AnyExecutor<'_>, hash: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM tokens WHERE hash = $1").bind(hash).execute(db).await?.rows_affected())
}

pub async fn delete_token(db: impl AnyExecutor<'_>, user: i64, id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM tokens WHERE user_id = $1 AND id = $2").bind(user).bind(id).execute(db).await?.rows_affected())
}

pub async fn delete_notes(db: impl AnyExecutor<'_>, note: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM tokens WHERE note = $1").bind(note).execute(db).await?.rows_affected())
}

/// The seeded administrator: the first site admin, else the first user.
pub async fn first_admin(db: impl AnyExecutor<'_>) -> sqlx::Result<Option<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM accounts WHERE kind = 'User' ORDER BY site_admin DESC, id LIMIT 1")))
        .fetch_optional(db)
        .await
}

pub async fn set_member(conn: &mut sqlx::AnyConnection, org: i64, user: i64, role: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND user_id = $2").bind(org).bind(user).execute(&mut *conn).await?;
    add_member(&mut *conn, org, user, role).await
}

pub async fn remove_member(db: impl AnyExecutor<'_>, org: i64, user: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM org_members WHERE org_id = $1 AND user_id = $2").bind(org).bind(user).execute(db).await?.rows_affected())
}

pub async fn list_orgs(db: impl AnyExecutor<'_>, since: i64, limit: i64) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM accounts WHERE kind = 'Organization' AND id > $1 ORDER BY id LIMIT $2")))
        .bind(since)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// An organization's base permission on its repositories (`read` when never set).
pub async fn default_repository_permission(db: impl AnyExecutor<'_>, org: i64) -> sqlx::Result<String> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT default_repository_permission FROM org_settings WHERE org_id = $1").bind(org).fetch_optional(db).await?;
    Ok(v.unwrap_or_else(|| "read".into()))
}

pub async fn set_default_repository_permission(conn: &mut sqlx::AnyConnection, org: i64, permission: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM org_settings WHERE org_id = $1").bind(org).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO org_settings (org_id, default_repository_permission) VALUES ($1, $2)")
        .bind(org)
        .bind(permission)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
