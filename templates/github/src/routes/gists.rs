//! Gists: create, read (any revision), edit (files added, renamed, replaced, or
//! deleted with `null`; each change of files is a revision), delete, list (the
//! caller's, public, starred, a user's), star, fork, commits, comments, and the
//! files' `raw_url` served from this clone.
//!
//! A secret gist is readable by anyone who has its id, as on GitHub; only its
//! owner edits or deletes it (404 to anyone else).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::Value;

use super::{Cx, Handler, created, json as ok, no_content};
use crate::errors::{GhError, GhResult};
use crate::model::gists::{self as model, Files};
use crate::model::repos::{bool_field, comment_body, str_field};
use crate::store::accounts::{self, AccountRow};
use crate::store::gists::{self as store, CommentRow, GistRow, RevisionRow};
use crate::store::{self as st};
use crate::wire::{Listing, json_value, now, parse_iso};

type GistPath = Path<String>;

async fn gist_of(cx: &Cx, id: &str) -> GhResult<GistRow> {
    store::by_id(&*cx.db, id).await?.ok_or(GhError::NotFound)
}

/// The gist, when the caller owns it (404 otherwise, as GitHub answers).
async fn owned(cx: &Cx, id: &str) -> GhResult<(GistRow, AccountRow)> {
    let me = cx.caller.require()?.clone();
    let g = gist_of(cx, id).await?;
    if g.owner_id != me.id {
        return Err(GhError::NotFound);
    }
    Ok((g, me))
}

async fn people(cx: &Cx, mut ids: Vec<i64>) -> GhResult<HashMap<i64, AccountRow>> {
    ids.sort();
    ids.dedup();
    let mut conn = cx.db.acquire().await?;
    Ok(accounts::by_ids(&mut conn, &ids).await?.into_iter().map(|a| (a.id, a)).collect())
}

fn person(map: &HashMap<i64, AccountRow>, id: i64) -> GhResult<&AccountRow> {
    map.get(&id).ok_or_else(|| GhError::Internal(format!("gist account {id} is missing")))
}

/// The full gist: file contents, `forks`, `history` and `fork_of`, at the current
/// revision or at `at`.
async fn full(cx: &Cx, g: &GistRow, at: Option<&RevisionRow>) -> GhResult<Value> {
    let revisions = store::revisions(&*cx.db, &g.id).await?;
    let forks = store::forks_of(&*cx.db, &g.id).await?;
    let parent = match &g.fork_of {
        Some(p) => store::by_id(&*cx.db, p).await?,
        None => None,
    };
    let mut ids: Vec<i64> = vec![g.owner_id];
    ids.extend(revisions.iter().map(|r| r.user_id));
    ids.extend(forks.iter().map(|f| f.owner_id));
    ids.extend(parent.iter().map(|p| p.owner_id));
    let who = people(cx, ids).await?;
    let owner = person(&who, g.owner_id)?;
    let counts = store::comment_counts(&*cx.db, std::slice::from_ref(&g.id)).await?;
    let (files, version) = match at {
        Some(r) => (model::parse_files(&r.files), r.version.as_str()),
        None => (model::parse_files(&g.files), g.version.as_str()),
    };
    let mut v = model::gist_json(&cx.base, g, owner, &files, version, counts.get(&g.id).copied().unwrap_or(0), true);
    let mut history = Vec::new();
    for r in revisions.iter().filter(|r| at.is_none_or(|a| r.seq <= a.seq)) {
        history.push(model::revision_json(&cx.base, r, person(&who, r.user_id)?));
    }
    let mut fork_list = Vec::new();
    for f in &forks {
        fork_list.push(model::fork_entry(&cx.base, f, person(&who, f.owner_id)?));
    }
    v["forks"] = Value::Array(fork_list);
    v["history"] = Value::Array(history);
    if let Some(p) = &parent {
        let pc = store::comment_counts(&*cx.db, std::slice::from_ref(&p.id)).await?;
        let files = model::parse_files(&p.files);
        v["fork_of"] =
            model::gist_json(&cx.base, p, person(&who, p.owner_id)?, &files, &p.version, pc.get(&p.id).copied().unwrap_or(0), false);
    }
    Ok(v)
}

