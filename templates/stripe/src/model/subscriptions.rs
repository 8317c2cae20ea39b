//! Subscriptions and subscription items, with Stripe's state machine:
//!
//! ```text
//! create ─trial→ trialing ─trial end→ active (invoice; a failed charge → past_due)
//!        ─paid→ active ─renewal charge fails→ past_due ─invoice paid→ active
//!        ─charge fails (allow_incomplete)→ incomplete ─paid→ active
//!                                                    ─23 h→ incomplete_expired
//! trial ends without a payment method: pause → paused ─resume→ active | cancel → canceled
//! cancel now, or cancel_at / cancel_at_period_end → canceled at that moment
//! ```
//!
//! Creating one builds its first invoice (a $0 one for a trial), finalizes it and
//! charges the default payment method through the payment-intent machinery.
//! Changes to items prorate (`create_prorations` leaves pending invoice items,
//! `always_invoice` bills them at once); a new interval or
//! `billing_cycle_anchor=now` starts a new cycle billed at once; a future
//! `billing_cycle_anchor` on create prorates the stub period; `pause_collection`
//! keeps renewal invoices from being charged; `add_invoice_items` bills one-time
//! prices with the next invoice. Failed renewals are retried eight times within
//! two weeks, then the subscription is canceled. Time moves for subscriptions of test
//! clock customers when the clock advances ([`next_moment`] / [`on_moment`]).

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::discounts::{self, Target};
use crate::model::invoices::{self, Attempt, NewItem};
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::test_clocks::{add_interval, now_for};
use crate::model::{Req, events, must_get, previous_attributes, public, search, set_text, tax_rates};
use crate::store::objects::{self, Kind, Scan};

pub const SEARCH_FIELDS: &[&str] = &["created", "metadata", "status"];

/// How long an `incomplete` subscription waits for its first payment.
const INCOMPLETE_WINDOW: i64 = 23 * 3600;
/// `customer.subscription.trial_will_end` comes three days before a trial ends.
const TRIAL_NOTICE: i64 = 3 * 86_400;

const CREATE: &[&str] = &[
    "add_invoice_items",
    "application_fee_percent",
    "automatic_tax",
    "backdate_start_date",
    "billing_cycle_anchor",
    "billing_cycle_anchor_config",
    "billing_mode",
    "billing_thresholds",
    "cancel_at",
    "cancel_at_period_end",
    "collection_method",
    "currency",
    "customer",
    "customer_account",
    "days_until_due",
    "default_payment_method",
    "default_source",
    "default_tax_rates",
    "description",
    "discounts",
    "invoice_settings",
    "items",
    "metadata",
    "off_session",
    "on_behalf_of",
    "payment_behavior",
    "payment_settings",
    "pending_invoice_item_interval",
    "proration_behavior",
    "transfer_data",
    "trial_end",
    "trial_from_plan",
    "trial_period_days",
    "trial_settings",
];

/// Parameters this clone takes but does not model yet (refused, naming them).
const NOT_BUILT: &[&str] = &[
    "billing_cycle_anchor_config",
    "backdate_start_date",
    "billing_thresholds",
    "pending_invoice_item_interval",
    "default_source",
    "transfer_data",
    "application_fee_percent",
    "on_behalf_of",
];

fn not_built(p: &Params) -> StripeResult<()> {
    if let Some(k) = NOT_BUILT.iter().find(|k| p.has(k)) {
        return Err(StripeError::not_built(k));
    }
    Ok(())
}

fn plan_of(price: &Value) -> Value {
    json!({
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": price["recurring"]["interval"],
        "interval_count": price["recurring"]["interval_count"],
        "livemode": false,
        "metadata": price["metadata"],
        "meter": null,
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": null,
        "transform_usage": null,
        "trial_period_days": null,
        "usage_type": "licensed",
    })
}

fn item_object(sub: &str, price: &Value, quantity: i64, metadata: Value, now: i64, period: (i64, i64)) -> Value {
    let mut price = price.clone();
    public(&mut price);
    json!({
        "id": ids::new("si"),
        "object": "subscription_item",
        "billing_thresholds": null,
        "created": now,
        "current_period_end": period.1,
        "current_period_start": period.0,
        "discounts": [],
        "metadata": metadata,
        "plan": plan_of(&price),
        "price": price,
        "quantity": quantity,
        "subscription": sub,
        "tax_rates": [],
    })
}

fn items(sub: &Value) -> Vec<Value> {
    sub["items"]["data"].as_array().cloned().unwrap_or_default()
}

fn period(sub: &Value) -> (i64, i64) {
    (sub["_period"]["start"].as_i64().unwrap_or(0), sub["_period"]["end"].as_i64().unwrap_or(0))
}

fn interval(sub: &Value) -> (String, i64) {
    let first = &sub["items"]["data"][0]["price"]["recurring"];
    (first["interval"].as_str().unwrap_or("month").to_string(), first["interval_count"].as_i64().unwrap_or(1))
}

fn set_period(sub: &mut Value, start: i64, end: i64) {
    sub["_period"] = json!({ "start": start, "end": end });
    if let Some(list) = sub["items"]["data"].as_array_mut() {
        for it in list {
            it["current_period_start"] = json!(start);
            it["current_period_end"] = json!(end);
        }
    }
}

/// Writes the subscription and mirrors its items into `subscription_items`.
async fn save(tx: &mut AnyConnection, sub: &Value, removed: &[String]) -> StripeResult<()> {
    objects::save(&mut *tx, Kind::Subscription, sub).await?;
    for it in items(sub) {
        let id = it["id"].as_str().unwrap_or_default();
        if objects::get(&mut *tx, Kind::SubscriptionItem, id).await?.is_some() {
            objects::save(&mut *tx, Kind::SubscriptionItem, &it).await?;
        } else {
            objects::insert(&mut *tx, Kind::SubscriptionItem, &it).await?;
        }
    }
    for id in removed {
        objects::remove(&mut *tx, Kind::SubscriptionItem, id).await?;
    }
    Ok(())
}

async fn product_name(tx: &mut AnyConnection, price: &Value) -> StripeResult<String> {
    let id = price["product"].as_str().unwrap_or_default();
    Ok(objects::get(&mut *tx, Kind::Product, id)
        .await?
        .and_then(|p| p["name"].as_str().map(String::from))
        .unwrap_or_else(|| id.to_string()))
}

fn unit(item: &Value) -> i64 {
    item["price"]["unit_amount"].as_i64().unwrap_or(0)
}

fn qty(item: &Value) -> i64 {
    item["quantity"].as_i64().unwrap_or(1)
}

fn every(price: &Value) -> String {
    let r = &price["recurring"];
    let i = r["interval"].as_str().unwrap_or("month");
    match r["interval_count"].as_i64().unwrap_or(1) {
        1 => i.to_string(),
        n => format!("every {n} {i}s"),
    }
}

/// One line per item for the period starting at the subscription's next renewal
/// (what `create_preview` shows), and that period's start.
pub async fn renewal_lines(tx: &mut AnyConnection, sub: &Value, invoice: &str) -> StripeResult<(Vec<Value>, i64)> {
    let (_, end) = period(sub);
    let (iv, n) = interval(sub);
    let next = (end, add_interval(end, &iv, n));
    let mut out = Vec::new();
    for it in items(sub) {
        let name = product_name(tx, &it["price"]).await?;
        let desc = format!(
            "{} × {name} (at {} / {})",
            qty(&it),
            invoices::money(unit(&it), it["price"]["currency"].as_str().unwrap_or("usd")),
            every(&it["price"])
        );
        out.push(invoices::sub_line(invoice, sub["id"].as_str().unwrap_or_default(), &it, unit(&it) * qty(&it), next, desc));
    }
    Ok((out, end))
}

