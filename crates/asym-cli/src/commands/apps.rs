use asym_contract::{AsymError, Result};
use asym_engine::Engine;
use serde_json::Value;

use crate::Exit;
use crate::args::{AppsCommand, DeliveriesArgs};
use crate::printer::Printer;

pub async fn run(engine: &Engine, p: &Printer, command: AppsCommand) -> Result<Exit> {
    match command {
        AppsCommand::Create { id, manifest } => {
            let shown = manifest.display().to_string();
            let text = std::fs::read_to_string(&manifest).map_err(|e| AsymError::io(format!("reading {shown}"), e))?;
            let body: Value =
                serde_json::from_str(&text).map_err(|e| AsymError::ManifestInvalid { path: shown.clone(), reason: e.to_string() })?;
            let app = engine.control(&id, "apps", "", Some(&body)).await?;
            if p.json {
                p.json(&app);
            } else {
                // Like spin, creating an app is the one time its secrets are shown.
                p.ok(format!("{id}: app {} created", text_of(&app["app_id"])));
                for (label, value) in [
                    ("bot token", &app["bot_token"]),
                    ("user token", &app["user_token"]),
                    ("signing secret", &app["credentials"]["signing_secret"]),
                    ("bot user", &app["bot_user_id"]),
                ] {
                    if let Some(v) = value.as_str() {
                        p.line(format!("  {label:<15} {v}"));
                    }
                }
                if let Some(url) = app["event_subscriptions"]["request_url"].as_str() {
                    let verified = app["event_subscriptions"]["url_verified"].as_bool().unwrap_or(false);
                    p.line(format!("  {:<15} {url} ({})", "request url", if verified { "verified" } else { "not verified" }));
                }
            }
        }
        AppsCommand::Ls { id } => {
            let list = engine.control(&id, "apps", "", None).await?;
            if p.json {
                p.json(&list);
            } else {
                for app in list["apps"].as_array().into_iter().flatten() {
                    p.line(format!("{:<14} {}", text_of(&app["app_id"]).max(text_of(&app["id"])), text_of(&app["name"])));
                }
            }
        }
    }
    Ok(Exit::Success)
}

pub async fn deliveries(engine: &Engine, p: &Printer, a: DeliveriesArgs) -> Result<Exit> {
    let mut query = format!("limit={}", a.limit);
    if let Some(app) = &a.app {
        query.push_str(&format!("&app_id={app}"));
    }
    let log = engine.control(&a.id, "deliveries", &query, None).await?;
    if p.json {
        p.json(&log);
    } else {
        for d in log["deliveries"].as_array().into_iter().flatten() {
            let outcome = match d["error"].as_str() {
                Some(e) => format!("failed: {e}"),
                None => format!("HTTP {}", d["status"]),
            };
            p.line(format!(
                "{}  {:<12} {:<24} attempt {}  {outcome}",
                text_of(&d["event_id"]),
                text_of(&d["app_id"]),
                text_of(&d["event_type"]),
                d["attempt"]
            ));
        }
    }
    Ok(Exit::Success)
}

fn text_of(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}
