//! Router-level tests of sub-issues, issue dependencies, deploy keys,
//! autolinks and repository statistics.

mod support;

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};
use support::*;

const R: &str = "/repos/acme/hello-world";

async fn as_user(c: &Clone, token: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
    let auth = format!("token {token}");
    let text = body.map(|b| b.to_string());
    c.send(method, path, text.as_deref(), &[("authorization", &auth), ("content-type", "application/json")]).await
}

async fn new_issue(c: &Clone, repo: &str, title: &str) -> Value {
    let r = c.call("POST", &format!("{repo}/issues"), Some(json!({ "title": title }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|i| i["number"].as_i64().unwrap()).collect()
}

fn ed25519(byte: u8) -> String {
    let mut blob = Vec::new();
    for f in [b"ssh-ed25519".as_slice(), &[byte; 32]] {
        blob.extend_from_slice(&(f.len() as u32).to_be_bytes());
        blob.extend_from_slice(f);
    }
    format!("ssh-ed25519 {}", base64::engine::general_purpose::STANDARD.encode(blob))
}

#[tokio::test]
async fn sub_issues_link_order_and_summarize() {
    let c = clone().await;
    let parent = c.get(&format!("{R}/issues/1")).await.body;
    assert_eq!(parent["sub_issues_summary"], json!({ "total": 0, "completed": 0, "percent_completed": 0 }));
    assert_eq!(parent["parent_issue_url"], Value::Null);
    let two = c.get(&format!("{R}/issues/2")).await.body;
    let three = c.get(&format!("{R}/issues/3")).await.body; // closed
    let five = new_issue(&c, R, "Another task").await;

    for child in [&two, &three, &five] {
        let r = c.call("POST", &format!("{R}/issues/1/sub_issues"), Some(json!({ "sub_issue_id": child["id"] }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["number"], 1);
    }
    let list = c.get(&format!("{R}/issues/1/sub_issues")).await;
    assert_eq!(ids(&list.body), vec![2, 3, 5]);
    assert_eq!(list.body[0]["parent_issue_url"], format!("{BASE}{R}/issues/1"));
    let p = c.get(&format!("{R}/issues/1")).await.body;
    assert_eq!(p["sub_issues_summary"], json!({ "total": 3, "completed": 1, "percent_completed": 33 }));
    let got = c.get(&format!("{R}/issues/5/parent")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["number"], 1);
    assert_eq!(c.get(&format!("{R}/issues/1/parent")).await.status, StatusCode::NOT_FOUND);

    // Reorder: 5 before 2, then 2 after 3.
    let r = c
        .call("PATCH", &format!("{R}/issues/1/sub_issues/priority"), Some(json!({ "sub_issue_id": five["id"], "before_id": two["id"] })))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(ids(&c.get(&format!("{R}/issues/1/sub_issues")).await.body), vec![5, 2, 3]);
    c.call("PATCH", &format!("{R}/issues/1/sub_issues/priority"), Some(json!({ "sub_issue_id": two["id"], "after_id": three["id"] })))
        .await;
    assert_eq!(ids(&c.get(&format!("{R}/issues/1/sub_issues")).await.body), vec![5, 3, 2]);
    let both = c
        .call(
            "PATCH",
            &format!("{R}/issues/1/sub_issues/priority"),
            Some(json!({ "sub_issue_id": two["id"], "after_id": three["id"], "before_id": five["id"] })),
        )
        .await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Remove.
    let r = c.call("DELETE", &format!("{R}/issues/1/sub_issue"), Some(json!({ "sub_issue_id": three["id"] }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["sub_issues_summary"]["total"], 2);
    let again = c.call("DELETE", &format!("{R}/issues/1/sub_issue"), Some(json!({ "sub_issue_id": three["id"] }))).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sub_issue_rules_one_parent_no_cycles_same_owner() {
    let c = clone().await;
    let one = c.get(&format!("{R}/issues/1")).await.body;
    let two = c.get(&format!("{R}/issues/2")).await.body;
    let three = c.get(&format!("{R}/issues/3")).await.body;
    let add = |n: i64, id: &Value, replace: bool| {
        let body = json!({ "sub_issue_id": id, "replace_parent": replace });
        let path = format!("{R}/issues/{n}/sub_issues");
        let c = &c;
        async move { c.call("POST", &path, Some(body)).await }
    };
    assert_eq!(add(1, &two["id"], false).await.status, StatusCode::CREATED);
    // Already a sub-issue here; another parent without replace_parent.
    let dup = add(1, &two["id"], false).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.body["errors"][0]["message"], "Issue may not contain duplicate sub-issues");
    let other = add(3, &two["id"], false).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.body["errors"][0]["message"], "Sub issue may only have one parent");
    // replace_parent moves it.
    assert_eq!(add(3, &two["id"], true).await.status, StatusCode::CREATED);
    assert_eq!(c.get(&format!("{R}/issues/2/parent")).await.body["number"], 3);
    assert!(c.get(&format!("{R}/issues/1/sub_issues")).await.body.as_array().unwrap().is_empty());
    // Itself, and a cycle (3 → 2, so 2 → 3 is refused).
    assert_eq!(add(1, &one["id"], false).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(add(2, &three["id"], false).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A pull request is not a sub-issue; an unknown id is 404; a string id is 422.
    let pr = c.get(&format!("{R}/issues/4")).await.body;
    assert_eq!(add(1, &pr["id"], false).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(add(1, &json!(999_999_999), false).await.status, StatusCode::NOT_FOUND);
    assert_eq!(add(1, &json!("12"), false).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("POST", &format!("{R}/issues/1/sub_issues"), Some(json!({}))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Another repository of the same owner is fine; another owner's is not.
    let secret = c.get("/repos/acme/secret-plans/issues/1").await.body;
    assert_eq!(add(1, &secret["id"], false).await.status, StatusCode::CREATED);
    assert_eq!(c.get("/repos/acme/secret-plans/issues/1/parent").await.body["number"], 1);
    c.call("POST", "/repos/dana/dotfiles/issues", Some(json!({ "title": "x" }))).await;
    let mine = c.get("/repos/dana/dotfiles/issues/1").await.body;
    let cross = add(1, &mine["id"], false).await;
    assert_eq!(cross.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", cross.body);
    // Someone with read access only cannot link.
    let olly = c.login("olly").await;
    let r = as_user(&c, &olly, "POST", &format!("{R}/issues/1/sub_issues"), Some(json!({ "sub_issue_id": three["id"] }))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sub_issues_nest_at_most_eight_levels() {
    let c = clone().await;
    let mut chain = vec![c.get(&format!("{R}/issues/1")).await.body];
    for n in 0..8 {
        chain.push(new_issue(&c, R, &format!("level {n}")).await);
    }
    for w in chain.windows(2).take(7) {
        let r = c.call("POST", &format!("{R}/issues/{}/sub_issues", w[0]["number"]), Some(json!({ "sub_issue_id": w[1]["id"] }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let ninth =
        c.call("POST", &format!("{R}/issues/{}/sub_issues", chain[7]["number"]), Some(json!({ "sub_issue_id": chain[8]["id"] }))).await;
    assert_eq!(ninth.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn dependencies_block_and_summarize() {
    let c = clone().await;
    let two = c.get(&format!("{R}/issues/2")).await.body;
    let three = c.get(&format!("{R}/issues/3")).await.body; // closed
    let r = c.call("POST", &format!("{R}/issues/1/dependencies/blocked_by"), Some(json!({ "issue_id": two["id"] }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    c.call("POST", &format!("{R}/issues/1/dependencies/blocked_by"), Some(json!({ "issue_id": three["id"] }))).await;
    assert_eq!(ids(&c.get(&format!("{R}/issues/1/dependencies/blocked_by")).await.body), vec![2, 3]);
    assert_eq!(ids(&c.get(&format!("{R}/issues/2/dependencies/blocking")).await.body), vec![1]);
    let one = c.get(&format!("{R}/issues/1")).await.body;
    assert_eq!(one["issue_dependencies_summary"], json!({ "blocked_by": 1, "blocking": 0, "total_blocked_by": 2, "total_blocking": 0 }));
    let two_now = c.get(&format!("{R}/issues/2")).await.body;
    assert_eq!(
        two_now["issue_dependencies_summary"],
        json!({ "blocked_by": 0, "blocking": 1, "total_blocked_by": 0, "total_blocking": 1 })
    );
    // Twice, itself, a cycle.
    let one_id = &one["id"];
    assert_eq!(
        c.call("POST", &format!("{R}/issues/1/dependencies/blocked_by"), Some(json!({ "issue_id": two["id"] }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        c.call("POST", &format!("{R}/issues/1/dependencies/blocked_by"), Some(json!({ "issue_id": one_id }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        c.call("POST", &format!("{R}/issues/2/dependencies/blocked_by"), Some(json!({ "issue_id": one_id }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        c.call("POST", &format!("{R}/issues/1/dependencies/blocked_by"), Some(json!({}))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Remove.
    let del = c.call("DELETE", &format!("{R}/issues/1/dependencies/blocked_by/{}", two["id"]), None).await;
    assert_eq!(del.status, StatusCode::OK);
    assert_eq!(del.body["issue_dependencies_summary"]["total_blocked_by"], 1);
    assert_eq!(c.call("DELETE", &format!("{R}/issues/1/dependencies/blocked_by/{}", two["id"]), None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deploy_keys_validate_and_are_unique_everywhere() {
    let c = clone().await;
    let key = ed25519(3);
    let r = c.call("POST", &format!("{R}/keys"), Some(json!({ "title": "ci", "key": format!("{key} ci@host"), "read_only": true }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["key"], key);
    assert_eq!(r.body["read_only"], true);
    assert_eq!(r.body["added_by"], "dana");
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(c.get(&format!("{R}/keys/{id}")).await.body["title"], "ci");
    assert_eq!(c.get(&format!("{R}/keys")).await.body.as_array().unwrap().len(), 1);
    // The same key on another repository, or as a user key: in use.
    let again = c.call("POST", "/repos/acme/secret-plans/keys", Some(json!({ "key": key }))).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.body["errors"][0]["message"], "key is already in use");
    assert_eq!(c.call("POST", "/user/keys", Some(json!({ "title": "x", "key": key }))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let user_key = ed25519(4);
    assert_eq!(c.call("POST", "/user/keys", Some(json!({ "title": "x", "key": user_key }))).await.status, StatusCode::CREATED);
    assert_eq!(c.call("POST", &format!("{R}/keys"), Some(json!({ "key": user_key }))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Not a key; no key.
    let bad = c.call("POST", &format!("{R}/keys"), Some(json!({ "key": "ssh-ed25519 AAAA" }))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body["errors"][0]["message"].as_str().unwrap().starts_with("key is invalid"));
    assert_eq!(c.call("POST", &format!("{R}/keys"), Some(json!({ "title": "t" }))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Admins only.
    let lee = c.login("lee").await;
    assert_eq!(as_user(&c, &lee, "GET", &format!("{R}/keys"), None).await.status, StatusCode::FORBIDDEN);
    // Delete.
    assert_eq!(c.call("DELETE", &format!("{R}/keys/{id}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&format!("{R}/keys/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.call("POST", "/repos/acme/secret-plans/keys", Some(json!({ "key": key }))).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn autolinks_need_num_and_unique_prefixes() {
    let c = clone().await;
    let r = c
        .call(
            "POST",
            &format!("{R}/autolinks"),
            Some(json!({ "key_prefix": "TICKET-", "url_template": "https://example.com/TICKET?query=<num>" })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["is_alphanumeric"], true);
    let id = r.body["id"].as_i64().unwrap();
    let numeric = c
        .call(
            "POST",
            &format!("{R}/autolinks"),
            Some(json!({ "key_prefix": "JIRA-", "url_template": "https://jira.test/<num>", "is_alphanumeric": false })),
        )
        .await;
    assert_eq!(numeric.body["is_alphanumeric"], false);
    assert_eq!(c.get(&format!("{R}/autolinks")).await.body.as_array().unwrap().len(), 2);
    assert_eq!(c.get(&format!("{R}/autolinks/{id}")).await.body["key_prefix"], "TICKET-");
    let dup =
        c.call("POST", &format!("{R}/autolinks"), Some(json!({ "key_prefix": "ticket-", "url_template": "https://x.test/<num>" }))).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.body["errors"][0]["code"], "already_exists");
    let no_num = c.call("POST", &format!("{R}/autolinks"), Some(json!({ "key_prefix": "X-", "url_template": "https://x.test/" }))).await;
    assert_eq!(no_num.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        c.call("POST", &format!("{R}/autolinks"), Some(json!({ "url_template": "https://x.test/<num>" }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let lee = c.login("lee").await;
    assert_eq!(as_user(&c, &lee, "GET", &format!("{R}/autolinks"), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(c.call("DELETE", &format!("{R}/autolinks/{id}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&format!("{R}/autolinks/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn statistics_come_from_the_git_history() {
    let c = clone().await;
    // main: dana 2024-01-02 09:00 (+5), lee 2024-01-03 10:30 (+7), dana 2024-01-04 16:00 (+4), all in the week of 2023-12-31.
    let week = 1_703_980_800;
    let contributors = c.get(&format!("{R}/stats/contributors")).await;
    assert_eq!(contributors.status, StatusCode::OK);
    let list = contributors.body.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["author"]["login"], "lee");
    assert_eq!(list[0]["weeks"], json!([{ "w": week, "a": 7, "d": 0, "c": 1 }]));
    assert_eq!(list[1]["author"]["login"], "dana");
    assert_eq!(list[1]["total"], 2);
    assert_eq!(list[1]["weeks"][0]["a"], 9);

    assert_eq!(c.get(&format!("{R}/stats/code_frequency")).await.body, json!([[week, 16, 0]]));
    let punch = c.get(&format!("{R}/stats/punch_card")).await.body;
    let punch = punch.as_array().unwrap();
    assert_eq!(punch.len(), 168);
    assert_eq!(punch[2 * 24 + 9], json!([2, 9, 1]));
    assert_eq!(punch[3 * 24 + 10], json!([3, 10, 1]));
    assert_eq!(punch.iter().map(|p| p[2].as_i64().unwrap()).sum::<i64>(), 3);
    // The commits are older than a year: the year's figures are zeros, 52 weeks of them.
    let activity = c.get(&format!("{R}/stats/commit_activity")).await.body;
    assert_eq!(activity.as_array().unwrap().len(), 52);
    assert!(activity.as_array().unwrap().iter().all(|w| w["total"] == 0 && w["days"].as_array().unwrap().len() == 7));
    let part = c.get(&format!("{R}/stats/participation")).await.body;
    assert_eq!(part["all"].as_array().unwrap().len(), 52);
    assert_eq!(part["owner"].as_array().unwrap().len(), 52);

    // A new commit by dana (the owner of dana/dotfiles) counts this week.
    let content = base64::engine::general_purpose::STANDARD.encode("a\nb\n");
    let put = c.call("PUT", "/repos/dana/dotfiles/contents/notes.txt", Some(json!({ "message": "notes", "content": content }))).await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);
    let part = c.get("/repos/dana/dotfiles/stats/participation").await.body;
    assert_eq!(part["all"][51], 1);
    assert_eq!(part["owner"][51], 1);
    let activity = c.get("/repos/dana/dotfiles/stats/commit_activity").await.body;
    assert_eq!(activity[51]["total"], 1);
    let freq = c.get("/repos/dana/dotfiles/stats/code_frequency").await.body;
    assert_eq!(freq.as_array().unwrap().last().unwrap()[1], 2);

    // An empty repository answers 204; a hidden one 404.
    c.call("POST", "/user/repos", Some(json!({ "name": "empty" }))).await;
    assert_eq!(c.get("/repos/dana/empty/stats/contributors").await.status, StatusCode::NO_CONTENT);
    let olly = c.login("olly").await;
    assert_eq!(as_user(&c, &olly, "GET", "/repos/acme/secret-plans/stats/punch_card", None).await.status, StatusCode::NOT_FOUND);
}
