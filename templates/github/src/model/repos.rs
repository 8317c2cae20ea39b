//! Repository rules: names, creation (with an optional first commit), who may
//! see which repositories, and how lists are sorted.

use serde_json::Value;
use sqlx::AnyConnection;

use crate::errors::{FieldError, GhError, GhResult};
use crate::git::Signature;
use crate::model::access::{self, Caller, Perm};
use crate::model::gitdb;
use crate::store::accounts::AccountRow;
use crate::store::issues::{self as istore, LabelRow};
use crate::store::repos::{self, RepoRow};
use crate::store::{self as st, git as gstore};

pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The signature of `a` on commits it makes through the API.
pub fn signature_of(a: &AccountRow, at: i64) -> Signature {
    Signature {
        name: a.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| a.login.clone()),
        email: a.email.clone().filter(|e| !e.is_empty()).unwrap_or_else(|| format!("{}+{}@users.noreply.github.com", a.id, a.login)),
        date: at,
        tz: "+0000".into(),
    }
}

/// GitHub's default labels of a new repository.
pub const DEFAULT_LABELS: &[(&str, &str, &str)] = &[
    ("bug", "d73a4a", "Something isn't working"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("duplicate", "cfd3d7", "This issue or pull request already exists"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("help wanted", "008672", "Extra attention is needed"),
    ("invalid", "e4e669", "This doesn't seem right"),
    ("question", "d876e3", "Further information is requested"),
    ("wontfix", "ffffff", "This will not be worked on"),
];

pub struct NewRepo {
    pub name: String,
    pub description: Option<String>,
    pub homepage: Option<String>,
    pub private: bool,
    pub auto_init: bool,
    pub has_issues: bool,
    pub has_projects: bool,
    pub has_wiki: bool,
}

pub async fn create(conn: &mut AnyConnection, owner: &AccountRow, creator: &AccountRow, n: NewRepo, now: i64) -> GhResult<RepoRow> {
    if !valid_name(&n.name) {
        return Err(GhError::Validation(vec![FieldError::custom("Repository", "name", "name is invalid")]));
    }
    if repos::by_name(&mut *conn, &owner.login, &n.name).await?.is_some() {
        return Err(GhError::Validation(vec![FieldError::custom("Repository", "name", "name already exists on this account")]));
    }
    let r = RepoRow {
        id: st::next_id(&mut *conn).await?,
        owner_id: owner.id,
        owner_login: owner.login.clone(),
        owner_kind: owner.kind.clone(),
        name: n.name.clone(),
        description: n.description.clone(),
        homepage: n.homepage,
        private: n.private,
        default_branch: "main".into(),
        has_issues: n.has_issues,
        has_projects: n.has_projects,
        has_wiki: n.has_wiki,
        archived: false,
        topics: "[]".into(),
        allow_merge_commit: true,
        allow_squash_merge: true,
        allow_rebase_merge: true,
        delete_branch_on_merge: false,
        created_at: now,
        updated_at: now,
        pushed_at: now,
        parent_id: None,
        source_id: None,
    };
    repos::insert(&mut *conn, &r).await?;
    for (name, color, desc) in DEFAULT_LABELS {
        let l = LabelRow {
            id: st::next_id(&mut *conn).await?,
            repo_id: r.id,
            name: name.to_string(),
            color: color.to_string(),
            description: Some(desc.to_string()),
            is_default: true,
        };
        istore::insert_label(&mut *conn, &l).await?;
    }
    if n.auto_init {
        let readme = match &n.description {
            Some(d) if !d.is_empty() => format!("# {}\n{d}\n", n.name),
            _ => format!("# {}\n", n.name),
        };
        let sig = signature_of(creator, now);
        let sha = gitdb::commit_edits(
            conn,
            r.id,
            None,
            &[("README.md".into(), Some(("100644".into(), readme.into_bytes())))],
            "Initial commit",
            sig.clone(),
            sig,
        )
        .await?;
        gstore::create_ref(&mut *conn, r.id, "refs/heads/main", &sha).await?;
    }
    Ok(r)
}

/// The repositories of `owner` the caller can see, with permissions.
pub async fn visible_of(db: &asym_store::Pool, caller: &Caller, rows: Vec<RepoRow>) -> GhResult<Vec<(RepoRow, Perm)>> {
    let mut out = Vec::new();
    for r in rows {
        let p = access::permission(db, caller, &r).await?;
        if p > Perm::None {
            out.push((r, p));
        }
    }
    Ok(out)
}

/// Sets `open_issues_count` and `open_issues` on rendered repositories (one
/// page of a list) from the issue tallies, in one query for the whole page.
pub async fn with_open_issues(db: impl sqlx::any::AnyExecutor<'_>, items: &mut [Value]) -> GhResult<()> {
    let ids: Vec<i64> = items.iter().filter_map(|v| v["id"].as_i64()).collect();
    let counts = repos::open_issue_counts(db, &ids).await?;
    for v in items.iter_mut() {
        let open = v["id"].as_i64().and_then(|id| counts.get(&id)).copied().unwrap_or(0);
        v["open_issues_count"] = Value::from(open);
        v["open_issues"] = Value::from(open);
    }
    Ok(())
}

/// Sorts by `sort` (`created`, `updated`, `pushed`, `full_name`) and `direction`.
pub fn sort(rows: &mut [(RepoRow, Perm)], sort: &str, direction: Option<&str>) -> GhResult<()> {
    match sort {
        "created" => rows.sort_by_key(|r| (r.0.created_at, r.0.id)),
        "updated" => rows.sort_by_key(|r| (r.0.updated_at, r.0.id)),
        "pushed" => rows.sort_by_key(|r| (r.0.pushed_at, r.0.id)),
        "full_name" => rows.sort_by_key(|r| r.0.full_name().to_ascii_lowercase()),
        _ => return Err(GhError::invalid("Repository", "sort")),
    }
    let asc = match direction {
        Some("asc") => true,
        Some("desc") => false,
        None => sort == "full_name",
        Some(_) => return Err(GhError::invalid("Repository", "direction")),
    };
    if !asc {
        rows.reverse();
    }
    Ok(())
}

pub fn bool_field(v: &Value, k: &str) -> GhResult<Option<bool>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(GhError::Validation(vec![FieldError::custom("Repository", k, format!("{k} is not a boolean"))])),
    }
}

pub fn str_field(v: &Value, k: &str, resource: &'static str) -> GhResult<Option<String>> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(GhError::Validation(vec![FieldError::custom(resource, k, format!("{k} is not a string"))])),
    }
}

/// A comment's `body`: required and not empty, answered as GitHub answers for
/// `resource` (`IssueComment`, `CommitComment`).
pub fn comment_body(v: &Value, resource: &'static str) -> GhResult<String> {
    str_field(v, "body", resource)?.filter(|b| !b.is_empty()).ok_or_else(|| GhError::missing(resource, "body"))
}
