//! `checks.yaml`: what `asym eval` scores an environment against.
//!
//! The file is parsed strictly like every other user file: unknown keys are
//! errors with did-you-mean, and every problem is one line naming the check.
//! `where` predicates are free-form maps (field names are the product's), so
//! they are read as YAML values and validated here into [`Predicate`]s.

use std::collections::BTreeMap;

use asym_contract::AsymError;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde_json::Value;

use crate::env_spec::describe_yaml_error;
use crate::suggest::unknown_key;

/// A checks file: a list of checks, each scored and weighted.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "asymmetric checks", description = "What `asym eval` scores an environment against after an agent ran.")]
pub struct ChecksFile {
    /// The checks, scored in order.
    pub checks: Vec<CheckSpec>,
}

/// One check. Exactly one of `expect`, `strict` or `journal` says what it checks.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Shown on the check's line of the report.
    pub name: String,
    /// The member clone (its id, or its template when only one member has it);
    /// may be left out when the environment has one clone. `strict` and `journal`
    /// checks without it cover every member.
    #[serde(default)]
    pub clone: Option<String>,
    /// Points this check is worth (default 1).
    #[serde(default)]
    pub weight: Option<f64>,
    /// Whether the run fails when this check fails (default true).
    #[serde(default)]
    pub required: Option<bool>,
    /// Give a failing check part of its weight in proportion to how close it came.
    #[serde(default)]
    pub partial: Option<bool>,
    /// What must have happened to the records of `resource` since the last reset.
    #[serde(default)]
    pub expect: Option<Expectation>,
    /// The product's resource name (`messages`, `channels`); with `expect`.
    #[serde(default)]
    pub resource: Option<String>,
    /// Which records the check is about; every record when absent.
    #[serde(default, rename = "where")]
    #[schemars(schema_with = "predicate_schema")]
    pub where_: Option<Value>,
    /// How many records must match: a number, or `{min, max}`. Default: at least one
    /// (`expect` and `journal`).
    #[serde(default)]
    pub count: Option<CountSpec>,
    /// With `expect: changed`: field transitions each matching record must show.
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, TransitionSpec>>")]
    pub fields: Option<BTreeMap<String, Value>>,
    /// Fail on any change that no `expect` check accounts for (collateral damage).
    #[serde(default)]
    pub strict: Option<bool>,
    /// With `strict`: changes that never count as collateral.
    #[serde(default)]
    pub ignore: Option<IgnoreSpec>,
    /// Check the request journal instead of the data.
    #[serde(default)]
    pub journal: Option<JournalSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    /// Records that exist now and did not at the last reset.
    Added,
    /// Records that existed at the last reset and do not now.
    Removed,
    /// Records whose fields differ from the last reset.
    Changed,
    /// No record matching `where` was added, removed or changed.
    Unchanged,
    /// Records that exist now (changed or not).
    Present,
    /// No record matching `where` exists now.
    Absent,
}

impl Expectation {
    pub fn as_str(self) -> &'static str {
        match self {
            Expectation::Added => "added",
            Expectation::Removed => "removed",
            Expectation::Changed => "changed",
            Expectation::Unchanged => "unchanged",
            Expectation::Present => "present",
            Expectation::Absent => "absent",
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CountSpec {
    Exactly(u64),
    Range(CountRange),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountRange {
    #[serde(default)]
    pub min: Option<u64>,
    #[serde(default)]
    pub max: Option<u64>,
}

/// `{from, to}`: each a value or a matcher (`{contains: …}`); either may be left out.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionSpec {
    #[serde(default)]
    #[schemars(schema_with = "matcher_schema")]
    pub from: Option<Value>,
    #[serde(default)]
    #[schemars(schema_with = "matcher_schema")]
    pub to: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IgnoreSpec {
    /// Resources whose changes never count (`apps`).
    #[serde(default)]
    pub resources: Vec<String>,
    /// Per resource (or `*` for all), fields whose changes never count (`updated`).
    #[serde(default)]
    pub fields: BTreeMap<String, Vec<String>>,
    /// Per resource, records whose changes never count, by predicate (Slack's
    /// `channel_topic` system messages: `messages: {subtype: channel_topic}`). A
    /// changed record is tested on its key and its fields' new values.
    #[serde(default, rename = "where")]
    #[schemars(schema_with = "predicate_map_schema")]
    pub where_: BTreeMap<String, Value>,
}

/// Which journal entries the check counts; every entry when all are absent.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JournalSpec {
    /// RPC name (`chat.postMessage`), a path (`/v1/customers`), or a prefix ending in `*`.
    #[serde(default)]
    pub method: Option<String>,
    /// HTTP method (`POST`).
    #[serde(default)]
    pub http: Option<String>,
    /// `429`, a class (`4xx`) or `error` (any failure, HTTP or product error).
    #[serde(default)]
    pub status: Option<String>,
    /// A product error code (`channel_not_found`).
    #[serde(default)]
    pub error: Option<String>,
    /// A credential: entries made with it (matched by its redacted form).
    #[serde(default)]
    pub token: Option<String>,
    /// Text in the recorded (redacted) credential: `xoxp-` for any Slack user token.
    #[serde(default)]
    pub principal: Option<String>,
}

/// A validated `where`: field matchers combined with and/or/not.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
    Field(String, Vec<Matcher>),
}

/// One test of one field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Matcher {
    Equals(Value),
    NotEquals(Value),
    Contains(String),
    Matches(Pattern),
    In(Vec<Value>),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    Exists(bool),
}

