//! Direct messages and group DMs (conversations.open, conversations.close) and
//! read cursors (conversations.mark).

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::ids;
use crate::model::auth::Principal;
use crate::model::conversations::{Detail, render, visible, write_scopes};
use crate::store::channels::{self, ChannelRow};
use crate::store::conversations as store;
use crate::store::workspace;
use crate::wire::{self, Args};

/// A group DM holds the caller and at most eight others.
const MAX_MPIM_OTHERS: usize = 8;

/// conversations.open: `users` names one user (a DM, reused when it exists) or
/// several (a group DM with the caller); `channel` reopens a DM or group DM.
pub async fn open(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let users = args.list("users");
    let return_im = args.bool("return_im").unwrap_or(false);
    let prevent_creation = args.bool("prevent_creation").unwrap_or(false);
    let channel = args.str("channel");
    if channel.is_some() && !users.is_empty() {
        return Err(SlackError::InvalidArguments { messages: vec!["[ERROR] provide either channel or users, not both".into()] });
    }
    if let Some(id) = channel {
        let (c, _) = visible(db, who, &id).await?;
        if !c.is_im && !c.is_mpim {
            return Err(SlackError::Code("method_not_supported_for_channel_type"));
        }
        who.require_any(write_scopes(who, &c))?;
        return reopen(db, who, &c, return_im).await;
    }
    if users.is_empty() {
        return Err(SlackError::Code("users_list_not_supplied"));
    }
    // The caller is always in the conversation; the others keep the order given.
    let mut others: Vec<String> = Vec::new();
    for u in users {
        if u != who.user_id && !others.contains(&u) {
            others.push(u);
        }
    }
    if others.len() > MAX_MPIM_OTHERS {
        return Err(SlackError::Code("too_many_users"));
    }
    let mut names = Vec::with_capacity(others.len());
    for u in &others {
        let row = workspace::user(db, u).await?.filter(|x| x.team_id == who.team_id).ok_or(SlackError::UserNotFound)?;
        if row.deleted {
            return Err(SlackError::Code("user_disabled"));
        }
        names.push(row.name);
    }
    if others.len() <= 1 {
        who.require_any(&["im:write"])?;
        let peer = others.first().cloned().unwrap_or_else(|| who.user_id.clone());
        if let Some(id) = store::find_im(db, &who.team_id, &who.user_id, &peer).await? {
            let c = channels::get(db, &id).await?.ok_or(SlackError::ChannelNotFound)?;
            return reopen(db, who, &c, return_im).await;
        }
        if prevent_creation {
            return Err(SlackError::ChannelNotFound);
        }
        let c = new_conversation(who, 'D', None, String::new());
        let c = ChannelRow { is_im: true, ..c };
        let mut tx = asym_store::begin_write(db).await?;
        channels::insert(&mut *tx, &c).await?;
        channels::add_member(&mut *tx, &c.id, &who.user_id, c.created).await?;
        channels::add_member(&mut *tx, &c.id, &peer, c.created).await?;
        let im = crate::objects::channel(&c, true, Some(&peer));
        events::emit(
            &mut *tx,
            &who.team_id,
            json!({ "type": "im_created", "user": who.user_id, "channel": im, "event_ts": wire::now_ts() }),
        )
        .await?;
        tx.commit().await?;
        return respond(db, who, &c.id, return_im, None).await;
    }
    who.require_any(&["mpim:write"])?;
    let me = workspace::user(db, &who.user_id).await?.ok_or(SlackError::InvalidAuth)?;
    let mut members = vec![who.user_id.clone()];
    members.extend(others.iter().cloned());
    if let Some(id) = store::find_mpim(db, &who.team_id, &members).await? {
        let c = channels::get(db, &id).await?.ok_or(SlackError::ChannelNotFound)?;
        return reopen(db, who, &c, return_im).await;
    }
    if prevent_creation {
        return Err(SlackError::ChannelNotFound);
    }
    let mut all_names = vec![me.name.clone()];
    all_names.extend(names);
    let purpose = format!("Group messaging with: {}", all_names.iter().map(|n| format!("@{n}")).collect::<Vec<_>>().join(" "));
    let base = format!("mpdm-{}", all_names.join("--"));
    let mut tx = asym_store::begin_write(db).await?;
    let mut n = 1;
    while store::name_taken(&mut *tx, &who.team_id, &format!("{base}-{n}")).await? {
        n += 1;
    }
    let c = new_conversation(who, 'G', Some(format!("{base}-{n}")), purpose);
    let c = ChannelRow { is_mpim: true, is_private: true, ..c };
    channels::insert(&mut *tx, &c).await?;
    for m in &members {
        channels::add_member(&mut *tx, &c.id, m, c.created).await?;
    }
    events::emit(&mut *tx, &who.team_id, json!({ "type": "group_open", "user": who.user_id, "channel": c.id })).await?;
    tx.commit().await?;
    respond(db, who, &c.id, return_im, None).await
}

