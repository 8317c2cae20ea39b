//! Router-level tests of branch protection (writes, reads, and their effect on
//! merges and pushes), review comment replies, branches-where-head, generated
//! release notes, release reactions, hook config, repository_dispatch, the meta
//! endpoints and directory READMEs.

mod support;

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::*;
use tower::ServiceExt;

/// A text response: its content type and body.
async fn text_of(c: &Clone, path: &str) -> (String, String) {
    let req = Request::builder().uri(path).header("authorization", format!("token {}", c.token)).body(Body::empty()).unwrap();
    let resp = c.app.clone().oneshot(req).await.unwrap();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    (ct, String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap())
}

const PROT: &str = "/repos/acme/hello-world/branches/main/protection";

impl Clone {
    async fn as_user(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        let auth = format!("token {token}");
        let text = body.map(|b| b.to_string());
        self.send(method, path, text.as_deref(), &[("authorization", &auth), ("content-type", "application/json")]).await
    }
}

fn full_protection() -> Value {
    json!({
        "required_status_checks": { "strict": false, "contexts": ["ci/build"] },
        "enforce_admins": false,
        "required_pull_request_reviews": { "required_approving_review_count": 1, "dismiss_stale_reviews": true },
        "restrictions": null,
        "required_linear_history": false,
        "allow_force_pushes": false,
        "allow_deletions": false,
        "required_conversation_resolution": false,
    })
}

