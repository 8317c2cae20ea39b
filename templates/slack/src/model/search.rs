//! search.messages: Slack's query language over the messages a member can see.
//!
//! Free words match whole words (with plain English endings: `deploy` finds
//! `deploys`, `deployed`; `deplo*` is a prefix), `"quoted phrases"` match word
//! runs, `-word` excludes. Modifiers: `in:#channel` / `in:<#C…>` / `in:@user`
//! (the DM with them), `from:@name` / `from:<@U…>` / `from:me`, `has:link`,
//! `has:reaction`, `has::emoji:`, `has:pin`, `has:star` / `is:saved` (the
//! searcher's saved items), `is:thread`, and dates
//! `before:` / `after:` / `on:` (YYYY-MM-DD, `today`, `yesterday`) and
//! `during:` (YYYY-MM-DD, YYYY-MM or YYYY), read in UTC.

use std::collections::{HashMap, HashSet};

use asym_store::Pool;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::{Principal, TokenKind};
use crate::objects;
use crate::store::channels::{self, ChannelRow};
use crate::store::messages::MessageRow;
use crate::store::{search, workspace};
use crate::wire::{self, Args};

/// How many of the newest visible messages a query looks through.
const SCAN_LIMIT: i64 = 10_000;
const DEFAULT_COUNT: i64 = 20;
const MAX_COUNT: i64 = 100;
const MAX_PAGE: i64 = 100;
const HL_START: char = '\u{e000}';
const HL_END: char = '\u{e001}';

/// A parsed query.
#[derive(Debug, Default, PartialEq)]
pub struct Query {
    pub terms: Vec<String>,
    pub phrases: Vec<Vec<String>>,
    pub excluded: Vec<String>,
    pub in_targets: Vec<String>,
    pub from_targets: Vec<String>,
    /// `to:` people: messages sent to them in a DM or group DM.
    pub to_targets: Vec<String>,
    pub has_link: bool,
    pub has_reaction: bool,
    pub has_pin: bool,
    pub has_emoji: Vec<String>,
    /// `has:star` / `is:saved`: messages the searcher saved (stars.add).
    pub saved: bool,
    pub is_thread: bool,
    /// Unix-seconds bounds: oldest inclusive, latest exclusive.
    pub oldest: Option<i64>,
    pub latest: Option<i64>,
    /// A date that could not be read: nothing matches, as in Slack.
    pub impossible: bool,
}

/// Splits a query into tokens, keeping `"quoted phrases"` whole (with quotes).
fn tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' | '\u{201c}' | '\u{201d}' => {
                if quoted {
                    out.push(format!("\"{cur}\""));
                    cur.clear();
                    quoted = false;
                } else {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    quoted = true;
                }
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(if quoted { format!("\"{cur}\"") } else { cur });
    }
    out
}

/// The words of a text, lowercased (letters, digits, `_` and inner apostrophes).
fn words(text: &str) -> Vec<String> {
    word_spans(text).into_iter().map(|(a, b)| text[a..b].to_lowercase()).collect()
}

/// Byte spans of the words of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let inner = c.is_alphanumeric() || c == '_';
        match (inner, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

fn stem(w: &str) -> &str {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(base) = w.strip_suffix(suffix)
            && base.chars().count() >= 3
        {
            return base;
        }
    }
    w
}