/// A subscription invoice for the current period (a `$0` one during a trial),
/// with the customer's pending items; stored as a draft and announced.
async fn cycle_invoice(tx: &mut AnyConnection, req: &Req, sub: &mut Value, at: i64, reason: &str, with_items: bool) -> StripeResult<Value> {
    let customer = must_get(&mut *tx, Kind::Customer, sub["customer"].as_str().unwrap_or_default(), "customer").await?;
    let mut inv = invoices::blank(&customer, at, sub["currency"].as_str().unwrap_or("usd"));
    let id = inv["id"].as_str().unwrap_or_default().to_string();
    let sid = sub["id"].as_str().unwrap_or_default().to_string();
    inv["parent"] = json!({ "quote_details": null, "subscription_details": { "metadata": sub["metadata"], "subscription": sid }, "type": "subscription_details" });
    inv["subscription"] = json!(sid);
    inv["default_tax_rates"] = sub["default_tax_rates"].clone();
    inv["billing_reason"] = json!(reason);
    inv["auto_advance"] = json!(true);
    inv["collection_method"] = sub["collection_method"].clone();
    if sub["collection_method"] == "send_invoice" {
        inv["due_date"] = json!(at + sub["days_until_due"].as_i64().unwrap_or(30) * 86_400);
    }
    let trial = sub["status"] == "trialing";
    let (start, end) = period(sub);
    let mut lines = Vec::new();
    if with_items {
        for it in items(sub) {
            let name = product_name(tx, &it["price"]).await?;
            let (amount, desc) = if trial {
                (0, format!("Trial period for {name}"))
            } else {
                let cur = it["price"]["currency"].as_str().unwrap_or("usd");
                (unit(&it) * qty(&it), format!("{} × {name} (at {} / {})", qty(&it), invoices::money(unit(&it), cur), every(&it["price"])))
            };
            lines.push(invoices::sub_line(&id, &sid, &it, amount, (start, end), desc));
        }
    }
    inv["_sub_lines"] = json!(lines);
    // An invoice's own period is the one just billed in arrears: a renewal's is the
    // period that ended; the first invoice's is its creation.
    if reason == "subscription_cycle"
        && let Some(prev) = sub["_previous"].as_object()
    {
        inv["period_start"] = prev.get("start").cloned().unwrap_or(json!(at));
        inv["period_end"] = prev.get("end").cloned().unwrap_or(json!(at));
    }
    let discount_ids: Vec<String> =
        sub["discounts"].as_array().into_iter().flatten().filter_map(|d| d.as_str().map(String::from)).collect();
    // A subscription without discounts of its own takes the customer's.
    let own = !discount_ids.is_empty();
    let applied = if own { discount_ids.clone() } else { discounts::of_customer(&customer) };
    let live = discounts::active(tx, &applied, at).await?;
    inv["discounts"] = json!(live.iter().map(|d| d["id"].clone()).collect::<Vec<_>>());
    objects::insert(&mut *tx, Kind::Invoice, &inv).await?;
    if !trial {
        let pending = invoices::pending_items(tx, customer["id"].as_str().unwrap_or_default(), None).await?;
        invoices::claim(tx, &inv, pending).await?;
    }
    invoices::recompute(tx, &mut inv).await?;
    inv["automatically_finalizes_at"] = json!(at + invoices::FINALIZE_DELAY);
    objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    events::emit(tx, req, "invoice.created", &inv, None).await?;
    // A `once` coupon is spent by the first invoice it reduces.
    if !own && inv["subtotal"].as_i64().unwrap_or(0) > 0 {
        discounts::spend_customer_once(tx, req, customer["id"].as_str().unwrap_or_default(), &live).await?;
    }
    if own && inv["subtotal"].as_i64().unwrap_or(0) > 0 {
        let spent: Vec<String> = live.iter().filter(|d| discounts::spent(d)).filter_map(|d| d["id"].as_str().map(String::from)).collect();
        if !spent.is_empty() {
            let kept: Vec<Value> = discount_ids.iter().filter(|d| !spent.contains(d)).map(|d| json!(d)).collect();
            sub["discounts"] = json!(kept);
        }
    }
    sub["latest_invoice"] = json!(id);
    Ok(inv)
}

/// An invoice of a subscription was paid (or its payment failed): move the
/// subscription along its state machine.
pub async fn invoice_settled(tx: &mut AnyConnection, req: &Req, inv: &Value, paid: bool) -> StripeResult<()> {
    let Some(sid) = inv["parent"]["subscription_details"]["subscription"].as_str() else { return Ok(()) };
    let Some(mut sub) = objects::get(&mut *tx, Kind::Subscription, sid).await? else { return Ok(()) };
    let before = sub.clone();
    let status = sub["status"].as_str().unwrap_or_default().to_string();
    if paid {
        if ["incomplete", "past_due", "unpaid"].contains(&status.as_str()) {
            sub["status"] = json!("active");
        }
    } else if status == "active" && inv["billing_reason"] != "subscription_create" {
        sub["status"] = json!("past_due");
    }
    if sub != before {
        save(tx, &sub, &[]).await?;
        events::emit(tx, req, "customer.subscription.updated", &sub, Some(previous_attributes(&before, &sub))).await?;
    }
    Ok(())
}

/// `add_invoice_items[]`: one-time prices billed with the subscription's next
/// invoice (or on `invoice`, the first one, when given).
async fn add_invoice_items(
    tx: &mut AnyConnection,
    req: &Req,
    sub: &Value,
    customer: &Value,
    param: Option<&Value>,
    invoice: Option<&str>,
    now: i64,
) -> StripeResult<()> {
    let Some(param) = param else { return Ok(()) };
    let Value::Array(entries) = param else {
        return Err(StripeError::invalid_param("Invalid array: pass `add_invoice_items[0][price]=…`", "add_invoice_items"));
    };
    for (i, e) in entries.iter().enumerate() {
        let allowed = ["price", "price_data", "quantity", "metadata", "discounts", "tax_rates", "period"];
        if let Some(k) = e.as_object().and_then(|m| m.keys().find(|k| !allowed.contains(&k.as_str()))) {
            return Err(StripeError::unknown(&format!("add_invoice_items[{i}][{k}]")));
        }
        let param = format!("add_invoice_items[{i}][price]");
        let price = match (e.get("price").and_then(Value::as_str), e.get("price_data").and_then(Value::as_object)) {
            (Some(id), _) => must_get(&mut *tx, Kind::Price, id, &param).await?,
            (None, Some(pd)) => {
                let data = crate::form::hash_value(pd, &["unit_amount"])?;
                let product = data["product"]
                    .as_str()
                    .ok_or_else(|| StripeError::missing(&format!("add_invoice_items[{i}][price_data][product]")))?
                    .to_string();
                must_get(&mut *tx, Kind::Product, &product, &format!("add_invoice_items[{i}][price_data][product]")).await?;
                let price = crate::model::prices::from_data(&product, &data, &format!("add_invoice_items[{i}][price_data]"))?;
                objects::insert(&mut *tx, Kind::Price, &price).await?;
                price
            }
            (None, None) => return Err(StripeError::missing(&param)),
        };
        if price["type"] != "one_time" {
            return Err(StripeError::invalid_param(
                format!(
                    "The price specified ({}) is a recurring price; add_invoice_items takes one-time prices.",
                    price["id"].as_str().unwrap_or_default()
                ),
                param,
            ));
        }
        if price["currency"] != sub["currency"] {
            return Err(StripeError::invalid_param("The price's currency must match the subscription's currency.", param));
        }
        let quantity = e.get("quantity").and_then(Value::as_str).and_then(|q| q.parse::<i64>().ok()).unwrap_or(1);
        let mut metadata = json!({});
        merge_metadata(&mut metadata, e.get("metadata"))?;
        let name = product_name(tx, &price).await?;
        let rates = tax_rates::resolve(tx, e.get("tax_rates"), &format!("add_invoice_items[{i}][tax_rates]")).await?.unwrap_or_default();
        let n = NewItem {
            customer,
            amount: price["unit_amount"].as_i64().unwrap_or(0) * quantity,
            currency: price["currency"].as_str().unwrap_or("usd").to_string(),
            description: Some(if quantity == 1 { name } else { format!("{name} × {quantity}") }),
            quantity,
            price,
            period: (now, now),
            proration: false,
            subscription: sub["id"].as_str().map(String::from),
            subscription_item: None,
            invoice: invoice.map(String::from),
            discountable: true,
            metadata,
            tax_rates: rates,
            now,
        };
        invoices::insert_item(tx, req, n).await?;
    }
    Ok(())
}

