//! GitHub's MCP tools: the core of GitHub's MCP server (`get_me`, repositories,
//! file contents and `create_or_update_file`, branches, commits, issues and
//! comments, pull requests with reviews and merge, search), with the reference
//! server's names and snake_case arguments. Each tool is a REST request made with
//! the caller's token, so visibility (404 for a private repository), validation
//! (422) and rate limits are the REST API's own.

use asym_clone_kit::mcp::args::{object, opt_text, text};
use asym_clone_kit::{McpTool, ToolRequest};
use axum::http::Method;
use base64::Engine;
use serde_json::{Map, Value, json};

pub const TOOLS: &[McpTool] = &[
    McpTool {
        name: "get_me",
        description: "Get details of the authenticated GitHub user (login, name, email, plan)",
        input_schema: || object(json!({}), &[]),
        request: |_| Ok(ToolRequest::get("/user")),
    },
    McpTool {
        name: "search_repositories",
        description: "Search for GitHub repositories with GitHub's search syntax (e.g. 'topic:cli org:acme')",
        input_schema: || object(json!({"query": text_prop("Search query"), "page": page_prop(), "perPage": per_page_prop()}), &["query"]),
        request: |a| {
            let q = query(&[("q", Some(text(a, "query")?)), ("page", num(a, "page")?), ("per_page", num(a, "perPage")?)]);
            Ok(ToolRequest::get(format!("/search/repositories{q}")))
        },
    },
    McpTool {
        name: "create_repository",
        description: "Create a new GitHub repository in your account",
        input_schema: || {
            object(
                json!({
                    "name": text_prop("Repository name"),
                    "description": text_prop("Repository description"),
                    "private": {"type": "boolean", "description": "Whether the repository should be private"},
                    "autoInit": {"type": "boolean", "description": "Initialize with a README.md"}
                }),
                &["name"],
            )
        },
        request: |a| {
            let mut body = json!({"name": text(a, "name")?});
            copy(a, &mut body, &[("description", "description"), ("private", "private"), ("autoInit", "auto_init")]);
            Ok(ToolRequest::post("/user/repos", body))
        },
    },
    McpTool {
        name: "get_file_contents",
        description: "Get the contents of a file or directory from a GitHub repository (file content comes base64-encoded, as the REST API gives it)",
        input_schema: || {
            object(
                json!({"owner": owner_prop(), "repo": repo_prop(), "path": text_prop("Path to the file or directory"), "branch": text_prop("Branch to get contents from")}),
                &["owner", "repo", "path"],
            )
        },
        request: |a| {
            let q = query(&[("ref", opt_text(a, "branch")?)]);
            Ok(ToolRequest::get(format!("{}/contents/{}{q}", repo_path(a)?, path_arg(a)?)))
        },
    },
    McpTool {
        name: "create_or_update_file",
        description: "Create or update a single file in a GitHub repository; each call is one commit (give `sha` of the current blob to update an existing file)",
        input_schema: || {
            object(
                json!({
                    "owner": owner_prop(), "repo": repo_prop(),
                    "path": text_prop("Path where to create/update the file"),
                    "content": text_prop("Content of the file (plain text)"),
                    "message": text_prop("Commit message"),
                    "branch": text_prop("Branch to create/update the file in"),
                    "sha": text_prop("SHA of the file being replaced (required when updating)")
                }),
                &["owner", "repo", "path", "content", "message", "branch"],
            )
        },
        request: |a| {
            let content = base64::engine::general_purpose::STANDARD.encode(text(a, "content")?);
            let mut body = json!({"message": text(a, "message")?, "content": content, "branch": text(a, "branch")?});
            copy(a, &mut body, &[("sha", "sha")]);
            Ok(ToolRequest::new(Method::PUT, format!("{}/contents/{}", repo_path(a)?, path_arg(a)?), Some(body)))
        },
    },
    McpTool {
        name: "create_branch",
        description: "Create a new branch in a GitHub repository, from `from_branch` or the default branch",
        input_schema: || {
            object(
                json!({"owner": owner_prop(), "repo": repo_prop(), "branch": text_prop("Name for the new branch"), "from_branch": text_prop("Source branch (defaults to the repository's default branch)")}),
                &["owner", "repo", "branch"],
            )
        },
        request: |a| {
            let repo = repo_path(a)?;
            match opt_text(a, "from_branch")? {
                Some(from) => Ok(ToolRequest::get(format!("{repo}/git/ref/heads/{from}")).and_then(create_ref)),
                // The default branch first, then its head, then the new ref.
                None => Ok(ToolRequest::get(repo).and_then(|r, a| {
                    let default = r["default_branch"].as_str().ok_or("the repository has no default branch")?;
                    Ok(ToolRequest::get(format!("{}/git/ref/heads/{default}", repo_path(a)?)).and_then(create_ref))
                })),
            }
        },
    },
    McpTool {
        name: "list_branches",
        description: "List branches in a GitHub repository",
        input_schema: || {
            object(json!({"owner": owner_prop(), "repo": repo_prop(), "page": page_prop(), "perPage": per_page_prop()}), &["owner", "repo"])
        },
        request: |a| {
            let q = query(&[("page", num(a, "page")?), ("per_page", num(a, "perPage")?)]);
            Ok(ToolRequest::get(format!("{}/branches{q}", repo_path(a)?)))
        },
    },
    McpTool {
        name: "list_commits",
        description: "Get the list of commits of a branch in a GitHub repository",
        input_schema: || {
            object(
                json!({"owner": owner_prop(), "repo": repo_prop(), "sha": text_prop("Branch name or commit SHA to start from"), "page": page_prop(), "perPage": per_page_prop()}),
                &["owner", "repo"],
            )
        },
        request: |a| {
            let q = query(&[("sha", opt_text(a, "sha")?), ("page", num(a, "page")?), ("per_page", num(a, "perPage")?)]);
            Ok(ToolRequest::get(format!("{}/commits{q}", repo_path(a)?)))
        },
    },
    McpTool {
        name: "create_issue",
        description: "Create a new issue in a GitHub repository",
        input_schema: || {
            object(
                json!({
                    "owner": owner_prop(), "repo": repo_prop(), "title": text_prop("Issue title"), "body": text_prop("Issue body"),
                    "assignees": list_prop("Usernames to assign"), "labels": list_prop("Labels to apply"),
                    "milestone": {"type": "number", "description": "Milestone number"}
                }),
                &["owner", "repo", "title"],
            )
        },
        request: |a| {
            let mut body = json!({"title": text(a, "title")?});
            copy(a, &mut body, &[("body", "body"), ("assignees", "assignees"), ("labels", "labels"), ("milestone", "milestone")]);
            Ok(ToolRequest::post(format!("{}/issues", repo_path(a)?), body))
        },
    },
    McpTool {
        name: "get_issue",
        description: "Get details of a specific issue in a GitHub repository",
        input_schema: || {
            object(
                json!({"owner": owner_prop(), "repo": repo_prop(), "issue_number": number_prop("Issue number")}),
                &["owner", "repo", "issue_number"],
            )
        },
        request: |a| Ok(ToolRequest::get(format!("{}/issues/{}", repo_path(a)?, int(a, "issue_number")?))),
    },
    McpTool {
        name: "update_issue",
        description: "Update an existing issue in a GitHub repository (title, body, state open/closed, labels, assignees, milestone)",
        input_schema: || {
            object(
                json!({
                    "owner": owner_prop(), "repo": repo_prop(), "issue_number": number_prop("Issue number to update"),
                    "title": text_prop("New title"), "body": text_prop("New description"),
                    "state": {"type": "string", "enum": ["open", "closed"], "description": "New state"},
                    "labels": list_prop("New labels"), "assignees": list_prop("New assignees"),
                    "milestone": {"type": "number", "description": "New milestone number"}
                }),
                &["owner", "repo", "issue_number"],
            )
        },
        request: |a| {
            let mut body = json!({});
            copy(
                a,
                &mut body,
                &[
                    ("title", "title"),
                    ("body", "body"),
                    ("state", "state"),
                    ("labels", "labels"),
                    ("assignees", "assignees"),
                    ("milestone", "milestone"),
                ],
            );
            Ok(ToolRequest::new(Method::PATCH, format!("{}/issues/{}", repo_path(a)?, int(a, "issue_number")?), Some(body)))
        },
    },
    McpTool {
        name: "list_issues",
        description: "List issues in a GitHub repository with filtering options (pull requests are included, as in the REST API)",
        input_schema: || {
            object(
                json!({
                    "owner": owner_prop(), "repo": repo_prop(),
                    "state": {"type": "string", "enum": ["open", "closed", "all"], "description": "Filter by state"},
                    "labels": list_prop("Filter by labels"),
                    "sort": {"type": "string", "enum": ["created", "updated", "comments"], "description": "Sort by"},
                    "direction": {"type": "string", "enum": ["asc", "desc"], "description": "Sort direction"},
                    "since": text_prop("Only issues updated at or after this ISO 8601 time"),
                    "page": page_prop(), "per_page": per_page_prop()
                }),
                &["owner", "repo"],
            )
        },
        request: |a| {
            let labels = match a.get("labels") {
                Some(Value::Array(l)) => Some(l.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")),
                _ => None,
            };
            let q = query(&[
                ("state", opt_text(a, "state")?),
                ("labels", labels),
                ("sort", opt_text(a, "sort")?),
                ("direction", opt_text(a, "direction")?),
                ("since", opt_text(a, "since")?),
                ("page", num(a, "page")?),
                ("per_page", num(a, "per_page")?),
            ]);
            Ok(ToolRequest::get(format!("{}/issues{q}", repo_path(a)?)))
        },
    },
    McpTool {
        name: "add_issue_comment",
        description: "Add a comment to an existing issue or pull request",
        input_schema: || {
            object(
                json!({"owner": owner_prop(), "repo": repo_prop(), "issue_number": number_prop("Issue number to comment on"), "body": text_prop("Comment text")}),
                &["owner", "repo", "issue_number", "body"],
            )
        },
        request: |a| {
            Ok(ToolRequest::post(
                format!("{}/issues/{}/comments", repo_path(a)?, int(a, "issue_number")?),
                json!({"body": text(a, "body")?}),
            ))
        },
    },
    McpTool {
        name: "get_issue_comments",
        description: "Get the comments of an issue or pull request",
        input_schema: || {
            object(
                json!({"owner": owner_prop(), "repo": repo_prop(), "issue_number": number_prop("Issue number"), "page": page_prop(), "per_page": per_page_prop()}),
                &["owner", "repo", "issue_number"],
            )
        },
        request: |a| {
            let q = query(&[("page", num(a, "page")?), ("per_page", num(a, "per_page")?)]);
            Ok(ToolRequest::get(format!("{}/issues/{}/comments{q}", repo_path(a)?, int(a, "issue_number")?)))
        },
    },
    McpTool {
        name: "search_issues",
        description: "Search issues and pull requests across repositories with GitHub's qualifiers (repo:, is:, state:, label:, author:, assignee:)",
        input_schema: || {
            object(
                json!({
                    "q": text_prop("Search query, e.g. 'repo:acme/hello-world is:open label:bug'"),
                    "sort": {"type": "string", "enum": ["comments", "reactions", "created", "updated"], "description": "Sort field"},
                    "order": {"type": "string", "enum": ["asc", "desc"], "description": "Sort order"},
                    "page": page_prop(), "per_page": per_page_prop()
                }),
                &["q"],
            )
        },
        request: |a| {
            let q = query(&[
                ("q", Some(text(a, "q")?)),
                ("sort", opt_text(a, "sort")?),
                ("order", opt_text(a, "order")?),
                ("page", num(a, "page")?),
                ("per_page", num(a, "per_page")?),
            ]);
            Ok(ToolRequest::get(format!("/search/issues{q}")))
        },
    },
    McpTool {
        name: "create_pull_request",
        description: "Create a new pull request in a GitHub repository",
        input_schema: || {
            object(
                json!({
                    "owner": owner_prop(), "repo": repo_prop(), "title": text_prop("PR title"), "body": text_prop("PR description"),
                    "head": text_prop("The branch where your changes are implemented"), "base": text_prop("The branch you want the changes pulled into"),
                    "draft": {"type": "boolean", "description": "Create as a draft PR"},
                    "maintainer_can_modify": {"type": "boolean", "description": "Allow maintainer edits"}
                }),
                &["owner", "repo", "title", "head", "base"],
            )
        },
        request: |a| {
            let mut body = json!({"title": text(a, "title")?, "head": text(a, "head")?, "base": text(a, "base")?});
            copy(a, &mut body, &[("body", "body"), ("draft", "draft"), ("maintainer_can_modify", "maintainer_can_modify")]);
            Ok(ToolRequest::post(format!("{}/pulls", repo_path(a)?), body))
        },
    },
    McpTool {
        name: "get_pull_request",
        description: "Get details of a specific pull request (state, head, base, mergeable)",
        input_schema: || pull_schema(json!({})),
        request: |a| Ok(ToolRequest::get(pull_path(a, "")?)),
    },
    McpTool {
        name: "list_pull_requests",
        description: "List and filter repository pull requests",
        input_schema: || {
            object(
                json!({
                    "owner": owner_prop(), "repo": repo_prop(),
                    "state": {"type": "string", "enum": ["open", "closed", "all"], "description": "State of the pull requests"},
                    "head": text_prop("Filter by head user or organization and branch name (user:ref-name)"),
                    "base": text_prop("Filter by base branch name"),
                    "sort": {"type": "string", "enum": ["created", "updated", "popularity", "long-running"], "description": "What to sort by"},
                    "direction": {"type": "string", "enum": ["asc", "desc"], "description": "Sort direction"},
                    "page": page_prop(), "per_page": per_page_prop()
                }),
                &["owner", "repo"],
            )
        },
        request: |a| {
            let q = query(&[
                ("state", opt_text(a, "state")?),
                ("head", opt_text(a, "head")?),
                ("base", opt_text(a, "base")?),
                ("sort", opt_text(a, "sort")?),
                ("direction", opt_text(a, "direction")?),
                ("page", num(a, "page")?),
                ("per_page", num(a, "per_page")?),
            ]);
            Ok(ToolRequest::get(format!("{}/pulls{q}", repo_path(a)?)))
        },
    },
    McpTool {
        name: "get_pull_request_files",
        description: "Get the list of files changed in a pull request",
        input_schema: || pull_schema(json!({})),
        request: |a| Ok(ToolRequest::get(pull_path(a, "/files")?)),
    },
    McpTool {
        name: "get_pull_request_reviews",
        description: "Get the reviews on a pull request",
        input_schema: || pull_schema(json!({})),
        request: |a| Ok(ToolRequest::get(pull_path(a, "/reviews")?)),
    },
    McpTool {
        name: "get_pull_request_comments",
        description: "Get the review comments on a pull request",
        input_schema: || pull_schema(json!({})),
        request: |a| Ok(ToolRequest::get(pull_path(a, "/comments")?)),
    },
    McpTool {
        name: "create_pull_request_review",
        description: "Create a review on a pull request: APPROVE, REQUEST_CHANGES or COMMENT, with optional line comments",
        input_schema: || {
            pull_schema(json!({
                "body": text_prop("Review comment text"),
                "event": {"type": "string", "enum": ["APPROVE", "REQUEST_CHANGES", "COMMENT"], "description": "Review action to perform"},
                "commit_id": text_prop("SHA of the commit to review"),
                "comments": {"type": "array", "description": "Line-specific comments: {path, position or line, body}", "items": {"type": "object"}}
            }))
        },
        request: |a| {
            let mut body = json!({"event": text(a, "event")?});
            copy(a, &mut body, &[("body", "body"), ("commit_id", "commit_id"), ("comments", "comments")]);
            Ok(ToolRequest::post(pull_path(a, "/reviews")?, body))
        },
    },
    McpTool {
        name: "merge_pull_request",
        description: "Merge a pull request with merge, squash or rebase",
        input_schema: || {
            pull_schema(json!({
                "commit_title": text_prop("Title for the automatic commit message"),
                "commit_message": text_prop("Extra detail to append to the automatic commit message"),
                "merge_method": {"type": "string", "enum": ["merge", "squash", "rebase"], "description": "Merge method to use"}
            }))
        },
        request: |a| {
            let mut body = json!({});
            copy(a, &mut body, &[("commit_title", "commit_title"), ("commit_message", "commit_message"), ("merge_method", "merge_method")]);
            Ok(ToolRequest::new(Method::PUT, pull_path(a, "/merge")?, Some(body)))
        },
    },
];

/// The second step of `create_branch`: a ref at the sha the first answer named.
fn create_ref(answer: &Value, a: &Map<String, Value>) -> Result<ToolRequest, String> {
    let sha = answer["object"]["sha"].as_str().ok_or("the source branch has no commit")?;
    Ok(ToolRequest::post(format!("{}/git/refs", repo_path(a)?), json!({"ref": format!("refs/heads/{}", text(a, "branch")?), "sha": sha})))
}

fn pull_schema(extra: Value) -> Value {
    let mut props = json!({"owner": owner_prop(), "repo": repo_prop(), "pull_number": number_prop("Pull request number")});
    if let (Some(p), Value::Object(e)) = (props.as_object_mut(), extra) {
        p.extend(e);
    }
    object(props, &["owner", "repo", "pull_number"])
}

fn text_prop(d: &str) -> Value {
    json!({"type": "string", "description": d})
}

fn number_prop(d: &str) -> Value {
    json!({"type": "number", "description": d})
}

fn list_prop(d: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": d})
}

fn owner_prop() -> Value {
    text_prop("Repository owner (username or organization)")
}

fn repo_prop() -> Value {
    text_prop("Repository name")
}

fn page_prop() -> Value {
    number_prop("Page number for pagination (min 1)")
}

fn per_page_prop() -> Value {
    number_prop("Results per page for pagination (min 1, max 100)")
}

fn num(a: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match a.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|n| *n >= 1.0)
            .map(|n| Some((n as u64).to_string()))
            .ok_or_else(|| format!("`{key}` must be a positive number, not {v}")),
    }
}

