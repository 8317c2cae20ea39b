"""The chat family (chat.update/delete/postEphemeral/meMessage/getPermalink/
scheduleMessage/scheduledMessages.list/deleteScheduledMessage, reactions.*, pins.*)
driven by the official Python SDK (`slack_sdk`), changing only `base_url`.

Every test works in channels it creates under unique names (Dana creates them
with the user token and invites the app's bot), and never posts to #general.
The user token acts as Dana (primary owner, admin); the bot token as the app's
bot user.
"""

import http.server
import json
import threading
import time
import urllib.request

import pytest
from slack_sdk import WebClient

from conftest import unique, api_error

DANA = "U0ACMEDANA"
ALEX = "U0ACMEALEX"
MEI = "U0ACMEMEIL"
GENERAL = "C0ACMEGNRL"
PRIVATE = "G0ACMELEAD"
ARCHIVED = "C0ACMEOLDP"
DOMAIN = "acme-corp"


def pages_of(response):
    """The pages the SDK's iterator walks (each copied: the response object is reused)."""
    return [dict(page.data) for page in response]


@pytest.fixture(scope="module")
def bot_user(bot_identity):
    return bot_identity["user_id"]


@pytest.fixture
def room(user, bot_user):
    """A fresh public channel with Dana, Alex and the bot in it."""
    cid = user.conversations_create(name=unique("chat"))["channel"]["id"]
    user.conversations_invite(channel=cid, users=f"{ALEX},{bot_user}")
    return cid


def history(client, channel):
    """The channel's history keyed by ts (system join messages included)."""
    return {m["ts"]: m for m in client.conversations_history(channel=channel, limit=200)["messages"]}


def ts_secs(ts):
    return int(ts.split(".")[0])


# --- the everyday workflow -------------------------------------------------------------------


def test_post_update_react_pin_link_thread_delete(user, bot, bot_user, room):
    # The bot announces a deploy, then edits the announcement.
    posted = bot.chat_postMessage(channel=room, text="Deploy 2024.02 started")
    ts = posted["ts"]
    updated = bot.chat_update(channel=room, ts=ts, text="Deploy 2024.02 finished")
    assert updated["ok"] is True
    assert updated["channel"] == room and updated["ts"] == ts
    assert updated["text"] == "Deploy 2024.02 finished"
    msg = updated["message"]
    assert msg["text"] == "Deploy 2024.02 finished" and msg["user"] == bot_user
    assert msg["bot_id"] == posted["message"]["bot_id"]
    assert msg["edited"]["user"] == bot_user
    assert ts_secs(msg["edited"]["ts"]) >= ts_secs(ts)
    seen = history(user, room)[ts]
    assert seen["text"] == "Deploy 2024.02 finished" and seen["edited"] == msg["edited"]

    # Two people react: the bot and Dana agree on a check mark, Dana adds a thumbs up.
    assert bot.reactions_add(channel=room, timestamp=ts, name="white_check_mark")["ok"] is True
    user.reactions_add(channel=room, timestamp=ts, name="white_check_mark")
    user.reactions_add(channel=room, timestamp=ts, name=":thumbsup:")
    expected = [
        {"name": "white_check_mark", "users": [bot_user, DANA], "count": 2},
        {"name": "+1", "users": [DANA], "count": 1},  # Slack keeps thumbsup as +1
    ]
    got = bot.reactions_get(channel=room, timestamp=ts)
    assert got["type"] == "message" and got["channel"] == room
    assert got["message"]["ts"] == ts and got["message"]["text"] == "Deploy 2024.02 finished"
    assert got["message"]["reactions"] == expected
    assert got["message"]["permalink"] == f"https://{DOMAIN}.slack.com/archives/{room}/p{ts.replace('.', '')}"
    assert bot.reactions_get(channel=room, timestamp=ts, full=True)["message"]["reactions"] == expected
    assert history(bot, room)[ts]["reactions"] == expected

    # Each reactor's list starts with this message.
    mine = user.reactions_list(count=5)
    assert mine["items"][0]["type"] == "message" and mine["items"][0]["channel"] == room
    assert mine["items"][0]["message"]["ts"] == ts and mine["items"][0]["message"]["reactions"] == expected
    assert mine["paging"]["page"] == 1 and mine["paging"]["count"] == 5 and mine["paging"]["total"] >= 1
    theirs = user.reactions_list(user=bot_user, limit=1)
    assert theirs["items"][0]["message"]["ts"] == ts

    # Dana takes her thumbs up back.
    user.reactions_remove(channel=room, timestamp=ts, name="thumbsup")
    assert bot.reactions_get(channel=room, timestamp=ts)["message"]["reactions"] == expected[:1]

    # Dana pins the announcement.
    assert user.pins_add(channel=room, timestamp=ts)["ok"] is True
    pins = bot.pins_list(channel=room)["items"]
    assert len(pins) == 1
    pin = pins[0]
    assert pin["type"] == "message" and pin["created_by"] == DANA and pin["channel"] == room
    assert isinstance(pin["created"], int) and abs(pin["created"] - time.time()) < 60
    assert pin["message"]["ts"] == ts and pin["message"]["pinned_to"] == [room]
    assert pin["message"]["permalink"] == got["message"]["permalink"]
    assert history(user, room)[ts]["pinned_to"] == [room]

    # Permalinks: the message, and a reply in its thread.
    link = user.chat_getPermalink(channel=room, message_ts=ts)
    assert link["channel"] == room
    assert link["permalink"] == f"https://{DOMAIN}.slack.com/archives/{room}/p{ts.replace('.', '')}"
    reply = user.chat_postMessage(channel=room, thread_ts=ts, text="Nice, thanks!")["ts"]
    reply_link = bot.chat_getPermalink(channel=room, message_ts=reply)["permalink"]
    assert reply_link == f"https://{DOMAIN}.slack.com/archives/{room}/p{reply.replace('.', '')}?thread_ts={ts}&cid={room}"

    # The bot deletes its announcement: with a reply under it, a tombstone stays.
    deleted = bot.chat_delete(channel=room, ts=ts)
    assert deleted["ok"] is True and deleted["channel"] == room and deleted["ts"] == ts
    stone = history(user, room)[ts]
    assert stone["subtype"] == "tombstone" and stone["hidden"] is True
    assert stone["text"] == "This message was deleted." and stone["user"] == "USLACKBOT"
    assert stone["thread_ts"] == ts and stone["reply_count"] == 1 and stone["latest_reply"] == reply
    assert "reactions" not in stone and "pinned_to" not in stone and "bot_id" not in stone
    assert bot.pins_list(channel=room)["items"] == [], "the pin went with the message"
    assert all(i["message"]["ts"] != ts for i in user.reactions_list()["items"]), "so did the reactions"
    assert api_error(bot.chat_update, channel=room, ts=ts, text="back")["error"] == "cant_update_message"
    assert api_error(user.chat_delete, channel=room, ts=ts)["error"] == "cant_delete_message"
    assert api_error(user.reactions_add, channel=room, timestamp=ts, name="eyes")["error"] == "not_reactable"
    assert api_error(user.pins_add, channel=room, timestamp=ts)["error"] == "not_pinnable"

    # Deleting the last reply takes the tombstone with it.
    user.chat_delete(channel=room, ts=reply)
    left = history(user, room)
    assert ts not in left and reply not in left
    assert api_error(user.chat_getPermalink, channel=room, message_ts=ts)["error"] == "message_not_found"


