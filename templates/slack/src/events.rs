//! Events the workspace announces (`message`, `reaction_added`, `channel_created`,
//! …). Model code calls [`emit`] inside the transaction that makes the change, so
//! an event exists exactly when its change does. Delivery to apps (signed, with
//! retries) reads this outbox.

use serde_json::Value;
use sqlx::any::AnyExecutor;

use crate::ids;

/// Records `event` (Slack's inner event object, with its `type`) for `team_id`.
/// Set on an outbox event meant for one app only (`tokens_revoked`); never delivered.
pub const FOR_APP: &str = "_asym_for_app";
/// Set on an outbox event meant for one member's authorizations only (`dnd_updated`
/// goes to the apps acting as that member); never delivered.
pub const FOR_USER: &str = "_asym_for_user";

pub async fn emit(db: impl AnyExecutor<'_>, team_id: &str, event: Value) -> sqlx::Result<String> {
    let id = ids::random('E');
    let kind = event.get("type").and_then(Value::as_str).unwrap_or("unknown").to_string();
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
    sqlx::query("INSERT INTO events (id, team_id, type, payload, created_ms) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(team_id)
        .bind(kind)
        .bind(event.to_string())
        .bind(now_ms)
        .execute(db)
        .await?;
    Ok(id)
}
