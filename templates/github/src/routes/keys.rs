//! A repository's deploy keys and autolink references (both for admins only).

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, created, json as ok, no_content};
use crate::errors::{FieldError, GhError};
use crate::model::access::{self, Perm};
use crate::model::people;
use crate::model::repos::{bool_field, str_field};
use crate::store::keys::{self as store, AutolinkRow, DeployKeyRow};
use crate::store::people as people_store;
use crate::store::repos::RepoRow;
use crate::store::{self as st};
use crate::wire::{Listing, iso, json_value, now};

type IdPath = Path<(String, String, String)>;

fn key_json(cx: &Cx, r: &RepoRow, k: &DeployKeyRow) -> Value {
    json!({
        "id": k.id,
        "key": k.key,
        "url": format!("{}/repos/{}/keys/{}", cx.base, r.full_name(), k.id),
        "title": k.title,
        "verified": true,
        "created_at": iso(k.created_at),
        "read_only": k.read_only,
        "added_by": k.added_by,
        "last_used": null,
        "enabled": true,
    })
}

fn autolink_json(a: &AutolinkRow) -> Value {
    json!({ "id": a.id, "key_prefix": a.key_prefix, "url_template": a.url_template, "is_alphanumeric": a.is_alphanumeric })
}

fn id_of(s: &str) -> Result<i64, GhError> {
    s.parse().map_err(|_| GhError::NotFound)
}

// deploy keys

/// `GET /repos/{o}/{r}/keys`.
pub async fn list_keys(cx: Cx, Path((owner, repo)): super::RepoPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let items = store::deploy_keys_of(&*cx.db, r.id).await?.iter().map(|k| key_json(&cx, &r, k)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

/// `POST /repos/{o}/{r}/keys` `{title, key, read_only}`: the key must be an
/// OpenSSH public key that no account or repository uses yet.
pub async fn create_key(cx: Cx, Path((owner, repo)): super::RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let text = str_field(&v, "key", "PublicKey")?.ok_or_else(|| GhError::missing("PublicKey", "key"))?;
    let key = people::normalize_key(&text)?;
    let title = str_field(&v, "title", "PublicKey")?.unwrap_or_default();
    let read_only = bool_field(&v, "read_only")?.unwrap_or(false);
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if people_store::key_in_use(&mut *tx, &key).await? {
        return Err(GhError::Validation(vec![FieldError::custom("PublicKey", "key", "key is already in use")]));
    }
    let k = DeployKeyRow { id: st::next_id(&mut tx).await?, repo_id: r.id, title, key, read_only, added_by: me.login, created_at: now() };
    store::insert_deploy_key(&mut *tx, &k).await?;
    tx.commit().await?;
    Ok(created(key_json(&cx, &r, &k)))
}

/// `GET /repos/{o}/{r}/keys/{id}`.
pub async fn get_key(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let k = store::deploy_key(&*cx.db, r.id, id_of(&id)?).await?.ok_or(GhError::NotFound)?;
    Ok(ok(key_json(&cx, &r, &k)))
}

/// `DELETE /repos/{o}/{r}/keys/{id}`.
pub async fn delete_key(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let id = id_of(&id)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::delete_deploy_key(&mut *tx, r.id, id).await? == 0 {
        return Err(GhError::NotFound);
    }
    tx.commit().await?;
    Ok(no_content())
}

// autolinks

/// The characters GitHub takes in a key prefix.
fn valid_prefix(p: &str) -> bool {
    !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || ".-_+=:/#".contains(c))
}

/// `GET /repos/{o}/{r}/autolinks`.
pub async fn list_autolinks(cx: Cx, Path((owner, repo)): super::RepoPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let items: Vec<Value> = store::autolinks_of(&*cx.db, r.id).await?.iter().map(autolink_json).collect();
    Ok(ok(Value::Array(items)))
}

/// `POST /repos/{o}/{r}/autolinks` `{key_prefix, url_template, is_alphanumeric}`.
pub async fn create_autolink(cx: Cx, Path((owner, repo)): super::RepoPath, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let v = json_value(&body).await?;
    let prefix = str_field(&v, "key_prefix", "KeyLink")?.ok_or_else(|| GhError::missing("KeyLink", "key_prefix"))?;
    let template = str_field(&v, "url_template", "KeyLink")?.ok_or_else(|| GhError::missing("KeyLink", "url_template"))?;
    let alnum = bool_field(&v, "is_alphanumeric")?.unwrap_or(true);
    if !valid_prefix(&prefix) {
        return Err(GhError::Validation(vec![FieldError::custom(
            "KeyLink",
            "key_prefix",
            "key_prefix may only contain letters, numbers, or .-_+=:/#",
        )]));
    }
    if !template.contains("<num>") {
        return Err(GhError::Validation(vec![FieldError::custom("KeyLink", "url_template", "url_template is missing a <num> token")]));
    }
    if !(template.starts_with("http://") || template.starts_with("https://")) {
        return Err(GhError::Validation(vec![FieldError::custom("KeyLink", "url_template", "url_template must be an http or https URL")]));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::autolinks_of(&mut *tx, r.id).await?.iter().any(|a| a.key_prefix.eq_ignore_ascii_case(&prefix)) {
        return Err(GhError::Validation(vec![FieldError::new("KeyLink", "key_prefix", "already_exists")]));
    }
    let a =
        AutolinkRow { id: st::next_id(&mut tx).await?, repo_id: r.id, key_prefix: prefix, url_template: template, is_alphanumeric: alnum };
    store::insert_autolink(&mut *tx, &a).await?;
    tx.commit().await?;
    Ok(created(autolink_json(&a)))
}

/// `GET /repos/{o}/{r}/autolinks/{id}`.
pub async fn get_autolink(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let a = store::autolink(&*cx.db, r.id, id_of(&id)?).await?.ok_or(GhError::NotFound)?;
    Ok(ok(autolink_json(&a)))
}

/// `DELETE /repos/{o}/{r}/autolinks/{id}`.
pub async fn delete_autolink(cx: Cx, Path((owner, repo, id)): IdPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let id = id_of(&id)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::delete_autolink(&mut *tx, r.id, id).await? == 0 {
        return Err(GhError::NotFound);
    }
    tx.commit().await?;
    Ok(no_content())
}
