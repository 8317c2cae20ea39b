"""The workspace family through slack_sdk: users.lookupByEmail, presence, profiles,
search.messages, bookmarks, user groups, emoji.list and auth.revoke.

Most tests use the session clone and only touch channels and groups they create
(names with a random suffix), and restore the owner's profile fields they change.
Revoking tokens, making apps with narrower scopes and listening for events happen in
a second clone this module spins for itself (`spare`), so the session clone keeps its
tokens and its member list.
"""

import json
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from slack_sdk import WebClient

from conftest import RATE_LIMIT_ARGS, _PORT_START, _asym, api_error, unique, wait_for

TEAM = "T0ACME0001"
DANA = "U0ACMEDANA"  # primary owner; the user token acts as her
ALEX = "U0ACMEALEX"  # admin
PRIYA = "U0ACMEPRIA"
SAM = "U0ACMESAMK"
MEI = "U0ACMEMEIL"


# --- users.lookupByEmail ---------------------------------------------------------------


def test_lookup_by_email_finds_the_member_in_any_case(bot, user):
    u = bot.users_lookupByEmail(email="priya@acme.test")["user"]
    assert u["id"] == PRIYA
    assert u["name"] == "priya"
    assert u["profile"]["email"] == "priya@acme.test"
    assert u["profile"]["real_name"] == "Priya Natarajan"
    assert user.users_lookupByEmail(email="PRIYA@Acme.TEST")["user"]["id"] == PRIYA


def test_lookup_by_email_of_nobody_is_users_not_found(bot):
    assert api_error(bot.users_lookupByEmail, email="nobody@acme.test")["error"] == "users_not_found"
    assert api_error(bot.users_lookupByEmail, email="bot@example.com")["error"] == "users_not_found"


# --- presence ----------------------------------------------------------------------------


def test_own_presence_has_the_connection_details(user):
    r = user.users_getPresence(user=DANA)
    assert r["presence"] == "away", "no client of Dana's is connected"
    assert r["online"] is False
    assert r["manual_away"] is False
    assert r["auto_away"] is False
    assert r["connection_count"] == 0
    assert isinstance(r["last_activity"], int)


def test_someone_elses_presence_is_only_the_presence(user, bot_identity):
    r = user.users_getPresence(user=PRIYA)
    assert r["presence"] == "away"
    assert "online" not in r and "manual_away" not in r
    # The bot is shown as always active.
    assert user.users_getPresence(user=bot_identity["user_id"])["presence"] == "active"


def test_set_presence_away_then_auto(bot, bot_identity, user):
    me = bot_identity["user_id"]
    try:
        assert bot.users_setPresence(presence="away")["ok"] is True
        r = bot.users_getPresence(user=me)
        assert (r["presence"], r["manual_away"], r["online"]) == ("away", True, True)
        assert user.users_getPresence(user=me)["presence"] == "away", "others see the manual away"
        user.users_setPresence(presence="away")
        assert user.users_getPresence(user=DANA)["manual_away"] is True
    finally:
        bot.users_setPresence(presence="auto")
        user.users_setPresence(presence="auto")
    r = bot.users_getPresence(user=me)
    assert (r["presence"], r["manual_away"]) == ("active", False)
    assert user.users_getPresence(user=DANA)["manual_away"] is False


def test_presence_errors(user):
    assert api_error(user.users_setPresence, presence="busy")["error"] == "invalid_presence"
    assert api_error(user.users_getPresence, user="U0NOBODY00")["error"] == "user_not_found"


# --- profiles ----------------------------------------------------------------------------


@pytest.fixture
def restore_dana(user):
    before = user.users_profile_get()["profile"]
    yield before
    user.users_profile_set(
        profile={
            "first_name": before["first_name"],
            "last_name": before["last_name"],
            "display_name": before["display_name"],
            "title": before["title"],
            "phone": before["phone"],
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "email": before["email"],
        }
    )


