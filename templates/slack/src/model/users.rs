//! Reading the workspace's people.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::Principal;
use crate::objects;
use crate::store::workspace;
use crate::wire::{self, Args};

pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users:read"])?;
    let limit = wire::limit(args, 0, 1000)?;
    let limit = if limit == 0 { 1000 } else { limit };
    let after = match args.str("cursor") {
        Some(c) => wire::decode_cursor("user", &c)?,
        None => String::new(),
    };
    let mut rows = workspace::users_page(db, &who.team_id, &after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|u| wire::encode_cursor("user", &u.id)).unwrap_or_default() } else { String::new() };
    let show_email = who.has("users:read.email");
    let members: Vec<Value> = rows.iter().map(|u| objects::user(u, show_email)).collect();
    Ok(json!({
        "members": members,
        "cache_ts": wire::now_secs(),
        "response_metadata": { "next_cursor": next },
    }))
}

pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users:read"])?;
    let id = args.str("user").ok_or(SlackError::UserNotFound)?;
    let u = workspace::user(db, &id).await?.filter(|u| u.team_id == who.team_id).ok_or(SlackError::UserNotFound)?;
    Ok(json!({ "user": objects::user(&u, who.has("users:read.email")) }))
}