fn word_matches(word: &str, term: &str) -> bool {
    match term.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == term || stem(word) == stem(term),
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A date as [start, end) Unix seconds: `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, `today`, `yesterday`.
fn date_range(s: &str, now: i64) -> Option<(i64, i64)> {
    const DAY: i64 = 86_400;
    let today = now.div_euclid(DAY) * DAY;
    match s {
        "today" => return Some((today, today + DAY)),
        "yesterday" => return Some((today - DAY, today)),
        _ => {}
    }
    let parts: Vec<&str> = s.split('-').collect();
    let num = |p: &str, len: usize| (p.len() == len && p.chars().all(|c| c.is_ascii_digit())).then(|| p.parse::<i64>().ok()).flatten();
    match parts.as_slice() {
        [y] => {
            let y = num(y, 4)?;
            Some((days_from_civil(y, 1, 1) * DAY, days_from_civil(y + 1, 1, 1) * DAY))
        }
        [y, m] => {
            let (y, m) = (num(y, 4)?, num(m, 2)?);
            if !(1..=12).contains(&m) {
                return None;
            }
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Some((days_from_civil(y, m, 1) * DAY, days_from_civil(ny, nm, 1) * DAY))
        }
        [y, m, d] => {
            let (y, m, d) = (num(y, 4)?, num(m, 2)?, num(d, 2)?);
            if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
                return None;
            }
            let start = days_from_civil(y, m, d) * DAY;
            Some((start, start + DAY))
        }
        _ => None,
    }
}

pub fn parse(q: &str, now: i64) -> Query {
    let mut out = Query::default();
    let narrow = |out: &mut Query, oldest: Option<i64>, latest: Option<i64>| {
        if let Some(o) = oldest {
            out.oldest = Some(out.oldest.map_or(o, |x| x.max(o)));
        }
        if let Some(l) = latest {
            out.latest = Some(out.latest.map_or(l, |x| x.min(l)));
        }
    };
    for tok in tokens(q) {
        if let Some(phrase) = tok.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            let ws = words(phrase);
            if !ws.is_empty() {
                out.phrases.push(ws);
            }
            continue;
        }
        let lower = tok.to_lowercase();
        if let Some((key, value)) = tok.split_once(':')
            && !value.is_empty()
        {
            let key = key.to_lowercase();
            let date = || date_range(&value.to_lowercase(), now);
            match key.as_str() {
                "in" => {
                    out.in_targets.push(value.to_string());
                    continue;
                }
                "from" => {
                    out.from_targets.push(value.to_string());
                    continue;
                }
                "to" => {
                    out.to_targets.push(value.to_string());
                    continue;
                }
                "has" => {
                    match value.to_lowercase().as_str() {
                        "link" => out.has_link = true,
                        "reaction" => out.has_reaction = true,
                        "pin" => out.has_pin = true,
                        "star" => out.saved = true,
                        v if v.len() > 2 && v.starts_with(':') && v.ends_with(':') => {
                            match crate::model::reactions::emoji_name(Some(v.to_string())) {
                                Ok(name) => out.has_emoji.push(name),
                                Err(_) => out.impossible = true,
                            }
                        }
                        _ => out.impossible = true,
                    }
                    continue;
                }
                "is" if value.eq_ignore_ascii_case("thread") => {
                    out.is_thread = true;
                    continue;
                }
                "is" if value.eq_ignore_ascii_case("saved") || value.eq_ignore_ascii_case("starred") => {
                    out.saved = true;
                    continue;
                }
                "before" => {
                    match date() {
                        Some((start, _)) => narrow(&mut out, None, Some(start)),
                        None => out.impossible = true,
                    }
                    continue;
                }
                "after" => {
                    match date() {
                        Some((_, end)) => narrow(&mut out, Some(end), None),
                        None => out.impossible = true,
                    }
                    continue;
                }
                "on" | "during" => {
                    match date() {
                        Some((start, end)) => narrow(&mut out, Some(start), Some(end)),
                        None => out.impossible = true,
                    }
                    continue;
                }
                _ => {}
            }
        }
        if let Some(neg) = lower.strip_prefix('-')
            && !neg.is_empty()
        {
            out.excluded.extend(words(neg));
            continue;
        }
        let star = lower.ends_with('*');
        let mut ws = words(&lower);
        if star && let Some(last) = ws.last_mut() {
            last.push('*');
        }
        if ws.len() > 1 && !star {
            // `foo-bar` or `foo.bar` is searched as the phrase it spells.
            out.phrases.push(ws);
        } else {
            out.terms.extend(ws);
        }
    }
    out
}

/// The text a message is searched by: its text and its attachments' text.
fn searchable(m: &MessageRow) -> String {
    let mut s = m.text.clone();
    if let Some(a) = m.attachments.as_deref().and_then(|a| serde_json::from_str::<Value>(a).ok())
        && let Some(items) = a.as_array()
    {
        for item in items {
            for key in ["pretext", "title", "text", "fallback"] {
                if let Some(t) = item.get(key).and_then(Value::as_str) {
                    s.push('\n');
                    s.push_str(t);
                }
            }
        }
    }
    s
}

fn has_link(m: &MessageRow) -> bool {
    let t = searchable(m);
    t.contains("http://") || t.contains("https://")
}

fn reaction_names(m: &MessageRow) -> Vec<String> {
    m.reactions
        .as_deref()
        .and_then(|r| serde_json::from_str::<Value>(r).ok())
        .and_then(|v| v.as_array().map(|a| a.iter().filter_map(|r| r.get("name").and_then(Value::as_str).map(String::from)).collect()))
        .unwrap_or_default()
}

/// The message's score for the query's words, or None when it does not match.
fn score(q: &Query, ws: &[String]) -> Option<f64> {
    let mut score = 0.0;
    for t in &q.terms {
        let hits = ws.iter().filter(|w| word_matches(w, t)).count();
        if hits == 0 {
            return None;
        }
        score += hits as f64;
    }
    for p in &q.phrases {
        let hits = ws.windows(p.len()).filter(|win| win.iter().zip(p).all(|(w, t)| word_matches(w, t))).count();
        if hits == 0 {
            return None;
        }
        score += 2.0 * hits as f64;
    }
    if q.excluded.iter().any(|x| ws.iter().any(|w| word_matches(w, x))) {
        return None;
    }
    Some(score)
}

/// `text` with the query's words wrapped in Slack's highlight markers.
fn highlight(q: &Query, text: &str) -> String {
    let wanted: Vec<&String> = q.terms.iter().chain(q.phrases.iter().flatten()).collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut last = 0;
    for (a, b) in word_spans(text) {
        let w = text[a..b].to_lowercase();
        if wanted.iter().any(|t| word_matches(&w, t)) {
            out.push_str(&text[last..a]);
            out.push(HL_START);
            out.push_str(&text[a..b]);
            out.push(HL_END);
            last = b;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Strips Slack's `<#C…|name>` / `<@U…|name>` wrapping: (id, label).
fn unwrap_ref(v: &str, sigil: char) -> Option<String> {
    let inner = v.strip_prefix('<')?.strip_suffix('>')?.strip_prefix(sigil)?;
    Some(inner.split('|').next().unwrap_or(inner).to_string())
}

/// `from:` targets as user ids (None: a name no member has).
async fn resolve_user(db: &Pool, who: &Principal, v: &str) -> SlackResult<Option<String>> {
    if v.eq_ignore_ascii_case("me") || v.eq_ignore_ascii_case("@me") {
        return Ok(Some(who.user_id.clone()));
    }
    if let Some(id) = unwrap_ref(v, '@') {
        return Ok(Some(id));
    }
    let name = v.trim_start_matches('@');
    if let Some(u) = workspace::user(db, name).await?.filter(|u| u.team_id == who.team_id) {
        return Ok(Some(u.id));
    }
    Ok(workspace::user_by_name(db, &who.team_id, name).await?.map(|u| u.id))
}

/// `in:` targets as channel ids.
async fn resolve_channel(db: &Pool, who: &Principal, v: &str) -> SlackResult<Vec<String>> {
    if let Some(id) = unwrap_ref(v, '#') {
        return Ok(vec![id]);
    }
    if v.starts_with('@') || v.starts_with("<@") {
        return match resolve_user(db, who, v).await? {
            Some(u) => Ok(search::im_between(db, &who.team_id, &who.user_id, &u).await?),
            None => Ok(Vec::new()),
        };
    }
    let name = v.trim_start_matches('#').to_lowercase();
    if let Some(c) = channels::get(db, v).await?.filter(|c| c.team_id == who.team_id) {
        return Ok(vec![c.id]);
    }
    Ok(search::channel_by_name(db, &who.team_id, &name).await?.into_iter().collect())
}

fn iid(channel: &str, ts: &str) -> String {
    let h = hex::encode(Sha256::digest(format!("{channel}/{ts}").as_bytes()));
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The channel object of a search match.
fn match_channel(c: &ChannelRow, peer: Option<&str>) -> Value {
    let name = if c.is_im { peer.unwrap_or_default().to_string() } else { c.name.clone().unwrap_or_default() };
    json!({
        "id": c.id,
        "is_channel": !c.is_private && !c.is_im && !c.is_mpim,
        "is_group": c.is_private && !c.is_mpim && !c.is_im,
        "is_im": c.is_im,
        "is_mpim": c.is_mpim,
        "is_shared": false,
        "is_org_shared": false,
        "is_ext_shared": false,
        "is_private": c.is_private || c.is_im || c.is_mpim,
        "is_pending_ext_shared": false,
        "pending_shared": [],
        "name": name,
    })
}

pub async fn messages(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    if who.kind == TokenKind::Bot {
        return Err(SlackError::Code("not_allowed_token_type"));
    }
    who.require_any(&["search:read"])?;
    let query = args.required("query")?;
    let count = match args.int("count")? {
        Some(n) if n >= 1 => n.min(MAX_COUNT),
        _ => DEFAULT_COUNT,
    };
    let page = match args.int("page")? {
        Some(n) if n >= 1 => n.min(MAX_PAGE),
        _ => 1,
    };
    let by_time = match args.str("sort").as_deref() {
        None | Some("score") => false,
        Some("timestamp") => true,
        Some(_) => return Err(SlackError::InvalidArguments { messages: vec!["[ERROR] sort must be score or timestamp".into()] }),
    };
    let ascending = match args.str("sort_dir").as_deref() {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(_) => return Err(SlackError::InvalidArguments { messages: vec!["[ERROR] sort_dir must be asc or desc".into()] }),
    };
    let hl = args.bool("highlight").unwrap_or(false);
    let now = wire::now_secs();
    let q = parse(&query, now);

    let mut channel_filter: Option<HashSet<String>> = None;
    for t in &q.in_targets {
        channel_filter.get_or_insert_with(HashSet::new).extend(resolve_channel(db, who, t).await?);
    }
    let mut user_filter: Option<HashSet<String>> = None;
    for t in &q.from_targets {
        let set = user_filter.get_or_insert_with(HashSet::new);
        if let Some(u) = resolve_user(db, who, t).await? {
            set.insert(u);
        }
    }
    let mut recipients: Vec<Option<String>> = Vec::new();
    for t in &q.to_targets {
        recipients.push(resolve_user(db, who, t).await?);
    }
    // Whether each DM or group DM of the candidates includes each recipient.
    let mut dm_members: HashMap<String, Option<HashSet<String>>> = HashMap::new();
    let oldest = q.oldest.map(|s| format!("{:010}.000000", s.max(0))).unwrap_or_else(|| "0000000000.000000".into());
    let latest = q.latest.map(|s| format!("{:010}.000000", s.max(0))).unwrap_or_else(|| "9999999999.999999".into());
    let saved: HashSet<(String, String)> =
        if q.saved { crate::store::stars::saved_messages(db, &who.user_id).await?.into_iter().collect() } else { HashSet::new() };
    let rows =
        if q.impossible { Vec::new() } else { search::candidates(db, &who.team_id, &who.user_id, &oldest, &latest, SCAN_LIMIT).await? };

    let mut hits: Vec<(f64, MessageRow)> = Vec::new();
    for m in rows {
        if channel_filter.as_ref().is_some_and(|f| !f.contains(&m.channel_id)) {
            continue;
        }
        if user_filter.as_ref().is_some_and(|f| !m.user_id.as_ref().is_some_and(|u| f.contains(u))) {
            continue;
        }
        if !recipients.is_empty() {
            if !dm_members.contains_key(&m.channel_id) {
                let c = channels::get(db, &m.channel_id).await?;
                let members = match c {
                    Some(c) if c.is_im || c.is_mpim => {
                        Some(crate::store::conversations::members_page(db, &c.id, "", 100).await?.into_iter().collect::<HashSet<_>>())
                    }
                    _ => None,
                };
                dm_members.insert(m.channel_id.clone(), members);
            }
            let sent_to = |r: &Option<String>| match (r, &dm_members[&m.channel_id]) {
                (Some(u), Some(members)) => members.contains(u) && m.user_id.as_deref() != Some(u.as_str()),
                _ => false,
            };
            if !recipients.iter().all(sent_to) {
                continue;
            }
        }
        if q.has_link && !has_link(&m) {
            continue;
        }
        let reactions = reaction_names(&m);
        if q.has_reaction && reactions.is_empty() {
            continue;
        }
        // `has::+1:` finds every skin tone of the emoji; `has::+1::skin-tone-2:` only that one.
        if q.has_emoji.iter().any(|e| !reactions.iter().any(|r| r == e || r.strip_prefix(e.as_str()).is_some_and(|t| t.starts_with("::"))))
        {
            continue;
        }
        if q.has_pin && m.pinned_at.is_none() {
            continue;
        }
        if q.saved && !saved.contains(&(m.channel_id.clone(), m.ts.clone())) {
            continue;
        }
        if q.is_thread && m.thread_ts.is_none() {
            continue;
        }
        let ws = words(&searchable(&m));
        if let Some(s) = score(&q, &ws) {
            hits.push((s, m));
        }
    }
    hits.sort_by(|(sa, a), (sb, b)| {
        let ord = if by_time { a.ts.cmp(&b.ts) } else { sa.total_cmp(sb).then_with(|| a.ts.cmp(&b.ts)) };
        if ascending { ord } else { ord.reverse() }
    });

    let total = hits.len() as i64;
    let pages = (total + count - 1) / count;
    let skip = ((page - 1) * count) as usize;
    let team = workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    let mut chans: HashMap<String, Value> = HashMap::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut matches = Vec::new();
    for (s, m) in hits.iter().skip(skip).take(count as usize) {
        if !chans.contains_key(&m.channel_id) {
            let c = channels::get(db, &m.channel_id).await?.ok_or(SlackError::ChannelNotFound)?;
            let peer = if c.is_im { channels::im_peer(db, &c.id, &who.user_id).await? } else { None };
            chans.insert(c.id.clone(), match_channel(&c, peer.as_deref()));
        }
        let username = match (&m.username, &m.user_id) {
            (Some(n), _) => n.clone(),
            (None, Some(u)) => match names.get(u) {
                Some(n) => n.clone(),
                None => {
                    let n = workspace::user(db, u).await?.map(|u| u.name).unwrap_or_default();
                    names.insert(u.clone(), n.clone());
                    n
                }
            },
            (None, None) => String::new(),
        };
        let mut permalink = format!("https://{}.slack.com/archives/{}/p{}", team.domain, m.channel_id, m.ts.replace('.', ""));
        if let Some(t) = m.thread_ts.as_ref().filter(|t| **t != m.ts) {
            permalink.push_str(&format!("?thread_ts={t}&cid={}", m.channel_id));
        }
        let mut v = json!({
            "iid": iid(&m.channel_id, &m.ts),
            "team": who.team_id,
            "score": s,
            "channel": chans[&m.channel_id],
            "type": "message",
            "user": m.user_id,
            "username": username,
            "ts": m.ts,
            "text": if hl { highlight(&q, &m.text) } else { m.text.clone() },
            "permalink": permalink,
        });
        if let Some(b) = m.blocks.as_deref().and_then(|b| serde_json::from_str::<Value>(b).ok()) {
            v["blocks"] = b;
        }
        if let Some(a) = m.attachments.as_deref().and_then(|a| serde_json::from_str::<Value>(a).ok()) {
            v["attachments"] = a;
        }
        match objects::reactions(m, false) {
            Some(r) => v["reactions"] = r,
            None => v["no_reactions"] = json!(true),
        }
        matches.push(v);
    }
    let first = if total == 0 { 0 } else { (skip as i64 + 1).min(total) };
    let last = (page * count).min(total);
    Ok(json!({
        "query": query,
        "messages": {
            "matches": matches,
            "pagination": {
                "total_count": total,
                "page": page,
                "per_page": count,
                "page_count": pages,
                "first": first,
                "last": last,
            },
            "paging": { "count": count, "total": total, "page": page, "pages": pages },
            "total": total,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modifiers_words_and_phrases() {
        let q = parse(r#"deploy "release train" -flaky in:#eng from:<@U1> has:link has::tada: has::thumbsup: is:thread"#, 0);
        assert_eq!(q.terms, vec!["deploy"]);
        assert_eq!(q.phrases, vec![vec!["release".to_string(), "train".to_string()]]);
        assert_eq!(q.excluded, vec!["flaky"]);
        assert_eq!(q.in_targets, vec!["#eng"]);
        assert_eq!(q.from_targets, vec!["<@U1>"]);
        assert_eq!(parse("to:@dana hello", 0).to_targets, vec!["@dana"]);
        assert!(q.has_link && q.is_thread && !q.has_pin);
        assert_eq!(q.has_emoji, vec!["tada", "+1"]);
    }

    #[test]
    fn dates_bound_the_range() {
        let q = parse("after:2024-01-01 before:2024-02-01", 0);
        assert_eq!(q.oldest, Some(1_704_153_600));
        assert_eq!(q.latest, Some(1_706_745_600));
        let d = parse("during:2024-02", 0);
        assert_eq!((d.oldest, d.latest), (Some(1_706_745_600), Some(1_709_251_200)));
        assert!(parse("on:2024-13-01", 0).impossible);
    }

    #[test]
    fn words_match_with_endings_and_prefixes() {
        assert!(word_matches("deploys", "deploy"));
        assert!(word_matches("deployed", "deploy"));
        assert!(word_matches("deployment", "deplo*"));
        assert!(!word_matches("redeploy", "deploy"));
        let q = parse("roadmap", 0);
        assert_eq!(highlight(&q, "Q1 Roadmap review"), "Q1 \u{e000}Roadmap\u{e001} review");
    }
}
