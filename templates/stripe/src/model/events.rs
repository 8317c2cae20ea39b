//! Events: every state change writes the event Stripe emits (`customer.created`,
//! `payment_intent.succeeded`, …) in the same transaction as the change, and
//! queues one signed delivery per enabled webhook endpoint that listens for it.

use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::ids;
use crate::model::{Req, now_millis, now_secs};
use crate::store::objects::{self, Kind, Scan};
use crate::store::webhooks::{self, NewDelivery};

/// Writes event `kind` about `object` (and, for `*.updated`, what changed).
pub async fn emit(tx: &mut AnyConnection, req: &Req, kind: &str, object: &Value, previous: Option<Value>) -> sqlx::Result<Value> {
    let endpoints = objects::scan(&mut *tx, Kind::WebhookEndpoint, &Scan { limit: 1000, ..Default::default() }).await?;
    let listening: Vec<&Value> = endpoints
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e["status"] == "enabled")
        .filter(|e| e["enabled_events"].as_array().is_some_and(|l| l.iter().any(|x| x == "*" || x == kind)))
        .collect();
    let mut object = object.clone();
    crate::model::public(&mut object);
    let mut data = json!({ "object": object });
    if let Some(prev) = previous {
        data["previous_attributes"] = prev;
    }
    let event = json!({
        "id": ids::new("evt"),
        "object": "event",
        "api_version": if req.api_version.is_empty() { crate::model::DEFAULT_API_VERSION } else { req.api_version.as_str() },
        "created": now_secs(),
        "data": data,
        "livemode": false,
        "pending_webhooks": listening.len(),
        "request": { "id": if req.request_id.is_empty() { Value::Null } else { json!(req.request_id) }, "idempotency_key": req.idempotency_key },
        "type": kind,
    });
    objects::insert(&mut *tx, Kind::Event, &event).await?;
    if !listening.is_empty() {
        let body = serde_json::to_string_pretty(&event).unwrap_or_default();
        let now = now_millis();
        for e in listening {
            let endpoint = e["id"].as_str().unwrap_or_default();
            let id = format!("{}-{endpoint}", event["id"].as_str().unwrap_or_default());
            let d = NewDelivery {
                id: &id,
                event_id: event["id"].as_str().unwrap_or_default(),
                endpoint_id: endpoint,
                event_type: kind,
                body: &body,
                now_ms: now,
            };
            webhooks::enqueue(&mut *tx, &d).await?;
        }
        crate::model::delivery::poke();
    }
    Ok(event)
}

/// `GET /v1/events/{id}`.
pub async fn retrieve(db: &asym_store::Pool, id: &str) -> crate::errors::StripeResult<Value> {
    crate::model::must_get(db, Kind::Event, id, "id").await
}

/// `GET /v1/events`: `type` (with `*` wildcards such as `charge.*`), `types[]`,
/// `created`, `delivery_success`.
pub async fn list(db: &asym_store::Pool, p: &crate::form::Params) -> crate::errors::StripeResult<Value> {
    use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
    let mut allowed = vec!["type", "types", "created", "delivery_success"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let kind = p.text("type")?;
    let types = p.list("types")?;
    if kind.is_some() && types.is_some() {
        return Err(crate::errors::StripeError::invalid("You may only specify one of these parameters: type, types."));
    }
    let pending = p.bool("delivery_success")?;
    let exact = kind.as_ref().filter(|k| !k.contains('*')).cloned();
    let pattern = kind.filter(|k| k.contains('*'));
    let matches = |pattern: &str, t: &str| match pattern.strip_suffix('*') {
        Some(prefix) => t.starts_with(prefix),
        None => pattern == t,
    };
    let scan = Scan { reference: exact, ..Default::default() };
    list::list(db, Kind::Event, "/v1/events", &page, scan, &|v| {
        let t = v["type"].as_str().unwrap_or_default();
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && pattern.as_ref().is_none_or(|p| matches(p, t))
            && types.as_ref().is_none_or(|l| l.iter().any(|x| x == t))
            && pending.is_none_or(|ok| (v["pending_webhooks"].as_i64().unwrap_or(0) == 0) == ok)
    })
    .await
}
