//! One MCP server for a whole environment: every member's tools under one
//! endpoint, each call sent to its own clone's API with that clone's credential.
//!
//! Names stay the product's (`slack_post_message`) while a template appears once;
//! when two members share a template, each of their tools is prefixed with the
//! clone id (`slack_b__slack_post_message`) so a model can tell them apart.

use std::collections::BTreeMap;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};

use super::{MAX_STEPS, McpTool, ToolRequest, describe, result_of};

/// One member clone as the gateway reaches it.
#[derive(Debug, Clone)]
pub struct Member {
    pub clone_id: String,
    pub template: String,
    pub tools: &'static [McpTool],
    /// `http://127.0.0.1:<port>` of the service that has the tools.
    pub origin: String,
    /// Sent as `Authorization: Bearer …`.
    pub credential: String,
}

#[derive(Clone)]
pub struct Gateway {
    env: String,
    /// Exposed name → (member, tool).
    routes: Arc<BTreeMap<String, (Member, McpTool)>>,
    http: reqwest::Client,
}

impl Gateway {
    pub fn new(env: &str, members: Vec<Member>) -> Gateway {
        let mut per_template: BTreeMap<&str, usize> = BTreeMap::new();
        for m in &members {
            *per_template.entry(m.template.as_str()).or_default() += 1;
        }
        let mut routes = BTreeMap::new();
        for m in &members {
            let shared = per_template[m.template.as_str()] > 1;
            for t in m.tools {
                let name = if shared { format!("{}__{}", m.clone_id.replace('-', "_"), t.name) } else { t.name.to_string() };
                routes.insert(name, (m.clone(), *t));
            }
        }
        let http = reqwest::Client::builder().no_proxy().build().expect("a plain HTTP client builds");
        Gateway { env: env.to_string(), routes: Arc::new(routes), http }
    }

    /// The exposed tool names, in order.
    pub fn names(&self) -> Vec<String> {
        self.routes.keys().cloned().collect()
    }
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(format!("asymmetric-env-{}", self.env), env!("CARGO_PKG_VERSION")))
    }

    async fn list_tools(&self, _: Option<PaginatedRequestParams>, _: RequestContext<RoleServer>) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.routes.iter().map(|(name, (m, t))| exposed(name, m, t)).collect()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.routes.get(name).map(|(m, t)| exposed(name, m, t))
    }

    async fn call_tool(&self, call: CallToolRequestParams, _: RequestContext<RoleServer>) -> Result<CallToolResponse, ErrorData> {
        let Some((member, tool)) = self.routes.get(call.name.as_ref()) else {
            return Err(ErrorData::invalid_params(format!("unknown tool `{}`", call.name), None));
        };
        let args = call.arguments.unwrap_or_default();
        let mut request = match (tool.request)(&args) {
            Ok(r) => r,
            Err(message) => return Ok(CallToolResult::error(vec![ContentBlock::text(message)]).into()),
        };
        for _ in 0..MAX_STEPS {
            let (status, body) = match self.send(member, tool.name, &request).await {
                Ok(answer) => answer,
                Err(e) => {
                    let text = format!("clone `{}` did not answer: {e}", member.clone_id);
                    return Ok(CallToolResult::error(vec![ContentBlock::text(text)]).into());
                }
            };
            let result = result_of(status, &body);
            let next = match request.then {
                Some(follow) if result.is_error != Some(true) => follow(&serde_json::from_slice(&body).unwrap_or_default(), &args),
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

impl Gateway {
    async fn send(&self, member: &Member, tool: &str, request: &ToolRequest) -> Result<(u16, Vec<u8>), reqwest::Error> {
        let url = format!("{}{}", member.origin, request.path);
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes()).unwrap_or(reqwest::Method::POST);
        let mut req = self
            .http
            .request(method, &url)
            .bearer_auth(&member.credential)
            .header(asym_contract::journal::VIA_HEADER, format!("mcp:{tool}"));
        if let Some(body) = &request.body {
            req = req.json(body);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.bytes().await?.to_vec()))
    }
}

fn exposed(name: &str, m: &Member, t: &McpTool) -> Tool {
    let mut tool = describe(t);
    tool.name = name.to_string().into();
    if name != t.name {
        tool.description = Some(format!("{} (clone `{}`)", t.description, m.clone_id).into());
    }
    tool
}
