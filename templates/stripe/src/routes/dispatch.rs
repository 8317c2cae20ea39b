//! `/v1/*`: key check, form decoding, idempotency, the call, `expand[]` and the
//! response headers, in one place. Handlers live in `model/`; this file only maps
//! a (method, path) to one model call.

use asym_clone_kit::CloneCtx;
use asym_store::Db;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::Value;

use crate::errors::{StripeError, StripeResult};
use crate::form::{self, Params};
use crate::ids;
use crate::model::idempotency::{self, Begin};
use crate::model::{
    DEFAULT_API_VERSION, Req, auth, balance, billing_portal, charges, checkout, coupons, credit_notes, customer_balance, customers,
    delivery, discounts, disputes, events, expand, invoices, payment_intents, payment_links, payment_methods, payouts, plans, prices,
    products, promotion_codes, public, refunds, setup_intents, shipping_rates, sources, subscription_schedules, subscriptions, tax_ids,
    tax_rates, test_clocks, tokens, webhook_endpoints,
};

/// Stripe's published endpoints this clone knows of (`METHOD /path`), built or not.
pub const PUBLISHED: &str = include_str!("../../spec-endpoints.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    CustomersCreate,
    CustomersList,
    CustomersSearch,
    CustomersRetrieve,
    CustomersUpdate,
    CustomersDelete,
    CustomerPaymentMethods,
    CustomerPaymentMethod,
    ProductsCreate,
    ProductsList,
    ProductsSearch,
    ProductsRetrieve,
    ProductsUpdate,
    ProductsDelete,
    PricesCreate,
    PricesList,
    PricesSearch,
    PricesRetrieve,
    PricesUpdate,
    PaymentMethodsCreate,
    PaymentMethodsList,
    PaymentMethodsRetrieve,
    PaymentMethodsUpdate,
    PaymentMethodsAttach,
    PaymentMethodsDetach,
    PaymentIntentsCreate,
    PaymentIntentsList,
    PaymentIntentsSearch,
    PaymentIntentsRetrieve,
    PaymentIntentsUpdate,
    PaymentIntentsConfirm,
    PaymentIntentsCapture,
    PaymentIntentsCancel,
    ChargesCreate,
    ChargesList,
    ChargeRefund,
    ChargesSearch,
    ChargesRetrieve,
    ChargesUpdate,
    ChargesCapture,
    ChargeRefunds,
    RefundsCreate,
    RefundsList,
    RefundsRetrieve,
    RefundsUpdate,
    RefundsCancel,
    EventsList,
    EventsRetrieve,
    WebhookEndpointsCreate,
    WebhookEndpointsList,
    WebhookEndpointsRetrieve,
    WebhookEndpointsUpdate,
    WebhookEndpointsDelete,
    BalanceRetrieve,
    BalanceTransactionsList,
    BalanceTransactionsRetrieve,
    CouponsCreate,
    CouponsList,
    CouponsRetrieve,
    CouponsUpdate,
    CouponsDelete,
    SetupIntentsCreate,
    SetupIntentsList,
    SetupIntentsRetrieve,
    SetupIntentsUpdate,
    SetupIntentsConfirm,
    SetupIntentsCancel,
    InvoicesCreate,
    InvoicesList,
    InvoicesSearch,
    InvoicesCreatePreview,
    InvoicesRetrieve,
    InvoicesUpdate,
    InvoicesDelete,
    InvoicesFinalize,
    InvoicesPay,
    InvoicesSend,
    InvoicesVoid,
    InvoicesMarkUncollectible,
    InvoicesLines,
    InvoiceItemsCreate,
    InvoiceItemsList,
    InvoiceItemsRetrieve,
    InvoiceItemsUpdate,
    InvoiceItemsDelete,
    SubscriptionsCreate,
    SubscriptionsList,
    SubscriptionsSearch,
    SubscriptionsRetrieve,
    SubscriptionsUpdate,
    SubscriptionsCancel,
    SubscriptionsResume,
    SubscriptionItemsCreate,
    SubscriptionItemsList,
    SubscriptionItemsRetrieve,
    SubscriptionItemsUpdate,
    SubscriptionItemsDelete,
    PromotionCodesCreate,
    PromotionCodesList,
    PromotionCodesRetrieve,
    PromotionCodesUpdate,
    TestClocksCreate,
    TestClocksList,
    TestClocksRetrieve,
    TestClocksDelete,
    TestClocksAdvance,
    CustomerBalanceList,
    CustomerBalanceCreate,
    CustomerBalanceRetrieve,
    CustomerBalanceUpdate,
    CheckoutSessionsCreate,
    CheckoutSessionsList,
    CheckoutSessionsRetrieve,
    CheckoutSessionsExpire,
    CheckoutSessionsLineItems,
    PaymentLinksCreate,
    PaymentLinksList,
    PaymentLinksRetrieve,
    PaymentLinksUpdate,
    PaymentLinksLineItems,
    TokensCreate,
    TokensRetrieve,
    TaxRatesCreate,
    TaxRatesList,
    TaxRatesRetrieve,
    TaxRatesUpdate,
    CreditNotesCreate,
    CreditNotesList,
    CreditNotesPreview,
    CreditNotesPreviewLines,
    CreditNotesRetrieve,
    CreditNotesUpdate,
    CreditNotesLines,
    CreditNotesVoid,
    DisputesList,
    DisputesRetrieve,
    DisputesUpdate,
    DisputesClose,
    PayoutsCreate,
    PayoutsList,
    PayoutsRetrieve,
    PayoutsUpdate,
    PayoutsCancel,
    AccountRetrieve,
    CustomerDiscountDelete,
    CustomerSourcesList,
    CustomerSourcesCreate,
    CustomerSourcesRetrieve,
    CustomerSourcesUpdate,
    CustomerSourcesDelete,
    CustomerTaxIdsList,
    CustomerTaxIdsCreate,
    CustomerTaxIdsRetrieve,
    CustomerTaxIdsDelete,
    PaymentIntentsIncrementAuthorization,
    PaymentIntentsApplyCustomerBalance,
    PaymentIntentsVerifyMicrodeposits,
    SetupAttemptsList,
    InvoicesUpcoming,
    InvoicesUpcomingLines,
    PayoutsReverse,
    PortalSessionsCreate,
    PortalConfigurationsCreate,
    PortalConfigurationsList,
    PortalConfigurationsRetrieve,
    PortalConfigurationsUpdate,
    PlansCreate,
    PlansList,
    PlansRetrieve,
    PlansUpdate,
    PlansDelete,
    ShippingRatesCreate,
    ShippingRatesList,
    ShippingRatesRetrieve,
    ShippingRatesUpdate,
    SchedulesCreate,
    SchedulesList,
    SchedulesRetrieve,
    SchedulesUpdate,
    SchedulesCancel,
    SchedulesRelease,
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub op: Op,
}

