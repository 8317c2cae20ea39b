//! Loads a fixture pack (`fixtures/*.json`) through the model's object builders,
//! checking references so a broken fixture is a `SEED_VALIDATION` error naming
//! what is wrong. Seeded objects have fixed ids and `created` times, so every
//! clone of a fixture lists the same objects in the same order.

use std::collections::{BTreeMap, BTreeSet};

use asym_clone_kit::Fixture;
use asym_clone_kit::secrets::hash_token;
use asym_store::{Pool, StoreError, StoreResult};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::model::{customers, payment_methods, prices, products};
use crate::store::keys;
use crate::store::objects::{self, Kind};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Pack {
    account: AccountSeed,
    #[serde(default)]
    customers: Vec<CustomerSeed>,
    #[serde(default)]
    products: Vec<ProductSeed>,
    #[serde(default)]
    prices: Vec<PriceSeed>,
    #[serde(default)]
    payment_methods: Vec<PaymentMethodSeed>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AccountSeed {
    /// The account id (`acct_…`): what `GET /v1/account` answers.
    id: String,
    secret_key: String,
    created: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerSeed {
    id: String,
    email: String,
    name: String,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductSeed {
    id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceSeed {
    id: String,
    product: String,
    currency: String,
    unit_amount: i64,
    #[serde(default)]
    recurring: Option<Value>,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    lookup_key: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentMethodSeed {
    id: String,
    customer: String,
    /// A test token such as `pm_card_visa`.
    token: String,
    #[serde(default)]
    default: bool,
}

pub async fn apply(pool: &Pool, fixture: &Fixture) -> StoreResult<BTreeMap<String, u64>> {
    let bad = |reason: String| StoreError::Seed { fixture: fixture.name.into(), reason };
    let pack: Pack = serde_json::from_str(fixture.text).map_err(|e| bad(e.to_string()))?;
    let customer_ids: BTreeSet<&str> = pack.customers.iter().map(|c| c.id.as_str()).collect();
    let product_ids: BTreeSet<&str> = pack.products.iter().map(|p| p.id.as_str()).collect();
    for p in &pack.prices {
        if !product_ids.contains(p.product.as_str()) {
            return Err(bad(format!("price `{}` names unknown product `{}`", p.id, p.product)));
        }
    }
    for pm in &pack.payment_methods {
        if !customer_ids.contains(pm.customer.as_str()) {
            return Err(bad(format!("payment method `{}` names unknown customer `{}`", pm.id, pm.customer)));
        }
    }
    let created = pack.account.created;
    // Seeded rows sort before anything made later, in file order.
    let mut n = 0i64;
    let mut seq = || {
        n += 1;
        created * 1_000_000 + n
    };
    let mut tx = asym_store::begin_write(pool).await?;
    let key = &pack.account.secret_key;
    keys::insert(&mut *tx, &hash_token(key), &key[key.len().saturating_sub(4)..], created).await?;
    objects::insert_at(&mut *tx, Kind::Account, &crate::model::payouts::account_object(&pack.account.id, created), seq()).await?;
    for c in &pack.customers {
        let mut v = customers::blank(c.id.clone(), created);
        v["email"] = json!(c.email);
        v["name"] = json!(c.name);
        v["phone"] = json!(c.phone);
        v["description"] = json!(c.description);
        v["metadata"] = Value::Object(c.metadata.clone());
        v["invoice_prefix"] = json!(crate::ids::derived("x", &c.id)[2..10].to_uppercase());
        objects::insert_at(&mut *tx, Kind::Customer, &v, seq()).await?;
    }
    for p in &pack.products {
        let mut v = products::blank(p.id.clone(), &p.name, created);
        v["description"] = json!(p.description);
        v["metadata"] = Value::Object(p.metadata.clone());
        objects::insert_at(&mut *tx, Kind::Product, &v, seq()).await?;
    }
    for p in &pack.prices {
        let data = json!({
            "currency": p.currency,
            "unit_amount": p.unit_amount,
            "recurring": p.recurring,
            "nickname": p.nickname,
            "lookup_key": p.lookup_key,
        });
        let mut v = prices::from_data(&p.product, &data, "").map_err(|e| bad(format!("price `{}`: {e}", p.id)))?;
        v["id"] = json!(p.id);
        v["created"] = json!(created);
        objects::insert_at(&mut *tx, Kind::Price, &v, seq()).await?;
    }
    for pm in &pack.payment_methods {
        let mut v = payment_methods::from_token(&pm.token)
            .ok_or_else(|| bad(format!("payment method `{}`: unknown test token `{}`", pm.id, pm.token)))?;
        v["id"] = json!(pm.id);
        v["created"] = json!(created);
        v["customer"] = json!(pm.customer);
        v["card"]["exp_year"] = json!(2034);
        objects::insert_at(&mut *tx, Kind::PaymentMethod, &v, seq()).await?;
        if pm.default
            && let Some(mut c) = objects::get(&mut *tx, Kind::Customer, &pm.customer).await?
        {
            c["invoice_settings"]["default_payment_method"] = json!(pm.id);
            objects::save(&mut *tx, Kind::Customer, &c).await?;
        }
    }
    tx.commit().await?;
    Ok(BTreeMap::from([
        ("api_keys".to_string(), 1),
        ("customers".to_string(), pack.customers.len() as u64),
        ("products".to_string(), pack.products.len() as u64),
        ("prices".to_string(), pack.prices.len() as u64),
        ("payment_methods".to_string(), pack.payment_methods.len() as u64),
    ]))
}
