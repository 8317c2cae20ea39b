"""The conversations family (conversations.create/join/leave/invite/kick/archive/
unarchive/rename/setTopic/setPurpose/replies/members/open/close/mark and
users.conversations) driven by the official Python SDK (`slack_sdk`), changing only
`base_url`. Data comes from the `acme-corp` fixture; every test makes its own
channels under unique names and never posts to #general.

The user token acts as Dana (primary owner, admin); the bot token as the app's bot
user, which the fixture placed in every open public channel.
"""

import uuid

import pytest
from slack_sdk import WebClient

from conftest import unique, api_error

DANA = "U0ACMEDANA"
ALEX = "U0ACMEALEX"
PRIYA = "U0ACMEPRIA"
SAM = "U0ACMESAMK"
JORDAN = "U0ACMEJORD"
MEI = "U0ACMEMEIL"
GENERAL = "C0ACMEGNRL"
RANDOM = "C0ACMERAND"
PRIVATE = "G0ACMELEAD"
ARCHIVED = "C0ACMEOLDP"
ENGINEERING = "C0ACMEENGR"


def pages_of(response):
    """The pages the SDK's iterator walks (each copied: the response object is reused)."""
    return [dict(page.data) for page in response]


def system_messages(client, channel):
    """The channel's system messages (those with a subtype), oldest first."""
    msgs = client.conversations_history(channel=channel)["messages"]
    return [m for m in reversed(msgs) if "subtype" in m]


@pytest.fixture(scope="module")
def bot_user(bot_identity):
    return bot_identity["user_id"]


# --- a realistic channel lifecycle -----------------------------------------------------------