def test_thread_reply_delete_recounts_the_parent(user, bot, room):
    parent = user.chat_postMessage(channel=room, text="Lunch?")["ts"]
    r1 = bot.chat_postMessage(channel=room, thread_ts=parent, text="yes")["ts"]
    r2 = user.chat_postMessage(channel=room, thread_ts=parent, text="great")["ts"]
    assert history(user, room)[parent]["reply_count"] == 2
    bot.chat_delete(channel=room, ts=r1)
    top = history(user, room)[parent]
    assert top["reply_count"] == 1 and top["latest_reply"] == r2 and top["text"] == "Lunch?"
    # Dana is an admin: she may delete the bot's messages too.
    mine = bot.chat_postMessage(channel=room, text="temporary")["ts"]
    assert user.chat_delete(channel=room, ts=mine)["ts"] == mine
    assert mine not in history(user, room)


# --- chat.update ------------------------------------------------------------------------------


def test_update_keeps_blocks_and_attachments_unless_given(bot, room):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*status*: green"}}]
    attachments = [{"fallback": "chart", "text": "uptime 99.9%"}]
    ts = bot.chat_postMessage(channel=room, text="status", blocks=blocks, attachments=attachments)["ts"]
    kept = bot.chat_update(channel=room, ts=ts, text="status (edited)")["message"]
    assert kept["blocks"] == blocks and kept["attachments"] == attachments and kept["text"] == "status (edited)"
    new_blocks = [{"type": "section", "text": {"type": "plain_text", "text": "all clear"}}]
    swapped = bot.chat_update(channel=room, ts=ts, text="all clear", blocks=new_blocks, attachments=[])["message"]
    assert swapped["blocks"] == new_blocks and "attachments" not in swapped
    assert history(bot, room)[ts]["blocks"] == new_blocks


