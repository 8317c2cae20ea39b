//! Customers: create, retrieve, update, delete (Stripe keeps a `deleted` stub),
//! list with `email` and `created` filters, and search.

use asym_clone_kit::secrets::random_string;
use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, hash_value, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{
    Req, address, discounts, events, must_get, now_secs, payment_methods, previous_attributes, search, set_text, sources, tax_ids,
};
use crate::store::objects::{self, Kind, Scan};

pub const SEARCH_FIELDS: &[&str] = &["created", "email", "metadata", "name", "phone"];

const FIELDS: &[&str] = &[
    "address",
    "balance",
    "description",
    "email",
    "invoice_prefix",
    "invoice_settings",
    "metadata",
    "name",
    "next_invoice_sequence",
    "phone",
    "preferred_locales",
    "shipping",
    "tax_exempt",
];

/// A new customer object with Stripe's defaults.
pub fn blank(id: String, created: i64) -> Value {
    json!({
        "id": id,
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": created,
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": null,
        "discount": null,
        "email": null,
        "invoice_prefix": random_string(8, b"0123456789ABCDEF"),
        "invoice_settings": { "custom_fields": null, "default_payment_method": null, "footer": null, "rendering_options": null },
        "livemode": false,
        "metadata": {},
        "name": null,
        "next_invoice_sequence": 1,
        "phone": null,
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    })
}

/// Applies create/update parameters to `c`.
fn apply(c: &mut Value, p: &Params) -> StripeResult<()> {
    for f in ["description", "email", "name", "phone"] {
        set_text(c, p, f)?;
    }
    if let Some(e) = p.text("email")?
        && (e.len() > 512 || !e.contains('@'))
    {
        return Err(StripeError::coded("email_invalid", format!("Invalid email address: {e}"), Some("email")));
    }
    if p.has("address") {
        c["address"] = match p.hash("address")? {
            Some(m) => address(Some(m)),
            None => Value::Null,
        };
    }
    if p.has("shipping") {
        c["shipping"] = match p.hash("shipping")? {
            Some(m) => {
                let name = m.get("name").and_then(Value::as_str).ok_or_else(|| StripeError::missing("shipping[name]"))?;
                json!({ "address": address(m.get("address").and_then(Value::as_object)), "name": name, "phone": m.get("phone") })
            }
            None => Value::Null,
        };
    }
    if let Some(b) = p.int("balance")? {
        c["balance"] = json!(b);
    }
    if let Some(s) = p.text("invoice_prefix")? {
        if s.len() < 3 || s.len() > 12 || !s.chars().all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit()) {
            return Err(StripeError::invalid_param("Invalid invoice_prefix: must be 3-12 uppercase letters or numbers.", "invoice_prefix"));
        }
        c["invoice_prefix"] = json!(s);
    }
    if let Some(n) = p.int("next_invoice_sequence")? {
        c["next_invoice_sequence"] = json!(n);
    }
    if let Some(t) = p.choice("tax_exempt", &["none", "exempt", "reverse"])? {
        c["tax_exempt"] = json!(t);
    }
    if let Some(l) = p.list("preferred_locales")? {
        c["preferred_locales"] = json!(l);
    }
    if let Some(s) = p.hash("invoice_settings")? {
        let v = hash_value(s, &[])?;
        for (k, val) in v.as_object().into_iter().flatten() {
            if !["custom_fields", "default_payment_method", "footer", "rendering_options"].contains(&k.as_str()) {
                return Err(StripeError::unknown(&format!("invoice_settings[{k}]")));
            }
            c["invoice_settings"][k] = val.clone();
        }
    }
    merge_metadata(&mut c["metadata"], p.get("metadata"))?;
    Ok(())
}

/// `POST /v1/customers`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    let mut allowed = FIELDS.to_vec();
    allowed.extend_from_slice(&[
        "payment_method",
        "source",
        "tax",
        "tax_id_data",
        "test_clock",
        "cash_balance",
        "coupon",
        "promotion_code",
    ]);
    p.allow(&allowed)?;
    for k in ["tax", "cash_balance"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    let mut c = blank(ids::new("cus"), now_secs());
    apply(&mut c, p)?;
    let mut tx = asym_store::begin_write(db).await?;
    if let Some(clock) = p.text("test_clock")? {
        // A customer on a test clock lives at the clock's frozen time.
        let found = must_get(&mut *tx, Kind::TestClock, &clock, "test_clock").await?;
        c["test_clock"] = json!(clock);
        c["created"] = found["frozen_time"].clone();
    }
    objects::insert(&mut *tx, Kind::Customer, &c).await?;
    events::emit(&mut tx, req, "customer.created", &c, None).await?;
    let now = crate::model::test_clocks::now_for(&mut tx, &c).await?;
    let before = c.clone();
    discounts::set_on_customer(&mut tx, req, &mut c, p.text("coupon")?, p.text("promotion_code")?, now).await?;
    if c != before {
        objects::save(&mut *tx, Kind::Customer, &c).await?;
    }
    if let Some(token) = p.text("source")? {
        sources::add_in(&mut tx, req, &mut c, &token, "source", None, true).await?;
    }
    if let Some(list) = p.get("tax_id_data") {
        let Value::Array(entries) = list else {
            return Err(StripeError::invalid_param("Invalid array: pass `tax_id_data[0][type]=…&tax_id_data[0][value]=…`", "tax_id_data"));
        };
        let cid = c["id"].as_str().unwrap_or_default().to_string();
        for (i, e) in entries.iter().enumerate() {
            let field = |k: &str| {
                e.get(k).and_then(Value::as_str).map(String::from).ok_or_else(|| StripeError::missing(&format!("tax_id_data[{i}][{k}]")))
            };
            let (kind, value) = (field("type")?, field("value")?);
            let params = (format!("tax_id_data[{i}][type]"), format!("tax_id_data[{i}][value]"));
            tax_ids::create_in(&mut tx, req, &cid, &kind, &value, (&params.0, &params.1)).await?;
        }
    }
    if let Some(pm_id) = p.text("payment_method")? {
        let mut pm = payment_methods::resolve(&mut tx, &pm_id, "payment_method").await?;
        payment_methods::attach_in(&mut tx, req, &mut pm, c["id"].as_str().unwrap_or_default()).await?;
    }
    tx.commit().await?;
    Ok(c)
}