def test_channel_lifecycle(user, bot, bot_user):
    name = unique("launch")

    # Dana creates a public channel: she is its creator and first member.
    created = user.conversations_create(name=name)["channel"]
    cid = created["id"]
    assert cid.startswith("C") and created["name"] == name and created["name_normalized"] == name
    assert created["is_channel"] is True and created["is_private"] is False and created["is_archived"] is False
    assert created["is_member"] is True and created["creator"] == DANA
    assert created["last_read"] == "0000000000.000000"
    assert created["previous_names"] == []
    assert created["topic"] == {"value": "", "creator": "", "last_set": 0}
    assert user.conversations_members(channel=cid)["members"] == [DANA]
    joins = system_messages(user, cid)
    assert [(m["subtype"], m["user"], m["text"]) for m in joins] == [("channel_join", DANA, f"<@{DANA}> has joined the channel")]

    # She invites two colleagues and the app's bot in one call.
    invited = user.conversations_invite(channel=cid, users=f"{ALEX},{PRIYA},{bot_user}")["channel"]
    assert invited["id"] == cid and invited["num_members"] == 4
    assert sorted(user.conversations_members(channel=cid)["members"]) == sorted([DANA, ALEX, PRIYA, bot_user])
    joined = [m for m in system_messages(user, cid) if m["subtype"] == "channel_join"][1:]
    assert [(m["user"], m["inviter"]) for m in joined] == [(ALEX, DANA), (PRIYA, DANA), (bot_user, DANA)]

    # Dana starts a thread; the bot, now a member, answers and Dana thanks it.
    # (Five posts in all go to this channel: Slack allows about one a second.)
    parent = user.chat_postMessage(channel=cid, text="Who owns the release notes?")["ts"]
    r1 = bot.chat_postMessage(channel=cid, thread_ts=parent, text="Priya does")["ts"]
    r2 = user.chat_postMessage(channel=cid, thread_ts=parent, text="Thanks!")["ts"]

    thread = bot.conversations_replies(channel=cid, ts=parent)
    assert thread["has_more"] is False
    msgs = thread["messages"]
    assert [m["ts"] for m in msgs] == [parent, r1, r2], "the parent first, then replies oldest first"
    assert msgs[0]["reply_count"] == 2 and msgs[0]["thread_ts"] == parent
    assert msgs[0]["reply_users"] == [bot_user, DANA]
    assert [m["text"] for m in msgs[1:]] == ["Priya does", "Thanks!"]
    assert all(m["thread_ts"] == parent and m["parent_user_id"] == DANA for m in msgs[1:])
    # A reply's ts names the same thread.
    assert [m["ts"] for m in bot.conversations_replies(channel=cid, ts=r2)["messages"]] == [parent, r1, r2]
    # Paging one reply at a time: every page starts with the parent.
    pages = pages_of(bot.conversations_replies(channel=cid, ts=parent, limit=1))
    assert len(pages) == 2
    assert [[m["ts"] for m in p["messages"]] for p in pages] == [[parent, r1], [parent, r2]]
    assert pages[0]["has_more"] is True and pages[0]["response_metadata"]["next_cursor"]
    assert pages[1]["has_more"] is False
    # oldest / latest / inclusive bound the replies.
    only_last = bot.conversations_replies(channel=cid, ts=parent, oldest=r1)["messages"]
    assert [m["ts"] for m in only_last] == [parent, r2]
    both = bot.conversations_replies(channel=cid, ts=parent, oldest=r1, latest=r2, inclusive=True)["messages"]
    assert [m["ts"] for m in both] == [parent, r1, r2]
    none = bot.conversations_replies(channel=cid, ts=parent, oldest=r1, latest=r2)["messages"]
    assert [m["ts"] for m in none] == [parent]

    # Rename: only the creator or an admin may; the old name is remembered.
    new_name = unique("launch-q3")
    assert api_error(bot.conversations_rename, channel=cid, name=new_name)["error"] == "not_authorized"
    renamed = user.conversations_rename(channel=cid, name=new_name)["channel"]
    assert renamed["id"] == cid and renamed["name"] == new_name and renamed["previous_names"] == [name]
    assert bot.conversations_info(channel=cid)["channel"]["name"] == new_name
    rename_msg = [m for m in system_messages(user, cid) if m["subtype"] == "channel_name"]
    assert len(rename_msg) == 1 and rename_msg[0]["old_name"] == name and rename_msg[0]["name"] == new_name
    assert rename_msg[0]["text"] == f'<@{DANA}> has renamed the channel from "{name}" to "{new_name}"'

    # Topic and purpose: the changed channel comes back, and a system message says so.
    topic = user.conversations_setTopic(channel=cid, topic="Ship date: Sept 30")
    assert topic["channel"]["topic"]["value"] == "Ship date: Sept 30"
    assert topic["channel"]["topic"]["creator"] == DANA and topic["channel"]["topic"]["last_set"] > 0
    purpose = bot.conversations_setPurpose(channel=cid, purpose="Coordinate the Q3 launch")
    assert purpose["purpose"] == "Coordinate the Q3 launch"
    assert purpose["channel"]["purpose"] == {
        "value": "Coordinate the Q3 launch",
        "creator": bot_user,
        "last_set": purpose["channel"]["purpose"]["last_set"],
    }
    info = user.conversations_info(channel=cid)["channel"]
    assert info["topic"]["value"] == "Ship date: Sept 30" and info["purpose"]["value"] == "Coordinate the Q3 launch"
    by_type = {m["subtype"]: m for m in system_messages(user, cid)}
    assert by_type["channel_topic"]["topic"] == "Ship date: Sept 30"
    assert by_type["channel_topic"]["text"] == f"<@{DANA}> set the channel topic: Ship date: Sept 30"
    assert by_type["channel_purpose"]["purpose"] == "Coordinate the Q3 launch" and by_type["channel_purpose"]["user"] == bot_user

    # Members, two per page through the SDK's cursor iterator.
    pages = pages_of(bot.conversations_members(channel=cid, limit=2))
    assert [len(p["members"]) for p in pages] == [2, 2]
    assert pages[-1]["response_metadata"]["next_cursor"] == ""
    assert sorted(m for p in pages for m in p["members"]) == sorted([DANA, ALEX, PRIYA, bot_user])

    # Priya moves teams: Dana removes her.
    assert user.conversations_kick(channel=cid, user=PRIYA)["ok"] is True
    assert PRIYA not in user.conversations_members(channel=cid)["members"]
    leave = [m for m in system_messages(user, cid) if m["subtype"] == "channel_leave"]
    assert [(m["user"], m["text"]) for m in leave] == [(PRIYA, f"<@{PRIYA}> has left the channel")]
    assert cid not in {c["id"] for c in bot.users_conversations(user=PRIYA)["channels"]}
    assert cid in {c["id"] for c in bot.users_conversations(user=ALEX)["channels"]}

    # Launch done: archive. Nobody can post, join or be invited any more.
    assert user.conversations_archive(channel=cid)["ok"] is True
    assert bot.conversations_info(channel=cid)["channel"]["is_archived"] is True
    assert api_error(bot.chat_postMessage, channel=cid, text="one more thing")["error"] == "is_archived"
    assert api_error(user.conversations_archive, channel=cid)["error"] == "already_archived"
    assert api_error(user.conversations_invite, channel=cid, users=SAM)["error"] == "is_archived"
    assert api_error(user.conversations_setTopic, channel=cid, topic="x")["error"] == "is_archived"
    assert system_messages(user, cid)[-1]["subtype"] == "channel_archive"
    assert cid not in {c["id"] for c in bot.users_conversations(exclude_archived=True)["channels"]}
    assert cid in {c["id"] for c in bot.users_conversations()["channels"]}

    # ... and back.
    assert user.conversations_unarchive(channel=cid)["ok"] is True
    assert api_error(user.conversations_unarchive, channel=cid)["error"] == "not_archived"
    assert system_messages(user, cid)[-1]["subtype"] == "channel_unarchive"
    retro = bot.chat_postMessage(channel=cid, text="Post-launch retro on Monday")["ts"]
    assert bot.conversations_info(channel=cid)["channel"]["is_archived"] is False
    # A message without replies is its own one-message thread.
    lone = bot.conversations_replies(channel=cid, ts=retro)
    assert [m["ts"] for m in lone["messages"]] == [retro] and lone["has_more"] is False
    assert "reply_count" not in lone["messages"][0]