/// A regular expression compiled once, when the checks file is read.
#[derive(Debug, Clone)]
pub struct Pattern(pub regex::Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_str())
    }
}

pub const MATCHERS: &[&str] = &["equals", "not_equals", "contains", "matches", "in", "gt", "gte", "lt", "lte", "exists"];

/// A check, validated: what it checks and how it is scored.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub clone: Option<String>,
    pub weight: f64,
    pub required: bool,
    pub partial: bool,
    pub kind: CheckKind,
}

#[derive(Debug, Clone)]
pub enum CheckKind {
    Expect {
        expect: Expectation,
        resource: String,
        predicate: Option<Predicate>,
        count: Count,
        fields: BTreeMap<String, Transition>,
    },
    Strict {
        ignore: IgnoreSpec,
        /// `ignore.where`, validated.
        ignore_where: BTreeMap<String, Predicate>,
    },
    Journal {
        filter: JournalSpec,
        count: Count,
    },
}

/// A field's expected change: matchers for its old and new value, either optional.
pub type Transition = (Option<Vec<Matcher>>, Option<Vec<Matcher>>);

/// How many matches a check wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub min: u64,
    pub max: Option<u64>,
}

impl Count {
    pub fn holds(&self, n: u64) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }

    pub fn describe(&self) -> String {
        match (self.min, self.max) {
            (a, Some(b)) if a == b => format!("exactly {a}"),
            (0, Some(b)) => format!("at most {b}"),
            (a, None) => format!("at least {a}"),
            (a, Some(b)) => format!("{a} to {b}"),
        }
    }
}

/// Parses and validates a checks file; `path` is only used in messages.
pub fn parse_checks(path: &str, text: &str) -> Result<Vec<Check>, AsymError> {
    let invalid = |reason: String| AsymError::ChecksInvalid { path: path.to_string(), reason };
    if text.lines().map(str::trim).all(|l| l.is_empty() || l.starts_with('#') || l == "---") {
        return Err(invalid("the file is empty; it needs a `checks:` list".into()));
    }
    let file: ChecksFile = serde_saphyr::from_str(text).map_err(|e| invalid(describe_yaml_error(&e)))?;
    if file.checks.is_empty() {
        return Err(invalid("'checks' is empty; list at least one".into()));
    }
    let mut out = Vec::with_capacity(file.checks.len());
    for (i, spec) in file.checks.into_iter().enumerate() {
        let at = format!("checks[{i}] ({})", spec.name);
        out.push(validate(spec).map_err(|reason| invalid(format!("{at}: {reason}")))?);
    }
    Ok(out)
}

