//! Source archives of a commit's tree, as codeload serves them for
//! `GET /repos/{o}/{r}/tarball|zipball/{ref}`: every file under one top-level
//! directory `{owner}-{repo}-{short sha}/`, the commit id as the archive's
//! comment (a pax global header in the tarball, the zip comment in the zipball).
//!
//! The formats are the `tar`, `flate2` and `zip` crates' work; this module only
//! decides what goes in: GitHub's layout, git modes mapped to the 0775/0664
//! modes codeload writes, symlinks as symlinks, submodules left out.

use std::collections::BTreeSet;
use std::io::Write;

use sqlx::AnyConnection;

use crate::errors::{GhError, GhResult};
use crate::model::gitdb;
use crate::store::repos::RepoRow;

/// One entry of an archive: a directory, a file (with its git mode) or a symlink.
pub struct Entry {
    pub path: String,
    pub mode: String,
    pub data: Vec<u8>,
}

/// The archive's top directory and entries for `sha`: directories first, then
/// files, in path order.
pub async fn entries(conn: &mut AnyConnection, r: &RepoRow, sha: &str) -> GhResult<(String, Vec<Entry>)> {
    let files = gitdb::files_at(conn, r.id, sha).await?;
    let root = format!("{}-{}-{}", r.owner_login, r.name, &sha[..7.min(sha.len())]);
    let mut dirs = BTreeSet::new();
    for path in files.keys() {
        let mut at = path.as_str();
        while let Some((parent, _)) = at.rsplit_once('/') {
            dirs.insert(parent.to_string());
            at = parent;
        }
    }
    let mut out = vec![Entry { path: format!("{root}/"), mode: "040000".into(), data: vec![] }];
    let mut all: Vec<(String, Option<(String, String)>)> = dirs.into_iter().map(|d| (d, None)).collect();
    all.extend(files.into_iter().map(|(p, m)| (p, Some(m))));
    all.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, file) in all {
        match file {
            None => out.push(Entry { path: format!("{root}/{path}/"), mode: "040000".into(), data: vec![] }),
            // Submodules have no content in an archive.
            Some((mode, _)) if mode == "160000" => {}
            Some((mode, blob)) => {
                let data = gitdb::read_kind(conn, r.id, &blob, crate::git::Kind::Blob)
                    .await?
                    .ok_or_else(|| GhError::Internal(format!("blob {blob} is missing")))?;
                out.push(Entry { path: format!("{root}/{path}"), mode, data });
            }
        }
    }
    Ok((root, out))
}

/// What an archive entry is, from its git mode.
enum Kind {
    Dir,
    Symlink,
    File { executable: bool },
}

impl Entry {
    fn kind(&self) -> Kind {
        match self.mode.as_str() {
            "040000" => Kind::Dir,
            "120000" => Kind::Symlink,
            mode => Kind::File { executable: mode == "100755" },
        }
    }

    /// The permission bits codeload writes (group-writable).
    fn permissions(&self) -> u32 {
        match self.kind() {
            Kind::Dir | Kind::File { executable: true } => 0o775,
            Kind::Symlink => 0o777,
            Kind::File { executable: false } => 0o664,
        }
    }
}

fn internal(e: impl std::fmt::Display) -> GhError {
    GhError::Internal(format!("archive: {e}"))
}

// ---- tarball ----

/// One pax record, `"<len> <key>=<value>\n"`, where `<len>` counts itself.
/// (The `tar` crate writes per-entry pax headers itself but has no writer for
/// the global header's records.)
fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let rest = key.len() + value.len() + 3;
    let mut len = rest + 1;
    while len != rest + len.to_string().len() {
        len = rest + len.to_string().len();
    }
    let mut out = format!("{len} {key}=").into_bytes();
    out.extend_from_slice(value);
    out.push(b'\n');
    out
}

/// A ustar header owned by root:root at `mtime`.
fn tar_header(kind: tar::EntryType, mode: u32, size: u64, mtime: u64) -> GhResult<tar::Header> {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h.set_username("root").map_err(internal)?;
    h.set_groupname("root").map_err(internal)?;
    Ok(h)
}

/// Copies as much of `value` as fits into a fixed header field; the full value
/// travels in a pax extended header before it.
fn truncated(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field.fill(0);
    field[..n].copy_from_slice(&value[..n]);
}