/// One page of gists, without file contents (owners and comment counts in one query each).
async fn page_of(cx: &Cx, rows: Vec<GistRow>) -> Handler {
    let page = cx.query.page()?;
    let slice = page.slice(&rows);
    let who = people(cx, slice.iter().map(|g| g.owner_id).collect()).await?;
    let ids: Vec<String> = slice.iter().map(|g| g.id.clone()).collect();
    let counts = store::comment_counts(&*cx.db, &ids).await?;
    let mut items = Vec::new();
    for g in &slice {
        let files = model::parse_files(&g.files);
        let c = counts.get(&g.id).copied().unwrap_or(0);
        items.push(model::gist_json(&cx.base, g, person(&who, g.owner_id)?, &files, &g.version, c, false));
    }
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

fn since(cx: &Cx) -> GhResult<i64> {
    match cx.query.get("since") {
        Some(s) => parse_iso(s).ok_or_else(|| GhError::invalid("Gist", "since")),
        None => Ok(0),
    }
}

/// Writes a revision of `g` holding `files` (made by `by` at `at`) and makes it current.
async fn record(conn: &mut sqlx::AnyConnection, g: &mut GistRow, before: &Files, files: Files, by: &AccountRow, at: i64) -> GhResult<()> {
    let parent = if before.is_empty() { None } else { Some(g.version.as_str()) };
    let version = model::commit_sha(&files, parent, by, at);
    let (additions, deletions) = model::change_status(before, &files);
    let text = model::files_text(&files);
    let r = RevisionRow {
        gist_id: g.id.clone(),
        version: version.clone(),
        seq: st::next_id(&mut *conn).await?,
        user_id: by.id,
        files: text.clone(),
        additions,
        deletions,
        committed_at: at,
    };
    // Two edits to the same files in the same second make the same commit: it is one revision.
    if store::revision(&mut *conn, &g.id, &version).await?.is_none() {
        store::insert_revision(&mut *conn, &r).await?;
    }
    g.files = text;
    g.version = version;
    Ok(())
}

/// `POST /gists` `{description, public, files}`: 201 with the gist.
pub async fn create(cx: Cx, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let files = model::files_for_create(&v)?;
    let public = match v.get("public") {
        Some(Value::String(s)) => s == "true",
        _ => bool_field(&v, "public")?.unwrap_or(false),
    };
    let description = str_field(&v, "description", "Gist")?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let mut g = GistRow {
        id: asym_clone_kit::secrets::random_string(32, asym_clone_kit::secrets::HEX),
        seq: st::next_id(&mut tx).await?,
        owner_id: me.id,
        description,
        is_public: public,
        fork_of: None,
        files: String::new(),
        version: String::new(),
        created_at: at,
        updated_at: at,
    };
    record(&mut tx, &mut g, &Files::new(), files, &me, at).await?;
    store::insert(&mut *tx, &g).await?;
    tx.commit().await?;
    let mut resp = created(full(&cx, &g, None).await?);
    if let Ok(l) = format!("{}/gists/{}", cx.base, g.id).parse() {
        resp.headers_mut().insert(axum::http::header::LOCATION, l);
    }
    Ok(resp)
}

/// `GET /gists`: the caller's gists (secret ones too), or every public gist for
/// an anonymous caller.
pub async fn list(cx: Cx) -> Handler {
    let since = since(&cx)?;
    let rows = match cx.caller.id() {
        Some(me) => store::list(&*cx.db, Some(me), false, since).await?,
        None => store::list(&*cx.db, None, true, since).await?,
    };
    page_of(&cx, rows).await
}

/// `GET /gists/public`.
pub async fn list_public(cx: Cx) -> Handler {
    let rows = store::list(&*cx.db, None, true, since(&cx)?).await?;
    page_of(&cx, rows).await
}

/// `GET /gists/starred`.
pub async fn list_starred(cx: Cx) -> Handler {
    let me = cx.caller.require()?.id;
    let rows = store::starred(&*cx.db, me, since(&cx)?).await?;
    page_of(&cx, rows).await
}

/// `GET /users/{username}/gists`: the user's public gists (and secret ones to the user).
pub async fn list_for_user(cx: Cx, Path(user): Path<String>) -> Handler {
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    let rows = store::list(&*cx.db, Some(u.id), cx.caller.id() != Some(u.id), since(&cx)?).await?;
    page_of(&cx, rows).await
}

/// `GET /gists/{gist_id}`.
pub async fn get(cx: Cx, Path(id): GistPath) -> Handler {
    let g = gist_of(&cx, &id).await?;
    Ok(ok(full(&cx, &g, None).await?))
}

/// `GET /gists/{gist_id}/{sha}`: the gist as that revision left it.
pub async fn get_revision(cx: Cx, Path((id, sha)): Path<(String, String)>) -> Handler {
    let g = gist_of(&cx, &id).await?;
    let r = store::revision(&*cx.db, &g.id, &sha).await?.ok_or(GhError::NotFound)?;
    Ok(ok(full(&cx, &g, Some(&r)).await?))
}

/// `PATCH /gists/{gist_id}` `{description, files}`.
pub async fn update(cx: Cx, Path(id): GistPath, body: Bytes) -> Handler {
    let (mut g, me) = owned(&cx, &id).await?;
    let v = json_value(&body).await?;
    let description = str_field(&v, "description", "Gist")?;
    let edits = match v.get("files") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => return Err(GhError::invalid("Gist", "files")),
    };
    if description.is_none() && edits.is_none() {
        return Err(GhError::missing("Gist", "files"));
    }
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if let Some(d) = description {
        g.description = Some(d);
    }
    if let Some(edits) = edits {
        let before = model::parse_files(&g.files);
        let after = model::files_after_edit(&before, &edits)?;
        if after != before {
            record(&mut tx, &mut g, &before, after, &me, at).await?;
        }
    }
    g.updated_at = at;
    store::update(&mut *tx, &g).await?;
    tx.commit().await?;
    Ok(ok(full(&cx, &g, None).await?))
}

