//! Invoice items and invoices, with Stripe's lifecycle:
//!
//! ```text
//! draft ─finalize→ open ─pay→ paid
//!   │                 ├─void→ void
//!   │                 └─mark_uncollectible→ uncollectible ─pay→ paid
//!   └─delete (drafts only)
//! ```
//!
//! A draft's lines are its invoice items plus, for subscription invoices, one
//! line per subscription item (kept in the private `_sub_lines`). Totals,
//! discounts and the customer's balance are worked out on every change.
//! Finalizing numbers the invoice (`{invoice_prefix}-0001`), gives it its hosted
//! page and PDF links and creates its payment intent; paying confirms that intent
//! through the payment-intent machinery (test cards decide), and the invoice's
//! `payments` (expandable) record the attempt. Invoices with `auto_advance`
//! finalize an hour after creation (on a test clock) and are charged then.

use asym_clone_kit::secrets::{ALNUM, random_string};
use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::discounts::{self, Target};
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::payment_intents::{self, Confirmed};
use crate::model::test_clocks::now_for;
use crate::model::{Req, events, must_get, payment_methods, previous_attributes, public, search, set_text, subscriptions, tax_rates};
use crate::store::objects::{self, Kind, Scan};

pub const SEARCH_FIELDS: &[&str] = &[
    "created",
    "currency",
    "customer",
    "last_finalization_error_code",
    "last_finalization_error_type",
    "metadata",
    "number",
    "receipt_number",
    "status",
    "subscription",
    "total",
];

/// How long an `auto_advance` draft waits before Stripe finalizes it.
pub const FINALIZE_DELAY: i64 = 3600;

/// An amount as Stripe writes it in line descriptions (`$20.00`, `€5.00`).
pub fn money(amount: i64, currency: &str) -> String {
    let n = format!("{}.{:02}", amount.abs() / 100, amount.abs() % 100);
    let sign = if amount < 0 { "-" } else { "" };
    match currency {
        "usd" => format!("{sign}${n}"),
        "eur" => format!("{sign}€{n}"),
        "gbp" => format!("{sign}£{n}"),
        c => format!("{sign}{n} {}", c.to_uppercase()),
    }
}

/// A new draft invoice for `customer` at `now`.
pub fn blank(customer: &Value, now: i64, currency: &str) -> Value {
    let id = ids::new("in");
    json!({
        "id": id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "asymmetric",
        "account_tax_ids": null,
        "amount_due": 0,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "application": null,
        "attempt_count": 0,
        "attempted": false,
        "auto_advance": false,
        "automatic_tax": { "disabled_reason": null, "enabled": false, "liability": null, "provider": null, "status": null },
        "automatically_finalizes_at": null,
        "billing_reason": "manual",
        "collection_method": "charge_automatically",
        "confirmation_secret": null,
        "created": now,
        "currency": currency,
        "custom_fields": null,
        "customer": customer["id"],
        "customer_account": null,
        "customer_address": customer["address"],
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": customer["phone"],
        "customer_shipping": customer["shipping"],
        "customer_tax_exempt": customer["tax_exempt"],
        "customer_tax_ids": [],
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discounts": [],
        "due_date": null,
        "effective_at": null,
        "ending_balance": null,
        "footer": customer["invoice_settings"]["footer"],
        "from_invoice": null,
        "hosted_invoice_url": null,
        "invoice_pdf": null,
        "issuer": { "type": "self" },
        "last_finalization_error": null,
        "latest_revision": null,
        "lines": { "object": "list", "data": [], "has_more": false, "total_count": 0, "url": format!("/v1/invoices/{id}/lines") },
        "livemode": false,
        "metadata": {},
        "next_payment_attempt": null,
        "number": null,
        "on_behalf_of": null,
        "parent": null,
        "payment_settings": { "default_mandate": null, "payment_method_options": null, "payment_method_types": null },
        "period_end": now,
        "period_start": now,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": null,
        "rendering": { "amount_tax_display": null, "pdf": { "page_size": "auto" }, "template": null, "template_version": null },
        "shipping_cost": null,
        "shipping_details": null,
        "starting_balance": 0,
        "statement_descriptor": null,
        "status": "draft",
        "status_transitions": { "finalized_at": null, "marked_uncollectible_at": null, "paid_at": null, "voided_at": null },
        "subscription": null,
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "test_clock": customer["test_clock"],
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": now,
        "_sub_lines": [],
        "_payments": [],
    })
}

fn pricing(price: &Value) -> Value {
    if price.is_null() {
        return json!({ "price_details": null, "type": "price_details", "unit_amount_decimal": null });
    }
    json!({
        "price_details": { "price": price["id"], "product": price["product"] },
        "type": "price_details",
        "unit_amount_decimal": price["unit_amount_decimal"],
    })
}

/// The invoice line an invoice item becomes.
pub fn line_of_item(ii: &Value, invoice: &str) -> Value {
    let sub = ii["parent"]["subscription_details"]["subscription"].clone();
    json!({
        "id": format!("il_{}", &ii["id"].as_str().unwrap_or_default()[3..]),
        "object": "line_item",
        "amount": ii["amount"],
        "currency": ii["currency"],
        "description": ii["description"],
        "discount_amounts": [],
        "discountable": ii["discountable"],
        "discounts": ii["discounts"],
        "invoice": invoice,
        "livemode": false,
        "metadata": ii["metadata"],
        "parent": {
            "invoice_item_details": {
                "invoice_item": ii["id"],
                "proration": ii["proration"],
                "proration_details": { "credited_items": null },
                "subscription": sub,
            },
            "subscription_item_details": null,
            "type": "invoice_item_details",
        },
        "period": ii["period"],
        "pretax_credit_amounts": [],
        "pricing": ii["pricing"],
        "quantity": ii["quantity"],
        "subscription": sub,
        "subtotal": ii["amount"],
        "taxes": [],
        "_price": ii["_price"],
        "_tax_rates": ii["tax_rates"],
    })
}

/// A subscription item's line on a subscription invoice.
#[allow(clippy::too_many_arguments)]
pub fn sub_line(invoice: &str, sub: &str, item: &Value, amount: i64, period: (i64, i64), description: String) -> Value {
    let price = &item["price"];
    json!({
        "id": ids::new("il"),
        "object": "line_item",
        "amount": amount,
        "currency": price["currency"],
        "description": description,
        "discount_amounts": [],
        "discountable": true,
        "discounts": [],
        "invoice": invoice,
        "livemode": false,
        "metadata": item["metadata"],
        "parent": {
            "invoice_item_details": null,
            "subscription_item_details": {
                "invoice_item": null,
                "proration": false,
                "proration_details": { "credited_items": null },
                "subscription": sub,
                "subscription_item": item["id"],
            },
            "type": "subscription_item_details",
        },
        "period": { "end": period.1, "start": period.0 },
        "pretax_credit_amounts": [],
        "pricing": pricing(price),
        "quantity": item["quantity"],
        "subscription": sub,
        "subtotal": amount,
        "taxes": [],
        "_price": price["id"],
        "_tax_rates": item["tax_rates"],
    })
}

/// Works out a draft's lines and every total from its items, subscription lines,
/// discounts and the customer's balance.
pub async fn recompute(tx: &mut AnyConnection, inv: &mut Value) -> StripeResult<()> {
    let id = inv["id"].as_str().unwrap_or_default().to_string();
    let mut lines: Vec<Value> = inv["_sub_lines"].as_array().cloned().unwrap_or_default();
    let items =
        objects::scan(&mut *tx, Kind::InvoiceItem, &Scan { reference: Some(id.clone()), limit: 10_000, ..Default::default() }).await?;
    // Oldest first, as Stripe lists an invoice's items.
    for (_, ii) in items.into_iter().rev() {
        lines.push(line_of_item(&ii, &id));
    }
    let ids: Vec<String> = inv["discounts"].as_array().into_iter().flatten().filter_map(|d| d.as_str().map(String::from)).collect();
    let at = inv["created"].as_i64().unwrap_or(0);
    let active = discounts::active(tx, &ids, at).await?;
    let per_line = discounts::of_lines(tx, &lines, at).await?;
    settle(inv, lines, &active, &per_line);
    Ok(())
}

