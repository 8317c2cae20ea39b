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
    Method {
        name: "conversations.create",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T2,
    },
    Method { name: "conversations.join", needs_token: true, scopes: &["channels:join", "channels:write"], tier: Tier::T3 },
    Method {
        name: "conversations.leave",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T3,
    },
    Method {
        name: "conversations.invite",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T3,
    },
    Method {
        name: "conversations.kick",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T3,
    },
    Method {
        name: "conversations.archive",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T2,
    },
    Method {
        name: "conversations.unarchive",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T2,
    },
    Method {
        name: "conversations.rename",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T2,
    },
    Method {
        name: "conversations.setTopic",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T3,
    },
    Method {
        name: "conversations.setPurpose",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T3,
    },
    Method {
        name: "conversations.replies",
        needs_token: true,
        scopes: &["channels:history", "groups:history", "im:history", "mpim:history"],
        tier: Tier::T3,
    },
    Method {
        name: "conversations.members",
        needs_token: true,
        scopes: &["channels:read", "groups:read", "im:read", "mpim:read"],
        tier: Tier::T4,
    },
    Method {
        name: "conversations.open",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T3,
    },
    Method {
        name: "conversations.close",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T2,
    },
    Method {
        name: "conversations.mark",
        needs_token: true,
        scopes: &["channels:manage", "channels:write", "groups:write", "im:write", "mpim:write"],
        tier: Tier::T3,
    },
    Method {
        name: "users.conversations",
        needs_token: true,
        scopes: &["channels:read", "groups:read", "im:read", "mpim:read"],
        tier: Tier::T3,
    },
    // -- chat family (chat.*, reactions.*, pins.*) --
    Method { name: "chat.update", needs_token: true, scopes: &["chat:write"], tier: Tier::T3 },
    Method { name: "chat.delete", needs_token: true, scopes: &["chat:write"], tier: Tier::T3 },
    Method { name: "chat.postEphemeral", needs_token: true, scopes: &["chat:write"], tier: Tier::T4 },
    Method { name: "chat.meMessage", needs_token: true, scopes: &["chat:write"], tier: Tier::T3 },
    Method { name: "chat.getPermalink", needs_token: true, scopes: &[], tier: Tier::T4 },
    Method { name: "chat.scheduleMessage", needs_token: true, scopes: &["chat:write"], tier: Tier::T3 },
    Method { name: "chat.scheduledMessages.list", needs_token: true, scopes: &[], tier: Tier::T3 },
    Method { name: "chat.deleteScheduledMessage", needs_token: true, scopes: &["chat:write"], tier: Tier::T3 },
    Method { name: "reactions.add", needs_token: true, scopes: &["reactions:write"], tier: Tier::T3 },
    Method { name: "reactions.remove", needs_token: true, scopes: &["reactions:write"], tier: Tier::T2 },
    Method { name: "reactions.get", needs_token: true, scopes: &["reactions:read"], tier: Tier::T3 },
    Method { name: "reactions.list", needs_token: true, scopes: &["reactions:read"], tier: Tier::T2 },
    Method { name: "pins.add", needs_token: true, scopes: &["pins:write"], tier: Tier::T2 },
    Method { name: "pins.remove", needs_token: true, scopes: &["pins:write"], tier: Tier::T2 },
    Method { name: "pins.list", needs_token: true, scopes: &["pins:read"], tier: Tier::T2 },
    // -- workspace family (users.*, auth.revoke, search.*, bookmarks.*, usergroups.*, emoji.list) --
    Method { name: "users.lookupByEmail", needs_token: true, scopes: &["users:read.email"], tier: Tier::T3 },
    Method { name: "users.getPresence", needs_token: true, scopes: &["users:read"], tier: Tier::T3 },
    Method { name: "users.setPresence", needs_token: true, scopes: &["users:write"], tier: Tier::T2 },
    Method { name: "users.setActive", needs_token: true, scopes: &["users:write"], tier: Tier::T2 },
    Method { name: "users.profile.get", needs_token: true, scopes: &["users.profile:read"], tier: Tier::T4 },
    Method { name: "users.profile.set", needs_token: true, scopes: &["users.profile:write"], tier: Tier::T3 },
    Method { name: "auth.revoke", needs_token: true, scopes: &[], tier: Tier::T3 },
    Method { name: "search.messages", needs_token: true, scopes: &["search:read"], tier: Tier::T2 },
    Method { name: "bookmarks.add", needs_token: true, scopes: &["bookmarks:write"], tier: Tier::T2 },
    Method { name: "bookmarks.edit", needs_token: true, scopes: &["bookmarks:write"], tier: Tier::T2 },
    Method { name: "bookmarks.remove", needs_token: true, scopes: &["bookmarks:write"], tier: Tier::T2 },
    Method { name: "bookmarks.list", needs_token: true, scopes: &["bookmarks:read"], tier: Tier::T3 },
    Method { name: "usergroups.list", needs_token: true, scopes: &["usergroups:read"], tier: Tier::T2 },
    Method { name: "usergroups.create", needs_token: true, scopes: &["usergroups:write"], tier: Tier::T2 },
    Method { name: "usergroups.update", needs_token: true, scopes: &["usergroups:write"], tier: Tier::T2 },
    Method { name: "usergroups.enable", needs_token: true, scopes: &["usergroups:write"], tier: Tier::T2 },
    Method { name: "usergroups.disable", needs_token: true, scopes: &["usergroups:write"], tier: Tier::T2 },
    Method { name: "usergroups.users.list", needs_token: true, scopes: &["usergroups:read"], tier: Tier::T2 },
    Method { name: "usergroups.users.update", needs_token: true, scopes: &["usergroups:write"], tier: Tier::T2 },
    Method { name: "emoji.list", needs_token: true, scopes: &["emoji:read"], tier: Tier::T2 },
    // -- files family (files.*) --
    Method { name: "files.getUploadURLExternal", needs_token: true, scopes: &["files:write"], tier: Tier::T4 },
    Method { name: "files.completeUploadExternal", needs_token: true, scopes: &["files:write"], tier: Tier::T4 },
    Method { name: "files.info", needs_token: true, scopes: &["files:read"], tier: Tier::T4 },
    Method { name: "files.list", needs_token: true, scopes: &["files:read"], tier: Tier::T3 },
    Method { name: "files.delete", needs_token: true, scopes: &["files:write"], tier: Tier::T3 },
    Method { name: "files.sharedPublicURL", needs_token: true, scopes: &["files:write"], tier: Tier::T3 },
    Method { name: "files.revokePublicURL", needs_token: true, scopes: &["files:write"], tier: Tier::T3 },
    // Retired by Slack on November 12, 2025: every call answers `method_deprecated`.
    Method { name: "files.upload", needs_token: false, scopes: &["files:write"], tier: Tier::T2 },
    // -- people and saved things (bots.info, team.profile.get, users.identity, dnd.*, reminders.*, stars.*, apps.uninstall) --
    Method { name: "bots.info", needs_token: true, scopes: &["users:read"], tier: Tier::T3 },
    Method { name: "team.profile.get", needs_token: true, scopes: &["users.profile:read"], tier: Tier::T3 },
    Method { name: "users.identity", needs_token: true, scopes: &["identity.basic"], tier: Tier::T4 },
    Method { name: "dnd.info", needs_token: true, scopes: &["dnd:read"], tier: Tier::T3 },
    Method { name: "dnd.teamInfo", needs_token: true, scopes: &["dnd:read"], tier: Tier::T2 },
    Method { name: "dnd.setSnooze", needs_token: true, scopes: &["dnd:write"], tier: Tier::T2 },
    Method { name: "dnd.endSnooze", needs_token: true, scopes: &["dnd:write"], tier: Tier::T2 },
    Method { name: "dnd.endDnd", needs_token: true, scopes: &["dnd:write"], tier: Tier::T2 },
    Method { name: "reminders.add", needs_token: true, scopes: &["reminders:write"], tier: Tier::T2 },
    Method { name: "reminders.list", needs_token: true, scopes: &["reminders:read"], tier: Tier::T2 },
    Method { name: "reminders.info", needs_token: true, scopes: &["reminders:read"], tier: Tier::T2 },
    Method { name: "reminders.complete", needs_token: true, scopes: &["reminders:write"], tier: Tier::T2 },
    Method { name: "reminders.delete", needs_token: true, scopes: &["reminders:write"], tier: Tier::T2 },
    Method { name: "stars.add", needs_token: true, scopes: &["stars:write"], tier: Tier::T2 },
    Method { name: "stars.list", needs_token: true, scopes: &["stars:read"], tier: Tier::T3 },
    Method { name: "stars.remove", needs_token: true, scopes: &["stars:write"], tier: Tier::T2 },
    Method { name: "apps.uninstall", needs_token: true, scopes: &[], tier: Tier::T1 },
    // -- OAuth, photos and workspace administration --
    Method { name: "oauth.v2.access", needs_token: false, scopes: &[], tier: Tier::T4 },
    Method { name: "users.setPhoto", needs_token: true, scopes: &["users.profile:write"], tier: Tier::T2 },
    Method { name: "users.deletePhoto", needs_token: true, scopes: &["users.profile:write"], tier: Tier::T2 },
    Method { name: "team.accessLogs", needs_token: true, scopes: &["admin"], tier: Tier::T2 },
    Method { name: "team.billableInfo", needs_token: true, scopes: &["admin"], tier: Tier::T2 },
    Method { name: "team.integrationLogs", needs_token: true, scopes: &["admin"], tier: Tier::T2 },
    Method { name: "migration.exchange", needs_token: true, scopes: &["tokens.basic"], tier: Tier::T2 },
    Method { name: "chat.unfurl", needs_token: true, scopes: &["links:write"], tier: Tier::T3 },
    // -- calls --
    Method { name: "calls.add", needs_token: true, scopes: &["calls:write"], tier: Tier::T2 },
    Method { name: "calls.info", needs_token: true, scopes: &["calls:read"], tier: Tier::T3 },
    Method { name: "calls.update", needs_token: true, scopes: &["calls:write"], tier: Tier::T2 },
    Method { name: "calls.end", needs_token: true, scopes: &["calls:write"], tier: Tier::T2 },
    Method { name: "calls.participants.add", needs_token: true, scopes: &["calls:write"], tier: Tier::T2 },
    Method { name: "calls.participants.remove", needs_token: true, scopes: &["calls:write"], tier: Tier::T2 },
    // -- remote files --
    Method { name: "files.remote.add", needs_token: true, scopes: &["remote_files:write"], tier: Tier::T2 },
    Method { name: "files.remote.info", needs_token: true, scopes: &["remote_files:read"], tier: Tier::T2 },
    Method { name: "files.remote.list", needs_token: true, scopes: &["remote_files:read"], tier: Tier::T2 },
    Method { name: "files.remote.remove", needs_token: true, scopes: &["remote_files:write"], tier: Tier::T2 },
    Method { name: "files.remote.share", needs_token: true, scopes: &["remote_files:share"], tier: Tier::T2 },
    Method { name: "files.remote.update", needs_token: true, scopes: &["remote_files:write"], tier: Tier::T2 },
    // -- Socket Mode (an app-level token, checked by the method itself) --
    Method { name: "apps.connections.open", needs_token: false, scopes: &["connections:write"], tier: Tier::T1 },
    // -- views (modals and App Home) --
    Method { name: "views.open", needs_token: true, scopes: &[], tier: Tier::T4 },
    Method { name: "views.push", needs_token: true, scopes: &[], tier: Tier::T4 },
    Method { name: "views.update", needs_token: true, scopes: &[], tier: Tier::T4 },
    Method { name: "views.publish", needs_token: true, scopes: &[], tier: Tier::T4 },
    // -- legacy dialogs --
    Method { name: "dialog.open", needs_token: true, scopes: &[], tier: Tier::T4 },
];

