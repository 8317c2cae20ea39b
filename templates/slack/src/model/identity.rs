//! Who is who: bots.info (a bot by its `B…` id), team.profile.get (the team's
//! custom profile fields) and users.identity (the Sign in with Slack identity of a
//! user token holding `identity.*` scopes).

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::{Principal, TokenKind};
use crate::objects;
use crate::store::{apps, people, workspace};
use crate::wire::{self, Args};

/// Slack's default app icon, shown for bots without one of their own.
const BOT_ICON: &str = "https://a.slack-edge.com/80588/img/plugins/app/bot";

/// bots.info: the bot's name, app, bot user and icons. Without `bot`, or with an
/// id no bot of the team has, Slack's `bot_not_found`.
pub async fn bots_info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users:read"])?;
    let id = args.str("bot").ok_or(SlackError::Code("bot_not_found"))?;
    let app =
        apps::list(db).await?.into_iter().find(|a| a.bot_id == id && a.team_id == who.team_id).ok_or(SlackError::Code("bot_not_found"))?;
    let user = workspace::user(db, &app.bot_user_id).await?;
    let name = user.as_ref().map(|u| u.real_name.clone()).filter(|n| !n.is_empty()).unwrap_or_else(|| app.name.clone());
    Ok(json!({
        "bot": {
            "id": app.bot_id,
            "deleted": user.as_ref().is_some_and(|u| u.deleted),
            "name": name,
            "updated": user.as_ref().map(|u| u.updated).unwrap_or(app.created),
            "app_id": app.id,
            "user_id": app.bot_user_id,
            "icons": {
                "image_36": format!("{BOT_ICON}_36.png"),
                "image_48": format!("{BOT_ICON}_48.png"),
                "image_72": format!("{BOT_ICON}_72.png"),
            },
        }
    }))
}

/// team.profile.get: the field definitions, filtered by `visibility`
/// (`all`, `visible`, `hidden`).
pub async fn team_profile_get(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["users.profile:read"])?;
    let visibility = args.str("visibility").unwrap_or_else(|| "all".into());
    let keep = |hidden: bool| match visibility.as_str() {
        "visible" => Ok(!hidden),
        "hidden" => Ok(hidden),
        "all" => Ok(true),
        _ => Err(SlackError::InvalidArguments { messages: vec!["[ERROR] visibility must be one of all, visible, hidden".into()] }),
    };
    let mut fields = Vec::new();
    for f in people::profile_fields(db, &who.team_id).await? {
        if !keep(f.is_hidden)? {
            continue;
        }
        let possible: Value = f.possible_values.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or(Value::Null);
        let mut v = json!({
            "id": f.id,
            "ordering": f.ordering,
            "field_name": if f.field_name.is_empty() { Value::Null } else { json!(f.field_name) },
            "label": f.label,
            "hint": f.hint,
            "type": f.kind,
            "possible_values": possible,
            "options": if f.is_protected { json!({ "is_protected": true }) } else { Value::Null },
            "is_hidden": f.is_hidden,
        });
        if let Some(s) = &f.section_id {
            v["section_id"] = json!(s);
        }
        fields.push(v);
    }
    Ok(json!({ "profile": { "fields": fields } }))
}

/// users.identity: user tokens with `identity.basic` only. `identity.email` adds
/// the address, `identity.avatar` the images, `identity.team` the team's name.
pub async fn users_identity(db: &Pool, who: &Principal) -> SlackResult<Value> {
    if who.kind == TokenKind::Bot {
        return Err(SlackError::Code("not_allowed_token_type"));
    }
    who.require_any(&["identity.basic"])?;
    let u = workspace::user(db, &who.user_id).await?.ok_or(SlackError::InvalidAuth)?;
    if u.deleted {
        return Err(SlackError::Code("account_inactive"));
    }
    let team = workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    let name = if u.real_name.is_empty() { u.name.clone() } else { u.real_name.clone() };
    let mut user = json!({ "name": name, "id": u.id });
    if who.has("identity.email")
        && let Some(email) = &u.email
    {
        user["email"] = json!(email);
    }
    if who.has("identity.avatar") {
        let p = workspace::profile(db, &u.id).await?;
        let profile = objects::user_profile(&u, p.as_ref(), false, wire::now_secs());
        for size in [24, 32, 48, 72, 192, 512] {
            let key = format!("image_{size}");
            user[&key] = profile[&key].clone();
        }
    }
    let mut team_v = json!({ "id": team.id });
    if who.has("identity.team") {
        team_v["name"] = json!(team.name);
    }
    Ok(json!({ "user": user, "team": team_v }))
}
