//! Listing and reading conversations, with Slack's visibility rule: private
//! channels, DMs and group DMs exist only for their members.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::Principal;
use crate::objects;
use crate::store::channels::{self, ChannelKinds, ChannelRow};
use crate::store::messages;
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

pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let types = args.list("types");
    let mut kinds = ChannelKinds::default();
    let mut scopes = Vec::new();
    for t in if types.is_empty() { vec!["public_channel".to_string()] } else { types } {
        match t.as_str() {
            "public_channel" => (kinds.public, scopes) = (true, [scopes, vec!["channels:read"]].concat()),
            "private_channel" => (kinds.private, scopes) = (true, [scopes, vec!["groups:read"]].concat()),
            "im" => (kinds.im, scopes) = (true, [scopes, vec!["im:read"]].concat()),
            "mpim" => (kinds.mpim, scopes) = (true, [scopes, vec!["mpim:read"]].concat()),
            _ => return Err(SlackError::InvalidArguments { messages: vec![format!("[ERROR] unknown type: {t}")] }),
        }
    }
    for s in &scopes {
        who.require_any(&[s])?;
    }
    let limit = wire::limit(args, 100, 1000)?;
    let after = match args.str("cursor") {
        Some(c) => wire::decode_cursor("channel", &c)?,
        None => String::new(),
    };
    let exclude_archived = args.bool("exclude_archived").unwrap_or(false);
    let mut rows = channels::page(db, &who.team_id, &who.user_id, &kinds, exclude_archived, &after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|c| wire::encode_cursor("channel", &c.id)).unwrap_or_default() } else { String::new() };
    let mut out = Vec::with_capacity(rows.len());
    for c in &rows {
        let member = channels::is_member(db, &c.id, &who.user_id).await?;
        let peer = if c.is_im { channels::im_peer(db, &c.id, &who.user_id).await? } else { None };
        out.push(objects::channel(c, member, peer.as_deref()));
    }
    Ok(json!({ "channels": out, "response_metadata": { "next_cursor": next } }))
}

pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let id = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, member) = visible(db, who, &id).await?;
    who.require_any(&[read_scope(&c)])?;
    let peer = if c.is_im { channels::im_peer(db, &c.id, &who.user_id).await? } else { None };
    let mut v = objects::channel(&c, member, peer.as_deref());
    if args.bool("include_num_members") != Some(true) && !c.is_im {
        v.as_object_mut().map(|o| o.remove("num_members"));
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
        let reply_users = if m.reply_count > 0 { messages::reply_users(db, &c.id, &m.ts).await? } else { Vec::new() };
        out.push(objects::message(m, &who.team_id, &reply_users));
    }
    let mut body = json!({ "messages": out, "has_more": more, "pin_count": 0, "channel_actions_ts": null, "channel_actions_count": 0 });
    if more && let Some(last) = rows.last() {
        body["response_metadata"] = json!({ "next_cursor": wire::encode_cursor("next_ts", &last.ts) });
    }
    Ok(body)
}
