"""PyGithub against the GitHub clone: branch protection written with
`Branch.edit_protection` and its sub-resources, read back, and enforced on
merges and pushes as GitHub enforces it; review comment replies,
branches-where-head, generated release notes and repository_dispatch.

This file spins its own clone on ports 4940-4949."""

import io
import json
import tarfile
import urllib.request
import zipfile

import pytest
from github import GithubException

from github_support import HookSink, client, login_token, own_clone, unique


@pytest.fixture(scope="module")
def gh_clone():
    yield from own_clone(4940)


def as_user(gh_clone, login):
    return client(gh_clone, login_token(gh_clone, login)).get_repo("acme/hello-world")


def new_branch(repo, prefix, base="main"):
    """A fresh branch off `base`, so each test protects its own."""
    name = unique(prefix)
    repo.create_git_ref(f"refs/heads/{name}", repo.get_branch(base).commit.sha)
    return name


def new_pull(repo, base, title):
    head = new_branch(repo, "topic", base)
    repo.create_file(f"{head}.txt", f"add {head}", f"{title}\n", branch=head)
    return repo.create_pull(base=base, head=head, title=title, body="")


def test_edit_protection_is_read_back_and_shown_on_the_branch(repo):
    name = new_branch(repo, "release")
    branch = repo.get_branch(name)
    assert branch.protected is False
    edited = branch.edit_protection(
        strict=True,
        contexts=["ci/build"],
        enforce_admins=True,
        required_approving_review_count=2,
        dismiss_stale_reviews=True,
        required_linear_history=True,
        allow_deletions=True,
        user_push_restrictions=["lee"],
        team_push_restrictions=[],
    )
    assert edited.required_status_checks.strict is True
    assert edited.required_status_checks.contexts == ["ci/build"]
    assert edited.enforce_admins is True
    assert edited.required_pull_request_reviews.required_approving_review_count == 2
    assert edited.required_pull_request_reviews.dismiss_stale_reviews is True

    got = repo.get_branch(name).get_protection()
    assert got.required_status_checks.contexts == ["ci/build"]
    assert got.required_linear_history is True and got.allow_deletions is True
    assert got.allow_force_pushes is False and got.required_signatures is False
    assert [u.login for u in got.get_user_push_restrictions()] == ["lee"]
    fresh = repo.get_branch(name)
    assert fresh.protected is True
    assert [b.name for b in repo.get_branches() if b.protected] == [name]

    fresh.remove_protection()
    with pytest.raises(GithubException) as e:
        fresh.get_protection()
    assert e.value.status == 404 and e.value.data["message"] == "Branch not protected"
    assert repo.get_branch(name).protected is False


def test_protection_sub_resources(repo, gh):
    name = new_branch(repo, "stable")
    branch = repo.get_branch(name)
    branch.edit_protection(strict=False, contexts=["ci/build"], required_approving_review_count=1)

    checks = branch.edit_required_status_checks(strict=True, contexts=["lint", "test"])
    assert checks.strict is True and checks.contexts == ["lint", "test"]
    assert branch.get_required_status_checks().contexts == ["lint", "test"]
    branch.remove_required_status_checks()
    with pytest.raises(GithubException) as e:
        branch.get_required_status_checks()
    assert e.value.status == 404 and e.value.data["message"] == "Required status checks not enabled"

    reviews = branch.edit_required_pull_request_reviews(required_approving_review_count=3, require_code_owner_reviews=True)
    assert reviews.required_approving_review_count == 3 and reviews.require_code_owner_reviews is True
    assert branch.get_required_pull_request_reviews().required_approving_review_count == 3
    with pytest.raises(GithubException) as e:
        branch.edit_required_pull_request_reviews(required_approving_review_count=7)
    assert e.value.status == 422
    branch.remove_required_pull_request_reviews()
    with pytest.raises(GithubException) as e:
        branch.get_required_pull_request_reviews()
    assert e.value.status == 404

    assert branch.get_admin_enforcement() is False
    branch.set_admin_enforcement()
    assert branch.get_admin_enforcement() is True
    branch.remove_admin_enforcement()
    assert branch.get_admin_enforcement() is False

    assert branch.get_required_signatures() is False
    branch.add_required_signatures()
    assert branch.get_required_signatures() is True
    branch.remove_required_signatures()
    assert branch.get_required_signatures() is False

    branch.edit_protection(user_push_restrictions=["lee"], team_push_restrictions=[])
    branch.add_user_push_restrictions("sam")
    assert sorted(u.login for u in branch.get_user_push_restrictions()) == ["lee", "sam"]
    branch.replace_user_push_restrictions("dana")
    assert [u.login for u in branch.get_user_push_restrictions()] == ["dana"]
    branch.remove_user_push_restrictions("dana")
    assert list(branch.get_user_push_restrictions()) == []
    team = gh.get_organization("acme").create_team(unique("Pushers"))
    branch.add_team_push_restrictions(team.slug)
    assert [t.slug for t in branch.get_team_push_restrictions()] == [team.slug]
    branch.remove_team_push_restrictions(team.slug)
    assert list(branch.get_team_push_restrictions()) == []
    with pytest.raises(GithubException) as e:
        branch.add_user_push_restrictions("no-such-user")
    assert e.value.status == 422
    branch.remove_push_restrictions()
    assert "restrictions" not in repo.get_branch(name).get_protection().raw_data


