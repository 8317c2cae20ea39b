//! A customer's legacy card sources (`card_…`) under
//! `/v1/customers/{customer}/sources`: add one from a token (`tok_visa` and the
//! other test tokens, or a `tok_…` from `POST /v1/tokens`, single-use), retrieve,
//! update, delete, list. The first card becomes the customer's `default_source`;
//! deleting the default moves it to the newest remaining card. A card a test
//! token makes decline on attach (`tok_chargeDeclined`, …) is refused with
//! Stripe's `card_error`. As in Stripe, a card source can be used wherever a
//! payment method id can (`payment_method=card_…`, a customer's
//! `payment_methods` list): each card is also stored as a `card` payment method
//! with the same id. Bank accounts and `src_…` sources are not built.

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::cards::{self, Outcome};
use crate::model::list::{self, PAGE_PARAMS, Page};
use crate::model::{Req, events, must_get, now_secs, payment_methods, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

fn display_brand(brand: &str) -> &'static str {
    match brand {
        "visa" => "Visa",
        "mastercard" => "MasterCard",
        "amex" => "American Express",
        "discover" => "Discover",
        "diners" => "Diners Club",
        "jcb" => "JCB",
        "unionpay" => "UnionPay",
        _ => "Unknown",
    }
}

/// The card a `source` token names (a test token or a stored, unused `tok_…`),
/// not yet stored. Marks a stored token used.
async fn card_from(tx: &mut AnyConnection, token: &str, param: &str) -> StripeResult<Value> {
    let (number, exp_month, exp_year, cvc, name, address) = if let Some(c) = cards::token(token) {
        (c.number.to_string(), 12, 1970 + now_secs() / 31_556_952 + 1, true, Value::Null, Map::new())
    } else if token.starts_with("tok_") {
        let mut tok = must_get(&mut *tx, Kind::Token, token, param).await?;
        if tok["used"] == true {
            return Err(StripeError::invalid_param(format!("You cannot use a Stripe token more than once: {token}."), param));
        }
        tok["used"] = json!(true);
        objects::save(&mut *tx, Kind::Token, &tok).await?;
        let c = &tok["card"];
        let mut address = Map::new();
        for k in ["address_city", "address_country", "address_line1", "address_line2", "address_state", "address_zip"] {
            address.insert(k.into(), c[k].clone());
        }
        (
            tok["_number"].as_str().unwrap_or("4242424242424242").to_string(),
            c["exp_month"].as_i64().unwrap_or(12),
            c["exp_year"].as_i64().unwrap_or(2030),
            tok["_cvc"] == true,
            c["name"].clone(),
            address,
        )
    } else if token.starts_with("src_") || token.starts_with("btok_") || token.starts_with("ba_") {
        return Err(StripeError::invalid_param(
            format!("Only card tokens can be added as sources by this clone; `{token}` is not built."),
            param,
        ));
    } else {
        return Err(StripeError::no_such("token", token, param));
    };
    let test = cards::by_number(&number);
    if let Some(Outcome::Declines { code, decline_code, message, param: p, attach_ok: false }) = test.map(|c| c.outcome) {
        return Err(StripeError::Card {
            message: message.into(),
            code,
            decline_code: Some(decline_code),
            param: p,
            charge: None,
            extra: Map::new(),
        });
    }
    let brand = test.map(|c| c.brand).unwrap_or_else(|| cards::brand_of(&number));
    let a = |k: &str| address.get(k).cloned().unwrap_or(Value::Null);
    let check = |k: &str| if a(k).is_null() { Value::Null } else { json!("pass") };
    Ok(json!({
        "id": ids::new("card"),
        "object": "card",
        "address_city": a("address_city"),
        "address_country": a("address_country"),
        "address_line1": a("address_line1"),
        "address_line1_check": check("address_line1"),
        "address_line2": a("address_line2"),
        "address_state": a("address_state"),
        "address_zip": a("address_zip"),
        "address_zip_check": check("address_zip"),
        "allow_redisplay": "unspecified",
        "brand": display_brand(brand),
        "country": test.map(|c| c.country).unwrap_or("US"),
        "customer": null,
        "cvc_check": if cvc { json!("pass") } else { Value::Null },
        "dynamic_last4": null,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "fingerprint": ids::derived("fp", &number)[3..].to_string(),
        "funding": test.map(|c| c.funding).unwrap_or("credit"),
        "last4": &number[number.len() - 4..],
        "metadata": {},
        "name": name,
        "regulated_status": "unregulated",
        "tokenization_method": null,
        "wallet": null,
        "_number": number,
    }))
}

