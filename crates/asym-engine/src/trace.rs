//! `asym trace` and `asym env trace`: a clone's request journal, filtered.

use asym_contract::journal::JournalEntry;
use asym_contract::{AsymError, Result};
use futures_util::stream::{self, BoxStream, StreamExt};

use crate::Engine;

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct TraceFilter {
    /// `429`, a class such as `4xx`, or `error` (any failure, HTTP or product error).
    pub status: Option<String>,
    /// An RPC name (`chat.postMessage`), or a prefix ending in `*` (`chat.*`).
    pub method: Option<String>,
}

impl TraceFilter {
    pub fn check(&self) -> Result<()> {
        if let Some(s) = &self.status
            && !asym_contract::journal::status_filter_ok(s)
        {
            return Err(AsymError::InvalidName {
                kind: "status filter",
                value: s.clone(),
                reason: "use a status code (429), a class (4xx) or `error`".into(),
            });
        }
        Ok(())
    }

    pub fn matches(&self, e: &JournalEntry) -> bool {
        let status_ok = self.status.as_deref().is_none_or(|s| e.status_matches(s));
        let method_ok = match self.method.as_deref() {
            None => true,
            Some(m) => match m.strip_suffix('*') {
                Some(prefix) => e.rpc().starts_with(prefix),
                None => e.rpc() == m,
            },
        };
        status_ok && method_ok
    }
}

/// One journal entry and the clone it came from.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Traced {
    pub clone: String,
    #[serde(flatten)]
    pub entry: JournalEntry,
}

impl Engine {
    pub async fn trace(&self, id: &str, filter: TraceFilter, follow: bool) -> Result<BoxStream<'static, Result<Traced>>> {
        filter.check()?;
        let data = self.registry.load()?;
        let rec = self.record(&data, id)?;
        let clone = rec.id.to_string();
        let lines = self.provider.journal(&rec, follow).await?;
        Ok(lines
            .filter_map(move |line| {
                let (clone, filter) = (clone.clone(), filter.clone());
                async move {
                    match line {
                        Err(e) => Some(Err(e)),
                        Ok(l) => match serde_json::from_str::<JournalEntry>(&l) {
                            Ok(entry) if filter.matches(&entry) => Some(Ok(Traced { clone, entry })),
                            // A line cut by a crash mid-write is skipped, not fatal.
                            _ => None,
                        },
                    }
                }
            })
            .boxed())
    }

    /// Every member's journal, merged by time; with `follow`, interleaved as written.
    pub async fn env_trace(&self, name: &str, filter: TraceFilter, follow: bool) -> Result<BoxStream<'static, Result<Traced>>> {
        filter.check()?;
        let data = self.registry.load()?;
        let env = self.env_record(&data, name)?;
        let mut past = Vec::new();
        let mut live = Vec::new();
        for id in &env.members {
            let mut s = self.trace(id.as_str(), filter.clone(), false).await?;
            while let Some(t) = s.next().await {
                past.push(t?);
            }
            if follow {
                // Skip what was already read: follow starts at the current end.
                let mut tail = self.trace(id.as_str(), filter.clone(), true).await?;
                let seen = past.iter().filter(|t| t.clone == id.as_str()).count();
                for _ in 0..seen {
                    let _ = tail.next().await;
                }
                live.push(tail);
            }
        }
        past.sort_by(|a, b| a.entry.time.cmp(&b.entry.time));
        let head = stream::iter(past.into_iter().map(Ok));
        Ok(if follow { head.chain(stream::select_all(live)).boxed() } else { head.boxed() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status: u16, error: Option<&str>) -> JournalEntry {
        JournalEntry {
            seq: 1,
            time: "2026-01-01T00:00:00.000Z".into(),
            method: "POST".into(),
            path: path.into(),
            query: None,
            principal: None,
            status,
            error: error.map(String::from),
            latency_ms: 1.0,
            via: None,
            request: None,
            response: None,
        }
    }

    #[test]
    fn filters_by_status_class_error_and_method() {
        let ok = entry("/api/chat.postMessage", 200, None);
        let slack_err = entry("/api/conversations.history", 200, Some("channel_not_found"));
        let limited = entry("/api/users.list", 429, Some("ratelimited"));
        let f =
            |status: Option<&str>, method: Option<&str>| TraceFilter { status: status.map(String::from), method: method.map(String::from) };
        assert!(f(Some("error"), None).matches(&slack_err) && !f(Some("error"), None).matches(&ok));
        assert!(f(Some("4xx"), None).matches(&limited) && !f(Some("4xx"), None).matches(&slack_err));
        assert!(f(Some("429"), None).matches(&limited));
        assert!(f(None, Some("chat.*")).matches(&ok) && !f(None, Some("chat.*")).matches(&limited));
        assert!(f(None, Some("users.list")).matches(&limited));
        assert!(f(Some("teapot"), None).check().is_err());
    }
}