def test_protection_needs_admin_and_an_organization_for_restrictions(gh, gh_clone, repo):
    name = new_branch(repo, "locked")
    lee_repo = as_user(gh_clone, "lee")
    with pytest.raises(GithubException) as e:
        lee_repo.get_branch(name).edit_protection(strict=True, contexts=["ci"])
    assert e.value.status == 403 and e.value.data["message"] == "Must have admin rights to Repository."
    dotfiles = gh.get_repo("dana/dotfiles")
    with pytest.raises(GithubException) as e:
        dotfiles.get_branch("main").edit_protection(user_push_restrictions=["dana"])
    assert e.value.status == 422
    assert e.value.data["message"] == "Only organization repositories can have users and team restrictions"


def test_a_merge_waits_for_approvals_and_required_checks(gh_clone, repo):
    base = new_branch(repo, "protected")
    repo.get_branch(base).edit_protection(strict=False, contexts=["ci/build"], required_approving_review_count=1)
    lee_repo, sam_repo = as_user(gh_clone, "lee"), as_user(gh_clone, "sam")
    pr = new_pull(lee_repo, base, "Guarded change")
    with pytest.raises(GithubException) as e:
        lee_repo.get_pull(pr.number).merge()
    assert e.value.status == 405
    assert e.value.data["message"] == "At least 1 approving review is required by reviewers with write access."

    sam_repo.get_pull(pr.number).create_review(event="APPROVE")
    with pytest.raises(GithubException) as e:
        lee_repo.get_pull(pr.number).merge()
    assert e.value.status == 405 and e.value.data["message"] == 'Required status check "ci/build" is expected.'

    repo.get_commit(pr.head.sha).create_status("failure", context="ci/build")
    with pytest.raises(GithubException) as e:
        lee_repo.get_pull(pr.number).merge()
    assert e.value.data["message"] == 'Required status check "ci/build" is failing.'

    repo.get_commit(pr.head.sha).create_status("success", context="ci/build")
    status = lee_repo.get_pull(pr.number).merge(merge_method="squash")
    assert status.merged is True
    assert repo.get_pull(pr.number).merged is True


def test_direct_pushes_to_a_protected_branch_are_refused(gh_clone, repo):
    base = new_branch(repo, "guarded")
    repo.get_branch(base).edit_protection(required_approving_review_count=1)
    lee_repo = as_user(gh_clone, "lee")
    with pytest.raises(GithubException) as e:
        lee_repo.create_file("direct.txt", "direct push", "no\n", branch=base)
    assert e.value.status == 409 and e.value.data["message"] == "Changes must be made through a pull request."
    # The admin is exempt (enforce_admins is off) ...
    made = repo.create_file("admin.txt", "admin push", "yes\n", branch=base)
    assert made["commit"].sha == repo.get_branch(base).commit.sha
    # ... but no one may force-push or delete the branch.
    ref = repo.get_git_ref(f"heads/{base}")
    first = made["commit"].parents[0].sha
    with pytest.raises(GithubException) as e:
        ref.edit(first, force=True)
    assert e.value.status == 422 and e.value.data["message"] == "Cannot force-push to this branch"
    with pytest.raises(GithubException) as e:
        ref.delete()
    assert e.value.status == 422 and e.value.data["message"] == "Cannot delete this protected branch"


