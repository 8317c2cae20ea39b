//! Remote files (files.remote.add, info, list, update, remove, share): files an
//! app keeps on its own service and registers with Slack under its own
//! `external_id`. They are files with `is_external: true`, `external_type:
//! "app"` and `url_private` pointing at the `external_url`; once shared they show
//! in files.info and files.list like any file. Remote files belong to the app
//! that added them: its bot adds them (files.remote.add upserts by external_id),
//! and only it updates, removes or finds them by external id.

use asym_clone_kit::secrets::{ALNUM, random_string};
use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::ids;
use crate::model::auth::{Principal, TokenKind};
use crate::model::files::{insert_message, kind_of, public_origin, render_in};
use crate::objects;
use crate::store::files::{self as file_store, NewShare};
use crate::store::messages::MessageRow;
use crate::store::remote_files::{self, Changes, NewRemote, RemoteRow};
use crate::store::{channels, workspace};
use crate::wire::{self, Args, SlackCall};

/// The longest title and external id Slack takes (`bad_title`, `invalid_external_id`).
const MAX_TITLE: usize = 255;
const MAX_EXTERNAL_ID: usize = 255;
/// A share goes to at most this many channels.
const MAX_CHANNELS: usize = 100;

/// Turns a rendered file object into a remote file's.
pub fn decorate(v: &mut Value, r: &RemoteRow) {
    v["is_external"] = json!(true);
    v["external_type"] = json!("app");
    v["external_id"] = json!(r.external_id);
    v["external_url"] = json!(r.external_url);
    // "url_private contains the remote file's external_url, which can point to any host."
    v["url_private"] = json!(r.external_url);
    if let Some(o) = v.as_object_mut() {
        o.remove("url_private_download");
    }
    v["has_rich_preview"] = json!(r.has_preview == 1);
    v["editable"] = json!(false);
}

/// The calling app (remote files belong to apps) and its bot user.
async fn app_of(db: &Pool, who: &Principal) -> SlackResult<(String, String)> {
    let app_id = who.app_id.clone().ok_or(SlackError::Code("no_bot_user_for_app"))?;
    let bot_user: Option<String> =
        sqlx::query_scalar("SELECT bot_user_id FROM apps WHERE id = $1").bind(&app_id).fetch_optional(db).await?;
    Ok((app_id, bot_user.ok_or(SlackError::Code("no_bot_user_for_app"))?))
}

/// The remote file named by `file` or `external_id`. `both_ok` lets a caller
/// give both (they must then name the same file); otherwise that is `too_many_ids`.
async fn find(db: impl sqlx::any::AnyExecutor<'_>, who: &Principal, app_id: &str, args: &Args, both_ok: bool) -> SlackResult<RemoteRow> {
    let (file, external) = (args.str("file"), args.str("external_id"));
    let found = match (&file, &external) {
        (Some(_), Some(_)) if !both_ok => return Err(SlackError::Code("too_many_ids")),
        (Some(id), ext) => remote_files::get(db, &who.team_id, id).await?.filter(|r| ext.as_ref().is_none_or(|e| *e == r.external_id)),
        (None, Some(ext)) => remote_files::by_external_id(db, app_id, ext).await?,
        (None, None) => return Err(SlackError::Code("invalid_args")),
    };
    found.filter(|r| r.team_id == who.team_id).ok_or(SlackError::Code("file_not_found"))
}

/// A text argument or a file part of a multipart call (`indexable_file_contents`).
fn text_or_upload(call: &SlackCall, key: &str) -> Option<String> {
    if let Some(u) = call.upload(key) {
        return Some(String::from_utf8_lossy(&u.bytes).into_owned());
    }
    call.args.str(key)
}

/// `preview_image`: a PNG, JPEG or GIF, with its mimetype; anything else is `bad_image`.
fn preview_image(call: &SlackCall) -> SlackResult<Option<(Vec<u8>, &'static str)>> {
    let bytes = match (call.upload("preview_image"), call.args.0.get("preview_image")) {
        (Some(u), _) => u.bytes.clone(),
        (None, Some(Value::String(s))) if !s.is_empty() => s.as_bytes().to_vec(),
        _ => return Ok(None),
    };
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        "image/gif"
    } else {
        return Err(SlackError::Code("bad_image"));
    };
    Ok(Some((bytes, mime)))
}