pub const PUBLISHED: &str = include_str!("../../spec-methods.txt");

pub async fn call(
    State(ctx): State<CloneCtx>,
    Extension(db): Extension<Db>,
    Path(method): Path<String>,
    call: Result<SlackCall, SlackError>,
) -> Response {
    crate::model::scheduled::deliver_due(&db).await;
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
    // Events API delivery runs in this process from the first call on.
    crate::model::delivery::ensure_running(&ctx);
    let who = if spec.needs_token {
        match auth::authenticate_cached(&db, call.token.as_deref()).await {
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
    // File URLs in responses are absolute: the clone's public URL is scoped over the call.
    let result = crate::model::files::with_public_url(&ctx.public_url, run(spec.name, &db, who.as_ref(), &call)).await;
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

async fn run(method: &str, db: &Db, who: Option<&Principal>, call: &SlackCall) -> Result<Value, SlackError> {
    let args = &call.args;
    let Some(who) = who else {
        return match method {
            "oauth.v2.access" => crate::model::oauth::access(db, args, call.basic.as_ref()).await,
            // files.upload was retired for every app on November 12, 2025; Slack
            // has answered `method_deprecated` since.
            "files.upload" => Err(SlackError::Code("method_deprecated")),
            "apps.connections.open" => {
                crate::model::socket_mode::connections_open(db, call.token.as_deref(), &crate::model::files::public_origin()).await
            }
            _ => api_test(args),
        };
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
        "conversations.create" => crate::model::membership::create(db, who, args).await,
        "conversations.join" => crate::model::membership::join(db, who, args).await,
        "conversations.leave" => crate::model::membership::leave(db, who, args).await,
        "conversations.invite" => crate::model::membership::invite(db, who, args).await,
        "conversations.kick" => crate::model::membership::kick(db, who, args).await,
        "conversations.archive" => crate::model::membership::archive(db, who, args).await,
        "conversations.unarchive" => crate::model::membership::unarchive(db, who, args).await,
        "conversations.rename" => crate::model::membership::rename(db, who, args).await,
        "conversations.setTopic" => crate::model::membership::set_topic(db, who, args).await,
        "conversations.setPurpose" => crate::model::membership::set_purpose(db, who, args).await,
        "conversations.replies" => crate::model::conversations::replies(db, who, args).await,
        "conversations.members" => crate::model::conversations::members(db, who, args).await,
        "conversations.open" => crate::model::dms::open(db, who, args).await,
        "conversations.close" => crate::model::dms::close(db, who, args).await,
        "conversations.mark" => crate::model::dms::mark(db, who, args).await,
        "users.conversations" => crate::model::conversations::users_conversations(db, who, args).await,
        // -- chat family --
        "chat.update" => chat::update(db, who, args).await,
        "chat.delete" => chat::delete(db, who, args).await,
        "chat.postEphemeral" => chat::post_ephemeral(db, who, args).await,
        "chat.meMessage" => chat::me_message(db, who, args).await,
        "chat.getPermalink" => chat::get_permalink(db, who, args).await,
        "chat.scheduleMessage" => crate::model::scheduled::schedule(db, who, args).await,
        "chat.scheduledMessages.list" => crate::model::scheduled::list(db, who, args).await,
        "chat.deleteScheduledMessage" => crate::model::scheduled::delete(db, who, args).await,
        "reactions.add" => crate::model::reactions::add(db, who, args).await,
        "reactions.remove" => crate::model::reactions::remove(db, who, args).await,
        "reactions.get" => crate::model::reactions::get(db, who, args).await,
        "reactions.list" => crate::model::reactions::list(db, who, args).await,
        "pins.add" => crate::model::pins::add(db, who, args).await,
        "pins.remove" => crate::model::pins::remove(db, who, args).await,
        "pins.list" => crate::model::pins::list(db, who, args).await,
        // -- workspace family --
        "users.lookupByEmail" => users::lookup_by_email(db, who, args).await,
        "users.getPresence" => users::get_presence(db, who, args).await,
        "users.setPresence" => users::set_presence(db, who, args).await,
        "users.setActive" => users::set_active(who),
        "users.profile.get" => users::profile_get(db, who, args).await,
        "users.profile.set" => users::profile_set(db, who, args).await,
        "auth.revoke" => crate::model::tokens::revoke(db, who, args).await,
        "search.messages" => crate::model::search::messages(db, who, args).await,
        "bookmarks.add" => crate::model::bookmarks::add(db, who, args).await,
        "bookmarks.edit" => crate::model::bookmarks::edit(db, who, args).await,
        "bookmarks.remove" => crate::model::bookmarks::remove(db, who, args).await,
        "bookmarks.list" => crate::model::bookmarks::list(db, who, args).await,
        "usergroups.list" => crate::model::usergroups::list(db, who, args).await,
        "usergroups.create" => crate::model::usergroups::create(db, who, args).await,
        "usergroups.update" => crate::model::usergroups::update(db, who, args).await,
        "usergroups.enable" => crate::model::usergroups::set_enabled(db, who, args, true).await,
        "usergroups.disable" => crate::model::usergroups::set_enabled(db, who, args, false).await,
        "usergroups.users.list" => crate::model::usergroups::users_list(db, who, args).await,
        "usergroups.users.update" => crate::model::usergroups::users_update(db, who, args).await,
        "emoji.list" => crate::model::emoji::list(db, who).await,
        // -- files family --
        "files.getUploadURLExternal" => crate::model::files::get_upload_url(db, who, args).await,
        "files.completeUploadExternal" => crate::model::files::complete_upload(db, who, args).await,
        "files.info" => crate::model::files::info(db, who, args).await,
        "files.list" => crate::model::files::list(db, who, args).await,
        "files.delete" => crate::model::files::delete(db, who, args).await,
        "files.sharedPublicURL" => crate::model::public_files::shared_public_url(db, who, args).await,
        "files.revokePublicURL" => crate::model::public_files::revoke_public_url(db, who, args).await,
        // -- people and saved things --
        "bots.info" => crate::model::identity::bots_info(db, who, args).await,
        "team.profile.get" => crate::model::identity::team_profile_get(db, who, args).await,
        "users.identity" => crate::model::identity::users_identity(db, who).await,
        "dnd.info" => crate::model::dnd::info(db, who, args).await,
        "dnd.teamInfo" => crate::model::dnd::team_info(db, who, args).await,
        "dnd.setSnooze" => crate::model::dnd::set_snooze(db, who, args).await,
        "dnd.endSnooze" => crate::model::dnd::end_snooze(db, who).await,
        "dnd.endDnd" => crate::model::dnd::end_dnd(db, who).await,
        "reminders.add" => crate::model::reminders::add(db, who, args).await,
        "reminders.list" => crate::model::reminders::list(db, who).await,
        "reminders.info" => crate::model::reminders::info(db, who, args).await,
        "reminders.complete" => crate::model::reminders::complete(db, who, args).await,
        "reminders.delete" => crate::model::reminders::delete(db, who, args).await,
        "stars.add" => crate::model::stars::add(db, who, args).await,
        "stars.list" => crate::model::stars::list(db, who, args).await,
        "stars.remove" => crate::model::stars::remove(db, who, args).await,
        "apps.uninstall" => crate::model::apps::uninstall(db, who, args).await,
        // -- OAuth, photos and workspace administration --
        "users.setPhoto" => crate::model::photos::set_photo(db, who, call).await,
        "users.deletePhoto" => crate::model::photos::delete_photo(db, who).await,
        "team.accessLogs" => crate::model::team_admin::access_logs(db, who, args).await,
        "team.billableInfo" => crate::model::team_admin::billable_info(db, who, args).await,
        "team.integrationLogs" => crate::model::team_admin::integration_logs(db, who, args).await,
        "migration.exchange" => crate::model::team_admin::migration_exchange(db, who, args).await,
        "chat.unfurl" => crate::model::unfurl::unfurl(db, who, args).await,
        // -- calls --
        "calls.add" => crate::model::calls::add(db, who, args).await,
        "calls.info" => crate::model::calls::info(db, who, args).await,
        "calls.update" => crate::model::calls::update(db, who, args).await,
        "calls.end" => crate::model::calls::end(db, who, args).await,
        "calls.participants.add" => crate::model::calls::participants(db, who, args, true).await,
        "calls.participants.remove" => crate::model::calls::participants(db, who, args, false).await,
        // -- remote files --
        "files.remote.add" => crate::model::remote_files::add(db, who, call).await,
        "files.remote.info" => crate::model::remote_files::info(db, who, args).await,
        "files.remote.list" => crate::model::remote_files::list(db, who, args).await,
        "files.remote.remove" => crate::model::remote_files::remove(db, who, args).await,
        "files.remote.share" => crate::model::remote_files::share(db, who, args).await,
        "files.remote.update" => crate::model::remote_files::update(db, who, call).await,
        // -- views --
        "views.open" => crate::model::views::open(db, who, args).await,
        "views.push" => crate::model::views::push(db, who, args).await,
        "views.update" => crate::model::views::update(db, who, args).await,
        "views.publish" => crate::model::views::publish(db, who, args).await,
        "dialog.open" => crate::model::dialogs::open(db, who, args).await,
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
