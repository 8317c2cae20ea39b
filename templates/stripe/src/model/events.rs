//! Events: every state change writes the event Stripe emits (`customer.created`,
//! `payment_intent.succeeded`, …) in the same transaction as the change, and
//! queues one signed delivery per enabled webhook endpoint that listens for it.

use serde::Serialize;
use serde_json::Value;
use sqlx::AnyConnection;

use crate::ids;
use crate::model::{Req, now_millis, now_secs};
use crate::store::objects::{self, Kind, Scan};
use crate::store::webhooks::{self, NewDelivery};

/// Writes event `kind` about `object` (and, for `*.updated`, what changed).
/// The event is serialized straight from borrowed parts: an intent's
/// confirmation emits three, and building each as a `Value` tree (a copy of
/// the object included) was a tenth of its CPU.
pub async fn emit(tx: &mut AnyConnection, req: &Req, kind: &str, object: &Value, previous: Option<Value>) -> sqlx::Result<()> {
    let endpoints = objects::scan(&mut *tx, Kind::WebhookEndpoint, &Scan { limit: 1000, ..Default::default() }).await?;
    let listening: Vec<&Value> = endpoints
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e["status"] == "enabled")
        .filter(|e| e["enabled_events"].as_array().is_some_and(|l| l.iter().any(|x| x == "*" || x == kind)))
        .collect();
    let id = ids::new("evt");
    let created = now_secs();
    let event = EventOut {
        api_version: if req.api_version.is_empty() { crate::model::DEFAULT_API_VERSION } else { req.api_version.as_str() },
        created,
        data: EventData { object: Public(object), previous_attributes: previous.as_ref() },
        id: &id,
        livemode: false,
        object: "event",
        pending_webhooks: listening.len(),
        request: EventRequest {
            id: (!req.request_id.is_empty()).then_some(req.request_id.as_str()),
            idempotency_key: req.idempotency_key.as_deref(),
        },
        kind,
    };
    let stored = serde_json::to_string(&event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    objects::insert_serialized(
        &mut *tx,
        Kind::Event,
        &objects::Columns { id: &id, created, customer: None, reference: Some(kind) },
        &stored,
    )
    .await?;
    if !listening.is_empty() {
        let body = serde_json::to_string_pretty(&event).unwrap_or_default();
        let now = now_millis();
        for e in listening {
            let endpoint = e["id"].as_str().unwrap_or_default();
            let delivery = format!("{id}-{endpoint}");
            let d = NewDelivery { id: &delivery, event_id: &id, endpoint_id: endpoint, event_type: kind, body: &body, now_ms: now };
            webhooks::enqueue(&mut *tx, &d).await?;
        }
        crate::model::delivery::poke();
    }
    Ok(())
}

/// An event as Stripe sends it (fields in the order a `Value` would write them).
#[derive(Serialize)]
struct EventOut<'a> {
    api_version: &'a str,
    created: i64,
    data: EventData<'a>,
    id: &'a str,
    livemode: bool,
    object: &'static str,
    pending_webhooks: usize,
    request: EventRequest<'a>,
    #[serde(rename = "type")]
    kind: &'a str,
}

#[derive(Serialize)]
struct EventData<'a> {
    object: Public<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_attributes: Option<&'a Value>,
}

#[derive(Serialize)]
struct EventRequest<'a> {
    id: Option<&'a str>,
    idempotency_key: Option<&'a str>,
}

/// An object as the API shows it: without the `_`-prefixed fields the clone
/// keeps for itself (what [`crate::model::public`] removes), written without
/// copying the object.
struct Public<'a>(&'a Value);

impl Serialize for Public<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Object(m) => {
                let mut map = s.serialize_map(None)?;
                for (k, v) in m.iter().filter(|(k, _)| !k.starts_with('_')) {
                    map.serialize_entry(k, &Public(v))?;
                }
                map.end()
            }
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(&Public(v))?;
                }
                seq.end()
            }
            other => other.serialize(s),
        }
    }
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
