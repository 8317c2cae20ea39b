//! Payment intents and Stripe's state machine:
//!
//! ```text
//! requires_payment_method ─(payment method)→ requires_confirmation ─confirm→
//!   succeeded                      (card charged; capture_method automatic)
//!   requires_capture ─capture→ succeeded          (capture_method manual)
//!   requires_action                (3D Secure cards, on session)
//!   requires_payment_method        (declined: last_payment_error, HTTP 402)
//! any of the open states ─cancel→ canceled
//! ```
//!
//! Test cards decide the outcome (see [`crate::model::cards`]). A declined
//! confirmation is committed (the failed charge, `charge.failed`,
//! `payment_intent.payment_failed`) before the 402 is returned, as in Stripe.

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult, doc_url};
use crate::form::{Params, hash_value, merge_metadata};
use crate::ids;
use crate::model::cards::Outcome;
use crate::model::charges::{self, Attempt};
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, balance, currency, events, must_get, now_secs, payment_methods, public, search, set_text};
use crate::store::objects::{self, Kind, Scan};

pub const SEARCH_FIELDS: &[&str] = &["amount", "created", "currency", "customer", "metadata", "status"];

const OPEN: &[&str] = &["requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing"];
const CONFIRMABLE: &[&str] = &["requires_payment_method", "requires_confirmation", "requires_action"];

const CONFIRM_PARAMS: &[&str] = &[
    "payment_method",
    "return_url",
    "off_session",
    "setup_future_usage",
    "capture_method",
    "receipt_email",
    "shipping",
    "mandate_data",
    "error_on_requires_action",
    "payment_method_types",
    "payment_method_options",
    "payment_method_data",
    "use_stripe_sdk",
    "radar_options",
    "confirmation_token",
];

const CREATE_PARAMS: &[&str] = &[
    "amount",
    "currency",
    "customer",
    "description",
    "metadata",
    "confirm",
    "confirmation_method",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "automatic_payment_methods",
    "application_fee_amount",
    "on_behalf_of",
    "transfer_data",
    "transfer_group",
    "excluded_payment_method_types",
];

fn unexpected(pi: &Value, message: String) -> StripeError {
    let mut extra = Map::new();
    let mut obj = pi.clone();
    public(&mut obj);
    extra.insert("payment_intent".into(), obj);
    StripeError::UnexpectedState { message, code: "payment_intent_unexpected_state", param: None, extra }
}

fn minimum(currency: &str) -> Option<i64> {
    match currency {
        "usd" | "eur" | "chf" | "cad" | "aud" | "nzd" | "sgd" => Some(50),
        "gbp" => Some(30),
        "jpy" => Some(50),
        _ => None,
    }
}

fn default_capture(req: &Req) -> &'static str {
    if req.api_version.is_empty() || req.api_version.as_str() >= "2024-04-10" { "automatic_async" } else { "automatic" }
}

/// Applies the parameters create, update and confirm share.
fn apply(pi: &mut Value, p: &Params) -> StripeResult<()> {
    for f in ["description", "receipt_email", "statement_descriptor", "statement_descriptor_suffix", "transfer_group"] {
        set_text(pi, p, f)?;
    }
    if let Some(c) = p.choice("capture_method", &["automatic", "automatic_async", "manual"])? {
        pi["capture_method"] = json!(c);
    }
    if p.has("setup_future_usage") {
        pi["setup_future_usage"] = match p.text("setup_future_usage")? {
            None => Value::Null,
            Some(s) if s == "on_session" || s == "off_session" => json!(s),
            Some(s) => {
                return Err(StripeError::invalid_param(
                    format!("Invalid setup_future_usage: must be one of on_session or off_session (got `{s}`)"),
                    "setup_future_usage",
                ));
            }
        };
    }
    if let Some(types) = p.list("payment_method_types")? {
        if let Some(bad) = types.iter().find(|t| *t != "card") {
            return Err(StripeError::invalid_param(
                format!("The payment method type `{bad}` is not implemented by this clone; only `card` is."),
                "payment_method_types",
            ));
        }
        pi["payment_method_types"] = json!(types);
        pi["automatic_payment_methods"] = Value::Null;
    }
    if let Some(s) = p.hash("shipping")? {
        pi["shipping"] = hash_value(s, &[])?;
    }
    if let Some(o) = p.hash("payment_method_options")? {
        pi["payment_method_options"] = hash_value(o, &[])?;
    }
    merge_metadata(&mut pi["metadata"], p.get("metadata"))?;
    Ok(())
}

