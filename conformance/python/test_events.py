"""Apps from a manifest, the Events API and the web login, against the session clone.

An app is created through the clone's control plane (`POST /api/_asym/apps`, Slack's
app manifest format) with its Events API request URL pointing at a small HTTP server
this module runs. The server answers Slack's `url_verification` challenge, records
every `event_callback` it is sent, and fails on purpose where a test asks it to.
Signatures are checked with `slack_sdk.signature.SignatureVerifier`, as an app would.

Every app brings a bot user that joins the open public channels, which would change
what other suites count on the session clone (users.list, num_members), so this
module spins a clone of its own, the same way conftest.py does, and destroys it after.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from conftest import _asym, admin_token, api_error, http, spun_clone, unique, wait_for

TEAM = "T0ACME0001"
DANA = "U0ACMEDANA"
PRIYA = "U0ACMEPRIA"
RANDOM = "C0ACMERAND"
SUPPORT = "C0ACMESUPP"


# --- helpers -----------------------------------------------------------------------------


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class EventsServer:
    """An app's Events API endpoint on 127.0.0.1:<free port>.

    `/events` echoes the challenge; `/wrong` answers it with the wrong value.
    `fail[marker] = n` answers 500 to the first n deliveries of any event whose
    text contains marker; `slow[marker] = s` waits s seconds before answering the
    first delivery of such an event.
    """

    def __init__(self):
        self.requests = []  # (path, headers dict with lower-case names, raw body bytes)
        self.fail = {}
        self.slow = {}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with server.lock:
                    server.requests.append((self.path, headers, raw))
                    payload = json.loads(raw)
                    text = (payload.get("event") or {}).get("text", "")
                    seen = sum(1 for p, _, b in server.requests if p == self.path and json.loads(b).get("event_id") == payload.get("event_id"))
                    fail_now = any(m in text and seen <= n for m, n in server.fail.items())
                    delay = next((s for m, s in server.slow.items() if m in text and seen == 1), 0)
                if delay:
                    time.sleep(delay)
                if payload.get("type") == "url_verification":
                    challenge = payload["challenge"] if self.path == "/events" else "not-the-challenge"
                    self.answer(200, challenge.encode(), "text/plain")
                elif fail_now:
                    self.answer(500, b"boom", "text/plain")
                else:
                    self.answer(200, b"", "text/plain")

            def answer(self, status, body, ctype):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/events"):
        return f"http://127.0.0.1:{self.port}{path}"

    def callbacks(self, app_id, predicate=lambda env: True):
        """Deliveries of event_callback envelopes to `app_id`: (headers, raw, envelope)."""
        with self.lock:
            out = []
            for _, headers, raw in self.requests:
                env = json.loads(raw)
                if env.get("type") == "event_callback" and env.get("api_app_id") == app_id and predicate(env):
                    out.append((headers, raw, env))
            return out

    def verifications(self, path="/events"):
        with self.lock:
            return [(h, raw, json.loads(raw)) for p, h, raw in self.requests if p == path and json.loads(raw).get("type") == "url_verification"]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def manifest(name, bot=(), user=(), url=None, bot_events=(), user_events=()):
    m = {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {"name": name},
        "features": {"bot_user": {"display_name": name, "always_online": False}},
        "oauth_config": {"scopes": {"bot": list(bot)}},
        "settings": {"org_deploy_enabled": False, "socket_mode_enabled": False, "token_rotation_enabled": False},
    }
    if user:
        m["oauth_config"]["scopes"]["user"] = list(user)
    if url:
        m["settings"]["event_subscriptions"] = {"request_url": url, "bot_events": list(bot_events), "user_events": list(user_events)}
    return m


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clone():
    """This module's own clone (see the module docstring), like conftest's `clone`
    plus the `home` that holds its registry."""
    yield from spun_clone()


@pytest.fixture(scope="module")
def base_url(clone):
    return clone["api"] + "/"


@pytest.fixture(scope="module")
def user(clone, base_url):
    return WebClient(token=clone["user"], base_url=base_url)


@pytest.fixture(scope="module")
def root(clone):
    """The clone's origin (control-plane routes live under /api/_asym)."""
    return clone["api"].removesuffix("/api")


