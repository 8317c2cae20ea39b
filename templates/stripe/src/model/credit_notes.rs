//! Credit notes (`cn_…`) against finalized invoices. A credit note first lowers
//! what an open invoice still has due (`pre_payment_amount`; a fully credited
//! invoice is settled); the rest (`post_payment_amount`, all of it on a paid
//! invoice) must be split exactly between `refund_amount` (a refund of the
//! invoice's charge), `credit_amount` (the customer's balance) and
//! `out_of_band_amount`. `type` is `pre_payment`, `post_payment` or `mixed`. Lines credit
//! invoice lines (their tax rates follow) or custom amounts. Voiding undoes a
//! credit note's adjustments; a refund cannot be undone, so a note with one
//! cannot be voided.

use asym_clone_kit::secrets::{ALNUM, random_string};
use asym_store::Pool;
use serde_json::{Map, Value, json};
use sqlx::AnyConnection;

use crate::errors::{StripeError, StripeResult};
use crate::form::{Params, merge_metadata};
use crate::ids;
use crate::model::list::{self, PAGE_PARAMS, Page, range_filter};
use crate::model::test_clocks::now_for_id;
use crate::model::{Req, customer_balance, events, invoices, must_get, previous_attributes, refunds, tax_rates};
use crate::store::objects::{self, Kind, Scan};

const CREATE: &[&str] = &[
    "invoice",
    "lines",
    "amount",
    "reason",
    "memo",
    "metadata",
    "refund_amount",
    "credit_amount",
    "out_of_band_amount",
    "effective_at",
    "email_type",
    "shipping_cost",
    "refunds",
];

const REASONS: &[&str] = &["duplicate", "fraudulent", "order_change", "product_unsatisfactory"];

/// A credit note worked out from the parameters (not stored yet), with how a
/// post-payment total is split.
struct Draft {
    note: Value,
    invoice: Value,
    refund: i64,
    credit: i64,
}

fn int_in(m: &Map<String, Value>, k: &str, param: &str) -> StripeResult<Option<i64>> {
    match m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| StripeError::coded("parameter_invalid_integer", format!("Invalid integer: {s}"), Some(param))),
    }
}

/// What earlier (not voided) credit notes took off each invoice line.
async fn credited_lines(tx: &mut AnyConnection, invoice: &str) -> StripeResult<Vec<(String, i64)>> {
    let rows =
        objects::scan(&mut *tx, Kind::CreditNote, &Scan { reference: Some(invoice.into()), limit: 10_000, ..Default::default() }).await?;
    let mut out: Vec<(String, i64)> = Vec::new();
    for (_, cn) in rows.into_iter().filter(|(_, cn)| cn["status"] != "void") {
        for l in cn["lines"]["data"].as_array().into_iter().flatten() {
            if let Some(il) = l["invoice_line_item"].as_str() {
                out.push((il.to_string(), l["amount"].as_i64().unwrap_or(0)));
            }
        }
    }
    Ok(out)
}

fn line_object(kind: &str, amount: i64, quantity: i64, description: Value, invoice_line: Value, unit: Value, rates: Vec<Value>) -> Value {
    let mut pseudo = vec![json!({ "amount": amount, "discount_amounts": [], "_tax_rates": rates })];
    tax_rates::apply(&mut pseudo, &[]);
    json!({
        "id": ids::new("cnli"),
        "object": "credit_note_line_item",
        "amount": amount,
        "description": description,
        "discount_amount": 0,
        "discount_amounts": [],
        "invoice_line_item": invoice_line,
        "livemode": false,
        "metadata": {},
        "pretax_credit_amounts": [],
        "quantity": quantity,
        "tax_rates": rates,
        "taxes": pseudo[0]["taxes"],
        "type": kind,
        "unit_amount": unit,
        "unit_amount_decimal": if unit.is_null() { Value::Null } else { json!(unit.to_string()) },
    })
}

