"""More of the Slack Web API through slack_sdk, unchanged: bots.info, team.profile.get,
users.identity, Do Not Disturb (dnd.*), reminders.*, saved items (stars.*, and
search.messages `is:saved`) and apps.uninstall.

Tests on the session clone only touch what they create (channels with a random
suffix, their own reminders and saved items) and undo the DND snooze they set. Apps
(users.identity tokens, event listeners, apps.uninstall) live in a clone this module
spins for itself (`spare`): every app adds a bot user that other suites would count.
"""

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from conftest import api_error, spun_clone, unique, wait_for

TEAM = "T0ACME0001"
DANA = "U0ACMEDANA"  # the user token acts as her (primary owner)
ALEX = "U0ACMEALEX"
PRIYA = "U0ACMEPRIA"


# --- a second clone for apps ---------------------------------------------------------------


class Spare:
    def __init__(self, spun):
        self.spun = spun
        self.info = next(spun)
        self.api = self.info["api"]
        self.base_url = self.api + "/"

    def client(self, kind):
        return WebClient(token=self.info[kind], base_url=self.base_url)

    def app(self, bot=("users:read",), user=(), request_url=None, bot_events=(), user_events=()):
        manifest = {
            "display_information": {"name": unique("more")[:30]},
            "features": {"bot_user": {"display_name": "more helper"}},
            "oauth_config": {"scopes": {"bot": list(bot), "user": list(user)}},
        }
        if request_url:
            manifest["settings"] = {
                "event_subscriptions": {"request_url": request_url, "bot_events": list(bot_events), "user_events": list(user_events)}
            }
        req = urllib.request.Request(
            self.api + "/_asym/apps",
            data=json.dumps(manifest).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.info['user']}"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = json.loads(resp.read())
        assert body["ok"] is True, body
        return body

    def close(self):
        for _ in self.spun:
            pass


@pytest.fixture(scope="module")
def spare():
    s = Spare(spun_clone())
    try:
        yield s
    finally:
        s.close()


class Events:
    """An Events API endpoint: answers the challenge, records each callback with the
    headers and raw body it came with."""

    def __init__(self):
        self.received = []
        events = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                payload = json.loads(raw)
                body = payload["challenge"].encode() if payload.get("type") == "url_verification" else b""
                if payload.get("type") == "event_callback":
                    events.received.append((payload, self.headers, raw.decode()))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/events"

    def of(self, kind):
        return [p for p, _, _ in self.received if p["event"]["type"] == kind]

    def close(self):
        self.httpd.shutdown()


# --- bots.info ----------------------------------------------------------------------------


def test_bots_info_describes_the_calling_bot(bot, user, bot_identity):
    bot_id, bot_user = bot_identity["bot_id"], bot_identity["user_id"]
    info = user.bots_info(bot=bot_id)["bot"]
    assert info["id"] == bot_id
    assert info["user_id"] == bot_user
    assert info["app_id"].startswith("A")
    assert info["deleted"] is False
    assert info["name"]
    assert set(info["icons"]) == {"image_36", "image_48", "image_72"}
    # The bot user behind it is a user like any other.
    member = bot.users_info(user=info["user_id"])["user"]
    assert member["is_bot"] is True and member["profile"]["bot_id"] == bot_id
    assert bot.bots_info(bot=bot_id)["bot"]["app_id"] == info["app_id"]


def test_bots_info_of_an_unknown_bot(bot):
    assert api_error(bot.bots_info, bot="B0NOSUCHBOT")["error"] == "bot_not_found"
    assert api_error(bot.api_call, api_method="bots.info")["error"] == "bot_not_found"


# --- team.profile.get ---------------------------------------------------------------------


def test_team_profile_lists_the_custom_fields(user, bot):
    fields = user.team_profile_get()["profile"]["fields"]
    assert [f["label"] for f in fields] == ["Department", "Start date", "Manager", "Badge number"]
    assert [f["ordering"] for f in fields] == [0, 1, 2, 3]
    dept = fields[0]
    assert dept["id"] == "Xf0ACMEDEPT" and dept["type"] == "options_list"
    assert "Engineering" in dept["possible_values"]
    assert fields[1]["type"] == "date" and fields[1]["possible_values"] is None
    badge = fields[3]
    assert badge["is_hidden"] is True and badge["options"] == {"is_protected": True}
    # Bots with users.profile:read see the same definitions.
    assert [f["id"] for f in bot.team_profile_get()["profile"]["fields"]] == [f["id"] for f in fields]


