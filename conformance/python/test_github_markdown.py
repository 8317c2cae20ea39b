"""PyGithub against the GitHub clone: Markdown rendering (`render_markdown`,
plain and in a repository's context, and `POST /markdown/raw`), and the body
media types (`application/vnd.github.html+json`, `.text+json`, `.full+json`)
on issues, issue comments, pull requests, reviews and review comments, asked
for through the requester as PyGithub users do.

This file spins its own clone on ports 5200-5209."""

import os
import tempfile

import pytest
from github import GithubException

from github_support import own_clone, unique

HTML = "application/vnd.github.html+json"
TEXT = "application/vnd.github.text+json"
FULL = "application/vnd.github.full+json"
RAW = "application/vnd.github.raw+json"


@pytest.fixture(scope="module")
def gh_clone():
    yield from own_clone(5200)


def get_as(gh, url, accept):
    _, data = gh.requester.requestJsonAndCheck("GET", url, headers={"Accept": accept})
    return data


def test_render_markdown_renders_commonmark_and_gfm_extensions(gh):
    assert gh.render_markdown("Hello **world**") == "<p>Hello <strong>world</strong></p>\n"
    table = gh.render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<table>" in table and "<th>a</th>" in table and "<td>2</td>" in table
    assert "<del>gone</del>" in gh.render_markdown("~~gone~~")
    tasks = gh.render_markdown("- [x] done\n- [ ] todo\n")
    assert tasks.count('type="checkbox"') == 2 and 'checked=""' in tasks
    link = gh.render_markdown("see https://example.com/docs.")
    assert '<a href="https://example.com/docs" rel="nofollow">https://example.com/docs</a>.' in link
    code = gh.render_markdown("```\n<b>x</b>\n```")
    assert "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>" in code
    # Raw HTML passes, except what GitHub's sanitizer removes.
    assert gh.render_markdown("press <kbd>Ctrl</kbd>") == "<p>press <kbd>Ctrl</kbd></p>\n"
    assert gh.render_markdown("<script>alert(1)</script>\n\nsafe") == "<p>safe</p>\n"


def test_render_markdown_in_a_repository_context_links_references_and_mentions(gh, repo):
    issue = repo.create_issue(unique("ref-target"))
    text = f"Fixes #{issue.number}, not #999999.\ncc @dana and @no-such-person-here, `@sam #{issue.number}`"
    out = gh.render_markdown(text, context=repo)
    assert f'href="{issue.html_url}">#{issue.number}</a>' in out
    assert "not #999999." in out
    dana = gh.get_user("dana")
    assert f'href="{dana.html_url}">@dana</a>' in out
    assert "@no-such-person-here" in out and "no-such-person-here</a>" not in out
    assert f"<code>@sam #{issue.number}</code>" in out
    # gfm mode keeps single newlines as line breaks, as in comments.
    assert "<br>" in out
    # Without a context (plain markdown mode) nothing is linked and newlines are soft.
    plain = gh.render_markdown(text)
    assert "issue-link" not in plain and "user-mention" not in plain and "<br>" not in plain


def test_render_raw_takes_the_markdown_as_the_body(gh):
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write("# Title\n\n*emphasis* and #1\n")
    try:
        status, headers, body = gh.requester.requestBlob(
            "POST", "/markdown/raw", headers={"Content-Type": "text/x-markdown", "Accept": "text/html"}, input=f.name
        )
    finally:
        os.unlink(f.name)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert body == "<h1>Title</h1>\n<p><em>emphasis</em> and #1</p>\n"


def test_render_markdown_rejects_a_request_without_text(gh):
    with pytest.raises(GithubException) as e:
        gh.requester.requestJsonAndCheck("POST", "/markdown", input={"mode": "gfm"})
    assert e.value.status == 422
    assert "text" in e.value.data["message"]
    with pytest.raises(GithubException) as e:
        gh.requester.requestJsonAndCheck("POST", "/markdown", input={"text": "x", "mode": "wiki"})
    assert e.value.status == 422


def test_issue_and_comment_body_media_types(gh, repo):
    target = repo.create_issue(unique("target"))
    issue = repo.create_issue(unique("media"), body=f"Hello **world**, see #{target.number}\n\n- one\n- two")
    html = get_as(gh, issue.url, HTML)
    assert "body" not in html and "body_text" not in html
    assert html["body_html"].startswith("<p>Hello <strong>world</strong>, see <a ")
    assert f'href="{target.html_url}"' in html["body_html"]
    assert "<li>one</li>" in html["body_html"]
    text = get_as(gh, issue.url, TEXT)
    assert "body" not in text and "body_html" not in text
    assert text["body_text"] == f"Hello world, see #{target.number}\none\ntwo"
    full = get_as(gh, issue.url, FULL)
    assert full["body"] == issue.body
    assert full["body_text"] == text["body_text"] and full["body_html"] == html["body_html"]
    for accept in (RAW, "application/vnd.github+json"):
        plain = get_as(gh, issue.url, accept)
        assert plain["body"] == issue.body and "body_html" not in plain and "body_text" not in plain
    # The PyGithub object itself (default media type) still carries the raw body.
    assert repo.get_issue(issue.number).body == issue.body

    comment = issue.create_comment("Thanks @dana, ~~not~~ done")
    got = get_as(gh, comment.url, HTML)
    assert "body" not in got
    assert '@dana</a>, <del>not</del> done' in got["body_html"]
    listed = get_as(gh, f"{issue.url}/comments", TEXT)
    assert [c["body_text"] for c in listed] == ["Thanks @dana, not done"]
    assert all("body" not in c for c in listed)
    listed_issues = get_as(gh, f"{repo.url}/issues", FULL)
    mine = next(i for i in listed_issues if i["number"] == issue.number)
    assert mine["body"] == issue.body and mine["body_html"] == html["body_html"]


def test_pull_request_review_and_review_comment_body_media_types(gh, repo):
    head = unique("md-topic")
    repo.create_git_ref(f"refs/heads/{head}", repo.get_branch("main").commit.sha)
    repo.create_file(f"{head}.txt", f"add {head}", "one\ntwo\n", branch=head)
    pr = repo.create_pull(base="main", head=head, title=unique("md-pr"), body="Adds **one** file")
    got = get_as(gh, pr.url, HTML)
    assert got["body_html"] == "<p>Adds <strong>one</strong> file</p>\n" and "body" not in got
    assert get_as(gh, pr.url, TEXT)["body_text"] == "Adds one file"

    commit = pr.get_commits().reversed[0]
    rc = pr.create_review_comment("Use a *better* name", commit, f"{head}.txt", line=1)
    got = get_as(gh, rc.url, FULL)
    assert got["body"] == "Use a *better* name"
    assert got["body_html"] == "<p>Use a <em>better</em> name</p>\n"
    assert got["body_text"] == "Use a better name"

    review = pr.create_review(body="Looks **good**", event="COMMENT")
    reviews = get_as(gh, f"{pr.url}/reviews", HTML)
    mine = next(r for r in reviews if r["id"] == review.id)
    assert mine["body_html"] == "<p>Looks <strong>good</strong></p>\n" and "body" not in mine
