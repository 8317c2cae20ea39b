//! Git's object model, byte for byte: blobs, trees and commits encoded as git
//! encodes them and named by the SHA-1 of `"<kind> <len>\0" + body`, so a commit
//! made through the API has the sha `git` would give it. Also the line diff used
//! for `files[].patch` and the three-way tree merge of pull requests.
//!
//! Pure functions only: no SQL, no HTTP.

use std::collections::{BTreeMap, BTreeSet};

use sha1::{Digest, Sha1};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Blob,
    Tree,
    Commit,
    Tag,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Blob => "blob",
            Kind::Tree => "tree",
            Kind::Commit => "commit",
            Kind::Tag => "tag",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "blob" => Some(Kind::Blob),
            "tree" => Some(Kind::Tree),
            "commit" => Some(Kind::Commit),
            "tag" => Some(Kind::Tag),
            _ => None,
        }
    }
}

/// The object id git gives `body` of `kind`.
pub fn object_id(kind: Kind, body: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("{} {}\0", kind.as_str(), body.len()).as_bytes());
    h.update(body);
    hex::encode(h.finalize())
}

pub fn is_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// `100644`, `100755`, `040000` (shown; encoded `40000`), `120000`, `160000`.
    pub mode: String,
    pub name: String,
    pub sha: String,
}

impl TreeEntry {
    pub fn is_tree(&self) -> bool {
        self.mode == "040000" || self.mode == "40000"
    }
    pub fn kind(&self) -> &'static str {
        if self.is_tree() {
            "tree"
        } else if self.mode == "160000" {
            "commit"
        } else {
            "blob"
        }
    }
}

/// Git's tree order: by name, a sub-tree compared as if its name ended in `/`.
fn sort_key(e: &TreeEntry) -> Vec<u8> {
    let mut k = e.name.as_bytes().to_vec();
    if e.is_tree() {
        k.push(b'/');
    }
    k
}

pub fn encode_tree(entries: &[TreeEntry]) -> Vec<u8> {
    let mut sorted: Vec<&TreeEntry> = entries.iter().collect();
    sorted.sort_by_key(|e| sort_key(e));
    let mut out = Vec::new();
    for e in sorted {
        let mode = if e.is_tree() { "40000" } else { e.mode.as_str() };
        out.extend_from_slice(mode.as_bytes());
        out.push(b' ');
        out.extend_from_slice(e.name.as_bytes());
        out.push(0);
        out.extend_from_slice(&hex::decode(&e.sha).unwrap_or_else(|_| vec![0; 20]));
    }
    out
}

pub fn decode_tree(data: &[u8]) -> Option<Vec<TreeEntry>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let sp = data[i..].iter().position(|&b| b == b' ')? + i;
        let nul = data[sp..].iter().position(|&b| b == 0)? + sp;
        if nul + 21 > data.len() {
            return None;
        }
        let mode = std::str::from_utf8(&data[i..sp]).ok()?;
        let mode = if mode == "40000" { "040000".to_string() } else { mode.to_string() };
        let name = String::from_utf8(data[sp + 1..nul].to_vec()).ok()?;
        let sha = hex::encode(&data[nul + 1..nul + 21]);
        out.push(TreeEntry { mode, name, sha });
        i = nul + 21;
    }
    Some(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch.
    pub date: i64,
    /// `+0000` style offset.
    pub tz: String,
}

impl Signature {
    fn encode(&self) -> String {
        format!("{} <{}> {} {}", self.name, self.email, self.date, self.tz)
    }
    fn decode(s: &str) -> Option<Signature> {
        let lt = s.find(" <")?;
        let gt = s[lt..].find("> ")? + lt;
        let name = s[..lt].to_string();
        let email = s[lt + 2..gt].to_string();
        let mut rest = s[gt + 2..].split(' ');
        let date = rest.next()?.parse().ok()?;
        let tz = rest.next().unwrap_or("+0000").to_string();
        Some(Signature { name, email, date, tz })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub tree: String,
    pub parents: Vec<String>,
    pub author: Signature,
    pub committer: Signature,
    pub message: String,
}

pub fn encode_commit(c: &Commit) -> Vec<u8> {
    let mut s = format!("tree {}\n", c.tree);
    for p in &c.parents {
        s.push_str(&format!("parent {p}\n"));
    }
    s.push_str(&format!("author {}\ncommitter {}\n\n{}", c.author.encode(), c.committer.encode(), c.message));
    s.into_bytes()
}

pub fn decode_commit(data: &[u8]) -> Option<Commit> {
    let text = std::str::from_utf8(data).ok()?;
    let (head, message) = text.split_once("\n\n").unwrap_or((text, ""));
    let (mut tree, mut parents, mut author, mut committer) = (None, Vec::new(), None, None);
    for line in head.lines() {
        let (k, v) = line.split_once(' ')?;
        match k {
            "tree" => tree = Some(v.to_string()),
            "parent" => parents.push(v.to_string()),
            "author" => author = Signature::decode(v),
            "committer" => committer = Signature::decode(v),
            _ => {}
        }
    }
    Some(Commit { tree: tree?, parents, author: author?, committer: committer?, message: message.to_string() })
}

/// An annotated tag object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub object: String,
    /// `commit`, `tree` or `blob`.
    pub kind: String,
    pub name: String,
    pub tagger: Signature,
    pub message: String,
}