def test_team_profile_visibility_filters(user):
    hidden = user.team_profile_get(visibility="hidden")["profile"]["fields"]
    assert [f["id"] for f in hidden] == ["Xf0ACMEBDGE"]
    visible = user.team_profile_get(visibility="visible")["profile"]["fields"]
    assert "Xf0ACMEBDGE" not in [f["id"] for f in visible] and len(visible) == 3
    assert api_error(user.team_profile_get, visibility="secret")["error"] == "invalid_arguments"


# --- users.identity -----------------------------------------------------------------------


def test_users_identity_needs_an_identity_token(user, bot):
    r = api_error(user.users_identity)
    assert (r["error"], r["needed"]) == ("missing_scope", "identity.basic")
    assert api_error(bot.users_identity)["error"] == "not_allowed_token_type"


def test_users_identity_fields_follow_the_scopes(spare):
    full = spare.app(user=["identity.basic", "identity.email", "identity.avatar", "identity.team"])
    me = WebClient(token=full["user_token"], base_url=spare.base_url).users_identity()
    assert me["user"]["id"] == DANA and me["user"]["name"] == "Dana Whitfield"
    assert me["user"]["email"] == "dana@acme.test"
    assert all(me["user"][f"image_{s}"].startswith("https://") for s in (24, 32, 48, 72, 192, 512))
    assert me["team"] == {"id": TEAM, "name": "Acme Corp"}

    basic = spare.app(user=["identity.basic"])
    me = WebClient(token=basic["user_token"], base_url=spare.base_url).users_identity()
    assert me["user"] == {"name": "Dana Whitfield", "id": DANA}
    assert me["team"] == {"id": TEAM}


# --- Do Not Disturb -----------------------------------------------------------------------


def test_snooze_workflow(user, bot):
    assert user.dnd_info()["snooze_enabled"] is False
    start = int(time.time())
    r = user.dnd_setSnooze(num_minutes=30)
    assert r["snooze_enabled"] is True and r["snooze_is_indefinite"] is False
    end = r["snooze_endtime"]
    assert start + 1800 <= end <= int(time.time()) + 1800
    assert 0 < r["snooze_remaining"] <= 1800
    try:
        mine = user.dnd_info()
        assert mine["dnd_enabled"] is True and mine["snooze_enabled"] is True
        assert mine["snooze_endtime"] == end and mine["next_dnd_end_ts"] == end
        # Others see that Dana is in DND, but not the details of her snooze.
        seen = bot.dnd_info(user=DANA)
        assert seen["dnd_enabled"] is True and seen["next_dnd_end_ts"] == end
        assert "snooze_enabled" not in seen and "snooze_endtime" not in seen
        team = bot.dnd_teamInfo(users=f"{DANA},{ALEX}")["users"]
        assert team[DANA]["dnd_enabled"] is True
        assert team[ALEX] == {"dnd_enabled": False, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1}
        # Snoozing again replaces the snooze.
        assert user.dnd_setSnooze(num_minutes=5)["snooze_endtime"] < end
    finally:
        ended = user.dnd_endSnooze()
    assert ended["snooze_enabled"] is False and ended["dnd_enabled"] is False
    assert api_error(user.dnd_endSnooze)["error"] == "snooze_not_active"
    assert user.dnd_endDnd()["ok"] is True, "ending DND with none running is fine"
    assert bot.dnd_info(user=DANA)["dnd_enabled"] is False


def test_end_dnd_ends_a_snooze(user):
    user.dnd_setSnooze(num_minutes=10)
    assert user.dnd_endDnd()["ok"] is True
    assert user.dnd_info()["snooze_enabled"] is False


def test_dnd_errors(user, bot):
    assert api_error(bot.dnd_setSnooze, num_minutes=5)["error"] == "not_allowed_token_type"
    assert api_error(bot.dnd_endSnooze)["error"] == "not_allowed_token_type"
    assert api_error(user.api_call, api_method="dnd.setSnooze")["error"] == "missing_duration"
    assert api_error(user.dnd_info, user="U0NOBODY00")["error"] == "user_not_found"
    assert api_error(bot.dnd_teamInfo, users="U0NOBODY00")["error"] == "user_not_visible"
    assert api_error(bot.api_call, api_method="dnd.teamInfo")["error"] == "no_users_provided"


# --- reminders ----------------------------------------------------------------------------


