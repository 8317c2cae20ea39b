//! auth.revoke: a token revokes itself.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::SlackResult;
use crate::events;
use crate::model::auth::{Principal, TokenKind};
use crate::store::workspace;
use crate::wire::Args;

/// Revokes the calling token, unless `test` asks only to check it, and
/// announces tokens_revoked (`oauth` lists user tokens' users, `bot` bot users).
pub async fn revoke(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    if args.bool("test").unwrap_or(false) {
        return Ok(json!({ "revoked": false }));
    }
    let mut tx = asym_store::begin_write(db).await?;
    workspace::delete_token(&mut *tx, &who.token_hash).await?;
    let tokens = match who.kind {
        TokenKind::User => json!({ "oauth": [who.user_id] }),
        TokenKind::Bot => json!({ "bot": [who.user_id] }),
    };
    let mut event = json!({ "type": "tokens_revoked", "tokens": tokens, "event_ts": crate::wire::now_ts() });
    if let Some(app) = &who.app_id {
        // Only the app whose token this was hears of it (read and removed by delivery).
        event[events::FOR_APP] = json!(app);
    }
    events::emit(&mut *tx, &who.team_id, event).await?;
    tx.commit().await?;
    crate::model::auth::tokens_revoked();
    Ok(json!({ "revoked": true }))
}
