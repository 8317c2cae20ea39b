"""Public file links, users.setActive, legacy dialogs and the retired files.upload, with slack_sdk.

files.sharedPublicURL (user tokens only) gives a file a `permalink_public` that
answers without a token, on the clone's own origin; files.revokePublicURL takes it
away. users.setActive is deprecated and a no-op on Slack, but still answers ok.
dialog.open exchanges a trigger id (minted by `POST /api/_asym/interactions`) as
views.open does, under its own error names. files.upload was retired by Slack on
November 12, 2025 and answers `method_deprecated`.

This module spins its own clone on ports 5300-5319 and destroys it afterwards.
"""

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient

from conftest import admin_token, api_error, http, spun_clone, unique

PORTS = {"portRange": {"start": 5300, "end": 5319}}
DANA = "U0ACMEDANA"


@pytest.fixture(scope="module")
def clone():
    for c in spun_clone(PORTS):
        yield {
            **c,
            "root": c["api"].removesuffix("/api"),
            "admin": {"x-asym-admin-token": admin_token(c["home"], c["id"])},
        }


@pytest.fixture(scope="module")
def user(clone):
    return WebClient(token=clone["user"], base_url=clone["api"] + "/")


@pytest.fixture(scope="module")
def bot(clone):
    return WebClient(token=clone["bot"], base_url=clone["api"] + "/")