def test_profile_set_shows_in_profile_get_users_info_and_users_list(user, bot, restore_dana):
    expires = int(time.time()) + 3600
    r = user.users_profile_set(
        profile={
            "title": "Chief Operating Officer",
            "phone": "+1 555 0100",
            "status_text": "Reviewing budgets",
            "status_emoji": ":moneybag:",
            "status_expiration": expires,
        }
    )
    p = r["profile"]
    assert p["title"] == "Chief Operating Officer"
    assert p["phone"] == "+1 555 0100"
    assert (p["status_text"], p["status_emoji"], p["status_expiration"]) == ("Reviewing budgets", ":moneybag:", expires)
    assert p["real_name"] == "Dana Whitfield"
    assert p["email"] == "dana@acme.test"
    for size in (24, 32, 48, 72, 192, 512):
        assert p[f"image_{size}"].startswith("https://")

    got = user.users_profile_get(user=DANA)["profile"]
    assert got["title"] == "Chief Operating Officer" and got["status_text"] == "Reviewing budgets"

    info = bot.users_info(user=DANA)["user"]
    assert info["profile"]["title"] == "Chief Operating Officer"
    assert info["profile"]["phone"] == "+1 555 0100"
    assert info["profile"]["status_emoji"] == ":moneybag:"
    listed = {m["id"]: m for m in bot.users_list()["members"]}
    assert listed[DANA]["profile"]["status_text"] == "Reviewing budgets"
    assert listed[PRIYA]["profile"]["status_text"] == "", "others are untouched"


def test_profile_set_by_name_and_value_and_names(user, bot, restore_dana):
    user.users_profile_set(name="display_name", value="dana.w")
    assert bot.users_info(user=DANA)["user"]["profile"]["display_name"] == "dana.w"
    user.users_profile_set(profile={"first_name": "Danielle", "last_name": "Whitfield-Ames"})
    info = bot.users_info(user=DANA)["user"]
    assert info["real_name"] == "Danielle Whitfield-Ames"
    assert info["profile"]["real_name"] == "Danielle Whitfield-Ames"
    assert (info["profile"]["first_name"], info["profile"]["last_name"]) == ("Danielle", "Whitfield-Ames")


def test_custom_fields_and_clearing_the_status(user, restore_dana):
    p = user.users_profile_set(profile={"fields": {"Xf0ACMEDEPT": {"value": "Operations", "alt": ""}}, "status_text": "Busy"})["profile"]
    assert p["fields"]["Xf0ACMEDEPT"]["value"] == "Operations"
    p = user.users_profile_set(profile={"fields": {"Xf0ACMEDEPT": {"value": ""}}, "status_text": ""})["profile"]
    assert p["fields"] is None or "Xf0ACMEDEPT" not in p["fields"]
    assert p["status_text"] == "" and p["status_expiration"] == 0


def test_an_expired_status_is_cleared(user, restore_dana):
    user.users_profile_set(profile={"status_text": "At lunch", "status_emoji": ":sandwich:", "status_expiration": 1000})
    p = user.users_profile_get()["profile"]
    assert (p["status_text"], p["status_emoji"], p["status_expiration"]) == ("", "", 0)


def test_owner_may_edit_an_admins_profile(user, bot):
    before = bot.users_info(user=ALEX)["user"]["profile"]["title"]
    try:
        p = user.users_profile_set(user=ALEX, profile={"title": "Principal Engineer"})["profile"]
        assert p["title"] == "Principal Engineer"
        assert bot.users_info(user=ALEX)["user"]["profile"]["title"] == "Principal Engineer"
    finally:
        user.users_profile_set(user=ALEX, profile={"title": before})


def test_profile_set_errors(user, bot, restore_dana):
    assert api_error(bot.users_profile_set, profile={"title": "x"})["error"] == "not_allowed_token_type"
    assert api_error(user.users_profile_set, profile="not json")["error"] == "invalid_profile"
    assert api_error(user.users_profile_set, profile={"status_text": "x" * 101})["error"] == "too_long"
    assert api_error(user.users_profile_set, profile={"display_name": "here"})["error"] == "reserved_name"
    assert api_error(user.users_profile_set, profile={"email": "alex@acme.test"})["error"] == "email_taken"
    assert api_error(user.users_profile_set, user="U0NOBODY00", profile={"title": "x"})["error"] == "user_not_found"
    assert api_error(user.users_profile_get, user="U0NOBODY00")["error"] == "user_not_found"
    assert user.users_profile_get()["profile"]["status_text"] == "", "nothing was written"


