//! Checkout Sessions (`cs_test_…`): create (modes `payment`, `subscription`,
//! `setup`), retrieve, list, line items, expire; and the clone's hosted payment
//! page at the session's `url`.
//!
//! Test-mode completion is what a browser does on Stripe's hosted page: the page
//! at `url` (`GET /c/pay/{session}`) is a plain HTML form, and submitting it
//! (`POST /c/pay/{session}` with `card_number`, `card_exp_month`,
//! `card_exp_year`, `card_cvc`, `email` — or `payment_method=pm_card_visa`, a
//! test token; `promotion_code=CODE` when the session allows promotion codes)
//! pays with that card. Payment mode creates and confirms a
//! payment intent; subscription mode creates the customer, attaches the card and
//! starts the subscription; setup mode confirms a setup intent. The session turns
//! `complete`, `checkout.session.completed` is emitted with the session, and the
//! browser is sent (303) to `success_url` with `{CHECKOUT_SESSION_ID}` filled in.
//! A declined card answers 402 with the decline message and leaves the session
//! `open`, as Stripe's page does.

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, envelope, range_filter};
use crate::model::payment_intents::{self, Confirmed};
use crate::model::{Req, customers, events, must_get, now_secs, payment_methods, products, public};
use crate::store::objects::{self, Kind, Scan};

const CREATE: &[&str] = &[
    "mode",
    "line_items",
    "customer",
    "customer_email",
    "customer_creation",
    "success_url",
    "cancel_url",
    "return_url",
    "metadata",
    "allow_promotion_codes",
    "discounts",
    "client_reference_id",
    "currency",
    "expires_at",
    "payment_method_types",
    "payment_intent_data",
    "subscription_data",
    "setup_intent_data",
    "submit_type",
    "billing_address_collection",
    "locale",
    "ui_mode",
    "shipping_options",
];

/// A session id as Stripe shapes it (`cs_test_` and 58 alphanumerics).
fn session_id() -> String {
    let body = ids::new("x");
    let more = ids::new("x");
    format!("cs_test_{}{}{}", &body[2..], &more[2..], &ids::new("x")[2..12])
}

fn int_of(v: Option<&Value>, param: &str) -> StripeResult<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_i64()),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some(param))),
        Some(_) => Err(StripeError::invalid_param(format!("Invalid integer for {param}"), param)),
    }
}

