//! Repository content as the Contents, Commits and Compare APIs see it: file and
//! directory views of a commit's tree, file commits on a branch (each a real
//! commit with a tree and a parent), diffs between commits, and what a push
//! moves along (open pull requests whose head is the branch).

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{GhError, GhResult};
use crate::git::{self, Commit, Files, Kind};
use crate::model::gitdb;
use crate::objects;
use crate::store::accounts::AccountRow;
use crate::store::repos::RepoRow;
use crate::store::{git as gstore, pulls as pstore, repos as rstore};

/// The commit a request means: `ref` (branch, tag or sha) or the default branch.
pub async fn commit_for(conn: &mut AnyConnection, r: &RepoRow, reff: Option<&str>) -> GhResult<(String, String)> {
    let name = reff.filter(|s| !s.is_empty()).unwrap_or(&r.default_branch).to_string();
    match gitdb::resolve(conn, r.id, &name).await? {
        Some(sha) => Ok((name, sha)),
        None => Err(GhError::NotFound),
    }
}

/// The Contents API's view of `path` at `commit`: a file object (with content)
/// or a directory listing.
pub async fn view(conn: &mut AnyConnection, base: &str, r: &RepoRow, reff: &str, commit: &str, path: &str) -> GhResult<Value> {
    let full = r.full_name();
    let files = gitdb::files_at(conn, r.id, commit).await?;
    let path = path.trim_matches('/');
    if let Some((_, sha)) = files.get(path) {
        let data = gitdb::read_kind(conn, r.id, sha, Kind::Blob).await?.unwrap_or_default();
        let mut v = objects::content_entry(base, &full, reff, path, "file", sha, data.len() as i64);
        v["content"] = Value::from(crate::wire::b64(&data));
        v["encoding"] = Value::from("base64");
        return Ok(v);
    }
    let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
    let mut entries: Vec<(String, &'static str, String, i64)> = Vec::new();
    let mut dirs: Vec<String> = Vec::new();
    for (p, (_, sha)) in files.range(prefix.clone()..) {
        let Some(rest) = p.strip_prefix(&prefix) else { break };
        match rest.split_once('/') {
            None => {
                let size = gitdb::read_kind(conn, r.id, sha, Kind::Blob).await?.map(|d| d.len() as i64).unwrap_or(0);
                entries.push((p.clone(), "file", sha.clone(), size));
            }
            Some((dir, _)) => {
                let d = format!("{prefix}{dir}");
                if !dirs.contains(&d) {
                    dirs.push(d);
                }
            }
        }
    }
    if entries.is_empty() && dirs.is_empty() {
        return Err(GhError::NotFound);
    }
    for d in dirs {
        let sha = subtree_sha(conn, r.id, commit, &d).await?.unwrap_or_default();
        entries.push((d, "dir", sha, 0));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Value::Array(entries.iter().map(|(p, k, sha, size)| objects::content_entry(base, &full, reff, p, k, sha, *size)).collect()))
}

/// The tree object at `path` of a commit.
pub async fn subtree_sha(conn: &mut AnyConnection, repo: i64, commit: &str, path: &str) -> GhResult<Option<String>> {
    let c = gitdb::must_commit(conn, repo, commit).await?;
    let mut sha = c.tree;
    for part in path.split('/').filter(|s| !s.is_empty()) {
        let entries = gitdb::tree(conn, repo, &sha).await?.unwrap_or_default();
        match entries.into_iter().find(|e| e.name == part && e.is_tree()) {
            Some(e) => sha = e.sha,
            None => return Ok(None),
        }
    }
    Ok(Some(sha))
}

/// Moves `branch` to `sha` and follows the push: the repository's `pushed_at`
/// and the head of open pull requests from that branch.
pub async fn push(conn: &mut AnyConnection, r: &RepoRow, branch: &str, sha: &str, now: i64) -> GhResult<()> {
    let name = format!("refs/heads/{branch}");
    if gstore::set_ref(&mut *conn, r.id, &name, sha).await? == 0 {
        gstore::create_ref(&mut *conn, r.id, &name, sha).await?;
    }
    rstore::touch_pushed(&mut *conn, r.id, now).await?;
    for mut p in pstore::open_with_head(&mut *conn, r.id, branch).await? {
        p.head_sha = sha.to_string();
        pstore::update(&mut *conn, &p).await?;
        crate::model::protection::dismiss_stale(conn, r.id, p.issue_id, &p).await?;
    }
    // Pull requests from this branch of a fork into another repository of its network.
    for (issue, mut p) in pstore::open_from_fork(&mut *conn, r.id, branch).await? {
        let target: Option<i64> =
            sqlx::query_scalar("SELECT repo_id FROM issues WHERE id = $1").bind(issue).fetch_optional(&mut *conn).await?;
        if let Some(target) = target {
            rstore::share_objects(&mut *conn, r.id, target).await?;
        }
        p.head_sha = sha.to_string();
        pstore::update(&mut *conn, &p).await?;
        if let Some(target) = target {
            crate::model::protection::dismiss_stale(conn, target, issue, &p).await?;
        }
    }
    Ok(())
}

/// Files changed between two trees, rendered as GitHub's `files[]`, and the totals.
pub async fn files_diff(
    conn: &mut AnyConnection,
    base: &str,
    r: &RepoRow,
    old: &Files,
    new: &Files,
    reff: &str,
) -> GhResult<(Vec<Value>, i64, i64)> {
    let full = r.full_name();
    let mut out = Vec::new();
    let (mut adds, mut dels) = (0, 0);
    for ch in git::changes(old, new) {
        let a = gitdb::blob_text(conn, r.id, ch.old.as_deref()).await?;
        let b = gitdb::blob_text(conn, r.id, ch.new.as_deref()).await?;
        let (x, y, patch) = git::diff_text(&a, &b);
        adds += x;
        dels += y;
        out.push(objects::file_change(base, &full, reff, &ch, x, y, &patch));
    }
    Ok((out, adds, dels))
}

/// Accounts by lower-cased email, to link commit authors to users.
pub async fn people_by_email(conn: &mut AnyConnection) -> GhResult<HashMap<String, AccountRow>> {
    let rows: Vec<AccountRow> = sqlx::query_as(
        "SELECT id, login, kind, name, email, bio, company, location, blog, site_admin, created_at, updated_at FROM accounts WHERE kind = 'User'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = HashMap::new();
    for a in rows {
        out.insert(format!("{}+{}@users.noreply.github.com", a.id, a.login).to_ascii_lowercase(), a.clone());
        if let Some(e) = &a.email {
            out.insert(e.to_ascii_lowercase(), a);
        }
    }
    Ok(out)
}

pub fn commit_json(base: &str, r: &RepoRow, sha: &str, c: &Commit, people: &HashMap<String, AccountRow>) -> Value {
    let who = |email: &str| people.get(&email.to_ascii_lowercase()).map(|a| objects::user_ref(base, a)).unwrap_or(Value::Null);
    objects::commit(base, &r.full_name(), sha, c, who(&c.author.email), who(&c.committer.email))
}

/// A commit with `stats` and `files` against its first parent.
pub async fn commit_detail(conn: &mut AnyConnection, base: &str, r: &RepoRow, sha: &str) -> GhResult<Value> {
    let c = gitdb::must_commit(conn, r.id, sha).await?;
    let people = people_by_email(conn).await?;
    let new = gitdb::flatten(conn, r.id, &c.tree).await?;
    let old = match c.parents.first() {
        Some(p) => gitdb::files_at(conn, r.id, p).await?,
        None => Files::new(),
    };
    let (files, adds, dels) = files_diff(conn, base, r, &old, &new, sha).await?;
    let mut v = commit_json(base, r, sha, &c, &people);
    v["stats"] = json!({ "total": adds + dels, "additions": adds, "deletions": dels });
    v["files"] = Value::Array(files);
    Ok(v)
}

/// A unified diff of two trees, as GitHub serves it for `application/vnd.github.diff`.
pub async fn unified_diff(conn: &mut AnyConnection, repo: i64, old: &Files, new: &Files) -> GhResult<String> {
    let mut out = String::new();
    for ch in git::changes(old, new) {
        let a = gitdb::blob_text(conn, repo, ch.old.as_deref()).await?;
        let b = gitdb::blob_text(conn, repo, ch.new.as_deref()).await?;
        let (_, _, patch) = git::diff_text(&a, &b);
        let short = |s: &Option<String>| s.as_deref().map(|x| x[..7].to_string()).unwrap_or_else(|| "0000000".into());
        let mode = new.get(&ch.path).or(old.get(&ch.path)).map(|m| m.0.clone()).unwrap_or_else(|| "100644".into());
        out.push_str(&format!("diff --git a/{p} b/{p}\n", p = ch.path));
        match ch.status {
            "added" => out.push_str(&format!(
                "new file mode {mode}\nindex {}..{}\n--- /dev/null\n+++ b/{}\n",
                short(&ch.old),
                short(&ch.new),
                ch.path
            )),
            "removed" => out.push_str(&format!(
                "deleted file mode {mode}\nindex {}..{}\n--- a/{}\n+++ /dev/null\n",
                short(&ch.old),
                short(&ch.new),
                ch.path
            )),
            _ => out.push_str(&format!("index {}..{} {mode}\n--- a/{p}\n+++ b/{p}\n", short(&ch.old), short(&ch.new), p = ch.path)),
        }
        if !patch.is_empty() {
            out.push_str(&patch);
            out.push('\n');
        }
    }
    Ok(out)
}
