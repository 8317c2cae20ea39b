//! Block Kit surfaces: modals (views.open, views.push, views.update) and App
//! Home tabs (views.publish). A view belongs to the app whose token wrote it and
//! is shown to one person. Modals need a trigger id, which Slack mints when a
//! person interacts with the app (here: `POST /api/_asym/interactions`, see
//! [`crate::model::interactions`]); each is exchanged once within three seconds.
//! Every write gives the view a new `hash`; a write that names an older hash
//! fails with `hash_conflict`.

use asym_clone_kit::secrets::{ALNUM, HEX, random_string};
use asym_store::Pool;
use serde_json::{Map, Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::ids;
use crate::model::apps::now_millis;
use crate::model::auth::Principal;
use crate::store::views::{self, TriggerRow, ViewRow};
use crate::store::workspace;
use crate::wire::{Args, now_secs};

/// "Error returned if the provided view is greater than 250kb."
pub const MAX_VIEW_BYTES: usize = 250 * 1024;
/// A modal stack holds at most three views.
pub const MAX_STACK: usize = 3;
/// How long a trigger id may be exchanged, as on Slack.
pub const TRIGGER_TTL_MS: i64 = 3000;
const MAX_TITLE: usize = 24;
const MAX_BUTTON: usize = 24;
const MAX_BLOCKS: usize = 100;
const MAX_PRIVATE_METADATA: usize = 3000;
const MAX_ID: usize = 255;

fn invalid(messages: Vec<String>) -> SlackError {
    SlackError::InvalidArguments { messages }
}

fn missing(field: &str) -> SlackError {
    invalid(vec![format!("[ERROR] missing required field: {field}")])
}

/// A view payload, checked and with Slack's defaults filled in.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub kind: String,
    /// What is stored: title, submit, close, blocks, private_metadata, callback_id,
    /// clear_on_close, notify_on_close, submit_disabled.
    pub body: Value,
    pub external_id: Option<String>,
}

