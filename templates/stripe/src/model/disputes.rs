//! Disputes (`dp_…`), opened by Stripe's dispute test cards once their charge
//! succeeds: `4000000000000259` (`pm_card_createDispute`, fraudulent),
//! `4000000000002685` (product not received) and `4000000000001976` (an
//! inquiry). Opening one marks the charge `disputed`, withdraws the amount plus
//! the $15.00 dispute fee (a balance transaction) and emits
//! `charge.dispute.created` and `charge.dispute.funds_withdrawn`.
//!
//! ```text
//! needs_response ─submit→ under_review ─(winning_evidence)→ won
//!       │                      └──────(losing_evidence)→ lost
//!       └─close→ lost
//! warning_needs_response ─submit→ warning_under_review / warning_closed; ─close→ warning_closed
//! ```
//!
//! Evidence is submitted unless `submit=false` stages it. In test mode the
//! submitted `uncategorized_text` decides at once: `winning_evidence` wins
//! (amount and fee reinstated, `charge.dispute.funds_reinstated`),
//! `losing_evidence` loses; anything else leaves the dispute under review.

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, events, must_get, now_secs, payment_methods, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

/// Stripe's dispute fee in the US: $15.00.
pub const DISPUTE_FEE: i64 = 1500;
/// How long the merchant has to respond.
const RESPONSE_WINDOW: i64 = 7 * 86_400;

const TEXT_EVIDENCE: &[&str] = &[
    "access_activity_log",
    "billing_address",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_tracking_number",
    "uncategorized_text",
];

/// Evidence fields that name uploaded files (the Files API is not built).
const FILE_EVIDENCE: &[&str] = &[
    "cancellation_policy",
    "customer_communication",
    "customer_signature",
    "duplicate_charge_documentation",
    "receipt",
    "refund_policy",
    "service_documentation",
    "shipping_documentation",
    "uncategorized_file",
];

/// `(reason, status, case_type, network_reason_code)` a dispute test card opens.
/// Whether capturing a charge on this card opens a dispute (Stripe's dispute
/// test cards): lets a capture skip reading the charge back for every other card.
pub fn disputes_on_capture(pm: &Value) -> bool {
    scenario(&payment_methods::number_of(pm)).is_some()
}

fn scenario(number: &str) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    match number {
        "4000000000000259" => Some(("fraudulent", "needs_response", "chargeback", "10.4")),
        "4000000000002685" => Some(("product_not_received", "needs_response", "chargeback", "13.1")),
        "4000000000001976" => Some(("fraudulent", "warning_needs_response", "inquiry", "10.4")),
        _ => None,
    }
}

fn empty_evidence() -> Value {
    let mut m = Map::new();
    for k in TEXT_EVIDENCE.iter().chain(FILE_EVIDENCE) {
        m.insert((*k).to_string(), Value::Null);
    }
    m.insert("enhanced_evidence".into(), json!({}));
    Value::Object(m)
}