/// Sets `lines` on `inv` with `discounts` taken off, and every total.
pub fn settle(inv: &mut Value, mut lines: Vec<Value>, discounts: &[Value], per_line: &[Vec<Value>]) {
    let currency = inv["currency"].as_str().unwrap_or("usd").to_string();
    let totals = discounts::take_off(&mut lines, discounts, per_line, &currency);
    let subtotal: i64 = lines.iter().map(|l| l["amount"].as_i64().unwrap_or(0)).sum();
    let off: i64 = totals.iter().map(|t| t["amount"].as_i64().unwrap_or(0)).sum();
    let defaults: Vec<Value> = inv["default_tax_rates"].as_array().cloned().unwrap_or_default();
    let (inclusive, exclusive, taxes) = tax_rates::apply(&mut lines, &defaults);
    let total = subtotal - off + exclusive;
    let starting = inv["starting_balance"].as_i64().unwrap_or(0);
    let due = (total + starting).max(0);
    inv["subtotal"] = json!(subtotal);
    inv["subtotal_excluding_tax"] = json!(subtotal - inclusive);
    inv["total"] = json!(total);
    inv["total_excluding_tax"] = json!(total - exclusive - inclusive);
    inv["total_taxes"] = json!(taxes);
    inv["total_discount_amounts"] = json!(totals);
    inv["amount_due"] = json!(due);
    inv["amount_remaining"] = json!(due - inv["amount_paid"].as_i64().unwrap_or(0));
    let n = lines.len();
    inv["lines"]["data"] = json!(lines);
    inv["lines"]["total_count"] = json!(n);
    inv["lines"]["has_more"] = json!(false);
}

/// `ii` fields a new invoice item takes.
pub struct NewItem<'a> {
    pub customer: &'a Value,
    pub amount: i64,
    pub currency: String,
    pub description: Option<String>,
    pub quantity: i64,
    pub price: Value,
    pub period: (i64, i64),
    pub proration: bool,
    pub subscription: Option<String>,
    pub subscription_item: Option<String>,
    pub invoice: Option<String>,
    pub discountable: bool,
    pub metadata: Value,
    /// The item's own tax rates (objects), which win over the invoice's defaults.
    pub tax_rates: Vec<Value>,
    pub now: i64,
}

/// Stores a new invoice item (and emits `invoiceitem.created`).
pub async fn insert_item(tx: &mut AnyConnection, req: &Req, n: NewItem<'_>) -> StripeResult<Value> {
    let parent = match &n.subscription {
        Some(s) => {
            json!({ "subscription_details": { "subscription": s, "subscription_item": n.subscription_item }, "type": "subscription_details" })
        }
        None => Value::Null,
    };
    let ii = json!({
        "id": ids::new("ii"),
        "object": "invoiceitem",
        "amount": n.amount,
        "currency": n.currency,
        "customer": n.customer["id"],
        "customer_account": null,
        "date": n.now,
        "description": n.description,
        "discountable": n.discountable,
        "discounts": [],
        "invoice": n.invoice,
        "livemode": false,
        "metadata": n.metadata,
        "net_amount": n.amount,
        "parent": parent,
        "period": { "end": n.period.1, "start": n.period.0 },
        "pricing": pricing(&n.price),
        "proration": n.proration,
        "quantity": n.quantity,
        "quantity_decimal": n.quantity.to_string(),
        "tax_rates": n.tax_rates,
        "test_clock": n.customer["test_clock"],
        "_price": n.price["id"],
    });
    objects::insert(&mut *tx, Kind::InvoiceItem, &ii).await?;
    events::emit(tx, req, "invoiceitem.created", &ii, None).await?;
    Ok(ii)
}

async fn customer_of(tx: &mut AnyConnection, id: &str, param: &str) -> StripeResult<Value> {
    must_get(&mut *tx, Kind::Customer, id, param).await
}

async fn draft_of(tx: &mut AnyConnection, id: &str, param: &str) -> StripeResult<Value> {
    let inv = must_get(&mut *tx, Kind::Invoice, id, param).await?;
    if inv["status"] != "draft" {
        return Err(StripeError::invalid_param(
            format!("You can only add invoice items to draft invoices; invoice {id} is {}.", inv["status"].as_str().unwrap_or_default()),
            param,
        ));
    }
    Ok(inv)
}

/// Re-saves a draft after its items changed.
pub async fn refresh(tx: &mut AnyConnection, id: &str) -> StripeResult<()> {
    if let Some(mut inv) = objects::get(&mut *tx, Kind::Invoice, id).await?
        && inv["status"] == "draft"
    {
        recompute(tx, &mut inv).await?;
        objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- invoice items

const ITEM_FIELDS: &[&str] = &[
    "amount",
    "currency",
    "customer",
    "description",
    "discountable",
    "discounts",
    "invoice",
    "metadata",
    "period",
    "price_data",
    "pricing",
    "quantity",
    "subscription",
    "tax_behavior",
    "tax_code",
    "tax_rates",
    "unit_amount_decimal",
    "customer_account",
    "quantity_decimal",
];

/// The price a `pricing[price]` or `price_data` parameter names (not stored for `price_data`).
async fn price_param(tx: &mut AnyConnection, p: &Params) -> StripeResult<Option<Value>> {
    if let Some(pr) = p.hash("pricing")? {
        if let Some(k) = pr.keys().find(|k| *k != "price") {
            return Err(StripeError::unknown(&format!("pricing[{k}]")));
        }
        if let Some(id) = pr.get("price").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            return Ok(Some(must_get(&mut *tx, Kind::Price, id, "pricing[price]").await?));
        }
    }
    if let Some(pd) = p.hash("price_data")? {
        let data = crate::form::hash_value(pd, &["unit_amount"])?;
        let product = data["product"].as_str().ok_or_else(|| StripeError::missing("price_data[product]"))?.to_string();
        must_get(&mut *tx, Kind::Product, &product, "price_data[product]").await?;
        let mut price = crate::model::prices::from_data(&product, &data, "price_data")?;
        price["active"] = json!(false);
        return Ok(Some(price));
    }
    Ok(None)
}

/// `POST /v1/invoiceitems`.
pub async fn create_item(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(ITEM_FIELDS)?;
    let customer_id = p.required("customer")?;
    let mut tx = asym_store::begin_write(db).await?;
    let customer = customer_of(&mut tx, &customer_id, "customer").await?;
    let now = now_for(&mut tx, &customer).await?;
    let invoice = match p.text("invoice")? {
        Some(i) => {
            let inv = draft_of(&mut tx, &i, "invoice").await?;
            if inv["customer"] != json!(customer_id) {
                return Err(StripeError::invalid_param(format!("Invoice {i} belongs to another customer."), "invoice"));
            }
            Some(inv)
        }
        None => None,
    };
    let subscription = match p.text("subscription")? {
        Some(s) => Some(must_get(&mut *tx, Kind::Subscription, &s, "subscription").await?["id"].as_str().unwrap_or_default().to_string()),
        None => None,
    };
    let price = price_param(&mut tx, p).await?;
    let quantity = p.int("quantity")?.unwrap_or(1);
    if quantity < 0 {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 0.", "quantity"));
    }
    let (amount, currency, price, description) = match (p.int("amount")?, &price, p.text("unit_amount_decimal")?) {
        (Some(_), Some(_), _) => return Err(StripeError::invalid("You may only specify one of these parameters: amount, pricing[price].")),
        (Some(a), None, _) => {
            let cur = crate::model::currency(p, "currency")?.ok_or_else(|| StripeError::missing("currency"))?;
            (a, cur, Value::Null, None)
        }
        (None, Some(pr), _) => {
            if pr["type"] == "recurring" && subscription.is_none() {
                return Err(StripeError::invalid_param(
                    format!(
                        "The price specified ({}) is a recurring price; invoice items take one-time prices.",
                        pr["id"].as_str().unwrap_or_default()
                    ),
                    "pricing[price]",
                ));
            }
            let unit = pr["unit_amount"].as_i64().unwrap_or(0);
            let name = match pr["product"].as_str() {
                Some(prod) => objects::get(&mut *tx, Kind::Product, prod).await?.and_then(|v| v["name"].as_str().map(String::from)),
                None => None,
            };
            let desc = name.map(|n| if quantity == 1 { n } else { format!("{n} × {quantity}") });
            (unit * quantity, pr["currency"].as_str().unwrap_or("usd").to_string(), pr.clone(), desc)
        }
        (None, None, Some(d)) => {
            let cur = crate::model::currency(p, "currency")?.ok_or_else(|| StripeError::missing("currency"))?;
            let unit = d.parse::<f64>().map_err(|_| StripeError::invalid_param(format!("Invalid decimal: {d}"), "unit_amount_decimal"))?;
            ((unit * quantity as f64).round() as i64, cur, Value::Null, None)
        }
        (None, None, None) => {
            return Err(StripeError::invalid("You must specify either `amount`, `pricing[price]`, `price_data` or `unit_amount_decimal`."));
        }
    };
    if let Some(c) = crate::model::currency(p, "currency")?
        && c != currency
    {
        return Err(StripeError::invalid_param(format!("The currency {c} does not match the price's currency {currency}."), "currency"));
    }
    if let Some(inv) = &invoice
        && inv["currency"] != json!(currency)
    {
        return Err(StripeError::invalid_param(
            format!(
                "The invoice item's currency ({currency}) must match the invoice's currency ({}).",
                inv["currency"].as_str().unwrap_or_default()
            ),
            "currency",
        ));
    }
    let period = match p.hash("period")? {
        Some(m) => {
            let int = |k: &str| {
                m.get(k)
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<i64>().ok())
                    .ok_or_else(|| StripeError::missing(&format!("period[{k}]")))
            };
            (int("start")?, int("end")?)
        }
        None => (now, now),
    };
    let mut metadata = json!({});
    merge_metadata(&mut metadata, p.get("metadata"))?;
    let rates = tax_rates::resolve(&mut tx, p.get("tax_rates"), "tax_rates").await?.unwrap_or_default();
    let item = NewItem {
        customer: &customer,
        amount,
        currency,
        description: p.text("description")?.or(description),
        quantity,
        price,
        period,
        proration: false,
        subscription,
        subscription_item: None,
        invoice: invoice.as_ref().and_then(|i| i["id"].as_str().map(String::from)),
        discountable: p.bool("discountable")?.unwrap_or(true),
        metadata,
        tax_rates: rates,
        now,
    };
    let mut ii = insert_item(&mut tx, req, item).await?;
    let ii_id = ii["id"].as_str().unwrap_or_default().to_string();
    let target = Target { customer: &customer_id, invoice: None, subscription: None, now, subtotal: None, invoice_item: Some(&ii_id) };
    if let Some(ds) = discounts::from_param(&mut tx, req, p.get("discounts"), &target).await? {
        ii["discounts"] = json!(ds);
        objects::save(&mut *tx, Kind::InvoiceItem, &ii).await?;
    }
    if let Some(i) = ii["invoice"].as_str().map(String::from) {
        refresh(&mut tx, &i).await?;
    }
    tx.commit().await?;
    Ok(ii)
}

