//! Repository transfer (`POST /repos/{o}/{r}/transfer`): to the caller's own
//! account or to an organization the caller belongs to, at once. A transfer to
//! another user waits for that user's acceptance on GitHub; this clone has no
//! acceptance flow, so it refuses those.

use asym_store::Pool;
use serde_json::Value;

use crate::errors::{FieldError, GhError, GhResult};
use crate::store::accounts::{self, AccountRow};
use crate::store::repos::{self, RepoRow};
use crate::store::teams;

pub struct TransferRequest {
    pub new_owner: String,
    pub new_name: Option<String>,
    pub team_ids: Vec<i64>,
}

pub fn parse(v: &Value) -> GhResult<TransferRequest> {
    let invalid = |m: String| GhError::Unprocessable(format!("Invalid request.\n\n{m}"));
    let new_owner = match v.get("new_owner") {
        None | Some(Value::Null) => return Err(invalid("\"new_owner\" wasn't supplied.".into())),
        Some(Value::String(s)) => s.clone(),
        Some(other) => return Err(invalid(format!("For 'properties/new_owner', {other} is not a string."))),
    };
    let new_name = match v.get("new_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(invalid(format!("For 'properties/new_name', {other} is not a string."))),
    };
    let team_ids = match v.get("team_ids") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(a)) => {
            a.iter().map(|x| x.as_i64().ok_or_else(|| invalid(format!("For 'items', {x} is not an integer.")))).collect::<GhResult<_>>()?
        }
        Some(other) => return Err(invalid(format!("For 'properties/team_ids', {other} is not an array."))),
    };
    Ok(TransferRequest { new_owner, new_name, team_ids })
}

/// Moves `r` to the new owner; returns the moved repository.
pub async fn transfer(db: &Pool, r: &RepoRow, me: &AccountRow, req: &TransferRequest, now: i64) -> GhResult<RepoRow> {
    let custom = |field: &str, m: String| GhError::Validation(vec![FieldError::custom("Repository", field, m)]);
    let target = accounts::by_login(db, &req.new_owner)
        .await?
        .ok_or_else(|| custom("new_owner", format!("{} is not a valid user or organization", req.new_owner)))?;
    if target.kind == "Organization" {
        if accounts::member_role(db, target.id, me.id).await?.is_none() {
            return Err(GhError::Forbidden(format!("You don't have the permission to create repositories on {}", target.login)));
        }
    } else if target.id != me.id {
        return Err(custom(
            "new_owner",
            format!("A transfer to {} waits for their acceptance, which this clone does not build", target.login),
        ));
    }
    if !req.team_ids.is_empty() && target.kind != "Organization" {
        return Err(custom("team_ids", "Teams can only be given access to an organization's repositories".into()));
    }
    let name = req.new_name.clone().unwrap_or_else(|| r.name.clone());
    if !crate::model::repos::valid_name(&name) {
        return Err(custom("new_name", "name is invalid".into()));
    }
    if target.id == r.owner_id && name == r.name {
        return Err(custom("new_owner", format!("{}/{} is already owned by {}", r.owner_login, r.name, target.login)));
    }
    if let Some(other) = repos::by_name(db, &target.login, &name).await?
        && other.id != r.id
    {
        return Err(custom("name", format!("{}/{name} already exists", target.login)));
    }
    let mut grants = Vec::new();
    for id in &req.team_ids {
        match teams::by_id(db, *id).await? {
            Some(t) if t.org_id == target.id => grants.push(t),
            _ => return Err(custom("team_ids", format!("{id} is not a team of {}", target.login))),
        }
    }
    let mut tx = asym_store::begin_write(db).await?;
    repos::set_owner(&mut *tx, r.id, target.id, &name, now).await?;
    // Teams of the organization the repository leaves lose their access.
    for t in teams::of_repo(&mut *tx, r.id).await? {
        if t.org_id != target.id {
            teams::remove_repo(&mut *tx, t.id, r.id).await?;
        }
    }
    for t in &grants {
        teams::set_repo(&mut tx, t.id, r.id, &t.permission).await?;
    }
    tx.commit().await?;
    repos::by_id(db, r.id).await?.ok_or(GhError::NotFound)
}
