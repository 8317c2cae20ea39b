//! The OAuth v2 install flow of apps made from a manifest: `GET
//! /oauth/v2/authorize` (a signed-in member approves the requested scopes; the
//! clone redirects to the app's redirect URI with a one-time `code` and the
//! `state`), then `oauth.v2.access` exchanging that code once, within ten
//! minutes, for a bot token and/or a user token with exactly the scopes asked for.
//! Requested scopes must be among the manifest's (`oauth_config.scopes`), the
//! redirect URI among (or under) `oauth_config.redirect_urls`.

use asym_clone_kit::secrets::{DIGITS, HEX, hash_token, random_string, same_secret};
use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::ids;
use crate::model::apps::{new_bot_token, new_user_token, now_millis};
use crate::store::apps as app_store;
use crate::store::oauth::{self, CodeRow, IntegrationRow};
use crate::store::workspace::{self, NewToken, UserRow};
use crate::wire::{Args, now_secs};

/// Codes expire ten minutes after they are issued, as on Slack.
pub const CODE_TTL_MS: i64 = 10 * 60 * 1000;

/// What `GET /oauth/v2/authorize` was asked.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeRequest {
    pub client_id: Option<String>,
    pub scope: Vec<String>,
    pub user_scope: Vec<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
}

impl AuthorizeRequest {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| pairs.iter().find(|(n, v)| n == k && !v.is_empty()).map(|(_, v)| v.clone());
        let list = |k: &str| get(k).map(|s| scopes(&s)).unwrap_or_default();
        AuthorizeRequest {
            client_id: get("client_id"),
            scope: list("scope"),
            user_scope: list("user_scope"),
            redirect_uri: get("redirect_uri"),
            state: get("state"),
        }
    }
}

/// Slack separates scopes with commas (spaces are accepted too).
fn scopes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for x in s.split([',', ' ']).map(str::trim).filter(|x| !x.is_empty()) {
        if !out.iter().any(|o| o == x) {
            out.push(x.to_string());
        }
    }
    out
}

/// Whether `given` is one of the configured redirect URLs or lies under one (same
/// scheme, host and port; the path equal or a subdirectory), as Slack matches them.
pub fn redirect_allowed(configured: &[String], given: &str) -> bool {
    let Ok(g) = reqwest::Url::parse(given) else { return false };
    configured.iter().filter_map(|c| reqwest::Url::parse(c).ok()).any(|c| {
        let base = c.path().trim_end_matches('/');
        c.scheme() == g.scheme()
            && c.host_str() == g.host_str()
            && c.port_or_known_default() == g.port_or_known_default()
            && (g.path().trim_end_matches('/') == base || g.path().starts_with(&format!("{base}/")))
    })
}

