//! Stripe's form encoding: `metadata[k]=v`, `items[0][price]=…`, `expand[]=…`
//! (and the `expand[0]=…` the SDKs send) decoded into one JSON tree whose leaves
//! are strings, plus [`Params`], the typed reads handlers make of it.
//!
//! An empty value is kept as `""`: Stripe reads it as "unset" (`description=`
//! clears a description, `metadata[k]=` removes a key).

use serde_json::{Map, Value};

use crate::errors::{StripeError, StripeResult};

/// Splits `a[b][0][]` into `["a", "b", "0", ""]`; `None` when the brackets are unbalanced.
fn split_key(key: &str) -> Option<Vec<String>> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => return Some(vec![key.to_string()]),
    };
    if head.is_empty() {
        return None;
    }
    let mut parts = vec![head.to_string()];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        let part = &inner[..close];
        if part.contains('[') {
            return None;
        }
        parts.push(part.to_string());
        rest = &inner[close + 1..];
    }
    Some(parts)
}

fn malformed(key: &str) -> StripeError {
    StripeError::invalid(format!("Invalid request: could not parse the parameter name `{key}` (unbalanced or nested brackets)."))
}

/// Decodes a form body or query string into a JSON object tree.
pub fn parse(text: &str) -> StripeResult<Map<String, Value>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text)
        .map_err(|e| StripeError::invalid(format!("Invalid request: the body could not be decoded ({e}).")))?;
    let mut root = Value::Object(Map::new());
    for (key, value) in pairs {
        let parts = split_key(&key).ok_or_else(|| malformed(&key))?;
        insert(&mut root, &parts, value).map_err(|_| {
            StripeError::invalid(format!("Invalid request: the parameter `{key}` conflicts with another parameter of the same name."))
        })?;
    }
    let root = arrays(root);
    match root {
        Value::Object(m) => Ok(m),
        _ => Ok(Map::new()),
    }
}

fn insert(node: &mut Value, parts: &[String], value: String) -> Result<(), ()> {
    let Value::Object(map) = node else { return Err(()) };
    let key = if parts[0].is_empty() {
        // `a[]=x`: the next index of this list.
        map.len().to_string()
    } else {
        parts[0].clone()
    };
    if parts.len() == 1 {
        if map.get(&key).is_some_and(|v| !v.is_string()) {
            return Err(());
        }
        map.insert(key, Value::String(value));
        return Ok(());
    }
    let child = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    insert(child, &parts[1..], value)
}

/// Maps whose keys are all indices become arrays, in index order.
fn arrays(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let all_indices = !m.is_empty() && m.keys().all(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()));
            if all_indices {
                let mut items: Vec<(u64, Value)> = m.into_iter().map(|(k, v)| (k.parse::<u64>().unwrap_or(u64::MAX), arrays(v))).collect();
                items.sort_by_key(|(i, _)| *i);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(m.into_iter().map(|(k, v)| (k, arrays(v))).collect())
            }
        }
        other => other,
    }
}

/// Decodes a JSON body into the same tree a form body gives (leaves become
/// strings: numbers and booleans as the SDKs would encode them, `null` as `""`).
/// The Stripe API itself takes forms; JSON reaches it only from the clone's MCP
/// tools, which send their arguments as a JSON body.
pub fn from_json(body: &[u8]) -> StripeResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| StripeError::invalid(format!("Invalid request: the JSON body could not be decoded ({e}).")))?;
    fn leaves(v: Value) -> Value {
        match v {
            Value::Null => Value::String(String::new()),
            Value::Bool(b) => Value::String(b.to_string()),
            Value::Number(n) => Value::String(n.to_string()),
            Value::String(s) => Value::String(s),
            Value::Array(a) => Value::Array(a.into_iter().map(leaves).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, leaves(v))).collect()),
        }
    }
    match leaves(v) {
        Value::Object(m) => Ok(m),
        _ => Err(StripeError::invalid("Invalid request: the JSON body must be an object.")),
    }
}

/// The decoded parameters of one request, with Stripe's typed reads and checks.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub map: Map<String, Value>,
}

