//! Slack's wire format: arguments from query, form or JSON bodies; the token from
//! the `Authorization` header or a `token` argument; `ts` strings; cursors.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{FromRequest, Request};
use axum::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::errors::{SlackError, SlackResult};

/// Arguments of one Web API call, whatever encoding they came in.
#[derive(Debug, Default, Clone)]
pub struct Args(pub BTreeMap<String, Value>);

impl Args {
    pub fn str(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn required(&self, key: &str) -> SlackResult<String> {
        self.str(key).ok_or_else(|| SlackError::InvalidArguments { messages: vec![format!("[ERROR] missing required field: {key}")] })
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.0.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_i64() != Some(0)),
            Value::String(s) => Some(matches!(s.as_str(), "true" | "1" | "yes")),
            _ => None,
        }
    }

    pub fn int(&self, key: &str) -> SlackResult<Option<i64>> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_i64()),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| SlackError::InvalidArguments {
                messages: vec![format!("[ERROR] failed to match all allowed schemas [json-pointer:/{key}]")],
            }),
            Some(_) => Err(SlackError::InvalidArguments { messages: vec![format!("[ERROR] invalid type for {key}")] }),
        }
    }

    /// A JSON argument that SDKs send either as JSON or as a JSON-encoded string
    /// inside a form (`blocks`, `attachments`).
    pub fn json(&self, key: &str) -> Result<Option<Value>, serde_json::Error> {
        match self.0.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s).map(Some),
            Some(v) => Ok(Some(v.clone())),
        }
    }

    /// A comma-separated list argument (`types=public_channel,private_channel`).
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.0.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
            _ => self.str(key).map(|s| s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect()).unwrap_or_default(),
        }
    }
}

/// One decoded Web API call.
pub struct SlackCall {
    pub args: Args,
    pub token: Option<String>,
}

impl<S: Send + Sync> FromRequest<S> for SlackCall {
    type Rejection = SlackError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, SlackError> {
        let mut args = Args::default();
        if let Some(q) = req.uri().query() {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).map_err(|_| SlackError::InvalidArgName)?;
            args.0.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
        }
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_string());
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let body = axum::body::to_bytes(req.into_body(), asym_clone_kit::serve::MAX_BODY_BYTES)
            .await
            .map_err(|_| SlackError::InvalidArguments { messages: vec!["[ERROR] request body too large".into()] })?;
        if !body.is_empty() {
            if content_type.starts_with("application/json") {
                match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Object(map)) => args.0.extend(map),
                    _ => return Err(SlackError::InvalidArguments { messages: vec!["[ERROR] invalid_json".into()] }),
                }
            } else if content_type.starts_with("multipart/form-data") {
                return Err(SlackError::NotImplemented { method: "multipart/form-data arguments".into() });
            } else {
                let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| SlackError::InvalidArgName)?;
                args.0.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
            }
        }
        let token = bearer.or_else(|| args.str("token"));
        args.0.remove("token");
        Ok(SlackCall { args, token })
    }
}

/// A fresh message timestamp (`1712345678.000123`).
pub fn now_ts() -> String {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64
}

/// The next `ts` after `ts` (one microsecond later), keeping ts unique per channel.
pub fn bump_ts(ts: &str) -> String {
    let (secs, micros) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: u64 = secs.parse().unwrap_or(0);
    let micros: u64 = micros.parse().unwrap_or(0) + 1;
    format!("{}.{:06}", secs + micros / 1_000_000, micros % 1_000_000)
}

pub fn valid_ts(ts: &str) -> bool {
    let (a, b) = ts.split_once('.').unwrap_or((ts, "0"));
    !a.is_empty() && a.chars().all(|c| c.is_ascii_digit()) && b.chars().all(|c| c.is_ascii_digit())
}

/// Normalises `1700000000` or `1700000000.5` to the six-decimal form stored.
pub fn normalize_ts(ts: &str) -> Option<String> {
    if !valid_ts(ts) {
        return None;
    }
    let (a, b) = ts.split_once('.').unwrap_or((ts, ""));
    let mut frac = b.to_string();
    frac.truncate(6);
    Some(format!("{a}.{frac:0<6}"))
}

/// Slack cursors are opaque base64 strings such as `bmV4dF90czox…` (`next_ts:…`).
pub fn encode_cursor(kind: &str, value: &str) -> String {
    STANDARD.encode(format!("{kind}:{value}"))
}

pub fn decode_cursor(kind: &str, cursor: &str) -> SlackResult<String> {
    let raw = STANDARD.decode(cursor.trim()).map_err(|_| SlackError::InvalidCursor)?;
    let s = String::from_utf8(raw).map_err(|_| SlackError::InvalidCursor)?;
    s.strip_prefix(kind).and_then(|r| r.strip_prefix(':')).map(String::from).ok_or(SlackError::InvalidCursor)
}

/// Slack's `limit`: default `default`, clamped to `max`; zero or negative is invalid.
pub fn limit(args: &Args, default: i64, max: i64) -> SlackResult<i64> {
    match args.int("limit")? {
        None | Some(0) => Ok(default),
        Some(n) if n < 0 => Err(SlackError::InvalidLimit),
        Some(n) => Ok(n.min(max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ts_bumps_and_normalises() {
        assert_eq!(bump_ts("1700000000.999999"), "1700000001.000000");
        assert_eq!(bump_ts("1700000000.000100"), "1700000000.000101");
        assert_eq!(normalize_ts("1700000000").unwrap(), "1700000000.000000");
        assert_eq!(normalize_ts("1700000000.5").unwrap(), "1700000000.500000");
        assert!(normalize_ts("abc").is_none());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor("next_ts", "1700000000.000100");
        assert_eq!(decode_cursor("next_ts", &c).unwrap(), "1700000000.000100");
        assert!(decode_cursor("next_ts", "%%%").is_err());
        assert!(decode_cursor("user", &c).is_err());
    }
}