/// Every automatic retry of a renewal invoice failed: Stripe's default is to
/// cancel the subscription (the invoice stays open).
pub async fn retries_exhausted(tx: &mut AnyConnection, req: &Req, inv: &Value, at: i64) -> StripeResult<()> {
    let Some(sid) = inv["parent"]["subscription_details"]["subscription"].as_str() else { return Ok(()) };
    let Some(mut sub) = objects::get(&mut *tx, Kind::Subscription, sid).await? else { return Ok(()) };
    if sub["status"] != "past_due" {
        return Ok(());
    }
    sub["cancellation_details"]["reason"] = json!("payment_failed");
    end_now(tx, req, &mut sub, at, "payment_failed").await
}

/// Parses `items[]` for create: `(price, quantity, metadata)`.
async fn new_items(tx: &mut AnyConnection, p: &Params) -> StripeResult<Vec<(Value, i64, Value)>> {
    let list = match p.get("items") {
        Some(Value::Array(a)) => a.clone(),
        None => return Err(StripeError::missing("items")),
        Some(_) => return Err(StripeError::invalid_param("Invalid array: pass `items[0][price]=…`", "items")),
    };
    let mut out = Vec::new();
    for (i, e) in list.iter().enumerate() {
        out.push(item_price(tx, e, i).await?);
    }
    Ok(out)
}

async fn item_price(tx: &mut AnyConnection, e: &Value, i: usize) -> StripeResult<(Value, i64, Value)> {
    let allowed = [
        "price",
        "price_data",
        "quantity",
        "metadata",
        "discounts",
        "tax_rates",
        "billing_thresholds",
        "plan",
        "id",
        "deleted",
        "clear_usage",
    ];
    if let Some(k) = e.as_object().and_then(|m| m.keys().find(|k| !allowed.contains(&k.as_str()))) {
        return Err(StripeError::unknown(&format!("items[{i}][{k}]")));
    }
    let price = match (e.get("price").or(e.get("plan")).and_then(Value::as_str), e.get("price_data").and_then(Value::as_object)) {
        (Some(id), _) => must_get(&mut *tx, Kind::Price, id, &format!("items[{i}][price]")).await?,
        (None, Some(pd)) => {
            let data = crate::form::hash_value(pd, &["unit_amount", "interval_count"])?;
            let product =
                data["product"].as_str().ok_or_else(|| StripeError::missing(&format!("items[{i}][price_data][product]")))?.to_string();
            must_get(&mut *tx, Kind::Product, &product, &format!("items[{i}][price_data][product]")).await?;
            let price = crate::model::prices::from_data(&product, &data, &format!("items[{i}][price_data]"))?;
            objects::insert(&mut *tx, Kind::Price, &price).await?;
            price
        }
        (None, None) => return Err(StripeError::missing(&format!("items[{i}][price]"))),
    };
    if price["type"] != "recurring" {
        return Err(StripeError::invalid_param(
            format!(
                "The price specified ({}) is set to `type=one_time` but this field only accepts prices with `type=recurring`.",
                price["id"].as_str().unwrap_or_default()
            ),
            format!("items[{i}][price]"),
        ));
    }
    if price["active"] == json!(false) {
        return Err(StripeError::invalid_param(
            format!("The price specified ({}) is inactive.", price["id"].as_str().unwrap_or_default()),
            format!("items[{i}][price]"),
        ));
    }
    let quantity = match e.get("quantity").and_then(Value::as_str) {
        Some(q) => q.parse::<i64>().map_err(|_| {
            StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {q}"), Some(&format!("items[{i}][quantity]")))
        })?,
        None => 1,
    };
    if quantity < 0 {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 0.", format!("items[{i}][quantity]")));
    }
    let mut metadata = json!({});
    merge_metadata(&mut metadata, e.get("metadata"))?;
    Ok((price, quantity, metadata))
}

fn same_cycle(prices: &[&Value]) -> StripeResult<()> {
    if let Some(first) = prices.first() {
        for pr in prices {
            if pr["currency"] != first["currency"] {
                return Err(StripeError::invalid_param("All prices on a subscription must have the same `currency`.", "items"));
            }
            if pr["recurring"]["interval"] != first["recurring"]["interval"]
                || pr["recurring"]["interval_count"] != first["recurring"]["interval_count"]
            {
                return Err(StripeError::invalid_param(
                    "Currency and interval fields must match across all plans on this subscription. Found mismatch in interval field.",
                    "items",
                ));
            }
        }
    }
    Ok(())
}

async fn check_pm(tx: &mut AnyConnection, customer: &str, pm: &str) -> StripeResult<()> {
    let found = must_get(&mut *tx, Kind::PaymentMethod, pm, "default_payment_method").await?;
    if found["customer"] != json!(customer) {
        return Err(StripeError::invalid_param(
            format!("The customer does not have a payment method with the ID {pm}. The payment method must be attached to the customer."),
            "default_payment_method",
        ));
    }
    Ok(())
}

fn trial_end_param(p: &Params, now: i64) -> StripeResult<Option<i64>> {
    match p.str("trial_end")? {
        None | Some("") => Ok(None),
        Some("now") => Ok(Some(now)),
        Some(s) => {
            let t = s
                .parse::<i64>()
                .map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some("trial_end")))?;
            if t <= now {
                return Err(StripeError::invalid_param("Invalid timestamp: must be an integer Unix timestamp in the future.", "trial_end"));
            }
            Ok(Some(t))
        }
    }
}

fn trial_settings(sub: &mut Value, p: &Params) -> StripeResult<()> {
    if let Some(t) = p.hash("trial_settings")? {
        let behavior =
            t.get("end_behavior").and_then(|b| b.get("missing_payment_method")).and_then(Value::as_str).unwrap_or("create_invoice");
        if !["cancel", "create_invoice", "pause"].contains(&behavior) {
            return Err(StripeError::invalid_param(
                format!(
                    "Invalid trial_settings[end_behavior][missing_payment_method]: must be one of cancel, create_invoice, or pause (got `{behavior}`)"
                ),
                "trial_settings[end_behavior][missing_payment_method]",
            ));
        }
        sub["trial_settings"] = json!({ "end_behavior": { "missing_payment_method": behavior } });
    }
    Ok(())
}

/// Collects `inv` right after it is created (first invoice, `always_invoice`,
/// resume): finalizes it, then charges it unless `default_incomplete`.
/// Returns the card error when `error_if_incomplete` should refuse the change.
async fn collect_now(tx: &mut AnyConnection, req: &Req, inv: &mut Value, at: i64, behavior: &str) -> StripeResult<Option<StripeError>> {
    invoices::finalize_in(tx, req, inv, at).await?;
    if inv["status"] == "open" && behavior == "default_incomplete" {
        // The payment intent waits for the customer to confirm it.
        inv["next_payment_attempt"] = Value::Null;
        objects::save(&mut *tx, Kind::Invoice, inv).await?;
    }
    if inv["status"] != "open" || inv["collection_method"] != "charge_automatically" || behavior == "default_incomplete" {
        return Ok(None);
    }
    match invoices::pay_in(tx, req, inv, None, at).await? {
        Attempt::Paid => Ok(None),
        Attempt::ActionRequired => Ok(None),
        Attempt::Failed(e) => Ok(if behavior == "error_if_incomplete" { Some(e) } else { None }),
    }
}

/// `POST /v1/subscriptions`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let sub = create_in(&mut tx, req, p).await?;
    tx.commit().await?;
    Ok(sub)
}

