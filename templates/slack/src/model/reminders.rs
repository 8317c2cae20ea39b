//! Reminders: reminders.add, .list, .info, .complete, .delete (user tokens only).
//! `time` takes Slack's forms: a Unix timestamp (up to five years ahead), a number
//! of seconds (up to a day), or words: `in 5 minutes`, `in an hour`, `tomorrow`,
//! `tomorrow at 3pm`, `at 17:30`, `today at noon`, `every day`, `every weekday`,
//! `every monday at 9am`, `every week|month|year`; anything else is
//! `cannot_parse`. Times of day are in the member's time zone. Reminders are kept
//! and listed; the clone does not post Slackbot's reminder message when one is due.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::ids;
use crate::model::auth::{Principal, TokenKind};
use crate::objects;
use crate::store::reminders::{self, ReminderRow};
use crate::store::workspace;
use crate::wire::{self, Args};

const DAY: i64 = 86_400;
const FIVE_YEARS: i64 = 5 * 365 * DAY;
const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
/// When a reminder given only a day fires (Slack's default: 9 in the morning).
const DEFAULT_HOUR: i64 = 9;

/// A `time` the clone cannot read (Slack's `cannot_parse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CannotParse;

/// A parsed `time`: when it is due next, and its rule if it repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct When {
    pub time: i64,
    pub recurrence: Option<Value>,
}

/// Seconds after local midnight for `3pm`, `3:30pm`, `15:00`, `9am`, `noon`, `midnight`.
fn time_of_day(s: &str) -> Option<i64> {
    let s = s.trim().replace(' ', "");
    match s.as_str() {
        "noon" => return Some(12 * 3600),
        "midnight" => return Some(0),
        _ => {}
    }
    let (body, meridiem) = if let Some(b) = s.strip_suffix("am") {
        (b, Some(false))
    } else if let Some(b) = s.strip_suffix("pm") {
        (b, Some(true))
    } else {
        (s.as_str(), None)
    };
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?),
        None => (body.parse::<i64>().ok()?, 0),
    };
    if !(0..60).contains(&m) {
        return None;
    }
    let h = match meridiem {
        Some(pm) if (1..=12).contains(&h) => (h % 12) + if pm { 12 } else { 0 },
        Some(_) => return None,
        None if (0..24).contains(&h) && body.contains(':') => h,
        None => return None,
    };
    Some(h * 3600 + m * 60)
}

fn unit_seconds(unit: &str) -> Option<i64> {
    Some(match unit.trim_end_matches('.') {
        "second" | "seconds" | "sec" | "secs" | "s" => 1,
        "minute" | "minutes" | "min" | "mins" | "m" => 60,
        "hour" | "hours" | "hr" | "hrs" | "h" => 3600,
        "day" | "days" | "d" => DAY,
        "week" | "weeks" | "wk" | "wks" | "w" => 7 * DAY,
        _ => return None,
    })
}

/// Splits `… at <time>` off a phrase.
fn split_at(s: &str) -> Result<(&str, Option<i64>), CannotParse> {
    match s.split_once(" at ") {
        Some((head, t)) => Ok((head.trim(), Some(time_of_day(t).ok_or(CannotParse)?))),
        None => Ok((s.trim(), None)),
    }
}

