//! The clone as an MCP tool server, at `/mcp` on the clone's own port (streamable
//! HTTP, through rmcp).
//!
//! A tool is only a translation: its arguments become one request to the product's
//! own API, sent through the same router, layers and database as an SDK's request,
//! with the caller's own credential. So a tool call is checked for scopes, rate
//! limited, journaled and announced to event subscribers exactly as the API call
//! would be — there is no second implementation to drift.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, header};
pub use gateway::{Gateway, Member};
use http_body_util::BodyExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Map, Value};
use tower::ServiceExt;

/// One tool of a template's MCP server.
#[derive(Debug, Clone, Copy)]
pub struct McpTool {
    /// The name the product's reference MCP server uses (`slack_post_message`).
    pub name: &'static str,
    /// What a model reads to pick the tool.
    pub description: &'static str,
    /// JSON Schema of the arguments (an object schema).
    pub input_schema: fn() -> Value,
    /// The API request the call becomes; `Err` is a message about the arguments.
    pub request: fn(&Map<String, Value>) -> Result<ToolRequest, String>,
}

/// An API request made on the caller's behalf.
#[derive(Debug, Clone)]
pub struct ToolRequest {
    pub method: Method,
    /// Path on the clone, including the service's base path and any query
    /// (`/api/chat.postMessage`, `/repos/acme/app/issues?state=open`).
    pub path: String,
    /// JSON body, for methods that take one.
    pub body: Option<Value>,
    /// A tool that needs a second request (look a branch's sha up, then create a
    /// ref from it) names it here: built from the first answer and the arguments,
    /// sent only when the first succeeded. The last answer is the tool's result.
    pub then: Option<FollowUp>,
}

pub type FollowUp = fn(&Value, &Map<String, Value>) -> Result<ToolRequest, String>;

impl ToolRequest {
    pub fn new(method: Method, path: impl Into<String>, body: Option<Value>) -> ToolRequest {
        ToolRequest { method, path: path.into(), body, then: None }
    }

    pub fn get(path: impl Into<String>) -> ToolRequest {
        ToolRequest::new(Method::GET, path, None)
    }

    pub fn post(path: impl Into<String>, body: Value) -> ToolRequest {
        ToolRequest::new(Method::POST, path, Some(body))
    }

    pub fn and_then(mut self, next: FollowUp) -> ToolRequest {
        self.then = Some(next);
        self
    }
}

/// Most follow-ups chain at most once or twice; a loop is a bug in a tool.
const MAX_STEPS: usize = 4;

mod gateway;

/// What every template's tools need to read their arguments and describe them.
pub mod args {
    use serde_json::{Map, Value, json};

    /// An object schema with these properties, `required` naming the mandatory ones.
    pub fn object(properties: Value, required: &[&str]) -> Value {
        json!({"type": "object", "properties": properties, "required": required})
    }

    /// A required, non-empty string argument.
    pub fn text(a: &Map<String, Value>, key: &str) -> Result<String, String> {
        opt_text(a, key)?.ok_or_else(|| format!("missing required argument `{key}`"))
    }

    /// An optional string argument; an empty string counts as absent.
    pub fn opt_text(a: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
        match a.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("argument `{key}` must be a string, not {other}")),
        }
    }
}

#[derive(Clone)]
struct ToolServer {
    tools: &'static [McpTool],
    /// The product routes with their layers, as the HTTP API serves them.
    api: Router,
    name: String,
}

/// The `/mcp` service for a template's tools over `api` (the product router).
pub fn service(template: &str, tools: &'static [McpTool], api: Router) -> StreamableHttpService<impl ServerHandler, LocalSessionManager> {
    let server = ToolServer { tools, api, name: format!("asymmetric-{template}") };
    let mut config = StreamableHttpServerConfig::default();
    // Tools answer in one response; no session state is kept between calls.
    config.json_response = true;
    config.legacy_session_mode = false;
    // DNS-rebinding protection stays on; remote names are added, never disabled.
    config.allowed_hosts = asym_contract::admin::mcp_allowed_hosts();
    StreamableHttpService::new(move || Ok(server.clone()), Arc::new(LocalSessionManager::default()), config)
}

impl ServerHandler for ToolServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(self.name.clone(), env!("CARGO_PKG_VERSION")))
    }

    async fn list_tools(&self, _: Option<PaginatedRequestParams>, _: RequestContext<RoleServer>) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.iter().map(describe).collect()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools.iter().find(|t| t.name == name).map(describe)
    }

    async fn call_tool(&self, call: CallToolRequestParams, ctx: RequestContext<RoleServer>) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = self.tools.iter().find(|t| t.name == call.name) else {
            return Err(ErrorData::invalid_params(format!("unknown tool `{}`", call.name), None));
        };
        let args = call.arguments.unwrap_or_default();
        let mut request = match (tool.request)(&args) {
            Ok(r) => r,
            Err(message) => return Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into()),
        };
        let credential = ctx.extensions.get::<axum::http::request::Parts>().and_then(|p| p.headers.get(header::AUTHORIZATION)).cloned();
        for _ in 0..MAX_STEPS {
            let (status, bytes) = self.send(tool.name, &request, credential.as_ref()).await?;
            let result = result_of(status, &bytes);
            let next = match request.then {
                Some(follow) if result.is_error != Some(true) => {
                    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    follow(&answer, &args)
                }
                _ => return Ok(result.into()),
            };
            request = match next {
                Ok(r) => r,
                Err(message) => return Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into()),
            };
        }
        Err(ErrorData::internal_error(format!("tool `{}` chained more than {MAX_STEPS} requests", tool.name), None))
    }
}

impl ToolServer {
    /// One API request through the product router, as an SDK's would go.
    async fn send(
        &self,
        tool: &str,
        request: &ToolRequest,
        credential: Option<&header::HeaderValue>,
    ) -> Result<(u16, axum::body::Bytes), ErrorData> {
        let mut builder = Request::builder()
            .method(request.method.clone())
            .uri(&request.path)
            .header(asym_contract::journal::VIA_HEADER, format!("mcp:{tool}"));
        if let Some(c) = credential {
            builder = builder.header(header::AUTHORIZATION, c);
        }
        let body = match &request.body {
            Some(b) => {
                let text = b.to_string();
                builder = builder.header(header::CONTENT_TYPE, "application/json").header(header::CONTENT_LENGTH, text.len());
                Body::from(text)
            }
            None => Body::empty(),
        };
        let req = builder.body(body).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let resp = self.api.clone().oneshot(req).await.map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.map_err(|e| ErrorData::internal_error(e.to_string(), None))?.to_bytes();
        Ok((status, bytes))
    }
}

/// The product's answer as a tool result. Its own failure (Slack's `ok:false`, an
/// HTTP error) is a tool error carrying the product's error body, code included.
pub fn result_of(status: u16, body: &[u8]) -> CallToolResult {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let failed = !(200..300).contains(&status) || json.as_ref().is_some_and(|v| v.get("ok") == Some(&Value::Bool(false)));
    let content = vec![ContentBlock::text(String::from_utf8_lossy(body).into_owned())];
    let mut result = if failed { CallToolResult::error(content) } else { CallToolResult::success(content) };
    if let Some(Value::Object(o)) = json {
        result.structured_content = Some(Value::Object(o));
    }
    result
}

fn describe(t: &McpTool) -> Tool {
    let schema = match (t.input_schema)() {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    Tool::new(t.name, t.description, Arc::new(schema))
}
