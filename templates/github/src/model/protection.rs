//! Branch protection (GitHub's classic protected branches): the settings a
//! repository admin writes with `PUT …/branches/{b}/protection` and its
//! sub-resources, rendered as GitHub renders them, and their effect — a merge
//! or a push to the branch is refused with GitHub's message when the rules are
//! not met. Admins are exempt unless `enforce_admins`; force pushes and
//! deletions are refused for everyone unless allowed.

use std::collections::{HashMap, HashSet};

use asym_store::Pool;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{FieldError, GhError, GhResult};
use crate::git;
use crate::model::access::{self, Caller, Perm};
use crate::model::{checks, gitdb, teams as tmodel};
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::issues::IssueRow;
use crate::store::protection::{self as store, ProtectionRow};
use crate::store::pulls::{self as pstore, PullRow};
use crate::store::repos::RepoRow;
use crate::store::{statuses, teams};

/// Required status checks: `strict` (the head must contain the base) and the contexts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StatusChecks {
    pub strict: bool,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Check {
    pub context: String,
    /// `None`: any source; `Some(APP_ID)`: only the clone's checks app.
    pub app_id: Option<i64>,
}

/// Users, teams (ids) and apps (slugs): push restrictions, dismissal
/// restrictions, pull request bypass allowances.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Actors {
    pub users: Vec<i64>,
    pub teams: Vec<i64>,
    pub apps: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Reviews {
    pub count: i64,
    pub dismiss_stale: bool,
    pub code_owners: bool,
    pub last_push: bool,
    pub dismissal: Option<Actors>,
    pub bypass: Option<Actors>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Protection {
    pub status_checks: Option<StatusChecks>,
    pub enforce_admins: bool,
    pub reviews: Option<Reviews>,
    pub restrictions: Option<Actors>,
    pub signatures: bool,
    pub linear_history: bool,
    pub force_pushes: bool,
    pub deletions: bool,
    pub block_creations: bool,
    pub conversation_resolution: bool,
    pub lock_branch: bool,
    pub fork_syncing: bool,
}

pub fn not_protected() -> GhError {
    GhError::NotFoundMsg("Branch not protected".into())
}

pub async fn load(db: &Pool, repo: i64, branch: &str) -> GhResult<Option<Protection>> {
    Ok(store::get(db, repo, branch).await?.and_then(|row| serde_json::from_str(&row.config).ok()))
}

/// The stored rule of a branch: its row and settings.
pub async fn load_row(conn: &mut AnyConnection, repo: i64, branch: &str) -> GhResult<Option<(ProtectionRow, Protection)>> {
    Ok(store::get(&mut *conn, repo, branch).await?.and_then(|row| serde_json::from_str(&row.config).ok().map(|p| (row, p))))
}

/// Writes the settings (a new rule gets an id); returns the row as stored.
pub async fn save(conn: &mut AnyConnection, repo: i64, branch: &str, p: &Protection) -> GhResult<ProtectionRow> {
    let config = serde_json::to_string(p).map_err(|e| GhError::Internal(e.to_string()))?;
    let now = crate::wire::now();
    let row = match store::get(&mut *conn, repo, branch).await? {
        Some(old) => ProtectionRow { config, updated_at: now, ..old },
        None => ProtectionRow {
            repo_id: repo,
            branch: branch.to_string(),
            id: crate::store::next_id(conn).await?,
            config,
            created_at: now,
            updated_at: now,
        },
    };
    store::put(&mut *conn, &row).await?;
    Ok(row)
}

/// The `rule` of a `branch_protection_rule` webhook.
pub async fn rule_json(db: &Pool, r: &RepoRow, row: &ProtectionRow, p: &Protection) -> GhResult<Value> {
    let level = |on: bool| {
        if !on {
            "off"
        } else if p.enforce_admins {
            "everyone"
        } else {
            "non_admins"
        }
    };
    let allowed = |on: bool| if on { "everyone" } else { "off" };
    let rv = p.reviews.clone().unwrap_or_default();
    let actors = match &p.restrictions {
        Some(a) => {
            let mut conn = db.acquire().await?;
            accounts::by_ids(&mut conn, &a.users).await?.into_iter().map(|u| u.login).collect::<Vec<_>>()
        }
        None => vec![],
    };
    Ok(json!({
        "id": row.id, "repository_id": r.id, "name": row.branch,
        "created_at": crate::wire::iso(row.created_at), "updated_at": crate::wire::iso(row.updated_at),
        "pull_request_reviews_enforcement_level": level(p.reviews.is_some()),
        "required_approving_review_count": rv.count,
        "dismiss_stale_reviews_on_push": rv.dismiss_stale,
        "require_code_owner_review": rv.code_owners,
        "authorized_dismissal_actors_only": rv.dismissal.is_some(),
        "ignore_approvals_from_contributors": false,
        "require_last_push_approval": rv.last_push,
        "required_status_checks": p.status_checks.as_ref().map(|s| s.checks.iter().map(|c| c.context.clone()).collect::<Vec<_>>()).unwrap_or_default(),
        "required_status_checks_enforcement_level": level(p.status_checks.is_some()),
        "strict_required_status_checks_policy": p.status_checks.as_ref().is_some_and(|s| s.strict),
        "signature_requirement_enforcement_level": level(p.signatures),
        "linear_history_requirement_enforcement_level": level(p.linear_history),
        "admin_enforced": p.enforce_admins,
        "allow_force_pushes_enforcement_level": allowed(p.force_pushes),
        "allow_deletions_enforcement_level": allowed(p.deletions),
        "merge_queue_enforcement_level": "off",
        "required_deployments_enforcement_level": "off",
        "required_conversation_resolution_level": level(p.conversation_resolution),
        "authorized_actors_only": p.restrictions.is_some(),
        "authorized_actor_names": actors,
        "lock_branch_enforcement_level": level(p.lock_branch),
        "lock_allows_fork_sync": p.fork_syncing,
        "create_protected": p.block_creations,
    }))
}

/// `changes` of an `edited` rule: the previous value of each field that changed.
pub fn changes(old: &Value, new: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let (Some(o), Some(n)) = (old.as_object(), new.as_object()) {
        for (k, v) in o {
            if k != "updated_at" && n.get(k) != Some(v) {
                out.insert(k.clone(), json!({ "from": v }));
            }
        }
    }
    Value::Object(out)
}

// ---- parsing ----

fn wrong_type(field: &str, got: &Value, ty: &str) -> GhError {
    checks::invalid(format!("For 'properties/{field}', {got} is not {ty}."))
}

fn opt_bool(v: &Value, field: &str) -> GhResult<Option<bool>> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(wrong_type(field, other, "a boolean")),
    }
}

