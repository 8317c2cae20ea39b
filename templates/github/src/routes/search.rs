//! `GET /search/issues` and `GET /search/repositories`.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use super::{Cx, Handler};
use crate::errors::{GhError, GhResult};
use crate::model::access::{self, Perm};
use crate::model::issues as imodel;
use crate::model::search::{Parsed, parse};
use crate::objects;
use crate::store::accounts;
use crate::store::issues::{self as istore, IssueRow};
use crate::store::repos::{self, RepoRow};

fn query(cx: &Cx) -> GhResult<Parsed> {
    let q = cx.query.get("q").filter(|q| !q.trim().is_empty()).ok_or_else(|| GhError::missing("Search", "q"))?;
    if q.len() > 256 {
        return Err(GhError::Validation(vec![crate::errors::FieldError::custom(
            "Search",
            "q",
            "The search is longer than 256 characters.",
        )]));
    }
    Ok(parse(q))
}

async fn visible_repos(cx: &Cx) -> GhResult<Vec<(RepoRow, Perm)>> {
    let mut out = Vec::new();
    for r in repos::all(&*cx.db).await? {
        let p = access::permission(&cx.db, &cx.caller, &r).await?;
        if p > Perm::None {
            out.push((r, p));
        }
    }
    Ok(out)
}

fn with_total(items: Vec<Value>, total: i64, page: crate::wire::Page, url: String) -> axum::response::Response {
    let link = crate::wire::link_header(&url, total, page);
    let mut resp = axum::response::IntoResponse::into_response(axum::Json(
        json!({ "total_count": total, "incomplete_results": false, "items": items }),
    ));
    if let Some(l) = link.and_then(|l| l.parse().ok()) {
        resp.headers_mut().insert(axum::http::header::LINK, l);
    }
    resp
}