def test_profile_get_hides_email_without_the_scope(spare):
    app = spare.app(user_scopes=["users.profile:read"])
    p = WebClient(token=app["user_token"], base_url=spare.base_url).users_profile_get(user=PRIYA)["profile"]
    assert p["real_name"] == "Priya Natarajan"
    assert "email" not in p


# --- search.messages ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(bot, user, bot_identity):
    """Messages with a marker word no other test uses, in channels made here."""
    marker = "zq" + uuid.uuid4().hex[:10]
    ops = user.conversations_create(name=unique("ws-ops"))["channel"]
    misc = user.conversations_create(name=unique("ws-misc"))["channel"]
    hidden = bot.conversations_create(name=unique("ws-hidden"), is_private=True)["channel"]
    user.conversations_invite(channel=ops["id"], users=bot_identity["user_id"])
    posted = {}

    def post(key, client, channel, text, **kw):
        r = client.chat_postMessage(channel=channel, text=text, **kw)
        posted[key] = r["ts"]
        time.sleep(0.01)
        return r["ts"]

    post("pipeline", user, ops["id"], f"{marker} deploy pipeline is green")
    post("runbook", bot, ops["id"], f"{marker} see https://example.com/runbook for the release train")
    post("hotfix", user, ops["id"], f"{marker} deployed the hotfix to production")
    post("reply", user, ops["id"], f"{marker} reply about the deploys", thread_ts=posted["pipeline"])
    post("lunch", user, misc["id"], f"{marker} lunch order for Friday")
    post("secret", bot, hidden["id"], f"{marker} deploy secret plans")
    dm = user.conversations_open(users=PRIYA)["channel"]["id"]
    post("dm", user, dm, f"{marker} dm about the offsite")
    user.reactions_add(channel=ops["id"], timestamp=posted["hotfix"], name="tada")
    user.reactions_add(channel=ops["id"], timestamp=posted["runbook"], name="thumbsup")
    user.pins_add(channel=ops["id"], timestamp=posted["hotfix"])
    return {"marker": marker, "ops": ops, "misc": misc, "ts": posted, "dm": dm}


def found(user, query, **kw):
    return [m["ts"] for m in user.search_messages(query=query, **kw)["messages"]["matches"]]


def test_search_free_words_match_word_forms_and_skip_what_the_user_cannot_see(user, corpus):
    m, ts = corpus["marker"], corpus["ts"]
    assert set(found(user, f"{m} deploy")) == {ts["pipeline"], ts["hotfix"], ts["reply"]}, "deploy, deployed, deploys"
    assert ts["secret"] not in found(user, m), "a private channel Dana is not in"
    assert found(user, f"{m} nothingmatcheshere") == []
    assert set(found(user, f"{m} deploy -hotfix")) == {ts["pipeline"], ts["reply"]}
    assert set(found(user, f"{m} deplo*")) == {ts["pipeline"], ts["hotfix"], ts["reply"]}


def test_search_quoted_phrase(user, corpus):
    m, ts = corpus["marker"], corpus["ts"]
    assert found(user, f'{m} "release train"') == [ts["runbook"]]
    assert found(user, f'{m} "train release"') == []


def test_search_in_channel_by_name_by_link_and_dm(user, corpus):
    m, ts, ops = corpus["marker"], corpus["ts"], corpus["ops"]
    in_ops = {ts["pipeline"], ts["runbook"], ts["hotfix"], ts["reply"]}
    assert set(found(user, f"{m} in:#{ops['name']}")) == in_ops
    assert set(found(user, f"{m} in:{ops['name']}")) == in_ops
    assert set(found(user, f"{m} in:<#{ops['id']}|{ops['name']}>")) == in_ops
    assert found(user, f"{m} in:#{corpus['misc']['name']}") == [ts["lunch"]]
    assert found(user, f"{m} in:@priya") == [ts["dm"]]
    assert found(user, f"{m} in:#no-such-channel-here") == []