async fn draft(tx: &mut AnyConnection, p: &Params) -> StripeResult<Draft> {
    let inv_id = p.required("invoice")?;
    let inv = must_get(&mut *tx, Kind::Invoice, &inv_id, "invoice").await?;
    let status = inv["status"].as_str().unwrap_or_default().to_string();
    if status != "open" && status != "paid" {
        return Err(StripeError::invalid_param(
            format!("Invoice {inv_id} is {status}. You can only create a credit note for an open or paid invoice."),
            "invoice",
        ));
    }
    for k in ["shipping_cost", "refunds"] {
        if p.has(k) {
            return Err(StripeError::not_built(k));
        }
    }
    p.choice("email_type", &["credit_note", "none"])?;
    let defaults: Vec<Value> = inv["default_tax_rates"].as_array().cloned().unwrap_or_default();
    let inv_lines: Vec<Value> = inv["lines"]["data"].as_array().cloned().unwrap_or_default();
    let mut credited = credited_lines(tx, &inv_id).await?;
    let mut lines = Vec::new();
    match p.get("lines") {
        None => {}
        Some(Value::Array(entries)) => {
            for (i, e) in entries.iter().enumerate() {
                let Some(m) = e.as_object() else {
                    return Err(StripeError::invalid_param("Invalid array: pass `lines[0][type]=…`", "lines"));
                };
                let allowed = [
                    "type",
                    "invoice_line_item",
                    "amount",
                    "quantity",
                    "description",
                    "unit_amount",
                    "unit_amount_decimal",
                    "tax_rates",
                    "metadata",
                    "discount_amounts",
                    "tax_amounts",
                ];
                if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
                    return Err(StripeError::unknown(&format!("lines[{i}][{k}]")));
                }
                for k in ["discount_amounts", "tax_amounts"] {
                    if m.contains_key(k) {
                        return Err(StripeError::not_built(&format!("lines[{i}][{k}]")));
                    }
                }
                let kind = m.get("type").and_then(Value::as_str).ok_or_else(|| StripeError::missing(&format!("lines[{i}][type]")))?;
                let quantity = int_in(m, "quantity", &format!("lines[{i}][quantity]"))?;
                let amount = int_in(m, "amount", &format!("lines[{i}][amount]"))?;
                let mut line = match kind {
                    "invoice_line_item" => {
                        let param = format!("lines[{i}][invoice_line_item]");
                        let il_id = m.get("invoice_line_item").and_then(Value::as_str).ok_or_else(|| StripeError::missing(&param))?;
                        let il = inv_lines
                            .iter()
                            .find(|l| l["id"] == json!(il_id))
                            .ok_or_else(|| StripeError::no_such("invoice line item", il_id, &param))?;
                        let full = il["amount"].as_i64().unwrap_or(0);
                        let il_qty = il["quantity"].as_i64().unwrap_or(1).max(1);
                        let (amt, qty) = match (amount, quantity) {
                            (Some(a), q) => (a, q.unwrap_or(il_qty)),
                            (None, Some(q)) => (((full as f64) * (q as f64) / (il_qty as f64)).round() as i64, q),
                            (None, None) => (full, il_qty),
                        };
                        let used: i64 = credited.iter().filter(|(l, _)| l == il_id).map(|(_, a)| a).sum();
                        if amt < 0 || amt > full - used {
                            return Err(StripeError::invalid_param(
                                format!(
                                    "The amount to credit for line item {il_id} ({amt}) cannot exceed the line item's remaining creditable amount ({}).",
                                    full - used
                                ),
                                format!("lines[{i}][amount]"),
                            ));
                        }
                        credited.push((il_id.to_string(), amt));
                        let own: Vec<Value> = il["_tax_rates"].as_array().cloned().unwrap_or_default();
                        let rates = if own.is_empty() { defaults.clone() } else { own };
                        let mut rates_pub = rates.clone();
                        rates_pub.iter_mut().for_each(crate::model::public);
                        let desc = m.get("description").map(|d| json!(d)).unwrap_or(il["description"].clone());
                        line_object(kind, amt, qty, desc, json!(il_id), Value::Null, rates_pub)
                    }
                    "custom_line_item" => {
                        let unit = match (int_in(m, "unit_amount", &format!("lines[{i}][unit_amount]"))?, m.get("unit_amount_decimal")) {
                            (Some(u), _) => u,
                            (None, Some(Value::String(d))) => d.parse::<f64>().map(|f| f.round() as i64).map_err(|_| {
                                StripeError::invalid_param(format!("Invalid decimal: {d}"), format!("lines[{i}][unit_amount_decimal]"))
                            })?,
                            _ => return Err(StripeError::missing(&format!("lines[{i}][unit_amount]"))),
                        };
                        let desc = m
                            .get("description")
                            .and_then(Value::as_str)
                            .filter(|s| !s.is_empty())
                            .ok_or_else(|| StripeError::missing(&format!("lines[{i}][description]")))?;
                        let qty = quantity.unwrap_or(1);
                        let rates =
                            tax_rates::resolve(tx, m.get("tax_rates"), &format!("lines[{i}][tax_rates]")).await?.unwrap_or_default();
                        line_object(kind, unit * qty, qty, json!(desc), Value::Null, json!(unit), rates)
                    }
                    other => {
                        return Err(StripeError::invalid_param(
                            format!("Invalid lines[{i}][type]: must be one of invoice_line_item or custom_line_item (got `{other}`)"),
                            format!("lines[{i}][type]"),
                        ));
                    }
                };
                merge_metadata(&mut line["metadata"], m.get("metadata"))?;
                lines.push(line);
            }
        }
        Some(_) => return Err(StripeError::invalid_param("Invalid array: pass `lines[0][type]=…`", "lines")),
    }
    let amount = p.int("amount")?;
    if lines.is_empty() && amount.is_none() {
        return Err(StripeError::invalid("You must pass either `amount` or `lines` to create a credit note."));
    }
    let subtotal: i64 = lines.iter().map(|l| l["amount"].as_i64().unwrap_or(0)).sum();
    let mut taxes: Vec<Value> = Vec::new();
    let (mut inclusive, mut exclusive) = (0, 0);
    for t in lines.iter().flat_map(|l| l["taxes"].as_array().cloned().unwrap_or_default()) {
        let a = t["amount"].as_i64().unwrap_or(0);
        if t["tax_behavior"] == "inclusive" {
            inclusive += a;
        } else {
            exclusive += a;
        }
        match taxes
            .iter_mut()
            .find(|x| x["tax_rate_details"]["tax_rate"] == t["tax_rate_details"]["tax_rate"] && x["tax_behavior"] == t["tax_behavior"])
        {
            Some(x) => {
                x["amount"] = json!(x["amount"].as_i64().unwrap_or(0) + a);
                x["taxable_amount"] = json!(x["taxable_amount"].as_i64().unwrap_or(0) + t["taxable_amount"].as_i64().unwrap_or(0));
            }
            None => taxes.push(t.clone()),
        }
    }
    let (subtotal, total) = if lines.is_empty() {
        let a = amount.unwrap_or(0);
        (a, a)
    } else {
        let total = subtotal + exclusive;
        if let Some(a) = amount
            && a != total
        {
            return Err(StripeError::invalid_param(
                format!("The amount ({a}) must equal the total of the credit note's lines ({total})."),
                "amount",
            ));
        }
        (subtotal, total)
    };
    if total <= 0 {
        return Err(StripeError::invalid_param(
            "The credit note's total must be greater than 0.",
            if lines.is_empty() { "amount" } else { "lines" },
        ));
    }
    let refund_amount = p.int("refund_amount")?;
    let credit_amount = p.int("credit_amount")?;
    let oob = p.int("out_of_band_amount")?;
    let param = if lines.is_empty() { "amount" } else { "lines" };
    let credited_before =
        inv["pre_payment_credit_notes_amount"].as_i64().unwrap_or(0) + inv["post_payment_credit_notes_amount"].as_i64().unwrap_or(0);
    let creditable = inv["total"].as_i64().unwrap_or(0) - credited_before;
    if total > creditable {
        return Err(StripeError::invalid_param(
            format!("The credit note's total ({total}) cannot be greater than the invoice's remaining creditable amount ({creditable})."),
            param,
        ));
    }
    // What is still due absorbs the credit first; the rest is post-payment.
    let remaining = if status == "open" { inv["amount_remaining"].as_i64().unwrap_or(0).max(0) } else { 0 };
    let pre = total.min(remaining);
    let post = total - pre;
    let given = [("refund_amount", refund_amount), ("credit_amount", credit_amount), ("out_of_band_amount", oob)];
    if let Some((k, _)) = given.iter().find(|(_, v)| v.is_some_and(|v| v < 0)) {
        return Err(StripeError::invalid_param("This value must be greater than or equal to 0.", *k));
    }
    let sum: i64 = given.iter().filter_map(|(_, v)| *v).sum();
    if post == 0 && sum > 0 {
        let k = given.iter().find(|(_, v)| v.is_some_and(|v| v > 0)).map(|(k, _)| *k).unwrap_or("refund_amount");
        return Err(StripeError::invalid_param(
            format!(
                "`{k}` can't be used here: invoice {inv_id} still has {remaining} remaining to be paid, which absorbs this credit note's whole total ({total}), so its post_payment_amount is 0."
            ),
            k,
        ));
    }
    if post > 0 && sum != post {
        return Err(StripeError::invalid(format!(
            "The sum of credit_amount, refund_amount and out_of_band_amount ({sum}) must equal the credit note's post_payment_amount ({post})."
        )));
    }
    let (refund, credit, oob_amount) = (refund_amount.unwrap_or(0), credit_amount.unwrap_or(0), oob);
    let kind = match (pre > 0, post > 0) {
        (true, true) => "mixed",
        (true, false) => "pre_payment",
        _ => "post_payment",
    };
    let reason = p.choice("reason", REASONS)?;
    let id = ids::new("cn");
    let now = now_for_id(tx, inv["customer"].as_str().unwrap_or_default()).await?;
    let n_lines = lines.len();
    let mut note = json!({
        "id": id,
        "object": "credit_note",
        "amount": total,
        "amount_shipping": 0,
        "created": now,
        "currency": inv["currency"],
        "customer": inv["customer"],
        "customer_account": null,
        "customer_balance_transaction": null,
        "discount_amount": 0,
        "discount_amounts": [],
        "effective_at": p.int("effective_at")?.unwrap_or(now),
        "invoice": inv_id,
        "lines": { "object": "list", "data": lines, "has_more": false, "total_count": n_lines, "url": format!("/v1/credit_notes/{id}/lines") },
        "livemode": false,
        "memo": p.text("memo")?,
        "metadata": {},
        "number": null,
        "out_of_band_amount": oob_amount,
        "pdf": null,
        "post_payment_amount": post,
        "pre_payment_amount": pre,
        "pretax_credit_amounts": [],
        "reason": reason,
        "refunds": [],
        "shipping_cost": null,
        "status": "issued",
        "subtotal": subtotal,
        "subtotal_excluding_tax": subtotal - inclusive,
        "total": total,
        "total_excluding_tax": total - exclusive - inclusive,
        "total_taxes": taxes,
        "type": kind,
        "voided_at": null,
    });
    merge_metadata(&mut note["metadata"], p.get("metadata"))?;
    Ok(Draft { note, invoice: inv, refund, credit })
}