fn strings(v: &Value, field: &str) -> GhResult<Vec<String>> {
    match v {
        Value::Array(a) => {
            a.iter().map(|x| x.as_str().map(String::from).ok_or_else(|| wrong_type(field, x, "a string"))).collect::<GhResult<_>>()
        }
        other => Err(wrong_type(field, other, "an array")),
    }
}

/// `{strict, contexts | checks}`; a PATCH keeps what it does not send.
pub fn parse_status_checks(v: &Value, prev: Option<&StatusChecks>, patch: bool) -> GhResult<StatusChecks> {
    if !v.is_object() {
        return Err(wrong_type("required_status_checks", v, "an object"));
    }
    let strict = match (opt_bool(v, "strict")?, prev) {
        (Some(s), _) => s,
        (None, Some(p)) if patch => p.strict,
        (None, _) if patch => false,
        (None, _) => return Err(checks::invalid("\"strict\" wasn't supplied.")),
    };
    let checks_ = match (v.get("checks"), v.get("contexts")) {
        (Some(Value::Array(items)), _) => {
            let mut out = Vec::new();
            for c in items {
                let context =
                    c.get("context").and_then(Value::as_str).ok_or_else(|| checks::invalid("\"context\" wasn't supplied."))?.to_string();
                let app_id = match c.get("app_id") {
                    None | Some(Value::Null) => None,
                    Some(Value::Number(n)) if n.as_i64() == Some(-1) => None,
                    Some(Value::Number(n)) if n.as_i64() == Some(checks::APP_ID) => Some(checks::APP_ID),
                    Some(other) => {
                        return Err(GhError::Validation(vec![FieldError::custom(
                            "ProtectedBranch",
                            "app_id",
                            format!("No GitHub App with id {other} is installed on this repository"),
                        )]));
                    }
                };
                out.push(Check { context, app_id });
            }
            out
        }
        (Some(other), _) if !other.is_null() => return Err(wrong_type("checks", other, "an array")),
        (_, Some(c)) if !c.is_null() => strings(c, "contexts")?.into_iter().map(|context| Check { context, app_id: None }).collect(),
        _ => match prev {
            Some(p) if patch => p.checks.clone(),
            _ if patch => vec![],
            _ => return Err(checks::invalid("\"contexts\" wasn't supplied.")),
        },
    };
    let mut seen = HashSet::new();
    let checks_ = checks_.into_iter().filter(|c| seen.insert(c.context.clone())).collect();
    Ok(StatusChecks { strict, checks: checks_ })
}