def test_search_from(user, corpus, bot_identity):
    m, ts = corpus["marker"], corpus["ts"]
    mine = {ts["pipeline"], ts["hotfix"], ts["reply"], ts["lunch"], ts["dm"]}
    assert set(found(user, f"{m} from:@dana")) == mine
    assert set(found(user, f"{m} from:<@{DANA}>")) == mine
    assert set(found(user, f"{m} from:me")) == mine
    assert found(user, f"{m} from:<@{bot_identity['user_id']}>") == [ts["runbook"]]
    assert found(user, f"{m} from:@priya") == []


def test_search_to_finds_what_was_sent_to_someone_in_a_dm(user, corpus):
    m, ts = corpus["marker"], corpus["ts"]
    assert found(user, f"{m} to:@priya") == [ts["dm"]]
    assert found(user, f"{m} to:<@{PRIYA}>") == [ts["dm"]]
    assert found(user, f"{m} to:me") == [], "Dana sent the DM; nothing was sent to her"
    assert found(user, f"{m} to:@nobody-by-this-name") == []


def test_search_has_link_reaction_emoji_and_pin(user, corpus):
    m, ts = corpus["marker"], corpus["ts"]
    assert found(user, f"{m} has:link") == [ts["runbook"]]
    assert set(found(user, f"{m} has:reaction")) == {ts["hotfix"], ts["runbook"]}
    assert found(user, f"{m} has::tada:") == [ts["hotfix"]]
    assert found(user, f"{m} has::thumbsup:") == [ts["runbook"]], "thumbsup is stored as +1"
    assert found(user, f"{m} has::+1:") == [ts["runbook"]]
    assert found(user, f"{m} has::heart:") == []
    assert found(user, f"{m} has:pin") == [ts["hotfix"]]
    match = user.search_messages(query=f"{m} has::tada:")["messages"]["matches"][0]
    assert match["reactions"][0]["name"] == "tada" and match["reactions"][0]["users"] == [DANA]
    assert "no_reactions" not in match
    plain = user.search_messages(query=f"{m} lunch")["messages"]["matches"][0]
    assert plain["no_reactions"] is True and "reactions" not in plain


def test_search_dates(user, corpus):
    m, ts = corpus["marker"], corpus["ts"]
    day = datetime.fromtimestamp(float(ts["pipeline"]), tz=timezone.utc).date()
    everything = set(found(user, m))
    assert len(everything) == 6
    assert set(found(user, f"{m} on:{day.isoformat()}")) == everything
    assert set(found(user, f"{m} after:{(day - timedelta(days=1)).isoformat()}")) == everything
    assert found(user, f"{m} before:{day.isoformat()}") == []
    assert found(user, f"{m} after:{day.isoformat()}") == []
    assert set(found(user, f"{m} during:{day.strftime('%Y-%m')}")) == everything
    assert found(user, f"{m} during:2019-05") == []


def test_search_sorting_and_paging(user, corpus):
    m = corpus["marker"]
    newest_first = found(user, m, sort="timestamp")
    assert newest_first == sorted(newest_first, key=float, reverse=True)
    assert found(user, m, sort="timestamp", sort_dir="asc") == list(reversed(newest_first))
    r = user.search_messages(query=m, sort="timestamp", count=4, page=2)
    msgs = r["messages"]
    assert r["query"] == m
    assert [x["ts"] for x in msgs["matches"]] == newest_first[4:]
    assert msgs["total"] == 6
    assert msgs["pagination"] == {"total_count": 6, "page": 2, "per_page": 4, "page_count": 2, "first": 5, "last": 6}
    assert msgs["paging"] == {"count": 4, "total": 6, "page": 2, "pages": 2}


def test_search_match_shape_and_highlight(user, corpus):
    m, ts, ops = corpus["marker"], corpus["ts"], corpus["ops"]
    r = user.search_messages(query=f"{m} pipeline", highlight=True)
    (match,) = r["messages"]["matches"]
    assert match["ts"] == ts["pipeline"]
    assert match["type"] == "message" and match["user"] == DANA and match["username"] == "dana"
    assert match["team"] == TEAM
    assert match["channel"]["id"] == ops["id"] and match["channel"]["name"] == ops["name"]
    assert match["channel"]["is_channel"] is True and match["channel"]["is_private"] is False
    assert match["permalink"] == f"https://acme-corp.slack.com/archives/{ops['id']}/p{ts['pipeline'].replace('.', '')}"
    assert "\ue000pipeline\ue001" in match["text"]
    reply = user.search_messages(query=f"{m} reply")["messages"]["matches"][0]
    assert f"thread_ts={ts['pipeline']}" in reply["permalink"]