fn validate(spec: CheckSpec) -> Result<Check, String> {
    if spec.name.trim().is_empty() {
        return Err("'name' is empty".into());
    }
    let weight = spec.weight.unwrap_or(1.0);
    if !weight.is_finite() || weight < 0.0 {
        return Err(format!("'weight' must be a number ≥ 0, not {weight}"));
    }
    let kinds = [spec.expect.is_some(), spec.strict == Some(true), spec.journal.is_some()];
    match kinds.iter().filter(|k| **k).count() {
        1 => {}
        0 => return Err("say what it checks: one of 'expect', 'strict: true' or 'journal'".into()),
        _ => return Err("give only one of 'expect', 'strict' and 'journal' per check".into()),
    }
    let only = |present: bool, key: &str, with: &str| if present { Err(format!("'{key}' only goes with {with}")) } else { Ok(()) };
    let kind = if let Some(expect) = spec.expect {
        only(spec.ignore.is_some(), "ignore", "'strict: true'")?;
        let resource = spec.resource.filter(|r| !r.trim().is_empty()).ok_or("'expect' needs 'resource' (e.g. `resource: messages`)")?;
        let predicate = spec.where_.as_ref().map(|w| predicate(w, "where")).transpose()?;
        let count = match expect {
            Expectation::Unchanged | Expectation::Absent => {
                only(spec.count.is_some(), "count", "added, removed, changed or present")?;
                Count { min: 0, max: Some(0) }
            }
            _ => count(spec.count.as_ref())?,
        };
        let mut fields = BTreeMap::new();
        if let Some(f) = spec.fields {
            if expect != Expectation::Changed {
                return Err("'fields' only goes with 'expect: changed'".into());
            }
            for (name, t) in f {
                let at = format!("fields.{name}");
                let t: TransitionSpec = serde_json::from_value(t).map_err(|e| format!("{at}: {}", describe_json(&e)))?;
                if t.from.is_none() && t.to.is_none() {
                    return Err(format!("{at}: give 'from', 'to' or both"));
                }
                let from = t.from.as_ref().map(|v| matchers(v, &format!("{at}.from"))).transpose()?;
                let to = t.to.as_ref().map(|v| matchers(v, &format!("{at}.to"))).transpose()?;
                fields.insert(name, (from, to));
            }
        }
        CheckKind::Expect { expect, resource, predicate, count, fields }
    } else if spec.strict == Some(true) {
        for (present, key) in [(spec.resource.is_some(), "resource"), (spec.where_.is_some(), "where"), (spec.count.is_some(), "count")] {
            only(present, key, "'expect'")?;
        }
        let ignore = spec.ignore.unwrap_or_default();
        let ignore_where = ignore
            .where_
            .iter()
            .map(|(r, w)| Ok((r.clone(), predicate(w, &format!("ignore.where.{r}"))?)))
            .collect::<Result<_, String>>()?;
        CheckKind::Strict { ignore, ignore_where }
    } else {
        let filter = spec.journal.unwrap_or_default();
        for (present, key) in [(spec.resource.is_some(), "resource"), (spec.where_.is_some(), "where"), (spec.fields.is_some(), "fields")] {
            only(present, key, "'expect'")?;
        }
        only(spec.ignore.is_some(), "ignore", "'strict: true'")?;
        if let Some(s) = &filter.status
            && !asym_contract::journal::status_filter_ok(s)
        {
            return Err(format!("journal.status '{s}': use a status code (429), a class (4xx) or `error`"));
        }
        CheckKind::Journal { filter, count: count(spec.count.as_ref())? }
    };
    Ok(Check {
        name: spec.name,
        clone: spec.clone,
        weight,
        required: spec.required.unwrap_or(true),
        partial: spec.partial.unwrap_or(false),
        kind,
    })
}

fn count(spec: Option<&CountSpec>) -> Result<Count, String> {
    Ok(match spec {
        None => Count { min: 1, max: None },
        Some(CountSpec::Exactly(n)) => Count { min: *n, max: Some(*n) },
        Some(CountSpec::Range(CountRange { min, max })) => {
            if min.is_none() && max.is_none() {
                return Err("'count' needs 'min', 'max' or both (or a number)".into());
            }
            let c = Count { min: min.unwrap_or(0), max: *max };
            if c.max.is_some_and(|m| m < c.min) {
                return Err(format!("'count': max {} is below min {}", c.max.unwrap_or(0), c.min));
            }
            c
        }
    })
}

