//! Stripe-format ids: a type prefix and alphanumerics (`cus_NffrFeUfNV2Hib`,
//! `pi_3MtwBwLkdIwHu7ix28a3tqPa`), and the request ids of `Request-Id` (`req_…`).
//!
//! A new id's body starts with the time it was made and ends in random
//! characters. Stripe's own ids are roughly time-ordered too; here it puts each
//! new row at the end of its table's id index (and of the indexes on ids other
//! rows point at), so the rows a burst of requests inserts share index pages
//! instead of each dirtying a random page, which the log and the checkpoint then
//! each write out again.

use std::sync::atomic::{AtomicI64, Ordering};

use asym_clone_kit::secrets::{ALNUM, random_string};
use sha2::{Digest, Sha256};

/// Base 62 with its digits in byte order, so that encoded times sort as text.
const ORDERED: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Characters of an id body that encode the time (62^9 microseconds is about
/// 420 years).
const TIME_CHARS: usize = 9;

/// A new id with Stripe's prefix and body length for that prefix.
pub fn new(prefix: &str) -> String {
    let len = match prefix {
        "cus" | "prod" | "req" | "acct" => 14,
        _ => 24,
    };
    let mut body = String::with_capacity(len);
    let mut t = monotonic_micros().max(0) as u64;
    let mut time = [b'0'; TIME_CHARS];
    for c in time.iter_mut().rev() {
        *c = ORDERED[(t % 62) as usize];
        t /= 62;
    }
    body.extend(time.iter().map(|&b| b as char));
    body.push_str(&random_string(len - TIME_CHARS, ALNUM));
    format!("{prefix}_{body}")
}

/// Microseconds since the epoch, strictly increasing within the process.
pub fn monotonic_micros() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(prev + 1);
        match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(p) => prev = p,
        }
    }
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

    #[test]
    fn new_ids_sort_in_the_order_they_were_made() {
        let made: Vec<String> = (0..1000).map(|_| new("ch")).collect();
        assert!(made.windows(2).all(|w| w[0] < w[1]), "ids out of order");
        assert!(made.iter().all(|id| id.len() == 27 && id[3..].bytes().all(|b| b.is_ascii_alphanumeric())));
    }
}
