"""PyGithub against the GitHub clone: the Checks API (a CI reports check runs on
a commit, the suite rolls up, `Commit.get_check_runs` filters them), commit
comments, deployments and environments, repository invitations and release
assets -- each as a PyGithub user would call them.

This file spins its own clone on ports 4920-4929."""

import datetime
import json

import pytest
from github import GithubException

from github_support import HookSink, client, login_token, own_clone, unique


@pytest.fixture(scope="module")
def gh_clone():
    yield from own_clone(4920)


def test_a_ci_reports_check_runs_and_the_commit_lists_them(repo):
    sink = HookSink()
    hook = repo.create_hook("web", {"url": sink.url, "content_type": "json"}, events=["check_run", "check_suite"])
    try:
        commit = repo.get_commit(repo.get_branch("main").commit.sha)
        started = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
        build = repo.create_check_run(
            "build",
            commit.sha,
            status="in_progress",
            started_at=started,
            external_id="ci-7",
            details_url="https://ci.example.com/7",
            output={
                "title": "Build",
                "summary": "compiling",
                "annotations": [
                    {"path": "src/hello.py", "start_line": 2, "end_line": 2, "annotation_level": "warning", "message": "unused"}
                ],
            },
        )
        assert build.status == "in_progress" and build.conclusion is None
        assert build.started_at == started
        assert build.external_id == "ci-7" and build.details_url == "https://ci.example.com/7"
        assert build.output.title == "Build" and build.output.annotations_count == 1
        headers, body = sink.wait_for("check_run")
        assert json.loads(body)["action"] == "created"

        lint = repo.create_check_run("lint", commit.sha, conclusion="failure", output={"title": "Lint", "summary": "1 error"})
        assert lint.status == "completed" and lint.conclusion == "failure" and lint.completed_at is not None

        build.edit(conclusion="success", output={"summary": "built", "annotations": [
            {"path": "README.md", "start_line": 1, "end_line": 3, "annotation_level": "notice", "message": "long"}
        ]})
        fresh = repo.get_check_run(build.id)
        assert fresh.status == "completed" and fresh.conclusion == "success"
        assert fresh.output.summary == "built" and fresh.output.annotations_count == 2
        notes = list(fresh.get_annotations())
        assert [(a.path, a.annotation_level) for a in notes] == [("src/hello.py", "warning"), ("README.md", "notice")]

        suite = repo.get_check_suite(fresh.check_suite.id)
        assert suite.status == "completed" and suite.conclusion == "failure"
        assert suite.head_sha == commit.sha and suite.head_branch == "main"
        assert {r.name for r in suite.get_check_runs()} == {"build", "lint"}

        # `filter`, `check_name` and `status` on the commit's listing.
        repo.create_check_run("lint", commit.sha, status="queued")
        assert sorted(r.name for r in commit.get_check_runs()) == ["build", "lint"]
        assert len(list(commit.get_check_runs(filter="all"))) == 3
        lints = list(commit.get_check_runs(check_name="lint", filter="all", status="completed"))
        assert [r.conclusion for r in lints] == ["failure"]
        assert [s.id for s in commit.get_check_suites(check_name="build")] == [suite.id]

        assert repo.create_check_suite(commit.sha).id == suite.id
        assert suite.rerequest() is True
        assert repo.get_check_suite(suite.id).status == "queued"
        prefs = repo.update_check_suites_preferences([{"app_id": suite.app.id, "setting": False}])
        assert prefs.preferences["auto_trigger_checks"][0]["setting"] is False
    finally:
        hook.delete()
        sink.close()


def test_check_run_mistakes_are_422s(repo):
    sha = repo.get_branch("main").commit.sha
    with pytest.raises(GithubException) as e:
        repo.create_check_run("x", sha, status="completed")
    assert e.value.status == 422 and "conclusion" in e.value.data["message"]
    with pytest.raises(GithubException) as e:
        repo.create_check_run("x", "0" * 40)
    assert e.value.status == 422
    with pytest.raises(GithubException) as e:
        repo.create_check_run("x", sha, output={"summary": "no title"})
    assert e.value.status == 422


