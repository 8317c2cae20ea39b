//! User groups (Slack's subteams, `S…` ids): create, update, enable/disable and
//! set members, announcing subteam_created / subteam_updated /
//! subteam_members_changed.

use std::collections::BTreeSet;

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::ids;
use crate::model::auth::Principal;
use crate::store::usergroups::{self, UsergroupRow};
use crate::store::{channels, workspace};
use crate::wire::{self, Args};

/// Handles no group may take: Slack's special mentions.
const FORBIDDEN_HANDLES: &[&str] = &["channel", "everyone", "group", "here"];
const MAX_HANDLE: usize = 80;

/// A user group as Slack renders it; `users` and `user_count` only when asked.
pub fn render(g: &UsergroupRow, public: &[String], private: &[String], users: Option<&[String]>, count: Option<usize>) -> Value {
    let mut v = json!({
        "id": g.id,
        "team_id": g.team_id,
        "is_usergroup": true,
        "is_subteam": true,
        "name": g.name,
        "description": g.description,
        "handle": g.handle,
        "is_external": false,
        "date_create": g.date_create,
        "date_update": g.date_update,
        "date_delete": g.date_delete,
        "auto_type": null,
        "auto_provision": false,
        "enterprise_subteam_id": "",
        "created_by": g.created_by,
        "updated_by": g.updated_by,
        "deleted_by": g.deleted_by,
        "prefs": { "channels": public, "groups": private },
    });
    if let Some(u) = users {
        v["users"] = json!(u);
    }
    if let Some(n) = count {
        v["user_count"] = json!(n);
    }
    v
}

/// The group's default channels split into public (`prefs.channels`) and
/// private (`prefs.groups`) ones.
async fn split_channels(db: &Pool, g: &UsergroupRow) -> SlackResult<(Vec<String>, Vec<String>)> {
    let (mut public, mut private) = (Vec::new(), Vec::new());
    for id in g.channels.split(',').filter(|s| !s.is_empty()) {
        match channels::get(db, id).await? {
            Some(c) if c.is_private => private.push(c.id),
            Some(c) => public.push(c.id),
            None => {}
        }
    }
    Ok((public, private))
}

async fn full(db: &Pool, g: &UsergroupRow, with_users: bool, with_count: bool) -> SlackResult<Value> {
    let (public, private) = split_channels(db, g).await?;
    let members = if with_users || with_count { usergroups::members(db, &g.id).await? } else { Vec::new() };
    Ok(render(g, &public, &private, with_users.then_some(members.as_slice()), with_count.then_some(members.len())))
}

/// The `channels` argument: ids of the team's channels (not DMs), else
/// `invalid_channel_provided`.
async fn channel_list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Option<String>> {
    if !args.0.contains_key("channels") {
        return Ok(None);
    }
    let mut out = Vec::new();
    for id in args.list("channels") {
        let c = channels::get(db, &id).await?.filter(|c| c.team_id == who.team_id && !c.is_im && !c.is_mpim);
        let c = c.ok_or(SlackError::Code("invalid_channel_provided"))?;
        if !out.contains(&c.id) {
            out.push(c.id);
        }
    }
    Ok(Some(out.join(",")))
}

fn check_handle(handle: &str) -> SlackResult<()> {
    if handle.is_empty()
        || handle.chars().count() > MAX_HANDLE
        || !handle.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
    {
        return Err(SlackError::Code("bad_handle"));
    }
    if FORBIDDEN_HANDLES.contains(&handle) {
        return Err(SlackError::Code("forbidden_handle"));
    }
    Ok(())
}

/// The handle Slack suggests from a name: lowercase, runs of other characters as `-`.
fn handle_from(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["usergroups:read"])?;
    let with_users = args.bool("include_users").unwrap_or(false);
    let with_count = args.bool("include_count").unwrap_or(false);
    let rows = usergroups::list(db, &who.team_id, args.bool("include_disabled").unwrap_or(false)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for g in &rows {
        out.push(full(db, g, with_users, with_count).await?);
    }
    Ok(json!({ "usergroups": out }))
}

