"""Spins one seeded Slack clone for the whole session through the `asym` binary,
exactly as a user would, and destroys it at the end.

`ASYM_BIN` names the binary (default: `<repo>/target/debug/asym`). The clone lives
in a temporary `ASYM_HOME` whose config keeps its port inside 4300-4399 (or the
100 ports from `ASYM_CONFORMANCE_PORT_START`), away from the ports other suites use.
"""

import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
import uuid
import time
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

REPO = Path(__file__).resolve().parents[2]
ASYM_BIN = os.environ.get("ASYM_BIN") or str(REPO / "target" / "debug" / "asym")
_PORT_START = int(os.environ.get("ASYM_CONFORMANCE_PORT_START", "4300"))
# The suites make bursts of calls no real agent would; Slack's rate limits are
# tested on their own (ASYM_CONFORMANCE_RATE_LIMITS=on keeps them for the suite).
RATE_LIMIT_ARGS = [] if os.environ.get("ASYM_CONFORMANCE_RATE_LIMITS") == "on" else ["--no-rate-limits"]
PORT_RANGE = {"portRange": {"start": _PORT_START, "end": _PORT_START + 99}}


def _asym(home, *args):
    env = dict(os.environ, ASYM_HOME=home)
    out = subprocess.run([ASYM_BIN, *args], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"asym {' '.join(args)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def spun_clone(ports=None):
    """Spins a seeded clone in its own ASYM_HOME (on `ports`, a config portRange,
    or the session's range); yields {"id", "api", "bot", "user", "home"} (`api`
    already ends in `/api`) and destroys it afterwards."""
    if not os.path.exists(ASYM_BIN):
        pytest.exit(f"asym binary not found at {ASYM_BIN}: run `cargo build -p asym-cli` or set ASYM_BIN", returncode=2)
    home = tempfile.mkdtemp(prefix="asym-conformance-py-")
    Path(home, "config.json").write_text(json.dumps(ports or PORT_RANGE))
    spun = None
    try:
        spun = json.loads(_asym(home, "spin", "slack", "--seed", "acme-corp", *RATE_LIMIT_ARGS, "--json"))["clone"]
        yield {
            "id": spun["id"],
            "api": spun["api"],
            "bot": spun["tokens"]["bot"],
            "user": spun["tokens"]["user"],
            "home": home,
        }
    finally:
        if spun is not None:
            _asym(home, "destroy", spun["id"])
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def clone():
    """The session's shared clone. Modules that assert exact workspace contents
    override this fixture with one of their own (see test_slack_sdk.py)."""
    yield from spun_clone()


@pytest.fixture(scope="session")
def base_url(clone):
    # The only change a user makes to point the SDK at the clone.
    return clone["api"] + "/"


@pytest.fixture(scope="session")
def bot(clone, base_url):
    return WebClient(token=clone["bot"], base_url=base_url)


@pytest.fixture(scope="session")
def user(clone, base_url):
    return WebClient(token=clone["user"], base_url=base_url)


@pytest.fixture(scope="session")
def bot_identity(bot):
    """auth.test of the bot token: its user_id and bot_id."""
    return bot.auth_test()


# GitHub files: each names its clone (`gh_clone`: one of its own, or the shared
# one); the PyGithub client and the seeded repository follow from it.
@pytest.fixture(scope="module")
def gh(gh_clone):
    from github_support import client

    return client(gh_clone)


@pytest.fixture(scope="module")
def repo(gh):
    return gh.get_repo("acme/hello-world")


def unique(prefix):
    """A name no other test run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def api_error(call, *args, **kwargs):
    """Runs a slack_sdk call that must fail; returns the SlackApiError's response."""
    with pytest.raises(SlackApiError) as err:
        call(*args, **kwargs)
    resp = err.value.response
    assert resp["ok"] is False
    assert resp.status_code == 200, "Slack reports API errors with HTTP 200"
    return resp


def wait_for(what, probe, timeout=10.0):
    """Polls `probe` until it returns something truthy; fails naming `what`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = probe()
        if got:
            return got
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def http(method, url, body=None, headers=None):
    """(status, parsed JSON) of one request; HTTP errors are answers, not exceptions."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def admin_token(home, clone_id):
    """The clone's admin token, from the registry of the ASYM_HOME that spun it."""

    def find(node):
        if isinstance(node, dict):
            if node.get("id") == clone_id and "adminToken" in node:
                return node["adminToken"]
            node = list(node.values())
        if isinstance(node, list):
            return next((t for t in map(find, node) if t), None)
        return None

    with open(os.path.join(home, "registry.json")) as f:
        token = find(json.load(f))
    assert token, f"the registry does not name clone {clone_id}"
    return token