fn int(a: &Map<String, Value>, key: &str) -> Result<u64, String> {
    num(a, key)?.and_then(|n| n.parse().ok()).ok_or_else(|| format!("missing required argument `{key}`"))
}

/// `/repos/{owner}/{repo}`, each part checked so it cannot step out of the path.
fn repo_path(a: &Map<String, Value>) -> Result<String, String> {
    let (owner, repo) = (text(a, "owner")?, text(a, "repo")?);
    for (k, v) in [("owner", &owner), ("repo", &repo)] {
        if v.contains(['/', '?', '#']) || v == ".." {
            return Err(format!("`{k}` must be a single name, not {v:?}"));
        }
    }
    Ok(format!("/repos/{owner}/{repo}"))
}

fn pull_path(a: &Map<String, Value>, tail: &str) -> Result<String, String> {
    Ok(format!("{}/pulls/{}{tail}", repo_path(a)?, int(a, "pull_number")?))
}

/// A repository file path, each segment percent-encoded.
fn path_arg(a: &Map<String, Value>) -> Result<String, String> {
    let p = text(a, "path")?;
    let segs: Vec<String> = p
        .trim_matches('/')
        .split('/')
        .map(|s| serde_urlencoded::to_string([("", s)]).unwrap_or_default()[1..].replace('+', "%20"))
        .collect();
    if segs.iter().any(|s| s == ".." || s.is_empty()) {
        return Err(format!("`path` {p:?} is not a repository path"));
    }
    Ok(segs.join("/"))
}