/// A gzip-compressed POSIX (pax) tar of the entries, `comment` in its global
/// header, every member dated `mtime`.
pub fn tarball(entries: &[Entry], comment: &str, mtime: i64) -> GhResult<Vec<u8>> {
    let mtime = mtime.max(0) as u64;
    let gz = flate2::GzBuilder::new()
        .mtime(mtime.min(u32::MAX as u64) as u32)
        .operating_system(3)
        .write(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);

    let global = pax_record("comment", comment.as_bytes());
    let mut h = tar_header(tar::EntryType::XGlobalHeader, 0o666, global.len() as u64, mtime)?;
    h.set_path("pax_global_header").map_err(internal)?;
    h.set_cksum();
    b.append(&h, global.as_slice()).map_err(internal)?;

    for e in entries {
        let (kind, data): (_, &[u8]) = match e.kind() {
            Kind::Dir => (tar::EntryType::Directory, b""),
            Kind::Symlink => (tar::EntryType::Symlink, b""),
            Kind::File { .. } => (tar::EntryType::Regular, &e.data),
        };
        let mut h = tar_header(kind, e.permissions(), data.len() as u64, mtime)?;
        let mut pax: Vec<(&str, &[u8])> = Vec::new();
        if h.set_path(&e.path).is_err() {
            pax.push(("path", e.path.as_bytes()));
            truncated(&mut h.as_old_mut().name, e.path.as_bytes());
        }
        if matches!(e.kind(), Kind::Symlink) {
            if e.data.len() <= 100 {
                h.set_link_name_literal(&e.data).map_err(internal)?;
            } else {
                pax.push(("linkpath", &e.data));
                truncated(&mut h.as_old_mut().linkname, &e.data);
            }
        }
        b.append_pax_extensions(pax).map_err(internal)?;
        h.set_cksum();
        b.append(&h, data).map_err(internal)?;
    }
    b.into_inner().map_err(internal)?.finish().map_err(internal)
}

// ---- zipball ----

/// The zip's DOS timestamp of a Unix time (UTC); before 1980 it is 1980-01-01.
fn dos_time(unix: i64) -> zip::DateTime {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    zip::DateTime::from_date_and_time(u16::try_from(t.year()).unwrap_or(0), t.month() as u8, t.day(), t.hour(), t.minute(), t.second())
        .unwrap_or_default()
}

