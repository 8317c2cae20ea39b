//! Source archives: `GET /repos/{o}/{r}/tarball/{ref}` and `…/zipball/{ref}`
//! answer 302 to the clone's own codeload path, which serves the archive of the
//! tree at that ref (`model::archive`). The download keeps the request's
//! credentials (same host), so private repositories stay private.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Cx, Handler, RepoPath};
use crate::errors::GhError;
use crate::model::access;
use crate::model::{archive, content, gitdb};
use crate::objects;

async fn redirect(cx: Cx, owner: String, repo: String, kind: &str, reff: Option<String>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let (name, _) = content::commit_for(&mut conn, &r, reff.as_deref()).await?;
    let file = if kind == "tarball" { "legacy.tar.gz" } else { "legacy.zip" };
    let enc: Vec<String> = name.split('/').map(objects::encode_segment).collect();
    let location = format!("{}/codeload/{}/{}/{file}/{}", cx.base, r.owner_login, r.name, enc.join("/"));
    let mut resp = StatusCode::FOUND.into_response();
    let v = HeaderValue::from_str(&location).map_err(|_| GhError::NotFound)?;
    resp.headers_mut().insert(header::LOCATION, v);
    Ok(resp)
}

pub async fn tarball(cx: Cx, Path((owner, repo, reff)): Path<(String, String, String)>) -> Handler {
    redirect(cx, owner, repo, "tarball", Some(reff)).await
}

pub async fn tarball_default(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    redirect(cx, owner, repo, "tarball", None).await
}

pub async fn zipball(cx: Cx, Path((owner, repo, reff)): Path<(String, String, String)>) -> Handler {
    redirect(cx, owner, repo, "zipball", Some(reff)).await
}

pub async fn zipball_default(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    redirect(cx, owner, repo, "zipball", None).await
}

/// `GET /codeload/{owner}/{repo}/legacy.tar.gz|legacy.zip/{ref}`: the archive.
pub async fn download(cx: Cx, Path((owner, repo, file, reff)): Path<(String, String, String, String)>) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut conn = cx.db.acquire().await?;
    let (_, sha) = content::commit_for(&mut conn, &r, Some(&reff)).await?;
    let sha = gitdb::peel(&mut conn, r.id, sha).await?;
    let c = gitdb::must_commit(&mut conn, r.id, &sha).await?;
    let (root, entries) = archive::entries(&mut conn, &r, &sha).await?;
    let (body, content_type, ext) = match file.as_str() {
        "legacy.tar.gz" => (archive::tarball(&entries, &sha, c.committer.date)?, "application/x-gzip", "tar.gz"),
        "legacy.zip" => (archive::zipball(&entries, &sha, c.committer.date)?, "application/zip", "zip"),
        _ => return Err(GhError::NotFound),
    };
    let mut resp: Response = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename={root}.{ext}")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