# --- create -----------------------------------------------------------------------------------


def test_create_name_rules(user):
    assert api_error(user.conversations_create, name="")["error"] == "invalid_name_required"
    assert api_error(user.conversations_create, name="Launch")["error"] == "invalid_name_specials"
    assert api_error(user.conversations_create, name="two words")["error"] == "invalid_name_specials"
    assert api_error(user.conversations_create, name="x" * 81)["error"] == "invalid_name_maxlength"
    assert api_error(user.conversations_create, name="---")["error"] == "invalid_name_punctuation"
    assert api_error(user.conversations_create, name="general")["error"] == "name_taken"
    assert api_error(user.conversations_create, name="project-phoenix")["error"] == "name_taken", "archived names stay taken"
    longest = ("n" + uuid.uuid4().hex * 3)[:80]
    assert user.conversations_create(name=longest)["channel"]["name"] == longest
    assert api_error(user.conversations_create, name=longest)["error"] == "name_taken"


def test_private_channel(bot, user, bot_user):
    name = unique("incident")
    c = bot.conversations_create(name=name, is_private=True)["channel"]
    cid = c["id"]
    assert c["is_private"] is True and c["is_group"] is True and c["is_channel"] is False
    assert c["creator"] == bot_user and c["is_member"] is True
    # Invisible to non-members, even the owner.
    assert api_error(user.conversations_info, channel=cid)["error"] == "channel_not_found"
    assert api_error(user.conversations_join, channel=cid)["error"] == "channel_not_found"
    assert cid not in {x["id"] for x in user.conversations_list(types="private_channel")["channels"]}
    # Invited, Dana sees it; joining a private channel is not how one gets in.
    assert bot.conversations_invite(channel=cid, users=DANA)["channel"]["num_members"] == 2
    assert user.conversations_info(channel=cid)["channel"]["is_member"] is True
    assert api_error(user.conversations_join, channel=cid)["error"] == "method_not_supported_for_channel_type"
    assert cid in {x["id"] for x in user.users_conversations(types="private_channel")["channels"]}
    assert cid in {x["id"] for x in bot.users_conversations(types="private_channel", user=DANA)["channels"]}
    # The seeded private channel is Dana's, and the bot is not in it: not listed for the bot.
    assert PRIVATE not in {x["id"] for x in bot.users_conversations(types="private_channel", user=DANA)["channels"]}
    assert PRIVATE in {x["id"] for x in user.users_conversations(types="private_channel")["channels"]}
    # Dana leaves; the bot, alone, cannot.
    assert user.conversations_leave(channel=cid)["ok"] is True
    assert api_error(user.conversations_info, channel=cid)["error"] == "channel_not_found"
    assert api_error(bot.conversations_leave, channel=cid)["error"] == "last_member"
    # Archiving a private channel works the same way.
    assert bot.conversations_archive(channel=cid)["ok"] is True
    assert bot.conversations_info(channel=cid)["channel"]["is_archived"] is True


