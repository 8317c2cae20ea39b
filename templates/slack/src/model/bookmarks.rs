//! Channel bookmarks (the links in a channel's header): add, edit, remove, list.
//! Only the `link` type exists through the Web API; a channel holds at most 100.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::ids;
use crate::model::auth::{Principal, TokenKind};
use crate::model::conversations;
use crate::store::bookmarks::{self, BookmarkRow};
use crate::store::channels::ChannelRow;
use crate::wire::{self, Args};

const MAX_BOOKMARKS: usize = 100;

pub fn render(b: &BookmarkRow) -> Value {
    json!({
        "id": b.id,
        "channel_id": b.channel_id,
        "title": b.title,
        "link": b.link,
        "emoji": b.emoji,
        "icon_url": b.icon_url,
        "type": b.kind,
        "entity_id": null,
        "date_created": b.date_created,
        "date_updated": b.date_updated,
        "rank": b.sort_rank,
        "last_updated_by_user_id": b.updated_by,
        "last_updated_by_team_id": b.team_id,
        "shortcut_id": null,
        "app_id": b.app_id,
    })
}

/// The channel named by `channel_id`, if the caller may see it; changing its
/// bookmarks (and a bot reading them) needs membership; archived channels are
/// read-only.
async fn channel(db: &Pool, who: &Principal, args: &Args, write: bool) -> SlackResult<ChannelRow> {
    let id = args.required("channel_id")?;
    let (c, member) = conversations::visible(db, who, &id).await?;
    if !member && (write || who.kind == TokenKind::Bot) {
        return Err(SlackError::NotInChannel);
    }
    if write && c.is_archived {
        return Err(SlackError::IsArchived);
    }
    Ok(c)
}

fn check_link(link: &str) -> SlackResult<()> {
    let rest = link.strip_prefix("https://").or_else(|| link.strip_prefix("http://")).ok_or(SlackError::Code("invalid_link"))?;
    if rest.is_empty() || rest.starts_with('/') || rest.contains(char::is_whitespace) {
        return Err(SlackError::Code("invalid_link"));
    }
    Ok(())
}

/// An emoji tag is `:name:` with Slack's emoji-name characters.
fn check_emoji(emoji: &str) -> SlackResult<()> {
    let name = emoji.strip_prefix(':').and_then(|e| e.strip_suffix(':')).ok_or(SlackError::Code("invalid_emoji"))?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '+' | '\'')) {
        return Err(SlackError::Code("invalid_emoji"));
    }
    Ok(())
}

/// The favicon Slack shows beside a link: the site's `/favicon.ico`.
fn icon_for(link: &str) -> Option<String> {
    let (scheme, rest) = link.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().filter(|h| !h.is_empty())?;
    Some(format!("{scheme}://{host}/favicon.ico"))
}

/// The rank after `last`: ranks compare as strings, so `z` is followed by `zg`.
fn next_rank(last: Option<&str>) -> String {
    match last {
        None => "g".into(),
        Some(r) => match r.chars().last() {
            Some(c) if c < 'z' => format!("{}{}", &r[..r.len() - 1], (c as u8 + 1) as char),
            _ => format!("{r}g"),
        },
    }
}

pub async fn add(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["bookmarks:write"])?;
    let c = channel(db, who, args, true).await?;
    let title = args.required("title")?;
    let kind = args.required("type")?;
    if kind != "link" {
        return Err(SlackError::Code("invalid_bookmark_type"));
    }
    let link = args.str("link").map(|l| l.trim().to_string()).unwrap_or_default();
    check_link(&link)?;
    let emoji = args.str("emoji");
    if let Some(e) = &emoji {
        check_emoji(e)?;
    }
    let mut tx = asym_store::begin_write(db).await?;
    let existing = bookmarks::list(&mut *tx, &c.id).await?;
    if existing.len() >= MAX_BOOKMARKS {
        return Err(SlackError::Code("too_many_bookmarks"));
    }
    let b = BookmarkRow {
        id: format!("Bk{}", &ids::random('B')[1..]),
        channel_id: c.id.clone(),
        team_id: who.team_id.clone(),
        title,
        icon_url: icon_for(&link),
        link,
        emoji,
        kind,
        sort_rank: next_rank(existing.last().map(|b| b.sort_rank.as_str())),
        date_created: wire::now_secs(),
        date_updated: 0,
        updated_by: who.user_id.clone(),
        app_id: who.app_id.clone().filter(|_| who.kind == TokenKind::Bot),
    };
    bookmarks::insert(&mut *tx, &b).await?;
    tx.commit().await?;
    Ok(json!({ "bookmark": render(&b) }))
}

pub async fn edit(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["bookmarks:write"])?;
    let c = channel(db, who, args, true).await?;
    let id = args.required("bookmark_id")?;
    let mut tx = asym_store::begin_write(db).await?;
    let mut b = bookmarks::get(&mut *tx, &c.id, &id).await?.ok_or(SlackError::Code("not_found"))?;
    if let Some(title) = args.str("title") {
        b.title = title;
    }
    if let Some(link) = args.str("link") {
        let link = link.trim().to_string();
        check_link(&link)?;
        b.icon_url = icon_for(&link);
        b.link = link;
    }
    if args.0.contains_key("emoji") {
        b.emoji = args.str("emoji");
        if let Some(e) = &b.emoji {
            check_emoji(e)?;
        }
    }
    b.date_updated = wire::now_secs();
    b.updated_by = who.user_id.clone();
    if who.kind == TokenKind::Bot {
        b.app_id = who.app_id.clone();
    }
    bookmarks::update(&mut *tx, &b).await?;
    tx.commit().await?;
    Ok(json!({ "bookmark": render(&b) }))
}

pub async fn remove(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["bookmarks:write"])?;
    let c = channel(db, who, args, true).await?;
    let id = args.required("bookmark_id")?;
    let mut tx = asym_store::begin_write(db).await?;
    bookmarks::get(&mut *tx, &c.id, &id).await?.ok_or(SlackError::Code("not_found"))?;
    bookmarks::delete(&mut *tx, &id).await?;
    tx.commit().await?;
    Ok(json!({}))
}

pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["bookmarks:read"])?;
    let c = channel(db, who, args, false).await?;
    let rows = bookmarks::list(db, &c.id).await?;
    Ok(json!({ "bookmarks": rows.iter().map(render).collect::<Vec<_>>() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_keep_string_order() {
        let mut r = next_rank(None);
        let mut seen = vec![r.clone()];
        for _ in 0..40 {
            r = next_rank(Some(&r));
            assert!(r > *seen.last().unwrap(), "{r} after {}", seen.last().unwrap());
            seen.push(r.clone());
        }
    }

    #[test]
    fn links_and_emoji_are_checked() {
        assert!(check_link("https://example.com/x").is_ok());
        assert!(check_link("ftp://example.com").is_err());
        assert!(check_link("https://").is_err());
        assert!(check_emoji(":clap:").is_ok());
        assert!(check_emoji("clap").is_err());
        assert_eq!(icon_for("https://example.com/a/b?c").as_deref(), Some("https://example.com/favicon.ico"));
    }
}
