//! Apps made from Slack's app manifest (`display_information`, `features.bot_user`,
//! `oauth_config.scopes`, `settings.event_subscriptions`): an app `A…` with a bot
//! user, a bot token `xoxb-…` with exactly the manifest's bot scopes, a user token
//! `xoxp-…` for the workspace's primary owner when user scopes are asked for, and
//! the app's credentials (signing secret, client id and secret, verification
//! token). Like the default app, a new app's bot is in every open public channel.

use asym_clone_kit::secrets::{ALNUM, DIGITS, HEX, hash_token, random_string};
use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::ids;
use crate::store::apps::{self, AppRow, NewSettings};
use crate::store::channels;
use crate::store::workspace::{self, NewToken, UserRow};
use crate::wire::now_secs;

/// Scopes a bot token may hold (Slack's granular bot scopes).
pub const BOT_SCOPES: &[&str] = &[
    "app_mentions:read",
    "assistant:write",
    "bookmarks:read",
    "bookmarks:write",
    "calls:read",
    "calls:write",
    "canvases:read",
    "canvases:write",
    "channels:history",
    "channels:join",
    "channels:manage",
    "channels:read",
    "channels:write.invites",
    "channels:write.topic",
    "chat:write",
    "chat:write.customize",
    "chat:write.public",
    "commands",
    "conversations.connect:manage",
    "conversations.connect:read",
    "conversations.connect:write",
    "dnd:read",
    "emoji:read",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "groups:write",
    "groups:write.invites",
    "groups:write.topic",
    "im:history",
    "im:read",
    "im:write",
    "im:write.topic",
    "incoming-webhook",
    "links.embed:write",
    "links:read",
    "links:write",
    "lists:read",
    "lists:write",
    "metadata.message:read",
    "mpim:history",
    "mpim:read",
    "mpim:write",
    "mpim:write.topic",
    "pins:read",
    "pins:write",
    "reactions:read",
    "reactions:write",
    "reminders:read",
    "reminders:write",
    "remote_files:read",
    "remote_files:share",
    "remote_files:write",
    "search:read.files",
    "search:read.im",
    "search:read.mpim",
    "search:read.private",
    "search:read.public",
    "search:read.users",
    "team.billing:read",
    "team.preferences:read",
    "team:read",
    "tokens.basic",
    "triggers:read",
    "triggers:write",
    "usergroups:read",
    "usergroups:write",
    "users.profile:read",
    "users:read",
    "users:read.email",
    "users:write",
    "workflow.steps:execute",
];

/// Scopes a user token may hold.
pub const USER_SCOPES: &[&str] = &[
    "admin",
    "admin.analytics:read",
    "admin.app_activities:read",
    "admin.apps:read",
    "admin.apps:write",
    "admin.barriers:read",
    "admin.barriers:write",
    "admin.calls:read",
    "admin.calls:write",
    "admin.conversations:read",
    "admin.conversations:write",
    "admin.invites:read",
    "admin.invites:write",
    "admin.roles:read",
    "admin.roles:write",
    "admin.teams:read",
    "admin.teams:write",
    "admin.usergroups:read",
    "admin.usergroups:write",
    "admin.users:read",
    "admin.users:write",
    "admin.workflows:read",
    "admin.workflows:write",
    "auditlogs:read",
    "bookmarks:read",
    "bookmarks:write",
    "calls:read",
    "calls:write",
    "canvases:read",
    "canvases:write",
    "channels:history",
    "channels:read",
    "channels:write",
    "channels:write.invites",
    "channels:write.topic",
    "chat:write",
    "dnd:read",
    "dnd:write",
    "email",
    "emoji:read",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "groups:write",
    "groups:write.invites",
    "groups:write.topic",
    "identify",
    "identity.avatar",
    "identity.basic",
    "identity.email",
    "identity.team",
    "im:history",
    "im:read",
    "im:write",
    "im:write.topic",
    "links.embed:write",
    "links:read",
    "links:write",
    "lists:read",
    "lists:write",
    "mpim:history",
    "mpim:read",
    "mpim:write",
    "mpim:write.topic",
    "openid",
    "pins:read",
    "pins:write",
    "profile",
    "reactions:read",
    "reactions:write",
    "reminders:read",
    "reminders:write",
    "remote_files:read",
    "remote_files:share",
    "search:read",
    "search:read.files",
    "search:read.im",
    "search:read.mpim",
    "search:read.private",
    "search:read.public",
    "search:read.users",
    "stars:read",
    "stars:write",
    "team.billing:read",
    "team.preferences:read",
    "team:read",
    "usergroups:read",
    "usergroups:write",
    "users.profile:read",
    "users.profile:write",
    "users:read",
    "users:read.email",
    "users:write",
];