# --- join / leave -----------------------------------------------------------------------------


def test_join_and_leave(user, bot, bot_user):
    cid = user.conversations_create(name=unique("standup"))["channel"]["id"]
    assert bot.conversations_info(channel=cid)["channel"]["is_member"] is False
    joined = bot.conversations_join(channel=cid)
    assert joined["channel"]["id"] == cid and joined["channel"]["is_member"] is True
    assert "warning" not in joined.data
    again = bot.conversations_join(channel=cid)
    assert again["ok"] is True and again["warning"] == "already_in_channel"
    assert again["response_metadata"]["warnings"] == ["already_in_channel"]
    assert [m["user"] for m in system_messages(user, cid) if m["subtype"] == "channel_join"] == [DANA, bot_user]

    assert bot.conversations_leave(channel=cid)["ok"] is True
    assert bot.conversations_info(channel=cid)["channel"]["is_member"] is False
    assert api_error(bot.conversations_leave, channel=cid)["error"] == "not_in_channel"
    assert system_messages(user, cid)[-1]["subtype"] == "channel_leave"

    assert api_error(bot.conversations_leave, channel=GENERAL)["error"] == "cant_leave_general"
    assert api_error(bot.conversations_join, channel=ARCHIVED)["error"] == "is_archived"
    assert api_error(bot.conversations_join, channel="C0NOPE0000")["error"] == "channel_not_found"


# --- invite / kick errors ---------------------------------------------------------------------


def test_invite_errors(user, bot, bot_user):
    cid = user.conversations_create(name=unique("design"))["channel"]["id"]
    assert api_error(user.conversations_invite, channel=cid, users=DANA)["error"] == "cant_invite_self"
    assert api_error(user.conversations_invite, channel=cid, users="U0NOBODY00")["error"] == "user_not_found"
    assert api_error(user.conversations_invite, channel=cid, users="")["error"] == "no_user"
    # The bot is not in the channel, so it may not invite anyone into it.
    assert api_error(bot.conversations_invite, channel=cid, users=MEI)["error"] == "not_in_channel"
    user.conversations_invite(channel=cid, users=MEI)
    assert api_error(user.conversations_invite, channel=cid, users=MEI)["error"] == "already_in_channel"
    # One bad user fails the whole call: nobody was added.
    assert api_error(user.conversations_invite, channel=cid, users=f"{SAM},U0NOBODY00")["error"] == "user_not_found"
    assert SAM not in user.conversations_members(channel=cid)["members"]
    # With force, the valid ones join and the rest are reported.
    forced = user.conversations_invite(channel=cid, users=f"{SAM},U0NOBODY00,{MEI}", force=True)
    assert forced["channel"]["num_members"] == 3
    assert forced["errors"] == [
        {"user": "U0NOBODY00", "ok": False, "error": "user_not_found"},
        {"user": MEI, "ok": False, "error": "already_in_channel"},
    ]
    assert sorted(user.conversations_members(channel=cid)["members"]) == sorted([DANA, MEI, SAM])
    # DMs take no invitations.
    dm = bot.conversations_open(users=DANA)["channel"]["id"]
    assert api_error(bot.conversations_invite, channel=dm, users=ALEX)["error"] == "method_not_supported_for_channel_type"
    assert api_error(user.conversations_invite, channel="C0NOPE0000", users=ALEX)["error"] == "channel_not_found"


