//! GitHub's JSON objects, rendered from rows: users, organizations, repositories,
//! issues, labels, milestones, comments, pull requests, commits, contents. Every
//! `url` points at the clone (`base` is its public URL); `html_url` does too.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::git::{Commit, Signature};
use crate::store::accounts::AccountRow;
use crate::store::hooks::HookRow;
use crate::store::issues::{CommentRow, IssueRow, LabelRow, MilestoneRow, ReactionRow};
use crate::store::pulls::{ReviewCommentRow, ReviewRow};
use crate::store::repos::RepoRow;
use crate::wire::{iso, iso_opt, node_id};

pub fn avatar(base: &str, id: i64) -> String {
    format!("{base}/avatars/u/{id}?v=4")
}

/// `simple-user`: what GitHub embeds wherever a person or org is named.
pub fn simple_user(base: &str, id: i64, login: &str, kind: &str) -> Value {
    let u = format!("{base}/users/{login}");
    json!({
        "login": login,
        "id": id,
        "node_id": node_id(if kind == "Organization" { "Organization" } else { "User" }, id),
        "avatar_url": avatar(base, id),
        "gravatar_id": "",
        "url": u,
        "html_url": format!("{base}/{login}"),
        "followers_url": format!("{u}/followers"),
        "following_url": format!("{u}/following{{/other_user}}"),
        "gists_url": format!("{u}/gists{{/gist_id}}"),
        "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{u}/subscriptions"),
        "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"),
        "events_url": format!("{u}/events{{/privacy}}"),
        "received_events_url": format!("{u}/received_events"),
        "type": kind,
        "user_view_type": "public",
        "site_admin": false,
    })
}

pub fn user_ref(base: &str, a: &AccountRow) -> Value {
    let mut v = simple_user(base, a.id, &a.login, &a.kind);
    v["site_admin"] = Value::Bool(a.site_admin);
    v
}

/// `public-user` (`/users/{u}`), and `private-user` for the caller's own `/user`;
/// `follows` is (followers, following).
pub fn full_user(base: &str, a: &AccountRow, public_repos: i64, private: Option<(i64, i64)>, follows: (i64, i64)) -> Value {
    let mut v = user_ref(base, a);
    let extra = json!({
        "name": a.name, "company": a.company, "blog": a.blog, "location": a.location, "email": a.email,
        "hireable": null, "bio": a.bio, "twitter_username": null, "notification_email": a.email,
        "public_repos": public_repos, "public_gists": 0, "followers": follows.0, "following": follows.1,
        "created_at": iso(a.created_at), "updated_at": iso(a.updated_at),
    });
    merge(&mut v, extra);
    if let Some((owned_private, total_private)) = private {
        merge(
            &mut v,
            json!({
                "private_gists": 0, "total_private_repos": total_private, "owned_private_repos": owned_private,
                "disk_usage": 0, "collaborators": 0, "two_factor_authentication": false,
                "plan": { "name": "free", "space": 976562499, "collaborators": 0, "private_repos": 10000 },
            }),
        );
    }
    v
}

pub fn org_simple(base: &str, a: &AccountRow) -> Value {
    let u = format!("{base}/orgs/{}", a.login);
    json!({
        "login": a.login, "id": a.id, "node_id": node_id("Organization", a.id),
        "url": u, "repos_url": format!("{u}/repos"), "events_url": format!("{u}/events"),
        "hooks_url": format!("{u}/hooks"), "issues_url": format!("{u}/issues"),
        "members_url": format!("{u}/members{{/member}}"), "public_members_url": format!("{u}/public_members{{/member}}"),
        "avatar_url": avatar(base, a.id), "description": a.bio,
    })
}

pub fn org_full(base: &str, a: &AccountRow, public_repos: i64) -> Value {
    let mut v = org_simple(base, a);
    merge(
        &mut v,
        json!({
            "name": a.name, "company": a.company, "blog": a.blog, "location": a.location, "email": a.email,
            "twitter_username": null, "is_verified": false, "has_organization_projects": true, "has_repository_projects": true,
            "public_repos": public_repos, "public_gists": 0, "followers": 0, "following": 0,
            "html_url": format!("{base}/{}", a.login), "created_at": iso(a.created_at), "updated_at": iso(a.updated_at),
            "archived_at": null, "type": "Organization",
        }),
    );
    v
}