def test_reminder_workflow(user):
    made = []
    try:
        before = int(time.time())
        soon = user.reminders_add(text=unique("stretch"), time="in 5 minutes")["reminder"]
        made.append(soon["id"])
        assert soon["id"].startswith("Rm")
        assert soon["creator"] == DANA and soon["user"] == DANA
        assert soon["recurring"] is False and soon["complete_ts"] == 0
        assert before + 300 <= soon["time"] <= int(time.time()) + 300

        at = int(time.time()) + 3 * 86400
        exact = user.reminders_add(text="renew the certificate", time=str(at))["reminder"]
        made.append(exact["id"])
        assert exact["time"] == at
        seconds = user.reminders_add(text="tea", time=600)["reminder"]
        made.append(seconds["id"])
        assert before + 600 <= seconds["time"] <= int(time.time()) + 600

        tomorrow = user.reminders_add(text="standup notes", time="tomorrow")["reminder"]
        made.append(tomorrow["id"])
        assert 0 < tomorrow["time"] - int(time.time()) <= 2 * 86400

        weekly = user.reminders_add(text="timesheet", time="every Friday at 4pm")["reminder"]
        made.append(weekly["id"])
        assert weekly["recurring"] is True and "time" not in weekly
        assert weekly["recurrence"] == {"frequency": "weekly", "weekdays": ["friday"]}

        listed = {r["id"]: r for r in user.reminders_list()["reminders"]}
        assert set(made) <= set(listed)
        assert listed[soon["id"]] == soon

        assert user.reminders_info(reminder=exact["id"])["reminder"] == exact
        assert user.reminders_complete(reminder=exact["id"])["ok"] is True
        done = user.reminders_info(reminder=exact["id"])["reminder"]
        assert done["complete_ts"] >= before
        assert api_error(user.reminders_complete, reminder=weekly["id"])["error"] == "cannot_complete_recurring"

        assert user.reminders_delete(reminder=soon["id"])["ok"] is True
        made.remove(soon["id"])
        assert api_error(user.reminders_info, reminder=soon["id"])["error"] == "not_found"
        assert api_error(user.reminders_delete, reminder=soon["id"])["error"] == "not_found"
        assert soon["id"] not in {r["id"] for r in user.reminders_list()["reminders"]}
    finally:
        for rid in made:
            user.reminders_delete(reminder=rid)


def test_reminder_errors(user, bot, bot_identity):
    assert api_error(user.reminders_add, text="x", time="when pigs fly")["error"] == "cannot_parse"
    assert api_error(user.reminders_add, text="x", time=str(int(time.time()) - 3600))["error"] == "cannot_parse"
    assert api_error(user.reminders_add, text="x", time="in 5 minutes", user=ALEX)["error"] == "cannot_add_others"
    assert api_error(user.reminders_add, text="x", time="in 5 minutes", user=bot_identity["user_id"])["error"] == "cannot_add_bot"
    assert api_error(user.reminders_add, text="x", time="in 5 minutes", user="U0NOBODY00")["error"] == "user_not_found"
    r = api_error(user.api_call, api_method="reminders.add", params={"time": "in 5 minutes"})
    assert r["error"] == "invalid_arguments"
    assert api_error(bot.reminders_add, text="x", time="in 5 minutes")["error"] == "not_allowed_token_type"
    assert api_error(bot.reminders_list)["error"] == "not_allowed_token_type"
    assert api_error(user.reminders_info, reminder="Rm0NOSUCH00")["error"] == "not_found"


# --- saved items (stars) ------------------------------------------------------------------


@pytest.fixture
def room(user):
    c = user.conversations_create(name=unique("saved"))["channel"]
    yield c
    user.conversations_archive(channel=c["id"])


