//! Router-level tests: the whole clone app (`asym_clone_kit::serve::app`) on a
//! temporary SQLite database seeded with `acct`, driven with `oneshot`.

mod support;

use axum::http::StatusCode;
use serde_json::Value;
use support::{Clone, KEY};

async fn clone() -> Clone {
    support::clone_at("stripe-test", "http://127.0.0.1:0/").await
}

#[tokio::test]
async fn customers_round_trip_with_stripe_shapes_and_headers() {
    let c = clone().await;
    let r = c.post("/v1/customers", "email=jenny%40example.com&name=Jenny%20Rosen&metadata[order]=6735").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["id"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(r.body["object"], "customer");
    assert_eq!(r.body["livemode"], false);
    assert_eq!(r.body["metadata"]["order"], "6735");
    assert!(r.body["created"].as_i64().unwrap() > 1_700_000_000);
    assert!(r.headers["request-id"].to_str().unwrap().starts_with("req_"));
    let id = r.body["id"].as_str().unwrap().to_string();

    let got = c.get(&format!("/v1/customers/{id}")).await;
    assert_eq!(got.body["email"], "jenny@example.com");

    let listed = c.get("/v1/customers?email=jenny%40example.com").await;
    assert_eq!(listed.body["object"], "list");
    assert_eq!(listed.body["url"], "/v1/customers");
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);

    let deleted = c.send("DELETE", &format!("/v1/customers/{id}"), "", &[("authorization", &format!("Bearer {KEY}"))]).await;
    assert_eq!(deleted.body["deleted"], true);
    let events = c.get("/v1/events?type=customer.deleted").await;
    assert_eq!(events.body["data"][0]["data"]["object"]["id"], id.as_str());
}

#[tokio::test]
async fn stripe_version_is_echoed_and_basic_auth_works() {
    let c = clone().await;
    let basic = format!("Basic {}", base64_encode(&format!("{KEY}:")));
    let r = c.send("GET", "/v1/customers?limit=2", "", &[("authorization", &basic), ("stripe-version", "2024-06-20")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["stripe-version"], "2024-06-20");
    assert_eq!(r.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["has_more"], true);
}

fn base64_encode(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn invalid_and_missing_keys_are_401() {
    let c = clone().await;
    let r = c.send("GET", "/v1/customers", "", &[("authorization", "Bearer sk_test_wrongwrongwrong1234")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["error"]["type"], "invalid_request_error");
    assert_eq!(r.body["error"]["message"], "Invalid API Key provided: sk_test_***************1234");
    let r = c.send("GET", "/v1/customers", "", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body["error"]["message"].as_str().unwrap().starts_with("You did not provide an API key."));
}

#[tokio::test]
async fn unknown_parameters_and_malformed_forms_are_400() {
    let c = clone().await;
    let r = c.post("/v1/customers", "emial=a%40b.c").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], "parameter_unknown");
    assert_eq!(r.body["error"]["param"], "emial");
    assert_eq!(r.body["error"]["message"], "Received unknown parameter: emial");
    assert_eq!(r.body["error"]["doc_url"], "https://stripe.com/docs/error-codes/parameter-unknown");

    let r = c.post("/v1/customers", "metadata[a=1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["type"], "invalid_request_error");

    let r = c.post("/v1/payment_intents", "currency=usd").await;
    assert_eq!(r.body["error"]["code"], "parameter_missing");
    assert_eq!(r.body["error"]["param"], "amount");

    let r = c.post("/v1/payment_intents", "amount=abc&currency=usd").await;
    assert_eq!(r.body["error"]["code"], "parameter_invalid_integer");

    let r = c.get("/v1/customers/cus_nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["error"]["code"], "resource_missing");
    assert_eq!(r.body["error"]["message"], "No such customer: 'cus_nope'");

    let r = c.get("/v1/bogus").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["error"]["message"].as_str().unwrap().starts_with("Unrecognized request URL (GET: /v1/bogus)"));
    let r = c.post("/v1/customers/cus_AcmeDana00001/sources/ba_1/verify", "amounts[]=32&amounts[]=45").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("not implemented by the asymmetric clone"));
    // Removed from Stripe's API in 2025-03-31.basil: the account's default version has no such URL.
    let r = c.get("/v1/invoices/upcoming?customer=cus_AcmeDana00001").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["error"]["message"].as_str().unwrap().starts_with("Unrecognized request URL (GET: /v1/invoices/upcoming)"));
}

#[tokio::test]
async fn idempotent_retries_replay_and_mismatches_fail() {
    let c = clone().await;
    let auth = format!("Bearer {KEY}");
    let h = [("authorization", auth.as_str()), ("idempotency-key", "order-1")];
    let a = c.send("POST", "/v1/customers", "name=Once", &h).await;
    let b = c.send("POST", "/v1/customers", "name=Once", &h).await;
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(b.headers["idempotent-replayed"], "true");
    let list = c.get("/v1/customers/search?query=name%3A%27Once%27").await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    let m = c.send("POST", "/v1/customers", "name=Twice", &h).await;
    assert_eq!(m.status, StatusCode::BAD_REQUEST);
    assert_eq!(m.body["error"]["type"], "idempotency_error");
    assert!(m.body["error"]["message"].as_str().unwrap().contains("order-1"));
}

