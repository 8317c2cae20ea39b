"""PyGithub against the GitHub clone: what an agent does in a day -- open an issue,
label and assign it, comment, branch, commit, open a pull request, get it reviewed,
merge it, close the issue with a reference, search -- and the webhooks it triggers."""

import hashlib
import hmac
import json

import pytest
from github import GithubException, InputGitTreeElement

from github_support import HookSink, client, login_token, shared_clone, unique, verify_signature


@pytest.fixture(scope="module")
def gh_clone():
    return shared_clone()


def test_issue_label_assign_comment(gh, repo):
    issue = repo.create_issue(title=unique("Crash on start"), body="It crashes. cc @lee")
    assert issue.state == "open"
    assert issue.user.login == "dana"
    issue.add_to_labels("bug", "priority: high")
    issue.add_to_assignees("sam")
    comment = issue.create_comment("Looking into it")
    assert comment.user.login == "dana"
    issue = repo.get_issue(issue.number)
    assert sorted(label.name for label in issue.labels) == ["bug", "priority: high"]
    assert [a.login for a in issue.assignees] == ["sam"]
    assert issue.comments == 1
    assert [c.body for c in issue.get_comments()] == ["Looking into it"]
    events = [e.event for e in issue.get_events()]
    assert events == ["labeled", "labeled", "assigned"]
    assert issue.number in [i.number for i in repo.get_issues(labels=["priority: high"], assignee="sam")]
    assert issue.number in [i.number for i in repo.get_issues(mentioned=gh.get_user("lee"))]
    issue.remove_from_labels("priority: high")
    assert [label.name for label in repo.get_issue(issue.number).labels] == ["bug"]


def test_milestones_and_lock(repo):
    milestone = repo.create_milestone(title=unique("v2"), description="Next")
    issue = repo.create_issue(title=unique("Planned"), milestone=milestone)
    assert issue.milestone.number == milestone.number
    assert repo.get_milestone(milestone.number).open_issues == 1
    issue.lock("resolved")
    assert repo.get_issue(issue.number).locked is True
    issue.unlock()
    assert repo.get_issue(issue.number).locked is False


def test_branch_commit_pull_request_review_merge_closes_the_issue(gh_clone, gh, repo):
    issue = repo.create_issue(title=unique("Greeting is rude"), labels=["bug"])
    branch = unique("fix/greeting")
    main = repo.get_branch("main")
    repo.create_git_ref(ref=f"refs/heads/{branch}", sha=main.commit.sha)
    current = repo.get_contents("src/hello.py", ref=branch)
    repo.update_file("src/hello.py", "Be polite", "def hello(name):\n    return f\"Good day, {name}!\"\n", current.sha, branch=branch)
    pr = repo.create_pull(title="Be polite", body=f"Fixes #{issue.number}", head=branch, base="main")
    assert pr.state == "open"
    assert pr.mergeable is True
    assert [f.filename for f in pr.get_files()] == ["src/hello.py"]
    assert pr.get_commits().totalCount == 1
    pr.create_review_request(reviewers=["lee"])
    assert [u.login for u in pr.get_review_requests()[0]] == ["lee"]
    # Lee reviews with his own token.
    lee = client(gh_clone, login_token(gh_clone, "lee"))
    lee_pr = lee.get_repo("acme/hello-world").get_pull(pr.number)
    review = lee_pr.create_review(body="Nice", event="APPROVE")
    assert review.state == "APPROVED"
    with pytest.raises(GithubException) as e:
        pr.create_review(body="self", event="APPROVE")
    assert e.value.status == 422
    status = pr.merge(merge_method="squash")
    assert status.merged is True
    pr = repo.get_pull(pr.number)
    assert pr.merged is True
    assert pr.merged_by.login == "dana"
    head = repo.get_commit("main")
    assert head.sha == status.sha
    assert len(head.parents) == 1
    assert head.commit.message.startswith(f"Be polite (#{pr.number})")
    assert repo.get_contents("src/hello.py").decoded_content.decode().startswith("def hello(name):\n    return f\"Good day")
    closed = repo.get_issue(issue.number)
    assert closed.state == "closed", "the pull request's `Fixes #n` closes the issue on merge"
    assert "closed" in [e.event for e in closed.get_events()]


