//! GitHub's search query language for issues, pull requests and repositories:
//! free words plus qualifiers (`repo:`, `is:`, `type:`, `state:`, `label:`,
//! `author:`, `assignee:`, `mentions:`, `no:`, `in:`, `user:`/`org:`, `topic:`).

/// One parsed query: words to match and `key:value` qualifiers (negated with `-`).
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub words: Vec<String>,
    pub qualifiers: Vec<(String, String, bool)>,
}

impl Parsed {
    pub fn all(&self, key: &str) -> impl Iterator<Item = (&str, bool)> {
        self.qualifiers.iter().filter(move |q| q.0 == key).map(|q| (q.1.as_str(), q.2))
    }
}

/// Splits on whitespace, keeping `"quoted phrases"` (also as qualifier values).
pub fn parse(q: &str) -> Parsed {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in q.chars() {
        match ch {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    tokens.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    let mut out = Parsed::default();
    for t in tokens {
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) if rest.contains(':') => (true, rest.to_string()),
            _ => (false, t.clone()),
        };
        match body.split_once(':') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() && k.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-') => {
                out.qualifiers.push((k.to_ascii_lowercase(), v.to_string(), neg))
            }
            _ => out.words.push(t.to_ascii_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_and_quoted_labels_are_parsed() {
        let p = parse(r#"repo:acme/hello-world is:open label:"good first issue" -label:bug crash"#);
        assert_eq!(p.words, vec!["crash"]);
        assert_eq!(
            p.qualifiers,
            vec![
                ("repo".into(), "acme/hello-world".into(), false),
                ("is".into(), "open".into(), false),
                ("label".into(), "good first issue".into(), false),
                ("label".into(), "bug".into(), true),
            ]
        );
    }
}
