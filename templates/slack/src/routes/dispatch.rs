//! One Web API call: authenticate, run the method, wrap the result in Slack's
//! `{"ok":true,…}` envelope with the scope headers.

use asym_clone_kit::CloneCtx;
use asym_store::Db;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::errors::SlackError;
use crate::model::auth::{self, Principal};
use crate::model::{chat, conversations, users};
use crate::store::workspace;
use crate::wire::{Args, SlackCall};

use super::ratelimit;

/// A built method: its name, whether it needs a token, the scopes it accepts and
/// its rate-limit tier (Slack's Tier 1–4; `SPECIAL` for chat.postMessage's one
/// message per second per channel).
pub struct Method {
    pub name: &'static str,
    pub needs_token: bool,
    pub scopes: &'static [&'static str],
    pub tier: Tier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// 1+ per minute.
    T1,
    /// 20+ per minute.
    T2,
    /// 50+ per minute.
    T3,
    /// 100+ per minute.
    T4,
    /// chat.postMessage: about one per second per channel.
    Special,
}

pub const METHODS: &[Method] = &[
    Method { name: "api.test", needs_token: false, scopes: &[], tier: Tier::T4 },
    Method { name: "auth.test", needs_token: true, scopes: &[], tier: Tier::T4 },
    Method { name: "team.info", needs_token: true, scopes: &["team:read"], tier: Tier::T3 },
    Method { name: "users.list", needs_token: true, scopes: &["users:read"], tier: Tier::T2 },
    Method { name: "users.info", needs_token: true, scopes: &["users:read"], tier: Tier::T4 },
    Method {
        name: "conversations.list",
        needs_token: true,
        scopes: &["channels:read", "groups:read", "im:read", "mpim:read"],
        tier: Tier::T2,
    },
    Method {
        name: "conversations.info",
        needs_token: true,
        scopes: &["channels:read", "groups:read", "im:read", "mpim:read"],
        tier: Tier::T3,
    },
    Method {
        name: "conversations.history",
        needs_token: true,
        scopes: &["channels:history", "groups:history", "im:history", "mpim:history"],
        tier: Tier::T3,
    },
    Method { name: "chat.postMessage", needs_token: true, scopes: &["chat:write"], tier: Tier::Special },
    // -- conversations family (conversations.*, users.conversations) --
    // -- chat family (chat.*, reactions.*, pins.*) --
    // -- workspace family (users.*, auth.revoke, search.*, bookmarks.*, usergroups.*, emoji.list) --
    // -- files family (files.*) --
];

pub const PUBLISHED: &str = include_str!("../../spec-methods.txt");

pub async fn call(
    State(ctx): State<CloneCtx>,
    Extension(db): Extension<Db>,
    Path(method): Path<String>,
    call: Result<SlackCall, SlackError>,
) -> Response {
    let Some(spec) = METHODS.iter().find(|m| m.name == method) else {
        return if PUBLISHED.lines().any(|l| l == method) {
            SlackError::NotImplemented { method }.into_response()
        } else {
            SlackError::UnknownMethod { method }.into_response()
        };
    };
    let call = match call {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let who = if spec.needs_token {
        match auth::authenticate(&db, call.token.as_deref()).await {
            Ok(p) => Some(p),
            Err(e) => return e.into_response(),
        }
    } else {
        None
    };
    if ctx.rate_limits
        && let Some(token) = call.token.as_deref().filter(|_| who.is_some())
    {
        // chat.postMessage is limited per channel, everything else per token.
        let subject = match spec.tier {
            Tier::Special => call.args.str("channel").unwrap_or_default(),
            _ => asym_clone_kit::secrets::hash_token(token),
        };
        if let Err(retry_after) = ratelimit::check(&*ctx.kv, spec.tier, spec.name, &subject).await {
            return ratelimit::ratelimited(retry_after);
        }
    }
    let result = run(spec.name, &db, who.as_ref(), &call.args).await;
    let mut resp = match result {
        Ok(Value::Object(fields)) => {
            let mut body = serde_json::Map::with_capacity(fields.len() + 1);
            body.insert("ok".into(), Value::Bool(true));
            body.extend(fields);
            axum::Json(Value::Object(body)).into_response()
        }
        Ok(other) => axum::Json(json!({ "ok": true, "value": other })).into_response(),
        Err(e) => e.into_response(),
    };
    if let Some(p) = &who {
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&p.scopes.join(",")) {
            h.insert("x-oauth-scopes", v);
        }
        if let Ok(v) = HeaderValue::from_str(&spec.scopes.join(",")) {
            h.insert("x-accepted-oauth-scopes", v);
        }
    }
    resp
}

async fn run(method: &str, db: &Db, who: Option<&Principal>, args: &Args) -> Result<Value, SlackError> {
    let Some(who) = who else {
        return api_test(args);
    };
    match method {
        "auth.test" => auth_test(db, who).await,
        "team.info" => team_info(db, who).await,
        "users.list" => users::list(db, who, args).await,
        "users.info" => users::info(db, who, args).await,
        "conversations.list" => conversations::list(db, who, args).await,
        "conversations.info" => conversations::info(db, who, args).await,
        "conversations.history" => conversations::history(db, who, args).await,
        "chat.postMessage" => chat::post_message(db, who, args).await,
        // -- conversations family --
        // -- chat family --
        // -- workspace family --
        // -- files family --
        other => Err(SlackError::NotImplemented { method: other.into() }),
    }
}

/// `api.test` echoes its arguments, and fails on purpose when asked to.
fn api_test(args: &Args) -> Result<Value, SlackError> {
    if let Some(error) = args.str("error") {
        return Err(SlackError::Echo { error, args: json!(args.0) });
    }
    Ok(json!({ "args": args.0 }))
}

async fn auth_test(db: &Db, who: &Principal) -> Result<Value, SlackError> {
    let team = workspace::team(&**db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    let user = workspace::user(&**db, &who.user_id).await?.ok_or(SlackError::InvalidAuth)?;
    let mut v = json!({
        "url": format!("https://{}.slack.com/", team.domain),
        "team": team.name,
        "user": user.name,
        "team_id": team.id,
        "user_id": user.id,
    });
    if who.kind == auth::TokenKind::Bot
        && let Some(bot) = &who.bot_id
    {
        v["bot_id"] = Value::from(bot.clone());
    }
    v["is_enterprise_install"] = Value::from(false);
    Ok(v)
}

async fn team_info(db: &Db, who: &Principal) -> Result<Value, SlackError> {
    who.require_any(&["team:read"])?;
    let team = workspace::team(&**db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    Ok(json!({ "team": crate::objects::team(&team) }))
}
