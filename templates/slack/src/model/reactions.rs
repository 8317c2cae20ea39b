//! Emoji reactions on messages: reactions.add, .remove, .get and .list.

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::model::auth::Principal;
use crate::model::chat;
use crate::model::conversations;
use crate::objects;
use crate::store::channels::ChannelRow;
use crate::store::messages::{self, MessageRow};
use crate::store::{reactions, workspace};
use crate::wire::{self, Args};

/// Slack stores a few emoji under their canonical name (`thumbsup` is `+1`).
const ALIASES: &[(&str, &str)] = &[("thumbsup", "+1"), ("thumbsdown", "-1")];

/// An emoji name as Slack keeps it: without colons, canonical, with its skin tone
/// (`+1::skin-tone-2`). `invalid_name` when it cannot be an emoji name.
pub fn emoji_name(raw: Option<String>) -> SlackResult<String> {
    let invalid = SlackError::Code("invalid_name");
    let raw = raw.ok_or(SlackError::Code("invalid_name"))?;
    let name = raw.trim().trim_matches(':');
    let (base, tone) = match name.split_once("::") {
        Some((b, t)) => (b, Some(t)),
        None => (name, None),
    };
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-+'".contains(c));
    if !ok(base) || tone.is_some_and(|t| !ok(t)) {
        return Err(invalid);
    }
    let base = ALIASES.iter().find(|(from, _)| *from == base).map_or(base, |(_, to)| to);
    Ok(match tone {
        Some(t) => format!("{base}::{t}"),
        None => base.to_string(),
    })
}

