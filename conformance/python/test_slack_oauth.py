"""The OAuth v2 install flow, profile photos and workspace administration through
slack_sdk, unchanged but for the base URL (and the authorize URL of
`slack_sdk.oauth.AuthorizeUrlGenerator`, which points at the clone):

- GET /oauth/v2/authorize as a signed-in member (the web login's JWT), then
  `WebClient.oauth_v2_access` exchanging the code once;
- users.setPhoto / users.deletePhoto with a real PNG, the photo served by the clone;
- team.accessLogs, team.billableInfo, team.integrationLogs, migration.exchange.

Apps add bot users, so this module spins a clone of its own (as conftest does).
"""

import io
import json
import struct
import urllib.error
import urllib.parse
import urllib.request
import zlib

import pytest
from slack_sdk import WebClient
from slack_sdk.oauth import AuthorizeUrlGenerator

from conftest import api_error, spun_clone, unique

DANA = "U0ACMEDANA"  # primary owner; the user token acts as her
ALEX = "U0ACMEALEX"  # admin
PRIYA = "U0ACMEPRIA"  # a plain member
REDIRECT = "http://127.0.0.1:9/slack/oauth_redirect"
AGENT = "asym-conformance/1.0 (slack_sdk)"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(method, url, body=None, headers=None):
    """(status, headers, body bytes) without following redirects."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def png(width, height):
    """A real, decodable PNG of one colour."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x33\x66\x99" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def spare():
    gen = spun_clone()
    info = next(gen)
    yield info
    next(gen, None)


@pytest.fixture(scope="module")
def root(spare):
    return spare["api"][: -len("/api")]


@pytest.fixture(scope="module")
def base_url(spare):
    return spare["api"] + "/"


@pytest.fixture(scope="module")
def owner(spare, base_url):
    return WebClient(token=spare["user"], base_url=base_url)


def make_app(spare, bot=("chat:write", "users:read"), user=("search:read",), redirect_urls=(REDIRECT,), features=None):
    name = unique("oauth")[:30]
    manifest = {
        "display_information": {"name": name},
        "oauth_config": {"scopes": {"bot": list(bot), "user": list(user)}, "redirect_urls": list(redirect_urls)},
    }
    if features:
        manifest["features"] = features
    status, _, body = http("POST", spare["api"] + "/_asym/apps", manifest, {"Authorization": f"Bearer {spare['user']}"})
    assert status == 200, body
    return {**json.loads(body), "name": name}


def login(spare, email):
    status, _, body = http("POST", spare["api"] + "/auth/login", {"email": email, "password": "password123"}, {"User-Agent": AGENT})
    assert status == 200, body
    return json.loads(body)["token"]


def authorize(root, app, jwt, scopes, user_scopes=(), redirect_uri=REDIRECT, state=None):
    url = AuthorizeUrlGenerator(
        client_id=app["credentials"]["client_id"],
        redirect_uri=redirect_uri,
        scopes=list(scopes),
        user_scopes=list(user_scopes),
        authorization_url=root + "/oauth/v2/authorize",
    ).generate(state or unique("state"))
    headers = {"Authorization": f"Bearer {jwt}", "User-Agent": AGENT} if jwt else {}
    return http("GET", url, headers=headers)


def install(spare, root, base_url, app, scopes, user_scopes=(), email="dana@acme.test"):
    jwt = login(spare, email)
    state = unique("state")
    status, headers, body = authorize(root, app, jwt, scopes, user_scopes, state=state)
    assert status == 302, body
    location = urllib.parse.urlparse(headers["Location"])
    query = urllib.parse.parse_qs(location.query)
    assert query["state"] == [state]
    code = query["code"][0]
    client = WebClient(base_url=base_url)
    creds = app["credentials"]
    return client.oauth_v2_access(client_id=creds["client_id"], client_secret=creds["client_secret"], code=code, redirect_uri=REDIRECT), code


# --- OAuth v2 ------------------------------------------------------------------------------


