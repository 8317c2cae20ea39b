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

pub fn tz_offset(tz: &str) -> i64 {
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
    if let Some(Value::Array(unfurls)) = m.unfurls.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok())
        && !unfurls.is_empty()
    {
        match o.get_mut("attachments") {
            Some(Value::Array(list)) => list.extend(unfurls),
            _ => {
                o.insert("attachments".into(), Value::Array(unfurls));
            }
        }
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
    message_chat_fields(o, m);
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

/// Users listed per reaction unless a method is asked for the `full` list.
pub const REACTION_USERS_SHOWN: usize = 50;

/// The chat family's parts of a message: `hidden` (and Slackbot as the thread's
/// author) on a deleted thread parent's tombstone, `reactions`, `pinned_to`.
pub fn message_chat_fields(o: &mut serde_json::Map<String, Value>, m: &MessageRow) {
    if m.subtype.as_deref() == Some("tombstone") {
        o.insert("hidden".into(), Value::from(true));
        if let Some(u) = &m.user_id {
            o.insert("parent_user_id".into(), Value::from(u.clone()));
        }
    }
    if let Some(r) = reactions(m, false) {
        o.insert("reactions".into(), r);
    }
    if m.pinned_at.is_some() {
        o.insert("pinned_to".into(), json!([m.channel_id]));
    }
}

/// A message's reactions, `[{name, users, count}]`, in the order they were first
/// added; `users` is cut to [`REACTION_USERS_SHOWN`] unless `full`. None when
/// the message has no reaction.
pub fn reactions(m: &MessageRow, full: bool) -> Option<Value> {
    let mut list: Value = serde_json::from_str(m.reactions.as_deref()?).ok()?;
    let items = list.as_array_mut()?;
    if items.is_empty() {
        return None;
    }
    if !full {
        for r in items.iter_mut() {
            if let Some(users) = r.get_mut("users").and_then(Value::as_array_mut) {
                users.truncate(REACTION_USERS_SHOWN);
            }
        }
    }
    Some(list)
}

/// What [`channel`] leaves out and some methods show: the channel's former names,
/// and the viewer's own read cursor and open state (DMs and group DMs).
#[derive(Debug, Default, Clone)]
pub struct ChannelView {
    pub previous_names: Vec<String>,
    pub last_read: Option<String>,
    pub is_open: Option<bool>,
}

/// A conversation as conversations.info, create, join, invite and rename render it.
pub fn conversation(c: &ChannelRow, is_member: bool, im_user: Option<&str>, view: &ChannelView) -> Value {
    let mut v = channel(c, is_member, im_user);
    if let Some(o) = v.as_object_mut() {
        if !c.is_im {
            o.insert("previous_names".into(), json!(view.previous_names));
        }
        if let Some(last_read) = &view.last_read {
            o.insert("last_read".into(), Value::from(last_read.clone()));
        }
        if (c.is_im || c.is_mpim)
            && let Some(open) = view.is_open
        {
            o.insert("is_open".into(), Value::from(open));
        }
    }
    v
}

/// A message with the extra top-level fields its subtype carries (`inviter` on
/// channel_join, `topic` on channel_topic, `old_name` and `name` on channel_name…).
pub fn message_with_fields(m: &MessageRow, team_id: &str, reply_users: &[String], fields: Option<&Value>) -> Value {
    let mut v = message(m, team_id, reply_users);
    if let (Some(o), Some(Value::Object(extra))) = (v.as_object_mut(), fields) {
        for (k, x) in extra {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

/// One share of a file as its `shares` map shows it, with the thread's repliers.
pub struct FileShareView<'a> {
    pub share: &'a crate::store::files::ShareRow,
    pub reply_users: Vec<String>,
}

/// The lowercase, `_`-joined name Slack puts in a file's URLs (`Q3 Report.pdf` →
/// `q3_report.pdf`).
pub fn file_slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '_' })
        .collect();
    if slug.is_empty() { "file".into() } else { slug }
}

