"""The Slack clone driven by the official Python SDK (`slack_sdk`), changing only
`base_url`. Data comes from the `acme-corp` fixture
(templates/slack/fixtures/acme-corp.json).

No test here posts to #general, so its seeded history stays exact. This module
asserts the exact seeded workspace, so it spins a clone of its own instead of
sharing the session's (other modules add channels, users and apps).
"""

import asyncio

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from conftest import api_error, spun_clone


@pytest.fixture(scope="module")
def clone():
    yield from spun_clone()


@pytest.fixture(scope="module")
def base_url(clone):
    return clone["api"] + "/"


@pytest.fixture(scope="module")
def bot(clone, base_url):
    return WebClient(token=clone["bot"], base_url=base_url)


@pytest.fixture(scope="module")
def user(clone, base_url):
    return WebClient(token=clone["user"], base_url=base_url)


@pytest.fixture(scope="module")
def bot_identity(bot):
    return bot.auth_test()

TEAM = "T0ACME0001"
DANA = "U0ACMEDANA"
SEEDED_USERS = {"U0ACMEDANA", "U0ACMEALEX", "U0ACMEPRIA", "U0ACMESAMK", "U0ACMEJORD", "U0ACMEMEIL"}
PUBLIC = {"C0ACMEGNRL", "C0ACMERAND", "C0ACMEENGR", "C0ACMESUPP", "C0ACMEOLDP"}
ARCHIVED = "C0ACMEOLDP"
PRIVATE = "G0ACMELEAD"
GENERAL = "C0ACMEGNRL"
RANDOM = "C0ACMERAND"
SUPPORT = "C0ACMESUPP"
ENGINEERING = "C0ACMEENGR"
GENERAL_SEEDED = [  # newest first, as conversations.history returns them
    ("1704117600.000300", "U0ACMEJORD", "Reminder: the support rota for next week is posted in #support."),
    ("1704114000.000200", "U0ACMEPRIA", "Q1 roadmap review is Thursday at 10am PT."),
    ("1704110400.000100", "U0ACMEDANA", "Welcome to Acme Corp's Slack! Please keep #general for company-wide news."),
]


def ts_key(ts):
    secs, micros = ts.split(".")
    return int(secs), int(micros)


def pages_of(response):
    """The pages the SDK's iterator walks. A SlackResponse iterates by replacing its
    own `data` with the next page, so each page is copied as it comes."""
    return [dict(page.data) for page in response]


# --- api.test / auth.test / team.info -------------------------------------------------


def test_api_test_echoes_arguments(bot):
    r = bot.api_test(foo="bar")
    assert r["ok"] is True
    assert r["args"] == {"foo": "bar"}


def test_api_test_fails_on_request(bot):
    resp = api_error(bot.api_test, error="my_error")
    assert resp["error"] == "my_error"
    assert resp["args"]["error"] == "my_error"


def test_auth_test_bot(bot_identity):
    r = bot_identity
    assert r["ok"] is True
    assert r["team_id"] == TEAM
    assert r["team"] == "Acme Corp"
    assert r["url"] == "https://acme-corp.slack.com/"
    assert r["user_id"].startswith("U") and r["user_id"] not in SEEDED_USERS
    assert r["bot_id"].startswith("B")
    assert r["is_enterprise_install"] is False


def test_auth_test_user_acts_as_the_owner(user):
    r = user.auth_test()
    assert r["team_id"] == TEAM
    assert r["user_id"] == DANA
    assert r["user"] == "dana"
    assert r["url"] == "https://acme-corp.slack.com/"
    assert "bot_id" not in r


def test_scope_headers_reach_the_sdk(bot, user):
    bot_scopes = bot.auth_test().headers["x-oauth-scopes"].split(",")
    assert {"chat:write", "channels:read", "users:read", "users:read.email"} <= set(bot_scopes)
    assert "search:read" not in bot_scopes
    assert "search:read" in user.auth_test().headers["x-oauth-scopes"].split(",")
    assert bot.users_list(limit=1).headers["x-accepted-oauth-scopes"] == "users:read"


def test_team_info(bot):
    team = bot.team_info()["team"]
    assert team["id"] == TEAM
    assert team["name"] == "Acme Corp"
    assert team["domain"] == "acme-corp"
    assert team["url"] == "https://acme-corp.slack.com/"
    assert isinstance(team["icon"], dict)


