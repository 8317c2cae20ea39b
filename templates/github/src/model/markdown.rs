//! GitHub's Markdown rendering: `POST /markdown`, `POST /markdown/raw`, and the
//! `body_html` / `body_text` of the `html`, `text` and `full` body media types.
//!
//! CommonMark with GitHub's extensions (tables, strikethrough, task lists) is
//! `pulldown-cmark`'s; on top of its event stream the clone adds what GitHub
//! does to text outside code and links: bare `http(s)://` URLs become links
//! (GFM's extended autolinks), and in `gfm` mode with a repository context,
//! `#123` references to that repository's issues and pull requests and
//! `@login` mentions of existing accounts become links to the clone's pages.
//! In `gfm` mode a single newline is a line break (`<br>`), as in comments.
//! Raw HTML passes through as on GitHub, except what its sanitizer removes:
//! a raw HTML fragment naming a script-capable element, an event-handler
//! attribute or a `javascript:` URL is dropped whole.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, TextMergeStream, html};

use crate::store::accounts;
use crate::store::issues as issue_store;
use crate::store::repos::RepoRow;

/// How text is rendered.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Plain Markdown, like a README (`mode: "markdown"` and `/markdown/raw`).
    Markdown,
    /// GitHub Flavored Markdown as in issues and comments: line breaks, references, mentions.
    Gfm,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "markdown" => Some(Mode::Markdown),
            "gfm" => Some(Mode::Gfm),
            _ => None,
        }
    }
}

/// What `#N` and `@login` may link to: the context repository's existing
/// issues and pull requests, and existing accounts.
#[derive(Default, Debug)]
pub struct Refs {
    /// `owner/repo` of the context repository.
    pub repo: Option<String>,
    /// Issue number → whether it is a pull request.
    pub issues: HashMap<i64, bool>,
    /// Existing accounts, lowercased login → login as spelled by the account.
    pub users: HashMap<String, String>,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_GFM
}

/// The HTML GitHub renders for `text`; `refs` are resolved by [`resolve`].
pub fn to_html(text: &str, mode: Mode, base: &str, refs: &Refs) -> String {
    let mut out = Vec::new();
    let mut opaque = 0usize; // inside code blocks, links and images nothing is linked
    for ev in TextMergeStream::new(Parser::new_ext(text, options())) {
        match ev {
            Event::Start(t @ (Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. })) => {
                opaque += 1;
                out.push(Event::Start(t));
            }
            Event::End(t @ (TagEnd::CodeBlock | TagEnd::Link | TagEnd::Image)) => {
                opaque = opaque.saturating_sub(1);
                out.push(Event::End(t));
            }
            Event::SoftBreak if mode == Mode::Gfm => out.push(Event::InlineHtml("<br>\n".into())),
            Event::HardBreak => out.push(Event::InlineHtml("<br>\n".into())),
            Event::Text(t) if opaque == 0 => link_text(&t, mode, base, refs, &mut out),
            Event::Html(h) | Event::InlineHtml(h) if unsafe_html(&h) => {}
            ev => out.push(ev),
        }
    }
    let mut html_out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut html_out, out.into_iter());
    html_out
}

/// The plain text of `text` rendered (GitHub's `body_text`): no markup, one
/// line per block.
pub fn to_text(text: &str) -> String {
    let mut out = String::new();
    for ev in Parser::new_ext(text, options()) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::TableHead
                | TagEnd::TableRow
                | TagEnd::BlockQuote(_),
            ) => out.push('\n'),
            Event::End(TagEnd::TableCell) => out.push(' '),
            _ => {}
        }
    }
    let mut lines: Vec<&str> = out.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect();
    lines.dedup_by(|a, b| a.is_empty() && b.is_empty());
    lines.join("\n")
}

