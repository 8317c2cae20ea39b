//! Charges, as payment intents create them: built here, listed, retrieved,
//! updated, captured and searched.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::cards::Outcome;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, events, must_get, now_secs, payment_intents, previous_attributes, search, set_text};
use crate::store::objects::{self, Kind, Scan};

pub const SEARCH_FIELDS: &[&str] = &[
    "amount",
    "billing_details.address.postal_code",
    "created",
    "currency",
    "customer",
    "disputed",
    "metadata",
    "payment_method_details.card.last4",
    "payment_method_details.card.brand",
    "refunded",
    "status",
];

/// What a charge attempt came to.
pub struct Attempt<'a> {
    pub amount: i64,
    pub captured: bool,
    /// `(code, decline_code, message)` when the card was declined.
    pub failure: Option<(&'a str, &'a str, &'a str)>,
}

/// Whether an authorization can be incremented later: a manual-capture intent
/// that asked for it (`payment_method_options[card][request_incremental_authorization]=if_available`),
/// on a brand that supports it.
fn incremental(pi: &Value, card: &Value, a: &Attempt<'_>) -> bool {
    a.failure.is_none()
        && !a.captured
        && pi["capture_method"] == "manual"
        && pi["payment_method_options"]["card"]["request_incremental_authorization"] == "if_available"
        && ["visa", "mastercard", "amex", "discover", "unionpay"].contains(&card["brand"].as_str().unwrap_or_default())
}

/// A charge of `pi` on card `pm`.
pub fn build(pi: &Value, pm: &Value, a: &Attempt<'_>) -> Value {
    let id = ids::new("ch");
    let failed = a.failure.is_some();
    let card = &pm["card"];
    let outcome = match a.failure {
        None => json!({
            "advice_code": null, "network_advice_code": null, "network_decline_code": null,
            "network_status": "approved_by_network", "reason": null, "risk_level": "normal", "risk_score": 32,
            "seller_message": "Payment complete.", "type": "authorized"
        }),
        Some((_, decline, _)) => json!({
            "advice_code": if decline == "insufficient_funds" { json!("try_again_later") } else { json!("do_not_try_again") },
            "network_advice_code": null, "network_decline_code": null,
            "network_status": if decline == "fraudulent" { "not_sent_to_network" } else { "declined_by_network" },
            "reason": decline, "risk_level": if decline == "fraudulent" { "highest" } else { "normal" }, "risk_score": 40,
            "seller_message": "The bank did not return any further details with this decline.",
            "type": if decline == "fraudulent" { "blocked" } else { "issuer_declined" }
        }),
    };
    json!({
        "id": id,
        "object": "charge",
        "amount": a.amount,
        "amount_captured": if a.captured && !failed { a.amount } else { 0 },
        "amount_refunded": 0,
        "application": null,
        "application_fee": null,
        "application_fee_amount": null,
        "balance_transaction": null,
        "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": "ASYMMETRIC",
        "captured": a.captured && !failed,
        "created": now_secs(),
        "currency": pi["currency"],
        "customer": pi["customer"],
        "description": pi["description"],
        "disputed": false,
        "failure_balance_transaction": null,
        "failure_code": a.failure.map(|f| f.0),
        "failure_message": a.failure.map(|f| f.2),
        "fraud_details": {},
        "livemode": false,
        "metadata": pi["metadata"],
        "on_behalf_of": null,
        "outcome": outcome,
        "paid": !failed,
        "payment_intent": pi["id"],
        "payment_method": pm["id"],
        "payment_method_details": {
            "card": {
                "amount_authorized": if failed { Value::Null } else { json!(a.amount) },
                "authorization_code": if failed { Value::Null } else { json!("123456") },
                "brand": card["brand"],
                "checks": card["checks"],
                "country": card["country"],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
                "extended_authorization": { "status": "disabled" },
                "fingerprint": card["fingerprint"],
                "funding": card["funding"],
                "incremental_authorization": { "status": if incremental(pi, card, a) { "available" } else { "unavailable" } },
                "installments": null,
                "last4": card["last4"],
                "mandate": null,
                "multicapture": { "status": "unavailable" },
                "network": card["brand"],
                "network_token": { "used": false },
                "network_transaction_id": if failed { Value::Null } else { json!(ids::new("ntid")[5..20].to_string()) },
                "overcapture": { "maximum_amount_capturable": a.amount, "status": "unavailable" },
                "regulated_status": "unregulated",
                "three_d_secure": null,
                "wallet": null
            },
            "type": "card"
        },
        "receipt_email": pi["receipt_email"],
        "receipt_number": null,
        "receipt_url": format!("https://pay.stripe.com/receipts/payment/{id}"),
        "refunded": false,
        "review": null,
        "shipping": pi["shipping"],
        "source": null,
        "source_transfer": null,
        "statement_descriptor": pi["statement_descriptor"],
        "statement_descriptor_suffix": pi["statement_descriptor_suffix"],
        "status": if failed { "failed" } else { "succeeded" },
        "transfer_data": null,
        "transfer_group": null,
    })
}

