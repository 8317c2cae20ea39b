//! Router-level tests for Checkout Sessions, Payment Links and tokens: the whole clone app (`asym_clone_kit::serve::app`) on a
//! temporary SQLite database seeded with `acct`, driven with `oneshot`.

mod support;

use axum::body::Body;
use axum::http::Request;
use axum::http::StatusCode;
use serde_json::Value;
use support::Clone;
use tower::ServiceExt;

async fn clone() -> Clone {
    support::clone_at("stripe-test", "http://127.0.0.1:4599").await
}

async fn price(c: &Clone, amount: i64, recurring: bool) -> String {
    let rec = if recurring { "&recurring[interval]=month" } else { "" };
    let r = c.post("/v1/prices", &format!("currency=usd&unit_amount={amount}&product_data[name]=Widget{rec}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn checkout_errors_are_stripes() {
    let c = clone().await;
    let r = c.post("/v1/checkout/sessions", "success_url=https%3A%2F%2Fx.test").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], "parameter_missing");
    assert_eq!(r.body["error"]["param"], "mode");
    let r = c.post("/v1/checkout/sessions", "mode=payment").await;
    assert_eq!(r.body["error"]["param"], "line_items");
    let r = c.post("/v1/checkout/sessions", "mode=payment&line_items[0][price]=price_nope&line_items[0][quantity]=1").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error"]["code"], "resource_missing");
    assert_eq!(r.body["error"]["message"], "No such price: 'price_nope'");
    assert_eq!(r.body["error"]["param"], "line_items[0][price]");
    let monthly = price(&c, 900, true).await;
    let r = c.post("/v1/checkout/sessions", &format!("mode=payment&line_items[0][price]={monthly}&line_items[0][quantity]=1")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("recurring price"), "{}", r.body);
    let once = price(&c, 500, false).await;
    let r = c.post("/v1/checkout/sessions", &format!("mode=subscription&line_items[0][price]={once}&line_items[0][quantity]=1")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r =
        c.post("/v1/checkout/sessions", &format!("mode=payment&customer=cus_x&customer_email=a%40b.c&line_items[0][price]={once}")).await;
    assert_eq!(r.body["error"]["message"], "You may only specify one of these parameters: customer, customer_email.");
    let r = c.post("/v1/checkout/sessions", &format!("mode=payment&bogus=1&line_items[0][price]={once}")).await;
    assert_eq!(r.body["error"]["code"], "parameter_unknown");
    // Accepted by Stripe, not acted on by the clone yet: refused by name, never ignored.
    let r = c.post("/v1/checkout/sessions", &format!("mode=payment&line_items[0][price]={once}&line_items[0][tax_rates][0]=txr_x")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["param"], "line_items[0][tax_rates]");
    assert!(r.body["error"]["message"].as_str().unwrap().contains("not implemented by this clone"), "{}", r.body);
    let r = c.get("/v1/checkout/sessions/cs_test_nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error"]["message"], "No such checkout.session: 'cs_test_nope'");
    let r = c.post("/v1/checkout/sessions/cs_test_nope/expire", "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn checkout_payment_completes_through_the_hosted_page() {
    let c = clone().await;
    let p = price(&c, 2000, false).await;
    let r = c
        .post(
            "/v1/checkout/sessions",
            &format!(
                "mode=payment&line_items[0][price]={p}&line_items[0][quantity]=2&success_url=https%3A%2F%2Fshop.test%2Fok%3Fs%3D%7BCHECKOUT_SESSION_ID%7D&metadata[order]=7"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = r.body;
    let id = s["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("cs_test_"));
    assert_eq!(s["object"], "checkout.session");
    assert_eq!(s["amount_total"], 4000);
    assert_eq!(s["status"], "open");
    assert_eq!(s["payment_status"], "unpaid");
    assert!(s.get("_line_items").is_none());
    assert_eq!(s["url"], format!("http://127.0.0.1:4599/c/pay/{id}"));
    let items = c.get(&format!("/v1/checkout/sessions/{id}/line_items")).await;
    assert_eq!(items.body["data"][0]["object"], "item");
    assert_eq!(items.body["data"][0]["quantity"], 2);
    assert_eq!(items.body["data"][0]["amount_total"], 4000);
    assert_eq!(items.body["data"][0]["description"], "Widget");

    let page = c.app.clone().oneshot(Request::get(format!("/c/pay/{id}")).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // A declined card leaves the session open, as Stripe's page does.
    let declined =
        c.browser("POST", &format!("/c/pay/{id}"), "card_number=4000000000000002&card_exp_month=12&card_exp_year=2034&card_cvc=123").await;
    assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(c.get(&format!("/v1/checkout/sessions/{id}")).await.body["status"], "open");

    let paid = c
        .browser(
            "POST",
            &format!("/c/pay/{id}"),
            "email=buyer%40example.com&card_number=4242424242424242&card_exp_month=12&card_exp_year=2034&card_cvc=123",
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    assert_eq!(paid.headers["location"], format!("https://shop.test/ok?s={id}"));
    let done = c.get(&format!("/v1/checkout/sessions/{id}?expand[]=payment_intent")).await.body;
    assert_eq!(done["status"], "complete");
    assert_eq!(done["payment_status"], "paid");
    assert_eq!(done["payment_intent"]["status"], "succeeded");
    assert_eq!(done["payment_intent"]["amount"], 4000);
    assert_eq!(done["customer_details"]["email"], "buyer@example.com");
    let ev = c.get("/v1/events?type=checkout.session.completed").await.body;
    assert_eq!(ev["data"][0]["data"]["object"]["id"], id.as_str());
    assert_eq!(ev["data"][0]["data"]["object"]["metadata"]["order"], "7");

    let again = c.post(&format!("/v1/checkout/sessions/{id}/expire"), "").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body["error"]["message"].as_str().unwrap().contains("status of \"complete\""));
    let listed = c.get(&format!("/v1/checkout/sessions?payment_intent={}", done["payment_intent"]["id"].as_str().unwrap())).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn expire_and_payment_links_and_tokens() {
    let c = clone().await;
    let p = price(&c, 1500, false).await;
    let s = c.post("/v1/checkout/sessions", &format!("mode=payment&line_items[0][price]={p}")).await.body;
    let id = s["id"].as_str().unwrap();
    let e = c.post(&format!("/v1/checkout/sessions/{id}/expire"), "").await;
    assert_eq!(e.body["status"], "expired");
    assert_eq!(e.body["url"], Value::Null);
    let ev = c.get("/v1/events?type=checkout.session.expired").await.body;
    assert_eq!(ev["data"][0]["data"]["object"]["id"], id);
    assert_eq!(c.get("/v1/checkout/sessions?status=expired").await.body["data"].as_array().unwrap().len(), 1);

    let r = c.post("/v1/payment_links", "metadata[a]=b").await;
    assert_eq!(r.body["error"]["param"], "line_items");
    let link = c.post("/v1/payment_links", &format!("line_items[0][price]={p}&line_items[0][quantity]=3")).await.body;
    let lid = link["id"].as_str().unwrap();
    assert!(lid.starts_with("plink_"));
    assert_eq!(link["active"], true);
    assert_eq!(link["url"], format!("http://127.0.0.1:4599/b/{lid}"));
    assert_eq!(c.get(&format!("/v1/payment_links/{lid}/line_items")).await.body["data"][0]["quantity"], 3);
    let opened = c.browser("GET", &format!("/b/{lid}"), "").await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let listed = c.get(&format!("/v1/checkout/sessions?payment_link={lid}")).await.body;
    assert_eq!(listed["data"][0]["amount_total"], 4500);
    let off = c.post(&format!("/v1/payment_links/{lid}"), "active=false").await.body;
    assert_eq!(off["active"], false);
    assert_eq!(c.browser("GET", &format!("/b/{lid}"), "").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(c.get("/v1/payment_links?active=false").await.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(c.get("/v1/payment_links/plink_nope").await.body["error"]["message"], "No such payment_link: 'plink_nope'");

    let bad = c.post("/v1/tokens", "card[number]=4242424242424241&card[exp_month]=12&card[exp_year]=2034").await;
    assert_eq!(bad.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(bad.body["error"]["code"], "incorrect_number");
    let tok = c.post("/v1/tokens", "card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034&card[cvc]=123").await.body;
    let tid = tok["id"].as_str().unwrap();
    assert!(tid.starts_with("tok_"));
    assert_eq!(tok["card"]["brand"], "Visa");
    assert_eq!(tok["card"]["last4"], "4242");
    assert_eq!(tok["used"], false);
    let pm = c.post("/v1/payment_methods", &format!("type=card&card[token]={tid}")).await;
    assert_eq!(pm.status, StatusCode::OK, "{}", pm.body);
    assert_eq!(pm.body["card"]["last4"], "4242");
    assert_eq!(c.get(&format!("/v1/tokens/{tid}")).await.body["used"], true);
    let twice = c.post("/v1/payment_methods", &format!("type=card&card[token]={tid}")).await;
    assert_eq!(twice.body["error"]["message"], format!("You cannot use a Stripe token more than once: {tid}."));
    assert_eq!(c.get("/v1/tokens/tok_nope").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn discounts_and_promotion_codes_take_money_off() {
    let c = clone().await;
    let p = price(&c, 2000, false).await;
    let coupon = c.post("/v1/coupons", "percent_off=25&duration=once").await.body;
    let cid = coupon["id"].as_str().unwrap();
    let s = c.post("/v1/checkout/sessions", &format!("mode=payment&line_items[0][price]={p}&discounts[0][coupon]={cid}")).await.body;
    assert_eq!(s["amount_subtotal"], 2000);
    assert_eq!(s["amount_total"], 1500);
    assert_eq!(s["total_details"]["amount_discount"], 500);
    let both = c
        .post(
            "/v1/checkout/sessions",
            &format!("mode=payment&line_items[0][price]={p}&discounts[0][coupon]={cid}&allow_promotion_codes=true"),
        )
        .await;
    assert_eq!(both.body["error"]["message"], "You may only specify one of these parameters: allow_promotion_codes, discounts.");
    let promo = c.post("/v1/promotion_codes", &format!("promotion[type]=coupon&promotion[coupon]={cid}&code=SPRING25")).await;
    assert_eq!(promo.status, StatusCode::OK, "{}", promo.body);
    let open = c.post("/v1/checkout/sessions", &format!("mode=payment&line_items[0][price]={p}&allow_promotion_codes=true")).await.body;
    let id = open["id"].as_str().unwrap();
    let wrong = c.browser("POST", &format!("/c/pay/{id}"), "payment_method=pm_card_visa&promotion_code=NOPE").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let paid = c.browser("POST", &format!("/c/pay/{id}"), "payment_method=pm_card_visa&promotion_code=SPRING25").await;
    assert_eq!(paid.status, StatusCode::OK);
    let done = c.get(&format!("/v1/checkout/sessions/{id}?expand[]=payment_intent")).await.body;
    assert_eq!(done["amount_total"], 1500);
    assert_eq!(done["payment_intent"]["amount"], 1500);
    assert_eq!(done["discounts"][0]["promotion_code"], promo.body["id"]);
}
