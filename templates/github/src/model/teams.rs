//! Organization teams: names and slugs, who may see and manage a team, and the
//! team objects GitHub renders (`team`, `team-simple`, `team-full`).

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{GhError, GhResult};
use crate::model::access::Caller;
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::teams::{self, TeamRow};
use crate::wire::{iso, node_id};

/// GitHub's slug of a team name: lower case, runs of anything but letters,
/// digits, `_` and `.` turned into one `-`, no leading or trailing `-`.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

pub const PRIVACIES: &[&str] = &["secret", "closed"];
pub const NOTIFICATIONS: &[&str] = &["notifications_enabled", "notifications_disabled"];
/// Repository permissions a team may be given.
pub const REPO_PERMISSIONS: &[&str] = &["pull", "triage", "push", "maintain", "admin"];

/// The caller's standing towards a team: org role and team role.
pub struct Standing {
    pub org_role: Option<String>,
    pub team_role: Option<String>,
}

impl Standing {
    pub fn may_manage(&self) -> bool {
        self.org_role.as_deref() == Some("admin") || self.team_role.as_deref() == Some("maintainer")
    }
}

pub async fn standing(db: &Pool, caller: &Caller, t: &TeamRow) -> GhResult<Standing> {
    let Some(uid) = caller.id() else { return Ok(Standing { org_role: None, team_role: None }) };
    Ok(Standing { org_role: accounts::member_role(db, t.org_id, uid).await?, team_role: teams::member_role(db, t.id, uid).await? })
}

/// Whether the caller may see the team: closed teams are visible to the org's
/// members, secret teams to org owners and the team's own members.
pub fn visible(s: &Standing, t: &TeamRow) -> bool {
    s.team_role.is_some() || s.org_role.as_deref() == Some("admin") || (t.privacy == "closed" && s.org_role.is_some())
}

/// The team when the caller may see it (404 otherwise, as on GitHub).
pub async fn seen(db: &Pool, caller: &Caller, t: Option<TeamRow>) -> GhResult<(TeamRow, Standing)> {
    let t = t.ok_or(GhError::NotFound)?;
    let s = standing(db, caller, &t).await?;
    if !visible(&s, &t) {
        return Err(GhError::NotFound);
    }
    Ok((t, s))
}

/// Like [`seen`], and the caller must be an org owner or a maintainer of the team.
pub async fn managed(db: &Pool, caller: &Caller, t: Option<TeamRow>) -> GhResult<(TeamRow, Standing)> {
    caller.require()?;
    let (t, s) = seen(db, caller, t).await?;
    if !s.may_manage() {
        return Err(GhError::Forbidden("You must be an organization owner or team maintainer to perform this action.".into()));
    }
    Ok((t, s))
}

pub fn url(base: &str, t: &TeamRow) -> String {
    format!("{base}/teams/{}", t.id)
}

/// `team-simple`.
pub fn simple(base: &str, org: &AccountRow, t: &TeamRow) -> Value {
    let u = url(base, t);
    json!({
        "id": t.id, "node_id": node_id("Team", t.id), "url": u,
        "html_url": format!("{base}/orgs/{}/teams/{}", org.login, t.slug),
        "name": t.name, "slug": t.slug, "description": t.description, "privacy": t.privacy,
        "notification_setting": t.notification_setting, "permission": t.permission,
        "members_url": format!("{u}/members{{/member}}"), "repositories_url": format!("{u}/repos"),
    })
}

/// `team` (with `parent` and `permissions`).
pub async fn render(db: &Pool, base: &str, org: &AccountRow, t: &TeamRow) -> GhResult<Value> {
    let mut v = simple(base, org, t);
    v["parent"] = match t.parent_id {
        Some(p) => match teams::by_id(db, p).await? {
            Some(pt) => simple(base, org, &pt),
            None => Value::Null,
        },
        None => Value::Null,
    };
    let p = t.permission.as_str();
    v["permissions"] = json!({
        "pull": true, "triage": p != "pull", "push": matches!(p, "push" | "maintain" | "admin"),
        "maintain": matches!(p, "maintain" | "admin"), "admin": p == "admin",
    });
    Ok(v)
}

/// `team-full` (counts, times and the organization).
pub async fn render_full(db: &Pool, base: &str, org: &AccountRow, t: &TeamRow) -> GhResult<Value> {
    let mut v = render(db, base, org, t).await?;
    let (members, repos) = teams::counts(db, t.id).await?;
    let public = crate::store::repos::of_owner(db, org.id).await?.iter().filter(|r| !r.private).count() as i64;
    v["members_count"] = members.into();
    v["repos_count"] = repos.into();
    v["created_at"] = iso(t.created_at).into();
    v["updated_at"] = iso(t.updated_at).into();
    v["organization"] = objects::org_full(base, org, public);
    if let Some(obj) = v.as_object_mut() {
        obj.remove("permissions");
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_as_github_makes_them() {
        assert_eq!(slugify("Justice League"), "justice-league");
        assert_eq!(slugify("  Core / Platform!! "), "core-platform");
        assert_eq!(slugify("team_v1.2"), "team_v1.2");
    }
}