/// Reads Slack's `time` argument at `now` for a member `offset` seconds east of UTC.
pub fn parse_time(input: &str, now: i64, offset: i64) -> Result<When, CannotParse> {
    let s = input.trim().trim_end_matches(['.', ',']).to_lowercase();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let once = |time: i64| Ok(When { time, recurrence: None });
    if let Ok(n) = s.parse::<f64>() {
        let n = n as i64;
        return if n > 0 && n <= DAY {
            once(now + n)
        } else if n > now && n <= now + FIVE_YEARS {
            once(n)
        } else {
            Err(CannotParse)
        };
    }
    let local_midnight = |days: i64| {
        let local = now + offset;
        local - local.rem_euclid(DAY) + days * DAY - offset
    };
    if let Some(rest) = s.strip_prefix("in ") {
        let mut words = rest.split(' ');
        let (n, unit) = match (words.next(), words.next(), words.next()) {
            (Some("a" | "an" | "one"), Some(u), None) => (1, u),
            (Some(n), Some(u), None) => (n.parse::<i64>().map_err(|_| CannotParse)?, u),
            (Some(nu), None, None) => {
                let split = nu.find(|c: char| !c.is_ascii_digit()).ok_or(CannotParse)?;
                (nu[..split].parse::<i64>().map_err(|_| CannotParse)?, &nu[split..])
            }
            _ => return Err(CannotParse),
        };
        let secs = n.checked_mul(unit_seconds(unit).ok_or(CannotParse)?).ok_or(CannotParse)?;
        return if secs > 0 && secs <= FIVE_YEARS { once(now + secs) } else { Err(CannotParse) };
    }
    if let Some(rest) = s.strip_prefix("every ") {
        let (head, at) = split_at(rest)?;
        let secs = at.unwrap_or(DEFAULT_HOUR * 3600);
        let local = now + offset;
        // Monday is weekday 0; 1970-01-01 was a Thursday.
        let today = (local.div_euclid(DAY) + 3).rem_euclid(7);
        let (recurrence, days): (Value, Vec<i64>) = match head {
            "day" | "daily" => (json!({ "frequency": "daily" }), (0..7).collect()),
            "weekday" => (json!({ "frequency": "weekly", "weekdays": WEEKDAYS[..5] }), (0..5).collect()),
            "week" => (json!({ "frequency": "weekly", "weekdays": [WEEKDAYS[today as usize]] }), vec![today]),
            "month" => (json!({ "frequency": "monthly" }), (0..7).collect()),
            "year" => (json!({ "frequency": "yearly" }), (0..7).collect()),
            day => {
                let d = WEEKDAYS.iter().position(|w| *w == day || w[..3] == *day).ok_or(CannotParse)? as i64;
                (json!({ "frequency": "weekly", "weekdays": [WEEKDAYS[d as usize]] }), vec![d])
            }
        };
        let next = (0..8)
            .map(|ahead| (ahead, local_midnight(ahead) + secs))
            .find(|(ahead, t)| *t > now && days.contains(&((today + ahead) % 7)))
            .map(|(_, t)| t)
            .ok_or(CannotParse)?;
        return Ok(When { time: next, recurrence: Some(recurrence) });
    }
    let (head, at) = split_at(&s)?;
    let (head, at) = match head.strip_prefix("at ") {
        Some(t) if at.is_none() => ("", Some(time_of_day(t).ok_or(CannotParse)?)),
        _ => (head, at),
    };
    match head {
        "tomorrow" => once(local_midnight(1) + at.unwrap_or(DEFAULT_HOUR * 3600)),
        "today" | "tonight" => {
            let t = local_midnight(0) + at.unwrap_or(if head == "tonight" { 20 * 3600 } else { DEFAULT_HOUR * 3600 });
            if t > now { once(t) } else { Err(CannotParse) }
        }
        // `at 5pm`: the next 5pm.
        "" => {
            let secs = at.ok_or(CannotParse)?;
            let t = local_midnight(0) + secs;
            once(if t > now { t } else { t + DAY })
        }
        _ => {
            let t = local_midnight(0) + time_of_day(head).ok_or(CannotParse)?;
            once(if t > now { t } else { t + DAY })
        }
    }
}

