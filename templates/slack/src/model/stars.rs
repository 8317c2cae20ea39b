//! Saved items, formerly stars: stars.add, stars.list, stars.remove (user tokens;
//! Slack has deprecated them but still answers them). An item is a message
//! (`channel` + `timestamp`), a file (`file`) or a conversation (`channel` alone).
//! File comments no longer exist on Slack: `file_comment` is `file_comment_not_found`.
//! Saving and unsaving announce `star_added` / `star_removed` to the saver's apps.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::model::auth::{Principal, TokenKind};
use crate::model::{chat, conversations};
use crate::store::stars::{self, StarRow};
use crate::store::{files, messages};
use crate::wire::{self, Args};

const DEFAULT_COUNT: i64 = 100;
const MAX_COUNT: i64 = 1000;

/// What `channel` / `timestamp` / `file` / `file_comment` name.
enum Item {
    Message { channel: String, ts: String },
    File { id: String },
    Channel { id: String },
}

impl Item {
    fn key(&self) -> String {
        match self {
            Item::Message { channel, ts } => format!("message:{channel}:{ts}"),
            Item::File { id } => format!("file:{id}"),
            Item::Channel { id } => format!("channel:{id}"),
        }
    }
}

/// Resolves and checks the item: it must exist and the caller must see it.
async fn item(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Item> {
    if args.str("file_comment").is_some() {
        return Err(SlackError::Code("file_comment_not_found"));
    }
    if let Some(id) = args.str("file") {
        let f = files::visible(db, &who.team_id, &who.user_id, &id).await?.ok_or(SlackError::Code("file_not_found"))?;
        return Ok(Item::File { id: f.id });
    }
    let Some(channel) = args.str("channel") else {
        return Err(SlackError::Code("no_item_specified"));
    };
    let (c, _) = conversations::visible(db, who, &channel).await?;
    match args.str("timestamp") {
        Some(ts) => {
            let ts = wire::normalize_ts(&ts).ok_or(SlackError::Code("bad_timestamp"))?;
            let m = messages::get(db, &c.id, &ts).await?.ok_or(SlackError::Code("message_not_found"))?;
            if m.subtype.as_deref() == Some("tombstone") {
                return Err(SlackError::Code("message_not_found"));
            }
            Ok(Item::Message { channel: c.id, ts: m.ts })
        }
        None => Ok(Item::Channel { id: c.id }),
    }
}

/// One saved item as stars.list and the star events show it; None when the item is gone.
async fn render(db: &Pool, who: &Principal, domain: &str, s: &StarRow) -> SlackResult<Option<Value>> {
    Ok(match s.item_type.as_str() {
        "message" => {
            let (Some(channel), Some(ts)) = (&s.channel_id, &s.ts) else { return Ok(None) };
            let Some(m) = messages::get(db, channel, ts).await?.filter(|m| m.subtype.as_deref() != Some("tombstone")) else {
                return Ok(None);
            };
            let mut message = conversations::render_message(db, &who.team_id, &m).await?;
            message["permalink"] = json!(chat::permalink(domain, &m));
            Some(json!({ "type": "message", "channel": channel, "message": message, "date_create": s.created }))
        }
        "file" => {
            let Some(id) = &s.file_id else { return Ok(None) };
            let Some(f) = files::visible(db, &who.team_id, &who.user_id, id).await? else { return Ok(None) };
            let file = crate::model::files::render(db, who, &f, domain).await?;
            Some(json!({ "type": "file", "file": file, "date_create": s.created }))
        }
        "channel" => {
            let Some(id) = &s.channel_id else { return Ok(None) };
            let Some(c) = crate::store::channels::get(db, id).await? else { return Ok(None) };
            let kind = if c.is_im {
                "im"
            } else if c.is_mpim || c.is_private {
                "group"
            } else {
                "channel"
            };
            Some(json!({ "type": kind, "channel": id, "date_create": s.created }))
        }
        _ => None,
    })
}

fn user_only(who: &Principal) -> SlackResult<()> {
    if who.kind == TokenKind::Bot { Err(SlackError::Code("not_allowed_token_type")) } else { Ok(()) }
}

fn row(who: &Principal, it: &Item) -> StarRow {
    let now_us = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
    let (item_type, channel_id, ts, file_id) = match it {
        Item::Message { channel, ts } => ("message", Some(channel.clone()), Some(ts.clone()), None),
        Item::File { id } => ("file", None, None, Some(id.clone())),
        Item::Channel { id } => ("channel", Some(id.clone()), None, None),
    };
    StarRow {
        user_id: who.user_id.clone(),
        item_key: it.key(),
        team_id: who.team_id.clone(),
        item_type: item_type.into(),
        channel_id,
        ts,
        file_id,
        created: now_us / 1_000_000,
        created_us: now_us,
    }
}

/// `star_added` / `star_removed` for the saver's apps (the item is rendered
/// before the write transaction opens).
async fn event(db: &Pool, who: &Principal, kind: &str, s: &StarRow) -> SlackResult<Option<Value>> {
    let domain = chat::team_domain(db, who).await?;
    let Some(item) = render(db, who, &domain, s).await? else { return Ok(None) };
    let mut event = json!({ "type": kind, "user": who.user_id, "item": item, "event_ts": wire::now_ts() });
    event[events::FOR_USER] = json!(who.user_id);
    Ok(Some(event))
}

pub async fn add(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["stars:write"])?;
    let it = item(db, who, args).await?;
    let s = row(who, &it);
    let ev = event(db, who, "star_added", &s).await?;
    let mut tx = asym_store::begin_write(db).await?;
    if !stars::insert(&mut *tx, &s).await? {
        return Err(SlackError::Code("already_starred"));
    }
    if let Some(ev) = ev {
        events::emit(&mut *tx, &who.team_id, ev).await?;
    }
    tx.commit().await?;
    Ok(json!({}))
}