const fn r(method: &'static str, path: &'static str, op: Op) -> Route {
    Route { method, path, op }
}

/// Every built route. Literal segments win over `{id}` because rows are tried in order.
pub const ROUTES: &[Route] = &[
    r("POST", "/v1/customers", Op::CustomersCreate),
    r("GET", "/v1/customers", Op::CustomersList),
    r("GET", "/v1/customers/search", Op::CustomersSearch),
    r("GET", "/v1/customers/{customer}", Op::CustomersRetrieve),
    r("POST", "/v1/customers/{customer}", Op::CustomersUpdate),
    r("DELETE", "/v1/customers/{customer}", Op::CustomersDelete),
    r("GET", "/v1/customers/{customer}/payment_methods", Op::CustomerPaymentMethods),
    r("GET", "/v1/customers/{customer}/payment_methods/{payment_method}", Op::CustomerPaymentMethod),
    r("GET", "/v1/customers/{customer}/balance_transactions", Op::CustomerBalanceList),
    r("POST", "/v1/customers/{customer}/balance_transactions", Op::CustomerBalanceCreate),
    r("GET", "/v1/customers/{customer}/balance_transactions/{transaction}", Op::CustomerBalanceRetrieve),
    r("POST", "/v1/customers/{customer}/balance_transactions/{transaction}", Op::CustomerBalanceUpdate),
    r("DELETE", "/v1/customers/{customer}/discount", Op::CustomerDiscountDelete),
    r("GET", "/v1/customers/{customer}/sources", Op::CustomerSourcesList),
    r("POST", "/v1/customers/{customer}/sources", Op::CustomerSourcesCreate),
    r("GET", "/v1/customers/{customer}/sources/{id}", Op::CustomerSourcesRetrieve),
    r("POST", "/v1/customers/{customer}/sources/{id}", Op::CustomerSourcesUpdate),
    r("DELETE", "/v1/customers/{customer}/sources/{id}", Op::CustomerSourcesDelete),
    r("GET", "/v1/customers/{customer}/tax_ids", Op::CustomerTaxIdsList),
    r("POST", "/v1/customers/{customer}/tax_ids", Op::CustomerTaxIdsCreate),
    r("GET", "/v1/customers/{customer}/tax_ids/{id}", Op::CustomerTaxIdsRetrieve),
    r("DELETE", "/v1/customers/{customer}/tax_ids/{id}", Op::CustomerTaxIdsDelete),
    r("POST", "/v1/products", Op::ProductsCreate),
    r("GET", "/v1/products", Op::ProductsList),
    r("GET", "/v1/products/search", Op::ProductsSearch),
    r("GET", "/v1/products/{id}", Op::ProductsRetrieve),
    r("POST", "/v1/products/{id}", Op::ProductsUpdate),
    r("DELETE", "/v1/products/{id}", Op::ProductsDelete),
    r("POST", "/v1/prices", Op::PricesCreate),
    r("GET", "/v1/prices", Op::PricesList),
    r("GET", "/v1/prices/search", Op::PricesSearch),
    r("GET", "/v1/prices/{price}", Op::PricesRetrieve),
    r("POST", "/v1/prices/{price}", Op::PricesUpdate),
    r("POST", "/v1/plans", Op::PlansCreate),
    r("GET", "/v1/plans", Op::PlansList),
    r("GET", "/v1/plans/{plan}", Op::PlansRetrieve),
    r("POST", "/v1/plans/{plan}", Op::PlansUpdate),
    r("DELETE", "/v1/plans/{plan}", Op::PlansDelete),
    r("POST", "/v1/payment_methods", Op::PaymentMethodsCreate),
    r("GET", "/v1/payment_methods", Op::PaymentMethodsList),
    r("GET", "/v1/payment_methods/{payment_method}", Op::PaymentMethodsRetrieve),
    r("POST", "/v1/payment_methods/{payment_method}", Op::PaymentMethodsUpdate),
    r("POST", "/v1/payment_methods/{payment_method}/attach", Op::PaymentMethodsAttach),
    r("POST", "/v1/payment_methods/{payment_method}/detach", Op::PaymentMethodsDetach),
    r("POST", "/v1/payment_intents", Op::PaymentIntentsCreate),
    r("GET", "/v1/payment_intents", Op::PaymentIntentsList),
    r("GET", "/v1/payment_intents/search", Op::PaymentIntentsSearch),
    r("GET", "/v1/payment_intents/{intent}", Op::PaymentIntentsRetrieve),
    r("POST", "/v1/payment_intents/{intent}", Op::PaymentIntentsUpdate),
    r("POST", "/v1/payment_intents/{intent}/confirm", Op::PaymentIntentsConfirm),
    r("POST", "/v1/payment_intents/{intent}/capture", Op::PaymentIntentsCapture),
    r("POST", "/v1/payment_intents/{intent}/cancel", Op::PaymentIntentsCancel),
    r("POST", "/v1/payment_intents/{intent}/increment_authorization", Op::PaymentIntentsIncrementAuthorization),
    r("POST", "/v1/payment_intents/{intent}/apply_customer_balance", Op::PaymentIntentsApplyCustomerBalance),
    r("POST", "/v1/payment_intents/{intent}/verify_microdeposits", Op::PaymentIntentsVerifyMicrodeposits),
    r("POST", "/v1/charges", Op::ChargesCreate),
    r("GET", "/v1/charges", Op::ChargesList),
    r("GET", "/v1/charges/search", Op::ChargesSearch),
    r("GET", "/v1/charges/{charge}", Op::ChargesRetrieve),
    r("POST", "/v1/charges/{charge}", Op::ChargesUpdate),
    r("POST", "/v1/charges/{charge}/capture", Op::ChargesCapture),
    r("GET", "/v1/charges/{charge}/refunds", Op::ChargeRefunds),
    r("GET", "/v1/charges/{charge}/refunds/{refund}", Op::ChargeRefund),
    r("POST", "/v1/refunds", Op::RefundsCreate),
    r("GET", "/v1/refunds", Op::RefundsList),
    r("GET", "/v1/refunds/{refund}", Op::RefundsRetrieve),
    r("POST", "/v1/refunds/{refund}", Op::RefundsUpdate),
    r("POST", "/v1/refunds/{refund}/cancel", Op::RefundsCancel),
    r("GET", "/v1/events", Op::EventsList),
    r("GET", "/v1/events/{id}", Op::EventsRetrieve),
    r("POST", "/v1/webhook_endpoints", Op::WebhookEndpointsCreate),
    r("GET", "/v1/webhook_endpoints", Op::WebhookEndpointsList),
    r("GET", "/v1/webhook_endpoints/{webhook_endpoint}", Op::WebhookEndpointsRetrieve),
    r("POST", "/v1/webhook_endpoints/{webhook_endpoint}", Op::WebhookEndpointsUpdate),
    r("DELETE", "/v1/webhook_endpoints/{webhook_endpoint}", Op::WebhookEndpointsDelete),
    r("GET", "/v1/balance", Op::BalanceRetrieve),
    r("GET", "/v1/balance_transactions", Op::BalanceTransactionsList),
    r("GET", "/v1/balance_transactions/{id}", Op::BalanceTransactionsRetrieve),
    r("POST", "/v1/coupons", Op::CouponsCreate),
    r("GET", "/v1/coupons", Op::CouponsList),
    r("GET", "/v1/coupons/{coupon}", Op::CouponsRetrieve),
    r("POST", "/v1/coupons/{coupon}", Op::CouponsUpdate),
    r("DELETE", "/v1/coupons/{coupon}", Op::CouponsDelete),
    r("POST", "/v1/setup_intents", Op::SetupIntentsCreate),
    r("GET", "/v1/setup_intents", Op::SetupIntentsList),
    r("GET", "/v1/setup_intents/{intent}", Op::SetupIntentsRetrieve),
    r("POST", "/v1/setup_intents/{intent}", Op::SetupIntentsUpdate),
    r("POST", "/v1/setup_intents/{intent}/confirm", Op::SetupIntentsConfirm),
    r("POST", "/v1/setup_intents/{intent}/cancel", Op::SetupIntentsCancel),
    r("GET", "/v1/setup_attempts", Op::SetupAttemptsList),
    r("POST", "/v1/invoices", Op::InvoicesCreate),
    r("GET", "/v1/invoices", Op::InvoicesList),
    r("GET", "/v1/invoices/search", Op::InvoicesSearch),
    r("GET", "/v1/invoices/upcoming", Op::InvoicesUpcoming),
    r("GET", "/v1/invoices/upcoming/lines", Op::InvoicesUpcomingLines),
    r("POST", "/v1/invoices/create_preview", Op::InvoicesCreatePreview),
    r("GET", "/v1/invoices/{invoice}", Op::InvoicesRetrieve),
    r("POST", "/v1/invoices/{invoice}", Op::InvoicesUpdate),
    r("DELETE", "/v1/invoices/{invoice}", Op::InvoicesDelete),
    r("POST", "/v1/invoices/{invoice}/finalize", Op::InvoicesFinalize),
    r("POST", "/v1/invoices/{invoice}/pay", Op::InvoicesPay),
    r("POST", "/v1/invoices/{invoice}/send", Op::InvoicesSend),
    r("POST", "/v1/invoices/{invoice}/void", Op::InvoicesVoid),
    r("POST", "/v1/invoices/{invoice}/mark_uncollectible", Op::InvoicesMarkUncollectible),
    r("GET", "/v1/invoices/{invoice}/lines", Op::InvoicesLines),
    r("POST", "/v1/invoiceitems", Op::InvoiceItemsCreate),
    r("GET", "/v1/invoiceitems", Op::InvoiceItemsList),
    r("GET", "/v1/invoiceitems/{invoiceitem}", Op::InvoiceItemsRetrieve),
    r("POST", "/v1/invoiceitems/{invoiceitem}", Op::InvoiceItemsUpdate),
    r("DELETE", "/v1/invoiceitems/{invoiceitem}", Op::InvoiceItemsDelete),
    r("POST", "/v1/subscriptions", Op::SubscriptionsCreate),
    r("GET", "/v1/subscriptions", Op::SubscriptionsList),
    r("GET", "/v1/subscriptions/search", Op::SubscriptionsSearch),
    r("GET", "/v1/subscriptions/{subscription_exposed_id}", Op::SubscriptionsRetrieve),
    r("POST", "/v1/subscriptions/{subscription_exposed_id}", Op::SubscriptionsUpdate),
    r("DELETE", "/v1/subscriptions/{subscription_exposed_id}", Op::SubscriptionsCancel),
    r("POST", "/v1/subscriptions/{subscription}/resume", Op::SubscriptionsResume),
    r("POST", "/v1/subscription_items", Op::SubscriptionItemsCreate),
    r("GET", "/v1/subscription_items", Op::SubscriptionItemsList),
    r("GET", "/v1/subscription_items/{item}", Op::SubscriptionItemsRetrieve),
    r("POST", "/v1/subscription_items/{item}", Op::SubscriptionItemsUpdate),
    r("DELETE", "/v1/subscription_items/{item}", Op::SubscriptionItemsDelete),
    r("POST", "/v1/subscription_schedules", Op::SchedulesCreate),
    r("GET", "/v1/subscription_schedules", Op::SchedulesList),
    r("GET", "/v1/subscription_schedules/{schedule}", Op::SchedulesRetrieve),
    r("POST", "/v1/subscription_schedules/{schedule}", Op::SchedulesUpdate),
    r("POST", "/v1/subscription_schedules/{schedule}/cancel", Op::SchedulesCancel),
    r("POST", "/v1/subscription_schedules/{schedule}/release", Op::SchedulesRelease),
    r("POST", "/v1/promotion_codes", Op::PromotionCodesCreate),
    r("GET", "/v1/promotion_codes", Op::PromotionCodesList),
    r("GET", "/v1/promotion_codes/{promotion_code}", Op::PromotionCodesRetrieve),
    r("POST", "/v1/promotion_codes/{promotion_code}", Op::PromotionCodesUpdate),
    r("POST", "/v1/test_helpers/test_clocks", Op::TestClocksCreate),
    r("GET", "/v1/test_helpers/test_clocks", Op::TestClocksList),
    r("GET", "/v1/test_helpers/test_clocks/{test_clock}", Op::TestClocksRetrieve),
    r("DELETE", "/v1/test_helpers/test_clocks/{test_clock}", Op::TestClocksDelete),
    r("POST", "/v1/test_helpers/test_clocks/{test_clock}/advance", Op::TestClocksAdvance),
    r("POST", "/v1/checkout/sessions", Op::CheckoutSessionsCreate),
    r("GET", "/v1/checkout/sessions", Op::CheckoutSessionsList),
    r("GET", "/v1/checkout/sessions/{session}", Op::CheckoutSessionsRetrieve),
    r("POST", "/v1/checkout/sessions/{session}/expire", Op::CheckoutSessionsExpire),
    r("GET", "/v1/checkout/sessions/{session}/line_items", Op::CheckoutSessionsLineItems),
    r("POST", "/v1/shipping_rates", Op::ShippingRatesCreate),
    r("GET", "/v1/shipping_rates", Op::ShippingRatesList),
    r("GET", "/v1/shipping_rates/{shipping_rate_token}", Op::ShippingRatesRetrieve),
    r("POST", "/v1/shipping_rates/{shipping_rate_token}", Op::ShippingRatesUpdate),
    r("POST", "/v1/payment_links", Op::PaymentLinksCreate),
    r("GET", "/v1/payment_links", Op::PaymentLinksList),
    r("GET", "/v1/payment_links/{payment_link}", Op::PaymentLinksRetrieve),
    r("POST", "/v1/payment_links/{payment_link}", Op::PaymentLinksUpdate),
    r("GET", "/v1/payment_links/{payment_link}/line_items", Op::PaymentLinksLineItems),
    r("POST", "/v1/tax_rates", Op::TaxRatesCreate),
    r("GET", "/v1/tax_rates", Op::TaxRatesList),
    r("GET", "/v1/tax_rates/{tax_rate}", Op::TaxRatesRetrieve),
    r("POST", "/v1/tax_rates/{tax_rate}", Op::TaxRatesUpdate),
    r("POST", "/v1/credit_notes", Op::CreditNotesCreate),
    r("GET", "/v1/credit_notes", Op::CreditNotesList),
    r("GET", "/v1/credit_notes/preview", Op::CreditNotesPreview),
    r("GET", "/v1/credit_notes/preview/lines", Op::CreditNotesPreviewLines),
    r("GET", "/v1/credit_notes/{id}", Op::CreditNotesRetrieve),
    r("POST", "/v1/credit_notes/{id}", Op::CreditNotesUpdate),
    r("GET", "/v1/credit_notes/{credit_note}/lines", Op::CreditNotesLines),
    r("POST", "/v1/credit_notes/{id}/void", Op::CreditNotesVoid),
    r("GET", "/v1/disputes", Op::DisputesList),
    r("GET", "/v1/disputes/{dispute}", Op::DisputesRetrieve),
    r("POST", "/v1/disputes/{dispute}", Op::DisputesUpdate),
    r("POST", "/v1/disputes/{dispute}/close", Op::DisputesClose),
    r("POST", "/v1/payouts", Op::PayoutsCreate),
    r("GET", "/v1/payouts", Op::PayoutsList),
    r("GET", "/v1/payouts/{payout}", Op::PayoutsRetrieve),
    r("POST", "/v1/payouts/{payout}", Op::PayoutsUpdate),
    r("POST", "/v1/payouts/{payout}/cancel", Op::PayoutsCancel),
    r("POST", "/v1/payouts/{payout}/reverse", Op::PayoutsReverse),
    r("GET", "/v1/account", Op::AccountRetrieve),
    r("POST", "/v1/billing_portal/sessions", Op::PortalSessionsCreate),
    r("POST", "/v1/billing_portal/configurations", Op::PortalConfigurationsCreate),
    r("GET", "/v1/billing_portal/configurations", Op::PortalConfigurationsList),
    r("GET", "/v1/billing_portal/configurations/{configuration}", Op::PortalConfigurationsRetrieve),
    r("POST", "/v1/billing_portal/configurations/{configuration}", Op::PortalConfigurationsUpdate),
    r("POST", "/v1/tokens", Op::TokensCreate),
    r("GET", "/v1/tokens/{token}", Op::TokensRetrieve),
];

