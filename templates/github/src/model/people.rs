//! The rules about people: which public SSH keys GitHub takes (OpenSSH public
//! key format, checked down to the key blob), what an email address looks like,
//! organization invitations (their roles, the rules for making one, their
//! expiry), and the JSON of emails, keys, invitations and memberships.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{FieldError, GhError, GhResult};
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::people::{self as store, EmailRow, KeyRow, OrgInvitationRow};
use crate::store::{self as st, teams};
use crate::wire::{iso, node_id, now};

/// GitHub's answer to anything that is not an OpenSSH public key.
pub const KEY_INVALID: &str = "key is invalid. You must supply a key in OpenSSH public key format";

/// The number of length-prefixed fields in the key blob of each key type GitHub
/// accepts, the type name included (`None`: any size of field).
fn fields_of(kind: &str) -> Option<usize> {
    match kind {
        "ssh-rsa" => Some(3),
        "ssh-ed25519" => Some(2),
        "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp521" => Some(3),
        "sk-ecdsa-sha2-nistp256@openssh.com" => Some(4),
        "sk-ssh-ed25519@openssh.com" => Some(3),
        _ => None,
    }
}

/// Splits an SSH wire blob into its `uint32`-length-prefixed fields.
fn wire_fields(mut blob: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !blob.is_empty() {
        let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
        let field = blob.get(4..4 + len)?;
        out.push(field);
        blob = &blob[4 + len..];
    }
    Some(out)
}

/// A public key as GitHub stores and returns it: `<type> <base64>`, the
/// comment dropped; the blob must decode and name the same type.
pub fn normalize_key(text: &str) -> GhResult<String> {
    let invalid = || GhError::Validation(vec![FieldError::custom("PublicKey", "key", KEY_INVALID)]);
    let mut parts = text.split_whitespace();
    let (Some(kind), Some(b64)) = (parts.next(), parts.next()) else { return Err(invalid()) };
    let want = fields_of(kind).ok_or_else(invalid)?;
    let blob = STANDARD.decode(b64).map_err(|_| invalid())?;
    let fields = wire_fields(&blob).ok_or_else(invalid)?;
    if fields.len() != want || fields[0] != kind.as_bytes() {
        return Err(invalid());
    }
    let ok = match kind {
        "ssh-ed25519" => fields[1].len() == 32,
        "sk-ssh-ed25519@openssh.com" => fields[1].len() == 32,
        k if k.starts_with("ecdsa-sha2-") || k.starts_with("sk-ecdsa-sha2-") => {
            fields[1] == k.trim_start_matches("sk-").trim_start_matches("ecdsa-sha2-").trim_end_matches("@openssh.com").as_bytes()
        }
        // RSA: a public exponent and a modulus of at least 1024 bits.
        _ => !fields[1].is_empty() && fields[2].iter().skip_while(|b| **b == 0).count() >= 128,
    };
    if !ok {
        return Err(invalid());
    }
    Ok(format!("{kind} {b64}"))
}

/// `key` (the caller's own keys) or `key-simple` (anyone's public keys).
pub fn key_json(base: &str, k: &KeyRow, full: bool) -> Value {
    if !full {
        return json!({ "id": k.id, "key": k.key, "created_at": iso(k.created_at) });
    }
    json!({
        "key": k.key, "id": k.id, "url": format!("{base}/user/keys/{}", k.id), "title": k.title,
        "created_at": iso(k.created_at), "verified": true, "read_only": false,
    })
}

/// A plausible address: one `@`, something before it, a dotted domain after it.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
}

/// The addresses of a `POST`/`DELETE /user/emails` body: `{"emails": [...]}`,
/// a bare array, or one string.
pub fn emails_in(v: &Value) -> GhResult<Vec<String>> {
    let list = match v {
        Value::String(s) => vec![Value::String(s.clone())],
        Value::Array(a) => a.clone(),
        Value::Object(o) => match o.get("emails") {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::String(s)) => vec![Value::String(s.clone())],
            None => return Err(GhError::missing("UserEmail", "emails")),
            Some(_) => return Err(GhError::invalid("UserEmail", "emails")),
        },
        _ => return Err(GhError::invalid("UserEmail", "emails")),
    };
    if list.is_empty() {
        return Err(GhError::missing("UserEmail", "emails"));
    }
    list.iter().map(|e| e.as_str().map(|s| s.trim().to_string()).ok_or_else(|| GhError::invalid("UserEmail", "emails"))).collect()
}

