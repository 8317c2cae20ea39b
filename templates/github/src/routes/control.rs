//! The clone's own control plane under `/api` (never a GitHub path):
//!
//! - `POST /api/signup` `{login, email, password, name?}`: a new user;
//! - `POST /api/login` `{login | email, password}`: a new personal access token;
//! - `GET|POST /api/tokens`, `DELETE /api/tokens/{id}`: the caller's tokens
//!   (Basic `login:password`, or `Authorization: token ghp_…`);
//! - `GET /api/_asym/deliveries`: the webhook delivery log of the clone (the
//!   clone's admin token, or the token of a site admin).

use asym_clone_kit::secrets::{hash_token, same_secret};
use asym_contract::admin::{ADMIN_TOKEN_HEADER, env};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, header};
use base64::Engine;
use serde_json::{Value, json};

use super::{Cx, Handler, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::access;
use crate::model::repos::str_field;
use crate::model::tokens;
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::{self as st, hooks as hstore};
use crate::wire::{iso, json_value, now};

/// The user behind Basic `login:password` or a token.
async fn who(cx: &Cx, headers: &HeaderMap) -> GhResult<AccountRow> {
    let v = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(b) = v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")) {
        let text = base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .ok_or(GhError::BadCredentials)?;
        let (login, password) = text.split_once(':').ok_or(GhError::BadCredentials)?;
        return check_password(cx, login, password).await;
    }
    access::authenticate(&cx.db, headers).await?.user.ok_or(GhError::RequiresAuthentication)
}

async fn check_password(cx: &Cx, login: &str, password: &str) -> GhResult<AccountRow> {
    let a = match accounts::by_login(&*cx.db, login).await? {
        Some(a) => a,
        None => {
            let l: Option<String> =
                sqlx::query_scalar("SELECT login FROM accounts WHERE lower(email) = lower($1)").bind(login).fetch_optional(&*cx.db).await?;
            match l {
                Some(l) => accounts::by_login(&*cx.db, &l).await?.ok_or(GhError::BadCredentials)?,
                None => return Err(GhError::BadCredentials),
            }
        }
    };
    let stored = accounts::password_hash(&*cx.db, a.id).await?.ok_or(GhError::BadCredentials)?;
    if !same_secret(&stored, &tokens::password_hash(a.id, password)) {
        return Err(GhError::BadCredentials);
    }
    Ok(a)
}

pub async fn signup(cx: Cx, body: Bytes) -> Handler {
    let v = json_value(&body).await?;
    let login = str_field(&v, "login", "User")?.ok_or_else(|| GhError::missing("User", "login"))?;
    let email = str_field(&v, "email", "User")?.ok_or_else(|| GhError::missing("User", "email"))?;
    let password = str_field(&v, "password", "User")?.ok_or_else(|| GhError::missing("User", "password"))?;
    let valid = !login.is_empty()
        && login.len() <= 39
        && login.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !login.starts_with('-')
        && !login.ends_with('-');
    if !valid {
        return Err(GhError::Validation(vec![FieldError::custom(
            "User",
            "login",
            "Login may only contain alphanumeric characters or single hyphens",
        )]));
    }
    if password.len() < 8 {
        return Err(GhError::Validation(vec![FieldError::custom("User", "password", "Password is too short (minimum is 8 characters)")]));
    }
    let at = now();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if accounts::by_login(&mut *tx, &login).await?.is_some() {
        return Err(GhError::Validation(vec![FieldError::new("User", "login", "already_exists")]));
    }
    let id = st::next_id(&mut tx).await?;
    let a = AccountRow {
        id,
        login,
        kind: "User".into(),
        name: str_field(&v, "name", "User")?,
        email: Some(email),
        bio: None,
        company: None,
        location: None,
        blog: String::new(),
        site_admin: false,
        created_at: at,
        updated_at: at,
    };
    accounts::insert(&mut *tx, &a, Some(&tokens::password_hash(id, &password))).await?;
    tx.commit().await?;
    Ok(created(objects::full_user(&cx.base, &a, 0, None, (0, 0))))
}

fn token_json(id: i64, note: &str, scopes: &str, created: i64, token: Option<&str>) -> Value {
    let mut v = json!({ "id": id, "note": note, "scopes": scopes.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(), "created_at": iso(created) });
    if let Some(t) = token {
        v["token"] = Value::from(t);
    }
    v
}