pub async fn retrieve_item(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::InvoiceItem, id, "invoiceitem").await
}

async fn editable_item(tx: &mut AnyConnection, id: &str) -> StripeResult<Value> {
    let ii = must_get(&mut *tx, Kind::InvoiceItem, id, "invoiceitem").await?;
    if let Some(inv) = ii["invoice"].as_str()
        && objects::get(&mut *tx, Kind::Invoice, inv).await?.is_some_and(|i| i["status"] != "draft")
    {
        return Err(StripeError::invalid(format!(
            "Invoice item {id} cannot be updated or deleted because it is on invoice {inv}, which is no longer a draft."
        )));
    }
    Ok(ii)
}

/// `POST /v1/invoiceitems/{id}`.
pub async fn update_item(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "amount",
        "description",
        "discountable",
        "discounts",
        "metadata",
        "period",
        "price_data",
        "pricing",
        "quantity",
        "tax_behavior",
        "tax_code",
        "tax_rates",
        "unit_amount_decimal",
        "quantity_decimal",
    ])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = editable_item(&mut tx, id).await?;
    let mut ii = before.clone();
    set_text(&mut ii, p, "description")?;
    if let Some(d) = p.bool("discountable")? {
        ii["discountable"] = json!(d);
    }
    let quantity = p.int("quantity")?.unwrap_or(ii["quantity"].as_i64().unwrap_or(1));
    if let Some(price) = price_param(&mut tx, p).await? {
        ii["pricing"] = pricing(&price);
        ii["_price"] = price["id"].clone();
        ii["amount"] = json!(price["unit_amount"].as_i64().unwrap_or(0) * quantity);
    } else if let Some(a) = p.int("amount")? {
        ii["amount"] = json!(a);
    } else if p.has("quantity")
        && let Some(pid) = ii["_price"].as_str().map(String::from)
        && let Some(price) = objects::get(&mut *tx, Kind::Price, &pid).await?
    {
        ii["amount"] = json!(price["unit_amount"].as_i64().unwrap_or(0) * quantity);
    }
    ii["quantity"] = json!(quantity);
    ii["quantity_decimal"] = json!(quantity.to_string());
    ii["net_amount"] = ii["amount"].clone();
    if let Some(rates) = tax_rates::resolve(&mut tx, p.get("tax_rates"), "tax_rates").await? {
        ii["tax_rates"] = json!(rates);
    }
    merge_metadata(&mut ii["metadata"], p.get("metadata"))?;
    if ii != before {
        objects::save(&mut *tx, Kind::InvoiceItem, &ii).await?;
        events::emit(&mut tx, req, "invoiceitem.updated", &ii, Some(previous_attributes(&before, &ii))).await?;
        if let Some(i) = ii["invoice"].as_str().map(String::from) {
            refresh(&mut tx, &i).await?;
        }
    }
    tx.commit().await?;
    Ok(ii)
}

/// `DELETE /v1/invoiceitems/{id}`.
pub async fn delete_item(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let ii = editable_item(&mut tx, id).await?;
    objects::remove(&mut *tx, Kind::InvoiceItem, id).await?;
    events::emit(&mut tx, req, "invoiceitem.deleted", &ii, None).await?;
    if let Some(i) = ii["invoice"].as_str() {
        refresh(&mut tx, i).await?;
    }
    tx.commit().await?;
    Ok(json!({ "id": id, "object": "invoiceitem", "deleted": true }))
}

/// `GET /v1/invoiceitems`.
pub async fn list_items(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["created", "customer", "invoice", "pending", "customer_account"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let pending = p.bool("pending")?;
    let scan = Scan { customer: p.text("customer")?, reference: p.text("invoice")?, ..Default::default() };
    list::list(db, Kind::InvoiceItem, "/v1/invoiceitems", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(v["date"].as_i64().unwrap_or(0))))
            && pending.is_none_or(|pd| v["invoice"].is_null() == pd)
    })
    .await
}

/// The customer's pending invoice items (oldest first), optionally only those of one subscription.
pub async fn pending_items(tx: &mut AnyConnection, customer: &str, subscription: Option<&str>) -> StripeResult<Vec<Value>> {
    let rows =
        objects::scan(&mut *tx, Kind::InvoiceItem, &Scan { customer: Some(customer.into()), limit: 10_000, ..Default::default() }).await?;
    Ok(rows
        .into_iter()
        .rev()
        .map(|(_, v)| v)
        .filter(|v| v["invoice"].is_null())
        .filter(|v| subscription.is_none_or(|s| v["parent"]["subscription_details"]["subscription"] == json!(s)))
        .collect())
}

