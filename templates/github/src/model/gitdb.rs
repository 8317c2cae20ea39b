//! Git operations over a repository's stored objects: read and write blobs, trees
//! and commits, flatten and rebuild trees, resolve refs, walk history, find merge
//! bases, and commit a set of file changes on a branch.

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet, VecDeque};

use sqlx::AnyConnection;

use crate::errors::{GhError, GhResult};
use crate::git::{self, Commit, Files, Kind, Signature, TreeEntry};
use crate::store::git as store;

pub async fn write(conn: &mut AnyConnection, repo: i64, kind: Kind, data: &[u8]) -> GhResult<String> {
    let sha = git::object_id(kind, data);
    store::put_object(conn, repo, &sha, kind.as_str(), data).await?;
    Ok(sha)
}

pub async fn read(conn: &mut AnyConnection, repo: i64, sha: &str) -> GhResult<Option<(Kind, Vec<u8>)>> {
    Ok(store::get_object(conn, repo, sha).await?.and_then(|(k, d)| Kind::parse(&k).map(|k| (k, d))))
}

pub async fn read_kind(conn: &mut AnyConnection, repo: i64, sha: &str, kind: Kind) -> GhResult<Option<Vec<u8>>> {
    Ok(read(conn, repo, sha).await?.filter(|(k, _)| *k == kind).map(|(_, d)| d))
}

pub async fn commit(conn: &mut AnyConnection, repo: i64, sha: &str) -> GhResult<Option<Commit>> {
    Ok(read_kind(conn, repo, sha, Kind::Commit).await?.and_then(|d| git::decode_commit(&d)))
}

pub async fn must_commit(conn: &mut AnyConnection, repo: i64, sha: &str) -> GhResult<Commit> {
    commit(conn, repo, sha).await?.ok_or(GhError::NotFound)
}

pub async fn tree(conn: &mut AnyConnection, repo: i64, sha: &str) -> GhResult<Option<Vec<TreeEntry>>> {
    Ok(read_kind(conn, repo, sha, Kind::Tree).await?.and_then(|d| git::decode_tree(&d)))
}

/// Every file under `tree_sha`: path → (mode, blob sha).
pub async fn flatten(conn: &mut AnyConnection, repo: i64, tree_sha: &str) -> GhResult<Files> {
    let mut out = Files::new();
    let mut stack = vec![(String::new(), tree_sha.to_string())];
    while let Some((prefix, sha)) = stack.pop() {
        let entries = tree(conn, repo, &sha).await?.ok_or_else(|| GhError::Internal(format!("tree {sha} is missing")))?;
        for e in entries {
            let path = if prefix.is_empty() { e.name.clone() } else { format!("{prefix}/{}", e.name) };
            if e.is_tree() {
                stack.push((path, e.sha));
            } else {
                out.insert(path, (e.mode, e.sha));
            }
        }
    }
    Ok(out)
}