async fn set_customer(tx: &mut AnyConnection, pi: &mut Value, p: &Params) -> StripeResult<()> {
    if let Some(c) = p.str("customer")? {
        if c.is_empty() {
            pi["customer"] = Value::Null;
        } else {
            must_get(&mut *tx, Kind::Customer, c, "customer").await?;
            pi["customer"] = json!(c);
        }
    }
    Ok(())
}

async fn set_payment_method(tx: &mut AnyConnection, pi: &mut Value, p: &Params) -> StripeResult<()> {
    if let Some(id) = p.text("payment_method")? {
        let pm = payment_methods::resolve(tx, &id, "payment_method").await?;
        if let (Some(owner), Some(c)) = (pm["customer"].as_str(), pi["customer"].as_str())
            && owner != c
        {
            return Err(StripeError::invalid_param(
                format!(
                    "The provided PaymentMethod ({id}) is attached to another Customer ({owner}); it cannot be used with Customer {c}."
                ),
                "payment_method",
            ));
        }
        if pm["customer"].is_string() && pi["customer"].is_null() {
            return Err(StripeError::invalid_param(
                format!("The provided PaymentMethod ({id}) is attached to a Customer. To use it, pass that customer's id as `customer`."),
                "payment_method",
            ));
        }
        pi["payment_method"] = pm["id"].clone();
        if pi["status"] == "requires_payment_method" {
            pi["status"] = json!("requires_confirmation");
        }
    }
    Ok(())
}

/// How a confirmation ended.
pub enum Confirmed {
    Done,
    /// Declined: the changes are written; the caller commits, then answers this.
    Declined(StripeError),
}

/// Confirms `pi` (already updated with the confirm parameters) inside `tx`.
pub async fn confirm_in(tx: &mut AnyConnection, req: &Req, pi: &mut Value, off_session: bool) -> StripeResult<Confirmed> {
    let Some(pm_id) = pi["payment_method"].as_str().map(String::from) else {
        return Err(unexpected(
            pi,
            "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.".into(),
        ));
    };
    let mut pm = must_get(&mut *tx, Kind::PaymentMethod, &pm_id, "payment_method").await?;
    let amount = pi["amount"].as_i64().unwrap_or(0);
    let manual = pi["capture_method"] == "manual";
    let mut outcome = payment_methods::outcome_of(&pm);
    if let Outcome::Authenticates { setup_ok } = outcome {
        if !off_session {
            pi["status"] = json!("requires_action");
            pi["next_action"] = json!({
                "type": "use_stripe_sdk",
                "use_stripe_sdk": { "type": "three_d_secure_redirect", "stripe_js": format!("https://hooks.stripe.com/redirect/authenticate/{}", ids::new("src")), "source": ids::new("src") }
            });
            pi["last_payment_error"] = Value::Null;
            objects::save(&mut *tx, Kind::PaymentIntent, pi).await?;
            events::emit(tx, req, "payment_intent.requires_action", pi, None).await?;
            return Ok(Confirmed::Done);
        }
        outcome = if setup_ok && pm["customer"].is_string() {
            Outcome::Succeeds
        } else {
            Outcome::Declines {
                code: "authentication_required",
                decline_code: "authentication_required",
                message: "Your card was declined. This transaction requires authentication.",
                param: None,
                attach_ok: true,
            }
        };
    }
    pi["next_action"] = Value::Null;
    if let Some((code, decline_code, message, param)) = charges::failure_of(outcome) {
        let ch = charges::build(pi, &pm, &Attempt { amount, captured: false, failure: Some((code, decline_code, message)) });
        objects::insert(&mut *tx, Kind::Charge, &ch).await?;
        let mut pm_public = pm.clone();
        public(&mut pm_public);
        let mut err = json!({
            "charge": ch["id"],
            "code": code,
            "decline_code": decline_code,
            "doc_url": doc_url(code),
            "message": message,
            "payment_method": pm_public,
            "type": "card_error",
        });
        if let Some(p) = param {
            err["param"] = json!(p);
        }
        pi["status"] = json!("requires_payment_method");
        pi["last_payment_error"] = err;
        pi["latest_charge"] = ch["id"].clone();
        pi["payment_method"] = Value::Null;
        objects::save(&mut *tx, Kind::PaymentIntent, pi).await?;
        events::emit(&mut *tx, req, "charge.failed", &ch, None).await?;
        events::emit(&mut *tx, req, "payment_intent.payment_failed", pi, None).await?;
        let mut pi_public = pi.clone();
        public(&mut pi_public);
        let mut extra = Map::new();
        extra.insert("payment_intent".into(), pi_public);
        extra.insert("payment_method".into(), pm_public);
        return Ok(Confirmed::Declined(StripeError::Card {
            message: message.into(),
            code,
            decline_code: Some(decline_code),
            param,
            charge: ch["id"].as_str().map(String::from),
            extra,
        }));
    }
    let mut ch = charges::build(pi, &pm, &Attempt { amount, captured: !manual, failure: None });
    if !manual {
        let txn = balance::record(
            &mut *tx,
            ch["id"].as_str().unwrap_or_default(),
            "charge",
            amount,
            pi["currency"].as_str().unwrap_or("usd"),
            pi["description"].as_str(),
        )
        .await?;
        ch["balance_transaction"] = json!(txn);
    }
    objects::insert(&mut *tx, Kind::Charge, &ch).await?;
    pi["latest_charge"] = ch["id"].clone();
    pi["last_payment_error"] = Value::Null;
    if manual {
        pi["status"] = json!("requires_capture");
        pi["amount_capturable"] = json!(amount);
    } else {
        pi["status"] = json!("succeeded");
        pi["amount_received"] = json!(amount);
    }
    // Saving for future use attaches the card to the customer.
    if pi["setup_future_usage"].is_string()
        && pm["customer"].is_null()
        && let Some(c) = pi["customer"].as_str().map(String::from)
    {
        payment_methods::attach_in(&mut *tx, req, &mut pm, &c).await?;
    }
    objects::save(&mut *tx, Kind::PaymentIntent, pi).await?;
    events::emit(&mut *tx, req, "charge.succeeded", &ch, None).await?;
    let kind = if manual { "payment_intent.amount_capturable_updated" } else { "payment_intent.succeeded" };
    events::emit(&mut *tx, req, kind, pi, None).await?;
    if !manual && crate::model::disputes::disputes_on_capture(&pm) {
        crate::model::disputes::after_capture(tx, req, ch["id"].as_str().unwrap_or_default()).await?;
    }
    Ok(Confirmed::Done)
}

