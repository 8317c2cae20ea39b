//! Branches, contents, commits, compare, and the Git Data API (refs, commits,
//! trees, blobs).

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::git::{self, Commit, Files, Kind, Signature};
use crate::model::access::{self, Perm};
use crate::model::protection::{self, Protection, Via};
use crate::model::repos::{signature_of, str_field};
use crate::model::{content, gitdb, hooks};
use crate::objects;
use crate::store::git as gstore;
use crate::store::repos::RepoRow;
use crate::wire::{Listing, json_value, now, unb64};

pub(super) fn branch_json(cx: &Cx, r: &RepoRow, name: &str, commit: Value, protection: Option<&Protection>) -> Value {
    let full = r.full_name();
    let enc = objects::encode_segment(name);
    json!({
        "name": name,
        "commit": commit,
        "_links": { "self": format!("{}/repos/{full}/branches/{enc}", cx.base), "html": format!("{}/{full}/tree/{enc}", cx.base) },
        "protected": protection.is_some(),
        "protection": crate::model::protection::summary(protection),
        "protection_url": format!("{}/repos/{full}/branches/{enc}/protection", cx.base),
    })
}

pub async fn list_branches(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let refs = gstore::refs(&*cx.db, r.id, "refs/heads/").await?;
    let guarded = crate::store::protection::branches_of(&*cx.db, r.id).await?;
    let only = match cx.query.get("protected") {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    let items: Vec<Value> = refs
        .iter()
        .filter_map(|(name, sha)| {
            let n = name.trim_start_matches("refs/heads/");
            let protected = guarded.iter().any(|g| g == n);
            (only.is_none() || only == Some(protected)).then(|| {
                json!({ "name": n, "commit": { "sha": sha, "url": format!("{}/repos/{}/commits/{sha}", cx.base, r.full_name()) }, "protected": protected })
            })
        })
        .collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn get_branch(cx: Cx, Path((owner, repo, branch)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    if let Some((name, _)) = super::protection::split(&branch)
        && gstore::get_ref(&*cx.db, r.id, &format!("refs/heads/{name}")).await?.is_some()
    {
        return super::protection::get(cx, Path((owner, repo, branch))).await;
    }
    let sha = gstore::get_ref(&*cx.db, r.id, &format!("refs/heads/{branch}"))
        .await?
        .ok_or_else(|| GhError::NotFoundMsg("Branch not found".into()))?;
    let mut conn = cx.db.acquire().await?;
    let c = gitdb::must_commit(&mut conn, r.id, &sha).await?;
    let people = content::people_by_email(&mut conn).await?;
    let commit = content::commit_json(&cx.base, &r, &sha, &c, &people);
    let protection = crate::model::protection::load(&cx.db, r.id, &branch).await?;
    Ok(ok(branch_json(&cx, &r, &branch, commit, protection.as_ref())))
}

pub async fn get_root_contents(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    contents_at(cx, owner, repo, String::new()).await
}

pub async fn get_contents(cx: Cx, Path((owner, repo, path)): Path<(String, String, String)>) -> Handler {
    contents_at(cx, owner, repo, path).await
}

async fn contents_at(cx: Cx, owner: String, repo: String, path: String) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let reff = cx.query.get("ref").map(String::from);
    let (name, sha) = match content::commit_for(&mut conn, &r, reff.as_deref()).await {
        Ok(x) => x,
        Err(GhError::NotFound) if reff.is_none() => return Err(GhError::NotFoundMsg("This repository is empty.".into())),
        Err(GhError::NotFound) => return Err(GhError::NotFoundMsg(format!("No commit found for the ref {}", reff.unwrap_or_default()))),
        Err(e) => return Err(e),
    };
    let view = content::view(&mut conn, &cx.base, &r, &name, &sha, &path).await?;
    if cx.wants("raw") && view["type"] == "file" {
        let data = crate::wire::unb64(view["content"].as_str().unwrap_or("")).unwrap_or_default();
        return Ok(super::media("raw", data));
    }
    Ok(ok(view))
}

pub async fn readme(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    readme_in(cx, owner, repo, String::new()).await
}

/// `GET /repos/{o}/{r}/readme/{dir}`: the README of a directory.
pub async fn readme_in_dir(cx: Cx, Path((owner, repo, dir)): Path<(String, String, String)>) -> Handler {
    readme_in(cx, owner, repo, dir).await
}

async fn readme_in(cx: Cx, owner: String, repo: String, dir: String) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let (name, sha) = content::commit_for(&mut conn, &r, cx.query.get("ref")).await?;
    let files = gitdb::files_at(&mut conn, r.id, &sha).await?;
    let dir = dir.trim_matches('/');
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    let path = files
        .keys()
        .filter_map(|p| p.strip_prefix(prefix.as_str()).map(|rest| (p, rest)))
        .find(|(_, rest)| !rest.contains('/') && rest.to_ascii_lowercase().starts_with("readme"))
        .map(|(p, _)| p.clone())
        .ok_or(GhError::NotFound)?;
    let view = content::view(&mut conn, &cx.base, &r, &name, &sha, &path).await?;
    if cx.wants("raw") {
        let data = crate::wire::unb64(view["content"].as_str().unwrap_or("")).unwrap_or_default();
        return Ok(super::media("raw", data));
    }
    Ok(ok(view))
}

/// `author`/`committer` of a request body: `{name, email, date?}`.
fn signature_from(v: &Value, k: &str, fallback: &Signature, at: i64) -> GhResult<Signature> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(fallback.clone()),
        Some(o) => {
            let name = o.get("name").and_then(|x| x.as_str()).ok_or_else(|| GhError::missing("Commit", &format!("{k}.name")))?;
            let email = o.get("email").and_then(|x| x.as_str()).ok_or_else(|| GhError::missing("Commit", &format!("{k}.email")))?;
            let date = match o.get("date").and_then(|x| x.as_str()) {
                Some(d) => crate::wire::parse_iso(d).ok_or_else(|| GhError::invalid("Commit", &format!("{k}.date")))?,
                None => at,
            };
            Ok(Signature { name: name.into(), email: email.into(), date, tz: "+0000".into() })
        }
    }
}

