//! Router-level tests of the Checks API, commit comments, deployments and
//! environments, repository invitations and release assets: the whole clone app
//! on a temporary SQLite database seeded with `acme`, driven with `oneshot`.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::*;
use tower::ServiceExt;

async fn head_of(c: &Clone, repo: &str, branch: &str) -> String {
    let b = c.get(&format!("/repos/{repo}/branches/{branch}")).await;
    b.body["commit"]["sha"].as_str().unwrap_or_else(|| panic!("{}", b.body)).to_string()
}

#[tokio::test]
async fn check_runs_roll_up_into_their_suite_and_list_for_the_ref() {
    let c = clone().await;
    let (addr, seen) = receiver().await;
    let hook =
        json!({ "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["check_run", "check_suite"] });
    assert_eq!(c.call("POST", "/repos/acme/hello-world/hooks", Some(hook)).await.status, StatusCode::CREATED);
    let sha = head_of(&c, "acme/hello-world", "main").await;
    let run = c
        .call(
            "POST",
            "/repos/acme/hello-world/check-runs",
            Some(json!({ "name": "build", "head_sha": sha, "status": "in_progress", "external_id": "42",
                "output": { "title": "Building", "summary": "started", "annotations": [
                    { "path": "src/hello.py", "start_line": 1, "end_line": 1, "start_column": 1, "end_column": 4,
                      "annotation_level": "warning", "message": "shadowed name", "title": "W001" } ] } })),
        )
        .await;
    assert_eq!(run.status, StatusCode::CREATED, "{}", run.body);
    assert_eq!(run.body["status"], "in_progress");
    assert_eq!(run.body["conclusion"], Value::Null);
    assert!(run.body["started_at"].is_string());
    assert_eq!(run.body["output"]["annotations_count"], 1);
    assert_eq!(run.body["app"]["slug"], "asymmetric-checks");
    let created = wait_for(&seen, "check_run", "created").await;
    assert_eq!(created["check_run"]["name"], "build");
    let id = run.body["id"].as_i64().unwrap();
    let suite_id = run.body["check_suite"]["id"].as_i64().unwrap();
    let suite = c.get(&format!("/repos/acme/hello-world/check-suites/{suite_id}")).await;
    assert_eq!(suite.body["status"], "in_progress", "{}", suite.body);
    assert_eq!(suite.body["head_branch"], "main");
    assert_eq!(suite.body["head_sha"], sha.as_str());

    // A second run that fails, then the first one succeeds: the suite fails.
    let lint = c
        .call("POST", "/repos/acme/hello-world/check-runs", Some(json!({ "name": "lint", "head_sha": sha, "conclusion": "failure" })))
        .await;
    assert_eq!(lint.body["status"], "completed", "a conclusion completes the run");
    assert_eq!(lint.body["check_suite"]["id"], suite_id, "one suite per app and commit");
    let done = c
        .call("PATCH", &format!("/repos/acme/hello-world/check-runs/{id}"), Some(json!({ "conclusion": "success",
            "output": { "summary": "ok", "annotations": [{ "path": "README.md", "start_line": 2, "end_line": 3, "annotation_level": "notice", "message": "typo" }] } })))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["status"], "completed");
    assert_eq!(done.body["output"]["title"], "Building", "an update keeps the title it does not send");
    assert_eq!(done.body["output"]["annotations_count"], 2, "annotations are appended");
    wait_for(&seen, "check_run", "completed").await;
    let completed = wait_for(&seen, "check_suite", "completed").await;
    assert_eq!(completed["check_suite"]["conclusion"], "failure");
    let ann = c.get(&format!("/repos/acme/hello-world/check-runs/{id}/annotations")).await;
    assert_eq!(ann.body.as_array().unwrap().len(), 2);
    assert_eq!(ann.body[0]["annotation_level"], "warning");
    assert_eq!(ann.body[0]["start_column"], 1);

    // A rerun of `lint` on the same commit: `filter=latest` shows the newest per name.
    c.call("POST", "/repos/acme/hello-world/check-runs", Some(json!({ "name": "lint", "head_sha": sha, "status": "queued" }))).await;
    let latest = c.get("/repos/acme/hello-world/commits/main/check-runs").await;
    assert_eq!(latest.body["total_count"], 2, "{}", latest.body);
    let all = c.get("/repos/acme/hello-world/commits/main/check-runs?filter=all").await;
    assert_eq!(all.body["total_count"], 3);
    let named = c.get(&format!("/repos/acme/hello-world/commits/{sha}/check-runs?check_name=lint&filter=all&status=completed")).await;
    assert_eq!(named.body["total_count"], 1);
    assert_eq!(named.body["check_runs"][0]["conclusion"], "failure");
    let suite = c.get(&format!("/repos/acme/hello-world/check-suites/{suite_id}")).await;
    assert_eq!(suite.body["status"], "in_progress", "the queued rerun reopens the suite");
    assert_eq!(suite.body["latest_check_runs_count"], 2);
    let in_suite = c.get(&format!("/repos/acme/hello-world/check-suites/{suite_id}/check-runs?filter=all&per_page=2")).await;
    assert_eq!(in_suite.body["total_count"], 3);
    assert_eq!(in_suite.body["check_runs"].as_array().unwrap().len(), 2);
    assert!(in_suite.headers["link"].to_str().unwrap().contains("rel=\"next\""));
    let suites = c.get("/repos/acme/hello-world/commits/main/check-suites?check_name=build").await;
    assert_eq!(suites.body["total_count"], 1);
    let none = c.get("/repos/acme/hello-world/commits/main/check-suites?check_name=deploy").await;
    assert_eq!(none.body["total_count"], 0);

    // Suites: create answers 201 once, then 200 with the same suite; rerequest requeues.
    let again = c.call("POST", "/repos/acme/hello-world/check-suites", Some(json!({ "head_sha": sha }))).await;
    assert_eq!((again.status, again.body["id"].as_i64()), (StatusCode::OK, Some(suite_id)));
    let rr = c.call("POST", &format!("/repos/acme/hello-world/check-suites/{suite_id}/rerequest"), None).await;
    assert_eq!(rr.status, StatusCode::CREATED);
    wait_for(&seen, "check_suite", "rerequested").await;
    let rr = c.call("POST", &format!("/repos/acme/hello-world/check-runs/{id}/rerequest"), None).await;
    assert_eq!(rr.status, StatusCode::CREATED);
    wait_for(&seen, "check_run", "rerequested").await;
    let prefs = c
        .call(
            "PATCH",
            "/repos/acme/hello-world/check-suites/preferences",
            Some(json!({ "auto_trigger_checks": [{ "app_id": 1, "setting": false }] })),
        )
        .await;
    assert_eq!(prefs.status, StatusCode::OK, "{}", prefs.body);
    assert_eq!(prefs.body["preferences"]["auto_trigger_checks"][0]["setting"], false);
}

#[tokio::test]
async fn check_run_requests_are_validated_as_github_does() {
    let c = clone().await;
    let sha = head_of(&c, "acme/hello-world", "main").await;
    let cases = [
        (json!({ "head_sha": sha }), "\"name\" wasn't supplied."),
        (json!({ "name": "x" }), "\"head_sha\" wasn't supplied."),
        (json!({ "name": "x", "head_sha": sha, "status": "completed" }), "\"conclusion\" wasn't supplied."),
        (json!({ "name": "x", "head_sha": sha, "completed_at": "2024-01-01T00:00:00Z" }), "\"conclusion\" wasn't supplied."),
        (json!({ "name": "x", "head_sha": sha, "status": "running" }), "is not one of"),
        (json!({ "name": "x", "head_sha": sha, "conclusion": "great" }), "is not one of"),
        (json!({ "name": "x", "head_sha": sha, "output": { "summary": "s" } }), "\"title\" wasn't supplied."),
        (
            json!({ "name": "x", "head_sha": sha, "output": { "title": "t", "summary": "s", "annotations": [{ "path": "a", "start_line": 1, "end_line": 2, "start_column": 1, "annotation_level": "notice", "message": "m" }] } }),
            "same line",
        ),
        (
            json!({ "name": "x", "head_sha": sha, "output": { "title": "t", "summary": "s", "annotations": [{ "path": "a", "start_line": 1, "end_line": 1, "annotation_level": "fatal", "message": "m" }] } }),
            "is not one of",
        ),
        (json!({ "name": "x", "head_sha": "0".repeat(40) }), "No commit found for SHA"),
    ];
    for (body, message) in cases {
        let r = c.call("POST", "/repos/acme/hello-world/check-runs", Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.body["message"].as_str().unwrap().contains(message), "{body}: {}", r.body);
    }
    let many: Vec<Value> = (0..51)
        .map(|i| json!({ "path": "a", "start_line": i + 1, "end_line": i + 1, "annotation_level": "notice", "message": "m" }))
        .collect();
    let r = c
        .call(
            "POST",
            "/repos/acme/hello-world/check-runs",
            Some(json!({ "name": "x", "head_sha": sha, "output": { "title": "t", "summary": "s", "annotations": many } })),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let queued = c.call("POST", "/repos/acme/hello-world/check-runs", Some(json!({ "name": "x", "head_sha": sha }))).await;
    assert_eq!(queued.body["status"], "queued");
    assert_eq!(queued.body["started_at"], Value::Null);
    let id = queued.body["id"].as_i64().unwrap();
    let stale = c.call("PATCH", &format!("/repos/acme/hello-world/check-runs/{id}"), Some(json!({ "conclusion": "stale" }))).await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_done = c.call("POST", &format!("/repos/acme/hello-world/check-runs/{id}/rerequest"), None).await;
    assert_eq!(not_done.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.get("/repos/acme/hello-world/check-runs/999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/repos/acme/hello-world/commits/nope/check-runs").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.get("/repos/acme/hello-world/commits/main/check-runs?filter=some").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Reading is for anyone who sees the repository; writing needs push access.
    let sam = c.login("sam").await;
    let auth = format!("token {sam}");
    let r = c
        .send(
            "POST",
            "/repos/dana/dotfiles/check-runs",
            Some(&json!({ "name": "x", "head_sha": sha }).to_string()),
            &[("authorization", &auth), ("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let listed = c.send("GET", "/repos/acme/hello-world/commits/main/check-runs", None, &[("authorization", &auth)]).await;
    assert_eq!(listed.status, StatusCode::OK);
}

#[tokio::test]
async fn a_push_requests_a_suite_once_the_repository_reports_checks() {
    let c = clone().await;
    let sha = head_of(&c, "acme/hello-world", "main").await;
    let put = |path: &str, msg: &str| json!({ "message": msg, "content": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, path), "branch": "main" });
    let first = c.call("PUT", "/repos/acme/hello-world/contents/one.txt", Some(put("one.txt", "one"))).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let new_sha = first.body["commit"]["sha"].as_str().unwrap().to_string();
    let none = c.get(&format!("/repos/acme/hello-world/commits/{new_sha}/check-suites")).await;
    assert_eq!(none.body["total_count"], 0, "no app reports checks yet");
    c.call("POST", "/repos/acme/hello-world/check-suites", Some(json!({ "head_sha": sha }))).await;
    let second = c.call("PUT", "/repos/acme/hello-world/contents/two.txt", Some(put("two.txt", "two"))).await;
    let new_sha = second.body["commit"]["sha"].as_str().unwrap().to_string();
    let one = c.get(&format!("/repos/acme/hello-world/commits/{new_sha}/check-suites")).await;
    assert_eq!(one.body["total_count"], 1, "{}", one.body);
    assert_eq!(one.body["check_suites"][0]["status"], "queued");
    c.call(
        "PATCH",
        "/repos/acme/hello-world/check-suites/preferences",
        Some(json!({ "auto_trigger_checks": [{ "app_id": 1, "setting": false }] })),
    )
    .await;
    let third = c.call("PUT", "/repos/acme/hello-world/contents/three.txt", Some(put("three.txt", "three"))).await;
    let new_sha = third.body["commit"]["sha"].as_str().unwrap().to_string();
    let off = c.get(&format!("/repos/acme/hello-world/commits/{new_sha}/check-suites")).await;
    assert_eq!(off.body["total_count"], 0, "auto-trigger turned off");
}

#[tokio::test]
async fn commit_comments_with_reactions_and_the_pulls_of_a_commit() {
    let c = clone().await;
    let (addr, seen) = receiver().await;
    let hook = json!({ "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["commit_comment"] });
    c.call("POST", "/repos/acme/hello-world/hooks", Some(hook)).await;
    let pr = c.get("/repos/acme/hello-world/pulls/4").await;
    let head = pr.body["head"]["sha"].as_str().unwrap().to_string();
    let files = c.get("/repos/acme/hello-world/pulls/4/files").await;
    let changed = files.body[0]["filename"].as_str().unwrap().to_string();
    let made = c
        .call(
            "POST",
            &format!("/repos/acme/hello-world/commits/{head}/comments"),
            Some(json!({ "body": "nice", "path": changed, "position": 1 })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["commit_id"], head.as_str());
    assert_eq!(made.body["path"], changed.as_str());
    assert_eq!(made.body["author_association"], "MEMBER");
    let event = wait_for(&seen, "commit_comment", "created").await;
    assert_eq!(event["comment"]["body"], "nice");
    let id = made.body["id"].as_i64().unwrap();
    let short = &head[..7];
    c.call("POST", &format!("/repos/acme/hello-world/commits/{short}/comments"), Some(json!({ "body": "second" }))).await;
    let listed = c.get(&format!("/repos/acme/hello-world/commits/{head}/comments")).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 2);
    assert_eq!(c.get("/repos/acme/hello-world/comments").await.body.as_array().unwrap().len(), 2);
    let edited = c.call("PATCH", &format!("/repos/acme/hello-world/comments/{id}"), Some(json!({ "body": "very nice" }))).await;
    assert_eq!(edited.body["body"], "very nice");
    let react = c.call("POST", &format!("/repos/acme/hello-world/comments/{id}/reactions"), Some(json!({ "content": "rocket" }))).await;
    assert_eq!(react.status, StatusCode::CREATED);
    let got = c.get(&format!("/repos/acme/hello-world/comments/{id}")).await;
    assert_eq!(got.body["reactions"]["rocket"], 1);
    let rid = react.body["id"].as_i64().unwrap();
    let gone = c.call("DELETE", &format!("/repos/acme/hello-world/comments/{id}/reactions/{rid}"), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    // Bad input: no body, a path the commit does not change, an unknown commit; others' comments.
    let r = c.call("POST", &format!("/repos/acme/hello-world/commits/{head}/comments"), Some(json!({}))).await;
    assert_eq!((r.status, r.body["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("missing_field")));
    let r =
        c.call("POST", &format!("/repos/acme/hello-world/commits/{head}/comments"), Some(json!({ "body": "x", "path": "nope.txt" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c.call("POST", &format!("/repos/acme/hello-world/commits/{}/comments", "0".repeat(40)), Some(json!({ "body": "x" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sam = c.login("sam").await;
    let auth = format!("token {sam}");
    let r = c.send("PATCH", &format!("/repos/dana/dotfiles/comments/{id}"), Some("{\"body\":\"x\"}"), &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a comment of another repository");
    let deleted = c.call("DELETE", &format!("/repos/acme/hello-world/comments/{id}"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&format!("/repos/acme/hello-world/comments/{id}")).await.status, StatusCode::NOT_FOUND);

    // The pull request a commit belongs to.
    let pulls = c.get(&format!("/repos/acme/hello-world/commits/{head}/pulls")).await;
    assert_eq!(pulls.status, StatusCode::OK, "{}", pulls.body);
    assert_eq!(pulls.body.as_array().unwrap().iter().map(|p| p["number"].as_i64().unwrap()).collect::<Vec<_>>(), vec![4]);
    let main = head_of(&c, "acme/hello-world", "main").await;
    let base_pulls = c.get(&format!("/repos/acme/hello-world/commits/{main}/pulls")).await;
    assert!(base_pulls.body.as_array().unwrap().iter().all(|p| p["number"] != 4));
    // Compare with `{basehead}`.
    let cmp = c.get(&format!("/repos/acme/hello-world/compare/main...{head}")).await;
    assert_eq!(cmp.body["status"], "ahead");
}

#[tokio::test]
async fn renaming_a_branch_moves_its_pull_requests_and_the_default_branch() {
    let c = clone().await;
    let pr = c.get("/repos/acme/hello-world/pulls/4").await;
    let head_ref = pr.body["head"]["ref"].as_str().unwrap().to_string();
    let r = c
        .call("POST", &format!("/repos/acme/hello-world/branches/{head_ref}/rename"), Some(json!({ "new_name": "feature/renamed" })))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["name"], "feature/renamed");
    assert_eq!(c.get("/repos/acme/hello-world/pulls/4").await.body["head"]["ref"], "feature/renamed");
    assert_eq!(c.get(&format!("/repos/acme/hello-world/branches/{head_ref}")).await.status, StatusCode::NOT_FOUND);
    let r = c.call("POST", "/repos/acme/hello-world/branches/main/rename", Some(json!({ "new_name": "trunk" }))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(c.get("/repos/acme/hello-world").await.body["default_branch"], "trunk");
    assert_eq!(c.get("/repos/acme/hello-world/pulls/4").await.body["base"]["ref"], "trunk");
    let missing = c.call("POST", "/repos/acme/hello-world/branches/nope/rename", Some(json!({ "new_name": "x" }))).await;
    assert_eq!((missing.status, missing.body["message"].as_str()), (StatusCode::NOT_FOUND, Some("Branch not found")));
    let taken = c.call("POST", "/repos/acme/hello-world/branches/trunk/rename", Some(json!({ "new_name": "feature/renamed" }))).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_name = c.call("POST", "/repos/acme/hello-world/branches/trunk/rename", Some(json!({}))).await;
    assert_eq!(no_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = c.call("POST", "/repos/acme/hello-world/branches/trunk/rename", Some(json!({ "new_name": "a..b" }))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another `POST …/branches/{branch}/…` operation: branch protection (not set here).
    let other = c.call("POST", "/repos/acme/hello-world/branches/trunk/protection/enforce_admins", None).await;
    assert_eq!((other.status, other.body["message"].as_str()), (StatusCode::NOT_FOUND, Some("Branch not protected")));
}

#[tokio::test]
async fn deployments_check_contexts_auto_merge_and_go_inactive() {
    let c = clone().await;
    let (addr, seen) = receiver().await;
    let hook = json!({ "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["deployment", "deployment_status"] });
    c.call("POST", "/repos/acme/hello-world/hooks", Some(hook)).await;
    let sha = head_of(&c, "acme/hello-world", "main").await;
    // A failing status blocks a deployment unless the contexts are limited.
    c.call("POST", &format!("/repos/acme/hello-world/statuses/{sha}"), Some(json!({ "state": "failure", "context": "ci" }))).await;
    let blocked = c.call("POST", "/repos/acme/hello-world/deployments", Some(json!({ "ref": "main" }))).await;
    assert_eq!(blocked.status, StatusCode::CONFLICT, "{}", blocked.body);
    assert_eq!(blocked.body["message"], "Conflict: Commit status checks failed for main.");
    assert_eq!(blocked.body["errors"][0]["contexts"][0], json!({ "context": "ci", "state": "failure" }));
    let missing =
        c.call("POST", "/repos/acme/hello-world/deployments", Some(json!({ "ref": "main", "required_contexts": ["deploy-gate"] }))).await;
    assert_eq!(missing.status, StatusCode::CONFLICT);
    let d1 = c
        .call(
            "POST",
            "/repos/acme/hello-world/deployments",
            Some(json!({ "ref": "main", "required_contexts": [], "environment": "staging", "payload": { "app": "web" }, "description": "first" })),
        )
        .await;
    assert_eq!(d1.status, StatusCode::CREATED, "{}", d1.body);
    assert_eq!(d1.body["sha"], sha.as_str());
    assert_eq!(d1.body["payload"]["app"], "web");
    assert_eq!(d1.body["task"], "deploy");
    assert_eq!(d1.body["production_environment"], false);
    let event = wait_for(&seen, "deployment", "created").await;
    assert_eq!(event["deployment"]["environment"], "staging");
    let id1 = d1.body["id"].as_i64().unwrap();
    let s = c
        .call(
            "POST",
            &format!("/repos/acme/hello-world/deployments/{id1}/statuses"),
            Some(json!({ "state": "success", "log_url": "https://ci/1" })),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.body);
    assert_eq!((s.body["target_url"].as_str(), s.body["log_url"].as_str()), (Some("https://ci/1"), Some("https://ci/1")));
    let ev = wait_for(&seen, "deployment_status", "created").await;
    assert_eq!(ev["deployment_status"]["state"], "success");
    assert_eq!(ev["deployment"]["id"], id1);
    // The only deployment of its environment may be deleted even while active; a
    // second one's success makes the first inactive.
    let d2 = c
        .call("POST", "/repos/acme/hello-world/deployments", Some(json!({ "ref": sha, "required_contexts": [], "environment": "staging" })))
        .await;
    let id2 = d2.body["id"].as_i64().unwrap();
    let active = c.call("DELETE", &format!("/repos/acme/hello-world/deployments/{id1}"), None).await;
    assert_eq!(active.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", active.body);
    c.call("POST", &format!("/repos/acme/hello-world/deployments/{id2}/statuses"), Some(json!({ "state": "success" }))).await;
    let st = c.get(&format!("/repos/acme/hello-world/deployments/{id1}/statuses")).await;
    assert_eq!(st.body[0]["state"], "inactive", "{}", st.body);
    let one = st.body[1]["id"].as_i64().unwrap();
    assert_eq!(c.get(&format!("/repos/acme/hello-world/deployments/{id1}/statuses/{one}")).await.body["state"], "success");
    assert_eq!(c.call("DELETE", &format!("/repos/acme/hello-world/deployments/{id1}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&format!("/repos/acme/hello-world/deployments/{id1}")).await.status, StatusCode::NOT_FOUND);
    // Filters.
    let listed = c.get("/repos/acme/hello-world/deployments?environment=staging").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(c.get("/repos/acme/hello-world/deployments?task=migrate").await.body.as_array().unwrap().len(), 0);
    assert_eq!(c.get(&format!("/repos/acme/hello-world/deployments?sha={sha}")).await.body.as_array().unwrap().len(), 1);
    // A branch behind the default branch is auto-merged first (202), then deploys.
    let pr = c.get("/repos/acme/hello-world/pulls/4").await;
    let head_ref = pr.body["head"]["ref"].as_str().unwrap().to_string();
    let put = json!({ "message": "ahead", "content": "YWhlYWQ=", "branch": "main" });
    assert_eq!(c.call("PUT", "/repos/acme/hello-world/contents/ahead.txt", Some(put)).await.status, StatusCode::CREATED);
    let merged = c.call("POST", "/repos/acme/hello-world/deployments", Some(json!({ "ref": head_ref, "required_contexts": [] }))).await;
    assert_eq!(merged.status, StatusCode::ACCEPTED, "{}", merged.body);
    assert_eq!(merged.body["message"], format!("Auto-merged main into {head_ref} on deployment."));
    let now_ok = c.call("POST", "/repos/acme/hello-world/deployments", Some(json!({ "ref": head_ref, "required_contexts": [] }))).await;
    assert_eq!(now_ok.status, StatusCode::CREATED, "{}", now_ok.body);
    assert_eq!(now_ok.body["production_environment"], true);
    // Bad input.
    assert_eq!(c.call("POST", "/repos/acme/hello-world/deployments", Some(json!({}))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nope = c.call("POST", "/repos/acme/hello-world/deployments", Some(json!({ "ref": "nope" }))).await;
    assert_eq!((nope.status, nope.body["message"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("No ref found for: nope")));
    let bad = c.call("POST", &format!("/repos/acme/hello-world/deployments/{id2}/statuses"), Some(json!({ "state": "done" }))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = c
        .call(
            "POST",
            &format!("/repos/acme/hello-world/deployments/{id2}/statuses"),
            Some(json!({ "state": "error", "description": "x".repeat(141) })),
        )
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn environments_are_created_updated_listed_and_deleted() {
    let c = clone().await;
    let me = c.get("/user").await.body["id"].as_i64().unwrap();
    let put = c
        .call(
            "PUT",
            "/repos/acme/hello-world/environments/production",
            Some(json!({ "wait_timer": 30, "prevent_self_review": true, "reviewers": [{ "type": "User", "id": me }],
                "deployment_branch_policy": { "protected_branches": false, "custom_branch_policies": true } })),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.body["name"], "production");
    let types: Vec<&str> = put.body["protection_rules"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["wait_timer", "required_reviewers", "branch_policy"]);
    assert_eq!(put.body["protection_rules"][1]["reviewers"][0]["reviewer"]["id"], me);
    let cleared =
        c.call("PUT", "/repos/acme/hello-world/environments/production", Some(json!({ "wait_timer": 0, "reviewers": null }))).await;
    assert_eq!(cleared.body["protection_rules"].as_array().unwrap().len(), 1, "{}", cleared.body);
    c.call("PUT", "/repos/acme/hello-world/environments/qa", None).await;
    let list = c.get("/repos/acme/hello-world/environments").await;
    assert_eq!(list.body["total_count"], 2);
    assert_eq!(c.get("/repos/acme/hello-world/environments/QA").await.body["name"], "qa", "names ignore case");
    for bad in [
        json!({ "wait_timer": 50000 }),
        json!({ "deployment_branch_policy": { "protected_branches": true, "custom_branch_policies": true } }),
        json!({ "reviewers": [{ "type": "User", "id": 99999999 }] }),
        json!({ "reviewers": [{ "type": "Robot", "id": 1 }] }),
    ] {
        let r = c.call("PUT", "/repos/acme/hello-world/environments/qa", Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    assert_eq!(c.call("DELETE", "/repos/acme/hello-world/environments/qa", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/repos/acme/hello-world/environments/qa").await.status, StatusCode::NOT_FOUND);
    let sam = c.login("sam").await;
    let r = c.send("PUT", "/repos/acme/hello-world/environments/x", None, &[("authorization", &format!("token {sam}"))]).await;
    assert!(r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND, "{}", r.status);
}

#[tokio::test]
async fn adding_a_collaborator_to_a_user_repository_invites_them() {
    let c = clone().await;
    let me = c.get("/user").await.body["login"].as_str().unwrap().to_string();
    assert_eq!(me, "dana");
    let (addr, seen) = receiver().await;
    let hook = json!({ "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["member"] });
    c.call("POST", "/repos/dana/dotfiles/hooks", Some(hook)).await;
    let sam = c.login("sam").await;
    let sam_auth = format!("token {sam}");
    let inv = c.call("PUT", "/repos/dana/dotfiles/collaborators/sam", Some(json!({ "permission": "push" }))).await;
    assert_eq!(inv.status, StatusCode::CREATED, "{}", inv.body);
    assert_eq!(inv.body["permissions"], "write");
    assert_eq!(inv.body["invitee"]["login"], "sam");
    assert_eq!(inv.body["inviter"]["login"], "dana");
    assert_eq!(inv.body["expired"], false);
    let id = inv.body["id"].as_i64().unwrap();
    // Not a collaborator until accepted.
    assert_eq!(c.get("/repos/dana/dotfiles/collaborators/sam").await.status, StatusCode::NOT_FOUND);
    let listed = c.get("/repos/dana/dotfiles/invitations").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    let patched = c.call("PATCH", &format!("/repos/dana/dotfiles/invitations/{id}"), Some(json!({ "permissions": "maintain" }))).await;
    assert_eq!(patched.body["permissions"], "maintain");
    let bad = c.call("PATCH", &format!("/repos/dana/dotfiles/invitations/{id}"), Some(json!({ "permissions": "owner" }))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another user cannot see or accept it.
    let lee = c.login("lee").await;
    let lee_auth = format!("token {lee}");
    let r = c.send("PATCH", &format!("/user/repository_invitations/{id}"), None, &[("authorization", &lee_auth)]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mine = c.send("GET", "/user/repository_invitations", None, &[("authorization", &sam_auth)]).await;
    assert_eq!(mine.body[0]["id"], id);
    assert_eq!(mine.body[0]["repository"]["full_name"], "dana/dotfiles");
    let accepted = c.send("PATCH", &format!("/user/repository_invitations/{id}"), None, &[("authorization", &sam_auth)]).await;
    assert_eq!(accepted.status, StatusCode::NO_CONTENT);
    let event = wait_for(&seen, "member", "added").await;
    assert_eq!(event["member"]["login"], "sam");
    let perm = c.get("/repos/dana/dotfiles/collaborators/sam/permission").await;
    assert_eq!(perm.body["role_name"], "maintain", "{}", perm.body);
    assert_eq!(c.get("/repos/dana/dotfiles/invitations").await.body.as_array().unwrap().len(), 0);
    // Adding an existing collaborator again is 204; the owner cannot be added.
    let again = c.call("PUT", "/repos/dana/dotfiles/collaborators/sam", Some(json!({ "permission": "pull" }))).await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/repos/dana/dotfiles/collaborators/sam/permission").await.body["role_name"], "read");
    let owner = c.call("PUT", "/repos/dana/dotfiles/collaborators/dana", None).await;
    assert_eq!(owner.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Declined and cancelled invitations are gone.
    let inv = c.call("PUT", "/repos/dana/dotfiles/collaborators/lee", None).await;
    let id = inv.body["id"].as_i64().unwrap();
    let declined = c.send("DELETE", &format!("/user/repository_invitations/{id}"), None, &[("authorization", &lee_auth)]).await;
    assert_eq!(declined.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/repos/dana/dotfiles/collaborators/lee").await.status, StatusCode::NOT_FOUND);
    let inv = c.call("PUT", "/repos/dana/dotfiles/collaborators/lee", None).await;
    let id = inv.body["id"].as_i64().unwrap();
    assert_eq!(c.call("DELETE", &format!("/repos/dana/dotfiles/invitations/{id}"), None).await.status, StatusCode::NO_CONTENT);
    let gone = c.send("PATCH", &format!("/user/repository_invitations/{id}"), None, &[("authorization", &lee_auth)]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    // Only admins manage a repository's invitations.
    let r = c.send("GET", "/repos/dana/dotfiles/invitations", None, &[("authorization", &lee_auth)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn release_assets_upload_list_download_rename_and_delete() {
    let c = clone().await;
    let rel = c.call("POST", "/repos/acme/hello-world/releases", Some(json!({ "tag_name": "v9.0.0", "name": "nine" }))).await;
    assert_eq!(rel.status, StatusCode::CREATED, "{}", rel.body);
    let upload_url = rel.body["upload_url"].as_str().unwrap().to_string();
    assert!(upload_url.starts_with(BASE) && upload_url.ends_with("/assets{?name,label}"), "{upload_url}");
    let path = upload_url.trim_start_matches(BASE).split("{?").next().unwrap().to_string();
    let auth = format!("token {}", c.token);
    let data = b"\x00\x01binary\xff";
    let req = Request::post(format!("{path}?name=my%20build.bin&label=Build"))
        .header("authorization", &auth)
        .header("content-type", "application/x-binary")
        .body(Body::from(data.to_vec()))
        .unwrap();
    let resp = c.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let asset: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(asset["name"], "my.build.bin");
    assert_eq!(asset["label"], "Build");
    assert_eq!(asset["size"], data.len());
    assert_eq!(asset["content_type"], "application/x-binary");
    assert!(asset["digest"].as_str().unwrap().starts_with("sha256:"));
    let id = asset["id"].as_i64().unwrap();
    // The release lists it; the API URL serves JSON, or the bytes when asked.
    let rid = rel.body["id"].as_i64().unwrap();
    assert_eq!(c.get(&format!("/repos/acme/hello-world/releases/{rid}")).await.body["assets"][0]["id"], id);
    assert_eq!(c.get(&format!("/repos/acme/hello-world/releases/{rid}/assets")).await.body.as_array().unwrap().len(), 1);
    let raw = c
        .app
        .clone()
        .oneshot(
            Request::get(format!("/repos/acme/hello-world/releases/assets/{id}"))
                .header("authorization", &auth)
                .header("accept", "application/octet-stream")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    assert_eq!(raw.into_body().collect().await.unwrap().to_bytes().as_ref(), data);
    let browser = asset["browser_download_url"].as_str().unwrap().trim_start_matches(BASE).to_string();
    let dl = c.app.clone().oneshot(Request::get(browser).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(dl.status(), StatusCode::OK, "a public repository's asset downloads anonymously");
    assert_eq!(c.get(&format!("/repos/acme/hello-world/releases/assets/{id}")).await.body["download_count"], 2);
    // Same name again: 422; no name: 422.
    let again =
        c.send("POST", &format!("{path}?name=my.build.bin"), Some("x"), &[("authorization", &auth), ("content-type", "text/plain")]).await;
    assert_eq!((again.status, again.body["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("already_exists")));
    let unnamed = c.send("POST", &path, Some("x"), &[("authorization", &auth)]).await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let renamed =
        c.call("PATCH", &format!("/repos/acme/hello-world/releases/assets/{id}"), Some(json!({ "name": "build.bin", "label": "" }))).await;
    assert_eq!((renamed.body["name"].as_str(), &renamed.body["label"]), (Some("build.bin"), &Value::Null));
    // Reading needs read access; writing needs push.
    let olly = c.login("olly").await;
    let r = c.send("POST", &format!("{path}?name=evil.bin"), Some("x"), &[("authorization", &format!("token {olly}"))]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(c.call("DELETE", &format!("/repos/acme/hello-world/releases/assets/{id}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&format!("/repos/acme/hello-world/releases/assets/{id}")).await.status, StatusCode::NOT_FOUND);
}