@pytest.fixture(scope="module")
def server():
    s = EventsServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def public_room(user):
    """A public channel of this module, made before the apps (which join every open
    public channel when created); #support where conversations.create is not built.
    Nothing here posts to #random: other suites check its history."""
    try:
        return user.conversations_create(name=unique("events-pub"))["channel"]["id"]
    except SlackApiError as e:
        if e.response["error"] != "not_implemented":
            raise
        return SUPPORT


@pytest.fixture(scope="module")
def app(root, clone, server, public_room):
    """An app subscribed to messages and mentions, created by the workspace owner."""
    m = manifest(
        unique("Triage"),
        bot=["chat:write", "channels:history", "channels:read", "groups:history", "groups:read", "app_mentions:read", "users:read"],
        user=["channels:history", "search:read"],
        url=server.url(),
        bot_events=["message.channels", "message.groups", "app_mention"],
    )
    status, body = http("POST", f"{root}/api/_asym/apps", m, bearer(clone["user"]))
    assert status == 200, body
    return body


@pytest.fixture(scope="module")
def app_bot(app, base_url):
    return WebClient(token=app["bot_token"], base_url=base_url)


@pytest.fixture(scope="module")
def room(app, user, public_room):
    """A private channel of the owner that the app's bot was invited to; where
    conversations.create/invite are not built yet, a public channel the bot joined
    when the app was created."""
    try:
        c = user.conversations_create(name=unique("events"), is_private=True)["channel"]["id"]
        user.conversations_invite(channel=c, users=app["bot_user_id"])
        return {"id": c, "channel_type": "group"}
    except SlackApiError as e:
        if e.response["error"] != "not_implemented":
            raise
        return {"id": public_room, "channel_type": "channel"}


# --- creating apps ---------------------------------------------------------------------------


def test_create_app_returns_tokens_and_credentials(app, server, app_bot, base_url):
    assert app["ok"] is True
    assert app["app_id"].startswith("A")
    assert app["team_id"] == TEAM
    assert app["bot_user_id"].startswith("U")
    assert app["bot_id"].startswith("B")
    assert app["bot_token"].startswith("xoxb-")
    assert app["user_token"].startswith("xoxp-")
    assert app["authed_user_id"] == DANA
    creds = app["credentials"]
    assert len(creds["signing_secret"]) == 32
    assert len(creds["client_secret"]) == 32
    assert len(creds["verification_token"]) == 24
    assert creds["client_id"].count(".") == 1
    me = app_bot.auth_test()
    assert me["user_id"] == app["bot_user_id"]
    assert me["bot_id"] == app["bot_id"]
    assert me["team_id"] == TEAM
    # The bot token holds exactly the manifest's bot scopes.
    assert sorted(me.headers["x-oauth-scopes"].split(",")) == sorted(app["scopes"]["bot"])
    u = WebClient(token=app["user_token"], base_url=base_url).auth_test()
    assert u["user_id"] == DANA
    assert sorted(u.headers["x-oauth-scopes"].split(",")) == ["channels:history", "search:read"]


def test_url_verification_challenge(app, server):
    assert app["event_subscriptions"]["url_verified"] is True
    assert app["event_subscriptions"]["request_url"] == server.url()
    checks = [v for v in server.verifications() if v[2]["token"] == app["credentials"]["verification_token"]]
    assert len(checks) == 1
    headers, raw, body = checks[0]
    assert set(body) == {"token", "challenge", "type"}
    assert body["type"] == "url_verification"
    assert len(body["challenge"]) > 20
    verifier = SignatureVerifier(app["credentials"]["signing_secret"])
    assert verifier.is_valid(body=raw.decode(), timestamp=headers["x-slack-request-timestamp"], signature=headers["x-slack-signature"])