def test_commit_comments_reactions_and_the_pulls_of_a_commit(repo):
    pr = repo.get_pull(4)
    commit = repo.get_commit(pr.head.sha)
    path = pr.get_files()[0].filename
    first = commit.create_comment("looks right", path=path, position=1)
    assert first.commit_id == commit.sha and first.path == path and first.position == 1
    second = commit.create_comment("and the tests pass")
    assert [c.body for c in commit.get_comments()] == ["looks right", "and the tests pass"]
    assert {c.id for c in repo.get_comments()} >= {first.id, second.id}
    first.edit("looks right to me")
    assert repo.get_comment(first.id).body == "looks right to me"
    reaction = first.create_reaction("heart")
    assert [r.content for r in first.get_reactions()] == ["heart"]
    assert first.delete_reaction(reaction.id) is True
    second.delete()
    with pytest.raises(GithubException) as e:
        repo.get_comment(second.id)
    assert e.value.status == 404
    with pytest.raises(GithubException) as e:
        commit.create_comment("on a file it does not touch", path="no/such/file.txt")
    assert e.value.status == 422

    assert [p.number for p in commit.get_pulls()] == [4]
    cmp = repo.compare("main", pr.head.sha)
    assert cmp.status == "ahead" and cmp.ahead_by >= 1


def test_renaming_a_branch(repo, gh):
    name = unique("topic")
    repo.create_git_ref(f"refs/heads/{name}", repo.get_branch("main").commit.sha)
    assert repo.rename_branch(name, f"{name}-renamed") is True
    assert repo.get_branch(f"{name}-renamed").name == f"{name}-renamed"
    with pytest.raises(GithubException) as e:
        repo.get_branch(name)
    assert e.value.status == 404
    assert repo.rename_branch(name, "anything") is False, "the old name is gone (404)"


def test_deployments_statuses_and_environments(repo, gh):
    from github.EnvironmentDeploymentBranchPolicy import EnvironmentDeploymentBranchPolicyParams
    from github.EnvironmentProtectionRuleReviewer import ReviewerParams

    sink = HookSink()
    hook = repo.create_hook("web", {"url": sink.url, "content_type": "json"}, events=["deployment", "deployment_status"])
    try:
        env = unique("review")
        sha = repo.get_branch("main").commit.sha
        first = repo.create_deployment("main", required_contexts=[], environment=env, payload={"build": 7}, description="first")
        assert first.sha == sha and first.environment == env and first.payload == {"build": 7}
        assert first.production_environment is False
        headers, body = sink.wait_for("deployment")
        assert json.loads(body)["deployment"]["id"] == first.id
        ok = first.create_status("success", target_url="https://ci.example.com/1", environment_url="https://staging.example.com")
        assert ok.state == "success" and ok.environment_url == "https://staging.example.com"
        headers, body = sink.wait_for("deployment_status")
        assert json.loads(body)["deployment_status"]["state"] == "success"

        second = repo.create_deployment(sha, required_contexts=[], environment=env)
        # PyGithub has no Deployment.delete; its requester sends the documented call.
        with pytest.raises(GithubException) as e:
            gh.requester.requestJsonAndCheck("DELETE", first.url)
        assert e.value.status == 422, "an active deployment that is not alone in its environment"
        second.create_status("success")
        assert [s.state for s in first.get_statuses()] == ["inactive", "success"]
        assert first.get_status(ok.id).state == "success"
        assert [d.id for d in repo.get_deployments(environment=env)] == [second.id, first.id]
        assert [d.id for d in repo.get_deployments(environment=env, task="migrate")] == []
        gh.requester.requestJsonAndCheck("DELETE", first.url)
        assert [d.id for d in repo.get_deployments(environment=env)] == [second.id]

        with pytest.raises(GithubException) as e:
            repo.create_deployment("no-such-ref")
        assert e.value.status == 422

        me = gh.get_user()
        prod = repo.create_environment(
            env,
            wait_timer=15,
            reviewers=[ReviewerParams("User", me.id)],
            deployment_branch_policy=EnvironmentDeploymentBranchPolicyParams(custom_branch_policies=True),
        )
        assert prod.name == env
        assert [r.type for r in prod.protection_rules] == ["wait_timer", "required_reviewers", "branch_policy"]
        assert prod.deployment_branch_policy.custom_branch_policies is True
        assert env in [e.name for e in repo.get_environments()]
        assert repo.get_environment(env).protection_rules[0].wait_timer == 15
        repo.delete_environment(env)
        with pytest.raises(GithubException) as e:
            repo.get_environment(env)
        assert e.value.status == 404
    finally:
        hook.delete()
        sink.close()