def fetch(url):
    """(status, body bytes, content type) of a GET without any token."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=30) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("Content-Type")


def uploaded(user, content=b"quarterly numbers\n", filename="q3.txt"):
    out = user.files_upload_v2(content=content, filename=filename, title="Q3")
    return out["file"]["id"]


# --- files.sharedPublicURL / files.revokePublicURL ---------------------------------


def test_shared_public_url_serves_the_file_without_a_token_until_revoked(clone, user):
    file_id = uploaded(user)
    shared = user.files_sharedPublicURL(file=file_id)
    f = shared["file"]
    assert f["id"] == file_id
    assert f["public_url_shared"] is True
    link = f["permalink_public"]
    team = user.auth_test()["team_id"]
    prefix = f"{clone['root']}/{team}-{file_id}-"
    assert link.startswith(prefix), link
    secret = link[len(prefix) :]
    assert secret and all(c in "0123456789abcdef" for c in secret)

    status, body, content_type = fetch(link)
    assert status == 200
    assert body == b"quarterly numbers\n"
    assert content_type.startswith("text/plain")

    # files.info tells the same story; sharing again keeps the link.
    assert user.files_info(file=file_id)["file"]["permalink_public"] == link
    assert user.files_sharedPublicURL(file=file_id)["file"]["permalink_public"] == link

    # A wrong secret is not the link.
    assert fetch(f"{prefix}0000000000")[0] == 404

    revoked = user.files_revokePublicURL(file=file_id)
    assert revoked["file"]["id"] == file_id
    assert revoked["file"]["public_url_shared"] is False
    assert "permalink_public" not in revoked["file"]
    assert fetch(link)[0] == 404
    assert user.files_info(file=file_id)["file"]["public_url_shared"] is False

    # Sharing again mints a new link; the revoked one stays dead.
    again = user.files_sharedPublicURL(file=file_id)["file"]["permalink_public"]
    assert again != link
    assert fetch(again)[0] == 200
    assert fetch(link)[0] == 404


def test_shared_public_url_errors(user, bot):
    file_id = uploaded(user)
    # User tokens only.
    assert api_error(bot.files_sharedPublicURL, file=file_id)["error"] == "not_allowed_token_type"
    assert api_error(user.files_sharedPublicURL, file="F0NOSUCHFILE")["error"] == "file_not_found"
    assert api_error(user.files_revokePublicURL, file="F0NOSUCHFILE")["error"] == "file_not_found"
    # A file the bot cannot see is not found for it.
    assert api_error(bot.files_revokePublicURL, file=file_id)["error"] == "file_not_found"
    # Revoking a file that is not public changes nothing.
    assert user.files_revokePublicURL(file=file_id)["file"]["public_url_shared"] is False


def test_public_url_methods_need_files_write(clone):
    token = WebClient(base_url=clone["api"] + "/")
    assert api_error(token.files_sharedPublicURL, file="F1")["error"] == "not_authed"
    user = WebClient(token=clone["user"], base_url=clone["api"] + "/")
    resp = api_error(user.files_revokePublicURL, file="F0NOSUCHFILE")
    assert resp.headers.get("x-accepted-oauth-scopes") == "files:write"
    assert "files:write" in resp.headers.get("x-oauth-scopes").split(",")


# --- users.setActive ----------------------------------------------------------------


def test_users_set_active_answers_ok(user, bot):
    out = user.api_call("users.setActive")
    assert out["ok"] is True
    assert out.headers.get("x-accepted-oauth-scopes") == "users:write"
    assert bot.api_call("users.setActive")["ok"] is True


# --- files.upload (retired) -----------------------------------------------------------


def test_files_upload_is_retired(user):
    err = api_error(user.files_upload, content="hello", filename="a.txt", channels="C0ACMERAND")
    assert err["error"] == "method_deprecated"
    err = api_error(user.files_upload, file=b"\x00\x01binary", filename="b.bin")
    assert err["error"] == "method_deprecated"


# --- dialog.open ----------------------------------------------------------------------


def ride(elements=2, **extra):
    return {
        "callback_id": "ryde-46e2b0",
        "title": "Request a Ride",
        "submit_label": "Request",
        "elements": [{"type": "text", "label": f"Field {i}", "name": f"f{i}"} for i in range(elements)],
        **extra,
    }


@pytest.fixture(scope="module")
def app(clone):
    m = {
        "display_information": {"name": unique("Rides")},
        "features": {
            "bot_user": {"display_name": "Rides"},
            "shortcuts": [{"name": "Ride", "type": "global", "callback_id": "ride", "description": "Request a ride"}],
        },
        "oauth_config": {"scopes": {"bot": ["chat:write", "commands"]}},
    }
    status, body = http("POST", f"{clone['root']}/api/_asym/apps", m, clone["admin"])
    assert status == 200, body
    return body


def trigger(clone, app):
    body = {"app_id": app["app_id"], "user_id": DANA, "type": "shortcut", "callback_id": "ride"}
    status, out = http("POST", f"{clone['root']}/api/_asym/interactions", body, clone["admin"])
    assert status == 200, out
    return out["trigger_id"]


def test_dialog_open_with_a_bad_trigger(bot):
    assert api_error(bot.dialog_open, trigger_id="12345.98765.abcd2358fdea", dialog=ride())["error"] == "invalid_trigger"
    assert api_error(bot.dialog_open, trigger_id="not-a-trigger", dialog=ride())["error"] == "invalid_trigger"


def test_dialog_open_exchanges_a_trigger_once(clone, app):
    client = WebClient(token=app["bot_token"], base_url=clone["api"] + "/")
    t = trigger(clone, app)
    assert client.dialog_open(trigger_id=t, dialog=ride())["ok"] is True
    assert api_error(client.dialog_open, trigger_id=t, dialog=ride())["error"] == "trigger_exchanged"
    # Another app's trigger is not this token's to exchange.
    other = WebClient(token=clone["bot"], base_url=clone["api"] + "/")
    assert api_error(other.dialog_open, trigger_id=trigger(clone, app), dialog=ride())["error"] == "invalid_trigger"


def test_dialog_open_validates_the_dialog(clone, app):
    client = WebClient(token=app["bot_token"], base_url=clone["api"] + "/")
    t = trigger(clone, app)
    no_title = ride()
    del no_title["title"]
    err = api_error(client.dialog_open, trigger_id=t, dialog=no_title)
    assert err["error"] == "validation_errors"
    assert err["response_metadata"]["messages"] == ["[ERROR] missing required field: title [json-pointer:/dialog]"]
    err = api_error(client.dialog_open, trigger_id=t, dialog=ride(elements=11))
    assert err["error"] == "validation_errors"
    assert err["response_metadata"]["messages"] == ["[ERROR] no more than 10 items allowed [json-pointer:/dialog/elements]"]
    # A refused dialog leaves the trigger unexchanged.
    assert client.dialog_open(trigger_id=t, dialog=ride())["ok"] is True
    missing = api_error(client.api_call, "dialog.open", json={"trigger_id": trigger(clone, app)})
    assert missing["error"] == "missing_dialog"
    assert api_error(client.api_call, "dialog.open", json={"dialog": ride()})["error"] == "missing_trigger"