pub async fn issues(cx: Cx) -> Handler {
    let q = query(&cx)?;
    let page = cx.query.page()?;
    let mut rs = visible_repos(&cx).await?;
    for (v, neg) in q.all("repo") {
        rs.retain(|(r, _)| r.full_name().eq_ignore_ascii_case(v) != neg);
    }
    for key in ["user", "org"] {
        for (v, neg) in q.all(key) {
            rs.retain(|(r, _)| r.owner_login.eq_ignore_ascii_case(v) != neg);
        }
    }
    let mut conn = cx.db.acquire().await?;
    let ids: Vec<i64> = rs.iter().map(|(r, _)| r.id).collect();
    let rows = istore::of_repos(&mut conn, &ids, "all").await?;
    let row_ids: Vec<i64> = rows.iter().map(|i| i.id).collect();
    let labels = istore::labels_of(&mut conn, &row_ids).await?;
    let assignees = istore::assignees_of(&mut conn, &row_ids).await?;
    let merged: HashMap<i64, Option<i64>> = istore::merged_at_of(&mut conn, &row_ids).await?.into_iter().collect();
    let mut logins: HashMap<String, i64> = HashMap::new();
    for key in ["author", "assignee", "mentions", "involves"] {
        for (v, _) in q.all(key) {
            let id = if v == "@me" { cx.caller.id() } else { accounts::by_login(&mut *conn, v).await?.map(|a| a.id) };
            logins.insert(v.to_ascii_lowercase(), id.unwrap_or(-1));
        }
    }
    let me_login = cx.caller.user.as_ref().map(|u| u.login.to_ascii_lowercase());
    let id_of = |v: &str| logins.get(&v.to_ascii_lowercase()).copied().unwrap_or(-1);
    let in_fields: HashSet<String> = q.all("in").map(|(v, _)| v.to_ascii_lowercase()).collect();
    let mut comments_text: HashMap<i64, String> = HashMap::new();
    if in_fields.contains("comments") || q.all("mentions").count() > 0 {
        for i in &rows {
            let cs = istore::comments_of_issue(&mut *conn, i.id).await?;
            comments_text.insert(i.id, cs.iter().map(|c| c.body.to_ascii_lowercase()).collect::<Vec<_>>().join("\n"));
        }
    }
    let mut hits: Vec<IssueRow> = Vec::new();
    for i in rows {
        let my_labels: Vec<&str> = labels.iter().filter(|(id, _)| *id == i.id).map(|(_, l)| l.name.as_str()).collect();
        let my_assignees: Vec<i64> = assignees.iter().filter(|(id, _)| *id == i.id).map(|(_, u)| *u).collect();
        let mut ok = true;
        for (k, v, neg) in &q.qualifiers {
            let v_l = v.to_ascii_lowercase();
            let m = match k.as_str() {
                "is" | "type" => match v_l.as_str() {
                    "issue" => !i.is_pull,
                    "pr" | "pull-request" => i.is_pull,
                    "open" => i.state == "open",
                    "closed" => i.state == "closed",
                    "merged" => merged.get(&i.id).copied().flatten().is_some(),
                    "unmerged" => i.is_pull && merged.get(&i.id).copied().flatten().is_none(),
                    "locked" => i.locked,
                    "unlocked" => !i.locked,
                    "public" | "private" => true,
                    _ => {
                        return Err(GhError::Validation(vec![crate::errors::FieldError::custom(
                            "Search",
                            "q",
                            format!("`{v}` is not a valid value for `{k}`"),
                        )]));
                    }
                },
                "state" => i.state == v_l,
                "label" => v.split(',').any(|want| my_labels.iter().any(|l| l.eq_ignore_ascii_case(want))),
                "author" => i.user_id == id_of(v),
                "assignee" => my_assignees.contains(&id_of(v)),
                "mentions" => {
                    let needle = format!("@{}", if v == "@me" { me_login.clone().unwrap_or_default() } else { v_l.clone() });
                    i.body.as_deref().unwrap_or("").to_ascii_lowercase().contains(&needle)
                        || comments_text.get(&i.id).is_some_and(|c| c.contains(&needle))
                }
                "involves" => i.user_id == id_of(v) || my_assignees.contains(&id_of(v)),
                "no" => match v_l.as_str() {
                    "label" => my_labels.is_empty(),
                    "assignee" => my_assignees.is_empty(),
                    "milestone" => i.milestone_id.is_none(),
                    _ => true,
                },
                "repo" | "user" | "org" | "in" | "sort" => true,
                _ => true,
            };
            if m == *neg {
                ok = false;
                break;
            }
        }
        if !ok {
            continue;
        }
        if !q.words.is_empty() {
            let title = i.title.to_ascii_lowercase();
            let body = i.body.as_deref().unwrap_or("").to_ascii_lowercase();
            let comments = comments_text.get(&i.id).cloned().unwrap_or_default();
            let matches = q.words.iter().all(|w| {
                (in_fields.is_empty() || in_fields.contains("title")) && title.contains(w.as_str())
                    || (in_fields.is_empty() || in_fields.contains("body")) && body.contains(w.as_str())
                    || in_fields.contains("comments") && comments.contains(w.as_str())
            });
            if !matches {
                continue;
            }
        }
        hits.push(i);
    }
    let sort = cx.query.get("sort").unwrap_or("best-match");
    match sort {
        "created" | "best-match" => hits.sort_by_key(|i| (i.created_at, i.id)),
        "updated" => hits.sort_by_key(|i| (i.updated_at, i.id)),
        "comments" => hits.sort_by_key(|i| (i.comments, i.id)),
        "reactions" | "interactions" => hits.sort_by_key(|i| (i.comments, i.id)),
        _ => return Err(GhError::invalid("Search", "sort")),
    }
    if cx.query.get("order").unwrap_or("desc") == "desc" {
        hits.reverse();
    }
    let total = hits.len() as i64;
    let shown = page.slice(&hits);
    let map: HashMap<i64, RepoRow> = rs.into_iter().map(|(r, _)| (r.id, r)).collect();
    let mut items = imodel::render(&mut conn, &cx.base, &map, &shown).await?;
    for v in items.iter_mut() {
        v["score"] = json!(1.0);
    }
    Ok(with_total(items, total, page, cx.url()))
}

pub async fn repositories(cx: Cx) -> Handler {
    let q = query(&cx)?;
    let page = cx.query.page()?;
    let mut rs = visible_repos(&cx).await?;
    for (k, v, neg) in &q.qualifiers {
        let v_l = v.to_ascii_lowercase();
        rs.retain(|(r, _)| {
            let m = match k.as_str() {
                "user" | "org" => r.owner_login.eq_ignore_ascii_case(v),
                "repo" => r.full_name().eq_ignore_ascii_case(v),
                "topic" => r.topic_list().iter().any(|t| t == &v_l),
                "is" => match v_l.as_str() {
                    "public" => !r.private,
                    "private" => r.private,
                    _ => true,
                },
                "archived" => r.archived == (v_l == "true"),
                _ => true,
            };
            m != *neg
        });
    }
    let in_fields: HashSet<String> = q.all("in").map(|(v, _)| v.to_ascii_lowercase()).collect();
    rs.retain(|(r, _)| {
        let name = r.name.to_ascii_lowercase();
        let desc = r.description.as_deref().unwrap_or("").to_ascii_lowercase();
        let topics = r.topic_list().join(" ");
        q.words.iter().all(|w| {
            (in_fields.is_empty() || in_fields.contains("name")) && name.contains(w.as_str())
                || (in_fields.is_empty() || in_fields.contains("description")) && desc.contains(w.as_str())
                || (in_fields.is_empty() || in_fields.contains("topics")) && topics.contains(w.as_str())
        })
    });
    match cx.query.get("sort").unwrap_or("best-match") {
        "updated" => rs.sort_by_key(|(r, _)| (r.updated_at, r.id)),
        "best-match" | "stars" | "forks" | "help-wanted-issues" => rs.sort_by_key(|(r, _)| (r.created_at, r.id)),
        _ => return Err(GhError::invalid("Search", "sort")),
    }
    if cx.query.get("order").unwrap_or("desc") == "desc" {
        rs.reverse();
    }
    let total = rs.len() as i64;
    let mut items: Vec<Value> = page
        .slice(&rs)
        .iter()
        .map(|(r, p)| {
            let mut v = objects::repo(&cx.base, r, Some(*p));
            v["score"] = json!(1.0);
            v
        })
        .collect();
    crate::model::repos::with_open_issues(&*cx.db, &mut items).await?;
    Ok(with_total(items, total, page, cx.url()))
}