/// A new payment intent for `amount` `currency` with Stripe's defaults (not stored).
pub fn blank(req: &Req, amount: i64, cur: &str, explicit_types: bool) -> Value {
    let id = ids::new("pi");
    json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": { "tip": {} },
        "amount_received": 0,
        "application": null,
        "application_fee_amount": null,
        "automatic_payment_methods": if explicit_types { Value::Null } else { json!({ "allow_redirects": "always", "enabled": true }) },
        "canceled_at": null,
        "cancellation_reason": null,
        "capture_method": default_capture(req),
        "client_secret": ids::client_secret(&id),
        "confirmation_method": "automatic",
        "created": now_secs(),
        "currency": cur,
        "customer": null,
        "description": null,
        "last_payment_error": null,
        "latest_charge": null,
        "livemode": false,
        "metadata": {},
        "next_action": null,
        "on_behalf_of": null,
        "payment_method": null,
        "payment_method_configuration_details": null,
        "payment_method_options": { "card": { "installments": null, "mandate_options": null, "network": null, "request_three_d_secure": "automatic" } },
        "payment_method_types": ["card"],
        "processing": null,
        "receipt_email": null,
        "review": null,
        "setup_future_usage": null,
        "shipping": null,
        "source": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": "requires_payment_method",
        "transfer_data": null,
        "transfer_group": null,
    })
}

