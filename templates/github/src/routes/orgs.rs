//! An organization's people: invitations (by user id or email, with a role and
//! teams; accepted by the invitee through their membership, expired after seven
//! days into the failed list), the authenticated user's org memberships,
//! outside collaborators (and converting a member into one), public
//! membership, and users blocked by the organization.
//!
//! Only the organization's owners manage invitations and blocks; anyone else
//! gets 404, as GitHub answers.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::Perm;
use crate::model::hooks;
use crate::model::people as model;
use crate::model::repos::{bool_field, str_field};
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::people::{self as store, OrgInvitationRow};
use crate::store::{repos, teams};
use crate::wire::{Listing, json_value, now};

pub(super) async fn org_row(cx: &Cx, org: &str) -> GhResult<AccountRow> {
    accounts::by_login(&*cx.db, org).await?.filter(|a| a.kind == "Organization").ok_or(GhError::NotFound)
}

/// The caller and the org, when the caller is one of its owners (404 otherwise).
pub(super) async fn as_owner(cx: &Cx, org: &str) -> GhResult<(AccountRow, AccountRow)> {
    let me = cx.caller.require()?.clone();
    let o = org_row(cx, org).await?;
    match accounts::member_role(&*cx.db, o.id, me.id).await?.as_deref() {
        Some("admin") => Ok((me, o)),
        _ => Err(GhError::NotFound),
    }
}

async fn user_row(cx: &Cx, login: &str) -> GhResult<AccountRow> {
    accounts::by_login(&*cx.db, login).await?.filter(|a| a.kind == "User").ok_or(GhError::NotFound)
}

fn invalid(field: &str, message: impl Into<String>) -> GhError {
    GhError::Validation(vec![FieldError::custom("OrganizationInvitation", field, message)])
}

async fn render_invitation(cx: &Cx, org: &AccountRow, i: &OrgInvitationRow) -> GhResult<Value> {
    let invitee = match i.invitee_id {
        Some(id) => accounts::by_id(&*cx.db, id).await?,
        None => None,
    };
    let inviter = accounts::by_id(&*cx.db, i.inviter_id).await?;
    let team_count = store::invitation_teams(&*cx.db, i.id).await?.len();
    Ok(model::invitation_json(&cx.base, org, i, invitee.as_ref(), inviter.as_ref(), team_count))
}

/// The account an email address belongs to (a verified address, or a profile address).
async fn owner_of_email(conn: &mut sqlx::AnyConnection, email: &str) -> GhResult<Option<AccountRow>> {
    if let Some(e) = store::email_by_address(&mut *conn, email).await?.filter(|e| e.verified) {
        return Ok(accounts::by_id(&mut *conn, e.user_id).await?);
    }
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE kind = 'User' AND lower(email) = lower($1)")
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match id {
        Some(id) => accounts::by_id(&mut *conn, id).await?,
        None => None,
    })
}

pub async fn create_invitation(cx: Cx, Path(org): Path<String>, body: Bytes) -> Handler {
    let (me, o) = as_owner(&cx, &org).await?;
    let v = json_value(&body).await?;
    let role = str_field(&v, "role", "OrganizationInvitation")?.unwrap_or_else(|| "direct_member".into());
    if !model::INVITATION_ROLES.contains(&role.as_str()) {
        return Err(GhError::invalid("OrganizationInvitation", "role"));
    }
    let invitee_id = match v.get("invitee_id") {
        None | Some(Value::Null) => None,
        Some(x) => Some(x.as_i64().ok_or_else(|| GhError::invalid("OrganizationInvitation", "invitee_id"))?),
    };
    let email = str_field(&v, "email", "OrganizationInvitation")?.map(|e| e.trim().to_string());
    let team_ids: Vec<i64> = match v.get("team_ids") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => {
            a.iter().map(|t| t.as_i64().ok_or_else(|| GhError::invalid("OrganizationInvitation", "team_ids"))).collect::<GhResult<_>>()?
        }
        Some(_) => return Err(GhError::invalid("OrganizationInvitation", "team_ids")),
    };
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let invitee = match (invitee_id, &email) {
        (Some(id), _) => Some(
            accounts::by_id(&mut *tx, id)
                .await?
                .filter(|a| a.kind == "User")
                .ok_or_else(|| invalid("invitee_id", format!("{id} is not a valid user id")))?,
        ),
        (None, Some(e)) => {
            if !model::valid_email(e) {
                return Err(invalid("email", format!("{e} is not a valid email address")));
            }
            owner_of_email(&mut tx, e).await?
        }
        (None, None) => return Err(invalid("invitee_id", "Either invitee_id or email must be given")),
    };
    let i = model::invite(&mut tx, &o, &me, invitee.as_ref(), email.as_deref(), &role, &team_ids).await?;
    tx.commit().await?;
    Ok(created(announce_invitation(&cx, &o, &me, &i, invitee.as_ref()).await?))
}

