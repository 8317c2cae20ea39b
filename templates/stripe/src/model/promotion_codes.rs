//! Promotion codes: customer-facing codes for a coupon (`promotion[coupon]`),
//! with redemption limits, expiry, a customer restriction and order minimums.
//! They are redeemed through `discounts[][promotion_code]` on invoices and
//! subscriptions (see [`crate::model::discounts`]).

use asym_clone_kit::secrets::random_string;
use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, events, must_get, now_secs, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

/// `POST /v1/promotion_codes`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&["active", "code", "customer", "customer_account", "expires_at", "max_redemptions", "metadata", "promotion", "restrictions"])?;
    p.allow_in("promotion", &["coupon", "type"])?;
    p.allow_in("restrictions", &["currency_options", "first_time_transaction", "minimum_amount", "minimum_amount_currency"])?;
    let promotion = p.hash("promotion")?.ok_or_else(|| StripeError::missing("promotion"))?;
    let kind = promotion.get("type").and_then(Value::as_str).ok_or_else(|| StripeError::missing("promotion[type]"))?;
    if kind != "coupon" {
        return Err(StripeError::invalid_param(
            format!("Invalid promotion[type]: must be one of coupon (got `{kind}`)"),
            "promotion[type]",
        ));
    }
    let coupon_id = promotion
        .get("coupon")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| StripeError::missing("promotion[coupon]"))?;
    let code = match p.text("code")? {
        Some(c) => {
            if c.len() > 500 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
                return Err(StripeError::invalid_param(
                    "Invalid code: promotion codes may only contain letters, digits, dashes and underscores.",
                    "code",
                ));
            }
            c
        }
        None => random_string(8, b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
    };
    let restrictions = p.hash("restrictions")?.cloned().unwrap_or_default();
    let r = |k: &str| restrictions.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let minimum = match r("minimum_amount") {
        Some(s) => Some(s.parse::<i64>().map_err(|_| {
            StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some("restrictions[minimum_amount]"))
        })?),
        None => None,
    };
    if minimum.is_some() && r("minimum_amount_currency").is_none() {
        return Err(StripeError::missing("restrictions[minimum_amount_currency]"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    must_get(&mut *tx, Kind::Coupon, coupon_id, "promotion[coupon]").await?;
    if let Some(c) = p.text("customer")? {
        must_get(&mut *tx, Kind::Customer, &c, "customer").await?;
    }
    let live =
        objects::scan(&mut *tx, Kind::PromotionCode, &Scan { reference: Some(code.clone()), limit: 100, ..Default::default() }).await?;
    if live.iter().any(|(_, v)| v["active"] == json!(true)) {
        return Err(StripeError::invalid_param(format!("An active promotion code with `code: {code}` already exists."), "code"));
    }
    let mut v = json!({
        "id": ids::new("promo"),
        "object": "promotion_code",
        "active": p.bool("active")?.unwrap_or(true),
        "code": code,
        "created": now_secs(),
        "customer": p.text("customer")?,
        "customer_account": null,
        "expires_at": p.int("expires_at")?,
        "livemode": false,
        "max_redemptions": p.int("max_redemptions")?,
        "metadata": {},
        "promotion": { "coupon": coupon_id, "type": "coupon" },
        "restrictions": {
            "first_time_transaction": r("first_time_transaction") == Some("true"),
            "minimum_amount": minimum,
            "minimum_amount_currency": r("minimum_amount_currency").map(str::to_ascii_lowercase),
        },
        "times_redeemed": 0,
    });
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    objects::insert(&mut *tx, Kind::PromotionCode, &v).await?;
    events::emit(&mut tx, req, "promotion_code.created", &v, None).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::PromotionCode, id, "promotion_code").await
}

/// `POST /v1/promotion_codes/{id}`: `active`, `metadata`, `restrictions[currency_options]`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["active", "metadata", "restrictions"])?;
    p.allow_in("restrictions", &["currency_options"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::PromotionCode, id, "promotion_code").await?;
    let mut v = before.clone();
    if let Some(a) = p.bool("active")? {
        if a && before["active"] == json!(false) {
            let code = before["code"].as_str().unwrap_or_default().to_string();
            let live =
                objects::scan(&mut *tx, Kind::PromotionCode, &Scan { reference: Some(code.clone()), limit: 100, ..Default::default() })
                    .await?;
            if live.iter().any(|(_, o)| o["active"] == json!(true) && o["id"] != json!(id)) {
                return Err(StripeError::invalid_param(format!("An active promotion code with `code: {code}` already exists."), "active"));
            }
        }
        v["active"] = json!(a);
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::PromotionCode, &v).await?;
        events::emit(&mut tx, req, "promotion_code.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `GET /v1/promotion_codes`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["active", "code", "coupon", "created", "customer", "customer_account"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let active = p.bool("active")?;
    let coupon = p.text("coupon")?;
    let customer = p.text("customer")?;
    let scan = Scan { reference: p.text("code")?, ..Default::default() };
    list::list(db, Kind::PromotionCode, "/v1/promotion_codes", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && active.is_none_or(|a| v["active"] == json!(a))
            && coupon.as_ref().is_none_or(|c| v["promotion"]["coupon"] == json!(c))
            && customer.as_ref().is_none_or(|c| v["customer"] == json!(c))
    })
    .await
}
