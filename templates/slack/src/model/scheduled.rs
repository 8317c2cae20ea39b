//! Scheduled messages: chat.scheduleMessage, chat.scheduledMessages.list,
//! chat.deleteScheduledMessage, and their delivery. Every Web API call first
//! posts whatever is due ([`deliver_due`]), so a message scheduled for `post_at`
//! is in history for any call made after it, with a `ts` at `post_at`.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::ids;
use crate::model::auth::Principal;
use crate::model::chat::{self, WRITE_SCOPES};
use crate::model::conversations;
use crate::objects;
use crate::store::scheduled::{self, ScheduledRow};
use crate::store::{channels, messages, messages::MessageRow};
use crate::wire::{self, Args};

/// Slack schedules at most 120 days ahead.
const MAX_AHEAD_SECS: i64 = 120 * 24 * 3600;
/// At most 30 messages may be scheduled into one channel within 5 minutes.
const WINDOW_SECS: i64 = 5 * 60;
const WINDOW_MAX: i64 = 30;
/// Delivered per pass; a later call delivers the rest.
const DELIVERY_BATCH: i64 = 100;

/// A Unix time argument (`1700000000`, or with a fraction Slack drops).
fn unix_time(args: &Args, key: &str) -> Option<Result<i64, ()>> {
    let raw = args.str(key)?;
    Some(raw.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| f.floor() as i64).ok_or(()))
}

pub async fn schedule(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(WRITE_SCOPES)?;
    let c = chat::writable(db, who, args.str("channel")).await?;
    let post_at = match unix_time(args, "post_at") {
        Some(Ok(t)) => t,
        _ => return Err(SlackError::Code("invalid_time")),
    };
    let now = wire::now_secs();
    if post_at < now {
        return Err(SlackError::Code("time_in_past"));
    }
    if post_at > now + MAX_AHEAD_SECS {
        return Err(SlackError::Code("time_too_far"));
    }
    let content = chat::content(db, who, args).await?;
    let (thread_ts, parent_user_id) = chat::thread_of(db, &c.id, args.str("thread_ts")).await?;
    let broadcast = thread_ts.is_some() && args.bool("reply_broadcast").unwrap_or(false);
    let mut row = chat::authored(who, args, &c.id, content);
    row.thread_ts = thread_ts;
    row.parent_user_id = parent_user_id;
    row.subtype = broadcast.then(|| "thread_broadcast".to_string());
    let s = ScheduledRow {
        id: ids::random('Q'),
        team_id: who.team_id.clone(),
        channel_id: c.id.clone(),
        user_id: who.user_id.clone(),
        bot_id: row.bot_id.clone(),
        app_id: row.app_id.clone(),
        text: row.text.clone(),
        blocks: row.blocks.clone(),
        attachments: row.attachments.clone(),
        thread_ts: row.thread_ts.clone(),
        reply_broadcast: broadcast,
        username: row.username.clone(),
        icon_url: row.icon_url.clone(),
        icon_emoji: row.icon_emoji.clone(),
        post_at,
        date_created: now,
    };
    let mut tx = asym_store::begin_write(db).await?;
    if scheduled::count_in_window(&mut *tx, &c.id, post_at - WINDOW_SECS + 1, post_at + WINDOW_SECS - 1).await? >= WINDOW_MAX {
        return Err(SlackError::Code("restricted_too_many"));
    }
    scheduled::insert(&mut *tx, &s).await?;
    tx.commit().await?;
    // The pending message, as Slack shows it: a `delayed_message` with no ts yet.
    let mut message = objects::message(&row, &who.team_id, &[]);
    if let Some(o) = message.as_object_mut() {
        o.insert("type".into(), json!("delayed_message"));
        o.remove("ts");
    }
    Ok(json!({ "channel": c.id, "scheduled_message_id": s.id, "post_at": post_at, "message": message }))
}