pub fn encode_tag(t: &Tag) -> Vec<u8> {
    format!("object {}\ntype {}\ntag {}\ntagger {}\n\n{}", t.object, t.kind, t.name, t.tagger.encode(), t.message).into_bytes()
}

pub fn decode_tag(data: &[u8]) -> Option<Tag> {
    let text = std::str::from_utf8(data).ok()?;
    let (head, message) = text.split_once("\n\n").unwrap_or((text, ""));
    let (mut object, mut kind, mut name, mut tagger) = (None, None, None, None);
    for line in head.lines() {
        let (k, v) = line.split_once(' ')?;
        match k {
            "object" => object = Some(v.to_string()),
            "type" => kind = Some(v.to_string()),
            "tag" => name = Some(v.to_string()),
            "tagger" => tagger = Signature::decode(v),
            _ => {}
        }
    }
    Some(Tag { object: object?, kind: kind?, name: name?, tagger: tagger?, message: message.to_string() })
}

/// A flattened tree: path → (mode, blob sha).
pub type Files = BTreeMap<String, (String, String)>;

/// One changed path between two flattened trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    /// `added`, `removed`, `modified`.
    pub status: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

pub fn changes(old: &Files, new: &Files) -> Vec<Change> {
    let paths: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::new();
    for p in paths {
        let (o, n) = (old.get(p), new.get(p));
        let status = match (o, n) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(a), Some(b)) if a != b => "modified",
            _ => continue,
        };
        out.push(Change { path: p.clone(), status, old: o.map(|x| x.1.clone()), new: n.map(|x| x.1.clone()) });
    }
    out
}

/// Three-way merge of flattened trees at the file level: `Err(paths)` names the
/// files both sides changed differently.
pub fn merge_files(base: &Files, ours: &Files, theirs: &Files) -> Result<Files, Vec<String>> {
    let paths: BTreeSet<&String> = base.keys().chain(ours.keys()).chain(theirs.keys()).collect();
    let mut out = Files::new();
    let mut conflicts = Vec::new();
    for p in paths {
        let (b, o, t) = (base.get(p), ours.get(p), theirs.get(p));
        let pick = if o == t {
            o
        } else if o == b {
            t
        } else if t == b {
            o
        } else {
            conflicts.push(p.clone());
            continue;
        };
        if let Some(v) = pick {
            out.insert(p.clone(), v.clone());
        }
    }
    if conflicts.is_empty() { Ok(out) } else { Err(conflicts) }
}

/// Additions, deletions and a unified-diff patch (GitHub's `patch`: hunks only,
/// three lines of context) between two texts.
pub fn diff_text(old: &str, new: &str) -> (i64, i64, String) {
    let a: Vec<&str> = if old.is_empty() { vec![] } else { old.split_inclusive('\n').collect() };
    let b: Vec<&str> = if new.is_empty() { vec![] } else { new.split_inclusive('\n').collect() };
    let ops = line_ops(&a, &b);
    let adds = ops.iter().filter(|o| matches!(o, Op::Add(_))).count() as i64;
    let dels = ops.iter().filter(|o| matches!(o, Op::Del(_))).count() as i64;
    (adds, dels, hunks(&a, &b, &ops))
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Same(usize),
    Del(usize),
    Add(usize),
}

/// Longest-common-subsequence edit script; very large inputs fall back to
/// "delete all, add all" to bound the work.
fn line_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > 4_000_000 {
        return (0..n).map(Op::Del).chain((0..m).map(Op::Add)).collect();
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same(i));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(Op::Del(i));
            i += 1;
        } else {
            ops.push(Op::Add(j));
            j += 1;
        }
    }
    ops
}

