//! chat.unfurl: an app attaches previews to links in a message (`unfurls`, a map
//! from URL to an attachment or `{blocks}`), stored on the message so
//! conversations.history and friends show them as attachments with
//! `app_unfurl_url` and `is_app_unfurl`. As on Slack, the app must have registered
//! the link's domain (`features.unfurl_domains` of its manifest) and the URL must
//! be in the message. Unfurling again replaces that URL's unfurl. Not built: the
//! `source` + `unfurl_id` form (composer unfurls) and the user-auth prompt
//! (`user_auth_required` is accepted and nothing is shown).

use asym_store::Pool;
use serde_json::{Map, Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::Principal;
use crate::store::{messages, oauth};
use crate::wire::{Args, normalize_ts};

/// Whether `url`'s host is `domain` or one of its subdomains.
pub fn domain_matches(domains: &[String], url: &str) -> bool {
    let Some(host) = reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)) else { return false };
    domains
        .iter()
        .map(|d| d.trim().trim_start_matches("*.").to_ascii_lowercase())
        .any(|d| !d.is_empty() && (host == d || host.ends_with(&format!(".{d}"))))
}

/// The message's existing unfurls with `new` merged in (same URL: replaced).
pub fn merge(existing: Option<&str>, new: &Map<String, Value>, app_id: &str) -> Vec<Value> {
    let mut list: Vec<Value> = existing.and_then(|s| serde_json::from_str::<Vec<Value>>(s).ok()).unwrap_or_default();
    for (url, unfurl) in new {
        list.retain(|u| u.get("app_unfurl_url").and_then(Value::as_str) != Some(url.as_str()));
        let mut a = unfurl.as_object().cloned().unwrap_or_default();
        a.insert("app_unfurl_url".into(), json!(url));
        a.insert("is_app_unfurl".into(), json!(true));
        a.insert("app_id".into(), json!(app_id));
        list.push(Value::Object(a));
    }
    for (i, u) in list.iter_mut().enumerate() {
        u["id"] = json!(i + 1);
    }
    list
}

pub async fn unfurl(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["links:write"])?;
    if args.str("source").is_some() || args.str("unfurl_id").is_some() {
        return Err(SlackError::NotImplemented { method: "chat.unfurl with source and unfurl_id".into() });
    }
    let channel = args.str("channel").ok_or(SlackError::Code("missing_channel"))?;
    let ts = args.str("ts").ok_or(SlackError::Code("missing_ts"))?;
    let unfurls = match args.json("unfurls") {
        Ok(None) => return Err(SlackError::Code("missing_unfurls")),
        Ok(Some(Value::Object(m))) if m.values().all(Value::is_object) => m,
        _ => return Err(SlackError::Code("invalid_unfurls_format")),
    };
    let ts = normalize_ts(&ts).ok_or(SlackError::Code("cannot_unfurl_message"))?;
    let msg = messages::get(db, &channel, &ts).await?.ok_or(SlackError::Code("cannot_unfurl_message"))?;
    let channel_row = crate::store::channels::get(db, &channel).await?.ok_or(SlackError::Code("cannot_unfurl_message"))?;
    if channel_row.team_id != who.team_id {
        return Err(SlackError::Code("cannot_unfurl_message"));
    }
    let app_id = who.app_id.clone().ok_or(SlackError::Code("cannot_find_service"))?;
    let domains: Vec<String> = oauth::manifest(db, &app_id)
        .await?
        .and_then(|m| serde_json::from_str::<Value>(&m).ok())
        .and_then(|m| m.pointer("/features/unfurl_domains").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d.as_str().map(String::from))
        .collect();
    for url in unfurls.keys() {
        if !msg.text.contains(url.as_str()) || !domain_matches(&domains, url) {
            return Err(SlackError::Code("cannot_unfurl_url"));
        }
    }
    let list = merge(msg.unfurls.as_deref(), &unfurls, &app_id);
    let mut tx = asym_store::begin_write(db).await?;
    if !messages::set_unfurls(&mut *tx, &channel, &ts, &Value::Array(list).to_string()).await? {
        return Err(SlackError::Code("cannot_unfurl_message"));
    }
    tx.commit().await?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_hosts_and_subdomains() {
        let d = vec!["example.com".to_string()];
        assert!(domain_matches(&d, "https://example.com/a"));
        assert!(domain_matches(&d, "https://docs.Example.com/a"));
        assert!(!domain_matches(&d, "https://notexample.com/a"));
        assert!(!domain_matches(&[], "https://example.com/a"));
        assert!(!domain_matches(&d, "nonsense"));
    }

    #[test]
    fn unfurls_merge_by_url_and_are_numbered() {
        let first = json!({ "https://a.test/1": { "text": "one" }, "https://a.test/2": { "text": "two" } });
        let list = merge(None, first.as_object().unwrap(), "A1");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["app_unfurl_url"], "https://a.test/1");
        assert_eq!(list[0]["is_app_unfurl"], true);
        let again = json!({ "https://a.test/1": { "text": "uno" } });
        let merged = merge(Some(&Value::Array(list).to_string()), again.as_object().unwrap(), "A1");
        let texts: Vec<&str> = merged.iter().map(|u| u["text"].as_str().unwrap()).collect();
        assert_eq!(texts, ["two", "uno"]);
        assert_eq!(merged[1]["id"], 2);
    }
}
