"""PyGithub against the GitHub clone: repeated reads answer what the last write
left, whoever asks -- the clone keeps answers to repeated reads only while the
database is unchanged."""

from github_support import client, login_token, shared_clone, unique


def test_a_polled_issue_list_shows_each_write_at_once():
    gh_clone = shared_clone()
    gh = client(gh_clone)
    repo = gh.get_repo("acme/hello-world")
    title = unique("polled")
    first = [i.title for i in repo.get_issues(state="open")]
    again = [i.title for i in repo.get_issues(state="open")]
    assert first == again and title not in first
    issue = repo.create_issue(title=title, body="seen by the next read")
    assert [i.title for i in repo.get_issues(state="open")][0] == title
    issue.edit(title=title + " (edited)")
    assert repo.get_issue(issue.number).title == title + " (edited)"
    assert [i.title for i in repo.get_issues(state="open")][0] == title + " (edited)"
    issue.create_comment("first comment")
    assert [c.body for c in repo.get_issue(issue.number).get_comments()] == ["first comment"]
    assert repo.get_issue(issue.number).comments == 1
    issue.edit(state="closed")
    assert title + " (edited)" not in [i.title for i in repo.get_issues(state="open")]
    assert gh.get_repo("acme/hello-world").open_issues_count == len(list(repo.get_issues(state="open")))


def test_the_same_read_by_two_callers_answers_each_by_what_they_may_see():
    gh_clone = shared_clone()
    admin = client(gh_clone)
    outsider = client(gh_clone, login_token(gh_clone, "olly"))
    secret = admin.get_repo("acme/secret-plans")
    title = unique("private")
    secret.create_issue(title=title)
    assert admin.get_repo("acme/secret-plans").get_issues()[0].title == title
    status, _, body = outsider.requester.requestJson("GET", "/repos/acme/secret-plans/issues")
    assert status == 404, body
    # Different media types are different answers to the same URL.
    number = admin.get_repo("acme/hello-world").get_pulls(state="all")[0].number
    path = f"/repos/acme/hello-world/pulls/{number}"
    status, _, body = admin.requester.requestJson("GET", path)
    assert status == 200 and body.startswith("{")
    status, _, body = admin.requester.requestJson("GET", path, headers={"Accept": "application/vnd.github.diff"})
    assert status == 200 and body.startswith("diff --git"), body[:80]
    status, _, body = admin.requester.requestJson("GET", path)
    assert status == 200 and body.startswith("{")


def test_issues_across_repositories_carry_their_repository_with_its_open_count():
    gh_clone = shared_clone()
    gh = client(gh_clone)
    repo = gh.get_repo("acme/hello-world")
    repo.create_issue(title=unique("across"))
    open_now = gh.get_repo("acme/hello-world").open_issues_count
    assert open_now > 0
    mine = gh.get_user().get_issues(filter="all", state="open")
    seen = [i.repository for i in mine if i.repository.full_name == "acme/hello-world"]
    assert seen and all(r.open_issues_count == open_now == r.open_issues for r in seen)
