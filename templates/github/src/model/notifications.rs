//! Who is notified: users `@mentioned` in an issue, pull request or comment,
//! assignees, and requested reviewers (team members for a team). The actor is
//! never notified of their own doing, and only users who can see the
//! repository are.

use sqlx::AnyConnection;

use crate::errors::GhResult;
use crate::model::access::{self, Perm};
use crate::store::accounts::{self, AccountRow};
use crate::store::issues::IssueRow;
use crate::store::notifications as store;
use crate::store::repos;

/// The logins `@mentioned` in `text` (GitHub logins: letters, digits, `-`).
pub fn mentions(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    for (k, c) in chars.iter().enumerate() {
        if *c != '@' || (k > 0 && (chars[k - 1].is_ascii_alphanumeric() || chars[k - 1] == '`')) {
            continue;
        }
        let login: String = chars[k + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '-').collect();
        let login = login.trim_end_matches('-').to_string();
        if !login.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&login)) {
            out.push(login);
        }
    }
    out
}

/// Notifies `users` about issue `i` for `reason`.
pub async fn notify(conn: &mut AnyConnection, i: &IssueRow, users: &[i64], reason: &str, actor: i64, at: i64) -> GhResult<()> {
    let Some(r) = repos::by_id(&mut *conn, i.repo_id).await? else { return Ok(()) };
    for &u in users {
        if u == actor {
            continue;
        }
        let Some(user) = accounts::by_id(&mut *conn, u).await? else { continue };
        if user.kind != "User" || !can_see(conn, &user, &r).await? {
            continue;
        }
        let id = crate::store::next_id(&mut *conn).await?;
        store::touch(&mut *conn, id, u, r.id, i.id, reason, at).await?;
    }
    Ok(())
}

async fn can_see(conn: &mut AnyConnection, user: &AccountRow, r: &repos::RepoRow) -> GhResult<bool> {
    if !r.private || r.owner_id == user.id {
        return Ok(true);
    }
    let org = if r.owner_kind == "Organization" { r.owner_id } else { -1 };
    let standing = repos::standing_of(&mut *conn, org, r.id, user.id).await?;
    Ok(standing.iter().any(|s| access::standing_perm(s) > Perm::None))
}

/// Notifies the users `@mentioned` in `text`.
pub async fn notify_mentions(conn: &mut AnyConnection, i: &IssueRow, text: &str, actor: i64, at: i64) -> GhResult<()> {
    let mut ids = Vec::new();
    for login in mentions(text) {
        if let Some(a) = accounts::by_login(&mut *conn, &login).await? {
            ids.push(a.id);
        }
    }
    notify(conn, i, &ids, "mention", actor, at).await
}

#[cfg(test)]
mod tests {
    use super::mentions;

    #[test]
    fn mentions_are_logins_after_an_at_sign() {
        assert_eq!(mentions("cc @lee and @Sam-O, not mail@example.com"), vec!["lee", "Sam-O"]);
        assert_eq!(mentions("@dana @dana"), vec!["dana"]);
    }
}
