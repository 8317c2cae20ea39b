//! Organization teams (`/orgs/{org}/teams/{team_slug}/…` and the legacy
//! `/teams/{team_id}/…` paths, which PyGithub follows from a team's `url`):
//! teams, members and memberships, repositories, `GET /user/teams`, and
//! `GET /repos/{owner}/{repo}/teams`.

use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::{Cx, Handler, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::people;
use crate::model::repos::str_field;
use crate::model::teams::{self as tmodel, NOTIFICATIONS, PRIVACIES, REPO_PERMISSIONS};
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::people::{self as pstore, OrgInvitationRow};
use crate::store::repos;
use crate::store::teams::{self, TeamRow};
use crate::wire::{GhJson, Listing, now};

async fn org_row(cx: &Cx, org: &str) -> GhResult<AccountRow> {
    accounts::by_login(&*cx.db, org).await?.filter(|a| a.kind == "Organization").ok_or(GhError::NotFound)
}

async fn org_by_id(cx: &Cx, id: i64) -> GhResult<AccountRow> {
    accounts::by_id(&*cx.db, id).await?.ok_or(GhError::NotFound)
}

/// The team named by `/orgs/{org}/teams/{slug}` (None when there is none).
async fn by_slug(cx: &Cx, org: &str, slug: &str) -> GhResult<Option<TeamRow>> {
    let o = org_row(cx, org).await?;
    Ok(teams::by_slug(&*cx.db, o.id, slug).await?)
}

async fn by_id(cx: &Cx, id: &str) -> GhResult<Option<TeamRow>> {
    let Ok(id) = id.parse::<i64>() else { return Ok(None) };
    Ok(teams::by_id(&*cx.db, id).await?)
}

fn str_list(v: &Value, k: &str) -> GhResult<Vec<String>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(String::from)
                    .ok_or_else(|| GhError::Validation(vec![FieldError::custom("Team", k, format!("{k} is not an array of strings"))]))
            })
            .collect(),
        Some(_) => Err(GhError::Validation(vec![FieldError::custom("Team", k, format!("{k} is not an array"))])),
    }
}

fn one_of(v: &Value, k: &str, allowed: &[&str]) -> GhResult<Option<String>> {
    let got = str_field(v, k, "Team")?;
    if let Some(s) = &got
        && !allowed.contains(&s.as_str())
    {
        return Err(GhError::Validation(vec![FieldError::custom(
            "Team",
            k,
            format!("{k} is not included in the list ({})", allowed.join(", ")),
        )]));
    }
    Ok(got)
}

/// The parent team (`parent_team_id`), which must be a team of the same org.
async fn parent_of(cx: &Cx, v: &Value, org: i64) -> GhResult<Option<Option<i64>>> {
    match v.get("parent_team_id") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(x) => {
            let id = x.as_i64().ok_or_else(|| GhError::invalid("Team", "parent_team_id"))?;
            match teams::by_id(&*cx.db, id).await? {
                Some(p) if p.org_id == org => Ok(Some(Some(p.id))),
                _ => Err(GhError::Validation(vec![FieldError::custom(
                    "Team",
                    "parent_team_id",
                    "Parent team must be a team of this organization",
                )])),
            }
        }
    }
}

// ---- teams ----

pub async fn list(cx: Cx, Path(org): Path<String>) -> Handler {
    let me = cx.caller.require()?;
    let o = org_row(&cx, &org).await?;
    if accounts::member_role(&*cx.db, o.id, me.id).await?.is_none() {
        return Err(GhError::Forbidden("You must be a member of this organization to list its teams.".into()));
    }
    let mut out = Vec::new();
    for t in teams::of_org(&*cx.db, o.id).await? {
        let s = tmodel::standing(&cx.db, &cx.caller, &t).await?;
        if tmodel::visible(&s, &t) {
            out.push(tmodel::render(&cx.db, &cx.base, &o, &t).await?);
        }
    }
    Ok(Listing::of(out, cx.query.page()?, cx.url()).into_response())
}