/// The payment method view of a card source (same id, same card).
fn as_payment_method(card: &Value) -> Value {
    let mut billing = Map::new();
    billing.insert("name".into(), card["name"].clone());
    let mut address = Map::new();
    for (k, from) in [
        ("city", "address_city"),
        ("country", "address_country"),
        ("line1", "address_line1"),
        ("line2", "address_line2"),
        ("postal_code", "address_zip"),
        ("state", "address_state"),
    ] {
        address.insert(k.into(), card[from].clone());
    }
    billing.insert("address".into(), Value::Object(address));
    let mut pm = payment_methods::card_object(
        card["_number"].as_str().unwrap_or("4242424242424242"),
        card["exp_month"].as_i64().unwrap_or(12),
        card["exp_year"].as_i64().unwrap_or(2030),
        card["cvc_check"] == "pass",
        payment_methods::billing_details(Some(&billing)),
        card["metadata"].clone(),
    );
    pm["id"] = card["id"].clone();
    pm["customer"] = card["customer"].clone();
    pm["created"] = json!(now_secs());
    pm
}

/// Adds the card `token` names to `customer` (`customer.source.created`); makes
/// it the default when the customer has none, or when `make_default`
/// (`customer.updated`). Returns the card.
pub async fn add_in(
    tx: &mut AnyConnection,
    req: &Req,
    customer: &mut Value,
    token: &str,
    param: &str,
    metadata: Option<&Value>,
    make_default: bool,
) -> StripeResult<Value> {
    let mut card = card_from(tx, token, param).await?;
    card["customer"] = customer["id"].clone();
    merge_metadata(&mut card["metadata"], metadata)?;
    objects::insert(&mut *tx, Kind::Card, &card).await?;
    objects::insert(&mut *tx, Kind::PaymentMethod, &as_payment_method(&card)).await?;
    events::emit(tx, req, "customer.source.created", &card, None).await?;
    if customer["default_source"].is_null() || make_default {
        let before = customer.clone();
        customer["default_source"] = card["id"].clone();
        objects::save(&mut *tx, Kind::Customer, customer).await?;
        events::emit(tx, req, "customer.updated", customer, Some(previous_attributes(&before, customer))).await?;
    }
    Ok(card)
}

/// `POST /v1/customers/{customer}/sources`.
pub async fn create(db: &Pool, req: &Req, customer: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["source", "metadata", "validate"])?;
    let token = p.required("source")?;
    let mut tx = asym_store::begin_write(db).await?;
    let mut c = must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    let card = add_in(&mut tx, req, &mut c, &token, "source", p.get("metadata"), false).await?;
    tx.commit().await?;
    Ok(card)
}

async fn owned(db: impl sqlx::any::AnyExecutor<'_>, customer: &str, id: &str) -> StripeResult<Value> {
    match objects::get(db, Kind::Card, id).await? {
        Some(v) if v["customer"] == json!(customer) && v.get("deleted").is_none() => Ok(v),
        _ => Err(StripeError::no_such("source", id, "id")),
    }
}

/// A card of `customer` (for `default_source`), or Stripe's `No such source`.
pub async fn of_customer(tx: &mut AnyConnection, customer: &str, id: &str, param: &str) -> StripeResult<Value> {
    match objects::get(&mut *tx, Kind::Card, id).await? {
        Some(v) if v["customer"] == json!(customer) && v.get("deleted").is_none() => Ok(v),
        _ => Err(StripeError::no_such("source", id, param)),
    }
}

/// `GET /v1/customers/{customer}/sources/{id}`.
pub async fn retrieve(db: &Pool, customer: &str, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Customer, customer, "customer").await?;
    owned(db, customer, id).await
}