/// A `where` map: field → matcher, plus `and`/`or` (lists of maps) and `not` (a map).
pub fn predicate(v: &Value, at: &str) -> Result<Predicate, String> {
    let map = v.as_object().ok_or_else(|| format!("{at} must be a map of field: value (got {})", kind_of(v)))?;
    if map.is_empty() {
        return Err(format!("{at} is empty; remove it to select every record"));
    }
    let mut parts = Vec::new();
    for (key, value) in map {
        let here = format!("{at}.{key}");
        parts.push(match key.as_str() {
            "and" | "or" => {
                let list = value.as_array().filter(|l| !l.is_empty()).ok_or_else(|| format!("{here} must be a non-empty list of maps"))?;
                let items = list.iter().enumerate().map(|(i, p)| predicate(p, &format!("{here}[{i}]"))).collect::<Result<Vec<_>, _>>()?;
                if key == "and" { Predicate::All(items) } else { Predicate::Any(items) }
            }
            "not" => Predicate::Not(Box::new(predicate(value, &here)?)),
            field => Predicate::Field(field.to_string(), matchers(value, &here)?),
        });
    }
    Ok(if parts.len() == 1 { parts.remove(0) } else { Predicate::All(parts) })
}

/// A plain value means `equals`; a map holds one or more named matchers, all of
/// which must hold.
pub fn matchers(v: &Value, at: &str) -> Result<Vec<Matcher>, String> {
    let map = match v {
        Value::Object(m) => m,
        Value::Array(_) => return Err(format!("{at}: a list is not a value; use `{{in: [...]}}` to accept any of several")),
        plain => return Ok(vec![Matcher::Equals(plain.clone())]),
    };
    if map.is_empty() {
        return Err(format!("{at}: empty matcher; use one of: {}", MATCHERS.join(", ")));
    }
    let number = |op: &str, v: &Value| -> Result<f64, String> {
        v.as_f64().ok_or_else(|| format!("{at}.{op} must be a number (got {})", kind_of(v)))
    };
    let text = |op: &str, v: &Value| -> Result<String, String> {
        v.as_str().map(String::from).ok_or_else(|| format!("{at}.{op} must be a string (got {})", kind_of(v)))
    };
    map.iter()
        .map(|(op, v)| {
            Ok(match op.as_str() {
                "equals" => Matcher::Equals(v.clone()),
                "not_equals" => Matcher::NotEquals(v.clone()),
                "contains" => Matcher::Contains(text(op, v)?),
                "matches" => {
                    let re = text(op, v)?;
                    let compiled = regex::Regex::new(&re)
                        .map_err(|e| format!("{at}.matches: invalid regular expression: {}", first_line(&e.to_string())))?;
                    Matcher::Matches(Pattern(compiled))
                }
                "in" => Matcher::In(v.as_array().cloned().ok_or_else(|| format!("{at}.in must be a list (got {})", kind_of(v)))?),
                "gt" => Matcher::Gt(number(op, v)?),
                "gte" => Matcher::Gte(number(op, v)?),
                "lt" => Matcher::Lt(number(op, v)?),
                "lte" => Matcher::Lte(number(op, v)?),
                "exists" => Matcher::Exists(v.as_bool().ok_or_else(|| format!("{at}.exists must be true or false"))?),
                other => return Err(format!("{at}: {}", unknown_key(other, MATCHERS).replace("unknown key", "unknown matcher"))),
            })
        })
        .collect()
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn first_line(s: &str) -> String {
    s.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or("").to_string()
}

fn describe_json(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    crate::suggest::explain_unknown_field(&msg).unwrap_or(msg)
}

/// The published JSON Schema of checks files (`asym eval --schema`).
pub fn checks_json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(ChecksFile)).expect("a schema always serializes")
}

fn matcher_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "A value (equals), or a map of matchers that must all hold.",
        "anyOf": [
            { "type": ["string", "number", "boolean", "null"] },
            {
                "type": "object",
                "additionalProperties": false,
                "minProperties": 1,
                "properties": {
                    "equals": {}, "not_equals": {},
                    "contains": { "type": "string" },
                    "matches": { "type": "string", "description": "A regular expression (Rust regex syntax)." },
                    "in": { "type": "array" },
                    "gt": { "type": "number" }, "gte": { "type": "number" },
                    "lt": { "type": "number" }, "lte": { "type": "number" },
                    "exists": { "type": "boolean" }
                }
            }
        ]
    })
}

fn predicate_schema(generator: &mut SchemaGenerator) -> Schema {
    let matcher = matcher_schema(generator);
    json_schema!({
        "description": "Field: value-or-matcher pairs (all must hold), with `and`/`or` (lists of predicates) and `not` (a predicate).",
        "type": "object",
        "minProperties": 1,
        "properties": {
            "and": { "type": "array", "minItems": 1, "items": { "type": "object" } },
            "or": { "type": "array", "minItems": 1, "items": { "type": "object" } },
            "not": { "type": "object" }
        },
        "additionalProperties": matcher
    })
}