def test_a_collaborator_is_invited_and_accepts(gh, gh_clone):
    mine = gh.get_user().create_repo(unique("notes"), auto_init=True)
    invitation = mine.add_to_collaborators("sam", permission="triage")
    assert invitation.invitee.login == "sam" and invitation.permissions == "triage" and invitation.expired is False
    assert [i.id for i in mine.get_pending_invitations()] == [invitation.id]
    assert not mine.has_in_collaborators("sam")

    sam = client(gh_clone, login_token(gh_clone, "sam"))
    me = sam.get_user()
    pending = list(me.get_invitations())
    assert [(i.id, i.repository.full_name) for i in pending] == [(invitation.id, mine.full_name)]
    me.accept_invitation(pending[0])
    assert mine.get_collaborator_role_name("sam") == "triage"
    assert list(mine.get_pending_invitations()) == []
    assert mine.add_to_collaborators("sam", permission="push") is None, "already a collaborator: 204"
    assert mine.get_collaborator_permission("sam") == "write"

    lee_invite = mine.add_to_collaborators("lee")
    mine.remove_invitation(lee_invite.id)
    lee = client(gh_clone, login_token(gh_clone, "lee")).get_user()
    assert list(lee.get_invitations()) == []
    with pytest.raises(GithubException) as e:
        lee.accept_invitation(lee_invite.id)
    assert e.value.status == 404


def test_release_assets_upload_through_the_upload_url(repo, tmp_path):
    release = repo.create_git_release(unique("v"), "assets", "with files")
    assert release.upload_url.startswith(repo.url.split("/repos/")[0])
    built = tmp_path / "app-1.0.tar.gz"
    built.write_bytes(b"\x1f\x8b\x08 not really gzip")
    asset = release.upload_asset(str(built), label="App", content_type="application/gzip")
    assert asset.name == "app-1.0.tar.gz" and asset.label == "App" and asset.size == built.stat().st_size
    assert asset.content_type == "application/gzip"
    memo = release.upload_asset_from_memory(__import__("io").BytesIO(b"notes"), 5, "NOTES.txt", content_type="text/plain")
    assert [a.name for a in release.get_assets()] == ["app-1.0.tar.gz", "NOTES.txt"]
    assert [a.name for a in repo.get_release(release.id).assets] == ["app-1.0.tar.gz", "NOTES.txt"]

    out = tmp_path / "downloaded"
    repo.get_release_asset(asset.id).download_asset(str(out))
    assert out.read_bytes() == built.read_bytes()
    assert repo.get_release_asset(asset.id).download_count == 1

    renamed = asset.update_asset("app.tgz", label="Application")
    assert renamed.name == "app.tgz" and renamed.label == "Application"
    with pytest.raises(GithubException) as e:
        release.upload_asset_from_memory(__import__("io").BytesIO(b"again"), 5, "NOTES.txt")
    assert e.value.status == 422
    assert memo.delete_asset() is True
    with pytest.raises(GithubException) as e:
        repo.get_release_asset(memo.id)
    assert e.value.status == 404