/// `full-repository`; `permissions` is the caller's, when known.
pub fn repo(base: &str, r: &RepoRow, permissions: Option<crate::model::access::Perm>) -> Value {
    use crate::model::access::Perm;
    let full = r.full_name();
    let u = format!("{base}/repos/{full}");
    let mut v = json!({
        "id": r.id,
        "node_id": node_id("Repository", r.id),
        "name": r.name,
        "full_name": full,
        "private": r.private,
        "owner": simple_user(base, r.owner_id, &r.owner_login, &r.owner_kind),
        "html_url": format!("{base}/{full}"),
        "description": r.description,
        "fork": r.parent_id.is_some(),
        "url": u,
        "forks_url": format!("{u}/forks"),
        "keys_url": format!("{u}/keys{{/key_id}}"),
        "collaborators_url": format!("{u}/collaborators{{/collaborator}}"),
        "teams_url": format!("{u}/teams"),
        "hooks_url": format!("{u}/hooks"),
        "issue_events_url": format!("{u}/issues/events{{/number}}"),
        "events_url": format!("{u}/events"),
        "assignees_url": format!("{u}/assignees{{/user}}"),
        "branches_url": format!("{u}/branches{{/branch}}"),
        "tags_url": format!("{u}/tags"),
        "blobs_url": format!("{u}/git/blobs{{/sha}}"),
        "git_tags_url": format!("{u}/git/tags{{/sha}}"),
        "git_refs_url": format!("{u}/git/refs{{/sha}}"),
        "trees_url": format!("{u}/git/trees{{/sha}}"),
        "statuses_url": format!("{u}/statuses/{{sha}}"),
        "languages_url": format!("{u}/languages"),
        "stargazers_url": format!("{u}/stargazers"),
        "contributors_url": format!("{u}/contributors"),
        "subscribers_url": format!("{u}/subscribers"),
        "subscription_url": format!("{u}/subscription"),
        "commits_url": format!("{u}/commits{{/sha}}"),
        "git_commits_url": format!("{u}/git/commits{{/sha}}"),
        "comments_url": format!("{u}/comments{{/number}}"),
        "issue_comment_url": format!("{u}/issues/comments{{/number}}"),
        "contents_url": format!("{u}/contents/{{+path}}"),
        "compare_url": format!("{u}/compare/{{base}}...{{head}}"),
        "merges_url": format!("{u}/merges"),
        "archive_url": format!("{u}/{{archive_format}}{{/ref}}"),
        "downloads_url": format!("{u}/downloads"),
        "issues_url": format!("{u}/issues{{/number}}"),
        "pulls_url": format!("{u}/pulls{{/number}}"),
        "milestones_url": format!("{u}/milestones{{/number}}"),
        "notifications_url": format!("{u}/notifications{{?since,all,participating}}"),
        "labels_url": format!("{u}/labels{{/name}}"),
        "releases_url": format!("{u}/releases{{/id}}"),
        "deployments_url": format!("{u}/deployments"),
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
        "pushed_at": iso(r.pushed_at),
        "git_url": format!("{}/{full}.git", base.replacen("http", "git", 1)),
        "ssh_url": format!("git@{}:{full}.git", base.trim_start_matches("http://").trim_start_matches("https://")),
        "clone_url": format!("{base}/{full}.git"),
        "svn_url": format!("{base}/{full}"),
        "homepage": r.homepage,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": null,
        "has_issues": r.has_issues,
        "has_projects": r.has_projects,
        "has_downloads": true,
        "has_wiki": r.has_wiki,
        "has_pages": false,
        "has_discussions": false,
        "forks_count": 0,
        "mirror_url": null,
        "archived": r.archived,
        "disabled": false,
        "open_issues_count": 0,
        "license": null,
        "allow_forking": true,
        "is_template": false,
        "web_commit_signoff_required": false,
        "topics": r.topic_list(),
        "visibility": if r.private { "private" } else { "public" },
        "forks": 0,
        "open_issues": 0,
        "watchers": 0,
        "default_branch": r.default_branch,
        "allow_merge_commit": r.allow_merge_commit,
        "allow_squash_merge": r.allow_squash_merge,
        "allow_rebase_merge": r.allow_rebase_merge,
        "delete_branch_on_merge": r.delete_branch_on_merge,
        "network_count": 0,
        "subscribers_count": 0,
    });
    if r.owner_kind == "Organization" {
        v["organization"] = simple_user(base, r.owner_id, &r.owner_login, &r.owner_kind);
    }
    if let Some(p) = permissions {
        v["permissions"] = json!({
            "admin": p >= Perm::Admin, "maintain": p >= Perm::Maintain, "push": p >= Perm::Write,
            "triage": p >= Perm::Triage, "pull": p >= Perm::Read,
        });
    }
    v
}