const HISTORY: &[&str] = &["channels:history", "groups:history", "im:history", "mpim:history"];

/// Event subscriptions Slack offers, with the scopes (any one of them) each needs
/// and whether only a bot may subscribe.
const EVENTS: &[(&str, &[&str], bool)] = &[
    ("app_home_opened", &[], true),
    ("app_mention", &["app_mentions:read"], true),
    ("app_rate_limited", &[], false),
    ("app_uninstalled", &[], false),
    ("assistant_thread_context_changed", &["assistant:write"], true),
    ("assistant_thread_started", &["assistant:write"], true),
    ("call_rejected", &["calls:read"], false),
    ("channel_archive", &["channels:read"], false),
    ("channel_created", &["channels:read"], false),
    ("channel_deleted", &["channels:read"], false),
    ("channel_history_changed", &["channels:history", "groups:history", "mpim:history"], false),
    ("channel_id_changed", &["channels:read"], false),
    ("channel_left", &["channels:read"], false),
    ("channel_rename", &["channels:read"], false),
    ("channel_shared", &["channels:read"], false),
    ("channel_unarchive", &["channels:read"], false),
    ("channel_unshared", &["channels:read"], false),
    ("dnd_updated", &["dnd:read"], false),
    ("dnd_updated_user", &["dnd:read"], false),
    ("email_domain_changed", &["team:read"], false),
    ("emoji_changed", &["emoji:read"], false),
    ("file_change", &["files:read"], false),
    ("file_comment_added", &["files:read"], false),
    ("file_comment_deleted", &["files:read"], false),
    ("file_comment_edited", &["files:read"], false),
    ("file_created", &["files:read"], false),
    ("file_deleted", &["files:read"], false),
    ("file_public", &["files:read"], false),
    ("file_shared", &["files:read"], false),
    ("file_unshared", &["files:read"], false),
    ("function_executed", &[], true),
    ("grid_migration_finished", &[], false),
    ("grid_migration_started", &[], false),
    ("group_archive", &["groups:read"], false),
    ("group_close", &["groups:read"], false),
    ("group_deleted", &["groups:read"], false),
    ("group_history_changed", &["groups:history"], false),
    ("group_left", &["groups:read"], false),
    ("group_open", &["groups:read"], false),
    ("group_rename", &["groups:read"], false),
    ("group_unarchive", &["groups:read"], false),
    ("im_close", &["im:read"], false),
    ("im_created", &["im:read"], false),
    ("im_history_changed", &["im:history"], false),
    ("im_open", &["im:read"], false),
    ("link_shared", &["links:read"], false),
    ("member_joined_channel", &["channels:read", "groups:read"], false),
    ("member_left_channel", &["channels:read", "groups:read"], false),
    ("message", HISTORY, false),
    ("message.app_home", &["im:history"], true),
    ("message.channels", &["channels:history"], false),
    ("message.groups", &["groups:history"], false),
    ("message.im", &["im:history"], false),
    ("message.mpim", &["mpim:history"], false),
    ("message_metadata_deleted", &["metadata.message:read"], false),
    ("message_metadata_posted", &["metadata.message:read"], false),
    ("message_metadata_updated", &["metadata.message:read"], false),
    ("pin_added", &["pins:read"], false),
    ("pin_removed", &["pins:read"], false),
    ("reaction_added", &["reactions:read"], false),
    ("reaction_removed", &["reactions:read"], false),
    ("star_added", &["stars:read"], false),
    ("star_removed", &["stars:read"], false),
    ("subteam_created", &["usergroups:read"], false),
    ("subteam_members_changed", &["usergroups:read"], false),
    ("subteam_self_added", &["usergroups:read"], false),
    ("subteam_self_removed", &["usergroups:read"], false),
    ("subteam_updated", &["usergroups:read"], false),
    ("team_domain_change", &["team:read"], false),
    ("team_join", &["users:read"], false),
    ("team_rename", &["team:read"], false),
    ("tokens_revoked", &[], false),
    ("user_change", &["users:read"], false),
    ("user_huddle_changed", &["users:read"], false),
    ("user_profile_changed", &["users:read"], false),
    ("user_status_changed", &["users:read"], false),
];

