//! Issues (and the issue side of pull requests): rendering with their labels,
//! assignees, milestone and reactions; creating, editing, closing, locking;
//! labels and assignees on issues; the issue events each change records.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{FieldError, GhError, GhResult};
use crate::objects::{self, IssueParts, Users};
use crate::store::accounts::{self, AccountRow};
use crate::store::issues::{self as store, EventRow, IssueRow, LabelRow};
use crate::store::repos::{self, RepoRow};
use crate::store::{self as st};

/// `OWNER`, `MEMBER`, `COLLABORATOR` or `NONE` for each author in a repository.
pub struct Associations {
    owner: HashMap<i64, i64>,
    members: HashMap<i64, HashSet<i64>>,
    collaborators: HashMap<i64, HashSet<i64>>,
}

impl Associations {
    pub async fn load(conn: &mut AnyConnection, repos_: &[&RepoRow]) -> GhResult<Associations> {
        let mut a = Associations { owner: HashMap::new(), members: HashMap::new(), collaborators: HashMap::new() };
        for r in repos_ {
            a.owner.insert(r.id, r.owner_id);
            let org = if r.owner_kind == "Organization" { r.owner_id } else { -1 };
            let people = repos::people_of(&mut *conn, org, r.id).await?;
            a.members.entry(r.owner_id).or_default().extend(people.iter().filter(|p| p.1 == "member").map(|p| p.0));
            a.collaborators.insert(r.id, people.iter().filter(|p| p.1 == "collaborator").map(|p| p.0).collect());
        }
        Ok(a)
    }

    pub fn of(&self, repo: i64, user: i64) -> &'static str {
        let owner = self.owner.get(&repo).copied().unwrap_or(0);
        if owner == user {
            "OWNER"
        } else if self.members.get(&owner).is_some_and(|m| m.contains(&user)) {
            "MEMBER"
        } else if self.collaborators.get(&repo).is_some_and(|m| m.contains(&user)) {
            "COLLABORATOR"
        } else {
            "NONE"
        }
    }
}

pub async fn users(conn: &mut AnyConnection, base: &str, mut v: Vec<i64>) -> GhResult<Users> {
    v.sort();
    v.dedup();
    let rows = accounts::by_ids(conn, &v).await?;
    Ok(Users::new(base, rows))
}

/// Renders issues of the given repositories in one pass of queries.
pub async fn render(conn: &mut AnyConnection, base: &str, repos_: &HashMap<i64, RepoRow>, rows: &[IssueRow]) -> GhResult<Vec<Value>> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let labels = store::labels_of(&mut *conn, &ids).await?;
    let assignees = store::assignees_of(&mut *conn, &ids).await?;
    let reactions = store::reactions_for(&mut *conn, "issue", &ids).await?;
    let pull_ids: Vec<i64> = rows.iter().filter(|i| i.is_pull).map(|i| i.id).collect();
    let merged: HashMap<i64, Option<i64>> = store::merged_at_of(&mut *conn, &pull_ids).await?.into_iter().collect();
    let mut milestone_rows = HashMap::new();
    for m in rows.iter().filter_map(|i| i.milestone_id).collect::<HashSet<_>>() {
        if let Some(row) = store::milestone_by_id(&mut *conn, m).await? {
            let counts = store::milestone_counts(&mut *conn, m).await?;
            milestone_rows.insert(m, (row, counts));
        }
    }
    let mut people: Vec<i64> = Vec::new();
    for i in rows {
        people.push(i.user_id);
        people.extend(i.closed_by);
    }
    people.extend(assignees.iter().map(|a| a.1));
    people.extend(milestone_rows.values().map(|m| m.0.creator_id));
    let users = users(&mut *conn, base, people).await?;
    let used: Vec<&RepoRow> = repos_.values().collect();
    let assoc = Associations::load(&mut *conn, &used).await?;
    let links = super::subissues::Links::load(&mut *conn, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for i in rows {
        let Some(r) = repos_.get(&i.repo_id) else { continue };
        let full = r.full_name();
        let my_reactions: Vec<_> = reactions.iter().filter(|x| x.subject_id == i.id).cloned().collect();
        let milestone = i
            .milestone_id
            .and_then(|m| milestone_rows.get(&m))
            .map(|(m, counts)| objects::milestone(base, &full, m, &users.get(m.creator_id), *counts))
            .unwrap_or(Value::Null);
        let parts = IssueParts {
            user: users.get(i.user_id),
            labels: labels.iter().filter(|(id, _)| *id == i.id).map(|(_, l)| objects::label(base, &full, l)).collect(),
            assignees: assignees.iter().filter(|(id, _)| *id == i.id).map(|(_, u)| users.get(*u)).collect(),
            milestone,
            closed_by: users.opt(i.closed_by),
            merged_at: merged.get(&i.id).copied().flatten(),
            reactions: &my_reactions,
            association: assoc.of(r.id, i.user_id),
        };
        let mut v = objects::issue(base, &full, i, parts);
        links.apply(base, i.id, &mut v);
        out.push(v);
    }
    Ok(out)
}