/// Resolves `{users, teams, apps}` of logins, team slugs and app slugs.
pub async fn parse_actors(db: &Pool, r: &RepoRow, v: &Value, field: &str, need_users_teams: bool) -> GhResult<Actors> {
    if !v.is_object() {
        return Err(wrong_type(field, v, "an object"));
    }
    let mut out = Actors::default();
    for key in ["users", "teams", "apps"] {
        let list = match v.get(key) {
            None | Some(Value::Null) if need_users_teams && key != "apps" => {
                return Err(checks::invalid(format!("\"{key}\" wasn't supplied.")));
            }
            None | Some(Value::Null) => vec![],
            Some(x) => strings(x, key)?,
        };
        match key {
            "users" => out.users = resolve_users(db, &list).await?,
            "teams" => out.teams = resolve_teams(db, r, &list).await?,
            _ => out.apps = resolve_apps(&list)?,
        }
    }
    Ok(out)
}

pub async fn resolve_users(db: &Pool, logins: &[String]) -> GhResult<Vec<i64>> {
    let mut ids = Vec::new();
    for l in logins {
        match accounts::by_login(db, l).await? {
            Some(a) if a.kind == "User" => {
                if !ids.contains(&a.id) {
                    ids.push(a.id)
                }
            }
            _ => {
                return Err(GhError::Validation(vec![FieldError::custom(
                    "ProtectedBranch",
                    "users",
                    format!("Could not resolve to a User with the login of '{l}'."),
                )]));
            }
        }
    }
    Ok(ids)
}

pub async fn resolve_teams(db: &Pool, r: &RepoRow, slugs: &[String]) -> GhResult<Vec<i64>> {
    let mut ids = Vec::new();
    for s in slugs {
        match teams::by_slug(db, r.owner_id, s).await? {
            Some(t) => {
                if !ids.contains(&t.id) {
                    ids.push(t.id)
                }
            }
            None => {
                return Err(GhError::Validation(vec![FieldError::custom(
                    "ProtectedBranch",
                    "teams",
                    format!("Could not resolve to a Team with the slug of '{s}'."),
                )]));
            }
        }
    }
    Ok(ids)
}

/// Only the clone's one app (the checks app) exists; any other slug is refused.
pub fn resolve_apps(slugs: &[String]) -> GhResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for s in slugs {
        if s != checks::APP_SLUG {
            return Err(GhError::Validation(vec![FieldError::custom(
                "ProtectedBranch",
                "apps",
                format!("Could not resolve to an App with the slug of '{s}'."),
            )]));
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    Ok(out)
}

fn org_only(r: &RepoRow, what: &str) -> GhResult<()> {
    if r.owner_kind == "Organization" { Ok(()) } else { Err(GhError::Unprocessable(what.into())) }
}

pub const ORG_ONLY_RESTRICTIONS: &str = "Only organization repositories can have users and team restrictions";

/// `required_pull_request_reviews`; a PATCH keeps what it does not send.
pub async fn parse_reviews(db: &Pool, r: &RepoRow, v: &Value, prev: Option<&Reviews>) -> GhResult<Reviews> {
    if !v.is_object() {
        return Err(wrong_type("required_pull_request_reviews", v, "an object"));
    }
    let mut out = prev.cloned().unwrap_or(Reviews { count: 1, ..Reviews::default() });
    if prev.is_none() {
        out.count = 1;
    }
    match v.get("required_approving_review_count") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => {
            let n = n.as_i64().ok_or_else(|| wrong_type("required_approving_review_count", &json!(n), "an integer"))?;
            if !(0..=6).contains(&n) {
                return Err(GhError::Unprocessable(
                    "Invalid request.\n\nrequired_approving_review_count must be greater than or equal to 0 and less than or equal to 6."
                        .into(),
                ));
            }
            out.count = n;
        }
        Some(other) => return Err(wrong_type("required_approving_review_count", other, "an integer")),
    }
    if let Some(b) = opt_bool(v, "dismiss_stale_reviews")? {
        out.dismiss_stale = b;
    }
    if let Some(b) = opt_bool(v, "require_code_owner_reviews")? {
        out.code_owners = b;
    }
    if let Some(b) = opt_bool(v, "require_last_push_approval")? {
        out.last_push = b;
    }
    if let Some(d) = v.get("dismissal_restrictions").filter(|d| !d.is_null()) {
        org_only(r, "Dismissal restrictions are supported only for repositories owned by an organization.")?;
        let a = parse_actors(db, r, d, "dismissal_restrictions", false).await?;
        out.dismissal = Some(a);
    }
    if let Some(d) = v.get("bypass_pull_request_allowances").filter(|d| !d.is_null()) {
        org_only(r, "Bypass allowances are supported only for repositories owned by an organization.")?;
        let a = parse_actors(db, r, d, "bypass_pull_request_allowances", false).await?;
        out.bypass = Some(a);
    }
    Ok(out)
}

