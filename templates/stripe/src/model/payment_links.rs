//! Payment Links (`plink_…`): create, retrieve, update, list, line items. The
//! link's `url` is served by the clone (`GET /b/{plink}`): opening it starts a
//! Checkout Session for the link's items (`payment_link` set on the session) and
//! redirects the browser to that session's hosted page, as Stripe's links do.

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::checkout::{self, build_items};
use crate::model::list::{self, PAGE_PARAMS, Page};
use crate::model::{Req, events, must_get, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

const CREATE: &[&str] = &[
    "line_items",
    "metadata",
    "after_completion",
    "allow_promotion_codes",
    "billing_address_collection",
    "customer_creation",
    "payment_method_types",
    "submit_type",
    "currency",
    "inactive_message",
    "payment_intent_data",
    "subscription_data",
    "restrictions",
];

fn after_completion(v: Option<&Value>) -> StripeResult<Value> {
    match v.and_then(Value::as_object) {
        None => Ok(json!({ "hosted_confirmation": { "custom_message": null }, "type": "hosted_confirmation" })),
        Some(m) => match m.get("type").and_then(Value::as_str) {
            Some("redirect") => {
                let url = m
                    .get("redirect")
                    .and_then(|r| r.get("url"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| StripeError::missing("after_completion[redirect][url]"))?;
                Ok(json!({ "redirect": { "url": url }, "type": "redirect" }))
            }
            Some("hosted_confirmation") => {
                let msg = m.get("hosted_confirmation").and_then(|h| h.get("custom_message")).cloned().unwrap_or(Value::Null);
                Ok(json!({ "hosted_confirmation": { "custom_message": msg }, "type": "hosted_confirmation" }))
            }
            Some(other) => Err(StripeError::invalid_param(
                format!("Invalid after_completion[type]: must be one of hosted_confirmation or redirect (got `{other}`)"),
                "after_completion[type]",
            )),
            None => Err(StripeError::missing("after_completion[type]")),
        },
    }
}

/// `POST /v1/payment_links`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(CREATE)?;
    if !p.has("line_items") {
        return Err(StripeError::missing("line_items"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let items = build_items(&mut tx, req, p.get("line_items"), false).await?;
    if items.is_empty() {
        return Err(StripeError::missing("line_items"));
    }
    let id = ids::new("plink");
    let url = format!("{}/b/{id}", req.base_url.trim_end_matches('/'));
    let limit = p.hash("restrictions")?.and_then(|r| r.get("completed_sessions")).and_then(|c| c.get("limit")).cloned();
    let mut v = json!({
        "id": id,
        "object": "payment_link",
        "active": true,
        "after_completion": after_completion(p.get("after_completion"))?,
        "allow_promotion_codes": p.bool("allow_promotion_codes")?.unwrap_or(false),
        "application": null,
        "application_fee_amount": null,
        "application_fee_percent": null,
        "automatic_tax": { "enabled": false, "liability": null },
        "billing_address_collection": p.choice("billing_address_collection", &["auto", "required"])?.unwrap_or_else(|| "auto".into()),
        "consent_collection": null,
        "currency": items[0]["currency"],
        "custom_fields": [],
        "custom_text": { "after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null },
        "customer_creation": p.choice("customer_creation", &["always", "if_required"])?.unwrap_or_else(|| "if_required".into()),
        "inactive_message": p.text("inactive_message")?,
        "invoice_creation": { "enabled": false, "invoice_data": { "account_tax_ids": null, "custom_fields": null, "description": null, "footer": null, "issuer": null, "metadata": {}, "rendering_options": null } },
        "livemode": false,
        "metadata": {},
        "on_behalf_of": null,
        "payment_intent_data": null,
        "payment_method_collection": "always",
        "payment_method_types": null,
        "phone_number_collection": { "enabled": false },
        "restrictions": limit.map(|l| json!({ "completed_sessions": { "count": 0, "limit": l.as_str().and_then(|s| s.parse::<i64>().ok()).or(l.as_i64()) } })),
        "shipping_address_collection": null,
        "shipping_options": [],
        "submit_type": p.choice("submit_type", &["auto", "book", "donate", "pay", "subscribe"])?.unwrap_or_else(|| "auto".into()),
        "subscription_data": null,
        "tax_id_collection": { "enabled": false, "required": "never" },
        "transfer_data": null,
        "url": url,
        "_line_items": items,
    });
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    objects::insert(&mut *tx, Kind::PaymentLink, &v).await?;
    events::emit(&mut tx, req, "payment_link.created", &v, None).await?;
    tx.commit().await?;
    Ok(v)
}

/// `GET /v1/payment_links/{id}`.
pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::PaymentLink, id, "payment_link").await
}

/// `POST /v1/payment_links/{id}`: `active`, `metadata`, `after_completion`,
/// `allow_promotion_codes`, `inactive_message`, `billing_address_collection`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "active",
        "metadata",
        "after_completion",
        "allow_promotion_codes",
        "inactive_message",
        "billing_address_collection",
        "customer_creation",
        "submit_type",
    ])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::PaymentLink, id, "payment_link").await?;
    let mut v = before.clone();
    if let Some(a) = p.bool("active")? {
        v["active"] = json!(a);
    }
    if let Some(a) = p.bool("allow_promotion_codes")? {
        v["allow_promotion_codes"] = json!(a);
    }
    if p.has("after_completion") {
        v["after_completion"] = after_completion(p.get("after_completion"))?;
    }
    crate::model::set_text(&mut v, p, "inactive_message")?;
    if let Some(b) = p.choice("billing_address_collection", &["auto", "required"])? {
        v["billing_address_collection"] = json!(b);
    }
    if let Some(c) = p.choice("customer_creation", &["always", "if_required"])? {
        v["customer_creation"] = json!(c);
    }
    if let Some(s) = p.choice("submit_type", &["auto", "book", "donate", "pay", "subscribe"])? {
        v["submit_type"] = json!(s);
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::PaymentLink, &v).await?;
        events::emit(&mut tx, req, "payment_link.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `GET /v1/payment_links`: `active`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["active"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let active = p.bool("active")?;
    list::list(db, Kind::PaymentLink, "/v1/payment_links", &page, Scan::default(), &|v| active.is_none_or(|a| v["active"] == json!(a)))
        .await
}

