//! The pages a browser sees, served by the clone itself: Checkout's hosted
//! payment page at a session's `url` (`/c/pay/{session}`) and a payment link's
//! `url` (`/b/{plink}`). They need no secret key, as Stripe's pages need none.
//!
//! `GET /c/pay/{session}` is a minimal HTML form (email, card number, expiry,
//! CVC). `POST /c/pay/{session}` is that form's submission — the test-mode way
//! to complete a session, exactly what a browser does on Stripe's page with a
//! test card: `card_number=4242424242424242&card_exp_month=12&card_exp_year=2030&card_cvc=123&email=…`
//! (or `payment_method=pm_card_visa`, a test token). Success answers `303 See
//! Other` to `success_url` (or a confirmation page without one); a decline
//! answers 402 with Stripe's decline message and the session stays open.
//! `GET /b/{plink}` starts a session for the link and redirects (303) to it.
//! `GET /p/session/{bps}` is a customer portal session's read-only page.

use asym_clone_kit::CloneCtx;
use asym_store::Db;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value};

use crate::errors::StripeError;
use crate::ids;
use crate::model::checkout::{self, Completion, Payment};
use crate::model::{DEFAULT_API_VERSION, Req, billing_portal, payment_links};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1>{body}</body></html>",
        escape(title),
        escape(title)
    );
    (status, Html(html)).into_response()
}

fn error_page(e: &StripeError) -> Response {
    let msg = e.body()["error"]["message"].as_str().map(String::from).unwrap_or_else(|| e.to_string());
    let status = match e.status() {
        StatusCode::NOT_FOUND => StatusCode::NOT_FOUND,
        StatusCode::PAYMENT_REQUIRED => StatusCode::PAYMENT_REQUIRED,
        _ => StatusCode::BAD_REQUEST,
    };
    page(status, "Checkout", &format!("<p class=\"error\">{}</p>", escape(&msg)))
}

