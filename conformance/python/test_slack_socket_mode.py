"""Socket Mode with slack_sdk's own SocketModeClient (the builtin one), its
`web_client` pointed at the clone: apps.connections.open with an app-level token,
the `hello`, `events_api` envelopes carrying the same `event_callback` body HTTP
delivery signs, acknowledgements, and redelivery of an envelope left unacknowledged.

The app is created through the clone's control plane with a manifest that sets
`settings.socket_mode_enabled`, which hands back its app-level token (`xapp-…`,
`connections:write`). Its manifest also names a request URL (a local HTTP server):
apps in Socket Mode get their events over the socket only, so nothing may arrive there.

This module spins its own clone on ports 4820-4829 and destroys it afterwards.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse

from conftest import _asym, admin_token, api_error, http, spun_clone, unique, wait_for

PORTS = {"portRange": {"start": 4820, "end": 4829}}


class Recorder:
    """An HTTP endpoint that must stay silent (the app's request URL)."""

    def __init__(self):
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                server.requests.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/slack/events"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def clone():
    for c in spun_clone(PORTS):
        yield {
            "api": c["api"] + "/",
            "root": c["api"].removesuffix("/api"),
            "user": c["user"],
            "bot": c["bot"],
            "admin": {"x-asym-admin-token": admin_token(c["home"], c["id"])},
        }


@pytest.fixture(scope="module")
def request_url():
    r = Recorder()
    yield r
    r.close()


@pytest.fixture(scope="module")
def app(clone, request_url):
    m = {
        "display_information": {"name": unique("Sockets")},
        "features": {"bot_user": {"display_name": "Sockets"}},
        "oauth_config": {"scopes": {"bot": ["channels:history", "channels:read", "chat:write"]}},
        "settings": {
            "socket_mode_enabled": True,
            "event_subscriptions": {"request_url": request_url.url, "bot_events": ["message.channels"]},
        },
    }
    status, body = http("POST", f"{clone['root']}/api/_asym/apps", m, clone["admin"])
    assert status == 200, body
    return body


@pytest.fixture(scope="module")
def socket(app, clone):
    """A connected SocketModeClient that records every envelope and acknowledges
    all but the first delivery of events whose text contains `no-ack`."""
    received = []
    client = SocketModeClient(app_token=app["app_token"], web_client=WebClient(base_url=clone["api"]))

    def listener(c, req):
        received.append(req)
        text = (req.payload.get("event") or {}).get("text", "")
        if "no-ack" in text and req.retry_attempt == 0:
            return
        c.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    client.socket_mode_request_listeners.append(listener)
    client.connect()
    wait_for("the socket to connect", client.is_connected)
    yield client, received
    client.close()


@pytest.fixture(scope="module")
def room(clone, app):
    """A public channel made after the app, which its bot then joins."""
    user = WebClient(token=clone["user"], base_url=clone["api"])
    channel = user.conversations_create(name=unique("sockets"))["channel"]["id"]
    user.conversations_invite(channel=channel, users=app["bot_user_id"])
    return channel


def test_app_creation_hands_out_an_app_level_token(app):
    assert app["app_token"].startswith("xapp-1-" + app["app_id"] + "-")
    assert app["event_subscriptions"]["socket_mode_enabled"] is True


def test_a_message_event_arrives_as_an_events_api_envelope(clone, app, socket, room, request_url):
    client, received = socket
    user = WebClient(token=clone["user"], base_url=clone["api"])
    text = unique("hello over the socket")
    posted = user.chat_postMessage(channel=room, text=text)
    req = wait_for("the events_api envelope", lambda: next((r for r in received if (r.payload.get("event") or {}).get("text") == text), None))
    assert req.type == "events_api"
    assert req.envelope_id
    assert req.retry_attempt == 0 and req.retry_reason == ""
    assert req.accepts_response_payload is False
    body = req.payload
    assert body["type"] == "event_callback"
    assert body["api_app_id"] == app["app_id"]
    assert body["token"] == app["credentials"]["verification_token"]
    assert body["team_id"] == app["team_id"]
    assert body["event_id"].startswith("Ev")
    assert body["event"]["type"] == "message" and body["event"]["channel"] == room
    assert body["event"]["ts"] == posted["ts"] and body["event"]["channel_type"] == "channel"
    assert body["authorizations"][0]["user_id"] == app["bot_user_id"] and body["authorizations"][0]["is_bot"] is True

    def acked():
        status, log = http("GET", f"{clone['root']}/api/_asym/deliveries?app_id={app['app_id']}&event_id={body['event_id']}", headers=clone["admin"])
        return [d for d in log["deliveries"] if d["ok"]]

    wait_for("the acknowledged delivery in the log", acked)
    assert request_url.requests == [], "apps in Socket Mode get nothing at their request URL"


def test_an_unacknowledged_envelope_is_sent_again(clone, socket, room):
    client, received = socket
    user = WebClient(token=clone["user"], base_url=clone["api"])
    text = unique("no-ack please")
    user.chat_postMessage(channel=room, text=text)
    mine = lambda: [r for r in received if (r.payload.get("event") or {}).get("text") == text]
    wait_for("the retry", lambda: len(mine()) >= 2, timeout=15)
    first, retry = mine()[:2]
    assert first.retry_attempt == 0
    assert retry.retry_attempt == 1 and retry.retry_reason == "timeout"
    assert retry.envelope_id != first.envelope_id
    assert retry.payload == first.payload, "a retry carries the same event_callback body"


def test_apps_connections_open_needs_an_app_level_token(clone, app):
    bot = WebClient(token=app["bot_token"], base_url=clone["api"])
    assert api_error(bot.apps_connections_open, app_token=app["bot_token"])["error"] == "not_allowed_token_type"
    assert api_error(bot.apps_connections_open, app_token="xapp-1-A000-1-" + "0" * 64)["error"] == "invalid_auth"
    url = bot.apps_connections_open(app_token=app["app_token"])["url"]
    assert url.startswith(clone["root"].replace("http://", "ws://") + "/link/?ticket=")
    # An app-level token without connections:write.
    status, minted = http("POST", f"{clone['root']}/api/_asym/apps/{app['app_id']}/tokens", {"name": "audit", "scopes": ["authorizations:read"]}, clone["admin"])
    assert status == 200, minted
    err = api_error(bot.apps_connections_open, app_token=minted["token"])
    assert err["error"] == "missing_scope" and err["needed"] == "connections:write"
    # App-level tokens do not call other methods.
    as_app = WebClient(token=app["app_token"], base_url=clone["api"])
    assert api_error(as_app.auth_test)["error"] == "not_allowed_token_type"
    status, bad = http("POST", f"{clone['root']}/api/_asym/apps/{app['app_id']}/tokens", {"scopes": ["chat:write"]}, clone["admin"])
    assert (status, bad["error"]) == (400, "invalid_scope")
