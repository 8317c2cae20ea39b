//! Subscription schedules (`sub_sched_…`): create (from `customer` + `phases`,
//! or `from_subscription`), retrieve, update (`phases`, `end_behavior`,
//! `metadata`), list, cancel, release.
//!
//! A schedule that starts now creates its subscription at once with the first
//! phase's items; one with a future `start_date` is `not_started`. Time moves
//! as the rest of this clone's billing does, through test clocks: advancing
//! the customer's clock past a phase boundary starts the subscription, or
//! swaps its items for the next phase's (prorated as the phase's
//! `proration_behavior` says when the boundary falls inside a billing period;
//! on a period boundary the renewal simply bills the new items), and past the
//! last phase ends the schedule:
//! `end_behavior=release` leaves the subscription running on its own
//! (`released`), `cancel` cancels it (`completed`). A phase lasts `end_date`
//! or `iterations` billing periods of its first price (the last phase, one
//! period when neither is given). All of a schedule's phases must bill on the
//! same interval. Phase `trial_end`, `add_invoice_items`, `coupon`/`discounts`,
//! `default_tax_rates` and `default_settings` other than `collection_method`
//! and `default_payment_method` are not built.

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::test_clocks::{add_interval, now_for};
use crate::model::{Req, events, must_get, now_secs, previous_attributes, subscriptions};
use crate::store::objects::{self, Kind, Scan};

const PHASE_KEYS: &[&str] = &["items", "iterations", "end_date", "proration_behavior", "metadata", "start_date"];
const PHASE_NOT_BUILT: &[&str] = &[
    "add_invoice_items",
    "application_fee_percent",
    "automatic_tax",
    "billing_cycle_anchor",
    "billing_thresholds",
    "collection_method",
    "coupon",
    "currency",
    "default_payment_method",
    "default_tax_rates",
    "description",
    "discounts",
    "duration",
    "invoice_settings",
    "on_behalf_of",
    "transfer_data",
    "trial",
    "trial_end",
];

fn int_of(v: &Value, param: &str) -> StripeResult<Option<i64>> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_i64()),
        Value::String(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some(param))),
        _ => Err(StripeError::invalid_param(format!("Invalid integer: {v}"), param)),
    }
}

