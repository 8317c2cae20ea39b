//! Gist rules: the files a create or an edit leaves (rename, delete with `null`),
//! the commit sha of each revision (the sha git gives a commit of those files,
//! as a gist is a git repository), the change status of a revision, and the
//! `gist` objects GitHub renders (files with type, language, raw URL and size).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::errors::{FieldError, GhError, GhResult};
use crate::git::{self, Commit, Kind, TreeEntry};
use crate::model::repos::signature_of;
use crate::objects::{self, encode_segment};
use crate::store::accounts::AccountRow;
use crate::store::gists::{GistRow, RevisionRow};
use crate::wire::{iso, node_id};

/// A gist's files: filename → content.
pub type Files = BTreeMap<String, String>;

/// GitHub truncates a file's `content` in API answers past one megabyte.
const TRUNCATE_AT: usize = 1024 * 1024;

pub fn parse_files(text: &str) -> Files {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn files_text(files: &Files) -> String {
    serde_json::to_string(files).unwrap_or_else(|_| "{}".into())
}

fn missing_files() -> GhError {
    GhError::missing("Gist", "files")
}

/// The files of `POST /gists`: `{name: {content}}`, every content non-empty; a
/// blank name becomes `gistfile<n>.txt`, as on GitHub.
pub fn files_for_create(v: &Value) -> GhResult<Files> {
    let map = match v.get("files") {
        Some(Value::Object(m)) if !m.is_empty() => m,
        Some(Value::Object(_)) | None | Some(Value::Null) => return Err(missing_files()),
        Some(_) => return Err(GhError::invalid("Gist", "files")),
    };
    let mut out = Files::new();
    for (n, (name, f)) in map.iter().enumerate() {
        let content = match f.get("content") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::String(_)) | None | Some(Value::Null) => return Err(missing_files()),
            Some(_) => return Err(GhError::invalid("Gist", "files")),
        };
        let name = if name.trim().is_empty() { format!("gistfile{}.txt", n + 1) } else { name.clone() };
        out.insert(name, content);
    }
    Ok(out)
}

/// The files `PATCH /gists/{id}` leaves: each key names a current file (or a new
/// one); `null`, or an object with neither `content` nor `filename`, deletes it;
/// `filename` renames it; `content` replaces its text.
pub fn files_after_edit(current: &Files, edits: &Map<String, Value>) -> GhResult<Files> {
    let mut out = current.clone();
    for (name, e) in edits {
        let obj = match e {
            Value::Null => {
                out.remove(name);
                continue;
            }
            Value::Object(o) => o,
            _ => return Err(GhError::invalid("Gist", "files")),
        };
        let content = match obj.get("content") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(GhError::invalid("Gist", "files")),
        };
        let rename = match obj.get("filename") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(_) => return Err(GhError::invalid("Gist", "files")),
        };
        if content.is_none() && rename.is_none() {
            out.remove(name);
            continue;
        }
        let old = out.remove(name);
        let text = match (content, old) {
            (Some(c), _) => c,
            (None, Some(o)) => o,
            // Renaming a file the gist does not have.
            (None, None) => return Err(GhError::Validation(vec![FieldError::custom("Gist", "files", format!("{name} does not exist"))])),
        };
        if text.is_empty() {
            return Err(missing_files());
        }
        out.insert(rename.unwrap_or_else(|| name.clone()), text);
    }
    if out.is_empty() {
        return Err(missing_files());
    }
    Ok(out)
}

/// The sha of the commit git makes of `files` (one flat tree of `100644` blobs)
/// on top of `parent`, by `author` at `at`.
pub fn commit_sha(files: &Files, parent: Option<&str>, author: &AccountRow, at: i64) -> String {
    let entries: Vec<TreeEntry> = files
        .iter()
        .map(|(name, content)| TreeEntry { mode: "100644".into(), name: name.clone(), sha: git::object_id(Kind::Blob, content.as_bytes()) })
        .collect();
    let tree = git::object_id(Kind::Tree, &git::encode_tree(&entries));
    let sig = signature_of(author, at);
    let c = Commit {
        tree,
        parents: parent.map(|p| vec![p.to_string()]).unwrap_or_default(),
        author: sig.clone(),
        committer: sig,
        message: String::new(),
    };
    git::object_id(Kind::Commit, &git::encode_commit(&c))
}

/// Lines added and deleted between two sets of files.
pub fn change_status(old: &Files, new: &Files) -> (i64, i64) {
    let (mut adds, mut dels) = (0, 0);
    let names: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for n in names {
        let a = old.get(n).map(String::as_str).unwrap_or("");
        let b = new.get(n).map(String::as_str).unwrap_or("");
        if a != b {
            let (x, y, _) = git::diff_text(a, b);
            adds += x;
            dels += y;
        }
    }
    (adds, dels)
}

/// A file's media type and GitHub language name, from its extension.
pub fn file_kind(name: &str) -> (&'static str, Option<&'static str>) {
    const KINDS: &[(&str, &str, &str)] = &[
        ("txt", "text/plain", "Text"),
        ("md", "text/markdown", "Markdown"),
        ("markdown", "text/markdown", "Markdown"),
        ("py", "application/x-python", "Python"),
        ("rb", "application/x-ruby", "Ruby"),
        ("js", "application/javascript", "JavaScript"),
        ("mjs", "application/javascript", "JavaScript"),
        ("ts", "video/MP2T", "TypeScript"),
        ("json", "application/json", "JSON"),
        ("rs", "application/rls-services+xml", "Rust"),
        ("go", "text/x-go", "Go"),
        ("java", "text/x-java-source", "Java"),
        ("c", "text/x-c", "C"),
        ("h", "text/x-c", "C"),
        ("cpp", "text/x-c", "C++"),
        ("sh", "application/x-sh", "Shell"),
        ("yml", "application/x-yaml", "YAML"),
        ("yaml", "application/x-yaml", "YAML"),
        ("html", "text/html", "HTML"),
        ("css", "text/css", "CSS"),
        ("sql", "application/sql", "SQL"),
        ("toml", "application/toml", "TOML"),
        ("xml", "application/xml", "XML"),
        ("csv", "text/csv", "CSV"),
    ];
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match KINDS.iter().find(|k| k.0 == ext) {
        Some((_, mime, lang)) => (mime, Some(lang)),
        None => ("text/plain", None),
    }
}