pub fn email_json(e: &EmailRow) -> Value {
    json!({ "email": e.email, "primary": e.is_primary, "verified": e.verified, "visibility": e.visibility })
}

/// A user's addresses: the stored ones, or (for an account made before emails
/// were stored) its profile address as the verified, public primary.
pub fn emails_or_profile(a: &AccountRow, rows: Vec<EmailRow>) -> Vec<EmailRow> {
    if !rows.is_empty() {
        return rows;
    }
    a.email
        .iter()
        .map(|e| EmailRow {
            id: a.id,
            user_id: a.id,
            email: e.clone(),
            is_primary: true,
            verified: true,
            visibility: Some("public".into()),
            created_at: a.created_at,
        })
        .collect()
}

/// Organization invitations expire after seven days, as on GitHub.
pub const INVITATION_EXPIRY: i64 = 7 * 24 * 3600;

pub const INVITATION_ROLES: &[&str] = &["admin", "direct_member", "billing_manager"];

pub fn invitation_expired(i: &OrgInvitationRow) -> bool {
    now() - i.created_at > INVITATION_EXPIRY
}

/// The membership role an invitation grants (`admin` or `member`).
pub fn membership_role(invitation_role: &str) -> &'static str {
    match invitation_role {
        "admin" => "admin",
        "billing_manager" => "billing_manager",
        _ => "member",
    }
}

/// The invitation role that grants a membership role (`admin` or `member`).
pub fn invitation_role(membership_role: &str) -> &'static str {
    match membership_role {
        "admin" => "admin",
        _ => "direct_member",
    }
}

/// The open (unexpired) invitation of `user` to `org`, if any.
pub async fn open_invitation(conn: &mut AnyConnection, org: i64, user: i64) -> GhResult<Option<OrgInvitationRow>> {
    Ok(store::invitations_for(&mut *conn, user).await?.into_iter().find(|i| i.org_id == org && !invitation_expired(i)))
}

fn invitation_invalid(field: &str, message: impl Into<String>) -> GhError {
    GhError::Validation(vec![FieldError::custom("OrganizationInvitation", field, message)])
}

/// Invites `invitee` (an account) or `email` (an address that may belong to
/// none yet) to `org` with `role` and `team_ids`. The teams must be the org's,
/// the invitee neither a member nor blocked by the org, and a person has one
/// open invitation at a time (an expired one is replaced).
pub async fn invite(
    conn: &mut AnyConnection,
    org: &AccountRow,
    inviter: &AccountRow,
    invitee: Option<&AccountRow>,
    email: Option<&str>,
    role: &str,
    team_ids: &[i64],
) -> GhResult<OrgInvitationRow> {
    for t in team_ids {
        if teams::by_id(&mut *conn, *t).await?.filter(|x| x.org_id == org.id).is_none() {
            return Err(invitation_invalid("team_ids", format!("{t} is not a team of {}", org.login)));
        }
    }
    if let Some(u) = invitee {
        if accounts::member_role(&mut *conn, org.id, u.id).await?.is_some() {
            return Err(invitation_invalid("invitee_id", "Invitee is already a part of this organization"));
        }
        if store::blocked(&mut *conn, org.id, u.id).await? {
            return Err(invitation_invalid("invitee_id", "Invitee is blocked by this organization"));
        }
    }
    for old in store::invitations_of_org(&mut *conn, org.id).await? {
        let same = match (invitee, &old.invitee_id) {
            (Some(u), Some(id)) => u.id == *id,
            _ => matches!((email, &old.email), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b)),
        };
        if same {
            if !invitation_expired(&old) {
                return Err(invitation_invalid("invitee_id", "Invitee has already been invited to this organization"));
            }
            store::delete_invitation(&mut *conn, old.id).await?;
        }
    }
    let i = OrgInvitationRow {
        id: st::next_id(&mut *conn).await?,
        org_id: org.id,
        invitee_id: invitee.map(|u| u.id),
        email: email.map(str::to_string),
        role: role.to_string(),
        inviter_id: inviter.id,
        created_at: now(),
    };
    store::insert_invitation(&mut *conn, &i).await?;
    for t in team_ids {
        store::add_invitation_team(&mut *conn, i.id, *t).await?;
    }
    Ok(i)
}