def test_search_refuses_bot_tokens_and_needs_a_query(bot, user):
    assert api_error(bot.search_messages, query="roadmap")["error"] == "not_allowed_token_type"
    assert api_error(user.search_messages, query="")["error"] == "invalid_arguments"


def test_search_needs_search_read(spare):
    app = spare.app(user_scopes=["users:read"])
    r = api_error(WebClient(token=app["user_token"], base_url=spare.base_url).search_messages, query="roadmap")
    assert r["error"] == "missing_scope"
    assert r["needed"] == "search:read"


# --- bookmarks ---------------------------------------------------------------------------


def test_bookmarks_crud(user, bot, bot_identity):
    ch = user.conversations_create(name=unique("ws-bookmarks"))["channel"]["id"]
    a = user.bookmarks_add(channel_id=ch, title="Runbook", type="link", link="https://example.com/runbook", emoji=":books:")["bookmark"]
    assert a["id"].startswith("Bk")
    assert (a["channel_id"], a["title"], a["link"], a["emoji"], a["type"]) == (ch, "Runbook", "https://example.com/runbook", ":books:", "link")
    assert a["icon_url"] == "https://example.com/favicon.ico"
    assert a["last_updated_by_user_id"] == DANA and a["last_updated_by_team_id"] == TEAM
    assert a["date_updated"] == 0 and a["date_created"] > 0
    b = user.bookmarks_add(channel_id=ch, title="Dashboard", type="link", link="https://grafana.example.com/d/1")["bookmark"]
    assert [x["id"] for x in user.bookmarks_list(channel_id=ch)["bookmarks"]] == [a["id"], b["id"]]
    assert a["rank"] < b["rank"]

    e = user.bookmarks_edit(channel_id=ch, bookmark_id=a["id"], title="Ops runbook", link="https://wiki.example.com/ops")["bookmark"]
    assert (e["title"], e["link"], e["emoji"]) == ("Ops runbook", "https://wiki.example.com/ops", ":books:")
    assert e["icon_url"] == "https://wiki.example.com/favicon.ico"
    assert e["date_updated"] > 0

    # The bot may read and change them once it is in the channel.
    assert api_error(bot.bookmarks_list, channel_id=ch)["error"] == "not_in_channel"
    user.conversations_invite(channel=ch, users=bot_identity["user_id"])
    listed = bot.bookmarks_list(channel_id=ch)["bookmarks"]
    assert [(x["id"], x["title"]) for x in listed] == [(a["id"], "Ops runbook"), (b["id"], "Dashboard")]
    c = bot.bookmarks_add(channel_id=ch, title="Status", type="link", link="https://status.example.com")["bookmark"]
    assert c["app_id"].startswith("A") and c["last_updated_by_user_id"] == bot_identity["user_id"]
    assert a["app_id"] is None, "added with a user token"

    assert user.bookmarks_remove(channel_id=ch, bookmark_id=a["id"])["ok"] is True
    assert [x["id"] for x in user.bookmarks_list(channel_id=ch)["bookmarks"]] == [b["id"], c["id"]]
    assert api_error(user.bookmarks_remove, channel_id=ch, bookmark_id=a["id"])["error"] == "not_found"


