//! Setup intents: save a card for later. Confirming checks the card as Stripe
//! does (declining test cards fail with `last_setup_error` and HTTP 402; 3D
//! Secure cards need `requires_action`) and, on success, attaches the payment
//! method to the intent's customer.

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult, doc_url};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::cards::Outcome;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, events, must_get, now_secs, payment_methods, public, set_text};
use crate::store::objects::{self, Kind, Scan};

const CONFIRMABLE: &[&str] = &["requires_payment_method", "requires_confirmation", "requires_action"];

fn unexpected(si: &Value, message: String) -> StripeError {
    let mut extra = Map::new();
    let mut obj = si.clone();
    public(&mut obj);
    extra.insert("setup_intent".into(), obj);
    StripeError::UnexpectedState { message, code: "setup_intent_unexpected_state", param: None, extra }
}

async fn set_payment_method(tx: &mut AnyConnection, si: &mut Value, p: &Params) -> StripeResult<()> {
    if let Some(id) = p.text("payment_method")? {
        let pm = payment_methods::resolve(tx, &id, "payment_method").await?;
        si["payment_method"] = pm["id"].clone();
        if si["status"] == "requires_payment_method" {
            si["status"] = json!("requires_confirmation");
        }
    }
    Ok(())
}

/// Stores the setup attempt one confirmation makes (`setatt_…`) and points the
/// intent's `latest_attempt` at it. A 3D Secure card's attempt stays
/// `requires_action`; the next confirmation makes a new attempt.
async fn record_attempt(tx: &mut AnyConnection, si: &mut Value, pm: &Value, status: &str, error: Value) -> StripeResult<()> {
    let c = &pm["card"];
    let mut error = error;
    if let Some(e) = error.as_object_mut() {
        e.remove("payment_method");
    }
    let v = json!({
        "id": ids::new("setatt"),
        "object": "setup_attempt",
        "application": null,
        "attach_to_self": false,
        "created": now_secs(),
        "customer": si["customer"],
        "flow_directions": si["flow_directions"],
        "livemode": false,
        "on_behalf_of": si["on_behalf_of"],
        "payment_method": pm["id"],
        "payment_method_details": {
            "card": {
                "brand": c["brand"], "checks": c["checks"], "country": c["country"], "exp_month": c["exp_month"],
                "exp_year": c["exp_year"], "fingerprint": c["fingerprint"], "funding": c["funding"], "last4": c["last4"],
                "network": c["brand"], "three_d_secure": null, "wallet": null,
            },
            "type": "card",
        },
        "setup_error": error,
        "setup_intent": si["id"],
        "status": status,
        "usage": si["usage"],
    });
    objects::insert(&mut *tx, Kind::SetupAttempt, &v).await?;
    si["latest_attempt"] = v["id"].clone();
    Ok(())
}

/// `GET /v1/setup_attempts?setup_intent=…`: the attempts one setup intent's
/// confirmations made, newest first.
pub async fn list_attempts(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["setup_intent", "created"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let seti = p.required("setup_intent")?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    must_get(db, Kind::SetupIntent, &seti, "setup_intent").await?;
    let scan = Scan { reference: Some(seti), ..Default::default() };
    list::list(db, Kind::SetupAttempt, "/v1/setup_attempts", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
    })
    .await
}

