//! Router tests for disputes opened by Stripe's dispute test cards: the charge,
//! balance, events, evidence (with test mode's magic values) and closing.

mod support;

use axum::http::StatusCode;
use support::{Clone, Resp};

async fn clone() -> Clone {
    support::clone_at("stripe-disputes", "http://127.0.0.1:0/").await
}

fn id(r: &Resp) -> String {
    r.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", r.body)).to_string()
}

async fn disputed_payment(c: &Clone, card: &str, amount: i64) -> (String, String, Resp) {
    let pi = c
        .post(
            "/v1/payment_intents",
            &format!("amount={amount}&currency=usd&payment_method={card}&confirm=true&payment_method_types[]=card"),
        )
        .await;
    assert_eq!(pi.body["status"], "succeeded", "{}", pi.body);
    let charge = pi.body["latest_charge"].as_str().unwrap().to_string();
    let list = c.get(&format!("/v1/disputes?charge={charge}")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let d = list.body["data"][0].clone();
    (id(&pi), charge, Resp { status: list.status, headers: list.headers, body: d })
}

fn available(c: &serde_json::Value) -> i64 {
    c["available"][0]["amount"].as_i64().unwrap()
}

#[tokio::test]
async fn dispute_card_opens_a_dispute_that_winning_evidence_wins() {
    let c = clone().await;
    let before = available(&c.get("/v1/balance").await.body);
    let (pi, charge, d) = disputed_payment(&c, "pm_card_createDispute", 5000).await;
    assert_eq!(d.body["object"], "dispute");
    assert_eq!(d.body["status"], "needs_response");
    assert_eq!(d.body["reason"], "fraudulent");
    assert_eq!(d.body["amount"], 5000);
    assert_eq!(d.body["payment_intent"], pi.as_str());
    assert_eq!(d.body["balance_transactions"][0]["amount"], -5000);
    assert_eq!(d.body["balance_transactions"][0]["fee"], 1500);
    let dp = id(&d);
    assert!(dp.starts_with("dp_"));
    assert_eq!(c.get(&format!("/v1/charges/{charge}")).await.body["disputed"], true);
    let fee = 5000 * 29 / 1000 + 30;
    assert_eq!(available(&c.get("/v1/balance").await.body), before + 5000 - fee - 5000 - 1500);
    let by_pi = c.get(&format!("/v1/disputes?payment_intent={pi}")).await;
    assert_eq!(by_pi.body["data"][0]["id"], dp.as_str());
    let created = c.get("/v1/events?type=charge.dispute.created").await;
    assert_eq!(created.body["data"][0]["data"]["object"]["id"], dp.as_str());
    // A disputed charge cannot be refunded.
    let refund = c.post("/v1/refunds", &format!("charge={charge}")).await;
    assert_eq!(refund.body["error"]["code"], "charge_disputed", "{}", refund.body);
    // Staged evidence is kept, not submitted.
    let staged = c.post(&format!("/v1/disputes/{dp}"), "evidence[customer_name]=Jenny%20Rosen&submit=false&metadata[case]=7").await;
    assert_eq!(staged.body["status"], "needs_response", "{}", staged.body);
    assert_eq!(staged.body["evidence"]["customer_name"], "Jenny Rosen");
    assert_eq!(staged.body["evidence_details"]["has_evidence"], true);
    assert_eq!(staged.body["evidence_details"]["submission_count"], 0);
    assert_eq!(staged.body["metadata"]["case"], "7");
    let file = c.post(&format!("/v1/disputes/{dp}"), "evidence[receipt]=file_123").await;
    assert_eq!(file.status, StatusCode::BAD_REQUEST);
    let unknown = c.post(&format!("/v1/disputes/{dp}"), "evidence[nope]=x").await;
    assert_eq!(unknown.body["error"]["code"], "parameter_unknown");
    let won = c.post(&format!("/v1/disputes/{dp}"), "evidence[uncategorized_text]=winning_evidence").await;
    assert_eq!(won.body["status"], "won", "{}", won.body);
    assert_eq!(won.body["evidence_details"]["submission_count"], 1);
    assert_eq!(won.body["balance_transactions"].as_array().unwrap().len(), 2);
    assert_eq!(available(&c.get("/v1/balance").await.body), before + 5000 - fee);
    let closed = c.get("/v1/events?type=charge.dispute.closed").await;
    assert_eq!(closed.body["data"][0]["data"]["object"]["status"], "won");
    let again = c.post(&format!("/v1/disputes/{dp}"), "evidence[uncategorized_text]=more").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let close = c.post(&format!("/v1/disputes/{dp}/close"), "").await;
    assert_eq!(close.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn losing_evidence_loses_close_accepts_and_inquiries_warn() {
    let c = clone().await;
    let (_, _, d) = disputed_payment(&c, "pm_card_createDispute", 2000).await;
    let lost = c.post(&format!("/v1/disputes/{}", id(&d)), "evidence[uncategorized_text]=losing_evidence").await;
    assert_eq!(lost.body["status"], "lost");
    let (_, _, d2) = disputed_payment(&c, "pm_card_createDisputeProductNotReceived", 1500).await;
    assert_eq!(d2.body["reason"], "product_not_received");
    let review = c.post(&format!("/v1/disputes/{}", id(&d2)), "evidence[product_description]=A%20lamp").await;
    assert_eq!(review.body["status"], "under_review");
    let plain = c
        .post("/v1/payment_intents", "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true&payment_method_types[]=card")
        .await;
    let plain_charge = plain.body["latest_charge"].as_str().unwrap();
    let none = c.get(&format!("/v1/disputes?charge={plain_charge}")).await;
    assert_eq!(none.body["data"], serde_json::json!([]), "an ordinary card opens no dispute");
    let (_, _, d4) = disputed_payment(&c, "pm_card_createDispute", 1000).await;
    let closed = c.post(&format!("/v1/disputes/{}/close", id(&d4)), "").await;
    assert_eq!(closed.body["status"], "lost");
    let events = c.get("/v1/events?type=charge.dispute.closed").await;
    assert_eq!(events.body["data"][0]["data"]["object"]["id"], id(&d4).as_str());
    let (_, charge, inquiry) = disputed_payment(&c, "pm_card_createDisputeInquiry", 1000).await;
    assert_eq!(inquiry.body["status"], "warning_needs_response");
    assert_eq!(inquiry.body["is_charge_refundable"], true);
    assert_eq!(inquiry.body["balance_transactions"], serde_json::json!([]));
    let refund = c.post("/v1/refunds", &format!("charge={charge}&amount=100")).await;
    assert_eq!(refund.status, StatusCode::OK, "an inquiry leaves the charge refundable: {}", refund.body);
    let missing = c.get("/v1/disputes/dp_missing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Legacy charges open disputes too.
    let ch = c.post("/v1/charges", "amount=3000&currency=usd&source=tok_createDispute").await;
    assert_eq!(ch.status, StatusCode::OK, "{}", ch.body);
    let list = c.get(&format!("/v1/disputes?charge={}", id(&ch))).await;
    assert_eq!(list.body["data"][0]["amount"], 3000);
}
