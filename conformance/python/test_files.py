"""Files on the Slack clone through `slack_sdk`, unchanged: `files_upload_v2`
(files.getUploadURLExternal, a POST of the bytes to the clone's upload URL,
files.completeUploadExternal), files.info, files.list, files.delete, the bytes
behind `url_private`, and the file-share messages in history.

Every test works in channels it creates; nothing is posted to #general.
"""

import asyncio
import os
import time
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from conftest import unique, api_error

DANA = "U0ACMEDANA"
PRIVATE = "G0ACMELEAD"  # #leadership: the owner is a member, the bot is not
NOTES = "Quarterly numbers\nrevenue: 42\ncosts: 17\n"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def fetch(url, token=None, method="GET", data=None, headers=None):
    """(status, headers, body) of one request, without following redirects."""
    req = urllib.request.Request(url, method=method, data=data, headers=dict(headers or {}))
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def channel(bot):
    """A public channel the bot created (so it is a member), for this module."""
    return bot.conversations_create(name=unique("files"))["channel"]["id"]


@pytest.fixture(scope="module")
def uploaded(bot, channel):
    """A text file the bot shared into `channel` with an initial comment."""
    resp = bot.files_upload_v2(
        channel=channel,
        content=NOTES,
        filename="q3-notes.txt",
        title="Q3 notes",
        initial_comment="Here are the Q3 notes",
    )
    return resp


# --- the upload flow ---------------------------------------------------------------------


def test_upload_v2_shares_a_text_file(uploaded, channel, bot_identity, clone):
    assert uploaded["ok"] is True
    assert len(uploaded["files"]) == 1
    f = uploaded["file"]
    assert f == uploaded["files"][0]
    assert f["id"].startswith("F")
    assert f["name"] == "q3-notes.txt"
    assert f["title"] == "Q3 notes"
    assert f["mimetype"] == "text/plain"
    assert f["filetype"] == "text"
    assert f["pretty_type"] == "Plain Text"
    assert f["mode"] == "hosted"
    assert f["user"] == bot_identity["user_id"]
    assert f["size"] == len(NOTES.encode())
    assert f["comments_count"] == 0
    assert f["is_public"] is True
    assert f["channels"] == [channel]
    assert f["groups"] == [] and f["ims"] == []
    share = f["shares"]["public"][channel]
    assert len(share) == 1
    assert share[0]["channel_name"].startswith("files-")
    assert share[0]["share_user_id"] == bot_identity["user_id"]
    assert f["preview"] == NOTES.rstrip("\n")
    assert f["lines"] == 3 and f["lines_more"] == 0
    origin = clone["api"][: -len("/api")]
    assert f["url_private"] == f"{origin}/files-pri/{bot_identity['team_id']}-{f['id']}/q3-notes.txt"
    assert f["url_private_download"] == f"{origin}/files-pri/{bot_identity['team_id']}-{f['id']}/download/q3-notes.txt"
    assert f["permalink"].endswith(f"/files/{bot_identity['user_id']}/{f['id']}/q3-notes.txt")
    assert abs(f["created"] - time.time()) < 300


def test_upload_posts_a_file_share_message(uploaded, bot, channel, bot_identity):
    f = uploaded["file"]
    history = bot.conversations_history(channel=channel, limit=10)["messages"]
    shares = [m for m in history if m.get("subtype") == "file_share" and m["files"][0]["id"] == f["id"]]
    assert len(shares) == 1
    m = shares[0]
    assert m["text"] == "Here are the Q3 notes"
    assert m["user"] == bot_identity["user_id"]
    assert m["bot_id"] == bot_identity["bot_id"]
    assert m["upload"] is True
    assert m["display_as_bot"] is False
    assert [x["id"] for x in m["files"]] == [f["id"]]
    assert m["files"][0]["name"] == "q3-notes.txt"
    assert f["shares"]["public"][channel][0]["ts"] == m["ts"]


def test_files_info_matches_the_upload(uploaded, bot, user):
    f = uploaded["file"]
    info = bot.files_info(file=f["id"])
    assert info["file"] == f
    assert info["comments"] == []
    # The owner sees it too: it is shared in a public channel.
    assert user.files_info(file=f["id"])["file"]["id"] == f["id"]


