//! Listing and reading conversations, with Slack's visibility rule: private
//! channels, DMs and group DMs exist only for their members.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::Principal;
use crate::objects;
use crate::store::channels::{self, ChannelKinds, ChannelRow};
use crate::store::conversations as store;
use crate::store::messages::{self, MessageRow};
use crate::wire::{self, Args};

/// Read scopes for a kind of conversation, as Slack names them.
pub fn read_scope(c: &ChannelRow) -> &'static str {
    if c.is_im {
        "im:read"
    } else if c.is_mpim {
        "mpim:read"
    } else if c.is_private {
        "groups:read"
    } else {
        "channels:read"
    }
}

pub fn history_scope(c: &ChannelRow) -> &'static str {
    if c.is_im {
        "im:history"
    } else if c.is_mpim {
        "mpim:history"
    } else if c.is_private {
        "groups:history"
    } else {
        "channels:history"
    }
}

/// The channel if `who` may see it; otherwise `channel_not_found`, as Slack hides
/// private conversations from non-members.
pub async fn visible(db: &Pool, who: &Principal, id: &str) -> SlackResult<(ChannelRow, bool)> {
    let c = channels::get(db, id).await?.filter(|c| c.team_id == who.team_id).ok_or(SlackError::ChannelNotFound)?;
    let member = channels::is_member(db, &c.id, &who.user_id).await?;
    if (c.is_private || c.is_im || c.is_mpim) && !member {
        return Err(SlackError::ChannelNotFound);
    }
    Ok((c, member))
}

/// Write scopes for a kind of conversation. Bot tokens manage public channels with
/// `channels:manage` (or the older `channels:write`), user tokens with `channels:write`.
pub fn write_scopes(who: &Principal, c: &ChannelRow) -> &'static [&'static str] {
    if c.is_im {
        &["im:write"]
    } else if c.is_mpim {
        &["mpim:write"]
    } else if c.is_private {
        &["groups:write"]
    } else {
        public_write_scopes(who)
    }
}

pub fn public_write_scopes(who: &Principal) -> &'static [&'static str] {
    match who.kind {
        crate::model::auth::TokenKind::Bot => &["channels:manage", "channels:write"],
        crate::model::auth::TokenKind::User => &["channels:write"],
    }
}

/// How much of the viewer's own state a rendering shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// conversations.list, users.conversations: no read cursor.
    Listing,
    /// conversations.info, create, join, invite, rename, setTopic…: the viewer's
    /// `last_read` (and `is_open` for DMs and group DMs) when a member.
    Full,
}

/// The conversation object as `who` sees it.
pub async fn render(db: &Pool, who: &Principal, c: &ChannelRow, detail: Detail) -> SlackResult<Value> {
    let state = store::member_state(db, &c.id, &who.user_id).await?;
    let peer = if c.is_im { channels::im_peer(db, &c.id, &who.user_id).await?.or_else(|| Some(who.user_id.clone())) } else { None };
    let mut view = objects::ChannelView::default();
    if !c.is_im {
        view.previous_names = store::previous_names(db, &c.id).await?;
    }
    if detail == Detail::Full
        && let Some(s) = &state
    {
        view.last_read = Some(s.last_read.clone());
        view.is_open = Some(s.is_open);
    }
    Ok(objects::conversation(c, state.is_some(), peer.as_deref(), &view))
}

/// Re-reads a conversation after a change and renders it in full.
pub async fn render_fresh(db: &Pool, who: &Principal, id: &str) -> SlackResult<Value> {
    let c = channels::get(db, id).await?.ok_or(SlackError::ChannelNotFound)?;
    render(db, who, &c, Detail::Full).await
}

pub fn without(mut v: Value, keys: &[&str]) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in keys {
            o.remove(*k);
        }
    }
    v
}

/// A message as history and replies render it, with its subtype's extra fields.
pub async fn render_message(db: &Pool, team_id: &str, m: &MessageRow) -> SlackResult<Value> {
    let reply_users = if m.reply_count > 0 { messages::reply_users(db, &m.channel_id, &m.ts).await? } else { Vec::new() };
    let fields = match &m.subtype {
        Some(_) => store::message_fields(db, &m.channel_id, &m.ts).await?.and_then(|f| serde_json::from_str::<Value>(&f).ok()),
        None => None,
    };
    Ok(objects::message_with_fields(m, team_id, &reply_users, fields.as_ref()))
}

