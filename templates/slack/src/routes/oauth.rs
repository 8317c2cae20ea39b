//! `GET /oauth/v2/authorize`: where an app sends a member to install it. On Slack a
//! signed-in member sees the requested scopes and approves; on the clone the
//! request must say who is signed in, and reaching this route is the approval:
//!
//! - the member's web login (`POST /api/auth/login`) as `Authorization: Bearer
//!   <jwt>` or as the session cookie `d=<jwt>`, or
//! - `?user=U…` together with the clone's admin token (`x-asym-admin-token`), for
//!   harnesses that act for a member without their password.
//!
//! Success redirects (302) to `redirect_uri?code=…&state=…`; a request nobody
//! signed in to gets 401, bad parameters a 400 page naming Slack's error.

use asym_clone_kit::secrets::same_secret;
use asym_contract::admin::{ADMIN_TOKEN_HEADER, env};
use asym_store::Db;
use axum::Extension;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::errors::SlackError;
use crate::model::oauth::{self, AuthorizeRequest};
use crate::model::web_login;
use crate::store::workspace::{self, UserRow};
use crate::wire::now_secs;

fn page(status: StatusCode, error: &str, detail: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>Slack: {error}</title></head><body>\n<h1>Something went wrong when authorizing this app.</h1>\n<p>Error: <code id=\"error\">{error}</code></p>\n<p>{detail}</p>\n</body></html>\n"
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// The member this request is signed in as: a web login JWT (header or cookie
/// `d`), or `user` when the clone's admin token comes with it.
async fn signed_in(db: &Db, headers: &HeaderMap, pairs: &[(String, String)]) -> Result<Option<UserRow>, SlackError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_string());
    let cookie = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == "d").then(|| v.to_string())
    });
    if let Some(jwt) = bearer.or(cookie).filter(|t| web_login::looks_like_jwt(t)) {
        return match web_login::principal(db, &jwt, now_secs()).await {
            Ok(p) => Ok(workspace::user(&**db, &p.user_id).await?),
            Err(SlackError::InvalidAuth) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let admin = headers.get(ADMIN_TOKEN_HEADER).and_then(|v| v.to_str().ok());
    let expected = std::env::var(env::ADMIN_TOKEN).unwrap_or_default();
    if let Some(given) = admin
        && !expected.is_empty()
        && same_secret(given, &expected)
        && let Some((_, user)) = pairs.iter().find(|(k, _)| k == "user")
    {
        return Ok(workspace::user(&**db, user).await?.filter(|u| !u.deleted && !u.is_bot));
    }
    Ok(None)
}

pub async fn authorize(Extension(db): Extension<Db>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or("")) else {
        return page(StatusCode::BAD_REQUEST, "invalid_arg_name", "The query string could not be read.");
    };
    let user = match signed_in(&db, &headers, &pairs).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            return page(
                StatusCode::UNAUTHORIZED,
                "not_authed",
                "Sign in first: POST /api/auth/login, then send the token as <code>Authorization: Bearer</code> or the cookie <code>d</code>.",
            );
        }
        Err(e) => {
            tracing::error!("oauth authorize: {e}");
            return page(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "");
        }
    };
    let req = AuthorizeRequest::from_pairs(&pairs);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let ip = oauth::client_ip(
        headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        headers.get("x-real-ip").and_then(|v| v.to_str().ok()),
    );
    match oauth::authorize(&db, &user, &req, &ip, &header("user-agent")).await {
        Ok(location) => {
            let mut resp = StatusCode::FOUND.into_response();
            match HeaderValue::from_str(&location) {
                Ok(v) => {
                    resp.headers_mut().insert(header::LOCATION, v);
                    resp
                }
                Err(_) => page(StatusCode::BAD_REQUEST, "bad_redirect_uri", "The redirect URI is not a valid header value."),
            }
        }
        Err(SlackError::Code(code)) => {
            let detail = match code {
                "invalid_client_id" => "No app of this workspace has this client_id.",
                "bad_redirect_uri" => "redirect_uri is not one of the app's Redirect URLs (oauth_config.redirect_urls).",
                "invalid_scope" => "Invalid permissions requested: every scope must be among the app's configured scopes.",
                _ => "",
            };
            page(StatusCode::BAD_REQUEST, code, detail)
        }
        Err(e) => {
            tracing::error!("oauth authorize: {e}");
            page(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "")
        }
    }
}
