//! The provision surface: a personal access token (`ghp_…`) for the seeded
//! administrator, returned as the clone's `token`. Rotation revokes the old one;
//! after a reset the recorded token is re-applied as the only provisioned token.

use asym_clone_kit::secrets::hash_token;
use asym_contract::admin::ProvisionRequest;
use asym_contract::{AsymError, CloneTokens};
use asym_store::Pool;

use crate::model::tokens::{self, DEFAULT_SCOPES, PROVISIONED_NOTE};
use crate::store::accounts::{self, AccountRow};
use crate::store::next_id;
use crate::wire::now;

pub async fn provision(db: &Pool, req: ProvisionRequest) -> Result<CloneTokens, AsymError> {
    let io = |e: sqlx::Error| AsymError::Database { target: "github provision".into(), reason: e.to_string() };
    let mut tx = asym_store::begin_write(db).await.map_err(io)?;
    let at = now();
    let admin = match accounts::first_admin(&mut *tx).await.map_err(io)? {
        Some(a) => a,
        None => {
            // An unseeded clone still gets an administrator to act as.
            let id = next_id(&mut tx).await.map_err(io)?;
            let a = AccountRow {
                id,
                login: "admin".into(),
                kind: "User".into(),
                name: Some("Site Admin".into()),
                email: Some("admin@asymmetric.test".into()),
                bio: None,
                company: None,
                location: None,
                blog: String::new(),
                site_admin: true,
                created_at: at,
                updated_at: at,
            };
            accounts::insert(&mut *tx, &a, Some(&tokens::password_hash(id, "password123"))).await.map_err(io)?;
            a
        }
    };
    if let Some(old) = &req.revoke {
        for t in old.0.values() {
            accounts::delete_token_by_hash(&mut *tx, &hash_token(t)).await.map_err(io)?;
        }
    }
    if req.tokens.is_some() {
        accounts::delete_notes(&mut *tx, PROVISIONED_NOTE).await.map_err(io)?;
    }
    let token = req.tokens.as_ref().and_then(|t| t.0.get("token").cloned()).unwrap_or_else(tokens::new_token);
    let hash = hash_token(&token);
    accounts::delete_token_by_hash(&mut *tx, &hash).await.map_err(io)?;
    let id = next_id(&mut tx).await.map_err(io)?;
    accounts::insert_token(&mut *tx, id, &hash, admin.id, PROVISIONED_NOTE, DEFAULT_SCOPES, at).await.map_err(io)?;
    tx.commit().await.map_err(io)?;
    crate::model::access::forget_callers();
    Ok(CloneTokens([("token".to_string(), token)].into_iter().collect()))
}
