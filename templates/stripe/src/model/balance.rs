//! Balance transactions (a charge's funds, a refund's reversal) and the balance
//! they add up to. Test-mode funds are available at once.

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::StripeResult;
use crate::form::Params;
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{must_get, now_secs};
use crate::store::objects::{self, Kind, Scan};

/// Stripe's standard US card fee: 2.9% + 30¢.
pub fn card_fee(amount: i64) -> i64 {
    ((amount as f64) * 0.029).round() as i64 + 30
}

/// Records a balance transaction for `source`; returns its id.
pub async fn record(
    tx: &mut AnyConnection,
    source: &str,
    kind: &str,
    amount: i64,
    currency: &str,
    description: Option<&str>,
) -> sqlx::Result<String> {
    let fee = if kind == "charge" || kind == "payment" { card_fee(amount) } else { 0 };
    let now = now_secs();
    let id = ids::new("txn");
    let v = json!({
        "id": id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": now,
        "balance_type": "payments",
        "created": now,
        "currency": currency,
        "description": description,
        "exchange_rate": null,
        "fee": fee,
        "fee_details": if fee > 0 { json!([{ "amount": fee, "application": null, "currency": currency, "description": "Stripe processing fees", "type": "stripe_fee" }]) } else { json!([]) },
        "net": amount - fee,
        "reporting_category": kind,
        "source": source,
        "status": "available",
        "type": kind,
    });
    objects::insert(&mut *tx, Kind::BalanceTransaction, &v).await?;
    Ok(id)
}

/// `GET /v1/balance`.
pub async fn balance(db: &Pool) -> StripeResult<Value> {
    let rows = objects::scan(db, Kind::BalanceTransaction, &Scan { limit: i64::MAX / 2, ..Default::default() }).await?;
    let mut by_currency: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (_, t) in rows {
        let e = by_currency.entry(t["currency"].as_str().unwrap_or("usd").to_string()).or_default();
        let net = t["net"].as_i64().unwrap_or(0);
        e.0 += net;
        // Every fund this clone holds came from card payments (refunds, disputes
        // and payouts draw on them too).
        e.1 += net;
    }
    if by_currency.is_empty() {
        by_currency.insert("usd".into(), (0, 0));
    }
    let available: Vec<Value> =
        by_currency.iter().map(|(c, (amt, card))| json!({ "amount": amt, "currency": c, "source_types": { "card": card } })).collect();
    let pending: Vec<Value> = by_currency.keys().map(|c| json!({ "amount": 0, "currency": c, "source_types": { "card": 0 } })).collect();
    Ok(json!({ "object": "balance", "available": available, "livemode": false, "pending": pending }))
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::BalanceTransaction, id, "id").await
}

/// `GET /v1/balance_transactions`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["created", "currency", "payout", "source", "type"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let currency = p.text("currency")?;
    let kind = p.text("type")?;
    let scan = Scan { reference: p.text("source")?, ..Default::default() };
    list::list(db, Kind::BalanceTransaction, "/v1/balance_transactions", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && currency.as_ref().is_none_or(|c| v["currency"] == json!(c))
            && kind.as_ref().is_none_or(|t| v["type"] == json!(t))
    })
    .await
}
