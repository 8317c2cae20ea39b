//! Discounts: a coupon (directly or through a promotion code) applied to an
//! invoice or a subscription (`discounts[][coupon|promotion_code|discount]`), and
//! the amounts they take off an invoice's lines. Each application redeems the
//! coupon (and the promotion code) once, as Stripe counts `times_redeemed`.

use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::ids;
use crate::model::{Req, events, must_get};
use crate::store::objects::{self, Kind};

/// Where a new discount is applied.
pub struct Target<'a> {
    pub customer: &'a str,
    pub invoice: Option<&'a str>,
    pub subscription: Option<&'a str>,
    pub now: i64,
    /// The amount the invoice comes to before discounts (for promotion-code minimums).
    pub subtotal: Option<(i64, &'a str)>,
    pub invoice_item: Option<&'a str>,
}

fn months_later(ts: i64, months: i64) -> i64 {
    crate::model::test_clocks::add_interval(ts, "month", months)
}

/// A coupon that can still be redeemed, or Stripe's refusal naming `param`.
async fn redeemable(tx: &mut AnyConnection, id: &str, param: &str, now: i64) -> StripeResult<Value> {
    let c = must_get(&mut *tx, Kind::Coupon, id, param).await?;
    let used_up = c["max_redemptions"].as_i64().is_some_and(|m| c["times_redeemed"].as_i64().unwrap_or(0) >= m);
    let expired = c["redeem_by"].as_i64().is_some_and(|t| t < now);
    if used_up || expired || c["valid"] == json!(false) {
        return Err(StripeError::invalid_param(format!("Coupon {id} is no longer valid."), param));
    }
    Ok(c)
}

/// Turns a `discounts` parameter into discount ids (new discounts are stored and
/// their coupons redeemed). `""` is an empty list; `None` means "leave as is".
pub async fn from_param(tx: &mut AnyConnection, req: &Req, param: Option<&Value>, t: &Target<'_>) -> StripeResult<Option<Vec<String>>> {
    let Some(param) = param else { return Ok(None) };
    let entries = match param {
        Value::String(s) if s.is_empty() => return Ok(Some(vec![])),
        Value::Array(a) => a.clone(),
        _ => return Err(StripeError::invalid_param("Invalid array: pass `discounts[0][coupon]=…`", "discounts")),
    };
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let field = |k: &str| e.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from);
        if let Some(k) = e.as_object().and_then(|m| m.keys().find(|k| !["coupon", "promotion_code", "discount"].contains(&k.as_str()))) {
            return Err(StripeError::unknown(&format!("discounts[{i}][{k}]")));
        }
        if let Some(d) = field("discount") {
            must_get(&mut *tx, Kind::Discount, &d, &format!("discounts[{i}][discount]")).await?;
            out.push(d);
            continue;
        }
        let (coupon, promo) = match (field("coupon"), field("promotion_code")) {
            (Some(c), None) => (redeemable(tx, &c, &format!("discounts[{i}][coupon]"), t.now).await?, None),
            (None, Some(p)) => {
                let param = format!("discounts[{i}][promotion_code]");
                let promo = must_get(&mut *tx, Kind::PromotionCode, &p, &param).await?;
                check_promotion(&promo, t, &param)?;
                let coupon_id = promo["promotion"]["coupon"].as_str().unwrap_or_default().to_string();
                (redeemable(tx, &coupon_id, &param, t.now).await?, Some(promo))
            }
            (Some(_), Some(_)) => {
                return Err(StripeError::invalid(format!(
                    "You may only specify one of these parameters: discounts[{i}][coupon], discounts[{i}][promotion_code]."
                )));
            }
            (None, None) => return Err(StripeError::missing(&format!("discounts[{i}][coupon]"))),
        };
        if out.len() >= 20 {
            return Err(StripeError::invalid_param("You can apply at most 20 discounts.", "discounts"));
        }
        out.push(apply(tx, req, &coupon, promo, t).await?);
    }
    Ok(Some(out))
}