impl Params {
    pub fn new(map: Map<String, Value>) -> Self {
        Params { map }
    }

    /// `Received unknown parameter: x` for any top-level name outside `allowed`
    /// (`expand` is always allowed).
    pub fn allow(&self, allowed: &[&str]) -> StripeResult<()> {
        for k in self.map.keys() {
            if k != "expand" && !allowed.contains(&k.as_str()) {
                return Err(StripeError::unknown(k));
            }
        }
        Ok(())
    }

    /// Like [`Params::allow`] for the keys of the hash `name` (`card[foo]`).
    pub fn allow_in(&self, name: &str, allowed: &[&str]) -> StripeResult<()> {
        if let Some(Value::Object(m)) = self.map.get(name) {
            for k in m.keys() {
                if !allowed.contains(&k.as_str()) {
                    return Err(StripeError::unknown(&format!("{name}[{k}]")));
                }
            }
        }
        Ok(())
    }

    pub fn has(&self, k: &str) -> bool {
        self.map.contains_key(k)
    }

    pub fn get(&self, k: &str) -> Option<&Value> {
        self.map.get(k)
    }

    /// A string parameter; `Some("")` means "unset".
    pub fn str(&self, k: &str) -> StripeResult<Option<&str>> {
        match self.map.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(StripeError::invalid_param(format!("Invalid string: {{...}}; must be a string for `{k}`"), k)),
        }
    }

    /// A non-empty string, or `None`.
    pub fn text(&self, k: &str) -> StripeResult<Option<String>> {
        Ok(self.str(k)?.filter(|s| !s.is_empty()).map(String::from))
    }

    pub fn required(&self, k: &str) -> StripeResult<String> {
        self.text(k)?.ok_or_else(|| StripeError::missing(k))
    }

    pub fn int(&self, k: &str) -> StripeResult<Option<i64>> {
        match self.str(k)? {
            None | Some("") => Ok(None),
            Some(s) => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some(k))),
        }
    }

    pub fn bool(&self, k: &str) -> StripeResult<Option<bool>> {
        match self.str(k)? {
            None | Some("") => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(s) => Err(StripeError::invalid_param(format!("Invalid boolean: {s}"), k)),
        }
    }

    /// One of `choices`, or Stripe's `Invalid <k>: must be one of …`.
    pub fn choice(&self, k: &str, choices: &[&str]) -> StripeResult<Option<String>> {
        match self.text(k)? {
            None => Ok(None),
            Some(s) if choices.contains(&s.as_str()) => Ok(Some(s)),
            Some(s) => Err(StripeError::invalid_param(format!("Invalid {k}: must be one of {} (got `{s}`)", choices.join(", ")), k)),
        }
    }

    /// A list of strings (`expand[]`, `ids[]`, `enabled_events[]`).
    pub fn list(&self, k: &str) -> StripeResult<Option<Vec<String>>> {
        match self.map.get(k) {
            None => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(String::from).ok_or_else(|| StripeError::invalid_param(format!("Invalid array for `{k}`"), k)))
                .collect::<StripeResult<Vec<_>>>()
                .map(Some),
            Some(Value::String(s)) if s.is_empty() => Ok(Some(vec![])),
            Some(_) => Err(StripeError::invalid_param(format!("Invalid array for `{k}`: pass `{k}[]=…`"), k)),
        }
    }

    /// A hash parameter (`card[...]`, `recurring[...]`); `""` (unset) reads as `None`.
    pub fn hash(&self, k: &str) -> StripeResult<Option<&Map<String, Value>>> {
        match self.map.get(k) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(_) => Err(StripeError::invalid_param(format!("Invalid object: `{k}` must be a hash (`{k}[key]=value`)"), k)),
        }
    }

    pub fn expand(&self) -> StripeResult<Vec<String>> {
        Ok(self.list("expand")?.unwrap_or_default())
    }
}

