//! Router tests for tax rates applied to invoices and subscriptions, and for
//! credit notes against open and paid invoices.

mod support;

use axum::http::StatusCode;
use support::{Clone, Resp};

async fn clone() -> Clone {
    support::clone_at("stripe-tax-credit", "http://127.0.0.1:0/").await
}

fn id(r: &Resp) -> String {
    r.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", r.body)).to_string()
}

async fn rate(c: &Clone, pct: &str, inclusive: bool) -> String {
    let r = c.post("/v1/tax_rates", &format!("display_name=VAT&percentage={pct}&inclusive={inclusive}&country=DE&tax_type=vat")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id(&r)
}

/// A customer with a Visa as default payment method.
async fn paying_customer(c: &Clone) -> String {
    let cus = id(&c.post("/v1/customers", "name=Taxed&payment_method=pm_card_visa").await);
    let pms = c.get(&format!("/v1/customers/{cus}/payment_methods")).await;
    let pm = pms.body["data"][0]["id"].as_str().unwrap().to_string();
    c.post(&format!("/v1/customers/{cus}"), &format!("invoice_settings[default_payment_method]={pm}")).await;
    cus
}

#[tokio::test]
async fn tax_rates_crud_filters_and_errors() {
    let c = clone().await;
    let r =
        c.post("/v1/tax_rates", "display_name=Sales%20Tax&percentage=8.25&inclusive=false&state=CA&jurisdiction=US-CA&metadata[k]=v").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["object"], "tax_rate");
    assert_eq!(r.body["percentage"], 8.25);
    assert_eq!(r.body["active"], true);
    assert!(r.body["id"].as_str().unwrap().starts_with("txr_"));
    let txr = id(&r);
    let incl = rate(&c, "20", true).await;
    let up = c.post(&format!("/v1/tax_rates/{txr}"), "active=false&description=old").await;
    assert_eq!(up.body["active"], false);
    assert_eq!(up.body["description"], "old");
    let fixed = c.post(&format!("/v1/tax_rates/{txr}"), "percentage=5").await;
    assert_eq!(fixed.status, StatusCode::BAD_REQUEST);
    assert_eq!(fixed.body["error"]["code"], "parameter_unknown");
    let active = c.get("/v1/tax_rates?active=true").await;
    let ids: Vec<&str> = active.body["data"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&incl.as_str()) && !ids.contains(&txr.as_str()));
    let inclusive = c.get("/v1/tax_rates?inclusive=true").await;
    assert!(inclusive.body["data"].as_array().unwrap().iter().all(|v| v["inclusive"] == true));
    let missing = c.post("/v1/tax_rates", "display_name=X&inclusive=false").await;
    assert_eq!(missing.body["error"]["param"], "percentage");
    let bad = c.post("/v1/tax_rates", "display_name=X&inclusive=false&percentage=101").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let none = c.get("/v1/tax_rates/txr_nope").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    // An inactive rate cannot be applied to new items.
    let cus = paying_customer(&c).await;
    let ii = c.post("/v1/invoiceitems", &format!("customer={cus}&amount=100&currency=usd&tax_rates[]={txr}")).await;
    assert_eq!(ii.status, StatusCode::BAD_REQUEST, "{}", ii.body);
    let events = c.get("/v1/events?type=tax_rate.updated").await;
    assert_eq!(events.body["data"][0]["data"]["previous_attributes"]["active"], true);
}