pub async fn put_contents(cx: Cx, Path((owner, repo, path)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let message = str_field(&v, "message", "Commit")?.ok_or_else(|| GhError::missing("Commit", "message"))?;
    let content_b64 = str_field(&v, "content", "Commit")?.ok_or_else(|| GhError::missing("Commit", "content"))?;
    let data = unb64(&content_b64)
        .ok_or_else(|| GhError::Validation(vec![FieldError::custom("Commit", "content", "content is not valid Base64")]))?;
    let given_sha = str_field(&v, "sha", "Commit")?;
    let path = path.trim_matches('/').to_string();
    if path.is_empty() || path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err(GhError::invalid("Commit", "path"));
    }
    let at = now();
    let default_sig = signature_of(&me, at);
    let committer = signature_from(&v, "committer", &default_sig, at)?;
    let author = signature_from(&v, "author", &committer, at)?;
    let branch = str_field(&v, "branch", "Commit")?.unwrap_or_else(|| r.default_branch.clone());
    let tip = gstore::get_ref(&*cx.db, r.id, &format!("refs/heads/{branch}")).await?;
    protection::check_push(&cx.db, &r, &me, perm, &branch, tip.as_deref(), protection::Push::NewCommit, Via::Contents).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let head = gstore::get_ref(&mut *tx, r.id, &format!("refs/heads/{branch}")).await?;
    let any_ref = !gstore::refs(&mut *tx, r.id, "refs/heads/").await?.is_empty();
    if head.is_none() && any_ref {
        return Err(GhError::NotFoundMsg(format!("Branch {branch} not found")));
    }
    let existing = match &head {
        Some(h) => gitdb::files_at(&mut tx, r.id, h).await?.get(&path).cloned(),
        None => None,
    };
    let status = match (&existing, &given_sha) {
        (Some(_), None) => return Err(GhError::Unprocessable("Invalid request.\n\n\"sha\" wasn't supplied.".into())),
        (Some((_, cur)), Some(s)) if cur != s => return Err(GhError::Conflict(format!("{path} does not match {s}"))),
        (None, Some(s)) if !s.is_empty() => return Err(GhError::Conflict(format!("{path} does not match {s}"))),
        (Some(_), Some(_)) => axum::http::StatusCode::OK,
        (None, _) => axum::http::StatusCode::CREATED,
    };
    let mode = existing.map(|e| e.0).unwrap_or_else(|| "100644".into());
    let sha =
        gitdb::commit_edits(&mut tx, r.id, head.as_deref(), &[(path.clone(), Some((mode, data.clone())))], &message, author, committer)
            .await?;
    content::push(&mut tx, &r, &branch, &sha, at).await?;
    let c = gitdb::must_commit(&mut tx, r.id, &sha).await?;
    tx.commit().await?;
    let blob = git::object_id(Kind::Blob, &data);
    let full = r.full_name();
    let body = json!({
        "content": objects::content_entry(&cx.base, &full, &branch, &path, "file", &blob, data.len() as i64),
        "commit": objects::git_commit(&cx.base, &full, &sha, &c),
    });
    push_hook(&cx, &r, &me, &branch, head.as_deref(), &sha, &c).await?;
    Ok((status, axum::Json(body)).into_response())
}

