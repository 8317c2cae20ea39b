//! Deployment rules: which commit contexts a deployment requires and whether
//! they pass, which deployments may be deleted, which earlier deployments a
//! `success` status makes inactive, and what an environment request may say.

use serde_json::{Value, json};

use crate::errors::{FieldError, GhError, GhResult};
use crate::store::deployments::DeploymentRow;

pub const STATES: &[&str] = &["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];

/// The contexts a deployment checks, as `(context, state)`: the latest commit
/// status per context and the latest check run per name (its conclusion once
/// completed). `required` limits them (`None`: every reported context); a
/// required context with no report is `missing`. Returns every checked context
/// with its state (GitHub lists them all in its 409) and whether all succeeded.
pub fn check_contexts(reported: &[(String, String)], required: Option<&[String]>) -> (Vec<(String, String)>, bool) {
    let wanted: Vec<String> = match required {
        Some(r) => r.to_vec(),
        None => {
            let mut all: Vec<String> = Vec::new();
            for (c, _) in reported {
                if !all.contains(c) {
                    all.push(c.clone());
                }
            }
            all
        }
    };
    let checked: Vec<(String, String)> = wanted
        .into_iter()
        .map(|c| {
            let state = reported.iter().find(|(n, _)| *n == c).map(|(_, s)| s.clone()).unwrap_or_else(|| "missing".into());
            (c, state)
        })
        .collect();
    let ok = checked.iter().all(|(_, s)| s == "success");
    (checked, ok)
}

/// GitHub deletes only inactive deployments, or the only one of its environment.
pub fn deletable(d: &DeploymentRow, latest_state: Option<&str>, all: &[DeploymentRow]) -> GhResult<()> {
    let only = !all.iter().any(|o| o.id != d.id && o.environment == d.environment);
    if latest_state == Some("inactive") || only {
        return Ok(());
    }
    Err(GhError::Unprocessable("We cannot delete an active deployment unless it is the only deployment in a given environment.".into()))
}

/// Deployments a new `success` status of `d` (with `auto_inactive`) marks
/// inactive: earlier non-transient, non-production deployments of the same
/// environment whose latest status is `success`.
pub fn superseded<'a>(d: &DeploymentRow, all: &'a [DeploymentRow], latest: &[(i64, String)]) -> Vec<&'a DeploymentRow> {
    all.iter()
        .filter(|o| o.id != d.id && o.id < d.id && o.environment == d.environment)
        .filter(|o| !o.transient_environment && !o.production_environment)
        .filter(|o| latest.iter().any(|(id, s)| *id == o.id && s == "success"))
        .collect()
}

/// An environment request: `wait_timer`, `prevent_self_review`, `reviewers`
/// (`[{type, id}]`, at most 6) and `deployment_branch_policy`.
pub struct EnvInput {
    pub wait_timer: Option<Option<i64>>,
    pub prevent_self_review: Option<bool>,
    pub reviewers: Option<Vec<(String, i64)>>,
    pub branch_policy: Option<String>,
}

pub fn env_input(v: &Value) -> GhResult<EnvInput> {
    let wait_timer = match v.get("wait_timer") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| (0..=43200).contains(&n)) => Some(n.as_i64()),
        Some(_) => {
            return Err(GhError::Validation(vec![FieldError::custom(
                "Environment",
                "wait_timer",
                "wait_timer must be between 0 and 43200",
            )]));
        }
    };
    let prevent_self_review = match v.get("prevent_self_review") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(GhError::invalid("Environment", "prevent_self_review")),
    };
    let reviewers = match v.get("reviewers") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => {
            if items.len() > 6 {
                return Err(GhError::Validation(vec![FieldError::custom(
                    "Environment",
                    "reviewers",
                    "reviewers may have at most 6 entries",
                )]));
            }
            let mut out = Vec::new();
            for it in items {
                let ty = it.get("type").and_then(Value::as_str).filter(|t| *t == "User" || *t == "Team");
                let id = it.get("id").and_then(Value::as_i64);
                match (ty, id) {
                    (Some(t), Some(i)) => out.push((t.to_string(), i)),
                    _ => return Err(GhError::invalid("Environment", "reviewers")),
                }
            }
            Some(out)
        }
        Some(_) => return Err(GhError::invalid("Environment", "reviewers")),
    };
    let branch_policy = match v.get("deployment_branch_policy") {
        None => None,
        Some(Value::Null) => Some(String::new()),
        Some(p @ Value::Object(_)) => {
            let protected = p.get("protected_branches").and_then(Value::as_bool);
            let custom = p.get("custom_branch_policies").and_then(Value::as_bool);
            let (Some(protected), Some(custom)) = (protected, custom) else {
                return Err(GhError::invalid("Environment", "deployment_branch_policy"));
            };
            if protected == custom {
                return Err(GhError::Validation(vec![FieldError::custom(
                    "Environment",
                    "deployment_branch_policy",
                    "Only one of protected_branches and custom_branch_policies can be set to true",
                )]));
            }
            Some(json!({ "protected_branches": protected, "custom_branch_policies": custom }).to_string())
        }
        Some(_) => return Err(GhError::invalid("Environment", "deployment_branch_policy")),
    };
    Ok(EnvInput { wait_timer, prevent_self_review, reviewers, branch_policy })
}

/// A deployment's `payload`: an object as given, or a string (JSON text is parsed).
pub fn payload(v: Option<&Value>) -> GhResult<String> {
    match v {
        None | Some(Value::Null) => Ok("{}".into()),
        Some(o @ Value::Object(_)) => Ok(o.to_string()),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(o @ Value::Object(_)) => Ok(o.to_string()),
            _ => Ok(Value::from(s.clone()).to_string()),
        },
        Some(_) => Err(GhError::invalid("Deployment", "payload")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reported_context_must_pass_unless_some_are_required() {
        let reported = vec![("ci".to_string(), "success".to_string()), ("lint".to_string(), "failure".to_string())];
        let (checked, ok) = check_contexts(&reported, None);
        assert!(!ok);
        assert_eq!(checked, reported, "all checked contexts are listed, passing ones too");
        assert!(check_contexts(&reported, Some(&["ci".to_string()])).1);
        assert!(check_contexts(&reported, Some(&[])).1);
        assert_eq!(check_contexts(&reported, Some(&["deploy".to_string()])).0[0].1, "missing");
    }
}