/// Reads the `view` argument (a JSON object or its JSON text) and checks it as
/// Slack does; `allowed` are the view types the method takes.
pub fn parse_view(args: &Args, allowed: &[&str]) -> SlackResult<Parsed> {
    let raw = args.0.get("view").ok_or_else(|| missing("view"))?;
    let text = match raw {
        Value::String(s) if s.trim().is_empty() => return Err(missing("view")),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.len() > MAX_VIEW_BYTES {
        return Err(SlackError::Code("view_too_large"));
    }
    let view: Value = serde_json::from_str(&text)
        .map_err(|_| invalid(vec!["[ERROR] failed to match all allowed schemas [json-pointer:/view]".into()]))?;
    check_view(&view, allowed)
}

pub fn check_view(view: &Value, allowed: &[&str]) -> SlackResult<Parsed> {
    let Some(obj) = view.as_object() else {
        return Err(invalid(vec!["[ERROR] must provide an object [json-pointer:/view]".into()]));
    };
    let mut errors = Vec::new();
    let kind = match obj.get("type") {
        None | Some(Value::Null) => {
            errors.push("[ERROR] missing required field: type [json-pointer:/view]".to_string());
            String::new()
        }
        Some(Value::String(t)) if allowed.contains(&t.as_str()) => t.clone(),
        Some(_) => {
            errors.push("[ERROR] must be a valid enum value [json-pointer:/view/type]".to_string());
            String::new()
        }
    };
    let mut body = Map::new();
    let title = text_object(obj, "title", MAX_TITLE, kind == "modal", &mut errors);
    let submit = text_object(obj, "submit", MAX_BUTTON, false, &mut errors);
    let close = text_object(obj, "close", MAX_BUTTON, false, &mut errors);
    let blocks = match obj.get("blocks") {
        None | Some(Value::Null) => {
            errors.push("[ERROR] missing required field: blocks [json-pointer:/view]".to_string());
            Vec::new()
        }
        Some(Value::Array(items)) => {
            if items.len() > MAX_BLOCKS {
                errors.push(format!("[ERROR] no more than {MAX_BLOCKS} items allowed [json-pointer:/view/blocks]"));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, b) in items.iter().enumerate() {
                match b.as_object() {
                    Some(o) if o.get("type").and_then(Value::as_str).is_some_and(|t| !t.is_empty()) => {
                        let mut o = o.clone();
                        match o.get("block_id") {
                            None | Some(Value::Null) => {
                                // Slack names a block the app left unnamed.
                                o.insert("block_id".into(), json!(random_string(5, ALNUM)));
                            }
                            Some(Value::String(id)) if id.chars().count() <= MAX_ID && !id.is_empty() => {}
                            Some(_) => errors.push(format!(
                                "[ERROR] must be a string of 1 to {MAX_ID} characters [json-pointer:/view/blocks/{i}/block_id]"
                            )),
                        }
                        out.push(Value::Object(o));
                    }
                    Some(_) => errors.push(format!("[ERROR] missing required field: type [json-pointer:/view/blocks/{i}]")),
                    None => errors.push(format!("[ERROR] must provide an object [json-pointer:/view/blocks/{i}]")),
                }
            }
            out
        }
        Some(_) => {
            errors.push("[ERROR] must provide an array [json-pointer:/view/blocks]".to_string());
            Vec::new()
        }
    };
    if kind == "modal" && submit.is_none() && blocks.iter().any(|b| b["type"] == "input") {
        errors.push("[ERROR] must provide submit when an input block is present [json-pointer:/view/submit]".to_string());
    }
    let private_metadata = string_field(obj, "private_metadata", MAX_PRIVATE_METADATA, &mut errors);
    let callback_id = string_field(obj, "callback_id", MAX_ID, &mut errors);
    let external_id = string_field(obj, "external_id", MAX_ID, &mut errors);
    let flag = |name: &str, errors: &mut Vec<String>| match obj.get(name) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(format!("[ERROR] must be a boolean [json-pointer:/view/{name}]"));
            false
        }
    };
    let clear_on_close = flag("clear_on_close", &mut errors);
    let notify_on_close = flag("notify_on_close", &mut errors);
    let submit_disabled = flag("submit_disabled", &mut errors);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    if let Some(t) = title {
        body.insert("title".into(), t);
    }
    body.insert("close".into(), close.unwrap_or(Value::Null));
    body.insert("submit".into(), submit.unwrap_or(Value::Null));
    body.insert("blocks".into(), Value::Array(blocks));
    body.insert("private_metadata".into(), json!(private_metadata.unwrap_or_default()));
    body.insert("callback_id".into(), json!(callback_id.unwrap_or_default()));
    body.insert("clear_on_close".into(), json!(clear_on_close));
    body.insert("notify_on_close".into(), json!(notify_on_close));
    if kind == "modal" {
        body.insert("submit_disabled".into(), json!(submit_disabled));
    }
    Ok(Parsed { kind, body: Value::Object(body), external_id: external_id.filter(|e| !e.is_empty()) })
}

/// A `plain_text` object (`title`, `submit`, `close`) of at most `max` characters.
fn text_object(obj: &Map<String, Value>, name: &str, max: usize, required: bool, errors: &mut Vec<String>) -> Option<Value> {
    let v = match obj.get(name) {
        None | Some(Value::Null) => {
            if required {
                errors.push(format!("[ERROR] missing required field: {name} [json-pointer:/view]"));
            }
            return None;
        }
        Some(v) => v,
    };
    let Some(o) = v.as_object() else {
        errors.push(format!("[ERROR] must provide an object [json-pointer:/view/{name}]"));
        return None;
    };
    if o.get("type").and_then(Value::as_str) != Some("plain_text") {
        errors.push(format!("[ERROR] must be a valid enum value [json-pointer:/view/{name}/type]"));
        return None;
    }
    let text = match o.get("text").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => t,
        _ => {
            errors.push(format!("[ERROR] missing required field: text [json-pointer:/view/{name}]"));
            return None;
        }
    };
    if text.chars().count() > max {
        errors.push(format!("[ERROR] must be less than {} characters [json-pointer:/view/{name}/text]", max + 1));
        return None;
    }
    let mut out = o.clone();
    out.entry("emoji").or_insert(json!(true));
    Some(Value::Object(out))
}

