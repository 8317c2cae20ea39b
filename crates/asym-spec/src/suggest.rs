//! Did-you-mean for keys and names.

/// The closest candidate to `input`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (c, strsim::jaro_winkler(&lower, &c.to_ascii_lowercase())))
        .filter(|(_, score)| *score >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into our
/// one-line form with a suggestion; other messages pass through.
pub(crate) fn explain_unknown_field(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    let (key, tail) = rest.split_once('`')?;
    let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    Some(unknown_key(key, &expected))
}

/// "unknown key 'x' (did you mean 'y'?); expected one of: a, b"
pub(crate) fn unknown_key(key: &str, expected: &[&str]) -> String {
    let mut out = format!("unknown key '{key}'");
    if let Some(s) = did_you_mean(key, expected.iter().copied()) {
        out.push_str(&format!(" (did you mean '{s}'?)"));
    }
    if !expected.is_empty() {
        out.push_str(&format!("; expected one of: {}", expected.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(did_you_mean("clone", ["name", "clones"]), Some("clones"));
        assert_eq!(did_you_mean("portrange", ["portRange", "databaseUrl"]), Some("portRange"));
        assert_eq!(did_you_mean("zzz", ["name", "clones"]), None);
    }

    #[test]
    fn rewrites_serde_unknown_field() {
        let m = explain_unknown_field("unknown field `clone`, expected one of `name`, `clones`").unwrap();
        assert_eq!(m, "unknown key 'clone' (did you mean 'clones'?); expected one of: name, clones");
        assert!(explain_unknown_field("invalid type").is_none());
    }
}