/// `POST /v1/subscriptions` inside `tx` (subscription schedules start theirs this way).
pub async fn create_in(tx: &mut AnyConnection, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(CREATE)?;
    not_built(p)?;
    let customer_id = p.required("customer")?;
    let behavior = p
        .choice("payment_behavior", &["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"])?
        .unwrap_or_else(|| "allow_incomplete".into());
    if behavior == "pending_if_incomplete" {
        return Err(StripeError::invalid_param(
            "payment_behavior=pending_if_incomplete is only supported when updating a subscription.",
            "payment_behavior",
        ));
    }
    let customer = must_get(&mut *tx, Kind::Customer, &customer_id, "customer").await?;
    let now = now_for(tx, &customer).await?;
    let parsed = new_items(tx, p).await?;
    if parsed.is_empty() {
        return Err(StripeError::missing("items"));
    }
    same_cycle(&parsed.iter().map(|(pr, _, _)| pr).collect::<Vec<_>>())?;
    let collection =
        p.choice("collection_method", &["charge_automatically", "send_invoice"])?.unwrap_or_else(|| "charge_automatically".into());
    let days = p.int("days_until_due")?;
    if collection == "send_invoice" && days.is_none() {
        return Err(StripeError::invalid_param(
            "Missing required param: days_until_due (required when collection_method is send_invoice).",
            "days_until_due",
        ));
    }
    if collection != "send_invoice" && days.is_some() {
        return Err(StripeError::invalid_param(
            "You can only set `days_until_due` when collection_method is send_invoice.",
            "days_until_due",
        ));
    }
    if let Some(pm) = p.text("default_payment_method")? {
        check_pm(tx, &customer_id, &pm).await?;
    }
    let trial_end = match (trial_end_param(p, now)?, p.int("trial_period_days")?) {
        (Some(_), Some(_)) => {
            return Err(StripeError::invalid("You may only specify one of these parameters: trial_end, trial_period_days."));
        }
        (Some(t), None) => Some(t),
        (None, Some(d)) if d < 0 => {
            return Err(StripeError::invalid_param("This value must be greater than or equal to 0.", "trial_period_days"));
        }
        (None, Some(0)) => None,
        (None, Some(d)) => Some(now + d * 86_400),
        (None, None) if p.bool("trial_from_plan")? == Some(true) => {
            parsed.iter().filter_map(|(pr, _, _)| pr["recurring"]["trial_period_days"].as_i64()).max().map(|d| now + d * 86_400)
        }
        (None, None) => None,
    }
    .filter(|t| *t > now);
    let id = ids::new("sub");
    let first = &parsed[0].0;
    let (iv, n) = (
        first["recurring"]["interval"].as_str().unwrap_or("month").to_string(),
        first["recurring"]["interval_count"].as_i64().unwrap_or(1),
    );
    let natural = add_interval(now, &iv, n);
    let anchor = match p.str("billing_cycle_anchor")? {
        None | Some("") => None,
        Some(a) => {
            let t = a.parse::<i64>().map_err(|_| {
                StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {a}"), Some("billing_cycle_anchor"))
            })?;
            if t <= now || t > natural {
                return Err(StripeError::invalid_param(
                    format!("billing_cycle_anchor cannot be later than next natural billing date ({natural}) for plan, or in the past."),
                    "billing_cycle_anchor",
                ));
            }
            if trial_end.is_some() {
                return Err(StripeError::invalid_param(
                    "billing_cycle_anchor together with a trial is not implemented by this clone yet.",
                    "billing_cycle_anchor",
                ));
            }
            Some(t)
        }
    };
    let first_proration =
        p.choice("proration_behavior", &["create_prorations", "none", "always_invoice"])?.unwrap_or_else(|| "create_prorations".into());
    let end = trial_end.or(anchor).unwrap_or(natural);
    let mut data: Vec<Value> = parsed.iter().map(|(pr, q, m)| item_object(&id, pr, *q, m.clone(), now, (now, end))).collect();
    if let Some(Value::Array(entries)) = p.get("items") {
        for (i, (e, it)) in entries.iter().zip(data.iter_mut()).enumerate() {
            if let Some(rates) = tax_rates::resolve(tx, e.get("tax_rates"), &format!("items[{i}][tax_rates]")).await? {
                it["tax_rates"] = json!(rates);
            }
        }
    }
    let default_rates = tax_rates::resolve(tx, p.get("default_tax_rates"), "default_tax_rates").await?.unwrap_or_default();
    let mut sub = json!({
        "id": id,
        "object": "subscription",
        "application": null,
        "application_fee_percent": null,
        "automatic_tax": { "disabled_reason": null, "enabled": false, "liability": null },
        "billing_cycle_anchor": end,
        "billing_cycle_anchor_config": null,
        "billing_mode": { "flexible": null, "type": "classic" },
        "billing_thresholds": null,
        "cancel_at": null,
        "cancel_at_period_end": false,
        "canceled_at": null,
        "cancellation_details": { "comment": null, "feedback": null, "reason": null },
        "collection_method": collection,
        "created": now,
        "currency": first["currency"],
        "customer": customer_id,
        "customer_account": null,
        "days_until_due": days,
        "default_payment_method": p.text("default_payment_method")?,
        "default_source": null,
        "default_tax_rates": default_rates,
        "description": p.text("description")?,
        "discounts": [],
        "ended_at": null,
        "invoice_settings": { "account_tax_ids": null, "issuer": { "type": "self" } },
        "items": { "object": "list", "data": data, "has_more": false, "total_count": parsed.len(), "url": format!("/v1/subscription_items?subscription={id}") },
        "latest_invoice": null,
        "livemode": false,
        "metadata": {},
        "next_pending_invoice_item_invoice": null,
        "on_behalf_of": null,
        "pause_collection": null,
        "payment_settings": { "payment_method_options": null, "payment_method_types": null, "save_default_payment_method": "off" },
        "pending_invoice_item_interval": null,
        "pending_setup_intent": null,
        "pending_update": null,
        "schedule": null,
        "start_date": now,
        "status": if trial_end.is_some() { "trialing" } else { "incomplete" },
        "test_clock": customer["test_clock"],
        "transfer_data": null,
        "trial_end": trial_end,
        "trial_settings": { "end_behavior": { "missing_payment_method": "create_invoice" } },
        "trial_start": trial_end.map(|_| now),
        "_period": { "start": now, "end": end },
    });
    if trial_end.is_none() {
        sub["billing_cycle_anchor"] = json!(anchor.unwrap_or(now));
    }
    trial_settings(&mut sub, p)?;
    merge_metadata(&mut sub["metadata"], p.get("metadata"))?;
    if p.bool("cancel_at_period_end")? == Some(true) {
        sub["cancel_at_period_end"] = json!(true);
        sub["cancel_at"] = json!(end);
        sub["canceled_at"] = json!(now);
        sub["cancellation_details"]["reason"] = json!("cancellation_requested");
    } else if let Some(t) = p.int("cancel_at")? {
        sub["cancel_at"] = json!(t);
    }
    let first_total: i64 =
        if trial_end.is_some() { 0 } else { parsed.iter().map(|(pr, q, _)| pr["unit_amount"].as_i64().unwrap_or(0) * q).sum() };
    let cur = first["currency"].as_str().unwrap_or("usd").to_string();
    let target = Target {
        customer: &customer_id,
        invoice: None,
        subscription: Some(&id),
        now,
        subtotal: Some((first_total, &cur)),
        invoice_item: None,
    };
    if let Some(ds) = discounts::from_param(tx, req, p.get("discounts"), &target).await? {
        sub["discounts"] = json!(ds);
    }
    objects::insert(&mut *tx, Kind::Subscription, &sub).await?;
    save(tx, &sub, &[]).await?;
    events::emit(tx, req, "customer.subscription.created", &sub, None).await?;
    let mut inv = cycle_invoice(tx, req, &mut sub, now, "subscription_create", true).await?;
    if let Some(a) = anchor {
        // The stub period up to the anchor is prorated (or free with `none`).
        let full = a - add_interval(a, &iv, -n);
        let mut lines = inv["_sub_lines"].as_array().cloned().unwrap_or_default();
        for (line, it) in lines.iter_mut().zip(items(&sub)) {
            let amount =
                if first_proration == "none" { 0 } else { ((unit(&it) * qty(&it)) as f64 * (a - now) as f64 / full as f64).round() as i64 };
            let name = product_name(tx, &it["price"]).await?;
            line["amount"] = json!(amount);
            line["subtotal"] = json!(amount);
            line["description"] = json!(format!("Remaining time on {} × {name} after {}", qty(&it), date_text(now)));
            line["parent"]["subscription_item_details"]["proration"] = json!(first_proration != "none");
        }
        inv["_sub_lines"] = json!(lines);
        invoices::recompute(tx, &mut inv).await?;
        objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    }
    if p.has("add_invoice_items") {
        add_invoice_items(tx, req, &sub, &customer, p.get("add_invoice_items"), inv["id"].as_str(), now).await?;
        invoices::recompute(tx, &mut inv).await?;
        objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    }
    if collection == "send_invoice" {
        sub["status"] = json!(if trial_end.is_some() { "trialing" } else { "active" });
    }
    save(tx, &sub, &[]).await?;
    if let Some(e) = collect_now(tx, req, &mut inv, now, &behavior).await? {
        return Err(e);
    }
    must_get(&mut *tx, Kind::Subscription, &id, "subscription").await
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Subscription, id, "subscription_exposed_id").await
}

