//! The request journal: one JSON line per data-plane request of a clone (time,
//! principal, method, status, product error code, latency, capped bodies with
//! secrets redacted), appended to `clones/<id>/journal.jsonl` by a background
//! writer so a request never waits on the disk. Reset empties it.
//!
//! Only product routes are journaled: health and `/_asym/admin/*` are not the
//! agent's doing.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use asym_contract::journal::{JournalEntry, redact_secret};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt;
use serde_json::Value;

/// Bodies are kept up to this many bytes (the rest is cut, and says so).
pub const BODY_CAP: usize = 4096;
/// Requests bigger than this are journaled without their body.
const READ_CAP: usize = 1024 * 1024;

enum Op {
    Append(Box<JournalEntry>),
    Truncate(tokio::sync::oneshot::Sender<()>),
}

/// How long the writer lets entries gather after a write. Requests then hand
/// their entry over without waking anyone (the writer is asleep, not waiting on
/// the channel): perf showed a wake-up per request costing a tenth of a small
/// request's time. An entry reaches the file at most this much after its answer.
const GATHER: Duration = Duration::from_millis(1);

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Journal {
    tx: Option<std::sync::mpsc::Sender<Op>>,
}

impl Journal {
    /// Journals to `path`; `None` when journaling is off (`ASYM_JOURNAL=off`).
    pub fn open(path: Option<PathBuf>) -> Journal {
        let Some(path) = path else { return Journal { tx: None } };
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new().name("journal".into()).spawn(move || writer(&path, &rx));
        if let Err(e) = spawned {
            tracing::warn!("request journal disabled: cannot start its writer: {e}");
            return Journal { tx: None };
        }
        Journal { tx: Some(tx) }
    }

    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }

    fn append(&self, entry: JournalEntry) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Op::Append(Box::new(entry)));
        }
    }

    /// Empties the journal (reset); waits until the file is truncated.
    pub async fn truncate(&self) {
        if let Some(tx) = &self.tx {
            let (done, wait) = tokio::sync::oneshot::channel();
            if tx.send(Op::Truncate(done)).is_ok() {
                let _ = wait.await;
            }
        }
    }
}

/// The writer thread: appends what requests hand over, in batches, until every
/// handle is gone.
fn writer(path: &std::path::Path, rx: &std::sync::mpsc::Receiver<Op>) {
    let open = |truncate: bool| std::fs::OpenOptions::new().create(true).append(!truncate).write(true).truncate(truncate).open(path);
    let mut file = match open(false) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!("request journal disabled: cannot open {}: {e}", path.display());
            return;
        }
    };
    let mut seq = existing_lines(path);
    while let Ok(first) = rx.recv() {
        // Drain what is queued so a burst costs one write; a truncation ends
        // the burst and runs after it is written.
        let (mut line, mut truncate, mut next) = (Vec::new(), None, Some(first));
        while let Some(op) = next.take() {
            match op {
                Op::Append(mut entry) => {
                    seq += 1;
                    entry.seq = seq;
                    line.extend(serde_json::to_vec(&entry).unwrap_or_default());
                    line.push(b'\n');
                    next = rx.try_recv().ok();
                }
                Op::Truncate(done) => truncate = Some(done),
            }
        }
        if !line.is_empty()
            && let Err(e) = file.write_all(&line)
        {
            tracing::warn!("request journal write failed: {e}");
        }
        match truncate {
            Some(done) => {
                if let Ok(f) = open(true) {
                    file = f;
                }
                seq = 0;
                let _ = done.send(());
            }
            None => std::thread::sleep(GATHER),
        }
    }
}

fn existing_lines(path: &std::path::Path) -> u64 {
    std::fs::read(path).map(|b| b.iter().filter(|c| **c == b'\n').count() as u64).unwrap_or(0)
}

/// The middleware: times the request, keeps capped bodies, appends one entry.
pub async fn record(State(journal): State<Journal>, req: Request, next: Next) -> Response {
    if !journal.enabled() {
        return next.run(req).await;
    }
    let started = Instant::now();
    let time = asym_contract::time::now_rfc3339();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(redact_query);
    let principal = principal(req.headers());
    let via = req.headers().get(asym_contract::journal::VIA_HEADER).and_then(|v| v.to_str().ok()).map(String::from);
    // Only bodies of a known, modest size are read here; an upload streams through
    // untouched and is journaled without its body.
    let (parts, body) = req.into_parts();
    let (req, request_body, form_principal) = if small(&parts.headers) {
        let bytes = axum::body::to_bytes(body, READ_CAP).await.unwrap_or_default();
        let form_principal = principal.is_none().then(|| token_field(&bytes)).flatten();
        let request_body = capped(&redact_body(&bytes));
        (Request::from_parts(parts, Body::from(bytes)), request_body, form_principal)
    } else {
        (Request::from_parts(parts, body), Some("[body not kept: large or streamed]".to_string()), None)
    };
    let resp = next.run(req).await;
    let (parts, body) = resp.into_parts();
    let status = parts.status.as_u16();
    let response_small = http_body::Body::size_hint(&body).upper().is_some_and(|n| n <= READ_CAP as u64);
    let (resp, error, response) = if response_small {
        let out = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
        // Most answers carry no error: parse only those that mention one.
        let mentions_error = memchr::memmem::find(&out, b"\"error\"").is_some();
        let error = mentions_error.then(|| serde_json::from_slice::<Value>(&out).ok()).flatten().as_ref().and_then(error_code);
        let response = capped(&out);
        (Response::from_parts(parts, Body::from(out)), error, response)
    } else {
        (Response::from_parts(parts, body), None, Some("[body not kept: large or streamed]".to_string()))
    };
    journal.append(JournalEntry {
        seq: 0,
        time,
        method,
        path,
        query,
        principal: principal.or(form_principal),
        status,
        error,
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        via,
        request: request_body,
        response,
    });
    resp
}