/// `POST /v1/credit_notes`.
pub async fn create(db: &Pool, req: &Req, p: &Params) -> StripeResult<Value> {
    p.allow(CREATE)?;
    let mut tx = asym_store::begin_write(db).await?;
    if let Some(i) = p.text("invoice")? {
        objects::lock(&mut *tx, Kind::Invoice, &i).await?;
    }
    let Draft { mut note, invoice, refund, credit } = draft(&mut tx, p).await?;
    let inv_id = invoice["id"].as_str().unwrap_or_default().to_string();
    let earlier =
        objects::scan(&mut *tx, Kind::CreditNote, &Scan { reference: Some(inv_id.clone()), limit: 10_000, ..Default::default() }).await?;
    note["number"] = json!(format!("{}-CN-{:02}", invoice["number"].as_str().unwrap_or("INV"), earlier.len() + 1));
    note["pdf"] = json!(format!("https://pay.stripe.com/credit_notes/acct_1asymmetric/test_{}/pdf?s=ap", random_string(40, ALNUM)));
    let now = note["created"].as_i64().unwrap_or(0);
    let before = invoice.clone();
    let mut inv = invoice;
    let pre = note["pre_payment_amount"].as_i64().unwrap_or(0);
    let post = note["post_payment_amount"].as_i64().unwrap_or(0);
    if refund > 0 {
        let charge = invoice_charge(&mut tx, &inv).await?.ok_or_else(|| {
            StripeError::invalid_param(format!("Invoice {inv_id} was not paid with a charge, so it cannot be refunded."), "refund_amount")
        })?;
        let r = refunds::refund_charge(&mut tx, req, &charge, Some(refund), None, json!({})).await.map_err(|e| match e {
            StripeError::InvalidRequest { message, code, .. } => {
                StripeError::InvalidRequest { message, code, param: Some("refund_amount".into()) }
            }
            other => other,
        })?;
        note["refunds"] = json!([{ "amount_refunded": refund, "payment_record_refund": null, "refund": r["id"], "type": "refund" }]);
    }
    if credit > 0 {
        let cid = inv["customer"].as_str().unwrap_or_default().to_string();
        let txn = adjust_balance(&mut tx, req, &cid, -credit, &inv_id, note["id"].as_str().unwrap_or_default(), now).await?;
        note["customer_balance_transaction"] = json!(txn);
    }
    inv["pre_payment_credit_notes_amount"] = json!(inv["pre_payment_credit_notes_amount"].as_i64().unwrap_or(0) + pre);
    inv["post_payment_credit_notes_amount"] = json!(inv["post_payment_credit_notes_amount"].as_i64().unwrap_or(0) + post);
    if pre > 0 {
        inv["amount_due"] = json!(inv["amount_due"].as_i64().unwrap_or(0) - pre);
        inv["amount_remaining"] = json!(inv["amount_remaining"].as_i64().unwrap_or(0) - pre);
        set_intent_amount(&mut tx, req, &inv, now).await?;
    }
    objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    objects::insert(&mut *tx, Kind::CreditNote, &note).await?;
    events::emit(&mut tx, req, "credit_note.created", &note, None).await?;
    events::emit(&mut tx, req, "invoice.updated", &inv, Some(previous_attributes(&before, &inv))).await?;
    if pre > 0 && inv["amount_remaining"].as_i64().unwrap_or(0) <= 0 {
        // Fully credited: nothing is left to collect, so the invoice is settled.
        if let Some(ps) = inv["_payments"].as_array_mut() {
            for pay in ps.iter_mut().filter(|pay| pay["status"] == "open") {
                pay["status"] = json!("canceled");
                pay["status_transitions"]["canceled_at"] = json!(now);
            }
        }
        invoices::mark_paid(&mut tx, req, &mut inv, now).await?;
    }
    tx.commit().await?;
    Ok(note)
}