def test_saving_messages_files_and_channels(user, room):
    keep = user.chat_postMessage(channel=room["id"], text="the launch checklist lives here")["ts"]
    other = user.chat_postMessage(channel=room["id"], text="the launch is on Thursday")["ts"]
    up = user.files_upload_v2(content="step 1: ship\n", filename="checklist.txt", channel=room["id"])
    file_id = up["file"]["id"]

    assert user.stars_add(channel=room["id"], timestamp=keep)["ok"] is True
    assert user.stars_add(file=file_id)["ok"] is True
    assert user.stars_add(channel=room["id"])["ok"] is True
    try:
        items = user.stars_list()["items"]
        mine = [i for i in items if i.get("channel") == room["id"] or i.get("file", {}).get("id") == file_id]
        # Newest first.
        assert [i["type"] for i in mine] == ["channel", "file", "message"]
        msg = mine[2]
        assert msg["message"]["ts"] == keep and msg["message"]["text"] == "the launch checklist lives here"
        assert msg["message"]["permalink"].endswith(keep.replace(".", ""))
        assert mine[1]["file"]["name"] == "checklist.txt"
        assert all(isinstance(i["date_create"], int) for i in mine)
        paging = user.stars_list(count=1, page=1)["paging"]
        assert paging["count"] == 1 and paging["pages"] == paging["total"] >= 3

        # Cursor pagination walks the same items.
        seen, cursor = [], None
        while True:
            page = user.stars_list(limit=1, cursor=cursor) if cursor else user.stars_list(limit=1)
            seen += page["items"]
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(items)

        # search.messages finds what the member saved.
        name = room["name"]
        hits = user.search_messages(query=f"launch is:saved in:#{name}")["messages"]["matches"]
        assert [h["ts"] for h in hits] == [keep]
        hits = user.search_messages(query=f"has:star in:#{name}")["messages"]["matches"]
        assert [h["ts"] for h in hits] == [keep]
        assert {h["ts"] for h in user.search_messages(query=f"launch in:#{name}")["messages"]["matches"]} == {keep, other}

        assert api_error(user.stars_add, channel=room["id"], timestamp=keep)["error"] == "already_starred"
    finally:
        user.stars_remove(channel=room["id"], timestamp=keep)
        user.stars_remove(file=file_id)
        user.stars_remove(channel=room["id"])
    assert api_error(user.stars_remove, channel=room["id"], timestamp=keep)["error"] == "not_starred"
    left = user.stars_list()["items"]
    assert not [i for i in left if i.get("channel") == room["id"]]
    assert user.search_messages(query=f"is:saved in:#{room['name']}")["messages"]["matches"] == []


def test_saving_errors(user, bot, room):
    ts = user.chat_postMessage(channel=room["id"], text="save me")["ts"]
    assert api_error(user.stars_add)["error"] == "no_item_specified"
    assert api_error(user.stars_add, channel=room["id"], timestamp="yesterday")["error"] == "bad_timestamp"
    assert api_error(user.stars_add, channel=room["id"], timestamp="1600000000.000100")["error"] == "message_not_found"
    assert api_error(user.stars_add, channel="C0NOSUCHCH", timestamp=ts)["error"] == "channel_not_found"
    assert api_error(user.stars_add, file="F0NOSUCHFILE")["error"] == "file_not_found"
    assert api_error(user.stars_add, file_comment="Fc0NOSUCH")["error"] == "file_comment_not_found"
    assert api_error(bot.stars_add, channel=room["id"], timestamp=ts)["error"] == "not_allowed_token_type"
    assert api_error(bot.stars_list)["error"] == "not_allowed_token_type"


# --- scopes on narrow tokens, events, apps.uninstall (the spare clone) ---------------------


def test_missing_scopes_on_narrow_tokens(spare):
    narrow = spare.app(bot=["chat:write"], user=["users:read"])
    nbot = WebClient(token=narrow["bot_token"], base_url=spare.base_url)
    nuser = WebClient(token=narrow["user_token"], base_url=spare.base_url)
    cases = [
        (nbot.bots_info, {"bot": narrow["bot_id"]}, "users:read"),
        (nbot.team_profile_get, {}, "users.profile:read"),
        (nbot.dnd_info, {}, "dnd:read"),
        (nuser.dnd_setSnooze, {"num_minutes": 5}, "dnd:write"),
        (nuser.reminders_add, {"text": "x", "time": "in 5 minutes"}, "reminders:write"),
        (nuser.reminders_list, {}, "reminders:read"),
        (nuser.stars_list, {}, "stars:read"),
        (nuser.stars_add, {"channel": "C0ACMERAND"}, "stars:write"),
    ]
    for call, kwargs, needed in cases:
        r = api_error(call, **kwargs)
        assert (r["error"], r["needed"]) == ("missing_scope", needed), call.__name__


