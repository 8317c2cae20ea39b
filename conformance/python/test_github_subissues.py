"""PyGithub against the GitHub clone: sub-issues (add, list, reorder, remove,
the parent, and the summary on issue objects), issue dependencies (through the
requester, as PyGithub users call endpoints it has no method for), deploy keys,
autolinks and the repository statistics computed from the git history.

This file spins its own clone on ports 5100-5109."""

import base64
import struct

import pytest
from github import GithubException

from github_support import client, login_token, own_clone, unique


@pytest.fixture(scope="module")
def gh_clone():
    yield from own_clone(5100)


def ed25519(byte):
    blob = b"".join(struct.pack(">I", len(f)) + f for f in (b"ssh-ed25519", bytes([byte]) * 32))
    return "ssh-ed25519 " + base64.b64encode(blob).decode()


def test_sub_issues_are_added_listed_reordered_and_removed(repo):
    parent = repo.create_issue(unique("epic"))
    a, b, c = (repo.create_issue(unique(n)) for n in ("a", "b", "c"))
    for child in (a, b, c):
        linked = parent.add_sub_issue(child)
        assert linked.number == parent.number
    assert [i.number for i in parent.get_sub_issues()] == [a.number, b.number, c.number]
    c.edit(state="closed")
    summary = repo.get_issue(parent.number).sub_issues_summary
    assert (summary.total, summary.completed, summary.percent_completed) == (3, 1, 33)

    parent.prioritize_sub_issue(a, b)
    assert [i.number for i in parent.get_sub_issues()] == [b.number, a.number, c.number]

    _, got = repo._requester.requestJsonAndCheck("GET", f"{a.url}/parent")
    assert got["number"] == parent.number
    assert repo.get_issue(a.number).raw_data["parent_issue_url"] == parent.url

    parent.remove_sub_issue(a)
    assert [i.number for i in parent.get_sub_issues()] == [b.number, c.number]
    with pytest.raises(GithubException) as e:
        repo._requester.requestJsonAndCheck("GET", f"{a.url}/parent")
    assert e.value.status == 404


def test_an_issue_has_one_parent_and_no_cycles(repo):
    one, two, child = (repo.create_issue(unique(n)) for n in ("one", "two", "child"))
    one.add_sub_issue(child)
    with pytest.raises(GithubException) as e:
        two.add_sub_issue(child)
    assert e.value.status == 422
    assert e.value.data["errors"][0]["message"] == "Sub issue may only have one parent"
    # replace_parent moves it (PyGithub has no parameter for it: the requester does).
    repo._requester.requestJsonAndCheck("POST", f"{two.url}/sub_issues", input={"sub_issue_id": child.id, "replace_parent": True})
    assert [i.number for i in two.get_sub_issues()] == [child.number]
    assert list(one.get_sub_issues()) == []
    with pytest.raises(GithubException) as e:
        child.add_sub_issue(two)
    assert e.value.status == 422
    with pytest.raises(GithubException) as e:
        one.add_sub_issue(one)
    assert e.value.status == 422
    with pytest.raises(GithubException) as e:
        one.add_sub_issue(987654321)
    assert e.value.status == 404


def test_dependencies_block_issues(repo):
    blocked, blocker = repo.create_issue(unique("blocked")), repo.create_issue(unique("blocker"))
    req = repo._requester
    req.requestJsonAndCheck("POST", f"{blocked.url}/dependencies/blocked_by", input={"issue_id": blocker.id})
    _, listed = req.requestJsonAndCheck("GET", f"{blocked.url}/dependencies/blocked_by")
    assert [i["number"] for i in listed] == [blocker.number]
    _, blocking = req.requestJsonAndCheck("GET", f"{blocker.url}/dependencies/blocking")
    assert [i["number"] for i in blocking] == [blocked.number]
    deps = repo.get_issue(blocked.number).issue_dependencies_summary
    assert (deps.blocked_by, deps.total_blocked_by, deps.blocking, deps.total_blocking) == (1, 1, 0, 0)
    with pytest.raises(GithubException) as e:
        req.requestJsonAndCheck("POST", f"{blocker.url}/dependencies/blocked_by", input={"issue_id": blocked.id})
    assert e.value.status == 422
    req.requestJsonAndCheck("DELETE", f"{blocked.url}/dependencies/blocked_by/{blocker.id}")
    _, listed = req.requestJsonAndCheck("GET", f"{blocked.url}/dependencies/blocked_by")
    assert listed == []


def test_deploy_keys(gh, repo):
    key = ed25519(21)
    created = repo.create_key("deploy", key + " ci@example", read_only=True)
    assert (created.title, created.key, created.read_only, created.added_by) == ("deploy", key, True, "dana")
    assert [k.id for k in repo.get_keys()] == [created.id]
    assert repo.get_key(created.id).title == "deploy"
    with pytest.raises(GithubException) as e:
        gh.get_repo("acme/secret-plans").create_key("again", key)
    assert e.value.status == 422
    assert e.value.data["errors"][0]["message"] == "key is already in use"
    with pytest.raises(GithubException) as e:
        repo.create_key("bad", "ssh-rsa AAAA")
    assert e.value.status == 422
    created.delete()
    with pytest.raises(GithubException) as e:
        repo.get_key(created.id)
    assert e.value.status == 404


def test_autolinks_are_for_admins(gh_clone, repo):
    link = repo.create_autolink("TICKET-", "https://tickets.example/<num>")
    assert (link.key_prefix, link.is_alphanumeric) == ("TICKET-", True)
    assert [a.id for a in repo.get_autolinks()] == [link.id]
    with pytest.raises(GithubException) as e:
        repo.create_autolink("ticket-", "https://tickets.example/<num>")
    assert e.value.status == 422
    with pytest.raises(GithubException) as e:
        repo.create_autolink("NUM-", "https://tickets.example/", is_alphanumeric=False)
    assert e.value.status == 422
    lee = client(gh_clone, login_token(gh_clone, "lee")).get_repo("acme/hello-world")
    with pytest.raises(GithubException) as e:
        list(lee.get_autolinks())
    assert e.value.status == 403
    assert repo.remove_autolink(link) is True
    assert list(repo.get_autolinks()) == []


def test_statistics_come_from_the_history(repo):
    contributors = repo.get_stats_contributors()
    by_login = {c.author.login: c for c in contributors}
    assert by_login["dana"].total == 2 and by_login["lee"].total == 1
    assert sum(w.a for w in by_login["lee"].weeks) == 7
    freq = repo.get_stats_code_frequency()
    assert sum(f.additions for f in freq) == 16
    punch = repo.get_stats_punch_card()
    assert punch.get(2, 9) == 1 and punch.get(3, 10) == 1
    activity = repo.get_stats_commit_activity()
    assert len(activity) == 52
    part = repo.get_stats_participation()
    assert len(part.all) == 52 and len(part.owner) == 52