pub async fn create(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["usergroups:write"])?;
    let name = args.str("name").map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).ok_or(SlackError::Code("missing_subteam_name"))?;
    let handle = match args.str("handle") {
        Some(h) => h.trim().trim_start_matches('@').to_lowercase(),
        None => handle_from(&name),
    };
    check_handle(&handle)?;
    let chans = channel_list(db, who, args).await?.unwrap_or_default();
    let now = wire::now_secs();
    let g = UsergroupRow {
        id: ids::random('S'),
        team_id: who.team_id.clone(),
        name,
        handle,
        description: args.str("description").unwrap_or_default(),
        channels: chans,
        date_create: now,
        date_update: now,
        date_delete: 0,
        created_by: who.user_id.clone(),
        updated_by: who.user_id.clone(),
        deleted_by: None,
    };
    // Read before the write: the pool does not see writes of the commit this one joins.
    let (public, private) = split_channels(db, &g).await?;
    let mut tx = asym_store::begin_write(db).await?;
    if usergroups::name_taken(&mut *tx, &who.team_id, &g.name, "").await? {
        return Err(SlackError::Code("name_already_exists"));
    }
    if usergroups::handle_taken(&mut *tx, &who.team_id, &g.handle, "").await? {
        return Err(SlackError::Code("handle_already_exists"));
    }
    if !usergroups::insert(&mut *tx, &g).await? {
        return Err(SlackError::Code("name_already_exists"));
    }
    let subteam = render(&g, &public, &private, Some(&[]), Some(0));
    events::emit(&mut *tx, &who.team_id, json!({ "type": "subteam_created", "subteam": subteam, "event_ts": wire::now_ts() })).await?;
    tx.commit().await?;
    let with_count = args.bool("include_count").unwrap_or(false);
    Ok(json!({ "usergroup": render(&g, &public, &private, Some(&[]), with_count.then_some(0)) }))
}

async fn existing(db: &Pool, who: &Principal, args: &Args) -> SlackResult<UsergroupRow> {
    let id = args.str("usergroup").ok_or(SlackError::Code("missing_argument"))?;
    usergroups::get(db, &id).await?.filter(|g| g.team_id == who.team_id).ok_or(SlackError::Code("no_such_subteam"))
}

/// Membership changes for [`save`]: ids to remove, and ids to add in order.
#[derive(Default)]
struct MemberChange {
    removed: Vec<String>,
    added: Vec<String>,
}

/// Records a change to `g` (and its members) and announces it: `extra_events`
/// first, then subteam_updated, in the same transaction.
async fn save(db: &Pool, who: &Principal, g: &UsergroupRow, change: MemberChange, extra_events: Vec<Value>) -> SlackResult<Vec<String>> {
    let (public, private) = split_channels(db, g).await?;
    let mut tx = asym_store::begin_write(db).await?;
    usergroups::update(&mut *tx, g).await?;
    for u in &change.removed {
        usergroups::remove_member(&mut *tx, &g.id, u).await?;
    }
    for (i, u) in change.added.iter().enumerate() {
        usergroups::add_member(&mut *tx, &g.id, u, g.date_update * 1000 + i as i64).await?;
    }
    let members = usergroups::members(&mut *tx, &g.id).await?;
    for e in extra_events {
        events::emit(&mut *tx, &who.team_id, e).await?;
    }
    let subteam = render(g, &public, &private, Some(&members), Some(members.len()));
    events::emit(&mut *tx, &who.team_id, json!({ "type": "subteam_updated", "subteam": subteam, "event_ts": wire::now_ts() })).await?;
    tx.commit().await?;
    Ok(members)
}