#[tokio::test]
async fn payment_intent_succeeds_declines_and_captures() {
    let c = clone().await;
    let ok = c
        .post(
            "/v1/payment_intents",
            "amount=2000&currency=usd&customer=cus_AcmeDana00001&payment_method=pm_card_visa&confirm=true&expand[]=latest_charge",
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["status"], "succeeded");
    assert_eq!(ok.body["amount_received"], 2000);
    assert_eq!(ok.body["latest_charge"]["object"], "charge");
    assert_eq!(ok.body["latest_charge"]["paid"], true);
    assert!(ok.body["latest_charge"].get("_number").is_none());

    let no =
        c.post("/v1/payment_intents", "amount=2000&currency=usd&payment_method=pm_card_chargeDeclinedInsufficientFunds&confirm=true").await;
    assert_eq!(no.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(no.body["error"]["type"], "card_error");
    assert_eq!(no.body["error"]["code"], "card_declined");
    assert_eq!(no.body["error"]["decline_code"], "insufficient_funds");
    assert_eq!(no.body["error"]["payment_intent"]["status"], "requires_payment_method");

    let manual =
        c.post("/v1/payment_intents", "amount=5000&currency=usd&payment_method=pm_card_visa&capture_method=manual&confirm=true").await;
    assert_eq!(manual.body["status"], "requires_capture");
    let id = manual.body["id"].as_str().unwrap();
    let captured = c.post(&format!("/v1/payment_intents/{id}/capture"), "amount_to_capture=3000").await;
    assert_eq!(captured.body["status"], "succeeded");
    assert_eq!(captured.body["amount_received"], 3000);
    let again = c.post(&format!("/v1/payment_intents/{id}/cancel"), "").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body["error"]["code"], "payment_intent_unexpected_state");

    let refund = c.post("/v1/refunds", &format!("payment_intent={id}&amount=1000")).await;
    assert_eq!(refund.body["status"], "succeeded");
    let too_much = c.post("/v1/refunds", &format!("payment_intent={id}&amount=999999")).await;
    assert_eq!(too_much.body["error"]["code"], "amount_too_large");
}

#[tokio::test]
async fn lists_page_both_ways_and_search_pages() {
    let c = clone().await;
    let mut made = Vec::new();
    for i in 0..5 {
        let r = c.post("/v1/customers", &format!("name=Pager%20{i}&metadata[batch]=p1")).await;
        made.push(r.body["id"].as_str().unwrap().to_string());
    }
    let page = c.get(&format!("/v1/customers?limit=2&starting_after={}", made[3])).await;
    let ids: Vec<&str> = page.body["data"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![made[2].as_str(), made[1].as_str()]);
    assert_eq!(page.body["has_more"], true);
    let back = c.get(&format!("/v1/customers?limit=2&ending_before={}", made[1])).await;
    let ids: Vec<&str> = back.body["data"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![made[3].as_str(), made[2].as_str()]);
    let bad = c.get("/v1/customers?limit=101").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error"]["param"], "limit");

    let s = c.get("/v1/customers/search?query=metadata%5B%27batch%27%5D%3A%27p1%27&limit=3").await;
    assert_eq!(s.body["object"], "search_result");
    assert_eq!(s.body["data"].as_array().unwrap().len(), 3);
    let next = s.body["next_page"].as_str().unwrap().to_string();
    let s2 = c.get(&format!("/v1/customers/search?query=metadata%5B%27batch%27%5D%3A%27p1%27&limit=3&page={next}")).await;
    assert_eq!(s2.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(s2.body["has_more"], false);
    assert!(s2.body["next_page"].is_null());
}

#[tokio::test]
async fn state_changes_emit_stripes_events_in_order() {
    let c = clone().await;
    let pi = c.post("/v1/payment_intents", "amount=1200&currency=usd&payment_method=pm_card_visa&confirm=true").await;
    let id = pi.body["id"].as_str().unwrap();
    let events = c.get("/v1/events?limit=5").await;
    let types: Vec<&str> = events.body["data"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types[..3], ["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]);
    assert_eq!(events.body["data"][0]["data"]["object"]["id"], id);
    assert_eq!(events.body["data"][0]["request"]["idempotency_key"], Value::Null);
    assert!(events.body["data"][0]["request"]["id"].as_str().unwrap().starts_with("req_"));
    let charges = c.get("/v1/events?type=charge.*").await;
    assert!(charges.body["data"].as_array().unwrap().iter().all(|e| e["type"].as_str().unwrap().starts_with("charge.")));
}

#[tokio::test]
async fn expand_replaces_ids_and_refuses_plain_fields() {
    let c = clone().await;
    let r = c.get("/v1/payment_methods/pm_AcmeDanaVisa000000001?expand[]=customer").await;
    assert_eq!(r.body["customer"]["email"], "dana@acme.test");
    let r = c.get("/v1/customers/cus_AcmeDana00001?expand[]=name").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["message"], "This property cannot be expanded (name).");
    let r = c.get("/v1/prices?lookup_keys[]=stickers&expand[]=data.product").await;
    assert_eq!(r.body["data"][0]["product"]["name"], "Sticker pack");
}

#[tokio::test]
async fn setup_intents_save_cards_and_report_declines() {
    let c = clone().await;
    let ok = c.post("/v1/setup_intents", "customer=cus_AcmeLeo000002&payment_method=pm_card_visa&confirm=true").await;
    assert_eq!(ok.body["status"], "succeeded", "{}", ok.body);
    let pms = c.get("/v1/customers/cus_AcmeLeo000002/payment_methods").await;
    assert_eq!(pms.body["data"][0]["id"], ok.body["payment_method"]);
    let no = c.post("/v1/setup_intents", "customer=cus_AcmeLeo000002&payment_method=pm_card_chargeDeclinedStolenCard&confirm=true").await;
    assert_eq!(no.status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(no.body["error"]["decline_code"], "stolen_card");
    assert_eq!(no.body["error"]["setup_intent"]["last_setup_error"]["code"], "card_declined");
}