/// `GET /v1/customers/{id}`: a deleted customer reads as its stub.
pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    objects::get(db, Kind::Customer, id).await?.ok_or_else(|| StripeError::no_such("customer", id, "id"))
}

/// `POST /v1/customers/{id}`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    let mut allowed = FIELDS.to_vec();
    allowed.extend_from_slice(&["default_source", "source", "tax", "coupon", "promotion_code", "cash_balance"]);
    p.allow(&allowed)?;
    let mut tx = asym_store::begin_write(db).await?;
    for k in ["tax", "cash_balance"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    let before = must_get(&mut *tx, Kind::Customer, id, "id").await?;
    let mut c = before.clone();
    apply(&mut c, p)?;
    // A new `source` becomes the default, and the old default card goes (as Stripe does).
    if let Some(token) = p.text("source")? {
        let old = c["default_source"].as_str().map(String::from);
        sources::add_in(&mut tx, req, &mut c, &token, "source", None, true).await?;
        if let Some(old) = old
            && let Ok(card) = sources::of_customer(&mut tx, id, &old, "source").await
        {
            sources::delete_in(&mut tx, req, &mut c, &card).await?;
        }
    }
    if let Some(d) = p.text("default_source")? {
        sources::of_customer(&mut tx, id, &d, "default_source").await?;
        c["default_source"] = json!(d);
    }
    let now = crate::model::test_clocks::now_for(&mut tx, &c).await?;
    if p.str("coupon")? == Some("") || p.str("promotion_code")? == Some("") {
        discounts::remove_from_customer(&mut tx, req, &mut c).await?;
    } else {
        discounts::set_on_customer(&mut tx, req, &mut c, p.text("coupon")?, p.text("promotion_code")?, now).await?;
    }
    if let Some(pm) = c["invoice_settings"]["default_payment_method"].as_str().map(String::from)
        && before["invoice_settings"]["default_payment_method"] != json!(pm)
    {
        let found = must_get(&mut *tx, Kind::PaymentMethod, &pm, "invoice_settings[default_payment_method]").await?;
        if found["customer"] != json!(id) {
            return Err(StripeError::invalid_param(
                format!("The PaymentMethod provided ({pm}) is not attached to this Customer."),
                "invoice_settings[default_payment_method]",
            ));
        }
    }
    if c != before {
        objects::save(&mut *tx, Kind::Customer, &c).await?;
        events::emit(&mut tx, req, "customer.updated", &c, Some(previous_attributes(&before, &c))).await?;
    }
    tx.commit().await?;
    Ok(c)
}

/// `DELETE /v1/customers/{id}`.
pub async fn delete(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let c = must_get(&mut *tx, Kind::Customer, id, "id").await?;
    let stub = json!({ "id": id, "object": "customer", "deleted": true });
    // Deleting a customer cancels its subscriptions at once, as Stripe does.
    let now = crate::model::test_clocks::now_for(&mut tx, &c).await?;
    let subs =
        objects::scan(&mut *tx, Kind::Subscription, &Scan { customer: Some(id.into()), limit: 10_000, ..Default::default() }).await?;
    for (_, mut s) in subs {
        if s["status"] != "canceled" && s["status"] != "incomplete_expired" {
            s["status"] = json!("canceled");
            s["canceled_at"] = json!(now);
            s["ended_at"] = json!(now);
            s["cancellation_details"]["reason"] = json!("cancellation_requested");
            objects::save(&mut *tx, Kind::Subscription, &s).await?;
            events::emit(&mut tx, req, "customer.subscription.deleted", &s, None).await?;
        }
    }
    objects::mark_deleted(&mut *tx, Kind::Customer, &stub).await?;
    events::emit(&mut tx, req, "customer.deleted", &c, None).await?;
    tx.commit().await?;
    Ok(stub)
}

/// `GET /v1/customers`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["email", "created", "test_clock"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let scan = Scan { reference: p.text("email")?, ..Default::default() };
    let clock = p.text("test_clock")?;
    list::list(db, Kind::Customer, "/v1/customers", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0))) && clock.as_ref().is_none_or(|t| v["test_clock"] == json!(t))
    })
    .await
}

/// `GET /v1/customers/search`.
pub async fn search(db: &Pool, p: &Params) -> StripeResult<Value> {
    search::search(db, Kind::Customer, "customers", SEARCH_FIELDS, p).await
}
