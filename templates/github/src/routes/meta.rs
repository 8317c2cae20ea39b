//! GitHub's meta endpoints: `/meta` (this clone's addresses), `/zen`,
//! `/octocat` and `/versions`.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::json;

use super::{Cx, Handler, json as ok};

/// GitHub's design philosophies, as `/zen` answers them.
pub const ZEN: &[&str] = &[
    "Responsive is better than fast.",
    "It's not fully shipped until it's fast.",
    "Anything added dilutes everything else.",
    "Practicality beats purity.",
    "Avoid administrative distraction.",
    "Mind your words, they are important.",
    "Non-blocking is better than blocking.",
    "Design for failure.",
    "Half measures are as bad as nothing at all.",
    "Favor focus over features.",
    "Approachable is better than simple.",
    "Encourage flow.",
    "Keep it logically awesome.",
    "Speak like a human.",
];

/// The REST API versions this clone serves (the one it names in `X-GitHub-Api-Version-Selected`).
pub const VERSIONS: &[&str] = &["2022-11-28"];

fn text(content_type: &'static str, body: String) -> Response {
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn zen_line() -> &'static str {
    ZEN[rand::random_range(0..ZEN.len())]
}

pub async fn zen(_cx: Cx) -> Handler {
    Ok(text("text/plain;charset=utf-8", zen_line().to_string()))
}

pub async fn versions(_cx: Cx) -> Handler {
    Ok(ok(json!(VERSIONS)))
}

/// The octocat saying `s` (or a line of zen).
pub async fn octocat(cx: Cx) -> Handler {
    let words = cx.query.get("s").map(String::from).unwrap_or_else(|| zen_line().to_string());
    Ok(text("application/octocat-stream", octocat_art(&words)))
}

pub fn octocat_art(words: &str) -> String {
    let n = words.chars().count();
    let bubble = [
        format!(" {}", "_".repeat(n + 2)),
        format!("|{}|", " ".repeat(n + 2)),
        format!("| {words} |"),
        format!("|_   {}|", "_".repeat(n.saturating_sub(2))),
        "  |/".to_string(),
    ];
    let art = [
        "               MMM.           .MMM",
        "               MMMMMMMMMMMMMMMMMMM",
        "               MMMMMMMMMMMMMMMMMMM     ",
        "              MMMMMMMMMMMMMMMMMMMMM    ",
        "             MMMMMMMMMMMMMMMMMMMMMMM   ",
        "            MMMMMMMMMMMMMMMMMMMMMMMM   ",
        "            MMMM::- -:::::::- -::MMMM  ",
        "             MM~:~ 00~:::::~ 00~:~MM",
        "        .. MMMMM::.00:::+:::.00::MMMMM ..",
        "              .MM::::: ._. :::::MM.",
        "                 MMMM;:::::;MMMM",
        "          -MM        MMMMMMM",
        "          ^  M+     MMMMMMMMM",
        "              MMMMMMM MM MM MM",
        "                   MM MM MM MM",
        "                   MM MM MM MM",
        "                .~~MM~MM~MM~MM~~.",
        "             ~~~~MM:~MM~~~MM~:MM~~~~",
        "            ~~~~~~==~==~~~==~==~~~~~~",
        "             ~~~~~~==~==~==~==~~~~~~",
        "                 :~==~==~==~==~~",
    ];
    let mut out = String::new();
    for (k, line) in art.iter().enumerate() {
        out.push_str(line);
        if (2..7).contains(&k) {
            out.push_str(&bubble[k - 2]);
        }
        out.push('\n');
    }
    out
}

/// `GET /meta`: where this clone is reached and where its webhooks come from.
/// It serves no SSH, Pages, Actions or package traffic, so those lists are empty.
pub async fn meta(cx: Cx) -> Handler {
    let host = cx.base.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("");
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h).trim_start_matches('[').trim_end_matches(']');
    let cidr = match name.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => format!("{ip}/32"),
        Ok(std::net::IpAddr::V6(ip)) => format!("{ip}/128"),
        Err(_) => "127.0.0.1/32".to_string(),
    };
    Ok(ok(json!({
        "verifiable_password_authentication": false,
        "ssh_key_fingerprints": {},
        "ssh_keys": [],
        "hooks": [cidr],
        "web": [cidr],
        "api": [cidr],
        "git": [],
        "github_enterprise_importer": [],
        "packages": [],
        "pages": [],
        "importer": [],
        "actions": [],
        "actions_macos": [],
        "codespaces": [],
        "dependabot": [],
        "copilot": [],
        "domains": { "website": [name], "codespaces": [], "copilot": [], "packages": [], "actions": [], "artifact_attestations": { "trust_domain": "", "services": [] } },
    })))
}