async fn head_of(c: &Clone, branch: &str) -> String {
    c.get(&format!("/repos/acme/hello-world/branches/{branch}")).await.body["commit"]["sha"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn protection_is_written_read_back_and_shown_on_the_branch() {
    let c = clone().await;
    let none = c.get(PROT).await;
    assert_eq!((none.status, none.body["message"].as_str()), (StatusCode::NOT_FOUND, Some("Branch not protected")));
    let put = c
        .call(
            "PUT",
            PROT,
            Some(json!({
                "required_status_checks": { "strict": true, "checks": [{ "context": "ci/build" }, { "context": "lint", "app_id": 1 }] },
                "enforce_admins": true,
                "required_pull_request_reviews": { "required_approving_review_count": 2, "dismiss_stale_reviews": true, "require_code_owner_reviews": true,
                    "dismissal_restrictions": { "users": ["lee"], "teams": [] } },
                "restrictions": { "users": ["dana", "lee"], "teams": [] },
                "required_linear_history": true, "allow_force_pushes": false, "allow_deletions": true,
                "required_conversation_resolution": true, "lock_branch": false, "block_creations": null,
            })),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.body["url"], format!("{BASE}{PROT}"));
    let got = c.get(PROT).await;
    assert_eq!(got.body, put.body);
    let b = &got.body;
    assert_eq!(b["required_status_checks"]["strict"], true);
    assert_eq!(b["required_status_checks"]["contexts"], json!(["ci/build", "lint"]));
    assert_eq!(b["required_status_checks"]["checks"][1], json!({ "context": "lint", "app_id": 1 }));
    assert_eq!(b["enforce_admins"], json!({ "url": format!("{BASE}{PROT}/enforce_admins"), "enabled": true }));
    assert_eq!(b["required_pull_request_reviews"]["required_approving_review_count"], 2);
    assert_eq!(b["required_pull_request_reviews"]["require_code_owner_reviews"], true);
    assert_eq!(b["required_pull_request_reviews"]["dismissal_restrictions"]["users"][0]["login"], "lee");
    let logins: Vec<&str> = b["restrictions"]["users"].as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap()).collect();
    assert_eq!(logins, ["dana", "lee"]);
    assert_eq!(b["required_linear_history"]["enabled"], true);
    assert_eq!(b["allow_deletions"]["enabled"], true);
    assert_eq!(b["allow_force_pushes"]["enabled"], false);
    assert_eq!(b["required_signatures"]["enabled"], false);

    let branch = c.get("/repos/acme/hello-world/branches/main").await;
    assert_eq!(branch.body["protected"], true);
    assert_eq!(branch.body["protection"]["enabled"], true);
    assert_eq!(branch.body["protection"]["required_status_checks"]["enforcement_level"], "everyone");
    assert_eq!(branch.body["protection"]["required_status_checks"]["contexts"], json!(["ci/build", "lint"]));
    let listed = c.get("/repos/acme/hello-world/branches?protected=true").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1, "{}", listed.body);
    assert_eq!(listed.body[0]["name"], "main");
    let unprotected = c.get("/repos/acme/hello-world/branches?protected=false").await;
    assert!(unprotected.body.as_array().unwrap().iter().all(|b| b["protected"] == false && b["name"] != "main"));

    assert_eq!(c.call("DELETE", PROT, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(PROT).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/repos/acme/hello-world/branches/main").await.body["protected"], false);
    assert_eq!(c.call("DELETE", PROT, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn protection_sub_resources_edit_one_setting_each() {
    let c = clone().await;
    assert_eq!(c.call("PUT", PROT, Some(full_protection())).await.status, StatusCode::OK);
    // Status checks and their contexts.
    let rsc = c.call("PATCH", &format!("{PROT}/required_status_checks"), Some(json!({ "strict": true }))).await;
    assert_eq!(rsc.status, StatusCode::OK, "{}", rsc.body);
    assert_eq!((rsc.body["strict"].clone(), rsc.body["contexts"].clone()), (json!(true), json!(["ci/build"])));
    let ctx = format!("{PROT}/required_status_checks/contexts");
    assert_eq!(c.call("POST", &ctx, Some(json!(["lint", "ci/build"]))).await.body, json!(["ci/build", "lint"]));
    assert_eq!(c.call("PUT", &ctx, Some(json!({ "contexts": ["a", "b"] }))).await.body, json!(["a", "b"]));
    assert_eq!(c.call("DELETE", &ctx, Some(json!(["a"]))).await.body, json!(["b"]));
    let missing = c.call("DELETE", &ctx, Some(json!(["zzz"]))).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.get(&ctx).await.body, json!(["b"]));
    assert_eq!(c.get(PROT).await.body["required_status_checks"]["contexts"], json!(["b"]));
    assert_eq!(c.call("DELETE", &format!("{PROT}/required_status_checks"), None).await.status, StatusCode::NO_CONTENT);
    let off = c.get(&format!("{PROT}/required_status_checks")).await;
    assert_eq!((off.status, off.body["message"].as_str()), (StatusCode::NOT_FOUND, Some("Required status checks not enabled")));
    assert_eq!(c.get(&ctx).await.status, StatusCode::NOT_FOUND);

    // Reviews.
    let rv = c.call("PATCH", &format!("{PROT}/required_pull_request_reviews"), Some(json!({ "required_approving_review_count": 3 }))).await;
    assert_eq!(rv.status, StatusCode::OK, "{}", rv.body);
    assert_eq!((rv.body["required_approving_review_count"].clone(), rv.body["dismiss_stale_reviews"].clone()), (json!(3), json!(true)));
    let too_many =
        c.call("PATCH", &format!("{PROT}/required_pull_request_reviews"), Some(json!({ "required_approving_review_count": 7 }))).await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("DELETE", &format!("{PROT}/required_pull_request_reviews"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&format!("{PROT}/required_pull_request_reviews")).await.status, StatusCode::NOT_FOUND);

    // Flags.
    for what in ["enforce_admins", "required_signatures"] {
        let u = format!("{PROT}/{what}");
        assert_eq!(c.get(&u).await.body["enabled"], false);
        let on = c.call("POST", &u, None).await;
        assert_eq!(
            (on.status, on.body["enabled"].clone(), on.body["url"].clone()),
            (StatusCode::OK, json!(true), json!(format!("{BASE}{u}")))
        );
        assert_eq!(c.get(PROT).await.body[what]["enabled"], true);
        assert_eq!(c.call("DELETE", &u, None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(c.get(&u).await.body["enabled"], false);
    }

    // Restrictions: users and teams, on an organization's repository.
    let team = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Release Crew" }))).await;
    assert_eq!(team.status, StatusCode::CREATED, "{}", team.body);
    let restr = format!("{PROT}/restrictions");
    assert_eq!(c.get(&restr).await.status, StatusCode::NOT_FOUND);
    let mut body = full_protection();
    body["restrictions"] = json!({ "users": ["lee"], "teams": [], "apps": [] });
    assert_eq!(c.call("PUT", PROT, Some(body)).await.status, StatusCode::OK);
    let added = c.call("POST", &format!("{restr}/users"), Some(json!(["sam"]))).await;
    let logins: Vec<&str> = added.body.as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap()).collect();
    assert_eq!(logins, ["lee", "sam"]);
    let set = c.call("PUT", &format!("{restr}/users"), Some(json!({ "users": ["dana"] }))).await;
    assert_eq!(set.body.as_array().unwrap().len(), 1);
    assert_eq!(c.call("DELETE", &format!("{restr}/users"), Some(json!(["dana"]))).await.body, json!([]));
    let teams = c.call("POST", &format!("{restr}/teams"), Some(json!(["release-crew"]))).await;
    assert_eq!(teams.body[0]["slug"], "release-crew", "{}", teams.body);
    assert_eq!(c.get(&restr).await.body["teams"][0]["slug"], "release-crew");
    let unknown = c.call("POST", &format!("{restr}/users"), Some(json!(["nobody-here"]))).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let app = c.call("POST", &format!("{restr}/apps"), Some(json!(["some-other-app"]))).await;
    assert_eq!(app.status, StatusCode::UNPROCESSABLE_ENTITY);
    let apps = c.call("POST", &format!("{restr}/apps"), Some(json!(["asymmetric-checks"]))).await;
    assert_eq!(apps.body[0]["slug"], "asymmetric-checks");
    assert_eq!(c.call("DELETE", &restr, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&restr).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn protection_requests_are_checked_as_github_does() {
    let c = clone().await;
    let lee = c.login("lee").await;
    let forbidden = c.as_user(&lee, "PUT", PROT, Some(full_protection())).await;
    assert_eq!(
        (forbidden.status, forbidden.body["message"].as_str()),
        (StatusCode::FORBIDDEN, Some("Must have admin rights to Repository."))
    );
    assert_eq!(c.as_user(&lee, "GET", PROT, None).await.status, StatusCode::FORBIDDEN);
    let mut partial = full_protection();
    partial.as_object_mut().unwrap().remove("restrictions");
    let missing = c.call("PUT", PROT, Some(partial)).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["message"], "Invalid request.\n\n\"restrictions\" wasn't supplied.");
    let mut bad = full_protection();
    bad["enforce_admins"] = json!("yes");
    assert_eq!(c.call("PUT", PROT, Some(bad)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nobranch = c.call("PUT", "/repos/acme/hello-world/branches/nope/protection", Some(full_protection())).await;
    assert_eq!((nobranch.status, nobranch.body["message"].as_str()), (StatusCode::NOT_FOUND, Some("Branch not found")));
    let mut user_repo = full_protection();
    user_repo["restrictions"] = json!({ "users": [], "teams": [] });
    let personal = c.call("PUT", "/repos/dana/dotfiles/branches/main/protection", Some(user_repo)).await;
    assert_eq!(personal.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(personal.body["message"], "Only organization repositories can have users and team restrictions");
    let sub = c.get(&format!("{PROT}/enforce_admins")).await;
    assert_eq!((sub.status, sub.body["message"].as_str()), (StatusCode::NOT_FOUND, Some("Branch not protected")));
    // A branch whose name holds a slash.
    let slash = c.call("PUT", "/repos/acme/hello-world/branches/feature/greeting/protection", Some(full_protection())).await;
    assert_eq!(slash.status, StatusCode::OK, "{}", slash.body);
    assert_eq!(c.get("/repos/acme/hello-world/branches/feature/greeting").await.body["protected"], true);
}

#[tokio::test]
async fn merges_need_the_approvals_and_checks_protection_requires() {
    let c = clone().await;
    let (lee, sam) = (c.login("lee").await, c.login("sam").await);
    let mut body = full_protection();
    body["required_status_checks"] = json!({ "strict": false, "contexts": ["ci/build", "lint"] });
    assert_eq!(c.call("PUT", PROT, Some(body)).await.status, StatusCode::OK);
    let merge = |token: String| {
        let c = &c;
        async move { c.as_user(&token, "PUT", "/repos/acme/hello-world/pulls/4/merge", Some(json!({ "merge_method": "squash" }))).await }
    };
    let no_review = merge(lee.clone()).await;
    assert_eq!(no_review.status, StatusCode::METHOD_NOT_ALLOWED, "{}", no_review.body);
    assert_eq!(no_review.body["message"], "At least 1 approving review is required by reviewers with write access.");
    // An outsider's approval does not count; Lee's (write access) does.
    let approve = json!({ "event": "APPROVE" });
    let olly = c.login("olly").await;
    let _ = c.as_user(&olly, "POST", "/repos/acme/hello-world/pulls/4/reviews", Some(approve.clone())).await;
    assert_eq!(merge(lee.clone()).await.status, StatusCode::METHOD_NOT_ALLOWED);
    let review = c.as_user(&lee, "POST", "/repos/acme/hello-world/pulls/4/reviews", Some(approve.clone())).await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    let checks = merge(sam.clone()).await;
    assert_eq!(checks.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(checks.body["message"], "2 of 2 required status checks are expected.");
    let head = c.get("/repos/acme/hello-world/pulls/4").await.body["head"]["sha"].as_str().unwrap().to_string();
    c.call("POST", &format!("/repos/acme/hello-world/statuses/{head}"), Some(json!({ "state": "success", "context": "ci/build" }))).await;
    let one = merge(sam.clone()).await;
    assert_eq!(one.body["message"], "Required status check \"lint\" is expected.");
    let run = c
        .call("POST", "/repos/acme/hello-world/check-runs", Some(json!({ "name": "lint", "head_sha": head, "conclusion": "failure" })))
        .await;
    assert_eq!(run.status, StatusCode::CREATED, "{}", run.body);
    assert_eq!(merge(sam.clone()).await.body["message"], "Required status check \"lint\" is failing.");
    c.call("POST", "/repos/acme/hello-world/check-runs", Some(json!({ "name": "lint", "head_sha": head, "conclusion": "success" }))).await;
    let done = merge(sam.clone()).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body["merged"], true);
}

#[tokio::test]
async fn admins_bypass_protection_unless_it_is_enforced_on_them() {
    let c = clone().await;
    let mut body = full_protection();
    body["enforce_admins"] = json!(true);
    assert_eq!(c.call("PUT", PROT, Some(body)).await.status, StatusCode::OK);
    let refused = c.call("PUT", "/repos/acme/hello-world/pulls/4/merge", Some(json!({ "merge_method": "merge" }))).await;
    assert_eq!(refused.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(c.call("DELETE", &format!("{PROT}/enforce_admins"), None).await.status, StatusCode::NO_CONTENT);
    let merged = c.call("PUT", "/repos/acme/hello-world/pulls/4/merge", Some(json!({ "merge_method": "merge" }))).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
}

#[tokio::test]
async fn pushes_to_a_protected_branch_are_refused_as_github_does() {
    let c = clone().await;
    let lee = c.login("lee").await;
    assert_eq!(c.call("PUT", PROT, Some(full_protection())).await.status, StatusCode::OK);
    let put =
        c.as_user(&lee, "PUT", "/repos/acme/hello-world/contents/NEW.md", Some(json!({ "message": "direct", "content": "aGk=" }))).await;
    assert_eq!((put.status, put.body["message"].as_str()), (StatusCode::CONFLICT, Some("Changes must be made through a pull request.")));
    // Another branch is not protected.
    let other = c
        .as_user(
            &lee,
            "PUT",
            "/repos/acme/hello-world/contents/NEW.md",
            Some(json!({ "message": "on a branch", "content": "aGk=", "branch": "docs/typo" })),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
    let main = head_of(&c, "main").await;
    let typo = head_of(&c, "docs/typo").await;
    let fast = c.as_user(&lee, "PATCH", "/repos/acme/hello-world/git/refs/heads/main", Some(json!({ "sha": typo, "force": true }))).await;
    assert_eq!(fast.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Force pushes and deletions are refused to admins too.
    let first = c.get("/repos/acme/hello-world/commits?sha=main").await.body.as_array().unwrap().last().unwrap()["sha"].clone();
    let force = c.call("PATCH", "/repos/acme/hello-world/git/refs/heads/main", Some(json!({ "sha": first, "force": true }))).await;
    assert_eq!(
        (force.status, force.body["message"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("Cannot force-push to this branch"))
    );
    let delete = c.call("DELETE", "/repos/acme/hello-world/git/refs/heads/main", None).await;
    assert_eq!(
        (delete.status, delete.body["message"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("Cannot delete this protected branch"))
    );
    assert_eq!(head_of(&c, "main").await, main);
    // The admin's own push passes (enforce_admins is off).
    let admin = c.call("PUT", "/repos/acme/hello-world/contents/ADMIN.md", Some(json!({ "message": "admin", "content": "aGk=" }))).await;
    assert_eq!(admin.status, StatusCode::CREATED, "{}", admin.body);
}

#[tokio::test]
async fn replies_join_the_review_comment_thread() {
    let c = clone().await;
    let head = c.get("/repos/acme/hello-world/pulls/4").await.body["head"]["sha"].as_str().unwrap().to_string();
    let files = c.get("/repos/acme/hello-world/pulls/4/files").await;
    let path = files.body[0]["filename"].as_str().unwrap().to_string();
    let top = c
        .call(
            "POST",
            "/repos/acme/hello-world/pulls/4/comments",
            Some(json!({ "body": "why?", "commit_id": head, "path": path, "line": 1 })),
        )
        .await;
    assert_eq!(top.status, StatusCode::CREATED, "{}", top.body);
    let id = top.body["id"].as_i64().unwrap();
    let reply = c.call("POST", &format!("/repos/acme/hello-world/pulls/4/comments/{id}/replies"), Some(json!({ "body": "because" }))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["in_reply_to_id"], id);
    assert_eq!(reply.body["path"], path.as_str());
    let rid = reply.body["id"].as_i64().unwrap();
    let nested = c.call("POST", &format!("/repos/acme/hello-world/pulls/4/comments/{rid}/replies"), Some(json!({ "body": "ok" }))).await;
    assert_eq!(nested.body["in_reply_to_id"], id, "a reply to a reply joins the thread");
    let empty = c.call("POST", &format!("/repos/acme/hello-world/pulls/4/comments/{id}/replies"), Some(json!({}))).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let gone = c.call("POST", "/repos/acme/hello-world/pulls/4/comments/999999/replies", Some(json!({ "body": "x" }))).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn branches_where_head_and_generated_release_notes() {
    let c = clone().await;
    let main = head_of(&c, "main").await;
    let heads = c.get(&format!("/repos/acme/hello-world/commits/{main}/branches-where-head")).await;
    assert_eq!(heads.status, StatusCode::OK, "{}", heads.body);
    assert_eq!(heads.body.as_array().unwrap().iter().map(|b| b["name"].as_str().unwrap()).collect::<Vec<_>>(), ["main"]);
    let bad = c.get("/repos/acme/hello-world/commits/0123456789abcdef0123456789abcdef01234567/branches-where-head").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let v1 = c.call("POST", "/repos/acme/hello-world/releases", Some(json!({ "tag_name": "v1.0.0" }))).await;
    assert_eq!(v1.status, StatusCode::CREATED, "{}", v1.body);
    let merged = c.call("PUT", "/repos/acme/hello-world/pulls/4/merge", Some(json!({ "merge_method": "squash" }))).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.body);
    let notes = c.call("POST", "/repos/acme/hello-world/releases/generate-notes", Some(json!({ "tag_name": "v1.1.0" }))).await;
    assert_eq!(notes.status, StatusCode::OK, "{}", notes.body);
    assert_eq!(notes.body["name"], "v1.1.0");
    assert_eq!(
        notes.body["body"],
        format!(
            "## What's Changed\n* Greet in Portuguese by @sam in {BASE}/acme/hello-world/pull/4\n\n## New Contributors\n* @sam made their first contribution in {BASE}/acme/hello-world/pull/4\n\n**Full Changelog**: {BASE}/acme/hello-world/compare/v1.0.0...v1.1.0"
        )
    );
    let first = c
        .call("POST", "/repos/acme/hello-world/releases/generate-notes", Some(json!({ "tag_name": "v1.0.0", "target_commitish": "main" })))
        .await;
    assert_eq!(first.body["body"], format!("**Full Changelog**: {BASE}/acme/hello-world/commits/v1.0.0"));
    let missing = c.call("POST", "/repos/acme/hello-world/releases/generate-notes", Some(json!({}))).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Reactions on the release.
    let id = v1.body["id"].as_i64().unwrap();
    let react = c.call("POST", &format!("/repos/acme/hello-world/releases/{id}/reactions"), Some(json!({ "content": "rocket" }))).await;
    assert_eq!(react.status, StatusCode::CREATED, "{}", react.body);
    let down = c.call("POST", &format!("/repos/acme/hello-world/releases/{id}/reactions"), Some(json!({ "content": "-1" }))).await;
    assert_eq!(down.status, StatusCode::UNPROCESSABLE_ENTITY, "releases take no -1");
    let list = c.get(&format!("/repos/acme/hello-world/releases/{id}/reactions")).await;
    assert_eq!(list.body[0]["content"], "rocket");
    assert_eq!(c.get(&format!("/repos/acme/hello-world/releases/{id}")).await.body["reactions"]["rocket"], 1);
    let rid = react.body["id"].as_i64().unwrap();
    assert_eq!(
        c.call("DELETE", &format!("/repos/acme/hello-world/releases/{id}/reactions/{rid}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(c.get(&format!("/repos/acme/hello-world/releases/{id}/reactions")).await.body, json!([]));
}

#[tokio::test]
async fn hook_config_and_repository_dispatch() {
    let c = clone().await;
    let (addr, seen) = receiver().await;
    let hook = c
        .call(
            "POST",
            "/repos/acme/hello-world/hooks",
            Some(json!({ "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["repository_dispatch"] })),
        )
        .await;
    let id = hook.body["id"].as_i64().unwrap();
    let cfg = c.get(&format!("/repos/acme/hello-world/hooks/{id}/config")).await;
    assert_eq!(cfg.body["content_type"], "json");
    let patched = c
        .call("PATCH", &format!("/repos/acme/hello-world/hooks/{id}/config"), Some(json!({ "secret": "s3cret", "insecure_ssl": 0 })))
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!((patched.body["secret"].as_str(), patched.body["insecure_ssl"].as_str()), (Some("********"), Some("0")));
    assert_eq!(patched.body["url"], format!("http://{addr}/hook"));
    let bad = c.call("PATCH", &format!("/repos/acme/hello-world/hooks/{id}/config"), Some(json!({ "url": "ftp://x" }))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let sent = c
        .call("POST", "/repos/acme/hello-world/dispatches", Some(json!({ "event_type": "deploy", "client_payload": { "env": "prod" } })))
        .await;
    assert_eq!(sent.status, StatusCode::NO_CONTENT, "{}", sent.body);
    let got = wait_for(&seen, "repository_dispatch", "deploy").await;
    assert_eq!(got["client_payload"]["env"], "prod");
    assert_eq!(got["branch"], "main");
    assert_eq!(got["repository"]["full_name"], "acme/hello-world");
    let signed =
        seen.lock().unwrap().iter().any(|(h, _)| h["x-github-event"] == "repository_dispatch" && h.contains_key("x-hub-signature-256"));
    assert!(signed);
    let missing = c.call("POST", "/repos/acme/hello-world/dispatches", Some(json!({}))).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let many: serde_json::Map<String, Value> = (0..11).map(|k| (format!("k{k}"), json!(k))).collect();
    let big = c.call("POST", "/repos/acme/hello-world/dispatches", Some(json!({ "event_type": "x", "client_payload": many }))).await;
    assert_eq!(big.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn meta_zen_octocat_versions_and_directory_readmes() {
    let c = clone().await;
    let meta = c.get("/meta").await;
    assert_eq!(meta.status, StatusCode::OK);
    assert_eq!(meta.body["verifiable_password_authentication"], false);
    assert!(meta.body["hooks"].is_array());
    assert_eq!(c.get("/versions").await.body, json!(["2022-11-28"]));
    let zen = c.send("GET", "/zen", None, &[("authorization", &format!("token {}", c.token))]).await;
    assert_eq!(zen.status, StatusCode::OK);
    assert!(zen.headers["content-type"].to_str().unwrap().starts_with("text/plain"));
    let (cat_type, art) = text_of(&c, "/octocat?s=Hello").await;
    assert_eq!(cat_type, "application/octocat-stream");
    assert!(art.contains("| Hello |") && art.contains(" _______\n") && art.contains("MMM."), "{art}");
    let (_, line) = text_of(&c, "/zen").await;
    assert!(line.ends_with('.') && !line.contains('\n'), "{line}");

    let put = c
        .call("PUT", "/repos/acme/hello-world/contents/src/README.md", Some(json!({ "message": "src readme", "content": "IyBzcmM=" })))
        .await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);
    let readme = c.get("/repos/acme/hello-world/readme/src").await;
    assert_eq!((readme.status, readme.body["path"].as_str()), (StatusCode::OK, Some("src/README.md")));
    assert_eq!(c.get("/repos/acme/hello-world/readme/tests").await.status, StatusCode::NOT_FOUND);
}

async fn bytes_of(c: &Clone, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::builder().uri(path).header("authorization", format!("token {}", c.token)).body(Body::empty()).unwrap();
    let resp = c.app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn tarball_and_zipball_redirect_to_a_real_archive_of_the_ref() {
    let c = clone().await;
    let sha = head_of(&c, "feature/greeting").await;
    let (status, headers, _) = bytes_of(&c, "/repos/acme/hello-world/tarball/feature/greeting").await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("{BASE}/codeload/acme/hello-world/legacy.tar.gz/feature/greeting"));
    let (status, headers, tgz) = bytes_of(&c, location.trim_start_matches(BASE)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/x-gzip");
    assert_eq!(headers["content-disposition"].to_str().unwrap(), format!("attachment; filename=acme-hello-world-{}.tar.gz", &sha[..7]));
    assert_eq!(&tgz[..3], &[0x1f, 0x8b, 8]);
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(tgz.as_slice()));
    let mut members = tar.entries().unwrap();
    let mut global = members.next().unwrap().unwrap();
    assert_eq!(global.header().entry_type(), tar::EntryType::XGlobalHeader);
    let mut comment = String::new();
    global.read_to_string(&mut comment).unwrap();
    assert_eq!(comment, format!("52 comment={sha}\n"));
    let root = format!("acme-hello-world-{}", &sha[..7]);
    let mut files = std::collections::BTreeMap::new();
    for member in members {
        let mut member = member.unwrap();
        let path = member.path().unwrap().to_string_lossy().into_owned();
        let (kind, mode) = (member.header().entry_type(), member.header().mode().unwrap());
        let mut text = String::new();
        member.read_to_string(&mut text).unwrap();
        files.insert(path, (kind, mode, text));
    }
    assert_eq!(files[&format!("{root}/")].0, tar::EntryType::Directory);
    assert_eq!(files[&format!("{root}/src/")].0, tar::EntryType::Directory);
    let (kind, mode, hello) = &files[&format!("{root}/src/hello.py")];
    assert_eq!((*kind, *mode), (tar::EntryType::Regular, 0o664));
    assert!(hello.contains("def hello(name"), "{hello}");

    let (status, headers, _) = bytes_of(&c, "/repos/acme/hello-world/zipball").await;
    assert_eq!(status, StatusCode::FOUND);
    let location = headers["location"].to_str().unwrap().to_string();
    assert!(location.ends_with("/codeload/acme/hello-world/legacy.zip/main"), "{location}");
    let (_, headers, zip) = bytes_of(&c, location.trim_start_matches(BASE)).await;
    assert_eq!(headers["content-type"], "application/zip");
    assert_eq!(&zip[..4], b"PK\x03\x04");
    let main = head_of(&c, "main").await;
    assert!(zip.ends_with(main.as_bytes()), "the zip comment is the commit id");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(zip.comment(), main.as_bytes());
    let mut readme = zip.by_name(&format!("acme-hello-world-{}/README.md", &main[..7])).unwrap();
    assert_eq!(readme.unix_mode(), Some(0o100_664));
    let mut text = String::new();
    readme.read_to_string(&mut text).unwrap();
    let want = c.get("/repos/acme/hello-world/readme").await;
    assert_eq!(want.body["size"].as_u64(), Some(text.len() as u64));
    let (missing, _, _) = bytes_of(&c, "/repos/acme/hello-world/tarball/no-such-ref").await;
    assert_eq!(missing, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_transfer_moves_the_repository_to_an_org_or_back_to_its_admin() {
    let c = clone().await;
    let team = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Dotfile Keepers", "permission": "push" }))).await;
    let team_id = team.body["id"].as_i64().unwrap();
    let moved = c.call("POST", "/repos/dana/dotfiles/transfer", Some(json!({ "new_owner": "acme", "team_ids": [team_id] }))).await;
    assert_eq!(moved.status, StatusCode::ACCEPTED, "{}", moved.body);
    assert_eq!(moved.body["full_name"], "acme/dotfiles");
    assert_eq!(moved.body["owner"]["login"], "acme");
    assert_eq!(c.get("/repos/acme/dotfiles").await.status, StatusCode::OK);
    assert_eq!(c.get("/repos/dana/dotfiles").await.status, StatusCode::NOT_FOUND);
    let teams = c.get("/repos/acme/dotfiles/teams").await;
    assert_eq!(teams.body[0]["slug"], "dotfile-keepers", "{}", teams.body);
    let clash = c.call("POST", "/repos/acme/dotfiles/transfer", Some(json!({ "new_owner": "acme", "new_name": "hello-world" }))).await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    let to_lee = c.call("POST", "/repos/acme/dotfiles/transfer", Some(json!({ "new_owner": "lee" }))).await;
    assert_eq!(to_lee.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nobody = c.call("POST", "/repos/acme/dotfiles/transfer", Some(json!({ "new_owner": "no-such-owner" }))).await;
    assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("POST", "/repos/acme/dotfiles/transfer", Some(json!({}))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let lee = c.login("lee").await;
    let not_admin = c.as_user(&lee, "POST", "/repos/acme/hello-world/transfer", Some(json!({ "new_owner": "lee" }))).await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
    let back = c.call("POST", "/repos/acme/dotfiles/transfer", Some(json!({ "new_owner": "dana", "new_name": "dots" }))).await;
    assert_eq!(back.status, StatusCode::ACCEPTED, "{}", back.body);
    assert_eq!(back.body["full_name"], "dana/dots");
    assert_eq!(c.get("/repos/dana/dots/teams").await.body, json!([]), "the org's teams lose access");
    assert_eq!(c.get("/repos/dana/dots/contents/.vimrc").await.status, StatusCode::OK);
}

#[tokio::test]
async fn dismissal_restrictions_name_who_may_dismiss_a_review() {
    let c = clone().await;
    let (lee, sam) = (c.login("lee").await, c.login("sam").await);
    let mut body = full_protection();
    body["required_pull_request_reviews"]["dismissal_restrictions"] = json!({ "users": ["lee"], "teams": [] });
    assert_eq!(c.call("PUT", PROT, Some(body)).await.status, StatusCode::OK);
    let review = c.as_user(&lee, "POST", "/repos/acme/hello-world/pulls/4/reviews", Some(json!({ "event": "APPROVE" }))).await;
    let id = review.body["id"].as_i64().unwrap();
    let path = format!("/repos/acme/hello-world/pulls/4/reviews/{id}/dismissals");
    let refused = c.as_user(&sam, "PUT", &path, Some(json!({ "message": "no" }))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let done = c.as_user(&lee, "PUT", &path, Some(json!({ "message": "stale" }))).await;
    assert_eq!((done.status, done.body["state"].as_str()), (StatusCode::OK, Some("DISMISSED")));
}

#[tokio::test]
async fn code_owners_restrictions_linear_history_and_locks_gate_a_merge() {
    let c = clone().await;
    let (lee, sam) = (c.login("lee").await, c.login("sam").await);
    let owners = c
        .call(
            "PUT",
            "/repos/acme/hello-world/contents/.github/CODEOWNERS",
            Some(json!({ "message": "owners", "content": "KiBAbGVlCi9zcmMvICBAZGFuYQo=" })),
        )
        .await;
    assert_eq!(owners.status, StatusCode::CREATED, "{}", owners.body);
    let merge = |method: &'static str| {
        let (c, sam) = (&c, sam.clone());
        async move { c.as_user(&sam, "PUT", "/repos/acme/hello-world/pulls/4/merge", Some(json!({ "merge_method": method }))).await }
    };
    let mut body = full_protection();
    body["required_status_checks"] = Value::Null;
    body["required_pull_request_reviews"] = json!({ "required_approving_review_count": 1, "require_code_owner_reviews": true });
    body["required_linear_history"] = json!(true);
    body["lock_branch"] = json!(true);
    body["restrictions"] = json!({ "users": ["lee"], "teams": [] });
    assert_eq!(c.call("PUT", PROT, Some(body)).await.status, StatusCode::OK);
    assert_eq!(merge("squash").await.body["message"], "Cannot merge into main: the branch is locked.");
    assert_eq!(c.get(PROT).await.body["lock_branch"]["enabled"], true);
    let unlock = json!({
        "required_status_checks": null, "enforce_admins": false,
        "required_pull_request_reviews": { "required_approving_review_count": 1, "require_code_owner_reviews": true },
        "restrictions": { "users": ["lee"], "teams": [] }, "required_linear_history": true,
    });
    assert_eq!(c.call("PUT", PROT, Some(unlock)).await.status, StatusCode::OK);
    assert_eq!(merge("squash").await.body["message"], protection_not_authorized());
    assert_eq!(c.call("PUT", &format!("{PROT}/restrictions/users"), Some(json!(["sam"]))).await.status, StatusCode::OK);
    assert_eq!(merge("merge").await.body["message"], "Merge commits are not allowed on this protected branch.");
    // src/hello.py is owned by dana (`/src/`); lee's approval counts but is not the owner's.
    c.as_user(&lee, "POST", "/repos/acme/hello-world/pulls/4/reviews", Some(json!({ "event": "APPROVE" }))).await;
    assert_eq!(merge("squash").await.body["message"], "Waiting on code owner review from dana.");
    c.call("POST", "/repos/acme/hello-world/pulls/4/reviews", Some(json!({ "event": "APPROVE" }))).await;
    let done = merge("squash").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
}

fn protection_not_authorized() -> &'static str {
    "You're not authorized to push to this branch. Visit https://docs.github.com/articles/about-protected-branches/ for more information."
}

#[test]
fn codeowners_patterns_match_as_git_does() {
    use asym_template_github::model::protection::owns;
    assert!(owns("*", "a/b.txt"));
    assert!(owns("*.py", "src/hello.py"));
    assert!(!owns("*.py", "src/hello.rs"));
    assert!(owns("/src/", "src/a/b.py"));
    assert!(!owns("/src/", "lib/src/b.py"));
    assert!(owns("docs/", "x/docs/readme.md"));
    assert!(owns("src/*.py", "src/hello.py"));
    assert!(!owns("src/*.py", "src/deep/hello.py"));
    assert!(owns("**/logs", "a/b/logs/x.log"));
    assert!(owns("README.md", "README.md"));
}

#[tokio::test]
async fn a_push_to_the_head_dismisses_stale_approvals() {
    let c = clone().await;
    let (lee, sam) = (c.login("lee").await, c.login("sam").await);
    let mut body = full_protection();
    body["required_status_checks"] = Value::Null;
    assert_eq!(c.call("PUT", PROT, Some(body)).await.status, StatusCode::OK);
    let review = c.as_user(&lee, "POST", "/repos/acme/hello-world/pulls/4/reviews", Some(json!({ "event": "APPROVE" }))).await;
    let id = review.body["id"].as_i64().unwrap();
    let pushed = c
        .as_user(
            &sam,
            "PUT",
            "/repos/acme/hello-world/contents/NOTES.md",
            Some(json!({ "message": "more", "content": "bW9yZQ==", "branch": "feature/greeting" })),
        )
        .await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.body);
    let got = c.get(&format!("/repos/acme/hello-world/pulls/4/reviews/{id}")).await;
    assert_eq!(got.body["state"], "DISMISSED");
    let merge = c.as_user(&sam, "PUT", "/repos/acme/hello-world/pulls/4/merge", None).await;
    assert_eq!(merge.body["message"], "At least 1 approving review is required by reviewers with write access.");
    c.as_user(&lee, "POST", "/repos/acme/hello-world/pulls/4/reviews", Some(json!({ "event": "APPROVE" }))).await;
    assert_eq!(c.as_user(&sam, "PUT", "/repos/acme/hello-world/pulls/4/merge", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn protection_changes_are_announced_as_branch_protection_rule_events() {
    let c = clone().await;
    let (addr, seen) = receiver().await;
    let hook = json!({ "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["branch_protection_rule"] });
    assert_eq!(c.call("POST", "/repos/acme/hello-world/hooks", Some(hook)).await.status, StatusCode::CREATED);
    assert_eq!(c.call("PUT", PROT, Some(full_protection())).await.status, StatusCode::OK);
    let created = wait_for(&seen, "branch_protection_rule", "created").await;
    let rule = &created["rule"];
    assert_eq!(rule["name"], "main");
    assert_eq!(rule["pull_request_reviews_enforcement_level"], "non_admins");
    assert_eq!(rule["required_status_checks"], json!(["ci/build"]));
    assert_eq!(rule["dismiss_stale_reviews_on_push"], true);
    assert_eq!(created["repository"]["full_name"], "acme/hello-world");
    assert_eq!(c.call("POST", &format!("{PROT}/enforce_admins"), None).await.status, StatusCode::OK);
    let edited = wait_for(&seen, "branch_protection_rule", "edited").await;
    assert_eq!(edited["rule"]["id"], rule["id"]);
    assert_eq!(edited["rule"]["admin_enforced"], true);
    assert_eq!(edited["changes"]["admin_enforced"], json!({ "from": false }));
    assert_eq!(edited["changes"]["pull_request_reviews_enforcement_level"], json!({ "from": "non_admins" }));
    assert_eq!(c.call("DELETE", PROT, None).await.status, StatusCode::NO_CONTENT);
    let deleted = wait_for(&seen, "branch_protection_rule", "deleted").await;
    assert_eq!(deleted["rule"]["id"], rule["id"]);
}

#[tokio::test]
async fn required_signatures_admit_only_commits_github_signs() {
    let c = clone().await;
    let (lee, sam) = (c.login("lee").await, c.login("sam").await);
    let body =
        json!({ "required_status_checks": null, "enforce_admins": false, "required_pull_request_reviews": null, "restrictions": null });
    assert_eq!(c.call("PUT", PROT, Some(body)).await.status, StatusCode::OK);
    assert_eq!(c.call("POST", &format!("{PROT}/required_signatures"), None).await.status, StatusCode::OK);
    let typo = head_of(&c, "docs/typo").await;
    let ff = c.as_user(&lee, "PATCH", "/repos/acme/hello-world/git/refs/heads/main", Some(json!({ "sha": typo }))).await;
    assert_eq!(
        (ff.status, ff.body["message"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("Commits must have verified signatures."))
    );
    let merge = |method: &'static str| {
        let (c, sam) = (&c, sam.clone());
        async move { c.as_user(&sam, "PUT", "/repos/acme/hello-world/pulls/4/merge", Some(json!({ "merge_method": method }))).await }
    };
    let rebase = merge("rebase").await;
    assert_eq!(rebase.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(rebase.body["message"], "Base branch requires signed commits. Rebase merges cannot be automatically signed by GitHub");
    assert_eq!(merge("merge").await.body["message"], "Commits must have verified signatures.");
    let squash = merge("squash").await;
    assert_eq!(squash.status, StatusCode::OK, "{}", squash.body);
}

#[tokio::test]
async fn settings_that_could_change_nothing_here_are_refused_by_name() {
    let c = clone().await;
    for field in ["block_creations", "allow_fork_syncing"] {
        let mut body = full_protection();
        body[field] = json!(true);
        let put = c.call("PUT", PROT, Some(body)).await;
        assert_eq!(put.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", put.body);
        assert_eq!(put.body["errors"][0]["field"], field, "{}", put.body);
        assert!(put.body["errors"][0]["message"].as_str().unwrap().contains("not built"), "{}", put.body);
        let mut off = full_protection();
        off[field] = json!(false);
        assert_eq!(c.call("PUT", PROT, Some(off)).await.status, StatusCode::OK);
    }
}