/// Moves pending items onto draft `inv`.
pub async fn claim(tx: &mut AnyConnection, inv: &Value, items: Vec<Value>) -> StripeResult<()> {
    for mut ii in items {
        ii["invoice"] = inv["id"].clone();
        objects::save(&mut *tx, Kind::InvoiceItem, &ii).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- invoices

const CREATE_PARAMS: &[&str] = &[
    "account_tax_ids",
    "application_fee_amount",
    "auto_advance",
    "automatic_tax",
    "automatically_finalizes_at",
    "collection_method",
    "currency",
    "custom_fields",
    "customer",
    "customer_account",
    "days_until_due",
    "default_payment_method",
    "default_source",
    "default_tax_rates",
    "description",
    "discounts",
    "due_date",
    "effective_at",
    "footer",
    "from_invoice",
    "issuer",
    "metadata",
    "number",
    "on_behalf_of",
    "payment_settings",
    "pending_invoice_items_behavior",
    "rendering",
    "shipping_cost",
    "shipping_details",
    "statement_descriptor",
    "subscription",
    "transfer_data",
];

/// Collection settings shared by create and update.
fn apply_collection(inv: &mut Value, p: &Params, now: i64) -> StripeResult<()> {
    if let Some(c) = p.choice("collection_method", &["charge_automatically", "send_invoice"])? {
        inv["collection_method"] = json!(c);
    }
    let days = p.int("days_until_due")?;
    let due = p.int("due_date")?;
    if inv["collection_method"] == "send_invoice" {
        match (days, due) {
            (Some(_), Some(_)) => {
                return Err(StripeError::invalid("You may only specify one of these parameters: days_until_due, due_date."));
            }
            (Some(d), None) => inv["due_date"] = json!(now + d * 86_400),
            (None, Some(t)) => inv["due_date"] = json!(t),
            (None, None) if inv["due_date"].is_null() => {
                return Err(StripeError::invalid_param(
                    "Missing required param: days_until_due or due_date (required when collection_method is send_invoice).",
                    "days_until_due",
                ));
            }
            _ => {}
        }
    } else {
        if days.is_some() || due.is_some() {
            let k = if days.is_some() { "days_until_due" } else { "due_date" };
            return Err(StripeError::invalid_param(format!("You can only set `{k}` when collection_method is send_invoice."), k));
        }
        inv["due_date"] = Value::Null;
    }
    for f in ["description", "footer", "statement_descriptor"] {
        set_text(inv, p, f)?;
    }
    if let Some(a) = p.bool("auto_advance")? {
        inv["auto_advance"] = json!(a);
    }
    merge_metadata(&mut inv["metadata"], p.get("metadata"))?;
    Ok(())
}

fn schedule(inv: &mut Value) {
    inv["automatically_finalizes_at"] = if inv["status"] == "draft" && inv["auto_advance"] == json!(true) {
        json!(inv["created"].as_i64().unwrap_or(0) + FINALIZE_DELAY)
    } else {
        Value::Null
    };
}

async fn check_payment_method(tx: &mut AnyConnection, customer: &str, pm: &str, param: &str) -> StripeResult<()> {
    let found = must_get(&mut *tx, Kind::PaymentMethod, pm, param).await?;
    if found["customer"] != json!(customer) {
        return Err(StripeError::invalid_param(format!("The PaymentMethod provided ({pm}) is not attached to this Customer."), param));
    }
    Ok(())
}

/// `POST /v1/invoices`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(CREATE_PARAMS)?;
    let mut tx = asym_store::begin_write(db).await?;
    let sub = match p.text("subscription")? {
        Some(s) => Some(must_get(&mut *tx, Kind::Subscription, &s, "subscription").await?),
        None => None,
    };
    let customer_id = match (p.text("customer")?, &sub) {
        (Some(c), _) => c,
        (None, Some(s)) => s["customer"].as_str().unwrap_or_default().to_string(),
        (None, None) => return Err(StripeError::missing("customer")),
    };
    let customer = customer_of(&mut tx, &customer_id, "customer").await?;
    let now = now_for(&mut tx, &customer).await?;
    let behavior = p.choice("pending_invoice_items_behavior", &["exclude", "include"])?.unwrap_or_else(|| "exclude".into());
    let pending = if behavior == "include" || sub.is_some() {
        pending_items(&mut tx, &customer_id, sub.as_ref().and_then(|s| s["id"].as_str())).await?
    } else {
        vec![]
    };
    let currency = match crate::model::currency(p, "currency")? {
        Some(c) => c,
        None => pending.first().and_then(|i| i["currency"].as_str()).or(customer["currency"].as_str()).unwrap_or("usd").to_string(),
    };
    let mut inv = blank(&customer, now, &currency);
    if let Some(s) = &sub {
        inv["parent"] = json!({ "quote_details": null, "subscription_details": { "metadata": s["metadata"], "subscription": s["id"] }, "type": "subscription_details" });
        inv["subscription"] = s["id"].clone();
    }
    apply_collection(&mut inv, p, now)?;
    if let Some(pm) = p.text("default_payment_method")? {
        check_payment_method(&mut tx, &customer_id, &pm, "default_payment_method").await?;
        inv["default_payment_method"] = json!(pm);
    }
    if let Some(n) = p.text("number")? {
        inv["_number"] = json!(n);
    }
    if let Some(s) = &sub {
        inv["default_tax_rates"] = s["default_tax_rates"].clone();
    }
    if let Some(rates) = tax_rates::resolve(&mut tx, p.get("default_tax_rates"), "default_tax_rates").await? {
        inv["default_tax_rates"] = json!(rates);
    }
    let id = inv["id"].as_str().unwrap_or_default().to_string();
    let pending_total: i64 = pending.iter().map(|i| i["amount"].as_i64().unwrap_or(0)).sum();
    let target = Target {
        customer: &customer_id,
        invoice: Some(&id),
        subscription: None,
        now,
        subtotal: Some((pending_total, &currency)),
        invoice_item: None,
    };
    if let Some(ds) = discounts::from_param(&mut tx, req, p.get("discounts"), &target).await? {
        inv["discounts"] = json!(ds);
    } else if sub.is_none() {
        // Without discounts of its own, an invoice takes the customer's (a
        // `once` one is used up by it).
        let taken = discounts::active(&mut tx, &discounts::of_customer(&customer), now).await?;
        inv["discounts"] = json!(taken.iter().map(|d| d["id"].clone()).collect::<Vec<_>>());
        discounts::spend_customer_once(&mut tx, req, &customer_id, &taken).await?;
    }
    schedule(&mut inv);
    objects::insert(&mut *tx, Kind::Invoice, &inv).await?;
    claim(&mut tx, &inv, pending).await?;
    recompute(&mut tx, &mut inv).await?;
    objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    events::emit(&mut tx, req, "invoice.created", &inv, None).await?;
    tx.commit().await?;
    Ok(inv)
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::Invoice, id, "invoice").await
}

/// `POST /v1/invoices/{id}`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    let mut allowed: Vec<&str> = CREATE_PARAMS
        .iter()
        .copied()
        .filter(|k| {
            !["customer", "subscription", "pending_invoice_items_behavior", "currency", "from_invoice", "customer_account"].contains(k)
        })
        .collect();
    allowed.push("automatically_finalizes_at");
    p.allow(&allowed)?;
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::Invoice, id).await?;
    let before = must_get(&mut *tx, Kind::Invoice, id, "invoice").await?;
    let mut inv = before.clone();
    let status = before["status"].as_str().unwrap_or_default().to_string();
    if status != "draft" {
        let open_ok =
            ["metadata", "auto_advance", "description", "footer", "custom_fields", "rendering", "due_date", "days_until_due", "expand"];
        if let Some(k) = p.map.keys().find(|k| !open_ok.contains(&k.as_str()) || (status != "open" && k.as_str() != "metadata")) {
            return Err(StripeError::invalid_param(
                format!("Finalized invoices can't be updated in this way: `{k}` can only be changed while the invoice is a draft."),
                k.as_str(),
            ));
        }
    }
    let customer = before["customer"].as_str().unwrap_or_default().to_string();
    let now = crate::model::test_clocks::now_for_id(&mut tx, &customer).await?;
    apply_collection(&mut inv, p, now)?;
    if let Some(pm) = p.str("default_payment_method")? {
        if pm.is_empty() {
            inv["default_payment_method"] = Value::Null;
        } else {
            check_payment_method(&mut tx, &customer, pm, "default_payment_method").await?;
            inv["default_payment_method"] = json!(pm);
        }
    }
    let target = Target { customer: &customer, invoice: Some(id), subscription: None, now, subtotal: None, invoice_item: None };
    if let Some(ds) = discounts::from_param(&mut tx, req, p.get("discounts"), &target).await? {
        inv["discounts"] = json!(ds);
    }
    if let Some(rates) = tax_rates::resolve(&mut tx, p.get("default_tax_rates"), "default_tax_rates").await? {
        inv["default_tax_rates"] = json!(rates);
    }
    if status == "draft" {
        schedule(&mut inv);
        recompute(&mut tx, &mut inv).await?;
    }
    if inv != before {
        objects::save(&mut *tx, Kind::Invoice, &inv).await?;
        events::emit(&mut tx, req, "invoice.updated", &inv, Some(previous_attributes(&before, &inv))).await?;
    }
    tx.commit().await?;
    Ok(inv)
}

/// `DELETE /v1/invoices/{id}` (drafts only; their items become pending again).
pub async fn delete(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let inv = must_get(&mut *tx, Kind::Invoice, id, "invoice").await?;
    if inv["status"] != "draft" {
        return Err(StripeError::invalid(format!(
            "You can only delete draft invoices. This invoice ({id}) is {}; void it instead.",
            inv["status"].as_str().unwrap_or_default()
        )));
    }
    let items =
        objects::scan(&mut *tx, Kind::InvoiceItem, &Scan { reference: Some(id.into()), limit: 10_000, ..Default::default() }).await?;
    for (_, mut ii) in items {
        ii["invoice"] = Value::Null;
        objects::save(&mut *tx, Kind::InvoiceItem, &ii).await?;
    }
    objects::mark_deleted(&mut *tx, Kind::Invoice, &json!({ "id": id, "object": "invoice", "deleted": true })).await?;
    events::emit(&mut tx, req, "invoice.deleted", &inv, None).await?;
    tx.commit().await?;
    Ok(json!({ "id": id, "object": "invoice", "deleted": true }))
}