/// Slack's limits on display names.
const MAX_APP_NAME: usize = 35;
const MAX_BOT_NAME: usize = 80;

/// One problem in a manifest, as `apps.manifest.validate` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    pub message: String,
    pub pointer: String,
}

impl ManifestError {
    fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        ManifestError { message: message.into(), pointer: pointer.into() }
    }

    pub fn to_json(&self) -> Value {
        json!({ "message": self.message, "pointer": self.pointer })
    }
}

/// What the clone uses of a manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub name: String,
    pub bot_display_name: String,
    pub bot_scopes: Vec<String>,
    pub user_scopes: Vec<String>,
    pub request_url: Option<String>,
    pub bot_events: Vec<String>,
    pub user_events: Vec<String>,
    /// `settings.socket_mode_enabled`: events go over a WebSocket
    /// (apps.connections.open), not to the request URL, and the app gets an
    /// app-level token with `connections:write`.
    pub socket_mode: bool,
    pub raw: Value,
}

/// Reads a manifest (the object itself, or `{"manifest": …}` with the object or its
/// JSON text, as `apps.manifest.create` takes it) and checks it as Slack does.
pub fn parse(body: &Value) -> Result<Manifest, Vec<ManifestError>> {
    let raw = match body.get("manifest") {
        Some(Value::String(s)) => {
            serde_json::from_str::<Value>(s).map_err(|e| vec![ManifestError::new("/", format!("the manifest is not valid JSON: {e}"))])?
        }
        Some(v) => v.clone(),
        None => body.clone(),
    };
    if !raw.is_object() {
        return Err(vec![ManifestError::new("/", "the manifest must be a JSON object")]);
    }
    let mut errors = Vec::new();
    let name = match raw.pointer("/display_information/name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::String(_)) | None => {
            errors.push(ManifestError::new("/display_information/name", "is required"));
            String::new()
        }
        Some(_) => {
            errors.push(ManifestError::new("/display_information/name", "must be a string"));
            String::new()
        }
    };
    if name.chars().count() > MAX_APP_NAME {
        errors.push(ManifestError::new("/display_information/name", format!("must be {MAX_APP_NAME} characters or fewer")));
    }
    let bot_display_name = match raw.pointer("/features/bot_user/display_name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::String(_)) | None => name.clone(),
        Some(_) => {
            errors.push(ManifestError::new("/features/bot_user/display_name", "must be a string"));
            name.clone()
        }
    };
    if bot_display_name.chars().count() > MAX_BOT_NAME {
        errors.push(ManifestError::new("/features/bot_user/display_name", format!("must be {MAX_BOT_NAME} characters or fewer")));
    }
    let bot_scopes = strings(&raw, "/oauth_config/scopes/bot", &mut errors);
    let user_scopes = strings(&raw, "/oauth_config/scopes/user", &mut errors);
    check_scopes(&bot_scopes, BOT_SCOPES, "/oauth_config/scopes/bot", "bot", &mut errors);
    check_scopes(&user_scopes, USER_SCOPES, "/oauth_config/scopes/user", "user", &mut errors);

    let request_url = match raw.pointer("/settings/event_subscriptions/request_url") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => {
            let ok = reqwest::Url::parse(s.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                errors.push(ManifestError::new("/settings/event_subscriptions/request_url", "must be an http or https URL"));
            }
            Some(s.trim().to_string())
        }
        Some(_) => {
            errors.push(ManifestError::new("/settings/event_subscriptions/request_url", "must be a string"));
            None
        }
    };
    match raw.pointer("/settings/interactivity/request_url") {
        None | Some(Value::Null) => {}
        Some(Value::String(s))
            if reqwest::Url::parse(s.trim()).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()) => {}
        Some(_) => errors.push(ManifestError::new("/settings/interactivity/request_url", "must be an http or https URL")),
    }
    for (i, url) in strings(&raw, "/oauth_config/redirect_urls", &mut errors).iter().enumerate() {
        if !reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()) {
            errors.push(ManifestError::new(format!("/oauth_config/redirect_urls/{i}"), "must be an http or https URL"));
        }
    }
    strings(&raw, "/features/unfurl_domains", &mut errors);
    let bot_events = strings(&raw, "/settings/event_subscriptions/bot_events", &mut errors);
    let user_events = strings(&raw, "/settings/event_subscriptions/user_events", &mut errors);
    check_events(&bot_events, &bot_scopes, "/settings/event_subscriptions/bot_events", "bot", &mut errors);
    check_events(&user_events, &user_scopes, "/settings/event_subscriptions/user_events", "user", &mut errors);
    let socket_mode = match raw.pointer("/settings/socket_mode_enabled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(ManifestError::new("/settings/socket_mode_enabled", "must be a boolean"));
            false
        }
    };
    if !socket_mode && request_url.is_none() && (!bot_events.is_empty() || !user_events.is_empty()) {
        errors.push(ManifestError::new("/settings/event_subscriptions/request_url", "is required when you subscribe to events"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Manifest { name, bot_display_name, bot_scopes, user_scopes, request_url, bot_events, user_events, socket_mode, raw })
}

fn strings(raw: &Value, pointer: &str, errors: &mut Vec<ManifestError>) -> Vec<String> {
    match raw.pointer(pointer) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out: Vec<String> = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_str().map(str::trim) {
                    Some(s) if !s.is_empty() => {
                        if !out.iter().any(|x| x == s) {
                            out.push(s.to_string());
                        }
                    }
                    _ => errors.push(ManifestError::new(format!("{pointer}/{i}"), "must be a non-empty string")),
                }
            }
            out
        }
        Some(_) => {
            errors.push(ManifestError::new(pointer, "must be an array of strings"));
            Vec::new()
        }
    }
}

