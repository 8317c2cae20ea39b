//! Markdown: `POST /markdown` and `POST /markdown/raw`, and the body media
//! types (`application/vnd.github.html+json`, `.text+json`, `.full+json`) of
//! issues, issue comments, pull requests, reviews and review comments.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use serde_json::Value;

use super::{Cx, Handler, SharedSlot};
use crate::errors::GhError;
use crate::model::access;
use crate::model::markdown::{self, Mode};
use crate::store::repos::{self, RepoRow};
use crate::wire::json_value;

fn html(body: String) -> Response {
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html;charset=utf-8"));
    resp
}

/// `POST /markdown`: `{text, mode, context}`; `gfm` mode with a `context`
/// repository links `#N` to that repository's issues.
pub async fn render(cx: Cx, body: Bytes) -> Handler {
    let v = json_value(&body).await?;
    let text = match v.get("text") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => return Err(GhError::Unprocessable("Invalid request.\n\n\"text\" wasn't supplied.".into())),
        Some(_) => return Err(GhError::Unprocessable("Invalid request.\n\nFor 'properties/text', it is not a string.".into())),
    };
    let mode = match v.get("mode") {
        None | Some(Value::Null) => Mode::Markdown,
        Some(Value::String(s)) => Mode::parse(s).ok_or_else(|| {
            GhError::Unprocessable(format!("Invalid request.\n\nFor 'properties/mode', \"{s}\" is not one of [\"markdown\", \"gfm\"]."))
        })?,
        Some(_) => return Err(GhError::Unprocessable("Invalid request.\n\nFor 'properties/mode', it is not a string.".into())),
    };
    let context = match v.get("context") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(GhError::Unprocessable("Invalid request.\n\nFor 'properties/context', it is not a string.".into())),
    };
    // A context the caller cannot see (or that does not exist) links nothing, as on GitHub.
    let repo = match context.as_deref().and_then(|c| c.split_once('/')) {
        Some((owner, name)) if mode == Mode::Gfm => match access::repo(&cx.db, &cx.caller, owner, name).await {
            Ok((r, _)) => Some(r),
            Err(GhError::NotFound) => None,
            Err(e) => return Err(e),
        },
        _ => None,
    };
    let refs = if mode == Mode::Gfm {
        let mut conn = cx.db.acquire().await?;
        markdown::resolve(&mut conn, repo.as_ref(), &[&text]).await?
    } else {
        markdown::Refs::default()
    };
    Ok(html(markdown::to_html(&text, mode, &cx.base, &refs)))
}

/// `POST /markdown/raw`: the body is the Markdown (`text/plain` or
/// `text/x-markdown`), rendered like a README.
pub async fn render_raw(cx: Cx, body: Bytes) -> Handler {
    let text = std::str::from_utf8(&body).map_err(|_| GhError::Unprocessable("Invalid request.\n\nThe body is not UTF-8.".into()))?;
    Ok(html(markdown::to_html(text, Mode::Markdown, &cx.base, &markdown::Refs::default())))
}

/// Which of GitHub's body media types the request's `Accept` names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    Text,
    Full,
}

fn format_of(accept: &str) -> Option<Format> {
    let accept = accept.to_ascii_lowercase();
    let named = |what: &str| super::names_media_type(&accept, what);
    if named("full") {
        Some(Format::Full)
    } else if named("html") {
        Some(Format::Html)
    } else if named("text") {
        Some(Format::Text)
    } else {
        None
    }
}

/// Paths whose answers are issues, issue comments, pull requests, reviews or
/// review comments (or lists of them).
fn bears_bodies(path: &str) -> bool {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match segs.as_slice() {
        ["issues"] | ["user", "issues"] | ["orgs", _, "issues"] => true,
        ["repos", _, _, "issues" | "pulls", rest @ ..] => {
            !rest.iter().any(|s| ["labels", "assignees", "events", "reactions", "lock", "files", "commits", "merge"].contains(s))
        }
        _ => false,
    }
}