/// Confirms inside `tx`; `Err` after the state is written means a 402 to return after commit.
async fn confirm_in(tx: &mut AnyConnection, req: &Req, si: &mut Value) -> StripeResult<Option<StripeError>> {
    let Some(pm_id) = si["payment_method"].as_str().map(String::from) else {
        return Err(unexpected(si, "You cannot confirm this SetupIntent because it's missing a payment method. Update it with a payment method and confirm it again, or confirm it directly with a payment method.".into()));
    };
    let mut pm = must_get(&mut *tx, Kind::PaymentMethod, &pm_id, "payment_method").await?;
    match payment_methods::outcome_of(&pm) {
        Outcome::Authenticates { .. } => {
            record_attempt(tx, si, &pm, "requires_action", Value::Null).await?;
            si["status"] = json!("requires_action");
            si["next_action"] =
                json!({ "type": "use_stripe_sdk", "use_stripe_sdk": { "type": "three_d_secure_redirect", "source": ids::new("src") } });
            objects::save(&mut *tx, Kind::SetupIntent, si).await?;
            events::emit(tx, req, "setup_intent.requires_action", si, None).await?;
            Ok(None)
        }
        Outcome::Declines { code, decline_code, message, param, attach_ok: false } => {
            let mut pm_public = pm.clone();
            public(&mut pm_public);
            si["status"] = json!("requires_payment_method");
            si["payment_method"] = Value::Null;
            si["last_setup_error"] = json!({
                "code": code, "decline_code": decline_code, "doc_url": doc_url(code), "message": message,
                "payment_method": pm_public, "type": "card_error",
            });
            record_attempt(tx, si, &pm, "failed", si["last_setup_error"].clone()).await?;
            objects::save(&mut *tx, Kind::SetupIntent, si).await?;
            events::emit(&mut *tx, req, "setup_intent.setup_failed", si, None).await?;
            let mut extra = Map::new();
            let mut si_public = si.clone();
            public(&mut si_public);
            extra.insert("setup_intent".into(), si_public);
            extra.insert("payment_method".into(), pm_public);
            Ok(Some(StripeError::Card { message: message.into(), code, decline_code: Some(decline_code), param, charge: None, extra }))
        }
        _ => {
            if let Some(c) = si["customer"].as_str().map(String::from) {
                payment_methods::attach_in(&mut *tx, req, &mut pm, &c).await?;
            }
            record_attempt(tx, si, &pm, "succeeded", Value::Null).await?;
            si["status"] = json!("succeeded");
            si["next_action"] = Value::Null;
            si["last_setup_error"] = Value::Null;
            objects::save(&mut *tx, Kind::SetupIntent, si).await?;
            events::emit(tx, req, "setup_intent.succeeded", si, None).await?;
            Ok(None)
        }
    }
}

/// `POST /v1/setup_intents`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "customer",
        "payment_method",
        "confirm",
        "usage",
        "metadata",
        "description",
        "payment_method_types",
        "return_url",
        "automatic_payment_methods",
        "payment_method_options",
        "mandate_data",
        "on_behalf_of",
        "single_use",
        "use_stripe_sdk",
        "flow_directions",
    ])?;
    let usage = p.choice("usage", &["off_session", "on_session"])?.unwrap_or_else(|| "off_session".into());
    if let Some(types) = p.list("payment_method_types")?
        && let Some(bad) = types.iter().find(|t| *t != "card")
    {
        return Err(StripeError::invalid_param(
            format!("The payment method type `{bad}` is not implemented by this clone; only `card` is."),
            "payment_method_types",
        ));
    }
    let id = ids::new("seti");
    let mut si = json!({
        "id": id,
        "object": "setup_intent",
        "application": null,
        "automatic_payment_methods": if p.has("payment_method_types") { Value::Null } else { json!({ "allow_redirects": "always", "enabled": true }) },
        "cancellation_reason": null,
        "client_secret": ids::client_secret(&id),
        "created": now_secs(),
        "customer": null,
        "description": null,
        "flow_directions": null,
        "last_setup_error": null,
        "latest_attempt": null,
        "livemode": false,
        "mandate": null,
        "metadata": {},
        "next_action": null,
        "on_behalf_of": null,
        "payment_method": null,
        "payment_method_configuration_details": null,
        "payment_method_options": { "card": { "mandate_options": null, "network": null, "request_three_d_secure": "automatic" } },
        "payment_method_types": ["card"],
        "single_use_mandate": null,
        "status": "requires_payment_method",
        "usage": usage,
    });
    set_text(&mut si, p, "description")?;
    merge_metadata(&mut si["metadata"], p.get("metadata"))?;
    let mut tx = asym_store::begin_write(db).await?;
    if let Some(c) = p.text("customer")? {
        must_get(&mut *tx, Kind::Customer, &c, "customer").await?;
        si["customer"] = json!(c);
    }
    set_payment_method(&mut tx, &mut si, p).await?;
    objects::insert(&mut *tx, Kind::SetupIntent, &si).await?;
    events::emit(&mut tx, req, "setup_intent.created", &si, None).await?;
    let declined = if p.bool("confirm")?.unwrap_or(false) { confirm_in(&mut tx, req, &mut si).await? } else { None };
    tx.commit().await?;
    match declined {
        Some(e) => Err(e),
        None => Ok(si),
    }
}

