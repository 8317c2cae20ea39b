//! Messages: posting (now, as `/me`, ephemerally), editing, deleting and
//! permalinks, with Slack's rules on membership, archives, authorship and size,
//! and unique increasing `ts` per channel.

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::model::auth::{Principal, TokenKind};
use crate::model::conversations;
use crate::objects;
use crate::store::channels::{self, ChannelRow};
use crate::store::messages::{self, Edit, MessageRow};
use crate::store::{reactions, workspace};
use crate::wire::{self, Args};

/// Slack refuses text past 40,000 characters with `msg_too_long`.
const MAX_TEXT: usize = 40_000;
const MAX_ATTACHMENTS: usize = 100;
const MAX_BLOCKS: usize = 50;

/// What chat.postMessage and its relatives accept as `chat:write`.
pub const WRITE_SCOPES: &[&str] = &["chat:write", "chat:write:bot", "chat:write:user"];

/// The conversation a `channel` argument names, as chat.postMessage accepts it: an
/// id (`C0123…`), a name with or without its `#`, or a user id (`U0123…`) for
/// the caller's DM with that user, opened when there is none yet.
pub async fn resolve_channel(db: &Pool, who: &Principal, arg: &str) -> SlackResult<String> {
    let by_name = arg.strip_prefix('#').or_else(|| arg.chars().any(|c| c.is_ascii_lowercase()).then_some(arg));
    if let Some(name) = by_name {
        return messages::channel_id_by_name(db, &who.team_id, name).await?.ok_or(SlackError::ChannelNotFound);
    }
    if arg.starts_with('U') || arg.starts_with('W') {
        let open = Args([("users".to_string(), Value::from(arg))].into_iter().collect());
        return match crate::model::dms::open(db, who, &open).await {
            Ok(v) => v.pointer("/channel/id").and_then(Value::as_str).map(String::from).ok_or(SlackError::ChannelNotFound),
            Err(SlackError::UserNotFound | SlackError::Code("user_disabled")) => Err(SlackError::ChannelNotFound),
            Err(e) => Err(e),
        };
    }
    Ok(arg.to_string())
}

/// The conversation `who` may post into: visible, not archived, and joined
/// (bots may post to public channels they are not in with `chat:write.public`;
/// people may post to any public channel).
pub async fn writable(db: &Pool, who: &Principal, arg: Option<String>) -> SlackResult<ChannelRow> {
    let arg = arg.ok_or(SlackError::ChannelNotFound)?;
    let id = resolve_channel(db, who, &arg).await?;
    let (c, member) = conversations::visible(db, who, &id).await?;
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    if !member {
        let public = !c.is_private && !c.is_im && !c.is_mpim;
        let ok = match who.kind {
            TokenKind::Bot => public && who.has("chat:write.public"),
            TokenKind::User => public,
        };
        if !ok {
            return Err(SlackError::NotInChannel);
        }
    }
    Ok(c)
}

/// A message's `text`, `blocks` and `attachments` as given, checked the way Slack
/// checks them. An empty array counts as absent.
pub struct Content {
    pub text: String,
    pub blocks: Option<Value>,
    pub attachments: Option<Value>,
}

fn parse_blocks(args: &Args) -> SlackResult<Option<Option<Value>>> {
    if !args.0.contains_key("blocks") {
        return Ok(None);
    }
    let Some(b) = args.json("blocks").map_err(|_| SlackError::InvalidBlocks)? else { return Ok(Some(None)) };
    let arr = b.as_array().ok_or(SlackError::InvalidBlocks)?;
    if arr.len() > MAX_BLOCKS || arr.iter().any(|x| x.get("type").and_then(Value::as_str).is_none()) {
        return Err(SlackError::InvalidBlocks);
    }
    Ok(Some((!arr.is_empty()).then_some(b)))
}

