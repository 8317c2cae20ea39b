"""Modals and App Home (views.open, views.push, views.update, views.publish) with slack_sdk.

Trigger ids come from people interacting with an app. The clone's control plane
simulates that (`POST /api/_asym/interactions`): a global shortcut or a click in a
view mints a trigger id (three seconds, once) and, for an app whose manifest enables
interactivity, POSTs the signed `payload` form to its request URL. The app here is a
small HTTP server that checks the signature with slack_sdk's SignatureVerifier and,
for its `open_ticket` shortcut, answers by calling views.open itself, as a Bolt app does.

This module spins its own clone on ports 4800-4819 and destroys it afterwards.
"""

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from conftest import _asym, admin_token, api_error, http, spun_clone, unique

PORTS = {"portRange": {"start": 4800, "end": 4819}}
DANA = "U0ACMEDANA"
PRIYA = "U0ACMEPRIA"


def modal(title, blocks=None, **extra):
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks
        if blocks is not None
        else [
            {
                "type": "actions",
                "block_id": "acts",
                "elements": [{"type": "button", "action_id": "more", "text": {"type": "plain_text", "text": "More"}, "value": "m"}],
            }
        ],
        **extra,
    }


class AppServer:
    """The app's interactivity endpoint. Records (headers, raw body, payload)."""

    def __init__(self):
        self.requests = []
        self.opened = []  # what the app's own views.open answered
        self.secret = None
        self.client = None
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                form = urllib.parse.parse_qs(raw)
                payload = json.loads(form["payload"][0]) if "payload" in form else json.loads(raw)
                if payload.get("type") == "url_verification":
                    return self.answer(200, payload["challenge"].encode())
                valid = server.secret is not None and SignatureVerifier(server.secret).is_valid_request(raw, headers)
                with server.lock:
                    server.requests.append((headers, raw, payload))
                if not valid:
                    return self.answer(401, b"")
                if payload.get("type") == "shortcut" and payload.get("callback_id") == "open_ticket":
                    # What a Bolt app does in its shortcut listener.
                    got = server.client.views_open(trigger_id=payload["trigger_id"], view=modal("New ticket", callback_id="ticket"))
                    with server.lock:
                        server.opened.append(got.data)
                self.answer(200, b"")

            def answer(self, status, body):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/slack/interactive"
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
            "bot": c["bot"],
            "admin": {"x-asym-admin-token": admin_token(c["home"], c["id"])},
        }


@pytest.fixture(scope="module")
def app_server():
    s = AppServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def app(clone, app_server):
    m = {
        "display_information": {"name": unique("Helpdesk")},
        "features": {
            "bot_user": {"display_name": "Helpdesk"},
            "app_home": {"home_tab_enabled": True},
            "shortcuts": [
                {"name": "Open ticket", "type": "global", "callback_id": "open_ticket", "description": "New ticket"},
                {"name": "Quick note", "type": "global", "callback_id": "quick_note", "description": "Left to the test"},
            ],
        },
        "oauth_config": {"scopes": {"bot": ["chat:write", "commands"]}},
        "settings": {"interactivity": {"is_enabled": True, "request_url": app_server.url}},
    }
    status, body = http("POST", f"{clone['root']}/api/_asym/apps", m, clone["admin"])
    assert status == 200, body
    app_server.secret = body["credentials"]["signing_secret"]
    app_server.client = WebClient(token=body["bot_token"], base_url=clone["api"])
    return body


@pytest.fixture(scope="module")
def bot(app, clone):
    return WebClient(token=app["bot_token"], base_url=clone["api"])


def interact(clone, **body):
    status, out = http("POST", f"{clone['root']}/api/_asym/interactions", body, clone["admin"])
    assert status == 200, out
    return out


def trigger(clone, app, user=DANA, callback_id="quick_note"):
    """A trigger id for `app`, as a person clicking its global shortcut mints one.
    The app leaves `quick_note` to the caller; it answers `open_ticket` itself."""
    return interact(clone, app_id=app["app_id"], user_id=user, type="shortcut", callback_id=callback_id)


def open_root(bot, clone, app, **extra):
    t = trigger(clone, app)["trigger_id"]
    return bot.views_open(trigger_id=t, view=modal(unique("Root")[:24], **extra))["view"]


# --- the interaction reaches the app, which opens a modal ---------------------------------


