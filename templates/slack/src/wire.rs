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

/// A file part of a `multipart/form-data` call (users.setPhoto's `image`).
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// One decoded Web API call.
pub struct SlackCall {
    pub args: Args,
    pub token: Option<String>,
    /// `client_id` and `client_secret` from `Authorization: Basic` (oauth.v2.access).
    pub basic: Option<(String, String)>,
    /// File parts of a multipart body.
    pub uploads: Vec<Upload>,
}

impl SlackCall {
    pub fn upload(&self, name: &str) -> Option<&Upload> {
        self.uploads.iter().find(|u| u.name == name)
    }
}

/// The parts of a `multipart/form-data` body: `(name, filename, content type,
/// bytes)`; `None` when the body does not follow the boundary of `content_type`.
pub fn multipart_parts(content_type: &str, body: &[u8]) -> Option<Vec<Upload>> {
    let boundary = content_type.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })?;
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut at = find(body, delimiter.as_bytes(), 0)? + delimiter.len();
    loop {
        if body[at..].starts_with(b"--") {
            break;
        }
        let start = at + if body[at..].starts_with(b"\r\n") { 2 } else { 0 };
        let head_end = find(body, b"\r\n\r\n", start)?;
        let headers = String::from_utf8_lossy(&body[start..head_end]).to_string();
        let data_start = head_end + 4;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), data_start)?;
        let mut part = Upload { name: String::new(), filename: None, content_type: None, bytes: body[data_start..next].to_vec() };
        for line in headers.lines() {
            let Some((k, v)) = line.split_once(':') else { continue };
            if k.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.trim().to_string());
            } else if k.trim().eq_ignore_ascii_case("content-disposition") {
                for param in v.split(';').map(str::trim) {
                    if let Some((pk, pv)) = param.split_once('=') {
                        let pv = pv.trim().trim_matches('"').to_string();
                        match pk.trim().to_ascii_lowercase().as_str() {
                            "name" => part.name = pv,
                            "filename" => part.filename = Some(pv),
                            _ => {}
                        }
                    }
                }
            }
        }
        parts.push(part);
        at = next + 2 + delimiter.len();
        if at >= body.len() {
            break;
        }
    }
    Some(parts)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// `Authorization: Basic base64(id:secret)`.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let raw = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = raw.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

impl<S: Send + Sync> FromRequest<S> for SlackCall {
    type Rejection = SlackError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, SlackError> {
        let mut args = Args::default();
        if let Some(q) = req.uri().query() {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).map_err(|_| SlackError::InvalidArgName)?;
            args.0.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
        }
        let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let basic = authorization.and_then(basic_credentials);
        let bearer =
            authorization.and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer "))).map(|t| t.trim().to_string());
        let content_type_raw = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let content_type = content_type_raw.to_ascii_lowercase();
        let mut uploads = Vec::new();
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
                // Text parts are arguments; parts with a filename (or binary ones) are uploads.
                let parts = multipart_parts(&content_type_raw, &body).ok_or(SlackError::Code("invalid_form_data"))?;
                for part in parts {
                    if part.filename.is_none()
                        && let Ok(text) = String::from_utf8(part.bytes.clone())
                    {
                        args.0.insert(part.name, Value::String(text));
                    } else {
                        uploads.push(part);
                    }
                }
            } else {
                let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| SlackError::InvalidArgName)?;
                args.0.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
            }
        }
        let token = bearer.or_else(|| args.str("token"));
        args.0.remove("token");
        Ok(SlackCall { args, token, basic, uploads })
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
    fn multipart_parts_keep_names_filenames_and_bytes() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"crop_w\"\r\n\r\n100\r\n--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x00\r\n--XyZ--\r\n";
        let parts = multipart_parts("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), parts[0].bytes.as_slice()), ("crop_w", b"100".as_slice()));
        assert_eq!(parts[1].filename.as_deref(), Some("me.png"));
        assert_eq!(parts[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(parts[1].bytes, b"\x89PNG\r\n\x00");
        assert!(multipart_parts("multipart/form-data", body).is_none());
        assert_eq!(basic_credentials("Basic MTIzLjQ1NjpzM2NyZXQ=").unwrap(), ("123.456".into(), "s3cret".into()));
        assert!(basic_credentials("Bearer xoxb").is_none());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor("next_ts", "1700000000.000100");
        assert_eq!(decode_cursor("next_ts", &c).unwrap(), "1700000000.000100");
        assert!(decode_cursor("next_ts", "%%%").is_err());
        assert!(decode_cursor("user", &c).is_err());
    }
}