def test_app_bot_joined_the_open_public_channels(app_bot, public_room):
    assert app_bot.conversations_info(channel=RANDOM)["channel"]["is_member"] is True
    assert app_bot.conversations_info(channel=public_room)["channel"]["is_member"] is True


def test_message_event_callback_is_signed_and_complete(app, app_bot, server, room):
    text = unique("hello from the app")
    posted = app_bot.chat_postMessage(channel=room["id"], text=text)
    got = wait_for("the message event", lambda: server.callbacks(app["app_id"], lambda e: e["event"].get("text") == text))
    assert len(got) == 1, "delivered once"
    headers, raw, env = got[0]
    assert env["token"] == app["credentials"]["verification_token"]
    assert env["team_id"] == TEAM
    assert env["api_app_id"] == app["app_id"]
    assert env["type"] == "event_callback"
    assert env["event_id"].startswith("Ev")
    assert abs(env["event_time"] - time.time()) < 60
    assert env["authorizations"] == [
        {"enterprise_id": None, "team_id": TEAM, "user_id": app["bot_user_id"], "is_bot": True, "is_enterprise_install": False}
    ]
    assert env["is_ext_shared_channel"] is False
    assert env["event_context"].startswith("4-")
    ev = env["event"]
    assert ev["type"] == "message"
    assert ev["channel"] == room["id"]
    assert ev["channel_type"] == room["channel_type"]
    assert ev["user"] == app["bot_user_id"]
    assert ev["bot_id"] == app["bot_id"]
    assert ev["ts"] == posted["ts"]
    assert ev["event_ts"] == posted["ts"]
    assert "x-slack-retry-num" not in headers
    assert headers["content-type"].startswith("application/json")
    verifier = SignatureVerifier(app["credentials"]["signing_secret"])
    ts, sig = headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    assert sig.startswith("v0=")
    assert verifier.is_valid(body=raw.decode(), timestamp=ts, signature=sig)
    assert not verifier.is_valid(body=raw.decode().replace(text, text + "!"), timestamp=ts, signature=sig)
    assert not SignatureVerifier("0" * 32).is_valid(body=raw.decode(), timestamp=ts, signature=sig)


def test_app_mention_from_a_person(app, user, server, room):
    if room["channel_type"] == "channel":
        pytest.skip("private channels need conversations.create and conversations.invite")
    text = f"<@{app['bot_user_id']}> please triage {unique('ticket')}"
    posted = user.chat_postMessage(channel=room["id"], text=text)
    kinds = lambda: {e["event"]["type"]: e for _, _, e in server.callbacks(app["app_id"], lambda e: e["event"].get("ts") == posted["ts"])}
    got = wait_for("the message and app_mention events", lambda: (k := kinds()) and len(k) == 2 and k)
    mention, message = got["app_mention"], got["message"]
    assert mention["event"]["user"] == DANA
    assert mention["event"]["text"] == text
    assert mention["event"]["channel"] == room["id"]
    assert "channel_type" not in mention["event"]
    assert mention["event_id"] != message["event_id"]
    assert message["event"]["channel_type"] == "group"
    assert mention["authorizations"][0]["user_id"] == app["bot_user_id"]


def test_events_the_app_did_not_subscribe_to_are_not_sent(app, server, root, clone, base_url, public_room):
    # A second app subscribed to mentions only sees no plain messages.
    m = manifest(unique("Mentions"), bot=["app_mentions:read", "chat:write"], url=server.url(), bot_events=["app_mention"])
    status, other = http("POST", f"{root}/api/_asym/apps", m, bearer(clone["user"]))
    assert status == 200, other
    bot = WebClient(token=other["bot_token"], base_url=base_url)
    plain = unique("plain")
    mention = f"<@{other['bot_user_id']}> {unique('look')}"
    channel = public_room
    bot.chat_postMessage(channel=channel, text=plain)
    bot.chat_postMessage(channel=channel, text=mention)
    got = wait_for("the mention", lambda: server.callbacks(other["app_id"], lambda e: e["event"].get("text") == mention))
    assert [e["event"]["type"] for _, _, e in got] == ["app_mention"]
    time.sleep(0.5)
    assert server.callbacks(other["app_id"], lambda e: e["event"].get("text") == plain) == []