fn redirect_urls(manifest: &str) -> Vec<String> {
    serde_json::from_str::<Value>(manifest)
        .ok()
        .and_then(|m| m.pointer("/oauth_config/redirect_urls").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

/// Approves an install as `user` and returns where to send the browser:
/// `redirect_uri?code=…&state=…`. Errors are shown on the page, not redirected:
/// `invalid_client_id`, `bad_redirect_uri`, `invalid_scope`.
pub async fn authorize(db: &Pool, user: &UserRow, req: &AuthorizeRequest, ip: &str, user_agent: &str) -> SlackResult<String> {
    let client_id = req.client_id.as_deref().ok_or(SlackError::Code("invalid_client_id"))?;
    let app =
        app_store::by_client_id(db, client_id).await?.filter(|a| a.team_id == user.team_id).ok_or(SlackError::Code("invalid_client_id"))?;
    let configured = redirect_urls(&oauth::manifest(db, &app.id).await?.unwrap_or_default());
    let target = match &req.redirect_uri {
        Some(given) if redirect_allowed(&configured, given) => given.clone(),
        Some(_) => return Err(SlackError::Code("bad_redirect_uri")),
        None => configured.first().cloned().ok_or(SlackError::Code("bad_redirect_uri"))?,
    };
    let allowed = |asked: &[String], granted: Option<&str>| {
        let granted: Vec<&str> = granted.unwrap_or("").split(',').filter(|s| !s.is_empty()).collect();
        asked.iter().all(|s| granted.contains(&s.as_str()))
    };
    if (req.scope.is_empty() && req.user_scope.is_empty())
        || !allowed(&req.scope, app.bot_scopes.as_deref())
        || !allowed(&req.user_scope, app.user_scopes.as_deref())
    {
        return Err(SlackError::Code("invalid_scope"));
    }
    let code = format!("{}.{}.{}", random_string(13, DIGITS), random_string(13, DIGITS), random_string(64, HEX));
    let now_ms = now_millis();
    let mut tx = asym_store::begin_write(db).await?;
    oauth::insert_code(
        &mut *tx,
        &CodeRow {
            code_hash: hash_token(&code),
            app_id: app.id.clone(),
            team_id: user.team_id.clone(),
            user_id: user.id.clone(),
            bot_scopes: req.scope.join(","),
            user_scopes: req.user_scope.join(","),
            redirect_uri: req.redirect_uri.clone(),
            created_ms: now_ms,
            expires_ms: now_ms + CODE_TTL_MS,
            used_ms: None,
        },
    )
    .await?;
    oauth::log_access(&mut *tx, &user.team_id, &user.id, ip, user_agent, now_secs()).await?;
    tx.commit().await?;
    let mut query = vec![("code", code.as_str())];
    if let Some(state) = &req.state {
        query.push(("state", state.as_str()));
    }
    let sep = if target.contains('?') { '&' } else { '?' };
    Ok(format!("{target}{sep}{}", serde_urlencoded::to_string(&query).unwrap_or_default()))
}

/// Counts a web sign-in in team.accessLogs.
pub async fn record_sign_in(db: &Pool, team_id: &str, user_id: &str, ip: &str, user_agent: &str) -> SlackResult<()> {
    let mut tx = asym_store::begin_write(db).await?;
    oauth::log_access(&mut *tx, team_id, user_id, ip, user_agent, now_secs()).await?;
    tx.commit().await?;
    Ok(())
}

/// The client's address as the proxy in front of the clone reports it
/// (`X-Forwarded-For`, `X-Real-IP`); `unknown` when nothing says.
pub fn client_ip(forwarded_for: Option<&str>, real_ip: Option<&str>) -> String {
    forwarded_for
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .or(real_ip.map(str::trim).filter(|v| !v.is_empty()))
        .unwrap_or("unknown")
        .to_string()
}

/// oauth.v2.access: the client's credentials (HTTP Basic or form fields), the
/// code and the redirect URI authorize was sent (if one was).
pub async fn access(db: &Pool, args: &Args, basic: Option<&(String, String)>) -> SlackResult<Value> {
    let (client_id, client_secret) = match basic {
        Some((id, secret)) => (Some(id.clone()), Some(secret.clone())),
        None => (args.str("client_id"), args.str("client_secret")),
    };
    let client_id = client_id.ok_or(SlackError::Code("invalid_client_id"))?;
    let app = app_store::by_client_id(db, &client_id).await?.ok_or(SlackError::Code("invalid_client_id"))?;
    if !same_secret(&client_secret.unwrap_or_default(), app.client_secret.as_deref().unwrap_or_default()) {
        return Err(SlackError::Code("bad_client_secret"));
    }
    match args.str("grant_type").as_deref() {
        None | Some("authorization_code") => {}
        // Token rotation is not turned on for any app of the clone.
        Some("refresh_token") => return Err(SlackError::Code("invalid_refresh_token")),
        Some(_) => return Err(SlackError::Code("invalid_grant_type")),
    }
    let code = args.str("code").ok_or(SlackError::Code("invalid_code"))?;
    let code_hash = hash_token(&code);
    let now_ms = now_millis();
    let row = oauth::code(db, &code_hash)
        .await?
        .filter(|c| c.app_id == app.id && c.used_ms.is_none() && c.expires_ms > now_ms)
        .ok_or(SlackError::Code("invalid_code"))?;
    if row.redirect_uri != args.str("redirect_uri") {
        return Err(SlackError::Code("bad_redirect_uri"));
    }
    let team = workspace::team(db, &row.team_id).await?.ok_or(SlackError::Code("invalid_code"))?;
    let now = now_secs();
    let mut tx = asym_store::begin_write(db).await?;
    if !oauth::use_code(&mut *tx, &code_hash, now_ms).await? {
        return Err(SlackError::Code("invalid_code"));
    }
    let mut out = json!({ "app_id": app.id });
    if !row.bot_scopes.is_empty() {
        let t = new_bot_token();
        let hash = hash_token(&t);
        workspace::insert_token(
            &mut *tx,
            NewToken {
                hash: &hash,
                kind: "bot",
                team_id: &team.id,
                user_id: &app.bot_user_id,
                app_id: Some(&app.id),
                scopes: &row.bot_scopes,
                created: now,
            },
        )
        .await?;
        out["access_token"] = json!(t);
        out["token_type"] = json!("bot");
        out["scope"] = json!(row.bot_scopes);
        out["bot_user_id"] = json!(app.bot_user_id);
    }
    out["team"] = json!({ "id": team.id, "name": team.name });
    out["enterprise"] = Value::Null;
    out["is_enterprise_install"] = json!(false);
    let mut authed = json!({ "id": row.user_id });
    if !row.user_scopes.is_empty() {
        let t = new_user_token();
        let hash = hash_token(&t);
        workspace::insert_token(
            &mut *tx,
            NewToken {
                hash: &hash,
                kind: "user",
                team_id: &team.id,
                user_id: &row.user_id,
                app_id: Some(&app.id),
                scopes: &row.user_scopes,
                created: now,
            },
        )
        .await?;
        authed["scope"] = json!(row.user_scopes);
        authed["access_token"] = json!(t);
        authed["token_type"] = json!("user");
    }
    out["authed_user"] = authed;
    let granted =
        [row.bot_scopes.as_str(), row.user_scopes.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(",");
    oauth::log_integration(
        &mut *tx,
        &IntegrationRow {
            id: ids::random('L'),
            team_id: team.id.clone(),
            app_id: app.id.clone(),
            app_type: app.name.clone(),
            user_id: row.user_id.clone(),
            change_type: "added".into(),
            scope: granted,
            reason: None,
            date: now,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_match_configured_urls_or_their_subdirectories() {
        let conf = vec!["https://app.example/oauth".to_string(), "http://127.0.0.1:8080/".to_string()];
        assert!(redirect_allowed(&conf, "https://app.example/oauth"));
        assert!(redirect_allowed(&conf, "https://app.example/oauth/callback?x=1"));
        assert!(redirect_allowed(&conf, "http://127.0.0.1:8080/anything"));
        assert!(!redirect_allowed(&conf, "https://app.example/oauthx"));
        assert!(!redirect_allowed(&conf, "http://app.example/oauth"), "scheme differs");
        assert!(!redirect_allowed(&conf, "http://127.0.0.1:8081/"), "port differs");
        assert!(!redirect_allowed(&conf, "not a url"));
        assert!(!redirect_allowed(&[], "https://app.example/oauth"));
    }

    #[test]
    fn scope_lists_split_on_commas_and_spaces_without_duplicates() {
        assert_eq!(scopes("chat:write, users:read chat:write"), ["chat:write", "users:read"]);
        assert!(scopes(" , ").is_empty());
    }
}
