//! Channel management: create, join, leave, invite, kick, archive, unarchive,
//! rename, topic and purpose. Each change posts Slack's system message into the
//! channel (`channel_join`, `channel_topic`, …) and records its events in the
//! same transaction.

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::ids;
use crate::model::auth::{Principal, TokenKind};
use crate::model::conversations::{public_write_scopes, render_fresh, visible, without, write_scopes};
use crate::objects;
use crate::store::channels::{self, ChannelRow};
use crate::store::conversations as store;
use crate::store::messages::{self, MessageRow};
use crate::store::workspace;
use crate::wire::{self, Args};

/// Slack's limit on channel names, in characters.
const MAX_NAME: usize = 80;
/// Slack's limit on topics and purposes, in characters.
const MAX_TOPIC: usize = 250;
/// Users one conversations.invite call may list.
const MAX_INVITES: usize = 1000;

fn not_supported() -> SlackError {
    SlackError::Code("method_not_supported_for_channel_type")
}

/// Slack's channel-name rules: required, at most 80 characters, only lowercase
/// letters, digits, hyphens and underscores, and not punctuation alone.
pub fn validate_name(name: Option<String>) -> SlackResult<String> {
    let name = name.ok_or(SlackError::Code("invalid_name_required"))?;
    if name.chars().count() > MAX_NAME {
        return Err(SlackError::Code("invalid_name_maxlength"));
    }
    let allowed = |ch: char| {
        ch.is_ascii_lowercase()
            || ch.is_ascii_digit()
            || ch == '-'
            || ch == '_'
            || (ch.is_alphabetic() && !ch.is_uppercase() && !ch.is_ascii())
    };
    if !name.chars().all(allowed) {
        return Err(SlackError::Code("invalid_name_specials"));
    }
    if name.chars().all(|ch| ch == '-' || ch == '_') {
        return Err(SlackError::Code("invalid_name_punctuation"));
    }
    Ok(name)
}

/// `channel_type` of member_joined_channel / member_left_channel: `C` or `G`.
fn member_event_type(c: &ChannelRow) -> &'static str {
    if c.is_private || c.is_mpim { "G" } else { "C" }
}

/// A system message to post into a channel.
pub struct System<'a> {
    /// Whom the message is about (the joiner, the renamer…).
    pub user: &'a str,
    pub subtype: &'static str,
    pub text: String,
    /// Extra top-level fields (`inviter`, `topic`, `old_name`…): a JSON object.
    pub fields: Value,
}

/// Posts `s` into `c` with a fresh ts and announces it as a `message` event;
/// returns its ts.
pub async fn post_system(conn: &mut AnyConnection, team_id: &str, c: &ChannelRow, s: System<'_>) -> SlackResult<String> {
    let mut row = MessageRow {
        channel_id: c.id.clone(),
        user_id: Some(s.user.to_string()),
        subtype: Some(s.subtype.to_string()),
        text: s.text,
        ..Default::default()
    };
    let mut ts = wire::now_ts();
    if let Some(last) = messages::latest_ts(&mut *conn, &c.id).await?
        && last >= ts
    {
        ts = wire::bump_ts(&last);
    }
    loop {
        row.ts = ts.clone();
        if messages::insert(&mut *conn, &row).await? {
            break;
        }
        ts = wire::bump_ts(&ts);
    }
    if s.fields.as_object().is_some_and(|o| !o.is_empty()) {
        store::set_message_fields(&mut *conn, &c.id, &row.ts, &s.fields.to_string()).await?;
    }
    let mut event = objects::message_with_fields(&row, team_id, &[], Some(&s.fields));
    event["channel"] = json!(c.id);
    event["event_ts"] = json!(row.ts);
    event["channel_type"] = json!(objects::channel_type(c));
    events::emit(&mut *conn, team_id, event).await?;
    Ok(row.ts)
}

