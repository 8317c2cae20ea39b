//! Customer balance transactions (`/v1/customers/{customer}/balance_transactions`):
//! manual adjustments of a customer's credit balance (negative is credit the
//! customer can spend, positive is owed), and the entries invoices write when
//! finalizing applies that balance (`applied_to_invoice`).

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, currency, events, must_get, previous_attributes, set_text};
use crate::store::objects::{self, Kind, Scan};

/// Records a change of `amount` to `customer`'s balance (already applied to
/// `customer`, whose `balance` is the ending balance).
pub async fn record(
    tx: &mut AnyConnection,
    customer: &Value,
    amount: i64,
    kind: &str,
    invoice: Option<&str>,
    description: Option<String>,
    at: i64,
) -> StripeResult<Value> {
    let v = json!({
        "id": ids::new("cbtxn"),
        "object": "customer_balance_transaction",
        "amount": amount,
        "checkout_session": null,
        "created": at,
        "credit_note": null,
        "currency": customer["currency"].as_str().unwrap_or("usd"),
        "customer": customer["id"],
        "customer_account": null,
        "description": description,
        "ending_balance": customer["balance"],
        "invoice": invoice,
        "livemode": false,
        "metadata": {},
        "type": kind,
    });
    objects::insert(&mut *tx, Kind::CustomerBalanceTransaction, &v).await?;
    Ok(v)
}

/// `POST /v1/customers/{customer}/balance_transactions`.
pub async fn create(db: &Pool, req: &Req, customer: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["amount", "currency", "description", "metadata"])?;
    let amount = p.int("amount")?.ok_or_else(|| StripeError::missing("amount"))?;
    let cur = currency(p, "currency")?.ok_or_else(|| StripeError::missing("currency"))?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::Customer, customer).await?;
    let before = must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    if let Some(existing) = before["currency"].as_str()
        && existing != cur
    {
        return Err(StripeError::invalid_param(
            format!("The currency {cur} does not match the customer's currency ({existing}); a customer's balance has one currency."),
            "currency",
        ));
    }
    let mut c = before.clone();
    c["currency"] = json!(cur);
    c["balance"] = json!(before["balance"].as_i64().unwrap_or(0) + amount);
    objects::save(&mut *tx, Kind::Customer, &c).await?;
    let now = crate::model::test_clocks::now_for(&mut tx, &c).await?;
    let mut v = record(&mut tx, &c, amount, "adjustment", None, p.text("description")?, now).await?;
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    objects::save(&mut *tx, Kind::CustomerBalanceTransaction, &v).await?;
    events::emit(&mut tx, req, "customer.updated", &c, Some(previous_attributes(&before, &c))).await?;
    tx.commit().await?;
    Ok(v)
}

async fn of_customer(db: &Pool, customer: &str, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Customer, customer, "customer").await?;
    let v = must_get(db, Kind::CustomerBalanceTransaction, id, "transaction").await?;
    if v["customer"] != json!(customer) {
        return Err(StripeError::no_such("customer_balance_transaction", id, "transaction"));
    }
    Ok(v)
}

/// `GET /v1/customers/{customer}/balance_transactions/{id}`.
pub async fn retrieve(db: &Pool, customer: &str, id: &str) -> StripeResult<Value> {
    of_customer(db, customer, id).await
}

/// `POST /v1/customers/{customer}/balance_transactions/{id}`: description and metadata.
pub async fn update(db: &Pool, customer: &str, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["description", "metadata"])?;
    let before = of_customer(db, customer, id).await?;
    let mut v = before.clone();
    set_text(&mut v, p, "description")?;
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(db, Kind::CustomerBalanceTransaction, &v).await?;
    }
    Ok(v)
}

/// `GET /v1/customers/{customer}/balance_transactions`.
pub async fn list(db: &Pool, customer: &str, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["created", "invoice"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    must_get(db, Kind::Customer, customer, "customer").await?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let scan = Scan { customer: Some(customer.into()), reference: p.text("invoice")?, ..Default::default() };
    let url = format!("/v1/customers/{customer}/balance_transactions");
    list::list(db, Kind::CustomerBalanceTransaction, &url, &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
    })
    .await
}