def test_kick_errors(user, bot):
    cid = user.conversations_create(name=unique("hiring"))["channel"]["id"]
    assert api_error(user.conversations_kick, channel=cid, user=DANA)["error"] == "cant_kick_self"
    assert api_error(user.conversations_kick, channel=cid, user=JORDAN)["error"] == "not_in_channel"
    assert api_error(user.conversations_kick, channel=cid, user="U0NOBODY00")["error"] == "user_not_found"
    assert api_error(user.conversations_kick, channel=GENERAL, user=ALEX)["error"] == "cant_kick_from_general"
    assert ALEX in user.conversations_members(channel=GENERAL, limit=100)["members"]


def test_archive_errors(user, bot):
    assert api_error(user.conversations_archive, channel=GENERAL)["error"] == "cant_archive_general"
    assert api_error(user.conversations_unarchive, channel=RANDOM)["error"] == "not_archived"
    assert api_error(user.conversations_archive, channel="C0NOPE0000")["error"] == "channel_not_found"
    dm = bot.conversations_open(users=DANA)["channel"]["id"]
    assert api_error(bot.conversations_archive, channel=dm)["error"] == "method_not_supported_for_channel_type"


def test_topic_and_purpose_rules(user, bot):
    cid = user.conversations_create(name=unique("ops"))["channel"]["id"]
    assert api_error(user.conversations_setTopic, channel=cid, topic="x" * 251)["error"] == "too_long"
    # The bot is not a member of Dana's new channel.
    assert api_error(bot.conversations_setTopic, channel=cid, topic="hello")["error"] == "not_in_channel"
    assert api_error(bot.conversations_setPurpose, channel=cid, purpose="hello")["error"] == "not_in_channel"
    assert user.conversations_setTopic(channel=cid, topic="On call: Alex")["channel"]["topic"]["value"] == "On call: Alex"
    cleared = user.conversations_setTopic(channel=cid, topic="")["channel"]["topic"]
    assert cleared["value"] == ""
    assert system_messages(user, cid)[-1]["text"] == f"<@{DANA}> cleared the channel topic"
    assert api_error(user.conversations_setTopic, channel=ARCHIVED, topic="x")["error"] == "is_archived"


def test_rename_rules(user, bot):
    cid = user.conversations_create(name=unique("budget"))["channel"]["id"]
    assert api_error(user.conversations_rename, channel=cid, name="random")["error"] == "name_taken"
    assert api_error(user.conversations_rename, channel=cid, name="Budget")["error"] == "invalid_name_specials"
    assert api_error(user.conversations_rename, channel=cid, name="")["error"] == "invalid_name_required"
    assert api_error(bot.conversations_rename, channel=cid, name=unique("x"))["error"] == "not_in_channel"
    # Alex created #engineering; Dana is an admin but not a member of it.
    assert api_error(user.conversations_rename, channel=ENGINEERING, name=unique("eng"))["error"] == "not_in_channel"


# --- replies ----------------------------------------------------------------------------------


def test_replies_errors(bot):
    assert api_error(bot.conversations_replies, channel=RANDOM, ts="1234567890.000001")["error"] == "thread_not_found"
    assert api_error(bot.conversations_replies, channel=RANDOM, ts="yesterday")["error"] == "thread_not_found"
    assert api_error(bot.conversations_replies, channel="C0NOPE0000", ts="1704121200.000100")["error"] == "channel_not_found"
    assert api_error(bot.conversations_replies, channel=PRIVATE, ts="1704132000.000100")["error"] == "channel_not_found"
    assert api_error(bot.conversations_replies, channel=RANDOM, ts="1704121200.000100", cursor="garbage")["error"] == "invalid_cursor"
    assert api_error(bot.conversations_replies, channel=RANDOM, ts="1704121200.000100", oldest="soon")["error"] == "invalid_ts_oldest"


def test_replies_on_seeded_thread(user):
    r = user.conversations_replies(channel=ENGINEERING, ts="1704124800.000100")
    assert [(m["ts"], m["user"]) for m in r["messages"]] == [
        ("1704124800.000100", ALEX),
        ("1704125400.000200", PRIYA),
        ("1704125700.000300", ALEX),
    ]
    assert r["messages"][0]["reply_count"] == 2 and r["messages"][0]["reply_users"] == [PRIYA, ALEX]
    assert r["has_more"] is False


