//! Legacy dialogs (dialog.open), the forms that came before modals. Like
//! views.open, dialog.open exchanges a trigger id minted when a person
//! interacted with the app (`POST /api/_asym/interactions`); it is checked by the
//! same code as views.open's, under dialog.open's own error names. An opened
//! dialog is recorded (the `dialogs` resource) for the person the trigger
//! belongs to.

use asym_store::Pool;
use serde_json::{Map, Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::ids;
use crate::model::apps::now_millis;
use crate::model::auth::Principal;
use crate::model::views;
use crate::store::dialogs::{self, DialogRow};
use crate::store::views as view_store;
use crate::wire::Args;

const MAX_TITLE: usize = 24;
const MAX_SUBMIT_LABEL: usize = 24;
const MAX_CALLBACK_ID: usize = 255;
const MAX_STATE: usize = 3000;
const MAX_ELEMENTS: usize = 10;
const MAX_LABEL: usize = 48;
const MAX_NAME: usize = 300;
const MAX_PLACEHOLDER: usize = 150;
const MAX_HINT: usize = 150;
const MAX_TEXT_LENGTH: i64 = 150;
const MAX_TEXTAREA_LENGTH: i64 = 3000;
const MAX_OPTIONS: usize = 100;
const MAX_OPTION_TEXT: usize = 75;
const TEXT_SUBTYPES: &[&str] = &["email", "number", "tel", "url"];
const DATA_SOURCES: &[&str] = &["static", "users", "channels", "conversations", "external"];

/// Checks a dialog as Slack does; every problem found is one message.
pub fn validate(dialog: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(d) = dialog.as_object() else {
        return vec!["[ERROR] must provide an object [json-pointer:/dialog]".into()];
    };
    text_field(d, "title", MAX_TITLE, true, "/dialog", &mut errors);
    text_field(d, "callback_id", MAX_CALLBACK_ID, true, "/dialog", &mut errors);
    text_field(d, "state", MAX_STATE, false, "/dialog", &mut errors);
    if text_field(d, "submit_label", MAX_SUBMIT_LABEL, false, "/dialog", &mut errors).is_some_and(|l| l.contains(char::is_whitespace)) {
        errors.push("[ERROR] must be a single word [json-pointer:/dialog/submit_label]".into());
    }
    if d.get("notify_on_cancel").is_some_and(|v| !v.is_boolean() && !v.is_null()) {
        errors.push("[ERROR] must be a boolean [json-pointer:/dialog/notify_on_cancel]".into());
    }
    match d.get("elements") {
        None | Some(Value::Null) => errors.push("[ERROR] missing required field: elements [json-pointer:/dialog]".into()),
        Some(Value::Array(items)) => {
            if items.is_empty() {
                errors.push("[ERROR] must provide at least 1 items [json-pointer:/dialog/elements]".into());
            }
            if items.len() > MAX_ELEMENTS {
                errors.push(format!("[ERROR] no more than {MAX_ELEMENTS} items allowed [json-pointer:/dialog/elements]"));
            }
            let mut names: Vec<&str> = Vec::new();
            for (i, e) in items.iter().enumerate() {
                let at = format!("/dialog/elements/{i}");
                let Some(o) = e.as_object() else {
                    errors.push(format!("[ERROR] must provide an object [json-pointer:{at}]"));
                    continue;
                };
                element(o, &at, &mut errors);
                if let Some(n) = o.get("name").and_then(Value::as_str) {
                    if names.contains(&n) {
                        errors.push(format!("[ERROR] element names must be unique [json-pointer:{at}/name]"));
                    }
                    names.push(n);
                }
            }
        }
        Some(_) => errors.push("[ERROR] must provide an array [json-pointer:/dialog/elements]".into()),
    }
    errors
}

/// A string field of at most `max` characters; its value when valid.
fn text_field<'a>(
    o: &'a Map<String, Value>,
    name: &str,
    max: usize,
    required: bool,
    at: &str,
    errors: &mut Vec<String>,
) -> Option<&'a str> {
    match o.get(name) {
        None | Some(Value::Null) => {
            if required {
                errors.push(format!("[ERROR] missing required field: {name} [json-pointer:{at}]"));
            }
            None
        }
        Some(Value::String(s)) if s.is_empty() && required => {
            errors.push(format!("[ERROR] missing required field: {name} [json-pointer:{at}]"));
            None
        }
        Some(Value::String(s)) if s.chars().count() > max => {
            errors.push(format!("[ERROR] must be less than {} characters [json-pointer:{at}/{name}]", max + 1));
            None
        }
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            errors.push(format!("[ERROR] must be a string [json-pointer:{at}/{name}]"));
            None
        }
    }
}

