//! People: follows, email addresses, public SSH keys, blocks, organization
//! invitations (and their teams) and public org membership.

use sqlx::FromRow;
use sqlx::any::AnyExecutor;

use super::accounts::AccountRow;

const ACOLS: &str =
    "a.id, a.login, a.kind, a.name, a.email, a.bio, a.company, a.location, a.blog, a.site_admin, a.created_at, a.updated_at";

// follows

pub async fn follow(db: impl AnyExecutor<'_>, follower: i64, followee: i64, at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (follower_id, followee_id) DO NOTHING",
    )
    .bind(follower)
    .bind(followee)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn unfollow(db: impl AnyExecutor<'_>, follower: i64, followee: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
        .bind(follower)
        .bind(followee)
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn follows(db: impl AnyExecutor<'_>, follower: i64, followee: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM follows WHERE follower_id = $1 AND followee_id = $2")
        .bind(follower)
        .bind(followee)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// Who follows `user`, in the order they started.
pub async fn followers(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ACOLS} FROM accounts a JOIN follows f ON f.follower_id = a.id WHERE f.followee_id = $1 ORDER BY f.created_at, a.id"
    )))
    .bind(user)
    .fetch_all(db)
    .await
}

/// Whom `user` follows, in the order they started.
pub async fn following(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ACOLS} FROM accounts a JOIN follows f ON f.followee_id = a.id WHERE f.follower_id = $1 ORDER BY f.created_at, a.id"
    )))
    .bind(user)
    .fetch_all(db)
    .await
}

/// (followers, following) of `user`.
pub async fn follow_counts(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as("SELECT (SELECT COUNT(*) FROM follows WHERE followee_id = $1), (SELECT COUNT(*) FROM follows WHERE follower_id = $1)")
        .bind(user)
        .fetch_one(db)
        .await
}

// emails

#[derive(Debug, Clone, FromRow)]
pub struct EmailRow {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub is_primary: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub verified: bool,
    pub visibility: Option<String>,
    pub created_at: i64,
}

const ECOLS: &str = "id, user_id, email, is_primary, verified, visibility, created_at";

