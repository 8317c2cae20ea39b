//! Slack's JSON objects (user, conversation, message) built from rows, in the
//! field order and shape the Web API returns.

use serde_json::{Value, json};

use crate::store::channels::ChannelRow;
use crate::store::messages::MessageRow;
use crate::store::workspace::{TeamRow, UserRow};

pub fn team(t: &TeamRow) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "url": format!("https://{}.slack.com/", t.domain),
        "domain": t.domain,
        "email_domain": "",
        "icon": { "image_default": true, "image_34": "", "image_44": "", "image_68": "", "image_88": "", "image_102": "", "image_132": "", "image_230": "" },
        "avatar_base_url": "",
        "is_verified": false,
    })
}

/// `show_email`: only tokens with `users:read.email` see addresses.
pub fn user(u: &UserRow, show_email: bool) -> Value {
    let mut profile = json!({
        "title": u.title,
        "phone": "",
        "skype": "",
        "real_name": u.real_name,
        "real_name_normalized": u.real_name,
        "display_name": u.display_name,
        "display_name_normalized": u.display_name,
        "fields": null,
        "status_text": "",
        "status_emoji": "",
        "status_expiration": 0,
        "avatar_hash": "",
        "first_name": u.real_name.split_whitespace().next().unwrap_or(""),
        "last_name": u.real_name.split_whitespace().skip(1).collect::<Vec<_>>().join(" "),
        "team": u.team_id,
    });
    if show_email && let Some(email) = &u.email {
        profile["email"] = Value::from(email.clone());
    }
    if let Some(bot_id) = &u.bot_id {
        profile["bot_id"] = Value::from(bot_id.clone());
        profile["always_active"] = Value::from(true);
    }
    json!({
        "id": u.id,
        "team_id": u.team_id,
        "name": u.name,
        "deleted": u.deleted,
        "color": "9f69e7",
        "real_name": u.real_name,
        "tz": u.tz,
        "tz_label": u.tz,
        "tz_offset": tz_offset(&u.tz),
        "profile": profile,
        "is_admin": u.is_admin,
        "is_owner": u.is_owner,
        "is_primary_owner": u.is_primary_owner,
        "is_restricted": false,
        "is_ultra_restricted": false,
        "is_bot": u.is_bot,
        "is_app_user": false,
        "updated": u.updated,
        "is_email_confirmed": !u.is_bot,
        "who_can_share_contact_card": "EVERYONE",
    })
}

fn tz_offset(tz: &str) -> i64 {
    match tz {
        "America/New_York" => -18000,
        "America/Chicago" => -21600,
        "America/Denver" => -25200,
        "Europe/London" | "UTC" => 0,
        "Europe/Berlin" | "Europe/Paris" => 3600,
        "Asia/Tokyo" => 32400,
        _ => -28800,
    }
}

pub fn channel(c: &ChannelRow, is_member: bool, im_user: Option<&str>) -> Value {
    if c.is_im {
        return json!({
            "id": c.id,
            "created": c.created,
            "is_archived": c.is_archived,
            "is_im": true,
            "is_org_shared": false,
            "context_team_id": c.team_id,
            "updated": c.updated * 1000,
            "user": im_user.unwrap_or(""),
            "is_user_deleted": false,
            "priority": 0,
        });
    }
    let name = c.name.clone().unwrap_or_default();
    json!({
        "id": c.id,
        "name": name,
        "is_channel": !c.is_private && !c.is_mpim,
        "is_group": c.is_private && !c.is_mpim,
        "is_im": false,
        "is_mpim": c.is_mpim,
        "is_private": c.is_private || c.is_mpim,
        "created": c.created,
        "is_archived": c.is_archived,
        "is_general": c.is_general,
        "unlinked": 0,
        "name_normalized": name,
        "is_shared": false,
        "is_org_shared": false,
        "is_pending_ext_shared": false,
        "pending_shared": [],
        "context_team_id": c.team_id,
        "updated": c.updated * 1000,
        "parent_conversation": null,
        "creator": c.creator,
        "is_ext_shared": false,
        "shared_team_ids": [c.team_id],
        "pending_connected_team_ids": [],
        "is_member": is_member,
        "topic": { "value": c.topic, "creator": c.topic_creator, "last_set": c.topic_last_set },
        "purpose": { "value": c.purpose, "creator": c.purpose_creator, "last_set": c.purpose_last_set },
        "previous_names": [],
        "num_members": c.num_members,
    })
}

pub fn message(m: &MessageRow, team_id: &str, reply_users: &[String]) -> Value {
    let mut v = json!({ "type": "message" });
    let o = v.as_object_mut().expect("object");
    if let Some(st) = &m.subtype {
        o.insert("subtype".into(), Value::from(st.clone()));
    }
    if let Some(u) = &m.user_id {
        o.insert("user".into(), Value::from(u.clone()));
    }
    if let Some(b) = &m.bot_id {
        o.insert("bot_id".into(), Value::from(b.clone()));
    }
    if let Some(a) = &m.app_id {
        o.insert("app_id".into(), Value::from(a.clone()));
    }
    o.insert("text".into(), Value::from(m.text.clone()));
    o.insert("ts".into(), Value::from(m.ts.clone()));
    o.insert("team".into(), Value::from(team_id));
    if let Some(name) = &m.username {
        o.insert("username".into(), Value::from(name.clone()));
    }
    if m.icon_url.is_some() || m.icon_emoji.is_some() {
        let mut icons = serde_json::Map::new();
        if let Some(u) = &m.icon_url {
            icons.insert("image_48".into(), Value::from(u.clone()));
        }
        if let Some(e) = &m.icon_emoji {
            icons.insert("emoji".into(), Value::from(e.clone()));
        }
        o.insert("icons".into(), Value::Object(icons));
    }
    if let Some(b) = m.blocks.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()) {
        o.insert("blocks".into(), b);
    }
    if let Some(a) = m.attachments.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()) {
        o.insert("attachments".into(), a);
    }
    if let (Some(by), Some(ts)) = (&m.edited_by, &m.edited_ts) {
        o.insert("edited".into(), json!({ "user": by, "ts": ts }));
    }
    if let Some(tts) = &m.thread_ts {
        o.insert("thread_ts".into(), Value::from(tts.clone()));
        if *tts == m.ts {
            o.insert("reply_count".into(), Value::from(m.reply_count));
            o.insert("reply_users_count".into(), Value::from(reply_users.len()));
            if let Some(l) = &m.latest_reply {
                o.insert("latest_reply".into(), Value::from(l.clone()));
            }
            o.insert("reply_users".into(), Value::from(reply_users.to_vec()));
            o.insert("is_locked".into(), Value::from(false));
            o.insert("subscribed".into(), Value::from(false));
        } else if let Some(u) = &m.parent_user_id {
            o.insert("parent_user_id".into(), Value::from(u.clone()));
        }
    }
    v
}

/// `channel_type` as the Events API names it.
pub fn channel_type(c: &ChannelRow) -> &'static str {
    if c.is_im {
        "im"
    } else if c.is_mpim {
        "mpim"
    } else if c.is_private {
        "group"
    } else {
        "channel"
    }
}