# --- members ----------------------------------------------------------------------------------


def test_members(user, bot):
    cid = user.conversations_create(name=unique("guild"))["channel"]["id"]
    user.conversations_invite(channel=cid, users=[ALEX, SAM, JORDAN, MEI])
    pages = pages_of(bot.conversations_members(channel=cid, limit=2))
    assert [len(p["members"]) for p in pages] == [2, 2, 1]
    assert pages[0]["response_metadata"]["next_cursor"] and pages[-1]["response_metadata"]["next_cursor"] == ""
    ids = [m for p in pages for m in p["members"]]
    assert ids == sorted([DANA, ALEX, SAM, JORDAN, MEI])
    seeded = {DANA, ALEX, PRIYA, SAM, JORDAN, MEI}
    assert seeded <= set(bot.conversations_members(channel=GENERAL, limit=1000)["members"])
    assert api_error(bot.conversations_members, channel=PRIVATE)["error"] == "channel_not_found"
    assert api_error(bot.conversations_members, channel=GENERAL, cursor="garbage")["error"] == "invalid_cursor"
    assert api_error(bot.conversations_members, channel=GENERAL, limit=-1)["error"] == "invalid_limit"


# --- DMs and group DMs ------------------------------------------------------------------------


def test_dm_workflow(bot, user, bot_user):
    opened = bot.conversations_open(users=DANA)
    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    # Opening again finds the same DM.
    again = bot.conversations_open(users=DANA, return_im=True)
    assert again["channel"]["id"] == dm and again["already_open"] is True and again["no_op"] is True
    assert again["channel"]["is_im"] is True and again["channel"]["user"] == DANA and again["channel"]["is_open"] is True
    assert user.conversations_open(users=bot_user)["channel"]["id"] == dm, "one DM per pair, from either side"

    ts = bot.chat_postMessage(channel=dm, text="Your weekly report is ready")["ts"]
    history = user.conversations_history(channel=dm)["messages"]
    assert [(m["ts"], m["user"], m["text"]) for m in history] == [(ts, bot_user, "Your weekly report is ready")]

    info = user.conversations_info(channel=dm)["channel"]
    assert info["is_im"] is True and info["user"] == bot_user
    assert info["latest"]["ts"] == ts and info["unread_count"] == 1 and info["unread_count_display"] == 1
    assert info["last_read"] == "0000000000.000000"
    assert user.conversations_mark(channel=dm, ts=ts)["ok"] is True
    info = user.conversations_info(channel=dm)["channel"]
    assert info["last_read"] == ts and info["unread_count"] == 0
    assert api_error(user.conversations_mark, channel=dm, ts="not-a-ts")["error"] == "invalid_timestamp"

    assert dm in {c["id"] for c in bot.users_conversations(types="im")["channels"]}
    im_entry = next(c for c in user.conversations_list(types="im")["channels"] if c["id"] == dm)
    assert im_entry["user"] == bot_user and im_entry["is_im"] is True

    # Closing hides it for Dana only; reopening by id brings it back.
    assert user.conversations_close(channel=dm)["ok"] is True
    assert user.conversations_close(channel=dm)["already_closed"] is True
    assert user.conversations_info(channel=dm)["channel"]["is_open"] is False
    assert bot.conversations_info(channel=dm)["channel"]["is_open"] is True
    reopened = user.conversations_open(channel=dm)
    assert reopened["channel"]["id"] == dm and "already_open" not in reopened.data
    assert user.conversations_info(channel=dm)["channel"]["is_open"] is True

    # DMs are not channels.
    assert api_error(user.conversations_leave, channel=dm)["error"] == "method_not_supported_for_channel_type"
    assert api_error(user.conversations_join, channel=dm)["error"] == "method_not_supported_for_channel_type"
    assert api_error(user.conversations_rename, channel=dm, name="nope")["error"] == "method_not_supported_for_channel_type"
    assert api_error(user.conversations_close, channel=RANDOM)["error"] == "method_not_supported_for_channel_type"
    assert api_error(user.conversations_open, channel=RANDOM)["error"] == "method_not_supported_for_channel_type"
    # Someone else's DM does not exist for you.
    assert api_error(user.conversations_info, channel="D0NOPE0000")["error"] == "channel_not_found"


