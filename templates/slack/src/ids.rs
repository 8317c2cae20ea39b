//! Slack-format ids: a type letter and uppercase base-32 characters (`U024BE7LH`).

use rand::RngExt;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A random id such as `C05ABCDE12`.
pub fn random(prefix: char) -> String {
    let mut rng = rand::rng();
    let body: String = (0..10).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("{prefix}{body}")
}

/// A stable id derived from `seed`, so a clone's app keeps its ids across resets.
pub fn derived(prefix: char, seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let body: String = digest.iter().take(10).map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    format!("{prefix}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_slack_ids() {
        let id = random('C');
        assert_eq!(id.len(), 11);
        assert!(id.starts_with('C'));
        assert!(id[1..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        assert_eq!(derived('A', "slack-a1b2"), derived('A', "slack-a1b2"));
        assert_ne!(derived('A', "slack-a1b2"), derived('A', "slack-a1b3"));
    }
}