/// The reacted-to message: `channel` and `timestamp` both given (else
/// `no_item_specified`), in a conversation `who` can see.
async fn item(db: &Pool, who: &Principal, args: &Args) -> SlackResult<(ChannelRow, MessageRow)> {
    let (Some(channel), Some(ts)) = (args.str("channel"), args.str("timestamp")) else {
        return Err(SlackError::Code("no_item_specified"));
    };
    let ts = wire::normalize_ts(&ts).ok_or(SlackError::Code("bad_timestamp"))?;
    let (c, _) = conversations::visible(db, who, &channel).await?;
    let m = messages::get(db, &c.id, &ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    Ok((c, m))
}

/// `messages.reactions` with `user`'s `name` added (true) or taken away (false).
fn edited(current: Option<&str>, name: &str, user: &str, add: bool) -> Option<String> {
    let mut list: Vec<Value> = current.and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    let at = list.iter().position(|r| r.get("name").and_then(Value::as_str) == Some(name));
    match (at, add) {
        (Some(i), true) => {
            if let Some(users) = list[i].get_mut("users").and_then(Value::as_array_mut) {
                users.push(json!(user));
            }
        }
        (None, true) => list.push(json!({ "name": name, "users": [user], "count": 0 })),
        (Some(i), false) => {
            if let Some(users) = list[i].get_mut("users").and_then(Value::as_array_mut) {
                users.retain(|u| u.as_str() != Some(user));
            }
        }
        (None, false) => {}
    }
    for r in &mut list {
        let n = r.get("users").and_then(Value::as_array).map_or(0, Vec::len);
        r["count"] = json!(n);
    }
    list.retain(|r| r["count"] != json!(0));
    (!list.is_empty()).then(|| Value::from(list).to_string())
}

/// `reaction_added` / `reaction_removed`.
async fn announce(conn: &mut AnyConnection, who: &Principal, kind: &str, name: &str, m: &MessageRow) -> SlackResult<()> {
    let mut event = json!({
        "type": kind,
        "user": who.user_id,
        "reaction": name,
        "item": { "type": "message", "channel": m.channel_id, "ts": m.ts },
        "event_ts": wire::now_ts(),
    });
    if let Some(author) = &m.user_id {
        event["item_user"] = json!(author);
    }
    events::emit(&mut *conn, &who.team_id, event).await?;
    Ok(())
}

pub async fn add(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["reactions:write"])?;
    let name = emoji_name(args.str("name"))?;
    let (c, m) = item(db, who, args).await?;
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    if m.subtype.as_deref() == Some("tombstone") {
        return Err(SlackError::Code("not_reactable"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    // Lock the message first so concurrent reactions queue instead of overwriting.
    if !messages::lock(&mut *tx, &c.id, &m.ts).await? {
        return Err(SlackError::Code("message_not_found"));
    }
    let m = messages::get(&mut *tx, &c.id, &m.ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    if !reactions::insert(&mut *tx, &c.id, &m.ts, &name, &who.user_id, now_us()).await? {
        return Err(SlackError::Code("already_reacted"));
    }
    messages::set_reactions(&mut *tx, &c.id, &m.ts, edited(m.reactions.as_deref(), &name, &who.user_id, true).as_deref()).await?;
    announce(&mut tx, who, "reaction_added", &name, &m).await?;
    tx.commit().await?;
    Ok(json!({}))
}

pub async fn remove(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["reactions:write"])?;
    let name = emoji_name(args.str("name"))?;
    let (c, m) = item(db, who, args).await?;
    let mut tx = asym_store::begin_write(db).await?;
    if !messages::lock(&mut *tx, &c.id, &m.ts).await? {
        return Err(SlackError::Code("message_not_found"));
    }
    let m = messages::get(&mut *tx, &c.id, &m.ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    if !reactions::delete(&mut *tx, &c.id, &m.ts, &name, &who.user_id).await? {
        return Err(SlackError::Code("no_reaction"));
    }
    messages::set_reactions(&mut *tx, &c.id, &m.ts, edited(m.reactions.as_deref(), &name, &who.user_id, false).as_deref()).await?;
    announce(&mut tx, who, "reaction_removed", &name, &m).await?;
    tx.commit().await?;
    Ok(json!({}))
}

fn now_us() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// A message as reactions.get and reactions.list show it: with its permalink, and
/// every reacting user when `full`.
async fn rendered(db: &Pool, who: &Principal, domain: &str, m: &MessageRow, full: bool) -> SlackResult<Value> {
    let mut v = conversations::render_message(db, &who.team_id, m).await?;
    if full && let Some(all) = objects::reactions(m, true) {
        v["reactions"] = all;
    }
    v["permalink"] = json!(chat::permalink(domain, m));
    Ok(v)
}

pub async fn get(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["reactions:read"])?;
    let (c, m) = item(db, who, args).await?;
    let domain = chat::team_domain(db, who).await?;
    let message = rendered(db, who, &domain, &m, args.bool("full").unwrap_or(false)).await?;
    Ok(json!({ "type": "message", "message": message, "channel": c.id }))
}

/// reactions.list: what `user` (default: the caller) reacted to, most recent
/// first, in conversations the caller can see. Pages either Slack's old way
/// (`count`, `page`; `paging` in the answer) or by `cursor` and `limit`.
pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["reactions:read"])?;
    let user = args.str("user").unwrap_or_else(|| who.user_id.clone());
    if workspace::user(db, &user).await?.is_none_or(|u| u.team_id != who.team_id) {
        return Err(SlackError::UserNotFound);
    }
    let full = args.bool("full").unwrap_or(false);
    let by_cursor = args.str("cursor").is_some() || args.str("limit").is_some();
    let (per_page, offset, page) = if by_cursor {
        let offset = match args.str("cursor") {
            Some(c) => wire::decode_cursor("offset", &c)?.parse::<i64>().map_err(|_| SlackError::InvalidCursor)?,
            None => 0,
        };
        (wire::limit(args, 100, 1000)?, offset, None)
    } else {
        let count = args.int("count")?.filter(|n| *n > 0).unwrap_or(100).min(1000);
        let page = args.int("page")?.filter(|n| *n > 0).unwrap_or(1);
        (count, (page - 1) * count, Some(page))
    };
    let total = reactions::item_count(db, &user, &who.team_id, &who.user_id).await?;
    let keys = reactions::items(db, &user, &who.team_id, &who.user_id, per_page, offset).await?;
    let domain = chat::team_domain(db, who).await?;
    let mut items = Vec::with_capacity(keys.len());
    for (channel, ts) in &keys {
        if let Some(m) = messages::get(db, channel, ts).await? {
            let message = rendered(db, who, &domain, &m, full).await?;
            items.push(json!({ "type": "message", "channel": channel, "message": message }));
        }
    }
    let next_offset = offset + keys.len() as i64;
    let next = if next_offset < total { wire::encode_cursor("offset", &next_offset.to_string()) } else { String::new() };
    let mut body = json!({ "items": items, "response_metadata": { "next_cursor": next } });
    if let Some(page) = page {
        let pages = (total + per_page - 1) / per_page;
        body["paging"] = json!({ "count": per_page, "total": total, "page": page, "pages": pages });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_names_are_canonical() {
        assert_eq!(emoji_name(Some(":thumbsup:".into())).unwrap(), "+1");
        assert_eq!(emoji_name(Some("thumbsup::skin-tone-3".into())).unwrap(), "+1::skin-tone-3");
        assert_eq!(emoji_name(Some("white_check_mark".into())).unwrap(), "white_check_mark");
        assert!(emoji_name(Some("not an emoji".into())).is_err());
        assert!(emoji_name(None).is_err());
    }

    #[test]
    fn reactions_keep_first_added_order_and_count_users() {
        let r = edited(None, "eyes", "U1", true);
        let r = edited(r.as_deref(), "+1", "U2", true);
        let r = edited(r.as_deref(), "eyes", "U2", true);
        let v: Value = serde_json::from_str(r.as_deref().unwrap()).unwrap();
        assert_eq!(v, json!([{ "name": "eyes", "users": ["U1", "U2"], "count": 2 }, { "name": "+1", "users": ["U2"], "count": 1 }]));
        let r = edited(r.as_deref(), "+1", "U2", false);
        let r = edited(r.as_deref(), "eyes", "U1", false);
        let v: Value = serde_json::from_str(r.as_deref().unwrap()).unwrap();
        assert_eq!(v, json!([{ "name": "eyes", "users": ["U2"], "count": 1 }]));
        assert_eq!(edited(r.as_deref(), "eyes", "U2", false), None);
    }
}