/// Prorates one change over the rest of the period: a credit for the old
/// amount, a charge for the new one, as pending invoice items.
#[allow(clippy::too_many_arguments)]
async fn prorate(
    tx: &mut AnyConnection,
    req: &Req,
    sub: &Value,
    customer: &Value,
    item: &Value,
    sign: i64,
    at: i64,
    label: &str,
) -> StripeResult<()> {
    let (start, end) = period(sub);
    if end <= start || at >= end {
        return Ok(());
    }
    let full = unit(item) * qty(item);
    let amount = sign * ((full as f64) * ((end - at) as f64) / ((end - start) as f64)).round() as i64;
    if amount == 0 {
        return Ok(());
    }
    let name = product_name(tx, &item["price"]).await?;
    let n = NewItem {
        customer,
        amount,
        currency: item["price"]["currency"].as_str().unwrap_or("usd").to_string(),
        description: Some(format!("{label} time on {} × {name} after {}", qty(item), date_text(at))),
        quantity: qty(item),
        price: item["price"].clone(),
        period: (at, end),
        proration: true,
        subscription: sub["id"].as_str().map(String::from),
        subscription_item: item["id"].as_str().map(String::from),
        invoice: None,
        discountable: false,
        metadata: json!({}),
        tax_rates: item["tax_rates"].as_array().cloned().unwrap_or_default(),
        now: at,
    };
    invoices::insert_item(tx, req, n).await?;
    Ok(())
}

fn date_text(ts: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = ts.div_euclid(86_400);
    // Civil date from days (same algorithm as the clock's calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!("{} {d}, {y}", MONTHS[(m - 1) as usize])
}

const UPDATE: &[&str] = &[
    "add_invoice_items",
    "application_fee_percent",
    "automatic_tax",
    "billing_cycle_anchor",
    "billing_thresholds",
    "cancel_at",
    "cancel_at_period_end",
    "cancellation_details",
    "collection_method",
    "days_until_due",
    "default_payment_method",
    "default_source",
    "default_tax_rates",
    "description",
    "discounts",
    "invoice_settings",
    "items",
    "metadata",
    "off_session",
    "on_behalf_of",
    "pause_collection",
    "payment_behavior",
    "payment_settings",
    "pending_invoice_item_interval",
    "proration_behavior",
    "proration_date",
    "transfer_data",
    "trial_end",
    "trial_from_plan",
    "trial_settings",
];

/// `POST /v1/subscriptions/{id}` (also what the subscription-item endpoints do).
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(UPDATE)?;
    not_built(p)?;
    let mut tx = asym_store::begin_write(db).await?;
    let sub = update_in(&mut tx, req, id, p).await?;
    tx.commit().await?;
    Ok(sub)
}