/// The `phases` parameter as rendered phases, laid end to end from `start`.
async fn phases_of(tx: &mut AnyConnection, v: Option<&Value>, start: i64) -> StripeResult<Vec<Value>> {
    let entries = match v {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(Value::Array(_)) | None => return Err(StripeError::missing("phases")),
        Some(_) => return Err(StripeError::invalid_param("Invalid array: pass `phases[0][items][0][price]=…`", "phases")),
    };
    let mut out = Vec::new();
    let mut at = start;
    let mut cycle: Option<(String, i64)> = None;
    let n = entries.len();
    for (i, e) in entries.iter().enumerate() {
        let Some(m) = e.as_object() else { return Err(StripeError::invalid_param("Invalid hash", format!("phases[{i}]"))) };
        if let Some(k) = m.keys().find(|k| !PHASE_KEYS.contains(&k.as_str())) {
            return Err(if PHASE_NOT_BUILT.contains(&k.as_str()) {
                StripeError::not_built(&format!("phases[{i}][{k}]"))
            } else {
                StripeError::unknown(&format!("phases[{i}][{k}]"))
            });
        }
        let items = match m.get("items") {
            Some(Value::Array(a)) if !a.is_empty() => a.clone(),
            _ => return Err(StripeError::missing(&format!("phases[{i}][items]"))),
        };
        let mut rendered = Vec::new();
        for (j, it) in items.iter().enumerate() {
            let param = format!("phases[{i}][items][{j}]");
            if let Some(k) =
                it.as_object().and_then(|m| m.keys().find(|k| !["price", "plan", "quantity", "metadata"].contains(&k.as_str())))
            {
                return Err(StripeError::not_built(&format!("{param}[{k}]")));
            }
            let pid = it
                .get("price")
                .or_else(|| it.get("plan"))
                .and_then(Value::as_str)
                .ok_or_else(|| StripeError::missing(&format!("{param}[price]")))?;
            let price = must_get(&mut *tx, Kind::Price, pid, &format!("{param}[price]")).await?;
            let Some(iv) = price["recurring"]["interval"].as_str().map(String::from) else {
                return Err(StripeError::invalid_param(
                    format!("The price specified ({pid}) is a one-time price; a schedule phase's items must use recurring prices."),
                    format!("{param}[price]"),
                ));
            };
            let count = price["recurring"]["interval_count"].as_i64().unwrap_or(1);
            match &cycle {
                None => cycle = Some((iv, count)),
                Some((civ, cn)) if *civ != iv || *cn != count => {
                    return Err(StripeError::invalid_param(
                        "All prices on a subscription schedule must have the same `recurring.interval` and `recurring.interval_count` (different billing intervals across phases are not implemented by this clone).",
                        format!("{param}[price]"),
                    ));
                }
                _ => {}
            }
            let quantity = int_of(it.get("quantity").unwrap_or(&Value::Null), &format!("{param}[quantity]"))?.unwrap_or(1);
            let mut metadata = json!({});
            merge_metadata(&mut metadata, it.get("metadata"))?;
            rendered.push(json!({
                "billing_thresholds": null, "discounts": [], "metadata": metadata, "plan": pid, "price": pid,
                "quantity": quantity, "tax_rates": [],
            }));
        }
        let (iv, count) = cycle.clone().unwrap_or(("month".into(), 1));
        if i == 0
            && let Some(s) = int_of(m.get("start_date").unwrap_or(&Value::Null), &format!("phases[{i}][start_date]"))?
            && s != start
        {
            return Err(StripeError::invalid_param(
                "The first phase's `start_date` must match the schedule's `start_date`.",
                "phases[0][start_date]",
            ));
        }
        let end_date = int_of(m.get("end_date").unwrap_or(&Value::Null), &format!("phases[{i}][end_date]"))?;
        let iterations = int_of(m.get("iterations").unwrap_or(&Value::Null), &format!("phases[{i}][iterations]"))?;
        let end = match (end_date, iterations) {
            (Some(_), Some(_)) => {
                return Err(StripeError::invalid(format!(
                    "You may only specify one of these parameters: phases[{i}][end_date], phases[{i}][iterations]."
                )));
            }
            (Some(e), None) => e,
            (None, Some(k)) if k >= 1 => add_interval(at, &iv, count * k),
            (None, Some(_)) => {
                return Err(StripeError::invalid_param(
                    "This value must be greater than or equal to 1.",
                    format!("phases[{i}][iterations]"),
                ));
            }
            (None, None) if i + 1 == n => add_interval(at, &iv, count),
            (None, None) => {
                return Err(StripeError::invalid_param(
                    format!("Every phase but the last needs an `end_date` or `iterations` (phases[{i}])."),
                    format!("phases[{i}][end_date]"),
                ));
            }
        };
        if end <= at {
            return Err(StripeError::invalid_param("A phase's `end_date` must be after its start.", format!("phases[{i}][end_date]")));
        }
        let proration = match m.get("proration_behavior").and_then(Value::as_str) {
            None => "create_prorations".to_string(),
            Some(b) if ["always_invoice", "create_prorations", "none"].contains(&b) => b.to_string(),
            Some(b) => {
                return Err(StripeError::invalid_param(
                    format!("Invalid proration_behavior: must be one of always_invoice, create_prorations, or none (got `{b}`)"),
                    format!("phases[{i}][proration_behavior]"),
                ));
            }
        };
        let mut metadata = json!({});
        merge_metadata(&mut metadata, m.get("metadata"))?;
        out.push(json!({
            "add_invoice_items": [], "application_fee_percent": null, "automatic_tax": { "disabled_reason": null, "enabled": false, "liability": null },
            "billing_cycle_anchor": null, "billing_thresholds": null, "collection_method": null, "currency": null,
            "default_payment_method": null, "default_tax_rates": [], "description": null, "discounts": [],
            "end_date": end, "invoice_settings": null, "items": rendered, "metadata": metadata, "on_behalf_of": null,
            "proration_behavior": proration, "start_date": at, "transfer_data": null, "trial_end": null,
        }));
        at = end;
    }
    Ok(out)
}

