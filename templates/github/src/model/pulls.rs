//! Pull requests: where a head branch stands against its base (merge base,
//! commits, files, mergeability), rendering, and merging with `merge`, `squash`
//! or `rebase`, each producing on the base branch the commits GitHub produces.

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{GhError, GhResult};
use crate::git::{self, Commit, Files, Signature};
use crate::model::{content, gitdb, issues};
use crate::objects;
use crate::store::accounts::AccountRow;
use crate::store::issues::IssueRow;
use crate::store::pulls::{self as store, PullRow};
use crate::store::repos::{self as rstore, RepoRow};
use crate::store::{git as gstore, issues as istore};

/// Where the head stands against the base.
pub struct Standing {
    pub base_sha: String,
    pub head_sha: String,
    pub merge_base: Option<String>,
    pub commits: Vec<(String, Commit)>,
    /// The merged tree, or the conflicting paths.
    pub merged: Result<Files, Vec<String>>,
}

pub async fn standing(conn: &mut AnyConnection, r: &RepoRow, p: &PullRow) -> GhResult<Standing> {
    let base_sha = if p.merged {
        p.base_sha.clone()
    } else {
        gstore::get_ref(&mut *conn, r.id, &format!("refs/heads/{}", p.base_ref)).await?.unwrap_or_else(|| p.base_sha.clone())
    };
    let head_sha = p.head_sha.clone();
    let mb = gitdb::merge_base(conn, r.id, &base_sha, &head_sha).await?;
    let commits = match &mb {
        Some(m) => gitdb::commits_between(conn, r.id, m, &head_sha).await?,
        None => vec![],
    };
    let merged = match &mb {
        Some(m) => {
            let b = gitdb::files_at(conn, r.id, m).await?;
            let o = gitdb::files_at(conn, r.id, &base_sha).await?;
            let t = gitdb::files_at(conn, r.id, &head_sha).await?;
            git::merge_files(&b, &o, &t)
        }
        None => Err(vec![]),
    };
    Ok(Standing { base_sha, head_sha, merge_base: mb, commits, merged })
}

/// The files a pull request changes (merge base → head), with totals.
pub async fn files(conn: &mut AnyConnection, base: &str, r: &RepoRow, s: &Standing) -> GhResult<(Vec<Value>, i64, i64)> {
    let old = match &s.merge_base {
        Some(m) => gitdb::files_at(conn, r.id, m).await?,
        None => Files::new(),
    };
    let new = gitdb::files_at(conn, r.id, &s.head_sha).await?;
    content::files_diff(conn, base, r, &old, &new, &s.head_sha).await
}