def test_update_link_names_and_broadcast(user, bot, bot_user, room):
    ts = user.chat_postMessage(channel=room, text="draft")["ts"]
    linked = user.chat_update(channel=room, ts=ts, text="@alex see #general, @here", link_names=True)
    assert linked["text"] == f"<@{ALEX}> see <#{GENERAL}|general>, <!here>"
    plain = user.chat_update(channel=room, ts=ts, text="@alex again")
    assert plain["text"] == "@alex again", "no linking unless asked"
    # A reply edited with reply_broadcast joins the channel's history.
    reply = bot.chat_postMessage(channel=room, thread_ts=ts, text="noted")["ts"]
    assert reply not in history(user, room)
    bot.chat_update(channel=room, ts=reply, text="noted (for everyone)", reply_broadcast=True)
    shown = history(user, room)[reply]
    assert shown["subtype"] == "thread_broadcast" and shown["text"] == "noted (for everyone)"


def test_update_errors(user, bot, bot_user, room):
    human = user.chat_postMessage(channel=room, text="Dana's words")["ts"]
    robot = bot.chat_postMessage(channel=room, text="bot words")["ts"]
    assert api_error(bot.chat_update, channel=room, ts=human, text="hijack")["error"] == "cant_update_message"
    assert api_error(user.chat_update, channel=room, ts=robot, text="hijack")["error"] == "cant_update_message"
    assert api_error(bot.chat_update, channel=room, ts="1111111111.000001", text="x")["error"] == "message_not_found"
    assert api_error(bot.chat_update, channel="C0NOPE0000", ts=robot, text="x")["error"] == "channel_not_found"
    assert api_error(bot.chat_update, channel=room, ts=robot, text="")["error"] == "no_text"
    assert api_error(bot.chat_update, channel=room, ts=robot, text="x" * 40001)["error"] == "msg_too_long"
    assert history(user, room)[human]["text"] == "Dana's words", "nothing changed"


def test_people_edit_only_inside_the_workspace_edit_window(user):
    # acme-corp allows edits for 60 minutes; Dana's seeded welcome is from 2024.
    seeded = "1704110400.000100"
    assert api_error(user.chat_update, channel="C0ACMEGNRL", ts=seeded, text="rewritten")["error"] == "edit_window_closed"
    fresh = user.chat_postMessage(channel="C0ACMEGNRL", text="typo here")["ts"]
    assert user.chat_update(channel="C0ACMEGNRL", ts=fresh, text="no typo here")["ok"] is True
    user.chat_delete(channel="C0ACMEGNRL", ts=fresh)


# --- chat.delete ------------------------------------------------------------------------------


def test_delete_errors(user, bot, room):
    human = user.chat_postMessage(channel=room, text="only Dana or an admin may delete this")["ts"]
    assert api_error(bot.chat_delete, channel=room, ts=human)["error"] == "cant_delete_message"
    assert api_error(bot.chat_delete, channel=room, ts="1111111111.000001")["error"] == "message_not_found"
    assert api_error(bot.chat_delete, channel="C0NOPE0000", ts=human)["error"] == "channel_not_found"
    assert api_error(bot.chat_delete, channel=PRIVATE, ts="1704132000.000100")["error"] == "channel_not_found"
    user.chat_delete(channel=room, ts=human)
    assert api_error(user.chat_delete, channel=room, ts=human)["error"] == "message_not_found"


# --- chat.postEphemeral / chat.meMessage / posting options ---------------------------------------


def test_post_ephemeral(user, bot, room):
    before = set(history(user, room))
    r = bot.chat_postEphemeral(channel=room, user=ALEX, text="only Alex sees this")
    assert r["ok"] is True and isinstance(r["message_ts"], str) and "." in r["message_ts"]
    assert set(history(user, room)) == before, "ephemeral messages are not in history"
    assert api_error(bot.chat_postEphemeral, channel=room, user=MEI, text="hi")["error"] == "user_not_in_channel"
    assert api_error(bot.chat_postEphemeral, channel="C0NOPE0000", user=ALEX, text="hi")["error"] == "channel_not_found"
    assert api_error(bot.chat_postEphemeral, channel=ARCHIVED, user=ALEX, text="hi")["error"] == "is_archived"
    assert api_error(bot.chat_postEphemeral, channel=room, user=ALEX, text="")["error"] == "no_text"


def test_me_message(user, room):
    r = user.chat_meMessage(channel=room, text="is reviewing the release")
    assert r["channel"] == room and isinstance(r["ts"], str)
    seen = history(user, room)[r["ts"]]
    assert seen["subtype"] == "me_message" and seen["user"] == DANA and seen["text"] == "is reviewing the release"
    assert api_error(user.chat_meMessage, channel=room, text="")["error"] == "no_text"
    assert api_error(user.chat_meMessage, channel=ARCHIVED, text="waves")["error"] == "is_archived"