def test_group_dm(user, bot):
    g = user.conversations_open(users=f"{ALEX},{PRIYA}", return_im=True)["channel"]
    gid = g["id"]
    assert gid.startswith("G")
    assert g["is_mpim"] is True and g["is_private"] is True and g["is_group"] is False
    assert g["name"] == "mpdm-dana--alex--priya-1"
    assert g["purpose"]["value"] == "Group messaging with: @dana @alex @priya"
    assert sorted(user.conversations_members(channel=gid)["members"]) == sorted([DANA, ALEX, PRIYA])
    # The same people, in any order and with the caller named too, are the same group DM.
    assert user.conversations_open(users=f"{PRIYA},{DANA},{ALEX}")["channel"]["id"] == gid
    ts = user.chat_postMessage(channel=gid, text="Lunch Friday?")["ts"]
    assert user.conversations_history(channel=gid)["messages"][0]["ts"] == ts
    assert gid in {c["id"] for c in user.users_conversations(types="mpim")["channels"]}
    assert gid in {c["id"] for c in user.users_conversations(types="mpim", user=ALEX)["channels"]}
    assert api_error(bot.conversations_info, channel=gid)["error"] == "channel_not_found"
    assert user.conversations_close(channel=gid)["ok"] is True
    assert user.conversations_info(channel=gid)["channel"]["is_open"] is False


def test_open_errors(user):
    # The SDK refuses to send neither `users` nor `channel`; a raw call does.
    assert api_error(user.api_call, "conversations.open", params={})["error"] == "users_list_not_supplied"
    assert api_error(user.conversations_open, users="U0NOBODY00")["error"] == "user_not_found"
    assert api_error(user.conversations_open, users=f"{ALEX},U0NOBODY00")["error"] == "user_not_found"
    assert api_error(user.conversations_open, channel="D0NOPE0000")["error"] == "channel_not_found"


# --- users.conversations ----------------------------------------------------------------------


def test_users_conversations(user, bot):
    mine = user.users_conversations(types="public_channel,private_channel")["channels"]
    ids = {c["id"] for c in mine}
    assert {GENERAL, RANDOM, PRIVATE} <= ids and ENGINEERING not in ids, "Dana is not in #engineering"
    assert all("is_member" not in c for c in mine)
    # Alex's conversations as the bot sees them: public ones only (the bot is not in #leadership).
    alex = {c["id"] for c in bot.users_conversations(user=ALEX, types="public_channel,private_channel")["channels"]}
    assert {GENERAL, ENGINEERING, ARCHIVED} <= alex and PRIVATE not in alex
    live = {c["id"] for c in bot.users_conversations(user=ALEX, exclude_archived=True)["channels"]}
    assert ARCHIVED not in live and ENGINEERING in live
    # The SDK's iterator walks the cursor.
    pages = pages_of(user.users_conversations(types="public_channel", limit=2))
    assert len(pages) >= 2 and all(len(p["channels"]) <= 2 for p in pages)
    walked = [c["id"] for p in pages for c in p["channels"]]
    assert len(walked) == len(set(walked))
    assert set(walked) == {c["id"] for c in user.users_conversations(types="public_channel", limit=1000)["channels"]}
    assert api_error(user.users_conversations, types="channels")["error"] == "invalid_types"
    assert api_error(user.users_conversations, user="U0NOBODY00")["error"] == "user_not_found"
    assert api_error(user.users_conversations, cursor="garbage")["error"] == "invalid_cursor"


# --- tokens -----------------------------------------------------------------------------------


def test_bad_tokens(base_url):
    assert api_error(WebClient(token="xoxb-bad", base_url=base_url).conversations_create, name="x")["error"] == "invalid_auth"
    assert api_error(WebClient(token=None, base_url=base_url).conversations_members, channel=GENERAL)["error"] == "not_authed"