fn hunks(a: &[&str], b: &[&str], ops: &[Op]) -> String {
    const CTX: usize = 3;
    let changed: Vec<usize> = ops.iter().enumerate().filter(|(_, o)| !matches!(o, Op::Same(..))).map(|(k, _)| k).collect();
    if changed.is_empty() {
        return String::new();
    }
    // Group changes whose contexts touch.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for &k in &changed {
        let lo = k.saturating_sub(CTX);
        let hi = (k + CTX).min(ops.len() - 1);
        match groups.last_mut() {
            Some(g) if lo <= g.1 + 1 => g.1 = hi,
            _ => groups.push((lo, hi)),
        }
    }
    let mut out = String::new();
    for (lo, hi) in groups {
        // Line numbers where the hunk starts on each side.
        let (mut a0, mut b0) = (0usize, 0usize);
        for o in &ops[..lo] {
            match o {
                Op::Same(..) => {
                    a0 += 1;
                    b0 += 1;
                }
                Op::Del(_) => a0 += 1,
                Op::Add(_) => b0 += 1,
            }
        }
        let mut body = String::new();
        let (mut na, mut nb) = (0usize, 0usize);
        for o in &ops[lo..=hi] {
            let (sign, line) = match *o {
                Op::Same(i) => {
                    na += 1;
                    nb += 1;
                    (' ', a[i])
                }
                Op::Del(i) => {
                    na += 1;
                    ('-', a[i])
                }
                Op::Add(j) => {
                    nb += 1;
                    ('+', b[j])
                }
            };
            body.push(sign);
            body.push_str(line.strip_suffix('\n').unwrap_or(line));
            body.push('\n');
            if !line.ends_with('\n') {
                body.push_str("\\ No newline at end of file\n");
            }
        }
        let start = |s: usize, n: usize| if n == 0 { s } else { s + 1 };
        out.push_str(&format!("@@ -{},{} +{},{} @@\n", start(a0, na), na, start(b0, nb), nb));
        out.push_str(&body);
    }
    out.strip_suffix('\n').unwrap_or(&out).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_blob_has_gits_well_known_id() {
        assert_eq!(object_id(Kind::Blob, b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        assert_eq!(object_id(Kind::Tree, b""), "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
    }

    #[test]
    fn trees_sort_sub_trees_as_if_they_ended_in_a_slash() {
        let z = "0".repeat(40);
        let e = |mode: &str, name: &str| TreeEntry { mode: mode.into(), name: name.into(), sha: z.clone() };
        let data = encode_tree(&[e("100644", "a.txt"), e("040000", "a"), e("100644", "a-b")]);
        let names: Vec<String> = decode_tree(&data).unwrap().into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["a-b", "a.txt", "a"]);
    }

    #[test]
    fn a_commit_survives_encoding() {
        let sig = Signature { name: "Dana".into(), email: "dana@acme.test".into(), date: 1_700_000_000, tz: "+0000".into() };
        let c = Commit {
            tree: "4b825dc642cb6eb9a060e54bf8d69288fbee4904".into(),
            parents: vec![],
            author: sig.clone(),
            committer: sig,
            message: "first\n".into(),
        };
        assert_eq!(decode_commit(&encode_commit(&c)).unwrap(), c);
    }

    #[test]
    fn the_patch_counts_and_shows_changed_lines() {
        let (adds, dels, patch) = diff_text("a\nb\nc\n", "a\nB\nc\nd\n");
        assert_eq!((adds, dels), (2, 1));
        assert_eq!(patch, "@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d");
    }

    #[test]
    fn merge_takes_each_sides_change_and_names_conflicts() {
        let f = |v: &[(&str, &str)]| -> Files { v.iter().map(|(p, s)| (p.to_string(), ("100644".into(), s.to_string()))).collect() };
        let base = f(&[("a", "1"), ("b", "1")]);
        assert_eq!(merge_files(&base, &f(&[("a", "2"), ("b", "1")]), &f(&[("a", "1"), ("b", "3")])).unwrap(), f(&[("a", "2"), ("b", "3")]));
        assert_eq!(merge_files(&base, &f(&[("a", "2"), ("b", "1")]), &f(&[("a", "3"), ("b", "1")])).unwrap_err(), vec!["a".to_string()]);
    }
}