def test_failed_deliveries_are_retried_with_retry_headers(app, app_bot, server, room, root, clone):
    marker = unique("flaky")
    server.fail[marker] = 2
    posted = app_bot.chat_postMessage(channel=room["id"], text=f"{marker} deploy finished")
    got = wait_for("three attempts", lambda: (c := server.callbacks(app["app_id"], lambda e: marker in e["event"].get("text", ""))) and len(c) >= 3 and c)
    assert len(got) == 3
    assert len({e["event_id"] for _, _, e in got}) == 1, "every retry is the same event"
    assert len({raw for _, raw, _ in got}) == 1, "the same body each time"
    assert [h.get("x-slack-retry-num") for h, _, _ in got] == [None, "1", "2"]
    assert [h.get("x-slack-retry-reason") for h, _, _ in got] == [None, "http_error", "http_error"]
    verifier = SignatureVerifier(app["credentials"]["signing_secret"])
    for h, raw, _ in got:
        assert verifier.is_valid(body=raw.decode(), timestamp=h["x-slack-request-timestamp"], signature=h["x-slack-signature"])
    event_id = got[0][2]["event_id"]
    assert got[0][2]["event"]["ts"] == posted["ts"]

    def log():
        status, body = http("GET", f"{root}/api/_asym/deliveries?app_id={app['app_id']}&event_id={event_id}", headers=bearer(clone["user"]))
        assert status == 200, body
        return len(body["deliveries"]) == 3 and body["deliveries"]

    entries = wait_for("the delivery log", log)
    assert [(d["attempt"], d["status"], d["error"], d["ok"]) for d in entries] == [
        (0, 500, "http_error", False),
        (1, 500, "http_error", False),
        (2, 200, None, True),
    ]
    assert all(d["event_type"] == "message" and d["app_id"] == app["app_id"] for d in entries)
    assert entries[0]["time"] <= entries[1]["time"] <= entries[2]["time"]


def test_a_slow_app_gets_a_timeout_retry(app, app_bot, server, room):
    marker = unique("slow")
    server.slow[marker] = 3.6
    app_bot.chat_postMessage(channel=room["id"], text=f"{marker} report")
    got = wait_for("the retry after a timeout", lambda: (c := server.callbacks(app["app_id"], lambda e: marker in e["event"].get("text", ""))) and len(c) >= 2 and c, timeout=15)
    assert got[1][0]["x-slack-retry-num"] == "1"
    assert got[1][0]["x-slack-retry-reason"] == "http_timeout"


def test_an_unverified_url_gets_no_events(server, root, clone, base_url, public_room):
    m = manifest(unique("Unverified"), bot=["chat:write", "channels:history"], url=server.url("/wrong"), bot_events=["message.channels"])
    status, body = http("POST", f"{root}/api/_asym/apps", m, bearer(clone["user"]))
    assert status == 200, body
    subs = body["event_subscriptions"]
    assert subs["url_verified"] is False
    assert "challenge" in subs["url_verification_error"]
    assert len(server.verifications("/wrong")) >= 1
    text = unique("nobody hears this")
    WebClient(token=body["bot_token"], base_url=base_url).chat_postMessage(channel=public_room, text=text)
    time.sleep(0.8)
    assert server.callbacks(body["app_id"]) == []
    status, log = http("GET", f"{root}/api/_asym/deliveries?app_id={body['app_id']}", headers=bearer(clone["user"]))
    assert status == 200 and log["deliveries"] == []