def test_a_review_comment_reply_joins_the_thread(repo):
    pr = new_pull(repo, "main", "Reply target")
    commit = repo.get_commit(pr.head.sha)
    path = pr.get_files()[0].filename
    top = pr.create_review_comment("Why this line?", commit, path, line=1)
    reply = pr.create_review_comment_reply(top.id, "Because.")
    assert reply.in_reply_to_id == top.id
    assert reply.path == path and reply.body == "Because."
    assert [c.id for c in pr.get_review_comments()] == [top.id, reply.id]
    with pytest.raises(GithubException) as e:
        pr.create_review_comment_reply(999999, "nobody")
    assert e.value.status == 404


def test_branches_where_head_and_generated_release_notes(repo):
    name = new_branch(repo, "tip")
    sha = repo.get_branch(name).commit.sha
    heads = sorted(b.name for b in repo.get_commit(sha).get_branches_where_head())
    assert name in heads and all(repo.get_branch(h).commit.sha == sha for h in heads)

    tag = unique("v1")
    repo.create_git_release(tag, "First", "", target_commitish="main")
    pr = new_pull(repo, "main", "Add a greeting")
    pr.merge(merge_method="squash")
    nxt = unique("v2")
    notes = repo.generate_release_notes(nxt, target_commitish="main")
    assert notes.name == nxt
    assert notes.body.startswith("## What's Changed\n")
    assert f"* Add a greeting by @dana in {pr.html_url}\n" in notes.body
    assert notes.body.endswith(f"**Full Changelog**: {pr.html_url.split('/pull/')[0]}/compare/{tag}...{nxt}")


def test_repository_dispatch_reaches_subscribed_hooks(repo):
    sink = HookSink()
    hook = repo.create_hook("web", {"url": sink.url, "content_type": "json"}, events=["repository_dispatch"])
    try:
        assert repo.create_repository_dispatch("deploy", {"env": "prod"}) is True
        headers, body = sink.wait_for("repository_dispatch")
        payload = json.loads(body)
        assert payload["action"] == "deploy"
        assert payload["client_payload"] == {"env": "prod"}
        assert payload["branch"] == "main"
        assert payload["repository"]["full_name"] == "acme/hello-world"
    finally:
        hook.delete()
        sink.close()


def _download(gh_clone, url):
    req = urllib.request.Request(url, headers={"Authorization": f"token {gh_clone['token']}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers, resp.read()


def test_tarball_and_zipball_are_real_archives_of_the_ref(gh_clone, repo):
    sha = repo.get_branch("feature/greeting").commit.sha
    root = f"acme-hello-world-{sha[:7]}"
    link = repo.get_archive_link("tarball", "feature/greeting")
    assert link.endswith("/codeload/acme/hello-world/legacy.tar.gz/feature/greeting")
    headers, data = _download(gh_clone, link)
    assert headers["Content-Type"] == "application/x-gzip"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        assert tar.pax_headers["comment"] == sha
        names = tar.getnames()
        assert f"{root}/src/hello.py" in names and f"{root}/README.md" in names
        assert tar.getmember(f"{root}/src").isdir()
        text = tar.extractfile(f"{root}/src/hello.py").read().decode()
    assert text == repo.get_contents("src/hello.py", ref="feature/greeting").decoded_content.decode()

    link = repo.get_archive_link("zipball")
    main = repo.get_branch("main").commit.sha
    headers, data = _download(gh_clone, link)
    assert headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        assert z.comment.decode() == main
        readme = z.read(f"acme-hello-world-{main[:7]}/README.md").decode()
    assert readme == repo.get_readme().decoded_content.decode()
    with pytest.raises(GithubException) as e:
        repo.get_archive_link("tarball", "no-such-ref")
    assert e.value.status == 404