pub async fn render_one(conn: &mut AnyConnection, base: &str, r: &RepoRow, i: &IssueRow) -> GhResult<Value> {
    let map = HashMap::from([(r.id, r.clone())]);
    Ok(render(conn, base, &map, std::slice::from_ref(i)).await?.pop().unwrap_or(Value::Null))
}

pub async fn record(conn: &mut AnyConnection, i: &IssueRow, actor: i64, event: &str, data: Value, now: i64) -> GhResult<i64> {
    let id = st::next_id(&mut *conn).await?;
    store::insert_event(
        &mut *conn,
        &EventRow { id, repo_id: i.repo_id, issue_id: i.id, actor_id: actor, event: event.into(), data: data.to_string(), created_at: now },
    )
    .await?;
    Ok(id)
}

/// Labels by name (created with GitHub's default colour when missing, as the
/// issues API does for push-access callers).
pub async fn labels_by_name(conn: &mut AnyConnection, repo: i64, names: &[String], create: bool) -> GhResult<Vec<LabelRow>> {
    let mut out = Vec::new();
    for n in names {
        let n = n.trim();
        if n.is_empty() {
            continue;
        }
        match store::label_by_name(&mut *conn, repo, n).await? {
            Some(l) => out.push(l),
            None if create => {
                let l = LabelRow {
                    id: st::next_id(&mut *conn).await?,
                    repo_id: repo,
                    name: n.to_string(),
                    color: "ededed".into(),
                    description: None,
                    is_default: false,
                };
                store::insert_label(&mut *conn, &l).await?;
                out.push(l);
            }
            None => return Err(GhError::Validation(vec![FieldError::new("Label", "name", "invalid")])),
        }
    }
    Ok(out)
}

pub async fn add_labels(conn: &mut AnyConnection, i: &IssueRow, labels: &[LabelRow], actor: i64, now: i64) -> GhResult<()> {
    for l in labels {
        if store::add_issue_label(&mut *conn, i.id, l.id).await? {
            record(conn, i, actor, "labeled", json!({ "label": { "name": l.name, "color": l.color } }), now).await?;
        }
    }
    Ok(())
}

pub async fn remove_label(conn: &mut AnyConnection, i: &IssueRow, l: &LabelRow, actor: i64, now: i64) -> GhResult<bool> {
    let removed = store::remove_issue_label(&mut *conn, i.id, l.id).await?;
    if removed {
        record(conn, i, actor, "unlabeled", json!({ "label": { "name": l.name, "color": l.color } }), now).await?;
    }
    Ok(removed)
}

/// Users who may be assigned in `r`: the owner, its org's members and collaborators.
pub async fn assignable(conn: &mut AnyConnection, r: &RepoRow) -> GhResult<Vec<AccountRow>> {
    let mut ids: Vec<i64> = Vec::new();
    if r.owner_kind == "Organization" {
        ids.extend(accounts::members(&mut *conn, r.owner_id, None).await?.into_iter().map(|a| a.id));
    } else {
        ids.push(r.owner_id);
    }
    ids.extend(repos::collaborators(&mut *conn, r.id).await?.into_iter().map(|c| c.0));
    ids.extend(repos::team_people(&mut *conn, r.id).await?);
    ids.sort();
    ids.dedup();
    Ok(accounts::by_ids(conn, &ids).await?)
}