fn check_promotion(promo: &Value, t: &Target<'_>, param: &str) -> StripeResult<()> {
    let code = promo["code"].as_str().unwrap_or_default();
    let inactive = promo["active"] != json!(true)
        || promo["expires_at"].as_i64().is_some_and(|e| e < t.now)
        || promo["max_redemptions"].as_i64().is_some_and(|m| promo["times_redeemed"].as_i64().unwrap_or(0) >= m);
    if inactive {
        return Err(StripeError::invalid_param(format!("This promotion code cannot be redeemed: {code} is inactive."), param));
    }
    if let Some(c) = promo["customer"].as_str()
        && c != t.customer
    {
        return Err(StripeError::invalid_param(
            format!("This promotion code cannot be redeemed: {code} is restricted to another customer."),
            param,
        ));
    }
    if let (Some(min), Some((amount, cur))) = (promo["restrictions"]["minimum_amount"].as_i64(), t.subtotal)
        && promo["restrictions"]["minimum_amount_currency"].as_str().is_none_or(|c| c == cur)
        && amount < min
    {
        return Err(StripeError::invalid_param(
            format!("This promotion code cannot be redeemed: the order must be at least {min} {cur}."),
            param,
        ));
    }
    Ok(())
}

/// Stores a discount of `coupon` on `t` and redeems the coupon (and promotion code).
pub async fn apply(tx: &mut AnyConnection, req: &Req, coupon: &Value, promo: Option<Value>, t: &Target<'_>) -> StripeResult<String> {
    let end = match coupon["duration"].as_str() {
        Some("repeating") => json!(months_later(t.now, coupon["duration_in_months"].as_i64().unwrap_or(1))),
        _ => Value::Null,
    };
    let id = ids::new("di");
    let mut c = coupon.clone();
    crate::model::public(&mut c);
    let d = json!({
        "id": id,
        "object": "discount",
        "checkout_session": null,
        "customer": t.customer,
        "customer_account": null,
        "end": end,
        "invoice": t.invoice,
        "invoice_item": t.invoice_item,
        "promotion_code": promo.as_ref().map(|p| p["id"].clone()),
        "source": { "coupon": coupon["id"], "type": "coupon" },
        "start": t.now,
        "subscription": t.subscription,
        "subscription_item": null,
        "_coupon": c,
    });
    objects::insert(&mut *tx, Kind::Discount, &d).await?;
    let mut coupon = coupon.clone();
    coupon["times_redeemed"] = json!(coupon["times_redeemed"].as_i64().unwrap_or(0) + 1);
    if coupon["max_redemptions"].as_i64().is_some_and(|m| coupon["times_redeemed"].as_i64().unwrap_or(0) >= m) {
        coupon["valid"] = json!(false);
    }
    objects::save(&mut *tx, Kind::Coupon, &coupon).await?;
    if let Some(mut p) = promo {
        p["times_redeemed"] = json!(p["times_redeemed"].as_i64().unwrap_or(0) + 1);
        objects::save(&mut *tx, Kind::PromotionCode, &p).await?;
    }
    if t.subscription.is_some() {
        events::emit(tx, req, "customer.discount.created", &d, None).await?;
    }
    Ok(id)
}

/// A customer's own discount (`customer.discount`), as the id list invoices and
/// subscriptions fall back to when they carry no discounts of their own.
pub fn of_customer(customer: &Value) -> Vec<String> {
    customer["discount"]["id"].as_str().map(|d| vec![d.to_string()]).unwrap_or_default()
}

