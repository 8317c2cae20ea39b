//! What changed in a clone since its last reset (or a named snapshot), grouped by
//! the product's own resource names, with field-level before/after.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One record: column → value.
pub type Row = BTreeMap<String, Value>;

/// A table a template exposes to `asym diff`, under the product's name for it.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The product's name (`messages`, `memberships`).
    pub name: &'static str,
    pub table: &'static str,
    /// Primary-key columns: what identifies one record across the two states.
    pub key: &'static [&'static str],
    /// The columns compared; empty means all of them. Name them when the table
    /// holds something that must not be read or shown (bytes, secrets).
    pub columns: &'static [&'static str],
}

/// Rows provisioning writes: those of `resource` whose `column` equals `value`.
/// Read right after spin and reset, they are the diff's baseline on top of the
/// golden image, at the cost of a few small queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    pub resource: &'static str,
    pub column: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CloneDiff {
    /// `reset` (the seeded state) or the snapshot name.
    pub since: String,
    /// Only resources with changes.
    pub resources: BTreeMap<String, ResourceDiff>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceDiff {
    /// The columns that identify one record (what `changed[].key` holds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    pub added: Vec<BTreeMap<String, Value>>,
    pub removed: Vec<BTreeMap<String, Value>>,
    pub changed: Vec<Changed>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changed {
    /// The key columns and their values.
    pub key: BTreeMap<String, Value>,
    /// Field → {from, to}.
    pub fields: BTreeMap<String, FieldChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub from: Value,
    pub to: Value,
}

impl ResourceDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares two states of one resource, each a list of rows (column → value).
pub fn diff_rows(key: &[&str], before: Vec<BTreeMap<String, Value>>, after: Vec<BTreeMap<String, Value>>) -> ResourceDiff {
    let id = |row: &BTreeMap<String, Value>| -> String {
        key.iter().map(|k| row.get(*k).map(Value::to_string).unwrap_or_default()).collect::<Vec<_>>().join("\u{1f}")
    };
    let mut old: BTreeMap<String, BTreeMap<String, Value>> = before.into_iter().map(|r| (id(&r), r)).collect();
    let mut out = ResourceDiff { key: key.iter().map(|k| k.to_string()).collect(), ..Default::default() };
    let mut after: Vec<(String, BTreeMap<String, Value>)> = after.into_iter().map(|r| (id(&r), r)).collect();
    after.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, row) in after {
        match old.remove(&k) {
            None => out.added.push(row),
            Some(prev) => {
                let fields: BTreeMap<String, FieldChange> = row
                    .iter()
                    .filter(|(c, v)| prev.get(*c) != Some(*v))
                    .map(|(c, v)| (c.clone(), FieldChange { from: prev.get(c).cloned().unwrap_or(Value::Null), to: v.clone() }))
                    .collect();
                if !fields.is_empty() {
                    let key = key.iter().filter_map(|c| row.get(*c).map(|v| (c.to_string(), v.clone()))).collect();
                    out.changed.push(Changed { key, fields });
                }
            }
        }
    }
    out.removed = old.into_values().collect();
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn added_removed_and_changed_fields() {
        let before = vec![row(json!({"id": "a", "text": "hi"})), row(json!({"id": "b", "text": "gone"}))];
        let after = vec![row(json!({"id": "a", "text": "edited"})), row(json!({"id": "c", "text": "new"}))];
        let d = diff_rows(&["id"], before, after);
        assert_eq!(d.added, vec![row(json!({"id": "c", "text": "new"}))]);
        assert_eq!(d.removed, vec![row(json!({"id": "b", "text": "gone"}))]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].fields["text"], FieldChange { from: json!("hi"), to: json!("edited") });
        assert!(diff_rows(&["id"], vec![row(json!({"id": 1}))], vec![row(json!({"id": 1}))]).is_empty());
    }
}