fn see_other(url: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(url) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

fn req(ctx: &CloneCtx) -> Req {
    Req { request_id: String::new(), idempotency_key: None, api_version: DEFAULT_API_VERSION.into(), base_url: ctx.public_url.clone() }
}

/// `GET /c/pay/{session}`: the payment form.
pub async fn checkout_page(Extension(db): Extension<Db>, Path(id): Path<String>) -> Response {
    let s = match checkout::retrieve(&db, &id).await {
        Ok(s) => s,
        Err(e) => return error_page(&e),
    };
    if s["status"] != "open" {
        return page(
            StatusCode::OK,
            "Checkout",
            &format!("<p>This Checkout Session is {}.</p>", escape(s["status"].as_str().unwrap_or(""))),
        );
    }
    let mut rows = String::new();
    for item in s["_line_items"].as_array().cloned().unwrap_or_default() {
        rows.push_str(&format!(
            "<li>{} × {} — {} {}</li>",
            escape(item["description"].as_str().unwrap_or("")),
            item["quantity"],
            item["amount_total"],
            escape(item["currency"].as_str().unwrap_or(""))
        ));
    }
    let email = s["customer_email"].as_str().unwrap_or("");
    let promo = if s["allow_promotion_codes"] == true { "<label>Promotion code <input name=\"promotion_code\"></label>" } else { "" };
    let total = match s["amount_total"].as_i64() {
        Some(t) => format!("<p>Total: {t} {}</p>", escape(s["currency"].as_str().unwrap_or(""))),
        None => String::new(),
    };
    let form = format!(
        "<ul>{rows}</ul>{total}<form method=\"post\" action=\"/c/pay/{id}\">\
         <label>Email <input name=\"email\" value=\"{}\"></label>\
         <label>Card number <input name=\"card_number\" value=\"4242424242424242\"></label>\
         <label>Month <input name=\"card_exp_month\" value=\"12\"></label>\
         <label>Year <input name=\"card_exp_year\" value=\"2034\"></label>\
         <label>CVC <input name=\"card_cvc\" value=\"123\"></label>{promo}\
         <button type=\"submit\">Pay</button></form>",
        escape(email)
    );
    page(StatusCode::OK, "Checkout (test mode)", &form)
}

/// `POST /c/pay/{session}`: the form's submission completes the session.
pub async fn checkout_submit(State(ctx): State<CloneCtx>, Extension(db): Extension<Db>, Path(id): Path<String>, body: Bytes) -> Response {
    crate::model::delivery::ensure_running(&ctx);
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let card = get("card_number").map(|n| {
        let mut m = Map::new();
        m.insert("number".into(), Value::String(n));
        for (field, key) in [("card_exp_month", "exp_month"), ("card_exp_year", "exp_year"), ("card_cvc", "cvc")] {
            if let Some(v) = get(field) {
                m.insert(key.into(), Value::String(v));
            }
        }
        m
    });
    let pay = Payment { email: get("email"), payment_method: get("payment_method"), card, promotion_code: get("promotion_code") };
    let mut r = req(&ctx);
    r.request_id = ids::new("req");
    match checkout::complete(&db, &r, &id, pay).await {
        Ok(Completion::Done { redirect: Some(url) }) => see_other(&url),
        Ok(Completion::Done { redirect: None }) => page(StatusCode::OK, "Thanks for your payment", "<p>Payment complete.</p>"),
        Ok(Completion::Failed(e)) | Err(e) => error_page(&e),
    }
}

/// `GET /b/{plink}`: opening a payment link starts a Checkout Session for it.
pub async fn payment_link_page(State(ctx): State<CloneCtx>, Extension(db): Extension<Db>, Path(id): Path<String>) -> Response {
    crate::model::delivery::ensure_running(&ctx);
    let mut r = req(&ctx);
    r.request_id = ids::new("req");
    match payment_links::open(&db, &r, &id).await {
        Ok(s) => see_other(s["url"].as_str().unwrap_or("/")),
        Err(e) => error_page(&e),
    }
}

/// `GET /p/session/{session}`: the customer portal page of a
/// `billing_portal.session` (read-only: the customer, their subscriptions and
/// invoices, and a link back to `return_url` when there is one). Expires with the session.
pub async fn portal_page(Extension(db): Extension<Db>, Path(id): Path<String>) -> Response {
    let (s, customer, subs, invoices) = match billing_portal::page_data(&db, &id).await {
        Ok(d) => d,
        Err(e) => return error_page(&e),
    };
    if s["created"].as_i64().unwrap_or(0) + billing_portal::SESSION_TTL_SECS < crate::model::now_secs() {
        return page(StatusCode::GONE, "Customer portal", "<p class=\"error\">This portal session has expired.</p>");
    }
    let text = |v: &Value| escape(v.as_str().unwrap_or(""));
    let mut body = format!("<p class=\"customer\">{} {}</p><h2>Subscriptions</h2><ul>", text(&customer["name"]), text(&customer["email"]));
    for sub in &subs {
        let items: Vec<String> = sub["items"]["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| format!("{} × {}", i["quantity"], escape(i["price"]["id"].as_str().unwrap_or(""))))
            .collect();
        body.push_str(&format!("<li class=\"subscription\">{} — {} ({})</li>", text(&sub["id"]), text(&sub["status"]), items.join(", ")));
    }
    body.push_str("</ul>");
    if !invoices.is_empty() {
        body.push_str("<h2>Invoices</h2><ul>");
        for inv in &invoices {
            body.push_str(&format!(
                "<li class=\"invoice\">{} — {} {} ({})</li>",
                text(&inv["number"]),
                inv["total"],
                text(&inv["currency"]),
                text(&inv["status"])
            ));
        }
        body.push_str("</ul>");
    }
    if let Some(back) = s["return_url"].as_str() {
        body.push_str(&format!("<p><a href=\"{}\">Return</a></p>", escape(back)));
    }
    page(StatusCode::OK, "Customer portal", &body)
}