/// `POST /v1/customers/{customer}/sources/{id}`: the card's address, name,
/// expiry and metadata (`customer.source.updated`).
pub async fn update(db: &Pool, req: &Req, customer: &str, id: &str, p: &Params) -> StripeResult<Value> {
    const TEXT: &[&str] = &["address_city", "address_country", "address_line1", "address_line2", "address_state", "address_zip", "name"];
    let mut allowed = TEXT.to_vec();
    allowed.extend_from_slice(&["exp_month", "exp_year", "metadata", "account_holder_name", "account_holder_type", "owner"]);
    p.allow(&allowed)?;
    for k in ["account_holder_name", "account_holder_type", "owner"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    let mut tx = asym_store::begin_write(db).await?;
    must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    let before = owned(&mut *tx, customer, id).await?;
    let mut card = before.clone();
    for k in TEXT {
        crate::model::set_text(&mut card, p, k)?;
    }
    if let Some(m) = p.int("exp_month")? {
        if !(1..=12).contains(&m) {
            return Err(StripeError::Card {
                message: "Your card's expiration month is invalid.".into(),
                code: "invalid_expiry_month",
                decline_code: None,
                param: Some("exp_month"),
                charge: None,
                extra: Map::new(),
            });
        }
        card["exp_month"] = json!(m);
    }
    if let Some(y) = p.int("exp_year")? {
        let y = if y < 100 { y + 2000 } else { y };
        if y < 1970 + now_secs() / 31_556_952 {
            return Err(StripeError::Card {
                message: "Your card's expiration year is invalid.".into(),
                code: "invalid_expiry_year",
                decline_code: None,
                param: Some("exp_year"),
                charge: None,
                extra: Map::new(),
            });
        }
        card["exp_year"] = json!(y);
    }
    merge_metadata(&mut card["metadata"], p.get("metadata"))?;
    if card != before {
        objects::save(&mut *tx, Kind::Card, &card).await?;
        if let Some(old) = objects::get(&mut *tx, Kind::PaymentMethod, id).await? {
            let mut pm = as_payment_method(&card);
            pm["created"] = old["created"].clone();
            objects::save(&mut *tx, Kind::PaymentMethod, &pm).await?;
        }
        events::emit(&mut tx, req, "customer.source.updated", &card, Some(previous_attributes(&before, &card))).await?;
    }
    tx.commit().await?;
    Ok(card)
}

/// Deletes a card inside `tx` (`customer.source.deleted`), moving the
/// customer's default to the newest remaining card if it was the default.
pub async fn delete_in(tx: &mut AnyConnection, req: &Req, customer: &mut Value, card: &Value) -> StripeResult<Value> {
    let id = card["id"].as_str().unwrap_or_default().to_string();
    let stub = json!({ "id": id, "object": "card", "customer": customer["id"], "deleted": true });
    objects::mark_deleted(&mut *tx, Kind::Card, &stub).await?;
    objects::remove(&mut *tx, Kind::PaymentMethod, &id).await?;
    events::emit(tx, req, "customer.source.deleted", card, None).await?;
    if customer["default_source"] == json!(id) {
        let cid = customer["id"].as_str().unwrap_or_default().to_string();
        let rest = objects::scan(&mut *tx, Kind::Card, &Scan { customer: Some(cid), limit: 1, ..Default::default() }).await?;
        let before = customer.clone();
        customer["default_source"] = rest.first().map(|(_, c)| c["id"].clone()).unwrap_or(Value::Null);
        objects::save(&mut *tx, Kind::Customer, customer).await?;
        events::emit(tx, req, "customer.updated", customer, Some(previous_attributes(&before, customer))).await?;
    }
    Ok(stub)
}

/// `DELETE /v1/customers/{customer}/sources/{id}`.
pub async fn delete(db: &Pool, req: &Req, customer: &str, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let mut c = must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    let card = owned(&mut *tx, customer, id).await?;
    let stub = delete_in(&mut tx, req, &mut c, &card).await?;
    tx.commit().await?;
    Ok(stub)
}

/// `GET /v1/customers/{customer}/sources` (`object=card`; this clone keeps only cards).
pub async fn list(db: &Pool, customer: &str, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["object"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let object = p.choice("object", &["card", "bank_account", "source", "account"])?;
    must_get(db, Kind::Customer, customer, "customer").await?;
    let scan = Scan { customer: Some(customer.into()), ..Default::default() };
    list::list(db, Kind::Card, &format!("/v1/customers/{customer}/sources"), &page, scan, &|v| {
        object.as_ref().is_none_or(|o| v["object"] == json!(o))
    })
    .await
}
