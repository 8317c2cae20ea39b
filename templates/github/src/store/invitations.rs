//! Repository invitations.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: i64,
    pub repo_id: i64,
    pub invitee_id: i64,
    pub inviter_id: i64,
    /// `read`, `triage`, `write`, `maintain` or `admin`.
    pub permissions: String,
    pub created_at: i64,
}

const COLS: &str = "id, repo_id, invitee_id, inviter_id, permissions, created_at";

pub async fn insert(db: impl AnyExecutor<'_>, i: &InvitationRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO repo_invitations ({COLS}) VALUES ($1, $2, $3, $4, $5, $6)")))
        .bind(i.id)
        .bind(i.repo_id)
        .bind(i.invitee_id)
        .bind(i.inviter_id)
        .bind(&i.permissions)
        .bind(i.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_permissions(db: impl AnyExecutor<'_>, id: i64, permissions: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE repo_invitations SET permissions = $2 WHERE id = $1").bind(id).bind(permissions).execute(db).await?;
    Ok(())
}

pub async fn delete(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM repo_invitations WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn get(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM repo_invitations WHERE id = $1"))).bind(id).fetch_optional(db).await
}

pub async fn for_invitee(db: impl AnyExecutor<'_>, repo: i64, user: i64) -> sqlx::Result<Option<InvitationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM repo_invitations WHERE repo_id = $1 AND invitee_id = $2")))
        .bind(repo)
        .bind(user)
        .fetch_optional(db)
        .await
}

pub async fn of_repo(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM repo_invitations WHERE repo_id = $1 ORDER BY id")))
        .bind(repo)
        .fetch_all(db)
        .await
}

pub async fn of_user(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<InvitationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLS} FROM repo_invitations WHERE invitee_id = $1 ORDER BY id")))
        .bind(user)
        .fetch_all(db)
        .await
}
