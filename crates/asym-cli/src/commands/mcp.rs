//! `asym mcp <id>`: the clone's MCP server over stdio, for clients that launch a
//! command (desktop apps). Each JSON-RPC line on stdin is posted to the clone's
//! `/mcp` endpoint with one of the clone's credentials; each message back is one
//! line on stdout. The protocol itself is served by the clone, so stdio and HTTP
//! cannot disagree.

use asym_contract::{AsymError, Result};
use asym_engine::Engine;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::Exit;
use crate::args::McpArgs;

/// Credential names tried in order when `--credential` is not given.
const DEFAULT_CREDENTIALS: &[&str] = &["bot", "token", "secret_key"];

pub async fn run(engine: &Engine, a: &McpArgs) -> Result<Exit> {
    let clone = engine.get(&a.id, true).await?;
    let url =
        clone.mcp.clone().ok_or_else(|| AsymError::NotImplemented { what: format!("MCP tools for template `{}`", clone.template) })?;
    let names: Vec<String> = clone.tokens.0.keys().cloned().collect();
    let name = match &a.credential {
        Some(n) => n.clone(),
        None => DEFAULT_CREDENTIALS.iter().find(|n| clone.tokens.0.contains_key(**n)).map(|n| n.to_string()).unwrap_or_default(),
    };
    let token = clone.tokens.0.get(&name).cloned().ok_or_else(|| AsymError::InvalidName {
        kind: "credential",
        value: name.clone(),
        reason: format!("clone `{}` has: {}", a.id, names.join(", ")),
    })?;
    let http = reqwest::Client::builder().no_proxy().build().map_err(|e| AsymError::Internal(e.to_string()))?;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut out = tokio::io::stdout();
    let (mut version, mut session): (Option<String>, Option<String>) = (None, None);
    while let Some(line) = lines.next_line().await.map_err(|e| AsymError::io("reading stdin", e))? {
        if line.trim().is_empty() {
            continue;
        }
        let mut req = http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(line.clone());
        if let Some(v) = &version {
            req = req.header("mcp-protocol-version", v);
        }
        if let Some(s) = &session {
            req = req.header("mcp-session-id", s);
        }
        let unreachable = |e: reqwest::Error| AsymError::CloneUnreachable { id: a.id.clone(), route: "/mcp".into(), reason: e.to_string() };
        let resp = req.send().await.map_err(unreachable)?;
        if let Some(s) = resp.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()) {
            session = Some(s.to_string());
        }
        let sse = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("text/event-stream"));
        let status = resp.status();
        let body = resp.text().await.map_err(unreachable)?;
        let messages: Vec<String> = if sse {
            body.lines().filter_map(|l| l.strip_prefix("data:")).map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect()
        } else if body.trim().is_empty() {
            Vec::new() // 202 Accepted: a notification has no answer
        } else {
            vec![body.trim().to_string()]
        };
        if messages.is_empty() && !status.is_success() {
            // The client is waiting for an answer to its request: give it a JSON-RPC error.
            let id = serde_json::from_str::<Value>(&line).ok().and_then(|v| v.get("id").cloned());
            if let Some(id) = id {
                let err = serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": format!("the clone answered HTTP {status}")}});
                write_line(&mut out, &err.to_string()).await?;
            }
        }
        for m in messages {
            if version.is_none()
                && let Ok(v) = serde_json::from_str::<Value>(&m)
                && let Some(pv) = v["result"]["protocolVersion"].as_str()
            {
                version = Some(pv.to_string());
            }
            write_line(&mut out, &m).await?;
        }
    }
    Ok(Exit::Success)
}

async fn write_line(out: &mut tokio::io::Stdout, line: &str) -> Result<()> {
    let io = |e| AsymError::io("writing stdout", e);
    out.write_all(line.as_bytes()).await.map_err(io)?;
    out.write_all(b"\n").await.map_err(io)?;
    out.flush().await.map_err(io)
}