/// Adds `user` to `c`: the channel_join message and member_joined_channel.
async fn join_member(conn: &mut AnyConnection, team_id: &str, c: &ChannelRow, user: &str, inviter: Option<&str>) -> SlackResult<bool> {
    if !channels::add_member(&mut *conn, &c.id, user, wire::now_secs()).await? {
        return Ok(false);
    }
    let fields = match inviter {
        Some(by) => json!({ "inviter": by }),
        None => json!({}),
    };
    let ts = post_system(
        &mut *conn,
        team_id,
        c,
        System { user, subtype: "channel_join", text: format!("<@{user}> has joined the channel"), fields },
    )
    .await?;
    let mut event = json!({
        "type": "member_joined_channel",
        "user": user,
        "channel": c.id,
        "channel_type": member_event_type(c),
        "team": team_id,
        "event_ts": ts,
    });
    if let Some(by) = inviter {
        event["inviter"] = json!(by);
    }
    events::emit(&mut *conn, team_id, event).await?;
    Ok(true)
}

/// Removes `user` from `c` (by `actor`): channel_leave, member_left_channel and
/// channel_left (group_left for private channels).
async fn remove_member(conn: &mut AnyConnection, team_id: &str, c: &ChannelRow, user: &str, actor: &str) -> SlackResult<bool> {
    if !store::remove_member(&mut *conn, &c.id, user).await? {
        return Ok(false);
    }
    let ts = post_system(
        &mut *conn,
        team_id,
        c,
        System { user, subtype: "channel_leave", text: format!("<@{user}> has left the channel"), fields: json!({}) },
    )
    .await?;
    let left = json!({
        "type": "member_left_channel",
        "user": user,
        "channel": c.id,
        "channel_type": member_event_type(c),
        "team": team_id,
        "event_ts": ts,
    });
    events::emit(&mut *conn, team_id, left).await?;
    let kind = if c.is_private || c.is_mpim { "group_left" } else { "channel_left" };
    events::emit(&mut *conn, team_id, json!({ "type": kind, "channel": c.id, "actor_id": actor, "event_ts": ts })).await?;
    Ok(true)
}

fn channel_arg(args: &Args) -> SlackResult<String> {
    args.str("channel").ok_or(SlackError::ChannelNotFound)
}

/// conversations.create: a public or private channel with the caller as its
/// creator and first member.
pub async fn create(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let is_private = args.bool("is_private").unwrap_or(false);
    who.require_any(if is_private { &["groups:write"] } else { public_write_scopes(who) })?;
    let name = validate_name(args.str("name"))?;
    let now = wire::now_secs();
    let mut tx = asym_store::begin_write(db).await?;
    if store::name_taken(&mut *tx, &who.team_id, &name).await? {
        return Err(SlackError::Code("name_taken"));
    }
    let c = ChannelRow {
        id: ids::random('C'),
        team_id: who.team_id.clone(),
        name: Some(name),
        is_private,
        is_im: false,
        is_mpim: false,
        is_general: false,
        is_archived: false,
        creator: who.user_id.clone(),
        topic: String::new(),
        topic_creator: String::new(),
        topic_last_set: 0,
        purpose: String::new(),
        purpose_creator: String::new(),
        purpose_last_set: 0,
        created: now,
        updated: now,
        num_members: 0,
    };
    channels::insert(&mut *tx, &c).await?;
    if !is_private {
        let created = json!({
            "type": "channel_created",
            "channel": {
                "id": c.id,
                "is_channel": true,
                "name": c.name,
                "name_normalized": c.name,
                "created": c.created,
                "creator": c.creator,
                "is_shared": false,
                "is_org_shared": false,
                "context_team_id": c.team_id,
                "is_archived": false,
                "is_frozen": false,
                "is_general": false,
                "is_group": false,
                "is_private": false,
                "is_ext_shared": false,
                "is_im": false,
                "is_mpim": false,
                "is_pending_ext_shared": false,
            },
            "event_ts": wire::now_ts(),
        });
        events::emit(&mut *tx, &who.team_id, created).await?;
    }
    join_member(&mut tx, &who.team_id, &c, &who.user_id, None).await?;
    tx.commit().await?;
    let channel = without(render_fresh(db, who, &c.id).await?, &["num_members"]);
    Ok(json!({ "channel": channel }))
}