def test_unreachable_url_is_recorded_unverified(root, clone):
    # A port nothing listens on.
    s = EventsServer()
    dead = s.url()
    s.close()
    m = manifest(unique("Dead"), bot=["channels:history"], url=dead, bot_events=["message.channels"])
    status, body = http("POST", f"{root}/api/_asym/apps", m, bearer(clone["user"]))
    assert status == 200, body
    assert body["event_subscriptions"]["url_verified"] is False


# --- scopes ----------------------------------------------------------------------------------


def test_an_app_with_only_chat_write_gets_missing_scope(root, clone, base_url, public_room):
    status, body = http("POST", f"{root}/api/_asym/apps", manifest(unique("Poster"), bot=["chat:write"]), bearer(clone["user"]))
    assert status == 200, body
    assert "user_token" not in body
    assert "event_subscriptions" not in body
    bot = WebClient(token=body["bot_token"], base_url=base_url)
    err = api_error(bot.conversations_history, channel=RANDOM)
    assert err["error"] == "missing_scope"
    assert err["needed"] == "channels:history"
    assert err["provided"] == "chat:write"
    err = api_error(bot.users_list)
    assert (err["error"], err["needed"], err["provided"]) == ("missing_scope", "users:read", "chat:write")
    r = bot.chat_postMessage(channel=public_room, text=unique("chat:write is enough to post"))
    assert r["message"]["bot_id"] == body["bot_id"]


# --- guard and manifest checks ----------------------------------------------------------------


def test_creating_apps_needs_an_admin(root, clone, base_url):
    m = manifest(unique("Nope"), bot=["chat:write"])
    url = f"{root}/api/_asym/apps"
    assert http("POST", url, m) == (401, {"ok": False, "error": "not_authed"})
    assert http("POST", url, m, {"x-asym-admin-token": "wrong"}) == (401, {"ok": False, "error": "invalid_auth"})
    assert http("POST", url, m, bearer("xoxp-not-a-token")) == (401, {"ok": False, "error": "invalid_auth"})
    assert http("POST", url, m, bearer(clone["bot"])) == (403, {"ok": False, "error": "not_allowed_token_type"})
    status, login = http("POST", f"{root}/api/auth/login", {"email": "priya@acme.test", "password": "password123"})
    assert status == 200
    assert http("POST", url, m, bearer(login["token"])) == (403, {"ok": False, "error": "not_an_admin"})
    assert http("GET", url, headers=bearer(login["token"])) == (403, {"ok": False, "error": "not_an_admin"})
    assert http("GET", f"{root}/api/_asym/deliveries")[0] == 401


def test_the_admin_token_creates_and_lists_apps(root, clone):
    token = admin_token(clone["home"], clone["id"])
    status, body = http("POST", f"{root}/api/_asym/apps", manifest(unique("Ops"), bot=["chat:write"]), {"x-asym-admin-token": token})
    assert status == 200, body
    status, listing = http("GET", f"{root}/api/_asym/apps", headers={"x-asym-admin-token": token})
    assert status == 200
    apps = {a["app_id"]: a for a in listing["apps"]}
    mine = apps[body["app_id"]]
    assert mine["scopes"] == {"bot": ["chat:write"], "user": []}
    assert mine["bot_user_id"] == body["bot_user_id"]
    assert mine["credentials"]["signing_secret"] == body["credentials"]["signing_secret"]
    assert mine["is_default"] is False
    assert [a["name"] for a in listing["apps"] if a["is_default"]] == ["asymmetric"]
    status, log = http("GET", f"{root}/api/_asym/deliveries?limit=2", headers={"x-asym-admin-token": token})
    assert status == 200 and log["ok"] is True and len(log["deliveries"]) <= 2


