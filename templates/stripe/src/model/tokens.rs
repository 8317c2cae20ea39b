//! Card tokens (`tok_…`): `POST /v1/tokens` with `card[number]`, `card[exp_month]`,
//! `card[exp_year]`, `card[cvc]` (and the address fields), and retrieve. A token
//! is single-use: turning it into a payment method (`card[token]=tok_…`) marks
//! it `used`, and a second use is Stripe's `You cannot use a Stripe token more
//! than once` error. Bank-account, PII and account tokens are not built.

use asym_store::Pool;
use serde_json::{Map, Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::Params;
use crate::ids;
use crate::model::{cards, must_get, now_secs};
use crate::store::objects::{self, Kind};

const CARD: &[&str] = &[
    "number",
    "exp_month",
    "exp_year",
    "cvc",
    "name",
    "address_line1",
    "address_line2",
    "address_city",
    "address_state",
    "address_zip",
    "address_country",
    "currency",
    "networks",
];

fn card_error(code: &'static str, message: &'static str, param: &'static str) -> StripeError {
    StripeError::Card { message: message.into(), code, decline_code: None, param: Some(param), charge: None, extra: Map::new() }
}

/// The legacy `card` object's brand names (`Visa`, `MasterCard`, …).
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

/// `POST /v1/tokens`.
pub async fn create(db: &Pool, p: &Params) -> StripeResult<Value> {
    p.allow(&["card", "customer", "bank_account", "pii", "account", "person", "cvc_update", "expand"])?;
    for other in ["bank_account", "pii", "account", "person", "cvc_update"] {
        if p.has(other) {
            return Err(StripeError::invalid_param(
                format!("`{other}` tokens are not implemented by this clone; only card tokens are."),
                other,
            ));
        }
    }
    if p.has("customer") {
        return Err(StripeError::invalid_param(
            "Creating a token from a customer's card (Connect) is not implemented by this clone.",
            "customer",
        ));
    }
    let card = match p.get("card") {
        Some(Value::Object(m)) => m,
        Some(Value::String(_)) => {
            return Err(StripeError::invalid_param(
                "Passing a card id as `card` (Connect) is not implemented by this clone; pass card details.",
                "card",
            ));
        }
        _ => {
            return Err(StripeError::invalid(
                "You must supply either a card, customer, PII data, bank account, or account legal entity to create a token.",
            ));
        }
    };
    p.allow_in("card", CARD)?;
    let s = |k: &str| card.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let number: String = s("number").ok_or_else(|| StripeError::missing("card[number]"))?.chars().filter(|c| !c.is_whitespace()).collect();
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
    let year_now = 1970 + now_secs() / 31_556_952;
    if !(1..=12).contains(&exp_month) {
        return Err(card_error("invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month"));
    }
    if exp_year < year_now || exp_year > year_now + 50 {
        return Err(card_error("invalid_expiry_year", "Your card's expiration year is invalid.", "exp_year"));
    }
    let test = cards::by_number(&number);
    let brand = test.map(|c| c.brand).unwrap_or_else(|| cards::brand_of(&number));
    let opt = |k: &str| s(k).map(|v| json!(v)).unwrap_or(Value::Null);
    let check = |k: &str| if s(k).is_some() { json!("unchecked") } else { Value::Null };
    let v = json!({
        "id": ids::new("tok"),
        "object": "token",
        "card": {
            "id": ids::new("card"),
            "object": "card",
            "address_city": opt("address_city"),
            "address_country": opt("address_country"),
            "address_line1": opt("address_line1"),
            "address_line1_check": check("address_line1"),
            "address_line2": opt("address_line2"),
            "address_state": opt("address_state"),
            "address_zip": opt("address_zip"),
            "address_zip_check": check("address_zip"),
            "brand": display_brand(brand),
            "country": test.map(|c| c.country).unwrap_or("US"),
            "cvc_check": if s("cvc").is_some() { json!("unchecked") } else { Value::Null },
            "dynamic_last4": null,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": ids::derived("fp", &number)[3..].to_string(),
            "funding": test.map(|c| c.funding).unwrap_or("credit"),
            "last4": &number[number.len() - 4..],
            "metadata": {},
            "name": opt("name"),
            "networks": { "preferred": null },
            "tokenization_method": null,
            "wallet": null,
        },
        "client_ip": null,
        "created": now_secs(),
        "livemode": false,
        "type": "card",
        "used": false,
        "_number": number,
        "_cvc": s("cvc").is_some(),
    });
    objects::insert(db, Kind::Token, &v).await?;
    Ok(v)
}

/// `GET /v1/tokens/{id}`.
pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Token, id, "token").await
}
