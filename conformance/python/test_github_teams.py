"""PyGithub against the GitHub clone: organization teams (a team with push on a
private repository lets its member push and ask the team for review) and forks
(an outsider forks, opens a cross-repository pull request, the maintainer merges).

This file spins its own clone on ports 4690-4699."""

import base64

import pytest
from github import GithubException, UnknownObjectException

from github_support import client, login_token, own_clone, unique


@pytest.fixture(scope="module")
def gh_clone():
    yield from own_clone(4690)


@pytest.fixture(scope="module")
def olly(gh_clone):
    return client(gh_clone, token=login_token(gh_clone, "olly"))


def test_a_team_with_push_lets_its_member_push_and_request_the_teams_review(gh, olly):
    org = gh.get_organization("acme")
    repo = org.create_repo(unique("vault"), private=True, auto_init=True)
    with pytest.raises(UnknownObjectException):
        olly.get_repo(repo.full_name)

    name = unique("Core Platform")
    team = org.create_team(name, privacy="closed", description="Owns the vault")
    assert team.slug == name.lower().replace(" ", "-")
    assert team.organization.login == "acme"
    with pytest.raises(GithubException) as dup:
        org.create_team(name.upper())
    assert dup.value.status == 422
    assert dup.value.data["message"] == "Validation Failed"
    assert dup.value.data["errors"][0]["field"] == "name"

    # olly is outside acme: the membership waits for olly to accept the org invitation.
    team.add_membership(gh.get_user("olly"), "member")
    assert team.get_team_membership("olly").state == "pending"
    assert [m.login for m in team.get_members()] == ["dana"]
    olly.requester.requestJsonAndCheck("PATCH", "/user/memberships/orgs/acme", input={"state": "active"})
    assert team.get_team_membership("olly").state == "active"
    assert team.update_team_repository(repo, "push") is True
    assert team.has_in_repos(repo)
    assert sorted(m.login for m in team.get_members()) == ["dana", "olly"]
    assert [r.full_name for r in team.get_repos()] == [repo.full_name]
    assert org.get_team_by_slug(team.slug).id == team.id

    # The team's permission reaches its member: the private repository is
    # visible to them, and they can push.
    theirs = olly.get_repo(repo.full_name)
    assert theirs.permissions.push is True and theirs.permissions.admin is False
    assert team.slug in [t.slug for t in olly.get_user().get_teams()]
    main = theirs.get_branch(theirs.default_branch)
    theirs.create_git_ref("refs/heads/olly-fix", main.commit.sha)
    made = theirs.create_file("FIX.md", "Fix the vault", "fixed\n", branch="olly-fix")
    assert made["commit"].sha == theirs.get_branch("olly-fix").commit.sha
    pr = theirs.create_pull(title="Fix the vault", body="Please review", base=theirs.default_branch, head="olly-fix")
    pr.create_review_request(team_reviewers=[team.slug])
    users, teams = pr.get_review_requests()
    assert [t.slug for t in teams] == [team.slug]
    assert [t.slug for t in repo.get_pull(pr.number).requested_teams] == [team.slug]

    # The team's maintainer (the creator) is notified of the review request.
    notes = [n for n in gh.get_user().get_notifications() if n.subject.title == "Fix the vault"]
    assert [(n.reason, n.subject.type, n.unread) for n in notes] == [("review_requested", "PullRequest", True)]
    notes[0].mark_as_read()
    assert not [n for n in gh.get_user().get_notifications() if n.subject.title == "Fix the vault"]
    assert [n.unread for n in gh.get_user().get_notifications(all=True) if n.subject.title == "Fix the vault"] == [False]

    # A member is not a maintainer: the team is not theirs to change.
    with pytest.raises(GithubException) as denied:
        olly.get_organization("acme").get_team_by_slug(team.slug).edit(name="Mine now")
    assert denied.value.status == 403

    team.delete()
    assert team.slug not in [t.slug for t in olly.get_user().get_teams()]
    # Out of the org again, olly no longer sees the private repository (and is an outsider below).
    org.remove_from_members(gh.get_user("olly"))
    with pytest.raises(UnknownObjectException):
        olly.get_repo(repo.full_name)


def test_an_outsider_forks_and_the_maintainer_merges_their_pull_request(gh, olly):
    parent = gh.get_repo("acme/hello-world")
    base = parent.default_branch
    tip = parent.get_branch(base).commit.sha
    fork = olly.get_repo("acme/hello-world").create_fork()
    assert fork.full_name == "olly/hello-world"
    assert fork.fork is True
    assert fork.parent.full_name == "acme/hello-world"
    assert fork.source.full_name == "acme/hello-world"
    assert fork.get_branch(base).commit.sha == tip
    assert "olly/hello-world" in [f.full_name for f in parent.get_forks()]

    branch = unique("thanks")
    fork.create_git_ref(f"refs/heads/{branch}", tip)
    path = f"{branch}.md"
    fork.create_file(path, "Say thanks", "thank you\n", branch=branch)
    pr = parent.create_pull(title="Say thanks", body="From a fork", base=base, head=f"olly:{branch}")
    assert pr.head.label == f"olly:{branch}"
    assert pr.head.repo.full_name == "olly/hello-world"
    assert pr.base.repo.full_name == "acme/hello-world"
    assert pr.commits == 1

    with pytest.raises(GithubException) as bad:
        parent.create_pull(title="x", body="", base=base, head=f"nobody:{branch}")
    assert bad.value.status == 422

    status = parent.get_pull(pr.number).merge(merge_method="squash")
    assert status.merged
    squashed = parent.get_commit(status.sha)
    assert [p.sha for p in squashed.parents] == [tip]
    assert squashed.commit.message.startswith(f"Say thanks (#{pr.number})")
    content = parent.get_contents(path, ref=base)
    assert base64.b64decode(content.content) == b"thank you\n"
    assert parent.get_pull(pr.number).merged