# --- users ----------------------------------------------------------------------------


def test_users_list_sdk_iterator_paginates(bot, bot_identity):
    pages = pages_of(bot.users_list(limit=2))
    assert len(pages) == 4, "6 people and the bot user, two per page"
    ids = [m["id"] for page in pages for m in page["members"]]
    assert all(len(page["members"]) <= 2 for page in pages)
    assert len(ids) == len(set(ids)), f"duplicates across pages: {ids}"
    assert set(ids) == SEEDED_USERS | {bot_identity["user_id"]}
    assert pages[-1]["response_metadata"]["next_cursor"] == ""
    assert all(p["response_metadata"]["next_cursor"] for p in pages[:-1])


def test_users_list_one_page_by_default(bot, bot_identity):
    r = bot.users_list()
    assert r["response_metadata"]["next_cursor"] == ""
    by_id = {m["id"]: m for m in r["members"]}
    assert set(by_id) == SEEDED_USERS | {bot_identity["user_id"]}
    me = by_id[bot_identity["user_id"]]
    assert me["is_bot"] is True
    assert me["profile"]["bot_id"] == bot_identity["bot_id"]
    assert by_id["U0ACMEJORD"]["tz"] == "America/New_York"
    assert by_id["U0ACMEMEIL"]["profile"]["email"] == "mei@acme.test", "users:read.email shows addresses"
    assert all(m["team_id"] == TEAM for m in r["members"])


def test_users_info(bot):
    u = bot.users_info(user=DANA)["user"]
    assert u["id"] == DANA
    assert u["name"] == "dana"
    assert u["real_name"] == "Dana Whitfield"
    assert u["is_admin"] is True and u["is_owner"] is True and u["is_primary_owner"] is True
    assert u["is_bot"] is False and u["deleted"] is False
    assert u["profile"]["email"] == "dana@acme.test"
    assert u["profile"]["title"] == "Head of Operations"
    assert u["profile"]["first_name"] == "Dana" and u["profile"]["last_name"] == "Whitfield"
    alex = bot.users_info(user="U0ACMEALEX")["user"]
    assert alex["is_admin"] is True and alex["is_owner"] is False


def test_users_info_unknown_user(bot):
    assert api_error(bot.users_info, user="U0NOBODY00")["error"] == "user_not_found"


# --- conversations.list / info ---------------------------------------------------------


def test_conversations_list_defaults_to_public_channels(bot):
    r = bot.conversations_list()
    chans = {c["id"]: c for c in r["channels"]}
    assert set(chans) == PUBLIC
    assert r["response_metadata"]["next_cursor"] == ""
    assert chans[ARCHIVED]["is_archived"] is True
    assert chans[ARCHIVED]["is_member"] is False, "the bot joins open channels only"
    assert all(chans[c]["is_member"] for c in PUBLIC - {ARCHIVED})
    assert chans[GENERAL]["name"] == "general" and chans[GENERAL]["is_general"] is True
    assert all(c["is_channel"] and not c["is_private"] for c in chans.values())


def test_conversations_list_exclude_archived(bot):
    ids = {c["id"] for c in bot.conversations_list(exclude_archived=True)["channels"]}
    assert ids == PUBLIC - {ARCHIVED}


def test_conversations_list_sdk_iterator_with_private_channels(user):
    pages = pages_of(user.conversations_list(types="public_channel,private_channel", limit=2))
    assert len(pages) == 3
    ids = [c["id"] for page in pages for c in page["channels"]]
    assert len(ids) == len(set(ids)), f"duplicates across pages: {ids}"
    assert set(ids) == PUBLIC | {PRIVATE}
    lead = next(c for page in pages for c in page["channels"] if c["id"] == PRIVATE)
    assert lead["is_private"] is True and lead["is_member"] is True and lead["name"] == "leadership"


def test_private_channels_are_hidden_from_non_members(bot):
    assert bot.conversations_list(types="private_channel")["channels"] == []
    assert api_error(bot.conversations_info, channel=PRIVATE)["error"] == "channel_not_found"


def test_conversations_info(bot):
    c = bot.conversations_info(channel=GENERAL)["channel"]
    assert c["id"] == GENERAL and c["name"] == "general"
    assert c["is_channel"] is True and c["is_private"] is False and c["is_archived"] is False
    assert c["is_member"] is True
    assert c["creator"] == DANA
    assert c["topic"]["value"] == "Company-wide announcements"
    assert c["purpose"]["value"] == "This channel is for workspace-wide communication and announcements."
    assert "num_members" not in c
    counted = bot.conversations_info(channel=GENERAL, include_num_members=True)["channel"]
    assert counted["num_members"] == 7, "six people and the bot"