pub async fn resolve_assignees(conn: &mut AnyConnection, r: &RepoRow, logins: &[String]) -> GhResult<Vec<AccountRow>> {
    // Most issues are opened without assignees: no need to load who could be one
    // (four queries, inside the write lane).
    if logins.is_empty() {
        return Ok(Vec::new());
    }
    let pool = assignable(conn, r).await?;
    let mut out = Vec::new();
    for l in logins {
        match pool.iter().find(|a| a.login.eq_ignore_ascii_case(l)) {
            Some(a) => out.push(a.clone()),
            None => return Err(GhError::Validation(vec![FieldError::new("Issue", "assignees", "invalid")])),
        }
    }
    Ok(out)
}

pub async fn add_assignees(conn: &mut AnyConnection, i: &IssueRow, users: &[AccountRow], actor: i64, now: i64) -> GhResult<()> {
    for u in users {
        if store::add_assignee(&mut *conn, i.id, u.id).await? {
            record(conn, i, actor, "assigned", json!({ "assignee": u.id }), now).await?;
            crate::model::notifications::notify(conn, i, &[u.id], "assign", actor, now).await?;
        }
    }
    Ok(())
}

pub async fn remove_assignees(conn: &mut AnyConnection, i: &IssueRow, users: &[AccountRow], actor: i64, now: i64) -> GhResult<()> {
    for u in users {
        if store::remove_assignee(&mut *conn, i.id, u.id).await? {
            record(conn, i, actor, "unassigned", json!({ "assignee": u.id }), now).await?;
        }
    }
    Ok(())
}

/// Closes or reopens, recording the event.
pub async fn set_state(
    conn: &mut AnyConnection,
    i: &mut IssueRow,
    state: &str,
    reason: Option<String>,
    actor: i64,
    now: i64,
) -> GhResult<bool> {
    if i.state == state {
        if let Some(r) = reason {
            i.state_reason = Some(r);
        }
        return Ok(false);
    }
    if state == "closed" {
        i.state = "closed".into();
        i.closed_at = Some(now);
        i.closed_by = Some(actor);
        i.state_reason = Some(reason.unwrap_or_else(|| "completed".into()));
        record(conn, i, actor, "closed", json!({ "state_reason": i.state_reason }), now).await?;
    } else {
        i.state = "open".into();
        i.closed_at = None;
        i.closed_by = None;
        i.state_reason = Some(reason.unwrap_or_else(|| "reopened".into()));
        record(conn, i, actor, "reopened", json!({}), now).await?;
    }
    Ok(true)
}

/// Filters of `GET /repos/{o}/{r}/issues` and `GET /issues`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub milestone: Option<String>,
    pub assignee: Option<String>,
    pub creator: Option<String>,
    pub mentioned: Option<String>,
    pub labels: Vec<String>,
    pub since: Option<i64>,
    pub sort: String,
    pub direction: String,
}

/// Applies `f` to `rows` (already limited by repository and state) and sorts them.
impl Filter {
    /// Whether only state, sort and direction are asked for (a plain page in SQL).
    pub fn is_plain(&self) -> bool {
        self.milestone.is_none()
            && self.assignee.is_none()
            && self.creator.is_none()
            && self.mentioned.is_none()
            && self.labels.is_empty()
            && self.since.is_none()
    }
}

