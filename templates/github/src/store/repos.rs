//! Repositories and collaborators.

use sqlx::AnyConnection;
use sqlx::FromRow;
use sqlx::any::AnyExecutor;

#[derive(Debug, Clone, FromRow)]
pub struct RepoRow {
    pub id: i64,
    pub owner_id: i64,
    pub owner_login: String,
    pub owner_kind: String,
    pub name: String,
    pub description: Option<String>,
    pub homepage: Option<String>,
    #[sqlx(try_from = "asym_store::Flag")]
    pub private: bool,
    pub default_branch: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub has_issues: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub has_projects: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub has_wiki: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub archived: bool,
    pub topics: String,
    #[sqlx(try_from = "asym_store::Flag")]
    pub allow_merge_commit: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub allow_squash_merge: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub allow_rebase_merge: bool,
    #[sqlx(try_from = "asym_store::Flag")]
    pub delete_branch_on_merge: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub pushed_at: i64,
    /// The repository this one was forked from, and the root of its fork network.
    pub parent_id: Option<i64>,
    pub source_id: Option<i64>,
}

impl RepoRow {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner_login, self.name)
    }
    pub fn topic_list(&self) -> Vec<String> {
        serde_json::from_str(&self.topics).unwrap_or_default()
    }
}

const SELECT: &str = "SELECT r.id, r.owner_id, a.login AS owner_login, a.kind AS owner_kind, r.name, r.description, r.homepage, r.private, \
     r.default_branch, r.has_issues, r.has_projects, r.has_wiki, r.archived, r.topics, r.allow_merge_commit, r.allow_squash_merge, \
     r.allow_rebase_merge, r.delete_branch_on_merge, r.created_at, r.updated_at, r.pushed_at, r.parent_id, r.source_id FROM repos r JOIN accounts a ON a.id = r.owner_id";