pub async fn render(conn: &mut AnyConnection, base: &str, r: &RepoRow, i: &IssueRow, p: &PullRow, full_detail: bool) -> GhResult<Value> {
    let full = r.full_name();
    let issue = issues::render_one(conn, base, r, i).await?;
    let requested = store::requested(&mut *conn, i.id).await?;
    let users = issues::users(conn, base, requested.iter().copied().chain(p.merged_by).collect()).await?;
    let repo_json = objects::repo(base, r, None);
    let owner_json = objects::simple_user(base, r.owner_id, &r.owner_login, &r.owner_kind);
    let u = format!("{base}/repos/{full}/pulls/{}", i.number);
    let html = format!("{base}/{full}/pull/{}", i.number);
    let s = standing(conn, r, p).await?;
    let side = |reff: &str, sha: &str| json!({ "label": format!("{}:{reff}", r.owner_login), "ref": reff, "sha": sha, "user": owner_json, "repo": repo_json });
    let head_repo = match p.head_repo_id {
        Some(id) => rstore::by_id(&mut *conn, id).await?,
        None => None,
    };
    let head_side = match &head_repo {
        Some(f) => json!({
            "label": format!("{}:{}", f.owner_login, p.head_ref), "ref": p.head_ref, "sha": s.head_sha,
            "user": objects::simple_user(base, f.owner_id, &f.owner_login, &f.owner_kind), "repo": objects::repo(base, f, None),
        }),
        // The fork is gone: GitHub shows the head without a repository.
        None if p.head_repo_id.is_some() => json!({
            "label": format!("unknown:{}", p.head_ref), "ref": p.head_ref, "sha": s.head_sha, "user": Value::Null, "repo": Value::Null,
        }),
        None => side(&p.head_ref, &s.head_sha),
    };
    let mut v = json!({
        "url": u, "id": p.id, "node_id": crate::wire::node_id("PullRequest", p.id), "html_url": html,
        "diff_url": format!("{html}.diff"), "patch_url": format!("{html}.patch"),
        "issue_url": format!("{base}/repos/{full}/issues/{}", i.number),
        "commits_url": format!("{u}/commits"), "review_comments_url": format!("{u}/comments"),
        "review_comment_url": format!("{base}/repos/{full}/pulls/comments{{/number}}"),
        "comments_url": format!("{base}/repos/{full}/issues/{}/comments", i.number),
        "statuses_url": format!("{base}/repos/{full}/statuses/{}", p.head_sha),
        "number": i.number, "state": i.state, "locked": i.locked, "title": i.title, "user": issue["user"], "body": i.body,
        "labels": issue["labels"], "milestone": issue["milestone"], "active_lock_reason": i.lock_reason,
        "created_at": issue["created_at"], "updated_at": issue["updated_at"], "closed_at": issue["closed_at"],
        "merged_at": crate::wire::iso_opt(p.merged_at), "merge_commit_sha": p.merge_commit_sha,
        "assignee": issue["assignee"], "assignees": issue["assignees"],
        "requested_reviewers": requested.iter().map(|id| users.get(*id)).collect::<Vec<_>>(), "requested_teams": requested_teams(conn, base, i.id).await?,
        "head": head_side, "base": side(&p.base_ref, &s.base_sha),
        "_links": {
            "self": { "href": u }, "html": { "href": html }, "issue": { "href": format!("{base}/repos/{full}/issues/{}", i.number) },
            "comments": { "href": format!("{base}/repos/{full}/issues/{}/comments", i.number) },
            "review_comments": { "href": format!("{u}/comments") }, "review_comment": { "href": format!("{base}/repos/{full}/pulls/comments{{/number}}") },
            "commits": { "href": format!("{u}/commits") }, "statuses": { "href": format!("{base}/repos/{full}/statuses/{}", p.head_sha) },
        },
        "author_association": issue["author_association"], "auto_merge": null, "draft": p.draft,
    });
    if full_detail {
        let (_, adds, dels) = files(conn, base, r, &s).await?;
        let changed = {
            let old = match &s.merge_base {
                Some(m) => gitdb::files_at(conn, r.id, m).await?,
                None => Files::new(),
            };
            let new = gitdb::files_at(conn, r.id, &s.head_sha).await?;
            git::changes(&old, &new).len()
        };
        let review_comments = store::review_comments_of(&mut *conn, i.id).await?.len();
        let (mergeable, state) = if p.merged || i.state == "closed" {
            (Value::Null, "unknown")
        } else if s.merged.is_ok() {
            (Value::Bool(true), if p.draft { "draft" } else { "clean" })
        } else {
            (Value::Bool(false), "dirty")
        };
        objects::merge(
            &mut v,
            json!({
                "merged": p.merged, "mergeable": mergeable, "rebaseable": mergeable, "mergeable_state": state,
                "merged_by": users.opt(p.merged_by), "comments": i.comments, "review_comments": review_comments,
                "maintainer_can_modify": p.maintainer_can_modify, "commits": s.commits.len(),
                "additions": adds, "deletions": dels, "changed_files": changed,
            }),
        );
    }
    Ok(v)
}

