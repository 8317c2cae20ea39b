//! Repository invitations: adding a collaborator to a user-owned repository
//! invites them (`201` with the invitation); the repository's admins list,
//! change and cancel invitations; the invitee lists theirs, accepts (becoming a
//! collaborator with the invited permission, `member` `added` webhook) or
//! declines. Invitations expire after seven days, as on GitHub.

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::{Cx, Handler, RepoPath, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::hooks;
use crate::model::repos::str_field;
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::invitations::{self as store, InvitationRow};
use crate::store::repos::{self, RepoRow};
use crate::wire::{Listing, iso, json_value, node_id, now};

const EXPIRY: i64 = 7 * 24 * 3600;

/// GitHub's invitation names for a collaborator permission (`push` → `write`).
pub fn invitation_permission(p: &str) -> Option<&'static str> {
    match p {
        "pull" | "read" => Some("read"),
        "triage" => Some("triage"),
        "push" | "write" => Some("write"),
        "maintain" => Some("maintain"),
        "admin" => Some("admin"),
        _ => None,
    }
}

fn expired(i: &InvitationRow) -> bool {
    now() - i.created_at > EXPIRY
}

async fn render(conn: &mut AnyConnection, base: &str, r: &RepoRow, i: &InvitationRow) -> GhResult<Value> {
    let invitee = accounts::by_id(&mut *conn, i.invitee_id).await?.map(|a| objects::user_ref(base, &a)).unwrap_or(Value::Null);
    let inviter = accounts::by_id(&mut *conn, i.inviter_id).await?.map(|a| objects::user_ref(base, &a)).unwrap_or(Value::Null);
    let full = r.full_name();
    Ok(json!({
        "id": i.id, "node_id": node_id("RepositoryInvitation", i.id), "repository": objects::repo(base, r, None),
        "invitee": invitee, "inviter": inviter, "permissions": i.permissions, "created_at": iso(i.created_at),
        "expired": expired(i), "url": format!("{base}/user/repository_invitations/{}", i.id),
        "html_url": format!("{base}/{full}/invitations"),
    }))
}

/// `PUT /repos/{o}/{r}/collaborators/{user}` on a user-owned repository.
pub(super) async fn invite(cx: &Cx, r: &RepoRow, u: &AccountRow, permission: &str) -> Handler {
    let me = cx.caller.require()?.clone();
    let perm = invitation_permission(permission).ok_or_else(|| GhError::invalid("Repository", "permission"))?;
    if u.id == r.owner_id {
        return Err(GhError::Validation(vec![FieldError::custom(
            "Repository",
            "collaborator",
            "Repository owner cannot be a collaborator",
        )]));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if repos::collaborator_permission(&mut *tx, r.id, u.id).await?.is_some() {
        // Already a collaborator: the permission changes at once.
        repos::set_collaborator(&mut tx, r.id, u.id, permission).await?;
        tx.commit().await?;
        return Ok(no_content());
    }
    let inv = match store::for_invitee(&mut *tx, r.id, u.id).await? {
        Some(mut i) if !expired(&i) => {
            store::set_permissions(&mut *tx, i.id, perm).await?;
            i.permissions = perm.into();
            i
        }
        old => {
            if let Some(o) = old {
                store::delete(&mut *tx, o.id).await?;
            }
            let i = InvitationRow {
                id: crate::store::next_id(&mut tx).await?,
                repo_id: r.id,
                invitee_id: u.id,
                inviter_id: me.id,
                permissions: perm.into(),
                created_at: now(),
            };
            store::insert(&mut *tx, &i).await?;
            i
        }
    };
    tx.commit().await?;
    let mut conn = cx.db.acquire().await?;
    Ok(created(render(&mut conn, &cx.base, r, &inv).await?))
}

pub async fn list_for_repo(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let rows = store::of_repo(&*cx.db, r.id).await?;
    let page = cx.query.page()?;
    let mut conn = cx.db.acquire().await?;
    let mut items = Vec::new();
    for i in page.slice(&rows) {
        items.push(render(&mut conn, &cx.base, &r, &i).await?);
    }
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

async fn of_repo(cx: &Cx, r: &RepoRow, id: i64) -> GhResult<InvitationRow> {
    store::get(&*cx.db, id).await?.filter(|i| i.repo_id == r.id).ok_or(GhError::NotFound)
}

pub async fn update(cx: Cx, Path((owner, repo, id)): Path<(String, String, i64)>, body: Bytes) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let mut inv = of_repo(&cx, &r, id).await?;
    let v = json_value(&body).await?;
    if let Some(p) = str_field(&v, "permissions", "RepositoryInvitation")? {
        let p = ["read", "write", "maintain", "triage", "admin"]
            .into_iter()
            .find(|x| *x == p)
            .ok_or_else(|| GhError::invalid("RepositoryInvitation", "permissions"))?;
        let mut tx = asym_store::begin_write(&cx.db).await?;
        store::set_permissions(&mut *tx, inv.id, p).await?;
        tx.commit().await?;
        inv.permissions = p.into();
    }
    let mut conn = cx.db.acquire().await?;
    Ok(ok(render(&mut conn, &cx.base, &r, &inv).await?))
}

pub async fn delete(cx: Cx, Path((owner, repo, id)): Path<(String, String, i64)>) -> Handler {
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    let inv = of_repo(&cx, &r, id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete(&mut *tx, inv.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn list_mine(cx: Cx) -> Handler {
    let me = cx.caller.require()?.clone();
    let rows = store::of_user(&*cx.db, me.id).await?;
    let page = cx.query.page()?;
    let mut conn = cx.db.acquire().await?;
    let mut items = Vec::new();
    for i in page.slice(&rows) {
        if let Some(r) = repos::by_id(&mut *conn, i.repo_id).await? {
            items.push(render(&mut conn, &cx.base, &r, &i).await?);
        }
    }
    Ok(Listing { items, total: rows.len() as i64, page, url: cx.url() }.into_response())
}

async fn mine(cx: &Cx, id: i64) -> GhResult<(AccountRow, InvitationRow, RepoRow)> {
    let me = cx.caller.require()?.clone();
    let inv = store::get(&*cx.db, id).await?.filter(|i| i.invitee_id == me.id).ok_or(GhError::NotFound)?;
    let r = repos::by_id(&*cx.db, inv.repo_id).await?.ok_or(GhError::NotFound)?;
    Ok((me, inv, r))
}

pub async fn accept(cx: Cx, Path(id): Path<i64>) -> Handler {
    let (me, inv, r) = mine(&cx, id).await?;
    if expired(&inv) {
        return Err(GhError::NotFound);
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    repos::set_collaborator(&mut tx, r.id, me.id, &inv.permissions).await?;
    store::delete(&mut *tx, inv.id).await?;
    tx.commit().await?;
    let payload =
        json!({ "action": "added", "member": objects::user_ref(&cx.base, &me), "changes": { "permission": { "to": inv.permissions } } });
    hooks::emit(&cx.ctx, &cx.db, &cx.base, &r, &me, "member", payload).await?;
    Ok(no_content())
}

pub async fn decline(cx: Cx, Path(id): Path<i64>) -> Handler {
    let (_, inv, _) = mine(&cx, id).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::delete(&mut *tx, inv.id).await?;
    tx.commit().await?;
    Ok(no_content())
}
