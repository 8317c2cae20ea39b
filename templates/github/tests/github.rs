//! Router-level tests: the whole clone app (`asym_clone_kit::serve::app`) on a
//! temporary SQLite database seeded with `acme`, driven with `oneshot`; git
//! object ids checked against the `git` binary.

mod support;

use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::*;
use tower::ServiceExt;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn git(dir: &std::path::Path, args: &[&str], env: &[(&str, String)], stdin: Option<&[u8]>) -> String {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("git is installed");
    if let Some(data) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(data).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test]
async fn the_authenticated_user_is_the_seeded_admin_with_github_headers() {
    let c = clone().await;
    let r = c.get("/user").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["login"], "dana");
    assert_eq!(r.body["type"], "User");
    assert!(r.body["id"].is_i64());
    assert_eq!(r.body["node_id"], asym_template_github::wire::node_id("User", r.body["id"].as_i64().unwrap()));
    assert_eq!(r.body["url"], format!("{BASE}/users/dana"));
    assert_eq!(r.body["created_at"], "2024-01-02T09:00:00Z");
    assert!(r.headers.get("x-github-request-id").is_some());
    assert_eq!(r.headers["x-ratelimit-limit"], "5000");
    assert_eq!(r.headers["x-ratelimit-resource"], "core");
    let first: i64 = r.headers["x-ratelimit-remaining"].to_str().unwrap().parse().unwrap();
    let again = c.get("/user").await;
    let second: i64 = again.headers["x-ratelimit-remaining"].to_str().unwrap().parse().unwrap();
    assert_eq!(second, first - 1, "each request uses one of the hour's 5,000");
    let bearer = c.send("GET", "/user", None, &[("authorization", &format!("Bearer {}", c.token))]).await;
    assert_eq!(bearer.body["login"], "dana");
    let limits = c.get("/rate_limit").await;
    assert_eq!(limits.body["resources"]["core"]["limit"], 5000);
    assert_eq!(limits.body["rate"]["used"], 3, "three counted calls; /rate_limit itself is free");
}

#[tokio::test]
async fn a_bad_token_is_bad_credentials_and_anonymous_user_needs_auth() {
    let c = clone().await;
    let r = c.send("GET", "/user", None, &[("authorization", "token ghp_notarealtoken000000000000000000000000")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["message"], "Bad credentials");
    assert_eq!(r.body["documentation_url"], "https://docs.github.com/rest");
    let anon = c.send("GET", "/user", None, &[]).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anon.body["message"], "Requires authentication");
    let public = c.send("GET", "/repos/acme/hello-world", None, &[]).await;
    assert_eq!(public.status, StatusCode::OK, "public repositories are readable anonymously");
}

#[tokio::test]
async fn a_private_repository_is_404_to_outsiders_and_visible_to_members() {
    let c = clone().await;
    let member = c.get("/repos/acme/secret-plans").await;
    assert_eq!(member.status, StatusCode::OK);
    assert_eq!(member.body["private"], true);
    assert_eq!(member.body["visibility"], "private");
    let olly = c.login("olly").await;
    let outsider = c.send("GET", "/repos/acme/secret-plans", None, &[("authorization", &format!("token {olly}"))]).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);
    assert_eq!(outsider.body["message"], "Not Found");
    let issues = c.send("GET", "/repos/acme/secret-plans/issues", None, &[("authorization", &format!("token {olly}"))]).await;
    assert_eq!(issues.status, StatusCode::NOT_FOUND);
    let anon = c.send("GET", "/repos/acme/secret-plans", None, &[]).await;
    assert_eq!(anon.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn malformed_json_and_missing_fields_answer_githubs_errors() {
    let c = clone().await;
    let auth = format!("token {}", c.token);
    let bad = c.send("POST", "/repos/acme/hello-world/issues", Some("{\"title\": "), &[("authorization", &auth)]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["message"], "Problems parsing JSON");
    let missing = c.call("POST", "/repos/acme/hello-world/issues", Some(json!({ "body": "no title" }))).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["message"], "Validation Failed");
    assert_eq!(missing.body["errors"][0], json!({ "resource": "Issue", "field": "title", "code": "missing_field" }));
    let dup = c.call("POST", "/repos/acme/hello-world/labels", Some(json!({ "name": "bug", "color": "ff0000" }))).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.body["errors"][0]["code"], "already_exists");
    let color = c.call("POST", "/repos/acme/hello-world/labels", Some(json!({ "name": "x", "color": "nothex" }))).await;
    assert_eq!(color.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(color.body["errors"][0]["field"], "color");
}

#[tokio::test]
async fn an_unbuilt_operation_is_404_naming_it_and_unknown_paths_are_plain_404() {
    let c = clone().await;
    let r = c.get("/repos/acme/hello-world/vulnerability-alerts").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["message"].as_str().unwrap().contains("repos/check-vulnerability-alerts"), "{}", r.body);
    let r = c.get("/no/such/thing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["message"], "Not Found");
}

