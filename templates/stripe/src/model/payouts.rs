//! Payouts (`po_…`) from the available balance to the account's bank account,
//! and `GET /v1/account` (the seeded account, with that bank account).
//!
//! A manual payout takes its amount out of the balance at once (a `payout`
//! balance transaction) and is `pending`; Stripe's test mode then pays it
//! shortly after. Here it becomes `paid` (`payout.paid`) once
//! `ASYM_STRIPE_PAYOUT_SETTLE_MS` (default 2000) has passed, when the payouts
//! API next reads it. Canceling a pending payout returns the funds (a
//! `payout_cancel` balance transaction) and emits `payout.canceled`.

use std::sync::LazyLock;

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, balance, events, must_get, now_millis, now_secs, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

/// How long a test-mode payout stays `pending` before it is paid.
static SETTLE_MS: LazyLock<i64> =
    LazyLock::new(|| std::env::var("ASYM_STRIPE_PAYOUT_SETTLE_MS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(2000));

/// The seeded account as `GET /v1/account` renders it.
pub fn account_object(id: &str, created: i64) -> Value {
    let bank = ids::derived("ba", id);
    json!({
        "id": id,
        "object": "account",
        "business_profile": {
            "annual_revenue": null, "estimated_worker_count": null, "mcc": "5734", "minority_owned_business_designation": null,
            "name": "asymmetric", "product_description": null,
            "support_address": { "city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null },
            "support_email": null, "support_phone": null, "support_url": null, "url": null,
        },
        "business_type": "company",
        "capabilities": { "card_payments": "active", "transfers": "active" },
        "charges_enabled": true,
        "controller": { "type": "account" },
        "country": "US",
        "created": created,
        "default_currency": "usd",
        "details_submitted": true,
        "email": "owner@asymmetric.test",
        "external_accounts": {
            "object": "list",
            "data": [{
                "id": bank,
                "object": "bank_account",
                "account": id,
                "account_holder_name": null,
                "account_holder_type": null,
                "account_type": null,
                "available_payout_methods": ["standard"],
                "bank_name": "STRIPE TEST BANK",
                "country": "US",
                "currency": "usd",
                "default_for_currency": true,
                "fingerprint": ids::derived("fp", id)[3..].to_string(),
                "future_requirements": { "currently_due": [], "errors": [], "past_due": [], "pending_verification": [] },
                "last4": "6789",
                "metadata": {},
                "requirements": { "currently_due": [], "errors": [], "past_due": [], "pending_verification": [] },
                "routing_number": "110000000",
                "status": "new",
            }],
            "has_more": false,
            "total_count": 1,
            "url": format!("/v1/accounts/{id}/external_accounts"),
        },
        "future_requirements": { "alternatives": [], "current_deadline": null, "currently_due": [], "disabled_reason": null, "errors": [], "eventually_due": [], "past_due": [], "pending_verification": [] },
        "livemode": false,
        "metadata": {},
        "payouts_enabled": true,
        "requirements": { "alternatives": [], "current_deadline": null, "currently_due": [], "disabled_reason": null, "errors": [], "eventually_due": [], "past_due": [], "pending_verification": [] },
        "settings": {
            "bacs_debit_payments": { "display_name": null, "service_user_number": null },
            "branding": { "icon": null, "logo": null, "primary_color": null, "secondary_color": null },
            "card_issuing": { "tos_acceptance": { "date": null, "ip": null } },
            "card_payments": { "decline_on": { "avs_failure": false, "cvc_failure": false }, "statement_descriptor_prefix": "ASYM", "statement_descriptor_prefix_kana": null, "statement_descriptor_prefix_kanji": null },
            "dashboard": { "display_name": "asymmetric", "timezone": "Etc/UTC" },
            "invoices": { "default_account_tax_ids": null, "hosted_payment_method_save": "offer" },
            "payments": { "statement_descriptor": "ASYMMETRIC", "statement_descriptor_kana": null, "statement_descriptor_kanji": null, "statement_descriptor_prefix_kana": null, "statement_descriptor_prefix_kanji": null },
            "payouts": { "debit_negative_balances": true, "schedule": { "delay_days": 2, "interval": "manual" }, "statement_descriptor": null },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": { "date": created, "ip": "127.0.0.1", "user_agent": null },
        "type": "standard",
    })
}

async fn account_in(db: impl sqlx::any::AnyExecutor<'_>) -> StripeResult<Value> {
    let rows = objects::scan(db, Kind::Account, &Scan { limit: 1, ..Default::default() }).await?;
    rows.into_iter().next().map(|(_, v)| v).ok_or_else(|| StripeError::Api("the seeded account is missing".into()))
}

/// `GET /v1/account`.
pub async fn account(db: &Pool) -> StripeResult<Value> {
    account_in(db).await
}

/// The available balance of `currency` inside `tx`.
async fn available(tx: &mut AnyConnection, currency: &str) -> StripeResult<i64> {
    let rows = objects::scan(&mut *tx, Kind::BalanceTransaction, &Scan { limit: i64::MAX / 2, ..Default::default() }).await?;
    Ok(rows.iter().filter(|(_, t)| t["currency"] == json!(currency)).map(|(_, t)| t["net"].as_i64().unwrap_or(0)).sum())
}

/// Pays every pending payout whose settle time has passed (`payout.paid`).
async fn settle(tx: &mut AnyConnection, req: &Req) -> StripeResult<()> {
    let rows = objects::scan(&mut *tx, Kind::Payout, &Scan { limit: 10_000, ..Default::default() }).await?;
    let now = now_millis();
    for (_, mut po) in rows.into_iter().rev() {
        if po["status"] != "pending" || po["_settles_at_ms"].as_i64().is_none_or(|t| t > now) {
            continue;
        }
        let before = po.clone();
        po["status"] = json!("paid");
        po["trace_id"] = json!({ "status": "supported", "value": format!("ASYM{}", &po["id"].as_str().unwrap_or_default()[3..15]) });
        objects::save(&mut *tx, Kind::Payout, &po).await?;
        events::emit(tx, req, "payout.updated", &po, Some(previous_attributes(&before, &po))).await?;
        events::emit(tx, req, "payout.paid", &po, None).await?;
    }
    Ok(())
}

/// `POST /v1/payouts`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "amount",
        "currency",
        "description",
        "destination",
        "metadata",
        "method",
        "source_type",
        "statement_descriptor",
        "payout_method",
    ])?;
    let amount = p.int("amount")?.ok_or_else(|| StripeError::missing("amount"))?;
    let currency = crate::model::currency(p, "currency")?.ok_or_else(|| StripeError::missing("currency"))?;
    if amount < 1 {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 1.", "amount"));
    }
    if p.has("payout_method") {
        return Err(StripeError::not_built("payout_method"));
    }
    let method = p.choice("method", &["standard", "instant"])?.unwrap_or_else(|| "standard".into());
    let source_type = p.choice("source_type", &["bank_account", "card", "fpx"])?.unwrap_or_else(|| "card".into());
    let mut tx = asym_store::begin_write(db).await?;
    settle(&mut tx, req).await?;
    let acct = account_in(&mut *tx).await?;
    let bank = acct["external_accounts"]["data"][0].clone();
    let destination = match p.text("destination")? {
        Some(d) if d == bank["id"].as_str().unwrap_or_default() => d,
        Some(d) => return Err(StripeError::no_such("external account", &d, "destination")),
        None => bank["id"].as_str().unwrap_or_default().to_string(),
    };
    if method == "instant" {
        return Err(StripeError::invalid_param(
            format!("The bank account {destination} does not support instant payouts; use a debit card as the destination."),
            "method",
        ));
    }
    if currency != bank["currency"].as_str().unwrap_or("usd") {
        return Err(StripeError::invalid_param(
            format!("The currency {currency} is not supported by your external account {destination}, which accepts usd."),
            "currency",
        ));
    }
    // All of this clone's funds come from card payments.
    let funds = if source_type == "card" { available(&mut tx, &currency).await? } else { 0 };
    if amount > funds {
        return Err(StripeError::coded(
            "balance_insufficient",
            format!(
                "You have insufficient funds in your Stripe account for this transfer. Your {} balance is too low. You can use the /v1/balance endpoint to view your Stripe balance (for more details, see stripe.com/docs/api#balance).",
                source_type.replace('_', " ")
            ),
            None,
        ));
    }
    let id = ids::new("po");
    let now = now_secs();
    let txn = balance::record(&mut tx, &id, "payout", -amount, &currency, Some("STRIPE PAYOUT")).await?;
    let mut po = json!({
        "id": id,
        "object": "payout",
        "amount": amount,
        "application_fee": null,
        "application_fee_amount": null,
        "arrival_date": (now / 86_400 + 1) * 86_400,
        "automatic": false,
        "balance_transaction": txn,
        "created": now,
        "currency": currency,
        "description": p.text("description")?,
        "destination": destination,
        "failure_balance_transaction": null,
        "failure_code": null,
        "failure_message": null,
        "livemode": false,
        "metadata": {},
        "method": method,
        "original_payout": null,
        "payout_method": null,
        "reconciliation_status": "not_applicable",
        "reversed_by": null,
        "source_type": source_type,
        "statement_descriptor": p.text("statement_descriptor")?,
        "status": "pending",
        "trace_id": { "status": "pending", "value": null },
        "type": "bank_account",
        "_settles_at_ms": now_millis() + *SETTLE_MS,
    });
    merge_metadata(&mut po["metadata"], p.get("metadata"))?;
    objects::insert(&mut *tx, Kind::Payout, &po).await?;
    events::emit(&mut tx, req, "payout.created", &po, None).await?;
    tx.commit().await?;
    Ok(po)
}

/// A payout after settling what is due.
async fn current(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    settle(&mut tx, req).await?;
    let po = must_get(&mut *tx, Kind::Payout, id, "payout").await?;
    tx.commit().await?;
    Ok(po)
}

pub async fn retrieve(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    current(db, req, id).await
}

/// `POST /v1/payouts/{id}` (metadata).
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["metadata"])?;
    let mut tx = asym_store::begin_write(db).await?;
    settle(&mut tx, req).await?;
    let before = must_get(&mut *tx, Kind::Payout, id, "payout").await?;
    let mut po = before.clone();
    merge_metadata(&mut po["metadata"], p.get("metadata"))?;
    if po != before {
        objects::save(&mut *tx, Kind::Payout, &po).await?;
        events::emit(&mut tx, req, "payout.updated", &po, Some(previous_attributes(&before, &po))).await?;
    }
    tx.commit().await?;
    Ok(po)
}