fn check_scopes(scopes: &[String], valid: &[&str], pointer: &str, kind: &str, errors: &mut Vec<ManifestError>) {
    for (i, s) in scopes.iter().enumerate() {
        if !valid.contains(&s.as_str()) {
            errors.push(ManifestError::new(format!("{pointer}/{i}"), format!("Invalid {kind} scope: {s}")));
        }
    }
}

fn check_events(events: &[String], scopes: &[String], pointer: &str, kind: &str, errors: &mut Vec<ManifestError>) {
    for (i, e) in events.iter().enumerate() {
        let Some((_, needs, bot_only)) = EVENTS.iter().find(|(n, _, _)| n == e) else {
            errors.push(ManifestError::new(format!("{pointer}/{i}"), format!("Invalid event: {e}")));
            continue;
        };
        if *bot_only && kind == "user" {
            errors.push(ManifestError::new(format!("{pointer}/{i}"), format!("{e} is a bot event only")));
            continue;
        }
        if !needs.is_empty() && !needs.iter().any(|n| scopes.iter().any(|s| s == n)) {
            errors.push(ManifestError::new(
                format!("{pointer}/{i}"),
                format!("The {kind} event {e} requires one of these {kind} scopes: {}", needs.join(", ")),
            ));
        }
    }
}

/// A new app with its tokens and credentials (the tokens in plain text: this is
/// the only time they are shown).
#[derive(Debug, Clone)]
pub struct Created {
    pub app_id: String,
    pub team_id: String,
    pub bot_id: String,
    pub bot_user_id: String,
    pub bot_token: String,
    pub user_token: Option<String>,
    pub installer_user_id: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub signing_secret: String,
    pub verification_token: String,
    /// The app-level token (`xapp-…`, `connections:write`) of an app in Socket Mode.
    pub app_token: Option<String>,
}