/// The failure a test card gives when charged, if any.
pub fn failure_of(outcome: Outcome) -> Option<(&'static str, &'static str, &'static str, Option<&'static str>)> {
    match outcome {
        Outcome::Declines { code, decline_code, message, param, .. } => Some((code, decline_code, message, param)),
        _ => None,
    }
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Charge, id, "id").await
}

/// `POST /v1/charges/{id}`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["customer", "description", "fraud_details", "metadata", "receipt_email", "shipping", "transfer_group"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::Charge, id, "id").await?;
    let mut v = before.clone();
    set_text(&mut v, p, "description")?;
    set_text(&mut v, p, "receipt_email")?;
    set_text(&mut v, p, "transfer_group")?;
    if let Some(c) = p.text("customer")? {
        if before["customer"].is_string() && before["customer"] != json!(c) {
            return Err(StripeError::invalid_param("This charge already has a customer.", "customer"));
        }
        must_get(&mut *tx, Kind::Customer, &c, "customer").await?;
        v["customer"] = json!(c);
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::Charge, &v).await?;
        events::emit(&mut tx, req, "charge.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `POST /v1/charges/{id}/capture`: captures the charge's payment intent.
pub async fn capture(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "amount",
        "receipt_email",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "application_fee_amount",
        "transfer_data",
        "transfer_group",
    ])?;
    let ch = must_get(db, Kind::Charge, id, "charge").await?;
    if ch["captured"] == json!(true) {
        return Err(StripeError::coded("charge_already_captured", format!("Charge {id} has already been captured."), None));
    }
    let Some(pi) = ch["payment_intent"].as_str().map(String::from) else {
        return capture_direct(db, req, id, p.int("amount")?).await;
    };
    let mut map = serde_json::Map::new();
    if let Some(a) = p.text("amount")? {
        map.insert("amount_to_capture".into(), json!(a));
    }
    payment_intents::capture(db, req, &pi, &Params::new(map)).await?;
    must_get(db, Kind::Charge, id, "charge").await
}

/// `GET /v1/charges`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["created", "customer", "payment_intent", "transfer_group"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let group = p.text("transfer_group")?;
    let scan = Scan { customer: p.text("customer")?, reference: p.text("payment_intent")?, ..Default::default() };
    list::list(db, Kind::Charge, "/v1/charges", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && group.as_ref().is_none_or(|g| v["transfer_group"] == json!(g))
    })
    .await
}

pub async fn search(db: &Pool, p: &Params) -> StripeResult<Value> {
    search::search(db, Kind::Charge, "charges", SEARCH_FIELDS, p).await
}