def test_post_message_options(user, bot, bot_user, room):
    # A bot with chat:write.customize posts under another name and icon.
    custom = bot.chat_postMessage(channel=room, text="beep", username="Deploy Bot", icon_emoji=":rocket:")["message"]
    assert custom["username"] == "Deploy Bot" and custom["icons"] == {"emoji": ":rocket:"}
    # ...unless it posts as itself.
    plain = bot.chat_postMessage(channel=room, text="boop", username="Deploy Bot", as_user=True)["message"]
    assert "username" not in plain and plain["user"] == bot_user
    # link_names links people, channels and special mentions; formatting options are accepted.
    linked = user.chat_postMessage(
        channel=room, text="@alex and @nobody: see #general, @channel.", link_names=True, mrkdwn=False, unfurl_links=False, unfurl_media=False
    )
    assert linked["message"]["text"] == f"<@{ALEX}> and @nobody: see <#{GENERAL}|general>, <!channel>."
    # A channel may be named instead of given by id.
    name = bot.conversations_info(channel=room)["channel"]["name"]
    by_name = bot.chat_postMessage(channel=f"#{name}", text="by name")
    assert by_name["channel"] == room
    # Broadcast replies show in the channel.
    parent = user.chat_postMessage(channel=room, text="thread root")["ts"]
    b = bot.chat_postMessage(channel=room, thread_ts=parent, text="for everyone", reply_broadcast=True)
    assert b["message"]["subtype"] == "thread_broadcast"
    assert history(user, room)[b["ts"]]["thread_ts"] == parent


def test_post_to_a_user_id_goes_to_the_dm(user, bot, bot_user):
    r = bot.chat_postMessage(channel=MEI, text="Your report is ready")
    dm = r["channel"]
    assert dm.startswith("D") and r["message"]["user"] == bot_user
    again = bot.chat_postMessage(channel=MEI, text="And the appendix")
    assert again["channel"] == dm, "the same DM is reused"
    texts = [m["text"] for m in bot.conversations_history(channel=dm)["messages"]]
    assert texts[:2] == ["And the appendix", "Your report is ready"]
    assert api_error(user.conversations_history, channel=dm)["error"] == "channel_not_found", "Dana is not in it"
    assert api_error(bot.chat_postMessage, channel="U0NOBODY00", text="hi")["error"] == "channel_not_found"


# --- scheduled messages --------------------------------------------------------------------------


def test_scheduled_message_is_posted_when_due(user, bot, bot_user, room):
    post_at = int(time.time()) + 3
    r = bot.chat_scheduleMessage(channel=room, post_at=post_at, text="Stand-up in 5 minutes")
    sid = r["scheduled_message_id"]
    assert sid.startswith("Q") and r["channel"] == room and r["post_at"] == post_at
    assert r["message"]["type"] == "delayed_message" and r["message"]["text"] == "Stand-up in 5 minutes"
    assert r["message"]["user"] == bot_user and "ts" not in r["message"]

    pending = bot.chat_scheduledMessages_list(channel=room)["scheduled_messages"]
    assert [(s["id"], s["channel_id"], s["post_at"], s["text"]) for s in pending] == [(sid, room, post_at, "Stand-up in 5 minutes")]
    assert abs(pending[0]["date_created"] - time.time()) < 60
    assert not [m for m in history(user, room).values() if m["text"] == "Stand-up in 5 minutes"]

    time.sleep(max(0, post_at - time.time()) + 1.2)
    posted = [m for m in history(user, room).values() if m["text"] == "Stand-up in 5 minutes"]
    assert len(posted) == 1
    assert posted[0]["user"] == bot_user and "bot_id" in posted[0]
    assert ts_secs(posted[0]["ts"]) == post_at, "posted at post_at"
    assert bot.chat_scheduledMessages_list(channel=room)["scheduled_messages"] == []
    assert api_error(bot.chat_deleteScheduledMessage, channel=room, scheduled_message_id=sid)["error"] == "invalid_scheduled_message_id"


def test_scheduled_thread_reply(user, bot, room):
    parent = user.chat_postMessage(channel=room, text="Retro notes")["ts"]
    post_at = int(time.time()) + 2
    bot.chat_scheduleMessage(channel=room, post_at=post_at, thread_ts=parent, text="Reminder: add your notes")
    time.sleep(max(0, post_at - time.time()) + 1.2)
    top = history(user, room)[parent]
    assert top["reply_count"] == 1
    reply = bot.conversations_replies(channel=room, ts=parent)["messages"][-1]
    assert reply["text"] == "Reminder: add your notes" and reply["thread_ts"] == parent and reply["parent_user_id"] == DANA