def test_authorize_redirects_with_code_and_state_and_access_mints_exact_scopes(spare, root, base_url, owner):
    app = make_app(spare)
    jwt = login(spare, "dana@acme.test")
    status, headers, body = authorize(root, app, jwt, ["chat:write"], ["search:read"], state="s-123")
    assert status == 302, body
    location = headers["Location"]
    assert location.startswith(REDIRECT + "?")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)
    assert query["state"] == ["s-123"]
    code = query["code"][0]

    creds = app["credentials"]
    resp = WebClient(base_url=base_url).oauth_v2_access(
        client_id=creds["client_id"], client_secret=creds["client_secret"], code=code, redirect_uri=REDIRECT
    )
    assert resp["access_token"].startswith("xoxb-")
    assert resp["token_type"] == "bot"
    assert resp["scope"] == "chat:write"
    assert resp["bot_user_id"] == app["bot_user_id"]
    assert resp["app_id"] == app["app_id"]
    assert resp["team"]["id"] == app["team_id"] and resp["team"]["name"] == owner.team_info()["team"]["name"]
    assert resp["enterprise"] is None
    assert resp["is_enterprise_install"] is False
    authed = resp["authed_user"]
    assert authed["id"] == DANA
    assert authed["scope"] == "search:read"
    assert authed["token_type"] == "user"
    assert authed["access_token"].startswith("xoxp-")

    bot = WebClient(token=resp["access_token"], base_url=base_url)
    me = bot.auth_test()
    assert me["user_id"] == app["bot_user_id"]
    assert me.headers["x-oauth-scopes"] == "chat:write"
    # Only what was asked for: users:read is in the manifest but was not requested.
    err = api_error(bot.users_list)
    assert err["error"] == "missing_scope" and err["needed"] == "users:read"

    person = WebClient(token=authed["access_token"], base_url=base_url)
    assert person.auth_test()["user_id"] == DANA
    assert person.search_messages(query="launch")["ok"] is True

    # A code is exchanged once.
    again = api_error(
        WebClient(base_url=base_url).oauth_v2_access,
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        code=code,
        redirect_uri=REDIRECT,
    )
    assert again["error"] == "invalid_code"


def test_access_errors_name_the_bad_credential(spare, root, base_url):
    app = make_app(spare)
    creds = app["credentials"]
    jwt = login(spare, "dana@acme.test")

    def fresh_code():
        status, headers, _ = authorize(root, app, jwt, ["chat:write"])
        assert status == 302
        return urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)["code"][0]

    code = fresh_code()
    client = WebClient(base_url=base_url)
    ok = dict(client_id=creds["client_id"], client_secret=creds["client_secret"], code=code, redirect_uri=REDIRECT)
    assert api_error(client.oauth_v2_access, **{**ok, "client_id": "123.456"})["error"] == "invalid_client_id"
    assert api_error(client.oauth_v2_access, **{**ok, "client_secret": "0" * 32})["error"] == "bad_client_secret"
    assert api_error(client.oauth_v2_access, **{**ok, "redirect_uri": REDIRECT + "/other"})["error"] == "bad_redirect_uri"
    assert api_error(client.oauth_v2_access, **{**ok, "grant_type": "password"})["error"] == "invalid_grant_type"
    assert api_error(client.oauth_v2_access, **{**ok, "code": "1.2.deadbeef"})["error"] == "invalid_code"
    # Another app's credentials do not redeem this app's code.
    other = make_app(spare)["credentials"]
    stolen = {**ok, "client_id": other["client_id"], "client_secret": other["client_secret"]}
    assert api_error(client.oauth_v2_access, **stolen)["error"] == "invalid_code"
    # None of the failures used the code up.
    assert client.oauth_v2_access(**ok)["access_token"].startswith("xoxb-")


def test_authorize_refuses_without_sign_in_or_with_bad_parameters(spare, root):
    app = make_app(spare)
    jwt = login(spare, "dana@acme.test")
    status, _, body = authorize(root, app, None, ["chat:write"])
    assert status == 401 and b"not_authed" in body
    status, _, body = authorize(root, app, "eyJhbGciOiJIUzI1NiJ9.e30.forged", ["chat:write"])
    assert status == 401
    status, _, body = authorize(root, app, jwt, ["channels:history"])
    assert status == 400 and b"invalid_scope" in body
    status, _, body = authorize(root, app, jwt, ["chat:write"], redirect_uri="http://127.0.0.1:9/elsewhere")
    assert status == 400 and b"bad_redirect_uri" in body
    status, _, body = authorize(root, {"credentials": {"client_id": "999.999"}}, jwt, ["chat:write"])
    assert status == 400 and b"invalid_client_id" in body
    # The session cookie `d` works like the header, and without redirect_uri the
    # first configured Redirect URL is used.
    url = f"{root}/oauth/v2/authorize?client_id={app['credentials']['client_id']}&scope=users:read"
    status, headers, body = http("GET", url, headers={"Cookie": f"d={jwt}"})
    assert status == 302, body
    assert headers["Location"].startswith(REDIRECT + "?code=")
    assert "state=" not in headers["Location"]


