//! Router tests for the billing additions: customer tax ids, card sources and
//! discounts, incremental authorization, setup attempts, the older upcoming
//! invoice, payout reversal, the customer portal, plans, shipping rates and
//! subscription schedules.

mod support;

use axum::http::StatusCode;
use serde_json::Value;
use support::{Clone, KEY, Resp};

async fn clone() -> Clone {
    support::clone_at("stripe-billing-more", "http://127.0.0.1:0/").await
}

fn id(r: &Resp) -> String {
    r.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", r.body)).to_string()
}

async fn events(c: &Clone, kind: &str) -> Vec<Value> {
    c.get(&format!("/v1/events?type={kind}&limit=100")).await.body["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn customer_tax_ids_are_checked_verified_and_deleted() {
    let c = clone().await;
    let cus = id(&c.post("/v1/customers", "name=Tax").await);
    let bad = c.post(&format!("/v1/customers/{cus}/tax_ids"), "type=eu_vat&value=XX123").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error"]["code"], "tax_id_invalid");
    assert_eq!(bad.body["error"]["message"], "Invalid value for eu_vat.");
    let kind = c.post(&format!("/v1/customers/{cus}/tax_ids"), "type=xx_tin&value=1").await;
    assert_eq!(kind.body["error"]["param"], "type");
    let t = c.post(&format!("/v1/customers/{cus}/tax_ids"), "type=eu_vat&value=DE 123 456 789").await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    assert_eq!(t.body["object"], "tax_id");
    assert_eq!(t.body["country"], "DE");
    assert_eq!(t.body["value"], "DE123456789");
    assert_eq!(t.body["verification"]["status"], "pending");
    assert_eq!(t.body["owner"]["customer"], cus.as_str());
    let v = c.post(&format!("/v1/customers/{cus}/tax_ids"), "type=gb_vat&value=GB000000000").await;
    assert_eq!(v.body["verification"]["status"], "verified", "{}", v.body);
    let ein = c.post(&format!("/v1/customers/{cus}/tax_ids"), "type=us_ein&value=12-3456789").await;
    assert_eq!(ein.body["verification"]["status"], "unavailable");
    let list = c.get(&format!("/v1/customers/{cus}/tax_ids")).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(list.body["url"], format!("/v1/customers/{cus}/tax_ids"));
    let del =
        c.send("DELETE", &format!("/v1/customers/{cus}/tax_ids/{}", id(&t)), "", &[("authorization", &format!("Bearer {KEY}"))]).await;
    assert_eq!(del.body["deleted"], true);
    let gone = c.get(&format!("/v1/customers/{cus}/tax_ids/{}", id(&t))).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let with = c.post("/v1/customers", "name=T2&tax_id_data[0][type]=eu_vat&tax_id_data[0][value]=DE123456789&expand[]=tax_ids").await;
    assert_eq!(with.status, StatusCode::OK, "{}", with.body);
    assert_eq!(with.body["tax_ids"]["data"][0]["value"], "DE123456789");
    let bad = c.post("/v1/customers", "name=T3&tax_id_data[0][type]=eu_vat&tax_id_data[0][value]=nope").await;
    assert_eq!(bad.body["error"]["param"], "tax_id_data[0][value]");
    assert_eq!(events(&c, "customer.tax_id.created").await.len(), 4);
    assert_eq!(events(&c, "customer.tax_id.updated").await.len(), 1);
    assert_eq!(events(&c, "customer.tax_id.deleted").await.len(), 1);
}

#[tokio::test]
async fn card_sources_set_and_move_the_default_source() {
    let c = clone().await;
    let cus = id(&c.post("/v1/customers", "name=Cards").await);
    let first = c.post(&format!("/v1/customers/{cus}/sources"), "source=tok_visa").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["object"], "card");
    assert_eq!(first.body["brand"], "Visa");
    assert_eq!(first.body["last4"], "4242");
    assert!(first.body.get("_number").is_none());
    assert_eq!(c.get(&format!("/v1/customers/{cus}")).await.body["default_source"], id(&first).as_str());
    let second = c.post(&format!("/v1/customers/{cus}/sources"), "source=tok_mastercard").await;
    assert_eq!(c.get(&format!("/v1/customers/{cus}")).await.body["default_source"], id(&first).as_str());
    let declined = c.post(&format!("/v1/customers/{cus}/sources"), "source=tok_chargeDeclined").await;
    assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(declined.body["error"]["code"], "card_declined");
    let upd = c.post(&format!("/v1/customers/{cus}/sources/{}", id(&second)), "name=Jane&exp_month=7").await;
    assert_eq!(upd.body["name"], "Jane");
    assert_eq!(upd.body["exp_month"], 7);
    let set = c.post(&format!("/v1/customers/{cus}"), &format!("default_source={}", id(&second))).await;
    assert_eq!(set.body["default_source"], id(&second).as_str());
    let bad = c.post(&format!("/v1/customers/{cus}"), "default_source=card_nope").await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    let auth = [("authorization", format!("Bearer {KEY}"))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let del = c.send("DELETE", &format!("/v1/customers/{cus}/sources/{}", id(&second)), "", &auth).await;
    assert_eq!(del.body["deleted"], true);
    assert_eq!(c.get(&format!("/v1/customers/{cus}")).await.body["default_source"], id(&first).as_str());
    let expanded = c.get(&format!("/v1/customers/{cus}?expand[]=sources")).await;
    assert_eq!(expanded.body["sources"]["data"].as_array().unwrap().len(), 1, "{}", expanded.body);
    let list = c.get(&format!("/v1/customers/{cus}/sources?object=card")).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    // A card source pays as the customer's default, and works as a payment method id.
    let ch = c.post("/v1/charges", &format!("amount=1200&currency=usd&customer={cus}")).await;
    assert_eq!(ch.status, StatusCode::OK, "{}", ch.body);
    assert_eq!(ch.body["payment_method"], id(&first).as_str());
    let pi = c
        .post(
            "/v1/payment_intents",
            &format!("amount=700&currency=usd&customer={cus}&payment_method={}&confirm=true&payment_method_types[]=card", id(&first)),
        )
        .await;
    assert_eq!(pi.body["status"], "succeeded", "{}", pi.body);
    let pms = c.get(&format!("/v1/customers/{cus}/payment_methods")).await;
    assert!(pms.body["data"].as_array().unwrap().iter().any(|m| m["id"] == id(&first).as_str()));
    let detached = c.post(&format!("/v1/payment_methods/{}/detach", id(&first)), "").await;
    assert!(detached.body["customer"].is_null(), "{}", detached.body);
    assert!(c.get(&format!("/v1/customers/{cus}")).await.body["default_source"].is_null());
    assert_eq!(c.get(&format!("/v1/customers/{cus}/sources")).await.body["data"].as_array().unwrap().len(), 0);
    assert_eq!(events(&c, "customer.source.created").await.len(), 2);
    assert_eq!(events(&c, "customer.source.deleted").await.len(), 2);
}

#[tokio::test]
async fn a_customer_discount_applies_to_invoices_until_deleted() {
    let c = clone().await;
    c.post("/v1/coupons", "id=TENOFF&percent_off=10&duration=forever").await;
    let cus = c.post("/v1/customers", "name=Disc&coupon=TENOFF").await;
    assert_eq!(cus.status, StatusCode::OK, "{}", cus.body);
    assert_eq!(cus.body["discount"]["coupon"]["id"], "TENOFF");
    let cus = id(&cus);
    c.post("/v1/invoiceitems", &format!("customer={cus}&amount=1000&currency=usd")).await;
    let inv = c.post("/v1/invoices", &format!("customer={cus}&pending_invoice_items_behavior=include")).await;
    assert_eq!(inv.body["total"], 900, "{}", inv.body);
    let auth = format!("Bearer {KEY}");
    let del = c.send("DELETE", &format!("/v1/customers/{cus}/discount"), "", &[("authorization", &auth)]).await;
    assert_eq!(del.status, StatusCode::OK, "{}", del.body);
    assert_eq!(del.body["object"], "discount");
    assert_eq!(del.body["deleted"], true);
    assert!(c.get(&format!("/v1/customers/{cus}")).await.body["discount"].is_null());
    let again = c.send("DELETE", &format!("/v1/customers/{cus}/discount"), "", &[("authorization", &auth)]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    // A `once` customer discount is used up by the first invoice.
    c.post("/v1/coupons", "id=ONCE5&amount_off=500&currency=usd&duration=once").await;
    let once = id(&c.post("/v1/customers", "name=Once&coupon=ONCE5").await);
    c.post("/v1/invoiceitems", &format!("customer={once}&amount=1000&currency=usd")).await;
    let first = c.post("/v1/invoices", &format!("customer={once}&pending_invoice_items_behavior=include")).await;
    assert_eq!(first.body["total"], 500, "{}", first.body);
    assert!(c.get(&format!("/v1/customers/{once}")).await.body["discount"].is_null());
    c.post("/v1/invoiceitems", &format!("customer={once}&amount=1000&currency=usd")).await;
    let second = c.post("/v1/invoices", &format!("customer={once}&pending_invoice_items_behavior=include")).await;
    assert_eq!(second.body["total"], 1000);
    assert_eq!(events(&c, "customer.discount.created").await.len(), 2);
    assert_eq!(events(&c, "customer.discount.deleted").await.len(), 2);
}

#[tokio::test]
async fn authorizations_increment_only_when_requested() {
    let c = clone().await;
    let pi = c
        .post(
            "/v1/payment_intents",
            "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true&capture_method=manual&payment_method_types[]=card&payment_method_options[card][request_incremental_authorization]=if_available",
        )
        .await;
    assert_eq!(pi.body["status"], "requires_capture", "{}", pi.body);
    let pid = id(&pi);
    let low = c.post(&format!("/v1/payment_intents/{pid}/increment_authorization"), "amount=900").await;
    assert_eq!(low.body["error"]["param"], "amount", "{}", low.body);
    let up = c.post(&format!("/v1/payment_intents/{pid}/increment_authorization"), "amount=1500").await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.body);
    assert_eq!(up.body["amount"], 1500);
    assert_eq!(up.body["amount_capturable"], 1500);
    let ch = c.get(&format!("/v1/charges/{}", up.body["latest_charge"].as_str().unwrap())).await;
    assert_eq!(ch.body["amount"], 1500);
    assert_eq!(ch.body["payment_method_details"]["card"]["incremental_authorization"]["status"], "available");
    let cap = c.post(&format!("/v1/payment_intents/{pid}/capture"), "").await;
    assert_eq!(cap.body["amount_received"], 1500);
    let after = c.post(&format!("/v1/payment_intents/{pid}/increment_authorization"), "amount=2000").await;
    assert_eq!(after.body["error"]["code"], "payment_intent_unexpected_state");
    let plain = c
        .post(
            "/v1/payment_intents",
            "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true&capture_method=manual&payment_method_types[]=card",
        )
        .await;
    let no = c.post(&format!("/v1/payment_intents/{}/increment_authorization", id(&plain)), "amount=2000").await;
    assert_eq!(no.body["error"]["code"], "incremental_authorization_unavailable");
    let bal = c.post(&format!("/v1/payment_intents/{}/apply_customer_balance", id(&plain)), "").await;
    assert_eq!(bal.status, StatusCode::BAD_REQUEST);
    assert!(bal.body["error"]["message"].as_str().unwrap().contains("not implemented by this clone"));
    let missing = c.post("/v1/payment_intents/pi_nope/verify_microdeposits", "").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn setup_intent_confirmations_record_attempts() {
    let c = clone().await;
    let cus = id(&c.post("/v1/customers", "name=Setup").await);
    let si = c.post("/v1/setup_intents", &format!("customer={cus}&payment_method_types[]=card")).await;
    let sid = id(&si);
    let failed = c.post(&format!("/v1/setup_intents/{sid}/confirm"), "payment_method=pm_card_chargeDeclined").await;
    assert_eq!(failed.status, StatusCode::PAYMENT_REQUIRED);
    let ok = c.post(&format!("/v1/setup_intents/{sid}/confirm"), "payment_method=pm_card_visa").await;
    assert_eq!(ok.body["status"], "succeeded");
    let attempts = c.get(&format!("/v1/setup_attempts?setup_intent={sid}")).await;
    let data = attempts.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "{}", attempts.body);
    assert_eq!(data[0]["status"], "succeeded");
    assert_eq!(data[0]["object"], "setup_attempt");
    assert_eq!(data[0]["id"], ok.body["latest_attempt"]);
    assert_eq!(data[1]["status"], "failed");
    assert_eq!(data[1]["setup_error"]["code"], "card_declined");
    let none = c.get("/v1/setup_attempts").await;
    assert_eq!(none.body["error"]["code"], "parameter_missing");
}

#[tokio::test]
async fn the_upcoming_invoice_answers_older_api_versions() {
    let c = clone().await;
    let cus = id(&c.post("/v1/customers", "name=Up&payment_method=pm_card_visa").await);
    let pm = c.get(&format!("/v1/customers/{cus}/payment_methods")).await.body["data"][0]["id"].as_str().unwrap().to_string();
    c.post(&format!("/v1/customers/{cus}"), &format!("invoice_settings[default_payment_method]={pm}")).await;
    let prod = id(&c.post("/v1/products", "name=Seat").await);
    let price = id(&c.post("/v1/prices", &format!("product={prod}&unit_amount=2000&currency=usd&recurring[interval]=month")).await);
    let sub = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}")).await;
    assert_eq!(sub.status, StatusCode::OK, "{}", sub.body);
    let auth = format!("Bearer {KEY}");
    let old = [("authorization", auth.as_str()), ("stripe-version", "2024-06-20")];
    let none = c.send("GET", "/v1/invoices/upcoming?customer=cus_missing", "", &old).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let next = c.send("GET", &format!("/v1/invoices/upcoming?customer={cus}"), "", &old).await;
    assert_eq!(next.body["object"], "invoice", "{}", next.body);
    assert_eq!(next.body["amount_due"], 2000);
    assert!(next.body.get("id").is_none());
    assert_eq!(next.body["subscription"], sub.body["id"]);
    let lines = c.send("GET", &format!("/v1/invoices/upcoming/lines?customer={cus}&limit=1"), "", &old).await;
    assert_eq!(lines.body["object"], "list", "{}", lines.body);
    assert_eq!(lines.body["data"].as_array().unwrap().len(), 1);
    let fresh = id(&c.post("/v1/customers", "name=None").await);
    let empty = c.send("GET", &format!("/v1/invoices/upcoming?customer={fresh}"), "", &old).await;
    assert_eq!(empty.status, StatusCode::NOT_FOUND);
    assert_eq!(empty.body["error"]["code"], "invoice_upcoming_none");
    let items = c
        .send(
            "GET",
            &format!("/v1/invoices/upcoming?customer={fresh}&subscription_items[0][price]={price}&subscription_items[0][quantity]=2"),
            "",
            &old,
        )
        .await;
    assert_eq!(items.body["amount_due"], 4000, "{}", items.body);
    let new = [("authorization", auth.as_str()), ("stripe-version", "2025-03-31.basil")];
    let removed = c.send("GET", &format!("/v1/invoices/upcoming?customer={cus}"), "", &new).await;
    assert_eq!(removed.status, StatusCode::NOT_FOUND);
    assert!(removed.body["error"]["message"].as_str().unwrap().starts_with("Unrecognized request URL"));
}

