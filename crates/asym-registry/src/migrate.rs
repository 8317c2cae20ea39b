//! Schema migrations, applied to the raw JSON before it meets the typed structs.
//!
//! `STEPS[i]` turns a schema `i + 1` document into a schema `i + 2` one. Steps work on
//! [`serde_json::Value`] because the old shapes no longer exist as Rust types. Each step owns
//! the whole document, version key included, since schema 1 even named that key differently.
//!
//! Schema 1: `{"version": 1, "clones": [..], "environments": [..]}`, both arrays; each clone
//! carried its environment as `"env": "<name>" | null`, and environments had no member list.
//! Schema 2: `{"schemaVersion": 2, "clones": {id: ..}, "environments": {name: ..}}`; an
//! environment lists its `members` and a clone never stores its environment.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::SCHEMA_VERSION;

pub(crate) type Step = fn(Value) -> Result<Value, String>;

pub(crate) const STEPS: &[Step] = &[v1_to_v2];

// Bumping SCHEMA_VERSION without adding its step fails the build instead of a user's load.
const _: () = assert!(STEPS.len() as u32 + 1 == SCHEMA_VERSION);

/// The schema version a document declares: `schemaVersion` from schema 2 on, `version` in
/// schema 1. A document with neither is not a registry we can trust.
pub(crate) fn version_of(doc: &Value) -> Result<u32, String> {
    let obj = doc.as_object().ok_or("the top level is not a JSON object")?;
    let (key, first_with_key, value) = match (obj.get("schemaVersion"), obj.get("version")) {
        (Some(v), _) => ("schemaVersion", 2, v),
        (None, Some(v)) => ("version", 1, v),
        (None, None) => return Err("there is no `schemaVersion` key".into()),
    };
    let n = value.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| format!("`{key}` is {value}, not a schema version"))?;
    // Each key belongs to a range of versions; outside it the number cannot be trusted.
    let valid = if key == "version" { n == 1 } else { n >= first_with_key };
    if !valid {
        return Err(format!("`{key}` is {n}, which that key never held"));
    }
    Ok(n)
}

/// Runs every step from `from` up to [`SCHEMA_VERSION`].
pub(crate) fn upgrade(mut doc: Value, from: u32) -> Result<Value, String> {
    let start = usize::try_from(from.saturating_sub(1)).unwrap_or(usize::MAX);
    for (i, step) in STEPS.iter().enumerate().skip(start) {
        let (old, new) = (i + 1, i + 2);
        doc = step(doc).map_err(|e| format!("migrating from schema {old} to {new}: {e}"))?;
        let got = version_of(&doc)?;
        if got as usize != new {
            return Err(format!("migrating from schema {old} produced schema {got}, not {new}"));
        }
    }
    Ok(doc)
}

fn v1_to_v2(doc: Value) -> Result<Value, String> {
    let Value::Object(mut root) = doc else {
        return Err("the top level is not a JSON object".into());
    };
    root.remove("version");
    let clones = take_array(&mut root, "clones")?;
    let listed_envs = take_array(&mut root, "environments")?;

    let mut environments = Map::new();
    for (i, env) in listed_envs.into_iter().enumerate() {
        let Value::Object(env) = env else {
            return Err(format!("environments[{i}] is not an object"));
        };
        let name = string_field(&env, "name").ok_or_else(|| format!("environments[{i}] has no string `name`"))?;
        if environments.insert(name.clone(), Value::Object(env)).is_some() {
            return Err(format!("environment `{name}` appears twice"));
        }
    }

    // Members in clone array order: the order v1 showed them in.
    let mut members: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut by_id = Map::new();
    for (i, clone) in clones.into_iter().enumerate() {
        let Value::Object(mut clone) = clone else {
            return Err(format!("clones[{i}] is not an object"));
        };
        let id = string_field(&clone, "id").ok_or_else(|| format!("clones[{i}] has no string `id`"))?;
        match clone.remove("env") {
            None | Some(Value::Null) => {}
            Some(Value::String(env)) => {
                if !environments.contains_key(&env) {
                    let implied = implied_env(&env, &clone);
                    environments.insert(env.clone(), implied);
                }
                members.entry(env).or_default().push(Value::String(id.clone()));
            }
            Some(other) => {
                return Err(format!("clone `{id}` has `env` {other}, not a name or null"));
            }
        }
        if by_id.insert(id.clone(), Value::Object(clone)).is_some() {
            return Err(format!("clone `{id}` appears twice"));
        }
    }
    for (name, env) in environments.iter_mut() {
        let list = members.remove(name).unwrap_or_default();
        if let Value::Object(env) = env {
            env.insert("members".into(), Value::Array(list));
        }
    }

    root.insert("schemaVersion".into(), json!(2));
    root.insert("clones".into(), Value::Object(by_id));
    root.insert("environments".into(), Value::Object(environments));
    Ok(Value::Object(root))
}

/// v1 let a clone name an environment that was never listed (a spin interrupted between the
/// two writes). It gets a record whose state admits we do not know how it stands.
fn implied_env(name: &str, clone: &Map<String, Value>) -> Value {
    let stamp = |key: &str| clone.get(key).cloned().unwrap_or(Value::Null);
    json!({
        "name": name,
        "spec": null,
        "state": "partial",
        "createdAt": stamp("createdAt"),
        "updatedAt": stamp("updatedAt"),
    })
}

fn take_array(root: &mut Map<String, Value>, key: &str) -> Result<Vec<Value>, String> {
    match root.remove(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("`{key}` is {}, not an array", kind(&other))),
    }
}