pub fn raw_url(base: &str, owner: &AccountRow, gist: &str, version: &str, name: &str) -> String {
    format!("{base}/gist/{}/{gist}/raw/{version}/{}", owner.login, encode_segment(name))
}

/// The `files` map; with `content` (and `truncated`) when `full`.
pub fn files_json(base: &str, owner: &AccountRow, gist: &str, version: &str, files: &Files, full: bool) -> Value {
    let mut out = Map::new();
    for (name, content) in files {
        let (mime, lang) = file_kind(name);
        let mut f = json!({
            "filename": name, "type": mime, "language": lang,
            "raw_url": raw_url(base, owner, gist, version, name), "size": content.len(),
        });
        if full {
            let truncated = content.len() > TRUNCATE_AT;
            let mut cut = content.len().min(TRUNCATE_AT);
            while !content.is_char_boundary(cut) {
                cut -= 1;
            }
            f["truncated"] = truncated.into();
            f["content"] = content[..cut].into();
            f["encoding"] = "utf-8".into();
        }
        out.insert(name.clone(), f);
    }
    Value::Object(out)
}

/// `gist-simple`/`base-gist` (without `forks` and `history`); `full` adds file contents.
pub fn gist_json(base: &str, g: &GistRow, owner: &AccountRow, files: &Files, version: &str, comments: i64, full: bool) -> Value {
    let u = format!("{base}/gists/{}", g.id);
    json!({
        "url": u,
        "forks_url": format!("{u}/forks"),
        "commits_url": format!("{u}/commits"),
        "id": g.id,
        "node_id": node_id("Gist", g.seq),
        "git_pull_url": format!("{base}/gist/{}.git", g.id),
        "git_push_url": format!("{base}/gist/{}.git", g.id),
        "html_url": format!("{base}/gist/{}", g.id),
        "files": files_json(base, owner, &g.id, version, files, full),
        "public": g.is_public,
        "created_at": iso(g.created_at),
        "updated_at": iso(g.updated_at),
        "description": g.description,
        "comments": comments,
        "comments_enabled": true,
        "user": null,
        "comments_url": format!("{u}/comments"),
        "owner": objects::user_ref(base, owner),
        "truncated": false,
    })
}

/// One entry of `history` and of `GET /gists/{id}/commits`.
pub fn revision_json(base: &str, r: &RevisionRow, user: &AccountRow) -> Value {
    json!({
        "url": format!("{base}/gists/{}/{}", r.gist_id, r.version),
        "version": r.version,
        "user": objects::user_ref(base, user),
        "change_status": { "total": r.additions + r.deletions, "additions": r.additions, "deletions": r.deletions },
        "committed_at": iso(r.committed_at),
    })
}

/// One entry of a gist's `forks`.
pub fn fork_entry(base: &str, f: &GistRow, owner: &AccountRow) -> Value {
    json!({
        "url": format!("{base}/gists/{}", f.id), "user": objects::user_ref(base, owner), "id": f.id,
        "created_at": iso(f.created_at), "updated_at": iso(f.updated_at),
    })
}

/// `gist-comment`.
pub fn comment_json(base: &str, c: &crate::store::gists::CommentRow, user: &AccountRow, association: &str) -> Value {
    json!({
        "id": c.id, "node_id": node_id("GistComment", c.id),
        "url": format!("{base}/gists/{}/comments/{}", c.gist_id, c.id),
        "body": c.body, "user": objects::user_ref(base, user),
        "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
        "author_association": association,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> Files {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn edits_rename_replace_and_delete() {
        let cur = files(&[("a.txt", "one\n"), ("b.txt", "two\n"), ("c.txt", "three\n")]);
        let edits: Map<String, Value> = serde_json::from_value(json!({
            "a.txt": { "filename": "renamed.txt" },
            "b.txt": null,
            "c.txt": { "content": "THREE\n" },
            "d.txt": { "content": "four\n" },
        }))
        .unwrap();
        let out = files_after_edit(&cur, &edits).unwrap();
        assert_eq!(out, files(&[("c.txt", "THREE\n"), ("d.txt", "four\n"), ("renamed.txt", "one\n")]));
        let all: Map<String, Value> = serde_json::from_value(json!({ "a.txt": null, "b.txt": {}, "c.txt": null })).unwrap();
        assert!(files_after_edit(&cur, &all).is_err(), "a gist keeps at least one file");
    }

    #[test]
    fn blank_names_become_gistfiles_and_empty_content_is_refused() {
        let v = json!({ "files": { "": { "content": "x" } } });
        assert_eq!(files_for_create(&v).unwrap(), files(&[("gistfile1.txt", "x")]));
        assert!(files_for_create(&json!({ "files": { "a.txt": { "content": "" } } })).is_err());
        assert!(files_for_create(&json!({ "files": {} })).is_err());
    }

    #[test]
    fn change_status_counts_lines() {
        let (a, d) = change_status(&files(&[("a", "1\n2\n")]), &files(&[("a", "1\n3\n"), ("b", "x\n")]));
        assert_eq!((a, d), (2, 1));
    }
}