/// `types=public_channel,private_channel,im,mpim` and the read scopes they need;
/// `unknown` names the error for any other type.
fn kinds(who: &Principal, args: &Args, unknown: impl Fn(&str) -> SlackError) -> SlackResult<ChannelKinds> {
    let types = args.list("types");
    let mut kinds = ChannelKinds::default();
    let mut scopes = Vec::new();
    for t in if types.is_empty() { vec!["public_channel".to_string()] } else { types } {
        match t.as_str() {
            "public_channel" => (kinds.public, scopes) = (true, [scopes, vec!["channels:read"]].concat()),
            "private_channel" => (kinds.private, scopes) = (true, [scopes, vec!["groups:read"]].concat()),
            "im" => (kinds.im, scopes) = (true, [scopes, vec!["im:read"]].concat()),
            "mpim" => (kinds.mpim, scopes) = (true, [scopes, vec!["mpim:read"]].concat()),
            _ => return Err(unknown(&t)),
        }
    }
    for s in &scopes {
        who.require_any(&[s])?;
    }
    Ok(kinds)
}

pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let kinds = kinds(who, args, |t| SlackError::InvalidArguments { messages: vec![format!("[ERROR] unknown type: {t}")] })?;
    let limit = wire::limit(args, 100, 1000)?;
    let after = match args.str("cursor") {
        Some(c) => wire::decode_cursor("channel", &c)?,
        None => String::new(),
    };
    let exclude_archived = args.bool("exclude_archived").unwrap_or(false);
    let mut rows = channels::page(db, &who.team_id, &who.user_id, None, &kinds, exclude_archived, &after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|c| wire::encode_cursor("channel", &c.id)).unwrap_or_default() } else { String::new() };
    let mut out = Vec::with_capacity(rows.len());
    for c in &rows {
        out.push(render(db, who, c, Detail::Listing).await?);
    }
    Ok(json!({ "channels": out, "response_metadata": { "next_cursor": next } }))
}

pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let id = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, member) = visible(db, who, &id).await?;
    who.require_any(&[read_scope(&c)])?;
    let mut v = render(db, who, &c, Detail::Full).await?;
    let with_count = args.bool("include_num_members") == Some(true);
    if let Some(o) = v.as_object_mut() {
        if c.is_im {
            // A DM shows its newest message and what is unread for the viewer.
            let last_read = o.get("last_read").and_then(Value::as_str).unwrap_or("0000000000.000000").to_string();
            let latest = messages::history(db, &c.id, "0000000000.000000", "9999999999.999999", false, 1).await?;
            let latest = match latest.first() {
                Some(m) => render_message(db, &who.team_id, m).await?,
                None => Value::Null,
            };
            let unread = if member { store::unread_count(db, &c.id, &last_read).await? } else { 0 };
            o.insert("latest".into(), latest);
            o.insert("unread_count".into(), Value::from(unread));
            o.insert("unread_count_display".into(), Value::from(unread));
            if with_count {
                o.insert("num_members".into(), Value::from(c.num_members));
            }
        } else if !with_count {
            o.remove("num_members");
        }
    }
    Ok(json!({ "channel": v }))
}

pub async fn history(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let id = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, member) = visible(db, who, &id).await?;
    who.require_any(&[history_scope(&c)])?;
    if !member && who.kind == crate::model::auth::TokenKind::Bot {
        return Err(SlackError::NotInChannel);
    }
    let limit = wire::limit(args, 100, 999)?;
    let oldest = match args.str("oldest") {
        Some(o) => wire::normalize_ts(&o).ok_or(SlackError::InvalidTsOldest)?,
        None => "0000000000.000000".into(),
    };
    let mut latest = match args.str("latest") {
        Some(l) => wire::normalize_ts(&l).ok_or(SlackError::InvalidTsLatest)?,
        None => "9999999999.999999".into(),
    };
    let mut inclusive = args.bool("inclusive").unwrap_or(false);
    if let Some(cursor) = args.str("cursor") {
        latest = wire::decode_cursor("next_ts", &cursor)?;
        inclusive = false;
    }
    let mut rows = messages::history(db, &c.id, &oldest, &latest, inclusive, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let mut out = Vec::with_capacity(rows.len());
    for m in &rows {
        out.push(render_message(db, &who.team_id, m).await?);
    }
    crate::model::files::attach(db, who, &c.id, &mut out).await?;
    let pin_count = messages::pin_count(db, &c.id).await?;
    let mut body =
        json!({ "messages": out, "has_more": more, "pin_count": pin_count, "channel_actions_ts": null, "channel_actions_count": 0 });
    if more && let Some(last) = rows.last() {
        body["response_metadata"] = json!({ "next_cursor": wire::encode_cursor("next_ts", &last.ts) });
    }
    Ok(body)
}

