//! Personal access tokens (`ghp_` + 36 characters, stored as SHA-256 hashes) and
//! password hashes of seeded and signed-up users.

use asym_clone_kit::secrets::{ALNUM, hash_token, random_string};

/// The scopes a classic token minted by this clone carries.
pub const DEFAULT_SCOPES: &str = "repo,admin:org,admin:repo_hook,user,delete_repo,workflow";

/// The note of the token `spin` provisions for the seeded admin.
pub const PROVISIONED_NOTE: &str = "asymmetric (provisioned)";

pub fn new_token() -> String {
    format!("ghp_{}", random_string(36, ALNUM))
}

/// The salted hash stored for a password.
pub fn password_hash(user_id: i64, password: &str) -> String {
    hash_token(&format!("{user_id}:{password}"))
}