/// `DELETE /gists/{gist_id}`.
pub async fn delete(cx: Cx, Path(id): GistPath) -> Handler {
    let (g, _) = owned(&cx, &id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete(&mut tx, &g.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

/// `GET /gists/{gist_id}/commits`: the revisions, newest first.
pub async fn commits(cx: Cx, Path(id): GistPath) -> Handler {
    let g = gist_of(&cx, &id).await?;
    let revisions = store::revisions(&*cx.db, &g.id).await?;
    let page = cx.query.page()?;
    let slice = page.slice(&revisions);
    let who = people(&cx, slice.iter().map(|r| r.user_id).collect()).await?;
    let mut items = Vec::new();
    for r in &slice {
        items.push(model::revision_json(&cx.base, r, person(&who, r.user_id)?));
    }
    Ok(Listing { items, total: revisions.len() as i64, page, url: cx.url() }.into_response())
}

// stars

/// `GET /gists/{gist_id}/star`: 204 when the caller starred it, 404 otherwise.
pub async fn check_star(cx: Cx, Path(id): GistPath) -> Handler {
    let me = cx.caller.require()?.id;
    let g = gist_of(&cx, &id).await?;
    if store::is_starred(&*cx.db, &g.id, me).await? { Ok(no_content()) } else { Err(GhError::NotFound) }
}

/// `PUT /gists/{gist_id}/star`: 204.
pub async fn star(cx: Cx, Path(id): GistPath) -> Handler {
    let me = cx.caller.require()?.id;
    let g = gist_of(&cx, &id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::star(&mut tx, &g.id, me, now()).await?;
    tx.commit().await?;
    Ok(no_content())
}

/// `DELETE /gists/{gist_id}/star`: 204.
pub async fn unstar(cx: Cx, Path(id): GistPath) -> Handler {
    let me = cx.caller.require()?.id;
    let g = gist_of(&cx, &id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::unstar(&mut *tx, &g.id, me).await?;
    tx.commit().await?;
    Ok(no_content())
}

// forks

/// `POST /gists/{gist_id}/forks`: 201 with the caller's fork (its history is the
/// parent's, as a git fork's is); a user's second fork is their first one, and
/// no one forks their own gist (422).
pub async fn fork(cx: Cx, Path(id): GistPath) -> Handler {
    let me = cx.caller.require()?.clone();
    let g = gist_of(&cx, &id).await?;
    if g.owner_id == me.id {
        return Err(GhError::Unprocessable("You cannot fork your own gist.".into()));
    }
    if let Some(existing) = store::fork_by(&*cx.db, &g.id, me.id).await? {
        return fork_answer(&cx, &existing).await;
    }
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let f = GistRow {
        id: asym_clone_kit::secrets::random_string(32, asym_clone_kit::secrets::HEX),
        seq: st::next_id(&mut tx).await?,
        owner_id: me.id,
        description: g.description.clone(),
        is_public: g.is_public,
        fork_of: Some(g.id.clone()),
        files: g.files.clone(),
        version: g.version.clone(),
        created_at: at,
        updated_at: at,
    };
    store::insert(&mut *tx, &f).await?;
    let mut history = store::revisions(&mut *tx, &g.id).await?;
    history.reverse();
    for mut r in history {
        r.gist_id = f.id.clone();
        r.seq = st::next_id(&mut tx).await?;
        store::insert_revision(&mut *tx, &r).await?;
    }
    tx.commit().await?;
    fork_answer(&cx, &f).await
}

async fn fork_answer(cx: &Cx, f: &GistRow) -> Handler {
    let owner = accounts::by_id(&*cx.db, f.owner_id).await?.ok_or(GhError::NotFound)?;
    let files = model::parse_files(&f.files);
    let mut resp = created(model::gist_json(&cx.base, f, &owner, &files, &f.version, 0, false));
    if let Ok(l) = format!("{}/gists/{}", cx.base, f.id).parse() {
        resp.headers_mut().insert(axum::http::header::LOCATION, l);
    }
    Ok(resp)
}

/// `GET /gists/{gist_id}/forks`: the forks, oldest first.
pub async fn forks(cx: Cx, Path(id): GistPath) -> Handler {
    let g = gist_of(&cx, &id).await?;
    let rows = store::forks_of(&*cx.db, &g.id).await?;
    page_of(&cx, rows).await
}

// comments

fn association(g: &GistRow, user: i64) -> &'static str {
    if g.owner_id == user { "OWNER" } else { "NONE" }
}

fn comment_id(s: &str) -> GhResult<i64> {
    s.parse().map_err(|_| GhError::NotFound)
}

async fn render_comment(cx: &Cx, g: &GistRow, c: &CommentRow) -> GhResult<Value> {
    let u = accounts::by_id(&*cx.db, c.user_id).await?.ok_or(GhError::NotFound)?;
    Ok(model::comment_json(&cx.base, c, &u, association(g, c.user_id)))
}

/// `GET /gists/{gist_id}/comments`.
pub async fn list_comments(cx: Cx, Path(id): GistPath) -> Handler {
    let g = gist_of(&cx, &id).await?;
    let all = store::comments(&*cx.db, &g.id).await?;
    let page = cx.query.page()?;
    let slice = page.slice(&all);
    let who = people(&cx, slice.iter().map(|c| c.user_id).collect()).await?;
    let mut items = Vec::new();
    for c in &slice {
        items.push(model::comment_json(&cx.base, c, person(&who, c.user_id)?, association(&g, c.user_id)));
    }
    Ok(Listing { items, total: all.len() as i64, page, url: cx.url() }.into_response())
}

/// `POST /gists/{gist_id}/comments` `{body}`: 201.
pub async fn create_comment(cx: Cx, Path(id): GistPath, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let g = gist_of(&cx, &id).await?;
    let v = json_value(&body).await?;
    let text = comment_body(&v, "GistComment")?;
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let c =
        CommentRow { id: st::next_id(&mut tx).await?, gist_id: g.id.clone(), user_id: me.id, body: text, created_at: at, updated_at: at };
    store::insert_comment(&mut *tx, &c).await?;
    tx.commit().await?;
    Ok(created(model::comment_json(&cx.base, &c, &me, association(&g, me.id))))
}

/// `GET /gists/{gist_id}/comments/{comment_id}`.
pub async fn get_comment(cx: Cx, Path((id, cid)): Path<(String, String)>) -> Handler {
    let g = gist_of(&cx, &id).await?;
    let c = store::comment(&*cx.db, &g.id, comment_id(&cid)?).await?.ok_or(GhError::NotFound)?;
    Ok(ok(render_comment(&cx, &g, &c).await?))
}

/// `PATCH /gists/{gist_id}/comments/{comment_id}` `{body}`: the author's only.
pub async fn update_comment(cx: Cx, Path((id, cid)): Path<(String, String)>, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let g = gist_of(&cx, &id).await?;
    let mut c = store::comment(&*cx.db, &g.id, comment_id(&cid)?).await?.ok_or(GhError::NotFound)?;
    if c.user_id != me.id {
        return Err(GhError::NotFound);
    }
    let v = json_value(&body).await?;
    c.body = comment_body(&v, "GistComment")?;
    c.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::update_comment(&mut *tx, c.id, &c.body, c.updated_at).await?;
    tx.commit().await?;
    Ok(ok(model::comment_json(&cx.base, &c, &me, association(&g, me.id))))
}

/// `DELETE /gists/{gist_id}/comments/{comment_id}`: by its author or the gist's owner.
pub async fn delete_comment(cx: Cx, Path((id, cid)): Path<(String, String)>) -> Handler {
    let me = cx.caller.require()?.id;
    let g = gist_of(&cx, &id).await?;
    let c = store::comment(&*cx.db, &g.id, comment_id(&cid)?).await?.ok_or(GhError::NotFound)?;
    if c.user_id != me && g.owner_id != me {
        return Err(GhError::NotFound);
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete_comment(&mut *tx, c.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

/// `GET /gist/{owner}/{gist_id}/raw/{sha}/{filename}`: a file's text at a revision
/// (the `raw_url` of gist files).
pub async fn raw(cx: Cx, Path((owner, id, sha, name)): Path<(String, String, String, String)>) -> Handler {
    let g = gist_of(&cx, &id).await?;
    let o = accounts::by_id(&*cx.db, g.owner_id).await?.ok_or(GhError::NotFound)?;
    if !o.login.eq_ignore_ascii_case(&owner) {
        return Err(GhError::NotFound);
    }
    let files = if sha == g.version {
        model::parse_files(&g.files)
    } else {
        model::parse_files(&store::revision(&*cx.db, &g.id, &sha).await?.ok_or(GhError::NotFound)?.files)
    };
    let text = files.get(&name).ok_or(GhError::NotFound)?.clone();
    let mut resp = axum::response::Response::new(axum::body::Body::from(text));
    resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/plain; charset=utf-8"));
    Ok(resp)
}
