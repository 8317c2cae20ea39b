//! Which member each check is about, and what to read from each member.

use std::collections::{BTreeMap, BTreeSet};

use asym_contract::AsymError;
use asym_spec::{Check, CheckKind, did_you_mean};

/// What to gather before evaluating.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Per check, in order: the member clone ids it covers.
    pub scopes: Vec<Vec<String>>,
    /// Per member: the resources whose current rows the checks need.
    pub resources: BTreeMap<String, BTreeSet<String>>,
    /// Members whose journal a check reads.
    pub journals: BTreeSet<String>,
    /// Members whose diff a check reads.
    pub diffs: BTreeSet<String>,
}

/// `members` are (clone id, template) pairs; `path` names the checks file in errors.
pub fn plan(path: &str, checks: &[Check], members: &[(String, String)]) -> Result<Plan, AsymError> {
    let invalid = |i: usize, c: &Check, reason: String| AsymError::ChecksInvalid {
        path: path.into(),
        reason: format!("checks[{i}] ({}): {reason}", c.name),
    };
    let ids: Vec<&str> = members.iter().map(|(id, _)| id.as_str()).collect();
    let listed = ids.join(", ");
    let mut out = Plan::default();
    for (i, check) in checks.iter().enumerate() {
        let scope: Vec<String> = match (&check.clone, &check.kind) {
            (Some(name), _) => {
                if let Some((id, _)) = members.iter().find(|(id, _)| id == name) {
                    vec![id.clone()]
                } else {
                    let by_template: Vec<&String> = members.iter().filter(|(_, t)| t == name).map(|(id, _)| id).collect();
                    match by_template.as_slice() {
                        [one] => vec![(*one).clone()],
                        [] => {
                            let hint =
                                did_you_mean(name, ids.iter().copied()).map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default();
                            return Err(invalid(i, check, format!("no member clone '{name}'{hint}; members: {listed}")));
                        }
                        many => {
                            let names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                            return Err(invalid(i, check, format!("'{name}' is the template of {}; name one clone id", names.join(", "))));
                        }
                    }
                }
            }
            (None, CheckKind::Expect { .. }) => match members {
                [(id, _)] => vec![id.clone()],
                _ => {
                    return Err(invalid(
                        i,
                        check,
                        format!("the environment has {} clones; say which with 'clone:' ({listed})", members.len()),
                    ));
                }
            },
            (None, _) => members.iter().map(|(id, _)| id.clone()).collect(),
        };
        for id in &scope {
            match &check.kind {
                CheckKind::Expect { resource, .. } => {
                    out.diffs.insert(id.clone());
                    out.resources.entry(id.clone()).or_default().insert(resource.clone());
                }
                CheckKind::Strict { .. } => {
                    out.diffs.insert(id.clone());
                }
                CheckKind::Journal { .. } => {
                    out.journals.insert(id.clone());
                }
            }
        }
        out.scopes.push(scope);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> Vec<(String, String)> {
        vec![("slack-a".into(), "slack".into()), ("slack-b".into(), "slack".into()), ("pay".into(), "stripe".into())]
    }

    fn checks(text: &str) -> Vec<Check> {
        asym_spec::parse_checks("c.yaml", text).unwrap()
    }

    #[test]
    fn clones_resolve_by_id_or_unique_template() {
        let c = checks(
            "checks:\n- {name: a, clone: slack-b, expect: added, resource: messages}\n- {name: b, clone: stripe, expect: added, resource: customers}\n- {name: c, strict: true}\n",
        );
        let p = plan("c.yaml", &c, &members()).unwrap();
        assert_eq!(
            p.scopes,
            vec![vec!["slack-b".to_string()], vec!["pay".to_string()], vec!["slack-a".into(), "slack-b".into(), "pay".into()]]
        );
        assert_eq!(p.resources["pay"], BTreeSet::from(["customers".to_string()]));
        assert!(p.journals.is_empty());
    }

    #[test]
    fn ambiguous_or_unknown_clones_are_named() {
        let err = |text: &str| plan("c.yaml", &checks(text), &members()).unwrap_err().to_string();
        assert!(err("checks:\n- {name: a, clone: slack, expect: added, resource: m}\n").contains("slack-a, slack-b"));
        assert!(err("checks:\n- {name: a, clone: slack-c, expect: added, resource: m}\n").contains("did you mean"));
        assert!(err("checks:\n- {name: a, expect: added, resource: m}\n").contains("say which with 'clone:'"));
    }
}