/// The stored filetype and pretty type: `remote` unless the app names a type.
fn filetype_of(given: Option<&str>) -> (String, String) {
    match given.map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()) {
        None => ("remote".into(), "Remote".into()),
        Some(t) => {
            let known = kind_of(&format!("file.{t}"));
            let pretty = if known.filetype == "binary" && t != "binary" { t.to_ascii_uppercase() } else { known.pretty_type.to_string() };
            (t, pretty)
        }
    }
}

fn check_title(title: &str) -> SlackResult<()> {
    if title.chars().count() > MAX_TITLE { Err(SlackError::Code("bad_title")) } else { Ok(()) }
}

fn check_url(url: &str) -> SlackResult<()> {
    let ok = reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if ok {
        Ok(())
    } else {
        Err(SlackError::InvalidArguments { messages: vec!["[ERROR] invalid url [json-pointer:/external_url]".into()] })
    }
}

async fn rendered(db: &Pool, who: &Principal, id: &str) -> SlackResult<Value> {
    let team = workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    let f = file_store::get(db, id).await?.ok_or(SlackError::Code("file_not_found"))?;
    crate::model::files::render(db, who, &f, &team.domain).await
}

// -- files.remote.add --

pub async fn add(db: &Pool, who: &Principal, call: &SlackCall) -> SlackResult<Value> {
    who.require_any(&["remote_files:write"])?;
    if who.kind != TokenKind::Bot {
        return Err(SlackError::Code("bot_user_required"));
    }
    let args = &call.args;
    let (app_id, bot_user) = app_of(db, who).await?;
    let external_id = args.required("external_id")?;
    let external_url = args.required("external_url")?;
    let title = args.required("title")?;
    if external_id.chars().count() > MAX_EXTERNAL_ID {
        return Err(SlackError::Code("invalid_external_id"));
    }
    check_title(&title)?;
    check_url(&external_url)?;
    let (filetype, pretty) = filetype_of(args.str("filetype").as_deref());
    let preview = preview_image(call)?;
    let indexable = text_or_upload(call, "indexable_file_contents");
    let mut tx = asym_store::begin_write(db).await?;
    // An upsert: adding an external id the app added before updates that file.
    let id = match remote_files::by_external_id(&mut *tx, &app_id, &external_id).await? {
        Some(existing) => existing.id,
        None => {
            let id = ids::random('F');
            let now_us = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
            remote_files::insert(
                &mut *tx,
                &NewRemote {
                    id: &id,
                    team_id: &who.team_id,
                    app_id: &app_id,
                    user_id: &bot_user,
                    upload_key: &random_string(56, ALNUM),
                    external_id: &external_id,
                    external_url: &external_url,
                    title: &title,
                    filetype: &filetype,
                    pretty_type: &pretty,
                    created: wire::now_secs(),
                    completed_us: now_us,
                },
            )
            .await?;
            id
        }
    };
    let changes = Changes {
        title: Some(&title),
        external_url: Some(&external_url),
        filetype: Some((&filetype, &pretty)),
        preview: preview.as_ref().map(|(b, m)| (b.as_slice(), *m)),
        indexable: indexable.as_deref(),
    };
    remote_files::update(&mut *tx, &id, &changes).await?;
    tx.commit().await?;
    Ok(json!({ "file": rendered(db, who, &id).await? }))
}

// -- files.remote.info --

pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["remote_files:read"])?;
    let (app_id, _) = app_of(db, who).await?;
    let r = find(db, who, &app_id, args, false).await?;
    Ok(json!({ "file": rendered(db, who, &r.id).await? }))
}

// -- files.remote.list --

pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["remote_files:read"])?;
    let (app_id, _) = app_of(db, who).await?;
    let channel = args.str("channel").unwrap_or_default();
    let seconds = |key: &str| -> SlackResult<Option<f64>> {
        match args.str(key) {
            None => Ok(None),
            Some(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).map(Some).ok_or_else(|| SlackError::InvalidArguments {
                messages: vec![format!("[ERROR] failed to match all allowed schemas [json-pointer:/{key}]")],
            }),
        }
    };
    let ts_from = seconds("ts_from")?.map(|x| x.ceil() as i64).unwrap_or(0);
    let ts_to = seconds("ts_to")?.map(|x| x.floor() as i64).unwrap_or(i64::MAX);
    let limit = wire::limit(args, 100, 1000)?;
    let offset = match args.str("cursor") {
        Some(c) => wire::decode_cursor("offset", &c)?.parse::<i64>().map_err(|_| SlackError::InvalidCursor)?,
        None => 0,
    };
    let ids = remote_files::list(db, &who.team_id, &app_id, &channel, ts_from, ts_to, limit + 1, offset).await?;
    let more = ids.len() as i64 > limit;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids.iter().take(limit as usize) {
        out.push(rendered(db, who, id).await?);
    }
    let next = if more { wire::encode_cursor("offset", &(offset + limit).to_string()) } else { String::new() };
    Ok(json!({ "files": out, "response_metadata": { "next_cursor": next } }))
}