/// Checkout's line items (`object: "item"`) from a `line_items` parameter:
/// each names a `price` or gives `price_data` (with `product` or `product_data`).
/// `any_price` lets a payment link's session reuse the link's ad-hoc (inactive) prices.
pub async fn build_items(tx: &mut AnyConnection, req: &Req, items: Option<&Value>, any_price: bool) -> StripeResult<Vec<Value>> {
    let list = match items {
        None => return Ok(Vec::new()),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(StripeError::invalid_param("Invalid array: pass `line_items[0][price]=…`", "line_items")),
    };
    let mut out = Vec::new();
    for (i, e) in list.iter().enumerate() {
        let allowed = ["price", "price_data", "quantity"];
        let not_built = ["adjustable_quantity", "tax_rates", "dynamic_tax_rates"];
        if let Some(k) = e.as_object().and_then(|m| m.keys().find(|k| !allowed.contains(&k.as_str()))) {
            let param = format!("line_items[{i}][{k}]");
            return Err(if not_built.contains(&k.as_str()) { StripeError::not_built(&param) } else { StripeError::unknown(&param) });
        }
        let price = match (e.get("price").and_then(Value::as_str), e.get("price_data").and_then(Value::as_object)) {
            (Some(_), Some(_)) => {
                return Err(StripeError::invalid(format!(
                    "You may only specify one of these parameters: line_items[{i}][price], line_items[{i}][price_data]."
                )));
            }
            (Some(id), None) => {
                let pr = must_get(&mut *tx, Kind::Price, id, &format!("line_items[{i}][price]")).await?;
                if pr["active"] == false && !any_price {
                    return Err(StripeError::invalid_param(
                        "The price specified is inactive. This field only accepts active prices.",
                        format!("line_items[{i}][price]"),
                    ));
                }
                pr
            }
            (None, Some(pd)) => {
                let data = crate::form::hash_value(pd, &["unit_amount", "interval_count"])?;
                let param = format!("line_items[{i}][price_data]");
                let product = match (data["product"].as_str(), data["product_data"].as_object()) {
                    (Some(id), _) => {
                        must_get(&mut *tx, Kind::Product, id, &format!("{param}[product]")).await?;
                        id.to_string()
                    }
                    (None, Some(pd)) => {
                        let name = pd
                            .get("name")
                            .and_then(Value::as_str)
                            .ok_or_else(|| StripeError::missing(&format!("{param}[product_data][name]")))?;
                        let mut prod = products::blank(ids::new("prod"), name, now_secs());
                        if let Some(Value::Object(m)) = pd.get("metadata") {
                            prod["metadata"] = Value::Object(m.clone());
                        }
                        objects::insert(&mut *tx, Kind::Product, &prod).await?;
                        events::emit(&mut *tx, req, "product.created", &prod, None).await?;
                        prod["id"].as_str().unwrap_or_default().to_string()
                    }
                    (None, None) => return Err(StripeError::missing(&format!("{param}[product]"))),
                };
                let mut pr = crate::model::prices::from_data(&product, &data, &param)?;
                // Stripe keeps ad-hoc prices out of the catalog (`active: false`).
                pr["active"] = json!(false);
                objects::insert(&mut *tx, Kind::Price, &pr).await?;
                pr
            }
            (None, None) => return Err(StripeError::missing(&format!("line_items[{i}][price]"))),
        };
        let quantity = int_of(e.get("quantity"), &format!("line_items[{i}][quantity]"))?.unwrap_or(1);
        if quantity < 1 {
            return Err(StripeError::invalid_param("This value must be greater than or equal to 1.", format!("line_items[{i}][quantity]")));
        }
        let product = objects::get(&mut *tx, Kind::Product, price["product"].as_str().unwrap_or_default()).await?;
        let amount = price["unit_amount"].as_i64().unwrap_or(0) * quantity;
        let mut pr_public = price.clone();
        public(&mut pr_public);
        out.push(json!({
            "id": format!("li_{}", &ids::new("x")[2..]),
            "object": "item",
            "amount_discount": 0,
            "amount_subtotal": amount,
            "amount_tax": 0,
            "amount_total": amount,
            "currency": price["currency"],
            "description": product.as_ref().and_then(|p| p["name"].as_str()).map(String::from),
            "metadata": {},
            "price": pr_public,
            "quantity": quantity,
        }));
    }
    Ok(out)
}

/// The `discounts` parameter (`[{coupon}]` or `[{promotion_code}]`), checked,
/// with the coupon each resolves to.
async fn discounts_of(tx: &mut AnyConnection, v: Option<&Value>) -> StripeResult<Vec<(Value, Value)>> {
    let list = match v {
        None | Some(Value::String(_)) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => return Err(StripeError::invalid_param("Invalid array", "discounts")),
    };
    if list.len() > 1 {
        return Err(StripeError::invalid_param("You may only specify one discount for a Checkout Session.", "discounts"));
    }
    let mut out = Vec::new();
    for (i, d) in list.iter().enumerate() {
        if let Some(c) = d["coupon"].as_str() {
            let coupon = must_get(&mut *tx, Kind::Coupon, c, &format!("discounts[{i}][coupon]")).await?;
            out.push((json!({ "coupon": c, "promotion_code": null }), coupon));
        } else if let Some(pc) = d["promotion_code"].as_str() {
            let promo = must_get(&mut *tx, Kind::PromotionCode, pc, &format!("discounts[{i}][promotion_code]")).await?;
            if promo["active"] == false {
                return Err(StripeError::invalid_param(
                    format!("The promotion code `{pc}` is not active."),
                    format!("discounts[{i}][promotion_code]"),
                ));
            }
            let cid = promo["promotion"]["coupon"]
                .as_str()
                .or(promo["coupon"]["id"].as_str())
                .or(promo["coupon"].as_str())
                .unwrap_or_default()
                .to_string();
            let coupon = must_get(&mut *tx, Kind::Coupon, &cid, &format!("discounts[{i}][promotion_code]")).await?;
            out.push((json!({ "coupon": null, "promotion_code": pc }), coupon));
        } else {
            return Err(StripeError::missing(&format!("discounts[{i}][coupon]")));
        }
    }
    Ok(out)
}