fn element(o: &Map<String, Value>, at: &str, errors: &mut Vec<String>) {
    text_field(o, "label", MAX_LABEL, true, at, errors);
    text_field(o, "name", MAX_NAME, true, at, errors);
    text_field(o, "placeholder", MAX_PLACEHOLDER, false, at, errors);
    text_field(o, "hint", MAX_HINT, false, at, errors);
    if o.get("optional").is_some_and(|v| !v.is_boolean() && !v.is_null()) {
        errors.push(format!("[ERROR] must be a boolean [json-pointer:{at}/optional]"));
    }
    let length = |key: &str, max: i64, errors: &mut Vec<String>| match o.get(key) {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_i64() {
            Some(n) if (0..=max).contains(&n) => {}
            _ => errors.push(format!("[ERROR] must be an integer from 0 to {max} [json-pointer:{at}/{key}]")),
        },
    };
    match o.get("type").and_then(Value::as_str) {
        Some(kind @ ("text" | "textarea")) => {
            let max = if kind == "text" { MAX_TEXT_LENGTH } else { MAX_TEXTAREA_LENGTH };
            length("max_length", max, errors);
            length("min_length", max, errors);
            text_field(o, "value", max as usize, false, at, errors);
            if let Some(s) = o.get("subtype")
                && !s.as_str().is_some_and(|s| TEXT_SUBTYPES.contains(&s))
            {
                errors.push(format!("[ERROR] must be a valid enum value [json-pointer:{at}/subtype]"));
            }
        }
        Some("select") => {
            let source = o.get("data_source").and_then(Value::as_str).unwrap_or("static");
            if !DATA_SOURCES.contains(&source) {
                errors.push(format!("[ERROR] must be a valid enum value [json-pointer:{at}/data_source]"));
            }
            if source == "static" {
                match (o.get("options"), o.get("option_groups")) {
                    (Some(Value::Array(opts)), _) => options(opts, &format!("{at}/options"), errors),
                    (None | Some(Value::Null), Some(Value::Array(groups))) => {
                        for (g, group) in groups.iter().enumerate() {
                            let gat = format!("{at}/option_groups/{g}");
                            match group.get("options") {
                                Some(Value::Array(opts)) => options(opts, &format!("{gat}/options"), errors),
                                _ => errors.push(format!("[ERROR] missing required field: options [json-pointer:{gat}]")),
                            }
                        }
                    }
                    _ => errors.push(format!("[ERROR] missing required field: options [json-pointer:{at}]")),
                }
            }
        }
        Some(_) => errors.push(format!("[ERROR] must be a valid enum value [json-pointer:{at}/type]")),
        None => errors.push(format!("[ERROR] missing required field: type [json-pointer:{at}]")),
    }
}

fn options(opts: &[Value], at: &str, errors: &mut Vec<String>) {
    if opts.len() > MAX_OPTIONS {
        errors.push(format!("[ERROR] no more than {MAX_OPTIONS} items allowed [json-pointer:{at}]"));
    }
    for (i, opt) in opts.iter().enumerate() {
        let oat = format!("{at}/{i}");
        match opt.as_object() {
            Some(o) => {
                text_field(o, "label", MAX_OPTION_TEXT, true, &oat, errors);
                text_field(o, "value", MAX_OPTION_TEXT, true, &oat, errors);
            }
            None => errors.push(format!("[ERROR] must provide an object [json-pointer:{oat}]")),
        }
    }
}

/// Maps views.open's trigger errors to dialog.open's names.
fn dialog_code(e: SlackError) -> SlackError {
    match e {
        SlackError::Code("invalid_trigger_id") => SlackError::Code("invalid_trigger"),
        SlackError::Code("exchanged_trigger_id") => SlackError::Code("trigger_exchanged"),
        SlackError::Code("expired_trigger_id") => SlackError::Code("trigger_expired"),
        other => other,
    }
}