/// Renders a new invitation and sends the org's `member_invited` event.
pub(super) async fn announce_invitation(
    cx: &Cx,
    o: &AccountRow,
    me: &AccountRow,
    i: &OrgInvitationRow,
    invitee: Option<&AccountRow>,
) -> GhResult<Value> {
    let out = render_invitation(cx, o, i).await?;
    let mut payload = json!({ "action": "member_invited", "invitation": out.clone() });
    if let Some(u) = invitee {
        payload["user"] = objects::user_ref(&cx.base, u);
    }
    hooks::emit_org(&cx.ctx, &cx.db, &cx.base, o, me, "organization", payload).await?;
    Ok(out)
}

async fn list_invitations_where(cx: &Cx, org: &str, failed: bool) -> Handler {
    let (_, o) = as_owner(cx, org).await?;
    let role = cx.query.get("role").unwrap_or("all");
    if !matches!(role, "all" | "admin" | "direct_member" | "billing_manager" | "hiring_manager") {
        return Err(GhError::invalid("OrganizationInvitation", "role"));
    }
    // Every invitation of this clone comes from a member; none from SCIM.
    let source = cx.query.get("invitation_source").unwrap_or("all");
    if !matches!(source, "all" | "member" | "scim") {
        return Err(GhError::invalid("OrganizationInvitation", "invitation_source"));
    }
    let mut items = Vec::new();
    for i in store::invitations_of_org(&*cx.db, o.id).await? {
        if model::invitation_expired(&i) != failed || (role != "all" && i.role != role) || source == "scim" {
            continue;
        }
        items.push(render_invitation(cx, &o, &i).await?);
    }
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn list_invitations(cx: Cx, Path(org): Path<String>) -> Handler {
    list_invitations_where(&cx, &org, false).await
}

pub async fn failed_invitations(cx: Cx, Path(org): Path<String>) -> Handler {
    list_invitations_where(&cx, &org, true).await
}

pub async fn cancel_invitation(cx: Cx, Path((org, id)): Path<(String, i64)>) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let i = store::invitation(&mut *tx, o.id, id).await?.ok_or(GhError::NotFound)?;
    store::delete_invitation(&mut tx, i.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn invitation_teams(cx: Cx, Path((org, id)): Path<(String, i64)>) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let i = store::invitation(&*cx.db, o.id, id).await?.ok_or(GhError::NotFound)?;
    let mut items = Vec::new();
    for t in store::invitation_teams(&*cx.db, i.id).await? {
        if let Some(t) = teams::by_id(&*cx.db, t).await? {
            items.push(crate::model::teams::render(&cx.db, &cx.base, &o, &t).await?);
        }
    }
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

// the authenticated user's memberships

/// The caller's open (unexpired) invitation to `org`, if any.
async fn pending_for(cx: &Cx, me: &AccountRow, org: i64) -> GhResult<Option<OrgInvitationRow>> {
    let mut conn = cx.db.acquire().await?;
    model::open_invitation(&mut conn, org, me.id).await
}

pub async fn my_memberships(cx: Cx) -> Handler {
    let me = cx.caller.require()?.clone();
    let state = cx.query.get("state");
    if !matches!(state, None | Some("active") | Some("pending")) {
        return Err(GhError::invalid("Membership", "state"));
    }
    let mut items = Vec::new();
    if state != Some("pending") {
        for o in accounts::orgs_of(&*cx.db, me.id).await? {
            let role = accounts::member_role(&*cx.db, o.id, me.id).await?.unwrap_or_else(|| "member".into());
            items.push(model::membership_json(&cx.base, &o, &me, "active", &role));
        }
    }
    if state != Some("active") {
        for i in store::invitations_for(&*cx.db, me.id).await? {
            if model::invitation_expired(&i) {
                continue;
            }
            if let Some(o) = accounts::by_id(&*cx.db, i.org_id).await? {
                items.push(model::membership_json(&cx.base, &o, &me, "pending", model::membership_role(&i.role)));
            }
        }
    }
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn my_membership(cx: Cx, Path(org): Path<String>) -> Handler {
    let me = cx.caller.require()?.clone();
    let o = org_row(&cx, &org).await?;
    if let Some(role) = accounts::member_role(&*cx.db, o.id, me.id).await? {
        return Ok(ok(model::membership_json(&cx.base, &o, &me, "active", &role)));
    }
    let i = pending_for(&cx, &me, o.id).await?.ok_or(GhError::NotFound)?;
    Ok(ok(model::membership_json(&cx.base, &o, &me, "pending", model::membership_role(&i.role))))
}

/// `PATCH /user/memberships/orgs/{org}` `{"state": "active"}`: accepts the
/// caller's invitation; they join the org with its role and its teams.
pub async fn update_my_membership(cx: Cx, Path(org): Path<String>, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let o = org_row(&cx, &org).await?;
    let v = json_value(&body).await?;
    match str_field(&v, "state", "Membership")?.as_deref() {
        Some("active") => {}
        None => return Err(GhError::missing("Membership", "state")),
        Some(_) => return Err(GhError::invalid("Membership", "state")),
    }
    if let Some(role) = accounts::member_role(&*cx.db, o.id, me.id).await? {
        return Ok(ok(model::membership_json(&cx.base, &o, &me, "active", &role)));
    }
    let i = pending_for(&cx, &me, o.id).await?.ok_or(GhError::NotFound)?;
    let role = model::membership_role(&i.role);
    let mut tx = asym_store::begin_write(&cx.db).await?;
    accounts::set_member(&mut tx, o.id, me.id, role).await?;
    for t in store::invitation_teams(&mut *tx, i.id).await? {
        if teams::by_id(&mut *tx, t).await?.is_some() && teams::member_role(&mut *tx, t, me.id).await?.is_none() {
            teams::set_member(&mut tx, t, me.id, "member").await?;
        }
    }
    for other in store::invitations_for(&mut *tx, me.id).await? {
        if other.org_id == o.id {
            store::delete_invitation(&mut tx, other.id).await?;
        }
    }
    tx.commit().await?;
    let membership = model::membership_json(&cx.base, &o, &me, "active", role);
    let payload = json!({ "action": "member_added", "membership": membership.clone() });
    hooks::emit_org(&cx.ctx, &cx.db, &cx.base, &o, &me, "organization", payload).await?;
    Ok(ok(membership))
}

// outside collaborators

pub async fn outside_collaborators(cx: Cx, Path(org): Path<String>) -> Handler {
    let me = cx.caller.require()?.clone();
    let o = org_row(&cx, &org).await?;
    accounts::member_role(&*cx.db, o.id, me.id).await?.ok_or(GhError::NotFound)?;
    // No account of this clone has two-factor authentication: `2fa_disabled`
    // is everyone, `2fa_insecure` (insecure 2FA methods) no one.
    let rows = match cx.query.get("filter").unwrap_or("all") {
        "all" | "2fa_disabled" => store::outside_collaborators(&*cx.db, o.id).await?,
        "2fa_insecure" => vec![],
        _ => return Err(GhError::invalid("User", "filter")),
    };
    let items = rows.iter().map(|a| objects::user_ref(&cx.base, a)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

/// Converts a member into an outside collaborator: they leave the org and its
/// teams, keeping (as a collaborator) the repository access their teams gave.
pub async fn convert_member(cx: Cx, Path((org, user)): Path<(String, String)>, body: Bytes) -> Handler {
    let (me, o) = as_owner(&cx, &org).await?;
    let u = user_row(&cx, &user).await?;
    let v = json_value(&body).await?;
    let asynchronous = bool_field(&v, "async")?.unwrap_or(false);
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let role = accounts::member_role(&mut *tx, o.id, u.id)
        .await?
        .ok_or_else(|| GhError::Forbidden(format!("{} is not a member of the {} organization.", u.login, o.login)))?;
    if role == "admin" && accounts::members(&mut *tx, o.id, Some("admin")).await?.len() <= 1 {
        return Err(GhError::Forbidden("Cannot convert the last owner to an outside collaborator".into()));
    }
    for t in teams::of_user(&mut *tx, u.id).await?.into_iter().filter(|t| t.org_id == o.id) {
        for (repo, perm) in teams::repos(&mut *tx, t.id).await? {
            let current = repos::collaborator_permission(&mut *tx, repo, u.id).await?;
            if current.as_deref().map(Perm::parse).unwrap_or(Perm::None) < Perm::parse(&perm) {
                repos::set_collaborator(&mut tx, repo, u.id, &perm).await?;
            }
        }
    }
    store::leave_teams(&mut *tx, o.id, u.id).await?;
    store::conceal(&mut *tx, o.id, u.id).await?;
    accounts::remove_member(&mut *tx, o.id, u.id).await?;
    tx.commit().await?;
    let membership = model::membership_json(&cx.base, &o, &u, "active", &role);
    let payload = json!({ "action": "member_removed", "membership": membership });
    hooks::emit_org(&cx.ctx, &cx.db, &cx.base, &o, &me, "organization", payload).await?;
    if asynchronous {
        return Ok((StatusCode::ACCEPTED, axum::Json(json!({}))).into_response());
    }
    Ok(no_content())
}

pub async fn remove_outside_collaborator(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let u = user_row(&cx, &user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if accounts::member_role(&mut *tx, o.id, u.id).await?.is_some() {
        return Err(GhError::Unprocessable("You cannot specify an organization member to remove as an outside collaborator.".into()));
    }
    store::remove_collaborations(&mut *tx, o.id, u.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

// public membership

pub async fn public_members(cx: Cx, Path(org): Path<String>) -> Handler {
    let o = org_row(&cx, &org).await?;
    let items = store::public_members(&*cx.db, o.id).await?.iter().map(|a| objects::user_ref(&cx.base, a)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn check_public_member(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let o = org_row(&cx, &org).await?;
    let u = user_row(&cx, &user).await?;
    if store::public_members(&*cx.db, o.id).await?.iter().any(|a| a.id == u.id) { Ok(no_content()) } else { Err(GhError::NotFound) }
}

/// Only a member may publicize (or conceal) their own membership.
async fn own_membership(cx: &Cx, org: &str, user: &str) -> GhResult<(AccountRow, AccountRow)> {
    let me = cx.caller.require()?.clone();
    let o = org_row(cx, org).await?;
    let u = user_row(cx, user).await?;
    if u.id != me.id {
        return Err(GhError::Forbidden("You can only change the visibility of your own membership.".into()));
    }
    accounts::member_role(&*cx.db, o.id, me.id).await?.ok_or(GhError::NotFound)?;
    Ok((me, o))
}

pub async fn publicize(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let (me, o) = own_membership(&cx, &org, &user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::publicize(&mut *tx, o.id, me.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn conceal(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let (me, o) = own_membership(&cx, &org, &user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::conceal(&mut *tx, o.id, me.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

// blocks

pub async fn list_blocks(cx: Cx, Path(org): Path<String>) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let items = store::blocks_of(&*cx.db, o.id).await?.iter().map(|a| objects::user_ref(&cx.base, a)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn check_block(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let u = user_row(&cx, &user).await?;
    if store::blocked(&*cx.db, o.id, u.id).await? { Ok(no_content()) } else { Err(GhError::NotFound) }
}

/// Blocks a user from the org; their open invitations to it are cancelled.
pub async fn block(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let u = user_row(&cx, &user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if accounts::member_role(&mut *tx, o.id, u.id).await?.is_some() {
        return Err(GhError::Validation(vec![FieldError::custom("Block", "login", "Blocked user is a member of this organization")]));
    }
    store::block(&mut *tx, o.id, u.id, now()).await?;
    for i in store::invitations_for(&mut *tx, u.id).await? {
        if i.org_id == o.id {
            store::delete_invitation(&mut tx, i.id).await?;
        }
    }
    tx.commit().await?;
    Ok(no_content())
}

pub async fn unblock(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let (_, o) = as_owner(&cx, &org).await?;
    let u = user_row(&cx, &user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::unblock(&mut *tx, o.id, u.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

// a team's pending invitations

/// Open invitations that would add their invitee to `t`; for the org's owners
/// and the team's maintainers.
async fn team_invitations(cx: &Cx, t: Option<teams::TeamRow>) -> Handler {
    let (t, _) = crate::model::teams::managed(&cx.db, &cx.caller, t).await?;
    let o = accounts::by_id(&*cx.db, t.org_id).await?.ok_or(GhError::NotFound)?;
    let mut items = Vec::new();
    for i in store::invitations_of_org(&*cx.db, o.id).await? {
        if !model::invitation_expired(&i) && store::invitation_teams(&*cx.db, i.id).await?.contains(&t.id) {
            items.push(render_invitation(cx, &o, &i).await?);
        }
    }
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn team_invitations_in_org(cx: Cx, Path((org, slug)): Path<(String, String)>) -> Handler {
    let o = org_row(&cx, &org).await?;
    let t = teams::by_slug(&*cx.db, o.id, &slug).await?;
    team_invitations(&cx, t).await
}

pub async fn team_invitations_legacy(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = match id.parse::<i64>() {
        Ok(id) => teams::by_id(&*cx.db, id).await?,
        Err(_) => None,
    };
    team_invitations(&cx, t).await
}
