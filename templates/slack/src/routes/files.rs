//! The file endpoints outside the Web API: the upload URLs files.getUploadURLExternal
//! hands out (`POST /upload/v1/<key>`, the bytes raw or as `multipart/form-data`,
//! as the SDKs and `curl -F` send them) and `url_private` / `url_private_download`
//! (`GET /files-pri/<team>-<file>/[download/]<name>`, with the token in the
//! `Authorization` header, as on Slack), and `permalink_public`
//! (`GET /<team>-<file>-<secret>`, no token) while a file is shared publicly.

use asym_clone_kit::CloneCtx;
use asym_store::Db;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use crate::model::files::{self, UploadRefusal};
use crate::objects::file_slug;

/// Room for multipart framing around the declared bytes.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

pub fn router() -> Router<CloneCtx> {
    // Uploads may exceed the API's body limit, up to Slack's per-file limit; each
    // upload is then held to the length its ticket declared.
    let upload_limit = usize::try_from(files::MAX_FILE_BYTES).unwrap_or(usize::MAX).saturating_add(MULTIPART_OVERHEAD);
    Router::new()
        .route("/upload/v1/{key}", post(upload).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/files-pri/{file}/{*rest}", get(download))
        // `permalink_public` (Slack's `https://slack-files.com/<team>-<file>-<secret>`), no token needed.
        .route("/{public}", get(public_file))
}

fn text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("file endpoint: {e}");
    text(StatusCode::INTERNAL_SERVER_ERROR, "internal_error".into())
}

async fn upload(Extension(db): Extension<Db>, Path(key): Path<String>, headers: HeaderMap, body: Body) -> Response {
    let ticket = match files::open_ticket(&db, &key).await {
        Ok(Some(t)) => t,
        Ok(None) => return text(StatusCode::NOT_FOUND, "Not Found".into()),
        Err(e) => return internal(e),
    };
    let limit = usize::try_from(ticket.declared_length).unwrap_or(usize::MAX).saturating_add(MULTIPART_OVERHEAD);
    let Ok(raw) = axum::body::to_bytes(body, limit).await else {
        return text(StatusCode::PAYLOAD_TOO_LARGE, format!("file exceeds the declared length of {} bytes", ticket.declared_length));
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let content = if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        match multipart_file(content_type, &raw) {
            Some(bytes) => bytes,
            None => return text(StatusCode::BAD_REQUEST, "invalid multipart body".into()),
        }
    } else {
        raw.to_vec()
    };
    match files::receive_upload(&db, &ticket, content).await {
        Ok(Ok(size)) => text(StatusCode::OK, format!("OK - {size}")),
        Ok(Err(UploadRefusal::TooLarge { declared })) => {
            text(StatusCode::PAYLOAD_TOO_LARGE, format!("file exceeds the declared length of {declared} bytes"))
        }
        Ok(Err(UploadRefusal::UnknownTicket)) => text(StatusCode::NOT_FOUND, "Not Found".into()),
        Ok(Err(UploadRefusal::Empty)) => text(StatusCode::BAD_REQUEST, "no file content in the request".into()),
        Err(e) => internal(e),
    }
}

/// The file part of a `multipart/form-data` body: the first part with a
/// `filename`, else the one named `file` or `filename`, else the first part.
fn multipart_file(content_type: &str, body: &[u8]) -> Option<Vec<u8>> {
    let boundary = content_type.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })?;
    let delimiter = format!("--{boundary}");
    let mut parts: Vec<(String, &[u8])> = Vec::new();
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
        parts.push((headers, &body[data_start..next]));
        at = next + 2 + delimiter.len();
        if at >= body.len() {
            break;
        }
    }
    let disposition = |h: &str| -> String {
        h.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:")).unwrap_or("").to_ascii_lowercase()
    };
    let pick = parts
        .iter()
        .find(|(h, _)| disposition(h).contains("filename="))
        .or_else(|| parts.iter().find(|(h, _)| disposition(h).contains("name=\"file\"") || disposition(h).contains("name=\"filename\"")))
        .or_else(|| parts.first())?;
    Some(pick.1.to_vec())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

async fn download(
    State(ctx): State<CloneCtx>,
    Extension(db): Extension<Db>,
    Path((file, rest)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_string());
    let as_attachment = rest.starts_with("download/");
    let found = match file.split_once('-') {
        Some((team, id)) => files::download(&db, token.as_deref(), team, id).await,
        None => Ok(None),
    };
    let (f, bytes) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            // Slack sends a request without a valid token to its sign-in page.
            let path = format!("/files-pri/{file}/{rest}");
            let query = serde_urlencoded::to_string([("redir", path.as_str())]).unwrap_or_default();
            let location = format!("{}/?{query}", files::origin_of(&ctx.public_url));
            let mut resp = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            return resp;
        }
        Err(e) => return internal(e),
    };
    let disposition = format!("{}; filename=\"{}\"", if as_attachment { "attachment" } else { "inline" }, file_slug(&f.name));
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&f.mimetype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// A publicly shared file, for anyone holding its link; 404 once revoked.
async fn public_file(Extension(db): Extension<Db>, Path(slug): Path<String>) -> Response {
    let (f, bytes) = match crate::model::public_files::public_download(&db, &slug).await {
        Ok(Some(found)) => found,
        Ok(None) => return text(StatusCode::NOT_FOUND, "Not Found".into()),
        Err(e) => return internal(e),
    };
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&f.mimetype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{}\"", file_slug(&f.name))) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_yield_the_file_part() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"body\"; filename=\"Untitled\"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\nworld\r\n--XyZ--\r\n";
        assert_eq!(multipart_file("multipart/form-data; boundary=XyZ", body).unwrap(), b"hello\r\nworld");
        let plain = b"--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\x00\x01\r\n--b--";
        assert_eq!(multipart_file("multipart/form-data; boundary=\"b\"", plain).unwrap(), b"\x00\x01");
        assert!(multipart_file("multipart/form-data", body).is_none());
        assert!(multipart_file("multipart/form-data; boundary=nope", body).is_none());
    }
}