/// The charge that paid `inv`, if a card paid it.
async fn invoice_charge(tx: &mut AnyConnection, inv: &Value) -> StripeResult<Option<String>> {
    if inv["paid_out_of_band"] == json!(true) {
        return Ok(None);
    }
    let Some(pi) = inv["_payments"][0]["payment"]["payment_intent"].as_str() else { return Ok(None) };
    Ok(objects::get(&mut *tx, Kind::PaymentIntent, pi)
        .await?
        .filter(|pi| pi["status"] == "succeeded")
        .and_then(|pi| pi["latest_charge"].as_str().map(String::from)))
}

/// Keeps an open invoice's payment intent asking for what is still due (and
/// cancels it once nothing is).
async fn set_intent_amount(tx: &mut AnyConnection, req: &Req, inv: &Value, now: i64) -> StripeResult<()> {
    let Some(pi_id) = inv["_payments"][0]["payment"]["payment_intent"].as_str() else { return Ok(()) };
    let Some(mut pi) = objects::get(&mut *tx, Kind::PaymentIntent, pi_id).await? else { return Ok(()) };
    if pi["status"] == "succeeded" || pi["status"] == "canceled" {
        return Ok(());
    }
    let due = inv["amount_remaining"].as_i64().unwrap_or(0);
    if due <= 0 {
        pi["status"] = json!("canceled");
        pi["canceled_at"] = json!(now);
        pi["cancellation_reason"] = json!("void_invoice");
        objects::save(&mut *tx, Kind::PaymentIntent, &pi).await?;
        events::emit(tx, req, "payment_intent.canceled", &pi, None).await?;
    } else {
        // Stripe announces no event for an amount change of an unconfirmed intent.
        pi["amount"] = json!(due);
        objects::save(&mut *tx, Kind::PaymentIntent, &pi).await?;
    }
    Ok(())
}

