//! One record as a short line a person can act on: its key, the fields the check
//! asked about, and a few that say what it is.

use std::collections::BTreeSet;

use asym_contract::diff::{Changed, Row};
use serde_json::Value;

/// Fields that usually tell a person which record it is.
const TELLING: &[&str] = &["name", "title", "email", "text", "topic", "purpose", "description", "amount", "status", "state"];
const MAX_FIELDS: usize = 6;
const MAX_VALUE: usize = 60;

pub fn row(row: &Row, key: &[String], asked: &BTreeSet<String>) -> String {
    let mut shown: Vec<String> = Vec::new();
    let wanted = key.iter().map(String::as_str).chain(asked.iter().map(String::as_str)).chain(TELLING.iter().copied());
    for f in wanted {
        if shown.len() < MAX_FIELDS && !shown.iter().any(|s| s == f) && row.contains_key(f) {
            shown.push(f.to_string());
        }
    }
    if shown.is_empty() {
        shown = row.keys().take(MAX_FIELDS).cloned().collect();
    }
    shown.iter().map(|f| format!("{f}={}", value(&row[f]))).collect::<Vec<_>>().join(" ")
}

pub fn changed(c: &Changed) -> String {
    let key = c.key.iter().map(|(k, v)| format!("{k}={}", value(v))).collect::<Vec<_>>().join(" ");
    format!("{key} ({})", fields(c))
}

/// `topic: "" → "v1.4", updated: 1 → 2`.
pub fn fields(c: &Changed) -> String {
    c.fields.iter().map(|(f, ch)| format!("{f}: {} → {}", value(&ch.from), value(&ch.to))).collect::<Vec<_>>().join(", ")
}

pub fn value(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > MAX_VALUE { format!("{}…", s.chars().take(MAX_VALUE).collect::<String>()) } else { s }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_then_asked_then_telling_fields() {
        let r: Row =
            serde_json::from_value(json!({"channel_id": "C1", "ts": "1.1", "text": "hello", "user": "U1", "blocks": "[]"})).unwrap();
        let line = row(&r, &["channel_id".into(), "ts".into()], &BTreeSet::from(["user".to_string()]));
        assert_eq!(line, "channel_id=\"C1\" ts=\"1.1\" user=\"U1\" text=\"hello\"");
        let long: Row = serde_json::from_value(json!({"text": "x".repeat(100)})).unwrap();
        assert!(row(&long, &[], &BTreeSet::new()).ends_with("…"));
    }
}