#[tokio::test]
async fn paid_payouts_can_be_reversed_once() {
    let c = clone().await;
    c.post("/v1/payment_intents", "amount=10000&currency=usd&payment_method=pm_card_visa&confirm=true&payment_method_types[]=card").await;
    let po = id(&c.post("/v1/payouts", "amount=3000&currency=usd").await);
    let early = c.post(&format!("/v1/payouts/{po}/reverse"), "").await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    assert!(early.body["error"]["message"].as_str().unwrap().contains("cancel"), "{}", early.body);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let before = c.get("/v1/balance").await.body["available"][0]["amount"].as_i64().unwrap();
    let rev = c.post(&format!("/v1/payouts/{po}/reverse"), "metadata[why]=wrong").await;
    assert_eq!(rev.status, StatusCode::OK, "{}", rev.body);
    assert_eq!(rev.body["original_payout"], po.as_str());
    assert_eq!(rev.body["metadata"]["why"], "wrong");
    assert_eq!(c.get(&format!("/v1/payouts/{po}")).await.body["reversed_by"], rev.body["id"]);
    assert_eq!(c.get("/v1/balance").await.body["available"][0]["amount"].as_i64().unwrap(), before + 3000);
    let twice = c.post(&format!("/v1/payouts/{po}/reverse"), "").await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    assert_eq!(events(&c, "payout.reversed").await.len(), 1);
}