/// Moves the customer's balance by `amount` (negative is credit) for a credit
/// note, recording the balance transaction; returns its id.
async fn adjust_balance(
    tx: &mut AnyConnection,
    req: &Req,
    customer: &str,
    amount: i64,
    invoice: &str,
    note: &str,
    now: i64,
) -> StripeResult<String> {
    let mut c = must_get(&mut *tx, Kind::Customer, customer, "customer").await?;
    let before = c.clone();
    c["balance"] = json!(c["balance"].as_i64().unwrap_or(0) + amount);
    objects::save(&mut *tx, Kind::Customer, &c).await?;
    let mut txn = customer_balance::record(tx, &c, amount, "credit_note", Some(invoice), None, now).await?;
    txn["credit_note"] = json!(note);
    objects::save(&mut *tx, Kind::CustomerBalanceTransaction, &txn).await?;
    events::emit(tx, req, "customer.updated", &c, Some(previous_attributes(&before, &c))).await?;
    Ok(txn["id"].as_str().unwrap_or_default().to_string())
}

/// `GET /v1/credit_notes/preview`: the credit note `POST /v1/credit_notes` would make.
pub async fn preview(db: &Pool, p: &Params) -> StripeResult<Value> {
    p.allow(CREATE)?;
    let mut tx = asym_store::begin_write(db).await?;
    let result = draft(&mut tx, p).await;
    tx.rollback().await?;
    let mut note = result?.note;
    note["lines"]["url"] = json!("/v1/credit_notes/preview/lines");
    Ok(note)
}