fn new_conversation(who: &Principal, prefix: char, name: Option<String>, purpose: String) -> ChannelRow {
    let now = wire::now_secs();
    let has_purpose = !purpose.is_empty();
    ChannelRow {
        id: ids::random(prefix),
        team_id: who.team_id.clone(),
        name,
        is_private: false,
        is_im: false,
        is_mpim: false,
        is_general: false,
        is_archived: false,
        creator: who.user_id.clone(),
        topic: String::new(),
        topic_creator: String::new(),
        topic_last_set: 0,
        purpose,
        purpose_creator: if has_purpose { who.user_id.clone() } else { String::new() },
        purpose_last_set: if has_purpose { now } else { 0 },
        created: now,
        updated: now,
        num_members: 0,
    }
}

/// Opens an existing DM or group DM for the caller again (`already_open` when it is).
async fn reopen(db: &Pool, who: &Principal, c: &ChannelRow, return_im: bool) -> SlackResult<Value> {
    let state = store::member_state(db, &c.id, &who.user_id).await?.ok_or(SlackError::ChannelNotFound)?;
    if state.is_open {
        return respond(db, who, &c.id, return_im, Some(json!({ "no_op": true, "already_open": true }))).await;
    }
    let mut tx = asym_store::begin_write(db).await?;
    store::set_open(&mut *tx, &c.id, &who.user_id, true).await?;
    let event = if c.is_im {
        json!({ "type": "im_open", "user": who.user_id, "channel": c.id, "event_ts": wire::now_ts() })
    } else {
        json!({ "type": "group_open", "user": who.user_id, "channel": c.id })
    };
    events::emit(&mut *tx, &who.team_id, event).await?;
    tx.commit().await?;
    respond(db, who, &c.id, return_im, None).await
}

/// `{"channel":{"id":…}}`, or the whole conversation with `return_im`.
async fn respond(db: &Pool, who: &Principal, id: &str, return_im: bool, flags: Option<Value>) -> SlackResult<Value> {
    let channel = if return_im {
        let c = channels::get(db, id).await?.ok_or(SlackError::ChannelNotFound)?;
        render(db, who, &c, Detail::Full).await?
    } else {
        json!({ "id": id })
    };
    let mut body = flags.unwrap_or_else(|| json!({}));
    body["channel"] = channel;
    Ok(body)
}

/// conversations.close: closes a DM or group DM for the caller.
pub async fn close(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let id = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, _) = visible(db, who, &id).await?;
    if !c.is_im && !c.is_mpim {
        return Err(SlackError::Code("method_not_supported_for_channel_type"));
    }
    who.require_any(write_scopes(who, &c))?;
    let state = store::member_state(db, &c.id, &who.user_id).await?.ok_or(SlackError::Code("user_does_not_own_channel"))?;
    if !state.is_open {
        return Ok(json!({ "no_op": true, "already_closed": true }));
    }
    let mut tx = asym_store::begin_write(db).await?;
    store::set_open(&mut *tx, &c.id, &who.user_id, false).await?;
    let event = if c.is_im {
        json!({ "type": "im_close", "user": who.user_id, "channel": c.id, "event_ts": wire::now_ts() })
    } else {
        json!({ "type": "group_close", "user": who.user_id, "channel": c.id })
    };
    events::emit(&mut *tx, &who.team_id, event).await?;
    tx.commit().await?;
    Ok(json!({}))
}

/// conversations.mark: moves the caller's read cursor to `ts`.
pub async fn mark(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let id = args.str("channel").ok_or(SlackError::ChannelNotFound)?;
    let (c, member) = visible(db, who, &id).await?;
    who.require_any(write_scopes(who, &c))?;
    if !member {
        return Err(SlackError::NotInChannel);
    }
    let ts = args.str("ts").and_then(|t| wire::normalize_ts(&t)).ok_or(SlackError::Code("invalid_timestamp"))?;
    let mut tx = asym_store::begin_write(db).await?;
    store::set_last_read(&mut *tx, &c.id, &who.user_id, &ts).await?;
    tx.commit().await?;
    Ok(json!({}))
}
