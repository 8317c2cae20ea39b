//! Posting messages: membership, archive and size rules, unique increasing `ts`.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::model::auth::{Principal, TokenKind};
use crate::model::conversations;
use crate::objects;
use crate::store::{messages, messages::MessageRow};
use crate::wire::{self, Args};

/// Slack truncates past 40,000 characters and refuses past that with `msg_too_long`.
const MAX_TEXT: usize = 40_000;
const MAX_ATTACHMENTS: usize = 100;
const MAX_BLOCKS: usize = 50;

pub async fn post_message(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["chat:write", "chat:write:bot", "chat:write:user"])?;
    let channel_arg = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, member) = conversations::visible(db, who, &channel_arg).await?;
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    if !member {
        let public_ok = who.kind == TokenKind::Bot && !c.is_private && !c.is_im && !c.is_mpim && who.has("chat:write.public");
        let user_ok = who.kind == TokenKind::User && !c.is_private && !c.is_im && !c.is_mpim;
        if !public_ok && !user_ok {
            return Err(SlackError::NotInChannel);
        }
    }
    let text = args.str("text").unwrap_or_default();
    let blocks = args.json("blocks").map_err(|_| SlackError::InvalidBlocks)?;
    let attachments = args.json("attachments").map_err(|_| SlackError::InvalidAttachments)?;
    if let Some(b) = &blocks {
        let arr = b.as_array().ok_or(SlackError::InvalidBlocks)?;
        if arr.len() > MAX_BLOCKS || arr.iter().any(|x| x.get("type").and_then(Value::as_str).is_none()) {
            return Err(SlackError::InvalidBlocks);
        }
    }
    if let Some(a) = &attachments {
        let arr = a.as_array().ok_or(SlackError::InvalidAttachments)?;
        if arr.len() > MAX_ATTACHMENTS {
            return Err(SlackError::InvalidAttachments);
        }
    }
    let has_content = !text.trim().is_empty()
        || blocks.as_ref().and_then(Value::as_array).is_some_and(|a| !a.is_empty())
        || attachments.as_ref().and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    if !has_content {
        return Err(SlackError::NoText);
    }
    if text.chars().count() > MAX_TEXT {
        return Err(SlackError::MsgTooLong);
    }
    let (thread_ts, parent_user_id) = match args.str("thread_ts") {
        Some(t) => {
            let t = wire::normalize_ts(&t).ok_or(SlackError::ThreadNotFound)?;
            let parent = messages::get(db, &c.id, &t).await?.ok_or(SlackError::ThreadNotFound)?;
            // A reply to a reply joins the parent's thread.
            match parent.thread_ts {
                Some(root) if root != parent.ts => (Some(root), parent.parent_user_id),
                _ => (Some(parent.ts), parent.user_id),
            }
        }
        None => (None, None),
    };
    let broadcast = thread_ts.is_some() && args.bool("reply_broadcast").unwrap_or(false);
    let customize = who.kind == TokenKind::Bot && who.has("chat:write.customize");
    let mut row = MessageRow {
        channel_id: c.id.clone(),
        ts: String::new(),
        user_id: Some(who.user_id.clone()),
        bot_id: who.bot_id.clone().filter(|_| who.kind == TokenKind::Bot),
        app_id: who.app_id.clone().filter(|_| who.kind == TokenKind::Bot),
        subtype: broadcast.then(|| "thread_broadcast".to_string()),
        text,
        blocks: blocks.map(|b| b.to_string()),
        attachments: attachments.map(|a| a.to_string()),
        thread_ts: thread_ts.clone(),
        username: args.str("username").filter(|_| customize),
        icon_url: args.str("icon_url").filter(|_| customize),
        icon_emoji: args.str("icon_emoji").filter(|_| customize),
        parent_user_id,
        ..Default::default()
    };
    let mut tx = asym_store::begin_write(db).await?;
    let mut ts = wire::now_ts();
    if let Some(last) = messages::latest_ts(&mut *tx, &c.id).await?
        && last >= ts
    {
        ts = wire::bump_ts(&last);
    }
    loop {
        row.ts = ts.clone();
        if messages::insert(&mut *tx, &row).await? {
            break;
        }
        ts = wire::bump_ts(&ts);
    }
    if let Some(parent) = &thread_ts {
        messages::note_reply(&mut *tx, &c.id, parent, &row.ts).await?;
    }
    let message = objects::message(&row, &who.team_id, &[]);
    let mut event = message.clone();
    event["channel"] = json!(c.id);
    event["event_ts"] = json!(row.ts);
    event["channel_type"] = json!(objects::channel_type(&c));
    events::emit(&mut *tx, &who.team_id, event).await?;
    tx.commit().await?;
    Ok(json!({ "channel": c.id, "ts": row.ts, "message": message }))
}