pub async fn insert(db: impl AnyExecutor<'_>, r: &RepoRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO repos (id, owner_id, name, description, homepage, private, default_branch, has_issues, has_projects, has_wiki, \
         archived, topics, allow_merge_commit, allow_squash_merge, allow_rebase_merge, delete_branch_on_merge, created_at, updated_at, pushed_at, \
         parent_id, source_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(r.id)
    .bind(r.owner_id)
    .bind(&r.name)
    .bind(&r.description)
    .bind(&r.homepage)
    .bind(r.private as i64)
    .bind(&r.default_branch)
    .bind(r.has_issues as i64)
    .bind(r.has_projects as i64)
    .bind(r.has_wiki as i64)
    .bind(r.archived as i64)
    .bind(&r.topics)
    .bind(r.allow_merge_commit as i64)
    .bind(r.allow_squash_merge as i64)
    .bind(r.allow_rebase_merge as i64)
    .bind(r.delete_branch_on_merge as i64)
    .bind(r.created_at)
    .bind(r.updated_at)
    .bind(r.pushed_at)
    .bind(r.parent_id)
    .bind(r.source_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(db: impl AnyExecutor<'_>, r: &RepoRow) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE repos SET name = $2, description = $3, homepage = $4, private = $5, default_branch = $6, has_issues = $7, has_projects = $8, \
         has_wiki = $9, archived = $10, topics = $11, allow_merge_commit = $12, allow_squash_merge = $13, allow_rebase_merge = $14, \
         delete_branch_on_merge = $15, updated_at = $16, pushed_at = $17 WHERE id = $1",
    )
    .bind(r.id)
    .bind(&r.name)
    .bind(&r.description)
    .bind(&r.homepage)
    .bind(r.private as i64)
    .bind(&r.default_branch)
    .bind(r.has_issues as i64)
    .bind(r.has_projects as i64)
    .bind(r.has_wiki as i64)
    .bind(r.archived as i64)
    .bind(&r.topics)
    .bind(r.allow_merge_commit as i64)
    .bind(r.allow_squash_merge as i64)
    .bind(r.allow_rebase_merge as i64)
    .bind(r.delete_branch_on_merge as i64)
    .bind(r.updated_at)
    .bind(r.pushed_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn touch_pushed(db: impl AnyExecutor<'_>, id: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE repos SET pushed_at = $2, updated_at = $2 WHERE id = $1").bind(id).bind(now).execute(db).await?;
    Ok(())
}

pub async fn by_name(db: impl AnyExecutor<'_>, owner: &str, name: &str) -> sqlx::Result<Option<RepoRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE lower(a.login) = lower($1) AND lower(r.name) = lower($2)")))
        .bind(owner)
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn by_id(db: impl AnyExecutor<'_>, id: i64) -> sqlx::Result<Option<RepoRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1"))).bind(id).fetch_optional(db).await
}

pub async fn of_owner(db: impl AnyExecutor<'_>, owner: i64) -> sqlx::Result<Vec<RepoRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.owner_id = $1 ORDER BY r.id"))).bind(owner).fetch_all(db).await
}

pub async fn all(db: impl AnyExecutor<'_>) -> sqlx::Result<Vec<RepoRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY r.id"))).fetch_all(db).await
}

/// Repositories `user` reaches as owner, org member or collaborator.
pub async fn reachable(db: impl AnyExecutor<'_>, user: i64) -> sqlx::Result<Vec<RepoRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE r.owner_id = $1 OR r.owner_id IN (SELECT org_id FROM org_members WHERE user_id = $1) \
         OR r.id IN (SELECT repo_id FROM collaborators WHERE user_id = $1) \
         OR r.id IN (SELECT tr.repo_id FROM team_repos tr JOIN team_members tm ON tm.team_id = tr.team_id WHERE tm.user_id = $1) ORDER BY r.id"
    )))
    .bind(user)
    .fetch_all(db)
    .await
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM issue_labels WHERE issue_id IN (SELECT id FROM issues WHERE repo_id = $1)",
        "DELETE FROM issue_assignees WHERE issue_id IN (SELECT id FROM issues WHERE repo_id = $1)",
        "DELETE FROM review_requests WHERE issue_id IN (SELECT id FROM issues WHERE repo_id = $1)",
        "DELETE FROM pulls WHERE issue_id IN (SELECT id FROM issues WHERE repo_id = $1)",
        "DELETE FROM sub_issues WHERE child_id IN (SELECT id FROM issues WHERE repo_id = $1) \
         OR parent_id IN (SELECT id FROM issues WHERE repo_id = $1)",
        "DELETE FROM issue_dependencies WHERE blocked_id IN (SELECT id FROM issues WHERE repo_id = $1) \
         OR blocking_id IN (SELECT id FROM issues WHERE repo_id = $1)",
        "DELETE FROM deploy_keys WHERE repo_id = $1",
        "DELETE FROM autolinks WHERE repo_id = $1",
        "DELETE FROM issues WHERE repo_id = $1",
        "DELETE FROM issue_tallies WHERE repo_id = $1",
        "DELETE FROM comments WHERE repo_id = $1",
        "DELETE FROM reviews WHERE repo_id = $1",
        "DELETE FROM review_comments WHERE repo_id = $1",
        "DELETE FROM issue_events WHERE repo_id = $1",
        "DELETE FROM labels WHERE repo_id = $1",
        "DELETE FROM milestones WHERE repo_id = $1",
        "DELETE FROM hooks WHERE repo_id = $1",
        "DELETE FROM hook_deliveries WHERE repo_id = $1",
        "DELETE FROM git_refs WHERE repo_id = $1",
        "DELETE FROM git_objects WHERE repo_id = $1",
        "DELETE FROM collaborators WHERE repo_id = $1",
        "DELETE FROM team_repos WHERE repo_id = $1",
        "DELETE FROM notifications WHERE repo_id = $1",
        "DELETE FROM team_review_requests WHERE issue_id IN (SELECT id FROM issues WHERE repo_id = $1)",
        "DELETE FROM commit_statuses WHERE repo_id = $1",
        "DELETE FROM reactions WHERE subject = 'release' AND subject_id IN (SELECT id FROM releases WHERE repo_id = $1)",
        "DELETE FROM releases WHERE repo_id = $1",
        "DELETE FROM check_annotations WHERE run_id IN (SELECT id FROM check_runs WHERE repo_id = $1)",
        "DELETE FROM check_runs WHERE repo_id = $1",
        "DELETE FROM check_suites WHERE repo_id = $1",
        "DELETE FROM check_suite_prefs WHERE repo_id = $1",
        "DELETE FROM reactions WHERE subject = 'commit_comment' AND subject_id IN (SELECT id FROM commit_comments WHERE repo_id = $1)",
        "DELETE FROM commit_comments WHERE repo_id = $1",
        "DELETE FROM deployment_statuses WHERE repo_id = $1",
        "DELETE FROM deployments WHERE repo_id = $1",
        "DELETE FROM environments WHERE repo_id = $1",
        "DELETE FROM repo_invitations WHERE repo_id = $1",
        "DELETE FROM release_assets WHERE repo_id = $1",
        "DELETE FROM branch_protections WHERE repo_id = $1",
        "DELETE FROM repos WHERE id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn collaborator_permission(db: impl AnyExecutor<'_>, repo: i64, user: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT permission FROM collaborators WHERE repo_id = $1 AND user_id = $2")
        .bind(repo)
        .bind(user)
        .fetch_optional(db)
        .await
}