# --- profile photos --------------------------------------------------------------------------


def test_set_photo_serves_the_image_and_profiles_show_it(spare, owner, base_url):
    image = png(600, 600)
    resp = owner.users_setPhoto(image=io.BytesIO(image), crop_x=10, crop_y=10, crop_w=512)
    profile = resp["profile"]
    assert profile["is_custom_image"] is True
    url = profile["image_512"]
    assert url.startswith(spare["api"][: -len("/api")] + "/avatars/" + DANA + "/")
    status, headers, body = http("GET", url)
    assert status == 200 and body == image and headers["Content-Type"] == "image/png"

    got = owner.users_profile_get()["profile"]
    for key in ("image_24", "image_72", "image_192", "image_512", "image_1024", "image_original", "avatar_hash"):
        assert got[key] == profile[key], key
    info = owner.users_info(user=DANA)["user"]["profile"]
    assert info["image_192"] == profile["image_192"]
    listed = next(m for m in owner.users_list()["members"] if m["id"] == DANA)
    assert listed["profile"]["image_48"] == profile["image_48"]

    owner.users_deletePhoto()
    after = owner.users_profile_get()["profile"]
    assert "is_custom_image" not in after
    assert after["image_512"] != url
    assert http("GET", url)[0] == 404


def test_set_photo_errors(spare, owner, base_url):
    assert api_error(owner.users_setPhoto, image=io.BytesIO(b"not an image at all"))["error"] == "bad_image"
    assert api_error(owner.users_setPhoto, image=io.BytesIO(png(1100, 1100)))["error"] == "too_large"
    assert api_error(owner.users_setPhoto, image=io.BytesIO(png(600, 600)), crop_x=200, crop_w=512)["error"] == "bad_image"
    bot = WebClient(token=spare["bot"], base_url=base_url)
    assert api_error(bot.users_setPhoto, image=io.BytesIO(png(600, 600)))["error"] == "not_allowed_token_type"
    assert api_error(bot.users_deletePhoto)["error"] == "not_allowed_token_type"


# --- workspace administration ----------------------------------------------------------------


def test_team_admin_methods_need_the_admin_scope(owner):
    for call in (owner.team_accessLogs, owner.team_billableInfo, owner.team_integrationLogs):
        err = api_error(call)
        assert err["error"] == "missing_scope" and err["needed"] == "admin"