/// Issues a pull request closes when merged (`Fixes #12`, `closes #3`, …).
pub fn closing_refs(text: &str) -> Vec<i64> {
    const WORDS: &[&str] = &["close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved"];
    let lower = text.to_ascii_lowercase();
    let tokens: Vec<&str> = lower.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).collect();
    let mut out = Vec::new();
    for w in tokens.windows(2) {
        let word = w[0].trim_end_matches(':');
        if WORDS.contains(&word)
            && let Some(n) = w[1].strip_prefix('#').and_then(|n| n.trim_end_matches(['.', ')', ';']).parse::<i64>().ok())
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

pub struct MergeRequest {
    pub method: String,
    pub title: Option<String>,
    pub message: Option<String>,
    pub sha: Option<String>,
}

/// Merges `p` into its base branch; returns the new tip of the base.
pub async fn merge(
    conn: &mut AnyConnection,
    r: &RepoRow,
    i: &mut IssueRow,
    p: &mut PullRow,
    author: &AccountRow,
    req: &MergeRequest,
    at: i64,
) -> GhResult<String> {
    if p.merged || i.state != "open" {
        return Err(GhError::MethodNotAllowed("Pull Request is not mergeable".into()));
    }
    if p.draft {
        return Err(GhError::MethodNotAllowed("Pull Request is still a draft".into()));
    }
    let allowed = match req.method.as_str() {
        "merge" => r.allow_merge_commit,
        "squash" => r.allow_squash_merge,
        "rebase" => r.allow_rebase_merge,
        _ => return Err(GhError::invalid("PullRequest", "merge_method")),
    };
    if !allowed {
        let what = match req.method.as_str() {
            "merge" => "Merge commits are",
            "squash" => "Squash merges are",
            _ => "Rebase merges are",
        };
        return Err(GhError::MethodNotAllowed(format!("{what} not allowed on this repository.")));
    }
    if let Some(s) = &req.sha
        && s != &p.head_sha
    {
        return Err(GhError::Conflict("Head branch was modified. Review and try the merge again.".into()));
    }
    let s = standing(conn, r, p).await?;
    let merged = s.merged.clone().map_err(|_| GhError::MethodNotAllowed("Pull Request is not mergeable".into()))?;
    let me = crate::model::repos::signature_of(author, at);
    let github = Signature { name: "GitHub".into(), email: "noreply@github.com".into(), date: at, tz: "+0000".into() };
    let head_login = match p.head_repo_id {
        Some(id) => rstore::by_id(&mut *conn, id).await?.map_or(r.owner_login.clone(), |f| f.owner_login),
        None => r.owner_login.clone(),
    };
    let head_owner = format!("{head_login}/{}", p.head_ref);
    let new_tip = match req.method.as_str() {
        "merge" => {
            let title = req.title.clone().unwrap_or_else(|| format!("Merge pull request #{} from {head_owner}", i.number));
            let body = req.message.clone().unwrap_or_else(|| i.title.clone());
            let tree = gitdb::write_tree(conn, r.id, &merged).await?;
            let c = Commit {
                tree,
                parents: vec![s.base_sha.clone(), s.head_sha.clone()],
                author: me,
                committer: github,
                message: format!("{title}\n\n{body}"),
            };
            gitdb::write_commit(conn, r.id, &c).await?
        }
        "squash" => {
            let title = req.title.clone().unwrap_or_else(|| format!("{} (#{})", i.title, i.number));
            let body = req
                .message
                .clone()
                .unwrap_or_else(|| s.commits.iter().map(|(_, c)| format!("* {}", c.message.trim_end())).collect::<Vec<_>>().join("\n\n"));
            let tree = gitdb::write_tree(conn, r.id, &merged).await?;
            let message = if body.is_empty() { title } else { format!("{title}\n\n{body}") };
            let c = Commit { tree, parents: vec![s.base_sha.clone()], author: me, committer: github, message };
            gitdb::write_commit(conn, r.id, &c).await?
        }
        _ => {
            // Replays each commit's own change onto the base, keeping its author.
            let mut tip = s.base_sha.clone();
            for (_, c) in &s.commits {
                let parent_files = match c.parents.first() {
                    Some(pp) => gitdb::files_at(conn, r.id, pp).await?,
                    None => Files::new(),
                };
                let mine = gitdb::flatten(conn, r.id, &c.tree).await?;
                let current = gitdb::files_at(conn, r.id, &tip).await?;
                let next = git::merge_files(&parent_files, &current, &mine)
                    .map_err(|_| GhError::MethodNotAllowed("Pull Request is not mergeable".into()))?;
                let tree = gitdb::write_tree(conn, r.id, &next).await?;
                let nc = Commit {
                    tree,
                    parents: vec![tip.clone()],
                    author: c.author.clone(),
                    committer: github.clone(),
                    message: c.message.clone(),
                };
                tip = gitdb::write_commit(conn, r.id, &nc).await?;
            }
            tip
        }
    };
    content::push(conn, r, &p.base_ref, &new_tip, at).await?;
    p.merged = true;
    p.merged_at = Some(at);
    p.merged_by = Some(author.id);
    p.merge_commit_sha = Some(new_tip.clone());
    p.base_sha = s.base_sha.clone();
    store::update(&mut *conn, p).await?;
    issues::record(conn, i, author.id, "merged", json!({ "commit_id": new_tip }), at).await?;
    i.state = "closed".into();
    i.closed_at = Some(at);
    i.closed_by = Some(author.id);
    i.updated_at = at;
    issues::record(conn, i, author.id, "closed", json!({ "commit_id": new_tip }), at).await?;
    istore::update(&mut *conn, i).await?;
    if r.delete_branch_on_merge && p.head_repo_id.is_none() {
        gstore::delete_ref(&mut *conn, r.id, &format!("refs/heads/{}", p.head_ref)).await?;
    }
    // Merging into the default branch closes the issues the pull request names.
    if p.base_ref == r.default_branch {
        let text = format!("{}\n{}", i.title, i.body.clone().unwrap_or_default());
        for n in closing_refs(&text) {
            if let Some(mut other) = istore::by_number(&mut *conn, r.id, n).await?
                && !other.is_pull
                && other.state == "open"
            {
                issues::set_state(conn, &mut other, "closed", Some("completed".into()), author.id, at).await?;
                // The close event points at the merge commit, as GitHub's does.
                sqlx::query("UPDATE issue_events SET data = $2 WHERE issue_id = $1 AND event = 'closed' AND created_at = $3")
                    .bind(other.id)
                    .bind(json!({ "commit_id": new_tip, "state_reason": "completed" }).to_string())
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                other.updated_at = at;
                istore::update(&mut *conn, &other).await?;
            }
        }
    }
    Ok(new_tip)
}

/// Pull rows by issue id, for lists.
pub async fn rows_for(conn: &mut AnyConnection, issues_: &[IssueRow]) -> GhResult<HashMap<i64, PullRow>> {
    let mut out = HashMap::new();
    for i in issues_ {
        if let Some(p) = store::of_issue(&mut *conn, i.id).await? {
            out.insert(i.id, p);
        }
    }
    Ok(out)
}

/// Merges `head_sha` into `branch` with a merge commit (the Merges API and
/// "update branch"): `None` when the branch already contains it, 409 on conflict.
pub async fn merge_into(
    conn: &mut AnyConnection,
    r: &RepoRow,
    branch: &str,
    head_sha: &str,
    message: &str,
    author: &AccountRow,
    at: i64,
) -> GhResult<Option<String>> {
    let base_sha = gstore::get_ref(&mut *conn, r.id, &format!("refs/heads/{branch}"))
        .await?
        .ok_or(GhError::NotFoundMsg("Base does not exist".into()))?;
    if gitdb::ancestors(conn, r.id, &base_sha).await?.contains(head_sha) {
        return Ok(None);
    }
    let mb = gitdb::merge_base(conn, r.id, &base_sha, head_sha).await?;
    let b = match &mb {
        Some(m) => gitdb::files_at(conn, r.id, m).await?,
        None => Files::new(),
    };
    let o = gitdb::files_at(conn, r.id, &base_sha).await?;
    let t = gitdb::files_at(conn, r.id, head_sha).await?;
    let merged = git::merge_files(&b, &o, &t).map_err(|_| GhError::Conflict("Merge conflict".into()))?;
    let tree = gitdb::write_tree(conn, r.id, &merged).await?;
    let me = crate::model::repos::signature_of(author, at);
    let github = Signature { name: "GitHub".into(), email: "noreply@github.com".into(), date: at, tz: "+0000".into() };
    let c = Commit { tree, parents: vec![base_sha, head_sha.to_string()], author: me, committer: github, message: message.to_string() };
    let sha = gitdb::write_commit(conn, r.id, &c).await?;
    content::push(conn, r, branch, &sha, at).await?;
    Ok(Some(sha))
}

/// The teams requested to review pull request `issue`, as `team-simple` objects.
pub async fn requested_teams(conn: &mut AnyConnection, base: &str, issue: i64) -> GhResult<Vec<Value>> {
    let mut out = Vec::new();
    for id in crate::store::teams::requested(&mut *conn, issue).await? {
        if let Some(t) = crate::store::teams::by_id(&mut *conn, id).await?
            && let Some(org) = crate::store::accounts::by_id(&mut *conn, t.org_id).await?
        {
            out.push(crate::model::teams::simple(base, &org, &t));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::closing_refs;

    #[test]
    fn closing_keywords_name_issues() {
        assert_eq!(closing_refs("Add greeting\n\nFixes #1, closes #7. resolves: #9"), vec![1, 7, 9]);
        assert!(closing_refs("see #4").is_empty());
    }
}
