//! One line of a clone's request journal (`clones/<id>/journal.jsonl`), as the
//! clone writes it and `asym trace` reads it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// 1, 2, … since the last reset.
    pub seq: u64,
    /// RFC 3339 with milliseconds.
    pub time: String,
    /// HTTP method.
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The credential used, redacted (`Bearer xoxb-…9f3a`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    pub status: u16,
    /// The product's error code when the request failed (`channel_not_found`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub latency_ms: f64,
    /// Request body, secrets redacted, capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

impl JournalEntry {
    /// The RPC name: Slack's method for `/api/chat.postMessage`, else the path.
    pub fn rpc(&self) -> &str {
        match self.path.strip_prefix("/api/") {
            Some(m) if !m.contains('/') => m,
            _ => &self.path,
        }
    }
}
