"""What the GitHub conformance files share: one seeded GitHub clone per session,
spun through the `asym` binary in its own ASYM_HOME (ports 4600-4649, or the 50
from `ASYM_GITHUB_PY_PORT_START`) and destroyed at exit, and PyGithub clients
pointed at it -- only `base_url` and the token differ from real GitHub.

The clone keeps GitHub's rate limits (5,000 requests an hour per token), so the
rate-limit headers are real; the suites stay far below them.
"""

import atexit
import base64
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from github import Auth, Github

from conftest import ASYM_BIN, _asym

_PORT_START = int(os.environ.get("ASYM_GITHUB_PY_PORT_START", "4600"))
PORT_RANGE = {"portRange": {"start": _PORT_START, "end": _PORT_START + 49}}

_shared = {}


def spin(seed="acme", port_start=None):
    """Spins a seeded GitHub clone (on the 10 ports from `port_start`, or the
    session's range); returns {"id", "api", "token", "home"}."""
    if not os.path.exists(ASYM_BIN):
        pytest.exit(f"asym binary not found at {ASYM_BIN}: run `cargo build -p asym-cli` or set ASYM_BIN", returncode=2)
    home = tempfile.mkdtemp(prefix="asym-conformance-gh-py-")
    ports = PORT_RANGE if port_start is None else {"portRange": {"start": port_start, "end": port_start + 9}}
    Path(home, "config.json").write_text(json.dumps(ports))
    spun = json.loads(_asym(home, "spin", "github", "--seed", seed, "--json"))["clone"]
    return {"id": spun["id"], "api": spun["api"], "token": spun["tokens"]["token"], "home": home}


def destroy(clone):
    try:
        _asym(clone["home"], "destroy", clone["id"])
    finally:
        shutil.rmtree(clone["home"], ignore_errors=True)


def own_clone(port_start):
    """A module fixture's body: a clone of its own on the 10 ports from
    `port_start`, destroyed when the module is done."""
    clone = spin(port_start=port_start)
    try:
        yield clone
    finally:
        destroy(clone)


def shared_clone():
    """The session's clone, spun on first use and destroyed when Python exits."""
    if "clone" not in _shared:
        _shared["clone"] = spin()
        atexit.register(destroy, _shared["clone"])
    return _shared["clone"]


def client(clone, token=None, **kw):
    # The only change a user makes to point PyGithub at the clone: base_url and
    # token. PyGithub paces itself for github.com's secondary limits (0.25 s
    # between requests, 1 s between writes); the suites turn that pacing off.
    kw.setdefault("seconds_between_requests", None)
    kw.setdefault("seconds_between_writes", None)
    return Github(base_url=clone["api"], auth=Auth.Token(token or clone["token"]), **kw)


def login_token(clone, login, password="password123"):
    """A personal access token for a seeded user, minted by the clone's control plane."""
    req = urllib.request.Request(
        clone["api"] + "/api/login",
        data=json.dumps({"login": login, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["token"]


def git_blob_sha(data: bytes) -> str:
    """The id git gives a blob: SHA-1 of `blob <len>\\0` + bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def unique(prefix):
    return f"{prefix}-{os.urandom(4).hex()}"


class HookSink:
    """A local HTTP server that records webhook deliveries."""

    def __init__(self):
        self.received = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sink.received.append((self.headers, body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, event, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for headers, body in self.received:
                if headers.get("X-GitHub-Event") == event:
                    return headers, body
            time.sleep(0.05)
        raise AssertionError(f"no `{event}` delivery arrived; got {[h.get('X-GitHub-Event') for h, _ in self.received]}")

    def close(self):
        self.server.shutdown()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """GitHub's documented check of `X-Hub-Signature-256`."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
