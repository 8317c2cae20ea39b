//! `*.env.yaml`: a named environment and the clones it holds.

use std::collections::BTreeSet;

use asym_contract::{AsymError, CloneId, EnvName};
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::suggest::unknown_key;

/// One environment: `asym env spin <file>` spins every clone in it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "asymmetric environment", description = "An environment: a named set of clones spun, reset and destroyed together.")]
pub struct EnvSpec {
    /// Environment name: lowercase letters, digits and `-`.
    pub name: String,
    /// The clones to spin, in order.
    pub clones: Vec<EnvCloneSpec>,
    /// Reserved for shared identities across clones (not built yet).
    #[serde(default)]
    #[schemars(skip)]
    identity: Option<IgnoredAny>,
    /// Reserved for cross-clone seed data (not built yet).
    #[serde(default)]
    #[schemars(skip)]
    data: Option<IgnoredAny>,
}

/// One member clone.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvCloneSpec {
    /// Template name, e.g. `slack`.
    pub template: String,
    /// Template mode (e.g. `api` or `full`); the template's default when absent.
    #[serde(default)]
    pub mode: Option<String>,
    /// Fixture to seed, e.g. `acme-corp`; the template's default when absent.
    #[serde(default)]
    pub seed: Option<String>,
    /// Clone id to use instead of a generated `<template>-<hex>`.
    #[serde(default)]
    pub name: Option<String>,
    /// The product's rate limits (default true); false for high-throughput runs.
    #[serde(default, rename = "rateLimits")]
    pub rate_limits: Option<bool>,
}

/// Parses and validates an environment spec; `path` is only used in messages.
pub fn parse_env_spec(path: &str, text: &str) -> Result<EnvSpec, AsymError> {
    let invalid = |reason: String| AsymError::EnvSpecInvalid { path: path.to_string(), reason };
    if is_blank_yaml(text) {
        return Err(invalid("the file is empty; it needs `name:` and a `clones:` list".into()));
    }
    let spec: EnvSpec = serde_saphyr::from_str(text).map_err(|e| invalid(describe_yaml_error(&e)))?;
    for (key, present) in [("identity", spec.identity.is_some()), ("data", spec.data.is_some())] {
        if present {
            return Err(invalid(format!("top-level key '{key}' is reserved and not built yet; remove it")));
        }
    }
    EnvName::parse(&spec.name).map_err(|e| invalid(format!("'name': {e}")))?;
    if spec.clones.is_empty() {
        return Err(invalid("'clones' is empty; list at least one, e.g. `- template: slack`".into()));
    }
    let mut names = BTreeSet::new();
    for (i, clone) in spec.clones.iter().enumerate() {
        if clone.template.trim().is_empty() {
            return Err(invalid(format!("clones[{i}].template is empty")));
        }
        if let Some(name) = &clone.name {
            CloneId::parse(name).map_err(|e| invalid(format!("clones[{i}].name: {e}")))?;
            if !names.insert(name.clone()) {
                return Err(invalid(format!("clones[{i}].name '{name}' is used twice; clone names must be unique")));
            }
        }
    }
    Ok(spec)
}

/// The published JSON Schema of environment files (`asym env schema`).
pub fn env_spec_json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(EnvSpec)).expect("a schema always serializes")
}

fn is_blank_yaml(text: &str) -> bool {
    text.lines().map(str::trim).all(|l| l.is_empty() || l.starts_with('#') || l == "---" || l == "...")
}

/// One line from a YAML/serde error: the message with its line and column.
pub(crate) fn describe_yaml_error(e: &serde_saphyr::Error) -> String {
    let message = match e.without_snippet() {
        serde_saphyr::Error::SerdeUnknownField { field, expected, .. } => {
            let hidden = ["identity", "data"];
            let shown: Vec<&str> = expected.iter().copied().filter(|k| !hidden.contains(k)).collect();
            unknown_key(field, &shown)
        }
        other => other.to_string().lines().next().unwrap_or("").trim().to_string(),
    };
    let located = message.contains(" line ");
    match e.location() {
        Some(loc) if !located && loc.line() > 0 => format!("{message} (line {}, column {})", loc.line(), loc.column()),
        _ => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> String {
        match parse_env_spec("acme.env.yaml", text) {
            Err(AsymError::EnvSpecInvalid { reason, .. }) => reason,
            other => panic!("expected EnvSpecInvalid, got {other:?}"),
        }
    }

    #[test]
    fn parses_a_full_spec() {
        let spec =
            parse_env_spec("x", "name: acme\nclones:\n  - template: slack\n    mode: api\n    seed: acme-corp\n    name: slack-main\n")
                .unwrap();
        assert_eq!(spec.name, "acme");
        assert_eq!(spec.clones[0].template, "slack");
        assert_eq!(spec.clones[0].mode.as_deref(), Some("api"));
        assert_eq!(spec.clones[0].seed.as_deref(), Some("acme-corp"));
        assert_eq!(spec.clones[0].name.as_deref(), Some("slack-main"));
    }

    #[test]
    fn unknown_key_names_the_line_and_suggests() {
        let r = reason("name: acme\nclone:\n  - template: slack\n");
        assert!(r.contains("'clone'") && r.contains("did you mean 'clones'?"), "{r}");
        assert!(r.contains("line 2"), "{r}");
        assert!(!r.contains('\n'), "one line: {r}");
    }

    #[test]
    fn unknown_key_in_a_member() {
        let r = reason("name: acme\nclones:\n  - template: slack\n    seeed: acme-corp\n");
        assert!(r.contains("did you mean 'seed'?"), "{r}");
    }

    #[test]
    fn every_bad_shape_is_one_named_line() {
        for text in [
            "",
            "# only a comment\n",
            "- a\n- b\n",
            "name: [acme\n",
            "name: acme\nclones: 3\n",
            "clones:\n  - template: slack\n",
            "name: acme\nclones:\n  - mode: api\n",
            "name: acme\nclones: []\n",
            "name: Acme Corp\nclones:\n  - template: slack\n",
            "name: acme\nclones:\n  - template: slack\n    name: a\n  - template: slack\n    name: a\n",
            "name: acme\nclones:\n  - template: slack\nidentity:\n  users: []\n",
            "name: acme\nclones:\n  - template: slack\ndata: {}\n",
        ] {
            let r = reason(text);
            assert!(!r.is_empty() && !r.contains('\n'), "{text:?} -> {r:?}");
        }
    }

    #[test]
    fn reserved_keys_say_so() {
        assert!(reason("name: acme\nclones:\n  - template: slack\nidentity: {}\n").contains("reserved and not built yet"));
    }

    #[test]
    fn malformed_yaml_has_a_position() {
        let r = reason("name: acme\nclones:\n  - template: [slack\n");
        assert!(r.contains("line"), "{r}");
    }
}