#[tokio::test]
async fn invoices_compute_exclusive_and_inclusive_tax() {
    let c = clone().await;
    let cus = paying_customer(&c).await;
    let ex = rate(&c, "10", false).await;
    let inc = rate(&c, "25", true).await;
    let inv = c.post("/v1/invoices", &format!("customer={cus}&default_tax_rates[]={ex}")).await;
    let inv_id = id(&inv);
    assert_eq!(inv.body["default_tax_rates"][0]["id"], ex.as_str());
    c.post("/v1/invoiceitems", &format!("customer={cus}&invoice={inv_id}&amount=1000&currency=usd")).await;
    let own = c.post("/v1/invoiceitems", &format!("customer={cus}&invoice={inv_id}&amount=1250&currency=usd&tax_rates[]={inc}")).await;
    assert_eq!(own.body["tax_rates"][0]["id"], inc.as_str());
    let got = c.get(&format!("/v1/invoices/{inv_id}")).await.body;
    assert_eq!(got["subtotal"], 2250);
    assert_eq!(got["total"], 2350, "exclusive 10% of 1000 added; inclusive 25% carved out of 1250");
    assert_eq!(got["total_excluding_tax"], 2000);
    assert_eq!(got["subtotal_excluding_tax"], 2000);
    assert_eq!(got["amount_due"], 2350);
    let taxes = got["total_taxes"].as_array().unwrap();
    assert_eq!(taxes.len(), 2);
    assert!(
        taxes.iter().any(|t| t["amount"] == 100 && t["tax_behavior"] == "exclusive" && t["tax_rate_details"]["tax_rate"] == ex.as_str())
    );
    assert!(taxes.iter().any(|t| t["amount"] == 250 && t["tax_behavior"] == "inclusive" && t["taxable_amount"] == 1000));
    let lines = c.get(&format!("/v1/invoices/{inv_id}/lines")).await.body;
    assert_eq!(lines["data"][0]["taxes"][0]["amount"], 100);
    assert_eq!(lines["data"][1]["taxes"][0]["amount"], 250);
    assert!(lines["data"][0].get("_tax_rates").is_none());
    let paid = c.post(&format!("/v1/invoices/{inv_id}/pay"), "").await;
    assert_eq!(paid.body["status"], "paid", "{}", paid.body);
    assert_eq!(paid.body["amount_paid"], 2350);
    let bad = c.post(&format!("/v1/invoices/{inv_id}"), &format!("default_tax_rates[]={ex}")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let missing = c.post("/v1/invoices", &format!("customer={cus}&default_tax_rates[]=txr_missing")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["param"], "default_tax_rates");
}

#[tokio::test]
async fn subscriptions_carry_tax_rates_onto_their_invoices() {
    let c = clone().await;
    let cus = paying_customer(&c).await;
    let ex = rate(&c, "19", false).await;
    let price = id(&c.post("/v1/prices", "currency=usd&unit_amount=1000&recurring[interval]=month&product_data[name]=Plan").await);
    let sub = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}&default_tax_rates[]={ex}")).await;
    assert_eq!(sub.status, StatusCode::OK, "{}", sub.body);
    assert_eq!(sub.body["default_tax_rates"][0]["id"], ex.as_str());
    assert_eq!(sub.body["status"], "active");
    let inv = c.get(&format!("/v1/invoices/{}", sub.body["latest_invoice"].as_str().unwrap())).await.body;
    assert_eq!(inv["total"], 1190);
    assert_eq!(inv["amount_paid"], 1190);
    let item_rate = rate(&c, "5", false).await;
    let price2 = id(&c.post("/v1/prices", "currency=usd&unit_amount=2000&recurring[interval]=month&product_data[name]=Seat").await);
    let sub2 = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price2}&items[0][tax_rates][]={item_rate}")).await;
    assert_eq!(sub2.body["items"]["data"][0]["tax_rates"][0]["id"], item_rate.as_str());
    let inv2 = c.get(&format!("/v1/invoices/{}", sub2.body["latest_invoice"].as_str().unwrap())).await.body;
    assert_eq!(inv2["total"], 2100);
    let si = sub2.body["items"]["data"][0]["id"].as_str().unwrap().to_string();
    let cleared = c.post(&format!("/v1/subscription_items/{si}"), "tax_rates=").await;
    assert_eq!(cleared.body["tax_rates"], serde_json::json!([]), "{}", cleared.body);
}

/// A finalized invoice for `cus` with one 1000 line taxed at 10% exclusive.
async fn open_invoice(c: &Clone, cus: &str, rate_id: &str) -> (String, String) {
    open_invoice_due(c, cus, rate_id, 1100).await
}

async fn open_invoice_due(c: &Clone, cus: &str, rate_id: &str, due: i64) -> (String, String) {
    let inv = id(&c.post("/v1/invoices", &format!("customer={cus}&default_tax_rates[]={rate_id}")).await);
    c.post("/v1/invoiceitems", &format!("customer={cus}&invoice={inv}&amount=1000&currency=usd&description=Consulting")).await;
    let fin = c.post(&format!("/v1/invoices/{inv}/finalize"), "").await;
    assert_eq!(fin.body["status"], "open", "{}", fin.body);
    assert_eq!(fin.body["amount_due"], due, "{}", fin.body);
    let line = fin.body["lines"]["data"][0]["id"].as_str().unwrap().to_string();
    (inv, line)
}

