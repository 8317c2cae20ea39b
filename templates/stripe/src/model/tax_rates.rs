//! Tax rates (`txr_…`): create, retrieve, update (`percentage` and `inclusive`
//! are fixed once created), list; and how invoices apply them. A line's own rates
//! (an invoice item's or subscription item's `tax_rates`) win over the invoice's
//! `default_tax_rates`; an exclusive rate adds its tax on top of the line's
//! discounted amount, an inclusive one is carved out of it.

use asym_store::Pool;
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::{Req, events, must_get, now_secs, previous_attributes, set_text};
use crate::store::objects::{self, Kind, Scan};

pub const TAX_TYPES: &[&str] = &[
    "amusement_tax",
    "communications_tax",
    "gst",
    "hst",
    "igst",
    "jct",
    "lease_tax",
    "pst",
    "qst",
    "retail_delivery_fee",
    "rst",
    "sales_tax",
    "service_tax",
    "vat",
];

fn percentage(p: &Params) -> StripeResult<f64> {
    let s = p.required("percentage")?;
    let v = s.parse::<f64>().map_err(|_| StripeError::invalid_param(format!("Invalid decimal: {s}"), "percentage"))?;
    if !(0.0..=100.0).contains(&v) {
        return Err(StripeError::invalid_param("Percentage must be between 0 and 100.", "percentage"));
    }
    Ok(v)
}

fn country(p: &Params) -> StripeResult<Option<Value>> {
    match p.str("country")? {
        None => Ok(None),
        Some("") => Ok(Some(Value::Null)),
        Some(c) if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) => Ok(Some(json!(c.to_ascii_uppercase()))),
        Some(c) => Err(StripeError::invalid_param(
            format!(
                "Country '{c}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'. A full list of country codes is available at https://stripe.com/docs/api#country_codes"
            ),
            "country",
        )),
    }
}

/// `POST /v1/tax_rates`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "display_name",
        "inclusive",
        "percentage",
        "active",
        "country",
        "description",
        "jurisdiction",
        "metadata",
        "state",
        "tax_type",
    ])?;
    let display_name = p.required("display_name")?;
    let inclusive = p.bool("inclusive")?.ok_or_else(|| StripeError::missing("inclusive"))?;
    let pct = percentage(p)?;
    let now = now_secs();
    let mut v = json!({
        "id": ids::new("txr"),
        "object": "tax_rate",
        "active": p.bool("active")?.unwrap_or(true),
        "country": country(p)?.unwrap_or(Value::Null),
        "created": now,
        "description": p.text("description")?,
        "display_name": display_name,
        "effective_percentage": null,
        "flat_amount": null,
        "inclusive": inclusive,
        "jurisdiction": p.text("jurisdiction")?,
        "jurisdiction_level": null,
        "livemode": false,
        "metadata": {},
        "percentage": pct,
        "rate_type": "percentage",
        "state": p.text("state")?,
        "tax_type": p.choice("tax_type", TAX_TYPES)?,
    });
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::insert(&mut *tx, Kind::TaxRate, &v).await?;
    events::emit(&mut tx, req, "tax_rate.created", &v, None).await?;
    tx.commit().await?;
    Ok(v)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::TaxRate, id, "tax_rate").await
}

/// `POST /v1/tax_rates/{id}`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["active", "country", "description", "display_name", "jurisdiction", "metadata", "state", "tax_type"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::TaxRate, id, "tax_rate").await?;
    let mut v = before.clone();
    if let Some(a) = p.bool("active")? {
        v["active"] = json!(a);
    }
    if let Some(c) = country(p)? {
        v["country"] = c;
    }
    for f in ["description", "jurisdiction", "state"] {
        set_text(&mut v, p, f)?;
    }
    if let Some(d) = p.str("display_name")? {
        if d.is_empty() {
            return Err(StripeError::invalid_param(
                "You passed an empty string for 'display_name'. We assume empty values are an attempt to unset a parameter; however 'display_name' cannot be unset. You should remove 'display_name' from your request or supply a non-empty value.",
                "display_name",
            ));
        }
        v["display_name"] = json!(d);
    }
    if p.has("tax_type") {
        v["tax_type"] = json!(p.choice("tax_type", TAX_TYPES)?);
    }
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::TaxRate, &v).await?;
        events::emit(&mut tx, req, "tax_rate.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `GET /v1/tax_rates`: `active`, `inclusive`, `created`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["active", "inclusive", "created"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let active = p.bool("active")?;
    let inclusive = p.bool("inclusive")?;
    list::list(db, Kind::TaxRate, "/v1/tax_rates", &page, Scan::default(), &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && active.is_none_or(|a| v["active"] == json!(a))
            && inclusive.is_none_or(|i| v["inclusive"] == json!(i))
    })
    .await
}