/// `GET /v1/credit_notes/preview/lines`.
pub async fn preview_lines(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut inner = p.map.clone();
    for k in PAGE_PARAMS {
        inner.remove(*k);
    }
    let note = preview(db, &Params::new(inner)).await?;
    page_lines(&note, p, "/v1/credit_notes/preview/lines")
}

fn page_lines(note: &Value, p: &Params, url: &str) -> StripeResult<Value> {
    let page = Page::from(p)?;
    let all: Vec<Value> = note["lines"]["data"].as_array().cloned().unwrap_or_default();
    let pos = |id: &str, param: &str| {
        all.iter().position(|l| l["id"] == json!(id)).ok_or_else(|| StripeError::no_such("credit_note_line_item", id, param))
    };
    let (start, end) = match (&page.starting_after, &page.ending_before) {
        (Some(a), _) => {
            let s = pos(a, "starting_after")? + 1;
            (s, (s + page.limit as usize).min(all.len()))
        }
        (_, Some(b)) => {
            let e = pos(b, "ending_before")?;
            (e.saturating_sub(page.limit as usize), e)
        }
        _ => (0, (page.limit as usize).min(all.len())),
    };
    let has_more = if page.ending_before.is_some() { start > 0 } else { end < all.len() };
    Ok(list::envelope(all[start..end].to_vec(), has_more, url))
}

pub async fn retrieve(db: &Pool, id: &str) -> StripeResult<Value> {
    must_get(db, Kind::CreditNote, id, "id").await
}

/// `GET /v1/credit_notes/{id}/lines`.
pub async fn lines(db: &Pool, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(PAGE_PARAMS)?;
    let note = must_get(db, Kind::CreditNote, id, "credit_note").await?;
    page_lines(&note, p, &format!("/v1/credit_notes/{id}/lines"))
}

/// `POST /v1/credit_notes/{id}`: `memo` and `metadata`.
pub async fn update(db: &Pool, req: &Req, id: &str, p: &Params) -> StripeResult<Value> {
    p.allow(&["memo", "metadata"])?;
    let mut tx = asym_store::begin_write(db).await?;
    let before = must_get(&mut *tx, Kind::CreditNote, id, "id").await?;
    let mut v = before.clone();
    crate::model::set_text(&mut v, p, "memo")?;
    merge_metadata(&mut v["metadata"], p.get("metadata"))?;
    if v != before {
        objects::save(&mut *tx, Kind::CreditNote, &v).await?;
        events::emit(&mut tx, req, "credit_note.updated", &v, Some(previous_attributes(&before, &v))).await?;
    }
    tx.commit().await?;
    Ok(v)
}

