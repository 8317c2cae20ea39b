//! Release asset rules: GitHub renames file names with characters other than
//! letters, digits, `-`, `_`, `+` and `.` (each becomes `.`), and drops leading
//! and trailing periods.

pub fn asset_name(raw: &str) -> String {
    let mapped: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() || "-_+.".contains(c) { c } else { '.' }).collect();
    mapped.trim_matches('.').to_string()
}

pub fn digest(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("sha256:{}", hex::encode(Sha256::digest(data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_special_characters_and_outer_periods() {
        assert_eq!(asset_name("my file (1).tar.gz"), "my.file..1..tar.gz");
        assert_eq!(asset_name(".hidden."), "hidden");
        assert_eq!(asset_name("app-1.0_x86+64.zip"), "app-1.0_x86+64.zip");
    }
}