#[tokio::test]
async fn credit_notes_on_open_invoices_lower_the_amount_due() {
    let c = clone().await;
    let cus = paying_customer(&c).await;
    let ex = rate(&c, "10", false).await;
    let (inv, line) = open_invoice(&c, &cus, &ex).await;
    let body = format!(
        "invoice={inv}&lines[0][type]=invoice_line_item&lines[0][invoice_line_item]={line}&lines[0][amount]=400&reason=order_change"
    );
    let preview = c.get(&format!("/v1/credit_notes/preview?{body}")).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.body["total"], 440);
    assert_eq!(c.get(&format!("/v1/invoices/{inv}")).await.body["amount_due"], 1100, "a preview changes nothing");
    let cn = c.post("/v1/credit_notes", &format!("{body}&memo=Partial&metadata[ticket]=42")).await;
    assert_eq!(cn.status, StatusCode::OK, "{}", cn.body);
    assert_eq!(cn.body["object"], "credit_note");
    assert_eq!(cn.body["type"], "pre_payment");
    assert_eq!(cn.body["status"], "issued");
    assert_eq!(cn.body["subtotal"], 400);
    assert_eq!(cn.body["total"], 440);
    assert_eq!(cn.body["total_taxes"][0]["amount"], 40);
    assert_eq!(cn.body["lines"]["data"][0]["taxes"][0]["amount"], 40);
    assert!(cn.body["number"].as_str().unwrap().ends_with("-CN-01"));
    let cn_id = id(&cn);
    let after = c.get(&format!("/v1/invoices/{inv}")).await.body;
    assert_eq!(after["amount_due"], 660);
    assert_eq!(after["amount_remaining"], 660);
    assert_eq!(after["pre_payment_credit_notes_amount"], 440);
    let too_much = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=700")).await;
    assert_eq!(too_much.status, StatusCode::BAD_REQUEST, "past what is due, the rest must be allocated: {}", too_much.body);
    // An invoice the customer's credit balance partly paid: past what is still
    // due, the rest is post-payment and must be allocated.
    let other = paying_customer(&c).await;
    let bal = c.post(&format!("/v1/customers/{other}/balance_transactions"), "amount=-300&currency=usd").await;
    assert_eq!(bal.status, StatusCode::OK, "{}", bal.body);
    let (part_paid, _) = open_invoice_due(&c, &other, &ex, 800).await;
    let mixed = c.get(&format!("/v1/credit_notes/preview?invoice={part_paid}&amount=1000&credit_amount=200")).await;
    assert_eq!(mixed.body["type"], "mixed", "{}", mixed.body);
    assert_eq!(mixed.body["pre_payment_amount"], 800);
    assert_eq!(mixed.body["post_payment_amount"], 200);
    let unallocated = c.get(&format!("/v1/credit_notes/preview?invoice={part_paid}&amount=1000")).await;
    assert_eq!(unallocated.status, StatusCode::BAD_REQUEST);
    let over_line = c
        .post(
            "/v1/credit_notes",
            &format!("invoice={inv}&lines[0][type]=invoice_line_item&lines[0][invoice_line_item]={line}&lines[0][amount]=700"),
        )
        .await;
    assert_eq!(over_line.status, StatusCode::BAD_REQUEST, "{}", over_line.body);
    let refund_open = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=100&refund_amount=100")).await;
    assert_eq!(refund_open.body["error"]["param"], "refund_amount");
    let listed = c.get(&format!("/v1/credit_notes?invoice={inv}")).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    let by_customer = c.get(&format!("/v1/credit_notes?customer={cus}")).await;
    assert_eq!(by_customer.body["data"][0]["id"], cn_id.as_str());
    let lines = c.get(&format!("/v1/credit_notes/{cn_id}/lines")).await;
    assert_eq!(lines.body["data"][0]["invoice_line_item"], line.as_str());
    let upd = c.post(&format!("/v1/credit_notes/{cn_id}"), "memo=Changed").await;
    assert_eq!(upd.body["memo"], "Changed");
    let voided = c.post(&format!("/v1/credit_notes/{cn_id}/void"), "").await;
    assert_eq!(voided.body["status"], "void", "{}", voided.body);
    assert!(voided.body["voided_at"].is_i64());
    assert_eq!(c.get(&format!("/v1/invoices/{inv}")).await.body["amount_due"], 1100);
    let again = c.post(&format!("/v1/credit_notes/{cn_id}/void"), "").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    // Crediting everything settles the invoice.
    let full = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=1100")).await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.body);
    assert_eq!(c.get(&format!("/v1/invoices/{inv}")).await.body["status"], "paid");
    for t in ["credit_note.created", "credit_note.updated", "credit_note.voided"] {
        let ev = c.get(&format!("/v1/events?type={t}")).await;
        assert!(!ev.body["data"].as_array().unwrap().is_empty(), "{t}");
    }
    let missing = c.post("/v1/credit_notes", "invoice=in_missing&amount=1").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn credit_notes_on_paid_invoices_refund_or_credit_the_balance() {
    let c = clone().await;
    let cus = paying_customer(&c).await;
    let ex = rate(&c, "10", false).await;
    let (inv, _) = open_invoice(&c, &cus, &ex).await;
    let paid = c.post(&format!("/v1/invoices/{inv}/pay"), "").await;
    assert_eq!(paid.body["status"], "paid", "{}", paid.body);
    let refund = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=300&refund_amount=300")).await;
    assert_eq!(refund.status, StatusCode::OK, "{}", refund.body);
    assert_eq!(refund.body["type"], "post_payment");
    let re = refund.body["refunds"][0]["refund"].as_str().unwrap().to_string();
    let re_obj = c.get(&format!("/v1/refunds/{re}")).await.body;
    assert_eq!(re_obj["amount"], 300);
    let ch = c.get(&format!("/v1/charges/{}", re_obj["charge"].as_str().unwrap())).await.body;
    assert_eq!(ch["amount_refunded"], 300);
    let cannot = c.post(&format!("/v1/credit_notes/{}/void", refund.body["id"].as_str().unwrap()), "").await;
    assert_eq!(cannot.status, StatusCode::BAD_REQUEST);
    let unallocated = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=500")).await;
    assert_eq!(unallocated.status, StatusCode::BAD_REQUEST, "a post-payment amount must be allocated: {}", unallocated.body);
    let credit = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=500&credit_amount=500")).await;
    assert_eq!(credit.status, StatusCode::OK, "{}", credit.body);
    assert!(credit.body["customer_balance_transaction"].as_str().unwrap().starts_with("cbtxn_"));
    assert_eq!(c.get(&format!("/v1/customers/{cus}")).await.body["balance"], -500);
    let inv_after = c.get(&format!("/v1/invoices/{inv}")).await.body;
    assert_eq!(inv_after["post_payment_credit_notes_amount"], 800);
    let over = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=301")).await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST, "{}", over.body);
    let mismatch = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=200&refund_amount=100")).await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
    let oob = c.post("/v1/credit_notes", &format!("invoice={inv}&amount=100&out_of_band_amount=100")).await;
    assert_eq!(oob.body["out_of_band_amount"], 100, "{}", oob.body);
    let voided = c.post(&format!("/v1/credit_notes/{}/void", credit.body["id"].as_str().unwrap()), "").await;
    assert_eq!(voided.body["status"], "void");
    assert_eq!(c.get(&format!("/v1/customers/{cus}")).await.body["balance"], 0);
    let draft = id(&c.post("/v1/invoices", &format!("customer={cus}")).await);
    let on_draft = c.post("/v1/credit_notes", &format!("invoice={draft}&amount=1")).await;
    assert_eq!(on_draft.body["error"]["param"], "invoice");
}