pub fn label(base: &str, full: &str, l: &LabelRow) -> Value {
    json!({
        "id": l.id, "node_id": node_id("Label", l.id),
        "url": format!("{base}/repos/{full}/labels/{}", encode_segment(&l.name)),
        "name": l.name, "color": l.color, "default": l.is_default, "description": l.description,
    })
}

pub fn milestone(base: &str, full: &str, m: &MilestoneRow, creator: &Value, counts: (i64, i64)) -> Value {
    let u = format!("{base}/repos/{full}/milestones/{}", m.number);
    json!({
        "url": u, "html_url": format!("{base}/{full}/milestone/{}", m.number), "labels_url": format!("{u}/labels"),
        "id": m.id, "node_id": node_id("Milestone", m.id), "number": m.number, "state": m.state, "title": m.title,
        "description": m.description, "creator": creator, "open_issues": counts.0, "closed_issues": counts.1,
        "created_at": iso(m.created_at), "updated_at": iso(m.updated_at), "closed_at": iso_opt(m.closed_at), "due_on": iso_opt(m.due_on),
    })
}

pub fn reactions_summary(url: &str, rows: &[ReactionRow]) -> Value {
    let count = |c: &str| rows.iter().filter(|r| r.content == c).count();
    json!({
        "url": url, "total_count": rows.len(), "+1": count("+1"), "-1": count("-1"), "laugh": count("laugh"),
        "hooray": count("hooray"), "confused": count("confused"), "heart": count("heart"), "rocket": count("rocket"), "eyes": count("eyes"),
    })
}

pub fn reaction(r: &ReactionRow, user: &Value) -> Value {
    json!({ "id": r.id, "node_id": node_id("Reaction", r.id), "user": user, "content": r.content, "created_at": iso(r.created_at) })
}

/// Everything an issue needs besides its row.
pub struct IssueParts<'a> {
    pub user: Value,
    pub labels: Vec<Value>,
    pub assignees: Vec<Value>,
    pub milestone: Value,
    pub closed_by: Value,
    pub merged_at: Option<i64>,
    pub reactions: &'a [ReactionRow],
    pub association: &'a str,
}

pub fn issue(base: &str, full: &str, i: &IssueRow, p: IssueParts<'_>) -> Value {
    let u = format!("{base}/repos/{full}/issues/{}", i.number);
    let mut v = json!({
        "id": i.id,
        "node_id": node_id("Issue", i.id),
        "url": u,
        "repository_url": format!("{base}/repos/{full}"),
        "labels_url": format!("{u}/labels{{/name}}"),
        "comments_url": format!("{u}/comments"),
        "events_url": format!("{u}/events"),
        "html_url": format!("{base}/{full}/{}/{}", if i.is_pull { "pull" } else { "issues" }, i.number),
        "number": i.number,
        "state": i.state,
        "state_reason": i.state_reason,
        "title": i.title,
        "body": i.body,
        "user": p.user,
        "labels": p.labels,
        "assignee": p.assignees.first().cloned().unwrap_or(Value::Null),
        "assignees": p.assignees,
        "milestone": p.milestone,
        "locked": i.locked,
        "active_lock_reason": i.lock_reason,
        "comments": i.comments,
        "closed_at": iso_opt(i.closed_at),
        "created_at": iso(i.created_at),
        "updated_at": iso(i.updated_at),
        "closed_by": p.closed_by,
        "author_association": p.association,
        "reactions": reactions_summary(&format!("{u}/reactions"), p.reactions),
        "timeline_url": format!("{u}/timeline"),
        "performed_via_github_app": null,
    });
    if i.is_pull {
        let pu = format!("{base}/repos/{full}/pulls/{}", i.number);
        let html = format!("{base}/{full}/pull/{}", i.number);
        v["pull_request"] = json!({
            "url": pu, "html_url": html, "diff_url": format!("{html}.diff"), "patch_url": format!("{html}.patch"),
            "merged_at": iso_opt(p.merged_at),
        });
        v["draft"] = Value::Bool(false);
    }
    v
}

