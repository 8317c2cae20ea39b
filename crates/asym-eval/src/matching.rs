//! `where` predicates and matchers against one record.
//!
//! Values come from the clone's database as JSON, where booleans are often 0/1
//! and numbers may be kept as text (Slack's `ts`); comparisons bridge those the
//! way a person reading the checks file would expect.

use std::collections::BTreeSet;

use asym_contract::diff::Row;
use asym_spec::{Matcher, Predicate};
use serde_json::Value;

pub fn holds(p: &Predicate, row: &Row) -> bool {
    match p {
        Predicate::All(ps) => ps.iter().all(|p| holds(p, row)),
        Predicate::Any(ps) => ps.iter().any(|p| holds(p, row)),
        Predicate::Not(p) => !holds(p, row),
        Predicate::Field(field, ms) => all_match(ms, lookup(row, field).unwrap_or(&Value::Null)),
    }
}

/// A field, or a dotted path into a JSON field (`metadata.order_id`, `items.0.price`).
pub fn lookup<'a>(row: &'a Row, field: &str) -> Option<&'a Value> {
    if let Some(v) = row.get(field) {
        return Some(v);
    }
    let (head, rest) = field.split_once('.')?;
    let mut v = row.get(head)?;
    for part in rest.split('.') {
        v = match v {
            Value::Object(o) => o.get(part)?,
            Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(v)
}

pub fn all_match(ms: &[Matcher], v: &Value) -> bool {
    ms.iter().all(|m| matches(m, v))
}

fn matches(m: &Matcher, v: &Value) -> bool {
    match m {
        Matcher::Equals(want) => same(want, v),
        Matcher::NotEquals(want) => !same(want, v),
        Matcher::Contains(s) => text(v).is_some_and(|t| t.contains(s.as_str())),
        Matcher::Matches(re) => text(v).is_some_and(|t| re.0.is_match(&t)),
        Matcher::In(options) => options.iter().any(|o| same(o, v)),
        Matcher::Gt(n) => number(v).is_some_and(|x| x > *n),
        Matcher::Gte(n) => number(v).is_some_and(|x| x >= *n),
        Matcher::Lt(n) => number(v).is_some_and(|x| x < *n),
        Matcher::Lte(n) => number(v).is_some_and(|x| x <= *n),
        Matcher::Exists(want) => v.is_null() != *want,
    }
}

/// Equality across the representations a database gives: `true` is 1, a number
/// equals its text, null equals only null.
pub fn same(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Null, g) => g.is_null(),
        (_, Value::Null) => false,
        (Value::Bool(b), g) => g.as_bool() == Some(*b) || number(g) == Some(if *b { 1.0 } else { 0.0 }),
        (Value::Number(_), g) => number(want) == number(g),
        (w, g) => w == g || text(w) == text(g),
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// The fields a predicate reads.
pub fn fields(p: &Predicate, out: &mut BTreeSet<String>) {
    match p {
        Predicate::All(ps) | Predicate::Any(ps) => ps.iter().for_each(|p| fields(p, out)),
        Predicate::Not(p) => fields(p, out),
        Predicate::Field(f, _) => {
            out.insert(f.clone());
        }
    }
}

/// `channel_id = C1 and text contains "v1.4"`.
pub fn describe(p: &Predicate) -> String {
    match p {
        Predicate::All(ps) => ps.iter().map(describe_inner).collect::<Vec<_>>().join(" and "),
        Predicate::Any(ps) => ps.iter().map(describe_inner).collect::<Vec<_>>().join(" or "),
        Predicate::Not(p) => format!("not {}", describe_inner(p)),
        Predicate::Field(f, ms) => ms.iter().map(|m| describe_matcher(f, m)).collect::<Vec<_>>().join(" and "),
    }
}

fn describe_inner(p: &Predicate) -> String {
    match p {
        Predicate::Field(_, ms) if ms.len() == 1 => describe(p),
        _ => format!("({})", describe(p)),
    }
}

pub fn describe_matcher(field: &str, m: &Matcher) -> String {
    match m {
        Matcher::Equals(v) => format!("{field} = {v}"),
        Matcher::NotEquals(v) => format!("{field} ≠ {v}"),
        Matcher::Contains(s) => format!("{field} contains {s:?}"),
        Matcher::Matches(re) => format!("{field} matches /{re}/"),
        Matcher::In(vs) => format!("{field} in {}", Value::Array(vs.clone())),
        Matcher::Gt(n) => format!("{field} > {n}"),
        Matcher::Gte(n) => format!("{field} ≥ {n}"),
        Matcher::Lt(n) => format!("{field} < {n}"),
        Matcher::Lte(n) => format!("{field} ≤ {n}"),
        Matcher::Exists(true) => format!("{field} is set"),
        Matcher::Exists(false) => format!("{field} is not set"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(v: Value) -> Row {
        serde_json::from_value(v).unwrap()
    }

    fn p(v: Value) -> Predicate {
        asym_spec::parse_checks("c", &format!("checks:\n- name: a\n  expect: present\n  resource: r\n  where: {v}\n"))
            .map(|c| match &c[0].kind {
                asym_spec::CheckKind::Expect { predicate, .. } => predicate.clone().unwrap(),
                _ => unreachable!(),
            })
            .unwrap()
    }

    #[test]
    fn matchers_bridge_database_representations() {
        let r = row(json!({"id": "C1", "is_archived": 1, "ts": "1700000000.000100", "topic": null, "text": "Deploy v1.4 done", "n": 3}));
        assert!(holds(&p(json!({"is_archived": true})), &r));
        assert!(holds(&p(json!({"ts": {"gt": 1699999999}})), &r));
        assert!(holds(&p(json!({"topic": null, "text": {"contains": "v1.4", "matches": "^Deploy"}})), &r));
        assert!(holds(&p(json!({"n": {"in": [2, 3]}, "id": {"not_equals": "C2"}})), &r));
        assert!(holds(&p(json!({"or": [{"id": "C9"}, {"n": {"gte": 3, "lt": 4}}]})), &r));
        assert!(holds(&p(json!({"not": {"id": "C2"}, "topic": {"exists": false}})), &r));
        assert!(!holds(&p(json!({"n": "4"})), &r));
        assert!(!holds(&p(json!({"missing": {"exists": true}})), &r));
        assert!(holds(&p(json!({"n": "3"})), &r), "a number equals its text");
        let doc = row(json!({"metadata": {"order": "A1"}, "items": [{"price": "price_1"}]}));
        assert!(holds(&p(json!({"metadata.order": "A1", "items.0.price": "price_1"})), &doc));
        assert!(!holds(&p(json!({"metadata.missing": {"exists": true}})), &doc));
    }

    #[test]
    fn descriptions_read_as_sentences() {
        assert_eq!(describe(&p(json!({"channel_id": "C1", "text": {"contains": "hi"}}))), "channel_id = \"C1\" and text contains \"hi\"");
        assert_eq!(describe(&p(json!({"or": [{"a": 1}, {"b": 2}]}))), "a = 1 or b = 2");
    }
}
