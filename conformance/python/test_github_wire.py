"""PyGithub against the GitHub clone: the wire -- auth, errors, pagination,
conditional requests, rate-limit headers -- with only base_url and token changed."""

import pytest
from github import Auth, BadCredentialsException, Github, GithubException, UnknownObjectException

from github_support import client, git_blob_sha, login_token, shared_clone, unique


@pytest.fixture(scope="module")
def gh_clone():
    return shared_clone()


def test_the_token_belongs_to_the_seeded_admin(gh):
    me = gh.get_user()
    assert me.login == "dana"
    assert me.name == "Dana Reyes"
    assert isinstance(me.id, int)
    assert me.type == "User"
    lee = gh.get_user("lee")
    assert lee.email == "lee@acme.test"
    assert lee.created_at.year == 2024


def test_org_members_and_repositories(gh):
    org = gh.get_organization("acme")
    assert org.name == "Acme Corp"
    assert sorted(m.login for m in org.get_members()) == ["dana", "lee", "sam"]
    assert sorted(r.name for r in org.get_repos()) == ["hello-world", "secret-plans"]


def test_a_bad_token_is_bad_credentials(gh_clone):
    bad = Github(base_url=gh_clone["api"], auth=Auth.Token("ghp_" + "0" * 36))
    with pytest.raises(BadCredentialsException) as e:
        bad.get_user().login
    assert e.value.status == 401
    assert e.value.data["message"] == "Bad credentials"
    assert e.value.data["documentation_url"].startswith("https://docs.github.com/")


def test_a_private_repository_is_not_found_for_an_outsider(gh_clone, gh):
    assert gh.get_repo("acme/secret-plans").private is True
    outsider = client(gh_clone, login_token(gh_clone, "olly"))
    with pytest.raises(UnknownObjectException) as e:
        outsider.get_repo("acme/secret-plans")
    assert e.value.status == 404
    assert e.value.data["message"] == "Not Found"
    # The public one stays readable to the outsider.
    assert outsider.get_repo("acme/hello-world").full_name == "acme/hello-world"


def test_validation_failed_names_the_field(gh):
    repo = gh.get_repo("acme/hello-world")
    with pytest.raises(GithubException) as e:
        repo.create_issue(title="")
    assert e.value.status == 422
    assert e.value.data["message"] == "Validation Failed"
    assert e.value.data["errors"][0] == {"resource": "Issue", "field": "title", "code": "missing_field"}
    with pytest.raises(GithubException) as e:
        repo.create_label(name="bug", color="ff0000")
    assert e.value.status == 422
    assert e.value.data["errors"][0]["code"] == "already_exists"


def test_paginating_250_issues_follows_the_link_header(gh_clone):
    g = client(gh_clone, per_page=100)
    repo = g.get_user().create_repo(unique("paging"), auto_init=True)
    for n in range(250):
        repo.create_issue(title=f"issue {n:03}")
    issues = repo.get_issues(state="open", direction="asc", sort="created")
    assert issues.totalCount == 250
    titles = [i.title for i in issues]
    assert titles == [f"issue {n:03}" for n in range(250)]
    # Page sizes follow per_page; the last page holds the rest.
    assert len(repo.get_issues(state="open").get_page(2)) == 50


def test_a_conditional_request_is_not_modified(gh):
    repo = gh.get_repo("acme/hello-world")
    assert repo.etag
    assert repo.update() is False, "the same ETag answers 304"
    repo.edit(description="Changed by the conformance suite")
    assert repo.update() is True
    assert repo.description == "Changed by the conformance suite"


def test_rate_limit_headers_count_down(gh):
    gh.get_user("sam").login
    remaining1, limit = gh.rate_limiting
    gh.get_user("lee").login
    remaining2, _ = gh.rate_limiting
    assert limit == 5000
    assert remaining2 == remaining1 - 1
    overview = gh.get_rate_limit()
    assert overview.resources.core.limit == 5000
    assert overview.resources.search.limit == 30


def test_a_file_commit_has_gits_blob_and_commit_ids(gh):
    repo = gh.get_repo("acme/hello-world")
    text = "hello from PyGithub\n"
    path = unique("notes") + ".txt"
    created = repo.create_file(path, "Add notes", text)
    assert created["content"].sha == git_blob_sha(text.encode())
    commit = created["commit"]
    assert len(commit.sha) == 40
    main = repo.get_branch("main")
    assert main.commit.sha == commit.sha
    assert commit.parents[0].sha != commit.sha
    got = repo.get_contents(path)
    assert got.decoded_content.decode() == text
    updated = repo.update_file(path, "Edit notes", "changed\n", got.sha)
    assert updated["content"].sha == git_blob_sha(b"changed\n")
    assert [c.sha for c in repo.get_commits(path=path)] == [updated["commit"].sha, commit.sha]
    repo.delete_file(path, "Remove notes", updated["content"].sha)
    with pytest.raises(UnknownObjectException):
        repo.get_contents(path)
