//! Payment methods (cards only): created from card details or Stripe's test
//! tokens (`pm_card_visa`, `tok_chargeDeclined`, …), attached to and detached from
//! customers, listed per customer. The test card number stays in a private field
//! (`_number`) that is never rendered; it decides what charging the card does.

use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::cards::{self, Outcome};
use crate::model::list::{self, PAGE_PARAMS, Page};
use crate::model::{Req, address, events, must_get, now_secs, previous_attributes};
use crate::store::objects::{self, Kind, Scan};

fn card_error(code: &'static str, message: &'static str, param: &'static str) -> StripeError {
    StripeError::Card { message: message.into(), code, decline_code: None, param: Some(param), charge: None, extra: Map::new() }
}

fn year_now() -> i64 {
    1970 + now_secs() / 31_556_952
}

fn fingerprint(number: &str) -> String {
    ids::derived("fp", number)[3..].to_string()
}

pub fn billing_details(m: Option<&Map<String, Value>>) -> Value {
    let s = |k: &str| m.and_then(|m| m.get(k)).and_then(Value::as_str).filter(|s| !s.is_empty()).map(|s| json!(s)).unwrap_or(Value::Null);
    json!({
        "address": address(m.and_then(|m| m.get("address")).and_then(Value::as_object)),
        "email": s("email"),
        "name": s("name"),
        "phone": s("phone"),
        "tax_id": null,
    })
}

/// A card payment method object for `number` (not stored).
pub fn card_object(number: &str, exp_month: i64, exp_year: i64, cvc_given: bool, billing: Value, metadata: Value) -> Value {
    let test = cards::by_number(number);
    let brand = test.map(|c| c.brand).unwrap_or_else(|| cards::brand_of(number));
    json!({
        "id": ids::new("pm"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": billing,
        "card": {
            "brand": brand,
            "checks": { "address_line1_check": null, "address_postal_code_check": null, "cvc_check": if cvc_given { json!("pass") } else { Value::Null } },
            "country": test.map(|c| c.country).unwrap_or("US"),
            "display_brand": brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": fingerprint(number),
            "funding": test.map(|c| c.funding).unwrap_or("credit"),
            "generated_from": null,
            "last4": &number[number.len() - 4..],
            "networks": { "available": [brand], "preferred": null },
            "regulated_status": "unregulated",
            "three_d_secure_usage": { "supported": true },
            "wallet": null,
        },
        "created": now_secs(),
        "customer": null,
        "livemode": false,
        "metadata": metadata,
        "type": "card",
        "_number": number,
    })
}

/// A fresh payment method for a test token such as `pm_card_visa` or `tok_visa`.
pub fn from_token(name: &str) -> Option<Value> {
    let card = cards::token(name)?;
    Some(card_object(card.number, 12, year_now() + 1, true, billing_details(None), json!({})))
}

/// A payment method from a token made by `POST /v1/tokens` (single-use: marks it used).
async fn from_stored_token(db: &Pool, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let mut tok = must_get(&mut *tx, Kind::Token, id, "card[token]").await?;
    if tok["used"] == true {
        return Err(StripeError::invalid_param(format!("You cannot use a Stripe token more than once: {id}."), "card[token]"));
    }
    tok["used"] = json!(true);
    objects::save(&mut *tx, Kind::Token, &tok).await?;
    tx.commit().await?;
    let c = &tok["card"];
    Ok(card_object(
        tok["_number"].as_str().unwrap_or("4242424242424242"),
        c["exp_month"].as_i64().unwrap_or(12),
        c["exp_year"].as_i64().unwrap_or(year_now() + 1),
        tok["_cvc"] == true,
        billing_details(None),
        json!({}),
    ))
}

/// The card number behind a payment method.
pub fn number_of(pm: &Value) -> String {
    pm["_number"].as_str().unwrap_or("4242424242424242").to_string()
}

pub fn outcome_of(pm: &Value) -> Outcome {
    cards::by_number(&number_of(pm)).map(|c| c.outcome).unwrap_or(Outcome::Succeeds)
}

/// The payment method a `payment_method` parameter names: a stored one, or a new
/// one made from a test token (stored, as Stripe does).
pub async fn resolve(tx: &mut AnyConnection, id: &str, param: &str) -> StripeResult<Value> {
    if let Some(pm) = from_token(id) {
        objects::insert(&mut *tx, Kind::PaymentMethod, &pm).await?;
        return Ok(pm);
    }
    must_get(&mut *tx, Kind::PaymentMethod, id, param).await
}

const CREATE: &[&str] = &["type", "card", "billing_details", "metadata", "customer", "payment_method", "allow_redisplay"];

/// `POST /v1/payment_methods`.
pub async fn create(db: &Pool, p: &Params) -> StripeResult<Value> {
    p.allow(CREATE)?;
    let kind = p.required("type")?;
    if kind != "card" {
        return Err(StripeError::invalid_param(
            format!("The payment method type `{kind}` is not implemented by this clone; only `card` is."),
            "type",
        ));
    }
    p.allow_in("card", &["number", "exp_month", "exp_year", "cvc", "token", "networks"])?;
    let metadata = {
        let mut m = json!({});
        merge_metadata(&mut m, p.get("metadata"))?;
        m
    };
    let billing = billing_details(p.hash("billing_details")?);
    let card = p.hash("card")?.ok_or_else(|| StripeError::missing("card"))?;
    let s = |k: &str| card.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let mut pm = if let Some(token) = s("token") {
        let mut pm = match from_token(token) {
            Some(pm) => pm,
            None => from_stored_token(db, token).await?,
        };
        pm["billing_details"] = billing;
        pm["metadata"] = metadata;
        pm
    } else {
        let number: String =
            s("number").ok_or_else(|| StripeError::missing("card[number]"))?.chars().filter(|c| !c.is_whitespace()).collect();
        if !cards::luhn(&number) {
            return Err(card_error("incorrect_number", "Your card number is incorrect.", "number"));
        }
        let int = |k: &str| -> StripeResult<i64> {
            let v = s(k).ok_or_else(|| StripeError::missing(&format!("card[{k}]")))?;
            v.parse::<i64>()
                .map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {v}"), Some(&format!("card[{k}]"))))
        };
        let exp_month = int("exp_month")?;
        let mut exp_year = int("exp_year")?;
        if exp_year < 100 {
            exp_year += 2000;
        }
        if !(1..=12).contains(&exp_month) {
            return Err(card_error("invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month"));
        }
        if exp_year < year_now() || exp_year > year_now() + 50 {
            return Err(card_error("invalid_expiry_year", "Your card's expiration year is invalid.", "exp_year"));
        }
        card_object(&number, exp_month, exp_year, s("cvc").is_some(), billing, metadata)
    };
    if let Some(a) = p.choice("allow_redisplay", &["always", "limited", "unspecified"])? {
        pm["allow_redisplay"] = json!(a);
    }
    objects::insert(db, Kind::PaymentMethod, &pm).await?;
    Ok(pm)
}

/// `GET /v1/payment_methods/{id}` (a test token reads as a fresh card).
pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    if let Some(pm) = from_token(id) {
        let mut tx = asym_store::begin_write(db).await?;
        objects::insert(&mut *tx, Kind::PaymentMethod, &pm).await?;
        tx.commit().await?;
        return Ok(pm);
    }
    must_get(db, Kind::PaymentMethod, id, "id").await
}