def test_delete_scheduled_message(user, bot, room):
    later = int(time.time()) + 3600
    keep = bot.chat_scheduleMessage(channel=room, post_at=later, text="keep me")["scheduled_message_id"]
    drop = bot.chat_scheduleMessage(channel=room, post_at=later + 60, text="drop me")["scheduled_message_id"]
    assert bot.chat_deleteScheduledMessage(channel=room, scheduled_message_id=drop)["ok"] is True
    assert [s["id"] for s in bot.chat_scheduledMessages_list(channel=room)["scheduled_messages"]] == [keep]
    assert api_error(bot.chat_deleteScheduledMessage, channel=room, scheduled_message_id=drop)["error"] == "invalid_scheduled_message_id"
    assert api_error(bot.chat_deleteScheduledMessage, channel=room, scheduled_message_id="Q0NOPE0000")["error"] == "invalid_scheduled_message_id"
    # Only its scheduler sees it, or deletes it, and only in its channel.
    assert user.chat_scheduledMessages_list(channel=room)["scheduled_messages"] == []
    assert api_error(user.chat_deleteScheduledMessage, channel=room, scheduled_message_id=keep)["error"] == "invalid_scheduled_message_id"
    other = user.conversations_create(name=unique("chat-other"))["channel"]["id"]
    assert api_error(bot.chat_deleteScheduledMessage, channel=other, scheduled_message_id=keep)["error"] == "invalid_scheduled_message_id"
    assert api_error(bot.chat_deleteScheduledMessage, channel="C0NOPE0000", scheduled_message_id=keep)["error"] == "channel_not_found"
    bot.chat_deleteScheduledMessage(channel=room, scheduled_message_id=keep)
    assert bot.chat_scheduledMessages_list(channel=room)["scheduled_messages"] == []


def test_scheduled_messages_list_filters_and_pages(user, bot, room):
    base = int(time.time()) + 7200
    ids = [bot.chat_scheduleMessage(channel=room, post_at=base + 1000 * i, text=f"later {i}")["scheduled_message_id"] for i in range(3)]
    everything = bot.chat_scheduledMessages_list(channel=room)
    assert [s["id"] for s in everything["scheduled_messages"]] == ids, "soonest first"
    assert everything["response_metadata"]["next_cursor"] == ""
    pages = pages_of(bot.chat_scheduledMessages_list(channel=room, limit=2))
    assert [[s["id"] for s in p["scheduled_messages"]] for p in pages] == [ids[:2], ids[2:]]
    assert pages[0]["response_metadata"]["next_cursor"] and pages[1]["response_metadata"]["next_cursor"] == ""
    window = bot.chat_scheduledMessages_list(channel=room, oldest=base + 500, latest=base + 1500)["scheduled_messages"]
    assert [s["id"] for s in window] == [ids[1]]
    assert [s["id"] for s in bot.chat_scheduledMessages_list(channel=room, oldest=base + 1500)["scheduled_messages"]] == [ids[2]]
    everywhere = {s["id"] for s in bot.chat_scheduledMessages_list()["scheduled_messages"]}
    assert set(ids) <= everywhere
    assert api_error(bot.chat_scheduledMessages_list, channel="C0NOPE0000")["error"] == "invalid_channel"
    assert api_error(bot.chat_scheduledMessages_list, cursor="garbage")["error"] == "invalid_cursor"
    for sid in ids:
        bot.chat_deleteScheduledMessage(channel=room, scheduled_message_id=sid)


def test_schedule_errors(bot, room):
    now = int(time.time())
    assert api_error(bot.chat_scheduleMessage, channel=room, post_at=now - 60, text="late")["error"] == "time_in_past"
    assert api_error(bot.chat_scheduleMessage, channel=room, post_at=now + 121 * 86400, text="far")["error"] == "time_too_far"
    assert api_error(bot.chat_scheduleMessage, channel=room, post_at="soon", text="when?")["error"] == "invalid_time"
    assert api_error(bot.chat_scheduleMessage, channel=room, post_at=now + 60, text="")["error"] == "no_text"
    assert api_error(bot.chat_scheduleMessage, channel="C0NOPE0000", post_at=now + 60, text="x")["error"] == "channel_not_found"
    assert api_error(bot.chat_scheduleMessage, channel=ARCHIVED, post_at=now + 60, text="x")["error"] == "is_archived"
    assert api_error(bot.chat_scheduleMessage, channel=PRIVATE, post_at=now + 60, text="x")["error"] == "channel_not_found"
    assert bot.chat_scheduledMessages_list(channel=room)["scheduled_messages"] == []