fn discount_amount(coupon: &Value, subtotal: i64) -> i64 {
    if let Some(pc) = coupon["percent_off"].as_f64() {
        ((subtotal as f64) * pc / 100.0).round() as i64
    } else {
        coupon["amount_off"].as_i64().unwrap_or(0).min(subtotal)
    }
}

/// A new session from create parameters (stored by the caller).
pub async fn build(tx: &mut AnyConnection, req: &Req, p: &Params, payment_link: Option<&str>) -> StripeResult<Value> {
    let mode = p.choice("mode", &["payment", "setup", "subscription"])?.ok_or_else(|| StripeError::missing("mode"))?;
    let customer = p.text("customer")?;
    let email = p.text("customer_email")?;
    if customer.is_some() && email.is_some() {
        return Err(StripeError::invalid("You may only specify one of these parameters: customer, customer_email."));
    }
    if let Some(c) = &customer {
        must_get(&mut *tx, Kind::Customer, c, "customer").await?;
    }
    let creation = p.choice("customer_creation", &["always", "if_required"])?;
    if creation.is_some() && mode != "payment" {
        return Err(StripeError::invalid_param("`customer_creation` can only be used in `payment` mode.", "customer_creation"));
    }
    if creation.is_some() && customer.is_some() {
        return Err(StripeError::invalid("You may only specify one of these parameters: customer, customer_creation."));
    }
    let allow_promos = p.bool("allow_promotion_codes")?;
    if allow_promos == Some(true) && p.has("discounts") {
        return Err(StripeError::invalid("You may only specify one of these parameters: allow_promotion_codes, discounts."));
    }
    if let Some(types) = p.list("payment_method_types")?
        && let Some(bad) = types.iter().find(|t| *t != "card")
    {
        return Err(StripeError::invalid_param(
            format!("The payment method type `{bad}` is not implemented by this clone; only `card` is."),
            "payment_method_types",
        ));
    }
    let items = build_items(tx, req, p.get("line_items"), payment_link.is_some()).await?;
    let recurring = items.iter().filter(|i| i["price"]["type"] == "recurring").count();
    match mode.as_str() {
        "setup" if !items.is_empty() => {
            return Err(StripeError::invalid_param("You cannot pass `line_items` in `setup` mode.", "line_items"));
        }
        "payment" | "subscription" if items.is_empty() => return Err(StripeError::missing("line_items")),
        "payment" if recurring > 0 => {
            return Err(StripeError::invalid_param(
                "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
                "line_items",
            ));
        }
        "subscription" if recurring == 0 => {
            return Err(StripeError::invalid_param(
                "You must specify at least one recurring price in `subscription` mode when using prices.",
                "line_items",
            ));
        }
        _ => {}
    }
    let currencies: Vec<&str> = items.iter().filter_map(|i| i["currency"].as_str()).collect();
    if currencies.windows(2).any(|w| w[0] != w[1]) {
        return Err(StripeError::invalid_param("All line items must use the same currency.", "line_items"));
    }
    let cur = currencies.first().map(|c| c.to_string()).or(crate::model::currency(p, "currency")?);
    let discounts = discounts_of(tx, p.get("discounts")).await?;
    let subtotal: i64 = items.iter().map(|i| i["amount_subtotal"].as_i64().unwrap_or(0)).sum();
    let off = discounts.first().map(|(_, c)| discount_amount(c, subtotal)).unwrap_or(0);
    let now = now_secs();
    let expires_at = match p.int("expires_at")? {
        None => now + 86_400,
        Some(t) if t < now + 1800 || t > now + 86_400 => {
            return Err(StripeError::invalid_param(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                "expires_at",
            ));
        }
        Some(t) => t,
    };
    let (shipping_options, shipping) = shipping_of(tx, p.get("shipping_options"), &mode, cur.as_deref()).await?;
    let id = session_id();
    let url = format!("{}/c/pay/{id}", req.base_url.trim_end_matches('/'));
    let mut v = json!({
        "id": id,
        "object": "checkout.session",
        "adaptive_pricing": { "enabled": false },
        "after_expiration": null,
        "allow_promotion_codes": allow_promos,
        "amount_subtotal": if mode == "setup" { Value::Null } else { json!(subtotal) },
        "amount_total": if mode == "setup" { Value::Null } else { json!(subtotal - off + shipping) },
        "automatic_tax": { "enabled": false, "liability": null, "provider": null, "status": null },
        "billing_address_collection": p.choice("billing_address_collection", &["auto", "required"])?,
        "cancel_url": p.text("cancel_url")?,
        "client_reference_id": p.text("client_reference_id")?,
        "client_secret": null,
        "collected_information": null,
        "consent": null,
        "consent_collection": null,
        "created": now,
        "currency": cur,
        "custom_fields": [],
        "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
        "customer": customer,
        "customer_creation": if mode == "payment" && customer.is_none() { json!(creation.unwrap_or_else(|| "if_required".into())) } else { Value::Null },
        "customer_details": email.as_ref().map(|e| json!({ "address": null, "email": e, "name": null, "phone": null, "tax_exempt": "none", "tax_ids": null })),
        "customer_email": email,
        "discounts": discounts.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(),
        "expires_at": expires_at,
        "invoice": null,
        "invoice_creation": if mode == "payment" { json!({ "enabled": false, "invoice_data": { "account_tax_ids": null, "custom_fields": null, "description": null, "footer": null, "issuer": null, "metadata": {}, "rendering_options": null } }) } else { Value::Null },
        "livemode": false,
        "locale": p.text("locale")?,
        "metadata": {},
        "mode": mode,
        "origin_context": null,
        "payment_intent": null,
        "payment_link": payment_link,
        "payment_method_collection": if mode == "payment" { Value::Null } else { json!("always") },
        "payment_method_configuration_details": null,
        "payment_method_options": { "card": { "request_three_d_secure": "automatic" } },
        "payment_method_types": ["card"],
        "payment_status": if mode == "setup" { "no_payment_required" } else { "unpaid" },
        "phone_number_collection": { "enabled": false },
        "recovered_from": null,
        "saved_payment_method_options": null,
        "setup_intent": null,
        "shipping_address_collection": null,
        "shipping_cost": shipping_options.first().map(|o| json!({ "amount_subtotal": o["shipping_amount"], "amount_tax": 0, "amount_total": o["shipping_amount"], "shipping_rate": o["shipping_rate"] })),
        "shipping_options": shipping_options,
        "status": "open",
        "submit_type": p.choice("submit_type", &["auto", "book", "donate", "pay", "subscribe"])?,
        "subscription": null,
        "success_url": p.text("success_url")?,
        "total_details": if mode == "setup" { Value::Null } else { json!({ "amount_discount": off, "amount_shipping": shipping, "amount_tax": 0 }) },
        "ui_mode": p.choice("ui_mode", &["hosted", "embedded", "custom"])?.unwrap_or_else(|| "hosted".into()),
        "url": url,
        "wallet_options": null,
        "_line_items": items,
        "_payment_intent_data": p.get("payment_intent_data").cloned().unwrap_or(Value::Null),
        "_subscription_data": p.get("subscription_data").cloned().unwrap_or(Value::Null),
    });
    if v["ui_mode"] != "hosted" {
        return Err(StripeError::invalid_param(
            "Only `ui_mode=hosted` is implemented by this clone (embedded and custom Checkout are not built).",
            "ui_mode",
        ));
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    Ok(v)
}

/// A `shipping_options[][shipping_rate]` parameter as the session's
/// `shipping_options` and the amount of the first (the one selected), which is
/// added to `amount_total`. Only `payment` mode; `shipping_rate_data` (an
/// inline rate) is not built.
async fn shipping_of(tx: &mut AnyConnection, v: Option<&Value>, mode: &str, currency: Option<&str>) -> StripeResult<(Vec<Value>, i64)> {
    let entries = match v {
        None => return Ok((vec![], 0)),
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) if s.is_empty() => return Ok((vec![], 0)),
        Some(_) => return Err(StripeError::invalid_param("Invalid array", "shipping_options")),
    };
    if mode != "payment" {
        return Err(StripeError::invalid_param(
            format!("`shipping_options` in `{mode}` mode is not implemented by this clone yet; only `payment` mode is."),
            "shipping_options",
        ));
    }
    if entries.len() > 5 {
        return Err(StripeError::invalid_param("You may only specify up to 5 shipping options.", "shipping_options"));
    }
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if e.get("shipping_rate_data").is_some() {
            return Err(StripeError::not_built(&format!("shipping_options[{i}][shipping_rate_data]")));
        }
        let param = format!("shipping_options[{i}][shipping_rate]");
        let id = e.get("shipping_rate").and_then(Value::as_str).ok_or_else(|| StripeError::missing(&param))?;
        let rate = must_get(&mut *tx, Kind::ShippingRate, id, &param).await?;
        if rate["active"] != true {
            return Err(StripeError::invalid_param(format!("The shipping rate {id} is inactive."), &param));
        }
        let amount = rate["fixed_amount"]["amount"].as_i64().unwrap_or(0);
        if let Some(cur) = currency
            && rate["fixed_amount"]["currency"] != json!(cur)
        {
            return Err(StripeError::invalid_param(
                format!(
                    "The shipping rate {id} is in {}, but the session is in {cur}.",
                    rate["fixed_amount"]["currency"].as_str().unwrap_or("")
                ),
                &param,
            ));
        }
        out.push(json!({ "shipping_amount": amount, "shipping_rate": id }));
    }
    let first = out.first().and_then(|o| o["shipping_amount"].as_i64()).unwrap_or(0);
    Ok((out, first))
}

