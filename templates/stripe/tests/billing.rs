//! Router tests for billing: invoices and invoice items, subscriptions, coupons
//! and promotion codes, test clocks, and JSON bodies (what the MCP tools send).

mod support;

use axum::body::Body;
use axum::http::Request;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde_json::Value;
use support::{Clone, KEY, Resp};
use tower::ServiceExt;

async fn clone() -> Clone {
    support::clone_at("stripe-billing", "http://127.0.0.1:0/").await
}

fn id(r: &Resp) -> String {
    r.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", r.body)).to_string()
}

const DAY: i64 = 86_400;
const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

async fn monthly_price(c: &Clone, amount: i64) -> String {
    let r =
        c.post("/v1/prices", &format!("currency=usd&unit_amount={amount}&recurring[interval]=month&product_data[name]=Pro%20plan")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id(&r)
}

async fn clock_customer(c: &Clone, card: &str) -> (String, String) {
    let clock = c.post("/v1/test_helpers/test_clocks", &format!("frozen_time={T0}&name=billing")).await;
    assert_eq!(clock.body["status"], "ready", "{}", clock.body);
    let clock = id(&clock);
    let cus = c.post("/v1/customers", &format!("name=Clocked&test_clock={clock}&payment_method={card}")).await;
    assert_eq!(cus.body["created"], T0, "{}", cus.body);
    let cus = id(&cus);
    let pms = c.get(&format!("/v1/customers/{cus}/payment_methods")).await;
    let pm = pms.body["data"][0]["id"].as_str().unwrap().to_string();
    let r = c.post(&format!("/v1/customers/{cus}"), &format!("invoice_settings[default_payment_method]={pm}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (clock, cus)
}

#[tokio::test]
async fn invoice_draft_items_finalize_pay_and_errors() {
    let c = clone().await;
    let cus = "cus_AcmeDana00001";
    let ii = c.post("/v1/invoiceitems", &format!("customer={cus}&amount=1500&currency=usd&description=Setup%20fee")).await;
    assert_eq!(ii.status, StatusCode::OK, "{}", ii.body);
    assert!(ii.body["invoice"].is_null());
    let excluded = c.post("/v1/invoices", &format!("customer={cus}")).await;
    assert_eq!(excluded.body["status"], "draft");
    assert_eq!(excluded.body["total"], 0, "pending items are excluded by default");
    assert_eq!(excluded.body["auto_advance"], false);
    let inv = c
        .post(
            "/v1/invoices",
            &format!("customer={cus}&pending_invoice_items_behavior=include&collection_method=send_invoice&days_until_due=14"),
        )
        .await;
    let inv_id = id(&inv);
    assert_eq!(inv.body["total"], 1500, "{}", inv.body);
    assert_eq!(inv.body["due_date"].as_i64().unwrap() - inv.body["created"].as_i64().unwrap(), 14 * DAY);
    let price = c.post("/v1/prices", "currency=usd&unit_amount=700&product_data[name]=Widget").await;
    let added = c.post("/v1/invoiceitems", &format!("customer={cus}&invoice={inv_id}&pricing[price]={}&quantity=2", id(&price))).await;
    assert_eq!(added.body["amount"], 1400, "{}", added.body);
    let lines = c.get(&format!("/v1/invoices/{inv_id}/lines?limit=1")).await;
    assert_eq!(lines.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(lines.body["has_more"], true);
    assert_eq!(lines.body["data"][0]["amount"], 1500);

    let fin = c.post(&format!("/v1/invoices/{inv_id}/finalize"), "").await;
    assert_eq!(fin.body["status"], "open", "{}", fin.body);
    assert_eq!(fin.body["amount_due"], 2900);
    assert!(fin.body["number"].as_str().unwrap().ends_with("-0001"));
    assert!(fin.body["hosted_invoice_url"].as_str().unwrap().starts_with("https://invoice.stripe.com/i/"));
    let again = c.post(&format!("/v1/invoices/{inv_id}/finalize"), "").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body["error"]["code"], "invoice_unexpected_state");
    let late = c.post("/v1/invoiceitems", &format!("customer={cus}&invoice={inv_id}&amount=100&currency=usd")).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    let del = c.send("DELETE", &format!("/v1/invoices/{inv_id}"), "", &[("authorization", &format!("Bearer {KEY}"))]).await;
    assert_eq!(del.status, StatusCode::BAD_REQUEST);

    let paid = c.post(&format!("/v1/invoices/{inv_id}/pay"), "payment_method=pm_AcmeDanaVisa000000001&expand[]=payments").await;
    assert_eq!(paid.body["status"], "paid", "{}", paid.body);
    assert_eq!(paid.body["amount_paid"], 2900);
    let pi = paid.body["payments"]["data"][0]["payment"]["payment_intent"].as_str().unwrap().to_string();
    let pi = c.get(&format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(pi.body["status"], "succeeded");
    assert_eq!(pi.body["amount"], 2900);
    let twice = c.post(&format!("/v1/invoices/{inv_id}/pay"), "").await;
    assert_eq!(twice.body["error"]["message"], "Invoice is already paid");
    let void = c.post(&format!("/v1/invoices/{inv_id}/void"), "").await;
    assert_eq!(void.status, StatusCode::BAD_REQUEST);

    let types: Vec<String> = c.get("/v1/events?limit=30").await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    for t in ["invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded", "invoiceitem.created"] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }
    let d = c.send("DELETE", &format!("/v1/invoices/{}", id(&excluded)), "", &[("authorization", &format!("Bearer {KEY}"))]).await;
    assert_eq!(d.body["deleted"], true);
    let gone = c.get(&format!("/v1/invoices/{}", id(&excluded))).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    let missing = c.post("/v1/invoices", "").await;
    assert_eq!(missing.body["error"]["param"], "customer");
    let no_due = c.post("/v1/invoices", &format!("customer={cus}&collection_method=send_invoice")).await;
    assert_eq!(no_due.body["error"]["param"], "days_until_due");
    let empty = c.post("/v1/invoices", &format!("customer={cus}")).await;
    let e = c.post(&format!("/v1/invoices/{}/finalize", id(&empty)), "").await;
    assert_eq!(e.body["error"]["code"], "invoice_no_customer_line_items");
    let unc = c.post(&format!("/v1/invoices/{}/mark_uncollectible", id(&empty)), "").await;
    assert_eq!(unc.status, StatusCode::BAD_REQUEST);
    let none = c.get("/v1/invoices/in_nope").await;
    assert_eq!(none.body["error"]["code"], "resource_missing");
    let listed = c.get(&format!("/v1/invoices?customer={cus}&status=paid")).await;
    assert_eq!(listed.body["data"][0]["id"], inv_id.as_str());
    let found = c.get("/v1/invoices/search?query=status%3A%27paid%27%20AND%20total%3E2000").await;
    assert_eq!(found.body["data"][0]["id"], inv_id.as_str());
}

#[tokio::test]
async fn coupon_twenty_percent_once_and_promotion_codes() {
    let c = clone().await;
    let coupon = c.post("/v1/coupons", "percent_off=20&duration=once&id=TWENTY").await;
    assert_eq!(coupon.status, StatusCode::OK, "{}", coupon.body);
    let promo = c.post("/v1/promotion_codes", "promotion[type]=coupon&promotion[coupon]=TWENTY&code=SPRING20&max_redemptions=1").await;
    assert_eq!(promo.body["code"], "SPRING20", "{}", promo.body);
    let dup = c.post("/v1/promotion_codes", "promotion[type]=coupon&promotion[coupon]=TWENTY&code=SPRING20").await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    let nocoupon = c.post("/v1/promotion_codes", "promotion[type]=coupon&promotion[coupon]=NOPE").await;
    assert_eq!(nocoupon.status, StatusCode::NOT_FOUND);
    let cus = "cus_AcmeDana00001";
    c.post("/v1/invoiceitems", &format!("customer={cus}&amount=5000&currency=usd")).await;
    let inv = c
        .post("/v1/invoices", &format!("customer={cus}&pending_invoice_items_behavior=include&discounts[0][promotion_code]={}", id(&promo)))
        .await;
    assert_eq!(inv.body["subtotal"], 5000, "{}", inv.body);
    assert_eq!(inv.body["total"], 4000);
    assert_eq!(inv.body["total_discount_amounts"][0]["amount"], 1000);
    let d = c.get(&format!("/v1/invoices/{}?expand[]=discounts", id(&inv))).await;
    assert_eq!(d.body["discounts"][0]["source"]["coupon"], "TWENTY");
    assert_eq!(d.body["discounts"][0]["promotion_code"], promo.body["id"]);
    let used = c.get(&format!("/v1/promotion_codes/{}", id(&promo))).await;
    assert_eq!(used.body["times_redeemed"], 1);
    let again = c.post("/v1/invoices", &format!("customer={cus}&discounts[0][promotion_code]={}", id(&promo))).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let off = c.post(&format!("/v1/promotion_codes/{}", id(&promo)), "active=false").await;
    assert_eq!(off.body["active"], false);
    let listed = c.get("/v1/promotion_codes?coupon=TWENTY&active=false").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    let min = c.post("/v1/promotion_codes", "promotion[type]=coupon&promotion[coupon]=TWENTY&code=BIG&restrictions[minimum_amount]=10000&restrictions[minimum_amount_currency]=usd").await;
    c.post("/v1/invoiceitems", &format!("customer={cus}&amount=5000&currency=usd")).await;
    let small = c
        .post("/v1/invoices", &format!("customer={cus}&pending_invoice_items_behavior=include&discounts[0][promotion_code]={}", id(&min)))
        .await;
    assert_eq!(small.status, StatusCode::BAD_REQUEST, "{}", small.body);
    let bad = c.post("/v1/invoices", &format!("customer={cus}&discounts[0][coupon]=NOPE")).await;
    assert_eq!(bad.body["error"]["param"], "discounts[0][coupon]");
}

#[tokio::test]
async fn trial_on_a_test_clock_renews_and_bills() {
    let c = clone().await;
    let price = monthly_price(&c, 2000).await;
    let (clock, cus) = clock_customer(&c, "pm_card_visa").await;
    let sub = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}&trial_period_days=7")).await;
    assert_eq!(sub.body["status"], "trialing", "{}", sub.body);
    assert_eq!(sub.body["trial_end"], T0 + 7 * DAY);
    assert_eq!(sub.body["items"]["data"][0]["current_period_end"], T0 + 7 * DAY);
    let sid = id(&sub);
    let first = c.get(&format!("/v1/invoices/{}", sub.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(first.body["status"], "paid");
    assert_eq!(first.body["total"], 0);

    let adv = c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", T0 + 8 * DAY)).await;
    assert_eq!(adv.body["status"], "advancing", "{}", adv.body);
    let ready = c.get(&format!("/v1/test_helpers/test_clocks/{clock}")).await;
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["frozen_time"], T0 + 8 * DAY);
    let sub = c.get(&format!("/v1/subscriptions/{sid}")).await;
    assert_eq!(sub.body["status"], "active", "{}", sub.body);
    let inv = c.get(&format!("/v1/invoices/{}", sub.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(inv.body["status"], "paid", "{}", inv.body);
    assert_eq!(inv.body["amount_paid"], 2000);
    assert_eq!(inv.body["billing_reason"], "subscription_cycle");

    let end = sub.body["items"]["data"][0]["current_period_end"].as_i64().unwrap();
    c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", end + 2 * 3600)).await;
    let invoices = c.get(&format!("/v1/invoices?subscription={sid}")).await;
    let data = invoices.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "{}", invoices.body);
    assert!(data.iter().all(|i| i["status"] == "paid"));
    let back = c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={T0}")).await;
    assert_eq!(back.body["error"]["param"], "frozen_time");
    let trial_notice = c.get("/v1/events?type=customer.subscription.trial_will_end").await;
    assert_eq!(trial_notice.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn declining_card_goes_past_due_and_cancel_at_period_end() {
    let c = clone().await;
    let price = monthly_price(&c, 1500).await;
    let (clock, cus) = clock_customer(&c, "pm_card_chargeCustomerFail").await;
    let sub = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}&trial_period_days=3")).await;
    let sid = id(&sub);
    c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", T0 + 4 * DAY)).await;
    let sub = c.get(&format!("/v1/subscriptions/{sid}")).await;
    assert_eq!(sub.body["status"], "past_due", "{}", sub.body);
    let inv = c.get(&format!("/v1/invoices/{}", sub.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(inv.body["status"], "open");
    assert_eq!(inv.body["attempt_count"], 1);

    let retry = inv.body["next_payment_attempt"].as_i64().unwrap();
    assert_eq!(retry, T0 + 3 * DAY + 3600 + DAY, "the first retry comes a day after the failed charge");
    // Eight tries within two weeks, then the subscription is canceled.
    c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", T0 + 18 * DAY)).await;
    let inv = c.get(&format!("/v1/invoices/{}", inv.body["id"].as_str().unwrap())).await;
    assert_eq!(inv.body["attempt_count"], 8, "{}", inv.body);
    assert!(inv.body["next_payment_attempt"].is_null());
    let sub = c.get(&format!("/v1/subscriptions/{sid}")).await;
    assert_eq!(sub.body["status"], "canceled", "{}", sub.body);
    assert_eq!(sub.body["cancellation_details"]["reason"], "payment_failed");

    // Immediate first payment failing: incomplete, then error_if_incomplete refuses.
    let inc = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}")).await;
    assert_eq!(inc.body["status"], "incomplete", "{}", inc.body);
    let refused =
        c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}&payment_behavior=error_if_incomplete")).await;
    assert_eq!(refused.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(refused.body["error"]["type"], "card_error");

    let ok = c
        .post(
            "/v1/subscriptions",
            &format!("customer=cus_AcmeDana00001&items[0][price]={price}&default_payment_method=pm_AcmeDanaVisa000000001"),
        )
        .await;
    assert_eq!(ok.body["status"], "active", "{}", ok.body);
    let oid = id(&ok);
    let upd = c.post(&format!("/v1/subscriptions/{oid}"), "cancel_at_period_end=true").await;
    assert_eq!(upd.body["cancel_at"], upd.body["items"]["data"][0]["current_period_end"]);
    let now = c.send("DELETE", &format!("/v1/subscriptions/{oid}"), "", &[("authorization", &format!("Bearer {KEY}"))]).await;
    assert_eq!(now.body["status"], "canceled");
    let again = c.post(&format!("/v1/subscriptions/{oid}"), "description=x").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let resume = c.post(&format!("/v1/subscriptions/{oid}/resume"), "").await;
    assert_eq!(resume.status, StatusCode::BAD_REQUEST);
    let listed = c.get("/v1/subscriptions?customer=cus_AcmeDana00001").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 0, "canceled subscriptions are left out by default");
    let all = c.get("/v1/subscriptions?customer=cus_AcmeDana00001&status=all").await;
    assert_eq!(all.body["data"].as_array().unwrap().len(), 1);
    let bad = c.post("/v1/subscriptions", "customer=cus_AcmeDana00001").await;
    assert_eq!(bad.body["error"]["param"], "items");
    let one_time = c.post("/v1/prices", "currency=usd&unit_amount=100&product_data[name]=Once").await;
    let bad = c.post("/v1/subscriptions", &format!("customer=cus_AcmeDana00001&items[0][price]={}", id(&one_time))).await;
    assert_eq!(bad.body["error"]["param"], "items[0][price]");
}

#[tokio::test]
async fn upgrades_prorate_into_pending_items_and_items_endpoints() {
    let c = clone().await;
    let basic = monthly_price(&c, 1000).await;
    let pro = monthly_price(&c, 3000).await;
    let (clock, cus) = clock_customer(&c, "pm_card_visa").await;
    let sub = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={basic}")).await;
    assert_eq!(sub.body["status"], "active", "{}", sub.body);
    let sid = id(&sub);
    let item = sub.body["items"]["data"][0]["id"].as_str().unwrap().to_string();
    let end = sub.body["items"]["data"][0]["current_period_end"].as_i64().unwrap();
    let half = T0 + (end - T0) / 2;
    c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={half}")).await;
    let up = c.post(&format!("/v1/subscriptions/{sid}"), &format!("items[0][id]={item}&items[0][price]={pro}")).await;
    assert_eq!(up.body["items"]["data"][0]["price"]["id"], pro.as_str(), "{}", up.body);
    let pending = c.get(&format!("/v1/invoiceitems?customer={cus}&pending=true")).await;
    let amounts: Vec<i64> = pending.body["data"].as_array().unwrap().iter().map(|i| i["amount"].as_i64().unwrap()).collect();
    assert_eq!(amounts.len(), 2, "{}", pending.body);
    assert!(amounts.contains(&-500) && amounts.contains(&1500), "{amounts:?}");
    let preview = c.post("/v1/invoices/create_preview", &format!("subscription={sid}")).await;
    assert_eq!(preview.body["total"], 3000 + 1000, "{}", preview.body);
    assert!(preview.body["id"].as_str().unwrap().starts_with("upcoming_in_"));
    let what_if = c
        .post("/v1/invoices/create_preview", &format!("subscription={sid}&subscription_details[items][0][id]={item}&subscription_details[items][0][price]={basic}&subscription_details[proration_behavior]=always_invoice"))
        .await;
    let amounts: Vec<i64> = what_if.body["lines"]["data"].as_array().unwrap().iter().map(|l| l["amount"].as_i64().unwrap()).collect();
    assert!(amounts.contains(&-1500) && amounts.contains(&500), "{}", what_if.body);
    let still = c.get(&format!("/v1/subscriptions/{sid}")).await;
    assert_eq!(still.body["items"]["data"][0]["price"]["id"], pro.as_str(), "a preview changes nothing");
    let nothing = c.post("/v1/invoices/create_preview", &format!("customer={cus}")).await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);

    let added = c.post("/v1/subscription_items", &format!("subscription={sid}&price={basic}&quantity=2&proration_behavior=none")).await;
    assert_eq!(added.body["quantity"], 2, "{}", added.body);
    let items = c.get(&format!("/v1/subscription_items?subscription={sid}")).await;
    assert_eq!(items.body["data"].as_array().unwrap().len(), 2);
    let upd = c.post(&format!("/v1/subscription_items/{}", id(&added)), "quantity=3&proration_behavior=none").await;
    assert_eq!(upd.body["quantity"], 3);
    let del = c
        .send(
            "DELETE",
            &format!("/v1/subscription_items/{}", id(&added)),
            "proration_behavior=none",
            &[("authorization", &format!("Bearer {KEY}"))],
        )
        .await;
    assert_eq!(del.body["deleted"], true, "{}", del.body);
    let last = c.send("DELETE", &format!("/v1/subscription_items/{item}"), "", &[("authorization", &format!("Bearer {KEY}"))]).await;
    assert_eq!(last.status, StatusCode::BAD_REQUEST);
    let no_sub = c.get("/v1/subscription_items").await;
    assert_eq!(no_sub.body["error"]["param"], "subscription");
    let found = c.get("/v1/subscriptions/search?query=status%3A%27active%27").await;
    assert!(found.body["data"].as_array().unwrap().iter().any(|s| s["id"] == sid.as_str()));
}

#[tokio::test]
async fn json_bodies_work_like_forms_and_clocks_list_and_delete() {
    let c = clone().await;
    let auth = format!("Bearer {KEY}");
    let req = Request::builder()
        .method("POST")
        .uri("/v1/customers")
        .header("content-type", "application/json")
        .header("authorization", &auth)
        .body(Body::from(r#"{"name":"Json","metadata":{"via":"mcp"}}"#))
        .unwrap();
    let resp = c.app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["name"], "Json");
    assert_eq!(body["metadata"]["via"], "mcp");
    let clock = c.post("/v1/test_helpers/test_clocks", "frozen_time=1767225600").await;
    let missing = c.post("/v1/test_helpers/test_clocks", "").await;
    assert_eq!(missing.body["error"]["param"], "frozen_time");
    let listed = c.get("/v1/test_helpers/test_clocks").await;
    assert_eq!(listed.body["data"][0]["id"], clock.body["id"]);
    let del = c.send("DELETE", &format!("/v1/test_helpers/test_clocks/{}", id(&clock)), "", &[("authorization", &auth)]).await;
    assert_eq!(del.body["deleted"], true);
    let gone = c.get(&format!("/v1/test_helpers/test_clocks/{}", id(&clock))).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let bad = c.post("/v1/customers", "test_clock=clock_nope").await;
    assert_eq!(bad.body["error"]["param"], "test_clock");
}

#[tokio::test]
async fn balance_credit_is_applied_by_the_next_invoice() {
    let c = clone().await;
    let cus = c.post("/v1/customers", "name=Credit").await;
    let cus = id(&cus);
    let adj = c.post(&format!("/v1/customers/{cus}/balance_transactions"), "amount=-1000&currency=usd&description=Goodwill").await;
    assert_eq!(adj.body["type"], "adjustment", "{}", adj.body);
    assert_eq!(adj.body["ending_balance"], -1000);
    assert!(adj.body["id"].as_str().unwrap().starts_with("cbtxn_"));
    let missing = c.post(&format!("/v1/customers/{cus}/balance_transactions"), "currency=usd").await;
    assert_eq!(missing.body["error"]["param"], "amount");
    let other = c.post(&format!("/v1/customers/{cus}/balance_transactions"), "amount=5&currency=eur").await;
    assert_eq!(other.body["error"]["param"], "currency");
    c.post("/v1/invoiceitems", &format!("customer={cus}&amount=2500&currency=usd")).await;
    let inv = c.post("/v1/invoices", &format!("customer={cus}&pending_invoice_items_behavior=include")).await;
    let fin = c.post(&format!("/v1/invoices/{}/finalize", id(&inv)), "").await;
    assert_eq!(fin.body["starting_balance"], -1000, "{}", fin.body);
    assert_eq!(fin.body["ending_balance"], 0);
    assert_eq!(fin.body["amount_due"], 1500);
    assert_eq!(c.get(&format!("/v1/customers/{cus}")).await.body["balance"], 0);
    let txns = c.get(&format!("/v1/customers/{cus}/balance_transactions")).await;
    let kinds: Vec<(&str, i64)> =
        txns.body["data"].as_array().unwrap().iter().map(|t| (t["type"].as_str().unwrap(), t["amount"].as_i64().unwrap())).collect();
    assert_eq!(kinds, vec![("applied_to_invoice", 1000), ("adjustment", -1000)]);
    let upd = c.post(&format!("/v1/customers/{cus}/balance_transactions/{}", id(&adj)), "metadata[reason]=late").await;
    assert_eq!(upd.body["metadata"]["reason"], "late");
    let wrong = c.get(&format!("/v1/customers/cus_AcmeDana00001/balance_transactions/{}", id(&adj))).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn annual_switch_one_time_items_and_paused_collection() {
    let c = clone().await;
    let monthly = monthly_price(&c, 1000).await;
    let yearly = c.post("/v1/prices", "currency=usd&unit_amount=10000&recurring[interval]=year&product_data[name]=Annual").await;
    let yearly = id(&yearly);
    let setup = c.post("/v1/prices", "currency=usd&unit_amount=2500&product_data[name]=Setup").await;
    let setup = id(&setup);
    let (clock, cus) = clock_customer(&c, "pm_card_visa").await;
    let sub = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={monthly}&add_invoice_items[0][price]={setup}")).await;
    let first = c.get(&format!("/v1/invoices/{}", sub.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(first.body["total"], 3500, "{}", first.body);
    assert_eq!(first.body["status"], "paid");
    let recurring =
        c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={monthly}&add_invoice_items[0][price]={monthly}")).await;
    assert_eq!(recurring.body["error"]["param"], "add_invoice_items[0][price]");

    let sid = id(&sub);
    let item = sub.body["items"]["data"][0]["id"].as_str().unwrap().to_string();
    let end = sub.body["items"]["data"][0]["current_period_end"].as_i64().unwrap();
    let half = T0 + (end - T0) / 2;
    c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={half}")).await;
    let annual = c.post(&format!("/v1/subscriptions/{sid}"), &format!("items[0][id]={item}&items[0][price]={yearly}")).await;
    assert_eq!(annual.body["billing_cycle_anchor"], half, "{}", annual.body);
    assert_eq!(annual.body["items"]["data"][0]["current_period_start"], half);
    let inv = c.get(&format!("/v1/invoices/{}", annual.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(inv.body["billing_reason"], "subscription_update");
    assert_eq!(inv.body["total"], 10000 - 500, "the full year less the unused half month: {}", inv.body);
    assert_eq!(inv.body["status"], "paid");

    let paused = c.post(&format!("/v1/subscriptions/{sid}"), "pause_collection[behavior]=void").await;
    assert_eq!(paused.body["pause_collection"]["behavior"], "void", "{}", paused.body);
    assert_eq!(paused.body["status"], "active");
    let bad = c.post(&format!("/v1/subscriptions/{sid}"), "pause_collection[behavior]=sleep").await;
    assert_eq!(bad.body["error"]["param"], "pause_collection[behavior]");
    let next = paused.body["items"]["data"][0]["current_period_end"].as_i64().unwrap();
    c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", next + 7200)).await;
    let after = c.get(&format!("/v1/subscriptions/{sid}")).await;
    let renewal = c.get(&format!("/v1/invoices/{}", after.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(renewal.body["status"], "void", "{}", renewal.body);
    assert_eq!(renewal.body["amount_paid"], 0);
    let resumed = c.post(&format!("/v1/subscriptions/{sid}"), "pause_collection=").await;
    assert!(resumed.body["pause_collection"].is_null());
}

#[tokio::test]
async fn billing_cycle_anchor_prorates_the_first_period_and_can_reset() {
    let c = clone().await;
    let price = monthly_price(&c, 3100).await;
    let (clock, cus) = clock_customer(&c, "pm_card_visa").await;
    let anchor = T0 + 15 * DAY;
    let sub = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}&billing_cycle_anchor={anchor}")).await;
    assert_eq!(sub.body["billing_cycle_anchor"], anchor, "{}", sub.body);
    assert_eq!(sub.body["items"]["data"][0]["current_period_end"], anchor);
    let first = c.get(&format!("/v1/invoices/{}", sub.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(first.body["total"], 1500, "15 of December 16 – January 16's 31 days: {}", first.body);
    let free = c
        .post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}&billing_cycle_anchor={anchor}&proration_behavior=none"))
        .await;
    let free_inv = c.get(&format!("/v1/invoices/{}", free.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(free_inv.body["total"], 0);
    let late = c.post("/v1/subscriptions", &format!("customer={cus}&items[0][price]={price}&billing_cycle_anchor={}", T0 + 40 * DAY)).await;
    assert_eq!(late.body["error"]["param"], "billing_cycle_anchor");

    c.post(&format!("/v1/test_helpers/test_clocks/{clock}/advance"), &format!("frozen_time={}", anchor + 2 * 3600)).await;
    let sid = id(&sub);
    let now = anchor + 2 * 3600;
    let reset = c.post(&format!("/v1/subscriptions/{sid}"), "billing_cycle_anchor=now&proration_behavior=none").await;
    assert_eq!(reset.body["billing_cycle_anchor"], now, "{}", reset.body);
    let inv = c.get(&format!("/v1/invoices/{}", reset.body["latest_invoice"].as_str().unwrap())).await;
    assert_eq!(inv.body["total"], 3100);
    assert_eq!(inv.body["billing_reason"], "subscription_update");
    let bad = c.post(&format!("/v1/subscriptions/{sid}"), "billing_cycle_anchor=later").await;
    assert_eq!(bad.body["error"]["param"], "billing_cycle_anchor");
}

#[tokio::test]
async fn an_invoice_items_own_discount_applies_to_its_line_only() {
    let c = clone().await;
    c.post("/v1/coupons", "amount_off=300&currency=usd&duration=once&id=THREE").await;
    c.post("/v1/coupons", "percent_off=10&duration=forever&id=TEN").await;
    let cus = "cus_AcmeDana00001";
    let inv = c.post("/v1/invoices", &format!("customer={cus}&discounts[0][coupon]=TEN")).await;
    let inv_id = id(&inv);
    let a =
        c.post("/v1/invoiceitems", &format!("customer={cus}&invoice={inv_id}&amount=1000&currency=usd&discounts[0][coupon]=THREE")).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    c.post("/v1/invoiceitems", &format!("customer={cus}&invoice={inv_id}&amount=2000&currency=usd")).await;
    let got = c.get(&format!("/v1/invoices/{inv_id}?expand[]=lines.data.discounts")).await;
    // 1000 - 300 = 700 and 2000 remain; 10% of 2700 = 270 spread over both.
    assert_eq!(got.body["subtotal"], 3000, "{}", got.body);
    assert_eq!(got.body["total"], 3000 - 300 - 270);
    assert_eq!(got.body["lines"]["data"][0]["discount_amounts"][0]["amount"], 300);
    assert_eq!(got.body["lines"]["data"][0]["discounts"][0]["invoice_item"], a.body["id"]);
    let totals: i64 = got.body["total_discount_amounts"].as_array().unwrap().iter().map(|t| t["amount"].as_i64().unwrap()).sum();
    assert_eq!(totals, 570);
}
