//! Prices: one-time and recurring, per unit, with `product` or `product_data`;
//! update (active, metadata, nickname, lookup_key), list, search. Stripe has no
//! price delete.

use asym_store::Pool;
use serde_json::{Map, Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, hash_value, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, events, must_get, now_secs, previous_attributes, products, search, set_text};
use crate::store::objects::{self, Kind, Scan};

pub const SEARCH_FIELDS: &[&str] = &["active", "created", "currency", "lookup_key", "metadata", "product", "type"];

/// A price object from `data` (the JSON form of create parameters, or
/// `default_price_data`) for `product`.
pub fn from_data(product: &str, data: &Value, param: &str) -> StripeResult<Value> {
    let currency = data["currency"]
        .as_str()
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| StripeError::missing(&if param.is_empty() { "currency".to_string() } else { format!("{param}[currency]") }))?;
    let decimal = data["unit_amount_decimal"].as_str().map(String::from);
    let unit_amount = match (&data["unit_amount"], &decimal) {
        (Value::Number(n), _) => n.as_i64(),
        (_, Some(d)) => d.parse::<f64>().ok().map(|f| f.round() as i64),
        _ => None,
    };
    let custom = data.get("custom_unit_amount").filter(|v| v.is_object()).cloned();
    if unit_amount.is_none() && custom.is_none() && data["billing_scheme"] != "tiered" {
        return Err(StripeError::missing("unit_amount"));
    }
    if unit_amount.is_some_and(|a| a < 0) {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 0.", "unit_amount"));
    }
    let recurring = match data.get("recurring").filter(|v| v.is_object()) {
        Some(r) => {
            let interval = r["interval"].as_str().ok_or_else(|| StripeError::missing("recurring[interval]"))?;
            if !["day", "week", "month", "year"].contains(&interval) {
                return Err(StripeError::invalid_param(
                    format!("Invalid recurring[interval]: must be one of day, month, week, or year (got `{interval}`)"),
                    "recurring[interval]",
                ));
            }
            let count = match &r["interval_count"] {
                Value::String(s) => s
                    .parse::<i64>()
                    .map_err(|_| StripeError::invalid_param(format!("Invalid integer: {s}"), "recurring[interval_count]"))?,
                Value::Number(n) => n.as_i64().unwrap_or(1),
                _ => 1,
            };
            let trial = match &r["trial_period_days"] {
                Value::String(s) => Some(
                    s.parse::<i64>()
                        .map_err(|_| StripeError::invalid_param(format!("Invalid integer: {s}"), "recurring[trial_period_days]"))?,
                ),
                _ => None,
            };
            json!({
                "interval": interval,
                "interval_count": count,
                "meter": r.get("meter").cloned().unwrap_or(Value::Null),
                "trial_period_days": trial,
                "usage_type": r["usage_type"].as_str().unwrap_or("licensed"),
            })
        }
        None => Value::Null,
    };
    let mut metadata = json!({});
    merge_metadata(&mut metadata, data.get("metadata").map(|m| if m.is_null() { &Value::Null } else { m }).filter(|m| !m.is_null()))?;
    Ok(json!({
        "id": ids::new("price"),
        "object": "price",
        "active": data["active"].as_bool().unwrap_or(true),
        "billing_scheme": data["billing_scheme"].as_str().unwrap_or("per_unit"),
        "created": now_secs(),
        "currency": currency,
        "custom_unit_amount": custom,
        "livemode": false,
        "lookup_key": data["lookup_key"].as_str(),
        "metadata": metadata,
        "nickname": data["nickname"].as_str(),
        "product": product,
        "recurring": recurring,
        "tax_behavior": data["tax_behavior"].as_str().unwrap_or("unspecified"),
        "tiers_mode": data["tiers_mode"].as_str(),
        "transform_quantity": null,
        "type": if recurring.is_null() { "one_time" } else { "recurring" },
        "unit_amount": unit_amount,
        "unit_amount_decimal": decimal.or(unit_amount.map(|a| a.to_string())),
    }))
}

const CREATE: &[&str] = &[
    "currency",
    "product",
    "product_data",
    "unit_amount",
    "unit_amount_decimal",
    "recurring",
    "active",
    "nickname",
    "lookup_key",
    "transfer_lookup_key",
    "metadata",
    "tax_behavior",
    "billing_scheme",
    "custom_unit_amount",
    "currency_options",
    "tiers",
    "tiers_mode",
    "transform_quantity",
];