// -- files.remote.update --

pub async fn update(db: &Pool, who: &Principal, call: &SlackCall) -> SlackResult<Value> {
    who.require_any(&["remote_files:write"])?;
    let args = &call.args;
    let (app_id, _) = app_of(db, who).await?;
    let title = args.str("title");
    if let Some(t) = &title {
        check_title(t)?;
    }
    let external_url = args.str("external_url");
    if let Some(u) = &external_url {
        check_url(u)?;
    }
    let filetype = args.str("filetype").map(|t| filetype_of(Some(&t)));
    let preview = preview_image(call)?;
    let indexable = text_or_upload(call, "indexable_file_contents");
    let mut tx = asym_store::begin_write(db).await?;
    let r = find(&mut *tx, who, &app_id, args, false).await?;
    if r.app_id != app_id {
        return Err(SlackError::Code("file_not_found"));
    }
    let changes = Changes {
        title: title.as_deref(),
        external_url: external_url.as_deref(),
        filetype: filetype.as_ref().map(|(f, p)| (f.as_str(), p.as_str())),
        preview: preview.as_ref().map(|(b, m)| (b.as_slice(), *m)),
        indexable: indexable.as_deref(),
    };
    remote_files::update(&mut *tx, &r.id, &changes).await?;
    events::emit(&mut *tx, &who.team_id, json!({ "type": "file_change", "file_id": r.id, "file": { "id": r.id } })).await?;
    tx.commit().await?;
    Ok(json!({ "file": rendered(db, who, &r.id).await? }))
}

// -- files.remote.remove --

pub async fn remove(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["remote_files:write"])?;
    let (app_id, _) = app_of(db, who).await?;
    let mut tx = asym_store::begin_write(db).await?;
    let r = find(&mut *tx, who, &app_id, args, false).await?;
    if r.app_id != app_id {
        return Err(SlackError::Code("file_not_found"));
    }
    let channel_ids = file_store::share_channels(&mut *tx, &r.id).await?;
    file_store::delete(&mut *tx, &r.id).await?;
    events::emit(
        &mut *tx,
        &who.team_id,
        json!({ "type": "file_deleted", "file_id": r.id, "channel_ids": channel_ids, "event_ts": wire::now_ts() }),
    )
    .await?;
    tx.commit().await?;
    Ok(json!({}))
}

// -- files.remote.share --

