"""The Slack clone as an MCP server, driven by the official MCP client SDK (`mcp`
from PyPI) over both transports — streamable HTTP at the clone's `/mcp`, and stdio
through `asym mcp <id>` — with each effect checked through slack_sdk.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from conftest import ASYM_BIN, RATE_LIMIT_ARGS, _asym

PORT_START = int(os.environ.get("ASYM_MCP_PORT_START", "4720"))
RANDOM = "C0ACMERAND"
REFERENCE_TOOLS = {
    "slack_list_channels",
    "slack_post_message",
    "slack_reply_to_thread",
    "slack_add_reaction",
    "slack_get_channel_history",
    "slack_get_thread_replies",
    "slack_get_users",
    "slack_get_user_profile",
}


@pytest.fixture(scope="module")
def clone():
    home = tempfile.mkdtemp(prefix="asym-mcp-py-")
    Path(home, "config.json").write_text(json.dumps({"portRange": {"start": PORT_START, "end": PORT_START + 19}}))
    name = f"mcp-py-{secrets.token_hex(3)}"
    spun = None
    try:
        # A remote name the MCP endpoint should accept besides loopback.
        env = dict(os.environ, ASYM_HOME=home, ASYM_MCP_ALLOWED_HOSTS="agents.example")
        out = subprocess.run(
            [ASYM_BIN, "spin", "slack", "--seed", "acme-corp", "--name", name, *RATE_LIMIT_ARGS, "--json"], env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        spun = json.loads(out.stdout)["clone"]
        yield {"home": home, "id": name, "mcp": spun["mcp"], "api": spun["api"] + "/", "bot": spun["tokens"]["bot"]}
    finally:
        if spun is not None:
            _asym(home, "destroy", name)
        shutil.rmtree(home, ignore_errors=True)


def over_http(url, token, work):
    async def go():
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
            async with streamable_http_client(url, http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await work(session)

    return anyio.run(go)


def over_stdio(clone, work, *extra):
    params = StdioServerParameters(command=ASYM_BIN, args=["mcp", clone["id"], *extra], env=dict(os.environ, ASYM_HOME=clone["home"]))

    async def go():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await work(session)

    return anyio.run(go)


def payload(result):
    return json.loads(result.content[0].text)


def test_the_endpoint_is_listed_and_serves_the_reference_tools(clone):
    assert clone["mcp"].endswith("/mcp")

    async def work(session):
        return await session.list_tools()

    tools = over_http(clone["mcp"], clone["bot"], work).tools
    names = {t.name for t in tools}
    assert REFERENCE_TOOLS <= names, names
    post = next(t for t in tools if t.name == "slack_post_message")
    assert post.inputSchema["required"] == ["channel_id", "text"]
    assert all(t.description for t in tools)


def test_a_message_posted_through_mcp_is_in_the_history_the_sdk_reads(clone):
    text = f"posted over MCP {secrets.token_hex(4)}"

    async def work(session):
        return await session.call_tool("slack_post_message", {"channel_id": RANDOM, "text": text})

    result = over_http(clone["mcp"], clone["bot"], work)
    assert not result.isError, result
    posted = payload(result)
    assert posted["ok"] is True and posted["channel"] == RANDOM
    history = WebClient(token=clone["bot"], base_url=clone["api"]).conversations_history(channel=RANDOM, limit=5)
    assert any(m["ts"] == posted["ts"] and m["text"] == text for m in history["messages"])


def test_a_token_without_the_scope_is_refused_as_the_api_refuses_it(clone):
    manifest = Path(clone["home"], "reader.json")
    manifest.write_text(json.dumps({"display_information": {"name": "reader"}, "oauth_config": {"scopes": {"bot": ["channels:read"]}}}))
    app = json.loads(_asym(clone["home"], "apps", "create", clone["id"], "--manifest", str(manifest), "--json"))
    reader = app["bot_token"]
    with pytest.raises(SlackApiError) as e:
        WebClient(token=reader, base_url=clone["api"]).chat_postMessage(channel=RANDOM, text="x")
    api = e.value.response
    assert api.status_code == 200 and api.data["error"] == "missing_scope"

    async def work(session):
        return await session.call_tool("slack_post_message", {"channel_id": RANDOM, "text": "x"})

    result = over_http(clone["mcp"], reader, work)
    assert result.isError
    refused = payload(result)
    assert refused["error"] == "missing_scope" and refused["needed"] == api.data["needed"] and refused["provided"] == api.data["provided"]


def test_bad_arguments_and_a_missing_token_are_tool_errors(clone):
    async def work(session):
        return await session.call_tool("slack_post_message", {"channel_id": RANDOM})

    result = over_http(clone["mcp"], clone["bot"], work)
    assert result.isError and "text" in result.content[0].text

    async def history(session):
        return await session.call_tool("slack_get_channel_history", {"channel_id": RANDOM})

    result = over_http(clone["mcp"], "xoxb-not-a-token", history)
    assert result.isError and payload(result)["error"] == "invalid_auth"


def test_stdio_lists_and_calls_the_same_tools(clone):
    text = f"posted over stdio {secrets.token_hex(4)}"

    async def work(session):
        tools = await session.list_tools()
        posted = await session.call_tool("slack_reply_to_thread", {"channel_id": RANDOM, "thread_ts": "0", "text": text})
        history = await session.call_tool("slack_get_channel_history", {"channel_id": RANDOM, "limit": 3})
        return tools, posted, history

    tools, posted, history = over_stdio(clone, work)
    assert REFERENCE_TOOLS <= {t.name for t in tools.tools}
    # thread_ts "0" names no message: Slack's own error comes back as a tool error.
    assert posted.isError and payload(posted)["error"] in ("thread_not_found", "invalid_thread_ts")
    assert not history.isError and payload(history)["ok"] is True

    async def with_user(session):
        return await session.call_tool("slack_search_messages", {"query": "release"})

    searched = over_stdio(clone, with_user, "--credential", "user")
    assert not searched.isError and payload(searched)["ok"] is True


def test_tool_calls_are_in_the_request_journal(clone):
    out = _asym(clone["home"], "trace", clone["id"], "--method", "chat.postMessage", "--json")
    entries = [json.loads(line) for line in out.splitlines() if line.strip()]
    via_mcp = [e for e in entries if e.get("via") == "mcp:slack_post_message"]
    assert via_mcp and all(e["status"] == 200 and e["principal"].startswith("Bearer xoxb-") for e in via_mcp), entries
    assert '"channel"' in via_mcp[0]["request"], "the tool's API request body is journaled"


@pytest.fixture(scope="module")
def pair():
    """An environment with two Slack clones, so their tools need telling apart."""
    home = tempfile.mkdtemp(prefix="asym-mcp-env-py-")
    start = PORT_START + 20
    Path(home, "config.json").write_text(json.dumps({"portRange": {"start": start, "end": start + 18}}))
    suffix = secrets.token_hex(2)
    names = [f"mcp-a-{suffix}", f"mcp-b-{suffix}"]
    spec = Path(home, "pair.env.yaml")
    spec.write_text("name: pair\nclones:\n" + "".join(f"  - template: slack\n    seed: acme-corp\n    name: {n}\n    rateLimits: false\n" for n in names))
    spun = None
    try:
        spun = json.loads(_asym(home, "env", "spin", str(spec), "--json"))
        clones = {m["clone"]["id"]: m["clone"] for m in spun["members"]}
        yield {"home": home, "names": names, "clones": clones, "http_port": start + 19}
    finally:
        if spun is not None:
            _asym(home, "env", "destroy", "pair")
        shutil.rmtree(home, ignore_errors=True)


def history_texts(clone):
    client = WebClient(token=clone["tokens"]["bot"], base_url=clone["api"] + "/")
    return [m["text"] for m in client.conversations_history(channel=RANDOM, limit=20)["messages"]]


def test_the_environment_endpoint_namespaces_members_and_routes_each_call(pair):
    a, b = pair["names"]
    text = f"to {a} only {secrets.token_hex(3)}"
    params = StdioServerParameters(command=ASYM_BIN, args=["env", "mcp", "pair"], env=dict(os.environ, ASYM_HOME=pair["home"]))

    async def go():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                posted = await session.call_tool(f"{a.replace('-', '_')}__slack_post_message", {"channel_id": RANDOM, "text": text})
                return tools, posted

    tools, posted = anyio.run(go)
    names = {t.name for t in tools.tools}
    for clone in (a, b):
        assert {f"{clone.replace('-', '_')}__{t}" for t in REFERENCE_TOOLS} <= names, names
    assert not posted.isError, posted
    assert text in history_texts(pair["clones"][a])
    assert text not in history_texts(pair["clones"][b])


def test_the_environment_endpoint_over_http(pair):
    a, b = pair["names"]
    port = pair["http_port"]
    server = subprocess.Popen(
        [ASYM_BIN, "env", "mcp", "pair", "--port", str(port)],
        env=dict(os.environ, ASYM_HOME=pair["home"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    text = f"to {b} over http {secrets.token_hex(3)}"
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline, "asym env mcp --port did not start"
                time.sleep(0.05)

        async def work(session):
            return await session.call_tool(f"{b.replace('-', '_')}__slack_post_message", {"channel_id": RANDOM, "text": text})

        posted = over_http(f"http://127.0.0.1:{port}/mcp", "unused", work)
        assert not posted.isError, posted
        assert text in history_texts(pair["clones"][b])
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_host_headers_other_than_loopback_and_the_configured_names_are_refused(clone):
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    headers = {"Authorization": f"Bearer {clone['bot']}", "Accept": "application/json, text/event-stream"}
    port = clone["mcp"].split(":")[2].split("/")[0]
    refused = httpx.post(clone["mcp"], json=init, headers={**headers, "Host": "rebind.attacker.example"}, timeout=10)
    assert refused.status_code in (400, 403, 421), refused.status_code
    allowed = httpx.post(clone["mcp"], json=init, headers={**headers, "Host": f"agents.example:{port}"}, timeout=10)
    assert allowed.status_code == 200, allowed.text