/// The path arguments of `path` if it matches `pattern`.
fn matches(pattern: &str, path: &str) -> Option<Vec<String>> {
    let p: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let s: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if p.len() != s.len() {
        return None;
    }
    let mut args = Vec::new();
    for (a, b) in p.iter().zip(&s) {
        if a.starts_with('{') {
            if b.is_empty() {
                return None;
            }
            args.push(percent_decode(b));
        } else if a != b {
            return None;
        }
    }
    Some(args)
}

fn percent_decode(s: &str) -> String {
    form::parse(&format!("x={s}")).ok().and_then(|m| m.get("x").and_then(Value::as_str).map(String::from)).unwrap_or_else(|| s.to_string())
}

/// The built route for a request, or whether Stripe publishes it at all.
pub fn find(method: &str, path: &str) -> Result<(&'static Route, Vec<String>), bool> {
    // A literal published path not built (`/v1/invoices/upcoming`) is not an `{id}`.
    let literal = |p: &str| p.trim_end_matches('/') == path.trim_end_matches('/');
    if PUBLISHED.lines().filter_map(|l| l.split_once(' ')).any(|(m, p)| m == method && literal(p))
        && !ROUTES.iter().any(|r| r.method == method && literal(r.path))
    {
        return Err(true);
    }
    for route in ROUTES {
        if route.method == method
            && let Some(args) = matches(route.path, path)
        {
            return Ok((route, args));
        }
    }
    let published = PUBLISHED.lines().filter_map(|l| l.split_once(' ')).any(|(m, p)| m == method && matches(p, path).is_some());
    Err(published)
}