def test_invalid_manifests_name_the_problem(root, clone):
    url = f"{root}/api/_asym/apps"
    auth = bearer(clone["user"])
    status, body = http("POST", url, {"display_information": {}}, auth)
    assert status == 400
    assert body["error"] == "invalid_manifest"
    assert body["errors"] == [{"message": "is required", "pointer": "/display_information/name"}]
    status, body = http("POST", url, manifest("Bad", bot=["search:read"]), auth)
    assert (status, body["errors"][0]["pointer"]) == (400, "/oauth_config/scopes/bot/0")
    status, body = http("POST", url, manifest("Bad", bot=["chat:write"], url="http://127.0.0.1:9/x", bot_events=["message.channels"]), auth)
    assert status == 400
    assert body["errors"][0]["pointer"] == "/settings/event_subscriptions/bot_events/0"
    assert "channels:history" in body["errors"][0]["message"]
    assert http("POST", url, b"{not json", auth) == (400, {"ok": False, "error": "invalid_json"})
    # apps.manifest.create passes the manifest as JSON text; that works too.
    status, body = http("POST", url, {"manifest": json.dumps(manifest(unique("Text"), bot=["chat:write"]))}, auth)
    assert status == 200 and body["app_id"].startswith("A")


# --- web login -------------------------------------------------------------------------------


def test_login_returns_a_jwt_for_the_seeded_password(root, base_url):
    status, body = http("POST", f"{root}/api/auth/login", {"email": "dana@acme.test", "password": "password123"})
    assert status == 200
    assert body["ok"] is True
    assert body["user"] == {"id": DANA, "name": "dana", "email": "dana@acme.test", "team_id": TEAM}
    parts = body["token"].split(".")
    assert len(parts) == 3
    import base64

    header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["sub"] == DANA
    assert claims["exp"] > time.time()
    # The JWT is a user token of Dana on the Web API.
    me = WebClient(token=body["token"], base_url=base_url).auth_test()
    assert me["user_id"] == DANA
    forged = ".".join([parts[0], parts[1], parts[2][:-2] + ("AA" if not parts[2].endswith("AA") else "BB")])
    err = api_error(WebClient(token=forged, base_url=base_url).auth_test)
    assert err["error"] == "invalid_auth"


def test_login_fails_for_a_wrong_password(root):
    url = f"{root}/api/auth/login"
    assert http("POST", url, {"email": "dana@acme.test", "password": "password124"}) == (401, {"ok": False, "error": "invalid_credentials"})
    assert http("POST", url, {"email": "nobody@acme.test", "password": "password123"}) == (401, {"ok": False, "error": "invalid_credentials"})
    assert http("POST", url, {"email": "dana@acme.test"}) == (400, {"ok": False, "error": "invalid_arguments"})
    status, body = http("POST", url, {"email": "PRIYA@acme.test", "password": "password123"})
    assert status == 200 and body["user"]["id"] == PRIYA


# --- other subscriptions -----------------------------------------------------------------------


def test_user_events_follow_the_installing_user(root, clone, server, base_url, public_room):
    """A user-event subscription sees what the installing user (Dana) is in, with
    an authorization naming her, not a bot."""
    m = manifest(unique("Watcher"), bot=["chat:write"], user=["channels:history"], url=server.url(), user_events=["message.channels"])
    status, app = http("POST", f"{root}/api/_asym/apps", m, bearer(clone["user"]))
    assert status == 200, app
    assert app["event_subscriptions"]["user_events"] == ["message.channels"]
    default_bot = WebClient(token=clone["bot"], base_url=base_url)
    seen = unique("dana can see this")
    hidden = unique("dana is not in engineering")
    default_bot.chat_postMessage(channel=public_room, text=seen)
    default_bot.chat_postMessage(channel="C0ACMEENGR", text=hidden)
    got = wait_for("the user event", lambda: server.callbacks(app["app_id"], lambda e: e["event"].get("text") == seen))
    env = got[0][2]
    assert env["authorizations"] == [{"enterprise_id": None, "team_id": TEAM, "user_id": DANA, "is_bot": False, "is_enterprise_install": False}]
    assert env["event"]["channel"] == public_room
    time.sleep(0.5)
    assert server.callbacks(app["app_id"], lambda e: e["event"].get("text") == hidden) == []