/// dialog.open: `trigger_id` and `dialog` (a JSON object or its JSON text).
pub async fn open(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    let trigger_id = args.str("trigger_id").ok_or(SlackError::Code("missing_trigger"))?;
    let dialog = match args.0.get("dialog") {
        None | Some(Value::Null) => return Err(SlackError::Code("missing_dialog")),
        Some(Value::String(s)) if s.trim().is_empty() => return Err(SlackError::Code("missing_dialog")),
        Some(Value::String(s)) => serde_json::from_str::<Value>(s)
            .map_err(|_| SlackError::ValidationErrors { messages: vec!["[ERROR] failed to parse json [json-pointer:/dialog]".into()] })?,
        Some(other) => other.clone(),
    };
    let errors = validate(&dialog);
    if !errors.is_empty() {
        return Err(SlackError::ValidationErrors { messages: errors });
    }
    let (app_id, _) = views::app_of(db, who).await.map_err(dialog_code)?;
    let now = now_millis();
    let mut tx = asym_store::begin_write(db).await?;
    let trigger = views::check_trigger(&mut tx, &app_id, &who.team_id, &trigger_id, now).await.map_err(dialog_code)?;
    let row = DialogRow {
        id: ids::random('D'),
        team_id: who.team_id.clone(),
        app_id,
        user_id: trigger.user_id.clone(),
        trigger_id: trigger_id.clone(),
        callback_id: dialog["callback_id"].as_str().unwrap_or_default().to_string(),
        body: dialog.to_string(),
        created_ms: now,
    };
    dialogs::insert(&mut *tx, &row).await?;
    if !view_store::use_trigger(&mut *tx, &trigger_id, now).await? {
        return Err(SlackError::Code("trigger_exchanged"));
    }
    tx.commit().await?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::workspace;
    use crate::store::views::TriggerRow;

    fn ride(elements: usize) -> Value {
        let els: Vec<Value> =
            (0..elements).map(|i| json!({ "type": "text", "label": format!("Field {i}"), "name": format!("f{i}") })).collect();
        json!({ "callback_id": "ryde-46e2b0", "title": "Request a Ride", "submit_label": "Request", "elements": els })
    }

    #[test]
    fn dialogs_are_validated() {
        assert!(validate(&ride(2)).is_empty());
        let mut no_title = ride(1);
        no_title.as_object_mut().unwrap().remove("title");
        assert_eq!(validate(&no_title), vec!["[ERROR] missing required field: title [json-pointer:/dialog]"]);
        assert_eq!(validate(&ride(11)), vec!["[ERROR] no more than 10 items allowed [json-pointer:/dialog/elements]"]);
        let select = json!({ "callback_id": "c", "title": "t", "elements": [{ "type": "select", "label": "l", "name": "n" }] });
        assert_eq!(validate(&select), vec!["[ERROR] missing required field: options [json-pointer:/dialog/elements/0]"]);
        let users = json!({ "callback_id": "c", "title": "t", "elements": [{ "type": "select", "label": "l", "name": "n", "data_source": "users" }] });
        assert!(validate(&users).is_empty());
        let long = json!({ "callback_id": "c", "title": "x".repeat(25), "submit_label": "Go now", "elements": [{ "type": "date", "label": "l", "name": "n" }] });
        assert_eq!(
            validate(&long),
            vec![
                "[ERROR] must be less than 25 characters [json-pointer:/dialog/title]",
                "[ERROR] must be a single word [json-pointer:/dialog/submit_label]",
                "[ERROR] must be a valid enum value [json-pointer:/dialog/elements/0/type]",
            ]
        );
    }

    #[tokio::test]
    async fn open_exchanges_a_trigger_once() {
        let (_dir, db, bot, _) = workspace("slack-dialog-test").await;
        let app_id = bot.app_id.clone().unwrap();
        let now = now_millis();
        let mint = |id: &str, expires_ms: i64| TriggerRow {
            trigger_id: id.into(),
            team_id: bot.team_id.clone(),
            app_id: app_id.clone(),
            user_id: "U0ACMEDANA".into(),
            kind: "shortcut".into(),
            view_id: None,
            created_ms: now,
            expires_ms,
            used_ms: None,
        };
        view_store::insert_trigger(&db, &mint("1.2.abc", now + 3000)).await.unwrap();
        view_store::insert_trigger(&db, &mint("1.3.abc", now - 1)).await.unwrap();
        let args = |t: &str, d: Value| Args([("trigger_id".to_string(), json!(t)), ("dialog".to_string(), json!(d.to_string()))].into());
        assert_eq!(open(&db, &bot, &args("1.2.abc", ride(2))).await.unwrap(), json!({}));
        let opened = dialogs::for_user(&db, &app_id, "U0ACMEDANA").await.unwrap();
        assert_eq!(opened.len(), 1);
        assert_eq!(opened[0].callback_id, "ryde-46e2b0");
        assert!(matches!(open(&db, &bot, &args("1.2.abc", ride(2))).await, Err(SlackError::Code("trigger_exchanged"))));
        assert!(matches!(open(&db, &bot, &args("1.3.abc", ride(2))).await, Err(SlackError::Code("trigger_expired"))));
        assert!(matches!(open(&db, &bot, &args("nope", ride(2))).await, Err(SlackError::Code("invalid_trigger"))));
        assert!(matches!(open(&db, &bot, &args("9.9.abc", ride(2))).await, Err(SlackError::Code("invalid_trigger"))));
        assert!(matches!(open(&db, &bot, &args("9.9.abc", ride(11))).await, Err(SlackError::ValidationErrors { .. })));
        assert!(matches!(open(&db, &bot, &Args::default()).await, Err(SlackError::Code("missing_trigger"))));
    }
}