fn string_field(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_string)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use asym_contract::{CloneId, EnvState, RegistryData};

    use super::*;

    fn clone_v1(id: &str, env: Option<&str>, created: &str) -> Value {
        json!({
            "id": id,
            "template": "slack",
            "mode": "embedded",
            "provider": "local",
            "database": format!("/home/u/.asymmetric/clones/{id}/db.sqlite"),
            "redisPrefix": format!("asym:{id}:"),
            "ports": {"api": 7401},
            "state": "running",
            "seed": {"fixtures": ["acme-corp"]},
            "tokens": {"bot": "xoxb-1-2-abc"},
            "expose": false,
            "adminToken": "adm_secret",
            "runtime": null,
            "env": env,
            "createdAt": created,
            "updatedAt": created,
        })
    }

    fn env_v1(name: &str) -> Value {
        json!({
            "name": name,
            "spec": "name: acme\n",
            "state": "running",
            "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-02T00:00:00Z",
        })
    }

    fn id(s: &str) -> CloneId {
        CloneId::parse(s).unwrap()
    }

    #[test]
    fn version_comes_from_the_key_of_its_era() {
        assert_eq!(version_of(&json!({"version": 1})), Ok(1));
        assert_eq!(version_of(&json!({"schemaVersion": 2})), Ok(2));
        assert_eq!(version_of(&json!({"schemaVersion": 9})), Ok(9));
        assert!(version_of(&json!({"clones": {}})).unwrap_err().contains("no `schemaVersion`"));
        assert!(version_of(&json!({"version": 2})).is_err());
        assert!(version_of(&json!({"schemaVersion": 1})).is_err());
        assert!(version_of(&json!({"schemaVersion": "2"})).is_err());
        assert!(version_of(&json!({"schemaVersion": -1})).is_err());
        assert!(version_of(&json!([1])).is_err());
    }

    #[test]
    fn v1_membership_moves_from_clones_to_environments_in_clone_order() {
        let doc = json!({
            "version": 1,
            "clones": [
                clone_v1("stripe-0002", Some("acme"), "2026-01-01T00:00:02Z"),
                clone_v1("github-0003", None, "2026-01-01T00:00:03Z"),
                clone_v1("slack-0001", Some("acme"), "2026-01-01T00:00:01Z"),
            ],
            "environments": [env_v1("acme")],
        });
        let out = v1_to_v2(doc).unwrap();
        assert_eq!(version_of(&out), Ok(2));
        assert!(out.get("version").is_none());
        assert_eq!(out["environments"]["acme"]["members"], json!(["stripe-0002", "slack-0001"]));
        assert_eq!(out["environments"]["acme"]["spec"], json!("name: acme\n"));
        for c in out["clones"].as_object().unwrap().values() {
            assert!(c.get("env").is_none(), "a v2 clone never stores its env: {c}");
        }

        let data: RegistryData = serde_json::from_value(out).unwrap();
        assert_eq!(data.clones.len(), 3);
        assert!(data.env_of(&id("github-0003")).is_none());
        assert_eq!(data.env_of(&id("slack-0001")).unwrap().name.as_str(), "acme");
    }

    #[test]
    fn an_env_named_only_by_a_clone_is_created_partial_with_the_clone_timestamps() {
        let doc = json!({
            "version": 1,
            "clones": [clone_v1("slack-0001", Some("lost"), "2026-03-04T05:06:07Z")],
            "environments": [],
        });
        let data: RegistryData = serde_json::from_value(upgrade(doc, 1).unwrap()).unwrap();
        let env = data.env_of(&id("slack-0001")).unwrap();
        assert_eq!(env.name.as_str(), "lost");
        assert_eq!(env.state, EnvState::Partial);
        assert_eq!(env.spec, None);
        assert_eq!(env.created_at, "2026-03-04T05:06:07Z");
        assert_eq!(env.updated_at, "2026-03-04T05:06:07Z");
        assert_eq!(env.members, vec![id("slack-0001")]);
    }

    #[test]
    fn a_listed_env_without_clones_keeps_an_empty_member_list() {
        let doc = json!({"version": 1, "clones": [], "environments": [env_v1("idle")]});
        let out = upgrade(doc, 1).unwrap();
        assert_eq!(out["environments"]["idle"]["members"], json!([]));
    }

    #[test]
    fn v1_documents_that_cannot_be_converted_say_where() {
        let dup = json!({
            "version": 1,
            "clones": [clone_v1("a-1", None, "t"), clone_v1("a-1", None, "t")],
            "environments": [],
        });
        let err = upgrade(dup, 1).unwrap_err();
        assert!(err.contains("migrating from schema 1 to 2") && err.contains("`a-1` appears twice"));

        let not_array = json!({"version": 1, "clones": {}, "environments": []});
        assert!(upgrade(not_array, 1).unwrap_err().contains("`clones` is an object"));

        let bad_env = json!({"version": 1, "clones": [clone_v1("a-1", None, "t")], "environments": []});
        let mut bad_env = bad_env;
        bad_env["clones"][0]["env"] = json!(7);
        assert!(upgrade(bad_env, 1).unwrap_err().contains("not a name or null"));

        let no_id = json!({"version": 1, "clones": [{"template": "slack"}], "environments": []});
        assert!(upgrade(no_id, 1).unwrap_err().contains("clones[0] has no string `id`"));
    }

    #[test]
    fn upgrading_a_current_document_is_a_no_op() {
        let doc = json!({"schemaVersion": 2, "clones": {}, "environments": {}});
        assert_eq!(upgrade(doc.clone(), SCHEMA_VERSION), Ok(doc));
    }
}
