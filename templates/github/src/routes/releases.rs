//! Releases: list, create (tagging `target_commitish` when published), get, get
//! latest, get by tag, update, delete. Assets are in `assets.rs`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::gitdb;
use crate::model::repos::{bool_field, str_field};
use crate::objects;
use crate::store::accounts;
use crate::store::git as gstore;
use crate::store::releases::{self as store, ReleaseRow};
use crate::store::repos::RepoRow;
use crate::wire::{Listing, iso, iso_opt, json_value, now};

async fn render(cx: &Cx, r: &RepoRow, rel: &ReleaseRow) -> GhResult<Value> {
    let assets = super::assets::of_release(cx, r, rel).await?;
    let author = accounts::by_id(&*cx.db, rel.author_id).await?.map(|a| objects::user_ref(&cx.base, &a)).unwrap_or(Value::Null);
    let full = r.full_name();
    let u = format!("{}/repos/{full}/releases/{}", cx.base, rel.id);
    let tag = objects::encode_segment(&rel.tag_name);
    Ok(json!({
        "url": u, "assets_url": format!("{u}/assets"), "upload_url": format!("{u}/assets{{?name,label}}"),
        "html_url": format!("{}/{full}/releases/tag/{tag}", cx.base), "id": rel.id, "author": author,
        "node_id": crate::wire::node_id("Release", rel.id), "tag_name": rel.tag_name, "target_commitish": rel.target_commitish,
        "name": rel.name, "draft": rel.draft, "prerelease": rel.prerelease, "immutable": false,
        "created_at": iso(rel.created_at), "updated_at": iso(rel.created_at), "published_at": iso_opt(rel.published_at),
        "assets": assets, "tarball_url": format!("{}/repos/{full}/tarball/{tag}", cx.base), "zipball_url": format!("{}/repos/{full}/zipball/{tag}", cx.base),
        "body": rel.body,
        "reactions": objects::reactions_summary(&format!("{u}/reactions"), &crate::store::issues::reactions_of(&*cx.db, REACTION_SUBJECT, rel.id).await?),
    }))
}

/// Drafts are seen only by those who can push.
fn visible(rel: &ReleaseRow, perm: Perm) -> bool {
    !rel.draft || perm >= Perm::Write
}

pub async fn list(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rows: Vec<ReleaseRow> = store::of_repo(&*cx.db, r.id).await?.into_iter().filter(|x| visible(x, perm)).collect();
    let page = cx.query.page()?;
    let mut items = Vec::new();
    for rel in page.slice(&rows) {
        items.push(render(&cx, &r, &rel).await?);
    }
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

/// Creates `refs/tags/<tag>` at the commit `target` names, unless the tag exists.
async fn tag(conn: &mut sqlx::AnyConnection, r: &RepoRow, rel: &ReleaseRow) -> GhResult<()> {
    let name = format!("refs/tags/{}", rel.tag_name);
    if gstore::get_ref(&mut *conn, r.id, &name).await?.is_some() {
        return Ok(());
    }
    let sha = gitdb::resolve(conn, r.id, &rel.target_commitish)
        .await?
        .ok_or_else(|| GhError::Validation(vec![FieldError::new("Release", "target_commitish", "invalid")]))?;
    gstore::create_ref(&mut *conn, r.id, &name, &sha).await?;
    Ok(())
}

pub async fn create(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let tag_name =
        str_field(&v, "tag_name", "Release")?.filter(|t| !t.trim().is_empty()).ok_or_else(|| GhError::missing("Release", "tag_name"))?;
    let at = now();
    let draft = bool_field(&v, "draft")?.unwrap_or(false);
    let rel = ReleaseRow {
        id: 0,
        repo_id: r.id,
        tag_name,
        target_commitish: str_field(&v, "target_commitish", "Release")?.unwrap_or_else(|| r.default_branch.clone()),
        name: str_field(&v, "name", "Release")?,
        body: str_field(&v, "body", "Release")?,
        draft,
        prerelease: bool_field(&v, "prerelease")?.unwrap_or(false),
        author_id: me.id,
        created_at: at,
        published_at: (!draft).then_some(at),
    };
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::of_repo(&mut *tx, r.id).await?.iter().any(|x| x.tag_name == rel.tag_name) {
        return Err(GhError::Validation(vec![FieldError::new("Release", "tag_name", "already_exists")]));
    }
    let rel = ReleaseRow { id: crate::store::next_id(&mut tx).await?, ..rel };
    if !rel.draft {
        tag(&mut tx, &r, &rel).await?;
    }
    store::insert(&mut *tx, &rel).await?;
    tx.commit().await?;
    Ok(created(render(&cx, &r, &rel).await?))
}

async fn by_id(cx: &Cx, r: &RepoRow, perm: Perm, id: &str) -> GhResult<ReleaseRow> {
    let id: i64 = id.parse().map_err(|_| GhError::NotFound)?;
    store::of_repo(&*cx.db, r.id).await?.into_iter().find(|x| x.id == id && visible(x, perm)).ok_or(GhError::NotFound)
}

pub async fn get(cx: Cx, Path((owner, repo, id)): Path<(String, String, String)>) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rel = by_id(&cx, &r, perm, &id).await?;
    Ok(ok(render(&cx, &r, &rel).await?))
}