fn default_settings(p: &Params) -> StripeResult<Value> {
    let mut d = json!({
        "application_fee_percent": null,
        "automatic_tax": { "disabled_reason": null, "enabled": false, "liability": null },
        "billing_cycle_anchor": "automatic",
        "billing_thresholds": null,
        "collection_method": "charge_automatically",
        "default_payment_method": null,
        "default_source": null,
        "description": null,
        "invoice_settings": { "account_tax_ids": null, "days_until_due": null, "issuer": { "type": "self" } },
        "on_behalf_of": null,
        "transfer_data": null,
    });
    if let Some(m) = p.hash("default_settings")? {
        for (k, v) in m {
            match k.as_str() {
                "collection_method" => {
                    let c = v.as_str().unwrap_or_default();
                    if c != "charge_automatically" {
                        return Err(StripeError::invalid_param(
                            "Only `charge_automatically` schedules are implemented by this clone.",
                            "default_settings[collection_method]",
                        ));
                    }
                }
                "default_payment_method" => d["default_payment_method"] = v.clone(),
                _ => return Err(StripeError::not_built(&format!("default_settings[{k}]"))),
            }
        }
    }
    Ok(d)
}

fn current_index(s: &Value, at: i64) -> Option<usize> {
    s["phases"].as_array()?.iter().position(|ph| ph["start_date"].as_i64().unwrap_or(0) <= at && at < ph["end_date"].as_i64().unwrap_or(0))
}

fn set_current(s: &mut Value, at: i64) {
    s["current_phase"] = match (s["status"].as_str(), current_index(s, at)) {
        (Some("active"), Some(i)) => json!({ "end_date": s["phases"][i]["end_date"], "start_date": s["phases"][i]["start_date"] }),
        _ => Value::Null,
    };
}

/// Starts the schedule's subscription with the first phase's items.
async fn start(tx: &mut AnyConnection, req: &Req, s: &mut Value) -> StripeResult<()> {
    let mut m = Map::new();
    m.insert("customer".into(), s["customer"].clone());
    let items: Vec<Value> = s["phases"][0]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|it| json!({ "price": it["price"], "quantity": it["quantity"].to_string() }))
        .collect();
    m.insert("items".into(), json!(items));
    if let Some(pm) = s["default_settings"]["default_payment_method"].as_str() {
        m.insert("default_payment_method".into(), json!(pm));
    }
    if s["phases"][0]["metadata"].as_object().is_some_and(|o| !o.is_empty()) {
        m.insert("metadata".into(), s["phases"][0]["metadata"].clone());
    }
    let mut sub = subscriptions::create_in(tx, req, &Params::new(m)).await?;
    sub["schedule"] = s["id"].clone();
    objects::save(&mut *tx, Kind::Subscription, &sub).await?;
    s["subscription"] = sub["id"].clone();
    s["status"] = json!("active");
    Ok(())
}

/// Ends the schedule at its last phase's end.
async fn finish(tx: &mut AnyConnection, req: &Req, s: &mut Value, at: i64) -> StripeResult<()> {
    let sid = s["subscription"].as_str().unwrap_or_default().to_string();
    if s["end_behavior"] == "cancel" {
        let mut sub = must_get(&mut *tx, Kind::Subscription, &sid, "subscription").await?;
        sub["schedule"] = Value::Null;
        objects::save(&mut *tx, Kind::Subscription, &sub).await?;
        let mut m = Map::new();
        m.insert("cancel_at".into(), json!(at.max(now_for_id(tx, &sub).await?).to_string()));
        m.insert("proration_behavior".into(), json!("none"));
        subscriptions::update_in(tx, req, &sid, &Params::new(m)).await?;
        s["status"] = json!("completed");
        s["completed_at"] = json!(at);
        s["current_phase"] = Value::Null;
        events::emit(tx, req, "subscription_schedule.completed", s, None).await?;
    } else {
        release_in(tx, req, s, at).await?;
    }
    Ok(())
}

async fn now_for_id(tx: &mut AnyConnection, sub: &Value) -> StripeResult<i64> {
    crate::model::test_clocks::now_for_id(tx, sub["customer"].as_str().unwrap_or_default()).await
}