pub async fn login(cx: Cx, body: Bytes) -> Handler {
    let v = json_value(&body).await?;
    let login = str_field(&v, "login", "User")?.or(str_field(&v, "email", "User")?).ok_or_else(|| GhError::missing("User", "login"))?;
    let password = str_field(&v, "password", "User")?.ok_or_else(|| GhError::missing("User", "password"))?;
    let a = check_password(&cx, &login, &password).await?;
    let (id, token) = mint(&cx, &a, "login", tokens::DEFAULT_SCOPES).await?;
    let mut out = token_json(id, "login", tokens::DEFAULT_SCOPES, now(), Some(&token));
    out["user"] = objects::user_ref(&cx.base, &a);
    Ok(created(out))
}

async fn mint(cx: &Cx, a: &AccountRow, note: &str, scopes: &str) -> GhResult<(i64, String)> {
    let token = tokens::new_token();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    let id = st::next_id(&mut tx).await?;
    accounts::insert_token(&mut *tx, id, &hash_token(&token), a.id, note, scopes, now()).await?;
    tx.commit().await?;
    Ok((id, token))
}

pub async fn list_tokens(cx: Cx, headers: HeaderMap) -> Handler {
    let a = who(&cx, &headers).await?;
    let rows = accounts::tokens_of(&*cx.db, a.id).await?;
    Ok(ok(Value::Array(rows.iter().map(|t| token_json(t.id, &t.note, &t.scopes, t.created_at, None)).collect())))
}

pub async fn create_token(cx: Cx, headers: HeaderMap, body: Bytes) -> Handler {
    let a = who(&cx, &headers).await?;
    let v = json_value(&body).await?;
    let note = str_field(&v, "note", "Token")?.unwrap_or_else(|| "token".into());
    let scopes = match v.get("scopes").and_then(|s| s.as_array()) {
        Some(list) => list.iter().filter_map(|s| s.as_str()).collect::<Vec<_>>().join(","),
        None => tokens::DEFAULT_SCOPES.to_string(),
    };
    let (id, token) = mint(&cx, &a, &note, &scopes).await?;
    Ok(created(token_json(id, &note, &scopes, now(), Some(&token))))
}

pub async fn delete_token(cx: Cx, headers: HeaderMap, Path(id): Path<i64>) -> Handler {
    let a = who(&cx, &headers).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if accounts::delete_token(&mut *tx, a.id, id).await? == 0 {
        return Err(GhError::NotFound);
    }
    tx.commit().await?;
    access::forget_callers();
    Ok(no_content())
}

/// `GET /api/_asym/deliveries?limit=`: every webhook delivery, oldest first, in
/// the shape `asym deliveries` prints.
pub async fn deliveries(cx: Cx, headers: HeaderMap) -> Handler {
    let admin_ok = headers.get(ADMIN_TOKEN_HEADER).and_then(|v| v.to_str().ok()).is_some_and(|given| {
        let expected = std::env::var(env::ADMIN_TOKEN).unwrap_or_default();
        !expected.is_empty() && same_secret(given, &expected)
    });
    if !admin_ok {
        let a = access::authenticate(&cx.db, &headers).await?.user.ok_or(GhError::RequiresAuthentication)?;
        if !a.site_admin {
            return Err(GhError::Forbidden("Must be a site administrator.".into()));
        }
    }
    let limit = cx.query.get("limit").and_then(|l| l.parse::<i64>().ok()).unwrap_or(100).clamp(1, 1000);
    let rows = hstore::all_deliveries(&*cx.db, limit).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|d| {
            let request: Value = serde_json::from_str(&d.request).unwrap_or(Value::Null);
            json!({
                "id": d.id, "guid": d.guid, "event_id": d.guid, "hook_id": d.hook_id, "app_id": d.hook_id.to_string(),
                "repository_id": d.repo_id, "event": d.event, "event_type": d.event, "action": d.action,
                "status_code": d.status_code, "status": d.status_code, "attempt": 1, "redelivery": d.redelivery,
                "error": if (200..300).contains(&d.status_code) { Value::Null } else { Value::from(d.status.clone()) },
                "delivered_at": iso(d.delivered_at), "duration": d.duration,
                "url": request["headers"].get("X-GitHub-Hook-ID").cloned().unwrap_or(Value::Null),
                "request": request,
            })
        })
        .collect();
    Ok(ok(json!({ "deliveries": items })))
}
