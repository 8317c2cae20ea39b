//! The provision surface: the account's secret key. Spin hands out the seeded,
//! well-known `sk_test_asymmetric000000000000stripe`; a rotation mints a new
//! random `sk_test_` key and revokes the old; after a reset the recorded key is
//! re-applied as the account's only key. Keys are stored hashed.

use asym_clone_kit::secrets::{ALNUM, hash_token, random_string};
use asym_contract::admin::ProvisionRequest;
use asym_contract::{AsymError, CloneTokens};
use asym_store::Pool;

use crate::model::now_secs;
use crate::store::keys;

pub const SEEDED_KEY: &str = "sk_test_asymmetric000000000000stripe";
pub const TOKEN_NAME: &str = "secret_key";

pub async fn provision(db: &Pool, req: ProvisionRequest) -> Result<CloneTokens, AsymError> {
    let io = |e: sqlx::Error| AsymError::Database { target: "stripe provision".into(), reason: e.to_string() };
    let mut tx = asym_store::begin_write(db).await.map_err(io)?;
    if let Some(old) = &req.revoke {
        for t in old.0.values() {
            keys::delete(&mut *tx, &hash_token(t)).await.map_err(io)?;
        }
    }
    let given = req.tokens.as_ref().and_then(|t| t.0.get(TOKEN_NAME).cloned());
    let key = match (&given, &req.revoke) {
        (Some(k), _) => {
            // Re-applied after a reset or restore: the recorded key is the only one.
            keys::delete_all(&mut *tx).await.map_err(io)?;
            k.clone()
        }
        (None, Some(_)) => format!("sk_test_{}", random_string(99, ALNUM)),
        (None, None) => SEEDED_KEY.to_string(),
    };
    let last4: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    keys::insert(&mut *tx, &hash_token(&key), &last4, now_secs()).await.map_err(io)?;
    tx.commit().await.map_err(io)?;
    Ok(CloneTokens([(TOKEN_NAME.to_string(), key)].into_iter().collect()))
}