pub async fn create(db: &Pool, m: &Manifest) -> SlackResult<Created> {
    let mut tx = asym_store::begin_write(db).await?;
    let team = workspace::first_team(&mut *tx).await?.ok_or(SlackError::Code("team_not_found"))?;
    let owner = workspace::primary_owner(&mut *tx, &team.id).await?.ok_or(SlackError::Code("user_not_found"))?;
    let now = now_secs();
    let now_ms = now_millis();
    let app_id = ids::random('A');
    let bot_id = ids::random('B');
    let bot_user_id = ids::random('U');
    let bot = UserRow {
        id: bot_user_id.clone(),
        team_id: team.id.clone(),
        name: bot_username(&m.bot_display_name),
        real_name: m.bot_display_name.clone(),
        display_name: String::new(),
        email: None,
        title: String::new(),
        tz: "America/Los_Angeles".into(),
        is_admin: false,
        is_owner: false,
        is_primary_owner: false,
        is_bot: true,
        bot_id: Some(bot_id.clone()),
        deleted: false,
        presence: "away".into(),
        updated: now,
    };
    workspace::insert_user(&mut *tx, &bot, None).await?;
    // As for the default app: installed apps have been invited to the open public
    // channels; private ones still need an invite.
    channels::join_public_channels(&mut *tx, &team.id, &bot_user_id, now).await?;
    workspace::insert_app(&mut *tx, &app_id, &team.id, &m.name, &bot_id, &bot_user_id, now).await?;

    let bot_token = new_bot_token();
    let bot_scopes = m.bot_scopes.join(",");
    let bot_hash = hash_token(&bot_token);
    let token =
        |hash, kind, user_id, scopes| NewToken { hash, kind, team_id: &team.id, user_id, app_id: Some(&app_id), scopes, created: now };
    workspace::insert_token(&mut *tx, token(&bot_hash, "bot", &bot_user_id, &bot_scopes)).await?;
    let user_scopes = m.user_scopes.join(",");
    let user_token = if m.user_scopes.is_empty() {
        None
    } else {
        let t = new_user_token();
        let hash = hash_token(&t);
        workspace::insert_token(&mut *tx, token(&hash, "user", &owner.id, &user_scopes)).await?;
        Some(t)
    };
    let created = Created {
        app_id: app_id.clone(),
        team_id: team.id.clone(),
        bot_id,
        bot_user_id,
        bot_token,
        installer_user_id: user_token.as_ref().map(|_| owner.id.clone()),
        user_token,
        client_id: format!("{}.{}", random_string(13, DIGITS), random_string(13, DIGITS)),
        client_secret: random_string(32, HEX),
        signing_secret: random_string(32, HEX),
        verification_token: random_string(24, ALNUM),
        app_token: None,
    };
    let mut created = created;
    let manifest_text = m.raw.to_string();
    let bot_events = m.bot_events.join(",");
    let user_events = m.user_events.join(",");
    apps::insert_settings(
        &mut *tx,
        &NewSettings {
            app_id: &app_id,
            manifest: &manifest_text,
            bot_scopes: &bot_scopes,
            user_scopes: &user_scopes,
            installer_user_id: created.installer_user_id.as_deref(),
            request_url: m.request_url.as_deref(),
            bot_events: &bot_events,
            user_events: &user_events,
            client_id: &created.client_id,
            client_secret: &created.client_secret,
            signing_secret: &created.signing_secret,
            verification_token: &created.verification_token,
            created_ms: now_ms,
        },
    )
    .await?;
    if m.socket_mode {
        crate::store::socket_mode::set_socket_mode(&mut *tx, &app_id, true).await?;
        let token = crate::model::socket_mode::mint_app_token(
            &mut tx,
            &app_id,
            &team.id,
            "socket-mode",
            &[crate::model::socket_mode::CONNECTIONS_WRITE],
        )
        .await?;
        created.app_token = Some(token);
    }
    log_integration(&mut *tx, &team.id, &app_id, &m.name, &owner.id, "added", &[bot_scopes.as_str(), user_scopes.as_str()], now).await?;
    tx.commit().await?;
    Ok(created)
}

/// A fresh bot token (`xoxb-…`), in Slack's shape.
pub fn new_bot_token() -> String {
    format!("xoxb-{}-{}-{}", random_string(12, DIGITS), random_string(13, DIGITS), random_string(24, ALNUM))
}