/// The newest published, non-prerelease release.
pub async fn latest(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rel = store::of_repo(&*cx.db, r.id)
        .await?
        .into_iter()
        .filter(|x| !x.draft && !x.prerelease)
        .max_by_key(|x| (x.published_at, x.id))
        .ok_or(GhError::NotFound)?;
    Ok(ok(render(&cx, &r, &rel).await?))
}

pub async fn by_tag(cx: Cx, Path((owner, repo, tag_name)): Path<(String, String, String)>) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rel =
        store::of_repo(&*cx.db, r.id).await?.into_iter().find(|x| x.tag_name == tag_name && visible(x, perm)).ok_or(GhError::NotFound)?;
    Ok(ok(render(&cx, &r, &rel).await?))
}

pub async fn update(cx: Cx, Path((owner, repo, id)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let mut rel = by_id(&cx, &r, perm, &id).await?;
    let v = json_value(&body).await?;
    if let Some(t) = str_field(&v, "tag_name", "Release")? {
        rel.tag_name = t;
    }
    if let Some(t) = str_field(&v, "target_commitish", "Release")? {
        rel.target_commitish = t;
    }
    if v.get("name").is_some() {
        rel.name = str_field(&v, "name", "Release")?;
    }
    if v.get("body").is_some() {
        rel.body = str_field(&v, "body", "Release")?;
    }
    if let Some(p) = bool_field(&v, "prerelease")? {
        rel.prerelease = p;
    }
    if let Some(d) = bool_field(&v, "draft")? {
        if rel.draft && !d {
            rel.published_at = Some(now());
        }
        rel.draft = d;
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::of_repo(&mut *tx, r.id).await?.iter().any(|x| x.tag_name == rel.tag_name && x.id != rel.id) {
        return Err(GhError::Validation(vec![FieldError::new("Release", "tag_name", "already_exists")]));
    }
    if !rel.draft {
        tag(&mut tx, &r, &rel).await?;
    }
    store::update(&mut *tx, &rel).await?;
    tx.commit().await?;
    Ok(ok(render(&cx, &r, &rel).await?))
}

pub async fn delete(cx: Cx, Path((owner, repo, id)): Path<(String, String, String)>) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let rel = by_id(&cx, &r, perm, &id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    crate::store::assets::delete_of_release(&mut *tx, rel.id).await?;
    store::delete_reactions(&mut *tx, rel.id).await?;
    store::delete(&mut *tx, rel.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

// ---- generated notes and reactions ----

/// `POST …/releases/generate-notes`.
pub async fn generate_notes(cx: Cx, Path((owner, repo)): RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let v = json_value(&body).await?;
    let tag_name = str_field(&v, "tag_name", "Release")?.ok_or_else(|| GhError::missing("Release", "tag_name"))?;
    if str_field(&v, "configuration_file_path", "Release")?.is_some() {
        return Err(GhError::Validation(vec![FieldError::custom(
            "Release",
            "configuration_file_path",
            "release notes configuration files are not built in this clone",
        )]));
    }
    let req = crate::model::notes::NotesRequest {
        tag_name,
        target_commitish: str_field(&v, "target_commitish", "Release")?,
        previous_tag_name: str_field(&v, "previous_tag_name", "Release")?,
    };
    Ok(ok(crate::model::notes::generate(&cx.db, &cx.base, &r, &req).await?))
}

const REACTION_SUBJECT: &str = "release";

/// The reactions GitHub takes on a release (no `-1`, no `confused`).
const RELEASE_REACTIONS: &[&str] = &["+1", "laugh", "heart", "hooray", "rocket", "eyes"];

pub async fn list_reactions(cx: Cx, Path((owner, repo, id)): Path<(String, String, String)>) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rel = by_id(&cx, &r, perm, &id).await?;
    if let Some(c) = cx.query.get("content")
        && !RELEASE_REACTIONS.contains(&c)
    {
        return Err(GhError::invalid("Reaction", "content"));
    }
    super::issues::list_reactions(&cx, REACTION_SUBJECT, rel.id).await
}

pub async fn react(cx: Cx, Path((owner, repo, id)): Path<(String, String, String)>, body: Bytes) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rel = by_id(&cx, &r, perm, &id).await?;
    let v = json_value(&body).await?;
    if let Some(c) = str_field(&v, "content", "Reaction")?
        && !RELEASE_REACTIONS.contains(&c.as_str())
    {
        return Err(GhError::invalid("Reaction", "content"));
    }
    super::issues::react(&cx, REACTION_SUBJECT, rel.id, &body).await
}

pub async fn unreact(cx: Cx, Path((owner, repo, id, reaction)): Path<(String, String, String, i64)>) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rel = by_id(&cx, &r, perm, &id).await?;
    super::issues::unreact(&cx, REACTION_SUBJECT, rel.id, reaction).await
}