/// A file object as files.info, files.list, files.completeUploadExternal and a
/// message's `files` render it. `origin` is the clone's public origin (its
/// `url_private` serves the bytes); `domain` the workspace's Slack domain; only
/// shares the viewer may see appear in `shares`, `channels`, `groups` and `ims`.
pub fn file(f: &crate::store::files::FileRow, origin: &str, domain: &str, shares: &[FileShareView<'_>]) -> Value {
    let slug = file_slug(&f.name);
    let private_base = format!("{origin}/files-pri/{}-{}", f.team_id, f.id);
    let (mut public, mut private) = (serde_json::Map::new(), serde_json::Map::new());
    let (mut channels, mut groups, mut ims): (Vec<String>, Vec<String>, Vec<String>) = (vec![], vec![], vec![]);
    let mut is_public = false;
    for view in shares.iter().filter(|v| v.share.visible) {
        let s = view.share;
        let mut e = json!({
            "reply_users": view.reply_users,
            "reply_users_count": view.reply_users.len(),
            "reply_count": s.reply_count,
            "ts": s.ts,
        });
        if let Some(t) = &s.thread_ts {
            e["thread_ts"] = json!(t);
        }
        if let Some(l) = s.latest_reply.as_ref().filter(|_| s.reply_count > 0) {
            e["latest_reply"] = json!(l);
        }
        e["share_user_id"] = json!(s.user_id);
        let open = !s.is_private && !s.is_im && !s.is_mpim;
        let (map, list) = if open {
            is_public = true;
            e["channel_name"] = json!(s.channel_name.clone().unwrap_or_default());
            e["team_id"] = json!(f.team_id);
            (&mut public, &mut channels)
        } else if s.is_im {
            (&mut private, &mut ims)
        } else {
            (&mut private, &mut groups)
        };
        if let Some(Value::Array(items)) = map.get_mut(&s.channel_id) {
            items.push(e);
        } else {
            map.insert(s.channel_id.clone(), json!([e]));
        }
        if !list.contains(&s.channel_id) {
            list.push(s.channel_id.clone());
        }
    }
    let mut share_map = serde_json::Map::new();
    if !public.is_empty() {
        share_map.insert("public".into(), Value::Object(public));
    }
    if !private.is_empty() {
        share_map.insert("private".into(), Value::Object(private));
    }
    let snippet = f.mode == "snippet";
    let mut v = json!({
        "id": f.id,
        "created": f.created,
        "timestamp": f.created,
        "name": f.name,
        "title": f.title,
        "mimetype": f.mimetype,
        "filetype": f.filetype,
        "pretty_type": f.pretty_type,
        "user": f.user_id,
        "user_team": f.team_id,
        "editable": snippet,
        "size": f.size,
        "mode": f.mode,
        "is_external": false,
        "external_type": "",
        "is_public": is_public,
        "public_url_shared": f.public_secret.is_some(),
        "display_as_bot": false,
        "username": "",
        "url_private": format!("{private_base}/{slug}"),
        "url_private_download": format!("{private_base}/download/{slug}"),
        "media_display_type": "unknown",
        "permalink": format!("https://{domain}.slack.com/files/{}/{}/{slug}", f.user_id, f.id),
        "comments_count": 0,
        "is_starred": false,
        "shares": share_map,
        "channels": channels,
        "groups": groups,
        "ims": ims,
        "has_more_shares": false,
        "has_rich_preview": false,
        "file_access": "visible",
    });
    if let Some(secret) = &f.public_secret {
        v["permalink_public"] = json!(public_permalink(origin, &f.team_id, &f.id, secret));
    }
    if snippet {
        v["edit_link"] = json!(format!("https://{domain}.slack.com/files/{}/{}/{slug}/edit", f.user_id, f.id));
    }
    if let Some(alt) = &f.alt_txt {
        v["alt_txt"] = json!(alt);
    }
    if let Some(preview) = &f.preview {
        let shown = preview.lines().count() as i64;
        v["preview"] = json!(preview);
        v["lines"] = json!(f.lines);
        v["lines_more"] = json!((f.lines - shown).max(0));
        v["preview_is_truncated"] = json!(f.preview_truncated);
    }
    v
}

/// A publicly shared file's `permalink_public`: Slack's
/// `https://slack-files.com/<team>-<file>-<secret>`, on the clone's own origin so
/// it can be fetched (without a token) from the clone.
pub fn public_permalink(origin: &str, team_id: &str, file_id: &str, secret: &str) -> String {
    format!("{origin}/{team_id}-{file_id}-{secret}")
}

/// What a message shows for a file deleted since it was shared.
pub fn file_tombstone(id: &str) -> Value {
    json!({ "id": id, "mode": "tombstone" })
}

// -- workspace family: full profiles, user groups, bookmarks --

/// A user as users.info/users.list render it once the workspace family's profile
/// fields exist: [`user`] with the profile of [`user_profile`].
pub fn user_with_profile(u: &UserRow, p: Option<&crate::store::workspace::ProfileRow>, show_email: bool, now: i64) -> Value {
    let mut v = user(u, show_email);
    v["profile"] = user_profile(u, p, show_email, now);
    v
}

/// The `profile` object (users.profile.get/set, user objects): phone, pronouns,
/// first/last name, status (cleared once `status_expiration` has passed), custom
/// `fields`, avatar hash and image URLs. Email only with `users:read.email`.
pub fn user_profile(u: &UserRow, p: Option<&crate::store::workspace::ProfileRow>, show_email: bool, now: i64) -> Value {
    use sha2::{Digest, Sha256};
    let mut profile = user(u, show_email)["profile"].clone();
    let default = crate::store::workspace::ProfileRow::default();
    let p = p.unwrap_or(&default);
    let expired = p.status_expiration > 0 && p.status_expiration <= now;
    let (first, last) = match (&p.first_name, &p.last_name) {
        (None, None) => (
            u.real_name.split_whitespace().next().unwrap_or("").to_string(),
            u.real_name.split_whitespace().skip(1).collect::<Vec<_>>().join(" "),
        ),
        (f, l) => (f.clone().unwrap_or_default(), l.clone().unwrap_or_default()),
    };
    let digest = hex::encode(Sha256::digest(u.id.as_bytes()));
    let o = profile.as_object_mut().expect("profile is an object");
    o.insert("phone".into(), Value::from(p.phone.clone()));
    o.insert("skype".into(), Value::from(p.skype.clone()));
    if !p.pronouns.is_empty() {
        o.insert("pronouns".into(), Value::from(p.pronouns.clone()));
    }
    o.insert("first_name".into(), Value::from(first));
    o.insert("last_name".into(), Value::from(last));
    o.insert("status_text".into(), Value::from(if expired { "" } else { p.status_text.as_str() }));
    o.insert("status_text_canonical".into(), Value::from(""));
    o.insert("status_emoji".into(), Value::from(if expired { "" } else { p.status_emoji.as_str() }));
    o.insert("status_emoji_display_info".into(), json!([]));
    o.insert("status_expiration".into(), Value::from(if expired { 0 } else { p.status_expiration }));
    let fields = serde_json::from_str::<Value>(&p.fields).ok().filter(|f| f.as_object().is_some_and(|m| !m.is_empty()));
    o.insert("fields".into(), fields.unwrap_or(Value::Null));
    o.insert("avatar_hash".into(), Value::from(format!("g{}", &digest[..11])));
    for size in [24, 32, 48, 72, 192, 512] {
        o.insert(
            format!("image_{size}"),
            Value::from(format!(
                "https://secure.gravatar.com/avatar/{}.jpg?s={size}&d=https%3A%2F%2Fa.slack-edge.com%2Fdf10d%2Fimg%2Favatars%2Fava_0001-{size}.png",
                &digest[..32]
            )),
        );
    }
    profile
}

/// One custom emoji's value: its image URL, or `alias:<name>`.
pub fn emoji_value(team_id: &str, e: &crate::store::workspace::EmojiRow) -> Value {
    match (&e.alias_for, &e.image_hash) {
        (Some(target), _) => Value::from(format!("alias:{target}")),
        (None, Some(hash)) => Value::from(format!("https://emoji.slack-edge.com/{team_id}/{}/{hash}.png", e.name)),
        (None, None) => Value::from(""),
    }
}
