//! Branch protection: `…/branches/{branch}/protection` and its sub-resources
//! (required status checks and their contexts, required pull request reviews,
//! enforce admins, required signatures, push restrictions and their users, teams
//! and apps). Branch names may hold `/`, so the branch route is a wildcard and
//! [`split`] finds the protection path at its end. Admin only, as on GitHub.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::Method;
use serde_json::{Value, json};

use super::{Cx, Handler, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::protection::{self as model, Actors, Protection};
use crate::store::git as gstore;
use crate::store::protection as store;
use crate::store::repos::RepoRow;
use crate::wire::json_value;

/// The protection sub-paths GitHub publishes, longest first.
const SUBS: &[&str] = &[
    "/required_status_checks/contexts",
    "/required_status_checks",
    "/required_pull_request_reviews",
    "/enforce_admins",
    "/required_signatures",
    "/restrictions/users",
    "/restrictions/teams",
    "/restrictions/apps",
    "/restrictions",
    "",
];

/// `main/protection/enforce_admins` → `("main", "/enforce_admins")`.
pub fn split(rest: &str) -> Option<(&str, &'static str)> {
    SUBS.iter().find_map(|sub| {
        let tail = format!("/protection{sub}");
        rest.strip_suffix(tail.as_str()).filter(|b| !b.is_empty()).map(|b| (b, *sub))
    })
}

pub async fn get(cx: Cx, Path((owner, repo, rest)): Path<(String, String, String)>) -> Handler {
    dispatch(Method::GET, cx, owner, repo, rest, Bytes::new()).await
}

pub async fn put(cx: Cx, Path((owner, repo, rest)): Path<(String, String, String)>, body: Bytes) -> Handler {
    dispatch(Method::PUT, cx, owner, repo, rest, body).await
}

pub async fn patch(cx: Cx, Path((owner, repo, rest)): Path<(String, String, String)>, body: Bytes) -> Handler {
    dispatch(Method::PATCH, cx, owner, repo, rest, body).await
}

pub async fn delete(cx: Cx, Path((owner, repo, rest)): Path<(String, String, String)>, body: Bytes) -> Handler {
    dispatch(Method::DELETE, cx, owner, repo, rest, body).await
}

pub async fn post(cx: Cx, owner: String, repo: String, rest: String, body: Bytes) -> Handler {
    dispatch(Method::POST, cx, owner, repo, rest, body).await
}

fn not_built(cx: &Cx, method: &Method) -> GhError {
    match super::operation_for(method, &cx.path) {
        Some(op) => GhError::NotImplemented { operation: op.to_string() },
        None => GhError::NotFound,
    }
}

async fn dispatch(method: Method, cx: Cx, owner: String, repo: String, rest: String, body: Bytes) -> Handler {
    let Some((branch, sub)) = split(&rest) else { return Err(not_built(&cx, &method)) };
    let branch = branch.to_string();
    let (r, _) = access::repo_with(&cx.db, &cx.caller, &owner, &repo, Perm::Admin).await?;
    if gstore::get_ref(&*cx.db, r.id, &format!("refs/heads/{branch}")).await?.is_none() {
        return Err(GhError::NotFoundMsg("Branch not found".into()));
    }
    let v = json_value(&body).await?;
    let current = model::load(&cx.db, r.id, &branch).await?;
    let u = model::url(&cx.base, &r, &branch);
    let m = method.as_str();
    if sub.is_empty() {
        return match m {
            "GET" => Ok(ok(model::render(&cx.db, &cx.base, &r, &branch, &current.ok_or_else(model::not_protected)?).await?)),
            "PUT" => {
                let p = model::parse_put(&cx.db, &r, &v).await?;
                save(&cx, &r, &branch, &p).await?;
                Ok(ok(model::render(&cx.db, &cx.base, &r, &branch, &p).await?))
            }
            "DELETE" => {
                let mut tx = asym_store::begin_write(&cx.db).await?;
                let Some((row, p)) = model::load_row(&mut tx, r.id, &branch).await? else { return Err(model::not_protected()) };
                store::delete(&mut *tx, r.id, &branch).await?;
                tx.commit().await?;
                let rule = model::rule_json(&cx.db, &r, &row, &p).await?;
                announce(&cx, &r, json!({ "action": "deleted", "rule": rule })).await?;
                Ok(no_content())
            }
            _ => Err(not_built(&cx, &method)),
        };
    }
    let mut p = current.ok_or_else(model::not_protected)?;
    match (sub, m) {
        ("/required_status_checks", "GET") => {
            let s = p.status_checks.as_ref().ok_or_else(checks_off)?;
            Ok(ok(model::render_status_checks(&u, s)))
        }
        ("/required_status_checks", "PATCH") => {
            let s = model::parse_status_checks(&v, p.status_checks.as_ref(), true)?;
            p.status_checks = Some(s.clone());
            save(&cx, &r, &branch, &p).await?;
            Ok(ok(model::render_status_checks(&u, &s)))
        }
        ("/required_status_checks", "DELETE") => {
            p.status_checks.take().ok_or_else(checks_off)?;
            save(&cx, &r, &branch, &p).await?;
            Ok(no_content())
        }
        ("/required_status_checks/contexts", _) => {
            let s = p.status_checks.as_mut().ok_or_else(checks_off)?;
            if m != "GET" {
                let given = list_of(&v, "contexts")?;
                match m {
                    "POST" => {
                        for c in given {
                            if !s.checks.iter().any(|x| x.context == c) {
                                s.checks.push(model::Check { context: c, app_id: None });
                            }
                        }
                    }
                    "PUT" => {
                        let mut seen = std::collections::HashSet::new();
                        s.checks = given
                            .into_iter()
                            .filter(|c| seen.insert(c.clone()))
                            .map(|context| model::Check { context, app_id: None })
                            .collect();
                    }
                    "DELETE" => {
                        if let Some(missing) = given.iter().find(|c| !s.checks.iter().any(|x| &x.context == *c)) {
                            return Err(GhError::Validation(vec![FieldError::custom(
                                "ProtectedBranch",
                                "contexts",
                                format!("{missing} is not a required status check"),
                            )]));
                        }
                        s.checks.retain(|x| !given.contains(&x.context));
                    }
                    _ => return Err(not_built(&cx, &method)),
                }
                let contexts: Vec<String> = s.checks.iter().map(|c| c.context.clone()).collect();
                save(&cx, &r, &branch, &p).await?;
                return Ok(ok(json!(contexts)));
            }
            Ok(ok(json!(s.checks.iter().map(|c| c.context.clone()).collect::<Vec<_>>())))
        }
        ("/required_pull_request_reviews", "GET") => {
            let rv = p.reviews.as_ref().ok_or_else(reviews_off)?;
            Ok(ok(model::render_reviews(&cx.db, &cx.base, &r, &u, rv).await?))
        }
        ("/required_pull_request_reviews", "PATCH") => {
            let rv = model::parse_reviews(&cx.db, &r, &v, p.reviews.as_ref()).await?;
            p.reviews = Some(rv.clone());
            save(&cx, &r, &branch, &p).await?;
            Ok(ok(model::render_reviews(&cx.db, &cx.base, &r, &u, &rv).await?))
        }
        ("/required_pull_request_reviews", "DELETE") => {
            p.reviews.take().ok_or_else(reviews_off)?;
            save(&cx, &r, &branch, &p).await?;
            Ok(no_content())
        }
        ("/enforce_admins" | "/required_signatures", "GET" | "POST" | "DELETE") => {
            let what = sub.trim_start_matches('/');
            let flag = if what == "enforce_admins" { &mut p.enforce_admins } else { &mut p.signatures };
            match m {
                "GET" => {}
                "POST" => *flag = true,
                _ => *flag = false,
            }
            let now = *flag;
            if m != "GET" {
                save(&cx, &r, &branch, &p).await?;
            }
            if m == "DELETE" { Ok(no_content()) } else { Ok(ok(model::flag(&u, what, now))) }
        }
        ("/restrictions", "GET") => {
            let a = p.restrictions.as_ref().ok_or_else(restrictions_off)?;
            Ok(ok(model::render_restrictions(&cx.db, &cx.base, &r, &u, a).await?))
        }
        ("/restrictions", "DELETE") => {
            p.restrictions.take().ok_or_else(restrictions_off)?;
            save(&cx, &r, &branch, &p).await?;
            Ok(no_content())
        }
        ("/restrictions/users" | "/restrictions/teams" | "/restrictions/apps", _) => {
            let kind = sub.trim_start_matches("/restrictions/");
            let a = p.restrictions.as_mut().ok_or_else(restrictions_off)?;
            if m != "GET" {
                let given = list_of(&v, kind)?;
                match kind {
                    "users" => edit(&mut a.users, model::resolve_users(&cx.db, &given).await?, m)?,
                    "teams" => edit(&mut a.teams, model::resolve_teams(&cx.db, &r, &given).await?, m)?,
                    _ => edit(&mut a.apps, model::resolve_apps(&given)?, m)?,
                }
            }
            let a: Actors = a.clone();
            if m != "GET" {
                save(&cx, &r, &branch, &p).await?;
            }
            let out = match kind {
                "users" => model::users_json(&cx.db, &cx.base, &a.users).await?,
                "teams" => model::teams_json(&cx.db, &cx.base, &r, &a.teams).await?,
                _ => model::apps_json(&cx.base, &r, &a.apps),
            };
            Ok(ok(Value::Array(out)))
        }
        _ => Err(not_built(&cx, &method)),
    }
}

fn edit<T: PartialEq + Clone>(list: &mut Vec<T>, given: Vec<T>, method: &str) -> GhResult<()> {
    match method {
        "POST" => {
            for g in given {
                if !list.contains(&g) {
                    list.push(g);
                }
            }
        }
        "PUT" => *list = given,
        "DELETE" => list.retain(|x| !given.contains(x)),
        _ => return Err(GhError::NotFound),
    }
    Ok(())
}

/// A body that is the array itself (PyGithub) or `{"<key>": [...]}` (Octokit).
fn list_of(v: &Value, key: &str) -> GhResult<Vec<String>> {
    let arr = match v {
        Value::Array(_) => v,
        Value::Object(o) => o.get(key).ok_or_else(|| crate::model::checks::invalid(format!("\"{key}\" wasn't supplied.")))?,
        _ => return Err(crate::model::checks::invalid(format!("\"{key}\" wasn't supplied."))),
    };
    match arr {
        Value::Array(items) => items
            .iter()
            .map(|x| {
                x.as_str().map(String::from).ok_or_else(|| crate::model::checks::invalid(format!("For 'items', {x} is not a string.")))
            })
            .collect(),
        other => Err(crate::model::checks::invalid(format!("For 'properties/{key}', {other} is not an array."))),
    }
}

/// Stores the settings and announces the rule (`branch_protection_rule`
/// `created` or `edited`, with the previous values in `changes`).
async fn save(cx: &Cx, r: &RepoRow, branch: &str, p: &Protection) -> GhResult<()> {
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let before = model::load_row(&mut tx, r.id, branch).await?;
    let row = model::save(&mut tx, r.id, branch, p).await?;
    tx.commit().await?;
    let rule = model::rule_json(&cx.db, r, &row, p).await?;
    let payload = match before {
        None => json!({ "action": "created", "rule": rule }),
        Some((old_row, old)) => {
            let was = model::rule_json(&cx.db, r, &old_row, &old).await?;
            json!({ "action": "edited", "changes": model::changes(&was, &rule), "rule": rule })
        }
    };
    announce(cx, r, payload).await
}

async fn announce(cx: &Cx, r: &RepoRow, payload: Value) -> GhResult<()> {
    let me = cx.caller.require()?.clone();
    crate::model::hooks::emit(&cx.ctx, &cx.db, &cx.base, r, &me, "branch_protection_rule", payload).await
}

fn checks_off() -> GhError {
    GhError::NotFoundMsg("Required status checks not enabled".into())
}

fn reviews_off() -> GhError {
    GhError::NotFoundMsg("Required pull request reviews not enabled".into())
}

fn restrictions_off() -> GhError {
    GhError::NotFoundMsg("Push restrictions not enabled".into())
}
