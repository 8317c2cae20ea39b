//! Coupons: create (percent or amount off; once, repeating, forever), retrieve,
//! update (name, metadata), delete, list. Applying them to invoices and
//! subscriptions waits for those resources.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, currency, events, must_get, now_secs, previous_attributes, set_text};
use crate::store::objects::{self, Kind, Scan};

/// `POST /v1/coupons`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "id",
        "amount_off",
        "currency",
        "duration",
        "duration_in_months",
        "max_redemptions",
        "metadata",
        "name",
        "percent_off",
        "redeem_by",
        "applies_to",
        "currency_options",
    ])?;
    let percent = match p.text("percent_off")? {
        None => None,
        Some(s) => Some(s.parse::<f64>().map_err(|_| StripeError::invalid_param(format!("Invalid decimal: {s}"), "percent_off"))?),
    };
    let amount = p.int("amount_off")?;
    let cur = currency(p, "currency")?;
    match (percent, amount) {
        (Some(_), Some(_)) => return Err(StripeError::invalid("You may only specify one of these parameters: amount_off, percent_off.")),
        (None, None) => return Err(StripeError::invalid("You must pass either amount_off or percent_off.")),
        (Some(pc), None) if !(0.0..=100.0).contains(&pc) || pc == 0.0 => {
            return Err(StripeError::invalid_param("Invalid percent_off: must be greater than 0 and at most 100.", "percent_off"));
        }
        (None, Some(_)) if cur.is_none() => {
            return Err(StripeError::invalid_param("You must pass currency when passing amount_off.", "currency"));
        }
        _ => {}
    }
    let duration = p.choice("duration", &["once", "repeating", "forever"])?.unwrap_or_else(|| "once".into());
    let months = p.int("duration_in_months")?;
    if duration == "repeating" && months.is_none() {
        return Err(StripeError::missing("duration_in_months"));
    }
    let id = p.text("id")?.unwrap_or_else(|| ids::new("x")[2..10].to_string());
    let mut v = json!({
        "id": id,
        "object": "coupon",
        "amount_off": amount,
        "created": now_secs(),
        "currency": cur,
        "duration": duration,
        "duration_in_months": if duration == "repeating" { json!(months) } else { Value::Null },
        "livemode": false,
        "max_redemptions": p.int("max_redemptions")?,
        "metadata": {},
        "name": p.text("name")?,
        "percent_off": percent,
        "redeem_by": p.int("redeem_by")?,
        "times_redeemed": 0,
        "valid": true,
    });
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    let mut tx = asym_store::begin_write(db).await?;
    if objects::get(&mut *tx, Kind::Coupon, &id).await?.is_some() {
        return Err(StripeError::coded("resource_already_exists", "Coupon already exists.", Some("id")));
    }
    objects::insert(&mut *tx, Kind::Coupon, &v).await?;
    events::emit(&mut tx, req, "coupon.created", &v, None).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Coupon, id, "id").await
}

pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["metadata", "name", "currency_options"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::Coupon, id, "id").await?;
    let mut v = before.clone();
    set_text(&mut v, p, "name")?;
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::Coupon, &v).await?;
        events::emit(&mut tx, req, "coupon.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

pub async fn delete(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let v = must_get(&mut *tx, Kind::Coupon, id, "id").await?;
    objects::remove(&mut *tx, Kind::Coupon, id).await?;
    events::emit(&mut tx, req, "coupon.deleted", &v, None).await?;
    tx.commit().await?;
    Ok(json!({ "id": id, "object": "coupon", "deleted": true }))
}

pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["created"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    list::list(db, Kind::Coupon, "/v1/coupons", &page, Scan::default(), &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
    })
    .await
}
