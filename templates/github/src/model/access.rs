//! Who is calling, and what they may see: personal access tokens (`token ghp_…`,
//! `Bearer ghp_…`, or the token as the password of Basic auth), repository
//! visibility (a private repository the caller cannot reach is 404, as on GitHub)
//! and permissions (owner, org admin, org member at the org's base permission,
//! collaborator, team).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use asym_clone_kit::secrets::hash_token;
use axum::http::{HeaderMap, header};
use base64::Engine;

use crate::errors::{GhError, GhResult};
use crate::store::accounts::{self, AccountRow};
use crate::store::repos::{self, RepoRow};
use asym_store::Pool;

/// The authenticated caller of one request (none for anonymous requests).
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub user: Option<AccountRow>,
    pub token_hash: Option<String>,
    /// The token's classic scopes, comma-separated (sent back as `X-OAuth-Scopes`).
    pub scopes: Option<String>,
}

impl Caller {
    pub fn require(&self) -> GhResult<&AccountRow> {
        self.user.as_ref().ok_or(GhError::RequiresAuthentication)
    }
    pub fn id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }
}

/// The token a request carries, if any.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
    let rest = rest.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "token" | "bearer" => Some(rest.to_string()),
        "basic" => {
            let decoded = base64::engine::general_purpose::STANDARD.decode(rest).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (_, pass) = text.split_once(':')?;
            Some(pass.to_string())
        }
        _ => Some(String::new()),
    }
}

pub async fn authenticate(db: &Pool, headers: &HeaderMap) -> GhResult<Caller> {
    authenticate_in(db, headers, None).await
}

/// Callers by token hash, for the database `scope` names (clone id and
/// `Db::generation()`, which changes with every reset and restore). Emptied by
/// [`forget_callers`] whenever a token is revoked or an account changes.
static CALLERS: LazyLock<Mutex<HashMap<(String, String), Caller>>> = LazyLock::new(Default::default);

pub fn forget_callers() {
    CALLERS.lock().unwrap_or_else(|p| p.into_inner()).clear();
}

/// [`authenticate`], remembering callers of the database `scope` when given.
pub async fn authenticate_in(db: &Pool, headers: &HeaderMap, scope: Option<&str>) -> GhResult<Caller> {
    let Some(token) = token_of(headers) else { return Ok(Caller::default()) };
    let hash = hash_token(&token);
    let key = scope.map(|s| (s.to_string(), hash.clone()));
    if let Some(k) = &key
        && let Some(c) = CALLERS.lock().unwrap_or_else(|p| p.into_inner()).get(k)
    {
        return Ok(c.clone());
    }
    let row = accounts::token_by_hash(db, &hash).await?.ok_or(GhError::BadCredentials)?;
    let user = accounts::by_id(db, row.user_id).await?.ok_or(GhError::BadCredentials)?;
    let caller = Caller { user: Some(user), token_hash: Some(hash), scopes: Some(row.scopes) };
    if let Some(k) = key {
        let mut cache = CALLERS.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(k, caller.clone());
    }
    Ok(caller)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Perm {
    None,
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

impl Perm {
    pub fn parse(s: &str) -> Perm {
        match s {
            "pull" | "read" => Perm::Read,
            "triage" => Perm::Triage,
            "push" | "write" => Perm::Write,
            "maintain" => Perm::Maintain,
            "admin" => Perm::Admin,
            _ => Perm::None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Perm::Admin => "admin",
            Perm::Maintain => "maintain",
            Perm::Write => "write",
            Perm::Triage => "triage",
            Perm::Read => "read",
            Perm::None => "none",
        }
    }
}

/// The caller's permission on `repo` (public repositories are readable by all).
pub async fn permission(db: &Pool, caller: &Caller, repo: &RepoRow) -> GhResult<Perm> {
    let base = if repo.private { Perm::None } else { Perm::Read };
    let Some(uid) = caller.id() else { return Ok(base) };
    if repo.owner_id == uid {
        return Ok(Perm::Admin);
    }
    let mut best = base;
    // A user-owned repository has no org: owner id -1 matches no membership.
    let org = if repo.owner_kind == "Organization" { repo.owner_id } else { -1 };
    for s in repos::standing_of(db, org, repo.id, uid).await? {
        best = best.max(standing_perm(&s));
    }
    Ok(best)
}

/// The permission one `standing_of` entry grants: an org owner has admin
/// (`org:admin:<base>`), a member the org's base permission (`org:member:<base>`,
/// `read`, `write`, `admin` or `none`), a collaborator or team `collab:<p>`.
pub fn standing_perm(s: &str) -> Perm {
    match s.split_once(':') {
        Some(("org", rest)) => match rest.split_once(':') {
            Some(("admin", _)) => Perm::Admin,
            Some((_, base)) => Perm::parse(base),
            None => Perm::None,
        },
        Some(("collab", p)) => Perm::parse(p),
        _ => Perm::None,
    }
}

/// The repository `owner/name` if the caller may see it, with the caller's permission.
pub async fn repo(db: &Pool, caller: &Caller, owner: &str, name: &str) -> GhResult<(RepoRow, Perm)> {
    let r = repos::by_name(db, owner, name).await?.ok_or(GhError::NotFound)?;
    let p = permission(db, caller, &r).await?;
    if p == Perm::None {
        return Err(GhError::NotFound);
    }
    Ok((r, p))
}

/// Like [`repo`], and the caller must hold at least `need`.
pub async fn repo_with(db: &Pool, caller: &Caller, owner: &str, name: &str, need: Perm) -> GhResult<(RepoRow, Perm)> {
    let (r, p) = repo(db, caller, owner, name).await?;
    caller.require()?;
    if p < need {
        return Err(if need >= Perm::Admin {
            GhError::Forbidden("Must have admin rights to Repository.".into())
        } else {
            GhError::Forbidden("Resource not accessible by personal access token".into())
        });
    }
    Ok((r, p))
}

/// Only a comment's author, or a caller with push access, may `action`
/// ("update", "delete") it.
pub fn may_change_comment(author: i64, caller: i64, perm: Perm, action: &str) -> GhResult<()> {
    if author == caller || perm >= Perm::Write {
        Ok(())
    } else {
        Err(GhError::Forbidden(format!("Must have push access to {action} this comment.")))
    }
}