/// `POST /v1/payment_intents`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    let mut allowed = CREATE_PARAMS.to_vec();
    allowed.extend_from_slice(CONFIRM_PARAMS);
    p.allow(&allowed)?;
    let amount = p.int("amount")?.ok_or_else(|| StripeError::missing("amount"))?;
    let cur = currency(p, "currency")?.ok_or_else(|| StripeError::missing("currency"))?;
    if amount < 1 {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 1.", "amount"));
    }
    if let Some(min) = minimum(&cur)
        && amount < min
    {
        return Err(StripeError::coded(
            "amount_too_small",
            format!(
                "Amount must be at least {} {cur}",
                if cur == "jpy" { format!("¥{min}") } else { format!("{:.2}", min as f64 / 100.0) }
            ),
            Some("amount"),
        ));
    }
    if amount > 99_999_999 {
        return Err(StripeError::coded("amount_too_large", "Amount must be no more than $999,999.99", Some("amount")));
    }
    let confirm = p.bool("confirm")?.unwrap_or(false);
    if !confirm {
        for k in ["off_session", "return_url", "error_on_requires_action", "mandate_data", "use_stripe_sdk"] {
            if p.has(k) {
                return Err(StripeError::invalid_param(format!("You can only pass `{k}` when `confirm` is true."), k));
            }
        }
    }
    let explicit_types = p.has("payment_method_types");
    let mut pi = blank(req, amount, &cur, explicit_types);
    if let Some(c) = p.choice("confirmation_method", &["automatic", "manual"])? {
        pi["confirmation_method"] = json!(c);
    }
    if let Some(apm) = p.hash("automatic_payment_methods")? {
        let v = hash_value(apm, &[])?;
        pi["automatic_payment_methods"] = json!({ "allow_redirects": v["allow_redirects"].as_str().unwrap_or("always"), "enabled": v["enabled"].as_bool().unwrap_or(true) });
    }
    apply(&mut pi, p)?;
    let mut tx = asym_store::begin_write(db).await?;
    set_customer(&mut tx, &mut pi, p).await?;
    set_payment_method(&mut tx, &mut pi, p).await?;
    objects::insert(&mut *tx, Kind::PaymentIntent, &pi).await?;
    events::emit(&mut tx, req, "payment_intent.created", &pi, None).await?;
    let mut declined = None;
    if confirm && let Confirmed::Declined(e) = confirm_in(&mut tx, req, &mut pi, p.bool("off_session")?.unwrap_or(false)).await? {
        declined = Some(e);
    }
    tx.commit().await?;
    match declined {
        Some(e) => Err(e),
        None => Ok(pi),
    }
}

pub async fn retrieve(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["client_secret"])?;
    must_get(db, Kind::PaymentIntent, id, "intent").await
}

/// `POST /v1/payment_intents/{id}`.
pub async fn update(db: &Pool, _req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "amount",
        "currency",
        "customer",
        "description",
        "metadata",
        "payment_method",
        "payment_method_types",
        "payment_method_options",
        "receipt_email",
        "setup_future_usage",
        "shipping",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "capture_method",
        "transfer_group",
        "application_fee_amount",
        "transfer_data",
        "payment_method_data",
        "excluded_payment_method_types",
    ])?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::PaymentIntent, id).await?;
    let mut pi = must_get(&mut *tx, Kind::PaymentIntent, id, "intent").await?;
    let status = pi["status"].as_str().unwrap_or_default().to_string();
    if !CONFIRMABLE.contains(&status.as_str()) {
        return Err(unexpected(
            &pi,
            format!(
                "You cannot update this PaymentIntent because it has a status of {status}. Updates are only allowed when the PaymentIntent has one of the following statuses: requires_payment_method, requires_confirmation, requires_action."
            ),
        ));
    }
    if let Some(a) = p.int("amount")? {
        pi["amount"] = json!(a);
    }
    if let Some(c) = currency(p, "currency")? {
        pi["currency"] = json!(c);
    }
    apply(&mut pi, p)?;
    set_customer(&mut tx, &mut pi, p).await?;
    set_payment_method(&mut tx, &mut pi, p).await?;
    objects::save(&mut *tx, Kind::PaymentIntent, &pi).await?;
    tx.commit().await?;
    Ok(pi)
}

/// `POST /v1/payment_intents/{id}/confirm`.
pub async fn confirm(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    let mut allowed = CONFIRM_PARAMS.to_vec();
    allowed.push("client_secret");
    p.allow(&allowed)?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::PaymentIntent, id).await?;
    let mut pi = must_get(&mut *tx, Kind::PaymentIntent, id, "intent").await?;
    let status = pi["status"].as_str().unwrap_or_default().to_string();
    if status == "succeeded" {
        return Err(unexpected(
            &pi,
            "You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.".into(),
        ));
    }
    if !CONFIRMABLE.contains(&status.as_str()) {
        return Err(unexpected(
            &pi,
            format!(
                "You cannot confirm this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_payment_method, requires_confirmation, requires_action."
            ),
        ));
    }
    apply(&mut pi, p)?;
    set_payment_method(&mut tx, &mut pi, p).await?;
    let outcome = confirm_in(&mut tx, req, &mut pi, p.bool("off_session")?.unwrap_or(false)).await?;
    tx.commit().await?;
    match outcome {
        Confirmed::Declined(e) => Err(e),
        Confirmed::Done => Ok(pi),
    }
}

