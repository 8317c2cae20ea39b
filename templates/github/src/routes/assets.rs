//! Release assets: upload (`POST` to the release's `upload_url`, which points at
//! this clone), list, get, update, delete, and download (`Accept:
//! application/octet-stream` on the asset's API URL, or its
//! `browser_download_url`).

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Cx, Handler, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::assets::{asset_name, digest};
use crate::model::repos::str_field;
use crate::objects;
use crate::store::accounts;
use crate::store::assets::{self as store, AssetRow};
use crate::store::releases::ReleaseRow;
use crate::store::repos::RepoRow;
use crate::wire::{Listing, iso, json_value, node_id, now};

pub fn asset_json(base: &str, r: &RepoRow, rel: &ReleaseRow, a: &AssetRow, uploader: Value) -> Value {
    let full = r.full_name();
    json!({
        "url": format!("{base}/repos/{full}/releases/assets/{}", a.id),
        "browser_download_url": format!("{base}/{full}/releases/download/{}/{}", objects::encode_segment(&rel.tag_name), objects::encode_segment(&a.name)),
        "id": a.id, "node_id": node_id("ReleaseAsset", a.id), "name": a.name, "label": a.label, "state": "uploaded",
        "content_type": a.content_type, "size": a.size, "digest": a.digest, "download_count": a.download_count,
        "created_at": iso(a.created_at), "updated_at": iso(a.updated_at), "uploader": uploader,
    })
}

/// The `assets` of a release object.
pub async fn of_release(cx: &Cx, r: &RepoRow, rel: &ReleaseRow) -> GhResult<Vec<Value>> {
    let rows = store::of_release(&*cx.db, rel.id).await?;
    let mut conn = cx.db.acquire().await?;
    let users = crate::model::issues::users(&mut conn, &cx.base, rows.iter().map(|a| a.uploader_id).collect()).await?;
    Ok(rows.iter().map(|a| asset_json(&cx.base, r, rel, a, users.get(a.uploader_id))).collect())
}

/// The release `id` of `r`, if the caller may see it (drafts need push access).
async fn release(cx: &Cx, r: &RepoRow, perm: Perm, id: i64) -> GhResult<ReleaseRow> {
    crate::store::releases::of_repo(&*cx.db, r.id)
        .await?
        .into_iter()
        .find(|x| x.id == id && (!x.draft || perm >= Perm::Write))
        .ok_or(GhError::NotFound)
}

async fn render(cx: &Cx, r: &RepoRow, rel: &ReleaseRow, a: &AssetRow) -> GhResult<Value> {
    let uploader = accounts::by_id(&*cx.db, a.uploader_id).await?.map(|u| objects::user_ref(&cx.base, &u)).unwrap_or(Value::Null);
    Ok(asset_json(&cx.base, r, rel, a, uploader))
}

pub async fn upload(cx: Cx, headers: HeaderMap, Path((owner, repo, id)): Path<(String, String, i64)>, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let me = cx.caller.require()?.clone();
    let rel = release(&cx, &r, perm, id).await?;
    let name = cx.query.get("name").map(asset_name).filter(|n| !n.is_empty()).ok_or_else(|| GhError::missing("ReleaseAsset", "name"))?;
    let label = cx.query.get("label").filter(|l| !l.is_empty()).map(String::from);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .unwrap_or("application/octet-stream")
        .to_string();
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::of_release(&mut *tx, rel.id).await?.iter().any(|a| a.name == name) {
        return Err(GhError::Validation(vec![FieldError::new("ReleaseAsset", "name", "already_exists")]));
    }
    let a = AssetRow {
        id: crate::store::next_id(&mut tx).await?,
        release_id: rel.id,
        repo_id: r.id,
        name,
        label,
        content_type,
        size: body.len() as i64,
        digest: digest(&body),
        download_count: 0,
        uploader_id: me.id,
        created_at: at,
        updated_at: at,
    };
    store::insert(&mut *tx, &a, &body).await?;
    tx.commit().await?;
    Ok(created(asset_json(&cx.base, &r, &rel, &a, objects::user_ref(&cx.base, &me))))
}