/// [`update`] inside `tx` (also what `create_preview` runs, then rolls back).
pub async fn update_in(tx: &mut AnyConnection, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    objects::lock(&mut *tx, Kind::Subscription, id).await?;
    let before = must_get(&mut *tx, Kind::Subscription, id, "subscription_exposed_id").await?;
    let status = before["status"].as_str().unwrap_or_default().to_string();
    if (status == "canceled" || status == "incomplete_expired")
        && let Some(k) = p.map.keys().find(|k| !["metadata", "cancellation_details", "expand"].contains(&k.as_str()))
    {
        return Err(StripeError::invalid_param(
            format!("A canceled subscription can only update its cancellation_details and metadata (got `{k}`)."),
            k.as_str(),
        ));
    }
    let customer_id = before["customer"].as_str().unwrap_or_default().to_string();
    let customer = must_get(&mut *tx, Kind::Customer, &customer_id, "customer").await?;
    let now = now_for(tx, &customer).await?;
    let at = p.int("proration_date")?.unwrap_or(now);
    let behavior =
        p.choice("proration_behavior", &["always_invoice", "create_prorations", "none"])?.unwrap_or_else(|| "create_prorations".into());
    let pay_behavior = p
        .choice("payment_behavior", &["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"])?
        .unwrap_or_else(|| "allow_incomplete".into());
    if pay_behavior == "pending_if_incomplete" {
        return Err(StripeError::invalid_param(
            "payment_behavior=pending_if_incomplete is not implemented by this clone yet.",
            "payment_behavior",
        ));
    }
    let mut sub = before.clone();
    let mut removed = Vec::new();
    let prorating = behavior != "none" && (status == "active" || status == "past_due");
    let mut changed_items = false;
    let mut new_cycle = false;
    // Prorations are worked out once the new items are known: `(item, sign, label)`.
    let mut deferred: Vec<(Value, i64, &str)> = Vec::new();
    if let Some(list) = p.get("items") {
        let Value::Array(entries) = list else {
            return Err(StripeError::invalid_param("Invalid array: pass `items[0][price]=…`", "items"));
        };
        let mut current = items(&sub);
        for (i, e) in entries.iter().enumerate() {
            let item_id = e.get("id").and_then(Value::as_str).filter(|s| !s.is_empty());
            let deleted = e.get("deleted").and_then(Value::as_str) == Some("true");
            match item_id {
                Some(iid) => {
                    let pos = current
                        .iter()
                        .position(|it| it["id"] == json!(iid))
                        .ok_or_else(|| StripeError::no_such("subscription_item", iid, &format!("items[{i}][id]")))?;
                    let old = current[pos].clone();
                    if deleted {
                        deferred.push((old.clone(), -1, "Unused"));
                        removed.push(iid.to_string());
                        current.remove(pos);
                        changed_items = true;
                        continue;
                    }
                    let mut new = old.clone();
                    if e.get("price").is_some() || e.get("price_data").is_some() || e.get("plan").is_some() {
                        let (price, _, _) = item_price(tx, e, i).await?;
                        let mut pr = price.clone();
                        public(&mut pr);
                        new["plan"] = plan_of(&pr);
                        new["price"] = pr;
                    }
                    if let Some(q) = e.get("quantity").and_then(Value::as_str) {
                        new["quantity"] = json!(q.parse::<i64>().map_err(|_| StripeError::coded(
                            "parameter_invalid_integer",
                            format!("Invalid integer: {q}"),
                            Some(&format!("items[{i}][quantity]"))
                        ))?);
                    }
                    merge_metadata(&mut new["metadata"], e.get("metadata"))?;
                    if let Some(rates) = tax_rates::resolve(tx, e.get("tax_rates"), &format!("items[{i}][tax_rates]")).await? {
                        new["tax_rates"] = json!(rates);
                    }
                    if new["price"]["id"] != old["price"]["id"] || new["quantity"] != old["quantity"] {
                        changed_items = true;
                        deferred.push((old.clone(), -1, "Unused"));
                        deferred.push((new.clone(), 1, "Remaining"));
                    }
                    current[pos] = new;
                }
                None => {
                    if deleted {
                        return Err(StripeError::missing(&format!("items[{i}][id]")));
                    }
                    let (price, q, m) = item_price(tx, e, i).await?;
                    let (s, en) = period(&sub);
                    let mut it = item_object(id, &price, q, m, now, (s, en));
                    if let Some(rates) = tax_rates::resolve(tx, e.get("tax_rates"), &format!("items[{i}][tax_rates]")).await? {
                        it["tax_rates"] = json!(rates);
                    }
                    deferred.push((it.clone(), 1, "Remaining"));
                    current.push(it);
                    changed_items = true;
                }
            }
        }
        if current.is_empty() {
            return Err(StripeError::invalid_param(
                "A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.",
                "items",
            ));
        }
        same_cycle(&current.iter().map(|it| &it["price"]).collect::<Vec<_>>())?;
        new_cycle = current[0]["price"]["recurring"]["interval"] != before["items"]["data"][0]["price"]["recurring"]["interval"]
            || current[0]["price"]["recurring"]["interval_count"] != before["items"]["data"][0]["price"]["recurring"]["interval_count"];
        if new_cycle && status == "trialing" {
            return Err(StripeError::invalid_param(
                "Changing the billing interval of a trialing subscription is not implemented by this clone yet.",
                "items",
            ));
        }
        let n = current.len();
        sub["items"]["data"] = json!(current);
        sub["items"]["total_count"] = json!(n);
    }
    match p.str("billing_cycle_anchor")? {
        None | Some("unchanged") => {}
        Some("now") => {
            if status == "trialing" {
                return Err(StripeError::invalid_param(
                    "billing_cycle_anchor=now on a trialing subscription is not implemented by this clone yet; end the trial with trial_end=now.",
                    "billing_cycle_anchor",
                ));
            }
            // The whole current period's unused time is credited.
            new_cycle = true;
            deferred = items(&before).into_iter().map(|it| (it, -1, "Unused")).collect();
        }
        Some(other) => {
            return Err(StripeError::invalid_param(
                format!("Invalid billing_cycle_anchor: must be one of now or unchanged (got `{other}`)"),
                "billing_cycle_anchor",
            ));
        }
    }
    // A new billing cycle starts now: only unused time is credited, and the new
    // prices are billed in full at once.
    for (item, sign, label) in &deferred {
        if prorating && (!new_cycle || *sign < 0) {
            prorate(tx, req, &sub, &customer, item, *sign, at, label).await?;
        }
    }
    if new_cycle {
        let (iv, count) = interval(&sub);
        sub["billing_cycle_anchor"] = json!(now);
        set_period(&mut sub, now, add_interval(now, &iv, count));
        if sub["cancel_at_period_end"] == json!(true) {
            sub["cancel_at"] = json!(period(&sub).1);
        }
    }
    add_invoice_items(tx, req, &sub, &customer, p.get("add_invoice_items"), None, now).await?;
    if p.has("pause_collection") {
        sub["pause_collection"] = match p.hash("pause_collection")? {
            None => Value::Null,
            Some(m) => {
                let behavior =
                    m.get("behavior").and_then(Value::as_str).ok_or_else(|| StripeError::missing("pause_collection[behavior]"))?;
                if !["keep_as_draft", "mark_uncollectible", "void"].contains(&behavior) {
                    return Err(StripeError::invalid_param(
                        format!(
                            "Invalid pause_collection[behavior]: must be one of keep_as_draft, mark_uncollectible, or void (got `{behavior}`)"
                        ),
                        "pause_collection[behavior]",
                    ));
                }
                let resumes = match m.get("resumes_at").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                    Some(t) => json!(t.parse::<i64>().map_err(|_| StripeError::coded(
                        "parameter_invalid_integer",
                        format!("Invalid integer: {t}"),
                        Some("pause_collection[resumes_at]")
                    ))?),
                    None => Value::Null,
                };
                json!({ "behavior": behavior, "resumes_at": resumes })
            }
        };
    }
    if let Some(pm) = p.str("default_payment_method")? {
        if pm.is_empty() {
            sub["default_payment_method"] = Value::Null;
        } else {
            check_pm(tx, &customer_id, pm).await?;
            sub["default_payment_method"] = json!(pm);
        }
    }
    set_text(&mut sub, p, "description")?;
    if let Some(rates) = tax_rates::resolve(tx, p.get("default_tax_rates"), "default_tax_rates").await? {
        sub["default_tax_rates"] = json!(rates);
    }
    merge_metadata(&mut sub["metadata"], p.get("metadata"))?;
    if let Some(c) = p.hash("cancellation_details")? {
        for k in ["comment", "feedback"] {
            if let Some(v) = c.get(k).and_then(Value::as_str) {
                sub["cancellation_details"][k] = if v.is_empty() { Value::Null } else { json!(v) };
            }
        }
    }
    if let Some(c) = p.choice("collection_method", &["charge_automatically", "send_invoice"])? {
        sub["collection_method"] = json!(c);
    }
    if let Some(d) = p.int("days_until_due")? {
        sub["days_until_due"] = json!(d);
    }
    if sub["collection_method"] == "send_invoice" && sub["days_until_due"].is_null() {
        return Err(StripeError::invalid_param(
            "Missing required param: days_until_due (required when collection_method is send_invoice).",
            "days_until_due",
        ));
    }
    trial_settings(&mut sub, p)?;
    let (_, end) = period(&sub);
    match p.bool("cancel_at_period_end")? {
        Some(true) => {
            sub["cancel_at_period_end"] = json!(true);
            sub["cancel_at"] = json!(end);
            sub["canceled_at"] = json!(now);
            sub["cancellation_details"]["reason"] = json!("cancellation_requested");
        }
        Some(false) => {
            sub["cancel_at_period_end"] = json!(false);
            sub["cancel_at"] = Value::Null;
            sub["canceled_at"] = Value::Null;
            sub["cancellation_details"]["reason"] = Value::Null;
        }
        None => {}
    }
    match p.str("cancel_at")? {
        None => {}
        Some("") => {
            sub["cancel_at"] = Value::Null;
            sub["cancel_at_period_end"] = json!(false);
        }
        Some(s) => {
            let t = match s {
                "min_period_end" | "max_period_end" => end,
                s => s
                    .parse::<i64>()
                    .map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some("cancel_at")))?,
            };
            sub["cancel_at"] = json!(t);
            sub["cancel_at_period_end"] = json!(t == end);
            sub["canceled_at"] = json!(now);
            sub["cancellation_details"]["reason"] = json!("cancellation_requested");
        }
    }
    let target = Target { customer: &customer_id, invoice: None, subscription: Some(id), now, subtotal: None, invoice_item: None };
    if let Some(ds) = discounts::from_param(tx, req, p.get("discounts"), &target).await? {
        sub["discounts"] = json!(ds);
    }
    let mut bill_now = (behavior == "always_invoice" && changed_items && prorating) || (new_cycle && status != "trialing");
    match trial_end_param(p, now)? {
        Some(t) if t == now && status == "trialing" => {
            // Ending the trial now starts the first paid period and bills it at once.
            let (iv, n) = interval(&sub);
            sub["status"] = json!("active");
            sub["trial_end"] = json!(now);
            sub["billing_cycle_anchor"] = json!(now);
            set_period(&mut sub, now, add_interval(now, &iv, n));
            if sub["cancel_at_period_end"] == json!(true) {
                sub["cancel_at"] = json!(period(&sub).1);
            }
            bill_now = true;
        }
        Some(t) if status == "trialing" => {
            sub["trial_end"] = json!(t);
            sub["billing_cycle_anchor"] = json!(t);
            let (s, _) = period(&sub);
            set_period(&mut sub, s, t);
        }
        Some(_) => {
            return Err(StripeError::invalid_param("trial_end can only be changed while the subscription is trialing.", "trial_end"));
        }
        None => {}
    }
    if sub == before && removed.is_empty() {
        return Ok(sub);
    }
    save(tx, &sub, &removed).await?;
    events::emit(tx, req, "customer.subscription.updated", &sub, Some(previous_attributes(&before, &sub))).await?;
    if bill_now {
        let started = sub["status"] != before["status"] || new_cycle;
        let mut inv = cycle_invoice(tx, req, &mut sub, now, "subscription_update", started).await?;
        save(tx, &sub, &[]).await?;
        if let Some(e) = collect_now(tx, req, &mut inv, now, &pay_behavior).await? {
            return Err(e);
        }
    }
    must_get(&mut *tx, Kind::Subscription, id, "subscription_exposed_id").await
}