/// `POST /v1/credit_notes/{id}/void`.
pub async fn void(db: &Pool, req: &Req, id: &str) -> StripeResult<Value> {
    let mut tx = asym_store::begin_write(db).await?;
    objects::lock(&mut *tx, Kind::CreditNote, id).await?;
    let mut note = must_get(&mut *tx, Kind::CreditNote, id, "id").await?;
    if note["status"] == "void" {
        return Err(StripeError::invalid(format!("Credit note {id} has already been voided.")));
    }
    if note["refunds"].as_array().is_some_and(|r| !r.is_empty()) {
        return Err(StripeError::invalid(format!("Credit note {id} cannot be voided because it issued a refund, which cannot be undone.")));
    }
    let inv_id = note["invoice"].as_str().unwrap_or_default().to_string();
    objects::lock(&mut *tx, Kind::Invoice, &inv_id).await?;
    let before = must_get(&mut *tx, Kind::Invoice, &inv_id, "invoice").await?;
    let mut inv = before.clone();
    let pre = note["pre_payment_amount"].as_i64().unwrap_or(0);
    let post = note["post_payment_amount"].as_i64().unwrap_or(0);
    let now = now_for_id(&mut tx, inv["customer"].as_str().unwrap_or_default()).await?;
    if pre > 0 {
        if inv["status"] != "open" {
            return Err(StripeError::invalid(format!("Credit note {id} cannot be voided because its invoice {inv_id} is no longer open.")));
        }
        inv["pre_payment_credit_notes_amount"] = json!(inv["pre_payment_credit_notes_amount"].as_i64().unwrap_or(0) - pre);
        inv["amount_due"] = json!(inv["amount_due"].as_i64().unwrap_or(0) + pre);
        inv["amount_remaining"] = json!(inv["amount_remaining"].as_i64().unwrap_or(0) + pre);
        set_intent_amount(&mut tx, req, &inv, now).await?;
    }
    if let Some(txn) = note["customer_balance_transaction"].as_str() {
        let credited = objects::get(&mut *tx, Kind::CustomerBalanceTransaction, txn).await?.and_then(|t| t["amount"].as_i64()).unwrap_or(0);
        let cid = inv["customer"].as_str().unwrap_or_default().to_string();
        adjust_balance(&mut tx, req, &cid, -credited, &inv_id, id, now).await?;
    }
    inv["post_payment_credit_notes_amount"] = json!(inv["post_payment_credit_notes_amount"].as_i64().unwrap_or(0) - post);
    objects::save(&mut *tx, Kind::Invoice, &inv).await?;
    events::emit(&mut tx, req, "invoice.updated", &inv, Some(previous_attributes(&before, &inv))).await?;
    note["status"] = json!("void");
    note["voided_at"] = json!(now);
    objects::save(&mut *tx, Kind::CreditNote, &note).await?;
    events::emit(&mut tx, req, "credit_note.voided", &note, None).await?;
    tx.commit().await?;
    Ok(note)
}

/// `GET /v1/credit_notes`: `invoice`, `customer`, `created`.
pub async fn list(db: &Pool, p: &Params) -> StripeResult<Value> {
    let mut allowed = vec!["invoice", "customer", "created", "customer_account"];
    allowed.extend_from_slice(PAGE_PARAMS);
    p.allow(&allowed)?;
    if p.has("customer_account") {
        return Err(StripeError::not_built("customer_account"));
    }
    let page = Page::from(p)?;
    let created = range_filter(p, "created")?;
    let scan = Scan { customer: p.text("customer")?, reference: p.text("invoice")?, ..Default::default() };
    list::list(db, Kind::CreditNote, "/v1/credit_notes", &page, scan, &|v| {
        created.as_ref().is_none_or(|f| f(v["created"].as_i64().unwrap_or(0)))
    })
    .await
}