/// A balance transaction of a dispute: `amount` moved and `fee` charged (a negative fee is a refunded fee).
async fn dispute_txn(tx: &mut AnyConnection, dispute: &str, amount: i64, fee: i64, currency: &str, category: &str) -> sqlx::Result<Value> {
    let now = now_secs();
    let v = json!({
        "id": ids::new("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": now,
        "balance_type": "payments",
        "created": now,
        "currency": currency,
        "description": if amount < 0 { "Chargeback withdrawal" } else { "Chargeback reversal" },
        "exchange_rate": null,
        "fee": fee,
        "fee_details": [{ "amount": fee, "application": null, "currency": currency, "description": "Dispute fee", "type": "stripe_fee" }],
        "net": amount - fee,
        "reporting_category": category,
        "source": dispute,
        "status": "available",
        "type": "adjustment",
    });
    objects::insert(&mut *tx, Kind::BalanceTransaction, &v).await?;
    Ok(v)
}

/// Called once a charge's funds are captured: a dispute test card opens its dispute.
pub async fn after_capture(tx: &mut AnyConnection, req: &Req, charge_id: &str) -> StripeResult<()> {
    let Some(mut ch) = objects::get(&mut *tx, Kind::Charge, charge_id).await? else { return Ok(()) };
    let Some(pm_id) = ch["payment_method"].as_str() else { return Ok(()) };
    let Some(pm) = objects::get(&mut *tx, Kind::PaymentMethod, pm_id).await? else { return Ok(()) };
    let Some((reason, status, case_type, code)) = scenario(&payment_methods::number_of(&pm)) else { return Ok(()) };
    let now = now_secs();
    let id = ids::new("dp");
    let amount = ch["amount_captured"].as_i64().unwrap_or(0);
    let currency = ch["currency"].as_str().unwrap_or("usd").to_string();
    let inquiry = case_type == "inquiry";
    // An inquiry withdraws nothing until it becomes a chargeback.
    let txns = if inquiry { vec![] } else { vec![dispute_txn(tx, &id, -amount, DISPUTE_FEE, &currency, "dispute").await?] };
    let dispute = json!({
        "id": id,
        "object": "dispute",
        "amount": amount,
        "balance_transactions": txns,
        "charge": charge_id,
        "created": now,
        "currency": currency,
        "enhanced_eligibility_types": [],
        "evidence": empty_evidence(),
        "evidence_details": {
            "due_by": now + RESPONSE_WINDOW,
            "enhanced_eligibility": {},
            "has_evidence": false,
            "past_due": false,
            "submission_count": 0,
        },
        "is_charge_refundable": inquiry,
        "livemode": false,
        "metadata": {},
        "payment_intent": ch["payment_intent"],
        "payment_method_details": {
            "card": { "brand": ch["payment_method_details"]["card"]["brand"], "case_type": case_type, "network_reason_code": code },
            "type": "card",
        },
        "reason": reason,
        "status": status,
    });
    objects::insert(&mut *tx, Kind::Dispute, &dispute).await?;
    ch["disputed"] = json!(true);
    objects::save(&mut *tx, Kind::Charge, &ch).await?;
    events::emit(tx, req, "charge.dispute.created", &dispute, None).await?;
    if !inquiry {
        events::emit(tx, req, "charge.dispute.funds_withdrawn", &dispute, None).await?;
    }
    Ok(())
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Dispute, id, "dispute").await
}

fn closed(status: &str) -> bool {
    ["won", "lost", "warning_closed", "prevented"].contains(&status)
}