pub fn comment(
    base: &str,
    full: &str,
    issue_number: i64,
    c: &CommentRow,
    user: Value,
    association: &str,
    reactions: &[ReactionRow],
) -> Value {
    let u = format!("{base}/repos/{full}/issues/comments/{}", c.id);
    json!({
        "id": c.id, "node_id": node_id("IssueComment", c.id), "url": u,
        "html_url": format!("{base}/{full}/issues/{issue_number}#issuecomment-{}", c.id),
        "issue_url": format!("{base}/repos/{full}/issues/{issue_number}"),
        "body": c.body, "user": user, "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
        "author_association": association, "performed_via_github_app": null,
        "reactions": reactions_summary(&format!("{u}/reactions"), reactions),
    })
}

pub fn signature(s: &Signature) -> Value {
    json!({ "name": s.name, "email": s.email, "date": iso(s.date) })
}

pub fn verification() -> Value {
    json!({ "verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null })
}

/// `git-commit` (the Git Data API's view).
pub fn git_commit(base: &str, full: &str, sha: &str, c: &Commit) -> Value {
    json!({
        "sha": sha, "node_id": node_id("Commit", sha_num(sha)),
        "url": format!("{base}/repos/{full}/git/commits/{sha}"),
        "html_url": format!("{base}/{full}/commit/{sha}"),
        "author": signature(&c.author), "committer": signature(&c.committer),
        "tree": { "sha": c.tree, "url": format!("{base}/repos/{full}/git/trees/{}", c.tree) },
        "message": c.message,
        "parents": c.parents.iter().map(|p| json!({
            "sha": p, "url": format!("{base}/repos/{full}/git/commits/{p}"), "html_url": format!("{base}/{full}/commit/{p}"),
        })).collect::<Vec<_>>(),
        "verification": verification(),
    })
}

/// `commit` (the Commits API's view); `author`/`committer` are the accounts
/// whose email matches, or null. `files` and `stats` are added by the caller.
pub fn commit(base: &str, full: &str, sha: &str, c: &Commit, author: Value, committer: Value) -> Value {
    let u = format!("{base}/repos/{full}/commits/{sha}");
    json!({
        "url": u, "sha": sha, "node_id": node_id("Commit", sha_num(sha)),
        "html_url": format!("{base}/{full}/commit/{sha}"), "comments_url": format!("{u}/comments"),
        "commit": {
            "url": format!("{base}/repos/{full}/git/commits/{sha}"),
            "author": signature(&c.author), "committer": signature(&c.committer), "message": c.message,
            "comment_count": 0,
            "tree": { "sha": c.tree, "url": format!("{base}/repos/{full}/git/trees/{}", c.tree) },
            "verification": verification(),
        },
        "author": author, "committer": committer,
        "parents": c.parents.iter().map(|p| json!({
            "sha": p, "url": format!("{base}/repos/{full}/commits/{p}"), "html_url": format!("{base}/{full}/commit/{p}"),
        })).collect::<Vec<_>>(),
    })
}

/// A stable number from a sha, for `node_id`s of commits.
pub fn sha_num(sha: &str) -> i64 {
    i64::from_str_radix(&sha[..sha.len().min(12)], 16).unwrap_or(0)
}

pub fn file_change(base: &str, full: &str, reff: &str, ch: &crate::git::Change, adds: i64, dels: i64, patch: &str) -> Value {
    let sha = ch.new.clone().or(ch.old.clone()).unwrap_or_default();
    let path = encode_path(&ch.path);
    let mut v = json!({
        "sha": sha, "filename": ch.path, "status": ch.status, "additions": adds, "deletions": dels, "changes": adds + dels,
        "blob_url": format!("{base}/{full}/blob/{reff}/{path}"), "raw_url": format!("{base}/{full}/raw/{reff}/{path}"),
        "contents_url": format!("{base}/repos/{full}/contents/{path}?ref={reff}"),
    });
    if !patch.is_empty() {
        v["patch"] = Value::from(patch);
    }
    v
}

pub fn content_entry(base: &str, full: &str, reff: &str, path: &str, kind: &str, sha: &str, size: i64) -> Value {
    let name = path.rsplit('/').next().unwrap_or(path);
    let p = encode_path(path);
    let self_url = format!("{base}/repos/{full}/contents/{p}?ref={}", encode_segment(reff));
    let git_url = format!("{base}/repos/{full}/git/{}s/{sha}", if kind == "dir" { "tree" } else { "blob" });
    let html = format!("{base}/{full}/{}/{reff}/{p}", if kind == "dir" { "tree" } else { "blob" });
    json!({
        "type": kind, "size": size, "name": name, "path": path, "sha": sha,
        "url": self_url, "git_url": git_url, "html_url": html,
        "download_url": if kind == "file" { Value::from(format!("{base}/{full}/raw/{reff}/{p}")) } else { Value::Null },
        "_links": { "self": self_url, "git": git_url, "html": html },
    })
}

pub fn hook(base: &str, full: &str, h: &HookRow, last_response: Value) -> Value {
    let u = format!("{base}/repos/{full}/hooks/{}", h.id);
    let mut config: Value = serde_json::from_str(&h.config).unwrap_or_else(|_| json!({}));
    if config.get("secret").is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty())) {
        config["secret"] = Value::from("********");
    }
    json!({
        "type": "Repository", "id": h.id, "name": "web", "active": h.active,
        "events": serde_json::from_str::<Value>(&h.events).unwrap_or_else(|_| json!([])),
        "config": config, "updated_at": iso(h.updated_at), "created_at": iso(h.created_at),
        "url": u, "test_url": format!("{u}/test"), "ping_url": format!("{u}/pings"), "deliveries_url": format!("{u}/deliveries"),
        "last_response": last_response,
    })
}