def test_bookmark_errors(user, bot):
    ch = user.conversations_create(name=unique("ws-bm-errors"))["channel"]["id"]
    add = user.bookmarks_add
    assert api_error(add, channel_id="C0NOSUCHCH", title="x", type="link", link="https://x.example")["error"] == "channel_not_found"
    hidden = bot.conversations_create(name=unique("ws-bm-hidden"), is_private=True)["channel"]["id"]
    assert api_error(add, channel_id=hidden, title="x", type="link", link="https://x.example")["error"] == "channel_not_found"
    assert api_error(bot.bookmarks_add, channel_id=ch, title="x", type="link", link="https://x.example")["error"] == "not_in_channel"
    assert api_error(add, channel_id=ch, title="x", type="file", link="https://x.example")["error"] == "invalid_bookmark_type"
    assert api_error(add, channel_id=ch, title="x", type="link", link="example.com")["error"] == "invalid_link"
    assert api_error(add, channel_id=ch, title="x", type="link")["error"] == "invalid_link"
    assert api_error(add, channel_id=ch, title="x", type="link", link="https://x.example", emoji="books")["error"] == "invalid_emoji"
    assert api_error(user.bookmarks_edit, channel_id=ch, bookmark_id="Bk0NOSUCHBK")["error"] == "not_found"
    assert user.bookmarks_list(channel_id=ch)["bookmarks"] == []


# --- user groups -------------------------------------------------------------------------


def test_usergroups_create_update_members_disable_enable(user, bot):
    name = unique("Ops Oncall")
    handle = unique("ops-oncall")
    ch = user.conversations_create(name=unique("ws-oncall"))["channel"]["id"]
    g = user.usergroups_create(name=name, handle=handle, description="Pager rotation", channels=[ch], include_count=True)["usergroup"]
    gid = g["id"]
    assert gid.startswith("S")
    assert (g["name"], g["handle"], g["description"], g["team_id"]) == (name, handle, "Pager rotation", TEAM)
    assert g["is_usergroup"] is True and g["date_delete"] == 0
    assert g["created_by"] == DANA and g["prefs"]["channels"] == [ch]
    assert g["user_count"] == 0 and g["users"] == []

    r = bot.usergroups_users_update(usergroup=gid, users=[PRIYA, MEI], include_count=True)["usergroup"]
    assert r["users"] == [PRIYA, MEI] and r["user_count"] == 2
    assert bot.usergroups_users_list(usergroup=gid)["users"] == [PRIYA, MEI]
    r = user.usergroups_users_update(usergroup=gid, users=f"{MEI},{SAM}")["usergroup"]
    assert sorted(r["users"]) == sorted([MEI, SAM])
    assert sorted(user.usergroups_users_list(usergroup=gid)["users"]) == sorted([MEI, SAM])

    u = user.usergroups_update(usergroup=gid, name=name + " team", description="Who gets paged")["usergroup"]
    assert (u["name"], u["description"], u["handle"]) == (name + " team", "Who gets paged", handle)
    assert u["date_update"] >= g["date_update"]

    listed = {x["id"]: x for x in bot.usergroups_list(include_users=True, include_count=True)["usergroups"]}
    assert sorted(listed[gid]["users"]) == sorted([MEI, SAM]) and listed[gid]["user_count"] == 2
    plain = {x["id"]: x for x in bot.usergroups_list()["usergroups"]}
    assert "users" not in plain[gid] and "user_count" not in plain[gid]

    d = user.usergroups_disable(usergroup=gid)["usergroup"]
    assert d["date_delete"] > 0 and d["deleted_by"] == DANA
    assert gid not in {x["id"] for x in bot.usergroups_list()["usergroups"]}
    assert gid in {x["id"] for x in bot.usergroups_list(include_disabled=True)["usergroups"]}
    assert api_error(bot.usergroups_users_list, usergroup=gid)["error"] == "no_such_subteam"
    assert sorted(bot.usergroups_users_list(usergroup=gid, include_disabled=True)["users"]) == sorted([MEI, SAM])
    e = user.usergroups_enable(usergroup=gid)["usergroup"]
    assert e["date_delete"] == 0 and e["deleted_by"] is None
    assert gid in {x["id"] for x in bot.usergroups_list()["usergroups"]}


