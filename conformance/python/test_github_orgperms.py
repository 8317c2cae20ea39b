"""PyGithub against the GitHub clone: repository lists carry each repository's
real open issue count; an organization's base permission
(`default_repository_permission`, `read` unless an owner changes it) is what a
plain member gets on the org's repositories; and the org membership check
answers 204/404 to members and redirects everyone else (302) to the public
membership check, as GitHub documents.

This file spins its own clone on ports 5120-5129."""

import urllib.error
import urllib.request

import pytest
from github import GithubException, UnknownObjectException

from github_support import client, login_token, own_clone, unique


@pytest.fixture(scope="module")
def gh_clone():
    yield from own_clone(5120)


def as_user(gh_clone, login):
    return client(gh_clone, login_token(gh_clone, login))


def set_base_permission(gh, org, permission):
    # PyGithub's Organization.edit has no parameter for it; the SDK's own requester sends the PATCH.
    _, data = gh.requester.requestJsonAndCheck(
        "PATCH", org.url, input={"default_repository_permission": permission}
    )
    return data


def test_org_repository_lists_show_the_open_issue_count(gh, gh_clone):
    org = gh.get_organization("acme")
    single = gh.get_repo("acme/hello-world")
    assert single.open_issues_count > 0, "the seed has open issues and a pull request"
    listed = {r.name: r for r in org.get_repos()}
    assert listed["hello-world"].open_issues_count == single.open_issues_count
    assert listed["hello-world"].raw_data["open_issues"] == single.open_issues_count
    assert listed["hello-world"].has_issues is True

    fresh = org.create_repo(unique("tally"), auto_init=True)
    assert fresh.open_issues_count == 0
    fresh.create_issue(title="first")
    fresh.create_issue(title="second")
    closed = fresh.create_issue(title="third")
    closed.edit(state="closed")
    listed = {r.name: r for r in org.get_repos()}
    assert listed[fresh.name].open_issues_count == 2
    assert listed["hello-world"].open_issues_count == single.open_issues_count
    # The same count on the other lists and on search.
    mine = {r.full_name: r for r in gh.get_user().get_repos()}
    assert mine[fresh.full_name].open_issues_count == 2
    found = list(gh.search_repositories(f"{fresh.name} org:acme"))
    assert [r.open_issues_count for r in found if r.name == fresh.name] == [2]
    # One page at a time: a page of one still reads the right tally.
    pages = client(gh_clone, per_page=1).get_organization("acme").get_repos(sort="created", direction="desc")
    first = pages.get_page(0)
    assert [(r.name, r.open_issues_count) for r in first] == [(fresh.name, 2)]
    by_page = {r.name: r.open_issues_count for r in pages}
    assert by_page["hello-world"] == single.open_issues_count


def test_a_plain_member_reads_but_cannot_push_until_the_base_permission_is_write(gh, gh_clone):
    org = gh.get_organization("acme")
    assert org.default_repository_permission == "read"
    name = unique("base")
    org.create_repo(name, auto_init=True)
    org.create_repo(name + "-private", private=True, auto_init=True)
    lee = as_user(gh_clone, "lee")
    repo = lee.get_repo(f"acme/{name}")
    assert repo.permissions.pull is True and repo.permissions.push is False and repo.permissions.admin is False
    with pytest.raises(GithubException) as e:
        repo.create_file("lee.txt", "lee pushes", "hi\n")
    assert e.value.status == 403
    # A private repository is readable too, at `read`.
    assert lee.get_repo(f"acme/{name}-private").permissions.pull is True
    assert gh.get_repo(f"acme/{name}").get_collaborator_permission("lee") == "read"
    # Members reach org repositories through the base permission: they count as collaborators.
    assert gh.get_repo(f"acme/{name}").has_in_collaborators("lee") is True
    assert gh.get_repo(f"acme/{name}").has_in_collaborators("olly") is False

    data = set_base_permission(gh, org, "write")
    assert data["default_repository_permission"] == "write"
    assert gh.get_organization("acme").default_repository_permission == "write"
    repo = lee.get_repo(f"acme/{name}")
    assert repo.permissions.push is True and repo.permissions.admin is False
    made = repo.create_file("lee.txt", "lee pushes", "hi\n")
    assert made["commit"].sha == repo.get_branch("main").commit.sha

    set_base_permission(gh, org, "none")
    with pytest.raises(UnknownObjectException):
        lee.get_repo(f"acme/{name}-private")
    public = lee.get_repo(f"acme/{name}")
    assert public.permissions.pull is True and public.permissions.push is False
    assert f"acme/{name}-private" not in [r.full_name for r in lee.get_user().get_repos()]
    assert gh.get_repo(f"acme/{name}").has_in_collaborators("lee") is False

    # A collaborator grant counts over the base permission.
    gh.get_repo(f"acme/{name}-private").add_to_collaborators("lee", permission="push")
    assert lee.get_repo(f"acme/{name}-private").permissions.push is True

    set_base_permission(gh, org, "admin")
    assert lee.get_repo(f"acme/{name}").permissions.admin is True

    with pytest.raises(GithubException) as e:
        set_base_permission(gh, org, "owner")
    assert e.value.status == 422
    set_base_permission(gh, org, "read")
    assert lee.get_repo(f"acme/{name}").permissions.push is False


def test_only_owners_see_or_change_the_base_permission(gh, gh_clone):
    lee = as_user(gh_clone, "lee")
    lee_org = lee.get_organization("acme")
    assert "default_repository_permission" not in lee_org.raw_data
    with pytest.raises(GithubException) as e:
        set_base_permission(lee, lee_org, "write")
    assert e.value.status == 403
    assert gh.get_organization("acme").default_repository_permission == "read"


def test_the_membership_check_answers_members_and_redirects_outsiders(gh, gh_clone):
    org = gh.get_organization("acme")
    lee, olly = gh.get_user("lee"), gh.get_user("olly")
    assert org.has_in_members(lee) is True
    assert org.has_in_members(olly) is False

    # olly is no member: the check redirects to the public membership check, which
    # PyGithub follows; lee is not a public member until he says so.
    olly_org = as_user(gh_clone, "olly").get_organization("acme")
    assert olly_org.has_in_members(lee) is False
    status, headers, _ = as_user(gh_clone, "olly").requester.requestJson("GET", f"{olly_org.url}/members/lee")
    assert status == 302
    assert headers["location"] == f"{gh_clone['api']}/orgs/acme/public_members/lee"

    lee_client = as_user(gh_clone, "lee")
    lee_client.get_organization("acme").add_to_public_members(lee_client.get_user("lee"))
    assert olly_org.has_in_members(lee) is True
    # Anonymous callers are redirected the same way.
    req = urllib.request.Request(f"{gh_clone['api']}/orgs/acme/members/sam", method="GET")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(req, timeout=10)
    assert e.value.code == 302
    assert e.value.headers["Location"] == f"{gh_clone['api']}/orgs/acme/public_members/sam"