/// `POST /v1/payment_intents/{id}/capture`.
pub async fn capture(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "amount_to_capture",
        "metadata",
        "final_capture",
        "application_fee_amount",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "transfer_data",
    ])?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::PaymentIntent, id).await?;
    let mut pi = must_get(&mut *tx, Kind::PaymentIntent, id, "intent").await?;
    let status = pi["status"].as_str().unwrap_or_default().to_string();
    if status != "requires_capture" {
        return Err(unexpected(
            &pi,
            format!(
                "This PaymentIntent could not be captured because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture."
            ),
        ));
    }
    let capturable = pi["amount_capturable"].as_i64().unwrap_or(0);
    let amount = p.int("amount_to_capture")?.unwrap_or(capturable);
    if amount > capturable {
        return Err(StripeError::coded(
            "amount_too_large",
            format!("The amount to capture ({amount}) is greater than the amount capturable ({capturable})."),
            Some("amount_to_capture"),
        ));
    }
    if amount < 1 {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 1.", "amount_to_capture"));
    }
    merge_metadata(&mut pi["metadata"], p.get("metadata"))?;
    let ch_id = pi["latest_charge"].as_str().unwrap_or_default().to_string();
    let mut ch = must_get(&mut *tx, Kind::Charge, &ch_id, "charge").await?;
    let cur = pi["currency"].as_str().unwrap_or("usd").to_string();
    let txn = balance::record(&mut tx, &ch_id, "charge", amount, &cur, pi["description"].as_str()).await?;
    ch["captured"] = json!(true);
    ch["amount_captured"] = json!(amount);
    ch["amount_refunded"] = json!(ch["amount"].as_i64().unwrap_or(0) - amount);
    ch["balance_transaction"] = json!(txn);
    objects::save(&mut *tx, Kind::Charge, &ch).await?;
    pi["status"] = json!("succeeded");
    pi["amount_capturable"] = json!(0);
    pi["amount_received"] = json!(amount);
    objects::save(&mut *tx, Kind::PaymentIntent, &pi).await?;
    events::emit(&mut tx, req, "charge.captured", &ch, None).await?;
    events::emit(&mut tx, req, "payment_intent.succeeded", &pi, None).await?;
    crate::model::disputes::after_capture(&mut tx, req, &ch_id).await?;
    tx.commit().await?;
    Ok(pi)
}

/// `POST /v1/payment_intents/{id}/increment_authorization`: raises the
/// authorized amount of a `requires_capture` intent whose charge allows it
/// (`incremental_authorization.status` `available`), at most 10 times.
pub async fn increment_authorization(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "amount",
        "application_fee_amount",
        "description",
        "metadata",
        "statement_descriptor",
        "transfer_data",
        "amount_details",
        "hooks",
        "payment_details",
        "payment_method_options",
    ])?;
    for k in ["application_fee_amount", "transfer_data", "amount_details", "hooks", "payment_details", "payment_method_options"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    let amount = p.int("amount")?.ok_or_else(|| StripeError::missing("amount"))?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::PaymentIntent, id).await?;
    let mut pi = must_get(&mut *tx, Kind::PaymentIntent, id, "intent").await?;
    let status = pi["status"].as_str().unwrap_or_default().to_string();
    if status != "requires_capture" {
        return Err(unexpected(
            &pi,
            format!(
                "This PaymentIntent's amount could not be updated because it has a status of {status}. Only a PaymentIntent with one of the following statuses may have its amount incremented: requires_capture."
            ),
        ));
    }
    let ch_id = pi["latest_charge"].as_str().unwrap_or_default().to_string();
    let mut ch = must_get(&mut *tx, Kind::Charge, &ch_id, "charge").await?;
    if ch["payment_method_details"]["card"]["incremental_authorization"]["status"] != "available" {
        return Err(StripeError::coded(
            "incremental_authorization_unavailable",
            "This PaymentIntent is not eligible for incremental authorizations. To be eligible, confirm it with `capture_method=manual` and `payment_method_options[card][request_incremental_authorization]=if_available` on a card that supports them.",
            None,
        ));
    }
    let current = pi["amount"].as_i64().unwrap_or(0);
    if amount <= current {
        return Err(StripeError::invalid_param(
            format!("The amount ({amount}) must be greater than the PaymentIntent's current amount ({current})."),
            "amount",
        ));
    }
    if amount > 99_999_999 {
        return Err(StripeError::coded("amount_too_large", "Amount must be no more than $999,999.99", Some("amount")));
    }
    let attempts = pi["_increments"].as_i64().unwrap_or(0);
    if attempts >= 10 {
        return Err(StripeError::invalid("This PaymentIntent has reached the maximum of 10 incremental authorization attempts."));
    }
    pi["_increments"] = json!(attempts + 1);
    crate::model::set_text(&mut pi, p, "description")?;
    crate::model::set_text(&mut pi, p, "statement_descriptor")?;
    merge_metadata(&mut pi["metadata"], p.get("metadata"))?;
    pi["amount"] = json!(amount);
    pi["amount_capturable"] = json!(amount);
    let before = ch.clone();
    ch["amount"] = json!(amount);
    ch["payment_method_details"]["card"]["amount_authorized"] = json!(amount);
    ch["payment_method_details"]["card"]["overcapture"]["maximum_amount_capturable"] = json!(amount);
    objects::save(&mut *tx, Kind::Charge, &ch).await?;
    objects::save(&mut *tx, Kind::PaymentIntent, &pi).await?;
    events::emit(&mut tx, req, "charge.updated", &ch, Some(crate::model::previous_attributes(&before, &ch))).await?;
    events::emit(&mut tx, req, "payment_intent.amount_capturable_updated", &pi, None).await?;
    tx.commit().await?;
    Ok(pi)
}

