//! The Search API's query language: clauses `field:'value'` (exact,
//! case-insensitive), `field~'sub'` (substring, at least 3 characters),
//! `field>n` / `<` / `>=` / `<=` (numbers), `metadata['key']:'value'`, `-` to
//! negate a clause, `field:null`, joined by `AND` or by `OR` (not both). Results
//! come newest first as `{object:"search_result",data,has_more,next_page,url}`.

use asym_store::Pool;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::Params;
use crate::store::objects::{self, Kind, Scan};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Like,
    Gt,
    Lt,
    Ge,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    negate: bool,
    /// A dotted path, or `metadata` with a key.
    field: String,
    meta_key: Option<String>,
    op: Op,
    /// `None` for `null`.
    value: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    clauses: Vec<Clause>,
    any: bool,
}

fn bad(message: impl Into<String>) -> StripeError {
    StripeError::invalid_param(message, "query")
}

/// Parses `query` for a resource whose searchable fields are `fields`.
pub fn parse(query: &str, resource: &str, fields: &[&str]) -> StripeResult<Query> {
    let s: Vec<char> = query.chars().collect();
    let mut i = 0;
    let mut clauses = Vec::new();
    let mut joiner: Option<bool> = None;
    let skip_ws = |i: &mut usize| {
        while *i < s.len() && s[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        if i >= s.len() {
            break;
        }
        if !clauses.is_empty() {
            let word: String = s[i..].iter().take_while(|c| c.is_ascii_alphabetic()).collect();
            let any = match word.as_str() {
                "AND" => false,
                "OR" => true,
                _ => return Err(bad(format!("Invalid query: expected `AND` or `OR` at position {i} of `{query}`."))),
            };
            if joiner.is_some_and(|j| j != any) {
                return Err(bad("Invalid query: a query cannot mix `AND` and `OR`."));
            }
            joiner = Some(any);
            i += word.len();
            skip_ws(&mut i);
        }
        let negate = i < s.len() && s[i] == '-';
        if negate {
            i += 1;
        }
        let start = i;
        while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == '_' || s[i] == '.') {
            i += 1;
        }
        let field: String = s[start..i].iter().collect();
        if field.is_empty() {
            return Err(bad(format!("Invalid query: expected a field name at position {start} of `{query}`.")));
        }
        let mut meta_key = None;
        if field == "metadata" {
            if i < s.len() && s[i] == '[' {
                i += 1;
                let (k, next) =
                    quoted(&s, i).ok_or_else(|| bad("Invalid query: metadata keys are written metadata['key'].".to_string()))?;
                i = next;
                if i >= s.len() || s[i] != ']' {
                    return Err(bad("Invalid query: metadata keys are written metadata['key']."));
                }
                i += 1;
                meta_key = Some(k);
            } else {
                return Err(bad("Invalid query: metadata keys are written metadata['key']."));
            }
        }
        if !fields.contains(&field.as_str()) {
            return Err(bad(format!(
                "Field `{field}` is an unsupported search field for resource `{resource}`. See http://stripe.com/docs/search#query-fields-for-{resource} for a list of supported fields."
            )));
        }
        let op = match (s.get(i), s.get(i + 1)) {
            (Some(':'), _) => Op::Eq,
            (Some('~'), _) => Op::Like,
            (Some('>'), Some('=')) => Op::Ge,
            (Some('<'), Some('=')) => Op::Le,
            (Some('>'), _) => Op::Gt,
            (Some('<'), _) => Op::Lt,
            _ => return Err(bad(format!("Invalid query: expected an operator (`:`, `~`, `>`, `<`) after `{field}`."))),
        };
        i += if matches!(op, Op::Ge | Op::Le) { 2 } else { 1 };
        let value = if let Some((v, next)) = quoted(&s, i) {
            i = next;
            Some(v)
        } else {
            let start = i;
            while i < s.len() && !s[i].is_whitespace() {
                i += 1;
            }
            let raw: String = s[start..i].iter().collect();
            if raw == "null" {
                None
            } else if !raw.is_empty() && raw.parse::<f64>().is_ok() {
                Some(raw)
            } else {
                return Err(bad(format!("Invalid query: the value for `{field}` must be quoted ('…'), a number or null.")));
            }
        };
        if op == Op::Like && value.as_ref().is_none_or(|v| v.chars().count() < 3) {
            return Err(bad("Invalid query: a `~` (substring) match needs at least 3 characters."));
        }
        clauses.push(Clause { negate, field, meta_key, op, value });
    }
    if clauses.is_empty() {
        return Err(bad("Invalid query: the query is empty."));
    }
    if clauses.len() > 10 {
        return Err(bad("Invalid query: a query can have at most 10 clauses."));
    }
    Ok(Query { clauses, any: joiner.unwrap_or(false) })
}