pub async fn set_collaborator(conn: &mut AnyConnection, repo: i64, user: i64, permission: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM collaborators WHERE repo_id = $1 AND user_id = $2").bind(repo).bind(user).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO collaborators (repo_id, user_id, permission) VALUES ($1, $2, $3)")
        .bind(repo)
        .bind(user)
        .bind(permission)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn remove_collaborator(db: impl AnyExecutor<'_>, repo: i64, user: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM collaborators WHERE repo_id = $1 AND user_id = $2")
        .bind(repo)
        .bind(user)
        .execute(db)
        .await?
        .rows_affected())
}

pub async fn collaborators(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT user_id, permission FROM collaborators WHERE repo_id = $1 ORDER BY user_id").bind(repo).fetch_all(db).await
}

/// In one query: the user's role in org `org` with the org's base permission
/// (`org:admin:<base>`/`org:member:<base>`) and their collaborator permission on
/// `repo` (`collab:<permission>`), directly or through a team they belong to.
pub async fn standing_of(db: impl AnyExecutor<'_>, org: i64, repo: i64, user: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT 'org:' || m.role || ':' || COALESCE((SELECT s.default_repository_permission FROM org_settings s WHERE s.org_id = m.org_id), 'read') \
         FROM org_members m WHERE m.org_id = $1 AND m.user_id = $3 \
         UNION ALL SELECT 'collab:' || permission FROM collaborators WHERE repo_id = $2 AND user_id = $3 \
         UNION ALL SELECT 'collab:' || tr.permission FROM team_repos tr JOIN team_members tm ON tm.team_id = tr.team_id \
         WHERE tr.repo_id = $2 AND tm.user_id = $3",
    )
    .bind(org)
    .bind(repo)
    .bind(user)
    .fetch_all(db)
    .await
}

/// Who has a standing in `repo`: (user id, `member` | `collaborator`).
pub async fn people_of(db: impl AnyExecutor<'_>, org: i64, repo: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT user_id, 'member' FROM org_members WHERE org_id = $1 \
         UNION ALL SELECT user_id, 'collaborator' FROM collaborators WHERE repo_id = $2",
    )
    .bind(org)
    .bind(repo)
    .fetch_all(db)
    .await
}

/// Users who reach `repo` through a team.
pub async fn team_people(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT DISTINCT tm.user_id FROM team_members tm JOIN team_repos tr ON tr.team_id = tm.team_id WHERE tr.repo_id = $1",
    )
    .bind(repo)
    .fetch_all(db)
    .await
}

/// The forks of `repo` (direct children), oldest first.
pub async fn forks_of(db: impl AnyExecutor<'_>, repo: i64) -> sqlx::Result<Vec<RepoRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.parent_id = $1 ORDER BY r.id"))).bind(repo).fetch_all(db).await
}

/// Repositories of the fork network rooted at `root` owned by `owner` (login).
pub async fn in_network_of(db: impl AnyExecutor<'_>, root: i64, owner: &str) -> sqlx::Result<Vec<RepoRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE (r.id = $1 OR r.source_id = $1) AND lower(a.login) = lower($2) ORDER BY r.id"
    )))
    .bind(root)
    .bind(owner)
    .fetch_all(db)
    .await
}

/// Copies into `to` the git objects of `from` it lacks (a fork shares its
/// network's objects; a cross-repository pull request brings its head's).
pub async fn share_objects(db: impl AnyExecutor<'_>, from: i64, to: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO git_objects (repo_id, sha, kind, data) SELECT $2, f.sha, f.kind, f.data FROM git_objects f \
         WHERE f.repo_id = $1 AND NOT EXISTS (SELECT 1 FROM git_objects t WHERE t.repo_id = $2 AND t.sha = f.sha)",
    )
    .bind(from)
    .bind(to)
    .execute(db)
    .await?;
    Ok(())
}

/// Moves a repository to another account (a transfer), under `name`.
pub async fn set_owner(db: impl AnyExecutor<'_>, id: i64, owner: i64, name: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE repos SET owner_id = $2, name = $3, updated_at = $4 WHERE id = $1")
        .bind(id)
        .bind(owner)
        .bind(name)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// The open issue count (pull requests included) of each of `ids`, read from
/// `issue_tallies` in one query; a repository without a tally has none open.
pub async fn open_issue_counts(db: impl AnyExecutor<'_>, ids: &[i64]) -> sqlx::Result<std::collections::HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!("SELECT repo_id, open_count FROM issue_tallies WHERE repo_id IN ({})", super::placeholders(1, ids.len()));
    let mut q = sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(db).await?.into_iter().collect())
}