/// The body of `PUT …/protection`: the four nullable settings are required.
pub async fn parse_put(db: &Pool, r: &RepoRow, v: &Value) -> GhResult<Protection> {
    if !v.is_object() {
        return Err(checks::invalid("Body should be a JSON object"));
    }
    for key in ["required_status_checks", "enforce_admins", "required_pull_request_reviews", "restrictions"] {
        if v.get(key).is_none() {
            return Err(checks::invalid(format!("\"{key}\" wasn't supplied.")));
        }
    }
    let mut p = Protection {
        status_checks: match &v["required_status_checks"] {
            Value::Null => None,
            s => Some(parse_status_checks(s, None, false)?),
        },
        enforce_admins: opt_bool(v, "enforce_admins")?.unwrap_or(false),
        reviews: match &v["required_pull_request_reviews"] {
            Value::Null => None,
            s => Some(parse_reviews(db, r, s, None).await?),
        },
        restrictions: match &v["restrictions"] {
            Value::Null => None,
            s => {
                org_only(r, ORG_ONLY_RESTRICTIONS)?;
                Some(parse_actors(db, r, s, "restrictions", true).await?)
            }
        },
        ..Protection::default()
    };
    p.linear_history = opt_bool(v, "required_linear_history")?.unwrap_or(false);
    p.force_pushes = opt_bool(v, "allow_force_pushes")?.unwrap_or(false);
    p.deletions = opt_bool(v, "allow_deletions")?.unwrap_or(false);
    p.block_creations = opt_bool(v, "block_creations")?.unwrap_or(false);
    p.conversation_resolution = opt_bool(v, "required_conversation_resolution")?.unwrap_or(false);
    p.lock_branch = opt_bool(v, "lock_branch")?.unwrap_or(false);
    p.fork_syncing = opt_bool(v, "allow_fork_syncing")?.unwrap_or(false);
    // Neither could change anything here (branch creation is not restricted by
    // push restrictions, and forks are never synced from upstream), so turning
    // one on is refused rather than stored and ignored.
    for (field, on) in [("block_creations", p.block_creations), ("allow_fork_syncing", p.fork_syncing)] {
        if on {
            return Err(GhError::Validation(vec![FieldError::custom(
                "ProtectedBranch",
                field,
                format!("{field}: true is not built in this clone"),
            )]));
        }
    }
    Ok(p)
}

// ---- rendering ----

pub fn url(base: &str, r: &RepoRow, branch: &str) -> String {
    format!("{base}/repos/{}/branches/{}/protection", r.full_name(), objects::encode_segment(branch))
}

pub fn render_status_checks(u: &str, s: &StatusChecks) -> Value {
    let u = format!("{u}/required_status_checks");
    json!({
        "url": u, "strict": s.strict,
        "contexts": s.checks.iter().map(|c| c.context.clone()).collect::<Vec<_>>(),
        "contexts_url": format!("{u}/contexts"),
        "checks": s.checks.iter().map(|c| json!({ "context": c.context, "app_id": c.app_id })).collect::<Vec<_>>(),
    })
}

pub async fn users_json(db: &Pool, base: &str, ids: &[i64]) -> GhResult<Vec<Value>> {
    let mut conn = db.acquire().await?;
    let rows = accounts::by_ids(&mut conn, ids).await?;
    let by: HashMap<i64, AccountRow> = rows.into_iter().map(|a| (a.id, a)).collect();
    Ok(ids.iter().filter_map(|id| by.get(id)).map(|a| objects::user_ref(base, a)).collect())
}

pub async fn teams_json(db: &Pool, base: &str, r: &RepoRow, ids: &[i64]) -> GhResult<Vec<Value>> {
    let Some(org) = accounts::by_id(db, r.owner_id).await? else { return Ok(vec![]) };
    let mut out = Vec::new();
    for id in ids {
        if let Some(t) = teams::by_id(db, *id).await? {
            out.push(tmodel::simple(base, &org, &t));
        }
    }
    Ok(out)
}

pub fn apps_json(base: &str, r: &RepoRow, apps: &[String]) -> Vec<Value> {
    apps.iter().filter(|a| a.as_str() == checks::APP_SLUG).map(|_| checks::app(base, r)).collect()
}

async fn actors_json(db: &Pool, base: &str, r: &RepoRow, u: &str, a: &Actors, with_urls: bool) -> GhResult<Value> {
    let mut v = json!({
        "users": users_json(db, base, &a.users).await?,
        "teams": teams_json(db, base, r, &a.teams).await?,
        "apps": apps_json(base, r, &a.apps),
    });
    if with_urls {
        v["url"] = json!(u);
        v["users_url"] = json!(format!("{u}/users"));
        v["teams_url"] = json!(format!("{u}/teams"));
    }
    Ok(v)
}

pub async fn render_restrictions(db: &Pool, base: &str, r: &RepoRow, u: &str, a: &Actors) -> GhResult<Value> {
    let u = format!("{u}/restrictions");
    let mut v = actors_json(db, base, r, &u, a, true).await?;
    v["apps_url"] = json!(format!("{u}/apps"));
    Ok(v)
}