/// `POST /v1/payment_methods/{id}`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["billing_details", "metadata", "card", "allow_redisplay"])?;
    p.allow_in("card", &["exp_month", "exp_year", "networks"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::PaymentMethod, id, "id").await?;
    let mut pm = before.clone();
    merge_metadata(&mut pm["metadata"], p.get("metadata"))?;
    if let Some(b) = p.hash("billing_details")? {
        let mut merged = before["billing_details"].clone();
        for (k, v) in b {
            if k == "address" {
                merged["address"] = address(v.as_object());
            } else {
                merged[k] = v.as_str().filter(|s| !s.is_empty()).map(|s| json!(s)).unwrap_or(Value::Null);
            }
        }
        pm["billing_details"] = merged;
    }
    if let Some(c) = p.hash("card")? {
        for k in ["exp_month", "exp_year"] {
            if let Some(v) = c.get(k).and_then(Value::as_str) {
                let n = v.parse::<i64>().map_err(|_| {
                    StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {v}"), Some(&format!("card[{k}]")))
                })?;
                pm["card"][k] = json!(n);
            }
        }
    }
    if let Some(a) = p.choice("allow_redisplay", &["always", "limited", "unspecified"])? {
        pm["allow_redisplay"] = json!(a);
    }
    objects::save(&mut *tx, Kind::PaymentMethod, &pm).await?;
    events::emit(&mut tx, req, "payment_method.updated", &pm, Some(previous_attributes(&before, &pm))).await?;
    tx.commit().await?;
    Ok(pm)
}