def test_url_private_serves_the_bytes_with_the_token(uploaded, clone):
    f = uploaded["file"]
    status, headers, body = fetch(f["url_private"], clone["bot"])
    assert status == 200
    assert body == NOTES.encode()
    assert headers["Content-Type"].startswith("text/plain")
    status, headers, body = fetch(f["url_private_download"], clone["user"])
    assert status == 200
    assert body == NOTES.encode()
    assert headers["Content-Disposition"].startswith("attachment")


def test_url_private_without_a_valid_token_goes_to_sign_in(uploaded, clone):
    f = uploaded["file"]
    for token in (None, "xoxb-not-a-real-token"):
        status, headers, body = fetch(f["url_private"], token)
        assert status == 302
        assert "redir=%2Ffiles-pri%2F" in headers["Location"]
        assert NOTES.encode() not in body


def test_binary_upload_without_a_channel_stays_private(bot, user, clone, bot_identity):
    data = bytes(range(256)) * 4 + b"\x89PNG\r\n\x1a\n"
    resp = bot.files_upload_v2(file=data, filename="chart.png")
    f = resp["file"]
    assert f["title"] == "chart.png"
    assert f["mimetype"] == "image/png"
    assert f["filetype"] == "png"
    assert f["size"] == len(data)
    assert f["channels"] == [] and f["shares"] == {} and f["is_public"] is False
    assert "preview" not in f
    # Only its uploader sees a file shared nowhere.
    assert bot.files_info(file=f["id"])["file"]["id"] == f["id"]
    assert api_error(user.files_info, file=f["id"])["error"] == "file_not_found"
    status, _, body = fetch(f["url_private_download"], clone["bot"])
    assert status == 200 and body == data
    status, _, _ = fetch(f["url_private_download"], clone["user"])
    assert status == 302


def test_upload_into_a_thread(bot, channel):
    parent = bot.chat_postMessage(channel=channel, text="Logs for the incident, please")["ts"]
    resp = bot.files_upload_v2(
        channel=channel, thread_ts=parent, content="ERROR boom\n", filename="incident.log", initial_comment="Attached"
    )
    f = resp["file"]
    share = f["shares"]["public"][channel][0]
    assert share["thread_ts"] == parent
    assert share["reply_count"] == 1
    replies = bot.conversations_replies(channel=channel, ts=parent)["messages"]
    assert [m["ts"] for m in replies][0] == parent
    reply = replies[1]
    assert reply["subtype"] == "file_share"
    assert reply["thread_ts"] == parent
    assert reply["files"][0]["id"] == f["id"]
    # The reply stays out of the channel's top level.
    top = bot.conversations_history(channel=channel, limit=20)["messages"]
    assert reply["ts"] not in [m["ts"] for m in top]


def test_several_files_share_one_message(bot, channel):
    resp = bot.files_upload_v2(
        channel=channel,
        initial_comment="Both drafts",
        file_uploads=[
            {"content": "draft one\n", "filename": "one.md", "title": "One"},
            {"content": "draft two\n", "filename": "two.md", "title": "Two"},
        ],
    )
    ids = [f["id"] for f in resp["files"]]
    assert len(ids) == 2 and "file" not in resp.data
    assert [f["filetype"] for f in resp["files"]] == ["markdown", "markdown"]
    history = bot.conversations_history(channel=channel, limit=10)["messages"]
    m = next(m for m in history if m.get("text") == "Both drafts")
    assert [f["id"] for f in m["files"]] == ids
    assert [f["title"] for f in m["files"]] == ["One", "Two"]


def test_owner_uploads_into_a_private_channel(user, bot):
    resp = user.files_upload_v2(channel=PRIVATE, content="board deck v2\n", filename="deck.txt")
    f = resp["file"]
    assert f["user"] == DANA
    assert f["groups"] == [PRIVATE] and f["channels"] == []
    assert f["is_public"] is False
    assert PRIVATE in f["shares"]["private"]
    # The bot is not in #leadership: the file does not exist for it.
    assert api_error(bot.files_info, file=f["id"])["error"] == "file_not_found"
    assert api_error(bot.files_upload_v2, channel=PRIVATE, content="x", filename="x.txt")["error"] == "channel_not_found"