pub async fn delete_contents(cx: Cx, Path((owner, repo, path)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let message = str_field(&v, "message", "Commit")?.ok_or_else(|| GhError::missing("Commit", "message"))?;
    let given = str_field(&v, "sha", "Commit")?.ok_or_else(|| GhError::missing("Commit", "sha"))?;
    let path = path.trim_matches('/').to_string();
    let at = now();
    let default_sig = signature_of(&me, at);
    let committer = signature_from(&v, "committer", &default_sig, at)?;
    let author = signature_from(&v, "author", &committer, at)?;
    let branch = str_field(&v, "branch", "Commit")?.unwrap_or_else(|| r.default_branch.clone());
    let tip = gstore::get_ref(&*cx.db, r.id, &format!("refs/heads/{branch}")).await?;
    protection::check_push(&cx.db, &r, &me, perm, &branch, tip.as_deref(), protection::Push::NewCommit, Via::Contents).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let head = gstore::get_ref(&mut *tx, r.id, &format!("refs/heads/{branch}"))
        .await?
        .ok_or_else(|| GhError::NotFoundMsg(format!("Branch {branch} not found")))?;
    let files = gitdb::files_at(&mut tx, r.id, &head).await?;
    let (_, cur) = files.get(&path).ok_or(GhError::NotFound)?;
    if *cur != given {
        return Err(GhError::Conflict(format!("{path} does not match {given}")));
    }
    let sha = gitdb::commit_edits(&mut tx, r.id, Some(&head), &[(path, None)], &message, author, committer).await?;
    content::push(&mut tx, &r, &branch, &sha, at).await?;
    let c = gitdb::must_commit(&mut tx, r.id, &sha).await?;
    tx.commit().await?;
    push_hook(&cx, &r, &me, &branch, Some(&head), &sha, &c).await?;
    Ok(ok(json!({ "content": null, "commit": objects::git_commit(&cx.base, &r.full_name(), &sha, &c) })))
}

/// The `push` webhook event of one new commit on `branch`.
async fn push_hook(
    cx: &Cx,
    r: &RepoRow,
    me: &crate::store::accounts::AccountRow,
    branch: &str,
    before: Option<&str>,
    sha: &str,
    c: &Commit,
) -> GhResult<()> {
    let full = r.full_name();
    let commit = json!({
        "id": sha, "tree_id": c.tree, "distinct": true, "message": c.message, "timestamp": crate::wire::iso(c.committer.date),
        "url": format!("{}/{full}/commit/{sha}", cx.base),
        "author": { "name": c.author.name, "email": c.author.email }, "committer": { "name": c.committer.name, "email": c.committer.email },
    });
    let payload = json!({
        "ref": format!("refs/heads/{branch}"), "before": before.unwrap_or("0000000000000000000000000000000000000000"), "after": sha,
        "created": before.is_none(), "deleted": false, "forced": false,
        "compare": format!("{}/{full}/compare/{}...{}", cx.base, &before.unwrap_or(sha)[..12], &sha[..12]),
        "commits": [commit.clone()], "head_commit": commit,
        "pusher": { "name": me.login, "email": me.email },
    });
    hooks::emit(&cx.ctx, &cx.db, &cx.base, r, me, "push", payload).await?;
    super::checks::pushed(cx, r, me, sha).await?;
    // Open pull requests from this branch moved: `pull_request` `synchronize`.
    if !hooks::any_for(&cx.db, r).await? {
        return Ok(());
    }
    for p in crate::store::pulls::open_with_head(&*cx.db, r.id, branch).await? {
        if let Some(i) = crate::store::issues::by_id(&*cx.db, p.issue_id).await? {
            let mut conn = cx.db.acquire().await?;
            let pr = crate::model::pulls::render(&mut conn, &cx.base, r, &i, &p, false).await?;
            drop(conn);
            let payload = json!({ "action": "synchronize", "number": i.number, "before": before, "after": sha, "pull_request": pr });
            hooks::emit(&cx.ctx, &cx.db, &cx.base, r, me, "pull_request", payload).await?;
        }
    }
    Ok(())
}

pub async fn list_commits(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let start = match content::commit_for(&mut conn, &r, cx.query.get("sha")).await {
        Ok((_, s)) => s,
        Err(GhError::NotFound) if cx.query.get("sha").is_none() => return Err(GhError::Conflict("Git Repository is empty.".into())),
        Err(GhError::NotFound) => {
            return Err(GhError::NotFoundMsg(format!("No commit found for SHA: {}", cx.query.get("sha").unwrap_or(""))));
        }
        Err(e) => return Err(e),
    };
    let since = cx.query.get("since").map(|s| crate::wire::parse_iso(s).ok_or_else(|| GhError::invalid("Commit", "since"))).transpose()?;
    let until = cx.query.get("until").map(|s| crate::wire::parse_iso(s).ok_or_else(|| GhError::invalid("Commit", "until"))).transpose()?;
    let path = cx.query.get("path").map(|p| p.trim_matches('/').to_string()).filter(|p| !p.is_empty());
    let author = cx.query.get("author").map(|a| a.to_ascii_lowercase());
    let people = content::people_by_email(&mut conn).await?;
    let all = gitdb::log(&mut conn, r.id, &[start], usize::MAX).await?;
    let mut kept = Vec::new();
    for (sha, c) in all {
        if since.is_some_and(|s| c.committer.date < s) || until.is_some_and(|u| c.committer.date > u) {
            continue;
        }
        if let Some(a) = &author {
            let email = c.author.email.to_ascii_lowercase();
            let login = people.get(&email).map(|p| p.login.to_ascii_lowercase());
            if &email != a && login.as_deref() != Some(a.as_str()) {
                continue;
            }
        }
        if let Some(p) = &path {
            let mine = touched(&mut conn, r.id, &c, p).await?;
            if !mine {
                continue;
            }
        }
        kept.push(content::commit_json(&cx.base, &r, &sha, &c, &people));
    }
    Ok(Listing::of(kept, cx.query.page()?, cx.url()).into_response())
}

/// Whether `c` changes anything at or under `path` relative to its first parent.
async fn touched(conn: &mut sqlx::AnyConnection, repo: i64, c: &Commit, path: &str) -> GhResult<bool> {
    let new = gitdb::flatten(conn, repo, &c.tree).await?;
    let old = match c.parents.first() {
        Some(p) => gitdb::files_at(conn, repo, p).await?,
        None => Files::new(),
    };
    let under = |f: &Files| -> Vec<(String, String)> {
        f.iter().filter(|(k, _)| *k == path || k.starts_with(&format!("{path}/"))).map(|(k, v)| (k.clone(), v.1.clone())).collect()
    };
    Ok(under(&new) != under(&old))
}

pub async fn get_commit(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let full =
        gitdb::resolve(&mut conn, r.id, &sha).await?.ok_or_else(|| GhError::Unprocessable(format!("No commit found for SHA: {sha}")))?;
    if cx.wants("diff") {
        let c = gitdb::must_commit(&mut conn, r.id, &full).await?;
        let new = gitdb::flatten(&mut conn, r.id, &c.tree).await?;
        let old = match c.parents.first() {
            Some(p) => gitdb::files_at(&mut conn, r.id, p).await?,
            None => Files::new(),
        };
        return Ok(super::media("diff", content::unified_diff(&mut conn, r.id, &old, &new).await?.into_bytes()));
    }
    Ok(ok(content::commit_detail(&mut conn, &cx.base, &r, &full).await?))
}

pub async fn compare(cx: Cx, Path((owner, repo, basehead)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (base_s, head_s) = basehead.split_once("...").or_else(|| basehead.split_once("..")).ok_or(GhError::NotFound)?;
    let mut conn = cx.db.acquire().await?;
    let base = gitdb::resolve(&mut conn, r.id, base_s).await?.ok_or(GhError::NotFound)?;
    let head = gitdb::resolve(&mut conn, r.id, head_s).await?.ok_or(GhError::NotFound)?;
    let mb = gitdb::merge_base(&mut conn, r.id, &base, &head)
        .await?
        .ok_or(GhError::NotFoundMsg(format!("No common ancestor between {base_s} and {head_s}.")))?;
    let ahead = gitdb::commits_between(&mut conn, r.id, &base, &head).await?;
    let behind = gitdb::commits_between(&mut conn, r.id, &head, &base).await?;
    let status = match (ahead.len(), behind.len()) {
        (0, 0) => "identical",
        (_, 0) => "ahead",
        (0, _) => "behind",
        _ => "diverged",
    };
    let people = content::people_by_email(&mut conn).await?;
    let full = r.full_name();
    let base_c = gitdb::must_commit(&mut conn, r.id, &base).await?;
    let mb_c = gitdb::must_commit(&mut conn, r.id, &mb).await?;
    let old = gitdb::files_at(&mut conn, r.id, &mb).await?;
    let new = gitdb::files_at(&mut conn, r.id, &head).await?;
    if cx.wants("diff") {
        return Ok(super::media("diff", content::unified_diff(&mut conn, r.id, &old, &new).await?.into_bytes()));
    }
    let (files, _, _) = content::files_diff(&mut conn, &cx.base, &r, &old, &new, &head).await?;
    let page = cx.query.page()?;
    let commits: Vec<Value> = ahead.iter().map(|(s, c)| content::commit_json(&cx.base, &r, s, c, &people)).collect();
    let body = json!({
        "url": format!("{}/repos/{full}/compare/{basehead}", cx.base),
        "html_url": format!("{}/{full}/compare/{basehead}", cx.base),
        "permalink_url": format!("{}/{full}/compare/{}...{}", cx.base, &base[..7], &head[..7]),
        "diff_url": format!("{}/{full}/compare/{basehead}.diff", cx.base),
        "patch_url": format!("{}/{full}/compare/{basehead}.patch", cx.base),
        "base_commit": content::commit_json(&cx.base, &r, &base, &base_c, &people),
        "merge_base_commit": content::commit_json(&cx.base, &r, &mb, &mb_c, &people),
        "status": status,
        "ahead_by": ahead.len(),
        "behind_by": behind.len(),
        "total_commits": ahead.len(),
        "commits": if cx.query.get("page").is_some() { Value::Array(page.slice(&commits)) } else { Value::Array(commits.into_iter().take(250).collect()) },
        "files": files,
    });
    Ok(ok(body))
}

async fn ref_json(cx: &Cx, r: &RepoRow, name: &str, sha: &str) -> GhResult<Value> {
    let full = r.full_name();
    let kind = match gstore::get_object(&*cx.db, r.id, sha).await? {
        Some((k, _)) => k,
        None => "commit".into(),
    };
    Ok(json!({
        "ref": name, "node_id": crate::wire::node_id("Ref", objects::sha_num(&crate::git::object_id(Kind::Blob, name.as_bytes()))),
        "url": format!("{}/repos/{full}/git/{}", cx.base, name),
        "object": { "sha": sha, "type": kind, "url": format!("{}/repos/{full}/git/{kind}s/{sha}", cx.base) },
    }))
}

async fn refs_json(cx: &Cx, r: &RepoRow, refs: &[(String, String)]) -> GhResult<Vec<Value>> {
    let mut out = Vec::new();
    for (n, s) in refs {
        out.push(ref_json(cx, r, n, s).await?);
    }
    Ok(out)
}

pub async fn get_ref(cx: Cx, Path((owner, repo, reff)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let name = format!("refs/{}", reff.trim_start_matches("refs/"));
    let sha = gstore::get_ref(&*cx.db, r.id, &name).await?.ok_or(GhError::NotFound)?;
    Ok(ok(ref_json(&cx, &r, &name, &sha).await?))
}

pub async fn matching_refs(cx: Cx, Path((owner, repo, reff)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let prefix = format!("refs/{}", reff.trim_start_matches("refs/"));
    let refs = gstore::refs(&*cx.db, r.id, &prefix).await?;
    Ok(ok(Value::Array(refs_json(&cx, &r, &refs).await?)))
}

fn valid_ref(name: &str) -> bool {
    name.starts_with("refs/")
        && name.matches('/').count() >= 2
        && !name.ends_with('/')
        && !name.contains("..")
        && !name.contains("//")
        && !name.ends_with(".lock")
        && name.bytes().all(|b| b > 32 && !b"~^:?*[\\".contains(&b))
}

pub async fn create_ref(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let name = str_field(&v, "ref", "Reference")?.ok_or_else(|| GhError::missing("Reference", "ref"))?;
    let sha = str_field(&v, "sha", "Reference")?.ok_or_else(|| GhError::missing("Reference", "sha"))?;
    if !valid_ref(&name) {
        return Err(GhError::Unprocessable(format!("{name} is not a valid ref name.")));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let exists = match gitdb::read(&mut tx, r.id, &sha).await? {
        Some((Kind::Commit, _)) => true,
        // Only tags may point at other objects (an annotated tag, a tree, a blob).
        Some(_) => name.starts_with("refs/tags/"),
        None => false,
    };
    if !exists {
        return Err(GhError::Unprocessable("Object does not exist".into()));
    }
    if gstore::get_ref(&mut *tx, r.id, &name).await?.is_some() {
        return Err(GhError::Unprocessable("Reference already exists".into()));
    }
    gstore::create_ref(&mut *tx, r.id, &name, &sha).await?;
    tx.commit().await?;
    if let Some(branch) = name.strip_prefix("refs/heads/") {
        let payload = json!({ "ref": branch, "ref_type": "branch", "master_branch": r.default_branch, "description": r.description, "pusher_type": "user" });
        hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "create", payload).await?;
    }
    Ok(created(ref_json(&cx, &r, &name, &sha).await?))
}

pub async fn update_ref(cx: Cx, Path((owner, repo, reff)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let sha = str_field(&v, "sha", "Reference")?.ok_or_else(|| GhError::missing("Reference", "sha"))?;
    let force = crate::model::repos::bool_field(&v, "force")?.unwrap_or(false);
    let name = format!("refs/{}", reff.trim_start_matches("refs/"));
    if let Some(branch) = name.strip_prefix("refs/heads/")
        && let Some(cur) = gstore::get_ref(&*cx.db, r.id, &name).await?
    {
        let exists = { gitdb::commit(&mut *cx.db.acquire().await?, r.id, &sha).await?.is_some() };
        if exists {
            protection::check_push(&cx.db, &r, &me, perm, branch, Some(&cur), protection::Push::Existing(&sha), Via::Refs).await?;
        }
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let cur = gstore::get_ref(&mut *tx, r.id, &name).await?.ok_or_else(|| GhError::Unprocessable("Reference does not exist".into()))?;
    if gitdb::commit(&mut tx, r.id, &sha).await?.is_none() {
        return Err(GhError::Unprocessable("Object does not exist".into()));
    }
    if !force && !gitdb::ancestors(&mut tx, r.id, &sha).await?.contains(&cur) {
        return Err(GhError::Unprocessable("Update is not a fast forward".into()));
    }
    match name.strip_prefix("refs/heads/") {
        Some(branch) => content::push(&mut tx, &r, branch, &sha, now()).await?,
        None => {
            gstore::set_ref(&mut *tx, r.id, &name, &sha).await?;
        }
    }
    tx.commit().await?;
    Ok(ok(ref_json(&cx, &r, &name, &sha).await?))
}

pub async fn delete_ref(cx: Cx, Path((owner, repo, reff)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let name = format!("refs/{}", reff.trim_start_matches("refs/"));
    if let Some(branch) = name.strip_prefix("refs/heads/") {
        protection::check_delete(&cx.db, &r, branch).await?;
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if gstore::delete_ref(&mut *tx, r.id, &name).await? == 0 {
        return Err(GhError::Unprocessable("Reference does not exist".into()));
    }
    tx.commit().await?;
    Ok(no_content())
}

pub async fn get_git_commit(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let c = gitdb::commit(&mut conn, r.id, &sha).await?.ok_or(GhError::NotFound)?;
    Ok(ok(objects::git_commit(&cx.base, &r.full_name(), &sha, &c)))
}

pub async fn create_commit(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let message = str_field(&v, "message", "Commit")?.ok_or_else(|| GhError::missing("Commit", "message"))?;
    let tree = str_field(&v, "tree", "Commit")?.ok_or_else(|| GhError::missing("Commit", "tree"))?;
    let parents: Vec<String> = match v.get("parents") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => {
            a.iter().map(|p| p.as_str().map(String::from).ok_or_else(|| GhError::invalid("Commit", "parents"))).collect::<GhResult<_>>()?
        }
        Some(_) => return Err(GhError::invalid("Commit", "parents")),
    };
    let at = now();
    let default_sig = signature_of(&me, at);
    let author = signature_from(&v, "author", &default_sig, at)?;
    let committer = signature_from(&v, "committer", &author, at)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if gitdb::tree(&mut tx, r.id, &tree).await?.is_none() {
        return Err(GhError::Unprocessable("Tree SHA does not exist".into()));
    }
    for p in &parents {
        if gitdb::commit(&mut tx, r.id, p).await?.is_none() {
            return Err(GhError::Unprocessable("Parent SHA does not exist or is not a commit object".into()));
        }
    }
    let c = Commit { tree, parents, author, committer, message };
    let sha = gitdb::write_commit(&mut tx, r.id, &c).await?;
    tx.commit().await?;
    Ok(created(objects::git_commit(&cx.base, &r.full_name(), &sha, &c)))
}

fn tree_json(cx: &Cx, r: &RepoRow, sha: &str, entries: &[(String, git::TreeEntry, Option<i64>)]) -> Value {
    let full = r.full_name();
    json!({
        "sha": sha,
        "url": format!("{}/repos/{full}/git/trees/{sha}", cx.base),
        "tree": entries.iter().map(|(path, e, size)| {
            let kind = e.kind();
            let mut v = json!({ "path": path, "mode": e.mode, "type": kind, "sha": e.sha, "url": format!("{}/repos/{full}/git/{}s/{}", cx.base, kind, e.sha) });
            if let Some(s) = size {
                v["size"] = Value::from(*s);
            }
            v
        }).collect::<Vec<_>>(),
        "truncated": false,
    })
}

async fn tree_entries(
    conn: &mut sqlx::AnyConnection,
    repo: i64,
    sha: &str,
    recursive: bool,
) -> GhResult<Vec<(String, git::TreeEntry, Option<i64>)>> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), sha.to_string())];
    while let Some((prefix, t)) = stack.pop() {
        let entries = gitdb::tree(conn, repo, &t).await?.ok_or(GhError::NotFound)?;
        let mut level = Vec::new();
        for e in entries {
            let path = if prefix.is_empty() { e.name.clone() } else { format!("{prefix}/{}", e.name) };
            let size =
                if e.kind() == "blob" { gitdb::read_kind(conn, repo, &e.sha, Kind::Blob).await?.map(|d| d.len() as i64) } else { None };
            if recursive && e.is_tree() {
                stack.push((path.clone(), e.sha.clone()));
            }
            level.push((path, e, size));
        }
        out.extend(level);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

pub async fn get_tree(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let tree_sha = match gitdb::read(&mut conn, r.id, &sha).await? {
        Some((Kind::Tree, _)) => sha.clone(),
        Some((Kind::Commit, d)) => git::decode_commit(&d).map(|c| c.tree).ok_or(GhError::NotFound)?,
        _ => match gitdb::resolve(&mut conn, r.id, &sha).await? {
            Some(c) => gitdb::must_commit(&mut conn, r.id, &c).await?.tree,
            None => return Err(GhError::NotFound),
        },
    };
    let recursive = cx.query.get("recursive").is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    let entries = tree_entries(&mut conn, r.id, &tree_sha, recursive).await?;
    Ok(ok(tree_json(&cx, &r, &tree_sha, &entries)))
}

pub async fn create_tree(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let v = json_value(&body).await?;
    let items = v.get("tree").and_then(|t| t.as_array()).ok_or_else(|| GhError::missing("Tree", "tree"))?.clone();
    let base_tree = str_field(&v, "base_tree", "Tree")?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let mut files: Files = match &base_tree {
        Some(b) => {
            if gitdb::tree(&mut tx, r.id, b).await?.is_none() {
                return Err(GhError::Unprocessable("base_tree is not a valid tree oid".into()));
            }
            gitdb::flatten(&mut tx, r.id, b).await?
        }
        None => Files::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let path = item
            .get("path")
            .and_then(|p| p.as_str())
            .ok_or_else(|| GhError::missing("Tree", &format!("tree[{i}].path")))?
            .trim_matches('/')
            .to_string();
        let mode = item.get("mode").and_then(|p| p.as_str()).unwrap_or("100644").to_string();
        if !["100644", "100755", "040000", "160000", "120000"].contains(&mode.as_str()) {
            return Err(GhError::Unprocessable(format!("tree.mode contains a malformed mode: {mode}")));
        }
        let kind = item.get("type").and_then(|p| p.as_str()).unwrap_or(if mode == "040000" { "tree" } else { "blob" });
        match (item.get("sha"), item.get("content").and_then(|c| c.as_str())) {
            (_, Some(text)) => {
                let sha = gitdb::write(&mut tx, r.id, Kind::Blob, text.as_bytes()).await?;
                files.insert(path, (mode, sha));
            }
            (Some(Value::Null), None) => {
                let prefix = format!("{path}/");
                files.retain(|k, _| k != &path && !k.starts_with(&prefix));
            }
            (Some(Value::String(sha)), None) if kind == "tree" => {
                let sub = gitdb::flatten(&mut tx, r.id, sha)
                    .await
                    .map_err(|_| GhError::Unprocessable(format!("tree.sha {sha} is not a valid tree")))?;
                let prefix = format!("{path}/");
                files.retain(|k, _| !k.starts_with(&prefix));
                for (p, e) in sub {
                    files.insert(format!("{prefix}{p}"), e);
                }
            }
            (Some(Value::String(sha)), None) => {
                if gitdb::read_kind(&mut tx, r.id, sha, Kind::Blob).await?.is_none() && kind == "blob" {
                    return Err(GhError::Unprocessable(format!("tree.sha {sha} is not a valid blob")));
                }
                files.insert(path, (mode, sha.clone()));
            }
            _ => return Err(GhError::Unprocessable("Must supply either tree.sha or tree.content".into())),
        }
    }
    let sha = gitdb::write_tree(&mut tx, r.id, &files).await?;
    let entries = tree_entries(&mut tx, r.id, &sha, false).await?;
    tx.commit().await?;
    Ok(created(tree_json(&cx, &r, &sha, &entries)))
}

pub async fn create_blob(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let v = json_value(&body).await?;
    let text = str_field(&v, "content", "Blob")?.ok_or_else(|| GhError::missing("Blob", "content"))?;
    let data = match str_field(&v, "encoding", "Blob")?.as_deref().unwrap_or("utf-8") {
        "utf-8" | "utf8" => text.into_bytes(),
        "base64" => unb64(&text).ok_or_else(|| GhError::invalid("Blob", "content"))?,
        other => return Err(GhError::Unprocessable(format!("encoding must be either utf-8 or base64, not {other}"))),
    };
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let sha = gitdb::write(&mut tx, r.id, Kind::Blob, &data).await?;
    tx.commit().await?;
    Ok(created(json!({ "url": format!("{}/repos/{}/git/blobs/{sha}", cx.base, r.full_name()), "sha": sha })))
}

pub async fn get_blob(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let data = gitdb::read_kind(&mut conn, r.id, &sha, Kind::Blob).await?.ok_or(GhError::NotFound)?;
    Ok(ok(json!({
        "sha": sha, "node_id": crate::wire::node_id("Blob", objects::sha_num(&sha)), "size": data.len(),
        "url": format!("{}/repos/{}/git/blobs/{sha}", cx.base, r.full_name()),
        "content": crate::wire::b64(&data), "encoding": "base64",
    })))
}

// ---- commit statuses, tags, merges ----

fn status_json(cx: &Cx, r: &RepoRow, s: &crate::store::statuses::StatusRow, creator: Value) -> Value {
    json!({
        "url": format!("{}/repos/{}/statuses/{}", cx.base, r.full_name(), s.sha),
        "avatar_url": objects::avatar(&cx.base, s.creator_id),
        "id": s.id, "node_id": crate::wire::node_id("StatusContext", s.id),
        "state": s.state, "description": s.description, "target_url": s.target_url, "context": s.context,
        "created_at": crate::wire::iso(s.created_at), "updated_at": crate::wire::iso(s.updated_at),
        "creator": creator,
    })
}

pub async fn create_status(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let state = str_field(&v, "state", "Status")?.ok_or_else(|| GhError::missing("Status", "state"))?;
    if !["error", "failure", "pending", "success"].contains(&state.as_str()) {
        return Err(GhError::invalid("Status", "state"));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if gitdb::commit(&mut tx, r.id, &sha).await?.is_none() {
        return Err(GhError::Unprocessable(format!("No commit found for SHA: {sha}")));
    }
    let at = now();
    let s = crate::store::statuses::StatusRow {
        id: crate::store::next_id(&mut tx).await?,
        repo_id: r.id,
        sha,
        state,
        context: str_field(&v, "context", "Status")?.unwrap_or_else(|| "default".into()),
        description: str_field(&v, "description", "Status")?,
        target_url: str_field(&v, "target_url", "Status")?,
        creator_id: me.id,
        created_at: at,
        updated_at: at,
    };
    crate::store::statuses::insert(&mut *tx, &s).await?;
    tx.commit().await?;
    Ok(created(status_json(&cx, &r, &s, objects::user_ref(&cx.base, &me))))
}

async fn statuses_for(cx: &Cx, r: &RepoRow, reff: &str) -> GhResult<(String, Vec<Value>, Vec<crate::store::statuses::StatusRow>)> {
    let mut conn = cx.db.acquire().await?;
    let sha = gitdb::resolve(&mut conn, r.id, reff).await?.ok_or(GhError::NotFound)?;
    let rows = crate::store::statuses::of_sha(&mut *conn, r.id, &sha).await?;
    let users = crate::model::issues::users(&mut conn, &cx.base, rows.iter().map(|s| s.creator_id).collect()).await?;
    let items = rows.iter().map(|s| status_json(cx, r, s, users.get(s.creator_id))).collect();
    Ok((sha, items, rows))
}

pub async fn list_statuses(cx: Cx, Path((owner, repo, reff)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (_, items, _) = statuses_for(&cx, &r, &reff).await?;
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

/// The latest status per context and their rolled-up state.
pub async fn combined_status(cx: Cx, Path((owner, repo, reff)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (sha, items, rows) = statuses_for(&cx, &r, &reff).await?;
    let mut seen = std::collections::HashSet::new();
    let mut latest = Vec::new();
    for (v, s) in items.into_iter().zip(&rows) {
        if seen.insert(s.context.clone()) {
            latest.push((v, s.state.clone()));
        }
    }
    let state = if latest.iter().any(|(_, s)| s == "error" || s == "failure") {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|(_, s)| s == "pending") {
        "pending"
    } else {
        "success"
    };
    let full = r.full_name();
    Ok(ok(json!({
        "state": state, "statuses": latest.iter().map(|x| x.0.clone()).collect::<Vec<_>>(), "sha": sha,
        "total_count": latest.len(), "repository": objects::repo(&cx.base, &r, None),
        "commit_url": format!("{}/repos/{full}/commits/{sha}", cx.base),
        "url": format!("{}/repos/{full}/commits/{sha}/status", cx.base),
    })))
}

pub async fn list_tags(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut refs = gstore::refs(&*cx.db, r.id, "refs/tags/").await?;
    let mut conn = cx.db.acquire().await?;
    for (_, sha) in refs.iter_mut() {
        *sha = gitdb::peel(&mut conn, r.id, sha.clone()).await?;
    }
    drop(conn);
    let full = r.full_name();
    let items = refs
        .iter()
        .map(|(name, sha)| {
            let n = name.trim_start_matches("refs/tags/");
            json!({
                "name": n, "commit": { "sha": sha, "url": format!("{}/repos/{full}/commits/{sha}", cx.base) },
                "zipball_url": format!("{}/repos/{full}/zipball/refs/tags/{n}", cx.base),
                "tarball_url": format!("{}/repos/{full}/tarball/refs/tags/{n}", cx.base),
                "node_id": crate::wire::node_id("Ref", objects::sha_num(&git::object_id(Kind::Blob, name.as_bytes()))),
            })
        })
        .collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

/// `POST /repos/{owner}/{repo}/merges`: merge `head` into the branch `base`.
pub async fn merge_branch(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let base = str_field(&v, "base", "Merge")?.ok_or_else(|| GhError::missing("Merge", "base"))?;
    let head = str_field(&v, "head", "Merge")?.ok_or_else(|| GhError::missing("Merge", "head"))?;
    let tip = gstore::get_ref(&*cx.db, r.id, &format!("refs/heads/{base}")).await?;
    protection::check_push(&cx.db, &r, &me, perm, &base, tip.as_deref(), protection::Push::NewMerge, Via::Contents).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let head_sha = gitdb::resolve(&mut tx, r.id, &head).await?.ok_or_else(|| GhError::NotFoundMsg("Head does not exist".into()))?;
    let message = str_field(&v, "commit_message", "Merge")?.unwrap_or_else(|| format!("Merge {head} into {base}"));
    let merged = crate::model::pulls::merge_into(&mut tx, &r, &base, &head_sha, &message, &me, now()).await?;
    let Some(sha) = merged else {
        return Ok(no_content());
    };
    tx.commit().await?;
    let mut conn = cx.db.acquire().await?;
    Ok(created(content::commit_detail(&mut conn, &cx.base, &r, &sha).await?))
}

/// `GET /repos/{owner}/{repo}/git/refs`: every ref (GitHub still answers it).
pub async fn all_refs(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let refs = gstore::refs(&*cx.db, r.id, "refs/").await?;
    let items = refs_json(&cx, &r, &refs).await?;
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

/// Authors of the default branch's history with their commit counts, most first.
pub async fn contributors(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let Some(tip) = gitdb::resolve(&mut conn, r.id, &r.default_branch).await? else {
        return Ok(no_content());
    };
    let people = content::people_by_email(&mut conn).await?;
    let mut counts: Vec<(String, i64)> = Vec::new();
    for (_, c) in gitdb::log(&mut conn, r.id, &[tip], usize::MAX).await? {
        let key = c.author.email.to_ascii_lowercase();
        match counts.iter_mut().find(|x| x.0 == key) {
            Some(x) => x.1 += 1,
            None => counts.push((key, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let items = counts
        .iter()
        .filter_map(|(email, n)| people.get(email).map(|a| (a, n)))
        .map(|(a, n)| {
            let mut v = objects::user_ref(&cx.base, a);
            v["contributions"] = json!(n);
            v
        })
        .collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

/// Bytes of code per language on the default branch, by file extension.
pub async fn languages(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    const LANGS: &[(&str, &str)] = &[
        ("py", "Python"),
        ("rs", "Rust"),
        ("js", "JavaScript"),
        ("mjs", "JavaScript"),
        ("ts", "TypeScript"),
        ("go", "Go"),
        ("rb", "Ruby"),
        ("java", "Java"),
        ("c", "C"),
        ("h", "C"),
        ("cpp", "C++"),
        ("cs", "C#"),
        ("sh", "Shell"),
        ("html", "HTML"),
        ("css", "CSS"),
        ("php", "PHP"),
        ("kt", "Kotlin"),
        ("swift", "Swift"),
    ];
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let mut out = serde_json::Map::new();
    if let Some(tip) = gitdb::resolve(&mut conn, r.id, &r.default_branch).await? {
        let mut sizes: Vec<(&str, i64)> = Vec::new();
        for (path, (_, sha)) in gitdb::files_at(&mut conn, r.id, &tip).await? {
            let ext = path.rsplit_once('.').map(|x| x.1.to_ascii_lowercase()).unwrap_or_default();
            if let Some((_, lang)) = LANGS.iter().find(|(e, _)| *e == ext) {
                let n = gitdb::read_kind(&mut conn, r.id, &sha, Kind::Blob).await?.map(|d| d.len() as i64).unwrap_or(0);
                match sizes.iter_mut().find(|x| x.0 == *lang) {
                    Some(x) => x.1 += n,
                    None => sizes.push((lang, n)),
                }
            }
        }
        sizes.sort_by_key(|x| std::cmp::Reverse(x.1));
        for (lang, n) in sizes {
            out.insert(lang.to_string(), json!(n));
        }
    }
    Ok(ok(Value::Object(out)))
}

fn tag_json(cx: &Cx, r: &RepoRow, sha: &str, t: &git::Tag) -> Value {
    let full = r.full_name();
    json!({
        "node_id": crate::wire::node_id("Tag", objects::sha_num(sha)), "tag": t.name, "sha": sha,
        "url": format!("{}/repos/{full}/git/tags/{sha}", cx.base), "message": t.message,
        "tagger": objects::signature(&t.tagger),
        "object": { "type": t.kind, "sha": t.object, "url": format!("{}/repos/{full}/git/{}s/{}", cx.base, t.kind, t.object) },
        "verification": objects::verification(),
    })
}

/// `POST /repos/{owner}/{repo}/git/tags`: an annotated tag object (the ref is
/// made separately, as on GitHub).
pub async fn create_tag(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let name = str_field(&v, "tag", "Tag")?.ok_or_else(|| GhError::missing("Tag", "tag"))?;
    let message = str_field(&v, "message", "Tag")?.ok_or_else(|| GhError::missing("Tag", "message"))?;
    let object = str_field(&v, "object", "Tag")?.ok_or_else(|| GhError::missing("Tag", "object"))?;
    let kind = str_field(&v, "type", "Tag")?.ok_or_else(|| GhError::missing("Tag", "type"))?;
    let at = now();
    let tagger = signature_from(&v, "tagger", &signature_of(&me, at), at)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    match gitdb::read(&mut tx, r.id, &object).await? {
        Some((k, _)) if k.as_str() == kind => {}
        _ => return Err(GhError::Unprocessable("Object does not exist".into())),
    }
    let t = git::Tag { object, kind, name, tagger, message };
    let sha = gitdb::write(&mut tx, r.id, Kind::Tag, &git::encode_tag(&t)).await?;
    tx.commit().await?;
    Ok(created(tag_json(&cx, &r, &sha, &t)))
}

pub async fn get_tag(cx: Cx, Path((owner, repo, sha)): Path<(String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let data = gitdb::read_kind(&mut conn, r.id, &sha, Kind::Tag).await?.ok_or(GhError::NotFound)?;
    let t = git::decode_tag(&data).ok_or(GhError::NotFound)?;
    Ok(ok(tag_json(&cx, &r, &sha, &t)))
}
