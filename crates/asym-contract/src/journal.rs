//! One line of a clone's request journal (`clones/<id>/journal.jsonl`), as the
//! clone writes it and `asym trace` reads it.

use serde::{Deserialize, Serialize};

/// Set by the clone's own MCP server on the API request a tool call becomes
/// (`mcp:slack_post_message`), so the journal tells tool calls from SDK calls.
pub const VIA_HEADER: &str = "x-asym-via";

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
    /// `mcp:<tool>` when the request came from an MCP tool call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Request body, secrets redacted, capped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// `xoxb-…9f3a`: enough to tell credentials apart in a journal, not enough to use one.
pub fn redact_secret(secret: &str) -> String {
    let prefix: String = secret.chars().take_while(|c| *c != '-' && *c != '_').collect();
    let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if secret.len() <= 8 {
        "…".into()
    } else if prefix.len() < secret.len() && prefix.len() <= 6 {
        let sep = secret.as_bytes()[prefix.len()] as char;
        format!("{prefix}{sep}…{tail}")
    } else {
        format!("…{tail}")
    }
}

/// Whether `s` is a status filter [`JournalEntry::status_matches`] understands.
pub fn status_filter_ok(s: &str) -> bool {
    s == "error"
        || s.parse::<u16>().is_ok_and(|n| (100..600).contains(&n))
        || (s.len() == 3 && s.ends_with("xx") && matches!(s.as_bytes()[0], b'1'..=b'5'))
}

impl JournalEntry {
    /// The RPC name: Slack's method for `/api/chat.postMessage`, else the path.
    pub fn rpc(&self) -> &str {
        match self.path.strip_prefix("/api/") {
            Some(m) if !m.contains('/') => m,
            _ => &self.path,
        }
    }

    /// Whether the entry fits a status filter: a code (`429`), a class (`4xx`) or
    /// `error` (any failure, HTTP or product error). See [`status_filter_ok`].
    pub fn status_matches(&self, filter: &str) -> bool {
        match filter {
            "error" => self.status >= 400 || self.error.is_some(),
            s if s.ends_with("xx") => s.as_bytes()[0] == b'0' + (self.status / 100) as u8,
            s => s.parse::<u16>().is_ok_and(|n| n == self.status),
        }
    }

    /// Whether the request was made with `secret` (compared in redacted form, as kept).
    pub fn made_with(&self, secret: &str) -> bool {
        let kept = self.principal.as_deref().map(|p| p.rsplit(' ').next().unwrap_or(p));
        kept == Some(redact_secret(secret).as_str())
    }
}
