//! Do Not Disturb: dnd.info, dnd.teamInfo, dnd.setSnooze, dnd.endSnooze,
//! dnd.endDnd. The clone keeps no notification schedule, so a member is in DND
//! exactly while a snooze they set runs: `dnd_enabled` is true and
//! `next_dnd_start_ts` / `next_dnd_end_ts` bound the snooze; otherwise both are 1,
//! as Slack shows a member without a schedule. Changes announce `dnd_updated`
//! (to the member's own apps) and `dnd_updated_user` (to everyone).

use std::collections::HashMap;

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::model::auth::{Principal, TokenKind};
use crate::store::people::{self, DndRow};
use crate::store::workspace;
use crate::wire::{self, Args};

/// The longest snooze the clone grants; longer asks answer Slack's `too_long`.
const MAX_SNOOZE_MINUTES: i64 = 24 * 60;

fn active(row: Option<&DndRow>, now: i64) -> Option<&DndRow> {
    row.filter(|r| r.snooze_end > now)
}

/// The fields every member's DND status has.
fn status(row: Option<&DndRow>, now: i64) -> Value {
    match active(row, now) {
        Some(r) => json!({ "dnd_enabled": true, "next_dnd_start_ts": r.snooze_start, "next_dnd_end_ts": r.snooze_end }),
        None => json!({ "dnd_enabled": false, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1 }),
    }
}

/// The caller's own status, with the snooze fields.
fn own_status(row: Option<&DndRow>, now: i64) -> Value {
    let mut v = status(row, now);
    match active(row, now) {
        Some(r) => {
            v["snooze_enabled"] = json!(true);
            v["snooze_endtime"] = json!(r.snooze_end);
            v["snooze_remaining"] = json!(r.snooze_end - now);
            v["snooze_is_indefinite"] = json!(false);
        }
        None => v["snooze_enabled"] = json!(false),
    }
    v
}

fn user_only(who: &Principal) -> SlackResult<()> {
    if who.kind == TokenKind::Bot { Err(SlackError::Code("not_allowed_token_type")) } else { Ok(()) }
}

/// dnd.info: the caller's status, or `user`'s (without the snooze details).
pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["dnd:read"])?;
    let now = wire::now_secs();
    let id = args.str("user").unwrap_or_else(|| who.user_id.clone());
    let u = workspace::user(db, &id).await?.filter(|u| u.team_id == who.team_id).ok_or(SlackError::UserNotFound)?;
    let row = people::dnd(db, &u.id).await?;
    Ok(if u.id == who.user_id { own_status(row.as_ref(), now) } else { status(row.as_ref(), now) })
}

/// dnd.teamInfo: the status of each of `users` (comma-separated, required).
pub async fn team_info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["dnd:read"])?;
    let ids = args.list("users");
    if ids.is_empty() {
        return Err(SlackError::Code("no_users_provided"));
    }
    let now = wire::now_secs();
    let rows: HashMap<String, DndRow> = people::team_dnd(db, &who.team_id).await?.into_iter().map(|r| (r.user_id.clone(), r)).collect();
    let mut users = serde_json::Map::new();
    for id in ids {
        let known = workspace::user(db, &id).await?.is_some_and(|u| u.team_id == who.team_id);
        if !known {
            return Err(SlackError::Code("user_not_visible"));
        }
        let v = status(rows.get(&id), now);
        users.insert(id, v);
    }
    Ok(json!({ "users": users }))
}

async fn announce(conn: &mut sqlx::AnyConnection, who: &Principal, row: Option<&DndRow>, now: i64) -> SlackResult<()> {
    let event_ts = wire::now_ts();
    let mut own = json!({ "type": "dnd_updated", "user": who.user_id, "dnd_status": own_status(row, now), "event_ts": event_ts });
    if let Some(o) = own["dnd_status"].as_object_mut() {
        o.remove("snooze_is_indefinite");
    }
    own[events::FOR_USER] = json!(who.user_id);
    events::emit(&mut *conn, &who.team_id, own).await?;
    let everyone = json!({ "type": "dnd_updated_user", "user": who.user_id, "dnd_status": status(row, now), "event_ts": event_ts });
    events::emit(&mut *conn, &who.team_id, everyone).await?;
    Ok(())
}

/// dnd.setSnooze: snoozes (or re-snoozes) for `num_minutes` from now.
pub async fn set_snooze(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["dnd:write"])?;
    let minutes = match args.int("num_minutes") {
        Ok(Some(n)) if n > 0 => n,
        Ok(None) => return Err(SlackError::Code("missing_duration")),
        _ => return Err(SlackError::Code("snooze_failed")),
    };
    if minutes > MAX_SNOOZE_MINUTES {
        return Err(SlackError::Code("too_long"));
    }
    let now = wire::now_secs();
    let end = now + minutes * 60;
    let mut tx = asym_store::begin_write(db).await?;
    people::set_snooze(&mut *tx, &who.team_id, &who.user_id, now, end, now).await?;
    let row = DndRow { user_id: who.user_id.clone(), snooze_start: now, snooze_end: end };
    announce(&mut tx, who, Some(&row), now).await?;
    tx.commit().await?;
    Ok(json!({ "snooze_enabled": true, "snooze_endtime": end, "snooze_remaining": end - now, "snooze_is_indefinite": false }))
}

/// dnd.endSnooze: `snooze_not_active` unless a snooze runs.
pub async fn end_snooze(db: &Pool, who: &Principal) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["dnd:write"])?;
    let now = wire::now_secs();
    let mut tx = asym_store::begin_write(db).await?;
    let row = people::dnd(&mut *tx, &who.user_id).await?;
    if active(row.as_ref(), now).is_none() {
        return Err(SlackError::Code("snooze_not_active"));
    }
    people::set_snooze(&mut *tx, &who.team_id, &who.user_id, 0, 0, now).await?;
    announce(&mut tx, who, None, now).await?;
    tx.commit().await?;
    let mut v = status(None, now);
    v["snooze_enabled"] = json!(false);
    Ok(v)
}

/// dnd.endDnd: ends the current DND session, if any.
pub async fn end_dnd(db: &Pool, who: &Principal) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["dnd:write"])?;
    let now = wire::now_secs();
    let mut tx = asym_store::begin_write(db).await?;
    let row = people::dnd(&mut *tx, &who.user_id).await?;
    if active(row.as_ref(), now).is_some() {
        people::set_snooze(&mut *tx, &who.team_id, &who.user_id, 0, 0, now).await?;
        announce(&mut tx, who, None, now).await?;
    }
    tx.commit().await?;
    Ok(json!({}))
}