/// `DELETE /v1/subscriptions/{id}`: cancels now.
pub async fn cancel(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["cancellation_details", "invoice_now", "prorate"])?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::Subscription, id).await?;
    let mut sub = must_get(&mut *tx, Kind::Subscription, id, "subscription_exposed_id").await?;
    if sub["status"] == "canceled" || sub["status"] == "incomplete_expired" {
        return Err(StripeError::invalid_param(format!("This subscription ({id}) has already been canceled."), "subscription_exposed_id"));
    }
    let customer = must_get(&mut *tx, Kind::Customer, sub["customer"].as_str().unwrap_or_default(), "customer").await?;
    let now = now_for(&mut tx, &customer).await?;
    if p.bool("prorate")? == Some(true) && sub["status"] == "active" {
        for it in items(&sub) {
            prorate(&mut tx, req, &sub, &customer, &it, -1, now, "Unused").await?;
        }
    }
    if let Some(c) = p.hash("cancellation_details")? {
        for k in ["comment", "feedback"] {
            if let Some(v) = c.get(k).and_then(Value::as_str) {
                sub["cancellation_details"][k] = if v.is_empty() { Value::Null } else { json!(v) };
            }
        }
    }
    end_now(&mut tx, req, &mut sub, now, "cancellation_requested").await?;
    if p.bool("invoice_now")? == Some(true) {
        let pending = invoices::pending_items(&mut tx, customer["id"].as_str().unwrap_or_default(), Some(id)).await?;
        if !pending.is_empty() {
            let mut inv = cycle_invoice(&mut tx, req, &mut sub, now, "subscription_update", false).await?;
            save(&mut tx, &sub, &[]).await?;
            collect_now(&mut tx, req, &mut inv, now, "allow_incomplete").await?;
        }
    }
    let sub = must_get(&mut *tx, Kind::Subscription, id, "subscription_exposed_id").await?;
    tx.commit().await?;
    Ok(sub)
}

/// Cancels subscription `id` at `at` (a subscription schedule's cancel).
pub async fn end_now_in(tx: &mut AnyConnection, req: &Req, id: &str, at: i64) -> StripeResult<()> {
    let mut sub = must_get(&mut *tx, Kind::Subscription, id, "subscription").await?;
    if sub["status"] == "canceled" || sub["status"] == "incomplete_expired" {
        return Ok(());
    }
    end_now(tx, req, &mut sub, at, "cancellation_requested").await
}

async fn end_now(tx: &mut AnyConnection, req: &Req, sub: &mut Value, at: i64, reason: &str) -> StripeResult<()> {
    sub["status"] = json!("canceled");
    if sub["canceled_at"].is_null() {
        sub["canceled_at"] = json!(at);
    }
    sub["ended_at"] = json!(at);
    if sub["cancellation_details"]["reason"].is_null() {
        sub["cancellation_details"]["reason"] = json!(reason);
    }
    save(tx, sub, &[]).await?;
    events::emit(tx, req, "customer.subscription.deleted", sub, None).await?;
    // A subscription managed by a schedule takes the schedule with it.
    if let Some(sched) = sub["schedule"].as_str() {
        crate::model::subscription_schedules::subscription_ended(tx, req, sched, at).await?;
    }
    Ok(())
}

/// `POST /v1/subscriptions/{id}/resume` (paused subscriptions only).
pub async fn resume(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["billing_cycle_anchor", "proration_behavior", "proration_date"])?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::Subscription, id).await?;
    let mut sub = must_get(&mut *tx, Kind::Subscription, id, "subscription").await?;
    if sub["status"] != "paused" {
        return Err(StripeError::invalid(format!(
            "Subscription {id} has status `{}`; only subscriptions with status `paused` can be resumed.",
            sub["status"].as_str().unwrap_or_default()
        )));
    }
    let before = sub.clone();
    let now = crate::model::test_clocks::now_for_id(&mut tx, sub["customer"].as_str().unwrap_or_default()).await?;
    let (iv, n) = interval(&sub);
    sub["status"] = json!("active");
    sub["billing_cycle_anchor"] = json!(now);
    set_period(&mut sub, now, add_interval(now, &iv, n));
    save(&mut tx, &sub, &[]).await?;
    events::emit(&mut tx, req, "customer.subscription.resumed", &sub, None).await?;
    events::emit(&mut tx, req, "customer.subscription.updated", &sub, Some(previous_attributes(&before, &sub))).await?;
    let mut inv = cycle_invoice(&mut tx, req, &mut sub, now, "subscription_cycle", true).await?;
    save(&mut tx, &sub, &[]).await?;
    collect_now(&mut tx, req, &mut inv, now, "allow_incomplete").await?;
    if let Some(mut s) = objects::get(&mut *tx, Kind::Subscription, id).await?
        && inv["status"] != "paid"
        && s["status"] == "active"
    {
        let b = s.clone();
        s["status"] = json!("past_due");
        save(&mut tx, &s, &[]).await?;
        events::emit(&mut tx, req, "customer.subscription.updated", &s, Some(previous_attributes(&b, &s))).await?;
    }
    let sub = must_get(&mut *tx, Kind::Subscription, id, "subscription").await?;
    tx.commit().await?;
    Ok(sub)
}

/// `GET /v1/subscriptions`: without `status`, every subscription not canceled.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec![
        "automatic_tax",
        "collection_method",
        "created",
        "current_period_end",
        "current_period_start",
        "customer",
        "customer_account",
        "price",
        "status",
        "test_clock",
        "plan",
    ];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let pend = range_filter(p, "current_period_end")?;
    let pstart = range_filter(p, "current_period_start")?;
    let status = p.choice(
        "status",
        &["active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid"],
    )?;
    let price = p.text("price")?.or(p.text("plan")?);
    let clock = p.text("test_clock")?;
    let method = p.choice("collection_method", &["charge_automatically", "send_invoice"])?;
    let scan = Scan { customer: p.text("customer")?, ..Default::default() };
    list::list(db, Kind::Subscription, "/v1/subscriptions", &page, scan, &|v| {
        let st = v["status"].as_str().unwrap_or_default();
        let status_ok = match status.as_deref() {
            None => st != "canceled" && st != "incomplete_expired",
            Some("all") => true,
            Some("ended") => st == "canceled" || st == "incomplete_expired",
            Some(s) => st == s,
        };
        status_ok
            && created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && pend.as_ref().is_none_or(|f| f(v["_period"]["end"].as_i64().unwrap_or(0)))
            && pstart.as_ref().is_none_or(|f| f(v["_period"]["start"].as_i64().unwrap_or(0)))
            && price.as_ref().is_none_or(|pr| items(v).iter().any(|it| it["price"]["id"] == json!(pr)))
            && clock.as_ref().is_none_or(|c| v["test_clock"] == json!(c))
            && method.as_ref().is_none_or(|m| v["collection_method"] == json!(m))
    })
    .await
}

pub async fn search(db: &Pool, p: &Params) -> StripeResult<Value> {
    search::search(db, Kind::Subscription, "subscriptions", SEARCH_FIELDS, p).await
}

// ---------------------------------------------------------------- time

/// The next moment the subscription has something to do, if any.
pub fn next_moment(sub: &Value) -> Option<i64> {
    let (_, end) = period(sub);
    let cancel = sub["cancel_at"].as_i64();
    let soonest = |a: i64, b: Option<i64>| b.map_or(a, |b| a.min(b));
    match sub["status"].as_str()? {
        "trialing" => {
            let te = sub["trial_end"].as_i64().unwrap_or(end);
            let notice = te - TRIAL_NOTICE;
            let base = if sub["_trial_notice"] != json!(true) && notice > sub["created"].as_i64().unwrap_or(0) { notice } else { te };
            Some(soonest(base, cancel))
        }
        "active" | "past_due" | "unpaid" => {
            let resumes = sub["pause_collection"]["resumes_at"].as_i64();
            Some(soonest(soonest(end, cancel), resumes))
        }
        "incomplete" => Some(sub["created"].as_i64().unwrap_or(0) + INCOMPLETE_WINDOW),
        _ => None,
    }
}