def test_conversations_info_private_for_member(user):
    c = user.conversations_info(channel=PRIVATE)["channel"]
    assert c["is_private"] is True and c["is_member"] is True
    assert c["purpose"]["value"] == "Leadership team (private)"


def test_conversations_info_unknown_channel(bot):
    assert api_error(bot.conversations_info, channel="C0NOPE0000")["error"] == "channel_not_found"


# --- conversations.history ---------------------------------------------------------------


def test_conversations_history_general(user):
    r = user.conversations_history(channel=GENERAL)
    assert r["has_more"] is False
    got = [(m["ts"], m["user"], m["text"]) for m in r["messages"]]
    assert got == GENERAL_SEEDED
    assert all(m["type"] == "message" and isinstance(m["ts"], str) for m in r["messages"])


def test_conversations_history_sdk_iterator(bot):
    pages = pages_of(bot.conversations_history(channel=GENERAL, limit=1))
    assert len(pages) == 3
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert [p["messages"][0]["ts"] for p in pages] == [ts for ts, _, _ in GENERAL_SEEDED]


def test_conversations_history_bounds(bot):
    r = bot.conversations_history(channel=GENERAL, oldest="1704110400.000100", latest="1704117600.000300")
    assert [m["ts"] for m in r["messages"]] == ["1704114000.000200"], "oldest and latest are exclusive"
    r = bot.conversations_history(channel=GENERAL, oldest="1704110400.000100", latest="1704117600.000300", inclusive=True)
    assert len(r["messages"]) == 3


def test_conversations_history_shows_thread_parents_only(bot):
    msgs = bot.conversations_history(channel=RANDOM)["messages"]
    assert len(msgs) == 1, "the reply stays in its thread"
    parent = msgs[0]
    assert parent["ts"] == parent["thread_ts"] == "1704121200.000100"
    assert parent["reply_count"] == 1
    assert parent["reply_users"] == ["U0ACMESAMK"]
    assert parent["latest_reply"] == "1704121800.000200"


def test_bot_outside_a_channel_cannot_read_it(bot, user):
    assert api_error(bot.conversations_history, channel=ARCHIVED)["error"] == "not_in_channel"
    assert api_error(bot.conversations_history, channel=PRIVATE)["error"] == "channel_not_found"
    texts = [m["text"] for m in user.conversations_history(channel=ARCHIVED)["messages"]]
    assert texts == ["Phoenix is live. Archiving this channel."]


# --- chat.postMessage ---------------------------------------------------------------------


def test_post_message_then_history(bot, user, bot_identity):
    posted = []
    for i in range(3):
        r = bot.chat_postMessage(channel=SUPPORT, text=f"conformance message {i}")
        assert r["ok"] is True
        assert r["channel"] == SUPPORT
        assert isinstance(r["ts"], str) and r["ts"] == r["message"]["ts"]
        assert r["message"]["text"] == f"conformance message {i}"
        assert r["message"]["user"] == bot_identity["user_id"]
        assert r["message"]["bot_id"] == bot_identity["bot_id"]
        posted.append(r["ts"])
    assert sorted(posted, key=ts_key) == posted and len(set(posted)) == 3, f"ts strictly increasing: {posted}"

    history = user.conversations_history(channel=SUPPORT)["messages"]
    assert [m["ts"] for m in history[:3]] == posted[::-1]
    assert [m["text"] for m in history[:3]] == [f"conformance message {i}" for i in (2, 1, 0)]
    assert history[3]["text"] == "Globex reports invoices not arriving. Investigating."
    stamps = [m["ts"] for m in history]
    assert stamps == sorted(stamps, key=ts_key, reverse=True)


def test_post_message_with_blocks(bot):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*bold* move"}}]
    r = bot.chat_postMessage(channel=ENGINEERING, text="fallback", blocks=blocks)
    assert r["message"]["blocks"] == blocks
    latest = bot.conversations_history(channel=ENGINEERING, limit=1)["messages"][0]
    assert latest["ts"] == r["ts"] and latest["blocks"] == blocks