pub async fn update(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["usergroups:write"])?;
    let mut g = existing(db, who, args).await?;
    if let Some(name) = args.str("name").map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        if usergroups::name_taken(db, &who.team_id, &name, &g.id).await? {
            return Err(SlackError::Code("name_already_exists"));
        }
        g.name = name;
    }
    if let Some(handle) = args.str("handle") {
        let handle = handle.trim().trim_start_matches('@').to_lowercase();
        check_handle(&handle)?;
        if usergroups::handle_taken(db, &who.team_id, &handle, &g.id).await? {
            return Err(SlackError::Code("handle_already_exists"));
        }
        g.handle = handle;
    }
    if args.0.contains_key("description") {
        g.description = args.str("description").unwrap_or_default();
    }
    if let Some(chans) = channel_list(db, who, args).await? {
        g.channels = chans;
    }
    g.date_update = wire::now_secs();
    g.updated_by = who.user_id.clone();
    let members = save(db, who, &g, MemberChange::default(), Vec::new()).await?;
    let (public, private) = split_channels(db, &g).await?;
    let with_count = args.bool("include_count").unwrap_or(false);
    Ok(json!({ "usergroup": render(&g, &public, &private, Some(&members), with_count.then_some(members.len())) }))
}

/// usergroups.disable (`enabled` false) and usergroups.enable.
pub async fn set_enabled(db: &Pool, who: &Principal, args: &Args, enabled: bool) -> SlackResult<Value> {
    who.require_any(&["usergroups:write"])?;
    let mut g = existing(db, who, args).await?;
    let now = wire::now_secs();
    if enabled {
        g.date_delete = 0;
        g.deleted_by = None;
    } else if g.date_delete == 0 {
        g.date_delete = now;
        g.deleted_by = Some(who.user_id.clone());
    }
    g.date_update = now;
    g.updated_by = who.user_id.clone();
    let members = save(db, who, &g, MemberChange::default(), Vec::new()).await?;
    let (public, private) = split_channels(db, &g).await?;
    let with_count = args.bool("include_count").unwrap_or(false);
    Ok(json!({ "usergroup": render(&g, &public, &private, Some(&members), with_count.then_some(members.len())) }))
}

pub async fn users_list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["usergroups:read"])?;
    let g = existing(db, who, args).await?;
    if g.date_delete != 0 && !args.bool("include_disabled").unwrap_or(false) {
        return Err(SlackError::Code("no_such_subteam"));
    }
    Ok(json!({ "users": usergroups::members(db, &g.id).await? }))
}

/// usergroups.users.update: `users` becomes the whole member list.
pub async fn users_update(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["usergroups:write"])?;
    let mut g = existing(db, who, args).await?;
    let wanted = args.list("users");
    if wanted.is_empty() {
        return Err(SlackError::Code("no_users_provided"));
    }
    let mut seen = BTreeSet::new();
    let mut ordered = Vec::new();
    for id in wanted {
        let u = workspace::user(db, &id).await?.filter(|u| u.team_id == who.team_id && !u.deleted && !u.is_bot);
        let u = u.ok_or(SlackError::Code("invalid_users"))?;
        if seen.insert(u.id.clone()) {
            ordered.push(u.id);
        }
    }
    let before = usergroups::members(db, &g.id).await?;
    let added: Vec<String> = ordered.iter().filter(|u| !before.contains(u)).cloned().collect();
    let removed: Vec<String> = before.iter().filter(|u| !seen.contains(*u)).cloned().collect();
    let previous = g.date_update;
    let now = wire::now_secs();
    g.date_update = now;
    g.updated_by = who.user_id.clone();
    let mut extra = Vec::new();
    if !added.is_empty() || !removed.is_empty() {
        extra.push(json!({
            "type": "subteam_members_changed",
            "subteam_id": g.id,
            "team_id": g.team_id,
            "date_previous_update": previous,
            "date_update": now,
            "added_users": added,
            "added_users_count": added.len().to_string(),
            "removed_users": removed,
            "removed_users_count": removed.len().to_string(),
            "event_ts": wire::now_ts(),
        }));
    }
    let members = save(db, who, &g, MemberChange { removed, added }, extra).await?;
    let (public, private) = split_channels(db, &g).await?;
    let with_count = args.bool("include_count").unwrap_or(false);
    Ok(json!({ "usergroup": render(&g, &public, &private, Some(&members), with_count.then_some(members.len())) }))
}
