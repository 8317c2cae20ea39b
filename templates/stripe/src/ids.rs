//! Stripe-format ids: a type prefix and random alphanumerics (`cus_NffrFeUfNV2Hib`,
//! `pi_3MtwBwLkdIwHu7ix28a3tqPa`), and the request ids of `Request-Id` (`req_…`).

use asym_clone_kit::secrets::{ALNUM, random_string};
use sha2::{Digest, Sha256};

/// A new id with Stripe's prefix and body length for that prefix.
pub fn new(prefix: &str) -> String {
    let len = match prefix {
        "cus" | "prod" | "req" | "acct" => 14,
        _ => 24,
    };
    format!("{prefix}_{}", random_string(len, ALNUM))
}

/// A stable id derived from `seed` (seeded objects keep their ids across resets).
pub fn derived(prefix: &str, seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let body: String = digest.iter().take(14).map(|b| ALNUM[*b as usize % ALNUM.len()] as char).collect();
    format!("{prefix}_{body}")
}

/// A `client_secret` for a payment or setup intent: `<id>_secret_<random>`.
pub fn client_secret(id: &str) -> String {
    format!("{id}_secret_{}", random_string(25, ALNUM))
}

/// A webhook endpoint signing secret (`whsec_…`).
pub fn webhook_secret() -> String {
    format!("whsec_{}", random_string(32, ALNUM))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_stripes_prefixes() {
        let c = new("cus");
        assert!(c.starts_with("cus_") && c.len() == 18, "{c}");
        let p = new("pi");
        assert!(p.starts_with("pi_") && p.len() == 27, "{p}");
        assert_eq!(derived("cus", "a"), derived("cus", "a"));
        assert_ne!(derived("cus", "a"), derived("cus", "b"));
        assert!(client_secret(&p).starts_with(&format!("{p}_secret_")));
    }
}