fn extension_language(path: &str) -> Option<&'static str> {
    const LANGS: &[(&str, &str)] = &[
        ("py", "python"),
        ("rs", "rust"),
        ("js", "javascript"),
        ("mjs", "javascript"),
        ("ts", "typescript"),
        ("go", "go"),
        ("rb", "ruby"),
        ("java", "java"),
        ("c", "c"),
        ("h", "c"),
        ("cpp", "c++"),
        ("sh", "shell"),
        ("md", "markdown"),
        ("json", "json"),
        ("yml", "yaml"),
        ("yaml", "yaml"),
        ("toml", "toml"),
        ("html", "html"),
        ("css", "css"),
    ];
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    LANGS.iter().find(|(e, _)| *e == ext).map(|x| x.1)
}

/// `GET /search/code`: words in the files of each visible repository's default
/// branch, with `repo:`, `user:`/`org:`, `path:`, `filename:`, `extension:`,
/// `language:` and `in:file`/`in:path`. Needs authentication, as on GitHub.
pub async fn code(cx: Cx) -> Handler {
    cx.caller.require()?;
    let q = query(&cx)?;
    let page = cx.query.page()?;
    let mut rs = visible_repos(&cx).await?;
    for (v, neg) in q.all("repo") {
        rs.retain(|(r, _)| r.full_name().eq_ignore_ascii_case(v) != neg);
    }
    for key in ["user", "org"] {
        for (v, neg) in q.all(key) {
            rs.retain(|(r, _)| r.owner_login.eq_ignore_ascii_case(v) != neg);
        }
    }
    let in_fields: HashSet<String> = q.all("in").map(|(v, _)| v.to_ascii_lowercase()).collect();
    let mut conn = cx.db.acquire().await?;
    let mut hits: Vec<(RepoRow, String, String, String)> = Vec::new();
    for (r, _) in &rs {
        let Some(tip) = crate::model::gitdb::resolve(&mut conn, r.id, &r.default_branch).await? else { continue };
        for (path, (_, sha)) in crate::model::gitdb::files_at(&mut conn, r.id, &tip).await? {
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            let lower_path = path.to_ascii_lowercase();
            let mut ok = true;
            for (k, v, neg) in &q.qualifiers {
                let v = v.to_ascii_lowercase();
                let m = match k.as_str() {
                    "path" => lower_path.starts_with(v.trim_start_matches('/')) || lower_path.contains(&v),
                    "filename" => name.eq_ignore_ascii_case(&v),
                    "extension" => lower_path.ends_with(&format!(".{v}")),
                    "language" => extension_language(&path) == Some(v.as_str()),
                    _ => true,
                };
                if m == *neg {
                    ok = false;
                    break;
                }
            }
            if !ok {
                continue;
            }
            if !q.words.is_empty() {
                let in_path = in_fields.contains("path") && q.words.iter().all(|w| lower_path.contains(w.as_str()));
                let in_file = if in_fields.is_empty() || in_fields.contains("file") {
                    let data = crate::model::gitdb::read_kind(&mut conn, r.id, &sha, crate::git::Kind::Blob).await?.unwrap_or_default();
                    data.len() <= 384 * 1024
                        && std::str::from_utf8(&data).is_ok_and(|t| {
                            let t = t.to_ascii_lowercase();
                            q.words.iter().all(|w| t.contains(w.as_str()))
                        })
                } else {
                    false
                };
                if !in_path && !in_file {
                    continue;
                }
            }
            hits.push((r.clone(), path, sha, tip.clone()));
        }
    }
    let total = hits.len() as i64;
    let items: Vec<Value> = page
        .slice(&hits)
        .iter()
        .map(|(r, path, sha, tip)| {
            let full = r.full_name();
            let p = objects::encode_path(path);
            let mut repo = objects::repo(&cx.base, r, None);
            if let Some(o) = repo.as_object_mut() {
                // GitHub embeds the short `minimal-repository` here.
                for k in ["created_at", "updated_at", "pushed_at", "topics", "permissions", "organization"] {
                    o.remove(k);
                }
            }
            json!({
                "name": path.rsplit('/').next().unwrap_or(path), "path": path, "sha": sha,
                "url": format!("{}/repos/{full}/contents/{p}?ref={tip}", cx.base),
                "git_url": format!("{}/repos/{full}/git/blobs/{sha}", cx.base),
                "html_url": format!("{}/{full}/blob/{tip}/{p}", cx.base),
                "repository": repo, "score": 1.0,
            })
        })
        .collect();
    Ok(with_total(items, total, page, cx.url()))
}

