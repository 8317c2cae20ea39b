//! Users, the authenticated user, organizations and their members, `/rate_limit`.

use axum::extract::Path;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cx, Handler, json as ok};
use crate::errors::{GhError, GhResult};
use crate::model::people as people_model;
use crate::model::ratelimit;
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::{people, repos};
use crate::wire::{GhJson, Listing, now};

async fn public_repo_count(cx: &Cx, id: i64) -> GhResult<(i64, i64)> {
    let rs = repos::of_owner(&*cx.db, id).await?;
    let private = rs.iter().filter(|r| r.private).count() as i64;
    Ok((rs.len() as i64 - private, private))
}

pub async fn me(cx: Cx) -> Handler {
    let me = cx.caller.require()?;
    let (public, private) = public_repo_count(&cx, me.id).await?;
    let follows = people::follow_counts(&*cx.db, me.id).await?;
    let mut v = objects::full_user(&cx.base, me, public, Some((private, private)), follows);
    gist_counts(&cx, me.id, &mut v, true).await?;
    Ok(ok(v))
}

/// The real `public_gists` (and, for the user themself, `private_gists`).
async fn gist_counts(cx: &Cx, id: i64, v: &mut Value, own: bool) -> GhResult<()> {
    let (public, secret) = crate::store::gists::counts_of(&*cx.db, id).await?;
    v["public_gists"] = public.into();
    if own {
        v["private_gists"] = secret.into();
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct ProfileEdit {
    name: Option<String>,
    email: Option<String>,
    blog: Option<String>,
    company: Option<String>,
    location: Option<String>,
    bio: Option<String>,
    #[allow(dead_code)]
    hireable: Option<bool>,
    #[allow(dead_code)]
    twitter_username: Option<String>,
    /// Organizations only.
    description: Option<String>,
    /// Organizations only: the members' base permission (`read`, `write`, `admin`, `none`).
    default_repository_permission: Option<String>,
}

pub async fn update_me(cx: Cx, GhJson(e): GhJson<ProfileEdit>) -> Handler {
    let mut me = cx.caller.require()?.clone();
    if let Some(v) = e.name {
        me.name = Some(v);
    }
    if let Some(v) = e.email {
        me.email = Some(v);
    }
    if let Some(v) = e.blog {
        me.blog = v;
    }
    if let Some(v) = e.company {
        me.company = Some(v);
    }
    if let Some(v) = e.location {
        me.location = Some(v);
    }
    if let Some(v) = e.bio {
        me.bio = Some(v);
    }
    me.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    accounts::update_profile(&mut *tx, &me).await?;
    tx.commit().await?;
    crate::model::access::forget_callers();
    let (public, private) = public_repo_count(&cx, me.id).await?;
    let follows = people::follow_counts(&*cx.db, me.id).await?;
    let mut v = objects::full_user(&cx.base, &me, public, Some((private, private)), follows);
    gist_counts(&cx, me.id, &mut v, true).await?;
    Ok(ok(v))
}

pub async fn my_orgs(cx: Cx) -> Handler {
    let me = cx.caller.require()?;
    let orgs = accounts::orgs_of(&*cx.db, me.id).await?;
    let page = cx.query.page()?;
    Ok(Listing::of(orgs.iter().map(|o| objects::org_simple(&cx.base, o)).collect(), page, cx.url()).into_response())
}

pub async fn orgs_of(cx: Cx, Path(user): Path<String>) -> Handler {
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    let orgs = accounts::orgs_of(&*cx.db, u.id).await?;
    let page = cx.query.page()?;
    Ok(Listing::of(orgs.iter().map(|o| objects::org_simple(&cx.base, o)).collect(), page, cx.url()).into_response())
}

/// `GET /users?since=&per_page=`: by id, paged by `since` as on GitHub.
pub async fn list(cx: Cx) -> Handler {
    let since: i64 = cx.query.get("since").map(|s| s.parse().map_err(|_| GhError::invalid("User", "since"))).transpose()?.unwrap_or(0);
    let page = cx.query.page()?;
    let rows = accounts::list_users(&*cx.db, since, page.per_page).await?;
    let items: Vec<Value> = rows.iter().map(|a| objects::user_ref(&cx.base, a)).collect();
    let mut resp = ok(Value::Array(items));
    if rows.len() as i64 == page.per_page
        && let Some(last) = rows.last()
        && let Ok(v) = format!("<{}/users?per_page={}&since={}>; rel=\"next\"", cx.base, page.per_page, last.id).parse()
    {
        resp.headers_mut().insert(axum::http::header::LINK, v);
    }
    Ok(resp)
}

pub async fn get(cx: Cx, Path(user): Path<String>) -> Handler {
    let a = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    Ok(ok(public_user(&cx, &a).await?))
}

/// `public-user` of any account, with its real repository and follow counts.
pub(super) async fn public_user(cx: &Cx, a: &AccountRow) -> GhResult<Value> {
    let (public, _) = public_repo_count(cx, a.id).await?;
    let follows = people::follow_counts(&*cx.db, a.id).await?;
    let mut v = objects::full_user(&cx.base, a, public, None, follows);
    if a.kind == "Organization" {
        v["type"] = Value::from("Organization");
    }
    gist_counts(cx, a.id, &mut v, false).await?;
    Ok(v)
}

async fn org_row(cx: &Cx, org: &str) -> GhResult<AccountRow> {
    accounts::by_login(&*cx.db, org).await?.filter(|a| a.kind == "Organization").ok_or(GhError::NotFound)
}

pub async fn org(cx: Cx, Path(org): Path<String>) -> Handler {
    let o = org_row(&cx, &org).await?;
    let (public, _) = public_repo_count(&cx, o.id).await?;
    let mut v = objects::org_full(&cx.base, &o, public);
    v["followers"] = people::follow_counts(&*cx.db, o.id).await?.0.into();
    owner_fields(&cx, &o, &mut v).await?;
    Ok(ok(v))
}

/// What only an organization's owners see of it (`default_repository_permission`).
async fn owner_fields(cx: &Cx, o: &AccountRow, v: &mut Value) -> GhResult<()> {
    let owner = match cx.caller.id() {
        Some(me) => accounts::member_role(&*cx.db, o.id, me).await?.as_deref() == Some("admin"),
        None => false,
    };
    if owner {
        v["default_repository_permission"] = accounts::default_repository_permission(&*cx.db, o.id).await?.into();
    }
    Ok(())
}

pub async fn org_members(cx: Cx, Path(org): Path<String>) -> Handler {
    let o = org_row(&cx, &org).await?;
    let role = match cx.query.get("role").unwrap_or("all") {
        "all" => None,
        r @ ("admin" | "member") => Some(r),
        _ => return Err(GhError::invalid("Membership", "role")),
    };
    let mut members = accounts::members(&*cx.db, o.id, role).await?;
    // Someone outside the org sees only its public members, as on GitHub.
    let insider = match cx.caller.id() {
        Some(me) => accounts::member_role(&*cx.db, o.id, me).await?.is_some(),
        None => false,
    };
    if !insider {
        let public: Vec<i64> = people::public_members(&*cx.db, o.id).await?.iter().map(|a| a.id).collect();
        members.retain(|a| public.contains(&a.id));
    }
    let page = cx.query.page()?;
    Ok(Listing::of(members.iter().map(|a| objects::user_ref(&cx.base, a)).collect(), page, cx.url()).into_response())
}

/// `GET /orgs/{org}/members/{username}`: 204 or 404 to the org's members; anyone
/// else (anonymous callers too) is sent to the public membership check with a 302.
pub async fn org_member_check(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let o = org_row(&cx, &org).await?;
    let insider = match cx.caller.id() {
        Some(me) => accounts::member_role(&*cx.db, o.id, me).await?.is_some(),
        None => false,
    };
    if !insider {
        let location = format!("{}/orgs/{}/public_members/{}", cx.base, o.login, objects::encode_segment(&user));
        return Ok((axum::http::StatusCode::FOUND, [(axum::http::header::LOCATION, location)]).into_response());
    }
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    match accounts::member_role(&*cx.db, o.id, u.id).await? {
        Some(_) => Ok(super::no_content()),
        None => Err(GhError::NotFound),
    }
}

pub async fn org_membership(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    cx.caller.require()?;
    let o = org_row(&cx, &org).await?;
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    let Some(role) = accounts::member_role(&*cx.db, o.id, u.id).await? else {
        // An open invitation is a `pending` membership.
        let invited = people::invitations_for(&*cx.db, u.id)
            .await?
            .into_iter()
            .find(|i| i.org_id == o.id && !crate::model::people::invitation_expired(i))
            .ok_or(GhError::NotFound)?;
        let role = crate::model::people::membership_role(&invited.role);
        return Ok(ok(crate::model::people::membership_json(&cx.base, &o, &u, "pending", role)));
    };
    Ok(ok(json!({
        "url": format!("{}/orgs/{}/memberships/{}", cx.base, o.login, u.login),
        "state": "active", "role": role,
        "organization_url": format!("{}/orgs/{}", cx.base, o.login),
        "organization": objects::org_simple(&cx.base, &o),
        "user": objects::user_ref(&cx.base, &u),
    })))
}

pub async fn rate_limit(cx: Cx) -> Handler {
    let core = ratelimit::peek(&*cx.ctx.kv, &cx.caller, "core").await;
    let search = ratelimit::peek(&*cx.ctx.kv, &cx.caller, "search").await;
    let code_search = ratelimit::peek(&*cx.ctx.kv, &cx.caller, "code_search").await;
    let r = |s: ratelimit::State| json!({ "limit": s.limit, "used": s.used, "remaining": (s.limit - s.used).max(0), "reset": s.reset, "resource": s.resource });
    let fixed = |name: &str, limit: i64| json!({ "limit": limit, "used": 0, "remaining": limit, "reset": now() + 3600, "resource": name });
    Ok(ok(json!({
        "resources": {
            "core": r(core), "search": r(search), "graphql": fixed("graphql", 5000),
            "integration_manifest": fixed("integration_manifest", 5000), "code_search": r(code_search),
        },
        "rate": r(core),
    })))
}

/// `GET /`: GitHub's hypermedia index.
pub async fn root(cx: Cx) -> Handler {
    let b = &cx.base;
    Ok(ok(json!({
        "current_user_url": format!("{b}/user"),
        "authorizations_url": format!("{b}/authorizations"),
        "emails_url": format!("{b}/user/emails"),
        "issue_search_url": format!("{b}/search/issues?q={{query}}{{&page,per_page,sort,order}}"),
        "issues_url": format!("{b}/issues"),
        "organization_url": format!("{b}/orgs/{{org}}"),
        "organization_repositories_url": format!("{b}/orgs/{{org}}/repos{{?type,page,per_page,sort}}"),
        "rate_limit_url": format!("{b}/rate_limit"),
        "repository_url": format!("{b}/repos/{{owner}}/{{repo}}"),
        "repository_search_url": format!("{b}/search/repositories?q={{query}}{{&page,per_page,sort,order}}"),
        "current_user_repositories_url": format!("{b}/user/repos{{?type,page,per_page,sort}}"),
        "user_url": format!("{b}/users/{{user}}"),
        "user_repositories_url": format!("{b}/users/{{user}}/repos{{?type,page,per_page,sort}}"),
    })))
}

/// The org, when the caller is one of its admins (owners).
async fn org_as_admin(cx: &Cx, org: &str) -> GhResult<AccountRow> {
    let me = cx.caller.require()?;
    let o = org_row(cx, org).await?;
    match accounts::member_role(&*cx.db, o.id, me.id).await?.as_deref() {
        Some("admin") => Ok(o),
        Some(_) => Err(GhError::Forbidden("You must be an organization owner to do that.".into())),
        None => Err(GhError::NotFound),
    }
}

pub async fn list_orgs(cx: Cx) -> Handler {
    let since: i64 =
        cx.query.get("since").map(|s| s.parse().map_err(|_| GhError::invalid("Organization", "since"))).transpose()?.unwrap_or(0);
    let page = cx.query.page()?;
    let rows = accounts::list_orgs(&*cx.db, since, page.per_page).await?;
    Ok(ok(Value::Array(rows.iter().map(|o| objects::org_simple(&cx.base, o)).collect())))
}

pub async fn update_org(cx: Cx, Path(org): Path<String>, GhJson(e): GhJson<ProfileEdit>) -> Handler {
    let mut o = org_as_admin(&cx, &org).await?;
    if let Some(v) = e.name {
        o.name = Some(v);
    }
    if let Some(v) = e.email {
        o.email = Some(v);
    }
    if let Some(v) = e.blog {
        o.blog = v;
    }
    if let Some(v) = e.company {
        o.company = Some(v);
    }
    if let Some(v) = e.location {
        o.location = Some(v);
    }
    if let Some(v) = e.bio.or(e.description) {
        o.bio = Some(v);
    }
    let base = e.default_repository_permission;
    if let Some(b) = &base
        && !matches!(b.as_str(), "read" | "write" | "admin" | "none")
    {
        return Err(GhError::invalid("Organization", "default_repository_permission"));
    }
    o.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    accounts::update_profile(&mut *tx, &o).await?;
    if let Some(b) = &base {
        accounts::set_default_repository_permission(&mut tx, o.id, b).await?;
    }
    tx.commit().await?;
    crate::model::access::forget_callers();
    let (public, _) = public_repo_count(&cx, o.id).await?;
    let mut v = objects::org_full(&cx.base, &o, public);
    v["followers"] = people::follow_counts(&*cx.db, o.id).await?.0.into();
    owner_fields(&cx, &o, &mut v).await?;
    Ok(ok(v))
}

#[derive(Deserialize)]
pub struct MembershipEdit {
    role: Option<String>,
}

/// `PUT /orgs/{org}/memberships/{username}`: a member's role changes at once;
/// anyone else is invited (an open invitation takes the new role) and their
/// membership stays `pending` until they accept it.
pub async fn set_membership(cx: Cx, Path((org, user)): Path<(String, String)>, GhJson(e): GhJson<MembershipEdit>) -> Handler {
    let o = org_as_admin(&cx, &org).await?;
    let me = cx.caller.require()?.clone();
    let u = accounts::by_login(&*cx.db, &user).await?.filter(|a| a.kind == "User").ok_or(GhError::NotFound)?;
    let role = e.role.unwrap_or_else(|| "member".into());
    if role != "admin" && role != "member" {
        return Err(GhError::invalid("Membership", "role"));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if accounts::member_role(&mut *tx, o.id, u.id).await?.is_some() {
        accounts::set_member(&mut tx, o.id, u.id, &role).await?;
        tx.commit().await?;
        return org_membership(cx, Path((org, user))).await;
    }
    let invitation_role = people_model::invitation_role(&role);
    if let Some(open) = people_model::open_invitation(&mut tx, o.id, u.id).await? {
        people::set_invitation_role(&mut *tx, open.id, invitation_role).await?;
        tx.commit().await?;
        return org_membership(cx, Path((org, user))).await;
    }
    let i = people_model::invite(&mut tx, &o, &me, Some(&u), None, invitation_role, &[]).await?;
    tx.commit().await?;
    super::orgs::announce_invitation(&cx, &o, &me, &i, Some(&u)).await?;
    org_membership(cx, Path((org, user))).await
}

pub async fn remove_member(cx: Cx, Path((org, user)): Path<(String, String)>) -> Handler {
    let o = org_as_admin(&cx, &org).await?;
    let u = accounts::by_login(&*cx.db, &user).await?.ok_or(GhError::NotFound)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let role = accounts::member_role(&mut *tx, o.id, u.id).await?;
    accounts::remove_member(&mut *tx, o.id, u.id).await?;
    // Leaving an org leaves its teams; a pending membership is a cancelled invitation.
    people::leave_teams(&mut *tx, o.id, u.id).await?;
    for i in people::invitations_for(&mut *tx, u.id).await? {
        if i.org_id == o.id {
            people::delete_invitation(&mut tx, i.id).await?;
        }
    }
    tx.commit().await?;
    if let (Some(role), Some(me)) = (role, cx.caller.user.as_ref()) {
        let membership = crate::model::people::membership_json(&cx.base, &o, &u, "active", &role);
        let payload = json!({ "action": "member_removed", "membership": membership });
        crate::model::hooks::emit_org(&cx.ctx, &cx.db, &cx.base, &o, me, "organization", payload).await?;
    }
    Ok(super::no_content())
}