pub async fn render_reviews(db: &Pool, base: &str, r: &RepoRow, u: &str, rv: &Reviews) -> GhResult<Value> {
    let u = format!("{u}/required_pull_request_reviews");
    let mut v = json!({
        "url": u,
        "dismiss_stale_reviews": rv.dismiss_stale,
        "require_code_owner_reviews": rv.code_owners,
        "required_approving_review_count": rv.count,
        "require_last_push_approval": rv.last_push,
    });
    if let Some(d) = &rv.dismissal {
        v["dismissal_restrictions"] = actors_json(db, base, r, &format!("{u}/dismissal_restrictions"), d, true).await?;
    }
    if let Some(b) = &rv.bypass {
        v["bypass_pull_request_allowances"] = actors_json(db, base, r, "", b, false).await?;
    }
    Ok(v)
}

pub fn flag(u: &str, what: &str, enabled: bool) -> Value {
    json!({ "url": format!("{u}/{what}"), "enabled": enabled })
}

/// The `branch-protection` object of `GET …/protection`.
pub async fn render(db: &Pool, base: &str, r: &RepoRow, branch: &str, p: &Protection) -> GhResult<Value> {
    let u = url(base, r, branch);
    let mut v = json!({ "url": u });
    if let Some(s) = &p.status_checks {
        v["required_status_checks"] = render_status_checks(&u, s);
    }
    if let Some(rv) = &p.reviews {
        v["required_pull_request_reviews"] = render_reviews(db, base, r, &u, rv).await?;
    }
    if let Some(a) = &p.restrictions {
        v["restrictions"] = render_restrictions(db, base, r, &u, a).await?;
    }
    v["required_signatures"] = flag(&u, "required_signatures", p.signatures);
    v["enforce_admins"] = flag(&u, "enforce_admins", p.enforce_admins);
    for (k, b) in [
        ("required_linear_history", p.linear_history),
        ("allow_force_pushes", p.force_pushes),
        ("allow_deletions", p.deletions),
        ("block_creations", p.block_creations),
        ("required_conversation_resolution", p.conversation_resolution),
        ("lock_branch", p.lock_branch),
        ("allow_fork_syncing", p.fork_syncing),
    ] {
        v[k] = json!({ "enabled": b });
    }
    Ok(v)
}

/// The `protection` summary of a branch object.
pub fn summary(p: Option<&Protection>) -> Value {
    match p {
        None => json!({ "enabled": false, "required_status_checks": { "enforcement_level": "off", "contexts": [], "checks": [] } }),
        Some(p) => {
            let (level, contexts, checks_) = match &p.status_checks {
                Some(s) => (
                    if p.enforce_admins { "everyone" } else { "non_admins" },
                    s.checks.iter().map(|c| json!(c.context)).collect::<Vec<_>>(),
                    s.checks.iter().map(|c| json!({ "context": c.context, "app_id": c.app_id })).collect::<Vec<_>>(),
                ),
                None => ("off", vec![], vec![]),
            };
            json!({ "enabled": true, "required_status_checks": { "enforcement_level": level, "contexts": contexts, "checks": checks_ } })
        }
    }
}

// ---- enforcement ----

fn exempt(p: &Protection, perm: Perm) -> bool {
    perm >= Perm::Admin && !p.enforce_admins
}