def test_reaction_added_reaches_a_subscribed_bot(app, root, clone, server, base_url, room):
    m = manifest(unique("Reacts"), bot=["reactions:read", "chat:write"], url=server.url(), bot_events=["reaction_added"])
    status, watcher = http("POST", f"{root}/api/_asym/apps", m, bearer(clone["user"]))
    assert status == 200, watcher
    owner = WebClient(token=clone["user"], base_url=base_url)
    if room["channel_type"] == "group":
        owner.conversations_invite(channel=room["id"], users=watcher["bot_user_id"])
    posted = owner.chat_postMessage(channel=room["id"], text=unique("react to me"))
    owner.reactions_add(channel=room["id"], timestamp=posted["ts"], name="eyes")
    got = wait_for("reaction_added", lambda: server.callbacks(watcher["app_id"], lambda e: e["event"]["type"] == "reaction_added"))
    ev = got[0][2]["event"]
    assert ev["user"] == DANA
    assert ev["reaction"] == "eyes"
    assert ev["item"] == {"type": "message", "channel": room["id"], "ts": posted["ts"]}
    assert got[0][2]["authorizations"][0]["user_id"] == watcher["bot_user_id"]
    assert [e["event"]["type"] for _, _, e in server.callbacks(watcher["app_id"])] == ["reaction_added"], "no message events"


# --- reset (last: it empties this module's clone) ---------------------------------------------


def test_delivery_survives_a_reset(clone, root, server, base_url):
    """A reset swaps the database under the delivery loop: the apps made since spin
    are gone with everything else, and an app made afterwards gets its events."""
    _asym(clone["home"], "reset", clone["id"])
    status, listing = http("GET", f"{root}/api/_asym/apps", headers=bearer(clone["user"]))
    assert status == 200, listing
    assert [a["name"] for a in listing["apps"]] == ["asymmetric"]
    status, log = http("GET", f"{root}/api/_asym/deliveries", headers=bearer(clone["user"]))
    assert status == 200 and log["deliveries"] == []
    m = manifest(unique("After Reset"), bot=["chat:write", "groups:history"], url=server.url(), bot_events=["message.groups"])
    status, app = http("POST", f"{root}/api/_asym/apps", m, bearer(clone["user"]))
    assert status == 200 and app["event_subscriptions"]["url_verified"] is True, app
    owner = WebClient(token=clone["user"], base_url=base_url)
    channel = owner.conversations_create(name=unique("after-reset"), is_private=True)["channel"]["id"]
    owner.conversations_invite(channel=channel, users=app["bot_user_id"])
    text = unique("still delivering")
    WebClient(token=app["bot_token"], base_url=base_url).chat_postMessage(channel=channel, text=text)
    got = wait_for("the event after the reset", lambda: server.callbacks(app["app_id"], lambda e: e["event"].get("text") == text))
    assert got[0][2]["event"]["channel"] == channel


def test_tokens_revoked_reaches_only_the_app_whose_token_it_was(server, root, clone, base_url):
    # Two apps subscribed to tokens_revoked; one revokes its bot token.
    apps = []
    for name in ("Revoker", "Bystander"):
        m = manifest(unique(name), bot=["chat:write"], url=server.url(), bot_events=["tokens_revoked"])
        status, body = http("POST", f"{root}/api/_asym/apps", m, bearer(clone["user"]))
        assert status == 200, body
        apps.append(body)
    revoker, bystander = apps
    assert WebClient(token=revoker["bot_token"], base_url=base_url).auth_revoke()["revoked"] is True
    got = wait_for("tokens_revoked", lambda: server.callbacks(revoker["app_id"], lambda e: e["event"]["type"] == "tokens_revoked"))
    event = got[0][2]["event"]
    assert event["tokens"] == {"bot": [revoker["bot_user_id"]]}
    assert not any(k.startswith("_asym") for k in event), event
    time.sleep(0.5)
    assert server.callbacks(bystander["app_id"], lambda e: e["event"]["type"] == "tokens_revoked") == []