async fn release_in(tx: &mut AnyConnection, req: &Req, s: &mut Value, at: i64) -> StripeResult<()> {
    if let Some(sid) = s["subscription"].as_str().map(String::from) {
        let mut sub = must_get(&mut *tx, Kind::Subscription, &sid, "subscription").await?;
        sub["schedule"] = Value::Null;
        objects::save(&mut *tx, Kind::Subscription, &sub).await?;
        s["released_subscription"] = json!(sid);
    }
    s["status"] = json!("released");
    s["released_at"] = json!(at);
    s["subscription"] = Value::Null;
    s["current_phase"] = Value::Null;
    events::emit(tx, req, "subscription_schedule.released", s, None).await?;
    Ok(())
}

/// Moves the subscription onto phase `i`'s items (`proration_behavior` of phase `i`).
async fn enter_phase(tx: &mut AnyConnection, req: &Req, s: &Value, i: usize) -> StripeResult<()> {
    let sid = s["subscription"].as_str().unwrap_or_default().to_string();
    let sub = must_get(&mut *tx, Kind::Subscription, &sid, "subscription").await?;
    let mut entries: Vec<Value> =
        sub["items"]["data"].as_array().into_iter().flatten().map(|it| json!({ "id": it["id"], "deleted": "true" })).collect();
    for it in s["phases"][i]["items"].as_array().into_iter().flatten() {
        entries.push(json!({ "price": it["price"], "quantity": it["quantity"].to_string() }));
    }
    // Entering a phase prorates as that phase says, unless the phase starts on
    // the period boundary (nothing is left of the old period to credit).
    let boundary = sub["items"]["data"][0]["current_period_end"].as_i64() == s["phases"][i]["start_date"].as_i64();
    let behavior = if boundary { json!("none") } else { s["phases"][i]["proration_behavior"].clone() };
    let mut m = Map::new();
    m.insert("items".into(), json!(entries));
    m.insert("proration_behavior".into(), behavior);
    subscriptions::update_in(tx, req, &sid, &Params::new(m)).await?;
    Ok(())
}

/// How long before its end a schedule announces `subscription_schedule.expiring`.
const EXPIRING_NOTICE: i64 = 7 * 86_400;

/// When `subscription_schedule.expiring` is due, if it still is.
fn expiring_at(s: &Value) -> Option<i64> {
    if s["_expiring_sent"] == true || s["status"] != "active" {
        return None;
    }
    let end = s["phases"].as_array()?.last()?["end_date"].as_i64()?;
    let t = end - EXPIRING_NOTICE;
    (t > s["created"].as_i64().unwrap_or(0)).then_some(t)
}

/// The next moment a schedule acts (its start, its current phase's end, or
/// the expiring notice a week before its end).
pub fn next_moment(s: &Value) -> Option<i64> {
    match s["status"].as_str()? {
        "not_started" => s["phases"][0]["start_date"].as_i64(),
        "active" => {
            let end = s["current_phase"]["end_date"].as_i64()?;
            Some(expiring_at(s).map_or(end, |t| t.min(end)))
        }
        _ => None,
    }
}

/// What is due at `at` for schedule `id` happens (driven by test clocks).
pub async fn on_moment(tx: &mut AnyConnection, req: &Req, id: &str, at: i64) -> StripeResult<()> {
    let mut s = must_get(&mut *tx, Kind::SubscriptionSchedule, id, "schedule").await?;
    let before = s.clone();
    match s["status"].as_str().unwrap_or_default() {
        "not_started" => {
            start(tx, req, &mut s).await?;
            set_current(&mut s, at);
        }
        "active" if expiring_at(&s).is_some_and(|t| t <= at) && s["current_phase"]["end_date"].as_i64().is_some_and(|e| at < e) => {
            s["_expiring_sent"] = json!(true);
            objects::save(&mut *tx, Kind::SubscriptionSchedule, &s).await?;
            events::emit(tx, req, "subscription_schedule.expiring", &s, None).await?;
            return Ok(());
        }
        "active" => match current_index(&s, at) {
            Some(i) => {
                enter_phase(tx, req, &s, i).await?;
                set_current(&mut s, at);
            }
            None => finish(tx, req, &mut s, at).await?,
        },
        _ => return Ok(()),
    }
    objects::save(&mut *tx, Kind::SubscriptionSchedule, &s).await?;
    events::emit(tx, req, "subscription_schedule.updated", &s, Some(previous_attributes(&before, &s))).await?;
    Ok(())
}