async fn among(db: &Pool, a: &Actors, user: i64) -> GhResult<bool> {
    if a.users.contains(&user) {
        return Ok(true);
    }
    for t in &a.teams {
        if teams::member_role(db, *t, user).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Success,
    Failing,
    Expected,
}

/// Why the required checks are not met on `sha`, in GitHub's words.
async fn status_gap(db: &Pool, r: &RepoRow, sha: &str, s: &StatusChecks) -> GhResult<Option<String>> {
    let sts = statuses::of_sha(db, r.id, sha).await?;
    let runs = crate::store::checks::runs_of_sha(db, r.id, sha).await?;
    let mut bad: Vec<(String, State)> = Vec::new();
    for c in &s.checks {
        let mut states = Vec::new();
        if c.app_id.is_none()
            && let Some(st) = sts.iter().find(|x| x.context == c.context)
        {
            states.push(match st.state.as_str() {
                "success" => State::Success,
                "failure" | "error" => State::Failing,
                _ => State::Expected,
            });
        }
        if let Some(run) = runs.iter().find(|x| x.name == c.context) {
            states.push(match (run.status.as_str(), run.conclusion.as_deref()) {
                ("completed", Some("success" | "neutral" | "skipped")) => State::Success,
                ("completed", _) => State::Failing,
                _ => State::Expected,
            });
        }
        let state = if states.contains(&State::Failing) {
            State::Failing
        } else if states.contains(&State::Success) {
            State::Success
        } else {
            State::Expected
        };
        if state != State::Success {
            bad.push((c.context.clone(), state));
        }
    }
    let total = s.checks.len();
    Ok(match bad.as_slice() {
        [] => None,
        [(ctx, State::Failing)] => Some(format!("Required status check \"{ctx}\" is failing.")),
        [(ctx, _)] => Some(format!("Required status check \"{ctx}\" is expected.")),
        many => {
            let failing = many.iter().filter(|(_, st)| *st == State::Failing).count();
            let expected = many.len() - failing;
            if failing == 0 {
                Some(format!("{} of {total} required status checks are expected.", many.len()))
            } else {
                let mut parts = vec![format!("{failing} failing")];
                if expected > 0 {
                    parts.push(format!("{expected} expected"));
                }
                Some(format!("{} of {total} required status checks have not succeeded: {}.", many.len(), parts.join(" and ")))
            }
        }
    })
}

/// The users whose latest review of the pull request approves it and counts:
/// write access, and (with `dismiss_stale_reviews`) made on the current head.
async fn approvers(db: &Pool, r: &RepoRow, i: &IssueRow, p: &PullRow, rv: &Reviews) -> GhResult<Vec<AccountRow>> {
    let mut latest: Vec<(i64, String, String)> = Vec::new();
    for x in pstore::reviews_of(db, i.id).await? {
        if !matches!(x.state.as_str(), "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED") {
            continue;
        }
        latest.retain(|(u, _, _)| *u != x.user_id);
        latest.push((x.user_id, x.state, x.commit_id));
    }
    let mut out = Vec::new();
    for (user, state, commit) in latest {
        if state != "APPROVED" || (rv.dismiss_stale && commit != p.head_sha) || user == i.user_id {
            continue;
        }
        let Some(acc) = accounts::by_id(db, user).await? else { continue };
        let caller = Caller { user: Some(acc.clone()), ..Caller::default() };
        if access::permission(db, &caller, r).await? >= Perm::Write {
            out.push(acc);
        }
    }
    Ok(out)
}

/// Whether a CODEOWNERS pattern (gitignore-like) owns `path`.
pub fn owns(pattern: &str, path: &str) -> bool {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let pat = pattern.trim_start_matches('/').trim_end_matches('/');
    if pat == "*" || pat == "**" || pat.is_empty() {
        return true;
    }
    let hit = |sub: &str| glob(pat.as_bytes(), sub.as_bytes()) || sub.starts_with(&format!("{pat}/")) || dir_glob(pat, sub);
    if anchored {
        return hit(path);
    }
    let segs: Vec<&str> = path.split('/').collect();
    (0..segs.len()).any(|k| hit(&segs[k..].join("/")))
}

/// `pat` matches a leading directory of `path` (`docs/*` owns `docs/a/b.md` only one level down, as git does).
fn dir_glob(pat: &str, path: &str) -> bool {
    let segs: Vec<&str> = path.split('/').collect();
    (1..segs.len()).any(|k| glob(pat.as_bytes(), segs[..k].join("/").as_bytes()) && !pat.ends_with("/*"))
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            let rest = if p.get(2) == Some(&b'/') { &p[3..] } else { &p[2..] };
            (0..=s.len()).any(|k| glob(rest, &s[k..]))
        }
        Some(b'*') => (0..=s.len()).take_while(|&k| k == 0 || s[k - 1] != b'/').any(|k| glob(&p[1..], &s[k..])),
        Some(b'?') => !s.is_empty() && s[0] != b'/' && glob(&p[1..], &s[1..]),
        Some(c) => s.first() == Some(c) && glob(&p[1..], &s[1..]),
    }
}

/// The owners (`@login`, `@org/team`) of the changed files no approver covers.
async fn code_owner_gap(db: &Pool, r: &RepoRow, p: &PullRow, approvers: &[AccountRow]) -> GhResult<Option<String>> {
    let mut conn = db.acquire().await?;
    let Some(base_tip) = crate::store::git::get_ref(&mut *conn, r.id, &format!("refs/heads/{}", p.base_ref)).await? else {
        return Ok(None);
    };
    let base_files = gitdb::files_at(&mut conn, r.id, &base_tip).await?;
    let Some((_, blob)) = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"].iter().find_map(|f| base_files.get(*f)) else {
        return Ok(None);
    };
    let text = gitdb::blob_text(&mut conn, r.id, Some(blob.as_str())).await?;
    let rules: Vec<(String, Vec<String>)> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let pat = parts.next()?.to_string();
            Some((pat, parts.filter(|o| o.starts_with('@')).map(|o| o.trim_start_matches('@').to_string()).collect()))
        })
        .collect();
    let Some(mb) = gitdb::merge_base(&mut conn, r.id, &base_tip, &p.head_sha).await? else { return Ok(None) };
    let old = gitdb::files_at(&mut conn, r.id, &mb).await?;
    let new = gitdb::files_at(&mut conn, r.id, &p.head_sha).await?;
    let mut missing: Vec<String> = Vec::new();
    for ch in git::changes(&old, &new) {
        let Some((_, owners)) = rules.iter().rev().find(|(pat, _)| owns(pat, &ch.path)) else { continue };
        if owners.is_empty() {
            continue;
        }
        let mut covered = false;
        for o in owners {
            covered |= match o.split_once('/') {
                Some((_, slug)) => match teams::by_slug(&mut *conn, r.owner_id, slug).await? {
                    Some(t) => {
                        let mut any = false;
                        for a in approvers {
                            any |= teams::member_role(&mut *conn, t.id, a.id).await?.is_some();
                        }
                        any
                    }
                    None => false,
                },
                None => approvers.iter().any(|a| a.login.eq_ignore_ascii_case(o)),
            };
        }
        if !covered {
            for o in owners {
                if !missing.contains(o) {
                    missing.push(o.clone());
                }
            }
        }
    }
    Ok((!missing.is_empty()).then(|| format!("Waiting on code owner review from {}.", missing.join(", "))))
}

