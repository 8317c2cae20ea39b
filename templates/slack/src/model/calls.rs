//! The Calls API: an app registers a call it hosts elsewhere (calls.add), reads and
//! edits it (calls.info, calls.update), ends it (calls.end) and tracks who is in
//! it (calls.participants.add/remove). A call belongs to the app that added it:
//! other apps get `invalid_call_id`. Participants are members (`slack_id`, which
//! must be in the workspace) or outsiders (`external_id`, `display_name`,
//! `avatar_url`).

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::ids;
use crate::model::auth::{Principal, TokenKind};
use crate::store::calls::{self, CallRow, ParticipantRow};
use crate::store::workspace;
use crate::wire::{Args, now_secs};

/// Slack's `call` object.
pub fn render(c: &CallRow, people: &[ParticipantRow]) -> Value {
    let mut v = json!({
        "id": c.id,
        "date_start": c.date_start,
        "external_unique_id": c.external_unique_id,
        "join_url": c.join_url,
    });
    if let Some(x) = &c.desktop_app_join_url {
        v["desktop_app_join_url"] = json!(x);
    }
    if let Some(x) = &c.external_display_id {
        v["external_display_id"] = json!(x);
    }
    if let Some(x) = &c.title {
        v["title"] = json!(x);
    }
    if let Some(end) = c.date_end {
        v["date_end"] = json!(end);
    }
    v["users"] = Value::Array(people.iter().map(user_json).collect());
    v
}

fn user_json(p: &ParticipantRow) -> Value {
    match &p.slack_id {
        Some(id) => json!({ "slack_id": id }),
        None => {
            let mut v = json!({ "external_id": p.external_id });
            if let Some(n) = &p.display_name {
                v["display_name"] = json!(n);
            }
            if let Some(a) = &p.avatar_url {
                v["avatar_url"] = json!(a);
            }
            v
        }
    }
}

/// Reads a `users` argument: a JSON array of `{slack_id}` or `{external_id,
/// display_name?, avatar_url?}` (a JSON string in forms).
pub fn parse_users(raw: Option<Value>) -> SlackResult<Vec<ParticipantRow>> {
    let invalid = || SlackError::InvalidArguments { messages: vec!["[ERROR] users must be an array of user objects".into()] };
    let Some(raw) = raw else { return Ok(Vec::new()) };
    let items = raw.as_array().ok_or_else(invalid)?;
    let mut out: Vec<ParticipantRow> = Vec::with_capacity(items.len());
    for item in items {
        let s = |k: &str| item.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from);
        let p = match (s("slack_id"), s("external_id")) {
            (Some(id), _) => {
                ParticipantRow { participant: id.clone(), slack_id: Some(id), external_id: None, display_name: None, avatar_url: None }
            }
            (None, Some(ext)) => ParticipantRow {
                participant: format!("external:{ext}"),
                slack_id: None,
                external_id: Some(ext),
                display_name: s("display_name"),
                avatar_url: s("avatar_url"),
            },
            (None, None) => return Err(invalid()),
        };
        if !out.iter().any(|o| o.participant == p.participant) {
            out.push(p);
        }
    }
    Ok(out)
}

async fn check_members(db: &Pool, who: &Principal, people: &[ParticipantRow]) -> SlackResult<()> {
    for id in people.iter().filter_map(|p| p.slack_id.as_deref()) {
        workspace::user(db, id).await?.filter(|u| u.team_id == who.team_id && !u.deleted).ok_or(SlackError::UserNotFound)?;
    }
    Ok(())
}

fn users_arg(args: &Args) -> SlackResult<Option<Value>> {
    args.json("users").map_err(|_| SlackError::InvalidArguments { messages: vec!["[ERROR] users must be a JSON array".into()] })
}

/// The caller's own call (its app's, or the person's when no app is involved).
async fn own_call(db: &Pool, who: &Principal, args: &Args) -> SlackResult<CallRow> {
    let id = args.required("id")?;
    calls::get(db, &id)
        .await?
        .filter(|c| c.team_id == who.team_id && c.app_id == who.app_id.clone().unwrap_or_default())
        .ok_or(SlackError::Code("invalid_call_id"))
}

async fn reply(db: &Pool, c: &CallRow) -> SlackResult<Value> {
    let people = calls::participants(db, &c.id).await?;
    Ok(json!({ "call": render(c, &people) }))
}