/// `GET /v1/payment_links/{id}/line_items`.
pub async fn line_items(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(PAGE_PARAMS)?;
    let v = must_get(db, Kind::PaymentLink, id, "payment_link").await?;
    let items = v["_line_items"].as_array().cloned().unwrap_or_default();
    checkout::page_of(&items, p, &format!("/v1/payment_links/{id}/line_items"))
}

/// Opening the link (`GET /b/{…}`): a new Checkout Session for its items.
pub async fn open(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let link = must_get(&mut *tx, Kind::PaymentLink, id, "payment_link").await?;
    if link["active"] == false {
        return Err(StripeError::invalid(
            link["inactive_message"].as_str().unwrap_or("This payment link is no longer active.").to_string(),
        ));
    }
    if let (Some(count), Some(limit)) =
        (link["restrictions"]["completed_sessions"]["count"].as_i64(), link["restrictions"]["completed_sessions"]["limit"].as_i64())
        && count >= limit
    {
        return Err(StripeError::invalid("This payment link has reached its limit of completed sessions."));
    }
    let items = link["_line_items"].as_array().cloned().unwrap_or_default();
    let recurring = items.iter().any(|i| i["price"]["type"] == "recurring");
    let line_items: Vec<Value> =
        items.iter().map(|i| json!({ "price": i["price"]["id"], "quantity": i["quantity"].to_string() })).collect();
    let mut m = serde_json::Map::new();
    m.insert("mode".into(), json!(if recurring { "subscription" } else { "payment" }));
    m.insert("line_items".into(), Value::Array(line_items));
    m.insert("metadata".into(), link["metadata"].clone());
    if let Some(url) = link["after_completion"]["redirect"]["url"].as_str() {
        m.insert("success_url".into(), json!(url));
    }
    if !recurring {
        m.insert("customer_creation".into(), link["customer_creation"].clone());
    }
    if link["allow_promotion_codes"] == true {
        m.insert("allow_promotion_codes".into(), json!("true"));
    }
    // The link's prices may since have been archived; the session still sells them.
    let mut s = checkout_for_link(&mut tx, req, &Params::new(m), id).await?;
    s["metadata"] = link["metadata"].clone();
    objects::insert(&mut *tx, Kind::CheckoutSession, &s).await?;
    tx.commit().await?;
    Ok(s)
}

async fn checkout_for_link(tx: &mut AnyConnection, req: &Req, p: &Params, id: &str) -> StripeResult<Value> {
    checkout::build(tx, req, p, Some(id)).await
}

/// Counts a completed session against the link's `restrictions`.
pub async fn completed(tx: &mut AnyConnection, id: &str) -> StripeResult<()> {
    if let Some(mut link) = objects::get(&mut *tx, Kind::PaymentLink, id).await?
        && link["restrictions"]["completed_sessions"]["count"].is_i64()
    {
        let n = link["restrictions"]["completed_sessions"]["count"].as_i64().unwrap_or(0);
        link["restrictions"]["completed_sessions"]["count"] = json!(n + 1);
        objects::save(&mut *tx, Kind::PaymentLink, &link).await?;
    }
    Ok(())
}