/// `POST /v1/checkout/sessions`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(CREATE)?;
    let mut tx = asym_store::begin_write(db).await?;
    let v = build(&mut tx, req, p, None).await?;
    objects::insert(&mut *tx, Kind::CheckoutSession, &v).await?;
    tx.commit().await?;
    Ok(v)
}

/// `GET /v1/checkout/sessions/{id}`.
pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::CheckoutSession, id, "session").await
}

/// `GET /v1/checkout/sessions`: `customer`, `customer_details[email]`,
/// `payment_intent`, `payment_link`, `status`, `subscription`, `created`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["created", "customer", "customer_details", "payment_intent", "payment_link", "status", "subscription"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    p.allow_in("customer_details", &["email"])?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let status = p.choice("status", &["open", "complete", "expired"])?;
    let link = p.text("payment_link")?;
    let sub = p.text("subscription")?;
    let email = p.hash("customer_details")?.and_then(|m| m.get("email")).and_then(Value::as_str).map(String::from);
    let scan = Scan { customer: p.text("customer")?, reference: p.text("payment_intent")?, ..Default::default() };
    list::list(db, Kind::CheckoutSession, "/v1/checkout/sessions", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && status.as_ref().is_none_or(|s| v["status"] == json!(s))
            && link.as_ref().is_none_or(|l| v["payment_link"] == json!(l))
            && sub.as_ref().is_none_or(|s| v["subscription"] == json!(s))
            && email.as_ref().is_none_or(|e| v["customer_details"]["email"] == json!(e))
    })
    .await
}