fn string_field(obj: &Map<String, Value>, name: &str, max: usize, errors: &mut Vec<String>) -> Option<String> {
    match obj.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > max => {
            errors.push(format!("[ERROR] must be less than {} characters [json-pointer:/view/{name}]", max + 1));
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(format!("[ERROR] must be a string [json-pointer:/view/{name}]"));
            None
        }
    }
}

/// A fresh view hash (`1569262015.55b5e41b`).
fn new_hash() -> String {
    format!("{}.{}", now_secs(), random_string(8, HEX))
}

/// A view as Slack returns it.
pub fn render(v: &ViewRow) -> Value {
    let body: Value = serde_json::from_str(&v.body).unwrap_or_else(|_| json!({}));
    let state: Value = serde_json::from_str(&v.state).unwrap_or_else(|_| json!({ "values": {} }));
    let mut out = Map::new();
    out.insert("id".into(), json!(v.id));
    out.insert("team_id".into(), json!(v.team_id));
    out.insert("type".into(), json!(v.kind));
    if let Some(t) = body.get("title") {
        out.insert("title".into(), t.clone());
    }
    for k in ["close", "submit", "blocks", "private_metadata", "callback_id"] {
        out.insert(k.into(), body.get(k).cloned().unwrap_or(Value::Null));
    }
    out.insert("state".into(), state);
    out.insert("hash".into(), json!(v.hash));
    for k in ["clear_on_close", "notify_on_close"] {
        out.insert(k.into(), body.get(k).cloned().unwrap_or(json!(false)));
    }
    if let Some(d) = body.get("submit_disabled") {
        out.insert("submit_disabled".into(), d.clone());
    }
    out.insert("root_view_id".into(), json!(v.root_view_id));
    out.insert("previous_view_id".into(), json!(v.previous_view_id));
    out.insert("app_id".into(), json!(v.app_id));
    out.insert("external_id".into(), json!(v.external_id.clone().unwrap_or_default()));
    out.insert("app_installed_team_id".into(), json!(v.team_id));
    out.insert("bot_id".into(), json!(v.bot_id));
    Value::Object(out)
}

/// The app behind a token (views belong to apps) and its bot id.
pub(crate) async fn app_of(db: &Pool, who: &Principal) -> SlackResult<(String, String)> {
    let app_id = who.app_id.clone().ok_or(SlackError::Code("not_allowed_token_type"))?;
    let bot_id = match &who.bot_id {
        Some(b) => b.clone(),
        None => views::app_bot_id(db, &app_id).await?.ok_or(SlackError::InvalidAuth)?,
    };
    Ok((app_id, bot_id))
}

/// Slack's trigger ids look like `12345.98765.abcd2358fdea`.
pub fn well_formed_trigger(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && !parts[2].is_empty()
        && parts[2].chars().all(|c| c.is_ascii_alphanumeric())
}

/// Checks a trigger for `app_id` without exchanging it.
pub(crate) async fn check_trigger(
    tx: &mut asym_store::WriteTx,
    app_id: &str,
    team_id: &str,
    trigger_id: &str,
    now: i64,
) -> SlackResult<TriggerRow> {
    if !well_formed_trigger(trigger_id) {
        return Err(SlackError::Code("invalid_trigger_id"));
    }
    let t = views::trigger(&mut **tx, trigger_id)
        .await?
        .filter(|t| t.app_id == app_id && t.team_id == team_id)
        .ok_or(SlackError::Code("invalid_trigger_id"))?;
    if t.used_ms.is_some() {
        return Err(SlackError::Code("exchanged_trigger_id"));
    }
    if now > t.expires_ms {
        return Err(SlackError::Code("expired_trigger_id"));
    }
    Ok(t)
}