def test_user_token_posts_as_the_owner(user):
    r = user.chat_postMessage(channel=PRIVATE, text="owner note")
    assert r["message"]["user"] == DANA
    assert "bot_id" not in r["message"]
    assert user.conversations_history(channel=PRIVATE, limit=1)["messages"][0]["text"] == "owner note"


def test_thread_reply(bot):
    parent = "1704124800.000100"  # Alex's deploy note, with two seeded replies

    def top_level():
        return {m["ts"]: m for m in bot.conversations_history(channel=ENGINEERING)["messages"]}

    before = top_level()[parent]["reply_count"]
    assert before >= 2
    r = bot.chat_postMessage(channel=ENGINEERING, text="threaded reply", thread_ts=parent)
    assert r["message"]["thread_ts"] == parent
    top = top_level()
    assert r["ts"] not in top, "a reply is not top-level history"
    assert top[parent]["reply_count"] == before + 1
    assert top[parent]["latest_reply"] == r["ts"]


def test_thread_reply_names_the_parent_author(user):
    # Jordan wrote the parent in #support; Dana (user token) replies. Slack's
    # `parent_user_id` is the parent's author.
    r = user.chat_postMessage(channel=SUPPORT, text="dana chimes in", thread_ts="1704128400.000100")
    assert r["message"]["user"] == DANA
    assert r["message"]["parent_user_id"] == "U0ACMEJORD"


# --- errors ---------------------------------------------------------------------------------


def test_invalid_token(base_url):
    client = WebClient(token="xoxb-0000-not-a-real-token", base_url=base_url)
    assert api_error(client.auth_test)["error"] == "invalid_auth"
    assert api_error(client.conversations_list)["error"] == "invalid_auth"


def test_missing_token(base_url):
    assert api_error(WebClient(base_url=base_url).auth_test)["error"] == "not_authed"


def test_channel_not_found(bot):
    assert api_error(bot.chat_postMessage, channel="C0NOPE0000", text="hi")["error"] == "channel_not_found"
    assert api_error(bot.conversations_history, channel="C0NOPE0000")["error"] == "channel_not_found"
    assert api_error(bot.chat_postMessage, channel=PRIVATE, text="hi")["error"] == "channel_not_found"


def test_post_message_rules(bot):
    assert api_error(bot.chat_postMessage, channel=ARCHIVED, text="hi")["error"] == "is_archived"
    with pytest.warns(UserWarning):  # the SDK itself warns about a missing `text`
        assert api_error(bot.chat_postMessage, channel=SUPPORT, text="")["error"] == "no_text"
    assert api_error(bot.chat_postMessage, channel=SUPPORT, text="x", thread_ts="1234.5678")["error"] == "thread_not_found"


def test_bad_cursor(bot):
    assert api_error(bot.conversations_list, cursor="not-a-cursor")["error"] == "invalid_cursor"


def test_not_implemented_method(bot):
    # Methods Slack publishes that the clone has not built yet (see templates/slack/COVERAGE.md).
    resp = api_error(bot.rtm_connect)
    assert resp["error"] == "not_implemented"
    assert resp["req_method"] == "rtm.connect"


def test_unknown_method(bot):
    resp = api_error(bot.api_call, "nonexistent.method")
    assert resp["error"] == "unknown_method"


# --- the asyncio client ---------------------------------------------------------------------


def test_async_client(clone, base_url):
    async def scenario():
        client = AsyncWebClient(token=clone["bot"], base_url=base_url)
        me = await client.auth_test()
        assert me["team_id"] == TEAM and me["bot_id"].startswith("B")

        ids = []
        async for page in await client.users_list(limit=3):
            ids += [m["id"] for m in page["members"]]
        assert len(ids) == len(set(ids)) == 7

        r = await client.chat_postMessage(channel=RANDOM, text="sent from asyncio")
        latest = (await client.conversations_history(channel=RANDOM, limit=1))["messages"][0]
        assert latest["ts"] == r["ts"] and latest["text"] == "sent from asyncio"

        with pytest.raises(SlackApiError) as err:
            await AsyncWebClient(token="xoxb-bad", base_url=base_url).auth_test()
        assert err.value.response["error"] == "invalid_auth"

        with pytest.raises(SlackApiError) as err:
            await client.rtm_connect()
        assert err.value.response["error"] == "not_implemented"

    asyncio.run(scenario())