pub async fn list(cx: Cx, Path((owner, repo, id)): Path<(String, String, i64)>) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rel = release(&cx, &r, perm, id).await?;
    let items = of_release(&cx, &r, &rel).await?;
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

async fn asset(cx: &Cx, r: &RepoRow, perm: Perm, id: i64) -> GhResult<(AssetRow, ReleaseRow)> {
    let a = store::get(&*cx.db, r.id, id).await?.ok_or(GhError::NotFound)?;
    let rel = release(cx, r, perm, a.release_id).await?;
    Ok((a, rel))
}

/// The file as GitHub's download host serves it: `application/octet-stream`
/// whatever type it was uploaded with, as an attachment.
fn bytes_response(a: &AssetRow, data: Vec<u8>) -> Response {
    let mut resp = Response::new(axum::body::Body::from(data));
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename={}", a.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// JSON, or the file itself with `Accept: application/octet-stream`.
pub async fn get(cx: Cx, Path((owner, repo, id)): Path<(String, String, i64)>) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let (a, rel) = asset(&cx, &r, perm, id).await?;
    if cx.accept.contains("application/octet-stream") {
        let mut tx = asym_store::begin_write(&cx.db).await?;
        let data = store::download(&mut tx, a.id).await?;
        tx.commit().await?;
        return Ok(bytes_response(&a, data));
    }
    Ok(ok(render(&cx, &r, &rel, &a).await?))
}

/// `GET /{owner}/{repo}/releases/download/{tag}/{name}`: the `browser_download_url`.
pub async fn browser_download(cx: Cx, Path((owner, repo, tag, name)): Path<(String, String, String, String)>) -> Handler {
    let (r, perm) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let rel = crate::store::releases::of_repo(&*cx.db, r.id)
        .await?
        .into_iter()
        .find(|x| x.tag_name == tag && (!x.draft || perm >= Perm::Write))
        .ok_or(GhError::NotFound)?;
    let a = store::of_release(&*cx.db, rel.id).await?.into_iter().find(|a| a.name == name).ok_or(GhError::NotFound)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let data = store::download(&mut tx, a.id).await?;
    tx.commit().await?;
    Ok(bytes_response(&a, data))
}

pub async fn update(cx: Cx, Path((owner, repo, id)): Path<(String, String, i64)>, body: Bytes) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let (mut a, rel) = asset(&cx, &r, perm, id).await?;
    let v = json_value(&body).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if let Some(n) = str_field(&v, "name", "ReleaseAsset")? {
        let n = asset_name(&n);
        if n.is_empty() {
            return Err(GhError::invalid("ReleaseAsset", "name"));
        }
        if store::of_release(&mut *tx, rel.id).await?.iter().any(|x| x.name == n && x.id != a.id) {
            return Err(GhError::Validation(vec![FieldError::new("ReleaseAsset", "name", "already_exists")]));
        }
        a.name = n;
    }
    if v.get("label").is_some() {
        a.label = str_field(&v, "label", "ReleaseAsset")?.filter(|l| !l.is_empty());
    }
    if let Some(state) = str_field(&v, "state", "ReleaseAsset")?
        && state != "uploaded"
    {
        return Err(GhError::invalid("ReleaseAsset", "state"));
    }
    a.updated_at = now();
    store::update(&mut *tx, &a).await?;
    tx.commit().await?;
    Ok(ok(render(&cx, &r, &rel, &a).await?))
}

pub async fn delete(cx: Cx, Path((owner, repo, id)): Path<(String, String, i64)>) -> Handler {
    let (r, perm) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Write).await?;
    let (a, _) = asset(&cx, &r, perm, id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete(&mut *tx, a.id).await?;
    tx.commit().await?;
    Ok(no_content())
}