#[tokio::test]
async fn previews_apply_tax_rates() {
    let c = clone().await;
    let cus = paying_customer(&c).await;
    let vat = rate(&c, "20", false).await;
    let price = id(&c.post("/v1/prices", "currency=usd&unit_amount=1500&recurring[interval]=month&product_data[name]=Plan").await);
    let new_sub = c
        .post(
            "/v1/invoices/create_preview",
            &format!("customer={cus}&subscription_details[items][0][price]={price}&subscription_details[default_tax_rates][0]={vat}"),
        )
        .await;
    assert_eq!(new_sub.status, StatusCode::OK, "{}", new_sub.body);
    assert_eq!(new_sub.body["total"], 1800);
    let items = c
        .post(
            "/v1/invoices/create_preview",
            &format!("customer={cus}&invoice_items[0][amount]=1000&invoice_items[0][currency]=usd&invoice_items[0][tax_rates][0]={vat}"),
        )
        .await;
    assert_eq!(items.body["total"], 1200, "{}", items.body);
    let sub = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}")).await;
    let sid = id(&sub);
    let renewal =
        c.post("/v1/invoices/create_preview", &format!("subscription={sid}&subscription_details[default_tax_rates][0]={vat}")).await;
    assert_eq!(renewal.body["total"], 1800, "{}", renewal.body);
    assert_eq!(
        c.get(&format!("/v1/subscriptions/{sid}")).await.body["default_tax_rates"],
        serde_json::json!([]),
        "a preview stores nothing"
    );
    let bad = c
        .post(
            "/v1/invoices/create_preview",
            &format!("customer={cus}&invoice_items[0][amount]=1000&invoice_items[0][currency]=usd&invoice_items[0][tax_rates][0]=txr_nope"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
}