/// A `'…'` or `"…"` string at `i` (backslash escapes the quote); its text and the next index.
fn quoted(s: &[char], i: usize) -> Option<(String, usize)> {
    let q = *s.get(i)?;
    if q != '\'' && q != '"' {
        return None;
    }
    let mut out = String::new();
    let mut j = i + 1;
    while j < s.len() {
        match s[j] {
            '\\' if j + 1 < s.len() => {
                out.push(s[j + 1]);
                j += 2;
            }
            c if c == q => return Some((out, j + 1)),
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
    None
}

fn lookup<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |cur, k| cur.get(k).unwrap_or(&Value::Null))
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Clause {
    fn matches(&self, obj: &Value) -> bool {
        let target = match &self.meta_key {
            Some(k) => obj.get("metadata").and_then(|m| m.get(k)).unwrap_or(&Value::Null),
            None => lookup(obj, &self.field),
        };
        let hit = match (&self.value, text_of(target)) {
            (None, t) => t.is_none(),
            (Some(_), None) => false,
            (Some(want), Some(have)) => match self.op {
                Op::Eq => have.eq_ignore_ascii_case(want),
                Op::Like => have.to_lowercase().contains(&want.to_lowercase()),
                op => match (have.parse::<f64>(), want.parse::<f64>()) {
                    (Ok(h), Ok(w)) => match op {
                        Op::Gt => h > w,
                        Op::Lt => h < w,
                        Op::Ge => h >= w,
                        _ => h <= w,
                    },
                    _ => false,
                },
            },
        };
        hit != self.negate
    }
}

impl Query {
    pub fn matches(&self, obj: &Value) -> bool {
        if self.any { self.clauses.iter().any(|c| c.matches(obj)) } else { self.clauses.iter().all(|c| c.matches(obj)) }
    }
}

/// `GET /v1/<resource>/search`: `query` (required), `limit`, `page`.
pub async fn search(db: &Pool, kind: Kind, resource: &str, fields: &[&str], p: &Params) -> StripeResult<Value> {
    p.allow(&["query", "limit", "page"])?;
    let q = parse(&p.required("query")?, resource, fields)?;
    let limit = match p.int("limit")? {
        None => 10,
        Some(n) if (1..=100).contains(&n) => n,
        Some(_) => return Err(StripeError::invalid_param("This value must be between 1 and 100.", "limit")),
    };
    let offset = match p.text("page")? {
        None => 0,
        Some(token) => URL_SAFE_NO_PAD
            .decode(token.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("off:").and_then(|n| n.parse::<usize>().ok()))
            .ok_or_else(|| StripeError::invalid_param("Invalid page: the page token is not one this API returned.", "page"))?,
    };
    let rows = objects::scan(db, kind, &Scan { limit: i64::MAX / 2, ..Default::default() }).await?;
    let hits: Vec<Value> = rows.into_iter().map(|(_, v)| v).filter(|v| q.matches(v)).collect();
    let total = hits.len();
    let data: Vec<Value> = hits.into_iter().skip(offset).take(limit as usize).collect();
    let next = offset + data.len();
    let has_more = next < total;
    Ok(json!({
        "object": "search_result",
        "data": data,
        "has_more": has_more,
        "next_page": if has_more { json!(URL_SAFE_NO_PAD.encode(format!("off:{next}"))) } else { Value::Null },
        "url": format!("/v1/{resource}/search"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &[&str] = &["email", "name", "created", "metadata", "phone"];

    #[test]
    fn clauses_match_as_stripe_documents() {
        let c =
            json!({ "email": "Jenny@Example.com", "name": "Jenny Rosen", "created": 100, "metadata": { "plan": "pro" }, "phone": null });
        assert!(parse("email:'jenny@example.com'", "customers", F).unwrap().matches(&c));
        assert!(parse("name~'rose' AND created>50", "customers", F).unwrap().matches(&c));
        assert!(parse("metadata['plan']:'pro'", "customers", F).unwrap().matches(&c));
        assert!(!parse("-metadata['plan']:'pro'", "customers", F).unwrap().matches(&c));
        assert!(parse("name:'nobody' OR created<=100", "customers", F).unwrap().matches(&c));
        assert!(parse("phone:null", "customers", F).unwrap().matches(&c));
        assert!(!parse("created>=101", "customers", F).unwrap().matches(&c));
    }

    #[test]
    fn bad_queries_are_refused() {
        assert!(parse("email:'a' AND name:'b' OR name:'c'", "customers", F).is_err());
        assert!(parse("colour:'red'", "customers", F).is_err());
        assert!(parse("name~'ab'", "customers", F).is_err());
        assert!(parse("email:unquoted", "customers", F).is_err());
        assert!(parse("", "customers", F).is_err());
    }
}