/// `POST /v1/payouts/{id}/cancel` (pending payouts only).
pub async fn cancel(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    settle(&mut tx, req).await?;
    objects::lock(&mut *tx, Kind::Payout, id).await?;
    let before = must_get(&mut *tx, Kind::Payout, id, "payout").await?;
    if before["status"] != "pending" {
        return Err(StripeError::invalid(format!(
            "Payout {id} cannot be canceled because it has a status of {}. Only a pending payout can be canceled.",
            before["status"].as_str().unwrap_or_default()
        )));
    }
    let mut po = before.clone();
    let amount = po["amount"].as_i64().unwrap_or(0);
    let cur = po["currency"].as_str().unwrap_or("usd").to_string();
    let txn = balance::record(&mut tx, id, "payout_cancel", amount, &cur, Some("STRIPE PAYOUT")).await?;
    if let Some(mut t) = objects::get(&mut *tx, Kind::BalanceTransaction, &txn).await? {
        t["reporting_category"] = json!("payout_reversal");
        objects::save(&mut *tx, Kind::BalanceTransaction, &t).await?;
    }
    po["status"] = json!("canceled");
    po["failure_balance_transaction"] = json!(txn);
    objects::save(&mut *tx, Kind::Payout, &po).await?;
    events::emit(&mut tx, req, "payout.updated", &po, Some(previous_attributes(&before, &po))).await?;
    events::emit(&mut tx, req, "payout.canceled", &po, None).await?;
    tx.commit().await?;
    Ok(po)
}