pub async fn remove(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["stars:write"])?;
    let it = item(db, who, args).await?;
    let s = row(who, &it);
    let ev = event(db, who, "star_removed", &s).await?;
    let mut tx = asym_store::begin_write(db).await?;
    if !stars::delete(&mut *tx, &who.user_id, &s.item_key).await? {
        return Err(SlackError::Code("not_starred"));
    }
    if let Some(ev) = ev {
        events::emit(&mut *tx, &who.team_id, ev).await?;
    }
    tx.commit().await?;
    Ok(json!({}))
}

/// stars.list: newest first. `count` + `page` give Slack's `paging`; `limit` or
/// `cursor` switch to cursor pagination (`response_metadata.next_cursor`).
pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["stars:read"])?;
    let domain = chat::team_domain(db, who).await?;
    let cursor_mode = args.str("cursor").is_some() || args.str("limit").is_some();
    let (per_page, offset, page) = if cursor_mode {
        let limit = wire::limit(args, DEFAULT_COUNT, MAX_COUNT)?;
        let offset = match args.str("cursor") {
            Some(c) => wire::decode_cursor("star", &c)?.parse::<i64>().map_err(|_| SlackError::InvalidCursor)?,
            None => 0,
        };
        (limit, offset, 0)
    } else {
        let count = match args.int("count")? {
            Some(n) if n >= 1 => n.min(MAX_COUNT),
            _ => DEFAULT_COUNT,
        };
        let page = match args.int("page")? {
            Some(n) if n >= 1 => n,
            _ => 1,
        };
        (count, (page - 1) * count, page)
    };
    let rows = stars::page(db, &who.user_id, i64::MAX, per_page + 1, offset).await?;
    let more = rows.len() as i64 > per_page;
    let mut items = Vec::new();
    for s in rows.iter().take(per_page as usize) {
        if let Some(v) = render(db, who, &domain, s).await? {
            items.push(v);
        }
    }
    if cursor_mode {
        let next = if more { wire::encode_cursor("star", &(offset + per_page).to_string()) } else { String::new() };
        return Ok(json!({ "items": items, "response_metadata": { "next_cursor": next } }));
    }
    let total = stars::count(db, &who.user_id).await?;
    let pages = if total == 0 { 1 } else { (total + per_page - 1) / per_page };
    Ok(json!({
        "items": items,
        "paging": { "count": per_page, "total": total, "page": page, "pages": pages },
    }))
}
