//! The workspace's people: listing and reading users, looking them up by email,
//! presence, and profiles (users.profile.get/set with Slack's role rules).

use std::collections::HashMap;

use asym_store::Pool;
use serde_json::{Map, Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::model::auth::{Principal, TokenKind};
use crate::objects;
use crate::store::workspace::{self, ProfileRow, UserRow};
use crate::wire::{self, Args};

pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users:read"])?;
    let limit = wire::limit(args, 0, 1000)?;
    let limit = if limit == 0 { 1000 } else { limit };
    let after = match args.str("cursor") {
        Some(c) => wire::decode_cursor("user", &c)?,
        None => String::new(),
    };
    let mut rows = workspace::users_page(db, &who.team_id, &after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|u| wire::encode_cursor("user", &u.id)).unwrap_or_default() } else { String::new() };
    let show_email = who.has("users:read.email");
    let profiles: HashMap<String, ProfileRow> =
        workspace::team_profiles(db, &who.team_id).await?.into_iter().map(|p| (p.user_id.clone(), p)).collect();
    let now = wire::now_secs();
    let photos: HashMap<String, crate::store::photos::PhotoRow> =
        crate::store::photos::team(db, &who.team_id).await?.into_iter().map(|p| (p.user_id.clone(), p)).collect();
    let members: Vec<Value> = rows
        .iter()
        .map(|u| {
            let mut v = objects::user_with_profile(u, profiles.get(&u.id), show_email, now);
            if let Some(photo) = photos.get(&u.id) {
                crate::model::photos::apply(&mut v["profile"], photo);
            }
            v
        })
        .collect();
    Ok(json!({
        "members": members,
        "cache_ts": now,
        "response_metadata": { "next_cursor": next },
    }))
}

pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users:read"])?;
    let id = args.str("user").ok_or(SlackError::UserNotFound)?;
    let u = team_user(db, who, &id).await?.ok_or(SlackError::UserNotFound)?;
    let p = workspace::profile(db, &u.id).await?;
    let mut user = objects::user_with_profile(&u, p.as_ref(), who.has("users:read.email"), wire::now_secs());
    with_photo(db, &u.id, &mut user["profile"]).await?;
    Ok(json!({ "user": user }))
}

/// Shows `user_id`'s uploaded photo (users.setPhoto) in `profile`, if any.
async fn with_photo(db: &Pool, user_id: &str, profile: &mut Value) -> SlackResult<()> {
    if let Some(photo) = crate::store::photos::get(db, user_id).await? {
        crate::model::photos::apply(profile, &photo);
    }
    Ok(())
}

async fn team_user(db: &Pool, who: &Principal, id: &str) -> SlackResult<Option<UserRow>> {
    Ok(workspace::user(db, id).await?.filter(|u| u.team_id == who.team_id))
}

/// users.lookupByEmail: the member with that address (any case), with email shown.
pub async fn lookup_by_email(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users:read.email"])?;
    let email = args.required("email")?;
    let u = workspace::user_by_email(db, &who.team_id, email.trim()).await?.ok_or(SlackError::UsersNotFound)?;
    let p = workspace::profile(db, &u.id).await?;
    Ok(json!({ "user": objects::user_with_profile(&u, p.as_ref(), true, wire::now_secs()) }))
}

/// users.getPresence. A member is online while a client of theirs is connected
/// (the `users.presence` column, `active` when one is); bots shown as always
/// active count as online. Manual away (users.setPresence) wins. Only the
/// caller's own presence carries the connection details.
pub async fn get_presence(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users:read"])?;
    let id = args.str("user").unwrap_or_else(|| who.user_id.clone());
    let u = team_user(db, who, &id).await?.ok_or(SlackError::UserNotFound)?;
    let stored = workspace::presence(db, &u.id).await?;
    let manual_away = stored.as_ref().is_some_and(|p| p.manual_away);
    let online = !u.deleted && (u.is_bot || u.presence == "active");
    let presence = if online && !manual_away { "active" } else { "away" };
    if u.id != who.user_id {
        return Ok(json!({ "presence": presence }));
    }
    Ok(json!({
        "presence": presence,
        "online": online,
        "auto_away": false,
        "manual_away": manual_away,
        "connection_count": i64::from(online && !u.is_bot),
        "last_activity": stored.map(|p| p.last_activity).unwrap_or(u.updated),
    }))
}

/// users.setPresence: `away` sets manual away, `auto` clears it.
/// users.setActive: deprecated by Slack and a no-op there ("this method now
/// performs no operation"), but still answered: `ok` for a token with
/// `users:write`, bot or user.
pub fn set_active(who: &Principal) -> SlackResult<Value> {
    who.require_any(&["users:write"])?;
    Ok(json!({}))
}