fn parse_attachments(args: &Args) -> SlackResult<Option<Option<Value>>> {
    if !args.0.contains_key("attachments") {
        return Ok(None);
    }
    let Some(a) = args.json("attachments").map_err(|_| SlackError::InvalidAttachments)? else { return Ok(Some(None)) };
    let arr = a.as_array().ok_or(SlackError::InvalidAttachments)?;
    if arr.len() > MAX_ATTACHMENTS {
        return Err(SlackError::Code("too_many_attachments"));
    }
    Ok(Some((!arr.is_empty()).then_some(a)))
}

fn check_content(text: &str, blocks: Option<&Value>, attachments: Option<&Value>) -> SlackResult<()> {
    if text.trim().is_empty() && blocks.is_none() && attachments.is_none() {
        return Err(SlackError::NoText);
    }
    if text.chars().count() > MAX_TEXT {
        return Err(SlackError::MsgTooLong);
    }
    Ok(())
}

/// The content of a new message, `text` linked when `link_names` (or `parse=full`) asks.
pub async fn content(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Content> {
    let blocks = parse_blocks(args)?.flatten();
    let attachments = parse_attachments(args)?.flatten();
    let text = linked_text(db, who, args, args.str("text").unwrap_or_default()).await?;
    check_content(&text, blocks.as_ref(), attachments.as_ref())?;
    Ok(Content { text, blocks, attachments })
}

/// `link_names=true` (or `parse=full`): `@channel`, `@here` and `@everyone` become
/// Slack's special mentions, `@name` a user mention and `#name` a channel link,
/// for names that exist; anything already inside `<…>` stays as it is.
async fn linked_text(db: &Pool, who: &Principal, args: &Args, text: String) -> SlackResult<String> {
    let wanted = args.bool("link_names").unwrap_or(false) || args.str("parse").as_deref() == Some("full");
    if !wanted || !(text.contains('@') || text.contains('#')) {
        return Ok(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut depth = 0usize;
    while i < chars.len() {
        let ch = chars[i];
        match ch {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if depth == 0 && (ch == '@' || ch == '#') && starts_word {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || matches!(chars[j], '.' | '_' | '-')) {
                j += 1;
            }
            // A trailing dot ends the sentence, not the name.
            while j > i + 1 && chars[j - 1] == '.' {
                j -= 1;
            }
            let name: String = chars[i + 1..j].iter().collect::<String>().to_lowercase();
            if !name.is_empty() {
                let link = if ch == '@' {
                    match name.as_str() {
                        "channel" | "here" | "everyone" => Some(format!("<!{name}>")),
                        _ => messages::user_id_by_name(db, &who.team_id, &name).await?.map(|id| format!("<@{id}>")),
                    }
                } else {
                    messages::channel_id_by_name(db, &who.team_id, &name).await?.map(|id| format!("<#{id}|{name}>"))
                };
                if let Some(link) = link {
                    out.push_str(&link);
                    i = j;
                    continue;
                }
            }
        }
        out.push(ch);
        i += 1;
    }
    Ok(out)
}

/// Resolves `thread_ts` to the thread's root (a reply to a reply joins the
/// parent's thread) and the root's author.
pub async fn thread_of(db: &Pool, channel: &str, thread_ts: Option<String>) -> SlackResult<(Option<String>, Option<String>)> {
    let Some(t) = thread_ts else { return Ok((None, None)) };
    let t = wire::normalize_ts(&t).ok_or(SlackError::ThreadNotFound)?;
    let parent = messages::get(db, channel, &t).await?.ok_or(SlackError::ThreadNotFound)?;
    Ok(match parent.thread_ts {
        Some(root) if root != parent.ts => (Some(root), parent.parent_user_id),
        _ => (Some(parent.ts), parent.user_id),
    })
}

/// Who a new message is by. Bot tokens may set `username` and `icon_url` /
/// `icon_emoji` (the emoji wins) with `chat:write.customize`, unless `as_user`.
pub fn authored(who: &Principal, args: &Args, channel: &str, content: Content) -> MessageRow {
    let customize = who.kind == TokenKind::Bot && who.has("chat:write.customize") && !args.bool("as_user").unwrap_or(false);
    let icon_emoji = args.str("icon_emoji").filter(|_| customize);
    MessageRow {
        channel_id: channel.to_string(),
        user_id: Some(who.user_id.clone()),
        bot_id: who.bot_id.clone().filter(|_| who.kind == TokenKind::Bot),
        app_id: who.app_id.clone().filter(|_| who.kind == TokenKind::Bot),
        text: content.text,
        blocks: content.blocks.map(|b| b.to_string()),
        attachments: content.attachments.map(|a| a.to_string()),
        username: args.str("username").filter(|_| customize),
        icon_url: args.str("icon_url").filter(|_| customize && icon_emoji.is_none()),
        icon_emoji,
        ..Default::default()
    }
}

/// Inserts a new message at `base_ts` or, when the channel already has that or a
/// later one, just after its latest; counts the reply on its thread; announces
/// the `message` event. Returns the rendered message.
pub async fn insert_posted(
    conn: &mut AnyConnection,
    team_id: &str,
    c: &ChannelRow,
    row: &mut MessageRow,
    base_ts: String,
) -> SlackResult<Value> {
    let mut ts = base_ts;
    if let Some(last) = messages::latest_ts(&mut *conn, &c.id).await?
        && last >= ts
    {
        ts = wire::bump_ts(&last);
    }
    loop {
        row.ts = ts.clone();
        if messages::insert(&mut *conn, row).await? {
            break;
        }
        ts = wire::bump_ts(&ts);
    }
    if let Some(parent) = &row.thread_ts {
        messages::note_reply(&mut *conn, &c.id, parent, &row.ts).await?;
    }
    let message = objects::message(row, team_id, &[]);
    let mut event = message.clone();
    event["channel"] = json!(c.id);
    event["event_ts"] = json!(row.ts);
    event["channel_type"] = json!(objects::channel_type(c));
    events::emit(&mut *conn, team_id, event).await?;
    Ok(message)
}

pub async fn post_message(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(WRITE_SCOPES)?;
    let c = writable(db, who, args.str("channel")).await?;
    let content = content(db, who, args).await?;
    let (thread_ts, parent_user_id) = thread_of(db, &c.id, args.str("thread_ts")).await?;
    let broadcast = thread_ts.is_some() && args.bool("reply_broadcast").unwrap_or(false);
    let mut row = authored(who, args, &c.id, content);
    row.subtype = broadcast.then(|| "thread_broadcast".to_string());
    row.thread_ts = thread_ts;
    row.parent_user_id = parent_user_id;
    let mut tx = asym_store::begin_write(db).await?;
    let message = insert_posted(&mut tx, &who.team_id, &c, &mut row, wire::now_ts()).await?;
    tx.commit().await?;
    Ok(json!({ "channel": c.id, "ts": row.ts, "message": message }))
}

/// chat.meMessage: a `/me` action, subtype `me_message`.
pub async fn me_message(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(WRITE_SCOPES)?;
    let c = writable(db, who, args.str("channel")).await?;
    let text = args.str("text").unwrap_or_default();
    check_content(&text, None, None)?;
    let mut row = authored(who, &Args::default(), &c.id, Content { text, blocks: None, attachments: None });
    row.subtype = Some("me_message".into());
    let mut tx = asym_store::begin_write(db).await?;
    insert_posted(&mut tx, &who.team_id, &c, &mut row, wire::now_ts()).await?;
    tx.commit().await?;
    Ok(json!({ "channel": c.id, "ts": row.ts }))
}

/// chat.postEphemeral: shown only to `user` (who must be in the channel), never
/// stored in history and never announced to apps.
pub async fn post_ephemeral(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(WRITE_SCOPES)?;
    let c = writable(db, who, args.str("channel")).await?;
    let target = args.required("user")?;
    if !channels::is_member(db, &c.id, &target).await? {
        return Err(SlackError::Code("user_not_in_channel"));
    }
    content(db, who, args).await?;
    Ok(json!({ "message_ts": wire::now_ts() }))
}

/// The message a `channel` + ts argument pair names, in a conversation `who` can see.
async fn target(db: &Pool, who: &Principal, channel: Option<String>, ts: Option<String>) -> SlackResult<(ChannelRow, MessageRow)> {
    let id = channel.ok_or(SlackError::ChannelNotFound)?;
    let (c, _) = conversations::visible(db, who, &id).await?;
    let ts = ts.and_then(|t| wire::normalize_ts(&t)).ok_or(SlackError::Code("message_not_found"))?;
    let m = messages::get(db, &c.id, &ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    Ok((c, m))
}

fn is_tombstone(m: &MessageRow) -> bool {
    m.subtype.as_deref() == Some("tombstone")
}

/// chat.update: only the author edits a message (bots their own); `blocks` and
/// `attachments` not given are kept, `text` is replaced.
pub async fn update(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(WRITE_SCOPES)?;
    let (c, old) = target(db, who, args.str("channel"), args.str("ts")).await?;
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    if is_tombstone(&old) || old.user_id.as_deref() != Some(who.user_id.as_str()) {
        return Err(SlackError::Code("cant_update_message"));
    }
    if who.kind == TokenKind::User {
        let window = workspace::edit_window(db, &who.team_id).await?;
        let posted = old.ts.split('.').next().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
        if window >= 0 && crate::wire::now_secs() - posted > window * 60 {
            return Err(SlackError::Code("edit_window_closed"));
        }
    }
    let blocks = match parse_blocks(args)? {
        Some(b) => b.map(|b| b.to_string()),
        None => old.blocks.clone(),
    };
    let attachments = match parse_attachments(args)? {
        Some(a) => a.map(|a| a.to_string()),
        None => old.attachments.clone(),
    };
    let text = linked_text(db, who, args, args.str("text").unwrap_or_default()).await?;
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok());
    check_content(&text, parse(&blocks).as_ref(), parse(&attachments).as_ref())?;
    let is_reply = old.thread_ts.as_deref().is_some_and(|t| t != old.ts);
    let subtype =
        if is_reply && args.bool("reply_broadcast").unwrap_or(false) { Some("thread_broadcast".to_string()) } else { old.subtype.clone() };
    let edited_ts = wire::now_ts();

    let mut tx = asym_store::begin_write(db).await?;
    let edit = Edit {
        text: &text,
        blocks: blocks.as_deref(),
        attachments: attachments.as_deref(),
        subtype: subtype.as_deref(),
        edited_by: &who.user_id,
        edited_ts: &edited_ts,
    };
    messages::update_content(&mut *tx, &c.id, &old.ts, &edit).await?;
    let new = messages::get(&mut *tx, &c.id, &old.ts).await?.ok_or(SlackError::Code("message_not_found"))?;
    let reply_users = if new.reply_count > 0 { messages::reply_users(&mut *tx, &c.id, &new.ts).await? } else { Vec::new() };
    let message = objects::message(&new, &who.team_id, &reply_users);
    let previous = objects::message(&old, &who.team_id, &reply_users);
    changed(&mut tx, &who.team_id, &c, message.clone(), previous, &edited_ts).await?;
    tx.commit().await?;
    Ok(json!({ "channel": c.id, "ts": new.ts, "text": new.text, "message": message }))
}

/// The `message_changed` event.
async fn changed(
    conn: &mut AnyConnection,
    team_id: &str,
    c: &ChannelRow,
    message: Value,
    previous: Value,
    event_ts: &str,
) -> SlackResult<()> {
    let event = json!({
        "type": "message",
        "subtype": "message_changed",
        "message": message,
        "previous_message": previous,
        "channel": c.id,
        "hidden": true,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": objects::channel_type(c),
    });
    events::emit(&mut *conn, team_id, event).await?;
    Ok(())
}

/// The `message_deleted` event.
async fn deleted(conn: &mut AnyConnection, team_id: &str, c: &ChannelRow, previous: Value, deleted_ts: &str) -> SlackResult<()> {
    let event_ts = wire::now_ts();
    let event = json!({
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": previous,
        "channel": c.id,
        "hidden": true,
        "deleted_ts": deleted_ts,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": objects::channel_type(c),
    });
    events::emit(&mut *conn, team_id, event).await?;
    Ok(())
}

/// chat.delete: bots delete their own messages; people theirs, and workspace
/// admins and owners anyone's. A thread parent with replies becomes a tombstone
/// ("This message was deleted.") that keeps the thread; a tombstone goes when its
/// last reply does.
pub async fn delete(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(WRITE_SCOPES)?;
    let (c, old) = target(db, who, args.str("channel"), args.str("ts")).await?;
    let own = old.user_id.as_deref() == Some(who.user_id.as_str());
    let admin = who.kind == TokenKind::User
        && workspace::user(db, &who.user_id).await?.is_some_and(|u| u.is_admin || u.is_owner || u.is_primary_owner);
    if is_tombstone(&old) || !(own || admin) {
        return Err(SlackError::Code("cant_delete_message"));
    }
    let previous = conversations::render_message(db, &who.team_id, &old).await?;
    let is_parent = old.thread_ts.as_deref() == Some(old.ts.as_str());

    let mut tx = asym_store::begin_write(db).await?;
    reactions::delete_for_message(&mut *tx, &c.id, &old.ts).await?;
    crate::store::files::delete_message_shares(&mut *tx, &c.id, &old.ts).await?;
    if is_parent && old.reply_count > 0 {
        messages::tombstone(&mut *tx, &c.id, &old.ts).await?;
        let stone = messages::get(&mut *tx, &c.id, &old.ts).await?.ok_or(SlackError::Code("message_not_found"))?;
        let reply_users = messages::reply_users(&mut *tx, &c.id, &old.ts).await?;
        let message = objects::message(&stone, &who.team_id, &reply_users);
        changed(&mut tx, &who.team_id, &c, message, previous, &wire::now_ts()).await?;
    } else {
        messages::delete(&mut *tx, &c.id, &old.ts).await?;
        deleted(&mut tx, &who.team_id, &c, previous, &old.ts).await?;
        if let Some(root) = old.thread_ts.as_deref().filter(|t| *t != old.ts) {
            messages::recount_thread(&mut *tx, &c.id, root).await?;
            if let Some(parent) = messages::get(&mut *tx, &c.id, root).await?
                && is_tombstone(&parent)
                && parent.reply_count == 0
            {
                messages::delete(&mut *tx, &c.id, root).await?;
                let stone = objects::message(&parent, &who.team_id, &[]);
                deleted(&mut tx, &who.team_id, &c, stone, root).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(json!({ "channel": c.id, "ts": old.ts }))
}

/// `https://<domain>.slack.com/archives/<channel>/p<ts without its dot>`, with
/// `?thread_ts=…&cid=…` for a thread reply.
pub fn permalink(domain: &str, m: &MessageRow) -> String {
    let base = format!("https://{domain}.slack.com/archives/{}/p{}", m.channel_id, m.ts.replace('.', ""));
    match m.thread_ts.as_deref() {
        Some(root) if root != m.ts => format!("{base}?thread_ts={root}&cid={}", m.channel_id),
        _ => base,
    }
}

pub async fn team_domain(db: &Pool, who: &Principal) -> SlackResult<String> {
    Ok(workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?.domain)
}

/// chat.getPermalink: needs no scope, only sight of the conversation.
pub async fn get_permalink(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (c, m) = target(db, who, args.str("channel"), args.str("message_ts")).await?;
    let domain = team_domain(db, who).await?;
    Ok(json!({ "channel": c.id, "permalink": permalink(&domain, &m) }))
}