#[tokio::test]
async fn portal_sessions_point_at_the_clone() {
    let c = clone().await;
    let cus = id(&c.post("/v1/customers", "name=Portal&email=p@example.com").await);
    let no_url = c.post("/v1/billing_portal/sessions", &format!("customer={cus}")).await;
    assert_eq!(no_url.status, StatusCode::OK, "{}", no_url.body);
    assert!(no_url.body["return_url"].is_null());
    let s = c.post("/v1/billing_portal/sessions", &format!("customer={cus}&return_url=https://example.com/account")).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert_eq!(s.body["object"], "billing_portal.session");
    let url = s.body["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:0/p/session/bps_"), "{url}");
    let default = c.get("/v1/billing_portal/configurations?is_default=true").await;
    assert_eq!(default.body["data"][0]["id"], s.body["configuration"]);
    let page = c.browser("GET", &url["http://127.0.0.1:0".len()..], "").await;
    assert_eq!(page.status, StatusCode::OK);
    let cfg = c
        .post(
            "/v1/billing_portal/configurations",
            "features[invoice_history][enabled]=true&features[subscription_cancel][enabled]=true&features[subscription_cancel][mode]=immediately&default_return_url=https://example.com/r",
        )
        .await;
    assert_eq!(cfg.status, StatusCode::OK, "{}", cfg.body);
    assert_eq!(cfg.body["features"]["subscription_cancel"]["mode"], "immediately");
    assert_eq!(cfg.body["is_default"], false);
    let bad = c.post("/v1/billing_portal/configurations", "features[subscription_update][enabled]=true").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let s2 = c.post("/v1/billing_portal/sessions", &format!("customer={cus}&configuration={}", id(&cfg))).await;
    assert_eq!(s2.body["return_url"], "https://example.com/r");
    let off = c.post(&format!("/v1/billing_portal/configurations/{}", id(&cfg)), "active=false").await;
    assert_eq!(off.body["active"], false);
    let refused = c.post("/v1/billing_portal/sessions", &format!("customer={cus}&configuration={}", id(&cfg))).await;
    assert_eq!(refused.body["error"]["param"], "configuration");
    assert_eq!(events(&c, "billing_portal.session.created").await.len(), 3);
    let nobody = c.post("/v1/billing_portal/sessions", "customer=cus_nope").await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn plans_are_prices_with_the_same_id() {
    let c = clone().await;
    let plan = c.post("/v1/plans", "id=gold&amount=5000&currency=usd&interval=month&product[name]=Gold").await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    assert_eq!(plan.body["object"], "plan");
    assert_eq!(plan.body["amount"], 5000);
    let price = c.get("/v1/prices/gold").await;
    assert_eq!(price.body["unit_amount"], 5000);
    assert_eq!(price.body["recurring"]["interval"], "month");
    let dup = c
        .post("/v1/plans", &format!("id=gold&amount=1&currency=usd&interval=month&product={}", plan.body["product"].as_str().unwrap()))
        .await;
    assert_eq!(dup.body["error"]["code"], "resource_already_exists");
    let missing = c.post("/v1/plans", "currency=usd&interval=month&product[name]=X").await;
    assert_eq!(missing.body["error"]["param"], "amount");
    let product = plan.body["product"].as_str().unwrap().to_string();
    c.post("/v1/prices", &format!("product={product}&unit_amount=100&currency=usd&recurring[interval]=year")).await;
    c.post("/v1/prices", &format!("product={product}&unit_amount=100&currency=usd")).await;
    let list = c.get(&format!("/v1/plans?product={product}")).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 2);
    assert!(list.body["data"].as_array().unwrap().iter().all(|p| p["object"] == "plan"));
    let upd = c.post("/v1/plans/gold", "nickname=Gold monthly").await;
    assert_eq!(upd.body["nickname"], "Gold monthly");
    assert_eq!(c.get("/v1/prices/gold").await.body["nickname"], "Gold monthly");
    let auth = format!("Bearer {KEY}");
    let del = c.send("DELETE", "/v1/plans/gold", "", &[("authorization", &auth)]).await;
    assert_eq!(del.body["deleted"], true);
    assert_eq!(c.get("/v1/plans/gold").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/v1/prices/gold").await.body["active"], false);
    assert_eq!(events(&c, "plan.created").await.len(), 1);
    assert_eq!(events(&c, "plan.deleted").await.len(), 1);
}

