//! Slack's MCP tools: the eight of the reference Slack MCP server, with its names
//! and argument shapes, then extensions (named `slack_…` too, and marked
//! "Extension" in their descriptions). Each tool is one Web API call made with the
//! caller's token, so scopes, errors and events are the API's own.

use asym_clone_kit::mcp::args::{object, text};
use asym_clone_kit::{McpTool, ToolRequest};
use serde_json::{Map, Value, json};

const API: &str = "/api";

pub const TOOLS: &[McpTool] = &[
    McpTool {
        name: "slack_list_channels",
        description: "List public channels in the workspace with pagination",
        input_schema: || {
            object(
                json!({
                    "limit": {"type": "number", "description": "Maximum number of channels to return (default 100, max 200)", "default": 100},
                    "cursor": {"type": "string", "description": "Pagination cursor for next page of results"}
                }),
                &[],
            )
        },
        request: |a| {
            let mut body = json!({"types": "public_channel", "exclude_archived": true, "limit": limit(a, 100, 200)?});
            copy_opt(a, &mut body, "cursor", "cursor");
            Ok(call("conversations.list", body))
        },
    },
    McpTool {
        name: "slack_post_message",
        description: "Post a new message to a Slack channel",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel to post to"},
                    "text": {"type": "string", "description": "The message text to post"}
                }),
                &["channel_id", "text"],
            )
        },
        request: |a| Ok(call("chat.postMessage", json!({"channel": text(a, "channel_id")?, "text": text(a, "text")?}))),
    },
    McpTool {
        name: "slack_reply_to_thread",
        description: "Reply to a specific message thread in Slack",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel containing the thread"},
                    "thread_ts": {"type": "string", "description": "The timestamp of the parent message in the format '1234567890.123456'. Timestamps in the format without the period can be converted by adding the period such that 6 numbers come after it."},
                    "text": {"type": "string", "description": "The reply text"}
                }),
                &["channel_id", "thread_ts", "text"],
            )
        },
        request: |a| {
            let body = json!({"channel": text(a, "channel_id")?, "thread_ts": text(a, "thread_ts")?, "text": text(a, "text")?});
            Ok(call("chat.postMessage", body))
        },
    },
    McpTool {
        name: "slack_add_reaction",
        description: "Add a reaction emoji to a message",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel containing the message"},
                    "timestamp": {"type": "string", "description": "The timestamp of the message to react to"},
                    "reaction": {"type": "string", "description": "The name of the emoji reaction (without ::)"}
                }),
                &["channel_id", "timestamp", "reaction"],
            )
        },
        request: |a| {
            let body = json!({"channel": text(a, "channel_id")?, "timestamp": text(a, "timestamp")?, "name": text(a, "reaction")?});
            Ok(call("reactions.add", body))
        },
    },
    McpTool {
        name: "slack_get_channel_history",
        description: "Get recent messages from a channel",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel"},
                    "limit": {"type": "number", "description": "Number of messages to retrieve (default 10)", "default": 10}
                }),
                &["channel_id"],
            )
        },
        request: |a| Ok(call("conversations.history", json!({"channel": text(a, "channel_id")?, "limit": limit(a, 10, 1000)?}))),
    },
    McpTool {
        name: "slack_get_thread_replies",
        description: "Get all replies in a message thread",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel containing the thread"},
                    "thread_ts": {"type": "string", "description": "The timestamp of the parent message in the format '1234567890.123456'. Timestamps in the format without the period can be converted by adding the period such that 6 numbers come after it."}
                }),
                &["channel_id", "thread_ts"],
            )
        },
        request: |a| Ok(call("conversations.replies", json!({"channel": text(a, "channel_id")?, "ts": text(a, "thread_ts")?}))),
    },
    McpTool {
        name: "slack_get_users",
        description: "Get a list of all users in the workspace with their basic profile information",
        input_schema: || {
            object(
                json!({
                    "cursor": {"type": "string", "description": "Pagination cursor for next page of results"},
                    "limit": {"type": "number", "description": "Maximum number of users to return (default 100, max 200)", "default": 100}
                }),
                &[],
            )
        },
        request: |a| {
            let mut body = json!({"limit": limit(a, 100, 200)?});
            copy_opt(a, &mut body, "cursor", "cursor");
            Ok(call("users.list", body))
        },
    },
    McpTool {
        name: "slack_get_user_profile",
        description: "Get detailed profile information for a specific user",
        input_schema: || object(json!({"user_id": {"type": "string", "description": "The ID of the user"}}), &["user_id"]),
        request: |a| Ok(call("users.profile.get", json!({"user": text(a, "user_id")?, "include_labels": true}))),
    },
    McpTool {
        name: "slack_search_messages",
        description: "Extension: search messages with Slack's query syntax (in:#channel, from:@user, has:link, before:/after:/on: dates). Needs a user token (search:read).",
        input_schema: || {
            object(
                json!({
                    "query": {"type": "string", "description": "Search query, e.g. 'deploy in:#engineering from:@dana'"},
                    "count": {"type": "number", "description": "Results per page (default 20, max 100)", "default": 20},
                    "page": {"type": "number", "description": "Page number, from 1"}
                }),
                &["query"],
            )
        },
        request: |a| {
            let mut body = json!({"query": text(a, "query")?, "count": limit(a, 20, 100)?});
            copy_opt(a, &mut body, "page", "page");
            Ok(call("search.messages", body))
        },
    },
    McpTool {
        name: "slack_create_channel",
        description: "Extension: create a channel (lowercase letters, digits, hyphens and underscores; at most 80 characters)",
        input_schema: || {
            object(
                json!({
                    "name": {"type": "string", "description": "Channel name without #"},
                    "is_private": {"type": "boolean", "description": "Create a private channel", "default": false}
                }),
                &["name"],
            )
        },
        request: |a| {
            let mut body = json!({"name": text(a, "name")?});
            copy_opt(a, &mut body, "is_private", "is_private");
            Ok(call("conversations.create", body))
        },
    },
    McpTool {
        name: "slack_invite_to_channel",
        description: "Extension: invite users to a channel",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel"},
                    "user_ids": {"type": "array", "items": {"type": "string"}, "description": "IDs of the users to invite"}
                }),
                &["channel_id", "user_ids"],
            )
        },
        request: |a| Ok(call("conversations.invite", json!({"channel": text(a, "channel_id")?, "users": ids(a, "user_ids")?}))),
    },
    McpTool {
        name: "slack_set_channel_topic",
        description: "Extension: set a channel's topic",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel"},
                    "topic": {"type": "string", "description": "The new topic"}
                }),
                &["channel_id", "topic"],
            )
        },
        request: |a| Ok(call("conversations.setTopic", json!({"channel": text(a, "channel_id")?, "topic": text(a, "topic")?}))),
    },
    McpTool {
        name: "slack_open_dm",
        description: "Extension: open a direct message (one user) or a group DM (several); returns the conversation to post to",
        input_schema: || {
            object(json!({"user_ids": {"type": "array", "items": {"type": "string"}, "description": "IDs of the users"}}), &["user_ids"])
        },
        request: |a| Ok(call("conversations.open", json!({"users": ids(a, "user_ids")?}))),
    },
    McpTool {
        name: "slack_update_message",
        description: "Extension: edit a message the caller posted",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel"},
                    "ts": {"type": "string", "description": "The message's timestamp"},
                    "text": {"type": "string", "description": "The new text"}
                }),
                &["channel_id", "ts", "text"],
            )
        },
        request: |a| Ok(call("chat.update", json!({"channel": text(a, "channel_id")?, "ts": text(a, "ts")?, "text": text(a, "text")?}))),
    },
    McpTool {
        name: "slack_delete_message",
        description: "Extension: delete a message the caller posted",
        input_schema: || {
            object(
                json!({
                    "channel_id": {"type": "string", "description": "The ID of the channel"},
                    "ts": {"type": "string", "description": "The message's timestamp"}
                }),
                &["channel_id", "ts"],
            )
        },
        request: |a| Ok(call("chat.delete", json!({"channel": text(a, "channel_id")?, "ts": text(a, "ts")?}))),
    },
];

