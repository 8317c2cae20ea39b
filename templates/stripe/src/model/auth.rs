//! Secret keys: `Authorization: Bearer sk_test_…` or HTTP Basic with the key as
//! the username (what `curl -u sk_test_…:` sends). Keys are checked against the
//! hashes in `api_keys`; a missing or unknown key is Stripe's 401.

use asym_clone_kit::secrets::hash_token;
use asym_store::Pool;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::errors::{StripeError, StripeResult};
use crate::store::keys;

const NO_KEY: &str = "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

/// The key an `Authorization` header carries, if any.
pub fn key_of(header: Option<&str>) -> Option<String> {
    let h = header?.trim();
    if let Some(rest) = h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")) {
        return Some(rest.trim().to_string());
    }
    if let Some(rest) = h.strip_prefix("Basic ").or_else(|| h.strip_prefix("basic ")) {
        let decoded = STANDARD.decode(rest.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        return Some(text.split(':').next().unwrap_or_default().to_string());
    }
    None
}

/// Stripe shows a refused key with all but its prefix and last four characters hidden.
pub fn redact(key: &str) -> String {
    let n = key.chars().count();
    if n <= 12 {
        return "*".repeat(n);
    }
    let head: String = key.chars().take(8).collect();
    let tail: String = key.chars().skip(n - 4).collect();
    format!("{head}{}{tail}", "*".repeat(n - 12))
}

pub async fn authenticate(db: &Pool, header: Option<&str>) -> StripeResult<()> {
    let Some(key) = key_of(header).filter(|k| !k.is_empty()) else {
        return Err(StripeError::Authentication { message: NO_KEY.into() });
    };
    if key.starts_with("pk_") {
        return Err(StripeError::Authentication {
            message: "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.".into(),
        });
    }
    if key.contains(char::is_whitespace) {
        return Err(StripeError::Authentication {
            message: format!(
                "Invalid API Key provided: {}. This key contains at least one space. Please delete the spaces and try again.",
                redact(&key)
            ),
        });
    }
    if keys::exists(db, &hash_token(&key)).await? {
        Ok(())
    } else {
        Err(StripeError::Authentication { message: format!("Invalid API Key provided: {}", redact(&key)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_basic_carry_the_key() {
        assert_eq!(key_of(Some("Bearer sk_test_abc")).as_deref(), Some("sk_test_abc"));
        let basic = format!("Basic {}", STANDARD.encode("sk_test_abc:"));
        assert_eq!(key_of(Some(&basic)).as_deref(), Some("sk_test_abc"));
        assert_eq!(key_of(None), None);
        assert_eq!(redact("sk_test_1234567890abcd"), "sk_test_**********abcd");
    }
}