def test_access_billable_and_integration_logs_with_an_admin_token(spare, root, base_url):
    app = make_app(spare, bot=("chat:write",), user=("admin",))
    resp, _ = install(spare, root, base_url, app, ["chat:write"], ["admin"])
    admin = WebClient(token=resp["authed_user"]["access_token"], base_url=base_url)

    logins = admin.team_accessLogs(count=50)
    mine = [entry for entry in logins["logins"] if entry["user_id"] == DANA and entry["user_agent"] == AGENT]
    assert mine and mine[0]["count"] >= 2  # the login and the approval
    assert mine[0]["username"] == "dana"
    assert mine[0]["date_first"] <= mine[0]["date_last"]
    assert logins["paging"]["page"] == 1 and logins["paging"]["total"] >= 1
    assert api_error(admin.team_accessLogs, page=101)["error"] == "over_pagination_limit"

    billable = admin.team_billableInfo()["billable_info"]
    assert billable[DANA] == {"billing_active": True}
    assert billable[PRIYA] == {"billing_active": True}
    assert app["bot_user_id"] not in billable
    assert admin.team_billableInfo(user=ALEX)["billable_info"] == {ALEX: {"billing_active": True}}
    assert api_error(admin.team_billableInfo, user="U0NOBODY00")["error"] == "user_not_found"
    page = admin.team_billableInfo(limit=2)
    assert len(page["billable_info"]) == 2
    rest = admin.team_billableInfo(limit=1000, cursor=page["response_metadata"]["next_cursor"])["billable_info"]
    assert set(page["billable_info"]) | set(rest) == set(billable)
    assert not set(page["billable_info"]) & set(rest)

    logs = admin.team_integrationLogs(app_id=app["app_id"])["logs"]
    kinds = sorted(entry["change_type"] for entry in logs)
    assert kinds == ["added", "added"]  # made from the manifest, then installed with OAuth
    assert {entry["user_id"] for entry in logs} == {DANA}
    assert any(entry["scope"] == "chat:write,admin" for entry in logs)
    assert all(entry["app_type"] == app["name"] for entry in logs)
    assert admin.team_integrationLogs(change_type="removed", app_id=app["app_id"])["logs"] == []

    # Uninstalling the other app shows up as removed.
    gone = make_app(spare, bot=("chat:write",), user=())
    WebClient(token=gone["bot_token"], base_url=base_url).apps_uninstall(
        client_id=gone["credentials"]["client_id"], client_secret=gone["credentials"]["client_secret"]
    )
    removed = admin.team_integrationLogs(change_type="removed")["logs"]
    assert [entry["app_id"] for entry in removed] == [gone["app_id"]]


def test_members_who_are_not_admins_get_no_permission(spare, root, base_url):
    app = make_app(spare, bot=("chat:write",), user=("admin",))
    resp, _ = install(spare, root, base_url, app, ["chat:write"], ["admin"], email="priya@acme.test")
    assert resp["authed_user"]["id"] == PRIYA
    member = WebClient(token=resp["authed_user"]["access_token"], base_url=base_url)
    assert api_error(member.team_billableInfo)["error"] == "no_permission"
    assert api_error(member.team_accessLogs)["error"] == "no_permission"


def test_migration_exchange_on_a_standalone_workspace(spare, root, base_url):
    app = make_app(spare, bot=("tokens.basic",), user=())
    bot = WebClient(token=app["bot_token"], base_url=base_url)
    assert api_error(bot.migration_exchange, users=[DANA, ALEX])["error"] == "not_enterprise_team"
    plain = WebClient(token=spare["bot"], base_url=base_url)
    err = api_error(plain.migration_exchange, users=[DANA])
    assert err["error"] == "missing_scope" and err["needed"] == "tokens.basic"


# --- calls -----------------------------------------------------------------------------------


def test_calls_lifecycle(spare, base_url):
    app = make_app(spare, bot=("calls:read", "calls:write"), user=())
    bot = WebClient(token=app["bot_token"], base_url=base_url)
    outsider = {"external_id": "54321678", "display_name": "Kim Possible", "avatar_url": "https://calls.example/kim.jpg"}
    external = unique("standup")
    call = bot.calls_add(
        external_unique_id=external,
        join_url="https://calls.example/j/1",
        external_display_id="705-292-868",
        title="Standup",
        created_by=DANA,
        date_start=1700000000,
        users=[{"slack_id": DANA}, outsider],
    )["call"]
    assert call["id"].startswith("R")
    assert call["external_unique_id"] == external
    assert call["date_start"] == 1700000000
    assert call["title"] == "Standup" and call["external_display_id"] == "705-292-868"
    assert call["users"] == [{"slack_id": DANA}, outsider]
    assert "date_end" not in call

    assert bot.calls_info(id=call["id"])["call"] == call
    updated = bot.calls_update(id=call["id"], title="Standup (moved)", desktop_app_join_url="callapp://join/1")["call"]
    assert updated["title"] == "Standup (moved)" and updated["desktop_app_join_url"] == "callapp://join/1"
    assert updated["join_url"] == "https://calls.example/j/1"

    bot.calls_participants_add(id=call["id"], users=[{"slack_id": ALEX}])
    assert api_error(bot.calls_participants_add, id=call["id"], users=[{"slack_id": ALEX}])["error"] == "bad_users"
    assert api_error(bot.calls_participants_add, id=call["id"], users=[{"slack_id": "U0NOBODY00"}])["error"] == "user_not_found"
    bot.calls_participants_remove(id=call["id"], users=[outsider])
    assert bot.calls_info(id=call["id"])["call"]["users"] == [{"slack_id": DANA}, {"slack_id": ALEX}]

    bot.calls_end(id=call["id"], duration=1800)
    ended = bot.calls_info(id=call["id"])["call"]
    assert ended["date_end"] == 1700000000 + 1800
    assert api_error(bot.calls_end, id=call["id"])["error"] == "inactive_call"
    assert api_error(bot.calls_participants_add, id=call["id"], users=[{"slack_id": PRIYA}])["error"] == "inactive_call"