pub async fn retrieve(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["client_secret"])?;
    must_get(db, Kind::SetupIntent, id, "intent").await
}

/// `POST /v1/setup_intents/{id}`.
pub async fn update(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "customer",
        "description",
        "metadata",
        "payment_method",
        "payment_method_types",
        "payment_method_options",
        "flow_directions",
    ])?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::SetupIntent, id).await?;
    let mut si = must_get(&mut *tx, Kind::SetupIntent, id, "intent").await?;
    let status = si["status"].as_str().unwrap_or_default().to_string();
    if !CONFIRMABLE.contains(&status.as_str()) {
        return Err(unexpected(&si, format!("You cannot update this SetupIntent because it has a status of {status}.")));
    }
    set_text(&mut si, p, "description")?;
    merge_metadata(&mut si["metadata"], p.get("metadata"))?;
    if let Some(c) = p.text("customer")? {
        must_get(&mut *tx, Kind::Customer, &c, "customer").await?;
        si["customer"] = json!(c);
    }
    set_payment_method(&mut tx, &mut si, p).await?;
    objects::save(&mut *tx, Kind::SetupIntent, &si).await?;
    tx.commit().await?;
    Ok(si)
}

/// `POST /v1/setup_intents/{id}/confirm`.
pub async fn confirm(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "payment_method",
        "return_url",
        "mandate_data",
        "payment_method_options",
        "use_stripe_sdk",
        "client_secret",
        "payment_method_data",
    ])?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::SetupIntent, id).await?;
    let mut si = must_get(&mut *tx, Kind::SetupIntent, id, "intent").await?;
    let status = si["status"].as_str().unwrap_or_default().to_string();
    if !CONFIRMABLE.contains(&status.as_str()) {
        return Err(unexpected(
            &si,
            format!(
                "You cannot confirm this SetupIntent because it has a status of {status}. Only a SetupIntent with one of the following statuses may be confirmed: requires_payment_method, requires_confirmation, requires_action."
            ),
        ));
    }
    set_payment_method(&mut tx, &mut si, p).await?;
    let declined = confirm_in(&mut tx, req, &mut si).await?;
    tx.commit().await?;
    match declined {
        Some(e) => Err(e),
        None => Ok(si),
    }
}

/// `POST /v1/setup_intents/{id}/cancel`.
pub async fn cancel(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["cancellation_reason"])?;
    let reason = p.choice("cancellation_reason", &["abandoned", "duplicate", "requested_by_customer"])?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::SetupIntent, id).await?;
    let mut si = must_get(&mut *tx, Kind::SetupIntent, id, "intent").await?;
    let status = si["status"].as_str().unwrap_or_default().to_string();
    if !CONFIRMABLE.contains(&status.as_str()) && status != "processing" {
        return Err(unexpected(
            &si,
            format!(
                "You cannot cancel this SetupIntent because it has a status of {status}. Only a SetupIntent with one of the following statuses may be canceled: requires_payment_method, requires_confirmation, requires_action."
            ),
        ));
    }
    si["status"] = json!("canceled");
    si["cancellation_reason"] = reason.map(|r| json!(r)).unwrap_or(Value::Null);
    si["next_action"] = Value::Null;
    objects::save(&mut *tx, Kind::SetupIntent, &si).await?;
    events::emit(&mut tx, req, "setup_intent.canceled", &si, None).await?;
    tx.commit().await?;
    Ok(si)
}

/// `GET /v1/setup_intents`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["created", "customer", "payment_method", "attach_to_self"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let pm = p.text("payment_method")?;
    let scan = Scan { customer: p.text("customer")?, ..Default::default() };
    list::list(db, Kind::SetupIntent, "/v1/setup_intents", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && pm.as_ref().is_none_or(|x| v["payment_method"] == json!(x))
    })
    .await
}