/// conversations.join: public channels only; joining twice warns `already_in_channel`.
pub async fn join(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (c, member) = visible(db, who, &channel_arg(args)?).await?;
    if c.is_im || c.is_mpim || c.is_private {
        return Err(not_supported());
    }
    who.require_any(match who.kind {
        TokenKind::Bot => &["channels:join", "channels:write"],
        TokenKind::User => &["channels:write"],
    })?;
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    let mut joined = false;
    if !member {
        let mut tx = asym_store::begin_write(db).await?;
        joined = join_member(&mut tx, &who.team_id, &c, &who.user_id, None).await?;
        tx.commit().await?;
    }
    let channel = without(render_fresh(db, who, &c.id).await?, &["num_members"]);
    if joined {
        Ok(json!({ "channel": channel }))
    } else {
        Ok(json!({
            "channel": channel,
            "warning": "already_in_channel",
            "response_metadata": { "warnings": ["already_in_channel"] },
        }))
    }
}

/// conversations.leave: not #general, not a DM; the last member of a private
/// channel stays.
pub async fn leave(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (c, member) = visible(db, who, &channel_arg(args)?).await?;
    if c.is_im {
        return Err(not_supported());
    }
    who.require_any(write_scopes(who, &c))?;
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    if c.is_general {
        return Err(SlackError::Code("cant_leave_general"));
    }
    if !member {
        return Err(SlackError::NotInChannel);
    }
    if (c.is_private || c.is_mpim) && c.num_members <= 1 {
        return Err(SlackError::Code("last_member"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    if !remove_member(&mut tx, &who.team_id, &c, &who.user_id, &who.user_id).await? {
        return Err(SlackError::NotInChannel);
    }
    tx.commit().await?;
    Ok(json!({}))
}

/// conversations.invite: `users` is a comma-separated list. Without `force` one
/// bad user fails the call and nobody is added; with it, the valid ones are
/// added and the rest reported in `errors`.
pub async fn invite(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (c, member) = visible(db, who, &channel_arg(args)?).await?;
    if c.is_im || c.is_mpim {
        return Err(not_supported());
    }
    who.require_any(write_scopes(who, &c))?;
    let mut users = Vec::new();
    for u in args.list("users") {
        if !users.contains(&u) {
            users.push(u);
        }
    }
    if users.is_empty() {
        return Err(SlackError::Code("no_user"));
    }
    if users.len() > MAX_INVITES {
        return Err(SlackError::Code("too_many_users"));
    }
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    if !member {
        return Err(SlackError::NotInChannel);
    }
    let force = args.bool("force").unwrap_or(false);
    let mut valid = Vec::new();
    let mut errors: Vec<(String, &'static str)> = Vec::new();
    for u in &users {
        let problem = if *u == who.user_id {
            Some("cant_invite_self")
        } else {
            match workspace::user(db, u).await?.filter(|x| x.team_id == who.team_id) {
                None => Some("user_not_found"),
                Some(x) if x.deleted => Some("cant_invite"),
                Some(_) if channels::is_member(db, &c.id, u).await? => Some("already_in_channel"),
                Some(_) => None,
            }
        };
        match problem {
            Some(code) => errors.push((u.clone(), code)),
            None => valid.push(u.clone()),
        }
    }
    if let Some((_, code)) = errors.first()
        && (!force || valid.is_empty())
    {
        return Err(SlackError::Code(code));
    }
    let mut tx = asym_store::begin_write(db).await?;
    for u in &valid {
        join_member(&mut tx, &who.team_id, &c, u, Some(&who.user_id)).await?;
    }
    tx.commit().await?;
    let mut body = json!({ "channel": render_fresh(db, who, &c.id).await? });
    if !errors.is_empty() {
        body["errors"] = errors.iter().map(|(u, code)| json!({ "user": u, "ok": false, "error": code })).collect();
    }
    Ok(body)
}

/// conversations.kick: removes `user`; never the caller, never from #general.
pub async fn kick(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (c, _) = visible(db, who, &channel_arg(args)?).await?;
    if c.is_im || c.is_mpim {
        return Err(not_supported());
    }
    who.require_any(write_scopes(who, &c))?;
    let target = args.str("user").ok_or(SlackError::UserNotFound)?;
    let target = workspace::user(db, &target).await?.filter(|x| x.team_id == who.team_id).ok_or(SlackError::UserNotFound)?.id;
    if target == who.user_id {
        return Err(SlackError::Code("cant_kick_self"));
    }
    if c.is_general {
        return Err(SlackError::Code("cant_kick_from_general"));
    }
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    let mut tx = asym_store::begin_write(db).await?;
    if !remove_member(&mut tx, &who.team_id, &c, &target, &who.user_id).await? {
        return Err(SlackError::NotInChannel);
    }
    tx.commit().await?;
    Ok(json!({}))
}

/// conversations.archive: not #general, not a DM.
pub async fn archive(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (c, _) = visible(db, who, &channel_arg(args)?).await?;
    if c.is_im || c.is_mpim {
        return Err(not_supported());
    }
    who.require_any(write_scopes(who, &c))?;
    if c.is_general {
        return Err(SlackError::Code("cant_archive_general"));
    }
    if c.is_archived {
        return Err(SlackError::Code("already_archived"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let me = &who.user_id;
    let ts = post_system(
        &mut tx,
        &who.team_id,
        &c,
        System { user: me, subtype: "channel_archive", text: format!("<@{me}> archived the channel"), fields: json!({}) },
    )
    .await?;
    store::set_archived(&mut *tx, &c.id, true, wire::now_secs()).await?;
    let event = if c.is_private {
        json!({ "type": "group_archive", "channel": c.id, "user": me, "is_moved": 0, "event_ts": ts })
    } else {
        json!({ "type": "channel_archive", "channel": c.id, "user": me, "event_ts": ts })
    };
    events::emit(&mut *tx, &who.team_id, event).await?;
    tx.commit().await?;
    Ok(json!({}))
}

/// conversations.unarchive.
pub async fn unarchive(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (c, _) = visible(db, who, &channel_arg(args)?).await?;
    if c.is_im || c.is_mpim {
        return Err(not_supported());
    }
    who.require_any(write_scopes(who, &c))?;
    if !c.is_archived {
        return Err(SlackError::Code("not_archived"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let me = &who.user_id;
    store::set_archived(&mut *tx, &c.id, false, wire::now_secs()).await?;
    let ts = post_system(
        &mut tx,
        &who.team_id,
        &c,
        System { user: me, subtype: "channel_unarchive", text: format!("<@{me}> un-archived the channel"), fields: json!({}) },
    )
    .await?;
    let event = if c.is_private {
        json!({ "type": "group_unarchive", "channel": c.id, "actor_id": me, "event_ts": ts })
    } else {
        json!({ "type": "channel_unarchive", "channel": c.id, "user": me, "event_ts": ts })
    };
    events::emit(&mut *tx, &who.team_id, event).await?;
    tx.commit().await?;
    Ok(json!({}))
}

/// conversations.rename: members only, and only the channel's creator or a
/// workspace admin or owner.
pub async fn rename(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (c, member) = visible(db, who, &channel_arg(args)?).await?;
    if c.is_im || c.is_mpim {
        return Err(not_supported());
    }
    who.require_any(write_scopes(who, &c))?;
    let name = validate_name(args.str("name"))?;
    if !member {
        return Err(SlackError::NotInChannel);
    }
    let me = workspace::user(db, &who.user_id).await?.ok_or(SlackError::InvalidAuth)?;
    // Bot users are never workspace admins (whatever their user row says).
    let admin = !me.is_bot && (me.is_admin || me.is_owner || me.is_primary_owner);
    if c.creator != me.id && !admin {
        return Err(SlackError::Code("not_authorized"));
    }
    let old = c.name.clone().unwrap_or_default();
    if name != old {
        let mut tx = asym_store::begin_write(db).await?;
        if store::name_taken(&mut *tx, &who.team_id, &name).await? {
            return Err(SlackError::Code("name_taken"));
        }
        let now = wire::now_secs();
        store::push_previous_name(&mut *tx, &c.id, &old, now).await?;
        store::set_name(&mut *tx, &c.id, &name, now).await?;
        let renamed = ChannelRow { name: Some(name.clone()), ..c.clone() };
        let ts = post_system(
            &mut tx,
            &who.team_id,
            &renamed,
            System {
                user: &who.user_id,
                subtype: "channel_name",
                text: format!("<@{}> has renamed the channel from \"{old}\" to \"{name}\"", who.user_id),
                fields: json!({ "old_name": old, "name": name }),
            },
        )
        .await?;
        let event = json!({
            "type": if c.is_private { "group_rename" } else { "channel_rename" },
            "channel": {
                "id": c.id,
                "name": name,
                "name_normalized": name,
                "created": c.created,
                "is_channel": !c.is_private,
                "is_mpim": false,
            },
            "event_ts": ts,
        });
        events::emit(&mut *tx, &who.team_id, event).await?;
        tx.commit().await?;
    }
    let channel = without(render_fresh(db, who, &c.id).await?, &["num_members"]);
    Ok(json!({ "channel": channel }))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Text {
    Topic,
    Purpose,
}

/// conversations.setTopic / setPurpose: members only; an empty value clears it.
async fn set_text(db: &Pool, who: &Principal, args: &Args, what: Text) -> SlackResult<Value> {
    let (c, member) = visible(db, who, &channel_arg(args)?).await?;
    if c.is_im {
        return Err(not_supported());
    }
    who.require_any(write_scopes(who, &c))?;
    let key = if what == Text::Topic { "topic" } else { "purpose" };
    let value = match args.0.get(key) {
        None | Some(Value::Null) => {
            return Err(SlackError::InvalidArguments { messages: vec![format!("[ERROR] missing required field: {key}")] });
        }
        Some(_) => args.str(key).unwrap_or_default(),
    };
    if value.chars().count() > MAX_TOPIC {
        return Err(SlackError::Code("too_long"));
    }
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    if !member {
        return Err(SlackError::NotInChannel);
    }
    let me = &who.user_id;
    let now = wire::now_secs();
    let mut tx = asym_store::begin_write(db).await?;
    let (subtype, text) = match (what, value.is_empty()) {
        (Text::Topic, false) => ("channel_topic", format!("<@{me}> set the channel topic: {value}")),
        (Text::Topic, true) => ("channel_topic", format!("<@{me}> cleared the channel topic")),
        (Text::Purpose, false) => ("channel_purpose", format!("<@{me}> set the channel purpose: {value}")),
        (Text::Purpose, true) => ("channel_purpose", format!("<@{me}> cleared the channel purpose")),
    };
    match what {
        Text::Topic => store::set_topic(&mut *tx, &c.id, &value, me, now).await?,
        Text::Purpose => store::set_purpose(&mut *tx, &c.id, &value, me, now).await?,
    }
    let mut fields = serde_json::Map::new();
    fields.insert(key.into(), json!(value));
    post_system(&mut tx, &who.team_id, &c, System { user: me, subtype, text, fields: Value::Object(fields) }).await?;
    tx.commit().await?;
    let channel = without(render_fresh(db, who, &c.id).await?, &["num_members"]);
    Ok(match what {
        Text::Topic => json!({ "channel": channel }),
        Text::Purpose => json!({ "channel": channel, "purpose": value }),
    })
}

pub async fn set_topic(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    set_text(db, who, args, Text::Topic).await
}

pub async fn set_purpose(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    set_text(db, who, args, Text::Purpose).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: SlackResult<String>) -> String {
        r.err().map(|e| e.code()).unwrap_or_default()
    }

    #[test]
    fn channel_names_follow_slacks_rules() {
        assert_eq!(validate_name(Some("release-2024_q1".into())).unwrap(), "release-2024_q1");
        assert_eq!(validate_name(Some("café".into())).unwrap(), "café");
        assert_eq!(code(validate_name(None)), "invalid_name_required");
        assert_eq!(code(validate_name(Some("a".repeat(81)))), "invalid_name_maxlength");
        assert!(validate_name(Some("a".repeat(80))).is_ok());
        assert_eq!(code(validate_name(Some("Release".into()))), "invalid_name_specials");
        assert_eq!(code(validate_name(Some("two words".into()))), "invalid_name_specials");
        assert_eq!(code(validate_name(Some("v1.2".into()))), "invalid_name_specials");
        assert_eq!(code(validate_name(Some("#general".into()))), "invalid_name_specials");
        assert_eq!(code(validate_name(Some("--_".into()))), "invalid_name_punctuation");
    }
}