/// Finalizes draft `inv` at `now` (inside `tx`): numbers it, applies the
/// customer's balance, creates its payment intent; a zero invoice is paid at once.
pub async fn finalize_in(tx: &mut AnyConnection, req: &Req, inv: &mut Value, now: i64) -> StripeResult<()> {
    let customer_id = inv["customer"].as_str().unwrap_or_default().to_string();
    let mut customer = customer_of(tx, &customer_id, "customer").await?;
    let lines_empty = inv["lines"]["data"].as_array().is_none_or(|l| l.is_empty());
    if lines_empty && inv["billing_reason"] == "manual" {
        let mut err = Map::new();
        let mut pubinv = inv.clone();
        public(&mut pubinv);
        err.insert("invoice".into(), pubinv);
        return Err(StripeError::UnexpectedState {
            message: "This invoice has no line items, so it cannot be finalized.".into(),
            code: "invoice_no_customer_line_items",
            param: None,
            extra: err,
        });
    }
    let seq = customer["next_invoice_sequence"].as_i64().unwrap_or(1);
    let number = match inv["_number"].as_str() {
        Some(n) => n.to_string(),
        None => format!("{}-{seq:04}", customer["invoice_prefix"].as_str().unwrap_or("INV")),
    };
    let before_customer = customer.clone();
    customer["next_invoice_sequence"] = json!(seq + 1);
    // The customer's balance (credit is negative) goes against the total.
    let balance = customer["balance"].as_i64().unwrap_or(0);
    inv["starting_balance"] = json!(balance);
    recompute(tx, inv).await?;
    let total = inv["total"].as_i64().unwrap_or(0);
    let ending = if total + balance < 0 { total + balance } else { 0 };
    inv["ending_balance"] = json!(ending);
    customer["balance"] = json!(ending);
    if customer["currency"].is_null() {
        customer["currency"] = inv["currency"].clone();
    }
    objects::save(&mut *tx, Kind::Customer, &customer).await?;
    if before_customer["balance"] != customer["balance"] {
        let id = inv["id"].as_str().map(String::from);
        crate::model::customer_balance::record(tx, &customer, ending - balance, "applied_to_invoice", id.as_deref(), None, now).await?;
        events::emit(tx, req, "customer.updated", &customer, Some(previous_attributes(&before_customer, &customer))).await?;
    }
    let token = random_string(60, ALNUM);
    inv["number"] = json!(number);
    inv["status"] = json!("open");
    inv["status_transitions"]["finalized_at"] = json!(now);
    inv["effective_at"] = json!(now);
    inv["hosted_invoice_url"] = json!(format!("https://invoice.stripe.com/i/acct_1asymmetric/test_{token}?s=ap"));
    inv["invoice_pdf"] = json!(format!("https://pay.stripe.com/invoice/acct_1asymmetric/test_{token}/pdf?s=ap"));
    inv["automatically_finalizes_at"] = Value::Null;
    inv["lines"]["data"] = json!(inv["lines"]["data"].as_array().cloned().unwrap_or_default());
    // `once` discounts are spent by this invoice (Stripe drops them from the subscription).
    let amount = inv["amount_due"].as_i64().unwrap_or(0);
    if amount > 0 {
        let currency = inv["currency"].as_str().unwrap_or("usd").to_string();
        let mut pi = payment_intents::blank(req, amount, &currency, true);
        pi["customer"] = json!(customer_id);
        pi["created"] = json!(now);
        pi["description"] = json!(match inv["billing_reason"].as_str() {
            Some("subscription_create") => "Subscription creation",
            Some("subscription_cycle") => "Subscription update",
            Some("subscription_update") => "Subscription update",
            _ => "Payment for Invoice",
        });
        pi["setup_future_usage"] = Value::Null;
        pi["automatic_payment_methods"] = Value::Null;
        objects::insert(&mut *tx, Kind::PaymentIntent, &pi).await?;
        events::emit(tx, req, "payment_intent.created", &pi, None).await?;
        inv["confirmation_secret"] = json!({ "client_secret": pi["client_secret"], "type": "payment_intent" });
        inv["_payments"] = json!([{
            "id": ids::new("inpay"),
            "object": "invoice_payment",
            "amount_paid": null,
            "amount_requested": amount,
            "created": now,
            "currency": currency,
            "invoice": inv["id"],
            "is_default": true,
            "livemode": false,
            "payment": { "payment_intent": pi["id"], "type": "payment_intent" },
            "status": "open",
            "status_transitions": { "canceled_at": null, "paid_at": null },
        }]);
        if inv["collection_method"] == "charge_automatically" && inv["auto_advance"] == json!(true) {
            inv["next_payment_attempt"] = json!(now);
        }
    }
    objects::save(&mut *tx, Kind::Invoice, inv).await?;
    events::emit(tx, req, "invoice.finalized", inv, None).await?;
    if amount == 0 {
        mark_paid(tx, req, inv, now).await?;
    }
    Ok(())
}

/// Marks `inv` paid at `at` and tells its subscription.
pub async fn mark_paid(tx: &mut AnyConnection, req: &Req, inv: &mut Value, at: i64) -> StripeResult<()> {
    let due = inv["amount_due"].as_i64().unwrap_or(0);
    inv["amount_paid"] = json!(due);
    inv["amount_remaining"] = json!(0);
    inv["status"] = json!("paid");
    inv["status_transitions"]["paid_at"] = json!(at);
    inv["auto_advance"] = json!(false);
    inv["next_payment_attempt"] = Value::Null;
    if let Some(ps) = inv["_payments"].as_array_mut() {
        for p in ps.iter_mut().filter(|p| p["status"] == "open") {
            p["status"] = json!("paid");
            p["amount_paid"] = p["amount_requested"].clone();
            p["status_transitions"]["paid_at"] = json!(at);
        }
    }
    objects::save(&mut *tx, Kind::Invoice, inv).await?;
    if due > 0 {
        events::emit(tx, req, "invoice.payment_succeeded", inv, None).await?;
    }
    events::emit(tx, req, "invoice.paid", inv, None).await?;
    subscriptions::invoice_settled(tx, req, inv, true).await?;
    Ok(())
}

/// How a payment attempt ended.
pub enum Attempt {
    Paid,
    /// 3D Secure: the payment intent waits for the customer.
    ActionRequired,
    /// No payment method, or declined (the card error to answer with).
    Failed(StripeError),
}

fn no_payment_method(inv: &Value) -> StripeError {
    let mut extra = Map::new();
    let mut i = inv.clone();
    public(&mut i);
    extra.insert("invoice".into(), i);
    StripeError::UnexpectedState {
        message: "This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.".into(),
        code: "invoice_payment_intent_requires_action",
        param: None,
        extra,
    }
}

/// Charges open invoice `inv` with `pm` (or the default payment method of the
/// invoice, its subscription or its customer), inside `tx`.
pub async fn pay_in(tx: &mut AnyConnection, req: &Req, inv: &mut Value, pm: Option<String>, at: i64) -> StripeResult<Attempt> {
    if inv["amount_remaining"].as_i64().unwrap_or(0) <= 0 {
        mark_paid(tx, req, inv, at).await?;
        return Ok(Attempt::Paid);
    }
    let customer_id = inv["customer"].as_str().unwrap_or_default().to_string();
    let sub_pm = match inv["parent"]["subscription_details"]["subscription"].as_str() {
        Some(s) => {
            objects::get(&mut *tx, Kind::Subscription, s).await?.and_then(|s| s["default_payment_method"].as_str().map(String::from))
        }
        None => None,
    };
    let customer = customer_of(tx, &customer_id, "customer").await?;
    let chosen = pm
        .or_else(|| inv["default_payment_method"].as_str().map(String::from))
        .or(sub_pm)
        .or_else(|| customer["invoice_settings"]["default_payment_method"].as_str().map(String::from))
        // Last, the customer's default card source (usable as a payment method).
        .or_else(|| customer["default_source"].as_str().map(String::from));
    inv["attempted"] = json!(true);
    inv["attempt_count"] = json!(inv["attempt_count"].as_i64().unwrap_or(0) + 1);
    let Some(pm_id) = chosen else {
        inv["next_payment_attempt"] = Value::Null;
        objects::save(&mut *tx, Kind::Invoice, inv).await?;
        events::emit(tx, req, "invoice.payment_failed", inv, None).await?;
        subscriptions::invoice_settled(tx, req, inv, false).await?;
        return Ok(Attempt::Failed(no_payment_method(inv)));
    };
    let pm = payment_methods::resolve(tx, &pm_id, "payment_method").await?;
    let pi_id = inv["_payments"][0]["payment"]["payment_intent"].as_str().unwrap_or_default().to_string();
    let mut pi = must_get(&mut *tx, Kind::PaymentIntent, &pi_id, "payment_intent").await?;
    pi["payment_method"] = pm["id"].clone();
    pi["status"] = json!("requires_confirmation");
    match payment_intents::confirm_in(tx, req, &mut pi, true).await? {
        Confirmed::Declined(e) => {
            inv["next_payment_attempt"] = Value::Null;
            objects::save(&mut *tx, Kind::Invoice, inv).await?;
            events::emit(tx, req, "invoice.payment_failed", inv, None).await?;
            subscriptions::invoice_settled(tx, req, inv, false).await?;
            Ok(Attempt::Failed(e))
        }
        Confirmed::Done if pi["status"] == "succeeded" => {
            mark_paid(tx, req, inv, at).await?;
            Ok(Attempt::Paid)
        }
        Confirmed::Done => {
            objects::save(&mut *tx, Kind::Invoice, inv).await?;
            events::emit(tx, req, "invoice.payment_action_required", inv, None).await?;
            subscriptions::invoice_settled(tx, req, inv, false).await?;
            Ok(Attempt::ActionRequired)
        }
    }
}

async fn locked(tx: &mut AnyConnection, id: &str) -> StripeResult<Value> {
    objects::lock(&mut *tx, Kind::Invoice, id).await?;
    must_get(&mut *tx, Kind::Invoice, id, "invoice").await
}