/// What is due at `at` for subscription `id` happens.
pub async fn on_moment(tx: &mut AnyConnection, req: &Req, id: &str, at: i64) -> StripeResult<()> {
    let mut sub = must_get(&mut *tx, Kind::Subscription, id, "subscription").await?;
    let before = sub.clone();
    let status = sub["status"].as_str().unwrap_or_default().to_string();
    let (_, end) = period(&sub);
    if sub["cancel_at"].as_i64().is_some_and(|c| c <= at) && status != "incomplete" {
        return end_now(tx, req, &mut sub, at, "cancellation_requested").await;
    }
    if sub["pause_collection"]["resumes_at"].as_i64().is_some_and(|r| r <= at) {
        sub["pause_collection"] = Value::Null;
        save(tx, &sub, &[]).await?;
        events::emit(tx, req, "customer.subscription.updated", &sub, Some(previous_attributes(&before, &sub))).await?;
        return Ok(());
    }
    if status == "incomplete" {
        sub["status"] = json!("incomplete_expired");
        sub["ended_at"] = json!(at);
        if let Some(inv_id) = sub["latest_invoice"].as_str().map(String::from)
            && let Some(mut inv) = objects::get(&mut *tx, Kind::Invoice, &inv_id).await?
            && inv["status"] == "open"
        {
            inv["status"] = json!("void");
            inv["status_transitions"]["voided_at"] = json!(at);
            objects::save(&mut *tx, Kind::Invoice, &inv).await?;
            events::emit(tx, req, "invoice.voided", &inv, None).await?;
        }
        save(tx, &sub, &[]).await?;
        events::emit(tx, req, "customer.subscription.deleted", &sub, None).await?;
        return Ok(());
    }
    if status == "trialing" {
        let te = sub["trial_end"].as_i64().unwrap_or(end);
        if at < te {
            sub["_trial_notice"] = json!(true);
            objects::save(&mut *tx, Kind::Subscription, &sub).await?;
            events::emit(tx, req, "customer.subscription.trial_will_end", &sub, None).await?;
            return Ok(());
        }
        let customer = must_get(&mut *tx, Kind::Customer, sub["customer"].as_str().unwrap_or_default(), "customer").await?;
        let has_pm = sub["default_payment_method"].is_string() || customer["invoice_settings"]["default_payment_method"].is_string();
        if !has_pm && sub["collection_method"] == "charge_automatically" {
            match sub["trial_settings"]["end_behavior"]["missing_payment_method"].as_str() {
                Some("cancel") => return end_now(tx, req, &mut sub, at, "cancellation_requested").await,
                Some("pause") => {
                    sub["status"] = json!("paused");
                    save(tx, &sub, &[]).await?;
                    events::emit(tx, req, "customer.subscription.paused", &sub, None).await?;
                    events::emit(tx, req, "customer.subscription.updated", &sub, Some(previous_attributes(&before, &sub))).await?;
                    return Ok(());
                }
                _ => {}
            }
        }
        sub["status"] = json!("active");
    }
    // A renewal: the next period starts at the end of this one.
    let (iv, n) = interval(&sub);
    let start = if status == "trialing" { sub["trial_end"].as_i64().unwrap_or(end) } else { end };
    let (prev_start, _) = period(&sub);
    sub["_previous"] = json!({ "start": prev_start, "end": start });
    set_period(&mut sub, start, add_interval(start, &iv, n));
    if sub["cancel_at_period_end"] == json!(true) {
        sub["cancel_at"] = json!(period(&sub).1);
    }
    let reason = "subscription_cycle";
    let mut inv = cycle_invoice(tx, req, &mut sub, start, reason, true).await?;
    save(tx, &sub, &[]).await?;
    events::emit(tx, req, "customer.subscription.updated", &sub, Some(previous_attributes(&before, &sub))).await?;
    // Paused collection: the renewal invoice is kept as a draft, or finalized and
    // marked uncollectible or voided, and never charged.
    if let Some(behavior) = sub["pause_collection"]["behavior"].as_str() {
        inv["auto_advance"] = json!(false);
        inv["automatically_finalizes_at"] = Value::Null;
        objects::save(&mut *tx, Kind::Invoice, &inv).await?;
        if behavior != "keep_as_draft" {
            invoices::finalize_in(tx, req, &mut inv, start).await?;
            if inv["status"] == "open" {
                let (status, field, kind) = if behavior == "void" {
                    ("void", "voided_at", "invoice.voided")
                } else {
                    ("uncollectible", "marked_uncollectible_at", "invoice.marked_uncollectible")
                };
                inv["status"] = json!(status);
                inv["status_transitions"][field] = json!(start);
                inv["next_payment_attempt"] = Value::Null;
                objects::save(&mut *tx, Kind::Invoice, &inv).await?;
                events::emit(tx, req, kind, &inv, None).await?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- subscription items

fn item_params(entry: Map<String, Value>, p: &Params) -> StripeResult<Params> {
    let mut m = Map::new();
    m.insert("items".into(), Value::Array(vec![Value::Object(entry)]));
    for k in ["proration_behavior", "proration_date", "payment_behavior"] {
        if let Some(v) = p.get(k) {
            m.insert(k.into(), v.clone());
        }
    }
    Ok(Params::new(m))
}

/// `POST /v1/subscription_items`.
pub async fn create_item(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "subscription",
        "price",
        "price_data",
        "quantity",
        "metadata",
        "proration_behavior",
        "proration_date",
        "payment_behavior",
        "discounts",
        "tax_rates",
        "billing_thresholds",
        "plan",
    ])?;
    let sid = p.required("subscription")?;
    let mut entry = Map::new();
    for k in ["price", "price_data", "quantity", "metadata", "plan", "tax_rates"] {
        if let Some(v) = p.get(k) {
            entry.insert(k.into(), v.clone());
        }
    }
    let before: Vec<String> = {
        let s = must_get(db, Kind::Subscription, &sid, "subscription").await?;
        items(&s).iter().filter_map(|i| i["id"].as_str().map(String::from)).collect()
    };
    let mut tx = asym_store::begin_write(db).await?;
    let sub = update_in(&mut tx, req, &sid, &item_params(entry, p)?).await?;
    tx.commit().await?;
    items(&sub)
        .into_iter()
        .find(|i| i["id"].as_str().is_some_and(|id| !before.iter().any(|b| b == id)))
        .ok_or_else(|| StripeError::Api("new item missing".into()))
}

pub async fn retrieve_item(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::SubscriptionItem, id, "item").await
}

/// `POST /v1/subscription_items/{id}`.
pub async fn update_item(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "price",
        "price_data",
        "quantity",
        "metadata",
        "proration_behavior",
        "proration_date",
        "payment_behavior",
        "discounts",
        "tax_rates",
        "billing_thresholds",
        "off_session",
        "plan",
    ])?;
    let item = must_get(db, Kind::SubscriptionItem, id, "item").await?;
    let sid = item["subscription"].as_str().unwrap_or_default().to_string();
    let mut entry = Map::new();
    entry.insert("id".into(), json!(id));
    for k in ["price", "price_data", "quantity", "metadata", "plan", "tax_rates"] {
        if let Some(v) = p.get(k) {
            entry.insert(k.into(), v.clone());
        }
    }
    let mut tx = asym_store::begin_write(db).await?;
    update_in(&mut tx, req, &sid, &item_params(entry, p)?).await?;
    let item = must_get(&mut *tx, Kind::SubscriptionItem, id, "item").await?;
    tx.commit().await?;
    Ok(item)
}

/// `DELETE /v1/subscription_items/{id}`.
pub async fn delete_item(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["clear_usage", "proration_behavior", "proration_date", "payment_behavior"])?;
    let item = must_get(db, Kind::SubscriptionItem, id, "item").await?;
    let sid = item["subscription"].as_str().unwrap_or_default().to_string();
    let mut entry = Map::new();
    entry.insert("id".into(), json!(id));
    entry.insert("deleted".into(), json!("true"));
    let mut tx = asym_store::begin_write(db).await?;
    update_in(&mut tx, req, &sid, &item_params(entry, p)?).await?;
    tx.commit().await?;
    Ok(json!({ "id": id, "object": "subscription_item", "deleted": true }))
}

/// `GET /v1/subscription_items?subscription=…`.
pub async fn list_items(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["subscription"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let sid = p.required("subscription")?;
    must_get(db, Kind::Subscription, &sid, "subscription").await?;
    let page = Page::from(p)?;
    let scan = Scan { reference: Some(sid.clone()), ..Default::default() };
    list::list(db, Kind::SubscriptionItem, "/v1/subscription_items", &page, scan, &|_| true).await
}