fn render_new(customer: &Value, created: i64) -> Value {
    json!({
        "id": ids::new("sub_sched"),
        "object": "subscription_schedule",
        "application": null,
        "billing_mode": { "type": "classic" },
        "canceled_at": null,
        "completed_at": null,
        "created": created,
        "current_phase": null,
        "customer": customer["id"],
        "customer_account": null,
        "default_settings": null,
        "end_behavior": "release",
        "livemode": false,
        "metadata": {},
        "phases": [],
        "released_at": null,
        "released_subscription": null,
        "status": "not_started",
        "subscription": null,
        "test_clock": customer["test_clock"],
    })
}

/// `POST /v1/subscription_schedules`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "customer",
        "customer_account",
        "default_settings",
        "end_behavior",
        "from_subscription",
        "metadata",
        "phases",
        "start_date",
        "billing_mode",
    ])?;
    for k in ["customer_account", "billing_mode"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    let end_behavior = p.choice("end_behavior", &["cancel", "none", "release", "renew"])?.unwrap_or_else(|| "release".into());
    if end_behavior == "none" || end_behavior == "renew" {
        return Err(StripeError::not_built("end_behavior"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let mut s = if let Some(from) = p.text("from_subscription")? {
        for k in ["customer", "phases", "start_date", "default_settings", "end_behavior"] {
            if p.has(k) {
                return Err(StripeError::invalid_param(format!("You cannot set `{k}` when creating a schedule from a subscription."), k));
            }
        }
        let mut sub = must_get(&mut *tx, Kind::Subscription, &from, "from_subscription").await?;
        if sub["schedule"].is_string() {
            return Err(StripeError::invalid_param(
                format!(
                    "You cannot migrate a subscription that is already attached to a schedule: `{}`.",
                    sub["schedule"].as_str().unwrap_or("")
                ),
                "from_subscription",
            ));
        }
        if !["active", "trialing", "past_due"].contains(&sub["status"].as_str().unwrap_or_default()) {
            return Err(StripeError::invalid_param(
                format!("A subscription with status `{}` cannot be migrated to a schedule.", sub["status"].as_str().unwrap_or("")),
                "from_subscription",
            ));
        }
        let customer = must_get(&mut *tx, Kind::Customer, sub["customer"].as_str().unwrap_or_default(), "customer").await?;
        let now = now_for(&mut tx, &customer).await?;
        let mut s = render_new(&customer, now);
        let items: Vec<Value> = sub["items"]["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|it| json!({ "price": it["price"]["id"], "quantity": it["quantity"].to_string() }))
            .collect();
        let start = sub["items"]["data"][0]["current_period_start"].as_i64().unwrap_or(now);
        let end = sub["items"]["data"][0]["current_period_end"].as_i64().unwrap_or(now);
        s["phases"] = json!(phases_of(&mut tx, Some(&json!([{ "items": items, "end_date": end.to_string() }])), start).await?);
        s["default_settings"] = default_settings(p)?;
        s["default_settings"]["default_payment_method"] = sub["default_payment_method"].clone();
        s["status"] = json!("active");
        s["subscription"] = sub["id"].clone();
        sub["schedule"] = s["id"].clone();
        objects::save(&mut *tx, Kind::Subscription, &sub).await?;
        set_current(&mut s, now);
        s
    } else {
        let cid = p.required("customer")?;
        let customer = must_get(&mut *tx, Kind::Customer, &cid, "customer").await?;
        let now = now_for(&mut tx, &customer).await?;
        let start_at = match p.str("start_date")? {
            None | Some("now") => now,
            Some(t) => {
                let t = t.parse::<i64>().map_err(|_| StripeError::invalid_param(format!("Invalid start_date: {t}"), "start_date"))?;
                if t < now {
                    return Err(StripeError::not_built("start_date"));
                }
                t
            }
        };
        let mut s = render_new(&customer, now);
        s["phases"] = json!(phases_of(&mut tx, p.get("phases"), start_at).await?);
        s["default_settings"] = default_settings(p)?;
        s["end_behavior"] = json!(end_behavior);
        if let Some(pm) = s["default_settings"]["default_payment_method"].as_str().map(String::from) {
            let found = must_get(&mut *tx, Kind::PaymentMethod, &pm, "default_settings[default_payment_method]").await?;
            if found["customer"] != json!(cid) {
                return Err(StripeError::invalid_param(
                    format!("The PaymentMethod provided ({pm}) is not attached to this Customer."),
                    "default_settings[default_payment_method]",
                ));
            }
        }
        s
    };
    s["end_behavior"] = json!(end_behavior);
    merge_metadata(&mut s["metadata"], p.get("metadata"))?;
    objects::insert(&mut *tx, Kind::SubscriptionSchedule, &s).await?;
    let now = s["created"].as_i64().unwrap_or(now_secs());
    if s["status"] == "not_started" && s["phases"][0]["start_date"].as_i64().is_some_and(|t| t <= now) {
        start(&mut tx, req, &mut s).await?;
        set_current(&mut s, now);
        objects::save(&mut *tx, Kind::SubscriptionSchedule, &s).await?;
    }
    events::emit(&mut tx, req, "subscription_schedule.created", &s, None).await?;
    tx.commit().await?;
    Ok(s)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::SubscriptionSchedule, id, "schedule").await
}

fn open_or(s: &Value, verb: &str) -> StripeResult<()> {
    let status = s["status"].as_str().unwrap_or_default();
    if status == "not_started" || status == "active" {
        return Ok(());
    }
    Err(StripeError::invalid(format!(
        "You cannot {verb} a subscription schedule that is currently in the `{status}` status. It must be in the `not_started` or `active` status."
    )))
}

/// `POST /v1/subscription_schedules/{id}`: `phases` (the whole list again; the
/// current phase keeps its start), `end_behavior`, `metadata`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["default_settings", "end_behavior", "metadata", "phases", "proration_behavior", "billing_mode"])?;
    for k in ["default_settings", "billing_mode"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::SubscriptionSchedule, id).await?;
    let before = must_get(&mut *tx, Kind::SubscriptionSchedule, id, "schedule").await?;
    open_or(&before, "update")?;
    let mut s = before.clone();
    if let Some(b) = p.choice("end_behavior", &["cancel", "none", "release", "renew"])? {
        if b == "none" || b == "renew" {
            return Err(StripeError::not_built("end_behavior"));
        }
        s["end_behavior"] = json!(b);
    }
    merge_metadata(&mut s["metadata"], p.get("metadata"))?;
    if p.has("phases") {
        let customer = must_get(&mut *tx, Kind::Customer, s["customer"].as_str().unwrap_or_default(), "customer").await?;
        let now = now_for(&mut tx, &customer).await?;
        let start = s["phases"][0]["start_date"].as_i64().unwrap_or(now);
        let phases = phases_of(&mut tx, p.get("phases"), start).await?;
        if s["status"] == "active" {
            let cur = current_index(&s, now).unwrap_or(0);
            let new_cur =
                phases.iter().position(|ph| ph["start_date"].as_i64().unwrap_or(0) <= now && now < ph["end_date"].as_i64().unwrap_or(0));
            if new_cur != Some(cur) || phases[cur]["items"] != s["phases"][cur]["items"] {
                return Err(StripeError::invalid_param(
                    "Changing the current phase's items or dates is not implemented by this clone; change future phases only.",
                    "phases",
                ));
            }
        }
        if s["phases"].as_array().and_then(|a| a.last()).map(|l| l["end_date"].clone()) != phases.last().map(|l| l["end_date"].clone()) {
            // A new end: the expiring notice is due again before it.
            s["_expiring_sent"] = json!(false);
        }
        s["phases"] = json!(phases);
        set_current(&mut s, now);
    }
    if s != before {
        objects::save(&mut *tx, Kind::SubscriptionSchedule, &s).await?;
        events::emit(&mut tx, req, "subscription_schedule.updated", &s, Some(previous_attributes(&before, &s))).await?;
    }
    tx.commit().await?;
    Ok(s)
}

/// `POST /v1/subscription_schedules/{id}/cancel`: the schedule and its
/// subscription end now (`invoice_now`, `prorate` are not built).
pub async fn cancel(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["invoice_now", "prorate"])?;
    for k in ["invoice_now", "prorate"] {
        if p.bool(k)? == Some(true) {
            return Err(StripeError::not_built(k));
        }
    }
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::SubscriptionSchedule, id).await?;
    let s = must_get(&mut *tx, Kind::SubscriptionSchedule, id, "schedule").await?;
    open_or(&s, "cancel")?;
    let customer = must_get(&mut *tx, Kind::Customer, s["customer"].as_str().unwrap_or_default(), "customer").await?;
    let now = now_for(&mut tx, &customer).await?;
    // Canceling the subscription cancels the schedule (see `subscription_ended`).
    match s["subscription"].as_str().map(String::from) {
        Some(sid) => subscriptions::end_now_in(&mut tx, req, &sid, now).await?,
        None => subscription_ended(&mut tx, req, id, now).await?,
    }
    let s = must_get(&mut *tx, Kind::SubscriptionSchedule, id, "schedule").await?;
    tx.commit().await?;
    Ok(s)
}