/// A body with a declared length under the cap (bodies without one are streamed).
fn small(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n <= READ_CAP)
}

/// The product's error code in a response body: Slack's `error` (with `ok:false`),
/// a plain `error` string, or Stripe's `error.code`/`error.type`.
fn error_code(body: &Value) -> Option<String> {
    if body.get("ok") == Some(&Value::Bool(false)) {
        return body.get("error").and_then(Value::as_str).map(String::from);
    }
    match body.get("error") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(e)) => e.get("code").or_else(|| e.get("type")).and_then(Value::as_str).map(String::from),
        _ => None,
    }
}

/// `Bearer xoxb-…9f3a`: enough to tell tokens apart, not enough to use one.
fn principal(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let (scheme, secret) = auth.split_once(' ').unwrap_or(("", auth));
    Some(format!("{scheme} {}", redact_secret(secret.trim())).trim().to_string())
}

fn token_field(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) {
        return m.get("token").and_then(Value::as_str).map(|t| format!("token {}", redact_secret(t)));
    }
    text.split('&').find_map(|kv| kv.strip_prefix("token=")).map(|t| format!("token {}", redact_secret(t)))
}

const SECRET_KEYS: &[&str] = &["token", "password", "client_secret", "secret", "signing_secret", "refresh_token", "code"];

fn redact_query(q: &str) -> String {
    q.split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if SECRET_KEYS.contains(&k) => format!("{k}={}", redact_secret(v)),
            _ => kv.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn redact_body(bytes: &[u8]) -> Vec<u8> {
    if let Ok(mut v) = serde_json::from_slice::<Value>(bytes) {
        redact_json(&mut v);
        return serde_json::to_vec(&v).unwrap_or_default();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains('=') && !text.contains('\n') => redact_query(text).into_bytes(),
        _ => bytes.to_vec(),
    }
}

fn redact_json(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) {
                    if let Value::String(s) = val {
                        *s = redact_secret(s);
                    }
                } else {
                    redact_json(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn capped(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    if bytes.len() <= BODY_CAP {
        return Some(String::from_utf8_lossy(bytes).into_owned());
    }
    // Only the kept prefix is decoded: a large answer is cut, not read whole.
    let mut cut = BODY_CAP;
    while cut > BODY_CAP - 4 && (bytes[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    Some(format!("{}…[{} bytes cut]", String::from_utf8_lossy(&bytes[..cut]), bytes.len() - cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_everywhere() {
        assert_eq!(redact_secret("xoxb-123456789-abcdefghijkl"), "xoxb-…ijkl");
        assert_eq!(redact_secret("sk_test_asymmetric000000000000stripe"), "sk_…ripe");
        assert_eq!(redact_secret("short"), "…");
        let body = redact_body(br#"{"token":"xoxb-123456789-abcdefghijkl","text":"hi","nested":{"password":"password123"}}"#);
        let text = String::from_utf8(body).unwrap();
        assert!(!text.contains("abcdefgh") && !text.contains("password123") && text.contains("\"hi\""), "{text}");
        let form = String::from_utf8(redact_body(b"channel=C1&token=xoxp-1234567890-secretpart")).unwrap();
        assert_eq!(form, "channel=C1&token=xoxp-…part");
        assert_eq!(redact_query("a=1&client_secret=abcdefghijkl"), "a=1&client_secret=…ijkl");
    }

    #[test]
    fn error_codes_of_each_product_shape() {
        assert_eq!(error_code(&serde_json::json!({"ok": false, "error": "channel_not_found"})).as_deref(), Some("channel_not_found"));
        assert_eq!(error_code(&serde_json::json!({"ok": true})), None);
        assert_eq!(
            error_code(&serde_json::json!({"error": {"type": "card_error", "code": "card_declined"}})).as_deref(),
            Some("card_declined")
        );
    }

    #[test]
    fn bodies_are_capped_on_a_char_boundary() {
        let long = "é".repeat(BODY_CAP);
        let c = capped(long.as_bytes()).unwrap();
        assert!(c.contains("bytes cut]"));
    }
}