/// `POST /v1/payouts/{id}/reverse`: a paid payout is debited back from the bank
/// account. The reversal is a new payout (`original_payout` names the first,
/// whose `reversed_by` names it) that returns the amount to the balance
/// (`payout_reversal`); it settles as other payouts do. Events:
/// `payout.created` for the reversal, `payout.updated` and `payout.reversed`
/// for the original.
pub async fn reverse(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["metadata"])?;
    let mut tx = asym_store::begin_write(db).await?;
    settle(&mut tx, req).await?;
    objects::lock(&mut *tx, Kind::Payout, id).await?;
    let before = must_get(&mut *tx, Kind::Payout, id, "payout").await?;
    let status = before["status"].as_str().unwrap_or_default().to_string();
    if status == "pending" {
        return Err(StripeError::invalid(format!(
            "Payout {id} is still pending and cannot be reversed. Use /v1/payouts/{id}/cancel to cancel a pending payout instead."
        )));
    }
    if status != "paid" {
        return Err(StripeError::invalid(format!(
            "Payout {id} cannot be reversed because it has a status of {status}. Only a paid payout can be reversed."
        )));
    }
    if before["reversed_by"].is_string() || before["original_payout"].is_string() {
        let why = if before["reversed_by"].is_string() { "has already been reversed" } else { "is itself a reversal" };
        return Err(StripeError::invalid(format!("Payout {id} {why} and cannot be reversed.")));
    }
    let amount = before["amount"].as_i64().unwrap_or(0);
    let cur = before["currency"].as_str().unwrap_or("usd").to_string();
    let rid = ids::new("po");
    let txn = balance::record(&mut tx, &rid, "payout", amount, &cur, Some("STRIPE PAYOUT REVERSAL")).await?;
    if let Some(mut t) = objects::get(&mut *tx, Kind::BalanceTransaction, &txn).await? {
        t["reporting_category"] = json!("payout_reversal");
        objects::save(&mut *tx, Kind::BalanceTransaction, &t).await?;
    }
    let now = now_secs();
    let mut rev = before.clone();
    rev["id"] = json!(rid);
    rev["created"] = json!(now);
    rev["arrival_date"] = json!((now / 86_400 + 1) * 86_400);
    rev["balance_transaction"] = json!(txn);
    rev["metadata"] = json!({});
    rev["original_payout"] = json!(id);
    rev["reversed_by"] = Value::Null;
    rev["status"] = json!("pending");
    rev["trace_id"] = json!({ "status": "pending", "value": null });
    rev["_settles_at_ms"] = json!(now_millis() + *SETTLE_MS);
    merge_metadata(&mut rev["metadata"], p.get("metadata"))?;
    objects::insert(&mut *tx, Kind::Payout, &rev).await?;
    events::emit(&mut tx, req, "payout.created", &rev, None).await?;
    let mut po = before.clone();
    po["reversed_by"] = json!(rid);
    objects::save(&mut *tx, Kind::Payout, &po).await?;
    events::emit(&mut tx, req, "payout.updated", &po, Some(previous_attributes(&before, &po))).await?;
    events::emit(&mut tx, req, "payout.reversed", &po, None).await?;
    tx.commit().await?;
    Ok(rev)
}

/// `GET /v1/payouts`: `status`, `created`, `arrival_date`, `destination`.
pub async fn list(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["status", "created", "arrival_date", "destination"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let arrival = range_filter(p, "arrival_date")?;
    let status = p.choice("status", &["pending", "paid", "failed", "canceled"])?;
    let destination = p.text("destination")?;
    let mut tx = asym_store::begin_write(db).await?;
    settle(&mut tx, req).await?;
    tx.commit().await?;
    list::list(db, Kind::Payout, "/v1/payouts", &page, Scan::default(), &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && arrival.as_ref().is_none_or(|f| f(v["arrival_date"].as_i64().unwrap_or(0)))
            && status.as_ref().is_none_or(|s| v["status"] == json!(s))
            && destination.as_ref().is_none_or(|d| v["destination"] == json!(d))
    })
    .await
}
