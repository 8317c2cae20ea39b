//! emoji.list: the workspace's custom emoji (images and aliases).

use asym_store::Pool;
use serde_json::{Map, Value, json};

use crate::errors::SlackResult;
use crate::model::auth::Principal;
use crate::objects;
use crate::store::workspace;

pub async fn list(db: &Pool, who: &Principal) -> SlackResult<Value> {
    who.require_any(&["emoji:read"])?;
    let rows = workspace::emoji(db).await?;
    let emoji: Map<String, Value> = rows.iter().map(|e| (e.name.clone(), objects::emoji_value(&who.team_id, e))).collect();
    // cache_ts moves when the set of emoji changes.
    let changed = rows.iter().map(|e| e.created).max().unwrap_or(0);
    Ok(json!({ "emoji": emoji, "cache_ts": format!("{changed}.000000") }))
}