fn state_error(inv: &Value, message: String) -> StripeError {
    let mut extra = Map::new();
    let mut i = inv.clone();
    public(&mut i);
    extra.insert("invoice".into(), i);
    StripeError::UnexpectedState { message, code: "invoice_unexpected_state", param: None, extra }
}

/// `POST /v1/invoices/{id}/finalize`.
pub async fn finalize(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["auto_advance"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let mut inv = locked(&mut tx, id).await?;
    if inv["status"] != "draft" {
        return Err(state_error(&inv, "This invoice is already finalized, you can't re-finalize a non-draft invoice.".to_string()));
    }
    if let Some(a) = p.bool("auto_advance")? {
        inv["auto_advance"] = json!(a);
    }
    let now = crate::model::test_clocks::now_for_id(&mut tx, inv["customer"].as_str().unwrap_or_default()).await?;
    finalize_in(&mut tx, req, &mut inv, now).await?;
    tx.commit().await?;
    Ok(inv)
}

/// `POST /v1/invoices/{id}/pay`.
pub async fn pay(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["forgive", "mandate", "off_session", "paid_out_of_band", "payment_method", "source"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let mut inv = locked(&mut tx, id).await?;
    let now = crate::model::test_clocks::now_for_id(&mut tx, inv["customer"].as_str().unwrap_or_default()).await?;
    match inv["status"].as_str().unwrap_or_default() {
        "draft" => finalize_in(&mut tx, req, &mut inv, now).await?,
        "paid" => return Err(state_error(&inv, "Invoice is already paid".into())),
        "void" => return Err(state_error(&inv, "This invoice has been voided and can no longer be paid.".into())),
        _ => {}
    }
    if inv["status"] == "paid" {
        tx.commit().await?;
        return Ok(inv);
    }
    if p.bool("paid_out_of_band")? == Some(true) {
        inv["paid_out_of_band"] = json!(true);
        mark_paid(&mut tx, req, &mut inv, now).await?;
        tx.commit().await?;
        return Ok(inv);
    }
    let outcome = pay_in(&mut tx, req, &mut inv, p.text("payment_method")?, now).await?;
    tx.commit().await?;
    match outcome {
        Attempt::Paid => Ok(inv),
        Attempt::ActionRequired => {
            Err(state_error(&inv, "Payment for this invoice requires additional user action; see the invoice's payment intent.".into()))
        }
        Attempt::Failed(e) => Err(e),
    }
}

/// `POST /v1/invoices/{id}/void`.
pub async fn void(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let mut inv = locked(&mut tx, id).await?;
    if inv["status"] != "open" && inv["status"] != "uncollectible" {
        return Err(state_error(
            &inv,
            format!("You can only void an open or uncollectible invoice; this invoice is {}.", inv["status"].as_str().unwrap_or_default()),
        ));
    }
    let now = crate::model::test_clocks::now_for_id(&mut tx, inv["customer"].as_str().unwrap_or_default()).await?;
    inv["status"] = json!("void");
    inv["status_transitions"]["voided_at"] = json!(now);
    inv["auto_advance"] = json!(false);
    inv["next_payment_attempt"] = Value::Null;
    if let Some(ps) = inv["_payments"].as_array_mut() {
        for p in ps.iter_mut().filter(|p| p["status"] == "open") {
            p["status"] = json!("canceled");
            p["status_transitions"]["canceled_at"] = json!(now);
        }
    }
    if let Some(pi_id) = inv["_payments"][0]["payment"]["payment_intent"].as_str().map(String::from)
        && let Some(mut pi) = objects::get(&mut *tx, Kind::PaymentIntent, &pi_id).await?
        && pi["status"] != "succeeded"
        && pi["status"] != "canceled"
    {
        pi["status"] = json!("canceled");
        pi["canceled_at"] = json!(now);
        pi["cancellation_reason"] = json!("void_invoice");
        objects::save(&mut *tx, Kind::PaymentIntent, &pi).await?;
        events::emit(&mut tx, req, "payment_intent.canceled", &pi, None).await?;
    }
    objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    events::emit(&mut tx, req, "invoice.voided", &inv, None).await?;
    tx.commit().await?;
    Ok(inv)
}

/// `POST /v1/invoices/{id}/mark_uncollectible`.
pub async fn mark_uncollectible(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let mut inv = locked(&mut tx, id).await?;
    if inv["status"] != "open" {
        return Err(state_error(
            &inv,
            format!("You can only mark an open invoice as uncollectible; this invoice is {}.", inv["status"].as_str().unwrap_or_default()),
        ));
    }
    let now = crate::model::test_clocks::now_for_id(&mut tx, inv["customer"].as_str().unwrap_or_default()).await?;
    inv["status"] = json!("uncollectible");
    inv["status_transitions"]["marked_uncollectible_at"] = json!(now);
    inv["auto_advance"] = json!(false);
    inv["next_payment_attempt"] = Value::Null;
    objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    events::emit(&mut tx, req, "invoice.marked_uncollectible", &inv, None).await?;
    tx.commit().await?;
    Ok(inv)
}

/// `POST /v1/invoices/{id}/send`: emails are not sent by a clone; the event is.
pub async fn send(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    let inv = locked(&mut tx, id).await?;
    if inv["collection_method"] != "send_invoice" || inv["status"] != "open" {
        return Err(state_error(&inv, "You can only send an open invoice whose collection_method is send_invoice.".into()));
    }
    events::emit(&mut tx, req, "invoice.sent", &inv, None).await?;
    tx.commit().await?;
    Ok(inv)
}

/// `GET /v1/invoices/{id}/lines`.
pub async fn lines(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(PAGE_PARAMS)?;
    let page = Page::from(p)?;
    let inv = must_get(db, Kind::Invoice, id, "invoice").await?;
    let all: Vec<Value> = inv["lines"]["data"].as_array().cloned().unwrap_or_default();
    let start = match (&page.starting_after, &page.ending_before) {
        (Some(a), _) => all
            .iter()
            .position(|l| l["id"] == json!(a))
            .map(|i| i + 1)
            .ok_or_else(|| StripeError::no_such("line_item", a, "starting_after"))?,
        (_, Some(b)) => {
            let end = all.iter().position(|l| l["id"] == json!(b)).ok_or_else(|| StripeError::no_such("line_item", b, "ending_before"))?;
            end.saturating_sub(page.limit as usize)
        }
        _ => 0,
    };
    let end = match &page.ending_before {
        Some(b) => all.iter().position(|l| l["id"] == json!(b)).unwrap_or(0),
        None => (start + page.limit as usize).min(all.len()),
    };
    let data: Vec<Value> = all[start..end].to_vec();
    let has_more = if page.ending_before.is_some() { start > 0 } else { end < all.len() };
    Ok(list::envelope(data, has_more, &format!("/v1/invoices/{id}/lines")))
}

/// `GET /v1/invoices`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["collection_method", "created", "customer", "customer_account", "due_date", "status", "subscription"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let due = range_filter(p, "due_date")?;
    let status = p.choice("status", &["draft", "open", "paid", "uncollectible", "void"])?;
    let method = p.choice("collection_method", &["charge_automatically", "send_invoice"])?;
    let scan = Scan { customer: p.text("customer")?, reference: p.text("subscription")?, ..Default::default() };
    list::list(db, Kind::Invoice, "/v1/invoices", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
            && due.as_ref().is_none_or(|f| v["due_date"].as_i64().is_some_and(f))
            && status.as_ref().is_none_or(|s| v["status"] == json!(s))
            && method.as_ref().is_none_or(|m| v["collection_method"] == json!(m))
    })
    .await
}

pub async fn search(db: &Pool, p: &Params) -> StripeResult<Value> {
    search::search(db, Kind::Invoice, "invoices", SEARCH_FIELDS, p).await
}

/// When a clock-driven moment is next due for `inv`: an `auto_advance` draft
/// finalizes (and is charged) an hour after it was created; an open one is
/// charged again at `next_payment_attempt`.
pub fn next_moment(inv: &Value) -> Option<i64> {
    if inv["status"] == "draft" && inv["auto_advance"] == json!(true) && inv["deleted"] != json!(true) {
        return Some(inv["created"].as_i64().unwrap_or(0) + FINALIZE_DELAY);
    }
    if inv["status"] == "open" && inv["auto_advance"] == json!(true) && inv["collection_method"] == "charge_automatically" {
        return inv["next_payment_attempt"].as_i64();
    }
    None
}

/// Days after the first failed automatic charge when Stripe tries again: eight
/// tries within two weeks, the default retry policy.
const RETRY_DAYS: &[i64] = &[1, 3, 5, 7, 9, 11, 14];

