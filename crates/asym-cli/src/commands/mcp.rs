//! `asym mcp <id>`: the clone's MCP server over stdio, for clients that launch a
//! command (desktop apps). Each JSON-RPC line on stdin is posted to the clone's
//! `/mcp` endpoint with one of the clone's credentials; each message back is one
//! line on stdout. The protocol itself is served by the clone, so stdio and HTTP
//! cannot disagree.

use std::sync::Arc;

use asym_clone_kit::mcp::{Gateway, Member};
use asym_contract::{AsymError, CloneInstance, Result};
use asym_engine::Engine;
use rmcp::ServiceExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::Exit;
use crate::args::McpArgs;
use crate::printer::Printer;

/// Credential names tried in order when `--credential` is not given.
const DEFAULT_CREDENTIALS: &[&str] = &["bot", "token", "secret_key"];

/// The credential the tools act with: `name`, or the first default the clone has.
fn credential(clone: &CloneInstance, name: Option<&str>) -> Result<String> {
    let name = match name {
        Some(n) => n.to_string(),
        None => DEFAULT_CREDENTIALS.iter().find(|n| clone.tokens.0.contains_key(**n)).map(|n| n.to_string()).unwrap_or_default(),
    };
    clone.tokens.0.get(&name).cloned().ok_or_else(|| AsymError::InvalidName {
        kind: "credential",
        value: name,
        reason: format!("clone `{}` has: {}", clone.id, clone.tokens.0.keys().cloned().collect::<Vec<_>>().join(", ")),
    })
}

pub async fn run(engine: &Engine, a: &McpArgs) -> Result<Exit> {
    let clone = engine.get(&a.id, true).await?;
    let url =
        clone.mcp.clone().ok_or_else(|| AsymError::NotImplemented { what: format!("MCP tools for template `{}`", clone.template) })?;
    let token = credential(&clone, a.credential.as_deref())?;
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

/// `asym env mcp <env>`: every member's tools through one server.
pub async fn env(engine: &Engine, p: &Printer, name: &str, port: Option<u16>) -> Result<Exit> {
    let view = engine.env_status(name).await?;
    let mut members = Vec::new();
    for m in &view.members {
        let Some(template) = crate::builtin::find(&m.template) else { continue };
        let Some(service) = template.manifest().mcp.clone() else { continue };
        let clone = engine.get(m.id.as_str(), true).await?;
        let Some(port) = clone.ports.get(&service) else { continue };
        members.push(Member {
            clone_id: clone.id.to_string(),
            template: clone.template.clone(),
            tools: template.mcp_tools(&service),
            origin: format!("http://127.0.0.1:{port}"),
            credential: credential(&clone, None)?,
        });
    }
    if members.is_empty() {
        let templates: Vec<&str> = view.members.iter().map(|m| m.template.as_str()).collect();
        return Err(AsymError::NotImplemented { what: format!("MCP tools for the templates of `{name}` ({})", templates.join(", ")) });
    }
    let gateway = Gateway::new(name, members);
    match port {
        None => {
            let running = gateway
                .serve(rmcp::transport::stdio())
                .await
                .map_err(|e| AsymError::Internal(format!("starting the stdio MCP server: {e}")))?;
            running.waiting().await.map_err(|e| AsymError::Internal(format!("the stdio MCP server stopped: {e}")))?;
        }
        Some(port) => {
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| match e.kind() {
                std::io::ErrorKind::AddrInUse => AsymError::PortInUse { port },
                _ => AsymError::io(format!("listening on {addr}"), e),
            })?;
            let mut config = StreamableHttpServerConfig::default();
            config.json_response = true;
            config.legacy_session_mode = false;
            config.allowed_hosts = asym_contract::admin::mcp_allowed_hosts();
            let names = gateway.names();
            let service = StreamableHttpService::new(move || Ok(gateway.clone()), Arc::new(LocalSessionManager::default()), config);
            let url = format!("http://{addr}/mcp");
            if p.json {
                p.json(&serde_json::json!({ "url": url, "tools": names }));
            } else {
                p.line(format!("{name}: {} tools at {url} (Ctrl-C stops it)", names.len()));
            }
            let app = axum::Router::new().nest_service("/mcp", service);
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .map_err(|e| AsymError::io("serving the environment MCP endpoint", e))?;
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