/// Attaches inside a transaction; Stripe checks the card when it is attached.
pub async fn attach_in(tx: &mut AnyConnection, req: &Req, pm: &mut Value, customer: &str) -> StripeResult<()> {
    must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    match pm["customer"].as_str() {
        Some(c) if c == customer => return Ok(()),
        Some(_) => {
            return Err(StripeError::invalid("The payment method you provided has already been attached to a customer."));
        }
        None => {}
    }
    if let Outcome::Declines { code, decline_code, message, param, attach_ok: false } = outcome_of(pm) {
        return Err(StripeError::Card {
            message: message.into(),
            code,
            decline_code: Some(decline_code),
            param,
            charge: None,
            extra: Map::new(),
        });
    }
    pm["customer"] = json!(customer);
    objects::save(&mut *tx, Kind::PaymentMethod, pm).await?;
    events::emit(tx, req, "payment_method.attached", pm, None).await?;
    Ok(())
}

/// `POST /v1/payment_methods/{id}/attach`.
pub async fn attach(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["customer"])?;
    let customer = p.required("customer")?;
    let mut tx = asym_store::begin_write(db).await?;
    let mut pm = resolve(&mut tx, id, "payment_method").await?;
    attach_in(&mut tx, req, &mut pm, &customer).await?;
    tx.commit().await?;
    Ok(pm)
}

/// `POST /v1/payment_methods/{id}/detach`.
pub async fn detach(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[])?;
    let mut tx = asym_store::begin_write(db).await?;
    let mut pm = must_get(&mut *tx, Kind::PaymentMethod, id, "payment_method").await?;
    let Some(customer) = pm["customer"].as_str().map(String::from) else {
        return Err(StripeError::invalid("The payment method you provided is not attached to a customer so detachment is impossible."));
    };
    // A card source detached as a payment method is the source deleted.
    if let Some(card) = objects::get(&mut *tx, Kind::Card, id).await?.filter(|c| c.get("deleted").is_none())
        && let Some(mut c) = objects::get(&mut *tx, Kind::Customer, &customer).await?
    {
        crate::model::sources::delete_in(&mut tx, req, &mut c, &card).await?;
        pm["customer"] = Value::Null;
        events::emit(&mut tx, req, "payment_method.detached", &pm, Some(json!({ "customer": customer }))).await?;
        tx.commit().await?;
        return Ok(pm);
    }
    pm["customer"] = Value::Null;
    objects::save(&mut *tx, Kind::PaymentMethod, &pm).await?;
    if let Some(mut c) = objects::get(&mut *tx, Kind::Customer, &customer).await?
        && c["invoice_settings"]["default_payment_method"] == json!(id)
    {
        c["invoice_settings"]["default_payment_method"] = Value::Null;
        objects::save(&mut *tx, Kind::Customer, &c).await?;
    }
    events::emit(&mut tx, req, "payment_method.detached", &pm, Some(json!({ "customer": customer }))).await?;
    tx.commit().await?;
    Ok(pm)
}

/// `GET /v1/payment_methods` (`customer`, `type`) and
/// `GET /v1/customers/{id}/payment_methods` (`type`).
pub async fn list(db: &Pool, p: &Params, customer_path: Option<&str>) -> StripeResult<Value> {
    let mut allowed = vec!["type", "allow_redisplay"];
    if customer_path.is_none() {
        allowed.push("customer");
    }
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let customer = match customer_path {
        Some(c) => {
            must_get(db, Kind::Customer, c, "customer").await?;
            Some(c.to_string())
        }
        None => p.text("customer")?,
    };
    let kind = p.text("type")?;
    let redisplay = p.text("allow_redisplay")?;
    let url = match customer_path {
        Some(c) => format!("/v1/customers/{c}/payment_methods"),
        None => "/v1/payment_methods".into(),
    };
    // Without a customer, Stripe lists the payment methods not attached to one…
    // except that the list call requires a customer for most types; we list all.
    let scan = Scan { customer: customer.clone(), ..Default::default() };
    list::list(db, Kind::PaymentMethod, &url, &page, scan, &|v| {
        kind.as_ref().is_none_or(|t| v["type"] == json!(t)) && redisplay.as_ref().is_none_or(|r| v["allow_redisplay"] == json!(r))
    })
    .await
}

/// `GET /v1/customers/{customer}/payment_methods/{id}`.
pub async fn retrieve_for_customer(db: &Pool, customer: &str, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Customer, customer, "customer").await?;
    let pm = must_get(db, Kind::PaymentMethod, id, "payment_method").await?;
    if pm["customer"] != json!(customer) {
        return Err(StripeError::no_such("payment_method", id, "payment_method"));
    }
    Ok(pm)
}