/// Decline codes Stripe never retries (hard declines).
const HARD_DECLINES: &[&str] = &[
    "incorrect_number",
    "invalid_account",
    "lost_card",
    "pickup_card",
    "stolen_card",
    "revocation_of_all_authorizations",
    "revocation_of_authorization",
];

/// An automatic charge of `inv`; a failure schedules the next retry (none for
/// hard declines or a missing payment method), and when the retries run out the
/// subscription is canceled.
async fn collect_automatically(tx: &mut AnyConnection, req: &Req, inv: &mut Value, at: i64) -> StripeResult<()> {
    let Attempt::Failed(e) = pay_in(tx, req, inv, None, at).await? else { return Ok(()) };
    let hard = match &e {
        StripeError::Card { decline_code, .. } => decline_code.is_some_and(|d| HARD_DECLINES.contains(&d)),
        _ => true,
    };
    let first = inv["_first_failure"].as_i64().unwrap_or(at);
    inv["_first_failure"] = json!(first);
    let tries = inv["attempt_count"].as_i64().unwrap_or(1);
    if hard {
        // Not retried (and not given up on): the invoice waits for a new payment method.
        inv["next_payment_attempt"] = Value::Null;
        objects::save(&mut *tx, Kind::Invoice, inv).await?;
        return Ok(());
    }
    match RETRY_DAYS.get((tries - 1).max(0) as usize) {
        Some(days) => inv["next_payment_attempt"] = json!(first + days * 86_400),
        None => {
            inv["next_payment_attempt"] = Value::Null;
            objects::save(&mut *tx, Kind::Invoice, inv).await?;
            return subscriptions::retries_exhausted(tx, req, inv, at).await;
        }
    }
    objects::save(&mut *tx, Kind::Invoice, inv).await?;
    Ok(())
}

/// The moment [`next_moment`] named has come: finalize, then collect (or retry).
pub async fn on_moment(tx: &mut AnyConnection, req: &Req, id: &str, at: i64) -> StripeResult<()> {
    let mut inv = must_get(&mut *tx, Kind::Invoice, id, "invoice").await?;
    match inv["status"].as_str() {
        Some("draft") => finalize_in(tx, req, &mut inv, at).await?,
        Some("open") => {}
        _ => return Ok(()),
    }
    if inv["status"] == "open" && inv["collection_method"] == "charge_automatically" {
        collect_automatically(tx, req, &mut inv, at).await?;
    }
    Ok(())
}

/// `POST /v1/invoices/create_preview`: the invoice a subscription's next
/// renewal (optionally after the changes in `subscription_details`, with their
/// prorations), a new subscription (`subscription_details[items]`) or
/// `invoice_items` would make. Nothing is stored: the changes are worked out in
/// a transaction that is rolled back.
pub async fn preview(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(&[
        "automatic_tax",
        "currency",
        "customer",
        "customer_account",
        "customer_details",
        "discounts",
        "invoice_items",
        "issuer",
        "on_behalf_of",
        "preview_mode",
        "schedule",
        "schedule_details",
        "subscription",
        "subscription_details",
    ])?;
    for k in ["schedule", "schedule_details", "customer_details"] {
        if p.has(k) {
            return Err(StripeError::invalid_param(format!("The `{k}` parameter is not implemented by this clone yet."), k));
        }
    }
    let details = p.hash("subscription_details")?.cloned();
    if !p.has("subscription") && details.is_none() && !p.has("invoice_items") {
        return Err(StripeError::invalid(
            "You must pass at least one of subscription, subscription_details, schedule, schedule_details or invoice_items to preview an invoice.",
        ));
    }
    let mut tx = asym_store::begin_write(db).await?;
    let result = preview_in(&mut tx, req, p, details).await;
    tx.rollback().await?;
    result
}

async fn preview_in(tx: &mut AnyConnection, req: &Req, p: &Params, details: Option<Map<String, Value>>) -> StripeResult<Value> {
    const DETAILS: &[&str] = &[
        "items",
        "proration_behavior",
        "proration_date",
        "cancel_at_period_end",
        "cancel_at",
        "trial_end",
        "default_tax_rates",
        "billing_cycle_anchor",
        "cancel_now",
        "resume_at",
        "start_date",
        "billing_mode",
    ];
    let details = details.unwrap_or_default();
    if let Some(k) = details.keys().find(|k| !DETAILS.contains(&k.as_str())) {
        return Err(StripeError::unknown(&format!("subscription_details[{k}]")));
    }
    for k in ["billing_cycle_anchor", "cancel_now", "resume_at", "start_date", "billing_mode"] {
        if details.contains_key(k) {
            return Err(StripeError::invalid_param(
                format!("The `subscription_details[{k}]` parameter is not implemented by this clone yet."),
                format!("subscription_details[{k}]"),
            ));
        }
    }
    let always = details.get("proration_behavior").and_then(Value::as_str) == Some("always_invoice");
    let sub = match p.text("subscription")? {
        Some(s) => {
            must_get(&mut *tx, Kind::Subscription, &s, "subscription").await?;
            if !details.is_empty() {
                let mut change = details.clone();
                if always {
                    // The preview shows the prorations that invoice would bill.
                    change.insert("proration_behavior".into(), json!("create_prorations"));
                }
                subscriptions::update_in(tx, req, &s, &Params::new(change)).await?;
            }
            Some(must_get(&mut *tx, Kind::Subscription, &s, "subscription").await?)
        }
        None => None,
    };
    let customer_id = match (p.text("customer")?, &sub) {
        (Some(c), _) => c,
        (None, Some(s)) => s["customer"].as_str().unwrap_or_default().to_string(),
        (None, None) => return Err(StripeError::missing("customer")),
    };
    let customer = customer_of(tx, &customer_id, "customer").await?;
    let now = now_for(tx, &customer).await?;
    let mut lines: Vec<Value> = Vec::new();
    let mut currency = crate::model::currency(p, "currency")?;
    let mut parent = Value::Null;
    let mut reason = "manual";
    let mut sub_discounts: Vec<String> = Vec::new();
    if let Some(s) = &sub {
        let sid = s["id"].as_str().unwrap_or_default();
        let pending = pending_items(tx, &customer_id, if always { Some(sid) } else { None }).await?;
        if !always {
            let (renewal, _) = subscriptions::renewal_lines(tx, s, "").await?;
            lines.extend(renewal);
        }
        lines.extend(pending.iter().map(|ii| line_of_item(ii, "")));
        currency = s["currency"].as_str().map(String::from);
        parent = json!({ "quote_details": null, "subscription_details": { "metadata": s["metadata"], "subscription": sid }, "type": "subscription_details" });
        reason = if always { "subscription_update" } else { "upcoming" };
        sub_discounts = s["discounts"].as_array().into_iter().flatten().filter_map(|d| d.as_str().map(String::from)).collect();
        if sub_discounts.is_empty() {
            sub_discounts = discounts::of_customer(&customer);
        }
    } else if let Some(Value::Array(items)) = details.get("items") {
        for (i, e) in items.iter().enumerate() {
            let pid = e
                .get("price")
                .and_then(Value::as_str)
                .ok_or_else(|| StripeError::missing(&format!("subscription_details[items][{i}][price]")))?;
            let price = must_get(&mut *tx, Kind::Price, pid, &format!("subscription_details[items][{i}][price]")).await?;
            let q = e.get("quantity").and_then(Value::as_str).and_then(|q| q.parse::<i64>().ok()).unwrap_or(1);
            let (iv, n) = (
                price["recurring"]["interval"].as_str().unwrap_or("month").to_string(),
                price["recurring"]["interval_count"].as_i64().unwrap_or(1),
            );
            let end = crate::model::test_clocks::add_interval(now, &iv, n);
            let rates = tax_rates::resolve(tx, e.get("tax_rates"), &format!("subscription_details[items][{i}][tax_rates]"))
                .await?
                .unwrap_or_default();
            let item = json!({ "id": null, "price": price, "quantity": q, "metadata": {}, "tax_rates": rates });
            let name = match price["product"].as_str() {
                Some(prod) => objects::get(&mut *tx, Kind::Product, prod)
                    .await?
                    .and_then(|v| v["name"].as_str().map(String::from))
                    .unwrap_or_default(),
                None => String::new(),
            };
            let unit = price["unit_amount"].as_i64().unwrap_or(0);
            let cur = price["currency"].as_str().unwrap_or("usd").to_string();
            let desc = format!("{q} × {name} (at {} / {})", money(unit, &cur), iv);
            lines.push(sub_line("", "", &item, unit * q, (now, end), desc));
            currency = currency.or(Some(cur));
        }
        reason = "subscription_create";
    }
    if let Some(Value::Array(extra)) = p.get("invoice_items") {
        for (i, e) in extra.iter().enumerate() {
            let price = match e.get("price").and_then(Value::as_str) {
                Some(id) => must_get(&mut *tx, Kind::Price, id, &format!("invoice_items[{i}][price]")).await?,
                None => Value::Null,
            };
            let qty = e.get("quantity").and_then(Value::as_str).and_then(|q| q.parse::<i64>().ok()).unwrap_or(1);
            let amount = match e.get("amount").and_then(Value::as_str).and_then(|a| a.parse::<i64>().ok()) {
                Some(a) => a,
                None if !price.is_null() => price["unit_amount"].as_i64().unwrap_or(0) * qty,
                None => return Err(StripeError::missing(&format!("invoice_items[{i}][amount]"))),
            };
            let cur = price["currency"].as_str().or(e.get("currency").and_then(Value::as_str)).unwrap_or("usd").to_string();
            let rates = tax_rates::resolve(tx, e.get("tax_rates"), &format!("invoice_items[{i}][tax_rates]")).await?.unwrap_or_default();
            let ii = json!({
                "id": ids::new("ii"), "amount": amount, "currency": cur, "description": e.get("description"), "discountable": true,
                "discounts": [], "metadata": {}, "period": { "start": now, "end": now }, "pricing": pricing(&price),
                "proration": false, "quantity": qty, "parent": null, "_price": price["id"], "tax_rates": rates,
            });
            lines.push(line_of_item(&ii, ""));
            currency = currency.or(Some(cur));
        }
    }
    let currency = currency.unwrap_or_else(|| "usd".into());
    let mut inv = blank(&customer, now, &currency);
    let id = format!("upcoming_{}", inv["id"].as_str().unwrap_or_default());
    inv["id"] = json!(id);
    inv["lines"]["url"] = json!(format!("/v1/invoices/{id}/lines"));
    inv["billing_reason"] = json!(reason);
    inv["subscription"] = parent["subscription_details"]["subscription"].clone();
    inv["parent"] = parent;
    inv["starting_balance"] = customer["balance"].clone();
    if let Some(s) = &sub {
        inv["default_tax_rates"] = s["default_tax_rates"].clone();
    } else if let Some(rates) = tax_rates::resolve(tx, details.get("default_tax_rates"), "subscription_details[default_tax_rates]").await? {
        inv["default_tax_rates"] = json!(rates);
    }
    if let Some(s) = &sub
        && !always
    {
        let next = s["items"]["data"][0]["current_period_end"].as_i64().unwrap_or(now);
        inv["created"] = json!(next);
        inv["period_start"] = s["items"]["data"][0]["current_period_start"].clone();
        inv["period_end"] = json!(next);
        inv["automatically_finalizes_at"] = json!(next + FINALIZE_DELAY);
        inv["next_payment_attempt"] = json!(next + FINALIZE_DELAY);
    }
    let mut applied = discounts::active(tx, &sub_discounts, inv["created"].as_i64().unwrap_or(now)).await?;
    inv["discounts"] = json!(applied.iter().map(|d| d["id"].clone()).collect::<Vec<_>>());
    if let Some(Value::Array(ds)) = p.get("discounts") {
        for (i, d) in ds.iter().enumerate() {
            let coupon = match (d.get("coupon").and_then(Value::as_str), d.get("promotion_code").and_then(Value::as_str)) {
                (Some(c), _) => must_get(&mut *tx, Kind::Coupon, c, &format!("discounts[{i}][coupon]")).await?,
                (None, Some(pc)) => {
                    let promo = must_get(&mut *tx, Kind::PromotionCode, pc, &format!("discounts[{i}][promotion_code]")).await?;
                    must_get(
                        &mut *tx,
                        Kind::Coupon,
                        promo["promotion"]["coupon"].as_str().unwrap_or_default(),
                        &format!("discounts[{i}][promotion_code]"),
                    )
                    .await?
                }
                _ => return Err(StripeError::missing(&format!("discounts[{i}][coupon]"))),
            };
            // A previewed discount is priced as if applied now, and not stored.
            applied.push(json!({ "id": ids::new("di"), "_coupon": coupon }));
        }
    }
    if let Some(l) = inv["lines"]["data"].as_array_mut() {
        l.clear();
    }
    let per_line = discounts::of_lines(tx, &lines, now).await?;
    settle(&mut inv, lines, &applied, &per_line);
    Ok(inv)
}