fn call(method: &str, body: Value) -> ToolRequest {
    ToolRequest::post(format!("{API}/{method}"), body)
}

fn limit(a: &Map<String, Value>, default: u64, max: u64) -> Result<u64, String> {
    match a.get("limit").or_else(|| a.get("count")) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_f64()
            .filter(|n| *n >= 1.0)
            .map(|n| (n as u64).min(max))
            .ok_or_else(|| format!("`limit` must be a positive number, not {v}")),
    }
}

fn ids(a: &Map<String, Value>, key: &str) -> Result<String, String> {
    match a.get(key) {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(String::from).ok_or_else(|| format!("`{key}` must list strings")))
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.join(",")),
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(format!("missing required argument `{key}` (a list of user IDs)")),
    }
}

fn copy_opt(a: &Map<String, Value>, body: &mut Value, from: &str, to: &str) {
    if let Some(v) = a.get(from).filter(|v| !v.is_null()) {
        body[to] = v.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn tool(name: &str) -> &'static McpTool {
        TOOLS.iter().find(|t| t.name == name).unwrap()
    }

    #[test]
    fn reference_tools_map_to_their_web_api_methods() {
        let r = (tool("slack_add_reaction").request)(&args(json!({"channel_id": "C1", "timestamp": "1.2", "reaction": "tada"}))).unwrap();
        assert_eq!(r.path, "/api/reactions.add");
        assert_eq!(r.body.unwrap(), json!({"channel": "C1", "timestamp": "1.2", "name": "tada"}));
        let r = (tool("slack_list_channels").request)(&args(json!({"limit": 500}))).unwrap();
        assert_eq!(r.body.unwrap()["limit"], 200, "capped as the reference server caps it");
        let r = (tool("slack_open_dm").request)(&args(json!({"user_ids": ["U1", "U2"]}))).unwrap();
        assert_eq!(r.body.unwrap()["users"], "U1,U2");
    }

    #[test]
    fn bad_arguments_are_named() {
        assert_eq!(
            (tool("slack_post_message").request)(&args(json!({"channel_id": "C1"}))).unwrap_err(),
            "missing required argument `text`"
        );
        assert!((tool("slack_get_channel_history").request)(&args(json!({"channel_id": "C1", "limit": "x"}))).is_err());
        for t in TOOLS {
            let schema = (t.input_schema)();
            assert_eq!(schema["type"], "object", "{}", t.name);
            assert!(t.name.starts_with("slack_"));
        }
    }
}
