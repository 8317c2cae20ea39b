//! Legacy plans (`/v1/plans`). In Stripe a plan is also a price with the same
//! id, so here a plan *is* a recurring price, rendered in the plan shape:
//! creating a plan stores a recurring price (`plan.created`, `price.created`),
//! every recurring price reads as a plan, and updating either changes both.
//! Deleting a plan (`plan.deleted`) deactivates the price, which stays
//! retrievable as a price (existing subscriptions keep it) but no longer as a
//! plan. Tiered plans and `transform_usage` are not built.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, events, now_secs, previous_attributes, prices, products, set_text};
use crate::store::objects::{self, Kind, Scan};

/// The plan view of a recurring price.
pub fn of_price(price: &Value) -> Value {
    let r = &price["recurring"];
    json!({
        "id": price["id"],
        "object": "plan",
        "active": price["active"],
        "aggregate_usage": null,
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": price["billing_scheme"],
        "created": price["created"],
        "currency": price["currency"],
        "interval": r["interval"],
        "interval_count": r["interval_count"],
        "livemode": false,
        "metadata": price["metadata"],
        "meter": r["meter"],
        "nickname": price["nickname"],
        "product": price["product"],
        "tiers_mode": price["tiers_mode"],
        "transform_usage": null,
        "trial_period_days": r["trial_period_days"],
        "usage_type": r["usage_type"],
    })
}

fn is_plan(price: &Value) -> bool {
    price["recurring"].is_object() && price["_plan_deleted"] != true && price.get("deleted").is_none()
}

async fn plan_price(db: impl sqlx::any::AnyExecutor<'_>, id: &str) -> StripeResult<Value> {
    match objects::get(db, Kind::Price, id).await? {
        Some(p) if is_plan(&p) => Ok(p),
        _ => Err(StripeError::no_such("plan", id, "plan")),
    }
}

/// `POST /v1/plans`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "currency",
        "interval",
        "product",
        "active",
        "aggregate_usage",
        "amount",
        "amount_decimal",
        "billing_scheme",
        "id",
        "interval_count",
        "metadata",
        "meter",
        "nickname",
        "tiers",
        "tiers_mode",
        "transform_usage",
        "trial_period_days",
        "usage_type",
    ])?;
    for k in ["tiers", "tiers_mode", "transform_usage", "aggregate_usage", "meter"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    if p.choice("billing_scheme", &["per_unit", "tiered"])?.as_deref() == Some("tiered") {
        return Err(StripeError::not_built("billing_scheme"));
    }
    let currency = crate::model::currency(p, "currency")?.ok_or_else(|| StripeError::missing("currency"))?;
    let interval = p.required("interval")?;
    if !["day", "week", "month", "year"].contains(&interval.as_str()) {
        return Err(StripeError::invalid_param(
            format!("Invalid interval: must be one of day, month, week, or year (got `{interval}`)"),
            "interval",
        ));
    }
    let amount = p.int("amount")?;
    let decimal = p.text("amount_decimal")?;
    if amount.is_none() && decimal.is_none() {
        return Err(StripeError::missing("amount"));
    }
    let interval_count = p.int("interval_count")?.unwrap_or(1);
    if interval_count < 1 {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 1.", "interval_count"));
    }
    let max = match interval.as_str() {
        "day" => 1095,
        "week" => 156,
        "month" => 36,
        _ => 3,
    };
    if interval_count > max {
        return Err(StripeError::invalid_param("Invalid interval_count: the maximum billing period is three years.", "interval_count"));
    }
    let usage = p.choice("usage_type", &["licensed", "metered"])?.unwrap_or_else(|| "licensed".into());
    let mut recurring = json!({ "interval": interval, "interval_count": interval_count.to_string(), "usage_type": usage });
    if let Some(t) = p.int("trial_period_days")? {
        recurring["trial_period_days"] = json!(t.to_string());
    }
    let mut data = json!({
        "currency": currency,
        "recurring": recurring,
        "active": p.bool("active")?.unwrap_or(true),
        "nickname": p.text("nickname")?,
        "metadata": p.get("metadata").cloned().unwrap_or(Value::Null),
    });
    match (amount, decimal) {
        (Some(a), _) => data["unit_amount"] = json!(a),
        (None, Some(d)) => data["unit_amount_decimal"] = json!(d),
        _ => {}
    }
    let mut tx = asym_store::begin_write(db).await?;
    let product_id = match p.get("product") {
        Some(Value::String(id)) => {
            crate::model::must_get(&mut *tx, Kind::Product, id, "product").await?;
            id.clone()
        }
        Some(Value::Object(m)) => {
            let name = m.get("name").and_then(Value::as_str).ok_or_else(|| StripeError::missing("product[name]"))?;
            let id = m.get("id").and_then(Value::as_str).map(String::from).unwrap_or_else(|| ids::new("prod"));
            if objects::get(&mut *tx, Kind::Product, &id).await?.is_some() {
                return Err(StripeError::coded("resource_already_exists", "Product already exists.", Some("product[id]")));
            }
            let mut prod = products::blank(id.clone(), name, now_secs());
            for k in ["statement_descriptor", "unit_label"] {
                if let Some(v) = m.get(k).and_then(Value::as_str) {
                    prod[k] = json!(v);
                }
            }
            if let Some(a) = m.get("active").and_then(Value::as_str) {
                prod["active"] = json!(a == "true");
            }
            merge_metadata(&mut prod["metadata"], m.get("metadata"))?;
            objects::insert(&mut *tx, Kind::Product, &prod).await?;
            events::emit(&mut tx, req, "product.created", &prod, None).await?;
            id
        }
        _ => return Err(StripeError::missing("product")),
    };
    let mut price = prices::from_data(&product_id, &data, "")?;
    if let Some(id) = p.text("id")? {
        if objects::get(&mut *tx, Kind::Price, &id).await?.is_some() {
            return Err(StripeError::coded("resource_already_exists", "Plan already exists.", Some("id")));
        }
        price["id"] = json!(id);
    }
    objects::insert(&mut *tx, Kind::Price, &price).await?;
    let plan = of_price(&price);
    events::emit(&mut tx, req, "plan.created", &plan, None).await?;
    events::emit(&mut tx, req, "price.created", &price, None).await?;
    tx.commit().await?;
    Ok(plan)
}