def test_usergroup_errors(user, bot):
    name = unique("Design Crit")
    handle = unique("design")
    g = user.usergroups_create(name=name, handle=handle)["usergroup"]
    assert api_error(user.usergroups_create, name=name, handle=unique("other"))["error"] == "name_already_exists"
    assert api_error(user.usergroups_create, name=unique("Another"), handle=handle)["error"] == "handle_already_exists"
    assert api_error(user.usergroups_create, name=unique("Clash"), handle="priya")["error"] == "handle_already_exists"
    assert api_error(user.usergroups_create, name=unique("Bad"), handle="Not A Handle!")["error"] == "bad_handle"
    assert api_error(user.usergroups_create, name=unique("Here"), handle="here")["error"] == "forbidden_handle"
    assert api_error(user.usergroups_create, name=unique("Chan"), channels="C0NOSUCHCH")["error"] == "invalid_channel_provided"
    assert api_error(bot.usergroups_users_list, usergroup="S0NOSUCHGRP")["error"] == "no_such_subteam"
    assert api_error(bot.usergroups_update, usergroup="S0NOSUCHGRP", name="x")["error"] == "no_such_subteam"
    assert api_error(bot.usergroups_users_update, usergroup=g["id"], users="U0NOBODY00")["error"] == "invalid_users"
    assert api_error(bot.usergroups_users_update, usergroup=g["id"], users="")["error"] == "no_users_provided"
    # Without a handle, one is made from the name.
    made = user.usergroups_create(name=f"Release Captains {uuid.uuid4().hex[:6]}")["usergroup"]
    assert made["handle"].startswith("release-captains-")


# --- emoji -------------------------------------------------------------------------------


def test_emoji_list_has_the_workspace_custom_emoji(bot, user):
    r = bot.emoji_list()
    emoji = r["emoji"]
    assert emoji["shipit"] == "https://emoji.slack-edge.com/T0ACME0001/shipit/6c1a9f1b2e3d4c5a.png"
    assert emoji["squirrel"] == "alias:shipit"
    assert {"partyparrot", "lgtm", "this-is-fine"} <= set(emoji)
    assert user.emoji_list()["emoji"] == emoji
    assert isinstance(r["cache_ts"], str)


# --- a clone of our own: auth.revoke, narrower tokens, events ----------------------------


class Spare:
    """A second clone in its own ASYM_HOME, on the top half of this suite's ports."""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="asym-conformance-ws-")
        cfg = {"portRange": {"start": _PORT_START + 50, "end": _PORT_START + 99}}
        Path(self.home, "config.json").write_text(json.dumps(cfg))
        spun = json.loads(self.asym("spin", "slack", "--seed", "acme-corp", *RATE_LIMIT_ARGS, "--json"))["clone"]
        self.id = spun["id"]
        self.api = spun["api"]
        self.base_url = spun["api"] + "/"

    def asym(self, *args):
        return _asym(self.home, *args)

    def tokens(self, reprovision=False):
        args = ["tokens", self.id, "--json"] + (["--reprovision"] if reprovision else [])
        return json.loads(self.asym(*args))["tokens"]

    def client(self, kind):
        return WebClient(token=self.tokens()[kind], base_url=self.base_url)

    def app(self, bot_scopes=("users:read",), user_scopes=(), request_url=None, bot_events=()):
        manifest = {
            "display_information": {"name": unique("ws-app")[:30]},
            "features": {"bot_user": {"display_name": "ws helper"}},
            "oauth_config": {"scopes": {"bot": list(bot_scopes), "user": list(user_scopes)}},
        }
        if request_url:
            manifest["settings"] = {"event_subscriptions": {"request_url": request_url, "bot_events": list(bot_events)}}
        req = urllib.request.Request(
            self.api + "/_asym/apps",
            data=json.dumps(manifest).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.tokens()['user']}"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = json.loads(resp.read())
        assert body["ok"] is True, body
        return body

    def close(self):
        try:
            self.asym("destroy", self.id)
        finally:
            shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="module")
def spare():
    s = Spare()
    try:
        yield s
    finally:
        s.close()


def test_auth_revoke_test_mode_keeps_the_token(spare):
    c = spare.client("user")
    assert c.auth_revoke(test=True)["revoked"] is False
    assert c.auth_test()["user_id"] == DANA


