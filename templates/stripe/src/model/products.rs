//! Products: CRUD (a product with prices cannot be deleted), list, search.

use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, hash_value, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, events, must_get, now_secs, previous_attributes, prices, search, set_text};
use crate::store::objects::{self, Kind, Scan};

pub const SEARCH_FIELDS: &[&str] = &["active", "created", "description", "metadata", "name", "shippable", "url"];

const FIELDS: &[&str] = &[
    "active",
    "description",
    "images",
    "marketing_features",
    "metadata",
    "name",
    "package_dimensions",
    "shippable",
    "statement_descriptor",
    "tax_code",
    "unit_label",
    "url",
];

pub fn blank(id: String, name: &str, created: i64) -> Value {
    json!({
        "id": id,
        "object": "product",
        "active": true,
        "created": created,
        "default_price": null,
        "description": null,
        "images": [],
        "livemode": false,
        "marketing_features": [],
        "metadata": {},
        "name": name,
        "package_dimensions": null,
        "shippable": null,
        "statement_descriptor": null,
        "tax_code": null,
        "type": "service",
        "unit_label": null,
        "updated": created,
        "url": null,
    })
}

fn apply(v: &mut Value, p: &Params) -> StripeResult<()> {
    for f in ["description", "statement_descriptor", "tax_code", "unit_label", "url"] {
        set_text(v, p, f)?;
    }
    if let Some(n) = p.str("name")? {
        if n.is_empty() {
            return Err(StripeError::invalid_param("You must provide a non-empty name.", "name"));
        }
        v["name"] = json!(n);
    }
    if let Some(a) = p.bool("active")? {
        v["active"] = json!(a);
    }
    if let Some(s) = p.bool("shippable")? {
        v["shippable"] = json!(s);
    }
    if let Some(imgs) = p.list("images")? {
        v["images"] = json!(imgs);
    }
    if let Some(Value::Array(features)) = p.get("marketing_features") {
        v["marketing_features"] =
            Value::Array(features.iter().map(|f| json!({ "name": f.get("name").and_then(Value::as_str).unwrap_or_default() })).collect());
    }
    if let Some(d) = p.hash("package_dimensions")? {
        let mut out = json!({});
        for k in ["height", "length", "weight", "width"] {
            let n = d
                .get(k)
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<f64>().ok())
                .ok_or_else(|| StripeError::missing(&format!("package_dimensions[{k}]")))?;
            out[k] = json!(n);
        }
        v["package_dimensions"] = out;
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    Ok(())
}

/// `POST /v1/products`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    let mut allowed = FIELDS.to_vec();
    allowed.extend_from_slice(&["id", "default_price_data", "type"]);
    p.allow(&allowed)?;
    let name = p.required("name")?;
    let id = p.text("id")?.unwrap_or_else(|| ids::new("prod"));
    let mut v = blank(id.clone(), &name, now_secs());
    if let Some(t) = p.choice("type", &["good", "service"])? {
        v["type"] = json!(t);
    }
    apply(&mut v, p)?;
    let mut tx = asym_store::begin_write(db).await?;
    if objects::get(&mut *tx, Kind::Product, &id).await?.is_some() {
        return Err(StripeError::coded("resource_already_exists", format!("Product already exists with id: {id}"), Some("id")));
    }
    objects::insert(&mut *tx, Kind::Product, &v).await?;
    events::emit(&mut tx, req, "product.created", &v, None).await?;
    if let Some(d) = p.hash("default_price_data")? {
        let data = hash_value(d, &["unit_amount"])?;
        let price = prices::from_data(&id, &data, "default_price_data")?;
        objects::insert(&mut *tx, Kind::Price, &price).await?;
        events::emit(&mut tx, req, "price.created", &price, None).await?;
        v["default_price"] = price["id"].clone();
        objects::save(&mut *tx, Kind::Product, &v).await?;
    }
    tx.commit().await?;
    Ok(v)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Product, id, "id").await
}

/// `POST /v1/products/{id}`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    let mut allowed = FIELDS.to_vec();
    allowed.push("default_price");
    p.allow(&allowed)?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::Product, id, "id").await?;
    let mut v = before.clone();
    apply(&mut v, p)?;
    if let Some(dp) = p.str("default_price")? {
        if dp.is_empty() {
            v["default_price"] = Value::Null;
        } else {
            let price = must_get(&mut *tx, Kind::Price, dp, "default_price").await?;
            if price["product"] != json!(id) {
                return Err(StripeError::invalid_param(format!("The price `{dp}` does not belong to product `{id}`."), "default_price"));
            }
            v["default_price"] = json!(dp);
        }
    }
    if v != before {
        v["updated"] = json!(now_secs());
        objects::save(&mut *tx, Kind::Product, &v).await?;
        events::emit(&mut tx, req, "product.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `DELETE /v1/products/{id}`.
pub async fn delete(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let v = must_get(&mut *tx, Kind::Product, id, "id").await?;
    let prices = objects::scan(&mut *tx, Kind::Price, &Scan { reference: Some(id.into()), limit: 1, ..Default::default() }).await?;
    if !prices.is_empty() {
        return Err(StripeError::invalid("This product cannot be deleted because it has one or more user-created prices."));
    }
    objects::remove(&mut *tx, Kind::Product, id).await?;
    events::emit(&mut tx, req, "product.deleted", &v, None).await?;
    tx.commit().await?;
    Ok(json!({ "id": id, "object": "product", "deleted": true }))
}

/// `GET /v1/products`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["active", "created", "ids", "shippable", "url"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let active = p.bool("active")?;
    let shippable = p.bool("shippable")?;
    let url = p.text("url")?;
    let ids = p.list("ids")?;
    list::list(db, Kind::Product, "/v1/products", &page, Scan::default(), &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && active.is_none_or(|a| v["active"] == json!(a))
            && shippable.is_none_or(|s| v["shippable"] == json!(s))
            && url.as_ref().is_none_or(|u| v["url"] == json!(u))
            && ids.as_ref().is_none_or(|l| l.iter().any(|i| v["id"] == json!(i)))
    })
    .await
}

pub async fn search(db: &Pool, p: &Params) -> StripeResult<Value> {
    search::search(db, Kind::Product, "products", SEARCH_FIELDS, p).await
}