/// One page of a stored line-item array (`starting_after`/`ending_before` by item id).
pub fn page_of(items: &[Value], p: &Params, url: &str) -> StripeResult<Value> {
    let page = Page::from(p)?;
    let pos =
        |id: &str, param: &str| items.iter().position(|i| i["id"] == json!(id)).ok_or_else(|| StripeError::no_such("item", id, param));
    let (start, end) = match (&page.starting_after, &page.ending_before) {
        (Some(a), _) => (pos(a, "starting_after")? + 1, items.len()),
        (None, Some(b)) => (0, pos(b, "ending_before")?),
        _ => (0, items.len()),
    };
    let limit = page.limit as usize;
    let slice: Vec<Value> = if page.ending_before.is_some() {
        items[start.max(end.saturating_sub(limit))..end].to_vec()
    } else {
        items[start..end.min(start + limit)].to_vec()
    };
    let has_more = if page.ending_before.is_some() { end.saturating_sub(limit) > start } else { start + limit < end };
    Ok(envelope(slice, has_more, url))
}

/// `GET /v1/checkout/sessions/{id}/line_items`.
pub async fn line_items(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(PAGE_PARAMS)?;
    let v = must_get(db, Kind::CheckoutSession, id, "session").await?;
    let items = v["_line_items"].as_array().cloned().unwrap_or_default();
    page_of(&items, p, &format!("/v1/checkout/sessions/{id}/line_items"))
}

