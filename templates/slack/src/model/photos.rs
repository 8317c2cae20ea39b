//! users.setPhoto and users.deletePhoto: a member's own profile photo, uploaded as
//! `multipart/form-data` (`image`, with an optional square crop box `crop_x`,
//! `crop_y`, `crop_w`). JPEG, GIF and PNG are read far enough to know their
//! dimensions; anything else is `bad_image`, and more than 1024 pixels on a side
//! is `too_large` (Slack asks for at most 1024×1024). The photo is served by the
//! clone at `/avatars/<user>/<hash>_<size>.<ext>`; every size serves the uploaded
//! bytes (the clone does not rescale or crop the pixels).

use asym_store::Pool;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::errors::{SlackError, SlackResult};
use crate::model::auth::{Principal, TokenKind};
use crate::store::photos::{self, PhotoRow};
use crate::wire::{Args, SlackCall, now_secs};

/// Slack's documented maximum side.
pub const MAX_SIDE: u32 = 1024;
/// The sizes of `image_<size>` in a profile.
pub const SIZES: &[u32] = &[24, 32, 48, 72, 192, 512, 1024];

/// What an image's header says: its type and dimensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sniffed {
    pub mimetype: &'static str,
    pub ext: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Reads the type and dimensions of a PNG, GIF or JPEG.
pub fn sniff(b: &[u8]) -> Option<Sniffed> {
    let be16 = |i: usize| -> Option<u32> { Some(u32::from(*b.get(i)?) << 8 | u32::from(*b.get(i + 1)?)) };
    if b.starts_with(b"\x89PNG\r\n\x1a\n") && b.get(12..16) == Some(b"IHDR") {
        let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
        let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
        return (w > 0 && h > 0).then_some(Sniffed { mimetype: "image/png", ext: "png", width: w, height: h });
    }
    if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        let w = u32::from(*b.get(6)?) | u32::from(*b.get(7)?) << 8;
        let h = u32::from(*b.get(8)?) | u32::from(*b.get(9)?) << 8;
        return (w > 0 && h > 0).then_some(Sniffed { mimetype: "image/gif", ext: "gif", width: w, height: h });
    }
    if b.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 3 < b.len() {
            if b[i] != 0xFF {
                return None;
            }
            let marker = b[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            let is_sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
            if is_sof {
                let (h, w) = (be16(i + 5)?, be16(i + 7)?);
                return (w > 0 && h > 0).then_some(Sniffed { mimetype: "image/jpeg", ext: "jpg", width: w, height: h });
            }
            i += 2 + be16(i + 2)? as usize;
        }
    }
    None
}

fn origin() -> String {
    crate::model::files::public_origin()
}

/// Puts an uploaded photo into a `profile` object: `avatar_hash`, `image_<size>`,
/// `image_original` and `is_custom_image`.
pub fn apply(profile: &mut Value, p: &PhotoRow) {
    let Some(o) = profile.as_object_mut() else { return };
    let base = format!("{}/avatars/{}/{}", origin(), p.user_id, p.avatar_hash);
    o.insert("avatar_hash".into(), json!(p.avatar_hash));
    for size in SIZES {
        o.insert(format!("image_{size}"), json!(format!("{base}_{size}.{}", p.ext)));
    }
    o.insert("image_original".into(), json!(format!("{base}_original.{}", p.ext)));
    o.insert("is_custom_image".into(), json!(true));
}

/// users.setPhoto.
pub async fn set_photo(db: &Pool, who: &Principal, call: &SlackCall) -> SlackResult<Value> {
    if who.kind == TokenKind::Bot {
        return Err(SlackError::Code("not_allowed_token_type"));
    }
    who.require_any(&["users.profile:write"])?;
    let image = call.upload("image").ok_or(SlackError::Code("bad_image"))?;
    let s = sniff(&image.bytes).ok_or(SlackError::Code("bad_image"))?;
    if s.width > MAX_SIDE || s.height > MAX_SIDE {
        return Err(SlackError::Code("too_large"));
    }
    let (x, y, w) = crop(&call.args, &s)?;
    let digest = hex::encode(Sha256::digest(&image.bytes));
    let row = PhotoRow {
        user_id: who.user_id.clone(),
        team_id: who.team_id.clone(),
        avatar_hash: digest[..12].to_string(),
        mimetype: s.mimetype.into(),
        ext: s.ext.into(),
        width: i64::from(s.width),
        height: i64::from(s.height),
        crop_x: x,
        crop_y: y,
        crop_w: w,
        updated: now_secs(),
    };
    let mut tx = asym_store::begin_write(db).await?;
    photos::upsert(&mut *tx, &row, &image.bytes).await?;
    tx.commit().await?;
    let mut profile = json!({});
    apply(&mut profile, &row);
    Ok(json!({ "profile": profile }))
}

/// The crop box: all three or none; it must lie inside the image.
fn crop(args: &Args, s: &Sniffed) -> SlackResult<(i64, i64, i64)> {
    let (x, y, w) = (args.int("crop_x")?, args.int("crop_y")?, args.int("crop_w")?);
    let Some(w) = w else { return Ok((0, 0, 0)) };
    let (x, y) = (x.unwrap_or(0), y.unwrap_or(0));
    if w <= 0 || x < 0 || y < 0 || x + w > i64::from(s.width) || y + w > i64::from(s.height) {
        return Err(SlackError::Code("bad_image"));
    }
    Ok((x, y, w))
}

/// users.deletePhoto: back to the default avatar.
pub async fn delete_photo(db: &Pool, who: &Principal) -> SlackResult<Value> {
    if who.kind == TokenKind::Bot {
        return Err(SlackError::Code("not_allowed_token_type"));
    }
    who.require_any(&["users.profile:write"])?;
    let mut tx = asym_store::begin_write(db).await?;
    photos::delete(&mut *tx, &who.user_id).await?;
    tx.commit().await?;
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    #[test]
    fn sniffs_png_gif_and_jpeg_dimensions() {
        assert_eq!(sniff(&png(512, 600)).unwrap(), Sniffed { mimetype: "image/png", ext: "png", width: 512, height: 600 });
        let gif = b"GIF89a\x00\x02\x10\x00\x00\x00\x00";
        assert_eq!(sniff(gif).unwrap().width, 512);
        assert_eq!(sniff(gif).unwrap().height, 16);
        // SOI, an APP0 segment of 16 bytes, then SOF0 with height 300 and width 400.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jpeg.extend([0u8; 14]);
        jpeg.extend([0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x01, 0x90, 0x03]);
        assert_eq!(sniff(&jpeg).unwrap(), Sniffed { mimetype: "image/jpeg", ext: "jpg", width: 400, height: 300 });
        assert!(sniff(b"hello").is_none());
        assert!(sniff(&png(0, 10)).is_none());
        assert!(sniff(&png(10, 10)[..20]).is_none());
    }

    #[test]
    fn crop_boxes_must_fit() {
        let s = Sniffed { mimetype: "image/png", ext: "png", width: 600, height: 600 };
        let args = |v: &[(&str, &str)]| Args(v.iter().map(|(k, v)| (k.to_string(), json!(v))).collect());
        assert_eq!(crop(&args(&[]), &s).unwrap(), (0, 0, 0));
        assert_eq!(crop(&args(&[("crop_x", "10"), ("crop_y", "20"), ("crop_w", "500")]), &s).unwrap(), (10, 20, 500));
        assert!(crop(&args(&[("crop_x", "200"), ("crop_w", "500")]), &s).is_err());
        assert!(crop(&args(&[("crop_w", "0")]), &s).is_err());
    }
}