/// A fresh user token (`xoxp-…`), in Slack's shape.
pub fn new_user_token() -> String {
    format!("xoxp-{}-{}-{}-{}", random_string(12, DIGITS), random_string(12, DIGITS), random_string(13, DIGITS), random_string(32, HEX))
}

/// One entry of team.integrationLogs.
#[allow(clippy::too_many_arguments)]
async fn log_integration(
    db: impl sqlx::any::AnyExecutor<'_>,
    team_id: &str,
    app_id: &str,
    app_name: &str,
    user_id: &str,
    change_type: &str,
    scopes: &[&str],
    now: i64,
) -> SlackResult<()> {
    let scope = scopes.iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(",");
    crate::store::oauth::log_integration(
        db,
        &crate::store::oauth::IntegrationRow {
            id: ids::random('L'),
            team_id: team_id.into(),
            app_id: app_id.into(),
            app_type: app_name.into(),
            user_id: user_id.into(),
            change_type: change_type.into(),
            scope,
            reason: None,
            date: now,
        },
    )
    .await?;
    Ok(())
}

/// Slack's bot user names are lowercase, without spaces (`My Agent` → `my-agent`).
fn bot_username(display: &str) -> String {
    let mut out = String::new();
    for c in display.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "bot".into() } else { out }
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn split(list: Option<&str>) -> Vec<&str> {
    list.map(|s| s.split(',').filter(|x| !x.is_empty()).collect()).unwrap_or_default()
}

/// One app as `GET /api/_asym/apps` shows it; `is_default` marks the provisioned app.
pub fn render(a: &AppRow) -> Value {
    let mut v = json!({
        "app_id": a.id,
        "name": a.name,
        "team_id": a.team_id,
        "bot_id": a.bot_id,
        "bot_user_id": a.bot_user_id,
        "created": a.created,
        "is_default": a.client_id.is_none(),
    });
    if let Some(client_id) = &a.client_id {
        v["scopes"] = json!({ "bot": split(a.bot_scopes.as_deref()), "user": split(a.user_scopes.as_deref()) });
        v["installer_user_id"] = json!(a.installer_user_id);
        v["event_subscriptions"] = json!({
            "request_url": a.request_url,
            "url_verified": a.url_verified == Some(1),
            "bot_events": split(a.bot_events.as_deref()),
            "user_events": split(a.user_events.as_deref()),
        });
        v["credentials"] = json!({
            "client_id": client_id,
            "client_secret": a.client_secret,
            "verification_token": a.verification_token,
            "signing_secret": a.signing_secret,
        });
    }
    v
}

pub async fn list(db: &Pool) -> SlackResult<Vec<Value>> {
    Ok(apps::list(db).await?.iter().map(render).collect())
}