#[tokio::test]
async fn issue_workflow_labels_assignees_comments_events_and_close() {
    let c = clone().await;
    let r = c
        .call(
            "POST",
            "/repos/acme/hello-world/issues",
            Some(json!({ "title": "Crash on start", "body": "Boom", "labels": ["bug"], "assignees": ["lee"] })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["number"], 5, "issues and pull requests share numbers: the seed has 4");
    assert_eq!(r.body["labels"][0]["name"], "bug");
    assert_eq!(r.body["assignees"][0]["login"], "lee");
    assert_eq!(r.body["user"]["login"], "dana");
    assert_eq!(r.body["author_association"], "MEMBER");
    assert_eq!(r.body["url"], format!("{BASE}/repos/acme/hello-world/issues/5"));
    let add = c.call("POST", "/repos/acme/hello-world/issues/5/labels", Some(json!(["priority: high"]))).await;
    assert_eq!(add.status, StatusCode::OK);
    assert_eq!(add.body.as_array().unwrap().len(), 2);
    let comment = c.call("POST", "/repos/acme/hello-world/issues/5/comments", Some(json!({ "body": "Looking" }))).await;
    assert_eq!(comment.status, StatusCode::CREATED);
    assert_eq!(comment.body["issue_url"], format!("{BASE}/repos/acme/hello-world/issues/5"));
    let react = c.call("POST", "/repos/acme/hello-world/issues/5/reactions", Some(json!({ "content": "rocket" }))).await;
    assert_eq!(react.status, StatusCode::CREATED);
    let again = c.call("POST", "/repos/acme/hello-world/issues/5/reactions", Some(json!({ "content": "rocket" }))).await;
    assert_eq!(again.status, StatusCode::OK, "the same reaction twice is not new");
    let bad = c.call("POST", "/repos/acme/hello-world/issues/5/reactions", Some(json!({ "content": "party" }))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = c.call("PATCH", "/repos/acme/hello-world/issues/5", Some(json!({ "state": "closed" }))).await;
    assert_eq!(closed.body["state"], "closed");
    assert_eq!(closed.body["state_reason"], "completed");
    assert_eq!(closed.body["closed_by"]["login"], "dana");
    assert_eq!(closed.body["comments"], 1);
    assert_eq!(closed.body["reactions"]["rocket"], 1);
    let events = c.get("/repos/acme/hello-world/issues/5/events").await;
    let kinds: Vec<&str> = events.body.as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["labeled", "assigned", "labeled", "closed"]);
    let timeline = c.get("/repos/acme/hello-world/issues/5/timeline").await;
    assert!(timeline.body.as_array().unwrap().iter().any(|e| e["event"] == "commented"));
    let filtered = c.get("/repos/acme/hello-world/issues?state=all&labels=bug&assignee=lee").await;
    let numbers: Vec<i64> = filtered.body.as_array().unwrap().iter().map(|i| i["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [5]);
    let search = c.get("/search/issues?q=repo:acme/hello-world+is:issue+is:closed+label:bug+author:dana").await;
    assert_eq!(search.body["total_count"], 1, "{}", search.body);
    assert_eq!(search.body["items"][0]["number"], 5);
    let lock = c.call("PUT", "/repos/acme/hello-world/issues/5/lock", Some(json!({ "lock_reason": "resolved" }))).await;
    assert_eq!(lock.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/repos/acme/hello-world/issues/5").await.body["active_lock_reason"], "resolved");
}

#[tokio::test]
async fn pages_carry_an_rfc5988_link_header_and_etags_answer_304() {
    let c = clone().await;
    for n in 0..7 {
        let r = c.call("POST", "/repos/acme/hello-world/issues", Some(json!({ "title": format!("load {n}") }))).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    // Open: seeded issues #1 and #2, pull request #4, and these 7.
    let p1 = c.get("/repos/acme/hello-world/issues?per_page=5").await;
    assert_eq!(p1.body.as_array().unwrap().len(), 5);
    let link = p1.headers["link"].to_str().unwrap().to_string();
    assert!(link.contains("rel=\"next\"") && link.contains("page=2") && link.contains("rel=\"last\""), "{link}");
    let p3 = c.get("/repos/acme/hello-world/issues?per_page=5&page=2").await;
    assert_eq!(p3.body.as_array().unwrap().len(), 5, "10 open issues: 2 pages of 5");
    assert!(!p3.headers["link"].to_str().unwrap().contains("rel=\"next\""));
    let etag = p1.headers["etag"].to_str().unwrap().to_string();
    let auth = format!("token {}", c.token);
    let before: i64 = p3.headers["x-ratelimit-remaining"].to_str().unwrap().parse().unwrap();
    let cached =
        c.send("GET", "/repos/acme/hello-world/issues?per_page=5", None, &[("authorization", &auth), ("if-none-match", &etag)]).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    let after: i64 = cached.headers["x-ratelimit-remaining"].to_str().unwrap().parse().unwrap();
    assert_eq!(after, before, "a 304 does not count against the rate limit");
    c.call("POST", "/repos/acme/hello-world/issues", Some(json!({ "title": "changes the list" }))).await;
    let fresh =
        c.send("GET", "/repos/acme/hello-world/issues?per_page=5", None, &[("authorization", &auth), ("if-none-match", &etag)]).await;
    assert_eq!(fresh.status, StatusCode::OK);
}

#[tokio::test]
async fn seeded_commits_have_the_ids_git_gives_them() {
    let c = clone().await;
    let main = c.get("/repos/acme/hello-world/branches/main").await;
    assert_eq!(main.status, StatusCode::OK);
    let clone_sha = main.body["commit"]["sha"].as_str().unwrap().to_string();
    // Replays the fixture's three commits on main with git itself.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"], &[], None);
    let fixture: Value = serde_json::from_str(asym_template_github::FIXTURES[0].text).unwrap();
    let users = fixture["users"].as_array().unwrap();
    let mut parent: Option<String> = None;
    for commit in fixture["repos"][0]["commits"].as_array().unwrap().iter().filter(|c| c["branch"] == "main") {
        for (path, text) in commit["files"].as_object().unwrap() {
            let p = d.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text.as_str().unwrap()).unwrap();
        }
        git(d, &["add", "-A"], &[], None);
        let tree = git(d, &["write-tree"], &[], None);
        let author = users.iter().find(|u| u["login"] == commit["author"]).unwrap();
        let when = format!("{} +0000", asym_template_github::wire::parse_iso(commit["date"].as_str().unwrap()).unwrap());
        let env = [
            ("GIT_AUTHOR_NAME", author["name"].as_str().unwrap().to_string()),
            ("GIT_AUTHOR_EMAIL", author["email"].as_str().unwrap().to_string()),
            ("GIT_AUTHOR_DATE", when.clone()),
            ("GIT_COMMITTER_NAME", author["name"].as_str().unwrap().to_string()),
            ("GIT_COMMITTER_EMAIL", author["email"].as_str().unwrap().to_string()),
            ("GIT_COMMITTER_DATE", when),
        ];
        let mut args = vec!["commit-tree", tree.as_str()];
        if let Some(p) = &parent {
            args.push("-p");
            args.push(p);
        }
        let sha = git(d, &args, &env, Some(commit["message"].as_str().unwrap().as_bytes()));
        parent = Some(sha);
    }
    assert_eq!(parent.unwrap(), clone_sha);
}

#[tokio::test]
async fn a_contents_api_commit_has_the_blob_tree_and_commit_ids_git_computes() {
    let c = clone().await;
    let text = "print('hi')\n";
    let put = c.call("PUT", "/repos/acme/hello-world/contents/src/hi.py", Some(json!({ "message": "Add hi", "content": b64(text) }))).await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"], &[], None);
    assert_eq!(put.body["content"]["sha"], git(d, &["hash-object", "--stdin"], &[], Some(text.as_bytes())));
    // The commit's tree holds exactly the files of main plus the new one.
    let commit = &put.body["commit"];
    let tree = c.get(&format!("/repos/acme/hello-world/git/trees/{}?recursive=1", commit["tree"]["sha"].as_str().unwrap())).await;
    for e in tree.body["tree"].as_array().unwrap().iter().filter(|e| e["type"] == "blob") {
        let blob = c.get(e["url"].as_str().unwrap().trim_start_matches(BASE)).await;
        let data = base64::engine::general_purpose::STANDARD.decode(blob.body["content"].as_str().unwrap().replace('\n', "")).unwrap();
        let p = d.join(e["path"].as_str().unwrap());
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
    }
    git(d, &["add", "-A"], &[], None);
    assert_eq!(commit["tree"]["sha"], git(d, &["write-tree"], &[], None));
    let sig = |who: &Value| {
        let t = asym_template_github::wire::parse_iso(who["date"].as_str().unwrap()).unwrap();
        format!("{} <{}> {t} +0000", who["name"].as_str().unwrap(), who["email"].as_str().unwrap())
    };
    let raw = format!(
        "tree {}\nparent {}\nauthor {}\ncommitter {}\n\n{}",
        commit["tree"]["sha"].as_str().unwrap(),
        commit["parents"][0]["sha"].as_str().unwrap(),
        sig(&commit["author"]),
        sig(&commit["committer"]),
        commit["message"].as_str().unwrap()
    );
    assert_eq!(commit["sha"], git(d, &["hash-object", "-t", "commit", "--stdin"], &[], Some(raw.as_bytes())));
    // The branch moved, and an update needs the current blob sha.
    let main = c.get("/repos/acme/hello-world/branches/main").await;
    assert_eq!(main.body["commit"]["sha"], commit["sha"]);
    let stale = c
        .call(
            "PUT",
            "/repos/acme/hello-world/contents/src/hi.py",
            Some(json!({ "message": "x", "content": b64("y"), "sha": "0000000000000000000000000000000000000000" })),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let no_sha = c.call("PUT", "/repos/acme/hello-world/contents/src/hi.py", Some(json!({ "message": "x", "content": b64("y") }))).await;
    assert_eq!(no_sha.status, StatusCode::UNPROCESSABLE_ENTITY);
    let got = c.get("/repos/acme/hello-world/contents/src/hi.py").await;
    assert_eq!(got.body["encoding"], "base64");
    assert_eq!(got.body["sha"], put.body["content"]["sha"]);
}

#[tokio::test]
async fn git_data_api_makes_a_branch_and_a_commit_then_a_pull_request_squash_merges() {
    let c = clone().await;
    let main = c.get("/repos/acme/hello-world/git/ref/heads/main").await;
    assert_eq!(main.status, StatusCode::OK);
    let base_sha = main.body["object"]["sha"].as_str().unwrap().to_string();
    let branch = c.call("POST", "/repos/acme/hello-world/git/refs", Some(json!({ "ref": "refs/heads/fix-crash", "sha": base_sha }))).await;
    assert_eq!(branch.status, StatusCode::CREATED, "{}", branch.body);
    let again = c.call("POST", "/repos/acme/hello-world/git/refs", Some(json!({ "ref": "refs/heads/fix-crash", "sha": base_sha }))).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.body["message"], "Reference already exists");
    let blob = c.call("POST", "/repos/acme/hello-world/git/blobs", Some(json!({ "content": "fixed\n", "encoding": "utf-8" }))).await;
    assert_eq!(blob.status, StatusCode::CREATED);
    let base_commit = c.get(&format!("/repos/acme/hello-world/git/commits/{base_sha}")).await;
    let tree = c
        .call(
            "POST",
            "/repos/acme/hello-world/git/trees",
            Some(json!({ "base_tree": base_commit.body["tree"]["sha"], "tree": [{ "path": "FIX.md", "mode": "100644", "type": "blob", "sha": blob.body["sha"] }] })),
        )
        .await;
    assert_eq!(tree.status, StatusCode::CREATED, "{}", tree.body);
    let commit = c
        .call(
            "POST",
            "/repos/acme/hello-world/git/commits",
            Some(json!({ "message": "Fix the crash\n\nFixes #1", "tree": tree.body["sha"], "parents": [base_sha] })),
        )
        .await;
    assert_eq!(commit.status, StatusCode::CREATED, "{}", commit.body);
    let moved = c.call("PATCH", "/repos/acme/hello-world/git/refs/heads/fix-crash", Some(json!({ "sha": commit.body["sha"] }))).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let compare = c.get("/repos/acme/hello-world/compare/main...fix-crash").await;
    assert_eq!(compare.body["status"], "ahead");
    assert_eq!(compare.body["ahead_by"], 1);
    assert_eq!(compare.body["files"][0]["filename"], "FIX.md");
    let pr = c
        .call(
            "POST",
            "/repos/acme/hello-world/pulls",
            Some(json!({ "title": "Fix the crash", "head": "fix-crash", "base": "main", "body": "Fixes #1" })),
        )
        .await;
    assert_eq!(pr.status, StatusCode::CREATED, "{}", pr.body);
    assert_eq!(pr.body["mergeable"], true);
    assert_eq!(pr.body["commits"], 1);
    assert_eq!(pr.body["changed_files"], 1);
    let n = pr.body["number"].as_i64().unwrap();
    let files = c.get(&format!("/repos/acme/hello-world/pulls/{n}/files")).await;
    assert_eq!(files.body[0]["patch"], "@@ -0,0 +1,1 @@\n+fixed");
    let self_approve = c.call("POST", &format!("/repos/acme/hello-world/pulls/{n}/reviews"), Some(json!({ "event": "APPROVE" }))).await;
    assert_eq!(self_approve.status, StatusCode::UNPROCESSABLE_ENTITY);
    let lee = c.login("lee").await;
    let review = c
        .send(
            "POST",
            &format!("/repos/acme/hello-world/pulls/{n}/reviews"),
            Some(&json!({ "event": "APPROVE", "body": "LGTM" }).to_string()),
            &[("authorization", &format!("token {lee}"))],
        )
        .await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    assert_eq!(review.body["state"], "APPROVED");
    let merged = c.call("PUT", &format!("/repos/acme/hello-world/pulls/{n}/merge"), Some(json!({ "merge_method": "squash" }))).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    assert_eq!(merged.body["merged"], true);
    let tip = c.get("/repos/acme/hello-world/commits/main").await;
    assert_eq!(tip.body["sha"], merged.body["sha"]);
    assert_eq!(tip.body["parents"].as_array().unwrap().len(), 1, "a squash merge has one parent");
    assert_eq!(tip.body["parents"][0]["sha"], json!(base_sha));
    assert_eq!(tip.body["commit"]["message"].as_str().unwrap().lines().next().unwrap(), format!("Fix the crash (#{n})"));
    assert_eq!(tip.body["files"][0]["filename"], "FIX.md");
    let again = c.call("PUT", &format!("/repos/acme/hello-world/pulls/{n}/merge"), None).await;
    assert_eq!(again.status, StatusCode::METHOD_NOT_ALLOWED);
    let issue1 = c.get("/repos/acme/hello-world/issues/1").await;
    assert_eq!(issue1.body["state"], "closed", "merging into the default branch closes `Fixes #1`");
    let pr_after = c.get(&format!("/repos/acme/hello-world/pulls/{n}")).await;
    assert_eq!(pr_after.body["merged"], true);
    assert_eq!(pr_after.body["merge_commit_sha"], merged.body["sha"]);
}

#[tokio::test]
async fn merge_and_rebase_produce_githubs_commits() {
    let c = clone().await;
    // The seeded pull request #4 (feature/greeting) merges with a merge commit.
    let merged = c.call("PUT", "/repos/acme/hello-world/pulls/4/merge", Some(json!({ "merge_method": "merge" }))).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    let tip = c.get(&format!("/repos/acme/hello-world/git/commits/{}", merged.body["sha"].as_str().unwrap())).await;
    assert_eq!(tip.body["parents"].as_array().unwrap().len(), 2);
    assert!(tip.body["message"].as_str().unwrap().starts_with("Merge pull request #4 from acme/feature/greeting"));
    // docs/typo rebases onto the new main, keeping its author.
    let pr = c.call("POST", "/repos/acme/hello-world/pulls", Some(json!({ "title": "Typo", "head": "docs/typo", "base": "main" }))).await;
    assert_eq!(pr.status, StatusCode::CREATED, "{}", pr.body);
    let n = pr.body["number"].as_i64().unwrap();
    let rebased = c.call("PUT", &format!("/repos/acme/hello-world/pulls/{n}/merge"), Some(json!({ "merge_method": "rebase" }))).await;
    assert_eq!(rebased.status, StatusCode::OK, "{}", rebased.body);
    let head = c.get("/repos/acme/hello-world/commits/main").await;
    assert_eq!(head.body["commit"]["author"]["name"], "Lee Park");
    assert_eq!(head.body["commit"]["message"], "Fix a typo in the README\n");
    assert_eq!(head.body["parents"][0]["sha"], merged.body["sha"]);
    let readme = c.get("/repos/acme/hello-world/contents/README.md").await;
    let text = base64::engine::general_purpose::STANDARD.decode(readme.body["content"].as_str().unwrap().replace('\n', "")).unwrap();
    assert!(String::from_utf8(text).unwrap().contains("first service!"));
    let no_diff = c.call("POST", "/repos/acme/hello-world/pulls", Some(json!({ "title": "Empty", "head": "main", "base": "main" }))).await;
    assert_eq!(no_diff.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn pushing_to_a_pull_requests_head_sends_push_and_synchronize() {
    let c = clone().await;
    let (addr, seen) = receiver().await;
    let hook = c
        .call(
            "POST",
            "/repos/acme/hello-world/hooks",
            Some(json!({ "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["push", "pull_request"] })),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED);
    let file = c.get("/repos/acme/hello-world/contents/src/hello.py?ref=feature/greeting").await;
    let put = c
        .call(
            "PUT",
            "/repos/acme/hello-world/contents/src/hello.py",
            Some(json!({ "message": "More", "content": b64("print(1)\n"), "sha": file.body["sha"], "branch": "feature/greeting" })),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let sync = wait_for(&seen, "pull_request", "synchronize").await;
    assert_eq!(sync["number"], 4);
    assert_eq!(sync["after"], put.body["commit"]["sha"]);
    assert_eq!(sync["pull_request"]["head"]["sha"], put.body["commit"]["sha"]);
    let delivered = seen.lock().unwrap().clone();
    let push = delivered.iter().find(|(h, _)| h["x-github-event"] == "push").expect("a push delivery");
    let payload: Value = serde_json::from_slice(&push.1).unwrap();
    assert_eq!(payload["ref"], "refs/heads/feature/greeting");
    assert_eq!(payload["head_commit"]["id"], put.body["commit"]["sha"]);
    assert!(push.0.get("x-hub-signature-256").is_none(), "no secret, no signature");
}

#[tokio::test]
async fn webhook_deliveries_are_signed_and_logged() {
    let c = clone().await;
    let (addr, seen) = receiver().await;
    let hook = c
        .call("POST", "/repos/acme/hello-world/hooks", Some(json!({ "config": { "url": format!("http://{addr}/hook"), "content_type": "json", "secret": "s3cret" }, "events": ["issues"] })))
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.body);
    assert_eq!(hook.body["config"]["secret"], "********");
    c.call("POST", "/repos/acme/hello-world/issues", Some(json!({ "title": "Hooked" }))).await;
    let mut got = Vec::new();
    for _ in 0..100 {
        got = seen.lock().unwrap().clone();
        if got.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(got.len(), 2, "a ping on creation, then the issue");
    let events: Vec<String> = got.iter().map(|(h, _)| h["x-github-event"].to_str().unwrap().to_string()).collect();
    let (headers, body) = got.iter().find(|(h, _)| h["x-github-event"] == "issues").unwrap_or_else(|| panic!("{events:?}"));
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(body);
    assert_eq!(headers["x-hub-signature-256"].to_str().unwrap(), format!("sha256={}", hex::encode(mac.finalize().into_bytes())));
    assert!(headers.get("x-github-delivery").is_some());
    let payload: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(payload["action"], "opened");
    assert_eq!(payload["issue"]["title"], "Hooked");
    let id = hook.body["id"].as_i64().unwrap();
    let mut log = Value::Null;
    for _ in 0..100 {
        log = c.get(&format!("/repos/acme/hello-world/hooks/{id}/deliveries")).await.body;
        if log.as_array().is_some_and(|a| a.len() == 2) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(log.as_array().unwrap().len(), 2, "{log}");
    assert!(log.as_array().unwrap().iter().all(|d| d["status_code"] == 200));
    // The control plane's log: for a site admin (dana) or the clone's admin token.
    let control = c.get("/api/_asym/deliveries").await;
    assert_eq!(control.body["deliveries"].as_array().unwrap().len(), 2, "{}", control.body);
    let lee = c.login("lee").await;
    let denied = c.send("GET", "/api/_asym/deliveries", None, &[("authorization", &format!("token {lee}"))]).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn repositories_are_created_for_users_and_orgs_and_listed() {
    let c = clone().await;
    let mine = c.call("POST", "/user/repos", Some(json!({ "name": "scratch", "auto_init": true, "private": true }))).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
    assert_eq!(mine.body["full_name"], "dana/scratch");
    assert_eq!(mine.body["default_branch"], "main");
    let readme = c.get("/repos/dana/scratch/readme").await;
    assert_eq!(readme.status, StatusCode::OK);
    let org = c.call("POST", "/orgs/acme/repos", Some(json!({ "name": "api", "description": "The API" }))).await;
    assert_eq!(org.status, StatusCode::CREATED);
    assert_eq!(org.body["owner"]["type"], "Organization");
    let dup = c.call("POST", "/orgs/acme/repos", Some(json!({ "name": "api" }))).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    let listed = c.get("/orgs/acme/repos?sort=full_name").await;
    let names: Vec<&str> = listed.body.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["api", "hello-world", "secret-plans"]);
    let empty = c.get("/repos/acme/api/contents/README.md").await;
    assert_eq!(empty.status, StatusCode::NOT_FOUND);
    assert_eq!(empty.body["message"], "This repository is empty.");
    let edited = c.call("PATCH", "/repos/acme/api", Some(json!({ "description": "Edited", "has_wiki": false }))).await;
    assert_eq!(edited.body["description"], "Edited");
    assert_eq!(edited.body["has_wiki"], false);
    let gone = c.call("DELETE", "/repos/acme/api", None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/repos/acme/api").await.status, StatusCode::NOT_FOUND);
    let members = c.get("/orgs/acme/members").await;
    assert_eq!(members.body.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn statuses_diffs_raw_contents_and_branch_merges() {
    let c = clone().await;
    let main = c.get("/repos/acme/hello-world/commits/main").await;
    let sha = main.body["sha"].as_str().unwrap().to_string();
    let pending =
        c.call("POST", &format!("/repos/acme/hello-world/statuses/{sha}"), Some(json!({ "state": "pending", "context": "ci/test" }))).await;
    assert_eq!(pending.status, StatusCode::CREATED, "{}", pending.body);
    let combined = c.get("/repos/acme/hello-world/commits/main/status").await;
    assert_eq!(combined.body["state"], "pending");
    c.call("POST", &format!("/repos/acme/hello-world/statuses/{sha}"), Some(json!({ "state": "success", "context": "ci/test" }))).await;
    c.call("POST", &format!("/repos/acme/hello-world/statuses/{sha}"), Some(json!({ "state": "success", "context": "lint" }))).await;
    let combined = c.get("/repos/acme/hello-world/commits/main/status").await;
    assert_eq!(combined.body["state"], "success");
    assert_eq!(combined.body["total_count"], 2, "the latest status per context");
    let bad = c.call("POST", &format!("/repos/acme/hello-world/statuses/{sha}"), Some(json!({ "state": "great" }))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Media types: a pull request as a diff, a file as raw bytes.
    let auth = format!("token {}", c.token);
    let diff = c
        .app
        .clone()
        .oneshot(
            Request::get("/repos/acme/hello-world/pulls/4")
                .header("authorization", &auth)
                .header("accept", "application/vnd.github.diff")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(diff.status(), StatusCode::OK);
    let text = String::from_utf8(diff.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(text.starts_with("diff --git a/src/hello.py b/src/hello.py\nindex "), "{text}");
    assert!(text.contains("+    if lang == \"pt\":"), "{text}");
    let raw = c
        .app
        .clone()
        .oneshot(
            Request::get("/repos/acme/hello-world/contents/src/hello.py")
                .header("authorization", &auth)
                .header("accept", "application/vnd.github.raw+json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let text = String::from_utf8(raw.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(text.starts_with("def hello(name):"), "{text}");
    // The Merges API merges a branch into another with a two-parent commit.
    let merged = c.call("POST", "/repos/acme/hello-world/merges", Some(json!({ "base": "main", "head": "docs/typo" }))).await;
    assert_eq!(merged.status, StatusCode::CREATED, "{}", merged.body);
    assert_eq!(merged.body["parents"].as_array().unwrap().len(), 2);
    let nothing = c.call("POST", "/repos/acme/hello-world/merges", Some(json!({ "base": "main", "head": "docs/typo" }))).await;
    assert_eq!(nothing.status, StatusCode::NO_CONTENT);
    // The open pull request's head gets main merged into it.
    let update = c.call("PUT", "/repos/acme/hello-world/pulls/4/update-branch", None).await;
    assert_eq!(update.status, StatusCode::ACCEPTED, "{}", update.body);
    let pr = c.get("/repos/acme/hello-world/pulls/4").await;
    assert_eq!(pr.body["mergeable"], true);
    let commits = c.get("/repos/acme/hello-world/pulls/4/commits").await;
    assert_eq!(commits.body.as_array().unwrap().len(), 2, "the feature commit and the update merge");
}

#[tokio::test]
async fn review_comments_sit_on_changed_lines_only() {
    let c = clone().await;
    let pr = c.get("/repos/acme/hello-world/pulls/4").await;
    let head = pr.body["head"]["sha"].as_str().unwrap().to_string();
    let comment = c
        .call(
            "POST",
            "/repos/acme/hello-world/pulls/4/comments",
            Some(json!({ "body": "Nice", "commit_id": head, "path": "src/hello.py", "line": 2, "side": "RIGHT" })),
        )
        .await;
    assert_eq!(comment.status, StatusCode::CREATED, "{}", comment.body);
    assert!(comment.body["diff_hunk"].as_str().unwrap().starts_with("@@ "));
    let id = comment.body["id"].as_i64().unwrap();
    let reply = c.call("POST", "/repos/acme/hello-world/pulls/4/comments", Some(json!({ "body": "Thanks", "in_reply_to": id }))).await;
    assert_eq!(reply.body["in_reply_to_id"], id);
    assert_eq!(reply.body["path"], "src/hello.py");
    let elsewhere = c
        .call(
            "POST",
            "/repos/acme/hello-world/pulls/4/comments",
            Some(json!({ "body": "?", "commit_id": head, "path": "README.md", "line": 1 })),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    let react = c.call("POST", &format!("/repos/acme/hello-world/pulls/comments/{id}/reactions"), Some(json!({ "content": "eyes" }))).await;
    assert_eq!(react.status, StatusCode::CREATED);
    let listed = c.get("/repos/acme/hello-world/pulls/4/comments").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
    assert_eq!(listed.body[0]["reactions"]["eyes"], 1);
    let requested = c.get("/repos/acme/hello-world/pulls/4/requested_reviewers").await;
    assert_eq!(requested.body["users"][0]["login"], "dana");
}

#[tokio::test]
async fn releases_tag_the_target_when_published() {
    let c = clone().await;
    let draft =
        c.call("POST", "/repos/acme/hello-world/releases", Some(json!({ "tag_name": "v1.0.0", "name": "First", "draft": true }))).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    assert_eq!(draft.body["draft"], true);
    assert_eq!(c.get("/repos/acme/hello-world/git/ref/tags/v1.0.0").await.status, StatusCode::NOT_FOUND, "a draft makes no tag");
    let id = draft.body["id"].as_i64().unwrap();
    let olly = c.login("olly").await;
    let hidden =
        c.send("GET", &format!("/repos/acme/hello-world/releases/{id}"), None, &[("authorization", &format!("token {olly}"))]).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "drafts are for those who can push");
    let published = c.call("PATCH", &format!("/repos/acme/hello-world/releases/{id}"), Some(json!({ "draft": false }))).await;
    assert_eq!(published.body["draft"], false);
    assert!(published.body["published_at"].is_string());
    let main = c.get("/repos/acme/hello-world/commits/main").await;
    let tag = c.get("/repos/acme/hello-world/git/ref/tags/v1.0.0").await;
    assert_eq!(tag.body["object"]["sha"], main.body["sha"]);
    assert_eq!(c.get("/repos/acme/hello-world/releases/latest").await.body["tag_name"], "v1.0.0");
    assert_eq!(c.get("/repos/acme/hello-world/releases/tags/v1.0.0").await.body["id"], id);
    assert_eq!(c.get("/repos/acme/hello-world/tags").await.body[0]["name"], "v1.0.0");
    let dup = c.call("POST", "/repos/acme/hello-world/releases", Some(json!({ "tag_name": "v1.0.0" }))).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.body["errors"][0]["code"], "already_exists");
    assert_eq!(c.call("DELETE", &format!("/repos/acme/hello-world/releases/{id}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/repos/acme/hello-world/releases/latest").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn org_admins_manage_members_and_reviews_can_be_dismissed() {
    let c = clone().await;
    let edited = c.call("PATCH", "/orgs/acme", Some(json!({ "description": "We make more", "location": "Porto" }))).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.body["description"], "We make more");
    let lee = c.login("lee").await;
    let not_owner =
        c.send("PATCH", "/orgs/acme", Some(&json!({ "name": "x" }).to_string()), &[("authorization", &format!("token {lee}"))]).await;
    assert_eq!(not_owner.status, StatusCode::FORBIDDEN);
    // Setting a non-member's membership invites them; they join by accepting.
    let added = c.call("PUT", "/orgs/acme/memberships/olly", Some(json!({ "role": "member" }))).await;
    assert_eq!(added.body["role"], "member");
    assert_eq!(added.body["state"], "pending");
    let olly = c.login("olly").await;
    let pending = c.send("GET", "/repos/acme/secret-plans", None, &[("authorization", &format!("token {olly}"))]).await;
    assert_eq!(pending.status, StatusCode::NOT_FOUND, "an invitee sees nothing private yet");
    let accepted = c
        .send(
            "PATCH",
            "/user/memberships/orgs/acme",
            Some(&json!({ "state": "active" }).to_string()),
            &[("authorization", &format!("token {olly}"))],
        )
        .await;
    assert_eq!(accepted.body["state"], "active", "{}", accepted.body);
    let now_visible = c.send("GET", "/repos/acme/secret-plans", None, &[("authorization", &format!("token {olly}"))]).await;
    assert_eq!(now_visible.status, StatusCode::OK, "members see the org's private repositories");
    assert_eq!(c.call("DELETE", "/orgs/acme/members/olly", None).await.status, StatusCode::NO_CONTENT);
    let hidden = c.send("GET", "/repos/acme/secret-plans", None, &[("authorization", &format!("token {olly}"))]).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/organizations").await.body[0]["login"], "acme");
    // Lee approves the seeded pull request; dana dismisses the approval.
    let review = c
        .send(
            "POST",
            "/repos/acme/hello-world/pulls/4/reviews",
            Some(&json!({ "event": "APPROVE" }).to_string()),
            &[("authorization", &format!("token {lee}"))],
        )
        .await;
    let id = review.body["id"].as_i64().unwrap();
    let dismissed = c
        .call(
            "PUT",
            &format!("/repos/acme/hello-world/pulls/4/reviews/{id}/dismissals"),
            Some(json!({ "message": "stale", "event": "DISMISS" })),
        )
        .await;
    assert_eq!(dismissed.body["state"], "DISMISSED");
    let again =
        c.call("PUT", &format!("/repos/acme/hello-world/pulls/4/reviews/{id}/dismissals"), Some(json!({ "message": "again" }))).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let labels = c.get("/repos/acme/hello-world/milestones/1/labels").await;
    let names: Vec<&str> = labels.body.as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["bug", "priority: high"]);
}

#[tokio::test]
async fn a_deleted_token_is_bad_credentials_at_once() {
    let c = clone().await;
    let login = c
        .send(
            "POST",
            "/api/login",
            Some(&json!({ "login": "sam", "password": "password123" }).to_string()),
            &[("content-type", "application/json")],
        )
        .await;
    let token = login.body["token"].as_str().unwrap().to_string();
    let id = login.body["id"].as_i64().unwrap();
    let auth = format!("token {token}");
    assert_eq!(c.send("GET", "/user", None, &[("authorization", &auth)]).await.body["login"], "sam");
    let wrong = c
        .send(
            "POST",
            "/api/login",
            Some(&json!({ "login": "sam", "password": "nope" }).to_string()),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let basic = format!("Basic {}", b64("sam:password123"));
    let listed = c.send("GET", "/api/tokens", None, &[("authorization", &basic)]).await;
    assert!(listed.body.as_array().unwrap().iter().any(|t| t["id"] == id));
    assert!(listed.body.as_array().unwrap().iter().all(|t| t.get("token").is_none()), "tokens are shown once");
    let gone = c.send("DELETE", &format!("/api/tokens/{id}"), None, &[("authorization", &basic)]).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let after = c.send("GET", "/user", None, &[("authorization", &auth)]).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.body["message"], "Bad credentials");
}

#[tokio::test]
async fn code_user_and_commit_search() {
    let c = clone().await;
    let code = c.get("/search/code?q=hello+repo:acme/hello-world+language:python").await;
    assert_eq!(code.status, StatusCode::OK, "{}", code.body);
    let paths: Vec<&str> = code.body["items"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["src/hello.py", "tests/test_hello.py"]);
    assert_eq!(code.headers["x-ratelimit-resource"], "code_search");
    assert_eq!(code.headers["x-ratelimit-limit"], "10");
    let by_name = c.get("/search/code?q=filename:.gitignore+org:acme").await;
    assert_eq!(by_name.body["total_count"], 1);
    let private = c.get("/search/code?q=domination").await;
    assert_eq!(private.body["total_count"], 1, "members find code in private repositories");
    let olly = c.login("olly").await;
    let outsider = c.send("GET", "/search/code?q=domination", None, &[("authorization", &format!("token {olly}"))]).await;
    assert_eq!(outsider.body["total_count"], 0, "outsiders do not");
    let anon = c.send("GET", "/search/code?q=hello", None, &[]).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    let users = c.get("/search/users?q=acme.test+in:email+type:user").await;
    assert_eq!(users.body["total_count"], 3);
    let orgs = c.get("/search/users?q=acme+type:org").await;
    assert_eq!(orgs.body["items"][0]["login"], "acme");
    let commits = c.get("/search/commits?q=typo+repo:acme/hello-world").await;
    assert_eq!(commits.body["total_count"], 0, "docs/typo is not on the default branch");
    let commits = c.get("/search/commits?q=usage+author:dana").await;
    assert_eq!(commits.body["total_count"], 1);
    assert_eq!(commits.body["items"][0]["repository"]["full_name"], "acme/hello-world");
    let missing = c.get("/search/code").await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_annotated_tag_has_gits_id_and_peels_to_its_commit() {
    let c = clone().await;
    let main = c.get("/repos/acme/hello-world/commits/main").await;
    let commit = main.body["sha"].as_str().unwrap().to_string();
    let tag = c
        .call(
            "POST",
            "/repos/acme/hello-world/git/tags",
            Some(json!({ "tag": "v0.1.0", "message": "First tag\n", "object": commit, "type": "commit", "tagger": { "name": "Dana Reyes", "email": "dana@acme.test", "date": "2024-02-01T10:00:00Z" } })),
        )
        .await;
    assert_eq!(tag.status, StatusCode::CREATED, "{}", tag.body);
    let raw = format!("object {commit}\ntype commit\ntag v0.1.0\ntagger Dana Reyes <dana@acme.test> 1706781600 +0000\n\nFirst tag\n");
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"], &[], None);
    assert_eq!(tag.body["sha"], git(dir.path(), &["hash-object", "-t", "tag", "--stdin"], &[], Some(raw.as_bytes())));
    let reff = c.call("POST", "/repos/acme/hello-world/git/refs", Some(json!({ "ref": "refs/tags/v0.1.0", "sha": tag.body["sha"] }))).await;
    assert_eq!(reff.status, StatusCode::CREATED, "{}", reff.body);
    assert_eq!(reff.body["object"]["type"], "tag");
    assert_eq!(c.get("/repos/acme/hello-world/tags").await.body[0]["commit"]["sha"], json!(commit));
    assert_eq!(c.get("/repos/acme/hello-world/commits/v0.1.0").await.body["sha"], json!(commit));
    let got = c.get(&format!("/repos/acme/hello-world/git/tags/{}", tag.body["sha"].as_str().unwrap())).await;
    assert_eq!(got.body["tagger"]["date"], "2024-02-01T10:00:00Z");
    let branch_to_tag =
        c.call("POST", "/repos/acme/hello-world/git/refs", Some(json!({ "ref": "refs/heads/odd", "sha": tag.body["sha"] }))).await;
    assert_eq!(branch_to_tag.status, StatusCode::UNPROCESSABLE_ENTITY, "a branch must point at a commit");
}

#[tokio::test]
async fn teams_grant_repository_access_and_review_requests_with_githubs_errors() {
    let c = clone().await;
    let olly = c.login("olly").await;
    let lee = c.login("lee").await;
    let as_user = |tok: &str| format!("token {tok}");
    let r = c.call("POST", "/orgs/acme/repos", Some(json!({ "name": "vault", "private": true, "auto_init": true }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let branch = r.body["default_branch"].as_str().unwrap().to_string();
    let olly_h = as_user(&olly);
    let ohdr: [(&str, &str); 2] = [("authorization", &olly_h), ("content-type", "application/json")];
    assert_eq!(c.send("GET", "/repos/acme/vault", None, &ohdr).await.status, StatusCode::NOT_FOUND);

    // Validation Failed with `errors`, as GitHub answers.
    let r = c.call("POST", "/orgs/acme/teams", Some(json!({ "description": "no name" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["message"], "Validation Failed");
    assert_eq!(r.body["errors"][0]["code"], "missing_field");
    assert_eq!(r.body["errors"][0]["field"], "name");
    let r = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "X", "privacy": "public" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["field"], "privacy");

    let r = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Core Platform", "description": "Core", "privacy": "secret" }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["slug"], "core-platform");
    assert_eq!(r.body["members_count"], 1, "the creator maintains the team");
    assert_eq!(r.body["organization"]["login"], "acme");
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["url"], format!("{BASE}/teams/{id}"));
    let olly_list = c.send("GET", "/orgs/acme/teams", None, &ohdr).await;
    assert_eq!(olly_list.status, StatusCode::FORBIDDEN, "an outsider cannot list the org's teams");
    let r = c
        .call("POST", "/orgs/acme/teams", Some(json!({ "name": "Docs", "maintainers": ["lee"], "repo_names": ["acme/hello-world"] })))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!((r.body["members_count"].as_i64(), r.body["repos_count"].as_i64()), (Some(1), Some(1)));
    let m = c.get("/orgs/acme/teams/docs/memberships/lee").await;
    assert_eq!(m.body["role"], "maintainer");
    let r = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Ghost", "repo_names": ["acme/nope"] }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "core platform" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["errors"][0]["message"], "Name must be unique for this org");

    // A secret team is invisible to an org member outside it.
    let lee_h = as_user(&lee);
    let lhdr: [(&str, &str); 2] = [("authorization", &lee_h), ("content-type", "application/json")];
    assert_eq!(c.send("GET", "/orgs/acme/teams/core-platform", None, &lhdr).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/orgs/acme/teams/nope").await.status, StatusCode::NOT_FOUND);

    let r = c.call("PUT", "/orgs/acme/teams/core-platform/memberships/olly", Some(json!({ "role": "boss" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.call("PUT", "/orgs/acme/teams/core-platform/memberships/olly", Some(json!({ "role": "member" }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["role"].as_str(), r.body["state"].as_str()), (Some("member"), Some("pending")), "olly is outside acme: invited");
    let r = c.send("PATCH", "/user/memberships/orgs/acme", Some(r#"{"state":"active"}"#), &ohdr).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(c.get("/orgs/acme/teams/core-platform/memberships/olly").await.body["state"], "active");
    let r = c.call("PUT", "/orgs/acme/teams/core-platform/repos/acme/vault", Some(json!({ "permission": "write" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.call("PUT", "/orgs/acme/teams/core-platform/repos/acme/vault", Some(json!({ "permission": "push" }))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/teams/core-platform/repos/acme/vault").await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/teams/core-platform/repos/acme/hello-world").await.status, StatusCode::NOT_FOUND);

    // The team's push permission reaches its member.
    let r = c.send("GET", "/repos/acme/vault", None, &ohdr).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["permissions"]["push"], true);
    assert_eq!(r.body["permissions"]["admin"], false);
    let r = c.send("GET", "/user/teams", None, &ohdr).await;
    assert_eq!(r.body.as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect::<Vec<_>>(), vec!["core-platform"]);
    // A team member (not maintainer) cannot manage it.
    let r = c.send("PATCH", &format!("/teams/{id}"), Some(r#"{"name":"Mine"}"#), &ohdr).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let main = c.get(&format!("/repos/acme/vault/git/ref/heads/{branch}")).await.body["object"]["sha"].as_str().unwrap().to_string();
    let body = json!({ "ref": "refs/heads/olly-fix", "sha": main }).to_string();
    assert_eq!(c.send("POST", "/repos/acme/vault/git/refs", Some(&body), &ohdr).await.status, StatusCode::CREATED);
    let body = json!({ "message": "Fix", "content": b64("fixed\n"), "branch": "olly-fix" }).to_string();
    assert_eq!(c.send("PUT", "/repos/acme/vault/contents/FIX.md", Some(&body), &ohdr).await.status, StatusCode::CREATED);
    let body = json!({ "title": "Fix", "head": "olly-fix", "base": branch }).to_string();
    let pr = c.send("POST", "/repos/acme/vault/pulls", Some(&body), &ohdr).await;
    assert_eq!(pr.status, StatusCode::CREATED, "{}", pr.body);
    let n = pr.body["number"].as_i64().unwrap();
    let reviewers = format!("/repos/acme/vault/pulls/{n}/requested_reviewers");
    let r = c.send("POST", &reviewers, Some(r#"{"team_reviewers":["ghosts"]}"#), &ohdr).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.send("POST", &reviewers, Some(r#"{"team_reviewers":["core-platform"]}"#), &ohdr).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["requested_teams"][0]["slug"], "core-platform");
    assert_eq!(c.get(&reviewers).await.body["teams"][0]["id"], id);
    let r = c.call("DELETE", &reviewers, Some(json!({ "reviewers": [], "team_reviewers": ["core-platform"] }))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["requested_teams"], json!([]));

    // Deleting the team takes it from its member; olly keeps what every acme member has.
    assert_eq!(c.call("DELETE", "/orgs/acme/teams/core-platform", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.send("GET", "/user/teams", None, &ohdr).await.body, json!([]));
    assert_eq!(c.get(&format!("/teams/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_fork_shares_its_parents_objects_and_its_pull_requests_merge_into_the_parent() {
    let c = clone().await;
    let olly = c.login("olly").await;
    let olly_h = format!("token {olly}");
    let ohdr: [(&str, &str); 2] = [("authorization", &olly_h), ("content-type", "application/json")];
    let parent = c.get("/repos/acme/hello-world").await.body;
    let branch = parent["default_branch"].as_str().unwrap().to_string();
    let tip = c.get(&format!("/repos/acme/hello-world/branches/{branch}")).await.body["commit"]["sha"].as_str().unwrap().to_string();

    let f = c.send("POST", "/repos/acme/hello-world/forks", Some(r#"{"default_branch_only":true}"#), &ohdr).await;
    assert_eq!(f.status, StatusCode::ACCEPTED, "{}", f.body);
    assert_eq!(f.body["full_name"], "olly/hello-world");
    assert_eq!(f.body["fork"], true);
    assert_eq!(f.body["parent"]["full_name"], "acme/hello-world");
    assert_eq!(f.body["source"]["full_name"], "acme/hello-world");
    // The fork has the parent's commits, by the same ids.
    let r = c.send("GET", &format!("/repos/olly/hello-world/branches/{branch}"), None, &ohdr).await;
    assert_eq!(r.body["commit"]["sha"], tip);
    assert_eq!(c.send("GET", "/repos/olly/hello-world/branches", None, &ohdr).await.body.as_array().unwrap().len(), 1);
    let again = c.send("POST", "/repos/acme/hello-world/forks", None, &ohdr).await;
    assert_eq!(again.body["id"], f.body["id"], "forking again answers the existing fork");
    let forks = c.get("/repos/acme/hello-world/forks").await.body;
    assert_eq!(forks.as_array().unwrap().iter().map(|x| x["full_name"].as_str().unwrap()).collect::<Vec<_>>(), vec!["olly/hello-world"]);
    assert_eq!(c.get("/repos/acme/hello-world").await.body["forks_count"], 1);
    let r = c.call("POST", "/repos/acme/hello-world/forks", Some(json!({ "organization": "nowhere" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A branch and a commit in the fork, and a pull request into the parent.
    let body = json!({ "ref": "refs/heads/typo", "sha": tip }).to_string();
    assert_eq!(c.send("POST", "/repos/olly/hello-world/git/refs", Some(&body), &ohdr).await.status, StatusCode::CREATED);
    let body = json!({ "message": "Add THANKS", "content": b64("thanks\n"), "branch": "typo" }).to_string();
    let put = c.send("PUT", "/repos/olly/hello-world/contents/THANKS.md", Some(&body), &ohdr).await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);
    let head = put.body["commit"]["sha"].as_str().unwrap().to_string();
    let body = json!({ "title": "Thanks", "head": "nobody:typo", "base": branch }).to_string();
    assert_eq!(c.send("POST", "/repos/acme/hello-world/pulls", Some(&body), &ohdr).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = json!({ "title": "Thanks", "head": "olly:typo", "base": branch }).to_string();
    let pr = c.send("POST", "/repos/acme/hello-world/pulls", Some(&body), &ohdr).await;
    assert_eq!(pr.status, StatusCode::CREATED, "{}", pr.body);
    assert_eq!(pr.body["head"]["label"], "olly:typo");
    assert_eq!(pr.body["head"]["repo"]["full_name"], "olly/hello-world");
    assert_eq!(pr.body["head"]["sha"], head);
    assert_eq!(pr.body["base"]["repo"]["full_name"], "acme/hello-world");
    let n = pr.body["number"].as_i64().unwrap();
    // A second push to the fork's branch moves the pull request's head.
    let sha = put.body["content"]["sha"].as_str().unwrap();
    let body = json!({ "message": "More thanks", "content": b64("thanks!\n"), "branch": "typo", "sha": sha }).to_string();
    let put2 = c.send("PUT", "/repos/olly/hello-world/contents/THANKS.md", Some(&body), &ohdr).await;
    let head2 = put2.body["commit"]["sha"].as_str().unwrap().to_string();
    let got = c.get(&format!("/repos/acme/hello-world/pulls/{n}")).await;
    assert_eq!(got.body["head"]["sha"], head2);
    assert_eq!(got.body["commits"], 2);
    // The outsider cannot merge into the parent; the maintainer can.
    let merge = format!("/repos/acme/hello-world/pulls/{n}/merge");
    assert_eq!(c.send("PUT", &merge, Some("{}"), &ohdr).await.status, StatusCode::FORBIDDEN);
    let m = c.call("PUT", &merge, Some(json!({ "merge_method": "merge" }))).await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.body);
    let commit = c.get(&format!("/repos/acme/hello-world/git/commits/{}", m.body["sha"].as_str().unwrap())).await.body;
    assert_eq!(
        commit["parents"].as_array().unwrap().iter().map(|p| p["sha"].as_str().unwrap()).collect::<Vec<_>>(),
        vec![tip.as_str(), head2.as_str()]
    );
    assert!(commit["message"].as_str().unwrap().starts_with(&format!("Merge pull request #{n} from olly/typo")));
    let file = c.get("/repos/acme/hello-world/contents/THANKS.md").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(c.get(&format!("/repos/acme/hello-world/branches/{branch}")).await.body["commit"]["sha"], m.body["sha"]);
}

#[tokio::test]
async fn mentions_assignments_and_review_requests_notify_and_are_marked_read() {
    let c = clone().await;
    let (lee, sam) = (c.login("lee").await, c.login("sam").await);
    let (lee_h, sam_h) = (format!("token {lee}"), format!("token {sam}"));
    let lhdr: [(&str, &str); 2] = [("authorization", &lee_h), ("content-type", "application/json")];
    let shdr: [(&str, &str); 2] = [("authorization", &sam_h), ("content-type", "application/json")];
    let i = c
        .call("POST", "/repos/acme/hello-world/issues", Some(json!({ "title": "Ping", "body": "cc @lee @dana", "assignees": ["sam"] })))
        .await;
    assert_eq!(i.status, StatusCode::CREATED);
    let n = i.body["number"].as_i64().unwrap();

    let mine = c.send("GET", "/notifications", None, &lhdr).await.body;
    let threads = mine.as_array().unwrap();
    assert_eq!(threads.len(), 1, "{mine}");
    assert_eq!(threads[0]["reason"], "mention");
    assert_eq!(threads[0]["unread"], true);
    assert_eq!(threads[0]["subject"]["type"], "Issue");
    assert_eq!(threads[0]["subject"]["url"], format!("{BASE}/repos/acme/hello-world/issues/{n}"));
    assert_eq!(threads[0]["repository"]["full_name"], "acme/hello-world");
    let sams = c.send("GET", "/notifications", None, &shdr).await.body;
    assert_eq!(sams[0]["reason"], "assign");
    // The actor is not notified of their own mention.
    assert_eq!(c.get("/notifications").await.body, json!([]));

    let thread = threads[0]["id"].as_str().unwrap().to_string();
    assert_eq!(c.get(&format!("/notifications/threads/{thread}")).await.status, StatusCode::NOT_FOUND, "another user's thread");
    let r = c.send("PATCH", &format!("/notifications/threads/{thread}"), None, &lhdr).await;
    assert_eq!(r.status, StatusCode::RESET_CONTENT);
    assert_eq!(c.send("GET", "/notifications", None, &lhdr).await.body, json!([]));
    let all = c.send("GET", "/notifications?all=true", None, &lhdr).await.body;
    assert_eq!(all[0]["unread"], false);
    assert!(all[0]["last_read_at"].is_string());
    assert_eq!(c.send("GET", "/notifications?since=yesterday", None, &lhdr).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let r = c.send("PUT", "/notifications", Some("{}"), &shdr).await;
    assert_eq!(r.status, StatusCode::RESET_CONTENT);
    assert_eq!(c.send("GET", "/notifications", None, &shdr).await.body, json!([]));
    // A new comment mentioning sam makes the thread unread again.
    let body = json!({ "body": "@sam please look" }).to_string();
    assert_eq!(
        c.send("POST", &format!("/repos/acme/hello-world/issues/{n}/comments"), Some(&body), &lhdr).await.status,
        StatusCode::CREATED
    );
    let again = c.send("GET", "/repos/acme/hello-world/notifications", None, &shdr).await.body;
    assert_eq!((again[0]["id"].as_str(), again[0]["reason"].as_str()), (sams[0]["id"].as_str(), Some("mention")));
    assert_eq!(
        c.send("DELETE", &format!("/notifications/threads/{}", again[0]["id"].as_str().unwrap()), None, &shdr).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(c.send("GET", "/notifications?all=true", None, &shdr).await.body, json!([]));
}