#[tokio::test]
async fn shipping_rates_add_to_checkout_totals() {
    let c = clone().await;
    let bad = c.post("/v1/shipping_rates", "display_name=Ground&fixed_amount[currency]=usd").await;
    assert_eq!(bad.body["error"]["param"], "fixed_amount[amount]");
    let r = c
        .post(
            "/v1/shipping_rates",
            "display_name=Ground&type=fixed_amount&fixed_amount[amount]=500&fixed_amount[currency]=usd&delivery_estimate[minimum][unit]=business_day&delivery_estimate[minimum][value]=3",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["fixed_amount"]["amount"], 500);
    assert_eq!(r.body["delivery_estimate"]["minimum"]["value"], 3);
    let prod = id(&c.post("/v1/products", "name=Mug").await);
    let price = id(&c.post("/v1/prices", &format!("product={prod}&unit_amount=1500&currency=usd")).await);
    let s = c
        .post(
            "/v1/checkout/sessions",
            &format!(
                "mode=payment&line_items[0][price]={price}&line_items[0][quantity]=1&success_url=https://e.com/s&shipping_options[0][shipping_rate]={}",
                id(&r)
            ),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert_eq!(s.body["amount_total"], 2000);
    assert_eq!(s.body["shipping_cost"]["amount_total"], 500);
    assert_eq!(s.body["total_details"]["amount_shipping"], 500);
    let off = c.post(&format!("/v1/shipping_rates/{}", id(&r)), "active=false").await;
    assert_eq!(off.body["active"], false);
    let list = c.get("/v1/shipping_rates?active=false").await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn schedules_move_phases_with_the_test_clock() {
    let c = clone().await;
    let t0 = 1_767_225_600; // 2026-01-01
    let clock = id(&c.post("/v1/test_helpers/test_clocks", &format!("frozen_time={t0}")).await);
    let cus = id(&c.post("/v1/customers", &format!("name=Sched&test_clock={clock}&payment_method=pm_card_visa")).await);
    let pm = c.get(&format!("/v1/customers/{cus}/payment_methods")).await.body["data"][0]["id"].as_str().unwrap().to_string();
    c.post(&format!("/v1/customers/{cus}"), &format!("invoice_settings[default_payment_method]={pm}")).await;
    let prod = id(&c.post("/v1/products", "name=Plan").await);
    let basic = id(&c.post("/v1/prices", &format!("product={prod}&unit_amount=1000&currency=usd&recurring[interval]=month")).await);
    let pro = id(&c.post("/v1/prices", &format!("product={prod}&unit_amount=3000&currency=usd&recurring[interval]=month")).await);
    let s = c
        .post(
            "/v1/subscription_schedules",
            &format!(
                "customer={cus}&start_date=now&end_behavior=cancel&phases[0][items][0][price]={basic}&phases[0][iterations]=1&phases[1][items][0][price]={pro}&phases[1][iterations]=1"
            ),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert_eq!(s.body["status"], "active");
    let sid = id(&s);
    let sub = s.body["subscription"].as_str().unwrap().to_string();
    assert_eq!(c.get(&format!("/v1/subscriptions/{sub}")).await.body["schedule"], sid.as_str());
    let p1_end = s.body["phases"][0]["end_date"].as_i64().unwrap();
    assert_eq!(s.body["current_phase"]["end_date"], p1_end);
    c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", p1_end + 3600)).await;
    let sub_now = c.get(&format!("/v1/subscriptions/{sub}")).await;
    assert_eq!(sub_now.body["items"]["data"][0]["price"]["id"], pro.as_str(), "{}", sub_now.body);
    let sched = c.get(&format!("/v1/subscription_schedules/{sid}")).await;
    assert_eq!(sched.body["current_phase"]["start_date"], p1_end);
    let p2_end = sched.body["phases"][1]["end_date"].as_i64().unwrap();
    let adv = c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", p2_end + 3600)).await;
    assert_eq!(adv.status, StatusCode::OK, "{}", adv.body);
    let done = c.get(&format!("/v1/subscription_schedules/{sid}")).await;
    assert_eq!(done.body["status"], "completed", "{}", done.body);
    assert_eq!(c.get(&format!("/v1/subscriptions/{sub}")).await.body["status"], "canceled");
    let again = c.post(&format!("/v1/subscription_schedules/{sid}/cancel"), "").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    // From an existing subscription, then released.
    let sub2 = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={basic}")).await;
    assert_eq!(sub2.status, StatusCode::OK, "{}", sub2.body);
    let from = c.post("/v1/subscription_schedules", &format!("from_subscription={}", id(&sub2))).await;
    assert_eq!(from.status, StatusCode::OK, "{}", from.body);
    assert_eq!(from.body["phases"][0]["items"][0]["price"], basic.as_str());
    let dup = c.post("/v1/subscription_schedules", &format!("from_subscription={}", id(&sub2))).await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    let rel = c.post(&format!("/v1/subscription_schedules/{}/release", id(&from)), "").await;
    assert_eq!(rel.body["status"], "released");
    assert_eq!(rel.body["released_subscription"], id(&sub2).as_str());
    assert!(c.get(&format!("/v1/subscriptions/{}", id(&sub2))).await.body["schedule"].is_null());
    // Canceling a scheduled subscription cancels its schedule.
    let sub3 = id(&c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={pro}")).await);
    let managed = id(&c.post("/v1/subscription_schedules", &format!("from_subscription={sub3}")).await);
    let auth = format!("Bearer {KEY}");
    let gone = c.send("DELETE", &format!("/v1/subscriptions/{sub3}"), "", &[("authorization", &auth)]).await;
    assert_eq!(gone.body["status"], "canceled", "{}", gone.body);
    assert_eq!(c.get(&format!("/v1/subscription_schedules/{managed}")).await.body["status"], "canceled");
    let list = c.get(&format!("/v1/subscription_schedules?customer={cus}")).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 3);
    assert!(!events(&c, "subscription_schedule.created").await.is_empty());
    assert_eq!(events(&c, "subscription_schedule.completed").await.len(), 1);
    assert_eq!(events(&c, "subscription_schedule.expiring").await.len(), 1);
    assert_eq!(events(&c, "subscription_schedule.released").await.len(), 1);
}

#[tokio::test]
async fn a_phase_ending_inside_a_period_prorates() {
    let c = clone().await;
    let t0 = 1_767_225_600;
    let clock = id(&c.post("/v1/test_helpers/test_clocks", &format!("frozen_time={t0}")).await);
    let cus = id(&c.post("/v1/customers", &format!("name=Mid&test_clock={clock}&payment_method=pm_card_visa")).await);
    let pm = c.get(&format!("/v1/customers/{cus}/payment_methods")).await.body["data"][0]["id"].as_str().unwrap().to_string();
    c.post(&format!("/v1/customers/{cus}"), &format!("invoice_settings[default_payment_method]={pm}")).await;
    let prod = id(&c.post("/v1/products", "name=Mid plan").await);
    let basic = id(&c.post("/v1/prices", &format!("product={prod}&unit_amount=3100&currency=usd&recurring[interval]=month")).await);
    let pro = id(&c.post("/v1/prices", &format!("product={prod}&unit_amount=6200&currency=usd&recurring[interval]=month")).await);
    let switch = t0 + 10 * 86_400;
    let s = c
        .post(
            "/v1/subscription_schedules",
            &format!(
                "customer={cus}&phases[0][items][0][price]={basic}&phases[0][end_date]={switch}&phases[1][items][0][price]={pro}&phases[1][iterations]=1"
            ),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    let adv = c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", switch + 60)).await;
    assert_eq!(adv.status, StatusCode::OK, "{}", adv.body);
    let sub = c.get(&format!("/v1/subscriptions/{}", s.body["subscription"].as_str().unwrap())).await;
    assert_eq!(sub.body["items"]["data"][0]["price"]["id"], pro.as_str());
    let items = c.get(&format!("/v1/invoiceitems?customer={cus}")).await;
    let prorations: Vec<&Value> = items.body["data"].as_array().unwrap().iter().filter(|i| i["proration"] == true).collect();
    assert_eq!(prorations.len(), 2, "{}", items.body);
}