/// apps.uninstall: with the `client_id` and `client_secret` of an app made from a
/// manifest, called with one of that app's own tokens. Revokes every token of the
/// app, marks its bot user deleted and announces `tokens_revoked` and
/// `app_uninstalled` to that app only (its last deliveries).
pub async fn uninstall(db: &Pool, who: &crate::model::auth::Principal, args: &crate::wire::Args) -> SlackResult<Value> {
    let client_id = args.str("client_id").ok_or(SlackError::Code("invalid_client_id"))?;
    let app =
        apps::by_client_id(db, &client_id).await?.filter(|a| a.team_id == who.team_id).ok_or(SlackError::Code("invalid_client_id"))?;
    let secret = args.str("client_secret").unwrap_or_default();
    if !asym_clone_kit::secrets::same_secret(&secret, app.client_secret.as_deref().unwrap_or_default()) {
        return Err(SlackError::Code("bad_client_secret"));
    }
    if who.app_id.as_deref() != Some(app.id.as_str()) {
        return Err(SlackError::Code("client_id_token_mismatch"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    workspace::delete_app_tokens(&mut *tx, &app.id).await?;
    crate::store::socket_mode::delete_app_tokens(&mut *tx, &app.id).await?;
    let mut tokens = json!({ "bot": [app.bot_user_id] });
    if let Some(installer) = &app.installer_user_id
        && app.user_scopes.as_deref().is_some_and(|s| !s.is_empty())
    {
        tokens["oauth"] = json!([installer]);
    }
    let event_ts = crate::wire::now_ts();
    let mut revoked = json!({ "type": "tokens_revoked", "tokens": tokens, "event_ts": event_ts });
    revoked[crate::events::FOR_APP] = json!(app.id);
    let mut uninstalled = json!({ "type": "app_uninstalled" });
    uninstalled[crate::events::FOR_APP] = json!(app.id);
    crate::events::emit(&mut *tx, &who.team_id, revoked).await?;
    crate::events::emit(&mut *tx, &who.team_id, uninstalled).await?;
    apps::delete_bot_user(&mut *tx, &app.bot_user_id, now_secs()).await?;
    apps::mark_uninstalled(&mut *tx, &app.id, now_millis()).await?;
    log_integration(&mut *tx, &who.team_id, &app.id, &app.name, &who.user_id, "removed", &[], now_secs()).await?;
    tx.commit().await?;
    crate::model::auth::tokens_revoked();
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(v: Value) -> Result<Manifest, Vec<ManifestError>> {
        parse(&v)
    }

    #[test]
    fn a_full_manifest_parses() {
        let m = manifest(json!({
            "display_information": { "name": "Triage Bot" },
            "features": { "bot_user": { "display_name": "Triage" } },
            "oauth_config": { "scopes": { "bot": ["chat:write", "channels:history", "app_mentions:read"], "user": ["search:read"] } },
            "settings": { "event_subscriptions": { "request_url": "http://127.0.0.1:9/slack", "bot_events": ["message.channels", "app_mention"] } }
        }))
        .unwrap();
        assert_eq!(m.name, "Triage Bot");
        assert_eq!(m.bot_display_name, "Triage");
        assert_eq!(m.bot_scopes, ["chat:write", "channels:history", "app_mentions:read"]);
        assert_eq!(m.user_scopes, ["search:read"]);
        assert_eq!(m.request_url.as_deref(), Some("http://127.0.0.1:9/slack"));
        assert_eq!(m.bot_events, ["message.channels", "app_mention"]);
        let wrapped = parse(&json!({ "manifest": m.raw.to_string() })).unwrap();
        assert_eq!(wrapped.name, "Triage Bot");
    }

    #[test]
    fn bad_manifests_name_each_problem() {
        let errs = manifest(json!({
            "oauth_config": { "scopes": { "bot": ["search:read", "chat:write"] } },
            "settings": { "event_subscriptions": { "request_url": "ftp://x", "bot_events": ["message.channels", "no_such_event"] } }
        }))
        .unwrap_err();
        let pointers: Vec<&str> = errs.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/display_information/name",
                "/oauth_config/scopes/bot/0",
                "/settings/event_subscriptions/request_url",
                "/settings/event_subscriptions/bot_events/0",
                "/settings/event_subscriptions/bot_events/1",
            ]
        );
        assert!(errs[3].message.contains("channels:history"), "{:?}", errs[3]);
        assert!(manifest(json!({ "display_information": { "name": "x".repeat(36) } })).is_err());
        assert!(manifest(json!("text")).is_err());
    }

    #[test]
    fn socket_mode_apps_need_no_request_url() {
        let m = |settings: Value| {
            manifest(json!({
                "display_information": { "name": "Sockets" },
                "oauth_config": { "scopes": { "bot": ["channels:history"] } },
                "settings": settings
            }))
        };
        let socket = m(json!({ "socket_mode_enabled": true, "event_subscriptions": { "bot_events": ["message.channels"] } })).unwrap();
        assert!(socket.socket_mode);
        assert!(socket.request_url.is_none());
        assert!(m(json!({ "event_subscriptions": { "bot_events": ["message.channels"] } })).is_err());
        let errs =
            m(json!({ "socket_mode_enabled": "yes", "interactivity": { "is_enabled": true, "request_url": "ftp://x" } })).unwrap_err();
        let pointers: Vec<&str> = errs.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/settings/interactivity/request_url", "/settings/socket_mode_enabled"]);
    }

    #[test]
    fn bot_usernames_are_slugs() {
        assert_eq!(bot_username("My  Agent!"), "my-agent");
        assert_eq!(bot_username("***"), "bot");
    }
}