def test_upload_to_a_user_goes_to_their_dm(bot, user):
    resp = bot.files_upload_v2(channels=[DANA], content="for your eyes\n", filename="dm.txt", initial_comment="Just for you")
    f = resp["file"]
    assert f["channels"] == [] and f["groups"] == []
    assert len(f["ims"]) == 1 and f["ims"][0].startswith("D")
    dm = f["ims"][0]
    assert bot.conversations_open(users=DANA)["channel"]["id"] == dm
    m = user.conversations_history(channel=dm, limit=1)["messages"][0]
    assert m["text"] == "Just for you"
    assert [x["id"] for x in m["files"]] == [f["id"]]
    assert user.files_info(file=f["id"])["file"]["ims"] == [dm]
    nobody = api_error(bot.files_upload_v2, channels=["U0NOBODY00"], content="x", filename="x.txt")
    assert nobody["error"] == "invalid_channel"


def test_large_upload_beyond_the_api_body_limit(bot, clone):
    data = os.urandom(9 * 1024 * 1024 + 17)
    f = bot.files_upload_v2(file=data, filename="dump.bin")["file"]
    assert f["size"] == len(data)
    assert f["filetype"] == "binary" and f["mimetype"] == "application/octet-stream"
    status, _, body = fetch(f["url_private_download"], clone["bot"])
    assert status == 200 and body == data
    assert bot.files_delete(file=f["id"])["ok"] is True


def test_snippet_upload(bot, channel):
    resp = bot.files_upload_v2(channel=channel, content="print('hi')\n", filename="hi.py", snippet_type="python")
    f = resp["file"]
    assert f["mode"] == "snippet"
    assert f["filetype"] == "python"
    assert f["pretty_type"] == "Python"
    assert f["editable"] is True
    assert f["preview"] == "print('hi')"


def test_async_client_uploads(clone, base_url, channel):
    async def run():
        client = AsyncWebClient(token=clone["bot"], base_url=base_url)
        resp = await client.files_upload_v2(channel=channel, content="async bytes\n", filename="async.txt")
        info = await client.files_info(file=resp["file"]["id"])
        return resp, info

    resp, info = asyncio.run(run())
    assert info["file"] == resp["file"]
    status, _, body = fetch(resp["file"]["url_private"], clone["bot"])
    assert status == 200 and body == b"async bytes\n"


# --- files.list ----------------------------------------------------------------------------


def test_files_list_filters(bot, user, bot_identity):
    ch = bot.conversations_create(name=unique("files-list"))["channel"]["id"]
    text = bot.files_upload_v2(channel=ch, content="alpha\n", filename="alpha.txt")["file"]
    image = bot.files_upload_v2(channel=ch, file=b"\x89PNG\r\n\x1a\nfake", filename="pixel.png")["file"]
    pdf = user.files_upload_v2(channel=ch, file=b"%PDF-1.4\n%%EOF\n", filename="contract.pdf")["file"]
    mine = {text["id"], image["id"], pdf["id"]}

    in_channel = bot.files_list(channel=ch)
    assert [f["id"] for f in in_channel["files"]] == [pdf["id"], image["id"], text["id"]], "newest first"
    assert in_channel["paging"] == {"count": 100, "total": 3, "page": 1, "pages": 1}

    by_bot = {f["id"] for f in bot.files_list(channel=ch, user=bot_identity["user_id"])["files"]}
    assert by_bot == {text["id"], image["id"]}
    assert {f["id"] for f in bot.files_list(channel=ch, user=DANA)["files"]} == {pdf["id"]}

    assert [f["id"] for f in bot.files_list(channel=ch, types="images")["files"]] == [image["id"]]
    assert [f["id"] for f in bot.files_list(channel=ch, types="pdfs")["files"]] == [pdf["id"]]
    both = {f["id"] for f in bot.files_list(channel=ch, types="images,pdfs")["files"]}
    assert both == {image["id"], pdf["id"]}
    assert {f["id"] for f in bot.files_list(channel=ch, types="all")["files"]} == mine

    created = text["created"]
    assert bot.files_list(channel=ch, ts_to=created - 1)["files"] == []
    assert {f["id"] for f in bot.files_list(channel=ch, ts_from=created)["files"]} == mine
    assert bot.files_list(channel=ch, ts_from=created + 3600)["files"] == []

    page1 = bot.files_list(channel=ch, count=2, page=1)
    page2 = bot.files_list(channel=ch, count=2, page=2)
    assert page1["paging"] == {"count": 2, "total": 3, "page": 1, "pages": 2}
    assert page2["paging"] == {"count": 2, "total": 3, "page": 2, "pages": 2}
    assert len(page1["files"]) == 2 and len(page2["files"]) == 1
    assert {f["id"] for f in page1["files"] + page2["files"]} == mine

    # Without filters the list holds these files among the workspace's others.
    everything = {f["id"] for f in bot.files_list(count=1000)["files"]}
    assert mine <= everything