/// A zip of the entries (files deflated), `comment` as the archive comment,
/// every entry dated `mtime`.
pub fn zipball(entries: &[Entry], comment: &str, mtime: i64) -> GhResult<Vec<u8>> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let base = zip::write::SimpleFileOptions::default().last_modified_time(dos_time(mtime));
    for e in entries {
        let options = base.unix_permissions(e.permissions());
        match e.kind() {
            Kind::Dir => z.add_directory(e.path.as_str(), options),
            Kind::Symlink => z.add_symlink(e.path.as_str(), String::from_utf8_lossy(&e.data), options),
            Kind::File { .. } => {
                let options =
                    options.compression_method(zip::CompressionMethod::Deflated).large_file(e.data.len() as u64 >= u32::MAX as u64);
                z.start_file(e.path.as_str(), options).and_then(|()| z.write_all(&e.data).map_err(Into::into))
            }
        }
        .map_err(internal)?;
    }
    z.set_comment(comment).map_err(internal)?;
    Ok(z.finish().map_err(internal)?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn entry(path: &str, mode: &str, data: &[u8]) -> Entry {
        Entry { path: path.into(), mode: mode.into(), data: data.to_vec() }
    }

    fn sample() -> Vec<Entry> {
        let deep = format!("o-r-abc1234/{}/file.txt", "d".repeat(300));
        vec![
            entry("o-r-abc1234/", "040000", b""),
            entry("o-r-abc1234/bin/", "040000", b""),
            entry("o-r-abc1234/README.md", "100644", b"# hello\n"),
            entry("o-r-abc1234/bin/run", "100755", b"#!/bin/sh\necho hi\n"),
            entry("o-r-abc1234/link", "120000", b"README.md"),
            entry("o-r-abc1234/far", "120000", "x/".repeat(60).as_bytes()),
            entry(&deep, "100644", b"deep\n"),
        ]
    }

    #[test]
    fn pax_records_count_their_own_length() {
        let rec = pax_record("comment", b"abc");
        assert_eq!(rec, b"15 comment=abc\n");
        assert_eq!(rec.len(), 15);
        let rec = pax_record("comment", &[b'a'; 88]);
        assert_eq!((rec.len(), &rec[..4]), (101, &b"101 "[..]), "the length gains a digit at 100");
    }

    #[test]
    fn the_tarball_holds_the_entries_with_their_modes_under_a_global_comment() {
        let sha = "abc1234def5678abc1234def5678abc1234def56";
        let tgz = tarball(&sample(), sha, 1_700_000_000).unwrap();
        let mut tar_bytes = Vec::new();
        flate2::read::GzDecoder::new(tgz.as_slice()).read_to_end(&mut tar_bytes).unwrap();
        assert!(tgz.len() < tar_bytes.len(), "the gzip member is compressed");

        let mut archive = tar::Archive::new(tar_bytes.as_slice());
        let mut raw = archive.entries().unwrap().raw(true);
        let mut global = raw.next().unwrap().unwrap();
        assert_eq!(global.header().entry_type(), tar::EntryType::XGlobalHeader);
        assert_eq!(&*global.path_bytes(), b"pax_global_header");
        let mut records = Vec::new();
        global.read_to_end(&mut records).unwrap();
        assert_eq!(records, format!("52 comment={sha}\n").into_bytes());

        let mut archive = tar::Archive::new(tar_bytes.as_slice());
        let mut seen = Vec::new();
        for member in archive.entries().unwrap().skip(1) {
            let mut member = member.unwrap();
            let h = member.header();
            let (kind, mode, mtime) = (h.entry_type(), h.mode().unwrap(), h.mtime().unwrap());
            assert_eq!((h.username().unwrap(), h.groupname().unwrap(), mtime), (Some("root"), Some("root"), 1_700_000_000));
            let path = String::from_utf8(member.path_bytes().into_owned()).unwrap();
            let link = member.link_name_bytes().map(|l| String::from_utf8(l.into_owned()).unwrap());
            let mut data = Vec::new();
            member.read_to_end(&mut data).unwrap();
            seen.push((path, kind, mode, link, data));
        }
        let want = sample();
        assert_eq!(seen.len(), want.len());
        for ((path, kind, mode, link, data), e) in seen.iter().zip(&want) {
            assert_eq!(path, &e.path);
            assert_eq!(*mode, e.permissions());
            match e.kind() {
                Kind::Dir => assert_eq!(*kind, tar::EntryType::Directory),
                Kind::Symlink => {
                    assert_eq!(*kind, tar::EntryType::Symlink);
                    assert_eq!(link.as_deref().map(str::as_bytes), Some(e.data.as_slice()));
                }
                Kind::File { .. } => {
                    assert_eq!(*kind, tar::EntryType::Regular);
                    assert_eq!(data, &e.data);
                }
            }
        }
        assert_eq!(seen[3].2, 0o775, "executables keep their x bits");
        assert_eq!(seen[2].2, 0o664);
    }

    #[test]
    fn the_zipball_holds_the_entries_with_their_modes_and_the_commit_as_comment() {
        let sha = "abc1234def5678abc1234def5678abc1234def56";
        let bytes = zipball(&sample(), sha, 1_700_000_000).unwrap();
        assert!(bytes.ends_with(sha.as_bytes()));
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(z.comment(), sha.as_bytes());
        let want = sample();
        assert_eq!(z.len(), want.len());
        for (i, e) in want.iter().enumerate() {
            let mut f = z.by_index(i).unwrap();
            assert_eq!(f.name().unwrap(), e.path.as_str());
            let mode = f.unix_mode().unwrap();
            let ty = match e.kind() {
                Kind::Dir => 0o040_000,
                Kind::Symlink => 0o120_000,
                Kind::File { .. } => 0o100_000,
            };
            assert_eq!(mode, ty | e.permissions(), "{}", e.path);
            let t = f.last_modified().unwrap();
            assert_eq!((t.year(), t.month(), t.day(), t.hour(), t.minute()), (2023, 11, 14, 22, 13));
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            assert_eq!(data, e.data, "{}", e.path);
            if matches!(e.kind(), Kind::File { .. }) {
                assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
            }
        }
    }

    #[test]
    fn dates_before_the_dos_epoch_become_1980() {
        let t = dos_time(0);
        assert_eq!((t.year(), t.month(), t.day()), (1980, 1, 1));
    }
}