/// Reads the `recurrence` argument (`{"frequency": "weekly", "weekdays": [...]}`).
fn recurrence_arg(args: &Args) -> SlackResult<Option<Value>> {
    let bad = |m: &str| SlackError::InvalidArguments { messages: vec![format!("[ERROR] {m} [json-pointer:/recurrence]")] };
    let Some(v) = args.json("recurrence").map_err(|_| bad("must be an object"))? else {
        return Ok(None);
    };
    let frequency = v.get("frequency").and_then(Value::as_str).ok_or_else(|| bad("frequency is required"))?;
    match frequency {
        "daily" | "monthly" | "yearly" => Ok(Some(json!({ "frequency": frequency }))),
        "weekly" => {
            let days: Vec<&str> =
                v.get("weekdays").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            if days.is_empty() || days.iter().any(|d| !WEEKDAYS.contains(d)) {
                return Err(bad("weekly recurrence needs weekdays"));
            }
            Ok(Some(json!({ "frequency": "weekly", "weekdays": days })))
        }
        _ => Err(bad("frequency must be daily, weekly, monthly or yearly")),
    }
}

fn render(r: &ReminderRow) -> Value {
    let mut v = json!({
        "id": r.id,
        "creator": r.creator,
        "user": r.user_id,
        "text": r.text,
        "recurring": r.recurrence.is_some(),
    });
    match r.recurrence.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()) {
        Some(rule) => v["recurrence"] = rule,
        None => {
            v["time"] = json!(r.time);
            v["complete_ts"] = json!(r.complete_ts);
        }
    }
    v
}

fn user_only(who: &Principal) -> SlackResult<()> {
    if who.kind == TokenKind::Bot { Err(SlackError::Code("not_allowed_token_type")) } else { Ok(()) }
}

pub async fn add(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["reminders:write"])?;
    let text = args.required("text")?;
    let time = args.required("time")?;
    let me = workspace::user(db, &who.user_id).await?.ok_or(SlackError::InvalidAuth)?;
    if let Some(target) = args.str("user").filter(|u| *u != who.user_id) {
        if target == "USLACKBOT" {
            return Err(SlackError::Code("cannot_add_slackbot"));
        }
        let u = workspace::user(db, &target).await?.filter(|u| u.team_id == who.team_id).ok_or(SlackError::UserNotFound)?;
        if u.is_bot {
            return Err(SlackError::Code("cannot_add_bot"));
        }
        // Reminders for other members are no longer supported by Slack.
        return Err(SlackError::Code("cannot_add_others"));
    }
    let when = parse_time(&time, wire::now_secs(), objects::tz_offset(&me.tz)).map_err(|_| SlackError::Code("cannot_parse"))?;
    let recurrence = match recurrence_arg(args)? {
        Some(r) => Some(r),
        None => when.recurrence,
    };
    let now_us = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
    let row = ReminderRow {
        id: format!("Rm{}", &ids::random('R')[1..]),
        team_id: who.team_id.clone(),
        creator: who.user_id.clone(),
        user_id: who.user_id.clone(),
        text,
        time: if recurrence.is_some() { 0 } else { when.time },
        complete_ts: 0,
        recurrence: recurrence.map(|r| r.to_string()),
        created_us: now_us,
    };
    let mut tx = asym_store::begin_write(db).await?;
    reminders::insert(&mut *tx, &row).await?;
    tx.commit().await?;
    Ok(json!({ "reminder": render(&row) }))
}

pub async fn list(db: &Pool, who: &Principal) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["reminders:read"])?;
    let rows = reminders::of_user(db, &who.user_id).await?;
    Ok(json!({ "reminders": rows.iter().map(render).collect::<Vec<_>>() }))
}

/// The reminder `reminder` names, if the caller created it or it is for them.
async fn mine(db: &Pool, who: &Principal, args: &Args) -> SlackResult<ReminderRow> {
    let id = args.str("reminder").ok_or(SlackError::Code("not_found"))?;
    reminders::get(db, &id)
        .await?
        .filter(|r| r.team_id == who.team_id && (r.user_id == who.user_id || r.creator == who.user_id))
        .ok_or(SlackError::Code("not_found"))
}

pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["reminders:read"])?;
    let r = mine(db, who, args).await?;
    Ok(json!({ "reminder": render(&r) }))
}