fn trigger_arg(args: &Args) -> SlackResult<String> {
    args.str("trigger_id").or_else(|| args.str("interactivity_pointer")).ok_or_else(|| missing("trigger_id"))
}

#[allow(clippy::too_many_arguments)]
fn new_row(team: &str, app: &str, bot: &str, user: &str, p: &Parsed, root: Option<&ViewRow>, now: i64) -> ViewRow {
    let id = ids::random('V');
    ViewRow {
        root_view_id: root.map(|r| r.root_view_id.clone()).unwrap_or_else(|| id.clone()),
        previous_view_id: root.map(|r| r.id.clone()),
        depth: root.map(|r| r.depth + 1).unwrap_or(0),
        id,
        team_id: team.into(),
        app_id: app.into(),
        bot_id: bot.into(),
        user_id: user.into(),
        kind: p.kind.clone(),
        external_id: p.external_id.clone(),
        hash: new_hash(),
        body: p.body.to_string(),
        state: json!({ "values": {} }).to_string(),
        is_open: true,
        created_ms: now,
        updated_ms: now,
    }
}

// -- views.open --

pub async fn open(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (app_id, bot_id) = app_of(db, who).await?;
    let trigger_id = trigger_arg(args)?;
    let parsed = parse_view(args, &["modal"])?;
    let now = now_millis();
    let mut tx = asym_store::begin_write(db).await?;
    let trigger = check_trigger(&mut tx, &app_id, &who.team_id, &trigger_id, now).await?;
    if let Some(ext) = &parsed.external_id
        && views::external_id_taken(&mut *tx, &who.team_id, ext, "").await?
    {
        return Err(SlackError::Code("duplicate_external_id"));
    }
    // A new modal takes the place of whatever modal of the app the person had open.
    views::close_modals(&mut *tx, &app_id, &trigger.user_id, now).await?;
    let row = new_row(&who.team_id, &app_id, &bot_id, &trigger.user_id, &parsed, None, now);
    views::insert(&mut *tx, &row).await?;
    if !views::use_trigger(&mut *tx, &trigger_id, now).await? {
        return Err(SlackError::Code("exchanged_trigger_id"));
    }
    tx.commit().await?;
    Ok(json!({ "view": render(&row) }))
}

// -- views.push --

pub async fn push(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (app_id, bot_id) = app_of(db, who).await?;
    let trigger_id = trigger_arg(args)?;
    let parsed = parse_view(args, &["modal"])?;
    let now = now_millis();
    let mut tx = asym_store::begin_write(db).await?;
    let trigger = check_trigger(&mut tx, &app_id, &who.team_id, &trigger_id, now).await?;
    // The stack of the modal the interaction happened in, else the person's open one.
    let from = match &trigger.view_id {
        Some(v) => views::get(&mut *tx, v).await?.filter(|v| v.kind == "modal" && v.is_open),
        None => None,
    };
    let from = match from {
        Some(v) => Some(v),
        None => views::top_modal(&mut *tx, &app_id, &trigger.user_id).await?,
    };
    let from = from.ok_or(SlackError::Code("not_found"))?;
    let stack = views::open_stack(&mut *tx, &from.root_view_id).await?;
    if stack.len() >= MAX_STACK {
        return Err(SlackError::Code("push_limit_reached"));
    }
    let top = stack.last().cloned().unwrap_or(from);
    if let Some(ext) = &parsed.external_id
        && views::external_id_taken(&mut *tx, &who.team_id, ext, "").await?
    {
        return Err(SlackError::Code("duplicate_external_id"));
    }
    let row = new_row(&who.team_id, &app_id, &bot_id, &trigger.user_id, &parsed, Some(&top), now);
    views::insert(&mut *tx, &row).await?;
    if !views::use_trigger(&mut *tx, &trigger_id, now).await? {
        return Err(SlackError::Code("exchanged_trigger_id"));
    }
    tx.commit().await?;
    Ok(json!({ "view": render(&row) }))
}

// -- views.update --