/// `POST /v1/charges`: the legacy Charges API, with `source` a test token
/// (`tok_visa`, `tok_chargeDeclined`) or a card payment method.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "amount",
        "currency",
        "source",
        "customer",
        "description",
        "metadata",
        "capture",
        "receipt_email",
        "shipping",
        "statement_descriptor",
        "statement_descriptor_suffix",
        "transfer_group",
        "application_fee_amount",
        "on_behalf_of",
        "transfer_data",
    ])?;
    let amount = p.int("amount")?.ok_or_else(|| StripeError::missing("amount"))?;
    let currency = crate::model::currency(p, "currency")?.ok_or_else(|| StripeError::missing("currency"))?;
    if amount < 50 {
        return Err(StripeError::coded("amount_too_small", "Amount must be at least 50 cents", Some("amount")));
    }
    let captured = p.bool("capture")?.unwrap_or(true);
    let mut tx = asym_store::begin_write(db).await?;
    let customer = match p.text("customer")? {
        Some(c) => Some(must_get(&mut *tx, Kind::Customer, &c, "customer").await?),
        None => None,
    };
    let pm = match (p.text("source")?, &customer) {
        (Some(src), _) => crate::model::payment_methods::resolve(&mut tx, &src, "source").await?,
        (None, Some(c)) => {
            // The customer's default card source, as Stripe charges it (else its
            // default payment method).
            let default = c["default_source"].as_str().or(c["invoice_settings"]["default_payment_method"].as_str()).map(String::from);
            let id =
                default.ok_or_else(|| StripeError::coded("missing", "Cannot charge a customer that has no active card", Some("card")))?;
            must_get(&mut *tx, Kind::PaymentMethod, &id, "source").await?
        }
        (None, None) => return Err(StripeError::missing("source")),
    };
    let mut metadata = json!({});
    merge_metadata(&mut metadata, p.get("metadata"))?;
    let context = json!({
        "id": null,
        "currency": currency,
        "customer": customer.as_ref().map(|c| c["id"].clone()),
        "description": p.text("description")?,
        "metadata": metadata,
        "receipt_email": p.text("receipt_email")?,
        "shipping": null,
        "statement_descriptor": p.text("statement_descriptor")?,
        "statement_descriptor_suffix": p.text("statement_descriptor_suffix")?,
    });
    let outcome = crate::model::payment_methods::outcome_of(&pm);
    let failure = failure_of(outcome).or(match outcome {
        Outcome::Authenticates { .. } => Some((
            "authentication_required",
            "authentication_required",
            "Your card was declined. This transaction requires authentication.",
            None,
        )),
        _ => None,
    });
    let mut ch = build(&context, &pm, &Attempt { amount, captured, failure: failure.map(|(c, d, m, _)| (c, d, m)) });
    ch["payment_intent"] = Value::Null;
    if failure.is_none() && captured {
        let txn = crate::model::balance::record(
            &mut tx,
            ch["id"].as_str().unwrap_or_default(),
            "charge",
            amount,
            &currency,
            ch["description"].as_str(),
        )
        .await?;
        ch["balance_transaction"] = json!(txn);
    }
    objects::insert(&mut *tx, Kind::Charge, &ch).await?;
    let kind = if failure.is_some() { "charge.failed" } else { "charge.succeeded" };
    events::emit(&mut tx, req, kind, &ch, None).await?;
    if failure.is_none() && captured {
        crate::model::disputes::after_capture(&mut tx, req, ch["id"].as_str().unwrap_or_default()).await?;
    }
    tx.commit().await?;
    match failure {
        Some((code, decline_code, message, param)) => Err(StripeError::Card {
            message: message.into(),
            code,
            decline_code: Some(decline_code),
            param,
            charge: ch["id"].as_str().map(String::from),
            extra: serde_json::Map::new(),
        }),
        None => Ok(ch),
    }
}

/// Captures a charge made without a payment intent.
async fn capture_direct(db: &Pool, req: &Req, id: &str, amount: Option<i64>) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::Charge, id).await?;
    let mut ch = must_get(&mut *tx, Kind::Charge, id, "charge").await?;
    let total = ch["amount"].as_i64().unwrap_or(0);
    let amount = amount.unwrap_or(total);
    if amount > total {
        return Err(StripeError::coded(
            "amount_too_large",
            format!("The amount to capture ({amount}) is greater than the charge amount ({total})."),
            Some("amount"),
        ));
    }
    let cur = ch["currency"].as_str().unwrap_or("usd").to_string();
    let txn = crate::model::balance::record(&mut tx, id, "charge", amount, &cur, ch["description"].as_str()).await?;
    ch["captured"] = json!(true);
    ch["amount_captured"] = json!(amount);
    ch["amount_refunded"] = json!(total - amount);
    ch["balance_transaction"] = json!(txn);
    objects::save(&mut *tx, Kind::Charge, &ch).await?;
    events::emit(&mut tx, req, "charge.captured", &ch, None).await?;
    crate::model::disputes::after_capture(&mut tx, req, id).await?;
    tx.commit().await?;
    Ok(ch)
}

/// `GET /v1/charges/{charge}/refunds/{refund}`.
pub async fn refund_of(db: &Pool, charge: &str, refund: &str) -> StripeResult<Value> {
    must_get(db, Kind::Charge, charge, "charge").await?;
    let r = must_get(db, Kind::Refund, refund, "refund").await?;
    if r["charge"] != json!(charge) {
        return Err(StripeError::no_such("refund", refund, "refund"));
    }
    Ok(r)
}