pub async fn insert_email(db: impl AnyExecutor<'_>, e: &EmailRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO user_emails ({ECOLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")))
        .bind(e.id)
        .bind(e.user_id)
        .bind(&e.email)
        .bind(e.is_primary as i64)
        .bind(e.verified as i64)
        .bind(&e.visibility)
        .bind(e.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn emails_of(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<EmailRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ECOLS} FROM user_emails WHERE user_id = $1 ORDER BY is_primary DESC, id")))
        .bind(user)
        .fetch_all(db)
        .await
}

/// The address, whoever holds it (addresses are unique across accounts).
pub async fn email_by_address(db: impl AnyExecutor<'_>, email: &str) -> sqlx::Result<Option<EmailRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ECOLS} FROM user_emails WHERE lower(email) = lower($1)")))
        .bind(email)
        .fetch_optional(db)
        .await
}

pub async fn delete_email(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM user_emails WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

pub async fn set_primary_visibility(db: impl AnyExecutor<'_>, user: i64, visibility: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query("UPDATE user_emails SET visibility = $2 WHERE user_id = $1 AND is_primary = 1")
        .bind(user)
        .bind(visibility)
        .execute(db)
        .await?
        .rows_affected())
}

// SSH keys

#[derive(Debug, Clone, FromRow)]
pub struct KeyRow {
    pub id: i64,
    pub user_id: i64,
    pub title: String,
    pub key: String,
    pub created_at: i64,
}

const KCOLS: &str = "id, user_id, title, key, created_at";

pub async fn insert_key(db: impl AnyExecutor<'_>, k: &KeyRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO ssh_keys ({KCOLS}) VALUES ($1, $2, $3, $4, $5)")))
        .bind(k.id)
        .bind(k.user_id)
        .bind(&k.title)
        .bind(&k.key)
        .bind(k.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn keys_of(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<KeyRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {KCOLS} FROM ssh_keys WHERE user_id = $1 ORDER BY id")))
        .bind(user)
        .fetch_all(db)
        .await
}

pub async fn key(db: impl AnyExecutor<'_>, user: i64, id: i64) -> sqlx::Result<Option<KeyRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {KCOLS} FROM ssh_keys WHERE user_id = $1 AND id = $2")))
        .bind(user)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Any account's key, or any repository's deploy key, with this `<type> <base64>` body.
pub async fn key_in_use(db: impl AnyExecutor<'_>, key: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM ssh_keys WHERE key = $1) + \
         (SELECT COUNT(*) FROM deploy_keys d JOIN repos r ON r.id = d.repo_id WHERE d.key = $1)",
    )
    .bind(key)
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

pub async fn delete_key(db: impl AnyExecutor<'_>, user: i64, id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM ssh_keys WHERE user_id = $1 AND id = $2").bind(user).bind(id).execute(db).await?.rows_affected())
}

// blocks (by a user or an organization)

pub async fn block(db: impl AnyExecutor<'_>, owner: i64, blocked: i64, at: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO blocks (owner_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (owner_id, blocked_id) DO NOTHING")
        .bind(owner)
        .bind(blocked)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn unblock(db: impl AnyExecutor<'_>, owner: i64, blocked: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM blocks WHERE owner_id = $1 AND blocked_id = $2")
        .bind(owner)
        .bind(blocked)
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn blocked(db: impl AnyExecutor<'_>, owner: i64, blocked: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blocks WHERE owner_id = $1 AND blocked_id = $2")
        .bind(owner)
        .bind(blocked)
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

pub async fn blocks_of(db: impl AnyExecutor<'_>, owner: i64) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ACOLS} FROM accounts a JOIN blocks b ON b.blocked_id = a.id WHERE b.owner_id = $1 ORDER BY b.created_at, a.id"
    )))
    .bind(owner)
    .fetch_all(db)
    .await
}

// organization invitations

#[derive(Debug, Clone, FromRow)]
pub struct OrgInvitationRow {
    pub id: i64,
    pub org_id: i64,
    pub invitee_id: Option<i64>,
    pub email: Option<String>,
    /// `admin`, `direct_member` or `billing_manager`.
    pub role: String,
    pub inviter_id: i64,
    pub created_at: i64,
}

const ICOLS: &str = "id, org_id, invitee_id, email, role, inviter_id, created_at";

pub async fn insert_invitation(db: impl AnyExecutor<'_>, i: &OrgInvitationRow) -> sqlx::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO org_invitations ({ICOLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")))
        .bind(i.id)
        .bind(i.org_id)
        .bind(i.invitee_id)
        .bind(&i.email)
        .bind(&i.role)
        .bind(i.inviter_id)
        .bind(i.created_at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn invitation(db: impl AnyExecutor<'_>, org: i64, id: i64) -> sqlx::Result<Option<OrgInvitationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ICOLS} FROM org_invitations WHERE org_id = $1 AND id = $2")))
        .bind(org)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn invitations_of_org(db: impl AnyExecutor<'_>, org: i64) -> sqlx::Result<Vec<OrgInvitationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ICOLS} FROM org_invitations WHERE org_id = $1 ORDER BY id")))
        .bind(org)
        .fetch_all(db)
        .await
}

/// Invitations addressed to `user`, by id or by one of their email addresses.
pub async fn invitations_for(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<OrgInvitationRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ICOLS} FROM org_invitations WHERE invitee_id = $1 \
         OR (invitee_id IS NULL AND lower(email) IN (SELECT lower(email) FROM user_emails WHERE user_id = $1 AND verified = 1)) \
         OR (invitee_id IS NULL AND lower(email) IN (SELECT lower(email) FROM accounts WHERE id = $1 AND email IS NOT NULL)) \
         ORDER BY id"
    )))
    .bind(user)
    .fetch_all(db)
    .await
}

pub async fn set_invitation_role(db: impl AnyExecutor<'_>, id: i64, role: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE org_invitations SET role = $1 WHERE id = $2").bind(role).bind(id).execute(db).await?;
    Ok(())
}

pub async fn delete_invitation(conn: &mut sqlx::AnyConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM org_invitation_teams WHERE invitation_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM org_invitations WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn add_invitation_team(db: impl AnyExecutor<'_>, invitation: i64, team: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO org_invitation_teams (invitation_id, team_id) VALUES ($1, $2) ON CONFLICT (invitation_id, team_id) DO NOTHING",
    )
    .bind(invitation)
    .bind(team)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes `team` off the user's open invitations to `org` (a pending team
/// membership removed before it was accepted); how many it was on.
pub async fn remove_invitation_team(db: impl AnyExecutor<'_>, org: i64, user: i64, team: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM org_invitation_teams WHERE team_id = $1 \
         AND invitation_id IN (SELECT id FROM org_invitations WHERE org_id = $2 AND invitee_id = $3)",
    )
    .bind(team)
    .bind(org)
    .bind(user)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub async fn invitation_teams(db: impl AnyExecutor<'_>, invitation: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT team_id FROM org_invitation_teams WHERE invitation_id = $1 ORDER BY team_id")
        .bind(invitation)
        .fetch_all(db)
        .await
}

// public membership

pub async fn publicize(db: impl AnyExecutor<'_>, org: i64, user: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO public_members (org_id, user_id) VALUES ($1, $2) ON CONFLICT (org_id, user_id) DO NOTHING")
        .bind(org)
        .bind(user)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn conceal(db: impl AnyExecutor<'_>, org: i64, user: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM public_members WHERE org_id = $1 AND user_id = $2").bind(org).bind(user).execute(db).await?.rows_affected())
}

/// Public members of `org` who are still members.
pub async fn public_members(db: impl AnyExecutor<'_>, org: i64) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ACOLS} FROM accounts a JOIN public_members p ON p.user_id = a.id \
         JOIN org_members m ON m.org_id = p.org_id AND m.user_id = p.user_id WHERE p.org_id = $1 ORDER BY a.id"
    )))
    .bind(org)
    .fetch_all(db)
    .await
}

// outside collaborators

/// Users with a collaborator row on a repository of `org` who are not members of it.
pub async fn outside_collaborators(db: impl AnyExecutor<'_>, org: i64) -> sqlx::Result<Vec<AccountRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ACOLS} FROM accounts a WHERE a.id IN (SELECT c.user_id FROM collaborators c JOIN repos r ON r.id = c.repo_id WHERE r.owner_id = $1) \
         AND a.id NOT IN (SELECT user_id FROM org_members WHERE org_id = $1) ORDER BY a.id"
    )))
    .bind(org)
    .fetch_all(db)
    .await
}

/// Removes `user`'s collaborator rows on every repository of `org`.
pub async fn remove_collaborations(db: impl AnyExecutor<'_>, org: i64, user: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM collaborators WHERE user_id = $2 AND repo_id IN (SELECT id FROM repos WHERE owner_id = $1)")
        .bind(org)
        .bind(user)
        .execute(db)
        .await?
        .rows_affected())
}

/// Removes `user` from every team of `org`.
pub async fn leave_teams(db: impl AnyExecutor<'_>, org: i64, user: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM team_members WHERE user_id = $2 AND team_id IN (SELECT id FROM teams WHERE org_id = $1)")
        .bind(org)
        .bind(user)
        .execute(db)
        .await?
        .rows_affected())
}