/// `@login` and `#N` candidates in `text` (outside code), for [`resolve`].
pub fn candidates(text: &str) -> (HashSet<String>, HashSet<i64>) {
    let mut logins = HashSet::new();
    let mut numbers = HashSet::new();
    let mut opaque = 0usize;
    for ev in TextMergeStream::new(Parser::new_ext(text, options())) {
        match ev {
            Event::Start(Tag::CodeBlock(_) | Tag::Link { .. } | Tag::Image { .. }) => opaque += 1,
            Event::End(TagEnd::CodeBlock | TagEnd::Link | TagEnd::Image) => opaque = opaque.saturating_sub(1),
            Event::Text(t) if opaque == 0 => {
                for tok in tokens(&t) {
                    match tok {
                        Token::Mention(l) => {
                            logins.insert(l.to_ascii_lowercase());
                        }
                        Token::Issue(n) => {
                            numbers.insert(n);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    (logins, numbers)
}

/// Looks up which of the references in `texts` exist: accounts anywhere, issue
/// numbers in `context`.
pub async fn resolve(conn: &mut sqlx::AnyConnection, context: Option<&RepoRow>, texts: &[&str]) -> sqlx::Result<Refs> {
    let mut refs = Refs { repo: context.map(|r| r.full_name()), ..Refs::default() };
    let (mut logins, mut numbers) = (HashSet::new(), HashSet::new());
    for t in texts {
        let (l, n) = candidates(t);
        logins.extend(l);
        numbers.extend(n);
    }
    for l in logins {
        if let Some(a) = accounts::by_login(&mut *conn, &l).await? {
            refs.users.insert(l, a.login);
        }
    }
    if let Some(r) = context {
        for n in numbers {
            if let Some(i) = issue_store::by_number(&mut *conn, r.id, n).await? {
                refs.issues.insert(n, i.is_pull);
            }
        }
    }
    Ok(refs)
}

/// Raw HTML GitHub's sanitizer would not let through.
fn unsafe_html(h: &str) -> bool {
    const TAGS: &[&str] =
        &["script", "style", "iframe", "frame", "object", "embed", "form", "textarea", "button", "meta", "link", "base", "svg", "math"];
    let h = h.to_ascii_lowercase();
    let names_tag = |tag: &str| {
        ["<", "</"].iter().any(|open| {
            h.match_indices(&format!("{open}{tag}")).any(|(i, m)| !h[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric()))
        })
    };
    let handler = h.match_indices("on").any(|(i, _)| {
        let before = h[..i].chars().next_back();
        let name_len = h[i + 2..].bytes().take_while(u8::is_ascii_alphabetic).count();
        before.is_some_and(|c| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
            && name_len > 0
            && h[i + 2 + name_len..].trim_start().starts_with('=')
    });
    TAGS.iter().any(|t| names_tag(t)) || handler || h.contains("javascript:")
}

enum Token<'a> {
    Plain(&'a str),
    Url(&'a str),
    Mention(&'a str),
    Issue(i64),
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits a text run into plain text, bare URLs, `@login` mentions and `#N` references.
fn tokens(t: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut i = 0;
    let bytes = t.as_bytes();
    while i < t.len() {
        let prev = t[..i].chars().next_back();
        let boundary = prev.is_none_or(|c| !is_word(c) && c != '/' && c != '&' && c != '@' && c != '#' && c != '.');
        let rest = &t[i..];
        let found = if boundary && (rest.starts_with("https://") || rest.starts_with("http://")) {
            url_len(rest).map(|n| (n, Token::Url(&rest[..n])))
        } else if boundary && bytes[i] == b'@' {
            login_len(&rest[1..]).map(|n| (n + 1, Token::Mention(&rest[1..=n])))
        } else if boundary && bytes[i] == b'#' {
            let digits = rest[1..].bytes().take_while(u8::is_ascii_digit).count();
            let after = rest[1 + digits..].chars().next();
            match rest[1..=digits].parse::<i64>() {
                Ok(n) if digits > 0 && after.is_none_or(|c| !is_word(c)) => Some((digits + 1, Token::Issue(n))),
                _ => None,
            }
        } else {
            None
        };
        match found {
            Some((n, tok)) => {
                if plain_from < i {
                    out.push(Token::Plain(&t[plain_from..i]));
                }
                out.push(tok);
                i += n;
                plain_from = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if plain_from < t.len() {
        out.push(Token::Plain(&t[plain_from..]));
    }
    out
}

/// A GitHub login at the start of `s`: alphanumerics and single inner hyphens, at most 39.
fn login_len(s: &str) -> Option<usize> {
    let n = s.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'-').count();
    let login = s[..n].trim_end_matches('-');
    let after = s[login.len()..].chars().next();
    let ok = !login.is_empty() && login.len() <= 39 && !login.starts_with('-') && !login.contains("--");
    (ok && after.is_none_or(|c| !is_word(c) || c == '-')).then_some(login.len())
}

/// The length of a bare URL at the start of `s`, per GFM's extended autolinks:
/// up to whitespace or `<`, less trailing punctuation and unbalanced `)`.
fn url_len(s: &str) -> Option<usize> {
    let mut end = s.find(|c: char| c.is_whitespace() || c == '<').unwrap_or(s.len());
    loop {
        let cand = &s[..end];
        if let Some(c) = cand.chars().next_back() {
            if "?!.,:*_~'\"".contains(c) {
                end -= c.len_utf8();
                continue;
            }
            if c == ')' && cand.matches(')').count() > cand.matches('(').count() {
                end -= 1;
                continue;
            }
        }
        break;
    }
    let scheme = if s.starts_with("https://") { 8 } else { 7 };
    (end > scheme).then_some(end)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn link_text<'a>(t: &str, mode: Mode, base: &str, refs: &Refs, out: &mut Vec<Event<'a>>) {
    for tok in tokens(t) {
        match tok {
            Token::Url(u) => {
                let u = escape(u);
                out.push(Event::InlineHtml(CowStr::from(format!("<a href=\"{u}\" rel=\"nofollow\">{u}</a>"))));
            }
            Token::Mention(l) if mode == Mode::Gfm && refs.users.contains_key(&l.to_ascii_lowercase()) => {
                let login = &refs.users[&l.to_ascii_lowercase()];
                out.push(Event::InlineHtml(CowStr::from(format!(
                    "<a class=\"user-mention notranslate\" data-hovercard-type=\"user\" data-hovercard-url=\"/users/{login}/hovercard\" href=\"{base}/{login}\">@{l}</a>"
                ))));
            }
            Token::Issue(n) if mode == Mode::Gfm && refs.issues.contains_key(&n) => {
                let repo = refs.repo.as_deref().unwrap_or_default();
                let (kind, seg) = if refs.issues[&n] { ("pull_request", "pull") } else { ("issue", "issues") };
                let url = format!("{base}/{repo}/{seg}/{n}");
                out.push(Event::InlineHtml(CowStr::from(format!(
                    "<a class=\"issue-link js-issue-link\" data-hovercard-type=\"{kind}\" data-url=\"{url}\" href=\"{url}\">#{n}</a>"
                ))));
            }
            Token::Plain(p) => out.push(Event::Text(CowStr::from(p.to_string()))),
            Token::Mention(l) => out.push(Event::Text(CowStr::from(format!("@{l}")))),
            Token::Issue(n) => out.push(Event::Text(CowStr::from(format!("#{n}")))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs() -> Refs {
        Refs {
            repo: Some("acme/widgets".into()),
            issues: HashMap::from([(1, false), (2, true)]),
            users: HashMap::from([("octocat".to_string(), "octocat".to_string())]),
        }
    }

    #[test]
    fn renders_commonmark_and_gfm_extensions() {
        let r = Refs::default();
        assert_eq!(to_html("Hello **world**", Mode::Markdown, "", &r), "<p>Hello <strong>world</strong></p>\n");
        let t = to_html("| a | b |\n|---|---|\n| 1 | 2 |\n", Mode::Markdown, "", &r);
        assert!(t.contains("<table>") && t.contains("<td>1</td>"), "{t}");
        assert!(to_html("~~gone~~", Mode::Markdown, "", &r).contains("<del>gone</del>"));
        assert!(to_html("- [x] done\n- [ ] todo", Mode::Markdown, "", &r).contains("checked=\"\""));
        assert_eq!(
            to_html("see https://example.com/a_(b).", Mode::Markdown, "", &r),
            "<p>see <a href=\"https://example.com/a_(b)\" rel=\"nofollow\">https://example.com/a_(b)</a>.</p>\n"
        );
    }

    #[test]
    fn gfm_links_references_and_mentions_that_exist() {
        let h = to_html("Fixes #1 and #2, not #3; cc @octocat @nobody\n`#1` line", Mode::Gfm, "http://x", &refs());
        assert!(h.contains("href=\"http://x/acme/widgets/issues/1\">#1</a>"), "{h}");
        assert!(h.contains("href=\"http://x/acme/widgets/pull/2\">#2</a>"), "{h}");
        assert!(h.contains("not #3;"), "{h}");
        assert!(h.contains("href=\"http://x/octocat\">@octocat</a>"), "{h}");
        assert!(h.contains(" @nobody<br>\n<code>#1</code>"), "{h}");
        let plain = to_html("Fixes #1 cc @octocat", Mode::Markdown, "http://x", &refs());
        assert_eq!(plain, "<p>Fixes #1 cc @octocat</p>\n");
        assert!(to_html("mail me@octocat.com x#1", Mode::Gfm, "http://x", &refs()).contains("me@octocat.com x#1"));
    }

    #[test]
    fn raw_html_passes_unless_the_sanitizer_would_remove_it() {
        let r = Refs::default();
        assert_eq!(to_html("a <kbd>Ctrl</kbd> b", Mode::Markdown, "", &r), "<p>a <kbd>Ctrl</kbd> b</p>\n");
        assert_eq!(to_html("<script>alert(1)</script>\n\nok", Mode::Markdown, "", &r), "<p>ok</p>\n");
        assert_eq!(to_html("x <img src=\"a.png\" onerror=\"alert(1)\"> y", Mode::Markdown, "", &r), "<p>x  y</p>\n");
        assert!(to_html("<details><summary>s</summary>\n\nbody\n</details>", Mode::Markdown, "", &r).contains("<details>"));
        assert!(!unsafe_html("<p class=\"content\">"));
    }

    #[test]
    fn candidates_skip_code() {
        let (l, n) = candidates("@a-b #12 `@c #13`\n\n```\n@d #14\n```");
        assert_eq!(l, HashSet::from(["a-b".to_string()]));
        assert_eq!(n, HashSet::from([12]));
    }

    #[test]
    fn plain_text() {
        assert_eq!(to_text("# Title\n\nHello **world**\n\n- one\n- two"), "Title\nHello world\none\ntwo");
    }
}
