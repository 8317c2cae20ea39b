//! Source archives of a commit's tree, as codeload serves them for
//! `GET /repos/{o}/{r}/tarball|zipball/{ref}`: every file under one top-level
//! directory `{owner}-{repo}-{short sha}/`, the commit id as the archive's
//! comment (a pax global header in the tarball, the zip comment in the zipball).
//!
//! Written by hand rather than with archive crates: a gzip member of stored
//! deflate blocks and a zip of stored entries are what any reader expects,
//! and they keep the workspace free of three dependencies for one endpoint.

use std::collections::BTreeSet;

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

// ---- checksums and compression framing ----

pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks.
pub fn gzip(data: &[u8], mtime: u32) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0];
    out.extend_from_slice(&mtime.to_le_bytes());
    out.extend_from_slice(&[0, 3]);
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(if chunks.peek().is_none() { 1 } else { 0 });
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

// ---- tar ----

fn octal(field: &mut [u8], value: u64) {
    let text = format!("{value:0width$o}", width = field.len() - 1);
    field[..text.len()].copy_from_slice(text.as_bytes());
}

fn tar_header(name: &[u8], mode: u32, size: u64, mtime: u64, kind: u8, link: &[u8]) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    octal(&mut h[100..108], mode as u64);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = kind;
    h[157..157 + link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..269].copy_from_slice(b"root");
    h[297..301].copy_from_slice(b"root");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    h
}

fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    // "<len> <key>=<value>\n", where <len> counts itself.
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

fn pad(out: &mut Vec<u8>) {
    let rem = out.len() % 512;
    if rem != 0 {
        out.resize(out.len() + 512 - rem, 0);
    }
}

fn push_member(out: &mut Vec<u8>, header: [u8; 512], data: &[u8]) {
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    pad(out);
}

/// A POSIX tar (pax) of the entries, with `comment` in a global header.
pub fn tar(entries: &[Entry], comment: &str, mtime: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let global = pax_record("comment", comment.as_bytes());
    push_member(&mut out, tar_header(b"pax_global_header", 0o666, global.len() as u64, mtime, b'g', b""), &global);
    for e in entries {
        let (kind, mode, data, link): (u8, u32, &[u8], &[u8]) = match e.mode.as_str() {
            "040000" => (b'5', 0o775, b"", b""),
            "120000" => (b'2', 0o777, b"", &e.data),
            "100755" => (b'0', 0o775, &e.data, b""),
            _ => (b'0', 0o664, &e.data, b""),
        };
        let name = e.path.as_bytes();
        if name.len() > 100 || link.len() > 100 {
            let mut ext = Vec::new();
            if name.len() > 100 {
                ext.extend(pax_record("path", name));
            }
            if link.len() > 100 {
                ext.extend(pax_record("linkpath", link));
            }
            push_member(&mut out, tar_header(b"././@PaxHeader", 0o666, ext.len() as u64, mtime, b'x', b""), &ext);
        }
        push_member(&mut out, tar_header(name, mode, data.len() as u64, mtime, kind, link), data);
    }
    out.resize(out.len() + 1024, 0);
    out
}

// ---- zip ----

/// DOS time and date of a Unix time (UTC).
fn dos_time(unix: i64) -> (u16, u16) {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let year = (t.year() - 1980).clamp(0, 127) as u16;
    let date = (year << 9) | ((t.month() as u16) << 5) | t.day() as u16;
    let tm = ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | (t.second() as u16 / 2);
    (tm, date)
}

/// A zip of stored entries, with `comment` as the archive comment.
pub fn zip(entries: &[Entry], comment: &str, mtime: i64) -> Vec<u8> {
    let (tm, date) = dos_time(mtime);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let crc = crc32(&e.data);
        let size = e.data.len() as u32;
        let name = e.path.as_bytes();
        let unix_mode: u32 = match e.mode.as_str() {
            "040000" => 0o040_775,
            "120000" => 0o120_777,
            "100755" => 0o100_775,
            _ => 0o100_664,
        };
        let common = |buf: &mut Vec<u8>| {
            buf.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
            buf.extend_from_slice(&0u16.to_le_bytes()); // stored
            buf.extend_from_slice(&tm.to_le_bytes());
            buf.extend_from_slice(&date.to_le_bytes());
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&size.to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&10u16.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name);
        out.extend_from_slice(&e.data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&(0x0300u16 | 10).to_le_bytes()); // made by Unix
        central.extend_from_slice(&10u16.to_le_bytes());
        common(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&(unix_mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u32;
    let count = entries.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&(comment.len() as u16).to_le_bytes());
    out.extend_from_slice(comment.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn pax_records_count_their_own_length() {
        let rec = pax_record("comment", b"abc");
        assert_eq!(rec, b"15 comment=abc\n");
        assert_eq!(rec.len(), 15);
    }
}
