//! The rules of the Stripe clone, one module per resource. Nothing here knows HTTP:
//! operations take the decoded [`Params`](crate::form::Params), read and write
//! objects through `store/`, emit events into the same transaction, and return the
//! object as Stripe renders it.

pub mod auth;
pub mod balance;
pub mod billing_portal;
pub mod cards;
pub mod charges;
pub mod checkout;
pub mod coupons;
pub mod credit_notes;
pub mod customer_balance;
pub mod customers;
pub mod delivery;
pub mod discounts;
pub mod disputes;
pub mod events;
pub mod expand;
pub mod idempotency;
pub mod invoices;
pub mod list;
pub mod payment_intents;
pub mod payment_links;
pub mod payment_methods;
pub mod payouts;
pub mod plans;
pub mod prices;
pub mod products;
pub mod promotion_codes;
pub mod provision;
pub mod refunds;
pub mod search;
pub mod seed;
pub mod setup_intents;
pub mod shipping_rates;
pub mod sources;
pub mod subscription_schedules;
pub mod subscriptions;
pub mod tax_ids;
pub mod tax_rates;
pub mod test_clocks;
pub mod tokens;
pub mod webhook_endpoints;

use serde_json::{Map, Value};

use crate::errors::{StripeError, StripeResult};
use crate::form::Params;
use crate::store::objects::{self, Kind};

/// The account's default API version (what events carry when a request names none).
pub const DEFAULT_API_VERSION: &str = "2026-10-28.endive";

/// Who asked for a change: the request that events record.
#[derive(Debug, Clone, Default)]
pub struct Req {
    pub request_id: String,
    pub idempotency_key: Option<String>,
    pub api_version: String,
    /// The clone's own base URL (hosted Checkout pages and Payment Links live under it).
    pub base_url: String,
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// An object of `kind` by id, or Stripe's `No such …` naming `param`.
pub async fn must_get(db: impl sqlx::any::AnyExecutor<'_>, kind: Kind, id: &str, param: &str) -> StripeResult<Value> {
    match objects::get(db, kind, id).await? {
        Some(v) if v.get("deleted") != Some(&Value::Bool(true)) => Ok(v),
        _ => Err(StripeError::no_such(kind.object(), id, param)),
    }
}

/// The top-level fields that differ between `before` and `after`, with their old
/// values: an event's `data.previous_attributes`. For `metadata` only the keys
/// that changed (a removed key's old value, an added key as `null`).
pub fn previous_attributes(before: &Value, after: &Value) -> Value {
    let mut out = Map::new();
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else { return Value::Object(out) };
    for (k, old) in b {
        if k.starts_with('_') {
            continue;
        }
        let new = a.get(k).unwrap_or(&Value::Null);
        if old == new {
            continue;
        }
        if k == "metadata" {
            let mut m = Map::new();
            let (om, nm) = (old.as_object().cloned().unwrap_or_default(), new.as_object().cloned().unwrap_or_default());
            for (mk, mv) in &om {
                if nm.get(mk) != Some(mv) {
                    m.insert(mk.clone(), mv.clone());
                }
            }
            for mk in nm.keys() {
                if !om.contains_key(mk) {
                    m.insert(mk.clone(), Value::Null);
                }
            }
            out.insert(k.clone(), Value::Object(m));
        } else {
            out.insert(k.clone(), old.clone());
        }
    }
    Value::Object(out)
}

/// Sets `field` from a string parameter: absent leaves it, `""` clears it.
pub fn set_text(obj: &mut Value, p: &Params, field: &str) -> StripeResult<()> {
    if let Some(s) = p.str(field)? {
        obj[field] = if s.is_empty() { Value::Null } else { Value::String(s.to_string()) };
    }
    Ok(())
}

/// An address hash as Stripe renders it (all six fields, `null` when absent).
pub fn address(m: Option<&Map<String, Value>>) -> Value {
    let f = |k: &str| m.and_then(|m| m.get(k)).and_then(Value::as_str).filter(|s| !s.is_empty()).map(|s| Value::String(s.into()));
    let mut out = Map::new();
    for k in ["city", "country", "line1", "line2", "postal_code", "state"] {
        out.insert(k.into(), f(k).unwrap_or(Value::Null));
    }
    Value::Object(out)
}

/// A lower-case ISO currency code Stripe accepts.
pub fn currency(p: &Params, k: &str) -> StripeResult<Option<String>> {
    match p.text(k)? {
        None => Ok(None),
        Some(c) => {
            let c = c.to_ascii_lowercase();
            if c.len() == 3 && c.bytes().all(|b| b.is_ascii_lowercase()) {
                Ok(Some(c))
            } else {
                Err(StripeError::invalid_param(
                    format!("Invalid currency: {c}. Stripe currently supports these currencies: usd, eur, gbp, …"),
                    k,
                ))
            }
        }
    }
}

/// Removes the clone's private fields (`_number`, …) from an object and anything
/// nested in it, before it is rendered or put in an event.
pub fn public(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with('_'));
            for child in m.values_mut() {
                public(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(public),
        _ => {}
    }
}