/// `POST /v1/checkout/sessions/{id}/expire`.
pub async fn expire(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[])?;
    let mut tx = asym_store::begin_write(db).await?;
    let mut v = must_get(&mut *tx, Kind::CheckoutSession, id, "session").await?;
    if v["status"] != "open" {
        return Err(StripeError::invalid(format!(
            "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{}\".",
            v["status"].as_str().unwrap_or_default()
        )));
    }
    v["status"] = json!("expired");
    v["url"] = Value::Null;
    objects::save(&mut *tx, Kind::CheckoutSession, &v).await?;
    events::emit(&mut tx, req, "checkout.session.expired", &v, None).await?;
    tx.commit().await?;
    Ok(v)
}

/// What the hosted page's form carries.
pub struct Payment {
    pub email: Option<String>,
    /// A test token (`pm_card_visa`) or a stored payment method.
    pub payment_method: Option<String>,
    pub card: Option<Map<String, Value>>,
    /// A customer-facing promotion code typed in the page (`allow_promotion_codes`).
    pub promotion_code: Option<String>,
}

/// How the hosted page's submission ended.
pub enum Completion {
    /// Paid: where the browser goes next (`success_url`).
    Done {
        redirect: Option<String>,
    },
    Failed(StripeError),
}

/// The session with the promotion code `code` applied, or why it cannot be.
async fn promotion(db: &Pool, session: &Value, code: &str) -> StripeResult<Result<Value, StripeError>> {
    if session["allow_promotion_codes"] != true {
        return Ok(Err(StripeError::invalid(
            "This Checkout Session does not accept promotion codes (`allow_promotion_codes` is not set).",
        )));
    }
    let found =
        objects::scan(db, Kind::PromotionCode, &Scan { reference: Some(code.to_string()), limit: 100, ..Default::default() }).await?;
    let now = now_secs();
    let Some((_, promo)) = found.into_iter().find(|(_, v)| v["active"] == true && v["expires_at"].as_i64().is_none_or(|t| t > now)) else {
        return Ok(Err(StripeError::invalid_param("This code is invalid.", "promotion_code")));
    };
    let coupon_id = promo["promotion"]["coupon"].as_str().unwrap_or_default();
    let Some(coupon) = objects::get(db, Kind::Coupon, coupon_id).await?.filter(|c| c["valid"] != false) else {
        return Ok(Err(StripeError::invalid_param("This code is invalid.", "promotion_code")));
    };
    let mut s = session.clone();
    if let Some(subtotal) = s["amount_subtotal"].as_i64() {
        let off = discount_amount(&coupon, subtotal);
        let shipping = s["total_details"]["amount_shipping"].as_i64().unwrap_or(0);
        s["amount_total"] = json!(subtotal - off + shipping);
        s["total_details"]["amount_discount"] = json!(off);
    }
    s["discounts"] = json!([{ "coupon": null, "promotion_code": promo["id"] }]);
    Ok(Ok(s))
}

fn metadata_of(v: &Value) -> Value {
    match v.get("metadata") {
        Some(Value::Object(m)) => Value::Object(m.clone()),
        _ => json!({}),
    }
}