/// The schedule's subscription was canceled on its own (not by the schedule):
/// an open schedule is canceled with it (`subscription_schedule.canceled`).
pub async fn subscription_ended(tx: &mut AnyConnection, req: &Req, id: &str, at: i64) -> StripeResult<()> {
    let Some(mut s) = objects::get(&mut *tx, Kind::SubscriptionSchedule, id).await? else { return Ok(()) };
    if s["status"] != "active" && s["status"] != "not_started" {
        return Ok(());
    }
    s["status"] = json!("canceled");
    s["canceled_at"] = json!(at);
    s["current_phase"] = Value::Null;
    objects::save(&mut *tx, Kind::SubscriptionSchedule, &s).await?;
    events::emit(tx, req, "subscription_schedule.canceled", &s, None).await?;
    Ok(())
}

/// `POST /v1/subscription_schedules/{id}/release`: the subscription (if any)
/// goes on without the schedule.
pub async fn release(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["preserve_cancel_date"])?;
    if p.bool("preserve_cancel_date")? == Some(false) {
        return Err(StripeError::not_built("preserve_cancel_date"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::SubscriptionSchedule, id).await?;
    let mut s = must_get(&mut *tx, Kind::SubscriptionSchedule, id, "schedule").await?;
    open_or(&s, "release")?;
    let customer = must_get(&mut *tx, Kind::Customer, s["customer"].as_str().unwrap_or_default(), "customer").await?;
    let now = now_for(&mut tx, &customer).await?;
    release_in(&mut tx, req, &mut s, now).await?;
    objects::save(&mut *tx, Kind::SubscriptionSchedule, &s).await?;
    tx.commit().await?;
    Ok(s)
}

/// `GET /v1/subscription_schedules`: `customer`, `scheduled`, `canceled_at`,
/// `completed_at`, `released_at`, `created`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["customer", "customer_account", "scheduled", "canceled_at", "completed_at", "released_at", "created"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    if p.has("customer_account") {
        return Err(StripeError::not_built("customer_account"));
    }
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let canceled = range_filter(p, "canceled_at")?;
    let completed = range_filter(p, "completed_at")?;
    let released = range_filter(p, "released_at")?;
    let scheduled = p.bool("scheduled")?;
    let scan = Scan { customer: p.text("customer")?, ..Default::default() };
    let at = |v: &Value, k: &str| v[k].as_i64();
    list::list(db, Kind::SubscriptionSchedule, "/v1/subscription_schedules", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && canceled.as_ref().is_none_or(|f| at(v, "canceled_at").is_some_and(f))
            && completed.as_ref().is_none_or(|f| at(v, "completed_at").is_some_and(f))
            && released.as_ref().is_none_or(|f| at(v, "released_at").is_some_and(f))
            && scheduled.is_none_or(|want| (v["status"] == "not_started") == want)
    })
    .await
}

/// A customer's schedules as stored (for test clocks).
pub async fn of_customer(tx: &mut AnyConnection, customer: &str) -> StripeResult<Vec<Value>> {
    let scan = Scan { customer: Some(customer.into()), limit: 10_000, ..Default::default() };
    Ok(objects::scan(&mut *tx, Kind::SubscriptionSchedule, &scan).await?.into_iter().map(|(_, v)| v).collect())
}