pub async fn update(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (app_id, _) = app_of(db, who).await?;
    let view_id = args.str("view_id");
    let external_id = args.str("external_id");
    if view_id.is_none() && external_id.is_none() {
        return Err(invalid(vec!["[ERROR] either view_id or external_id is required".into()]));
    }
    let parsed = parse_view(args, &["modal", "home"])?;
    let hash = args.str("hash");
    let now = now_millis();
    let mut tx = asym_store::begin_write(db).await?;
    let found = match (&view_id, &external_id) {
        (Some(id), ext) => views::get(&mut *tx, id).await?.filter(|v| ext.is_none() || v.external_id == *ext),
        (None, Some(ext)) => views::by_external_id(&mut *tx, &who.team_id, ext).await?,
        (None, None) => None,
    };
    // A closed modal is gone; another app's views are not this token's to see.
    let v = found
        .filter(|v| v.team_id == who.team_id && v.app_id == app_id && (v.is_open || v.kind == "home"))
        .ok_or(SlackError::Code("not_found"))?;
    if parsed.kind != v.kind {
        return Err(invalid(vec!["[ERROR] must be a valid enum value [json-pointer:/view/type]".into()]));
    }
    if hash.as_ref().is_some_and(|h| *h != v.hash) {
        return Err(SlackError::Code("hash_conflict"));
    }
    let new_external = parsed.external_id.clone().or_else(|| v.external_id.clone());
    if let Some(ext) = &new_external
        && views::external_id_taken(&mut *tx, &who.team_id, ext, &v.id).await?
    {
        return Err(SlackError::Code("duplicate_external_id"));
    }
    let new = new_hash();
    let body = parsed.body.to_string();
    if !views::rewrite(&mut *tx, &v.id, &v.hash, &body, new_external.as_deref(), &new, now).await? {
        return Err(SlackError::Code("hash_conflict"));
    }
    tx.commit().await?;
    let row = ViewRow { body, external_id: new_external, hash: new, updated_ms: now, ..v };
    Ok(json!({ "view": render(&row) }))
}

// -- views.publish --