/// Applies `metadata[k]=v` updates: `""` removes a key, `metadata=""` clears all.
pub fn merge_metadata(current: &mut Value, update: Option<&Value>) -> StripeResult<()> {
    let Some(update) = update else { return Ok(()) };
    if !current.is_object() {
        *current = Value::Object(Map::new());
    }
    let target = current.as_object_mut().expect("made an object above");
    match update {
        Value::String(s) if s.is_empty() => target.clear(),
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::String(s) if s.is_empty() => {
                        target.remove(k);
                    }
                    Value::String(s) => {
                        if k.len() > 40 {
                            return Err(StripeError::invalid_param(
                                format!("Metadata keys can have up to 40 characters. The key `{k}` is too long."),
                                format!("metadata[{k}]"),
                            ));
                        }
                        if s.len() > 500 {
                            return Err(StripeError::invalid_param(
                                "Metadata values can have up to 500 characters.",
                                format!("metadata[{k}]"),
                            ));
                        }
                        target.insert(k.clone(), Value::String(s.clone()));
                    }
                    _ => return Err(StripeError::invalid_param("Invalid metadata: values must be strings", format!("metadata[{k}]"))),
                }
            }
            if target.len() > 50 {
                return Err(StripeError::invalid_param("Metadata can have up to 50 keys.", "metadata"));
            }
        }
        _ => return Err(StripeError::invalid_param("Invalid object: metadata must be a hash", "metadata")),
    }
    Ok(())
}

/// A nested hash as JSON with Stripe's types: numeric strings stay strings unless
/// `ints` names the key.
pub fn hash_value(m: &Map<String, Value>, ints: &[&str]) -> StripeResult<Value> {
    let mut out = Map::new();
    for (k, v) in m {
        let v = match v {
            Value::String(s) if ints.contains(&k.as_str()) && !s.is_empty() => Value::from(
                s.parse::<i64>().map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some(k)))?,
            ),
            Value::String(s) if s.is_empty() => Value::Null,
            Value::String(s) if s == "true" || s == "false" => Value::Bool(s == "true"),
            Value::Object(inner) => hash_value(inner, ints)?,
            other => other.clone(),
        };
        out.insert(k.clone(), v);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_keys_become_a_tree() {
        let m = parse("metadata[order]=6735&items[0][price]=price_1&items[1][price]=price_2&items[1][quantity]=2&expand[]=customer&expand[]=latest_charge&name=Jenny%20Rosen").unwrap();
        assert_eq!(
            Value::Object(m),
            json!({
                "metadata": { "order": "6735" },
                "items": [{ "price": "price_1" }, { "price": "price_2", "quantity": "2" }],
                "expand": ["customer", "latest_charge"],
                "name": "Jenny Rosen"
            })
        );
    }

    #[test]
    fn indexed_arrays_sort_by_index() {
        let m = parse("expand[1]=b&expand[0]=a&expand[10]=c").unwrap();
        assert_eq!(m["expand"], json!(["a", "b", "c"]));
    }

    #[test]
    fn unbalanced_brackets_are_refused() {
        assert!(parse("metadata[a=1").is_err());
        assert!(parse("[a]=1").is_err());
        assert!(parse("a=1&a[b]=2").is_err());
    }

    #[test]
    fn json_bodies_decode_to_the_form_tree() {
        let m = from_json(br#"{"amount": 2000, "confirm": true, "metadata": {"a": "1"}, "expand": ["customer"], "description": null}"#)
            .unwrap();
        assert_eq!(
            Value::Object(m),
            json!({ "amount": "2000", "confirm": "true", "metadata": { "a": "1" }, "expand": ["customer"], "description": "" })
        );
        assert!(from_json(b"[1]").is_err());
        assert!(from_json(b"").unwrap().is_empty());
    }

    #[test]
    fn metadata_updates_remove_empty_keys() {
        let mut cur = json!({ "a": "1", "b": "2" });
        merge_metadata(&mut cur, Some(&json!({ "a": "", "c": "3" }))).unwrap();
        assert_eq!(cur, json!({ "b": "2", "c": "3" }));
        merge_metadata(&mut cur, Some(&json!(""))).unwrap();
        assert_eq!(cur, json!({}));
    }
}