fn query(pairs: &[(&str, Option<String>)]) -> String {
    let set: Vec<(&str, &str)> = pairs.iter().filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))).collect();
    if set.is_empty() { String::new() } else { format!("?{}", serde_urlencoded::to_string(set).unwrap_or_default()) }
}

fn copy(a: &Map<String, Value>, body: &mut Value, keys: &[(&str, &str)]) {
    for (from, to) in keys {
        if let Some(v) = a.get(*from).filter(|v| !v.is_null()) {
            body[*to] = v.clone();
        }
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
    fn tools_become_rest_requests() {
        let r = (tool("create_or_update_file").request)(&args(
            json!({"owner": "acme", "repo": "hello-world", "path": "docs/read me.md", "content": "hi", "message": "m", "branch": "main"}),
        ))
        .unwrap();
        assert_eq!((r.method, r.path.as_str()), (Method::PUT, "/repos/acme/hello-world/contents/docs/read%20me.md"));
        assert_eq!(r.body.unwrap()["content"], "aGk=");
        let r = (tool("search_issues").request)(&args(json!({"q": "repo:acme/hello-world is:open", "per_page": 5}))).unwrap();
        assert_eq!(r.path, "/search/issues?q=repo%3Aacme%2Fhello-world+is%3Aopen&per_page=5");
        let r = (tool("list_issues").request)(&args(json!({"owner": "acme", "repo": "hello-world", "labels": ["bug", "p1"]}))).unwrap();
        assert_eq!(r.path, "/repos/acme/hello-world/issues?labels=bug%2Cp1");
    }

    #[test]
    fn create_branch_looks_the_source_up_first() {
        let a = args(json!({"owner": "acme", "repo": "hello-world", "branch": "fix", "from_branch": "main"}));
        let first = (tool("create_branch").request)(&a).unwrap();
        assert_eq!(first.path, "/repos/acme/hello-world/git/ref/heads/main");
        let second = (first.then.unwrap())(&json!({"object": {"sha": "abc123"}}), &a).unwrap();
        assert_eq!(second.path, "/repos/acme/hello-world/git/refs");
        assert_eq!(second.body.unwrap(), json!({"ref": "refs/heads/fix", "sha": "abc123"}));
    }

    #[test]
    fn bad_arguments_are_named() {
        let err = (tool("get_issue").request)(&args(json!({"owner": "acme", "repo": "../x"}))).unwrap_err();
        assert!(err.contains("repo"), "{err}");
        let err = (tool("get_file_contents").request)(&args(json!({"owner": "acme", "repo": "r", "path": "a/../../b"}))).unwrap_err();
        assert!(err.contains("path"), "{err}");
        assert!((tool("create_issue").request)(&args(json!({"owner": "acme", "repo": "r"}))).unwrap_err().contains("title"));
    }
}
