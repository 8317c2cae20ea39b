//! Loads a fixture pack (`fixtures/*.json`) through the store, checking references
//! so that a broken fixture is a `SEED_VALIDATION` error naming what is wrong.

use std::collections::{BTreeMap, BTreeSet};

use asym_clone_kit::Fixture;
use asym_clone_kit::secrets::hash_token;
use asym_store::Pool;
use asym_store::{StoreError, StoreResult};
use serde::Deserialize;

use crate::store::channels::{self, ChannelRow};
use crate::store::messages::{self, MessageRow};
use crate::store::workspace::{self, TeamRow, UserRow};
use crate::wire;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Pack {
    team: TeamSeed,
    /// Password of every seeded human (`password123`).
    password: String,
    users: Vec<UserSeed>,
    #[serde(default)]
    channels: Vec<ChannelSeed>,
    #[serde(default)]
    messages: Vec<MessageSeed>,
    /// The team's custom profile fields (team.profile.get).
    #[serde(default)]
    profile_fields: Vec<ProfileFieldSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProfileFieldSeed {
    id: String,
    label: String,
    #[serde(default)]
    hint: String,
    /// text, long_text, date, link, user, options_list, tags.
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    field_name: String,
    #[serde(default)]
    possible_values: Option<Vec<String>>,
    #[serde(default)]
    is_hidden: bool,
    #[serde(default)]
    is_protected: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TeamSeed {
    id: String,
    name: String,
    domain: String,
    created: i64,
    /// Minutes a person may edit their message for; absent or -1: any time.
    #[serde(default)]
    msg_edit_window_mins: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserSeed {
    id: String,
    name: String,
    real_name: String,
    #[serde(default)]
    display_name: String,
    email: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    tz: Option<String>,
    #[serde(default)]
    is_admin: bool,
    #[serde(default)]
    is_owner: bool,
    #[serde(default)]
    is_primary_owner: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChannelSeed {
    id: String,
    name: String,
    creator: String,
    #[serde(default)]
    is_private: bool,
    #[serde(default)]
    is_general: bool,
    #[serde(default)]
    is_archived: bool,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    purpose: String,
    members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MessageSeed {
    channel: String,
    ts: String,
    user: String,
    text: String,
    #[serde(default)]
    thread_ts: Option<String>,
}

/// The salted hash stored for seeded passwords.
pub fn password_hash(user_id: &str, password: &str) -> String {
    hash_token(&format!("{user_id}:{password}"))
}

pub async fn apply(pool: &Pool, fixture: &Fixture) -> StoreResult<BTreeMap<String, u64>> {
    let bad = |reason: String| StoreError::Seed { fixture: fixture.name.into(), reason };
    let pack: Pack = serde_json::from_str(fixture.text).map_err(|e| bad(e.to_string()))?;
    let users: BTreeSet<&str> = pack.users.iter().map(|u| u.id.as_str()).collect();
    let chans: BTreeSet<&str> = pack.channels.iter().map(|c| c.id.as_str()).collect();
    for c in &pack.channels {
        for m in c.members.iter().chain(std::iter::once(&c.creator)) {
            if !users.contains(m.as_str()) {
                return Err(bad(format!("channel `{}` names unknown user `{m}`", c.name)));
            }
        }
    }
    for m in &pack.messages {
        if !chans.contains(m.channel.as_str()) {
            return Err(bad(format!("message {} is in unknown channel `{}`", m.ts, m.channel)));
        }
        if !users.contains(m.user.as_str()) {
            return Err(bad(format!("message {} is by unknown user `{}`", m.ts, m.user)));
        }
        if wire::normalize_ts(&m.ts).as_deref() != Some(m.ts.as_str()) {
            return Err(bad(format!("message ts `{}` is not of the form 1700000000.000100", m.ts)));
        }
    }

    let mut tx = asym_store::begin_write(pool).await?;
    let t = &pack.team;
    workspace::insert_team(&mut *tx, &TeamRow { id: t.id.clone(), name: t.name.clone(), domain: t.domain.clone(), created: t.created })
        .await?;
    if let Some(mins) = t.msg_edit_window_mins {
        workspace::set_edit_window(&mut *tx, &t.id, mins).await?;
    }
    for u in &pack.users {
        let row = UserRow {
            id: u.id.clone(),
            team_id: t.id.clone(),
            name: u.name.clone(),
            real_name: u.real_name.clone(),
            display_name: u.display_name.clone(),
            email: Some(u.email.clone()),
            title: u.title.clone(),
            tz: u.tz.clone().unwrap_or_else(|| "America/Los_Angeles".into()),
            is_admin: u.is_admin,
            is_owner: u.is_owner,
            is_primary_owner: u.is_primary_owner,
            is_bot: false,
            bot_id: None,
            deleted: false,
            presence: "away".into(),
            updated: t.created,
        };
        workspace::insert_user(&mut *tx, &row, Some(&password_hash(&u.id, &pack.password))).await?;
    }
    for c in &pack.channels {
        let row = ChannelRow {
            id: c.id.clone(),
            team_id: t.id.clone(),
            name: Some(c.name.clone()),
            is_private: c.is_private,
            is_im: false,
            is_mpim: false,
            is_general: c.is_general,
            is_archived: c.is_archived,
            creator: c.creator.clone(),
            topic: c.topic.clone(),
            topic_creator: if c.topic.is_empty() { String::new() } else { c.creator.clone() },
            topic_last_set: if c.topic.is_empty() { 0 } else { t.created },
            purpose: c.purpose.clone(),
            purpose_creator: if c.purpose.is_empty() { String::new() } else { c.creator.clone() },
            purpose_last_set: if c.purpose.is_empty() { 0 } else { t.created },
            created: t.created,
            updated: t.created,
            num_members: 0,
        };
        channels::insert(&mut *tx, &row).await?;
        for m in &c.members {
            channels::add_member(&mut *tx, &c.id, m, t.created).await?;
        }
    }
    let mut sorted: Vec<&MessageSeed> = pack.messages.iter().collect();
    sorted.sort_by(|a, b| a.ts.cmp(&b.ts));
    for m in sorted {
        let row = MessageRow {
            channel_id: m.channel.clone(),
            ts: m.ts.clone(),
            user_id: Some(m.user.clone()),
            text: m.text.clone(),
            thread_ts: m.thread_ts.clone(),
            ..Default::default()
        };
        if !messages::insert(&mut *tx, &row).await? {
            return Err(bad(format!("two messages share ts `{}` in `{}`", m.ts, m.channel)));
        }
        if let Some(parent) = &m.thread_ts {
            if messages::get(&mut *tx, &m.channel, parent).await?.is_none() {
                return Err(bad(format!("reply {} points at missing parent {parent}", m.ts)));
            }
            messages::note_reply(&mut *tx, &m.channel, parent, &m.ts).await?;
        }
    }
    for (i, f) in pack.profile_fields.iter().enumerate() {
        if !f.id.starts_with("Xf") {
            return Err(bad(format!("profile field id `{}` must start with Xf", f.id)));
        }
        let row = crate::store::people::ProfileFieldRow {
            id: f.id.clone(),
            team_id: t.id.clone(),
            ordering: i as i64,
            field_name: f.field_name.clone(),
            label: f.label.clone(),
            hint: f.hint.clone(),
            kind: f.kind.clone(),
            possible_values: f.possible_values.as_ref().map(|v| serde_json::Value::from(v.clone()).to_string()),
            is_hidden: f.is_hidden,
            is_protected: f.is_protected,
            section_id: None,
        };
        crate::store::people::insert_profile_field(&mut *tx, &row).await?;
    }
    tx.commit().await?;
    Ok(BTreeMap::from([
        ("teams".to_string(), 1),
        ("users".to_string(), pack.users.len() as u64),
        ("channels".to_string(), pack.channels.len() as u64),
        ("messages".to_string(), pack.messages.len() as u64),
    ]))
}
