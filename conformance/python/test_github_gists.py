"""PyGithub against the GitHub clone: gists created, edited (files replaced,
renamed, added and deleted with `None`; each change is a revision whose
version is the sha git gives the commit), read at a revision, starred,
forked, commented on, listed and deleted.

This file spins its own clone on ports 5130-5139."""

import hashlib
import re
import urllib.request

import pytest
from github import GithubException, InputFileContent, UnknownObjectException

from github_support import client, login_token, own_clone


@pytest.fixture(scope="module")
def gh_clone():
    yield from own_clone(5130)


@pytest.fixture(scope="module")
def lee(gh_clone):
    return client(gh_clone, login_token(gh_clone, "lee"))


def git_id(kind, body):
    return hashlib.sha1(b"%s %d\0" % (kind, len(body)) + body).hexdigest()


def commit_of(files, parent, who, at):
    """The sha git gives a commit of `files` (one flat tree) with an empty message."""
    tree = b"".join(
        b"100644 " + name.encode() + b"\0" + bytes.fromhex(git_id(b"blob", text.encode())) for name, text in sorted(files.items())
    )
    head = f"tree {git_id(b'tree', tree)}\n" + (f"parent {parent}\n" if parent else "")
    sig = f"{who} {at} +0000"
    return git_id(b"commit", f"{head}author {sig}\ncommitter {sig}\n\n".encode())


def test_create_edit_and_read_back_revisions(gh, gh_clone):
    me = gh.get_user()
    gist = me.create_gist(True, {"a.txt": InputFileContent("x"), "b.py": InputFileContent("print(1)\n")}, "desc")
    assert re.fullmatch(r"[0-9a-f]{32}", gist.id)
    assert gist.description == "desc" and gist.public is True
    assert gist.owner.login == "dana"
    a = gist.files["a.txt"]
    assert (a.filename, a.type, a.language, a.size, a.content) == ("a.txt", "text/plain", "Text", 1, "x")
    assert gist.files["b.py"].language == "Python"
    assert gist.html_url == f"{gh_clone['api']}/gist/{gist.id}"
    assert gist.git_pull_url == gist.git_push_url == f"{gh_clone['api']}/gist/{gist.id}.git"
    assert len(gist.history) == 1
    first = gist.history[0]
    assert re.fullmatch(r"[0-9a-f]{40}", first.version)
    assert first.change_status.additions == 2 and first.change_status.deletions == 0
    at = int(first.committed_at.timestamp())
    assert first.version == commit_of({"a.txt": "x", "b.py": "print(1)\n"}, None, "Dana Reyes <dana@acme.test>", at)
    # The raw URL is served by the clone.
    with urllib.request.urlopen(a.raw_url, timeout=10) as resp:
        assert resp.read() == b"x"

    gist.edit(
        description="edited",
        files={"a.txt": InputFileContent("y\n", new_name="renamed.txt"), "b.py": None, "c.md": InputFileContent("# c\n")},
    )
    assert gist.description == "edited"
    assert sorted(gist.files) == ["c.md", "renamed.txt"]
    assert gist.files["renamed.txt"].content == "y\n"
    assert gist.files["c.md"].language == "Markdown"
    assert len(gist.history) == 2
    second = gist.history[0]
    assert second.version == commit_of(
        {"renamed.txt": "y\n", "c.md": "# c\n"}, first.version, "Dana Reyes <dana@acme.test>", int(second.committed_at.timestamp())
    )
    assert gist.history[0].url == f"{gh_clone['api']}/gists/{gist.id}/{gist.history[0].version}"

    # A description-only edit makes no revision.
    gist.edit(description="only the description")
    assert len(gh.get_gist(gist.id).history) == 2

    old = gh.get_gist(gist.id).history[-1]
    assert old.version == first.version
    at_first = gh.requester.requestJsonAndCheck("GET", f"/gists/{gist.id}/{first.version}")[1]
    assert sorted(at_first["files"]) == ["a.txt", "b.py"]
    assert at_first["files"]["a.txt"]["content"] == "x"

    commits = gh.requester.requestJsonAndCheck("GET", f"/gists/{gist.id}/commits")[1]
    assert [c["version"] for c in commits] == [h.version for h in gh.get_gist(gist.id).history]

    with pytest.raises(GithubException) as e:
        gist.edit(files={"renamed.txt": None, "c.md": None})
    assert e.value.status == 422, "a gist keeps at least one file"


def test_validation_and_ownership(gh, lee):
    with pytest.raises(GithubException) as e:
        gh.get_user().create_gist(False, {"empty.txt": InputFileContent("")}, "nothing")
    assert e.value.status == 422
    gist = gh.get_user().create_gist(False, {"secret.txt": InputFileContent("shh")}, "secret")
    assert gist.public is False
    # A secret gist is readable by anyone with its id, but only its owner edits it.
    seen = lee.get_gist(gist.id)
    assert seen.files["secret.txt"].content == "shh"
    with pytest.raises(UnknownObjectException):
        seen.edit(description="mine now")
    with pytest.raises(UnknownObjectException):
        seen.delete()
    assert gist.id not in [g.id for g in gh.get_gists()], "secret gists are not public"
    assert gist.id in [g.id for g in gh.get_user().get_gists()]
    assert gist.id not in [g.id for g in lee.get_user("dana").get_gists()]
    assert gh.get_user().private_gists == 1
    public_before = lee.get_user("dana").public_gists
    gh.get_user().create_gist(True, {"open.txt": InputFileContent("hi")})
    assert lee.get_user("dana").public_gists == public_before + 1
    gist.delete()
    assert gh.get_user().private_gists == 0
    with pytest.raises(UnknownObjectException):
        gh.get_gist(gist.id).description


def test_stars_forks_and_comments(gh, lee):
    gist = gh.get_user().create_gist(True, {"notes.txt": InputFileContent("one\n")}, "shared")
    lee_view = lee.get_gist(gist.id)
    assert lee_view.is_starred() is False
    lee_view.set_starred()
    assert lee_view.is_starred() is True
    assert [g.id for g in lee.get_user().get_starred_gists()] == [gist.id]
    lee_view.reset_starred()
    assert lee_view.is_starred() is False

    with pytest.raises(GithubException) as e:
        gist.create_fork()
    assert e.value.status == 422, "no one forks their own gist"
    fork = lee_view.create_fork()
    assert fork.id != gist.id and fork.owner.login == "lee"
    assert list(fork.files) == ["notes.txt"]
    full = lee.get_gist(fork.id)
    assert full.fork_of.id == gist.id
    assert [h.version for h in full.history] == [h.version for h in gh.get_gist(gist.id).history]
    parent = gh.get_gist(gist.id)
    assert [f.id for f in parent.forks] == [fork.id]

    comment = lee_view.create_comment("Nice notes")
    assert comment.body == "Nice notes" and comment.user.login == "lee"
    gist.create_comment("Thanks")
    assert [c.body for c in gist.get_comments()] == ["Nice notes", "Thanks"]
    assert gh.get_gist(gist.id).comments == 2
    comment.edit("Very nice notes")
    assert gist.get_comment(comment.id).body == "Very nice notes"
    with pytest.raises(UnknownObjectException):
        gh.get_gist(gist.id).get_comment(comment.id).edit("not yours")
    # The gist's owner may delete anyone's comment on it.
    gist.get_comment(comment.id).delete()
    assert [c.body for c in gist.get_comments()] == ["Thanks"]
