//! Pinned messages: pins.add, pins.remove, pins.list. A message is pinned to its
//! own channel; the pin (who, when) lives on the message.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::model::auth::Principal;
use crate::model::chat;
use crate::model::conversations;
use crate::objects;
use crate::store::channels::ChannelRow;
use crate::store::messages::{self, MessageRow};
use crate::wire::{self, Args};

/// Messages that cannot be pinned: system messages and deleted parents.
const NOT_PINNABLE: &[&str] = &["tombstone", "channel_join", "channel_leave", "group_join", "group_leave"];

/// The message `channel` + `timestamp` name (`no_item_specified` without a timestamp).
async fn item(db: &Pool, who: &Principal, args: &Args) -> SlackResult<(ChannelRow, MessageRow)> {
    let channel = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, _) = conversations::visible(db, who, &channel).await?;
    let ts = args.str("timestamp").ok_or(SlackError::Code("no_item_specified"))?;
    let ts = wire::normalize_ts(&ts).ok_or(SlackError::Code("bad_timestamp"))?;
    let m = messages::get(db, &c.id, &ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    Ok((c, m))
}

/// A pinned item as pins.list and the pin events show it.
fn pinned_item(domain: &str, team_id: &str, m: &MessageRow, pinned_by: &str, pinned_at: i64) -> Value {
    let mut message = objects::message(m, team_id, &[]);
    message["permalink"] = json!(chat::permalink(domain, m));
    json!({ "type": "message", "created": pinned_at, "created_by": pinned_by, "channel": m.channel_id, "message": message })
}

/// `pin_added` / `pin_removed`.
#[allow(clippy::too_many_arguments)]
async fn announce(
    conn: &mut sqlx::AnyConnection,
    who: &Principal,
    kind: &str,
    item: Value,
    m: &MessageRow,
    pinned_by: &str,
    pinned_at: i64,
    pin_count: i64,
) -> SlackResult<()> {
    let mut event = json!({
        "type": kind,
        "user": who.user_id,
        "channel_id": m.channel_id,
        "item": item,
        "pin_count": pin_count.to_string(),
        "pinned_info": { "channel": m.channel_id, "pinned_by": pinned_by, "pinned_ts": pinned_at },
        "event_ts": wire::now_ts(),
    });
    if let Some(author) = &m.user_id {
        event["item_user"] = json!(author);
    }
    if kind == "pin_removed" {
        event["has_pins"] = json!(pin_count > 0);
    }
    events::emit(&mut *conn, &who.team_id, event).await?;
    Ok(())
}

pub async fn add(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["pins:write"])?;
    let (c, m) = item(db, who, args).await?;
    if m.subtype.as_deref().is_some_and(|s| NOT_PINNABLE.contains(&s)) {
        return Err(SlackError::Code("not_pinnable"));
    }
    let domain = chat::team_domain(db, who).await?;
    let now = wire::now_secs();
    let mut tx = asym_store::begin_write(db).await?;
    if !messages::lock(&mut *tx, &c.id, &m.ts).await? {
        return Err(SlackError::Code("message_not_found"));
    }
    let m = messages::get(&mut *tx, &c.id, &m.ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    if m.pinned_at.is_some() {
        return Err(SlackError::Code("already_pinned"));
    }
    messages::set_pin(&mut *tx, &c.id, &m.ts, Some((&who.user_id, now))).await?;
    let m = messages::get(&mut *tx, &c.id, &m.ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    let count = messages::pin_count(&mut *tx, &c.id).await?;
    let item = pinned_item(&domain, &who.team_id, &m, &who.user_id, now);
    announce(&mut tx, who, "pin_added", item, &m, &who.user_id, now, count).await?;
    tx.commit().await?;
    Ok(json!({}))
}

pub async fn remove(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["pins:write"])?;
    let (c, m) = item(db, who, args).await?;
    let domain = chat::team_domain(db, who).await?;
    let mut tx = asym_store::begin_write(db).await?;
    if !messages::lock(&mut *tx, &c.id, &m.ts).await? {
        return Err(SlackError::Code("message_not_found"));
    }
    let m = messages::get(&mut *tx, &c.id, &m.ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    let (Some(pinned_by), Some(pinned_at)) = (m.pinned_by.clone(), m.pinned_at) else {
        return Err(SlackError::Code("no_pin"));
    };
    messages::set_pin(&mut *tx, &c.id, &m.ts, None).await?;
    let m = messages::get(&mut *tx, &c.id, &m.ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    let count = messages::pin_count(&mut *tx, &c.id).await?;
    let item = pinned_item(&domain, &who.team_id, &m, &pinned_by, pinned_at);
    announce(&mut tx, who, "pin_removed", item, &m, &pinned_by, pinned_at, count).await?;
    tx.commit().await?;
    Ok(json!({}))
}

/// pins.list: the channel's pinned messages, most recently pinned first.
pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["pins:read"])?;
    let channel = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, _) = conversations::visible(db, who, &channel).await?;
    let domain = chat::team_domain(db, who).await?;
    let rows = messages::pinned(db, &c.id).await?;
    let items: Vec<Value> =
        rows.iter().filter_map(|m| Some(pinned_item(&domain, &who.team_id, m, m.pinned_by.as_deref()?, m.pinned_at?))).collect();
    Ok(json!({ "items": items }))
}