/// The parameters of the older `GET /v1/invoices/upcoming` that map onto
/// `subscription_details[…]` of the preview.
const UPCOMING_SUBSCRIPTION: &[(&str, &str)] = &[
    ("subscription_items", "items"),
    ("subscription_proration_behavior", "proration_behavior"),
    ("subscription_proration_date", "proration_date"),
    ("subscription_cancel_at_period_end", "cancel_at_period_end"),
    ("subscription_cancel_at", "cancel_at"),
    ("subscription_trial_end", "trial_end"),
    ("subscription_default_tax_rates", "default_tax_rates"),
    ("subscription_billing_cycle_anchor", "billing_cycle_anchor"),
    ("subscription_cancel_now", "cancel_now"),
    ("subscription_resume_at", "resume_at"),
    ("subscription_start_date", "start_date"),
];

/// `GET /v1/invoices/upcoming` (API versions before `2025-03-31.basil`, which
/// removed it): the older spelling of the preview. Its parameters are turned
/// into `create_preview`'s and the same code works the invoice out. With only
/// a `customer`, the preview is of that customer's next subscription renewal
/// (`invoice_upcoming_none` when there is none).
pub async fn upcoming(db: &Pool, req: &Req, p: &Params, paging: bool) -> StripeResult<Value> {
    if !req.api_version.is_empty() && req.api_version.as_str() < "2025-03-31" {
        // The older API: fine.
    } else {
        return Err(StripeError::UnrecognizedUrl {
            method: "GET".into(),
            path: if paging { "/v1/invoices/upcoming/lines".into() } else { "/v1/invoices/upcoming".into() },
            built: true,
        });
    }
    let mut allowed: Vec<&str> = vec![
        "automatic_tax",
        "coupon",
        "currency",
        "customer",
        "customer_details",
        "discounts",
        "invoice_items",
        "issuer",
        "on_behalf_of",
        "preview_mode",
        "schedule",
        "schedule_details",
        "subscription",
        "subscription_details",
        "subscription_trial_from_plan",
    ];
    allowed.extend(UPCOMING_SUBSCRIPTION.iter().map(|(k, _)| *k));
    if paging {
        allowed.extend_from_slice(PAGE_PARAMS);
    }
    p.allow(&allowed)?;
    if p.has("subscription_trial_from_plan") {
        return Err(StripeError::not_built("subscription_trial_from_plan"));
    }
    let mut m = Map::new();
    let mut details = p.hash("subscription_details")?.cloned().unwrap_or_default();
    for (k, v) in &p.map {
        if let Some((_, d)) = UPCOMING_SUBSCRIPTION.iter().find(|(old, _)| old == k) {
            details.insert((*d).to_string(), v.clone());
        } else if k == "coupon" {
            let mut ds = match p.get("discounts") {
                Some(Value::Array(a)) => a.clone(),
                _ => vec![],
            };
            ds.push(json!({ "coupon": v }));
            m.insert("discounts".into(), Value::Array(ds));
        } else if !PAGE_PARAMS.contains(&k.as_str()) && k != "subscription_details" && !(k == "discounts" && m.contains_key("discounts")) {
            m.insert(k.clone(), v.clone());
        }
    }
    if !details.is_empty() {
        m.insert("subscription_details".into(), Value::Object(details));
    }
    if !m.contains_key("subscription") && !m.contains_key("subscription_details") && !m.contains_key("invoice_items") {
        let customer = p.text("customer")?.ok_or_else(|| StripeError::missing("customer"))?;
        must_get(db, Kind::Customer, &customer, "customer").await?;
        let subs =
            objects::scan(db, Kind::Subscription, &Scan { customer: Some(customer.clone()), limit: 1000, ..Default::default() }).await?;
        let next = subs
            .iter()
            .filter(|(_, s)| ["active", "trialing", "past_due"].contains(&s["status"].as_str().unwrap_or_default()))
            .min_by_key(|(_, s)| s["items"]["data"][0]["current_period_end"].as_i64().unwrap_or(i64::MAX));
        match next {
            Some((_, s)) => {
                m.insert("subscription".into(), s["id"].clone());
            }
            None => {
                return Err(StripeError::NoSuchUpcoming { customer });
            }
        }
    }
    let mut inv = preview(db, req, &Params::new(m)).await?;
    if !paging {
        // The older upcoming invoice has no id (it is not an invoice yet).
        if let Some(o) = inv.as_object_mut() {
            o.remove("id");
        }
        return Ok(inv);
    }
    let lines: Vec<Value> = inv["lines"]["data"].as_array().cloned().unwrap_or_default();
    let mut url = "/v1/invoices/upcoming/lines".to_string();
    if let Some(c) = inv["customer"].as_str() {
        url = format!("{url}?customer={c}");
    }
    crate::model::checkout::page_of(&lines, p, &url)
}