/// `GET /search/users`: words in logins, names and emails; `type:user|org`,
/// `in:login|name|email`.
pub async fn users(cx: Cx) -> Handler {
    let q = query(&cx)?;
    let page = cx.query.page()?;
    let in_fields: HashSet<String> = q.all("in").map(|(v, _)| v.to_ascii_lowercase()).collect();
    let mut rows = accounts::list_users(&*cx.db, 0, i64::MAX).await?;
    rows.retain(|a| {
        let type_ok = q.all("type").all(|(v, neg)| (a.kind.eq_ignore_ascii_case(v) || (v == "org" && a.kind == "Organization")) != neg);
        let fields = |f: &str| in_fields.is_empty() || in_fields.contains(f);
        let words_ok = q.words.iter().all(|w| {
            fields("login") && a.login.to_ascii_lowercase().contains(w.as_str())
                || fields("name") && a.name.as_deref().unwrap_or("").to_ascii_lowercase().contains(w.as_str())
                || fields("email") && a.email.as_deref().unwrap_or("").to_ascii_lowercase().contains(w.as_str())
        });
        type_ok && words_ok
    });
    let total = rows.len() as i64;
    let items = page
        .slice(&rows)
        .iter()
        .map(|a| {
            let mut v = objects::user_ref(&cx.base, a);
            v["score"] = json!(1.0);
            v
        })
        .collect();
    Ok(with_total(items, total, page, cx.url()))
}

/// `GET /search/commits`: words in the messages of each visible repository's
/// default branch history; `repo:`, `user:`/`org:`, `author:`, `author-email:`.
pub async fn commits(cx: Cx) -> Handler {
    let q = query(&cx)?;
    let page = cx.query.page()?;
    let mut rs = visible_repos(&cx).await?;
    for (v, neg) in q.all("repo") {
        rs.retain(|(r, _)| r.full_name().eq_ignore_ascii_case(v) != neg);
    }
    for key in ["user", "org"] {
        for (v, neg) in q.all(key) {
            rs.retain(|(r, _)| r.owner_login.eq_ignore_ascii_case(v) != neg);
        }
    }
    let mut conn = cx.db.acquire().await?;
    let people = crate::model::content::people_by_email(&mut conn).await?;
    let mut hits: Vec<(RepoRow, String, crate::git::Commit)> = Vec::new();
    for (r, _) in &rs {
        let Some(tip) = crate::model::gitdb::resolve(&mut conn, r.id, &r.default_branch).await? else { continue };
        for (sha, c) in crate::model::gitdb::log(&mut conn, r.id, &[tip], usize::MAX).await? {
            let msg = c.message.to_ascii_lowercase();
            let login = people.get(&c.author.email.to_ascii_lowercase()).map(|a| a.login.to_ascii_lowercase()).unwrap_or_default();
            let quals = q.qualifiers.iter().all(|(k, v, neg)| {
                let v = v.to_ascii_lowercase();
                let m = match k.as_str() {
                    "author" => login == v,
                    "author-email" => c.author.email.eq_ignore_ascii_case(&v),
                    "author-name" => c.author.name.to_ascii_lowercase().contains(&v),
                    _ => true,
                };
                m != *neg
            });
            if quals && q.words.iter().all(|w| msg.contains(w.as_str())) {
                hits.push((r.clone(), sha, c));
            }
        }
    }
    hits.sort_by_key(|h| std::cmp::Reverse(h.2.committer.date));
    let total = hits.len() as i64;
    let items = page
        .slice(&hits)
        .iter()
        .map(|(r, sha, c)| {
            let mut v = crate::model::content::commit_json(&cx.base, r, sha, c, &people);
            v["repository"] = objects::repo(&cx.base, r, None);
            v["score"] = json!(1.0);
            v
        })
        .collect();
    Ok(with_total(items, total, page, cx.url()))
}
