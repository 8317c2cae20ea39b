//! `expand[]`: replaces ids by their objects along dotted paths (`customer`,
//! `latest_charge.balance_transaction`, `data.customer` for lists), up to four
//! levels as Stripe allows. A path that names no expandable field is Stripe's
//! `This property cannot be expanded (…)`.

use std::future::Future;
use std::pin::Pin;

use asym_store::Pool;
use serde_json::Value;

use crate::errors::{StripeError, StripeResult};
use crate::model::list;
use crate::store::objects::{self, Kind, Scan};

pub async fn apply(db: &Pool, v: &mut Value, paths: &[String]) -> StripeResult<()> {
    for path in paths {
        let parts: Vec<&str> = path.split('.').collect();
        let levels = parts.iter().filter(|p| **p != "data").count();
        if levels > 4 {
            return Err(StripeError::invalid_param(
                format!("You cannot expand more than 4 levels of a property. Property: {path}"),
                "expand",
            ));
        }
        walk(db, v, &parts).await?;
    }
    Ok(())
}

fn walk<'a>(db: &'a Pool, v: &'a mut Value, parts: &'a [&'a str]) -> Pin<Box<dyn Future<Output = StripeResult<()>> + Send + 'a>> {
    Box::pin(async move {
        let Some((field, rest)) = parts.split_first() else { return Ok(()) };
        if let Value::Array(items) = v {
            for item in items {
                walk(db, item, parts).await?;
            }
            return Ok(());
        }
        let cannot = || StripeError::invalid_param(format!("This property cannot be expanded ({field})."), "expand");
        let Some(map) = v.as_object_mut() else { return Err(cannot()) };
        // Lists Stripe includes only when expanded.
        if *field == "refunds" && map.get("object") == Some(&Value::from("charge")) && !map.contains_key("refunds") {
            let id = map.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
            let scan = Scan { reference: Some(id.clone()), ..Default::default() };
            let page = list::Page { limit: 100, ..Default::default() };
            let l = list::list(db, Kind::Refund, &format!("/v1/charges/{id}/refunds"), &page, scan, &|_| true).await?;
            map.insert("refunds".into(), l);
        }
        // An invoice's payments (`expand[]=payments`).
        if *field == "payments" && map.get("object") == Some(&Value::from("invoice")) && !map.contains_key("payments") {
            let id = map.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
            let data = map.get("_payments").cloned().unwrap_or(Value::Array(vec![]));
            let data = data.as_array().cloned().unwrap_or_default();
            map.insert("payments".into(), list::envelope(data, false, &format!("/v1/invoice_payments?invoice={id}")));
        }
        // A customer's tax ids and card sources (`expand[]=tax_ids`, `expand[]=sources`).
        if (*field == "tax_ids" || *field == "sources") && map.get("object") == Some(&Value::from("customer")) && !map.contains_key(*field)
        {
            let id = map.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
            let kind = if *field == "tax_ids" { Kind::TaxId } else { Kind::Card };
            let scan = Scan { customer: Some(id.clone()), ..Default::default() };
            let page = list::Page { limit: 100, ..Default::default() };
            let l = list::list(db, kind, &format!("/v1/customers/{id}/{field}"), &page, scan, &|_| true).await?;
            map.insert((*field).into(), l);
        }
        let Some(child) = map.get_mut(*field) else { return Err(cannot()) };
        if let Some(id) = child.as_str() {
            let kind = Kind::from_id(id).ok_or_else(cannot)?;
            let id = id.to_string();
            match objects::get(db, kind, &id).await? {
                Some(obj) => *child = obj,
                None => return Err(cannot()),
            }
        } else if let Value::Array(list) = child
            && list.iter().all(Value::is_string)
            && !list.is_empty()
        {
            // A list of ids (an invoice's `discounts`): each becomes its object.
            for entry in list.iter_mut() {
                let id = entry.as_str().unwrap_or_default().to_string();
                let kind = Kind::from_id(&id).ok_or_else(cannot)?;
                *entry = objects::get(db, kind, &id).await?.ok_or_else(cannot)?;
            }
        } else if child.is_null() {
            return Ok(());
        } else if !child.is_object() && !child.is_array() {
            return Err(cannot());
        }
        if !rest.is_empty() {
            walk(db, child, rest).await?;
        }
        Ok(())
    })
}
