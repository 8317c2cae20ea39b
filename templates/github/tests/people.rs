//! Router-level tests of people: users by id, follows (and the counts on user
//! objects), email addresses, SSH keys, blocks; organization invitations and
//! the invitee's membership, outside collaborators, public members, org blocks
//! and organization webhooks.

mod support;

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};
use support::*;

async fn as_user(c: &Clone, token: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
    let auth = format!("token {token}");
    let text = body.map(|b| b.to_string());
    c.send(method, path, text.as_deref(), &[("authorization", &auth), ("content-type", "application/json")]).await
}

/// An OpenSSH `ssh-ed25519` public key whose 32 key bytes are all `byte`.
fn ed25519(byte: u8, comment: &str) -> (String, String) {
    let mut blob = Vec::new();
    for f in [b"ssh-ed25519".as_slice(), &[byte; 32]] {
        blob.extend_from_slice(&(f.len() as u32).to_be_bytes());
        blob.extend_from_slice(f);
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(blob);
    (format!("ssh-ed25519 {b64} {comment}"), format!("ssh-ed25519 {b64}"))
}

/// The first delivery of `event` (and `action`, when given) the receiver got.
async fn delivered(seen: &Deliveries, event: &str, action: Option<&str>) -> (axum::http::HeaderMap, Vec<u8>) {
    for _ in 0..100 {
        let hit = seen.lock().unwrap().iter().find_map(|(h, b)| {
            let v: Value = serde_json::from_slice(b).ok()?;
            (h["x-github-event"] == event && action.is_none_or(|a| v["action"] == a)).then(|| (h.clone(), b.clone()))
        });
        if let Some(hit) = hit {
            return hit;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {event} {action:?} delivery");
}

#[tokio::test]
async fn follows_count_on_user_objects_and_answer_204_or_404() {
    let c = clone().await;
    let lee = c.login("lee").await;
    let lee_id = c.get("/users/lee").await.body["id"].as_i64().unwrap();
    assert_eq!(c.get("/users/lee").await.body["followers"], 0);

    assert_eq!(c.call("PUT", "/user/following/lee", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.call("PUT", "/user/following/lee", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(as_user(&c, &lee, "PUT", "/user/following/dana", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/user/following/lee").await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/user/following/sam").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/users/dana/following/lee").await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/users/lee/following/sam").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/users/lee").await.body["followers"], 1);
    let me = c.get("/user").await.body;
    assert_eq!((me["followers"].as_i64(), me["following"].as_i64()), (Some(1), Some(1)));
    let by_id = c.get(&format!("/user/{lee_id}")).await;
    assert_eq!(by_id.status, StatusCode::OK);
    assert_eq!((by_id.body["login"].as_str(), by_id.body["followers"].as_i64()), (Some("lee"), Some(1)));
    let logins = |r: Resp| r.body.as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(logins(c.get("/user/followers").await), ["lee"]);
    assert_eq!(logins(c.get("/user/following").await), ["lee"]);
    assert_eq!(logins(c.get("/users/lee/followers").await), ["dana"]);
    assert_eq!(logins(c.get("/users/lee/following").await), ["dana"]);

    assert_eq!(c.call("PUT", "/user/following/dana", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("PUT", "/user/following/nobody-here", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/user/99999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/user/not-a-number").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.send("PUT", "/user/following/lee", None, &[]).await.status, StatusCode::UNAUTHORIZED);

    assert_eq!(c.call("DELETE", "/user/following/lee", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/user/following/lee").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/users/lee").await.body["followers"], 0);
}

#[tokio::test]
async fn emails_start_with_the_seeded_primary_and_refuse_duplicates() {
    let c = clone().await;
    let list = c.get("/user/emails").await;
    assert_eq!(list.body, json!([{ "email": "dana@acme.test", "primary": true, "verified": true, "visibility": "public" }]));
    assert_eq!(c.get("/user/public_emails").await.body.as_array().unwrap().len(), 1);

    let added = c.call("POST", "/user/emails", Some(json!({ "emails": ["dana@home.test", "d.reyes@mail.test"] }))).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.body[0], json!({ "email": "dana@home.test", "primary": false, "verified": false, "visibility": null }));
    // A bare array and a bare string are accepted too.
    assert_eq!(c.call("POST", "/user/emails", Some(json!("third@mail.test"))).await.status, StatusCode::CREATED);
    assert_eq!(c.get("/user/emails").await.body.as_array().unwrap().len(), 4);

    for dup in ["dana@home.test", "DANA@acme.test", "lee@acme.test"] {
        let r = c.call("POST", "/user/emails", Some(json!({ "emails": [dup] }))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{dup}");
        assert_eq!(r.body["errors"][0]["message"], "email is already in use");
    }
    assert_eq!(c.call("POST", "/user/emails", Some(json!({ "emails": ["nope"] }))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("POST", "/user/emails", Some(json!({}))).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let vis = c.call("PATCH", "/user/email/visibility", Some(json!({ "visibility": "private" }))).await;
    assert_eq!(vis.status, StatusCode::OK);
    assert_eq!(vis.body[0]["visibility"], "private");
    assert_eq!(c.get("/user/public_emails").await.body, json!([]));
    assert_eq!(
        c.call("PATCH", "/user/email/visibility", Some(json!({ "visibility": "secret" }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    assert_eq!(c.call("DELETE", "/user/emails", Some(json!({ "emails": ["dana@home.test"] }))).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        c.call("DELETE", "/user/emails", Some(json!({ "emails": ["dana@acme.test"] }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(c.call("DELETE", "/user/emails", Some(json!({ "emails": ["lee@acme.test"] }))).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/user/emails").await.body.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn ssh_keys_must_be_openssh_public_keys() {
    let c = clone().await;
    let lee = c.login("lee").await;
    let (text, stored) = ed25519(7, "dana@laptop");
    let k = c.call("POST", "/user/keys", Some(json!({ "title": "laptop", "key": text }))).await;
    assert_eq!(k.status, StatusCode::CREATED, "{}", k.body);
    assert_eq!((k.body["key"].as_str(), k.body["title"].as_str()), (Some(stored.as_str()), Some("laptop")));
    assert!(k.body.get("fingerprint").is_none());
    let id = k.body["id"].as_i64().unwrap();
    assert_eq!(c.get(&format!("/user/keys/{id}")).await.body["key"], stored);
    assert_eq!(c.get("/user/keys").await.body.as_array().unwrap().len(), 1);
    let public = c.send("GET", "/users/dana/keys", None, &[]).await;
    assert_eq!(public.body, json!([{ "id": id, "key": stored, "created_at": k.body["created_at"] }]));

    let bad = c.call("POST", "/user/keys", Some(json!({ "title": "x", "key": "ssh-rsa AAAAnotakey" }))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["message"], "key is invalid. You must supply a key in OpenSSH public key format");
    let (other, _) = ed25519(9, "");
    let mislabelled = other.replacen("ssh-ed25519", "ssh-rsa", 1);
    assert_eq!(c.call("POST", "/user/keys", Some(json!({ "key": mislabelled }))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("POST", "/user/keys", Some(json!({ "title": "x" }))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let dup = as_user(&c, &lee, "POST", "/user/keys", Some(json!({ "title": "copy", "key": stored }))).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.body["errors"][0]["message"], "key is already in use");

    assert_eq!(as_user(&c, &lee, "GET", &format!("/user/keys/{id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(as_user(&c, &lee, "DELETE", &format!("/user/keys/{id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.call("DELETE", &format!("/user/keys/{id}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&format!("/user/keys/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_block_ends_follows_both_ways_and_stops_new_ones() {
    let c = clone().await;
    let olly = c.login("olly").await;
    assert_eq!(as_user(&c, &olly, "PUT", "/user/following/dana", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.call("PUT", "/user/following/olly", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/user/blocks/olly").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.call("PUT", "/user/blocks/olly", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/user/blocks/olly").await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/user/blocks").await.body[0]["login"], "olly");
    assert_eq!(c.get("/users/dana").await.body["followers"], 0);
    assert_eq!(c.get("/users/dana").await.body["following"], 0);
    assert_eq!(as_user(&c, &olly, "PUT", "/user/following/dana", None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(c.call("PUT", "/user/blocks/dana", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("PUT", "/user/blocks/nobody-here", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.call("DELETE", "/user/blocks/olly", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/user/blocks").await.body, json!([]));
    assert_eq!(as_user(&c, &olly, "PUT", "/user/following/dana", None).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn an_invitee_accepts_through_their_membership_and_joins_the_teams() {
    let c = clone().await;
    let (lee, olly) = (c.login("lee").await, c.login("olly").await);
    let (addr, seen) = receiver().await;
    let hook =
        json!({ "name": "web", "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["organization"] });
    assert_eq!(c.call("POST", "/orgs/acme/hooks", Some(hook)).await.status, StatusCode::CREATED);
    let team = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Docs" }))).await.body;
    let olly_id = c.get("/users/olly").await.body["id"].clone();

    let inv = c
        .call("POST", "/orgs/acme/invitations", Some(json!({ "invitee_id": olly_id, "role": "direct_member", "team_ids": [team["id"]] })))
        .await;
    assert_eq!(inv.status, StatusCode::CREATED, "{}", inv.body);
    assert_eq!(
        (inv.body["login"].as_str(), inv.body["role"].as_str(), inv.body["team_count"].as_i64()),
        (Some("olly"), Some("direct_member"), Some(1))
    );
    assert_eq!(inv.body["inviter"]["login"], "dana");
    let id = inv.body["id"].as_i64().unwrap();
    let (_, body) = delivered(&seen, "organization", Some("member_invited")).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((v["invitation"]["id"].as_i64(), v["organization"]["login"].as_str()), (Some(id), Some("acme")));

    let again = c.call("POST", "/orgs/acme/invitations", Some(json!({ "invitee_id": olly_id }))).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let member = c.call("POST", "/orgs/acme/invitations", Some(json!({ "email": "lee@acme.test" }))).await;
    assert_eq!(member.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("POST", "/orgs/acme/invitations", Some(json!({ "role": "admin" }))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        c.call("POST", "/orgs/acme/invitations", Some(json!({ "invitee_id": olly_id, "role": "owner" }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        c.call("POST", "/orgs/acme/invitations", Some(json!({ "email": "new@x.test", "team_ids": [1] }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Only owners manage invitations.
    assert_eq!(as_user(&c, &lee, "GET", "/orgs/acme/invitations", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        as_user(&c, &lee, "POST", "/orgs/acme/invitations", Some(json!({ "email": "a@b.test" }))).await.status,
        StatusCode::NOT_FOUND
    );

    let pending = c.get("/orgs/acme/invitations").await.body;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert_eq!(c.get("/orgs/acme/invitations?role=admin").await.body, json!([]));
    assert_eq!(c.get("/orgs/acme/failed_invitations").await.body, json!([]));
    assert_eq!(c.get(&format!("/orgs/acme/invitations/{id}/teams")).await.body[0]["slug"], "docs");
    assert_eq!(c.get("/orgs/acme/teams/docs/invitations").await.body[0]["id"], id);
    assert_eq!(c.get(&format!("/teams/{}/invitations", team["id"])).await.body[0]["login"], "olly");
    assert_eq!(as_user(&c, &olly, "GET", "/orgs/acme/teams/docs/invitations", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/orgs/acme/memberships/olly").await.body["state"], "pending");
    let mine = as_user(&c, &olly, "GET", "/user/memberships/orgs?state=pending", None).await.body;
    assert_eq!((mine[0]["state"].as_str(), mine[0]["role"].as_str()), (Some("pending"), Some("member")));
    assert_eq!(as_user(&c, &olly, "GET", "/user/memberships/orgs?state=active", None).await.body, json!([]));

    assert_eq!(
        as_user(&c, &olly, "PATCH", "/user/memberships/orgs/acme", Some(json!({ "state": "pending" }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let accepted = as_user(&c, &olly, "PATCH", "/user/memberships/orgs/acme", Some(json!({ "state": "active" }))).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!((accepted.body["state"].as_str(), accepted.body["role"].as_str()), (Some("active"), Some("member")));
    delivered(&seen, "organization", Some("member_added")).await;
    assert_eq!(c.get("/orgs/acme/members/olly").await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/teams/docs/memberships/olly").await.body["state"], "active");
    assert_eq!(c.get("/orgs/acme/invitations").await.body, json!([]));
    assert_eq!(c.get("/orgs/acme/teams/docs/invitations").await.body, json!([]));
    assert_eq!(as_user(&c, &olly, "GET", "/user/memberships/orgs/acme", None).await.body["state"], "active");
    assert_eq!(as_user(&c, &olly, "GET", "/user/memberships/orgs", None).await.body.as_array().unwrap().len(), 1);

    // An address nobody holds: the invitation names only the email; cancelling it.
    let by_email = c.call("POST", "/orgs/acme/invitations", Some(json!({ "email": "friend@else.test", "role": "admin" }))).await;
    assert_eq!(by_email.status, StatusCode::CREATED);
    assert_eq!((by_email.body["login"].clone(), by_email.body["email"].as_str()), (Value::Null, Some("friend@else.test")));
    let eid = by_email.body["id"].as_i64().unwrap();
    assert_eq!(c.call("DELETE", &format!("/orgs/acme/invitations/{eid}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.call("DELETE", &format!("/orgs/acme/invitations/{eid}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(as_user(&c, &lee, "PATCH", "/user/memberships/orgs/acme", Some(json!({ "state": "active" }))).await.body["state"], "active");
    let sam = c.login("sam").await;
    assert_eq!(as_user(&c, &sam, "GET", "/user/memberships/orgs/nope-org", None).await.status, StatusCode::NOT_FOUND);
    // Removing a member is announced to the org's hooks too.
    assert_eq!(c.call("DELETE", "/orgs/acme/members/olly", None).await.status, StatusCode::NO_CONTENT);
    let (_, body) = delivered(&seen, "organization", Some("member_removed")).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["membership"]["user"]["login"], "olly");
    assert_eq!(c.get("/orgs/acme/teams/docs/memberships/olly").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn setting_a_membership_invites_a_non_member_and_changes_a_members_role_at_once() {
    let c = clone().await;
    let (lee, olly) = (c.login("lee").await, c.login("olly").await);
    let (addr, seen) = receiver().await;
    let hook =
        json!({ "name": "web", "config": { "url": format!("http://{addr}/hook"), "content_type": "json" }, "events": ["organization"] });
    assert_eq!(c.call("POST", "/orgs/acme/hooks", Some(hook)).await.status, StatusCode::CREATED);

    // Only owners set memberships; a user the org blocked is not invited.
    let by_member = as_user(&c, &lee, "PUT", "/orgs/acme/memberships/olly", Some(json!({}))).await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    assert_eq!(c.get("/orgs/acme/memberships/olly").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.call("PUT", "/orgs/acme/blocks/olly", None).await.status, StatusCode::NO_CONTENT);
    let blocked = c.call("PUT", "/orgs/acme/memberships/olly", Some(json!({}))).await;
    assert_eq!(blocked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(blocked.body["errors"][0]["message"], "Invitee is blocked by this organization");
    assert_eq!(c.call("DELETE", "/orgs/acme/blocks/olly", None).await.status, StatusCode::NO_CONTENT);

    let put = c.call("PUT", "/orgs/acme/memberships/olly", Some(json!({}))).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!((put.body["state"].as_str(), put.body["role"].as_str()), (Some("pending"), Some("member")));
    assert_eq!(put.body["user"]["login"], "olly");
    let (_, body) = delivered(&seen, "organization", Some("member_invited")).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((v["invitation"]["login"].as_str(), v["invitation"]["role"].as_str()), (Some("olly"), Some("direct_member")));
    assert_eq!(c.get("/orgs/acme/members/olly").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/orgs/acme/memberships/olly").await.body["state"], "pending");
    let invitations = c.get("/orgs/acme/invitations").await.body;
    assert_eq!((invitations.as_array().unwrap().len(), invitations[0]["inviter"]["login"].as_str()), (1, Some("dana")));

    // A second PUT while pending changes the invitation's role, not the count.
    let again = c.call("PUT", "/orgs/acme/memberships/olly", Some(json!({ "role": "admin" }))).await;
    assert_eq!((again.status, again.body["state"].as_str(), again.body["role"].as_str()), (StatusCode::OK, Some("pending"), Some("admin")));
    let invitations = c.get("/orgs/acme/invitations").await.body;
    assert_eq!((invitations.as_array().unwrap().len(), invitations[0]["role"].as_str()), (1, Some("admin")));

    // Bad input; an invitee is no member yet.
    let bad = c.call("PUT", "/orgs/acme/memberships/olly", Some(json!({ "role": "owner" }))).await;
    assert_eq!((bad.status, bad.body["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("role")));
    assert_eq!(c.call("PUT", "/orgs/acme/memberships/nobody-here", Some(json!({}))).await.status, StatusCode::NOT_FOUND);
    let by_invitee = as_user(&c, &olly, "PUT", "/orgs/acme/memberships/lee", Some(json!({}))).await;
    assert_eq!(by_invitee.status, StatusCode::NOT_FOUND);

    // The invitee accepts: an active admin.
    let accepted = as_user(&c, &olly, "PATCH", "/user/memberships/orgs/acme", Some(json!({ "state": "active" }))).await;
    assert_eq!((accepted.body["state"].as_str(), accepted.body["role"].as_str()), (Some("active"), Some("admin")));
    assert_eq!(c.get("/orgs/acme/members/olly").await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/invitations").await.body, json!([]));

    // A member's role changes at once, without an invitation.
    let demoted = c.call("PUT", "/orgs/acme/memberships/olly", Some(json!({ "role": "member" }))).await;
    assert_eq!((demoted.body["state"].as_str(), demoted.body["role"].as_str()), (Some("active"), Some("member")));
    let promoted = c.call("PUT", "/orgs/acme/memberships/lee", Some(json!({ "role": "admin" }))).await;
    assert_eq!((promoted.body["state"].as_str(), promoted.body["role"].as_str()), (Some("active"), Some("admin")));
    assert_eq!(c.get("/orgs/acme/invitations").await.body, json!([]));
    assert_eq!(c.get("/orgs/acme/members?role=admin").await.body.as_array().unwrap().iter().filter(|m| m["login"] == "lee").count(), 1);
}

#[tokio::test]
async fn org_hooks_hear_the_org_repositories_and_sign_like_repo_hooks() {
    let c = clone().await;
    let lee = c.login("lee").await;
    let (addr, seen) = receiver().await;
    let url = format!("http://{addr}/hook");
    let made = c
        .call(
            "POST",
            "/orgs/acme/hooks",
            Some(json!({ "name": "web", "config": { "url": url, "content_type": "json", "secret": "s3cret" }, "events": ["issues", "push"] })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!((made.body["type"].as_str(), made.body["config"]["secret"].as_str()), (Some("Organization"), Some("********")));
    let id = made.body["id"].as_i64().unwrap();
    let (headers, body) = delivered(&seen, "ping", None).await;
    assert_eq!(headers["x-github-hook-installation-target-type"], "organization");
    assert_eq!(headers["x-hub-signature-256"].to_str().unwrap(), asym_template_github::model::hooks::sign("s3cret", &body));

    // A repository event of the org reaches the org hook.
    let issue = c.call("POST", "/repos/acme/hello-world/issues", Some(json!({ "title": "Heard by the org" }))).await;
    assert_eq!(issue.status, StatusCode::CREATED);
    let (headers, body) = delivered(&seen, "issues", Some("opened")).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((v["repository"]["full_name"].as_str(), v["issue"]["title"].as_str()), (Some("acme/hello-world"), Some("Heard by the org")));
    assert_eq!(headers["x-hub-signature-256"].to_str().unwrap(), asym_template_github::model::hooks::sign("s3cret", &body));
    // A user's repository does not.
    c.call("POST", "/repos/dana/dotfiles/issues", Some(json!({ "title": "Mine only" }))).await;

    assert_eq!(c.get("/orgs/acme/hooks").await.body.as_array().unwrap().len(), 1);
    assert_eq!(c.get(&format!("/orgs/acme/hooks/{id}")).await.body["events"], json!(["issues", "push"]));
    let cfg = c.get(&format!("/orgs/acme/hooks/{id}/config")).await.body;
    assert_eq!(cfg, json!({ "url": url, "content_type": "json", "secret": "********", "insecure_ssl": "0" }));
    let cfg = c.call("PATCH", &format!("/orgs/acme/hooks/{id}/config"), Some(json!({ "content_type": "form" }))).await;
    assert_eq!(cfg.body["content_type"], "form");
    assert_eq!(
        c.call("PATCH", &format!("/orgs/acme/hooks/{id}/config"), Some(json!({ "url": "ftp://x" }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let edited = c.call("PATCH", &format!("/orgs/acme/hooks/{id}"), Some(json!({ "events": ["push"], "active": false }))).await;
    assert_eq!((edited.body["events"].clone(), edited.body["active"].clone()), (json!(["push"]), json!(false)));

    assert_eq!(c.call("POST", &format!("/orgs/acme/hooks/{id}/pings"), None).await.status, StatusCode::NO_CONTENT);
    let mut deliveries = Value::Null;
    for _ in 0..100 {
        deliveries = c.get(&format!("/orgs/acme/hooks/{id}/deliveries")).await.body;
        if deliveries.as_array().is_some_and(|d| d.len() >= 3) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let events: Vec<&str> = deliveries.as_array().unwrap().iter().map(|d| d["event"].as_str().unwrap()).collect();
    assert!(events.contains(&"issues") && events.iter().filter(|e| **e == "ping").count() == 2, "{events:?}");
    let issues_delivery = deliveries.as_array().unwrap().iter().find(|d| d["event"] == "issues").unwrap().clone();
    let did = issues_delivery["id"].as_i64().unwrap();
    let one = c.get(&format!("/orgs/acme/hooks/{id}/deliveries/{did}")).await.body;
    assert_eq!(one["url"], format!("{BASE}/orgs/acme/hooks/{id}/deliveries/{did}"));
    assert_eq!(one["request"]["payload"]["issue"]["title"], "Heard by the org");
    assert!(one["repository_id"].is_i64());
    assert_eq!(c.call("POST", &format!("/orgs/acme/hooks/{id}/deliveries/{did}/attempts"), None).await.status, StatusCode::ACCEPTED);

    // Only owners see org hooks; bad input is refused.
    assert_eq!(as_user(&c, &lee, "GET", "/orgs/acme/hooks", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(as_user(&c, &lee, "GET", &format!("/orgs/acme/hooks/{id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        c.call("POST", "/orgs/acme/hooks", Some(json!({ "name": "web", "config": { "url": url } }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        c.call("POST", "/orgs/acme/hooks", Some(json!({ "name": "email", "config": { "url": "http://x.test/h" } }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(c.call("POST", "/orgs/acme/hooks", Some(json!({ "name": "web" }))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("DELETE", &format!("/orgs/acme/hooks/{id}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get(&format!("/orgs/acme/hooks/{id}")).await.status, StatusCode::NOT_FOUND);
    // An org hook is no repository's hook.
    assert_eq!(c.get(&format!("/repos/acme/hello-world/hooks/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn outside_collaborators_public_members_and_org_blocks() {
    let c = clone().await;
    let (lee, sam) = (c.login("lee").await, c.login("sam").await);
    // An org repository adds a collaborator at once: olly is an outside collaborator.
    assert_eq!(
        c.call("PUT", "/repos/acme/secret-plans/collaborators/olly", Some(json!({ "permission": "pull" }))).await.status,
        StatusCode::NO_CONTENT
    );
    let logins = |r: Resp| r.body.as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(logins(c.get("/orgs/acme/outside_collaborators").await), ["olly"]);
    assert_eq!(logins(c.get("/orgs/acme/outside_collaborators?filter=2fa_disabled").await), ["olly"]);
    assert_eq!(c.get("/orgs/acme/outside_collaborators?filter=bogus").await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // sam reaches secret-plans through a team; converted, he keeps that access as a collaborator.
    c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Planners" }))).await;
    c.call("PUT", "/orgs/acme/teams/planners/repos/acme/secret-plans", Some(json!({ "permission": "push" }))).await;
    c.call("PUT", "/orgs/acme/teams/planners/memberships/sam", Some(json!({}))).await;
    assert_eq!(as_user(&c, &lee, "PUT", "/orgs/acme/outside_collaborators/sam", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.call("PUT", "/orgs/acme/outside_collaborators/sam", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/members/sam").await.status, StatusCode::NOT_FOUND);
    // Ordered by account id: sam was seeded before olly.
    assert_eq!(logins(c.get("/orgs/acme/outside_collaborators").await), ["sam", "olly"]);
    let perm = as_user(&c, &sam, "GET", "/repos/acme/secret-plans/collaborators/sam/permission", None).await;
    assert_eq!(perm.body["permission"], "write");
    assert_eq!(c.call("PUT", "/orgs/acme/outside_collaborators/olly", None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(c.call("PUT", "/orgs/acme/outside_collaborators/dana", None).await.status, StatusCode::FORBIDDEN);
    let member = c.call("DELETE", "/orgs/acme/outside_collaborators/lee", None).await;
    assert_eq!(member.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(member.body["message"], "You cannot specify an organization member to remove as an outside collaborator.");
    assert_eq!(c.call("DELETE", "/orgs/acme/outside_collaborators/olly", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(logins(c.get("/orgs/acme/outside_collaborators").await), ["sam"]);

    // Public membership is each member's own choice.
    assert_eq!(c.get("/orgs/acme/public_members").await.body, json!([]));
    assert_eq!(as_user(&c, &lee, "PUT", "/orgs/acme/public_members/lee", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.call("PUT", "/orgs/acme/public_members/lee", None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(as_user(&c, &sam, "PUT", "/orgs/acme/public_members/sam", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(logins(c.send("GET", "/orgs/acme/public_members", None, &[]).await), ["lee"]);
    // Outside the org (anonymous, or sam now), the member list is the public one.
    assert_eq!(logins(c.send("GET", "/orgs/acme/members", None, &[]).await), ["lee"]);
    assert_eq!(logins(as_user(&c, &sam, "GET", "/orgs/acme/members", None).await), ["lee"]);
    assert_eq!(logins(c.get("/orgs/acme/members").await), ["dana", "lee"]);
    assert_eq!(c.get("/orgs/acme/public_members/lee").await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/public_members/dana").await.status, StatusCode::NOT_FOUND);
    assert_eq!(as_user(&c, &lee, "DELETE", "/orgs/acme/public_members/lee", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/public_members/lee").await.status, StatusCode::NOT_FOUND);

    // Org blocks: owners only, never a member, and a blocked user cannot be invited.
    assert_eq!(c.call("PUT", "/orgs/acme/blocks/olly", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/blocks/olly").await.status, StatusCode::NO_CONTENT);
    assert_eq!(logins(c.get("/orgs/acme/blocks").await), ["olly"]);
    assert_eq!(c.call("PUT", "/orgs/acme/blocks/lee", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(as_user(&c, &lee, "GET", "/orgs/acme/blocks", None).await.status, StatusCode::NOT_FOUND);
    let olly_id = c.get("/users/olly").await.body["id"].clone();
    assert_eq!(
        c.call("POST", "/orgs/acme/invitations", Some(json!({ "invitee_id": olly_id }))).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(c.call("DELETE", "/orgs/acme/blocks/olly", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/blocks/olly").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_team_membership_for_someone_outside_the_org_is_pending_until_they_accept() {
    let c = clone().await;
    let (lee, olly) = (c.login("lee").await, c.login("olly").await);
    let logins = |r: Resp| r.body.as_array().unwrap().iter().map(|u| u["login"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let docs = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Docs", "maintainers": ["lee"] }))).await.body;
    let docs_id = docs["id"].as_i64().unwrap();

    // A maintainer who is no org owner adds an org member at once, but cannot invite an outsider.
    let r = as_user(&c, &lee, "PUT", "/orgs/acme/teams/docs/memberships/sam", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.body["role"].as_str(), r.body["state"].as_str()), (Some("member"), Some("active")));
    let r = as_user(&c, &lee, "PUT", "/orgs/acme/teams/docs/memberships/olly", Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(c.get("/orgs/acme/invitations").await.body, json!([]));
    // Bad input is still refused before anything is sent.
    let r = c.call("PUT", "/orgs/acme/teams/docs/memberships/olly", Some(json!({ "role": "boss" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.call("PUT", "/orgs/acme/teams/docs/memberships/nobody-here", Some(json!({}))).await.status, StatusCode::NOT_FOUND);
    let r = c.call("PUT", "/orgs/acme/teams/docs/memberships/olly", Some(json!({ "role": "maintainer" }))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a pending maintainer is not built: {}", r.body);
    // The legacy add-member route only takes org members.
    assert_eq!(c.call("PUT", &format!("/teams/{docs_id}/members/olly"), None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.get("/orgs/acme/invitations").await.body, json!([]));

    // An owner invites olly to the org with the team; the membership is pending.
    let r = c.call("PUT", "/orgs/acme/teams/docs/memberships/olly", Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({ "url": format!("{BASE}/teams/{docs_id}/memberships/olly"), "role": "member", "state": "pending" }));
    assert_eq!(c.get("/orgs/acme/teams/docs/memberships/olly").await.body["state"], "pending");
    assert_eq!(c.get(&format!("/teams/{docs_id}/memberships/olly")).await.body["state"], "pending");
    assert_eq!(logins(c.get("/orgs/acme/teams/docs/members").await), ["lee", "sam"]);
    assert_eq!(c.get(&format!("/teams/{docs_id}/members/olly")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/orgs/acme/members/olly").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/orgs/acme/memberships/olly").await.body["state"], "pending");
    let invitations = c.get("/orgs/acme/invitations").await.body;
    assert_eq!(invitations.as_array().unwrap().len(), 1);
    assert_eq!((invitations[0]["login"].as_str(), invitations[0]["role"].as_str()), (Some("olly"), Some("direct_member")));
    let iid = invitations[0]["id"].as_i64().unwrap();
    assert_eq!(logins(c.get("/orgs/acme/teams/docs/invitations").await), ["olly"]);
    assert_eq!(as_user(&c, &olly, "GET", "/user/teams", None).await.body, json!([]));
    // Asking again keeps it pending; a second team joins the same invitation (legacy path).
    assert_eq!(c.call("PUT", "/orgs/acme/teams/docs/memberships/olly", None).await.body["state"], "pending");
    let ops_id = c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Ops" }))).await.body["id"].as_i64().unwrap();
    let r = c.call("PUT", &format!("/teams/{ops_id}/memberships/olly"), Some(json!({ "role": "member" }))).await;
    assert_eq!(r.body["state"], "pending", "{}", r.body);
    assert_eq!(c.get("/orgs/acme/invitations").await.body.as_array().unwrap().len(), 1);
    let teams = c.get(&format!("/orgs/acme/invitations/{iid}/teams")).await.body;
    assert_eq!(teams.as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect::<Vec<_>>(), ["docs", "ops"]);
    // Someone with no invitation has no membership to show.
    assert_eq!(c.get("/orgs/acme/teams/ops/memberships/lee").await.status, StatusCode::NOT_FOUND);
    // A pending membership removed before it is accepted stays removed.
    assert_eq!(c.call("POST", "/orgs/acme/teams", Some(json!({ "name": "Infra" }))).await.status, StatusCode::CREATED);
    assert_eq!(c.call("PUT", "/orgs/acme/teams/infra/memberships/olly", None).await.body["state"], "pending");
    assert_eq!(c.call("DELETE", "/orgs/acme/teams/infra/memberships/olly", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(c.get("/orgs/acme/teams/infra/memberships/olly").await.status, StatusCode::NOT_FOUND);

    // Accepting the org invitation makes both memberships active.
    let accepted = as_user(&c, &olly, "PATCH", "/user/memberships/orgs/acme", Some(json!({ "state": "active" }))).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let docs_m = c.get("/orgs/acme/teams/docs/memberships/olly").await.body;
    assert_eq!((docs_m["role"].as_str(), docs_m["state"].as_str()), (Some("member"), Some("active")));
    assert_eq!(c.get("/orgs/acme/teams/ops/memberships/olly").await.body["state"], "active");
    assert_eq!(logins(c.get("/orgs/acme/teams/docs/members").await), ["lee", "sam", "olly"]);
    assert_eq!(c.get("/orgs/acme/teams/infra/memberships/olly").await.status, StatusCode::NOT_FOUND);
    // Now a member, olly's role changes at once.
    let r = c.call("PUT", "/orgs/acme/teams/docs/memberships/olly", Some(json!({ "role": "maintainer" }))).await;
    assert_eq!((r.body["role"].as_str(), r.body["state"].as_str()), (Some("maintainer"), Some("active")));
}