/// Writes the trees for `files` and returns the root tree's sha.
pub async fn write_tree(conn: &mut AnyConnection, repo: i64, files: &Files) -> GhResult<String> {
    // Group paths into directories, deepest first.
    let mut dirs: BTreeMap<String, Vec<TreeEntry>> = BTreeMap::new();
    dirs.insert(String::new(), Vec::new());
    for (path, (mode, sha)) in files {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        dirs.entry(dir.to_string()).or_default().push(TreeEntry { mode: mode.clone(), name: name.to_string(), sha: sha.clone() });
        let mut d = dir;
        while !d.is_empty() {
            let parent = d.rsplit_once('/').map(|x| x.0).unwrap_or("");
            dirs.entry(d.to_string()).or_default();
            d = parent;
        }
    }
    let mut order: Vec<String> = dirs.keys().cloned().collect();
    order.sort_by_key(|d| std::cmp::Reverse(if d.is_empty() { 0 } else { d.matches('/').count() + 1 }));
    let mut written: HashMap<String, String> = HashMap::new();
    for d in order {
        let mut entries = dirs.remove(&d).unwrap_or_default();
        let children: Vec<(String, String)> = written
            .iter()
            .filter(|(k, _)| k.rsplit_once('/').map(|x| x.0).unwrap_or("") == d && !k.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (child, sha) in children {
            let name = child.rsplit_once('/').map(|x| x.1).unwrap_or(&child).to_string();
            entries.push(TreeEntry { mode: "040000".into(), name, sha });
            written.remove(&child);
        }
        if entries.is_empty() && !d.is_empty() {
            continue;
        }
        let sha = write(conn, repo, Kind::Tree, &git::encode_tree(&entries)).await?;
        written.insert(d, sha);
    }
    Ok(written.remove("").unwrap_or_default())
}

pub async fn write_commit(conn: &mut AnyConnection, repo: i64, c: &Commit) -> GhResult<String> {
    write(conn, repo, Kind::Commit, &git::encode_commit(c)).await
}

/// A commit-ish: a branch, a tag, `heads/x`, `refs/heads/x`, or a (short) sha.
pub async fn resolve(conn: &mut AnyConnection, repo: i64, spec: &str) -> GhResult<Option<String>> {
    let spec = spec.trim();
    for name in [format!("refs/heads/{spec}"), format!("refs/tags/{spec}"), format!("refs/{spec}"), spec.to_string()] {
        if let Some(sha) = store::get_ref(&mut *conn, repo, &name).await? {
            return Ok(Some(peel(conn, repo, sha).await?));
        }
    }
    if git::is_sha(spec) {
        return Ok(commit(conn, repo, spec).await?.map(|_| spec.to_string()));
    }
    if spec.len() >= 7 && spec.len() < 40 && spec.bytes().all(|b| b.is_ascii_hexdigit()) {
        let found = store::expand_prefix(conn, repo, &spec.to_ascii_lowercase()).await?;
        if found.len() == 1 {
            return Ok(found.into_iter().next());
        }
    }
    Ok(None)
}

/// Follows annotated tags to the commit they name.
pub async fn peel(conn: &mut AnyConnection, repo: i64, mut sha: String) -> GhResult<String> {
    for _ in 0..8 {
        match read(conn, repo, &sha).await? {
            Some((Kind::Tag, data)) => match git::decode_tag(&data) {
                Some(t) => sha = t.object,
                None => break,
            },
            _ => break,
        }
    }
    Ok(sha)
}

/// The file tree of a commit.
pub async fn files_at(conn: &mut AnyConnection, repo: i64, commit_sha: &str) -> GhResult<Files> {
    let c = must_commit(conn, repo, commit_sha).await?;
    flatten(conn, repo, &c.tree).await
}

/// History from `start`, newest committer date first (git log's default order).
pub async fn log(conn: &mut AnyConnection, repo: i64, start: &[String], limit: usize) -> GhResult<Vec<(String, Commit)>> {
    let mut heap: BinaryHeap<(i64, String)> = BinaryHeap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut cache: HashMap<String, Commit> = HashMap::new();
    for s in start {
        if seen.insert(s.clone()) {
            let c = must_commit(conn, repo, s).await?;
            heap.push((c.committer.date, s.clone()));
            cache.insert(s.clone(), c);
        }
    }
    let mut out = Vec::new();
    while let Some((_, sha)) = heap.pop() {
        let c = cache.remove(&sha).ok_or_else(|| GhError::Internal("commit cache".into()))?;
        for p in &c.parents {
            if seen.insert(p.clone()) {
                let pc = must_commit(conn, repo, p).await?;
                heap.push((pc.committer.date, p.clone()));
                cache.insert(p.clone(), pc);
            }
        }
        out.push((sha, c));
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// Every ancestor of `sha`, itself included.
pub async fn ancestors(conn: &mut AnyConnection, repo: i64, sha: &str) -> GhResult<HashSet<String>> {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([sha.to_string()]);
    while let Some(s) = queue.pop_front() {
        if !seen.insert(s.clone()) {
            continue;
        }
        queue.extend(must_commit(conn, repo, &s).await?.parents);
    }
    Ok(seen)
}

/// The best common ancestor of `a` and `b` (the newest one reachable from both).
pub async fn merge_base(conn: &mut AnyConnection, repo: i64, a: &str, b: &str) -> GhResult<Option<String>> {
    let of_a = ancestors(conn, repo, a).await?;
    for (sha, _) in log(conn, repo, &[b.to_string()], usize::MAX).await? {
        if of_a.contains(&sha) {
            return Ok(Some(sha));
        }
    }
    Ok(None)
}

/// Commits reachable from `head` but not from `base`, oldest first.
pub async fn commits_between(conn: &mut AnyConnection, repo: i64, base: &str, head: &str) -> GhResult<Vec<(String, Commit)>> {
    let exclude = ancestors(conn, repo, base).await?;
    let mut out: Vec<(String, Commit)> =
        log(conn, repo, &[head.to_string()], usize::MAX).await?.into_iter().filter(|(s, _)| !exclude.contains(s)).collect();
    out.reverse();
    Ok(out)
}

/// One change a commit makes: `Some((mode, content))` writes the file, `None` deletes it.
pub type Edit = (String, Option<(String, Vec<u8>)>);

/// Applies `edits` on top of `parent` (or an empty tree) and writes the commit.
pub async fn commit_edits(
    conn: &mut AnyConnection,
    repo: i64,
    parent: Option<&str>,
    edits: &[Edit],
    message: &str,
    author: Signature,
    committer: Signature,
) -> GhResult<String> {
    let mut files = match parent {
        Some(p) => files_at(conn, repo, p).await?,
        None => Files::new(),
    };
    for (path, change) in edits {
        match change {
            Some((mode, data)) => {
                let sha = write(conn, repo, Kind::Blob, data).await?;
                files.insert(path.clone(), (mode.clone(), sha));
            }
            None => {
                files.remove(path);
            }
        }
    }
    let tree = write_tree(conn, repo, &files).await?;
    let c =
        Commit { tree, parents: parent.map(|p| vec![p.to_string()]).unwrap_or_default(), author, committer, message: message.to_string() };
    write_commit(conn, repo, &c).await
}

/// Text of a blob (lossy), for diffs.
pub async fn blob_text(conn: &mut AnyConnection, repo: i64, sha: Option<&str>) -> GhResult<String> {
    match sha {
        None => Ok(String::new()),
        Some(s) => Ok(read_kind(conn, repo, s, Kind::Blob).await?.map(|d| String::from_utf8_lossy(&d).into_owned()).unwrap_or_default()),
    }
}