/// conversations.replies: the thread's parent first, then its replies oldest
/// first. Every page starts with the parent, as Slack's does; `oldest`, `latest`
/// and the cursor bound the replies.
pub async fn replies(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let id = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, member) = visible(db, who, &id).await?;
    who.require_any(&[history_scope(&c)])?;
    if !member && who.kind == crate::model::auth::TokenKind::Bot {
        return Err(SlackError::NotInChannel);
    }
    let ts = args.str("ts").and_then(|t| wire::normalize_ts(&t)).ok_or(SlackError::ThreadNotFound)?;
    let found = messages::get(db, &c.id, &ts).await?.ok_or(SlackError::ThreadNotFound)?;
    // A reply's ts names its whole thread.
    let parent = match &found.thread_ts {
        Some(root) if *root != found.ts => messages::get(db, &c.id, root).await?.ok_or(SlackError::ThreadNotFound)?,
        _ => found,
    };
    let limit = wire::limit(args, 1000, 1000)?;
    let oldest = match args.str("oldest") {
        Some(o) => wire::normalize_ts(&o).ok_or(SlackError::InvalidTsOldest)?,
        None => "0000000000.000000".into(),
    };
    let latest = match args.str("latest") {
        Some(l) => wire::normalize_ts(&l).ok_or(SlackError::InvalidTsLatest)?,
        None => "9999999999.999999".into(),
    };
    let inclusive = args.bool("inclusive").unwrap_or(false);
    let after = match args.str("cursor") {
        Some(cursor) => wire::decode_cursor("next_ts", &cursor)?,
        None => String::new(),
    };
    let mut rows = if parent.thread_ts.is_some() {
        store::thread_replies(db, &c.id, &parent.ts, &after, &oldest, &latest, inclusive, limit + 1).await?
    } else {
        Vec::new()
    };
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let mut out = Vec::with_capacity(rows.len() + 1);
    out.push(render_message(db, &who.team_id, &parent).await?);
    for m in &rows {
        out.push(render_message(db, &who.team_id, m).await?);
    }
    crate::model::files::attach(db, who, &c.id, &mut out).await?;
    let mut body = json!({ "messages": out, "has_more": more });
    if more && let Some(last) = rows.last() {
        body["response_metadata"] = json!({ "next_cursor": wire::encode_cursor("next_ts", &last.ts) });
    }
    Ok(body)
}

/// conversations.members: member ids in id order, cursor-paginated.
pub async fn members(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let id = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, _) = visible(db, who, &id).await?;
    who.require_any(&[read_scope(&c)])?;
    let limit = wire::limit(args, 100, 1000)?;
    let after = match args.str("cursor") {
        Some(cursor) => wire::decode_cursor("user", &cursor)?,
        None => String::new(),
    };
    let mut ids = store::members_page(db, &c.id, &after, limit + 1).await?;
    let more = ids.len() as i64 > limit;
    ids.truncate(limit as usize);
    let next = if more { ids.last().map(|u| wire::encode_cursor("user", u)).unwrap_or_default() } else { String::new() };
    Ok(json!({ "members": ids, "response_metadata": { "next_cursor": next } }))
}

/// users.conversations: the conversations `user` (default: the caller) belongs to
/// that the caller may see.
pub async fn users_conversations(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let kinds = kinds(who, args, |_| SlackError::Code("invalid_types"))?;
    let member = match args.str("user") {
        Some(u) => crate::store::workspace::user(db, &u).await?.filter(|x| x.team_id == who.team_id).ok_or(SlackError::UserNotFound)?.id,
        None => who.user_id.clone(),
    };
    let limit = wire::limit(args, 100, 999)?;
    let after = match args.str("cursor") {
        Some(c) => wire::decode_cursor("channel", &c)?,
        None => String::new(),
    };
    let exclude_archived = args.bool("exclude_archived").unwrap_or(false);
    let mut rows = channels::page(db, &who.team_id, &who.user_id, Some(&member), &kinds, exclude_archived, &after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|c| wire::encode_cursor("channel", &c.id)).unwrap_or_default() } else { String::new() };
    let mut out = Vec::with_capacity(rows.len());
    for c in &rows {
        out.push(without(render(db, who, c, Detail::Listing).await?, &["is_member", "num_members"]));
    }
    Ok(json!({ "channels": out, "response_metadata": { "next_cursor": next } }))
}