/// `GET /v1/plans/{id}`.
pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    Ok(of_price(&plan_price(db, id).await?))
}

/// `POST /v1/plans/{id}`: `active`, `metadata`, `nickname`, `trial_period_days`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["active", "metadata", "nickname", "product", "trial_period_days"])?;
    if p.has("product") {
        return Err(StripeError::not_built("product"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let before = plan_price(&mut *tx, id).await?;
    let mut price = before.clone();
    if let Some(a) = p.bool("active")? {
        price["active"] = json!(a);
    }
    set_text(&mut price, p, "nickname")?;
    if let Some(t) = p.int("trial_period_days")? {
        price["recurring"]["trial_period_days"] = json!(t);
    }
    merge_metadata(&mut price["metadata"], p.get("metadata"))?;
    if price != before {
        objects::save(&mut *tx, Kind::Price, &price).await?;
        let (old_plan, plan) = (of_price(&before), of_price(&price));
        events::emit(&mut tx, req, "plan.updated", &plan, Some(previous_attributes(&old_plan, &plan))).await?;
        events::emit(&mut tx, req, "price.updated", &price, Some(previous_attributes(&before, &price))).await?;
    }
    tx.commit().await?;
    Ok(of_price(&price))
}

/// `DELETE /v1/plans/{id}`.
pub async fn delete(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let before = plan_price(&mut *tx, id).await?;
    let mut price = before.clone();
    price["active"] = json!(false);
    price["_plan_deleted"] = json!(true);
    objects::save(&mut *tx, Kind::Price, &price).await?;
    events::emit(&mut tx, req, "plan.deleted", &of_price(&before), None).await?;
    if before["active"] == true {
        events::emit(&mut tx, req, "price.updated", &price, Some(json!({ "active": true }))).await?;
    }
    tx.commit().await?;
    Ok(json!({ "id": id, "object": "plan", "deleted": true }))
}

/// `GET /v1/plans`: `active`, `product`, `created`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["active", "product", "created"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let active = p.bool("active")?;
    let scan = Scan { reference: p.text("product")?, ..Default::default() };
    let mut out = list::list(db, Kind::Price, "/v1/plans", &page, scan, &|v| {
        is_plan(v)
            && created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && active.is_none_or(|a| v["active"] == json!(a))
    })
    .await?;
    if let Some(data) = out["data"].as_array_mut() {
        for v in data.iter_mut() {
            *v = of_price(v);
        }
    }
    Ok(out)
}