pub const NOT_AUTHORIZED: &str =
    "You're not authorized to push to this branch. Visit https://docs.github.com/articles/about-protected-branches/ for more information.";

/// Refuses merging pull request `p` into its protected base branch (405, GitHub's message).
pub async fn check_merge(db: &Pool, r: &RepoRow, user: &AccountRow, perm: Perm, i: &IssueRow, p: &PullRow, method: &str) -> GhResult<()> {
    let Some(pr) = load(db, r.id, &p.base_ref).await? else { return Ok(()) };
    if exempt(&pr, perm) {
        return Ok(());
    }
    let refuse = |m: String| Err(GhError::MethodNotAllowed(m));
    if pr.lock_branch {
        return refuse(format!("Cannot merge into {}: the branch is locked.", p.base_ref));
    }
    if let Some(a) = &pr.restrictions
        && !among(db, a, user.id).await?
    {
        return refuse(NOT_AUTHORIZED.into());
    }
    if pr.linear_history && method == "merge" {
        return refuse("Merge commits are not allowed on this protected branch.".into());
    }
    if pr.signatures {
        // A squash commit is GitHub's own, and signed; a rebase cannot be.
        if method == "rebase" {
            return refuse("Base branch requires signed commits. Rebase merges cannot be automatically signed by GitHub".into());
        }
        if method == "merge" {
            let mut conn = db.acquire().await?;
            let commits = gitdb::commits_between(&mut conn, r.id, &p.base_sha, &p.head_sha).await?;
            if commits.iter().any(|(_, c)| !signed_by_github(c)) {
                return refuse(UNSIGNED.into());
            }
        }
    }
    if let Some(rv) = &pr.reviews {
        let bypass = match &rv.bypass {
            Some(b) => among(db, b, user.id).await?,
            None => false,
        };
        if !bypass {
            let ok = approvers(db, r, i, p, rv).await?;
            if (ok.len() as i64) < rv.count {
                return refuse(if rv.count == 1 {
                    "At least 1 approving review is required by reviewers with write access.".into()
                } else {
                    format!("At least {} approving reviews are required by reviewers with write access.", rv.count)
                });
            }
            if rv.last_push && !ok.iter().any(|a| a.id != i.user_id) {
                return refuse("The most recent push must be approved by someone other than the person who pushed it.".into());
            }
            if rv.code_owners
                && let Some(m) = code_owner_gap(db, r, p, &ok).await?
            {
                return refuse(m);
            }
        }
    }
    if let Some(s) = &pr.status_checks {
        if s.strict {
            let mut conn = db.acquire().await?;
            if let Some(tip) = crate::store::git::get_ref(&mut *conn, r.id, &format!("refs/heads/{}", p.base_ref)).await?
                && !gitdb::ancestors(&mut conn, r.id, &p.head_sha).await?.contains(&tip)
            {
                return refuse("Head branch is out of date. Review and try the merge again.".into());
            }
        }
        if let Some(m) = status_gap(db, r, &p.head_sha, s).await? {
            return refuse(m);
        }
    }
    if pr.conversation_resolution && pstore::review_comments_of(db, i.id).await?.iter().any(|c| c.in_reply_to.is_none()) {
        return refuse("All comments must be resolved.".into());
    }
    Ok(())
}

/// How a refused push is answered: the Contents and Merges APIs answer 409, the
/// Git refs API 422.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Via {
    Contents,
    Refs,
}

/// What a push puts on the branch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Push<'a> {
    /// An existing commit (the Git refs API).
    Existing(&'a str),
    /// A new commit on top of the tip, made by this request (the Contents API).
    NewCommit,
    /// A new merge commit on top of the tip (the Merges API, update-branch).
    NewMerge,
}