/// `organization-invitation`; an expired one carries `failed_at` and `failed_reason`.
pub fn invitation_json(
    base: &str,
    org: &AccountRow,
    i: &OrgInvitationRow,
    invitee: Option<&AccountRow>,
    inviter: Option<&AccountRow>,
    team_count: usize,
) -> Value {
    let expired = invitation_expired(i);
    json!({
        "id": i.id,
        "node_id": node_id("OrganizationInvitation", i.id),
        "login": invitee.map(|u| u.login.clone()),
        "email": i.email,
        "role": i.role,
        "created_at": iso(i.created_at),
        "failed_at": if expired { Value::from(iso(i.created_at + INVITATION_EXPIRY)) } else { Value::Null },
        "failed_reason": if expired { Value::from("Invitation expired. User did not accept this invite for 7 days") } else { Value::Null },
        "inviter": inviter.map(|u| objects::user_ref(base, u)).unwrap_or(Value::Null),
        "team_count": team_count,
        "invitation_teams_url": format!("{base}/orgs/{}/invitations/{}/teams", org.login, i.id),
        "invitation_source": "member",
    })
}

/// `org-membership`: `state` is `active` or `pending`.
pub fn membership_json(base: &str, org: &AccountRow, user: &AccountRow, state: &str, role: &str) -> Value {
    json!({
        "url": format!("{base}/orgs/{}/memberships/{}", org.login, user.login),
        "state": state,
        "role": role,
        "organization_url": format!("{base}/orgs/{}", org.login),
        "organization": objects::org_simple(base, org),
        "user": objects::user_ref(base, user),
        "permissions": { "can_create_repository": state == "active" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(fields: &[&[u8]]) -> String {
        let mut out = Vec::new();
        for f in fields {
            out.extend_from_slice(&(f.len() as u32).to_be_bytes());
            out.extend_from_slice(f);
        }
        STANDARD.encode(out)
    }

    #[test]
    fn keys_are_checked_down_to_the_blob() {
        let ed = blob(&[b"ssh-ed25519", &[7u8; 32]]);
        assert_eq!(normalize_key(&format!("ssh-ed25519 {ed} me@laptop")).unwrap(), format!("ssh-ed25519 {ed}"));
        // The blob names another type, the key is short, the text is not base64.
        assert!(normalize_key(&format!("ssh-rsa {ed}")).is_err());
        assert!(normalize_key(&format!("ssh-ed25519 {}", blob(&[b"ssh-ed25519", &[7u8; 31]]))).is_err());
        assert!(normalize_key("ssh-ed25519 not-base64!").is_err());
        assert!(normalize_key("hello").is_err());
        let rsa = blob(&[b"ssh-rsa", &[1, 0, 1], &[0xc5; 256]]);
        assert!(normalize_key(&format!("ssh-rsa {rsa}")).is_ok());
        let ec = blob(&[b"ecdsa-sha2-nistp256", b"nistp256", &[4u8; 65]]);
        assert!(normalize_key(&format!("ecdsa-sha2-nistp256 {ec}")).is_ok());
    }

    #[test]
    fn email_bodies_take_three_shapes() {
        assert_eq!(emails_in(&json!({ "emails": ["a@b.c"] })).unwrap(), vec!["a@b.c"]);
        assert_eq!(emails_in(&json!(["a@b.c", "d@e.f"])).unwrap().len(), 2);
        assert_eq!(emails_in(&json!("a@b.c")).unwrap(), vec!["a@b.c"]);
        assert!(emails_in(&json!({})).is_err());
        assert!(valid_email("x@y.io") && !valid_email("nope") && !valid_email("a@b") && !valid_email("a b@c.d"));
    }
}
