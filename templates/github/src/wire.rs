//! GitHub's wire conventions: ISO-8601 times, `node_id`s, `page`/`per_page`
//! pagination with an RFC 5988 `Link` header, and a JSON body extractor whose
//! failures answer GitHub's `Problems parsing JSON`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::errors::{GhError, GhResult};

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `2011-01-26T19:01:12Z`.
pub fn iso(secs: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&f).unwrap_or_default()
}

pub fn iso_opt(secs: Option<i64>) -> Value {
    secs.map(|s| Value::from(iso(s))).unwrap_or(Value::Null)
}

/// Parses `2011-01-26T19:01:12Z`, an offset form, or a bare date.
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &f).ok().map(|d| d.midnight().assume_utc().unix_timestamp())
}

/// The legacy global node id: base64 of `0<len>:<Type><id>` (`MDQ6VXNlcjE=` is user 1).
pub fn node_id(kind: &str, id: i64) -> String {
    STANDARD.encode(format!("0{}:{}{}", kind.len(), kind, id))
}

pub fn b64(data: &[u8]) -> String {
    // GitHub wraps the `content` of files at 60 characters with newlines.
    let s = STANDARD.encode(data);
    let mut out = String::with_capacity(s.len() + s.len() / 60 + 1);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 60 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

pub fn unb64(s: &str) -> Option<Vec<u8>> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(clean).ok()
}

/// Query parameters of a request, in order.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> GhResult<Query> {
        serde_urlencoded::from_str(raw.unwrap_or("")).map(Query).map_err(|_| GhError::BadRequest("Invalid query string".into()))
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
    pub fn page(&self) -> GhResult<Page> {
        let num = |k: &str, d: i64| -> GhResult<i64> {
            match self.get(k) {
                None | Some("") => Ok(d),
                Some(v) => v.parse::<i64>().map_err(|_| GhError::invalid("Query", k)),
            }
        };
        let per_page = num("per_page", 30)?.clamp(1, 100);
        let page = num("page", 1)?.max(1);
        Ok(Page { page, per_page })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
    pub fn slice<T: Clone>(&self, all: &[T]) -> Vec<T> {
        all.iter().skip(self.offset() as usize).take(self.per_page as usize).cloned().collect()
    }
}

/// A JSON list with GitHub's `Link` header (`next`, `last`, `first`, `prev`).
pub struct Listing {
    pub items: Vec<Value>,
    pub total: i64,
    pub page: Page,
    /// Absolute URL of the list without `page`/`per_page`, query included.
    pub url: String,
}

impl Listing {
    /// Pages `all` in memory.
    pub fn of(all: Vec<Value>, page: Page, url: String) -> Listing {
        let total = all.len() as i64;
        Listing { items: page.slice(&all), total, page, url }
    }
}

pub fn link_header(url: &str, total: i64, p: Page) -> Option<String> {
    let last = ((total + p.per_page - 1) / p.per_page).max(1);
    let sep = if url.contains('?') { '&' } else { '?' };
    let at = |n: i64| format!("<{url}{sep}per_page={}&page={n}>", p.per_page);
    let mut parts = Vec::new();
    if p.page > 1 {
        parts.push(format!("{}; rel=\"prev\"", at((p.page - 1).min(last))));
    }
    if p.page < last {
        parts.push(format!("{}; rel=\"next\"", at(p.page + 1)));
        parts.push(format!("{}; rel=\"last\"", at(last)));
    }
    if p.page > 1 {
        parts.push(format!("{}; rel=\"first\"", at(1)));
    }
    if parts.is_empty() { None } else { Some(parts.join(", ")) }
}

impl IntoResponse for Listing {
    fn into_response(self) -> Response {
        let link = link_header(&self.url, self.total, self.page);
        let mut resp = axum::Json(Value::Array(self.items)).into_response();
        if let Some(l) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
            resp.headers_mut().insert(header::LINK, l);
        }
        resp
    }
}

/// A request URL without `page`/`per_page`, for `Link`.
pub fn list_url(base: &str, path: &str, q: &Query) -> String {
    let kept: Vec<(String, String)> = q.0.iter().filter(|(k, _)| k != "page" && k != "per_page").cloned().collect();
    if kept.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{}", serde_urlencoded::to_string(&kept).unwrap_or_default())
    }
}

/// A JSON body: empty bodies read as `{}`, anything unparsable is GitHub's 400.
pub struct GhJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for GhJson<T> {
    type Rejection = GhError;
    async fn from_request(req: Request, state: &S) -> Result<Self, GhError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|_| GhError::BadJson)?;
        let text: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) { b"{}" } else { &bytes };
        let v: Value = serde_json::from_slice(text).map_err(|_| GhError::BadJson)?;
        serde_json::from_value(v).map(GhJson).map_err(|e| {
            // A field of the wrong type is a validation error on GitHub.
            GhError::Validation(vec![crate::errors::FieldError::custom("Body", "", e.to_string())])
        })
    }
}

/// A JSON body as an untyped value (for endpoints that take several shapes).
pub async fn json_value(bytes: &[u8]) -> GhResult<Value> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(bytes).map_err(|_| GhError::BadJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_use_the_legacy_encoding() {
        assert_eq!(node_id("User", 1), "MDQ6VXNlcjE=");
        assert_eq!(node_id("Repository", 1), "MDEwOlJlcG9zaXRvcnkx");
    }

    #[test]
    fn link_points_at_next_and_last() {
        let l = link_header("http://h/x?state=all", 250, Page { page: 1, per_page: 100 }).unwrap();
        assert_eq!(l, "<http://h/x?state=all&per_page=100&page=2>; rel=\"next\", <http://h/x?state=all&per_page=100&page=3>; rel=\"last\"");
        assert!(link_header("http://h/x", 10, Page { page: 1, per_page: 30 }).is_none());
    }

    #[test]
    fn times_round_trip() {
        assert_eq!(iso(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(parse_iso("2023-11-14T22:13:20Z"), Some(1_700_000_000));
    }
}