/// A `tax_rates[]` / `default_tax_rates[]` parameter as the rate objects it names:
/// `None` when absent, empty for `""` (clears). Each must exist and be active.
pub async fn resolve(tx: &mut AnyConnection, v: Option<&Value>, param: &str) -> StripeResult<Option<Vec<Value>>> {
    let ids: Vec<String> = match v {
        None => return Ok(None),
        Some(Value::String(s)) if s.is_empty() => return Ok(Some(vec![])),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(String::from).ok_or_else(|| StripeError::invalid_param(format!("Invalid array for `{param}`"), param)))
            .collect::<StripeResult<_>>()?,
        Some(_) => return Err(StripeError::invalid_param(format!("Invalid array for `{param}`: pass `{param}[]=txr_…`"), param)),
    };
    if ids.len() > 5 {
        return Err(StripeError::invalid_param("You may only apply up to 5 tax rates.", param));
    }
    let mut out = Vec::new();
    for id in ids {
        let rate = must_get(&mut *tx, Kind::TaxRate, &id, param).await?;
        if rate["active"] == json!(false) {
            return Err(StripeError::invalid_param(format!("Tax rate {id} is inactive and can no longer be applied."), param));
        }
        if out.iter().any(|r: &Value| r["id"] == rate["id"]) {
            return Err(StripeError::invalid_param(format!("The tax rate {id} was specified more than once."), param));
        }
        out.push(rate);
    }
    Ok(Some(out))
}

/// Works out each line's `taxes` from its own `_tax_rates` (or the invoice's
/// `defaults`), on its amount less its discounts. Returns `(inclusive, exclusive)`
/// tax totals and the invoice's `total_taxes` (one entry per rate and behavior).
pub fn apply(lines: &mut [Value], defaults: &[Value]) -> (i64, i64, Vec<Value>) {
    let mut inclusive_total = 0;
    let mut exclusive_total = 0;
    let mut totals: Vec<Value> = Vec::new();
    for line in lines.iter_mut() {
        let own: Vec<Value> = line["_tax_rates"].as_array().cloned().unwrap_or_default();
        let rates = if own.is_empty() { defaults.to_vec() } else { own };
        let off: i64 = line["discount_amounts"].as_array().into_iter().flatten().map(|d| d["amount"].as_i64().unwrap_or(0)).sum();
        let net = line["amount"].as_i64().unwrap_or(0) - off;
        let pct = |r: &Value| r["percentage"].as_f64().unwrap_or(0.0);
        let incl_pct: f64 = rates.iter().filter(|r| r["inclusive"] == json!(true)).map(pct).sum();
        let mut taxes = Vec::new();
        let mut carved = 0;
        for r in rates.iter().filter(|r| r["inclusive"] == json!(true)) {
            let t = ((net as f64) * pct(r) / (100.0 + incl_pct)).round() as i64;
            carved += t;
            taxes.push((r, t, "inclusive"));
        }
        let base = net - carved;
        let mut entries = Vec::new();
        for (r, t, behavior) in taxes {
            entries.push((r["id"].clone(), t, behavior, base));
        }
        for r in rates.iter().filter(|r| r["inclusive"] != json!(true)) {
            let t = ((base as f64) * pct(r) / 100.0).round() as i64;
            entries.push((r["id"].clone(), t, "exclusive", base));
        }
        let mut rendered = Vec::new();
        for (rate, amount, behavior, taxable) in entries {
            if behavior == "inclusive" {
                inclusive_total += amount;
            } else {
                exclusive_total += amount;
            }
            rendered.push(tax_entry(&rate, amount, behavior, taxable));
            match totals.iter_mut().find(|t| t["tax_rate_details"]["tax_rate"] == rate && t["tax_behavior"] == json!(behavior)) {
                Some(t) => {
                    t["amount"] = json!(t["amount"].as_i64().unwrap_or(0) + amount);
                    t["taxable_amount"] = json!(t["taxable_amount"].as_i64().unwrap_or(0) + taxable);
                }
                None => totals.push(tax_entry(&rate, amount, behavior, taxable)),
            }
        }
        line["taxes"] = json!(rendered);
    }
    (inclusive_total, exclusive_total, totals)
}

fn tax_entry(rate: &Value, amount: i64, behavior: &str, taxable: i64) -> Value {
    json!({
        "amount": amount,
        "tax_behavior": behavior,
        "tax_rate_details": { "tax_rate": rate },
        "taxability_reason": "standard_rated",
        "taxable_amount": taxable,
        "type": "tax_rate_details",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(id: &str, pct: f64, inclusive: bool) -> Value {
        json!({ "id": id, "percentage": pct, "inclusive": inclusive })
    }

    #[test]
    fn exclusive_adds_and_inclusive_is_carved_out() {
        let mut lines = vec![
            json!({ "amount": 1000, "discount_amounts": [], "_tax_rates": [rate("txr_ex", 10.0, false)] }),
            json!({ "amount": 1200, "discount_amounts": [{ "amount": 0 }], "_tax_rates": [] }),
        ];
        let (incl, excl, totals) = apply(&mut lines, &[rate("txr_in", 20.0, true)]);
        assert_eq!((incl, excl), (200, 100));
        assert_eq!(lines[0]["taxes"][0]["amount"], 100);
        assert_eq!(lines[1]["taxes"][0]["amount"], 200);
        assert_eq!(lines[1]["taxes"][0]["taxable_amount"], 1000);
        assert_eq!(totals.len(), 2);
    }

    #[test]
    fn discounts_lower_the_taxable_amount() {
        let mut lines = vec![json!({ "amount": 1000, "discount_amounts": [{ "amount": 500 }] })];
        let (_, excl, totals) = apply(&mut lines, &[rate("txr_a", 8.25, false)]);
        assert_eq!(excl, 41);
        assert_eq!(totals[0]["taxable_amount"], 500);
    }
}
