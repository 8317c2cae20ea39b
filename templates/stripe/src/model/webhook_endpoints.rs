//! Webhook endpoints: CRUD, with a `whsec_` signing secret shown only when the
//! endpoint is created (kept outside the rendered object).

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page};
use crate::model::{Req, must_get, now_secs, set_text};
use crate::store::objects::{self, Kind, Scan};

/// Every event type this clone emits (what `enabled_events` may name, besides `*`).
pub const EVENT_TYPES: &[&str] = &[
    "balance.available",
    "charge.captured",
    "charge.dispute.closed",
    "charge.dispute.created",
    "charge.dispute.funds_reinstated",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.updated",
    "charge.failed",
    "charge.refunded",
    "charge.succeeded",
    "charge.updated",
    "coupon.created",
    "coupon.deleted",
    "coupon.updated",
    "credit_note.created",
    "credit_note.updated",
    "credit_note.voided",
    "customer.created",
    "customer.deleted",
    "customer.discount.created",
    "customer.subscription.created",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "customer.subscription.trial_will_end",
    "customer.subscription.updated",
    "customer.updated",
    "invoice.created",
    "invoice.deleted",
    "invoice.finalized",
    "invoice.marked_uncollectible",
    "invoice.paid",
    "invoice.payment_action_required",
    "invoice.payment_failed",
    "invoice.payment_succeeded",
    "invoice.sent",
    "invoice.updated",
    "invoice.voided",
    "invoiceitem.created",
    "invoiceitem.deleted",
    "invoiceitem.updated",
    "payment_intent.amount_capturable_updated",
    "payment_intent.canceled",
    "payment_intent.created",
    "payment_intent.payment_failed",
    "payment_intent.requires_action",
    "payment_intent.succeeded",
    "payment_method.attached",
    "payment_method.detached",
    "payment_method.updated",
    "payout.canceled",
    "payout.created",
    "payout.paid",
    "payout.updated",
    "price.created",
    "price.updated",
    "product.created",
    "product.deleted",
    "product.updated",
    "promotion_code.created",
    "promotion_code.updated",
    "refund.created",
    "refund.updated",
    "setup_intent.canceled",
    "setup_intent.created",
    "setup_intent.requires_action",
    "setup_intent.setup_failed",
    "setup_intent.succeeded",
    "tax_rate.created",
    "tax_rate.updated",
    "test_helpers.test_clock.advancing",
    "test_helpers.test_clock.created",
    "test_helpers.test_clock.deleted",
    "test_helpers.test_clock.ready",
];

/// Stripe's published event types this clone does not emit yet (accepted in
/// `enabled_events`, since an endpoint may subscribe ahead of time).
const KNOWN_ELSEWHERE: &[&str] = &["invoice.upcoming", "checkout.session.completed", "charge.refund.updated"];

fn check_events(list: &[String]) -> StripeResult<()> {
    if list.is_empty() {
        return Err(StripeError::missing("enabled_events"));
    }
    for e in list {
        let known = e == "*" || EVENT_TYPES.contains(&e.as_str()) || KNOWN_ELSEWHERE.contains(&e.as_str());
        if !known {
            return Err(StripeError::invalid_param(format!("Invalid enabled_events: `{e}` is not a valid event type."), "enabled_events"));
        }
    }
    Ok(())
}

fn check_url(url: &str) -> StripeResult<()> {
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
        return Err(StripeError::coded("url_invalid", format!("Invalid URL: {url}"), Some("url")));
    }
    Ok(())
}

/// `POST /v1/webhook_endpoints`: the response carries `secret`, once.
pub async fn create(db: &Pool, p: &Params) -> StripeResult<Value> {
    p.allow(&["url", "enabled_events", "description", "metadata", "api_version", "connect"])?;
    let url = p.required("url")?;
    check_url(&url)?;
    let events = p.list("enabled_events")?.ok_or_else(|| StripeError::missing("enabled_events"))?;
    check_events(&events)?;
    let mut v = json!({
        "id": ids::new("we"),
        "object": "webhook_endpoint",
        "api_version": p.text("api_version")?,
        "application": null,
        "created": now_secs(),
        "description": p.text("description")?,
        "enabled_events": events,
        "livemode": false,
        "metadata": {},
        "status": "enabled",
        "url": url,
    });
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    let secret = ids::webhook_secret();
    objects::insert_with_ref(db, Kind::WebhookEndpoint, &v, objects::next_seq(), Some(&secret)).await?;
    v["secret"] = json!(secret);
    Ok(v)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::WebhookEndpoint, id, "id").await
}

/// `POST /v1/webhook_endpoints/{id}`.
pub async fn update(db: &Pool, _req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["url", "enabled_events", "description", "metadata", "disabled"])?;
    let mut v = must_get(db, Kind::WebhookEndpoint, id, "id").await?;
    if let Some(url) = p.text("url")? {
        check_url(&url)?;
        v["url"] = json!(url);
    }
    if let Some(events) = p.list("enabled_events")? {
        check_events(&events)?;
        v["enabled_events"] = json!(events);
    }
    set_text(&mut v, p, "description")?;
    if let Some(d) = p.bool("disabled")? {
        v["status"] = json!(if d { "disabled" } else { "enabled" });
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    objects::save(db, Kind::WebhookEndpoint, &v).await?;
    Ok(v)
}

/// `DELETE /v1/webhook_endpoints/{id}`.
pub async fn delete(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::WebhookEndpoint, id, "id").await?;
    objects::remove(db, Kind::WebhookEndpoint, id).await?;
    Ok(json!({ "id": id, "object": "webhook_endpoint", "deleted": true }))
}

/// `GET /v1/webhook_endpoints`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    p.allow(PAGE_PARAMS)?;
    let page = Page::from(p)?;
    list::list(db, Kind::WebhookEndpoint, "/v1/webhook_endpoints", &page, Scan::default(), &|_| true).await
}