/// Sets (`coupon`/`promotion_code`) or replaces the discount on `customer`
/// itself: `customer.discount.created` (or `.updated` when one is replaced).
pub async fn set_on_customer(
    tx: &mut AnyConnection,
    req: &Req,
    customer: &mut Value,
    coupon: Option<String>,
    promo: Option<String>,
    now: i64,
) -> StripeResult<()> {
    let cid = customer["id"].as_str().unwrap_or_default().to_string();
    let t = Target { customer: &cid, invoice: None, subscription: None, now, subtotal: None, invoice_item: None };
    let (coupon, promo) = match (coupon, promo) {
        (Some(_), Some(_)) => return Err(StripeError::invalid("You may only specify one of these parameters: coupon, promotion_code.")),
        (Some(c), None) => (redeemable(tx, &c, "coupon", now).await?, None),
        (None, Some(p)) => {
            let promo = must_get(&mut *tx, Kind::PromotionCode, &p, "promotion_code").await?;
            check_promotion(&promo, &t, "promotion_code")?;
            let coupon_id = promo["promotion"]["coupon"].as_str().unwrap_or_default().to_string();
            (redeemable(tx, &coupon_id, "promotion_code", now).await?, Some(promo))
        }
        (None, None) => return Ok(()),
    };
    let id = apply(tx, req, &coupon, promo, &t).await?;
    let d = must_get(&mut *tx, Kind::Discount, &id, "coupon").await?;
    let mut shown = d.clone();
    shown["coupon"] = d["_coupon"].clone();
    crate::model::public(&mut shown);
    let previous = customer["discount"].clone();
    customer["discount"] = shown.clone();
    if previous.is_null() {
        events::emit(tx, req, "customer.discount.created", &shown, None).await?;
    } else {
        events::emit(tx, req, "customer.discount.updated", &shown, Some(json!({ "coupon": previous["coupon"], "id": previous["id"] })))
            .await?;
    }
    Ok(())
}

/// Takes the discount off `customer` (not saved): ends it and emits
/// `customer.discount.deleted`. Returns the removed discount, if there was one.
pub async fn remove_from_customer(tx: &mut AnyConnection, req: &Req, customer: &mut Value) -> StripeResult<Option<Value>> {
    take_off_customer(tx, req, customer, true).await
}

/// Takes the discount off `customer`; `end` also ends it (a spent `once`
/// discount stays live on the invoice that used it).
async fn take_off_customer(tx: &mut AnyConnection, req: &Req, customer: &mut Value, end: bool) -> StripeResult<Option<Value>> {
    let d = customer["discount"].clone();
    let Some(id) = d["id"].as_str().map(String::from) else { return Ok(None) };
    customer["discount"] = Value::Null;
    if end && let Some(mut stored) = objects::get(&mut *tx, Kind::Discount, &id).await? {
        stored["end"] = json!(crate::model::test_clocks::now_for(tx, customer).await?);
        objects::save(&mut *tx, Kind::Discount, &stored).await?;
    }
    events::emit(tx, req, "customer.discount.deleted", &d, None).await?;
    Ok(Some(d))
}

/// A customer's `once` discount is used up by the first invoice it reduces:
/// it comes off the customer (`customer.discount.deleted`, `customer.updated`).
pub async fn spend_customer_once(tx: &mut AnyConnection, req: &Req, customer_id: &str, applied: &[Value]) -> StripeResult<()> {
    let Some(mut c) = objects::get(&mut *tx, Kind::Customer, customer_id).await? else { return Ok(()) };
    let Some(did) = c["discount"]["id"].as_str().map(String::from) else { return Ok(()) };
    if !applied.iter().any(|d| d["id"] == json!(did) && spent(d)) {
        return Ok(());
    }
    let before = c.clone();
    take_off_customer(tx, req, &mut c, false).await?;
    objects::save(&mut *tx, Kind::Customer, &c).await?;
    events::emit(tx, req, "customer.updated", &c, Some(crate::model::previous_attributes(&before, &c))).await?;
    Ok(())
}

/// `DELETE /v1/customers/{customer}/discount`: removes the customer's own
/// discount (`customer.discount.deleted`, `customer.updated`) and answers
/// Stripe's deleted discount stub.
pub async fn delete_customer_discount(db: &asym_store::Pool, req: &Req, customer: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let mut c = must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    let before = c.clone();
    let Some(d) = remove_from_customer(&mut tx, req, &mut c).await? else {
        return Err(StripeError::coded("resource_missing", format!("Customer {customer} does not have a discount."), None));
    };
    objects::save(&mut *tx, Kind::Customer, &c).await?;
    events::emit(&mut tx, req, "customer.updated", &c, Some(crate::model::previous_attributes(&before, &c))).await?;
    tx.commit().await?;
    let mut stub = serde_json::Map::new();
    for k in [
        "id",
        "object",
        "checkout_session",
        "coupon",
        "customer",
        "invoice",
        "invoice_item",
        "promotion_code",
        "source",
        "start",
        "subscription",
        "subscription_item",
    ] {
        stub.insert(k.into(), d[k].clone());
    }
    stub.insert("deleted".into(), json!(true));
    Ok(Value::Object(stub))
}