def test_files_list_errors(bot):
    assert api_error(bot.files_list, types="movies")["error"] == "unknown_type"
    assert api_error(bot.files_list, user="U0NOBODY00")["error"] == "user_not_found"


# --- files.delete --------------------------------------------------------------------------


def test_delete_then_file_not_found(bot, clone):
    ch = bot.conversations_create(name=unique("files-del"))["channel"]["id"]
    f = bot.files_upload_v2(channel=ch, content="temporary\n", filename="tmp.txt", initial_comment="soon gone")["file"]
    assert bot.files_delete(file=f["id"])["ok"] is True
    assert api_error(bot.files_info, file=f["id"])["error"] == "file_not_found"
    assert api_error(bot.files_delete, file=f["id"])["error"] == "file_not_found"
    assert f["id"] not in {x["id"] for x in bot.files_list(channel=ch)["files"]}
    # The share message stays, with a tombstone where the file was.
    m = next(m for m in bot.conversations_history(channel=ch)["messages"] if m.get("text") == "soon gone")
    assert m["files"] == [{"id": f["id"], "mode": "tombstone"}]
    status, _, body = fetch(f["url_private"], clone["bot"])
    assert status == 302 and b"temporary" not in body


def test_delete_someone_elses_file(bot, user, channel):
    theirs = user.files_upload_v2(channel=channel, content="dana's\n", filename="dana.txt")["file"]
    assert api_error(bot.files_delete, file=theirs["id"])["error"] == "cant_delete_file"
    assert bot.files_info(file=theirs["id"])["file"]["id"] == theirs["id"]
    # The owner is a workspace admin: she may delete the bot's files.
    bots = bot.files_upload_v2(channel=channel, content="bot's\n", filename="bot.txt")["file"]
    assert user.files_delete(file=bots["id"])["ok"] is True
    assert api_error(bot.files_info, file=bots["id"])["error"] == "file_not_found"
    assert user.files_delete(file=theirs["id"])["ok"] is True


# --- error paths ---------------------------------------------------------------------------


def test_get_upload_url_arguments(bot):
    missing = api_error(bot.api_call, "files.getUploadURLExternal", params={"length": 10})
    assert missing["error"] == "invalid_arguments"
    assert api_error(bot.files_getUploadURLExternal, filename="a.txt", length=0)["error"] == "missing_argument"
    too_big = api_error(bot.files_getUploadURLExternal, filename="huge.bin", length=2_000_000_000)
    assert too_big["error"] == "file_upload_size_restricted"
    bad_type = api_error(bot.files_getUploadURLExternal, filename="a.txt", length=5, snippet_type="klingon")
    assert bad_type["error"] == "unknown_snippet_type"
    snippet = api_error(bot.files_getUploadURLExternal, filename="a.py", length=2_000_000, snippet_type="python")
    assert snippet["error"] == "snippet_too_large"
    alt = api_error(bot.files_getUploadURLExternal, filename="a.png", length=5, alt_txt="x" * 1001)
    assert alt["error"] == "alt_txt_too_large"


def test_upload_url_takes_raw_and_multipart_bodies(bot, channel):
    raw = bot.files_getUploadURLExternal(filename="raw.txt", length=5)
    status, _, body = fetch(raw["upload_url"], method="POST", data=b"12345", headers={"Content-Type": "text/plain"})
    assert status == 200 and body == b"OK - 5"

    multi = bot.files_getUploadURLExternal(filename="multi.txt", length=7)
    boundary = "asymboundary"
    form = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"filename\"; filename=\"multi.txt\"\r\n"
        f"Content-Type: text/plain\r\n\r\nmulti\r\n\r\n--{boundary}--\r\n"
    ).encode()
    status, _, body = fetch(
        multi["upload_url"], method="POST", data=form, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    assert status == 200 and body == b"OK - 7"

    done = bot.files_completeUploadExternal(
        files=[{"id": raw["file_id"], "title": "Raw"}, {"id": multi["file_id"]}], channel_id=channel
    )
    got = {f["id"]: f for f in done["files"]}
    assert got[raw["file_id"]]["size"] == 5 and got[raw["file_id"]]["title"] == "Raw"
    assert got[multi["file_id"]]["size"] == 7 and got[multi["file_id"]]["title"] == "multi.txt"


def test_upload_over_the_declared_length_is_refused(bot, channel):
    ticket = bot.files_getUploadURLExternal(filename="small.txt", length=4)
    status, _, _ = fetch(ticket["upload_url"], method="POST", data=b"way more than four bytes")
    assert status == 413
    status, _, _ = fetch(ticket["upload_url"], method="POST", data=b"")
    assert status == 400
    failed = api_error(bot.files_completeUploadExternal, files=[{"id": ticket["file_id"]}], channel_id=channel)
    assert failed["error"] == "file_not_found"
    # The ticket still takes a correct upload.
    status, _, _ = fetch(ticket["upload_url"], method="POST", data=b"four")
    assert status == 200
    done = bot.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id=channel)
    assert done["files"][0]["size"] == 4
    # A completed ticket's URL takes nothing more.
    status, _, _ = fetch(ticket["upload_url"], method="POST", data=b"four")
    assert status == 404