/// `POST /v1/payment_intents/{id}/apply_customer_balance` and
/// `POST /v1/payment_intents/{id}/verify_microdeposits`: this clone takes only
/// card payments, so no intent can be in the `customer_balance` or
/// `us_bank_account` flow these act on. The intent is looked up (a missing one is
/// `resource_missing`), then the operation is refused by name.
async fn refuse_non_card(db: &Pool, id: &str, operation: &str, method: &str) -> StripeResult<Value> {
    must_get(db, Kind::PaymentIntent, id, "intent").await?;
    Err(StripeError::invalid(format!(
        "`{operation}` is not implemented by this clone: it needs a PaymentIntent paying with `{method}`, and only `card` payments are built."
    )))
}

pub async fn apply_customer_balance(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["amount", "currency"])?;
    refuse_non_card(db, id, "apply_customer_balance", "customer_balance").await
}

pub async fn verify_microdeposits(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["amounts", "descriptor_code", "client_secret"])?;
    refuse_non_card(db, id, "verify_microdeposits", "us_bank_account").await
}

/// `POST /v1/payment_intents/{id}/cancel`.
pub async fn cancel(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["cancellation_reason"])?;
    let reason = p.choice("cancellation_reason", &["duplicate", "fraudulent", "requested_by_customer", "abandoned"])?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::PaymentIntent, id).await?;
    let mut pi = must_get(&mut *tx, Kind::PaymentIntent, id, "intent").await?;
    let status = pi["status"].as_str().unwrap_or_default().to_string();
    if !OPEN.contains(&status.as_str()) {
        return Err(unexpected(
            &pi,
            format!(
                "You cannot cancel this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing."
            ),
        ));
    }
    if status == "requires_capture" {
        // The uncaptured authorization is released.
        if let Some(ch_id) = pi["latest_charge"].as_str().map(String::from)
            && let Some(mut ch) = objects::get(&mut *tx, Kind::Charge, &ch_id).await?
        {
            ch["amount_refunded"] = ch["amount"].clone();
            ch["refunded"] = json!(true);
            objects::save(&mut *tx, Kind::Charge, &ch).await?;
        }
    }
    pi["status"] = json!("canceled");
    pi["canceled_at"] = json!(now_secs());
    pi["cancellation_reason"] = reason.map(|r| json!(r)).unwrap_or(Value::Null);
    pi["amount_capturable"] = json!(0);
    pi["next_action"] = Value::Null;
    objects::save(&mut *tx, Kind::PaymentIntent, &pi).await?;
    events::emit(&mut tx, req, "payment_intent.canceled", &pi, None).await?;
    tx.commit().await?;
    Ok(pi)
}

/// `GET /v1/payment_intents`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["created", "customer"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let scan = Scan { customer: p.text("customer")?, ..Default::default() };
    list::list(db, Kind::PaymentIntent, "/v1/payment_intents", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
    })
    .await
}

pub async fn search(db: &Pool, p: &Params) -> StripeResult<Value> {
    search::search(db, Kind::PaymentIntent, "payment_intents", SEARCH_FIELDS, p).await
}