def test_shortcut_payload_is_signed_and_the_app_opens_a_modal(clone, app, app_server):
    out = trigger(clone, app, callback_id="open_ticket")
    assert out["delivery"]["ok"] is True and out["delivery"]["status"] == 200
    headers, raw, payload = app_server.requests[-1]
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert payload["type"] == "shortcut"
    assert payload["callback_id"] == "open_ticket"
    assert payload["trigger_id"] == out["trigger_id"]
    assert payload["user"]["id"] == DANA
    assert payload["team"]["id"] == app["team_id"]
    assert payload["token"] == app["credentials"]["verification_token"]
    view = app_server.opened[-1]["view"]
    assert view["id"].startswith("V")
    assert view["type"] == "modal"
    assert view["title"] == {"type": "plain_text", "text": "New ticket", "emoji": True}
    assert view["callback_id"] == "ticket"
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert view["app_id"] == app["app_id"] and view["bot_id"] == app["bot_id"]
    assert view["team_id"] == app["team_id"]
    assert view["state"] == {"values": {}}
    assert view["external_id"] == "" and view["private_metadata"] == ""
    assert view["clear_on_close"] is False and view["notify_on_close"] is False
    secs, _, tail = view["hash"].partition(".")
    assert secs.isdigit() and tail


def test_a_click_in_the_modal_sends_block_actions_with_the_view(clone, app, app_server, bot):
    root = open_root(bot, clone, app)
    out = interact(clone, app_id=app["app_id"], user_id=DANA, type="block_actions", view_id=root["id"], action_id="more")
    _, _, payload = app_server.requests[-1]
    assert payload["type"] == "block_actions"
    assert payload["container"] == {"type": "view", "view_id": root["id"]}
    assert payload["view"]["id"] == root["id"] and payload["view"]["hash"] == root["hash"]
    assert payload["actions"][0]["action_id"] == "more" and payload["actions"][0]["block_id"] == "acts"
    assert payload["actions"][0]["value"] == "m"
    assert payload["trigger_id"] == out["trigger_id"]
    # Unknown actions, views and shortcuts are refused by the control plane.
    bad = {"app_id": app["app_id"], "user_id": DANA, "type": "block_actions", "view_id": root["id"], "action_id": "nope"}
    assert http("POST", f"{clone['root']}/api/_asym/interactions", bad, clone["admin"]) == (404, {"ok": False, "error": "action_not_found"})
    bad = {"app_id": app["app_id"], "user_id": DANA, "type": "shortcut", "callback_id": "undeclared"}
    assert http("POST", f"{clone['root']}/api/_asym/interactions", bad, clone["admin"]) == (404, {"ok": False, "error": "unknown_shortcut"})
    assert http("POST", f"{clone['root']}/api/_asym/interactions", bad, {"x-asym-admin-token": "wrong"})[0] == 401


# --- views.push and the stack ---------------------------------------------------------------


def test_push_builds_a_stack_of_three(clone, app, bot):
    root = open_root(bot, clone, app)
    ids = [root["id"]]
    for n in (2, 3):
        t = interact(clone, app_id=app["app_id"], user_id=DANA, type="block_actions", view_id=ids[-1], action_id="more")["trigger_id"]
        pushed = bot.views_push(trigger_id=t, view=modal(f"Step {n}"))["view"]
        assert pushed["root_view_id"] == root["id"]
        assert pushed["previous_view_id"] == ids[-1]
        ids.append(pushed["id"])
    t = interact(clone, app_id=app["app_id"], user_id=DANA, type="block_actions", view_id=ids[-1], action_id="more")["trigger_id"]
    assert api_error(bot.views_push, trigger_id=t, view=modal("Step 4"))["error"] == "push_limit_reached"


# --- trigger ids -------------------------------------------------------------------------------


def test_trigger_ids_are_single_use_and_expire(clone, app, bot):
    t = trigger(clone, app)["trigger_id"]
    bot.views_open(trigger_id=t, view=modal("Once"))
    assert api_error(bot.views_open, trigger_id=t, view=modal("Twice"))["error"] == "exchanged_trigger_id"
    assert api_error(bot.views_open, trigger_id="12345.98765.abcd2358fdea", view=modal("X"))["error"] == "invalid_trigger_id"
    assert api_error(bot.views_open, trigger_id="not-a-trigger", view=modal("X"))["error"] == "invalid_trigger_id"
    late = trigger(clone, app)["trigger_id"]
    time.sleep(3.3)
    assert api_error(bot.views_open, trigger_id=late, view=modal("Late"))["error"] == "expired_trigger_id"


def test_another_apps_trigger_is_invalid(clone, app):
    default_bot = WebClient(token=clone["bot"], base_url=clone["api"])
    t = trigger(clone, app)["trigger_id"]
    assert api_error(default_bot.views_open, trigger_id=t, view=modal("Not mine"))["error"] == "invalid_trigger_id"