pub async fn complete(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["reminders:write"])?;
    let r = mine(db, who, args).await?;
    if r.recurrence.is_some() {
        return Err(SlackError::Code("cannot_complete_recurring"));
    }
    if r.user_id != who.user_id {
        return Err(SlackError::Code("cannot_complete_others"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    reminders::complete(&mut *tx, &r.id, wire::now_secs()).await?;
    tx.commit().await?;
    Ok(json!({}))
}

pub async fn delete(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    user_only(who)?;
    who.require_any(&["reminders:write"])?;
    let r = mine(db, who, args).await?;
    let mut tx = asym_store::begin_write(db).await?;
    if !reminders::delete(&mut *tx, &r.id).await? {
        return Err(SlackError::Code("not_found"));
    }
    tx.commit().await?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2024-01-04 12:00:00 UTC, a Thursday.
    const NOW: i64 = 1_704_369_600;

    #[test]
    fn numbers_are_timestamps_or_seconds() {
        assert_eq!(parse_time("300", NOW, 0).unwrap().time, NOW + 300);
        assert_eq!(parse_time(&(NOW + 7 * DAY).to_string(), NOW, 0).unwrap().time, NOW + 7 * DAY);
        assert!(parse_time(&(NOW - 10).to_string(), NOW, 0).is_err(), "the past");
        assert!(parse_time(&(NOW + 6 * 365 * DAY).to_string(), NOW, 0).is_err(), "more than five years ahead");
    }

    #[test]
    fn relative_phrases() {
        assert_eq!(parse_time("in 5 minutes", NOW, 0).unwrap().time, NOW + 300);
        assert_eq!(parse_time("In an hour.", NOW, 0).unwrap().time, NOW + 3600);
        assert_eq!(parse_time("in 2 days", NOW, 0).unwrap().time, NOW + 2 * DAY);
        assert_eq!(parse_time("in 15m", NOW, 0).unwrap().time, NOW + 900);
        assert!(parse_time("in a fortnight", NOW, 0).is_err());
    }

    #[test]
    fn days_and_times_are_local() {
        const MIDNIGHT: i64 = 1_704_326_400;
        assert_eq!(parse_time("tomorrow", NOW, 0).unwrap().time, MIDNIGHT + DAY + 9 * 3600);
        // New York is five hours behind UTC: 09:00 there is 14:00 UTC.
        assert_eq!(parse_time("tomorrow", NOW, -18_000).unwrap().time, MIDNIGHT + DAY + 14 * 3600);
        assert_eq!(parse_time("tomorrow at 3:30pm", NOW, 0).unwrap().time, MIDNIGHT + DAY + 15 * 3600 + 1800);
        assert_eq!(parse_time("at 5pm", NOW, 0).unwrap().time, MIDNIGHT + 17 * 3600);
        assert_eq!(parse_time("at 9am", NOW, 0).unwrap().time, MIDNIGHT + DAY + 9 * 3600, "9am has passed: tomorrow's");
        assert!(parse_time("today at 8am", NOW, 0).is_err());
        assert!(parse_time("whenever", NOW, 0).is_err());
        assert!(parse_time("tomorrow at 25:00", NOW, 0).is_err());
    }

    #[test]
    fn every_phrases_repeat() {
        const MIDNIGHT: i64 = 1_704_326_400;
        let w = parse_time("every Monday", NOW, 0).unwrap();
        assert_eq!(w.time, MIDNIGHT + 4 * DAY + 9 * 3600);
        assert_eq!(w.recurrence.unwrap(), json!({ "frequency": "weekly", "weekdays": ["monday"] }));
        let w = parse_time("every day at 13:00", NOW, 0).unwrap();
        assert_eq!(w.time, MIDNIGHT + 13 * 3600);
        assert_eq!(w.recurrence.unwrap(), json!({ "frequency": "daily" }));
        assert_eq!(parse_time("every weekday", NOW, 0).unwrap().recurrence.unwrap()["weekdays"].as_array().unwrap().len(), 5);
        assert!(parse_time("every blue moon", NOW, 0).is_err());
    }
}