/// Refuses moving protected `branch` from `old` outside a pull request.
#[allow(clippy::too_many_arguments)]
pub async fn check_push(
    db: &Pool,
    r: &RepoRow,
    user: &AccountRow,
    perm: Perm,
    branch: &str,
    old: Option<&str>,
    push: Push<'_>,
    via: Via,
) -> GhResult<()> {
    let Some(pr) = load(db, r.id, branch).await? else { return Ok(()) };
    let refuse = |m: String| {
        Err(match via {
            Via::Contents => GhError::Conflict(m),
            Via::Refs => GhError::Unprocessable(m),
        })
    };
    // One connection at a time: the helpers below take their own from the pool.
    let reach = match push {
        Push::Existing(new) => gitdb::ancestors(&mut *db.acquire().await?, r.id, new).await?,
        _ => HashSet::new(),
    };
    if let (Some(o), Push::Existing(_)) = (old, push)
        && !reach.contains(o)
        && !pr.force_pushes
    {
        return refuse("Cannot force-push to this branch".into());
    }
    if exempt(&pr, perm) {
        return Ok(());
    }
    if pr.lock_branch {
        return refuse(format!("Cannot update {branch}: the branch is locked."));
    }
    if let Some(a) = &pr.restrictions
        && !among(db, a, user.id).await?
    {
        return refuse(NOT_AUTHORIZED.into());
    }
    if let Some(rv) = &pr.reviews {
        let bypass = match &rv.bypass {
            Some(b) => among(db, b, user.id).await?,
            None => false,
        };
        if !bypass {
            return refuse("Changes must be made through a pull request.".into());
        }
    }
    if let Some(s) = &pr.status_checks {
        // A commit this request makes has no statuses yet.
        let sha = if let Push::Existing(new) = push { new } else { "" };
        if let Some(m) = status_gap(db, r, sha, s).await? {
            return refuse(m);
        }
    }
    if pr.linear_history && push == Push::NewMerge {
        return refuse("This branch must not contain merge commits.".into());
    }
    if pr.linear_history || pr.signatures {
        let mut conn = db.acquire().await?;
        let before = match old {
            Some(o) => gitdb::ancestors(&mut conn, r.id, o).await?,
            None => HashSet::new(),
        };
        for sha in reach.difference(&before) {
            let c = gitdb::must_commit(&mut conn, r.id, sha).await?;
            if pr.linear_history && c.parents.len() > 1 {
                return refuse("This branch must not contain merge commits.".into());
            }
            if pr.signatures && !signed_by_github(&c) {
                return refuse(UNSIGNED.into());
            }
        }
    }
    Ok(())
}

const UNSIGNED: &str = "Commits must have verified signatures.";

/// Whether GitHub would show the commit as verified: the commits GitHub makes
/// itself (merges, squashes, rebases; committer `GitHub <noreply@github.com>`)
/// carry its web-flow signature. The clone signs nothing else.
fn signed_by_github(c: &git::Commit) -> bool {
    c.committer.name == "GitHub" && c.committer.email == "noreply@github.com"
}

/// Refuses deleting a protected branch unless `allow_deletions`.
pub async fn check_delete(db: &Pool, r: &RepoRow, branch: &str) -> GhResult<()> {
    match load(db, r.id, branch).await? {
        Some(p) if !p.deletions => Err(GhError::Unprocessable("Cannot delete this protected branch".into())),
        _ => Ok(()),
    }
}

/// With dismissal restrictions on the base branch, only the listed users and
/// teams (and admins) may dismiss a review.
pub async fn check_dismiss(db: &Pool, r: &RepoRow, user: &AccountRow, perm: Perm, base: &str) -> GhResult<()> {
    let Some(p) = load(db, r.id, base).await? else { return Ok(()) };
    match p.reviews.as_ref().and_then(|rv| rv.dismissal.as_ref()) {
        Some(a) if perm < Perm::Admin && !among(db, a, user.id).await? => {
            Err(GhError::Forbidden("You are not allowed to dismiss reviews on this protected branch.".into()))
        }
        _ => Ok(()),
    }
}

/// After the head of open pull request `p` (into `base_repo`) moves: with
/// `dismiss_stale_reviews` on its base branch, its approvals are dismissed, as
/// GitHub dismisses them when new commits are pushed.
pub async fn dismiss_stale(conn: &mut AnyConnection, base_repo: i64, issue: i64, p: &PullRow) -> GhResult<()> {
    let Some((_, prot)) = load_row(conn, base_repo, &p.base_ref).await? else { return Ok(()) };
    if !prot.reviews.as_ref().is_some_and(|rv| rv.dismiss_stale) {
        return Ok(());
    }
    for mut rv in pstore::reviews_of(&mut *conn, issue).await? {
        if rv.state == "APPROVED" && rv.commit_id != p.head_sha {
            rv.state = "DISMISSED".into();
            pstore::update_review(&mut *conn, &rv).await?;
        }
    }
    Ok(())
}
