//! The authenticated user's people: a user by id, followers and following,
//! email addresses (and the primary's visibility), public SSH keys, and blocks.

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::IntoResponse;
use serde_json::Value;

use super::{Cx, Handler, created, json as ok, no_content};
use crate::errors::{FieldError, GhError, GhResult};
use crate::model::people as model;
use crate::model::repos::str_field;
use crate::objects;
use crate::store::accounts::{self, AccountRow};
use crate::store::people::{self as store, EmailRow, KeyRow};
use crate::store::{self as st};
use crate::wire::{Listing, json_value, now};

fn people_list(cx: &Cx, rows: &[AccountRow]) -> Handler {
    let items = rows.iter().map(|a| objects::user_ref(&cx.base, a)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

async fn account(cx: &Cx, login: &str) -> GhResult<AccountRow> {
    accounts::by_login(&*cx.db, login).await?.ok_or(GhError::NotFound)
}

/// `GET /user/{account_id}`.
pub async fn by_id(cx: Cx, Path(id): Path<String>) -> Handler {
    let id: i64 = id.parse().map_err(|_| GhError::NotFound)?;
    let a = accounts::by_id(&*cx.db, id).await?.ok_or(GhError::NotFound)?;
    Ok(ok(super::users::public_user(&cx, &a).await?))
}

// followers

pub async fn my_followers(cx: Cx) -> Handler {
    let me = cx.caller.require()?;
    people_list(&cx, &store::followers(&*cx.db, me.id).await?)
}

pub async fn my_following(cx: Cx) -> Handler {
    let me = cx.caller.require()?;
    people_list(&cx, &store::following(&*cx.db, me.id).await?)
}

pub async fn followers_of(cx: Cx, Path(user): Path<String>) -> Handler {
    let u = account(&cx, &user).await?;
    people_list(&cx, &store::followers(&*cx.db, u.id).await?)
}

pub async fn following_of(cx: Cx, Path(user): Path<String>) -> Handler {
    let u = account(&cx, &user).await?;
    people_list(&cx, &store::following(&*cx.db, u.id).await?)
}

/// `GET /user/following/{u}`: 204 when the caller follows them, else 404.
pub async fn am_following(cx: Cx, Path(user): Path<String>) -> Handler {
    let me = cx.caller.require()?;
    let u = account(&cx, &user).await?;
    if store::follows(&*cx.db, me.id, u.id).await? { Ok(no_content()) } else { Err(GhError::NotFound) }
}

/// `GET /users/{u}/following/{target}`.
pub async fn is_following(cx: Cx, Path((user, target)): Path<(String, String)>) -> Handler {
    let u = account(&cx, &user).await?;
    let t = account(&cx, &target).await?;
    if store::follows(&*cx.db, u.id, t.id).await? { Ok(no_content()) } else { Err(GhError::NotFound) }
}

pub async fn follow(cx: Cx, Path(user): Path<String>) -> Handler {
    let me = cx.caller.require()?.clone();
    let u = account(&cx, &user).await?;
    if u.id == me.id {
        return Err(GhError::Validation(vec![FieldError::custom("User", "login", "You can't follow yourself")]));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    // Someone who blocked the caller (or whom the caller blocked) cannot be followed.
    if store::blocked(&mut *tx, u.id, me.id).await? || store::blocked(&mut *tx, me.id, u.id).await? {
        return Err(GhError::Forbidden("You can't perform that action at this time.".into()));
    }
    store::follow(&mut *tx, me.id, u.id, now()).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn unfollow(cx: Cx, Path(user): Path<String>) -> Handler {
    let me = cx.caller.require()?.clone();
    let u = account(&cx, &user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::unfollow(&mut *tx, me.id, u.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

// emails

async fn my_emails(cx: &Cx, me: &AccountRow) -> GhResult<Vec<EmailRow>> {
    Ok(model::emails_or_profile(me, store::emails_of(&*cx.db, me.id).await?))
}

/// Writes the profile address as a stored primary when the account has none yet.
async fn materialize(conn: &mut sqlx::AnyConnection, me: &AccountRow) -> GhResult<()> {
    if !store::emails_of(&mut *conn, me.id).await?.is_empty() {
        return Ok(());
    }
    for e in model::emails_or_profile(me, vec![]) {
        if store::email_by_address(&mut *conn, &e.email).await?.is_none() {
            store::insert_email(&mut *conn, &e).await?;
        }
    }
    Ok(())
}

pub async fn list_emails(cx: Cx) -> Handler {
    let me = cx.caller.require()?.clone();
    let items = my_emails(&cx, &me).await?.iter().map(model::email_json).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn public_emails(cx: Cx) -> Handler {
    let me = cx.caller.require()?.clone();
    let rows = my_emails(&cx, &me).await?;
    let items = rows.iter().filter(|e| e.visibility.as_deref() == Some("public")).map(model::email_json).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn add_emails(cx: Cx, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let wanted = model::emails_in(&json_value(&body).await?)?;
    for e in &wanted {
        if !model::valid_email(e) {
            return Err(GhError::Validation(vec![FieldError::custom("UserEmail", "email", format!("{e} is not a valid email address"))]));
        }
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    materialize(&mut tx, &me).await?;
    let mut added = Vec::new();
    for e in &wanted {
        if store::email_by_address(&mut *tx, e).await?.is_some() || added.iter().any(|a: &EmailRow| a.email.eq_ignore_ascii_case(e)) {
            return Err(GhError::Validation(vec![FieldError::custom("UserEmail", "email", "email is already in use")]));
        }
        let row = EmailRow {
            id: st::next_id(&mut tx).await?,
            user_id: me.id,
            email: e.clone(),
            is_primary: false,
            verified: false,
            visibility: None,
            created_at: now(),
        };
        store::insert_email(&mut *tx, &row).await?;
        added.push(row);
    }
    tx.commit().await?;
    Ok(created(Value::Array(added.iter().map(model::email_json).collect())))
}

pub async fn delete_emails(cx: Cx, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let doomed = model::emails_in(&json_value(&body).await?)?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    materialize(&mut tx, &me).await?;
    for e in &doomed {
        let row = store::email_by_address(&mut *tx, e).await?.filter(|r| r.user_id == me.id).ok_or(GhError::NotFound)?;
        if row.is_primary {
            return Err(GhError::Validation(vec![FieldError::custom("UserEmail", "email", "Cannot delete your primary email address")]));
        }
        store::delete_email(&mut *tx, row.id).await?;
    }
    tx.commit().await?;
    Ok(no_content())
}

/// `PATCH /user/email/visibility` `{"visibility": "public" | "private"}`: the
/// primary address's visibility; answers every address.
pub async fn set_visibility(cx: Cx, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let vis = str_field(&v, "visibility", "UserEmail")?.ok_or_else(|| GhError::missing("UserEmail", "visibility"))?;
    if vis != "public" && vis != "private" {
        return Err(GhError::invalid("UserEmail", "visibility"));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    materialize(&mut tx, &me).await?;
    if store::set_primary_visibility(&mut *tx, me.id, &vis).await? == 0 {
        return Err(GhError::NotFoundMsg("No primary email address".into()));
    }
    tx.commit().await?;
    let items: Vec<Value> = my_emails(&cx, &me).await?.iter().map(model::email_json).collect();
    Ok(ok(Value::Array(items)))
}

// SSH keys

pub async fn list_keys(cx: Cx) -> Handler {
    let me = cx.caller.require()?;
    let items = store::keys_of(&*cx.db, me.id).await?.iter().map(|k| model::key_json(&cx.base, k, true)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn keys_of_user(cx: Cx, Path(user): Path<String>) -> Handler {
    let u = account(&cx, &user).await?;
    let items = store::keys_of(&*cx.db, u.id).await?.iter().map(|k| model::key_json(&cx.base, k, false)).collect();
    Ok(Listing::of(items, cx.query.page()?, cx.url()).into_response())
}

pub async fn get_key(cx: Cx, Path(id): Path<i64>) -> Handler {
    let me = cx.caller.require()?;
    let k = store::key(&*cx.db, me.id, id).await?.ok_or(GhError::NotFound)?;
    Ok(ok(model::key_json(&cx.base, &k, true)))
}

pub async fn create_key(cx: Cx, body: Bytes) -> Handler {
    let me = cx.caller.require()?.clone();
    let v = json_value(&body).await?;
    let text = str_field(&v, "key", "PublicKey")?.ok_or_else(|| GhError::missing("PublicKey", "key"))?;
    let key = model::normalize_key(&text)?;
    let title = str_field(&v, "title", "PublicKey")?.unwrap_or_default();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::key_in_use(&mut *tx, &key).await? {
        return Err(GhError::Validation(vec![FieldError::custom("PublicKey", "key", "key is already in use")]));
    }
    let k = KeyRow { id: st::next_id(&mut tx).await?, user_id: me.id, title, key, created_at: now() };
    store::insert_key(&mut *tx, &k).await?;
    tx.commit().await?;
    Ok(created(model::key_json(&cx.base, &k, true)))
}

pub async fn delete_key(cx: Cx, Path(id): Path<i64>) -> Handler {
    let me = cx.caller.require()?.clone();
    let mut tx = asym_store::begin_write(&cx.db).await?;
    if store::delete_key(&mut *tx, me.id, id).await? == 0 {
        return Err(GhError::NotFound);
    }
    tx.commit().await?;
    Ok(no_content())
}

// blocks

pub async fn list_blocks(cx: Cx) -> Handler {
    let me = cx.caller.require()?;
    people_list(&cx, &store::blocks_of(&*cx.db, me.id).await?)
}

pub async fn check_block(cx: Cx, Path(user): Path<String>) -> Handler {
    let me = cx.caller.require()?;
    let u = account(&cx, &user).await?;
    if store::blocked(&*cx.db, me.id, u.id).await? { Ok(no_content()) } else { Err(GhError::NotFound) }
}

/// Blocks a user: they stop following the caller, and the caller them.
pub async fn block(cx: Cx, Path(user): Path<String>) -> Handler {
    let me = cx.caller.require()?.clone();
    let u = account(&cx, &user).await?;
    if u.id == me.id || u.kind != "User" {
        return Err(GhError::Validation(vec![FieldError::custom("User", "login", format!("You can't block {}", u.login))]));
    }
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::block(&mut *tx, me.id, u.id, now()).await?;
    store::unfollow(&mut *tx, u.id, me.id).await?;
    store::unfollow(&mut *tx, me.id, u.id).await?;
    tx.commit().await?;
    Ok(no_content())
}

pub async fn unblock(cx: Cx, Path(user): Path<String>) -> Handler {
    let me = cx.caller.require()?.clone();
    let u = account(&cx, &user).await?;
    let mut tx = asym_store::begin_write(&cx.db).await?;
    store::unblock(&mut *tx, me.id, u.id).await?;
    tx.commit().await?;
    Ok(no_content())
}