def test_schedule_limit_per_channel(bot, room):
    at = int(time.time()) + 86400
    ids = [bot.chat_scheduleMessage(channel=room, post_at=at + i, text=f"burst {i}")["scheduled_message_id"] for i in range(30)]
    assert api_error(bot.chat_scheduleMessage, channel=room, post_at=at + 100, text="one too many")["error"] == "restricted_too_many"
    # Outside the five minutes it is fine.
    ids.append(bot.chat_scheduleMessage(channel=room, post_at=at + 600, text="later on")["scheduled_message_id"])
    for sid in ids:
        bot.chat_deleteScheduledMessage(channel=room, scheduled_message_id=sid)


# --- reactions --------------------------------------------------------------------------------


def test_reaction_errors(user, bot, room):
    ts = user.chat_postMessage(channel=room, text="react to me")["ts"]
    user.reactions_add(channel=room, timestamp=ts, name="eyes")
    assert api_error(user.reactions_add, channel=room, timestamp=ts, name="eyes")["error"] == "already_reacted"
    assert api_error(bot.reactions_remove, channel=room, timestamp=ts, name="eyes")["error"] == "no_reaction", "not the bot's"
    assert api_error(user.api_call, "reactions.add", data={"channel": room, "name": "eyes"})["error"] == "no_item_specified"
    assert api_error(user.reactions_get, channel=room)["error"] == "no_item_specified"
    assert api_error(user.reactions_add, channel=room, timestamp="1111111111.000001", name="eyes")["error"] == "message_not_found"
    assert api_error(user.reactions_add, channel=room, timestamp="yesterday", name="eyes")["error"] == "bad_timestamp"
    assert api_error(user.reactions_add, channel=room, timestamp=ts, name="not an emoji")["error"] == "invalid_name"
    assert api_error(user.reactions_add, channel="C0NOPE0000", timestamp=ts, name="eyes")["error"] == "channel_not_found"
    assert api_error(bot.reactions_get, channel=PRIVATE, timestamp="1704132000.000100")["error"] == "channel_not_found"
    assert api_error(user.reactions_list, user="U0NOBODY00")["error"] == "user_not_found"
    user.reactions_remove(channel=room, timestamp=ts, name="eyes")
    assert api_error(user.reactions_remove, channel=room, timestamp=ts, name="eyes")["error"] == "no_reaction"
    assert "reactions" not in bot.reactions_get(channel=room, timestamp=ts)["message"]