# --- views.update ------------------------------------------------------------------------------


def test_update_by_id_and_external_id_with_hash_locking(clone, app, bot):
    ext = unique("ticket")
    root = open_root(bot, clone, app, external_id=ext, private_metadata="p1")
    assert root["external_id"] == ext and root["private_metadata"] == "p1"
    up = bot.views_update(view_id=root["id"], hash=root["hash"], view=modal("Edited", private_metadata="p2"))["view"]
    assert up["id"] == root["id"] and up["title"]["text"] == "Edited"
    assert up["hash"] != root["hash"] and up["private_metadata"] == "p2"
    assert api_error(bot.views_update, view_id=root["id"], hash=root["hash"], view=modal("Stale"))["error"] == "hash_conflict"
    by_ext = bot.views_update(external_id=ext, view=modal("Via external"))["view"]
    assert by_ext["id"] == root["id"] and by_ext["title"]["text"] == "Via external"
    assert api_error(bot.views_update, external_id=unique("nothing"), view=modal("X"))["error"] == "not_found"
    assert api_error(bot.views_update, view_id="V0NOSUCHVIEW", view=modal("X"))["error"] == "not_found"
    # external_id is unique across the team's views.
    t = trigger(clone, app)["trigger_id"]
    assert api_error(bot.views_open, trigger_id=t, view=modal("Dup", external_id=ext))["error"] == "duplicate_external_id"


def test_invalid_views_answer_invalid_arguments_with_messages(clone, app, bot):
    t = trigger(clone, app)["trigger_id"]
    err = api_error(bot.views_open, trigger_id=t, view={"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": [{"text": "no type"}]})
    assert err["error"] == "invalid_arguments"
    assert err["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]",
        "[ERROR] missing required field: type [json-pointer:/view/blocks/0]",
    ]
    err = api_error(bot.views_open, trigger_id=t, view={"type": "modal", "blocks": [{"type": "input", "label": {"type": "plain_text", "text": "L"}, "element": {"type": "plain_text_input", "action_id": "a"}}]})
    assert err["response_metadata"]["messages"] == [
        "[ERROR] missing required field: title [json-pointer:/view]",
        "[ERROR] must provide submit when an input block is present [json-pointer:/view/submit]",
    ]
    huge = modal("Huge", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}] * 90)
    assert api_error(bot.views_open, trigger_id=t, view=huge)["error"] == "view_too_large"
    # None of these used the trigger up.
    assert bot.views_open(trigger_id=t, view=modal("Fine"))["ok"] is True


# --- views.publish -----------------------------------------------------------------------------


def test_publish_app_home_with_hash(clone, app, bot):
    home = {"type": "home", "callback_id": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Welcome*"}}]}
    first = bot.views_publish(user_id=PRIYA, view=home)["view"]
    assert first["type"] == "home" and first["close"] is None and first["submit"] is None
    assert first["blocks"][0]["block_id"]
    again = bot.views_publish(user_id=PRIYA, view={**home, "private_metadata": "v2"}, hash=first["hash"])["view"]
    assert again["id"] == first["id"] and again["hash"] != first["hash"] and again["private_metadata"] == "v2"
    assert api_error(bot.views_publish, user_id=PRIYA, view=home, hash=first["hash"])["error"] == "hash_conflict"
    err = api_error(bot.views_publish, user_id="U0NOSUCHUSER", view=home)
    assert err["error"] == "invalid_arguments" and err["response_metadata"]["messages"] == ["invalid `user_id`"]
    err = api_error(bot.views_publish, user_id=PRIYA, view=modal("Not home"))
    assert err["response_metadata"]["messages"] == ["[ERROR] must be a valid enum value [json-pointer:/view/type]"]
    # views.update reaches a home view too.
    assert bot.views_update(view_id=first["id"], view={**home, "callback_id": "home2"})["view"]["callback_id"] == "home2"


def test_the_provisioned_app_works_without_a_request_url(clone):
    default_bot = WebClient(token=clone["bot"], base_url=clone["api"])
    who = default_bot.auth_test()
    status, apps = http("GET", f"{clone['root']}/api/_asym/apps", headers=clone["admin"])
    default = next(a for a in apps["apps"] if a["is_default"])
    out = interact(clone, app_id=default["app_id"], user_id=DANA, type="shortcut", callback_id="anything")
    assert out["delivery"] is None
    view = default_bot.views_open(trigger_id=out["trigger_id"], view=modal("Default"))["view"]
    assert view["bot_id"] == who["bot_id"]
