"""The GitHub clone as an MCP server (the core tools of GitHub's MCP server), driven
by the official MCP client SDK over streamable HTTP and stdio, each effect checked
through PyGithub."""

import base64
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import anyio
import httpx
import pytest
from github import Auth, Github
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from conftest import ASYM_BIN, _asym
from github_support import login_token

PORT_START = int(os.environ.get("ASYM_GITHUB_MCP_PORT_START", "4760"))
CORE = {
    "get_me",
    "get_file_contents",
    "create_or_update_file",
    "create_branch",
    "list_branches",
    "create_issue",
    "get_issue",
    "update_issue",
    "list_issues",
    "add_issue_comment",
    "create_pull_request",
    "get_pull_request",
    "create_pull_request_review",
    "merge_pull_request",
    "search_issues",
    "search_repositories",
}


@pytest.fixture(scope="module")
def clone():
    home = tempfile.mkdtemp(prefix="asym-gh-mcp-py-")
    Path(home, "config.json").write_text(json.dumps({"portRange": {"start": PORT_START, "end": PORT_START + 19}}))
    name = f"gh-mcp-{uuid.uuid4().hex[:6]}"
    spun = None
    try:
        spun = json.loads(_asym(home, "spin", "github", "--seed", "acme", "--name", name, "--no-rate-limits", "--json"))["clone"]
        yield {"home": home, "id": name, "api": spun["api"], "mcp": spun["mcp"], "token": spun["tokens"]["token"]}
    finally:
        if spun is not None:
            _asym(home, "destroy", name)
        shutil.rmtree(home, ignore_errors=True)


def gh(clone, token=None):
    return Github(base_url=clone["api"], auth=Auth.Token(token or clone["token"]), seconds_between_requests=None, seconds_between_writes=None)


def over_http(clone, work, token=None):
    async def go():
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token or clone['token']}"}, timeout=30) as http:
            async with streamable_http_client(clone["mcp"], http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await work(session)

    return anyio.run(go)


def payload(result):
    return json.loads(result.content[0].text)


def test_the_core_tools_are_listed(clone):
    async def work(session):
        return await session.list_tools()

    names = {t.name for t in over_http(clone, work).tools}
    assert CORE <= names, CORE - names


def test_an_agent_fixes_a_bug_through_mcp_and_github_shows_it(clone):
    branch = f"fix-{uuid.uuid4().hex[:6]}"

    async def work(session):
        me = payload(await session.call_tool("get_me", {}))
        issue = payload(await session.call_tool("create_issue", {"owner": "acme", "repo": "hello-world", "title": "Typo in NOTES", "labels": ["bug"]}))
        made = await session.call_tool("create_branch", {"owner": "acme", "repo": "hello-world", "branch": branch, "from_branch": "main"})
        assert not made.isError, made
        committed = await session.call_tool(
            "create_or_update_file",
            {"owner": "acme", "repo": "hello-world", "path": "NOTES.md", "content": "no typos here\n", "message": "Add notes", "branch": branch},
        )
        assert not committed.isError, committed
        pr = payload(
            await session.call_tool(
                "create_pull_request",
                {"owner": "acme", "repo": "hello-world", "title": "Fix notes", "head": branch, "base": "main", "body": f"Fixes #{issue['number']}"},
            )
        )
        merged = await session.call_tool("merge_pull_request", {"owner": "acme", "repo": "hello-world", "pull_number": pr["number"], "merge_method": "squash"})
        return me, issue, pr, payload(merged)

    me, issue, pr, merged = over_http(clone, work)
    assert me["login"] == "dana"
    assert merged["merged"] is True
    repo = gh(clone).get_repo("acme/hello-world")
    assert repo.get_pull(pr["number"]).merged is True
    assert base64.b64decode(repo.get_contents("NOTES.md", ref="main").content) == b"no typos here\n"
    assert repo.get_issue(issue["number"]).state == "closed", "Fixes #n closes the issue on merge"
    assert [c.name for c in repo.get_issue(issue["number"]).labels] == ["bug"]


def test_refusals_are_the_rest_api_refusals(clone):
    async def private(session):
        return await session.call_tool("get_issue", {"owner": "acme", "repo": "secret-plans", "issue_number": 1})

    outsider = login_token(clone, "olly")
    hidden = over_http(clone, private, token=outsider)
    assert hidden.isError and payload(hidden)["message"] == "Not Found"

    async def anything(session):
        return await session.call_tool("get_me", {})

    bad = over_http(clone, anything, token="ghp_notarealtoken000000000000000000000000")
    assert bad.isError and payload(bad)["message"] == "Bad credentials"

    async def invalid(session):
        return await session.call_tool("create_issue", {"owner": "acme", "repo": "hello-world", "title": ""})

    result = over_http(clone, invalid)
    assert result.isError


def test_stdio_acts_with_the_clone_token(clone):
    params = StdioServerParameters(command=ASYM_BIN, args=["mcp", clone["id"]], env=dict(os.environ, ASYM_HOME=clone["home"]))

    async def go():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool("search_issues", {"q": "repo:acme/hello-world is:issue"})

    found = anyio.run(go)
    assert not found.isError and payload(found)["total_count"] >= 1
