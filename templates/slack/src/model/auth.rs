//! Token authentication and scope checks.

use asym_clone_kit::secrets::hash_token;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

use asym_store::{Db, Pool};

use crate::errors::{SlackError, SlackResult};
use crate::store::workspace;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Bot,
    User,
}

/// Who is calling: a bot (its bot user) or a human user, with the token's scopes.
#[derive(Debug, Clone)]
pub struct Principal {
    pub kind: TokenKind,
    pub team_id: String,
    pub user_id: String,
    pub app_id: Option<String>,
    pub bot_id: Option<String>,
    pub scopes: Vec<String>,
    /// Hash of the calling token (auth.revoke deletes it).
    pub token_hash: String,
}

impl Principal {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Passes when the token holds any of `needed`; otherwise Slack's `missing_scope`
    /// naming the first acceptable scope.
    pub fn require_any(&self, needed: &[&str]) -> SlackResult<()> {
        if needed.is_empty() || needed.iter().any(|n| self.has(n)) {
            return Ok(());
        }
        Err(SlackError::MissingScope { needed: needed.join(","), provided: self.scopes.join(",") })
    }
}

/// Bumped after every commit that revokes tokens; cached principals from before
/// it are not trusted.
static REVOCATIONS: AtomicU64 = AtomicU64::new(0);

type Cached = (u64, u64, Principal);
static CACHE: LazyLock<Mutex<HashMap<String, Cached>>> = LazyLock::new(Default::default);
const CACHE_MAX: usize = 10_000;

/// Call after committing a transaction that deleted tokens (rotation, revoke).
pub fn tokens_revoked() {
    REVOCATIONS.fetch_add(1, Ordering::AcqRel);
}

/// [`authenticate`], remembering the principal of a token until the database is
/// swapped (reset, restore) or a token is revoked. The revocation count is read
/// before the lookup, so a lookup racing a revocation is never trusted later.
pub async fn authenticate_cached(db: &Db, token: Option<&str>) -> SlackResult<Principal> {
    let Some(t) = token.filter(|t| t.starts_with("xox")) else {
        return authenticate(db, token).await;
    };
    let key = hash_token(t);
    let (generation, revocations) = (db.generation(), REVOCATIONS.load(Ordering::Acquire));
    if let Some((g, r, p)) = CACHE.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
        && *g == generation
        && *r == revocations
    {
        return Ok(p.clone());
    }
    let p = authenticate(db, token).await?;
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= CACHE_MAX {
        cache.clear();
    }
    cache.insert(key, (generation, revocations, p.clone()));
    Ok(p)
}

pub async fn authenticate(db: &Pool, token: Option<&str>) -> SlackResult<Principal> {
    let token = token.filter(|t| !t.is_empty()).ok_or(SlackError::NotAuthed)?;
    if token.starts_with("xapp-") {
        return Err(crate::model::socket_mode::app_token_elsewhere(db, token).await);
    }
    if crate::model::web_login::looks_like_jwt(token) {
        return crate::model::web_login::principal(db, token, crate::wire::now_secs()).await;
    }
    let token_hash = hash_token(token);
    let row = workspace::token(db, &token_hash).await?.ok_or(SlackError::InvalidAuth)?;
    Ok(Principal {
        kind: if row.kind == "bot" { TokenKind::Bot } else { TokenKind::User },
        team_id: row.team_id,
        user_id: row.user_id,
        app_id: row.app_id,
        bot_id: row.bot_id,
        scopes: row.scopes.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        token_hash,
    })
}

/// Scopes of the default app's bot token: what a typical agent app installs with.
pub const DEFAULT_BOT_SCOPES: &[&str] = &[
    "app_mentions:read",
    "bookmarks:read",
    "bookmarks:write",
    "channels:history",
    "channels:join",
    "channels:manage",
    "channels:read",
    "chat:write",
    "chat:write.customize",
    "chat:write.public",
    "dnd:read",
    "emoji:read",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "groups:write",
    "im:history",
    "im:read",
    "im:write",
    "mpim:history",
    "mpim:read",
    "mpim:write",
    "pins:read",
    "pins:write",
    "reactions:read",
    "reactions:write",
    "team:read",
    "usergroups:read",
    "usergroups:write",
    "users.profile:read",
    "users:read",
    "users:read.email",
    "users:write",
];

/// The user token adds what only users may do (search, profile writes).
pub const DEFAULT_USER_SCOPES: &[&str] = &[
    "bookmarks:read",
    "bookmarks:write",
    "channels:history",
    "channels:read",
    "channels:write",
    "chat:write",
    "dnd:read",
    "dnd:write",
    "emoji:read",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "groups:write",
    "im:history",
    "im:read",
    "im:write",
    "mpim:history",
    "mpim:read",
    "mpim:write",
    "pins:read",
    "pins:write",
    "reactions:read",
    "reactions:write",
    "reminders:read",
    "reminders:write",
    "search:read",
    "stars:read",
    "stars:write",
    "team:read",
    "usergroups:read",
    "usergroups:write",
    "users.profile:read",
    "users.profile:write",
    "users:read",
    "users:read.email",
    "users:write",
];
