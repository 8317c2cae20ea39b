//! Router tests for payouts from the available balance and `GET /v1/account`.

mod support;

use axum::http::StatusCode;
use support::{Clone, Resp};

async fn clone() -> Clone {
    support::clone_at("stripe-payouts", "http://127.0.0.1:0/").await
}

fn id(r: &Resp) -> String {
    r.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", r.body)).to_string()
}

fn available(c: &serde_json::Value) -> i64 {
    c["available"][0]["amount"].as_i64().unwrap()
}

#[tokio::test]
async fn payouts_draw_on_the_balance_and_settle() {
    let c = clone().await;
    let account = c.get("/v1/account").await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.body);
    assert_eq!(account.body["id"], "acct_1AsymmetricAcct");
    assert_eq!(account.body["payouts_enabled"], true);
    let bank = account.body["external_accounts"]["data"][0]["id"].as_str().unwrap().to_string();
    let none = c.post("/v1/payouts", "amount=100&currency=usd").await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.body["error"]["code"], "balance_insufficient", "{}", none.body);
    let pi = c
        .post("/v1/payment_intents", "amount=10000&currency=usd&payment_method=pm_card_visa&confirm=true&payment_method_types[]=card")
        .await;
    assert_eq!(pi.body["status"], "succeeded");
    let funds = available(&c.get("/v1/balance").await.body);
    assert_eq!(funds, 10000 - 320);
    let over = c.post("/v1/payouts", &format!("amount={}&currency=usd", funds + 1)).await;
    assert_eq!(over.body["error"]["code"], "balance_insufficient");
    let po = c.post("/v1/payouts", "amount=4000&currency=usd&description=Weekly&metadata[run]=1").await;
    assert_eq!(po.status, StatusCode::OK, "{}", po.body);
    assert_eq!(po.body["object"], "payout");
    assert_eq!(po.body["status"], "pending");
    assert_eq!(po.body["destination"], bank.as_str());
    assert!(po.body.get("_settles_at_ms").is_none());
    let po_id = id(&po);
    assert_eq!(available(&c.get("/v1/balance").await.body), funds - 4000);
    let txn = c.get(&format!("/v1/balance_transactions/{}", po.body["balance_transaction"].as_str().unwrap())).await;
    assert_eq!(txn.body["type"], "payout");
    assert_eq!(txn.body["amount"], -4000);
    let second = c.post("/v1/payouts", "amount=1000&currency=usd").await;
    let canceled = c.post(&format!("/v1/payouts/{}/cancel", id(&second)), "").await;
    assert_eq!(canceled.body["status"], "canceled", "{}", canceled.body);
    assert!(canceled.body["failure_balance_transaction"].is_string());
    assert_eq!(available(&c.get("/v1/balance").await.body), funds - 4000);
    let upd = c.post(&format!("/v1/payouts/{po_id}"), "metadata[run]=2").await;
    assert_eq!(upd.body["metadata"]["run"], "2");
    // Test-mode payouts are paid two seconds after they are made.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let paid = c.get(&format!("/v1/payouts/{po_id}")).await;
    assert_eq!(paid.body["status"], "paid", "{}", paid.body);
    let cannot = c.post(&format!("/v1/payouts/{po_id}/cancel"), "").await;
    assert_eq!(cannot.status, StatusCode::BAD_REQUEST);
    let listed = c.get("/v1/payouts?status=paid").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    for t in ["payout.created", "payout.paid", "payout.canceled", "payout.updated"] {
        let ev = c.get(&format!("/v1/events?type={t}")).await;
        assert!(!ev.body["data"].as_array().unwrap().is_empty(), "{t}");
    }
    let bad_dest = c.post("/v1/payouts", "amount=1&currency=usd&destination=ba_nope").await;
    assert_eq!(bad_dest.status, StatusCode::NOT_FOUND);
    let bank_source = c.post("/v1/payouts", "amount=1&currency=usd&source_type=bank_account").await;
    assert_eq!(bank_source.body["error"]["code"], "balance_insufficient");
    let missing = c.get("/v1/payouts/po_missing").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