def test_reactions_list_pages(user, bot, room):
    stamps = [bot.chat_postMessage(channel=room, text=f"item {i}")["ts"] for i in range(3)]
    for ts in stamps:
        user.reactions_add(channel=room, timestamp=ts, name="tada")
    newest_first = stamps[::-1]

    first = user.reactions_list(count=2, page=1)
    total = first["paging"]["total"]
    assert total >= 3 and first["paging"] == {"count": 2, "total": total, "page": 1, "pages": (total + 1) // 2}
    assert [i["message"]["ts"] for i in first["items"]] == newest_first[:2], "most recently reacted first"
    second = user.reactions_list(count=2, page=2)
    assert second["paging"]["page"] == 2 and second["items"][0]["message"]["ts"] == newest_first[2]

    # Cursor paging, walked by the SDK's iterator, covers every item once.
    pages = pages_of(user.reactions_list(limit=2))
    walked = [(i["channel"], i["message"]["ts"]) for p in pages for i in p["items"]]
    assert len(walked) == total == len(set(walked))
    assert all(len(p["items"]) <= 2 for p in pages) and pages[-1]["response_metadata"]["next_cursor"] == ""
    assert [ts for _, ts in walked[:3]] == newest_first
    assert api_error(user.reactions_list, cursor="garbage")["error"] == "invalid_cursor"


def test_reactions_full_list(user, bot, bot_user, room):
    ts = user.chat_postMessage(channel=room, text="vote")["ts"]
    for client in (user, bot):
        client.reactions_add(channel=room, timestamp=ts, name="ballot_box_with_check")
    user.reactions_add(channel=room, timestamp=ts, name="thumbsup::skin-tone-3")
    full = user.reactions_get(channel=room, timestamp=ts, full=True)["message"]["reactions"]
    assert full == [
        {"name": "ballot_box_with_check", "users": [DANA, bot_user], "count": 2},
        {"name": "+1::skin-tone-3", "users": [DANA], "count": 1},
    ]


# --- pins ---------------------------------------------------------------------------------------


def test_pins_order_and_errors(user, bot, room):
    a = user.chat_postMessage(channel=room, text="runbook")["ts"]
    b = bot.chat_postMessage(channel=room, text="on-call rota")["ts"]
    user.pins_add(channel=room, timestamp=a)
    bot.pins_add(channel=room, timestamp=b)
    items = user.pins_list(channel=room)["items"]
    assert [i["message"]["ts"] for i in items] == [b, a], "most recently pinned first"
    assert [i["created_by"] for i in items] == [bot.auth_test()["user_id"], DANA]
    assert api_error(user.pins_add, channel=room, timestamp=a)["error"] == "already_pinned"
    assert api_error(user.pins_add, channel=room)["error"] == "no_item_specified"
    assert api_error(user.pins_add, channel=room, timestamp="1111111111.000001")["error"] == "message_not_found"
    assert api_error(user.pins_add, channel=room, timestamp="noon")["error"] == "bad_timestamp"
    assert api_error(user.pins_add, channel="C0NOPE0000", timestamp=a)["error"] == "channel_not_found"
    assert api_error(bot.pins_list, channel=PRIVATE)["error"] == "channel_not_found"
    user.pins_remove(channel=room, timestamp=a)
    assert api_error(user.pins_remove, channel=room, timestamp=a)["error"] == "no_pin"
    assert [i["message"]["ts"] for i in user.pins_list(channel=room)["items"]] == [b]
    assert "pinned_to" not in history(user, room)[a]
    # The seeded join messages cannot be pinned.
    join = next(m["ts"] for m in history(user, room).values() if m.get("subtype") == "channel_join")
    assert api_error(user.pins_add, channel=room, timestamp=join)["error"] == "not_pinnable"


# --- scopes and tokens ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def narrow_bot(clone, base_url):
    """A second app whose bot may only read channels and post (no reactions, pins,
    or chat:write.public), made through the clone's app endpoint as Dana."""
    manifest = {
        "display_information": {"name": "Narrow Bot"},
        "features": {"bot_user": {"display_name": "Narrow Bot"}},
        "oauth_config": {"scopes": {"bot": ["channels:read", "channels:history", "chat:write"]}},
    }
    req = urllib.request.Request(
        base_url + "_asym/apps",
        data=json.dumps(manifest).encode(),
        headers={"Authorization": f"Bearer {clone['user']}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        made = json.loads(resp.read())
    return WebClient(token=made["bot_token"], base_url=base_url), made["bot_user_id"]


def test_missing_scopes(user, narrow_bot, room):
    client, _ = narrow_bot
    ts = user.chat_postMessage(channel=room, text="scoped")["ts"]
    for call, kwargs, needed in [
        (client.reactions_add, {"channel": room, "timestamp": ts, "name": "eyes"}, "reactions:write"),
        (client.reactions_get, {"channel": room, "timestamp": ts}, "reactions:read"),
        (client.reactions_list, {}, "reactions:read"),
        (client.pins_add, {"channel": room, "timestamp": ts}, "pins:write"),
        (client.pins_list, {"channel": room}, "pins:read"),
    ]:
        resp = api_error(call, **kwargs)
        assert resp["error"] == "missing_scope" and resp["needed"] == needed, call
        assert "chat:write" in resp["provided"]
    # No scope is needed for permalinks or the scheduled list.
    assert client.chat_getPermalink(channel=room, message_ts=ts)["permalink"].endswith(ts.replace(".", ""))
    assert client.chat_scheduledMessages_list()["scheduled_messages"] == []


def test_bot_outside_the_channel(user, narrow_bot, room):
    client, narrow_user = narrow_bot
    # The narrow bot is in the open public channels that existed when it was made,
    # not in this newer one, and lacks chat:write.public.
    assert api_error(client.chat_postMessage, channel=room, text="hi")["error"] == "not_in_channel"
    assert api_error(client.chat_scheduleMessage, channel=room, post_at=int(time.time()) + 60, text="hi")["error"] == "not_in_channel"
    user.conversations_invite(channel=room, users=narrow_user)
    ts = client.chat_postMessage(channel=room, text="hi")["ts"]
    assert client.chat_update(channel=room, ts=ts, text="hello")["message"]["edited"]["user"] == narrow_user


def test_bad_tokens(base_url, room):
    bad = WebClient(token="xoxb-not-a-token", base_url=base_url)
    assert api_error(bad.chat_update, channel=room, ts="1.2", text="x")["error"] == "invalid_auth"
    assert api_error(WebClient(base_url=base_url).reactions_add, channel=room, timestamp="1.2", name="eyes")["error"] == "not_authed"


# --- events ---------------------------------------------------------------------------------------


class _Receiver(http.server.BaseHTTPRequestHandler):
    """An app's request URL: answers Slack's challenge, records every event."""

    events = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = b""
        if body.get("type") == "url_verification":
            answer = body["challenge"].encode()
        else:
            type(self).events.append(body["event"])
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def listener(clone, base_url):
    """An app subscribed to the chat family's events, with a local request URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    manifest = {
        "display_information": {"name": "Chat Listener"},
        "features": {"bot_user": {"display_name": "Chat Listener"}},
        "oauth_config": {"scopes": {"bot": ["channels:history", "channels:read", "reactions:read", "pins:read"]}},
        "settings": {
            "event_subscriptions": {
                "request_url": f"http://127.0.0.1:{server.server_address[1]}/slack/events",
                "bot_events": ["message.channels", "reaction_added", "reaction_removed", "pin_added", "pin_removed"],
            }
        },
    }
    req = urllib.request.Request(
        base_url + "_asym/apps",
        data=json.dumps(manifest).encode(),
        headers={"Authorization": f"Bearer {clone['user']}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        made = json.loads(resp.read())
    assert made["event_subscriptions"]["url_verified"] is True
    yield made["bot_user_id"], _Receiver.events
    server.shutdown()


def wait_for(events, match, what):
    deadline = time.time() + 15
    while time.time() < deadline:
        found = [e for e in list(events) if match(e)]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {what} event arrived; got {[(e.get('type'), e.get('subtype')) for e in events]}")


def test_events(user, bot, bot_user, listener, room):
    listener_user, events = listener
    user.conversations_invite(channel=room, users=listener_user)
    ts = user.chat_postMessage(channel=room, text="first draft")["ts"]
    wait_for(events, lambda e: e.get("type") == "message" and e.get("ts") == ts and "subtype" not in e, "message")

    user.chat_update(channel=room, ts=ts, text="second draft")
    changed = wait_for(events, lambda e: e.get("subtype") == "message_changed" and e["message"]["ts"] == ts, "message_changed")
    assert changed["type"] == "message" and changed["channel"] == room and changed["hidden"] is True
    assert changed["channel_type"] == "channel" and changed["event_ts"] == changed["ts"]
    assert changed["message"]["text"] == "second draft" and changed["message"]["edited"]["user"] == DANA
    assert changed["previous_message"]["text"] == "first draft" and "edited" not in changed["previous_message"]

    bot.reactions_add(channel=room, timestamp=ts, name="rocket")
    added = wait_for(events, lambda e: e.get("type") == "reaction_added" and e["item"]["ts"] == ts, "reaction_added")
    assert added["user"] == bot_user and added["reaction"] == "rocket" and added["item_user"] == DANA
    assert added["item"] == {"type": "message", "channel": room, "ts": ts} and "." in added["event_ts"]
    bot.reactions_remove(channel=room, timestamp=ts, name="rocket")
    removed = wait_for(events, lambda e: e.get("type") == "reaction_removed" and e["item"]["ts"] == ts, "reaction_removed")
    assert removed["user"] == bot_user and removed["reaction"] == "rocket" and removed["item_user"] == DANA

    user.pins_add(channel=room, timestamp=ts)
    pinned = wait_for(events, lambda e: e.get("type") == "pin_added" and e["item"]["message"]["ts"] == ts, "pin_added")
    assert pinned["user"] == DANA and pinned["channel_id"] == room and pinned["item_user"] == DANA
    assert pinned["item"]["type"] == "message" and pinned["item"]["created_by"] == DANA and pinned["item"]["channel"] == room
    assert pinned["item"]["message"]["pinned_to"] == [room] and pinned["pin_count"] == "1"
    assert pinned["pinned_info"]["channel"] == room and pinned["pinned_info"]["pinned_by"] == DANA
    assert pinned["pinned_info"]["pinned_ts"] == pinned["item"]["created"]
    assert user.conversations_history(channel=room, limit=1)["pin_count"] == 1
    user.pins_remove(channel=room, timestamp=ts)
    assert user.conversations_history(channel=room, limit=1)["pin_count"] == 0
    unpinned = wait_for(events, lambda e: e.get("type") == "pin_removed" and e["item"]["message"]["ts"] == ts, "pin_removed")
    assert unpinned["has_pins"] is False and unpinned["pin_count"] == "0" and unpinned["channel_id"] == room

    user.chat_delete(channel=room, ts=ts)
    gone = wait_for(events, lambda e: e.get("subtype") == "message_deleted" and e["deleted_ts"] == ts, "message_deleted")
    assert gone["channel"] == room and gone["hidden"] is True and gone["previous_message"]["text"] == "second draft"

    # A thread parent deleted under its replies is changed into a tombstone.
    parent = user.chat_postMessage(channel=room, text="parent")["ts"]
    bot.chat_postMessage(channel=room, thread_ts=parent, text="child")
    user.chat_delete(channel=room, ts=parent)
    stone = wait_for(
        events, lambda e: e.get("subtype") == "message_changed" and e["message"]["ts"] == parent, "message_changed (tombstone)"
    )
    assert stone["message"]["subtype"] == "tombstone" and stone["message"]["text"] == "This message was deleted."
    assert stone["previous_message"]["text"] == "parent"