/// calls.add.
pub async fn add(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["calls:write"])?;
    let external_unique_id = args.required("external_unique_id")?;
    let join_url = args.required("join_url")?;
    let created_by = match (args.str("created_by"), who.kind) {
        (Some(id), _) => id,
        (None, TokenKind::User) => who.user_id.clone(),
        (None, TokenKind::Bot) => return Err(SlackError::Code("invalid_created_by")),
    };
    workspace::user(db, &created_by)
        .await?
        .filter(|u| u.team_id == who.team_id && !u.deleted && !u.is_bot)
        .ok_or(SlackError::Code("invalid_created_by"))?;
    let now = now_secs();
    let date_start = match args.int("date_start").map_err(|_| SlackError::Code("invalid_start_time"))? {
        None => now,
        Some(t) if t <= 0 => return Err(SlackError::Code("invalid_start_time")),
        Some(t) => t,
    };
    let people = parse_users(users_arg(args)?)?;
    check_members(db, who, &people).await?;
    let call = CallRow {
        id: ids::random('R'),
        team_id: who.team_id.clone(),
        app_id: who.app_id.clone().unwrap_or_default(),
        created_by,
        external_unique_id,
        external_display_id: args.str("external_display_id"),
        join_url,
        desktop_app_join_url: args.str("desktop_app_join_url"),
        title: args.str("title"),
        date_start,
        date_end: None,
        created: now,
    };
    let mut tx = asym_store::begin_write(db).await?;
    calls::insert(&mut *tx, &call).await?;
    for p in &people {
        calls::add_participant(&mut *tx, &call.id, p).await?;
    }
    tx.commit().await?;
    Ok(json!({ "call": render(&call, &people) }))
}

/// calls.info.
pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["calls:read"])?;
    let call = own_call(db, who, args).await?;
    reply(db, &call).await
}

/// calls.update: `title`, `join_url`, `desktop_app_join_url`.
pub async fn update(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["calls:write"])?;
    let mut call = own_call(db, who, args).await?;
    if let Some(t) = args.str("title") {
        call.title = Some(t);
    }
    if let Some(u) = args.str("join_url") {
        call.join_url = u;
    }
    if let Some(u) = args.str("desktop_app_join_url") {
        call.desktop_app_join_url = Some(u);
    }
    let mut tx = asym_store::begin_write(db).await?;
    calls::update(&mut *tx, &call).await?;
    tx.commit().await?;
    reply(db, &call).await
}

/// calls.end: `duration` in seconds (else it ends now); once only.
pub async fn end(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["calls:write"])?;
    let mut call = own_call(db, who, args).await?;
    if call.date_end.is_some() {
        return Err(SlackError::Code("inactive_call"));
    }
    call.date_end = Some(match args.int("duration")? {
        Some(d) if d < 0 => return Err(SlackError::InvalidArguments { messages: vec!["[ERROR] duration must not be negative".into()] }),
        Some(d) => call.date_start + d,
        None => now_secs().max(call.date_start),
    });
    let mut tx = asym_store::begin_write(db).await?;
    calls::update(&mut *tx, &call).await?;
    tx.commit().await?;
    Ok(json!({}))
}

/// calls.participants.add / calls.participants.remove.
pub async fn participants(db: &Pool, who: &Principal, args: &Args, adding: bool) -> SlackResult<Value> {
    who.require_any(&["calls:write"])?;
    let people = parse_users(users_arg(args)?)?;
    if people.is_empty() {
        return Err(SlackError::Code("missing_argument"));
    }
    let call = own_call(db, who, args).await?;
    if call.date_end.is_some() {
        return Err(SlackError::Code("inactive_call"));
    }
    check_members(db, who, &people).await?;
    let present = calls::participants(db, &call.id).await?;
    let mut tx = asym_store::begin_write(db).await?;
    for p in &people {
        let there = present.iter().any(|x| x.participant == p.participant);
        if adding {
            if there {
                return Err(SlackError::Code("bad_users"));
            }
            calls::add_participant(&mut *tx, &call.id, p).await?;
        } else {
            calls::remove_participant(&mut *tx, &call.id, &p.participant).await?;
        }
    }
    tx.commit().await?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_arguments_name_members_or_outsiders() {
        let people = parse_users(Some(json!([
            { "slack_id": "U1" },
            { "external_id": "54321678", "display_name": "Kim", "avatar_url": "https://x/a.jpg" },
            { "slack_id": "U1" }
        ])))
        .unwrap();
        assert_eq!(people.len(), 2, "duplicates are dropped");
        assert_eq!(user_json(&people[0]), json!({ "slack_id": "U1" }));
        assert_eq!(user_json(&people[1]), json!({ "external_id": "54321678", "display_name": "Kim", "avatar_url": "https://x/a.jpg" }));
        assert!(parse_users(Some(json!([{ "display_name": "nobody" }]))).is_err());
        assert!(parse_users(Some(json!({ "slack_id": "U1" }))).is_err());
        assert!(parse_users(None).unwrap().is_empty());
    }
}