def test_git_data_api_builds_a_commit(repo):
    main = repo.get_branch("main").commit
    base_tree = repo.get_git_tree(main.sha)
    blob = repo.create_git_blob("built by the git data api\n", "utf-8")
    tree = repo.create_git_tree([InputGitTreeElement("GITDATA.md", "100644", "blob", sha=blob.sha)], base_tree)
    commit = repo.create_git_commit("Add GITDATA.md", tree, [repo.get_git_commit(main.sha)])
    ref = repo.create_git_ref(ref=f"refs/heads/{unique('gitdata')}", sha=commit.sha)
    assert ref.object.sha == commit.sha
    compare = repo.compare("main", ref.ref.removeprefix("refs/heads/"))
    assert compare.status == "ahead"
    assert compare.ahead_by == 1
    assert [f.filename for f in compare.files] == ["GITDATA.md"]


def test_search_issues_with_qualifiers(gh, repo):
    title = unique("searchable")
    issue = repo.create_issue(title=title, labels=["enhancement"], assignee="lee")
    found = gh.search_issues(f"{title} repo:acme/hello-world is:issue is:open label:enhancement assignee:lee author:dana")
    assert [i.number for i in found] == [issue.number]
    assert gh.search_issues(f"{title} state:closed repo:acme/hello-world").totalCount == 0
    prs = gh.search_issues("repo:acme/hello-world is:pr")
    assert all(i.pull_request is not None for i in prs)
    repos = gh.search_repositories("hello org:acme")
    assert [r.full_name for r in repos] == ["acme/hello-world"]


def test_reactions_on_issues(repo):
    issue = repo.create_issue(title=unique("React to me"))
    reaction = issue.create_reaction("heart")
    assert reaction.content == "heart"
    assert [r.content for r in issue.get_reactions()] == ["heart"]
    with pytest.raises(GithubException) as e:
        issue.create_reaction("party")
    assert e.value.status == 422


def test_webhook_deliveries_are_signed(repo):
    sink = HookSink()
    try:
        hook = repo.create_hook("web", {"url": sink.url, "content_type": "json", "secret": "s3cret"}, events=["issues", "issue_comment"], active=True)
        sink.wait_for("ping")
        issue = repo.create_issue(title=unique("Hooked"))
        headers, body = sink.wait_for("issues")
        assert verify_signature("s3cret", body, headers["X-Hub-Signature-256"])
        legacy = "sha1=" + hmac.new(b"s3cret", body, hashlib.sha1).hexdigest()
        assert headers["X-Hub-Signature"] == legacy
        assert headers["X-GitHub-Delivery"]
        payload = json.loads(body)
        assert payload["action"] == "opened"
        assert payload["issue"]["number"] == issue.number
        assert payload["repository"]["full_name"] == "acme/hello-world"
        deliveries = list(repo.get_hook_deliveries(hook.id))
        assert {d.event for d in deliveries} >= {"ping"}
        hook.delete()
    finally:
        sink.close()


def test_commit_statuses_roll_up(repo):
    commit = repo.get_commit("main")
    context = unique("ci/build")
    commit.create_status("pending", context=context)
    assert commit.get_combined_status().state == "pending"
    commit.create_status("success", target_url="https://ci.example/1", description="green", context=context)
    combined = repo.get_commit(commit.sha).get_combined_status()
    assert combined.state == "success"
    assert [s.context for s in combined.statuses] == [context]
    assert [s.state for s in commit.get_statuses()][:2] == ["success", "pending"]


def test_a_release_tags_the_default_branch(repo):
    tag = unique("v1")
    release = repo.create_git_release(tag, "First release", "Notes", draft=False, prerelease=False)
    assert release.tag_name == tag
    assert repo.get_latest_release().id == release.id
    assert repo.get_release(tag).name == "First release"
    assert repo.get_git_ref(f"tags/{tag}").object.sha == repo.get_branch("main").commit.sha
    assert tag in [t.name for t in repo.get_tags()]
    release.delete_release()


def test_code_search_finds_files(gh):
    found = gh.search_code("hello repo:acme/hello-world language:python")
    assert sorted(f.path for f in found) == ["src/hello.py", "tests/test_hello.py"]
    assert found[0].repository.full_name == "acme/hello-world"
    assert [u.login for u in gh.search_users("acme type:org")] == ["acme"]