def test_complete_upload_errors(bot, user, channel, bot_identity):
    never = bot.files_getUploadURLExternal(filename="never.txt", length=3)
    assert api_error(bot.files_completeUploadExternal, files=[{"id": never["file_id"]}])["error"] == "file_not_found"
    assert api_error(bot.files_completeUploadExternal, files=[{"id": "F0NOSUCHFIL"}])["error"] == "file_not_found"
    assert api_error(bot.api_call, "files.completeUploadExternal", params={})["error"] == "invalid_arguments"

    ok = bot.files_getUploadURLExternal(filename="ok.txt", length=2)
    assert fetch(ok["upload_url"], method="POST", data=b"ok")[0] == 200
    # Someone else's upload ticket is not found for the owner.
    assert api_error(user.files_completeUploadExternal, files=[{"id": ok["file_id"]}])["error"] == "file_not_found"
    bad_id = api_error(bot.files_completeUploadExternal, files=[{"id": ok["file_id"]}], channel_id=DANA)
    assert bad_id["error"] == "invalid_arguments"
    assert "^[CGDZ][A-Z0-9]{8,}$" in bad_id["response_metadata"]["messages"][0]
    nowhere = api_error(bot.files_completeUploadExternal, files=[{"id": ok["file_id"]}], channel_id="C0NOSUCHCHN")
    assert nowhere["error"] == "channel_not_found"
    listed = api_error(bot.files_completeUploadExternal, files=[{"id": ok["file_id"]}], channels=["C0NOSUCHCHN"])
    assert listed["error"] == "invalid_channel"
    # A channel the owner made without the bot: the bot is not in it.
    theirs = user.conversations_create(name=unique("files-nobot"))["channel"]["id"]
    outside = api_error(bot.files_completeUploadExternal, files=[{"id": ok["file_id"]}], channel_id=theirs)
    assert outside["error"] == "not_in_channel"
    # Failed completions leave the upload open; this one succeeds.
    done = bot.files_completeUploadExternal(files=[{"id": ok["file_id"], "title": "OK"}], channel_id=channel)
    assert done["files"][0]["channels"] == [channel]
    again = api_error(bot.files_completeUploadExternal, files=[{"id": ok["file_id"]}], channel_id=channel)
    assert again["error"] == "file_not_found"


def test_info_and_delete_arguments(bot):
    assert api_error(bot.files_info, file="F0NOSUCHFIL")["error"] == "file_not_found"
    assert api_error(bot.api_call, "files.info", params={})["error"] == "invalid_arguments"
    assert api_error(bot.files_delete, file="F0NOSUCHFIL")["error"] == "file_not_found"


def test_file_calls_need_a_token(base_url):
    anonymous = WebClient(base_url=base_url)
    assert api_error(anonymous.files_list)["error"] == "not_authed"
    bad = WebClient(token="xoxb-1-2-nope", base_url=base_url)
    assert api_error(bad.files_getUploadURLExternal, filename="a.txt", length=1)["error"] == "invalid_auth"


def test_deleting_the_share_message_unshares_the_file(bot, channel):
    f = bot.files_upload_v2(channel=channel, content="short-lived share\n", filename="gone.txt", initial_comment="sharing")["file"]
    info = bot.files_info(file=f["id"])["file"]
    ts = info["shares"]["public"][channel][0]["ts"]
    bot.chat_delete(channel=channel, ts=ts)
    after = bot.files_info(file=f["id"])["file"]
    assert channel not in after.get("shares", {}).get("public", {}), after.get("shares")
    assert channel not in after["channels"]
