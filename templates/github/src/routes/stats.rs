//! Repository statistics (`/stats/*`), computed at once from the default
//! branch's history: the clone answers 200 with the figures where GitHub may
//! first answer 202 while it computes, and 204 for an empty repository.

use axum::extract::Path;
use serde_json::{Value, json};

use super::{Cx, Handler, RepoPath, json as ok, no_content};
use crate::model::access;
use crate::model::content;
use crate::model::stats::{self, Entry};
use crate::objects;
use crate::store::repos::RepoRow;
use crate::wire::now;

async fn history(cx: &Cx, owner: &str, repo: &str, with_changes: bool) -> crate::errors::GhResult<(RepoRow, Option<Vec<Entry>>)> {
    let (r, _) = access::repo(&cx.db, &cx.caller, owner, repo).await?;
    let mut conn = cx.db.acquire().await?;
    let h = stats::history(&mut conn, &r, with_changes).await?;
    Ok((r, h))
}

/// `GET /repos/{o}/{r}/stats/contributors`: authors GitHub knows as users.
pub async fn contributors(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (_, Some(h)) = history(&cx, &owner, &repo, true).await? else { return Ok(no_content()) };
    let mut conn = cx.db.acquire().await?;
    let people = content::people_by_email(&mut conn).await?;
    let mut items = Vec::new();
    for (email, total, weeks) in stats::contributors(&h) {
        let Some(a) = people.get(&email) else { continue };
        items.push(json!({
            "author": objects::user_ref(&cx.base, a),
            "total": total,
            "weeks": weeks.iter().map(|(w, a, d, c)| json!({ "w": w, "a": a, "d": d, "c": c })).collect::<Vec<_>>(),
        }));
    }
    Ok(ok(Value::Array(items)))
}

/// `GET /repos/{o}/{r}/stats/commit_activity`: the last 52 weeks.
pub async fn commit_activity(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (_, Some(h)) = history(&cx, &owner, &repo, false).await? else { return Ok(no_content()) };
    let items: Vec<Value> = stats::commit_activity(&h, now())
        .iter()
        .map(|(w, days)| json!({ "days": days, "total": days.iter().sum::<i64>(), "week": w }))
        .collect();
    Ok(ok(Value::Array(items)))
}

/// `GET /repos/{o}/{r}/stats/code_frequency`: `[week, additions, -deletions]`.
pub async fn code_frequency(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (_, Some(h)) = history(&cx, &owner, &repo, true).await? else { return Ok(no_content()) };
    let items: Vec<Value> = stats::code_frequency(&h).iter().map(|(w, a, d)| json!([w, a, -d])).collect();
    Ok(ok(Value::Array(items)))
}

/// `GET /repos/{o}/{r}/stats/participation`: `{all, owner}` over 52 weeks.
pub async fn participation(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (r, h) = history(&cx, &owner, &repo, false).await?;
    let h = h.unwrap_or_default();
    let mut conn = cx.db.acquire().await?;
    let people = content::people_by_email(&mut conn).await?;
    let (all, mine) = stats::participation(&h, now(), |email| people.get(email).is_some_and(|a| a.id == r.owner_id));
    Ok(ok(json!({ "all": all, "owner": mine })))
}

/// `GET /repos/{o}/{r}/stats/punch_card`: `[day, hour, commits]`.
pub async fn punch_card(cx: Cx, Path((owner, repo)): RepoPath) -> Handler {
    let (_, Some(h)) = history(&cx, &owner, &repo, false).await? else { return Ok(no_content()) };
    let items: Vec<Value> = stats::punch_card(&h).iter().map(|(d, hr, n)| json!([d, hr, n])).collect();
    Ok(ok(Value::Array(items)))
}