fn predicate_map_schema(generator: &mut SchemaGenerator) -> Schema {
    let predicate = predicate_schema(generator);
    json_schema!({ "type": "object", "additionalProperties": predicate })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reason(text: &str) -> String {
        match parse_checks("checks.yaml", text) {
            Err(AsymError::ChecksInvalid { reason, .. }) => reason,
            other => panic!("expected ChecksInvalid, got {other:?}"),
        }
    }

    #[test]
    fn parses_every_kind() {
        let checks = parse_checks(
            "c",
            "checks:\n\
             - name: posted\n  expect: added\n  resource: messages\n  where: {channel_id: C1, text: {contains: v1.4}}\n  count: 1\n  weight: 2\n\
             - name: topic\n  expect: changed\n  resource: channels\n  fields: {topic: {from: '', to: {contains: deploy}}}\n\
             - name: nothing else\n  strict: true\n  ignore: {resources: [apps], fields: {'*': [updated]}}\n  required: false\n\
             - name: no user token\n  journal: {token: xoxp-1}\n  count: 0\n",
        )
        .unwrap();
        assert_eq!(checks.len(), 4);
        assert_eq!(checks[0].weight, 2.0);
        match &checks[0].kind {
            CheckKind::Expect { expect, predicate, count, .. } => {
                assert_eq!(*expect, Expectation::Added);
                assert_eq!(*count, Count { min: 1, max: Some(1) });
                assert_eq!(
                    predicate.as_ref().unwrap(),
                    &Predicate::All(vec![
                        Predicate::Field("channel_id".into(), vec![Matcher::Equals(json!("C1"))]),
                        Predicate::Field("text".into(), vec![Matcher::Contains("v1.4".into())]),
                    ])
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&checks[1].kind, CheckKind::Expect { fields, .. } if fields["topic"].0 == Some(vec![Matcher::Equals(json!(""))])));
        assert!(matches!(&checks[2].kind, CheckKind::Strict { ignore, .. } if ignore.resources == ["apps"]));
        assert!(!checks[2].required);
        assert!(matches!(&checks[3].kind, CheckKind::Journal { count, .. } if count.max == Some(0)));
    }

    #[test]
    fn unknown_keys_and_matchers_suggest() {
        let r = reason("checks:\n- name: a\n  expect: added\n  resorce: messages\n");
        assert!(r.contains("did you mean 'resource'?"), "{r}");
        let r = reason("checks:\n- name: a\n  expect: added\n  resource: messages\n  where: {text: {contain: x}}\n");
        assert!(r.contains("checks[0] (a)") && r.contains("unknown matcher 'contain'") && r.contains("did you mean 'contains'?"), "{r}");
        let r = reason("chekcs: []\n");
        assert!(r.contains("did you mean 'checks'?"), "{r}");
        let r = reason("checks:\n- name: a\n  expect: changed\n  resource: channels\n  fields: {topic: {too: x}}\n");
        assert!(r.contains("did you mean 'to'?"), "{r}");
    }

    #[test]
    fn every_bad_shape_is_one_named_line() {
        for text in [
            "",
            "checks: []\n",
            "checks: 3\n",
            "checks:\n- name: a\n",
            "checks:\n- name: a\n  expect: added\n",
            "checks:\n- name: a\n  expect: grew\n  resource: m\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  strict: true\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  where: [1]\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  where: {text: [a, b]}\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  where: {text: {matches: '('}}\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  where: {n: {gt: x}}\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  count: {min: 3, max: 1}\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  count: -1\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  fields: {x: {to: 1}}\n",
            "checks:\n- name: a\n  expect: unchanged\n  resource: m\n  count: 1\n",
            "checks:\n- name: a\n  strict: true\n  where: {a: 1}\n",
            "checks:\n- name: a\n  strict: true\n  ignore: {where: {messages: {subtype: {eq: x}}}}\n",
            "checks:\n- name: a\n  journal: {status: teapot}\n",
            "checks:\n- name: a\n  journal: {}\n  weight: -1\n",
            "checks:\n- name: ''\n  strict: true\n",
            "checks:\n- name: a\n  expect: added\n  resource: m\n  where: {or: []}\n",
        ] {
            let r = reason(text);
            assert!(!r.is_empty() && !r.contains('\n'), "{text:?} -> {r:?}");
        }
    }
}