/// chat.scheduledMessages.list: the caller's pending messages, soonest first.
pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let channel = match args.str("channel") {
        Some(id) => match conversations::visible(db, who, &id).await {
            Ok((c, _)) => c.id,
            Err(SlackError::ChannelNotFound) => return Err(SlackError::Code("invalid_channel")),
            Err(e) => return Err(e),
        },
        None => String::new(),
    };
    let bound = |key: &str, default: i64| match unix_time(args, key) {
        None => Ok(default),
        Some(Ok(t)) => Ok(t),
        Some(Err(())) => Err(SlackError::InvalidArguments { messages: vec![format!("[ERROR] invalid value for {key}")] }),
    };
    let oldest = bound("oldest", 0)?;
    let latest = bound("latest", i64::MAX)?;
    let limit = wire::limit(args, 100, 1000)?;
    let (after_post_at, after_id) = match args.str("cursor") {
        Some(cursor) => {
            let raw = wire::decode_cursor("next", &cursor)?;
            let (at, id) = raw.split_once(':').ok_or(SlackError::InvalidCursor)?;
            (at.parse::<i64>().map_err(|_| SlackError::InvalidCursor)?, id.to_string())
        }
        None => (i64::MIN, String::new()),
    };
    let mut rows = scheduled::page(db, &who.user_id, &channel, oldest, latest, after_post_at, &after_id, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = match rows.last() {
        Some(last) if more => wire::encode_cursor("next", &format!("{}:{}", last.post_at, last.id)),
        _ => String::new(),
    };
    let items: Vec<Value> = rows
        .iter()
        .map(|s| json!({ "id": s.id, "channel_id": s.channel_id, "post_at": s.post_at, "date_created": s.date_created, "text": s.text }))
        .collect();
    Ok(json!({ "scheduled_messages": items, "response_metadata": { "next_cursor": next } }))
}

/// chat.deleteScheduledMessage: only the scheduler's own, still pending, in that channel.
pub async fn delete(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(WRITE_SCOPES)?;
    let channel = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, _) = conversations::visible(db, who, &channel).await?;
    let bad = SlackError::Code("invalid_scheduled_message_id");
    let Some(id) = args.str("scheduled_message_id") else { return Err(bad) };
    let mut tx = asym_store::begin_write(db).await?;
    match scheduled::get(&mut *tx, &id).await? {
        Some(s) if s.channel_id == c.id && s.user_id == who.user_id && s.team_id == who.team_id => {
            scheduled::delete(&mut *tx, &id).await?;
        }
        _ => return Err(bad),
    }
    tx.commit().await?;
    Ok(json!({}))
}

/// Posts every scheduled message that is due. Cheap when nothing is: one probe
/// of the `post_at` index. A failure is logged and never fails the call.
pub async fn deliver_due(db: &Pool) {
    // post_at has one-second resolution, so one look per second is exact; it keeps
    // this query off every other call's path.
    static LAST_LOOK: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let now = wire::now_secs();
    if LAST_LOOK.swap(now, std::sync::atomic::Ordering::Relaxed) == now {
        return;
    }
    if let Err(e) = deliver(db).await {
        tracing::warn!("delivering scheduled messages: {e:?}");
    }
}

async fn deliver(db: &Pool) -> SlackResult<()> {
    let now = wire::now_secs();
    if !scheduled::any_due(db, now).await? {
        return Ok(());
    }
    for s in scheduled::due(db, now, DELIVERY_BATCH).await? {
        let mut tx = asym_store::begin_write(db).await?;
        // Another call may have delivered it meanwhile: whoever deletes it posts it.
        if !scheduled::delete(&mut *tx, &s.id).await? {
            continue;
        }
        let channel = channels::get(&mut *tx, &s.channel_id).await?;
        let parent = match &s.thread_ts {
            Some(t) => messages::get(&mut *tx, &s.channel_id, t).await?,
            None => None,
        };
        // A message for an archived channel, or a thread that is gone, is dropped.
        let Some(c) = channel.filter(|c| !c.is_archived) else {
            tx.commit().await?;
            continue;
        };
        if s.thread_ts.is_some() && parent.is_none() {
            tx.commit().await?;
            continue;
        }
        let mut row = MessageRow {
            channel_id: s.channel_id.clone(),
            user_id: Some(s.user_id.clone()),
            bot_id: s.bot_id.clone(),
            app_id: s.app_id.clone(),
            subtype: s.reply_broadcast.then(|| "thread_broadcast".to_string()),
            text: s.text.clone(),
            blocks: s.blocks.clone(),
            attachments: s.attachments.clone(),
            thread_ts: s.thread_ts.clone(),
            username: s.username.clone(),
            icon_url: s.icon_url.clone(),
            icon_emoji: s.icon_emoji.clone(),
            parent_user_id: parent.and_then(|p| p.user_id),
            ..Default::default()
        };
        chat::insert_posted(&mut tx, &s.team_id, &c, &mut row, format!("{}.000000", s.post_at)).await?;
        tx.commit().await?;
    }
    Ok(())
}
