//! Shipping rates (`shr_…`): create, retrieve, update (`active`, `metadata`,
//! `tax_behavior`), list. Only `type=fixed_amount` exists in Stripe; rates are
//! offered in Checkout through `shipping_options[][shipping_rate]` (see
//! `checkout.rs`). Stripe emits no events for shipping rates.
//! `fixed_amount[currency_options]` and `tax_code` are not built.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, must_get, now_secs};
use crate::store::objects::{self, Kind, Scan};

const UNITS: &[&str] = &["business_day", "day", "hour", "month", "week"];

fn estimate(v: &Value, param: &str) -> StripeResult<Value> {
    let mut out = json!({ "maximum": null, "minimum": null });
    let Some(m) = v.as_object() else { return Err(StripeError::invalid_param(format!("Invalid hash for `{param}`"), param)) };
    for (k, bound) in m {
        if k != "minimum" && k != "maximum" {
            return Err(StripeError::unknown(&format!("{param}[{k}]")));
        }
        let unit = bound.get("unit").and_then(Value::as_str).ok_or_else(|| StripeError::missing(&format!("{param}[{k}][unit]")))?;
        if !UNITS.contains(&unit) {
            return Err(StripeError::invalid_param(
                format!("Invalid {param}[{k}][unit]: must be one of {}", UNITS.join(", ")),
                format!("{param}[{k}][unit]"),
            ));
        }
        let value = bound.get("value").and_then(Value::as_str).ok_or_else(|| StripeError::missing(&format!("{param}[{k}][value]")))?;
        let n = value
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| StripeError::invalid_param("This value must be greater than 0.", format!("{param}[{k}][value]")))?;
        out[k.as_str()] = json!({ "unit": unit, "value": n });
    }
    Ok(out)
}

/// `POST /v1/shipping_rates`.
pub async fn create(db: &Pool, _req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&["display_name", "delivery_estimate", "fixed_amount", "metadata", "tax_behavior", "tax_code", "type"])?;
    if p.has("tax_code") {
        return Err(StripeError::not_built("tax_code"));
    }
    let display_name = p.required("display_name")?;
    if display_name.chars().count() > 100 {
        return Err(StripeError::invalid_param("The display name must be at most 100 characters.", "display_name"));
    }
    p.choice("type", &["fixed_amount"])?;
    let fixed = p.hash("fixed_amount")?.ok_or_else(|| StripeError::missing("fixed_amount"))?;
    p.allow_in("fixed_amount", &["amount", "currency", "currency_options"])?;
    if fixed.contains_key("currency_options") {
        return Err(StripeError::not_built("fixed_amount[currency_options]"));
    }
    let amount_s = fixed.get("amount").and_then(Value::as_str).ok_or_else(|| StripeError::missing("fixed_amount[amount]"))?;
    let amount = amount_s.parse::<i64>().map_err(|_| {
        StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {amount_s}"), Some("fixed_amount[amount]"))
    })?;
    if amount < 0 {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 0.", "fixed_amount[amount]"));
    }
    let currency = fixed
        .get("currency")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| StripeError::missing("fixed_amount[currency]"))?;
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(StripeError::invalid_param(format!("Invalid currency: {currency}."), "fixed_amount[currency]"));
    }
    let delivery = match p.get("delivery_estimate") {
        None => Value::Null,
        Some(v) => estimate(v, "delivery_estimate")?,
    };
    let mut v = json!({
        "id": ids::new("shr"),
        "object": "shipping_rate",
        "active": true,
        "created": now_secs(),
        "delivery_estimate": delivery,
        "display_name": display_name,
        "fixed_amount": { "amount": amount, "currency": currency },
        "livemode": false,
        "metadata": {},
        "tax_behavior": p.choice("tax_behavior", &["exclusive", "inclusive", "unspecified"])?.unwrap_or_else(|| "unspecified".into()),
        "tax_code": null,
        "type": "fixed_amount",
    });
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    objects::insert(db, Kind::ShippingRate, &v).await?;
    Ok(v)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::ShippingRate, id, "shipping_rate_token").await
}

/// `POST /v1/shipping_rates/{id}`.
pub async fn update(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["active", "fixed_amount", "metadata", "tax_behavior"])?;
    if p.has("fixed_amount") {
        return Err(StripeError::not_built("fixed_amount"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::ShippingRate, id, "shipping_rate_token").await?;
    let mut v = before.clone();
    if let Some(a) = p.bool("active")? {
        v["active"] = json!(a);
    }
    if let Some(t) = p.choice("tax_behavior", &["exclusive", "inclusive", "unspecified"])? {
        if before["tax_behavior"] != "unspecified" && before["tax_behavior"] != json!(t) {
            return Err(StripeError::invalid_param(
                "The tax behavior of a shipping rate cannot be changed once it is set to `inclusive` or `exclusive`.",
                "tax_behavior",
            ));
        }
        v["tax_behavior"] = json!(t);
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::ShippingRate, &v).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `GET /v1/shipping_rates`: `active`, `created`, `currency`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["active", "created", "currency"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let active = p.bool("active")?;
    let currency = p.text("currency")?.map(|c| c.to_ascii_lowercase());
    list::list(db, Kind::ShippingRate, "/v1/shipping_rates", &page, Scan::default(), &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && active.is_none_or(|a| v["active"] == json!(a))
            && currency.as_ref().is_none_or(|c| v["fixed_amount"]["currency"] == json!(c))
    })
    .await
}