fn valid_version(v: &str) -> bool {
    let date = v.split('.').next().unwrap_or_default();
    let b = date.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && date.bytes().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

struct Envelope {
    request_id: String,
    version: String,
    idempotency_key: Option<String>,
}

impl Envelope {
    fn render(&self, status: StatusCode, body: String, replayed: bool) -> Response {
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Ok(v) = HeaderValue::from_str(&self.request_id) {
            h.insert("request-id", v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.version) {
            h.insert("stripe-version", v);
        }
        if let Some(k) = self.idempotency_key.as_deref().and_then(|k| HeaderValue::from_str(k).ok()) {
            h.insert("idempotency-key", k);
        }
        if replayed {
            h.insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
        resp
    }

    fn error(&self, e: StripeError) -> Response {
        let body = serde_json::to_string_pretty(&e.body()).unwrap_or_default();
        self.render(e.status(), body, false)
    }
}

/// `/v1/*`.
pub async fn call(
    State(ctx): State<CloneCtx>,
    Extension(db): Extension<Db>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    delivery::ensure_running(&ctx);
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let version = header_text("stripe-version").unwrap_or(DEFAULT_API_VERSION).to_string();
    let env = Envelope {
        request_id: ids::new("req"),
        version: version.clone(),
        idempotency_key: if method == Method::POST { header_text("idempotency-key").map(String::from) } else { None },
    };
    if let Err(e) = auth::authenticate(&db, header_text("authorization")).await {
        return env.error(e);
    }
    if !valid_version(&version) {
        return env.error(StripeError::invalid(format!("Invalid Stripe API version: {version}")));
    }
    let path = uri.path().to_string();
    let (route, args) = match find(method.as_str(), &path) {
        Ok(found) => found,
        Err(published) => return env.error(StripeError::UnrecognizedUrl { method: method.to_string(), path, built: !published }),
    };
    let text =
        if method == Method::POST { String::from_utf8_lossy(&body).into_owned() } else { uri.query().unwrap_or_default().to_string() };
    let json_body = method == Method::POST
        && headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    let parsed = if json_body { form::from_json(&body) } else { form::parse(&text) };
    let params = match parsed {
        Ok(m) => Params::new(m),
        Err(e) => return env.error(e),
    };
    let req = Req {
        request_id: env.request_id.clone(),
        idempotency_key: env.idempotency_key.clone(),
        api_version: version,
        base_url: ctx.public_url.clone(),
    };
    let fp = idempotency::fingerprint(method.as_str(), &path, &Value::Object(params.map.clone()));
    if let Some(key) = &env.idempotency_key {
        match idempotency::begin(&*ctx.kv, key, &fp).await {
            Ok(Begin::Fresh) => {}
            Ok(Begin::Replay { status, body }) => {
                return env.render(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body, true);
            }
            Err(e) => return env.error(e),
        }
    }
    let result = run(&db, &req, route.op, &args, &params).await;
    let result = match result {
        Ok(mut v) => match params.expand() {
            Ok(paths) => expand::apply(&db, &mut v, &paths).await.map(|_| v),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let (status, body) = match result {
        Ok(mut v) => {
            public(&mut v);
            (StatusCode::OK, serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Err(e) => (e.status(), serde_json::to_string_pretty(&e.body()).unwrap_or_default()),
    };
    if let Some(key) = &env.idempotency_key
        && let Err(e) = idempotency::finish(&*ctx.kv, key, &fp, status.as_u16(), &body).await
    {
        tracing::warn!("keeping idempotency key failed: {e}");
    }
    env.render(status, body, false)
}

/// Any path outside `/v1` and the control routes.
pub async fn unrecognized(method: Method, uri: Uri) -> Response {
    let e = StripeError::UnrecognizedUrl { method: method.to_string(), path: uri.path().to_string(), built: true };
    (e.status(), Json(e.body())).into_response()
}

async fn run(db: &Db, req: &Req, op: Op, args: &[String], p: &Params) -> StripeResult<Value> {
    let a = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    let none = || p.allow(&[]);
    match op {
        Op::CustomersCreate => customers::create(db, req, p).await,
        Op::CustomersList => customers::list(db, p).await,
        Op::CustomersSearch => customers::search(db, p).await,
        Op::CustomersRetrieve => {
            none()?;
            customers::retrieve(db, a(0)).await
        }
        Op::CustomersUpdate => customers::update(db, req, a(0), p).await,
        Op::CustomersDelete => {
            none()?;
            customers::delete(db, req, a(0)).await
        }
        Op::CustomerPaymentMethods => payment_methods::list(db, p, Some(a(0))).await,
        Op::CustomerPaymentMethod => {
            none()?;
            payment_methods::retrieve_for_customer(db, a(0), a(1)).await
        }
        Op::ProductsCreate => products::create(db, req, p).await,
        Op::ProductsList => products::list(db, p).await,
        Op::ProductsSearch => products::search(db, p).await,
        Op::ProductsRetrieve => {
            none()?;
            products::retrieve(db, a(0)).await
        }
        Op::ProductsUpdate => products::update(db, req, a(0), p).await,
        Op::ProductsDelete => {
            none()?;
            products::delete(db, req, a(0)).await
        }
        Op::PricesCreate => prices::create(db, req, p).await,
        Op::PricesList => prices::list(db, p).await,
        Op::PricesSearch => prices::search(db, p).await,
        Op::PricesRetrieve => {
            none()?;
            prices::retrieve(db, a(0)).await
        }
        Op::PricesUpdate => prices::update(db, req, a(0), p).await,
        Op::PaymentMethodsCreate => payment_methods::create(db, p).await,
        Op::PaymentMethodsList => payment_methods::list(db, p, None).await,
        Op::PaymentMethodsRetrieve => {
            none()?;
            payment_methods::retrieve(db, a(0)).await
        }
        Op::PaymentMethodsUpdate => payment_methods::update(db, req, a(0), p).await,
        Op::PaymentMethodsAttach => payment_methods::attach(db, req, a(0), p).await,
        Op::PaymentMethodsDetach => payment_methods::detach(db, req, a(0), p).await,
        Op::PaymentIntentsCreate => payment_intents::create(db, req, p).await,
        Op::PaymentIntentsList => payment_intents::list(db, p).await,
        Op::PaymentIntentsSearch => payment_intents::search(db, p).await,
        Op::PaymentIntentsRetrieve => payment_intents::retrieve(db, a(0), p).await,
        Op::PaymentIntentsUpdate => payment_intents::update(db, req, a(0), p).await,
        Op::PaymentIntentsConfirm => payment_intents::confirm(db, req, a(0), p).await,
        Op::PaymentIntentsCapture => payment_intents::capture(db, req, a(0), p).await,
        Op::PaymentIntentsCancel => payment_intents::cancel(db, req, a(0), p).await,
        Op::ChargesCreate => charges::create(db, req, p).await,
        Op::ChargesList => charges::list(db, p).await,
        Op::ChargeRefund => {
            none()?;
            charges::refund_of(db, a(0), a(1)).await
        }
        Op::ChargesSearch => charges::search(db, p).await,
        Op::ChargesRetrieve => {
            none()?;
            charges::retrieve(db, a(0)).await
        }
        Op::ChargesUpdate => charges::update(db, req, a(0), p).await,
        Op::ChargesCapture => charges::capture(db, req, a(0), p).await,
        Op::ChargeRefunds => refunds::list(db, p, Some(a(0))).await,
        Op::RefundsCreate => refunds::create(db, req, p).await,
        Op::RefundsList => refunds::list(db, p, None).await,
        Op::RefundsRetrieve => {
            none()?;
            refunds::retrieve(db, a(0)).await
        }
        Op::RefundsUpdate => refunds::update(db, req, a(0), p).await,
        Op::RefundsCancel => {
            none()?;
            refunds::cancel(db, a(0)).await
        }
        Op::EventsList => events::list(db, p).await,
        Op::EventsRetrieve => {
            none()?;
            events::retrieve(db, a(0)).await
        }
        Op::WebhookEndpointsCreate => webhook_endpoints::create(db, p).await,
        Op::WebhookEndpointsList => webhook_endpoints::list(db, p).await,
        Op::WebhookEndpointsRetrieve => {
            none()?;
            webhook_endpoints::retrieve(db, a(0)).await
        }
        Op::WebhookEndpointsUpdate => webhook_endpoints::update(db, req, a(0), p).await,
        Op::WebhookEndpointsDelete => {
            none()?;
            webhook_endpoints::delete(db, a(0)).await
        }
        Op::BalanceRetrieve => {
            none()?;
            balance::balance(db).await
        }
        Op::BalanceTransactionsList => balance::list(db, p).await,
        Op::BalanceTransactionsRetrieve => {
            none()?;
            balance::retrieve(db, a(0)).await
        }
        Op::CouponsCreate => coupons::create(db, req, p).await,
        Op::CouponsList => coupons::list(db, p).await,
        Op::CouponsRetrieve => {
            none()?;
            coupons::retrieve(db, a(0)).await
        }
        Op::CouponsUpdate => coupons::update(db, req, a(0), p).await,
        Op::CouponsDelete => {
            none()?;
            coupons::delete(db, req, a(0)).await
        }
        Op::SetupIntentsCreate => setup_intents::create(db, req, p).await,
        Op::SetupIntentsList => setup_intents::list(db, p).await,
        Op::SetupIntentsRetrieve => setup_intents::retrieve(db, a(0), p).await,
        Op::SetupIntentsUpdate => setup_intents::update(db, a(0), p).await,
        Op::SetupIntentsConfirm => setup_intents::confirm(db, req, a(0), p).await,
        Op::SetupIntentsCancel => setup_intents::cancel(db, req, a(0), p).await,
        Op::InvoicesCreate => invoices::create(db, req, p).await,
        Op::InvoicesList => invoices::list(db, p).await,
        Op::InvoicesSearch => invoices::search(db, p).await,
        Op::InvoicesCreatePreview => invoices::preview(db, req, p).await,
        Op::InvoicesRetrieve => {
            none()?;
            invoices::retrieve(db, a(0)).await
        }
        Op::InvoicesUpdate => invoices::update(db, req, a(0), p).await,
        Op::InvoicesDelete => {
            none()?;
            invoices::delete(db, req, a(0)).await
        }
        Op::InvoicesFinalize => invoices::finalize(db, req, a(0), p).await,
        Op::InvoicesPay => invoices::pay(db, req, a(0), p).await,
        Op::InvoicesSend => {
            none()?;
            invoices::send(db, req, a(0)).await
        }
        Op::InvoicesVoid => {
            none()?;
            invoices::void(db, req, a(0)).await
        }
        Op::InvoicesMarkUncollectible => {
            none()?;
            invoices::mark_uncollectible(db, req, a(0)).await
        }
        Op::InvoicesLines => invoices::lines(db, a(0), p).await,
        Op::InvoiceItemsCreate => invoices::create_item(db, req, p).await,
        Op::InvoiceItemsList => invoices::list_items(db, p).await,
        Op::InvoiceItemsRetrieve => {
            none()?;
            invoices::retrieve_item(db, a(0)).await
        }
        Op::InvoiceItemsUpdate => invoices::update_item(db, req, a(0), p).await,
        Op::InvoiceItemsDelete => {
            none()?;
            invoices::delete_item(db, req, a(0)).await
        }
        Op::SubscriptionsCreate => subscriptions::create(db, req, p).await,
        Op::SubscriptionsList => subscriptions::list(db, p).await,
        Op::SubscriptionsSearch => subscriptions::search(db, p).await,
        Op::SubscriptionsRetrieve => {
            none()?;
            subscriptions::retrieve(db, a(0)).await
        }
        Op::SubscriptionsUpdate => subscriptions::update(db, req, a(0), p).await,
        Op::SubscriptionsCancel => subscriptions::cancel(db, req, a(0), p).await,
        Op::SubscriptionsResume => subscriptions::resume(db, req, a(0), p).await,
        Op::SubscriptionItemsCreate => subscriptions::create_item(db, req, p).await,
        Op::SubscriptionItemsList => subscriptions::list_items(db, p).await,
        Op::SubscriptionItemsRetrieve => {
            none()?;
            subscriptions::retrieve_item(db, a(0)).await
        }
        Op::SubscriptionItemsUpdate => subscriptions::update_item(db, req, a(0), p).await,
        Op::SubscriptionItemsDelete => subscriptions::delete_item(db, req, a(0), p).await,
        Op::PromotionCodesCreate => promotion_codes::create(db, req, p).await,
        Op::PromotionCodesList => promotion_codes::list(db, p).await,
        Op::PromotionCodesRetrieve => {
            none()?;
            promotion_codes::retrieve(db, a(0)).await
        }
        Op::PromotionCodesUpdate => promotion_codes::update(db, req, a(0), p).await,
        Op::TestClocksCreate => test_clocks::create(db, req, p).await,
        Op::TestClocksList => test_clocks::list(db, p).await,
        Op::TestClocksRetrieve => {
            none()?;
            test_clocks::retrieve(db, a(0)).await
        }
        Op::TestClocksDelete => {
            none()?;
            test_clocks::delete(db, req, a(0)).await
        }
        Op::TestClocksAdvance => test_clocks::advance(db, req, a(0), p).await,
        Op::CustomerBalanceList => customer_balance::list(db, a(0), p).await,
        Op::CustomerBalanceCreate => customer_balance::create(db, req, a(0), p).await,
        Op::CustomerBalanceRetrieve => {
            none()?;
            customer_balance::retrieve(db, a(0), a(1)).await
        }
        Op::CustomerBalanceUpdate => customer_balance::update(db, a(0), a(1), p).await,
        Op::CheckoutSessionsCreate => checkout::create(db, req, p).await,
        Op::CheckoutSessionsList => checkout::list(db, p).await,
        Op::CheckoutSessionsRetrieve => {
            none()?;
            checkout::retrieve(db, a(0)).await
        }
        Op::CheckoutSessionsExpire => checkout::expire(db, req, a(0), p).await,
        Op::CheckoutSessionsLineItems => checkout::line_items(db, a(0), p).await,
        Op::PaymentLinksCreate => payment_links::create(db, req, p).await,
        Op::PaymentLinksList => payment_links::list(db, p).await,
        Op::PaymentLinksRetrieve => {
            none()?;
            payment_links::retrieve(db, a(0)).await
        }
        Op::PaymentLinksUpdate => payment_links::update(db, req, a(0), p).await,
        Op::PaymentLinksLineItems => payment_links::line_items(db, a(0), p).await,
        Op::TokensCreate => tokens::create(db, p).await,
        Op::TokensRetrieve => {
            none()?;
            tokens::retrieve(db, a(0)).await
        }
        Op::TaxRatesCreate => tax_rates::create(db, req, p).await,
        Op::TaxRatesList => tax_rates::list(db, p).await,
        Op::TaxRatesRetrieve => {
            none()?;
            tax_rates::retrieve(db, a(0)).await
        }
        Op::TaxRatesUpdate => tax_rates::update(db, req, a(0), p).await,
        Op::CreditNotesCreate => credit_notes::create(db, req, p).await,
        Op::CreditNotesList => credit_notes::list(db, p).await,
        Op::CreditNotesPreview => credit_notes::preview(db, p).await,
        Op::CreditNotesPreviewLines => credit_notes::preview_lines(db, p).await,
        Op::CreditNotesRetrieve => {
            none()?;
            credit_notes::retrieve(db, a(0)).await
        }
        Op::CreditNotesUpdate => credit_notes::update(db, req, a(0), p).await,
        Op::CreditNotesLines => credit_notes::lines(db, a(0), p).await,
        Op::DisputesList => disputes::list(db, p).await,
        Op::DisputesRetrieve => {
            none()?;
            disputes::retrieve(db, a(0)).await
        }
        Op::DisputesUpdate => disputes::update(db, req, a(0), p).await,
        Op::DisputesClose => {
            none()?;
            disputes::close(db, req, a(0)).await
        }
        Op::PayoutsCreate => payouts::create(db, req, p).await,
        Op::PayoutsList => payouts::list(db, req, p).await,
        Op::PayoutsRetrieve => {
            none()?;
            payouts::retrieve(db, req, a(0)).await
        }
        Op::PayoutsUpdate => payouts::update(db, req, a(0), p).await,
        Op::PayoutsCancel => {
            none()?;
            payouts::cancel(db, req, a(0)).await
        }
        Op::AccountRetrieve => {
            none()?;
            payouts::account(db).await
        }
        Op::CreditNotesVoid => {
            none()?;
            credit_notes::void(db, req, a(0)).await
        }
        Op::CustomerDiscountDelete => {
            none()?;
            discounts::delete_customer_discount(db, req, a(0)).await
        }
        Op::CustomerSourcesList => sources::list(db, a(0), p).await,
        Op::CustomerSourcesCreate => sources::create(db, req, a(0), p).await,
        Op::CustomerSourcesRetrieve => {
            none()?;
            sources::retrieve(db, a(0), a(1)).await
        }
        Op::CustomerSourcesUpdate => sources::update(db, req, a(0), a(1), p).await,
        Op::CustomerSourcesDelete => {
            none()?;
            sources::delete(db, req, a(0), a(1)).await
        }
        Op::CustomerTaxIdsList => tax_ids::list(db, a(0), p).await,
        Op::CustomerTaxIdsCreate => tax_ids::create(db, req, a(0), p).await,
        Op::CustomerTaxIdsRetrieve => {
            none()?;
            tax_ids::retrieve(db, a(0), a(1)).await
        }
        Op::CustomerTaxIdsDelete => {
            none()?;
            tax_ids::delete(db, req, a(0), a(1)).await
        }
        Op::PaymentIntentsIncrementAuthorization => payment_intents::increment_authorization(db, req, a(0), p).await,
        Op::PaymentIntentsApplyCustomerBalance => payment_intents::apply_customer_balance(db, a(0), p).await,
        Op::PaymentIntentsVerifyMicrodeposits => payment_intents::verify_microdeposits(db, a(0), p).await,
        Op::SetupAttemptsList => setup_intents::list_attempts(db, p).await,
        Op::InvoicesUpcoming => invoices::upcoming(db, req, p, false).await,
        Op::InvoicesUpcomingLines => invoices::upcoming(db, req, p, true).await,
        Op::PayoutsReverse => payouts::reverse(db, req, a(0), p).await,
        Op::PortalSessionsCreate => billing_portal::create_session(db, req, p).await,
        Op::PortalConfigurationsCreate => billing_portal::create_configuration(db, req, p).await,
        Op::PortalConfigurationsList => billing_portal::list_configurations(db, p).await,
        Op::PortalConfigurationsRetrieve => {
            none()?;
            billing_portal::retrieve_configuration(db, a(0)).await
        }
        Op::PortalConfigurationsUpdate => billing_portal::update_configuration(db, req, a(0), p).await,
        Op::PlansCreate => plans::create(db, req, p).await,
        Op::PlansList => plans::list(db, p).await,
        Op::PlansRetrieve => {
            none()?;
            plans::retrieve(db, a(0)).await
        }
        Op::PlansUpdate => plans::update(db, req, a(0), p).await,
        Op::PlansDelete => {
            none()?;
            plans::delete(db, req, a(0)).await
        }
        Op::ShippingRatesCreate => shipping_rates::create(db, req, p).await,
        Op::ShippingRatesList => shipping_rates::list(db, p).await,
        Op::ShippingRatesRetrieve => {
            none()?;
            shipping_rates::retrieve(db, a(0)).await
        }
        Op::ShippingRatesUpdate => shipping_rates::update(db, a(0), p).await,
        Op::SchedulesCreate => subscription_schedules::create(db, req, p).await,
        Op::SchedulesList => subscription_schedules::list(db, p).await,
        Op::SchedulesRetrieve => {
            none()?;
            subscription_schedules::retrieve(db, a(0)).await
        }
        Op::SchedulesUpdate => subscription_schedules::update(db, req, a(0), p).await,
        Op::SchedulesCancel => subscription_schedules::cancel(db, req, a(0), p).await,
        Op::SchedulesRelease => subscription_schedules::release(db, req, a(0), p).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_segments_win_and_args_are_decoded() {
        let (r, args) = find("GET", "/v1/customers/search").unwrap();
        assert_eq!(r.op, Op::CustomersSearch);
        assert!(args.is_empty());
        let (r, args) = find("POST", "/v1/payment_intents/pi_123/confirm").unwrap();
        assert_eq!(r.op, Op::PaymentIntentsConfirm);
        assert_eq!(args, vec!["pi_123".to_string()]);
        assert_eq!(find("GET", "/v1/nope").err(), Some(false));
        let (r, _) = find("GET", "/v1/invoices/upcoming").unwrap();
        assert_eq!(r.op, Op::InvoicesUpcoming);
        // Bank account verification is published but not built.
        assert_eq!(find("POST", "/v1/customers/cus_1/sources/ba_1/verify").err(), Some(true));
        let (r, _) = find("POST", "/v1/invoices/create_preview").unwrap();
        assert_eq!(r.op, Op::InvoicesCreatePreview);
    }

    #[test]
    fn api_versions_are_dates() {
        assert!(valid_version("2025-09-30.clover"));
        assert!(valid_version("2020-08-27"));
        assert!(!valid_version("latest"));
    }
}