pub async fn publish(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let (app_id, bot_id) = app_of(db, who).await?;
    let user_id = args.str("user_id").ok_or_else(|| missing("user_id"))?;
    let parsed = parse_view(args, &["home"])?;
    let user = workspace::user(db, &user_id).await?.filter(|u| u.team_id == who.team_id && !u.deleted && !u.is_bot);
    if user.is_none() {
        return Err(invalid(vec!["invalid `user_id`".into()]));
    }
    if let Some(manifest) = views::app_manifest(db, &app_id).await?
        && serde_json::from_str::<Value>(&manifest).ok().and_then(|m| m.pointer("/features/app_home/home_tab_enabled").cloned())
            == Some(Value::Bool(false))
    {
        return Err(SlackError::Code("not_enabled"));
    }
    let hash = args.str("hash");
    let now = now_millis();
    let mut tx = asym_store::begin_write(db).await?;
    let existing = views::home(&mut *tx, &app_id, &user_id).await?;
    if let (Some(h), Some(v)) = (&hash, &existing)
        && *h != v.hash
    {
        return Err(SlackError::Code("hash_conflict"));
    }
    let except = existing.as_ref().map(|v| v.id.as_str()).unwrap_or("");
    if let Some(ext) = &parsed.external_id
        && views::external_id_taken(&mut *tx, &who.team_id, ext, except).await?
    {
        return Err(SlackError::Code("duplicate_external_id"));
    }
    let row = match existing {
        Some(v) => {
            let new = new_hash();
            let body = parsed.body.to_string();
            if !views::rewrite(&mut *tx, &v.id, &v.hash, &body, parsed.external_id.as_deref(), &new, now).await? {
                return Err(SlackError::Code("hash_conflict"));
            }
            ViewRow { body, external_id: parsed.external_id.clone(), hash: new, updated_ms: now, ..v }
        }
        None => {
            let row = new_row(&who.team_id, &app_id, &bot_id, &user_id, &parsed, None, now);
            views::insert(&mut *tx, &row).await?;
            row
        }
    };
    tx.commit().await?;
    Ok(json!({ "view": render(&row) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(view: Value) -> Args {
        Args([("view".to_string(), Value::String(view.to_string()))].into_iter().collect())
    }

    fn messages(e: SlackError) -> Vec<String> {
        match e {
            SlackError::InvalidArguments { messages } => messages,
            other => panic!("expected invalid_arguments, got {other:?}"),
        }
    }

    #[test]
    fn a_modal_gets_slacks_defaults() {
        let p = parse_view(
            &args(json!({
                "type": "modal",
                "title": { "type": "plain_text", "text": "Ticket" },
                "submit": { "type": "plain_text", "text": "Create" },
                "blocks": [{ "type": "input", "label": { "type": "plain_text", "text": "What" }, "element": { "type": "plain_text_input", "action_id": "what" } }],
                "callback_id": "new_ticket",
                "external_id": "t-1"
            })),
            &["modal"],
        )
        .unwrap();
        assert_eq!(p.kind, "modal");
        assert_eq!(p.external_id.as_deref(), Some("t-1"));
        assert_eq!(p.body["title"]["emoji"], json!(true));
        assert_eq!(p.body["close"], Value::Null);
        assert_eq!(p.body["blocks"][0]["block_id"].as_str().map(str::len), Some(5));
        assert_eq!(p.body["private_metadata"], json!(""));
        assert_eq!(p.body["submit_disabled"], json!(false));
    }

    #[test]
    fn bad_views_name_every_problem() {
        let m = messages(
            parse_view(
                &args(json!({
                    "type": "modal",
                    "title": { "type": "mrkdwn", "text": "x" },
                    "blocks": [{ "text": "no type" }, 3, { "type": "input" }],
                    "private_metadata": "p".repeat(3001)
                })),
                &["modal"],
            )
            .unwrap_err(),
        );
        assert_eq!(
            m,
            [
                "[ERROR] must be a valid enum value [json-pointer:/view/title/type]",
                "[ERROR] missing required field: type [json-pointer:/view/blocks/0]",
                "[ERROR] must provide an object [json-pointer:/view/blocks/1]",
                "[ERROR] must provide submit when an input block is present [json-pointer:/view/submit]",
                "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]",
            ]
        );
        let m = messages(parse_view(&args(json!({ "type": "home", "blocks": [] })), &["modal"]).unwrap_err());
        assert_eq!(m, ["[ERROR] must be a valid enum value [json-pointer:/view/type]"]);
        let long = json!({ "type": "modal", "title": { "type": "plain_text", "text": "x".repeat(25) }, "blocks": [] });
        assert_eq!(
            messages(parse_view(&args(long), &["modal"]).unwrap_err()),
            ["[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"]
        );
        assert_eq!(messages(parse_view(&Args::default(), &["modal"]).unwrap_err()), ["[ERROR] missing required field: view"]);
        let not_json = Args([("view".to_string(), json!("{nope"))].into_iter().collect());
        assert!(matches!(parse_view(&not_json, &["modal"]), Err(SlackError::InvalidArguments { .. })));
        let huge =
            json!({ "type": "home", "blocks": [{ "type": "section", "text": { "type": "mrkdwn", "text": "x".repeat(MAX_VIEW_BYTES) } }] });
        assert!(matches!(parse_view(&args(huge), &["home"]), Err(SlackError::Code("view_too_large"))));
    }

    #[test]
    fn trigger_ids_have_slacks_shape() {
        assert!(well_formed_trigger("12345.98765.abcd2358fdea"));
        assert!(!well_formed_trigger("12345.abcd2358fdea"));
        assert!(!well_formed_trigger("a.b.c"));
        assert!(!well_formed_trigger(""));
    }
}

#[cfg(test)]
mod flow_tests {
    use super::*;
    use crate::model::interactions::{Action, interact};
    use crate::model::test_support::{args, workspace};

    fn modal(title: &str, external_id: Option<&str>) -> Value {
        let mut v = json!({
            "type": "modal",
            "title": { "type": "plain_text", "text": title },
            "blocks": [{ "type": "actions", "block_id": "acts", "elements": [{ "type": "button", "action_id": "next", "text": { "type": "plain_text", "text": "Next" } }] }]
        });
        if let Some(e) = external_id {
            v["external_id"] = json!(e);
        }
        v
    }

    async fn shortcut(db: &Pool, app: &str, user: &str) -> String {
        interact(db, app, user, &Action::Shortcut { callback_id: "go".into() }).await.unwrap().unwrap().trigger_id
    }

    async fn click(db: &Pool, app: &str, user: &str, view: &str) -> String {
        let a = Action::BlockAction { view_id: view.into(), action_id: "next".into(), value: None };
        interact(db, app, user, &a).await.unwrap().unwrap().trigger_id
    }

    fn code(r: SlackResult<Value>) -> String {
        r.map(|v| panic!("expected an error, got {v}")).unwrap_err().code()
    }

    #[tokio::test]
    async fn modal_stacks_triggers_and_hashes() {
        let (_dir, db, bot, _) = workspace("slack-views-test").await;
        let app = bot.app_id.clone().unwrap();
        let dana = "U0ACMEDANA";
        let t = shortcut(&db, &app, dana).await;
        let opened = open(&db, &bot, &args(&[("trigger_id", json!(t)), ("view", modal("One", Some("ext-1")))])).await.unwrap();
        let root = opened["view"].clone();
        assert!(root["id"].as_str().unwrap().starts_with('V'));
        assert_eq!(root["root_view_id"], root["id"]);
        assert_eq!(root["previous_view_id"], Value::Null);
        assert_eq!(root["app_id"], json!(app));
        assert_eq!(root["bot_id"], json!(bot.bot_id.clone().unwrap()));
        assert_eq!(root["external_id"], json!("ext-1"));
        assert_eq!(root["state"], json!({ "values": {} }));
        // A trigger is exchanged once.
        assert_eq!(code(open(&db, &bot, &args(&[("trigger_id", json!(t)), ("view", modal("Again", None))])).await), "exchanged_trigger_id");
        assert_eq!(
            code(open(&db, &bot, &args(&[("trigger_id", json!("1.2.abc")), ("view", modal("X", None))])).await),
            "invalid_trigger_id"
        );
        assert_eq!(
            code(open(&db, &bot, &args(&[("trigger_id", json!("nonsense")), ("view", modal("X", None))])).await),
            "invalid_trigger_id"
        );
        // ...within three seconds.
        let late = shortcut(&db, &app, dana).await;
        sqlx::query("UPDATE view_triggers SET expires_ms = expires_ms - 5000 WHERE trigger_id = $1")
            .bind(&late)
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(code(open(&db, &bot, &args(&[("trigger_id", json!(late)), ("view", modal("X", None))])).await), "expired_trigger_id");
        // external_id is unique per team.
        let t = click(&db, &app, dana, root["id"].as_str().unwrap()).await;
        assert_eq!(
            code(push(&db, &bot, &args(&[("trigger_id", json!(t)), ("view", modal("Two", Some("ext-1")))])).await),
            "duplicate_external_id"
        );
        // The stack holds three views.
        let second = push(&db, &bot, &args(&[("trigger_id", json!(t)), ("view", modal("Two", None))])).await.unwrap()["view"].clone();
        assert_eq!(second["root_view_id"], root["id"]);
        assert_eq!(second["previous_view_id"], root["id"]);
        let t = click(&db, &app, dana, second["id"].as_str().unwrap()).await;
        let third = push(&db, &bot, &args(&[("trigger_id", json!(t)), ("view", modal("Three", None))])).await.unwrap()["view"].clone();
        assert_eq!(third["previous_view_id"], second["id"]);
        let t = click(&db, &app, dana, third["id"].as_str().unwrap()).await;
        assert_eq!(code(push(&db, &bot, &args(&[("trigger_id", json!(t)), ("view", modal("Four", None))])).await), "push_limit_reached");
        // Updates by id or external id, guarded by the hash.
        let stale = root["hash"].clone();
        let up = update(&db, &bot, &args(&[("view_id", root["id"].clone()), ("hash", stale.clone()), ("view", modal("One bis", None))]))
            .await
            .unwrap()["view"]
            .clone();
        assert_eq!(up["title"]["text"], json!("One bis"));
        assert_ne!(up["hash"], stale);
        assert_eq!(up["external_id"], json!("ext-1"));
        assert_eq!(
            code(update(&db, &bot, &args(&[("view_id", root["id"].clone()), ("hash", stale), ("view", modal("Late", None))])).await),
            "hash_conflict"
        );
        let by_ext = update(&db, &bot, &args(&[("external_id", json!("ext-1")), ("view", modal("One ter", None))])).await.unwrap();
        assert_eq!(by_ext["view"]["id"], root["id"]);
        assert_eq!(code(update(&db, &bot, &args(&[("external_id", json!("nope")), ("view", modal("X", None))])).await), "not_found");
        assert_eq!(code(update(&db, &bot, &args(&[("view_id", json!("VNOPE")), ("view", modal("X", None))])).await), "not_found");
        assert!(matches!(update(&db, &bot, &args(&[("view", modal("X", None))])).await, Err(SlackError::InvalidArguments { .. })));
        // A new views.open replaces the open stack.
        let t = shortcut(&db, &app, dana).await;
        open(&db, &bot, &args(&[("trigger_id", json!(t)), ("view", modal("Fresh", None))])).await.unwrap();
        assert_eq!(code(update(&db, &bot, &args(&[("view_id", second["id"].clone()), ("view", modal("X", None))])).await), "not_found");
    }

    #[tokio::test]
    async fn home_tabs_publish_with_optimistic_locking() {
        let (_dir, db, bot, user) = workspace("slack-views-test").await;
        let home = |text: &str| json!({ "type": "home", "blocks": [{ "type": "section", "text": { "type": "mrkdwn", "text": text } }] });
        let first = publish(&db, &bot, &args(&[("user_id", json!("U0ACMEDANA")), ("view", home("hi"))])).await.unwrap()["view"].clone();
        assert_eq!(first["type"], json!("home"));
        assert_eq!(first["close"], Value::Null);
        assert_eq!(first["submit"], Value::Null);
        let second =
            publish(&db, &bot, &args(&[("user_id", json!("U0ACMEDANA")), ("view", home("again")), ("hash", first["hash"].clone())]))
                .await
                .unwrap()["view"]
                .clone();
        assert_eq!(second["id"], first["id"], "one home view per app and person");
        assert_eq!(
            code(
                publish(&db, &bot, &args(&[("user_id", json!("U0ACMEDANA")), ("view", home("late")), ("hash", first["hash"].clone())]))
                    .await
            ),
            "hash_conflict"
        );
        let bad_user = publish(&db, &bot, &args(&[("user_id", json!("U0NOBODY1")), ("view", home("x"))])).await;
        assert!(matches!(bad_user, Err(SlackError::InvalidArguments { ref messages }) if messages == &["invalid `user_id`"]));
        assert!(matches!(publish(&db, &bot, &args(&[("view", home("x"))])).await, Err(SlackError::InvalidArguments { .. })));
        let modal = json!({ "type": "modal", "title": { "type": "plain_text", "text": "x" }, "blocks": [] });
        assert!(matches!(
            publish(&db, &bot, &args(&[("user_id", json!("U0ACMEDANA")), ("view", modal)])).await,
            Err(SlackError::InvalidArguments { .. })
        ));
        // The app's user token acts for the same app.
        let via_user = update(&db, &user, &args(&[("view_id", first["id"].clone()), ("view", home("from the user token"))])).await.unwrap();
        assert_eq!(via_user["view"]["bot_id"], first["bot_id"]);
    }
}