/// The discounts among `ids` that still apply at `at`, as stored.
pub async fn active(tx: &mut AnyConnection, ids: &[String], at: i64) -> StripeResult<Vec<Value>> {
    let mut out = Vec::new();
    for id in ids {
        if let Some(d) = objects::get(&mut *tx, Kind::Discount, id).await?
            && d["end"].as_i64().is_none_or(|e| e > at)
        {
            out.push(d);
        }
    }
    Ok(out)
}

/// What `coupon` takes off `base`.
fn amount_of(c: &Value, base: i64, currency: &str) -> i64 {
    if let Some(pct) = c["percent_off"].as_f64() {
        ((base as f64) * pct / 100.0).round() as i64
    } else if c["currency"].as_str() == Some(currency) {
        c["amount_off"].as_i64().unwrap_or(0).min(base)
    } else {
        0
    }
}

/// The discounts each line carries itself (an invoice item's `discounts`), still
/// applying at `at`.
pub async fn of_lines(tx: &mut AnyConnection, lines: &[Value], at: i64) -> StripeResult<Vec<Vec<Value>>> {
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let ids: Vec<String> = l["discounts"].as_array().into_iter().flatten().filter_map(|d| d.as_str().map(String::from)).collect();
        out.push(if ids.is_empty() { vec![] } else { active(tx, &ids, at).await? });
    }
    Ok(out)
}

/// Takes discounts off `lines`: first each line's own (`per_line`), then the
/// invoice's `discounts` in order, each on what the previous left, spread over
/// the discountable lines. Sets each line's `discount_amounts` and returns the
/// invoice's `total_discount_amounts`.
pub fn take_off(lines: &mut [Value], discounts: &[Value], per_line: &[Vec<Value>], currency: &str) -> Vec<Value> {
    let mut remaining: Vec<i64> =
        lines.iter().map(|l| if l["discountable"] == json!(false) { 0 } else { l["amount"].as_i64().unwrap_or(0).max(0) }).collect();
    let mut amounts: Vec<Vec<Value>> = vec![Vec::new(); lines.len()];
    let mut totals: Vec<Value> = Vec::new();
    let mut add_total = |id: &Value, amount: i64| match totals.iter_mut().find(|t| t["discount"] == *id) {
        Some(t) => t["amount"] = json!(t["amount"].as_i64().unwrap_or(0) + amount),
        None => totals.push(json!({ "amount": amount, "discount": id })),
    };
    for (i, own) in per_line.iter().enumerate().take(lines.len()) {
        for d in own {
            let off = amount_of(&d["_coupon"], remaining[i], currency);
            remaining[i] -= off;
            amounts[i].push(json!({ "amount": off, "discount": d["id"] }));
            add_total(&d["id"], off);
        }
    }
    for d in discounts {
        let base: i64 = remaining.iter().sum();
        let want = amount_of(&d["_coupon"], base, currency);
        let mut left = want;
        let n = remaining.len();
        for (i, r) in remaining.iter_mut().enumerate() {
            let share = if base == 0 {
                0
            } else if i + 1 == n {
                left.min(*r)
            } else {
                ((want as f64) * (*r as f64) / (base as f64)).round() as i64
            }
            .min(*r)
            .min(left);
            *r -= share;
            left -= share;
            amounts[i].push(json!({ "amount": share, "discount": d["id"] }));
        }
        add_total(&d["id"], want - left);
    }
    for (l, a) in lines.iter_mut().zip(amounts) {
        l["discount_amounts"] = json!(a);
    }
    totals
}

/// A `once` coupon is spent once it has reduced one invoice.
pub fn spent(d: &Value) -> bool {
    d["_coupon"]["duration"] == "once"
}