def test_dnd_and_star_events_reach_the_right_apps(spare):
    events = Events()
    try:
        app = spare.app(
            bot=["dnd:read"],
            user=["dnd:read", "dnd:write", "stars:read", "stars:write", "channels:read"],
            request_url=events.url,
            bot_events=["dnd_updated_user"],
            user_events=["dnd_updated", "star_added", "star_removed"],
        )
        me = WebClient(token=app["user_token"], base_url=spare.base_url)
        end = me.dnd_setSnooze(num_minutes=15)["snooze_endtime"]
        own = wait_for("dnd_updated", lambda: events.of("dnd_updated"))[0]
        assert own["event"]["user"] == DANA
        assert own["event"]["dnd_status"]["snooze_enabled"] is True and own["event"]["dnd_status"]["snooze_endtime"] == end
        assert own["authorizations"][0]["user_id"] == DANA and own["authorizations"][0]["is_bot"] is False
        seen = wait_for("dnd_updated_user", lambda: events.of("dnd_updated_user"))[0]
        assert seen["event"]["dnd_status"] == {"dnd_enabled": True, "next_dnd_start_ts": seen["event"]["dnd_status"]["next_dnd_start_ts"], "next_dnd_end_ts": end}
        assert seen["authorizations"][0]["is_bot"] is True
        me.dnd_endSnooze()
        wait_for("the end of the snooze", lambda: len(events.of("dnd_updated")) == 2)
        assert events.of("dnd_updated")[1]["event"]["dnd_status"]["snooze_enabled"] is False

        me.stars_add(channel="C0ACMERAND")
        added = wait_for("star_added", lambda: events.of("star_added"))[0]["event"]
        assert added["user"] == DANA and added["item"] == {"type": "channel", "channel": "C0ACMERAND", "date_create": added["item"]["date_create"]}
        me.stars_remove(channel="C0ACMERAND")
        assert wait_for("star_removed", lambda: events.of("star_removed"))[0]["event"]["item"]["channel"] == "C0ACMERAND"

        verifier = SignatureVerifier(app["credentials"]["signing_secret"])
        for _, headers, raw in events.received:
            assert verifier.is_valid(raw, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    finally:
        events.close()


def test_apps_uninstall_revokes_the_app(spare):
    events, bystander_events = Events(), Events()
    try:
        app = spare.app(
            bot=["users:read", "chat:write"],
            user=["users:read"],
            request_url=events.url,
            bot_events=["app_uninstalled", "tokens_revoked"],
        )
        bystander = spare.app(bot=["users:read"], request_url=bystander_events.url, bot_events=["app_uninstalled", "tokens_revoked"])
        creds = app["credentials"]
        mine = WebClient(token=app["bot_token"], base_url=spare.base_url)
        theirs = WebClient(token=bystander["bot_token"], base_url=spare.base_url)

        assert api_error(mine.apps_uninstall, client_id="1.2", client_secret=creds["client_secret"])["error"] == "invalid_client_id"
        assert api_error(mine.apps_uninstall, client_id=creds["client_id"], client_secret="0" * 32)["error"] == "bad_client_secret"
        r = api_error(theirs.apps_uninstall, client_id=creds["client_id"], client_secret=creds["client_secret"])
        assert r["error"] == "client_id_token_mismatch"
        assert mine.auth_test()["ok"] is True, "failed attempts change nothing"

        assert mine.apps_uninstall(client_id=creds["client_id"], client_secret=creds["client_secret"])["ok"] is True
        for token in (app["bot_token"], app["user_token"]):
            assert api_error(WebClient(token=token, base_url=spare.base_url).auth_test)["error"] == "invalid_auth"
        gone = wait_for("app_uninstalled", lambda: events.of("app_uninstalled"))[0]
        assert gone["api_app_id"] == app["app_id"] and gone["event"] == {"type": "app_uninstalled"}
        revoked = wait_for("tokens_revoked", lambda: events.of("tokens_revoked"))[0]["event"]
        assert revoked["tokens"] == {"bot": [app["bot_user_id"]], "oauth": [DANA]}
        # The bot user is gone; other apps were not told about someone else's uninstall.
        assert theirs.users_info(user=app["bot_user_id"])["user"]["deleted"] is True
        assert theirs.bots_info(bot=app["bot_id"])["bot"]["deleted"] is True
        time.sleep(0.5)
        assert bystander_events.of("app_uninstalled") == [] and bystander_events.of("tokens_revoked") == []
        # Another app's token cannot use these credentials, even now.
        default = spare.client("bot")
        r = api_error(default.apps_uninstall, client_id=creds["client_id"], client_secret=creds["client_secret"])
        assert r["error"] == "client_id_token_mismatch"
    finally:
        events.close()
        bystander_events.close()
