//! Loads a fixture pack (`fixtures/*.json`): users, organizations, repositories
//! with real commits on branches, labels, milestones, issues with comments, and
//! pull requests. References are checked, so a broken fixture is a
//! `SEED_VALIDATION` error naming what is wrong.

use std::collections::{BTreeMap, HashMap};

use asym_clone_kit::Fixture;
use asym_store::{Pool, StoreError, StoreResult};
use serde::Deserialize;
use serde_json::json;

use crate::git::Signature;
use crate::model::{gitdb, issues as imodel, tokens};
use crate::store::accounts::{self, AccountRow};
use crate::store::issues::{self as istore, CommentRow, IssueRow, LabelRow, MilestoneRow};
use crate::store::pulls::{self as pstore, PullRow};
use crate::store::repos::{self, RepoRow};
use crate::store::{git as gstore, next_id};
use crate::wire::parse_iso;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Pack {
    /// Password of every seeded user (`password123`).
    password: String,
    /// When the seeded world was made; the default time of everything in it.
    created_at: String,
    users: Vec<UserSeed>,
    #[serde(default)]
    orgs: Vec<OrgSeed>,
    #[serde(default)]
    repos: Vec<RepoSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UserSeed {
    login: String,
    name: String,
    email: String,
    #[serde(default)]
    bio: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    site_admin: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OrgSeed {
    login: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    blog: String,
    /// login → `admin` | `member`.
    members: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RepoSeed {
    owner: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    topics: Vec<String>,
    #[serde(default = "main")]
    default_branch: String,
    /// Labels besides GitHub's defaults.
    #[serde(default)]
    labels: Vec<LabelSeed>,
    #[serde(default)]
    commits: Vec<CommitSeed>,
    #[serde(default)]
    milestones: Vec<MilestoneSeed>,
    #[serde(default)]
    issues: Vec<IssueSeed>,
    #[serde(default)]
    pulls: Vec<PullSeed>,
    /// login → permission (`pull`, `triage`, `push`, `maintain`, `admin`): direct
    /// grants beyond the org's base permission (members read by default).
    #[serde(default)]
    collaborators: BTreeMap<String, String>,
}

fn main() -> String {
    "main".into()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LabelSeed {
    name: String,
    color: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CommitSeed {
    branch: String,
    /// Where a new branch starts (a branch name); the branch's tip otherwise.
    #[serde(default)]
    from: Option<String>,
    author: String,
    date: String,
    message: String,
    /// path → content (`null` deletes the file).
    files: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MilestoneSeed {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    due_on: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IssueSeed {
    title: String,
    #[serde(default)]
    body: Option<String>,
    author: String,
    date: String,
    #[serde(default = "open")]
    state: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    assignees: Vec<String>,
    #[serde(default)]
    milestone: Option<String>,
    #[serde(default)]
    comments: Vec<CommentSeed>,
}

fn open() -> String {
    "open".into()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CommentSeed {
    author: String,
    date: String,
    body: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PullSeed {
    title: String,
    #[serde(default)]
    body: Option<String>,
    author: String,
    date: String,
    head: String,
    base: String,
    #[serde(default)]
    requested_reviewers: Vec<String>,
}

pub async fn apply(pool: &Pool, fixture: &Fixture) -> StoreResult<BTreeMap<String, u64>> {
    let bad = |reason: String| StoreError::Seed { fixture: fixture.name.into(), reason };
    let pack: Pack = serde_json::from_str(fixture.text).map_err(|e| bad(e.to_string()))?;
    let time = |s: &str| parse_iso(s).ok_or_else(|| bad(format!("`{s}` is not an ISO-8601 time")));
    let t0 = time(&pack.created_at)?;
    let mut tx = asym_store::begin_write(pool).await?;
    let mut people: HashMap<String, AccountRow> = HashMap::new();
    for u in &pack.users {
        let id = next_id(&mut tx).await?;
        let a = AccountRow {
            id,
            login: u.login.clone(),
            kind: "User".into(),
            name: Some(u.name.clone()),
            email: Some(u.email.clone()),
            bio: u.bio.clone(),
            company: u.company.clone(),
            location: u.location.clone(),
            blog: String::new(),
            site_admin: u.site_admin,
            created_at: t0,
            updated_at: t0,
        };
        accounts::insert(&mut *tx, &a, Some(&tokens::password_hash(id, &pack.password))).await?;
        // The seeded address is the user's verified, public primary email. Its
        // id is the user's (ids from the counter never repeat one), so seeding
        // it moves no other seeded id.
        let email = crate::store::people::EmailRow {
            id,
            user_id: id,
            email: u.email.clone(),
            is_primary: true,
            verified: true,
            visibility: Some("public".into()),
            created_at: t0,
        };
        crate::store::people::insert_email(&mut *tx, &email).await?;
        people.insert(u.login.clone(), a);
    }
    let person = |login: &str| people.get(login).cloned().ok_or_else(|| bad(format!("unknown user `{login}`")));
    let mut owners: HashMap<String, AccountRow> = people.clone();
    for o in &pack.orgs {
        let id = next_id(&mut tx).await?;
        let a = AccountRow {
            id,
            login: o.login.clone(),
            kind: "Organization".into(),
            name: Some(o.name.clone()),
            email: o.email.clone(),
            bio: o.description.clone(),
            company: None,
            location: None,
            blog: o.blog.clone(),
            site_admin: false,
            created_at: t0,
            updated_at: t0,
        };
        accounts::insert(&mut *tx, &a, None).await?;
        for (login, role) in &o.members {
            if role != "admin" && role != "member" {
                return Err(bad(format!("org `{}`: role `{role}` is neither admin nor member", o.login)));
            }
            accounts::add_member(&mut *tx, id, person(login)?.id, role).await?;
        }
        owners.insert(o.login.clone(), a);
    }
    let (mut n_commits, mut n_issues, mut n_pulls) = (0u64, 0u64, 0u64);
    for rs in &pack.repos {
        let owner = owners.get(&rs.owner).cloned().ok_or_else(|| bad(format!("repo `{}` has unknown owner `{}`", rs.name, rs.owner)))?;
        let r = RepoRow {
            id: next_id(&mut tx).await?,
            owner_id: owner.id,
            owner_login: owner.login.clone(),
            owner_kind: owner.kind.clone(),
            name: rs.name.clone(),
            description: rs.description.clone(),
            homepage: None,
            private: rs.private,
            default_branch: rs.default_branch.clone(),
            has_issues: true,
            has_projects: true,
            has_wiki: true,
            archived: false,
            topics: serde_json::to_string(&rs.topics).unwrap_or_else(|_| "[]".into()),
            allow_merge_commit: true,
            allow_squash_merge: true,
            allow_rebase_merge: true,
            delete_branch_on_merge: false,
            created_at: t0,
            updated_at: t0,
            pushed_at: t0,
            parent_id: None,
            source_id: None,
        };
        repos::insert(&mut *tx, &r).await?;
        for (login, permission) in &rs.collaborators {
            if crate::model::access::Perm::parse(permission) == crate::model::access::Perm::None {
                return Err(bad(format!("repo `{}`: collaborator `{login}` has unknown permission `{permission}`", rs.name)));
            }
            repos::set_collaborator(&mut tx, r.id, person(login)?.id, permission).await?;
        }
        let mut labels: Vec<(String, String, Option<String>)> =
            crate::model::repos::DEFAULT_LABELS.iter().map(|(n, c, d)| (n.to_string(), c.to_string(), Some(d.to_string()))).collect();
        labels.extend(rs.labels.iter().map(|l| (l.name.clone(), l.color.clone(), l.description.clone())));
        for (i, (name, color, description)) in labels.into_iter().enumerate() {
            let l = LabelRow {
                id: next_id(&mut tx).await?,
                repo_id: r.id,
                name,
                color,
                description,
                is_default: i < crate::model::repos::DEFAULT_LABELS.len(),
            };
            istore::insert_label(&mut *tx, &l).await?;
        }
        let mut tips: HashMap<String, String> = HashMap::new();
        let mut last = t0;
        for c in &rs.commits {
            let at = time(&c.date)?;
            last = last.max(at);
            let parent = match tips.get(&c.branch) {
                Some(t) => Some(t.clone()),
                None => match &c.from {
                    Some(f) => {
                        Some(tips.get(f).cloned().ok_or_else(|| bad(format!("commit `{}` starts from unknown branch `{f}`", c.message)))?)
                    }
                    None => None,
                },
            };
            let a = person(&c.author)?;
            let sig = Signature {
                name: a.name.clone().unwrap_or_else(|| a.login.clone()),
                email: a.email.clone().unwrap_or_default(),
                date: at,
                tz: "+0000".into(),
            };
            let edits: Vec<gitdb::Edit> =
                c.files.iter().map(|(p, v)| (p.clone(), v.as_ref().map(|t| ("100644".to_string(), t.clone().into_bytes())))).collect();
            let sha = gitdb::commit_edits(&mut tx, r.id, parent.as_deref(), &edits, &c.message, sig.clone(), sig)
                .await
                .map_err(|e| bad(format!("commit `{}`: {e}", c.message)))?;
            tips.insert(c.branch.clone(), sha);
            n_commits += 1;
        }
        for (branch, sha) in &tips {
            gstore::create_ref(&mut *tx, r.id, &format!("refs/heads/{branch}"), sha).await?;
        }
        repos::touch_pushed(&mut *tx, r.id, last).await?;
        let mut milestones: HashMap<String, i64> = HashMap::new();
        for (n, m) in rs.milestones.iter().enumerate() {
            let row = MilestoneRow {
                id: next_id(&mut tx).await?,
                repo_id: r.id,
                number: n as i64 + 1,
                title: m.title.clone(),
                description: m.description.clone(),
                state: "open".into(),
                due_on: m.due_on.as_deref().map(time).transpose()?,
                creator_id: owner_member(&owner, &people)?,
                created_at: t0,
                updated_at: t0,
                closed_at: None,
            };
            istore::insert_milestone(&mut *tx, &row).await?;
            milestones.insert(m.title.clone(), row.id);
        }
        // Issues and pull requests share one numbering, in date order.
        enum Item<'a> {
            Issue(&'a IssueSeed),
            Pull(&'a PullSeed),
        }
        let mut items: Vec<(i64, Item)> = Vec::new();
        for i in &rs.issues {
            items.push((time(&i.date)?, Item::Issue(i)));
        }
        for p in &rs.pulls {
            items.push((time(&p.date)?, Item::Pull(p)));
        }
        items.sort_by_key(|x| x.0);
        for (at, item) in items {
            let (title, body, author, is_pull) = match &item {
                Item::Issue(i) => (&i.title, &i.body, &i.author, false),
                Item::Pull(p) => (&p.title, &p.body, &p.author, true),
            };
            let a = person(author)?;
            let mut row = IssueRow {
                id: next_id(&mut tx).await?,
                repo_id: r.id,
                number: istore::next_number(&mut tx, r.id).await?,
                title: title.clone(),
                body: body.clone(),
                user_id: a.id,
                state: "open".into(),
                state_reason: None,
                locked: false,
                lock_reason: None,
                milestone_id: None,
                is_pull,
                comments: 0,
                created_at: at,
                updated_at: at,
                closed_at: None,
                closed_by: None,
            };
            match item {
                Item::Issue(i) => {
                    if let Some(m) = &i.milestone {
                        row.milestone_id =
                            Some(*milestones.get(m).ok_or_else(|| bad(format!("issue `{}` names unknown milestone `{m}`", i.title)))?);
                    }
                    if i.state == "closed" {
                        row.state = "closed".into();
                        row.state_reason = Some("completed".into());
                        row.closed_at = Some(at);
                        row.closed_by = Some(a.id);
                    }
                    istore::insert(&mut tx, &row).await?;
                    let label_rows = imodel::labels_by_name(&mut tx, r.id, &i.labels, false)
                        .await
                        .map_err(|_| bad(format!("issue `{}` names an unknown label", i.title)))?;
                    for l in &label_rows {
                        istore::add_issue_label(&mut *tx, row.id, l.id).await?;
                        imodel::record(&mut tx, &row, a.id, "labeled", json!({ "label": { "name": l.name, "color": l.color } }), at)
                            .await
                            .map_err(|e| bad(e.to_string()))?;
                    }
                    for who in &i.assignees {
                        istore::add_assignee(&mut *tx, row.id, person(who)?.id).await?;
                    }
                    for c in &i.comments {
                        let ca = time(&c.date)?;
                        let cr = CommentRow {
                            id: next_id(&mut tx).await?,
                            repo_id: r.id,
                            issue_id: row.id,
                            user_id: person(&c.author)?.id,
                            body: c.body.clone(),
                            created_at: ca,
                            updated_at: ca,
                        };
                        istore::insert_comment(&mut tx, &cr).await?;
                    }
                    n_issues += 1;
                }
                Item::Pull(p) => {
                    let head_sha =
                        tips.get(&p.head).cloned().ok_or_else(|| bad(format!("pull `{}` has unknown head `{}`", p.title, p.head)))?;
                    let base_sha =
                        tips.get(&p.base).cloned().ok_or_else(|| bad(format!("pull `{}` has unknown base `{}`", p.title, p.base)))?;
                    istore::insert(&mut tx, &row).await?;
                    let pr = PullRow {
                        issue_id: row.id,
                        id: next_id(&mut tx).await?,
                        head_ref: p.head.clone(),
                        head_sha,
                        base_ref: p.base.clone(),
                        base_sha,
                        draft: false,
                        merged: false,
                        merged_at: None,
                        merged_by: None,
                        merge_commit_sha: None,
                        maintainer_can_modify: true,
                        head_repo_id: None,
                    };
                    pstore::insert(&mut *tx, &pr).await?;
                    for who in &p.requested_reviewers {
                        pstore::request(&mut *tx, row.id, person(who)?.id).await?;
                    }
                    n_pulls += 1;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(BTreeMap::from([
        ("users".to_string(), pack.users.len() as u64),
        ("orgs".to_string(), pack.orgs.len() as u64),
        ("repositories".to_string(), pack.repos.len() as u64),
        ("commits".to_string(), n_commits),
        ("issues".to_string(), n_issues),
        ("pull_requests".to_string(), n_pulls),
    ]))
}

/// A person to stand as creator of what an owner makes: the owner, or for an
/// organization its first admin.
fn owner_member(owner: &AccountRow, people: &HashMap<String, AccountRow>) -> StoreResult<i64> {
    if owner.kind == "User" {
        return Ok(owner.id);
    }
    Ok(people.values().filter(|p| p.site_admin).map(|p| p.id).min().or_else(|| people.values().map(|p| p.id).min()).unwrap_or(owner.id))
}