/// `POST /v1/prices`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(CREATE)?;
    p.allow_in("recurring", &["interval", "interval_count", "trial_period_days", "usage_type", "meter", "aggregate_usage"])?;
    for unsupported in ["tiers", "transform_quantity", "currency_options"] {
        if p.has(unsupported) {
            return Err(StripeError::invalid_param(
                format!("The `{unsupported}` parameter is not implemented by this clone yet."),
                unsupported,
            ));
        }
    }
    p.required("currency")?;
    let mut data = hash_value(&p.map, &["unit_amount"])?;
    data["metadata"] = p.get("metadata").cloned().unwrap_or(Value::Null);
    let mut tx = asym_store::begin_write(db).await?;
    let product_id = match (p.text("product")?, p.hash("product_data")?) {
        (Some(id), None) => {
            must_get(&mut *tx, Kind::Product, &id, "product").await?;
            id
        }
        (None, Some(pd)) => {
            let name = pd.get("name").and_then(Value::as_str).ok_or_else(|| StripeError::missing("product_data[name]"))?;
            let mut prod = products::blank(ids::new("prod"), name, now_secs());
            if let Some(Value::Object(m)) = pd.get("metadata") {
                prod["metadata"] = Value::Object(m.clone());
            }
            objects::insert(&mut *tx, Kind::Product, &prod).await?;
            events::emit(&mut tx, req, "product.created", &prod, None).await?;
            prod["id"].as_str().unwrap_or_default().to_string()
        }
        (Some(_), Some(_)) => return Err(StripeError::invalid("You may only specify one of these parameters: product, product_data.")),
        (None, None) => return Err(StripeError::missing("product")),
    };
    let price = from_data(&product_id, &data, "")?;
    if let Some(key) = price["lookup_key"].as_str() {
        let taken = objects::scan(&mut *tx, Kind::Price, &Scan { limit: i64::MAX / 2, ..Default::default() })
            .await?
            .into_iter()
            .any(|(_, v)| v["lookup_key"] == json!(key));
        if taken && p.bool("transfer_lookup_key")? != Some(true) {
            return Err(StripeError::invalid_param(
                format!("A price (`{key}`) already uses that lookup key. Pass transfer_lookup_key=true to move it to this price."),
                "lookup_key",
            ));
        }
    }
    objects::insert(&mut *tx, Kind::Price, &price).await?;
    events::emit(&mut tx, req, "price.created", &price, None).await?;
    tx.commit().await?;
    Ok(price)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Price, id, "id").await
}

/// `POST /v1/prices/{id}`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["active", "metadata", "nickname", "lookup_key", "tax_behavior", "transfer_lookup_key", "currency_options"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::Price, id, "id").await?;
    let mut v = before.clone();
    if let Some(a) = p.bool("active")? {
        v["active"] = json!(a);
    }
    set_text(&mut v, p, "nickname")?;
    set_text(&mut v, p, "lookup_key")?;
    if let Some(t) = p.choice("tax_behavior", &["exclusive", "inclusive", "unspecified"])? {
        v["tax_behavior"] = json!(t);
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::Price, &v).await?;
        events::emit(&mut tx, req, "price.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `GET /v1/prices`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["active", "created", "currency", "lookup_keys", "product", "recurring", "type"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let active = p.bool("active")?;
    let currency = p.text("currency")?.map(|c| c.to_ascii_lowercase());
    let kind = p.choice("type", &["one_time", "recurring"])?;
    let keys = p.list("lookup_keys")?;
    let recurring: Option<Map<String, Value>> = p.hash("recurring")?.cloned();
    let scan = Scan { reference: p.text("product")?, ..Default::default() };
    list::list(db, Kind::Price, "/v1/prices", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && active.is_none_or(|a| v["active"] == json!(a))
            && currency.as_ref().is_none_or(|c| v["currency"] == json!(c))
            && kind.as_ref().is_none_or(|t| v["type"] == json!(t))
            && keys.as_ref().is_none_or(|l| l.iter().any(|k| v["lookup_key"] == json!(k)))
            && recurring.as_ref().is_none_or(|r| r.iter().all(|(k, want)| v["recurring"][k] == *want))
    })
    .await
}

pub async fn search(db: &Pool, p: &Params) -> StripeResult<Value> {
    search::search(db, Kind::Price, "prices", SEARCH_FIELDS, p).await
}