/// `POST /v1/disputes/{id}`: `evidence`, `metadata`, `submit` (default true).
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["evidence", "metadata", "submit", "intended_submission_method"])?;
    if p.has("intended_submission_method") {
        return Err(StripeError::not_built("intended_submission_method"));
    }
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::Dispute, id).await?;
    let before = must_get(&mut *tx, Kind::Dispute, id, "dispute").await?;
    let mut d = before.clone();
    let status = before["status"].as_str().unwrap_or_default().to_string();
    let evidence = p.hash("evidence")?;
    if let Some(ev) = evidence {
        for (k, v) in ev {
            if FILE_EVIDENCE.contains(&k.as_str()) || k == "enhanced_evidence" {
                return Err(StripeError::invalid_param(
                    format!("The `evidence[{k}]` parameter is not implemented by this clone yet (it needs the Files API)."),
                    format!("evidence[{k}]"),
                ));
            }
            if !TEXT_EVIDENCE.contains(&k.as_str()) {
                return Err(StripeError::unknown(&format!("evidence[{k}]")));
            }
            let Some(text) = v.as_str() else {
                return Err(StripeError::invalid_param(
                    format!("Invalid string: evidence[{k}] must be a string"),
                    format!("evidence[{k}]"),
                ));
            };
            if text.len() > 20_000 {
                return Err(StripeError::invalid_param("Evidence text can be up to 20,000 characters.", format!("evidence[{k}]")));
            }
            d["evidence"][k] = if text.is_empty() { Value::Null } else { json!(text) };
        }
    }
    let submit = p.bool("submit")?.unwrap_or(true);
    let touches_evidence = evidence.is_some() || p.has("submit");
    if touches_evidence && (closed(&status) || status == "under_review" || status == "warning_under_review") {
        return Err(StripeError::invalid(format!(
            "This dispute is already {}, so its evidence can no longer be changed or submitted.",
            if closed(&status) { "closed" } else { "under review" }
        )));
    }
    merge_metadata(&mut d["metadata"], p.get("metadata"))?;
    let has_evidence = d["evidence"].as_object().is_some_and(|m| m.iter().any(|(k, v)| k != "enhanced_evidence" && !v.is_null()));
    d["evidence_details"]["has_evidence"] = json!(has_evidence);
    if touches_evidence && submit {
        let count = d["evidence_details"]["submission_count"].as_i64().unwrap_or(0);
        d["evidence_details"]["submission_count"] = json!(count + 1);
        let inquiry = status.starts_with("warning_");
        let text = d["evidence"]["uncategorized_text"].as_str().unwrap_or_default().to_string();
        let verdict = match text.as_str() {
            "winning_evidence" => Some(true),
            "losing_evidence" => Some(false),
            _ => None,
        };
        d["status"] = json!(match (inquiry, verdict) {
            (true, Some(_)) => "warning_closed",
            (true, None) => "warning_under_review",
            (false, Some(true)) => "won",
            (false, Some(false)) => "lost",
            (false, None) => "under_review",
        });
    }
    if d == before {
        tx.commit().await?;
        return Ok(d);
    }
    let now_closed = closed(d["status"].as_str().unwrap_or_default());
    if d["status"] == "won" {
        let amount = d["amount"].as_i64().unwrap_or(0);
        let cur = d["currency"].as_str().unwrap_or("usd").to_string();
        let t = dispute_txn(&mut tx, id, amount, -DISPUTE_FEE, &cur, "dispute_reversal").await?;
        if let Some(list) = d["balance_transactions"].as_array_mut() {
            list.push(t);
        }
    }
    objects::save(&mut *tx, Kind::Dispute, &d).await?;
    if now_closed {
        // A verdict closes the dispute at once: Stripe announces the update, then the close.
        events::emit(&mut tx, req, "charge.dispute.updated", &d, Some(previous_attributes(&before, &d))).await?;
        if d["status"] == "won" {
            events::emit(&mut tx, req, "charge.dispute.funds_reinstated", &d, None).await?;
        }
        events::emit(&mut tx, req, "charge.dispute.closed", &d, None).await?;
    } else {
        events::emit(&mut tx, req, "charge.dispute.updated", &d, Some(previous_attributes(&before, &d))).await?;
    }
    tx.commit().await?;
    Ok(d)
}

/// `POST /v1/disputes/{id}/close`: accepting the dispute loses it.
pub async fn close(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::Dispute, id).await?;
    let mut d = must_get(&mut *tx, Kind::Dispute, id, "dispute").await?;
    let status = d["status"].as_str().unwrap_or_default().to_string();
    if closed(&status) {
        return Err(StripeError::invalid(format!("This dispute is already closed (status: {status}).")));
    }
    if status == "under_review" || status == "warning_under_review" {
        return Err(StripeError::invalid("This dispute's evidence has already been submitted; it can no longer be closed."));
    }
    d["status"] = json!(if status.starts_with("warning_") { "warning_closed" } else { "lost" });
    objects::save(&mut *tx, Kind::Dispute, &d).await?;
    events::emit(&mut tx, req, "charge.dispute.closed", &d, None).await?;
    tx.commit().await?;
    Ok(d)
}

/// `GET /v1/disputes`: `charge`, `payment_intent`, `created`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["charge", "payment_intent", "created"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let pi = p.text("payment_intent")?;
    let scan = Scan { reference: p.text("charge")?, ..Default::default() };
    list::list(db, Kind::Dispute, "/v1/disputes", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && pi.as_ref().is_none_or(|x| v["payment_intent"] == json!(x))
    })
    .await
}
