//! Workspace administration read by admins and owners with the `admin` scope:
//! team.accessLogs (sign-ins through the web login and OAuth approvals),
//! team.billableInfo (every member; deactivated ones are not billed),
//! team.integrationLogs (apps added, installed with OAuth and uninstalled) and
//! migration.exchange (the clone's workspace is never on Enterprise Grid).

use asym_store::Pool;
use serde_json::{Map, Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::{Principal, TokenKind};
use crate::store::{oauth, workspace};
use crate::wire::{self, Args};

/// Slack's page limits for the `count`/`page` methods.
const MAX_COUNT: i64 = 1000;
const MAX_PAGE: i64 = 100;

/// The caller must be a workspace admin or owner acting with a user token.
async fn admin(db: &Pool, who: &Principal) -> SlackResult<()> {
    who.require_any(&["admin"])?;
    if who.kind == TokenKind::Bot {
        return Err(SlackError::Code("not_allowed_token_type"));
    }
    let me = workspace::user(db, &who.user_id).await?.ok_or(SlackError::InvalidAuth)?;
    if !(me.is_admin || me.is_owner) {
        return Err(SlackError::Code("no_permission"));
    }
    Ok(())
}

/// `count` (default 100, at most 1000) and `page` (from 1, at most 100).
fn paging(args: &Args) -> SlackResult<(i64, i64)> {
    let count = match args.int("count")? {
        None | Some(0) => 100,
        Some(n) if n < 0 => return Err(SlackError::Code("invalid_arguments")),
        Some(n) => n.min(MAX_COUNT),
    };
    let page = match args.int("page")? {
        None | Some(0) => 1,
        Some(n) if n < 0 => return Err(SlackError::Code("invalid_arguments")),
        Some(n) if n > MAX_PAGE => return Err(SlackError::Code("over_pagination_limit")),
        Some(n) => n,
    };
    Ok((count, page))
}

fn paging_json(count: i64, total: i64, page: i64) -> Value {
    let pages = if total == 0 { 1 } else { (total + count - 1) / count };
    json!({ "count": count, "total": total, "page": page, "pages": pages })
}

/// team.accessLogs: `before` (Unix time, default now), `count`, `page`.
pub async fn access_logs(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    admin(db, who).await?;
    let (count, page) = paging(args)?;
    let before = match args.str("before").as_deref() {
        None | Some("now") => i64::MAX,
        Some(_) => args.int("before")?.unwrap_or(i64::MAX),
    };
    let total = oauth::count_access_logs(db, &who.team_id, before).await?;
    let rows = oauth::access_logs(db, &who.team_id, before, count, (page - 1) * count).await?;
    let logins: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "user_id": r.user_id,
                "username": r.username,
                "date_first": r.date_first,
                "date_last": r.date_last,
                "count": r.count,
                "ip": r.ip,
                "user_agent": r.user_agent,
                "isp": "",
                "country": "",
                "region": "",
            })
        })
        .collect();
    Ok(json!({ "logins": logins, "paging": paging_json(count, total, page) }))
}

/// team.billableInfo: `user` (one member), or every member a page at a time
/// (`limit`, `cursor`).
pub async fn billable_info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    admin(db, who).await?;
    let billed = |u: &workspace::UserRow| json!({ "billing_active": !u.deleted });
    if let Some(id) = args.str("user") {
        let u = workspace::user(db, &id).await?.filter(|u| u.team_id == who.team_id && !u.is_bot).ok_or(SlackError::UserNotFound)?;
        return Ok(json!({ "billable_info": { u.id.clone(): billed(&u) } }));
    }
    let limit = wire::limit(args, 1000, 1000)?;
    let after = match args.str("cursor") {
        Some(c) => wire::decode_cursor("user", &c)?,
        None => String::new(),
    };
    let mut info = Map::new();
    let mut last = after.clone();
    let mut more = false;
    // Bots are not billed, so pages of users are read until `limit` people are found.
    loop {
        let rows = workspace::users_page(db, &who.team_id, &last, limit + 1).await?;
        let exhausted = (rows.len() as i64) <= limit;
        for u in &rows {
            if info.len() as i64 == limit {
                more = true;
                break;
            }
            last = u.id.clone();
            if !u.is_bot {
                info.insert(u.id.clone(), billed(u));
            }
        }
        if more || exhausted {
            break;
        }
    }
    let next = if more { wire::encode_cursor("user", &last) } else { String::new() };
    Ok(json!({ "billable_info": info, "response_metadata": { "next_cursor": next } }))
}

/// team.integrationLogs: filtered by `app_id`, `user`, `change_type`; `count`, `page`.
pub async fn integration_logs(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    admin(db, who).await?;
    let (count, page) = paging(args)?;
    let change_type = args.str("change_type").unwrap_or_default();
    if !change_type.is_empty() && !["added", "removed", "enabled", "disabled", "expanded", "updated"].contains(&change_type.as_str()) {
        return Err(SlackError::Code("invalid_arguments"));
    }
    let (rows, total) = oauth::integration_logs(
        db,
        &who.team_id,
        &args.str("app_id").unwrap_or_default(),
        &args.str("user").unwrap_or_default(),
        &change_type,
        count,
        (page - 1) * count,
    )
    .await?;
    let logs: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut v = json!({
                "app_id": r.app_id,
                "app_type": r.app_type,
                "user_id": r.user_id,
                "user_name": r.user_name,
                "date": r.date.to_string(),
                "change_type": r.change_type,
                "scope": r.scope,
            });
            if let Some(reason) = &r.reason {
                v["reason"] = json!(reason);
            }
            v
        })
        .collect();
    Ok(json!({ "logs": logs, "paging": paging_json(count, total, page) }))
}

/// migration.exchange: maps user ids between a workspace and its Enterprise Grid
/// org. The clone's workspaces are standalone, so Slack's answer is
/// `not_enterprise_team` once the arguments check out.
pub async fn migration_exchange(_db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["tokens.basic"])?;
    let users = args.list("users");
    if users.is_empty() {
        return Err(SlackError::InvalidArguments { messages: vec!["[ERROR] missing required field: users".into()] });
    }
    if users.len() > 400 {
        return Err(SlackError::Code("too_many_users"));
    }
    Err(SlackError::Code("not_enterprise_team"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[(&str, &str)]) -> Args {
        Args(v.iter().map(|(k, v)| (k.to_string(), json!(v))).collect())
    }

    #[test]
    fn paging_defaults_clamps_and_refuses_deep_pages() {
        assert_eq!(paging(&args(&[])).unwrap(), (100, 1));
        assert_eq!(paging(&args(&[("count", "5000"), ("page", "3")])).unwrap(), (1000, 3));
        assert_eq!(paging(&args(&[("page", "101")])).unwrap_err().code(), "over_pagination_limit");
        assert_eq!(paging_json(2, 5, 1), json!({ "count": 2, "total": 5, "page": 1, "pages": 3 }));
        assert_eq!(paging_json(100, 0, 1)["pages"], 1);
    }
}