/// The body media types: for a JSON answer on a body-bearing path, each
/// object's `body` becomes `body_html` (`html`), `body_text` (`text`), or is
/// joined by both (`full`). The default and `raw` keep `body` alone. Objects
/// are rendered in the repository their `html_url` names.
pub async fn body_media(req: Request, next: Next) -> Response {
    let format = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).and_then(format_of);
    let Some(format) = format.filter(|_| bears_bodies(req.uri().path())) else { return next.run(req).await };
    let slot = req.extensions().get::<SharedSlot>().cloned();
    let resp = next.run(req).await;
    let is_json = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("json"));
    if !(resp.status() == StatusCode::OK || resp.status() == StatusCode::CREATED) || !is_json {
        return resp;
    }
    let Some((base, db)) = slot.and_then(|s| {
        let s = s.lock().unwrap_or_else(|p| p.into_inner());
        Some((s.base.clone()?, s.db.clone()?))
    }) else {
        return resp;
    };
    let (mut parts, body) = resp.into_parts();
    let bytes = match body.collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) => return GhError::Internal(format!("reading the response: {e}")).into_response(),
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else { return Response::from_parts(parts, Body::from(bytes)) };
    if let Err(e) = apply(&mut v, format, &base, &db).await {
        return e.into_response();
    }
    let name = match format {
        Format::Html => "html",
        Format::Text => "text",
        Format::Full => "full",
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Ok(h) = HeaderValue::from_str(&format!("github.v3; param={name}; format=json")) {
        parts.headers.insert("x-github-media-type", h);
    }
    Response::from_parts(parts, Body::from(serde_json::to_vec(&v).unwrap_or_default()))
}

async fn apply(v: &mut Value, format: Format, base: &str, db: &asym_store::Db) -> Result<(), GhError> {
    let objects: Vec<&mut serde_json::Map<String, Value>> = match v {
        Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).collect(),
        Value::Object(o) => vec![o],
        _ => vec![],
    };
    let mut conn = db.acquire().await?;
    let prefix = format!("{base}/");
    // A list's items mostly share one repository: look each up once.
    let mut repos_seen: HashMap<(String, String), Option<RepoRow>> = HashMap::new();
    for o in objects {
        let Some(body) = o.get("body").cloned() else { continue };
        let text = body.as_str().unwrap_or_default().to_string();
        if format != Format::Full {
            o.remove("body");
        }
        if format == Format::Text || format == Format::Full {
            o.insert("body_text".into(), Value::String(markdown::to_text(&text)));
        }
        if format == Format::Html || format == Format::Full {
            let context = o.get("html_url").and_then(Value::as_str).and_then(|u| u.strip_prefix(&prefix)).and_then(|rest| {
                let mut p = rest.split('/');
                Some((p.next()?.to_string(), p.next()?.to_string()))
            });
            let repo = match context {
                Some(key) => match repos_seen.get(&key) {
                    Some(found) => found.clone(),
                    None => {
                        let found = repos::by_name(&mut *conn, &key.0, &key.1).await?;
                        repos_seen.insert(key, found.clone());
                        found
                    }
                },
                None => None,
            };
            let refs = markdown::resolve(&mut conn, repo.as_ref(), &[&text]).await?;
            o.insert("body_html".into(), Value::String(markdown::to_html(&text, Mode::Gfm, base, &refs)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_paths_and_formats() {
        assert!(bears_bodies("/repos/a/b/issues/1"));
        assert!(bears_bodies("/repos/a/b/issues/comments/9"));
        assert!(bears_bodies("/repos/a/b/pulls/1/reviews"));
        assert!(bears_bodies("/issues"));
        assert!(!bears_bodies("/repos/a/b/issues/1/labels"));
        assert!(!bears_bodies("/repos/a/b/releases/1"));
        assert!(format_of("application/vnd.github.full+json") == Some(Format::Full));
        assert!(format_of("application/vnd.github.v3.html+json") == Some(Format::Html));
        assert!(format_of("application/vnd.github.text+json") == Some(Format::Text));
        assert!(format_of("application/vnd.github.raw+json").is_none());
        assert!(format_of("application/vnd.github+json").is_none());
    }
}