pub async fn share(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["remote_files:share"])?;
    let (app_id, _) = app_of(db, who).await?;
    let listed = args.list("channels");
    if listed.is_empty() {
        return Err(SlackError::InvalidArguments { messages: vec!["[ERROR] missing required field: channels".into()] });
    }
    if listed.len() > MAX_CHANNELS {
        return Err(SlackError::Code("too_many_channels"));
    }
    let team = workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    let origin = public_origin();
    let mut tx = asym_store::begin_write(db).await?;
    let r = find(&mut *tx, who, &app_id, args, true).await?;
    let mut targets = Vec::with_capacity(listed.len());
    for id in &listed {
        let c = channels::get(&mut *tx, id).await?.filter(|c| c.team_id == who.team_id).ok_or(SlackError::ChannelNotFound)?;
        if !channels::is_member(&mut *tx, &c.id, &who.user_id).await? {
            return Err(SlackError::NotInChannel);
        }
        if c.is_archived {
            return Err(SlackError::IsArchived);
        }
        if !targets.iter().any(|t: &crate::store::channels::ChannelRow| t.id == c.id) {
            targets.push(c);
        }
    }
    for channel in &targets {
        let mut row = MessageRow {
            channel_id: channel.id.clone(),
            user_id: Some(who.user_id.clone()),
            bot_id: who.bot_id.clone().filter(|_| who.kind == TokenKind::Bot),
            app_id: who.app_id.clone().filter(|_| who.kind == TokenKind::Bot),
            subtype: Some("file_share".into()),
            ..Default::default()
        };
        insert_message(&mut tx, &mut row).await?;
        file_store::insert_share(
            &mut *tx,
            NewShare { file_id: &r.id, channel_id: &channel.id, ts: &row.ts, thread_ts: None, user_id: &who.user_id, seq: 0 },
        )
        .await?;
        events::emit(
            &mut *tx,
            &who.team_id,
            json!({
                "type": "file_shared",
                "channel_id": channel.id,
                "file_id": r.id,
                "user_id": who.user_id,
                "file": { "id": r.id },
                "event_ts": wire::now_ts(),
            }),
        )
        .await?;
        let file = render_in(&mut tx, &who.user_id, &r.id, &origin, &team.domain).await?;
        let mut event = objects::message(&row, &who.team_id, &[]);
        event["files"] = json!([file]);
        event["upload"] = json!(false);
        event["display_as_bot"] = json!(false);
        event["channel"] = json!(channel.id);
        event["event_ts"] = json!(row.ts);
        event["channel_type"] = json!(objects::channel_type(channel));
        events::emit(&mut *tx, &who.team_id, event).await?;
    }
    let file = render_in(&mut tx, &who.user_id, &r.id, &origin, &team.domain).await?;
    tx.commit().await?;
    Ok(json!({ "file": file }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetypes_default_to_remote() {
        assert_eq!(filetype_of(None), ("remote".to_string(), "Remote".to_string()));
        assert_eq!(filetype_of(Some("pdf")), ("pdf".to_string(), "PDF".to_string()));
        assert_eq!(filetype_of(Some("gdoc")), ("gdoc".to_string(), "GDOC".to_string()));
        assert!(check_url("https://example.com/doc/1").is_ok());
        assert!(check_url("not a url").is_err());
        assert!(check_title(&"t".repeat(256)).is_err());
    }
}

#[cfg(test)]
mod flow_tests {
    use super::*;
    use crate::model::test_support::{self, args};
    use crate::wire::Upload;

    async fn workspace() -> (tempfile::TempDir, Pool, Principal, Principal) {
        let (dir, db, mut bot, mut user) = test_support::workspace("slack-remote-test").await;
        bot.scopes.extend(["remote_files:read", "remote_files:write", "remote_files:share"].map(String::from));
        user.scopes.push("remote_files:write".into());
        (dir, db, bot, user)
    }

    fn call(pairs: &[(&str, Value)], uploads: Vec<Upload>) -> SlackCall {
        SlackCall { args: args(pairs), token: None, basic: None, uploads }
    }

    fn code(r: SlackResult<Value>) -> String {
        r.map(|v| panic!("expected an error, got {v}")).unwrap_err().code()
    }

    #[tokio::test]
    async fn remote_files_are_added_shared_and_removed() {
        let (_dir, db, bot, user) = workspace().await;
        let base = [("external_id", json!("doc-1")), ("external_url", json!("https://docs.example.com/1")), ("title", json!("Plan"))];
        let png = Upload {
            name: "preview_image".into(),
            filename: Some("p.png".into()),
            content_type: None,
            bytes: b"\x89PNG\r\n\x1a\nrest".to_vec(),
        };
        let added = add(&db, &bot, &call(&base, vec![png])).await.unwrap()["file"].clone();
        let id = added["id"].as_str().unwrap().to_string();
        assert_eq!(added["is_external"], json!(true));
        assert_eq!(added["external_type"], json!("app"));
        assert_eq!(added["external_id"], json!("doc-1"));
        assert_eq!(added["url_private"], json!("https://docs.example.com/1"));
        assert_eq!(added["mimetype"], json!("application/vnd.slack-remote"));
        assert_eq!(added["filetype"], json!("remote"));
        assert_eq!(added["mode"], json!("external"));
        assert_eq!(added["has_rich_preview"], json!(true));
        // Adding the same external id again updates the file.
        let mut again = base.to_vec();
        again[2] = ("title", json!("Plan v2"));
        again.push(("filetype", json!("pdf")));
        let upserted = add(&db, &bot, &call(&again, vec![])).await.unwrap()["file"].clone();
        assert_eq!(upserted["id"], json!(id));
        assert_eq!((upserted["title"].clone(), upserted["filetype"].clone()), (json!("Plan v2"), json!("pdf")));

        assert_eq!(info(&db, &bot, &args(&[("external_id", json!("doc-1"))])).await.unwrap()["file"]["id"], json!(id));
        assert_eq!(info(&db, &bot, &args(&[("file", json!(id))])).await.unwrap()["file"]["title"], json!("Plan v2"));
        assert_eq!(code(info(&db, &bot, &args(&[("file", json!(id)), ("external_id", json!("doc-1"))])).await), "too_many_ids");
        assert_eq!(code(info(&db, &bot, &Args::default()).await), "invalid_args");
        assert_eq!(code(info(&db, &bot, &args(&[("external_id", json!("nope"))])).await), "file_not_found");

        let shared = share(&db, &bot, &args(&[("file", json!(id)), ("channels", json!("C0ACMERAND"))])).await.unwrap()["file"].clone();
        assert_eq!(shared["channels"], json!(["C0ACMERAND"]));
        assert_eq!(code(share(&db, &bot, &args(&[("file", json!(id)), ("channels", json!("C0NOSUCH00"))])).await), "channel_not_found");
        assert_eq!(code(share(&db, &bot, &args(&[("file", json!(id))])).await), "invalid_arguments");
        // Shared, it shows in files.info and files.list for people who see the channel.
        let dana = Principal { user_id: "U0ACMEDANA".into(), ..user.clone() };
        let seen = crate::model::files::info(&db, &dana, &args(&[("file", json!(id))])).await.unwrap();
        assert_eq!(seen["file"]["is_external"], json!(true));
        assert_eq!(seen["file"]["url_private"], json!("https://docs.example.com/1"));
        let listed = crate::model::files::list(&db, &dana, &Args::default()).await.unwrap();
        assert!(listed["files"].as_array().unwrap().iter().any(|f| f["id"] == json!(id)));

        let up = update(&db, &bot, &call(&[("external_id", json!("doc-1")), ("title", json!("Final"))], vec![])).await.unwrap();
        assert_eq!(up["file"]["title"], json!("Final"));
        assert_eq!(up["file"]["external_url"], json!("https://docs.example.com/1"));

        add(
            &db,
            &bot,
            &call(
                &[("external_id", json!("doc-2")), ("external_url", json!("https://docs.example.com/2")), ("title", json!("Two"))],
                vec![],
            ),
        )
        .await
        .unwrap();
        let page = list(&db, &bot, &args(&[("limit", json!(1))])).await.unwrap();
        assert_eq!(page["files"].as_array().unwrap().len(), 1);
        let cursor = page["response_metadata"]["next_cursor"].as_str().unwrap().to_string();
        let rest = list(&db, &bot, &args(&[("limit", json!(1)), ("cursor", json!(cursor))])).await.unwrap();
        assert_eq!(rest["files"].as_array().unwrap().len(), 1);
        assert_ne!(rest["files"][0]["id"], page["files"][0]["id"]);
        assert_eq!(rest["response_metadata"]["next_cursor"], json!(""));
        let in_random = list(&db, &bot, &args(&[("channel", json!("C0ACMERAND"))])).await.unwrap();
        assert_eq!(in_random["files"].as_array().unwrap().len(), 1);

        remove(&db, &bot, &args(&[("file", json!(id))])).await.unwrap();
        assert_eq!(code(info(&db, &bot, &args(&[("file", json!(id))])).await), "file_not_found");
        assert_eq!(code(remove(&db, &bot, &args(&[("file", json!(id))])).await), "file_not_found");
    }

    #[tokio::test]
    async fn bad_remote_files_are_refused() {
        let (_dir, db, bot, user) = workspace().await;
        let base = [("external_id", json!("d")), ("external_url", json!("https://x.example/d")), ("title", json!("T"))];
        let junk =
            Upload { name: "preview_image".into(), filename: Some("p.bin".into()), content_type: None, bytes: b"not an image".to_vec() };
        assert_eq!(code(add(&db, &bot, &call(&base, vec![junk])).await), "bad_image");
        let mut long = base.to_vec();
        long[2] = ("title", json!("t".repeat(256)));
        assert_eq!(code(add(&db, &bot, &call(&long, vec![])).await), "bad_title");
        let mut long_id = base.to_vec();
        long_id[0] = ("external_id", json!("e".repeat(256)));
        assert_eq!(code(add(&db, &bot, &call(&long_id, vec![])).await), "invalid_external_id");
        assert_eq!(code(add(&db, &bot, &call(&base[..2], vec![])).await), "invalid_arguments");
        assert_eq!(code(add(&db, &user, &call(&base, vec![])).await), "bot_user_required");
        let mut plain = bot.clone();
        plain.scopes.retain(|s| !s.starts_with("remote_files"));
        assert_eq!(code(add(&db, &plain, &call(&base, vec![])).await), "missing_scope");
    }
}
