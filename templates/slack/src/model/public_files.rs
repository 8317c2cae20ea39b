//! Public file links: files.sharedPublicURL gives a file a secret and with it a
//! `permalink_public` anyone can open without a token; files.revokePublicURL
//! takes the secret away, and the old link stops answering. On Slack the link is
//! `https://slack-files.com/<team>-<file>-<secret>`; here it is the same path on
//! the clone's own origin (see [`crate::objects::public_permalink`]).

use asym_clone_kit::secrets::{HEX, random_string};
use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::model::auth::{Principal, TokenKind};
use crate::model::files::render;
use crate::store::files::{self, FileRow};
use crate::store::workspace;
use crate::wire::{self, Args};

/// Length of the secret in a public link (Slack's are 10 hex digits).
const SECRET_LEN: usize = 10;

/// The file `who` names, if they may change its public sharing: their own file,
/// or any file they can see when they administer the workspace.
async fn shareable(db: &Pool, who: &Principal, args: &Args) -> SlackResult<FileRow> {
    who.require_any(&["files:write"])?;
    let id = args.required("file")?;
    let f = files::visible(db, &who.team_id, &who.user_id, &id).await?.ok_or(SlackError::Code("file_not_found"))?;
    if f.mode == "external" {
        // Remote files live elsewhere; Slack has no bytes to publish.
        return Err(SlackError::Code("not_allowed"));
    }
    if f.user_id != who.user_id {
        let admin = who.kind == TokenKind::User
            && workspace::user(db, &who.user_id).await?.is_some_and(|u| u.is_admin || u.is_owner || u.is_primary_owner);
        if !admin {
            return Err(SlackError::Code("not_allowed"));
        }
    }
    Ok(f)
}

async fn rendered(db: &Pool, who: &Principal, id: &str) -> SlackResult<Value> {
    let f = files::get(db, id).await?.ok_or(SlackError::Code("file_not_found"))?;
    let team = workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    Ok(json!({ "file": render(db, who, &f, &team.domain).await? }))
}

/// files.sharedPublicURL: user tokens only (`files:write`). Sharing a file that is
/// already public keeps its link. Announces `file_public`.
pub async fn shared_public_url(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    if who.kind != TokenKind::User {
        return Err(SlackError::Code("not_allowed_token_type"));
    }
    let f = shareable(db, who, args).await?;
    if f.public_secret.is_none() {
        let secret = random_string(SECRET_LEN, HEX);
        let mut tx = asym_store::begin_write(db).await?;
        if !files::set_public_secret(&mut *tx, &f.id, Some(&secret)).await? {
            return Err(SlackError::Code("file_not_found"));
        }
        events::emit(
            &mut *tx,
            &who.team_id,
            json!({ "type": "file_public", "file_id": f.id, "user_id": who.user_id, "file": { "id": f.id }, "event_ts": wire::now_ts() }),
        )
        .await?;
        tx.commit().await?;
    }
    rendered(db, who, &f.id).await
}

/// files.revokePublicURL (`files:write`, bot or user token): the file's public
/// link stops working. Revoking a file that is not public changes nothing.
/// Announces `file_change` when the link goes away.
pub async fn revoke_public_url(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let f = shareable(db, who, args).await?;
    if f.public_secret.is_some() {
        let mut tx = asym_store::begin_write(db).await?;
        files::set_public_secret(&mut *tx, &f.id, None).await?;
        events::emit(
            &mut *tx,
            &who.team_id,
            json!({ "type": "file_change", "file_id": f.id, "file": { "id": f.id }, "event_ts": wire::now_ts() }),
        )
        .await?;
        tx.commit().await?;
    }
    rendered(db, who, &f.id).await
}

/// The bytes behind a public link `<team>-<file>-<secret>`, with the file; None
/// when no file is shared under that link (never shared, revoked, deleted).
pub async fn public_download(db: &Pool, slug: &str) -> SlackResult<Option<(FileRow, Vec<u8>)>> {
    let mut parts = slug.splitn(3, '-');
    let (Some(team), Some(file), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    if secret.is_empty() {
        return Ok(None);
    }
    Ok(files::public_file(db, team, file, secret).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::{args, workspace};

    async fn upload(db: &Pool, who: &Principal, url: &str) -> String {
        use crate::model::files::{complete_upload, get_upload_url, open_ticket, receive_upload, with_public_url};
        let t = with_public_url(url, get_upload_url(db, who, &args(&[("filename", json!("a.txt")), ("length", json!(5))]))).await.unwrap();
        let key = t["upload_url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let open = open_ticket(db, &key).await.unwrap().unwrap();
        receive_upload(db, &open, b"hello".to_vec()).await.unwrap().unwrap();
        let id = t["file_id"].as_str().unwrap().to_string();
        with_public_url(url, complete_upload(db, who, &args(&[("files", json!(format!("[{{\"id\":\"{id}\"}}]")))]))).await.unwrap();
        id
    }

    #[tokio::test]
    async fn share_serve_and_revoke() {
        let (_dir, db, bot, user) = workspace("slack-public-test").await;
        let url = "http://127.0.0.1:9/api";
        let id = upload(&db, &user, url).await;
        let a = args(&[("file", json!(id))]);
        assert!(matches!(shared_public_url(&db, &bot, &a).await, Err(SlackError::Code("not_allowed_token_type"))));
        let shared = crate::model::files::with_public_url(url, shared_public_url(&db, &user, &a)).await.unwrap();
        assert_eq!(shared["file"]["public_url_shared"], json!(true));
        let link = shared["file"]["permalink_public"].as_str().unwrap().to_string();
        let slug = link.strip_prefix("http://127.0.0.1:9/").expect("the public link points at the clone");
        assert!(slug.starts_with(&format!("{}-{id}-", user.team_id)));
        let (f, bytes) = public_download(&db, slug).await.unwrap().expect("the link serves the file");
        assert_eq!((f.id.as_str(), bytes.as_slice()), (id.as_str(), b"hello".as_slice()));
        // Sharing again keeps the link.
        let again = crate::model::files::with_public_url(url, shared_public_url(&db, &user, &a)).await.unwrap();
        assert_eq!(again["file"]["permalink_public"], json!(link));
        assert!(public_download(&db, &format!("{}-{id}-0000000000", user.team_id)).await.unwrap().is_none());

        let revoked = revoke_public_url(&db, &user, &a).await.unwrap();
        assert_eq!(revoked["file"]["public_url_shared"], json!(false));
        assert!(revoked["file"].get("permalink_public").is_none());
        assert!(public_download(&db, slug).await.unwrap().is_none());
        assert!(matches!(
            shared_public_url(&db, &user, &args(&[("file", json!("F0NOPE00000"))])).await,
            Err(SlackError::Code("file_not_found"))
        ));
        let mut limited = user.clone();
        limited.scopes.retain(|s| s != "files:write");
        assert!(matches!(shared_public_url(&db, &limited, &a).await, Err(SlackError::MissingScope { .. })));
    }
}