pub fn review(base: &str, full: &str, number: i64, r: &ReviewRow, user: Value, association: &str) -> Value {
    let pu = format!("{base}/repos/{full}/pulls/{number}");
    json!({
        "id": r.id, "node_id": node_id("PullRequestReview", r.id), "user": user, "body": r.body, "state": r.state,
        "html_url": format!("{base}/{full}/pull/{number}#pullrequestreview-{}", r.id), "pull_request_url": pu,
        "_links": { "html": { "href": format!("{base}/{full}/pull/{number}#pullrequestreview-{}", r.id) }, "pull_request": { "href": pu } },
        "submitted_at": iso_opt(r.submitted_at), "commit_id": r.commit_id, "author_association": association,
    })
}

pub fn review_comment(
    base: &str,
    full: &str,
    number: i64,
    c: &ReviewCommentRow,
    user: Value,
    association: &str,
    reactions: &[ReactionRow],
) -> Value {
    let u = format!("{base}/repos/{full}/pulls/comments/{}", c.id);
    let pu = format!("{base}/repos/{full}/pulls/{number}");
    let html = format!("{base}/{full}/pull/{number}#discussion_r{}", c.id);
    json!({
        "url": u, "pull_request_review_id": c.review_id, "id": c.id, "node_id": node_id("PullRequestReviewComment", c.id),
        "diff_hunk": c.diff_hunk, "path": c.path, "position": c.line, "original_position": c.line,
        "commit_id": c.commit_id, "original_commit_id": c.commit_id, "in_reply_to_id": c.in_reply_to,
        "user": user, "body": c.body, "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
        "html_url": html, "pull_request_url": pu, "author_association": association,
        "_links": { "self": { "href": u }, "html": { "href": html }, "pull_request": { "href": pu } },
        "line": c.line, "original_line": c.line, "side": c.side, "start_line": null, "original_start_line": null, "start_side": null,
        "subject_type": "line",
        "reactions": reactions_summary(&format!("{u}/reactions"), reactions),
    })
}

/// Percent-encodes one path segment (branch and label names).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a file path, keeping its slashes.
pub fn encode_path(p: &str) -> String {
    p.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
}

pub fn merge(into: &mut Value, extra: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), extra) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}

/// Accounts by id, rendered once each.
/// The people a page of objects mentions, each rendered once: a page of 30
/// issues by one author named them 30 times, each time formatting a dozen URLs.
pub struct Users {
    rendered: HashMap<i64, Value>,
}

impl Users {
    pub fn new(base: &str, rows: impl IntoIterator<Item = AccountRow>) -> Users {
        Users { rendered: rows.into_iter().map(|a| (a.id, user_ref(base, &a))).collect() }
    }

    pub fn get(&self, id: i64) -> Value {
        self.rendered.get(&id).cloned().unwrap_or(Value::Null)
    }
    pub fn opt(&self, id: Option<i64>) -> Value {
        id.map(|i| self.get(i)).unwrap_or(Value::Null)
    }
}
