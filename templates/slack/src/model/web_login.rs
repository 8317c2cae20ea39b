//! Web login of seeded people: email and password give a JWT (HS256) signed with
//! a secret of this clone (derived from its admin token, so every clone has its
//! own and a restart keeps it). The Web API accepts that JWT as a user token of
//! its holder, with the default user scopes.

use std::sync::LazyLock;

use asym_clone_kit::secrets::{ALNUM, hash_token, random_string, same_secret};
use asym_store::Pool;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::{DEFAULT_USER_SCOPES, Principal, TokenKind};
use crate::model::seed::password_hash;
use crate::store::apps;
use crate::store::workspace;

/// How long a login lasts.
pub const TOKEN_TTL_SECS: i64 = 12 * 3600;
const ISSUER: &str = "asym-slack";

/// HMAC-SHA256 of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// The clone's signing key: from its admin token when the process has one, else
/// random for the life of the process.
fn secret() -> &'static [u8] {
    static SECRET: LazyLock<Vec<u8>> = LazyLock::new(|| match std::env::var(asym_contract::admin::env::ADMIN_TOKEN) {
        Ok(admin) if !admin.is_empty() => hmac_sha256(admin.as_bytes(), b"asym-slack web login"),
        _ => random_string(48, ALNUM).into_bytes(),
    });
    &SECRET
}

pub fn sign(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(hmac_sha256(secret(), signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

/// The claims of a JWT this clone signed and that has not expired.
pub fn verify(token: &str, now: i64) -> Option<Value> {
    let mut parts = token.split('.');
    let (header, payload, sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let head: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if head.get("alg").and_then(Value::as_str) != Some("HS256") {
        return None;
    }
    let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(secret(), format!("{header}.{payload}").as_bytes()));
    if !same_secret(&expected, sig) {
        return None;
    }
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let exp = claims.get("exp").and_then(Value::as_i64)?;
    (claims.get("iss").and_then(Value::as_str) == Some(ISSUER) && exp > now).then_some(claims)
}

/// Whether `token` has the shape of a JWT (three base64url parts), not `xox…`.
pub fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.split('.').count() == 3
}

#[derive(Debug)]
pub enum LoginError {
    InvalidCredentials,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        LoginError::Db(e)
    }
}

/// Checks `email` and `password`; returns the JWT and the user object.
pub async fn login(db: &Pool, email: &str, password: &str, now: i64) -> Result<(String, Value), LoginError> {
    let row = apps::login_user(db, email.trim()).await?.ok_or(LoginError::InvalidCredentials)?;
    let stored = row.password_hash.as_deref().ok_or(LoginError::InvalidCredentials)?;
    if !same_secret(&password_hash(&row.id, password), stored) {
        return Err(LoginError::InvalidCredentials);
    }
    let claims = json!({
        "iss": ISSUER,
        "sub": row.id,
        "team_id": row.team_id,
        "email": row.email,
        "iat": now,
        "exp": now + TOKEN_TTL_SECS,
    });
    let user = json!({ "id": row.id, "name": row.name, "email": row.email, "team_id": row.team_id });
    Ok((sign(&claims), user))
}

/// The Web API caller a login JWT stands for.
pub async fn principal(db: &Pool, token: &str, now: i64) -> SlackResult<Principal> {
    let claims = verify(token, now).ok_or(SlackError::InvalidAuth)?;
    let user_id = claims.get("sub").and_then(Value::as_str).ok_or(SlackError::InvalidAuth)?;
    let user = workspace::user(db, user_id).await?.ok_or(SlackError::InvalidAuth)?;
    if user.deleted || user.is_bot || claims.get("team_id").and_then(Value::as_str) != Some(user.team_id.as_str()) {
        return Err(SlackError::InvalidAuth);
    }
    Ok(Principal {
        kind: TokenKind::User,
        team_id: user.team_id,
        user_id: user.id,
        app_id: None,
        bot_id: None,
        scopes: DEFAULT_USER_SCOPES.iter().map(|s| s.to_string()).collect(),
        token_hash: hash_token(token),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwts_round_trip_and_reject_tampering_and_expiry() {
        let t = sign(&json!({ "iss": ISSUER, "sub": "U1", "exp": 2000 }));
        assert!(looks_like_jwt(&t));
        assert_eq!(verify(&t, 1000).unwrap()["sub"], "U1");
        assert!(verify(&t, 2000).is_none(), "expired");
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"iss":"asym-slack","sub":"U2","exp":2000}"#);
        parts[1] = &forged;
        assert!(verify(&parts.join("."), 1000).is_none(), "tampered payload");
        assert!(verify("a.b", 1000).is_none());
        let other = sign(&json!({ "iss": "someone-else", "sub": "U1", "exp": 2000 }));
        assert!(verify(&other, 1000).is_none());
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