pub async fn create(cx: Cx, Path(org): Path<String>, GhJson(v): GhJson<Value>) -> Handler {
    let me = cx.caller.require()?.clone();
    let o = org_row(&cx, &org).await?;
    if accounts::member_role(&*cx.db, o.id, me.id).await?.is_none() {
        return Err(GhError::Forbidden("You must be a member of this organization to create teams.".into()));
    }
    let name = str_field(&v, "name", "Team")?.ok_or_else(|| GhError::missing("Team", "name"))?;
    let slug = tmodel::slugify(&name);
    if slug.is_empty() {
        return Err(GhError::Validation(vec![FieldError::custom("Team", "name", "Name must contain a letter or a number")]));
    }
    let parent = parent_of(&cx, &v, o.id).await?.flatten();
    let privacy = one_of(&v, "privacy", PRIVACIES)?.unwrap_or_else(|| if parent.is_some() { "closed" } else { "secret" }.into());
    if parent.is_some() && privacy == "secret" {
        return Err(GhError::Validation(vec![FieldError::custom("Team", "privacy", "A nested team cannot be secret")]));
    }
    let notification_setting = one_of(&v, "notification_setting", NOTIFICATIONS)?.unwrap_or_else(|| "notifications_enabled".into());
    let permission = one_of(&v, "permission", &["pull", "push"])?.unwrap_or_else(|| "pull".into());
    let description = str_field(&v, "description", "Team")?;
    let maintainers = str_list(&v, "maintainers")?;
    let repo_names = str_list(&v, "repo_names")?;
    let mut maintainer_rows = Vec::new();
    for l in &maintainers {
        let u = accounts::by_login(&*cx.db, l).await?.filter(|a| a.kind == "User");
        match u {
            Some(u) => maintainer_rows.push(u),
            None => return Err(GhError::Validation(vec![FieldError::custom("Team", "maintainers", format!("{l} is not a valid user"))])),
        }
    }
    let mut repo_rows = Vec::new();
    for full in &repo_names {
        let (owner, name) = full.split_once('/').unwrap_or((o.login.as_str(), full.as_str()));
        match repos::by_name(&*cx.db, owner, name).await?.filter(|r| r.owner_id == o.id) {
            Some(r) => repo_rows.push(r),
            None => {
                return Err(GhError::Validation(vec![FieldError::custom(
                    "Team",
                    "repo_names",
                    format!("{full} is not a repository of {}", o.login),
                )]));
            }
        }
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if teams::by_slug(&mut *tx, o.id, &slug).await?.is_some() {
        return Err(GhError::Validation(vec![FieldError::custom("Team", "name", "Name must be unique for this org")]));
    }
    let at = now();
    let t = TeamRow {
        id: crate::store::next_id(&mut tx).await?,
        org_id: o.id,
        name,
        slug,
        description,
        privacy,
        notification_setting,
        permission: permission.clone(),
        parent_id: parent,
        created_at: at,
        updated_at: at,
    };
    teams::insert(&mut *tx, &t).await?;
    // The creator maintains the team unless maintainers are named.
    if maintainer_rows.is_empty() {
        teams::set_member(&mut tx, t.id, me.id, "maintainer").await?;
    }
    for u in &maintainer_rows {
        teams::set_member(&mut tx, t.id, u.id, "maintainer").await?;
    }
    for r in &repo_rows {
        teams::set_repo(&mut tx, t.id, r.id, &permission).await?;
    }
    tx.commit().await?;
    Ok(created(tmodel::render_full(&cx.db, &cx.base, &o, &t).await?))
}

async fn get_team(cx: Cx, t: Option<TeamRow>) -> Handler {
    let (t, _) = tmodel::seen(&cx.db, &cx.caller, t).await?;
    let o = org_by_id(&cx, t.org_id).await?;
    Ok(ok(tmodel::render_full(&cx.db, &cx.base, &o, &t).await?))
}

pub async fn get(cx: Cx, Path((org, slug)): Path<(String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    get_team(cx, t).await
}

pub async fn get_legacy(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = by_id(&cx, &id).await?;
    get_team(cx, t).await
}

async fn update_team(cx: Cx, t: Option<TeamRow>, v: Value) -> Handler {
    let (mut t, _) = tmodel::managed(&cx.db, &cx.caller, t).await?;
    let o = org_by_id(&cx, t.org_id).await?;
    if let Some(name) = str_field(&v, "name", "Team")? {
        let slug = tmodel::slugify(&name);
        if slug.is_empty() {
            return Err(GhError::Validation(vec![FieldError::custom("Team", "name", "Name must contain a letter or a number")]));
        }
        if let Some(other) = teams::by_slug(&*cx.db, o.id, &slug).await?
            && other.id != t.id
        {
            return Err(GhError::Validation(vec![FieldError::custom("Team", "name", "Name must be unique for this org")]));
        }
        t.name = name;
        t.slug = slug;
    }
    if v.get("description").is_some() {
        t.description = str_field(&v, "description", "Team")?;
    }
    if let Some(p) = one_of(&v, "privacy", PRIVACIES)? {
        t.privacy = p;
    }
    if let Some(n) = one_of(&v, "notification_setting", NOTIFICATIONS)? {
        t.notification_setting = n;
    }
    if let Some(p) = one_of(&v, "permission", &["pull", "push", "admin"])? {
        t.permission = p;
    }
    if let Some(parent) = parent_of(&cx, &v, o.id).await? {
        if parent == Some(t.id) {
            return Err(GhError::Validation(vec![FieldError::custom("Team", "parent_team_id", "A team cannot be its own parent")]));
        }
        t.parent_id = parent;
    }
    if t.parent_id.is_some() && t.privacy == "secret" {
        return Err(GhError::Validation(vec![FieldError::custom("Team", "privacy", "A nested team cannot be secret")]));
    }
    t.updated_at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    teams::update(&mut *tx, &t).await?;
    tx.commit().await?;
    Ok(ok(tmodel::render_full(&cx.db, &cx.base, &o, &t).await?))
}

pub async fn update(cx: Cx, Path((org, slug)): Path<(String, String)>, GhJson(v): GhJson<Value>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    update_team(cx, t, v).await
}

pub async fn update_legacy(cx: Cx, Path(id): Path<String>, GhJson(v): GhJson<Value>) -> Handler {
    let t = by_id(&cx, &id).await?;
    update_team(cx, t, v).await
}

async fn delete_team(cx: Cx, t: Option<TeamRow>) -> Handler {
    let (t, _) = tmodel::managed(&cx.db, &cx.caller, t).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    teams::delete(&mut tx, t.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn delete(cx: Cx, Path((org, slug)): Path<(String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    delete_team(cx, t).await
}

pub async fn delete_legacy(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = by_id(&cx, &id).await?;
    delete_team(cx, t).await
}

async fn child_teams(cx: Cx, t: Option<TeamRow>) -> Handler {
    let (t, _) = tmodel::seen(&cx.db, &cx.caller, t).await?;
    let o = org_by_id(&cx, t.org_id).await?;
    let mut out = Vec::new();
    for c in teams::children(&*cx.db, t.id).await? {
        out.push(tmodel::render(&cx.db, &cx.base, &o, &c).await?);
    }
    Ok(Listing::of(out, cx.query.page()?, cx.url()).into_response())
}

pub async fn children(cx: Cx, Path((org, slug)): Path<(String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    child_teams(cx, t).await
}

pub async fn children_legacy(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = by_id(&cx, &id).await?;
    child_teams(cx, t).await
}

pub async fn mine(cx: Cx) -> Handler {
    let me = cx.caller.require()?;
    let mut out = Vec::new();
    for t in teams::of_user(&*cx.db, me.id).await? {
        let o = org_by_id(&cx, t.org_id).await?;
        out.push(tmodel::render_full(&cx.db, &cx.base, &o, &t).await?);
    }
    Ok(Listing::of(out, cx.query.page()?, cx.url()).into_response())
}

/// `GET /repos/{owner}/{repo}/teams`: the teams with access to the repository.
pub async fn of_repo(cx: Cx, Path((owner, repo)): super::RepoPath) -> Handler {
    let (r, _) = access::repo(&cx.db, &cx.caller, &owner, &repo).await?;
    let mut out = Vec::new();
    for t in teams::of_repo(&*cx.db, r.id).await? {
        let o = org_by_id(&cx, t.org_id).await?;
        let mut v = tmodel::render(&cx.db, &cx.base, &o, &t).await?;
        if let Some(p) = teams::repo_permission(&*cx.db, t.id, r.id).await? {
            v["permission"] = p.into();
        }
        out.push(v);
    }
    Ok(Listing::of(out, cx.query.page()?, cx.url()).into_response())
}

// ---- members and memberships ----

async fn list_members(cx: Cx, t: Option<TeamRow>) -> Handler {
    let (t, _) = tmodel::seen(&cx.db, &cx.caller, t).await?;
    let role = match cx.query.get("role").unwrap_or("all") {
        "all" => None,
        r @ ("member" | "maintainer") => Some(r.to_string()),
        _ => return Err(GhError::invalid("Team", "role")),
    };
    let members = teams::members(&*cx.db, t.id).await?;
    let ids: Vec<i64> = members.iter().filter(|(_, r)| role.as_deref().is_none_or(|want| want == r)).map(|(id, _)| *id).collect();
    let mut conn = cx.db.acquire().await?;
    let rows = accounts::by_ids(&mut conn, &ids).await?;
    Ok(Listing::of(rows.iter().map(|a| objects::user_ref(&cx.base, a)).collect(), cx.query.page()?, cx.url()).into_response())
}

pub async fn members(cx: Cx, Path((org, slug)): Path<(String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    list_members(cx, t).await
}

pub async fn members_legacy(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = by_id(&cx, &id).await?;
    list_members(cx, t).await
}

/// `team-membership`: `state` is `active`, or `pending` while the user has
/// still to accept the org invitation that adds them to the team.
fn membership_json(cx: &Cx, t: &TeamRow, u: &AccountRow, role: &str, state: &str) -> Value {
    json!({ "url": format!("{}/teams/{}/memberships/{}", cx.base, t.id, u.login), "role": role, "state": state })
}

/// The open org invitation of `u` that would add them to `t`, if any.
async fn pending_invitation(conn: &mut sqlx::AnyConnection, t: &TeamRow, u: &AccountRow) -> GhResult<Option<OrgInvitationRow>> {
    let Some(i) = people::open_invitation(conn, t.org_id, u.id).await? else { return Ok(None) };
    Ok(pstore::invitation_teams(&mut *conn, i.id).await?.contains(&t.id).then_some(i))
}

async fn user_row(cx: &Cx, login: &str) -> GhResult<AccountRow> {
    accounts::by_login(&*cx.db, login).await?.filter(|a| a.kind == "User").ok_or(GhError::NotFound)
}

async fn get_membership(cx: Cx, t: Option<TeamRow>, user: String) -> Handler {
    cx.caller.require()?;
    let (t, _) = tmodel::seen(&cx.db, &cx.caller, t).await?;
    let u = user_row(&cx, &user).await?;
    if let Some(role) = teams::member_role(&*cx.db, t.id, u.id).await? {
        return Ok(ok(membership_json(&cx, &t, &u, &role, "active")));
    }
    let mut conn = cx.db.acquire().await?;
    pending_invitation(&mut conn, &t, &u).await?.ok_or(GhError::NotFound)?;
    Ok(ok(membership_json(&cx, &t, &u, "member", "pending")))
}

pub async fn membership(cx: Cx, Path((org, slug, user)): Path<(String, String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    get_membership(cx, t, user).await
}

pub async fn membership_legacy(cx: Cx, Path((id, user)): Path<(String, String)>) -> Handler {
    let t = by_id(&cx, &id).await?;
    get_membership(cx, t, user).await
}

/// Adds `user` to the team (or changes their role) when they belong to the
/// team's org. Someone outside it is invited to the org with the team (an
/// org owner must ask) and their membership stays `pending` until they accept;
/// `invite` false (the legacy add-member route) refuses them instead.
async fn put_membership(cx: &Cx, t: Option<TeamRow>, user: &str, role: Option<String>, invite: bool) -> GhResult<Value> {
    let (t, standing) = tmodel::managed(&cx.db, &cx.caller, t).await?;
    let u = user_row(cx, user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if accounts::member_role(&mut *tx, t.org_id, u.id).await?.is_some() {
        let current = teams::member_role(&mut *tx, t.id, u.id).await?;
        let role = role.or(current).unwrap_or_else(|| "member".into());
        teams::set_member(&mut tx, t.id, u.id, &role).await?;
        tx.commit().await?;
        return Ok(membership_json(cx, &t, &u, &role, "active"));
    }
    if !invite {
        return Err(GhError::Unprocessable(format!("{} is not a member of the team's organization", u.login)));
    }
    if standing.org_role.as_deref() != Some("admin") {
        return Err(GhError::Forbidden("You must be an organization owner to add someone outside the organization to a team.".into()));
    }
    if role.as_deref() == Some("maintainer") {
        // An org invitation carries its teams, not a role in each: the invitee joins them as `member`.
        return Err(GhError::NotImplemented {
            operation: "teams/add-or-update-membership-for-user-in-org with role maintainer for someone outside the organization".into(),
        });
    }
    let me = cx.caller.require()?.clone();
    let o = org_by_id(cx, t.org_id).await?;
    if let Some(open) = people::open_invitation(&mut tx, o.id, u.id).await? {
        pstore::add_invitation_team(&mut *tx, open.id, t.id).await?;
        tx.commit().await?;
    } else {
        let i = people::invite(&mut tx, &o, &me, Some(&u), None, "direct_member", &[t.id]).await?;
        tx.commit().await?;
        super::orgs::announce_invitation(cx, &o, &me, &i, Some(&u)).await?;
    }
    Ok(membership_json(cx, &t, &u, "member", "pending"))
}

fn role_of(body: &[u8]) -> GhResult<Option<String>> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    let v: Value = serde_json::from_slice(body).map_err(|_| GhError::BadJson)?;
    match str_field(&v, "role", "Team")? {
        None => Ok(None),
        Some(r) if r == "member" || r == "maintainer" => Ok(Some(r)),
        Some(_) => {
            Err(GhError::Validation(vec![FieldError::custom("Team", "role", "role is not included in the list (member, maintainer)")]))
        }
    }
}

pub async fn set_membership(cx: Cx, Path((org, slug, user)): Path<(String, String, String)>, body: axum::body::Bytes) -> Handler {
    let role = role_of(&body)?;
    let t = by_slug(&cx, &org, &slug).await?;
    Ok(ok(put_membership(&cx, t, &user, role, true).await?))
}

pub async fn set_membership_legacy(cx: Cx, Path((id, user)): Path<(String, String)>, body: axum::body::Bytes) -> Handler {
    let role = role_of(&body)?;
    let t = by_id(&cx, &id).await?;
    Ok(ok(put_membership(&cx, t, &user, role, true).await?))
}

async fn drop_membership(cx: &Cx, t: Option<TeamRow>, user: &str) -> Handler {
    let (t, _) = tmodel::managed(&cx.db, &cx.caller, t).await?;
    let u = user_row(cx, user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    teams::remove_member(&mut *tx, t.id, u.id).await?;
    // A pending membership is the team on an open org invitation: removing it
    // keeps the user out of the team when they accept.
    crate::store::people::remove_invitation_team(&mut *tx, t.org_id, u.id, t.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn remove_membership(cx: Cx, Path((org, slug, user)): Path<(String, String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    drop_membership(&cx, t, &user).await
}

pub async fn remove_membership_legacy(cx: Cx, Path((id, user)): Path<(String, String)>) -> Handler {
    let t = by_id(&cx, &id).await?;
    drop_membership(&cx, t, &user).await
}

/// `GET /teams/{id}/members/{username}` (legacy): 204 when a member, else 404.
pub async fn member_check_legacy(cx: Cx, Path((id, user)): Path<(String, String)>) -> Handler {
    let t = by_id(&cx, &id).await?;
    let (t, _) = tmodel::seen(&cx.db, &cx.caller, t).await?;
    let u = user_row(&cx, &user).await?;
    teams::member_role(&*cx.db, t.id, u.id).await?.ok_or(GhError::NotFound)?;
    Ok(no_content())
}

/// `PUT /teams/{id}/members/{username}` (legacy): adds an org member as
/// `member`, 204; someone outside the org is refused (422), as on GitHub.
pub async fn add_member_legacy(cx: Cx, Path((id, user)): Path<(String, String)>) -> Handler {
    let t = by_id(&cx, &id).await?;
    put_membership(&cx, t, &user, None, false).await?;
    Ok(no_content())
}

// ---- repositories ----

async fn list_repos(cx: Cx, t: Option<TeamRow>) -> Handler {
    let (t, _) = tmodel::seen(&cx.db, &cx.caller, t).await?;
    let all = teams::repos(&*cx.db, t.id).await?;
    let page = cx.query.page()?;
    let mut out = Vec::new();
    for (rid, perm) in page.slice(&all) {
        if let Some(r) = repos::by_id(&*cx.db, rid).await? {
            let mut v = objects::repo(&cx.base, &r, Some(Perm::parse(&perm)));
            v["role_name"] = Perm::parse(&perm).name().into();
            out.push(v);
        }
    }
    crate::model::repos::with_open_issues(&*cx.db, &mut out).await?;
    Ok(Listing { items: out, total: all.len() as i64, page, url: cx.url() }.into_response())
}

pub async fn repos_of(cx: Cx, Path((org, slug)): Path<(String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    list_repos(cx, t).await
}

pub async fn repos_legacy(cx: Cx, Path(id): Path<String>) -> Handler {
    let t = by_id(&cx, &id).await?;
    list_repos(cx, t).await
}

async fn check_repo(cx: Cx, t: Option<TeamRow>, owner: &str, repo: &str) -> Handler {
    let (t, _) = tmodel::seen(&cx.db, &cx.caller, t).await?;
    let r = repos::by_name(&*cx.db, owner, repo).await?.ok_or(GhError::NotFound)?;
    let perm = teams::repo_permission(&*cx.db, t.id, r.id).await?.ok_or(GhError::NotFound)?;
    if cx.wants("repository") {
        let mut v = objects::repo(&cx.base, &r, Some(Perm::parse(&perm)));
        v["role_name"] = Perm::parse(&perm).name().into();
        crate::model::repos::with_open_issues(&*cx.db, std::slice::from_mut(&mut v)).await?;
        return Ok(ok(v));
    }
    Ok(no_content())
}

pub async fn check_repo_in_org(cx: Cx, Path((org, slug, owner, repo)): Path<(String, String, String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    check_repo(cx, t, &owner, &repo).await
}

pub async fn check_repo_legacy(cx: Cx, Path((id, owner, repo)): Path<(String, String, String)>) -> Handler {
    let t = by_id(&cx, &id).await?;
    check_repo(cx, t, &owner, &repo).await
}

async fn put_repo(cx: Cx, t: Option<TeamRow>, owner: &str, repo: &str, body: &[u8]) -> Handler {
    let v: Value = if body.iter().all(|b| b.is_ascii_whitespace()) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|_| GhError::BadJson)?
    };
    let (t, _) = tmodel::managed(&cx.db, &cx.caller, t).await?;
    let (r, _) = access::repo_with(&cx.db, &cx.caller, owner, repo, Perm::Admin).await?;
    if r.owner_id != t.org_id {
        return Err(GhError::Validation(vec![FieldError::custom(
            "Team",
            "repository",
            "Repository must belong to the team's organization",
        )]));
    }
    let permission = match str_field(&v, "permission", "Team")? {
        None => t.permission.clone(),
        Some(p) if REPO_PERMISSIONS.contains(&p.as_str()) => p,
        Some(_) => {
            return Err(GhError::Validation(vec![FieldError::custom(
                "Team",
                "permission",
                format!("permission is not included in the list ({})", REPO_PERMISSIONS.join(", ")),
            )]));
        }
    };
    let mut tx = asym_store::begin_write(&cx.db).await?;
    teams::set_repo(&mut tx, t.id, r.id, &permission).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn add_repo(cx: Cx, Path((org, slug, owner, repo)): Path<(String, String, String, String)>, body: axum::body::Bytes) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    put_repo(cx, t, &owner, &repo, &body).await
}

pub async fn add_repo_legacy(cx: Cx, Path((id, owner, repo)): Path<(String, String, String)>, body: axum::body::Bytes) -> Handler {
    let t = by_id(&cx, &id).await?;
    put_repo(cx, t, &owner, &repo, &body).await
}

async fn drop_repo(cx: Cx, t: Option<TeamRow>, owner: &str, repo: &str) -> Handler {
    let (t, _) = tmodel::managed(&cx.db, &cx.caller, t).await?;
    let r = repos::by_name(&*cx.db, owner, repo).await?.ok_or(GhError::NotFound)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    teams::remove_repo(&mut *tx, t.id, r.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn remove_repo(cx: Cx, Path((org, slug, owner, repo)): Path<(String, String, String, String)>) -> Handler {
    let t = by_slug(&cx, &org, &slug).await?;
    drop_repo(cx, t, &owner, &repo).await
}

pub async fn remove_repo_legacy(cx: Cx, Path((id, owner, repo)): Path<(String, String, String)>) -> Handler {
    let t = by_id(&cx, &id).await?;
    drop_repo(cx, t, &owner, &repo).await
}