/// Completes an open session with the card the hosted page received.
pub async fn complete(db: &Pool, req: &Req, id: &str, pay: Payment) -> StripeResult<Completion> {
    let session = must_get(db, Kind::CheckoutSession, id, "session").await?;
    if session["status"] != "open" {
        return Err(StripeError::invalid(format!(
            "This Checkout Session is no longer active (status \"{}\").",
            session["status"].as_str().unwrap_or_default()
        )));
    }
    let mut session = session;
    if let Some(code) = &pay.promotion_code {
        match promotion(db, &session, code).await? {
            Ok(applied) => session = applied,
            Err(e) => return Ok(Completion::Failed(e)),
        }
    }
    let email = pay.email.clone().or_else(|| session["customer_email"].as_str().map(String::from));
    // A card typed in the page becomes a payment method, as Stripe.js makes one.
    let pm_id = match (&pay.payment_method, &pay.card) {
        (Some(pm), _) => pm.clone(),
        (None, Some(card)) => {
            let mut m = Map::new();
            m.insert("type".into(), json!("card"));
            m.insert("card".into(), Value::Object(card.clone()));
            if let Some(e) = &email {
                m.insert("billing_details".into(), json!({ "email": e }));
            }
            match payment_methods::create(db, &Params::new(m)).await {
                Ok(pm) => pm["id"].as_str().unwrap_or_default().to_string(),
                Err(e) => return Ok(Completion::Failed(e)),
            }
        }
        (None, None) => return Err(StripeError::missing("card_number")),
    };
    let mode = session["mode"].as_str().unwrap_or_default().to_string();
    let mut tx = asym_store::begin_write(db).await?;
    let mut pm = match payment_methods::resolve(&mut tx, &pm_id, "payment_method").await {
        Ok(pm) => pm,
        Err(e) => return Ok(Completion::Failed(e)),
    };
    // The customer: the session's, or one made from the email (always outside
    // one-time payments; in payment mode when `customer_creation=always`).
    let mut customer = session["customer"].as_str().map(String::from);
    if customer.is_none() && (mode != "payment" || session["customer_creation"] == "always") {
        let mut c = customers::blank(ids::new("cus"), now_secs());
        c["email"] = json!(email);
        objects::insert(&mut *tx, Kind::Customer, &c).await?;
        events::emit(&mut tx, req, "customer.created", &c, None).await?;
        customer = c["id"].as_str().map(String::from);
    }
    if let Some(c) = &customer
        && mode != "payment"
        && pm["customer"].is_null()
    {
        payment_methods::attach_in(&mut tx, req, &mut pm, c).await?;
    }
    let mut s = session.clone();
    s["customer"] = json!(customer);
    s["customer_details"] = json!({ "address": null, "email": email, "name": null, "phone": null, "tax_exempt": "none", "tax_ids": null });
    match mode.as_str() {
        "payment" => {
            let amount = s["amount_total"].as_i64().unwrap_or(0);
            let mut pi = payment_intents::blank(req, amount, s["currency"].as_str().unwrap_or("usd"), true);
            pi["customer"] = json!(customer);
            pi["payment_method"] = pm["id"].clone();
            pi["status"] = json!("requires_confirmation");
            pi["metadata"] = metadata_of(&s["_payment_intent_data"]);
            if let Some(d) = s["_payment_intent_data"]["description"].as_str() {
                pi["description"] = json!(d);
            }
            if s["_payment_intent_data"]["capture_method"] == "manual" {
                pi["capture_method"] = json!("manual");
            }
            objects::insert(&mut *tx, Kind::PaymentIntent, &pi).await?;
            events::emit(&mut tx, req, "payment_intent.created", &pi, None).await?;
            match payment_intents::confirm_in(&mut tx, req, &mut pi, false).await? {
                Confirmed::Declined(e) => {
                    tx.commit().await?;
                    return Ok(Completion::Failed(e));
                }
                Confirmed::Done if pi["status"] == "requires_action" => {
                    tx.commit().await?;
                    return Ok(Completion::Failed(StripeError::invalid(
                        "This card requires authentication (3D Secure), which the clone's hosted Checkout page does not perform; use a card that does not require it.",
                    )));
                }
                Confirmed::Done => {}
            }
            s["payment_intent"] = pi["id"].clone();
            s["payment_status"] = json!(if pi["status"] == "succeeded" || pi["status"] == "requires_capture" { "paid" } else { "unpaid" });
        }
        "subscription" => {
            tx.commit().await?;
            let items: Vec<Value> = s["_line_items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|i| json!({ "price": i["price"]["id"], "quantity": i["quantity"].to_string() }))
                .collect();
            let mut m = Map::new();
            m.insert("customer".into(), json!(customer));
            m.insert("items".into(), Value::Array(items));
            m.insert("default_payment_method".into(), pm["id"].clone());
            m.insert("metadata".into(), metadata_of(&s["_subscription_data"]));
            if let Some(d) = s["_subscription_data"]["trial_period_days"].as_str() {
                m.insert("trial_period_days".into(), json!(d));
            }
            let discounts: Vec<Value> = s["discounts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|d| {
                    if d["coupon"].is_string() {
                        json!({ "coupon": d["coupon"] })
                    } else {
                        json!({ "promotion_code": d["promotion_code"] })
                    }
                })
                .collect();
            if !discounts.is_empty() {
                m.insert("discounts".into(), Value::Array(discounts));
            }
            m.insert("payment_behavior".into(), json!("error_if_incomplete"));
            let sub = match crate::model::subscriptions::create(db, req, &Params::new(m)).await {
                Ok(sub) => sub,
                Err(e) => return Ok(Completion::Failed(e)),
            };
            tx = asym_store::begin_write(db).await?;
            s["subscription"] = sub["id"].clone();
            s["invoice"] = sub["latest_invoice"].clone();
            let inv_total = match sub["latest_invoice"].as_str() {
                Some(inv) => objects::get(&mut *tx, Kind::Invoice, inv).await?.and_then(|i| i["amount_due"].as_i64()).unwrap_or(0),
                None => 0,
            };
            s["payment_status"] = json!(if inv_total == 0 { "no_payment_required" } else { "paid" });
        }
        _ => {
            tx.commit().await?;
            let mut m = Map::new();
            if let Some(c) = &customer {
                m.insert("customer".into(), json!(c));
            }
            m.insert("payment_method".into(), pm["id"].clone());
            m.insert("confirm".into(), json!("true"));
            m.insert("usage".into(), json!("off_session"));
            m.insert("metadata".into(), metadata_of(&s["_setup_intent_data"]));
            let si = match crate::model::setup_intents::create(db, req, &Params::new(m)).await {
                Ok(si) => si,
                Err(e) => return Ok(Completion::Failed(e)),
            };
            tx = asym_store::begin_write(db).await?;
            if si["status"] != "succeeded" {
                return Ok(Completion::Failed(StripeError::invalid(format!(
                    "The card could not be set up (setup intent status {}).",
                    si["status"].as_str().unwrap_or_default()
                ))));
            }
            s["setup_intent"] = si["id"].clone();
        }
    }
    // Another submission may have completed it meanwhile: only the first wins.
    objects::lock(&mut *tx, Kind::CheckoutSession, id).await?;
    let now = must_get(&mut *tx, Kind::CheckoutSession, id, "session").await?;
    if now["status"] != "open" {
        return Err(StripeError::invalid("This Checkout Session is no longer active."));
    }
    s["status"] = json!("complete");
    s["url"] = Value::Null;
    objects::save(&mut *tx, Kind::CheckoutSession, &s).await?;
    if let Some(link) = s["payment_link"].as_str() {
        crate::model::payment_links::completed(&mut tx, link).await?;
    }
    events::emit(&mut tx, req, "checkout.session.completed", &s, None).await?;
    tx.commit().await?;
    let redirect = s["success_url"].as_str().map(|u| u.replace("{CHECKOUT_SESSION_ID}", id));
    Ok(Completion::Done { redirect })
}