pub async fn set_presence(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users:write"])?;
    let away = match args.str("presence").as_deref() {
        Some("away") => true,
        Some("auto") => false,
        _ => return Err(SlackError::Code("invalid_presence")),
    };
    let mut tx = asym_store::begin_write(db).await?;
    workspace::set_presence(&mut *tx, &who.user_id, away, wire::now_secs()).await?;
    tx.commit().await?;
    Ok(json!({}))
}

pub async fn profile_get(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users.profile:read"])?;
    let id = args.str("user").unwrap_or_else(|| who.user_id.clone());
    let u = team_user(db, who, &id).await?.ok_or(SlackError::UserNotFound)?;
    let p = workspace::profile(db, &u.id).await?;
    let mut profile = objects::user_profile(&u, p.as_ref(), who.has("users:read.email"), wire::now_secs());
    with_photo(db, &u.id, &mut profile).await?;
    Ok(json!({ "profile": profile }))
}

/// Names no member may take as a first, last, real or display name.
const RESERVED_NAMES: &[&str] = &["channel", "everyone", "group", "here", "slackbot"];
/// Slack's limit on a custom status text.
const MAX_STATUS_TEXT: usize = 100;
/// At most this many fields per call.
const MAX_FIELDS: usize = 50;

/// users.profile.set: user tokens only. A member edits their own profile; an
/// admin may edit members', an owner admins', the primary owner owners'. Only
/// admins change email addresses. Announces user_change, plus
/// user_status_changed when the status changed and user_profile_changed when
/// other profile data did.
pub async fn profile_set(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    if who.kind == TokenKind::Bot {
        return Err(SlackError::Code("not_allowed_token_type"));
    }
    who.require_any(&["users.profile:write"])?;
    let changes: Map<String, Value> = match args.str("name") {
        Some(name) => Map::from_iter([(name, args.0.get("value").cloned().unwrap_or(Value::from("")))]),
        None => match args.json("profile") {
            Ok(Some(Value::Object(m))) => m,
            _ => return Err(SlackError::Code("invalid_profile")),
        },
    };
    if changes.len() > MAX_FIELDS {
        return Err(SlackError::Code("invalid_profile"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let caller = workspace::user(&mut *tx, &who.user_id).await?.ok_or(SlackError::InvalidAuth)?;
    let target_id = args.str("user").unwrap_or_else(|| who.user_id.clone());
    let mut target = workspace::user(&mut *tx, &target_id).await?.filter(|u| u.team_id == who.team_id).ok_or(SlackError::UserNotFound)?;
    if target.id != caller.id {
        let admin = caller.is_admin || caller.is_owner;
        if !admin {
            return Err(SlackError::Code("not_admin"));
        }
        if target.is_bot && !caller.is_owner {
            return Err(SlackError::Code("not_app_admin"));
        }
        let outranked = if target.is_primary_owner {
            true
        } else if target.is_owner {
            !caller.is_primary_owner
        } else if target.is_admin {
            !caller.is_owner
        } else {
            false
        };
        if outranked {
            return Err(SlackError::Code("cannot_update_admin_user"));
        }
    }

    let before_profile = workspace::profile(&mut *tx, &target.id).await?;
    let mut p =
        before_profile.clone().unwrap_or_else(|| ProfileRow { user_id: target.id.clone(), fields: "{}".into(), ..Default::default() });
    let before_user = target.clone();
    let text = |v: &Value| -> SlackResult<String> {
        match v {
            Value::String(s) => Ok(s.trim().to_string()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Null => Ok(String::new()),
            _ => Err(SlackError::Code("invalid_profile")),
        }
    };
    let derived_first = |real: &str| real.split_whitespace().next().unwrap_or("").to_string();
    let derived_last = |real: &str| real.split_whitespace().skip(1).collect::<Vec<_>>().join(" ");
    let (mut first, mut last) = (None::<String>, None::<String>);
    for (key, value) in &changes {
        match key.as_str() {
            "first_name" => first = Some(text(value)?),
            "last_name" => last = Some(text(value)?),
            "real_name" => {
                target.real_name = text(value)?;
                p.first_name = None;
                p.last_name = None;
            }
            "display_name" => target.display_name = text(value)?,
            "title" => target.title = text(value)?,
            "phone" => p.phone = text(value)?,
            "skype" => p.skype = text(value)?,
            "pronouns" => p.pronouns = text(value)?,
            "email" => {
                if !(caller.is_admin || caller.is_owner) {
                    return Err(SlackError::Code("not_admin"));
                }
                let email = text(value)?;
                if !email.contains('@') {
                    return Err(SlackError::Code("invalid_email"));
                }
                if workspace::email_taken(&mut *tx, &who.team_id, &email, &target.id).await? {
                    return Err(SlackError::Code("email_taken"));
                }
                target.email = Some(email);
            }
            "status_text" => {
                let s = text(value)?;
                if s.chars().count() > MAX_STATUS_TEXT {
                    return Err(SlackError::Code("too_long"));
                }
                p.status_text = s;
            }
            "status_emoji" => p.status_emoji = text(value)?,
            "status_expiration" => {
                p.status_expiration = match value {
                    Value::Number(n) => n.as_i64().ok_or(SlackError::Code("invalid_profile"))?,
                    Value::String(s) if s.trim().is_empty() => 0,
                    Value::String(s) => s.trim().parse().map_err(|_| SlackError::Code("invalid_profile"))?,
                    _ => return Err(SlackError::Code("invalid_profile")),
                }
            }
            "fields" => p.fields = merge_fields(&p.fields, value)?,
            // Fields Slack derives or does not let this method set are ignored, as Slack does.
            _ => {}
        }
    }
    if first.is_some() || last.is_some() {
        let f = first.or(p.first_name.clone()).unwrap_or_else(|| derived_first(&target.real_name));
        let l = last.or(p.last_name.clone()).unwrap_or_else(|| derived_last(&target.real_name));
        if !changes.contains_key("real_name") {
            target.real_name = format!("{f} {l}").trim().to_string();
        }
        p.first_name = Some(f);
        p.last_name = Some(l);
    }
    for name in [
        &target.real_name,
        &target.display_name,
        p.first_name.as_ref().unwrap_or(&String::new()),
        p.last_name.as_ref().unwrap_or(&String::new()),
    ] {
        if RESERVED_NAMES.contains(&name.to_lowercase().as_str()) {
            return Err(SlackError::Code("reserved_name"));
        }
    }
    // A status with no text and no emoji has nothing left to expire.
    if p.status_text.is_empty() && p.status_emoji.is_empty() {
        p.status_expiration = 0;
    }

    let old = before_profile.unwrap_or_else(|| ProfileRow { user_id: target.id.clone(), fields: "{}".into(), ..Default::default() });
    let status_changed =
        (&old.status_text, &old.status_emoji, old.status_expiration) != (&p.status_text, &p.status_emoji, p.status_expiration);
    let fields_changed = normalized(&old.fields) != normalized(&p.fields);
    let profile_changed = (&before_user.real_name, &before_user.display_name, &before_user.title, &before_user.email)
        != (&target.real_name, &target.display_name, &target.title, &target.email)
        || (&old.first_name, &old.last_name, &old.phone, &old.skype, &old.pronouns)
            != (&p.first_name, &p.last_name, &p.phone, &p.skype, &p.pronouns);
    let now = wire::now_secs();
    if status_changed || fields_changed || profile_changed {
        target.updated = now;
        p.updated = now;
        workspace::update_user_profile(&mut *tx, &target).await?;
        workspace::upsert_profile(&mut *tx, &p).await?;
        let user = objects::user_with_profile(&target, Some(&p), false, now);
        let event_ts = wire::now_ts();
        let mut kinds = vec!["user_change"];
        if status_changed {
            kinds.push("user_status_changed");
        }
        if profile_changed {
            kinds.push("user_profile_changed");
        }
        for kind in kinds {
            events::emit(&mut *tx, &who.team_id, json!({ "type": kind, "user": user, "cache_ts": now, "event_ts": event_ts })).await?;
        }
    }
    tx.commit().await?;
    Ok(json!({ "profile": objects::user_profile(&target, Some(&p), who.has("users:read.email"), now) }))
}

/// Merges a `fields` change (`{"Xf…": {"value": …, "alt": …}}`) into the stored
/// JSON; an empty value removes the field.
fn merge_fields(stored: &str, change: &Value) -> SlackResult<String> {
    let change = match change {
        Value::String(s) => serde_json::from_str::<Value>(s).map_err(|_| SlackError::Code("invalid_profile"))?,
        v => v.clone(),
    };
    let Value::Object(change) = change else {
        return Err(SlackError::Code("invalid_profile"));
    };
    let mut fields: Map<String, Value> = serde_json::from_str(stored).unwrap_or_default();
    for (id, v) in change {
        let (value, alt) = match &v {
            Value::String(s) => (s.clone(), String::new()),
            Value::Object(o) => (
                o.get("value").and_then(Value::as_str).unwrap_or("").to_string(),
                o.get("alt").and_then(Value::as_str).unwrap_or("").to_string(),
            ),
            Value::Null => (String::new(), String::new()),
            _ => return Err(SlackError::Code("invalid_profile")),
        };
        if value.is_empty() {
            fields.remove(&id);
        } else {
            fields.insert(id, json!({ "value": value, "alt": alt }));
        }
    }
    Ok(Value::Object(fields).to_string())
}

fn normalized(fields: &str) -> Value {
    serde_json::from_str(fields).unwrap_or(Value::Null)
}