def test_calls_errors(spare, base_url):
    app = make_app(spare, bot=("calls:read", "calls:write"), user=())
    bot = WebClient(token=app["bot_token"], base_url=base_url)
    add = dict(external_unique_id=unique("c"), join_url="https://calls.example/j/2")
    assert api_error(bot.calls_add, **add)["error"] == "invalid_created_by"
    assert api_error(bot.calls_add, **add, created_by="U0NOBODY00")["error"] == "invalid_created_by"
    assert api_error(bot.calls_add, **add, created_by=DANA, users=[{"slack_id": "U0NOBODY00"}])["error"] == "user_not_found"
    assert api_error(bot.calls_info, id="R0NOSUCHCALL")["error"] == "invalid_call_id"
    mine = bot.calls_add(**add, created_by=DANA)["call"]
    other = make_app(spare, bot=("calls:read",), user=())
    assert api_error(WebClient(token=other["bot_token"], base_url=base_url).calls_info, id=mine["id"])["error"] == "invalid_call_id"
    err = api_error(WebClient(token=spare["bot"], base_url=base_url).calls_add, **add, created_by=DANA)
    assert err["error"] == "missing_scope" and err["needed"] == "calls:write"


# --- chat.unfurl -----------------------------------------------------------------------------


def test_unfurls_show_in_history(spare, owner, base_url):
    app = make_app(spare, bot=("links:write",), user=(), features={"unfurl_domains": ["docs.example"]})
    bot = WebClient(token=app["bot_token"], base_url=base_url)
    channel = next(c["id"] for c in owner.conversations_list()["channels"] if c["name"] == "general")
    link = f"https://docs.example/spec/{unique('page')}"
    posted = owner.chat_postMessage(channel=channel, text=f"see <{link}> and https://other.example/x")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*The spec*"}}]
    bot.chat_unfurl(channel=channel, ts=posted["ts"], unfurls={link: {"blocks": blocks}})
    msg = owner.conversations_history(channel=channel, latest=posted["ts"], inclusive=True, limit=1)["messages"][0]
    assert msg["ts"] == posted["ts"]
    [att] = msg["attachments"]
    assert att["app_unfurl_url"] == link and att["is_app_unfurl"] is True and att["app_id"] == app["app_id"]
    assert att["blocks"] == blocks
    # Unfurling the same URL again replaces its unfurl.
    bot.chat_unfurl(channel=channel, ts=posted["ts"], unfurls={link: {"text": "v2"}})
    msg = owner.conversations_history(channel=channel, latest=posted["ts"], inclusive=True, limit=1)["messages"][0]
    assert [a.get("text") for a in msg["attachments"]] == ["v2"]

    assert api_error(bot.chat_unfurl, channel=channel, ts=posted["ts"], unfurls={"https://other.example/x": {"text": "x"}})[
        "error"
    ] == "cannot_unfurl_url"
    assert api_error(bot.chat_unfurl, channel=channel, ts=posted["ts"], unfurls={"https://docs.example/absent": {"text": "x"}})[
        "error"
    ] == "cannot_unfurl_url"
    assert api_error(bot.chat_unfurl, channel=channel, ts="1.000001", unfurls={link: {"text": "x"}})["error"] == "cannot_unfurl_message"
    assert api_error(bot.chat_unfurl, channel=channel, ts=posted["ts"], unfurls="[1]")["error"] == "invalid_unfurls_format"
    err = api_error(WebClient(token=spare["bot"], base_url=base_url).chat_unfurl, channel=channel, ts=posted["ts"], unfurls={link: {}})
    assert err["error"] == "missing_scope" and err["needed"] == "links:write"
