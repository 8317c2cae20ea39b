//! Refunds, full or partial, of a charge or a payment intent's charge. Test-mode
//! card refunds succeed at once; each writes a negative balance transaction and
//! emits `refund.created` and `charge.refunded`.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, balance, events, must_get, now_secs, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

/// `POST /v1/refunds`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "charge",
        "payment_intent",
        "amount",
        "reason",
        "metadata",
        "refund_application_fee",
        "reverse_transfer",
        "instructions_email",
        "origin",
        "currency",
        "customer",
    ])?;
    let reason = p.choice("reason", &["duplicate", "fraudulent", "requested_by_customer"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let ch_id = match (p.text("charge")?, p.text("payment_intent")?) {
        (Some(c), None) => c,
        (None, Some(pi_id)) => {
            let pi = must_get(&mut *tx, Kind::PaymentIntent, &pi_id, "payment_intent").await?;
            if pi["status"] != "succeeded" {
                return Err(StripeError::invalid_param(
                    format!("This PaymentIntent ({pi_id}) does not have a successful charge to refund."),
                    "payment_intent",
                ));
            }
            pi["latest_charge"].as_str().unwrap_or_default().to_string()
        }
        (Some(_), Some(_)) => return Err(StripeError::invalid("You may only specify one of these parameters: charge, payment_intent.")),
        (None, None) => {
            return Err(StripeError::invalid("One of the following params should be provided for this request: payment_intent or charge."));
        }
    };
    let mut metadata = json!({});
    merge_metadata(&mut metadata, p.get("metadata"))?;
    let refund = refund_charge(&mut tx, req, &ch_id, p.int("amount")?, reason, metadata).await?;
    tx.commit().await?;
    Ok(refund)
}

/// Refunds `amount` (the rest when `None`) of charge `ch_id` inside `tx`: the
/// refund, its balance transaction, `refund.created` and `charge.refunded`.
pub async fn refund_charge(
    tx: &mut sqlx::AnyConnection,
    req: &Req,
    ch_id: &str,
    amount: Option<i64>,
    reason: Option<String>,
    metadata: Value,
) -> StripeResult<Value> {
    objects::lock(&mut *tx, Kind::Charge, ch_id).await?;
    let mut ch = must_get(&mut *tx, Kind::Charge, ch_id, "charge").await?;
    if ch["status"] != "succeeded" || ch["captured"] != json!(true) {
        return Err(StripeError::invalid_param(
            format!("Charge {ch_id} has not been captured or did not succeed, so it cannot be refunded."),
            "charge",
        ));
    }
    if ch["disputed"] == json!(true) {
        let disputes =
            objects::scan(&mut *tx, Kind::Dispute, &Scan { reference: Some(ch_id.into()), limit: 100, ..Default::default() }).await?;
        if disputes.iter().any(|(_, d)| d["is_charge_refundable"] == json!(false)) {
            return Err(StripeError::coded(
                "charge_disputed",
                format!("Charge {ch_id} has been charged back; cannot issue a refund."),
                None,
            ));
        }
    }
    let captured = ch["amount_captured"].as_i64().unwrap_or(0);
    let refunded = ch["amount_refunded"].as_i64().unwrap_or(0);
    let uncaptured_release = ch["amount"].as_i64().unwrap_or(0) - captured;
    let remaining = captured - (refunded - uncaptured_release).max(0);
    if remaining <= 0 {
        return Err(StripeError::coded("charge_already_refunded", format!("Charge {ch_id} has already been refunded."), None));
    }
    let amount = amount.unwrap_or(remaining);
    if amount < 1 {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 1.", "amount"));
    }
    if amount > remaining {
        return Err(StripeError::coded(
            "amount_too_large",
            format!(
                "Refund amount (${:.2}) is greater than unrefunded amount on charge (${:.2})",
                amount as f64 / 100.0,
                remaining as f64 / 100.0
            ),
            Some("amount"),
        ));
    }
    let id = ids::new("re");
    let cur = ch["currency"].as_str().unwrap_or("usd").to_string();
    let txn = balance::record(&mut *tx, &id, "refund", -amount, &cur, None).await?;
    let refund = json!({
        "id": id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": txn,
        "charge": ch_id,
        "created": now_secs(),
        "currency": cur,
        "destination_details": { "card": { "reference": null, "reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund" }, "type": "card" },
        "metadata": metadata,
        "payment_intent": ch["payment_intent"],
        "reason": reason,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": "succeeded",
        "transfer_reversal": null,
    });
    objects::insert(&mut *tx, Kind::Refund, &refund).await?;
    let before = ch.clone();
    ch["amount_refunded"] = json!(refunded + amount);
    ch["refunded"] = json!(amount == remaining);
    objects::save(&mut *tx, Kind::Charge, &ch).await?;
    events::emit(&mut *tx, req, "refund.created", &refund, None).await?;
    events::emit(&mut *tx, req, "charge.refunded", &ch, Some(previous_attributes(&before, &ch))).await?;
    Ok(refund)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Refund, id, "id").await
}

/// `POST /v1/refunds/{id}` (metadata only).
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["metadata"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::Refund, id, "id").await?;
    let mut v = before.clone();
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::Refund, &v).await?;
        events::emit(&mut tx, req, "refund.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `POST /v1/refunds/{id}/cancel`: card refunds succeed at once, so never cancelable.
pub async fn cancel(db: &Pool, id: &str) -> StripeResult<Value> {
    let r = must_get(db, Kind::Refund, id, "refund").await?;
    Err(StripeError::invalid(format!(
        "Refund {id} cannot be canceled because it has a status of {}. Only a refund with a status of `requires_action` can be canceled.",
        r["status"].as_str().unwrap_or("succeeded")
    )))
}

/// `GET /v1/refunds` and `GET /v1/charges/{id}/refunds`.
pub async fn list(db: &Pool, p: &Params, charge_path: Option<&str>) -> StripeResult<Value> {
    let mut allowed = vec!["charge", "payment_intent", "created"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let charge = match charge_path {
        Some(c) => {
            must_get(db, Kind::Charge, c, "charge").await?;
            Some(c.to_string())
        }
        None => p.text("charge")?,
    };
    let pi = p.text("payment_intent")?;
    let url = charge_path.map(|c| format!("/v1/charges/{c}/refunds")).unwrap_or_else(|| "/v1/refunds".into());
    let scan = Scan { reference: charge, ..Default::default() };
    list::list(db, Kind::Refund, &url, &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && pi.as_ref().is_none_or(|x| v["payment_intent"] == json!(x))
    })
    .await
}