def test_auth_revoke_revokes_only_the_calling_token(spare):
    user = spare.client("user")
    bot = spare.client("bot")
    assert user.auth_revoke()["revoked"] is True
    assert api_error(user.auth_test)["error"] == "invalid_auth"
    assert api_error(user.users_list)["error"] == "invalid_auth"
    assert bot.auth_test()["ok"] is True, "the bot token is another token"
    assert bot.auth_revoke()["revoked"] is True
    assert api_error(bot.auth_test)["error"] == "invalid_auth"
    # New credentials work again.
    fresh = spare.tokens(reprovision=True)
    assert WebClient(token=fresh["user"], base_url=spare.base_url).auth_test()["user_id"] == DANA
    assert WebClient(token=fresh["bot"], base_url=spare.base_url).auth_test()["ok"] is True


def test_missing_scopes_on_a_narrow_user_token(spare):
    app = spare.app(user_scopes=["users:read"])
    narrow = WebClient(token=app["user_token"], base_url=spare.base_url)
    assert narrow.users_getPresence(user=DANA)["presence"] == "away", "users:read is enough"
    cases = [
        (narrow.users_lookupByEmail, {"email": "priya@acme.test"}, "users:read.email"),
        (narrow.users_profile_set, {"profile": {"title": "x"}}, "users.profile:write"),
        (narrow.users_profile_get, {}, "users.profile:read"),
        (narrow.users_setPresence, {"presence": "away"}, "users:write"),
        (narrow.usergroups_list, {}, "usergroups:read"),
        (narrow.usergroups_create, {"name": "nope"}, "usergroups:write"),
        (narrow.bookmarks_list, {"channel_id": "C0ACMERAND"}, "bookmarks:read"),
        (narrow.emoji_list, {}, "emoji:read"),
    ]
    for call, kwargs, needed in cases:
        r = api_error(call, **kwargs)
        assert (r["error"], r["needed"]) == ("missing_scope", needed), call.__name__
        assert r["provided"] == "users:read"


class Events:
    """An Events API endpoint that answers the challenge and records callbacks."""

    def __init__(self):
        self.received = []
        events = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                body = payload["challenge"].encode() if payload.get("type") == "url_verification" else b""
                if payload.get("type") == "event_callback":
                    events.received.append(payload["event"])
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/events"

    def of(self, kind):
        return [e for e in self.received if e["type"] == kind]


def test_profile_and_usergroup_changes_are_announced(spare):
    events = Events()
    try:
        spare.app(
            bot_scopes=["users:read", "usergroups:read"],
            request_url=events.url,
            bot_events=["user_change", "user_status_changed", "user_profile_changed", "subteam_created", "subteam_updated", "subteam_members_changed"],
        )
        user = spare.client("user")
        user.users_profile_set(profile={"status_text": "Heads down", "status_emoji": ":headphones:"})
        change = wait_for("user_change", lambda: events.of("user_change"))[0]
        assert change["user"]["id"] == DANA and change["user"]["profile"]["status_text"] == "Heads down"
        status = wait_for("user_status_changed", lambda: events.of("user_status_changed"))[0]
        assert status["user"]["profile"]["status_emoji"] == ":headphones:"
        assert events.of("user_profile_changed") == [], "only the status changed"
        user.users_profile_set(profile={"title": "COO"})
        prof = wait_for("user_profile_changed", lambda: events.of("user_profile_changed"))[0]
        assert prof["user"]["profile"]["title"] == "COO"

        g = user.usergroups_create(name="Incident Commanders", handle="incident-commanders")["usergroup"]
        created = wait_for("subteam_created", lambda: events.of("subteam_created"))[0]
        assert created["subteam"]["id"] == g["id"] and created["subteam"]["handle"] == "incident-commanders"
        user.usergroups_users_update(usergroup=g["id"], users=[PRIYA, ALEX])
        members = wait_for("subteam_members_changed", lambda: events.of("subteam_members_changed"))[0]
        assert members["subteam_id"] == g["id"] and members["team_id"] == TEAM
        assert sorted(members["added_users"]) == sorted([PRIYA, ALEX]) and members["added_users_count"] == "2"
        assert members["removed_users"] == [] and members["removed_users_count"] == "0"
        updated = wait_for("subteam_updated", lambda: events.of("subteam_updated"))[0]
        assert updated["subteam"]["id"] == g["id"] and sorted(updated["subteam"]["users"]) == sorted([PRIYA, ALEX])
    finally:
        events.httpd.shutdown()