pub async fn filter(conn: &mut AnyConnection, rows: Vec<IssueRow>, f: &Filter) -> GhResult<Vec<IssueRow>> {
    let ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let need_labels = !f.labels.is_empty();
    let labels = if need_labels { store::labels_of(&mut *conn, &ids).await? } else { vec![] };
    let assignees = if f.assignee.is_some() { store::assignees_of(&mut *conn, &ids).await? } else { vec![] };
    let creator = match &f.creator {
        Some(c) => Some(accounts::by_login(&mut *conn, c).await?.map(|a| a.id).unwrap_or(-1)),
        None => None,
    };
    let assignee = match f.assignee.as_deref() {
        None | Some("*") | Some("none") => None,
        Some(a) => Some(accounts::by_login(&mut *conn, a).await?.map(|a| a.id).unwrap_or(-1)),
    };
    let mut mentioned_ids: Option<HashSet<i64>> = None;
    if let Some(m) = &f.mentioned {
        let needle = format!("@{}", m.to_ascii_lowercase());
        let mut set = HashSet::new();
        for i in &rows {
            let mut hit = i.body.as_deref().unwrap_or("").to_ascii_lowercase().contains(&needle);
            if !hit {
                for c in store::comments_of_issue(&mut *conn, i.id).await? {
                    if c.body.to_ascii_lowercase().contains(&needle) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                set.insert(i.id);
            }
        }
        mentioned_ids = Some(set);
    }
    let milestone_filter: Option<Option<i64>> = match f.milestone.as_deref() {
        None | Some("*") => None,
        Some("none") => Some(None),
        Some(n) => Some(Some(n.parse::<i64>().map_err(|_| GhError::invalid("Issue", "milestone"))?)),
    };
    let mut milestone_ids: HashMap<i64, i64> = HashMap::new();
    if let Some(Some(_)) = milestone_filter {
        for m in rows.iter().filter_map(|i| i.milestone_id).collect::<HashSet<_>>() {
            if let Some(row) = store::milestone_by_id(&mut *conn, m).await? {
                milestone_ids.insert(m, row.number);
            }
        }
    }
    let mut out: Vec<IssueRow> = rows
        .into_iter()
        .filter(|i| {
            if need_labels {
                let mine: Vec<&str> = labels.iter().filter(|(id, _)| *id == i.id).map(|(_, l)| l.name.as_str()).collect();
                if !f.labels.iter().all(|w| mine.iter().any(|m| m.eq_ignore_ascii_case(w))) {
                    return false;
                }
            }
            if let Some(c) = creator
                && i.user_id != c
            {
                return false;
            }
            match f.assignee.as_deref() {
                Some("none") if assignees.iter().any(|a| a.0 == i.id) => return false,
                Some("*") if !assignees.iter().any(|a| a.0 == i.id) => return false,
                _ => {}
            }
            if let Some(a) = assignee
                && !assignees.iter().any(|x| x.0 == i.id && x.1 == a)
            {
                return false;
            }
            if let Some(set) = &mentioned_ids
                && !set.contains(&i.id)
            {
                return false;
            }
            match milestone_filter {
                Some(None) if i.milestone_id.is_some() => return false,
                Some(Some(n)) if i.milestone_id.and_then(|m| milestone_ids.get(&m)).copied() != Some(n) => return false,
                _ => {}
            }
            if let Some(s) = f.since
                && i.updated_at < s
            {
                return false;
            }
            true
        })
        .collect();
    let key = |i: &IssueRow| match f.sort.as_str() {
        "updated" => i.updated_at,
        "comments" => i.comments,
        _ => i.created_at,
    };
    out.sort_by(|a, b| key(a).cmp(&key(b)).then(a.id.cmp(&b.id)));
    if f.direction != "asc" {
        out.reverse();
    }
    Ok(out)
}

pub fn parse_filter(q: &crate::wire::Query) -> GhResult<Filter> {
    let sort = q.get("sort").unwrap_or("created").to_string();
    if !["created", "updated", "comments"].contains(&sort.as_str()) {
        return Err(GhError::invalid("Issue", "sort"));
    }
    let direction = q.get("direction").unwrap_or("desc").to_string();
    if !["asc", "desc"].contains(&direction.as_str()) {
        return Err(GhError::invalid("Issue", "direction"));
    }
    let since = match q.get("since") {
        Some(s) if !s.is_empty() => Some(crate::wire::parse_iso(s).ok_or_else(|| GhError::invalid("Issue", "since"))?),
        _ => None,
    };
    Ok(Filter {
        milestone: q.get("milestone").map(String::from),
        assignee: q.get("assignee").map(String::from),
        creator: q.get("creator").map(String::from),
        mentioned: q.get("mentioned").map(String::from),
        labels: q.get("labels").map(|l| l.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()).unwrap_or_default(),
        since,
        sort,
        direction,
    })
}

pub fn parse_state(q: &crate::wire::Query) -> GhResult<String> {
    let s = q.get("state").unwrap_or("open");
    if ["open", "closed", "all"].contains(&s) { Ok(s.to_string()) } else { Err(GhError::invalid("Issue", "state")) }
}
