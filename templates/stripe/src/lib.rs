//! The Stripe clone: Stripe's REST API at `/v1/*` with form-encoded nested
//! parameters, secret-key auth (Bearer or Basic), Stripe's error envelope and
//! statuses, `expand[]`, list pagination, the Search API, `Idempotency-Key`
//! replay, test cards with their decline codes, events and signed webhooks.
//!
//! Built: customers, products, prices, payment methods, payment intents (the
//! state machine with manual capture and 3D Secure test cards), the legacy
//! Charges API, refunds, events, webhook endpoints with signed, retried delivery,
//! balance and balance transactions, coupons, setup intents, invoice items and
//! invoices (draft → finalize → pay / void / uncollectible, previews, automatic
//! retries), subscriptions and their items (trials, proration, interval changes,
//! billing cycle anchors, paused collection, cancellation, resume), promotion
//! codes and discounts, customer balance transactions, test clocks that drive
//! renewals, Checkout Sessions with a hosted test page that completes them
//! (`routes/hosted.rs`), Payment Links, card tokens, tax rates applied to
//! invoice and subscription lines (exclusive and inclusive), credit notes
//! (pre-payment, refund, customer-balance credit), disputes opened by the dispute
//! test cards, payouts (with reversal) and the account, customer tax ids, card
//! sources and customer discounts, incremental authorization, setup attempts,
//! the older upcoming-invoice preview, the customer portal (sessions with a
//! read-only hosted page, configurations), legacy plans (views of recurring
//! prices), shipping rates (offered in Checkout), subscription schedules moved
//! by test clocks, and MCP tools modelled on Stripe's agent toolkit (`mcp.rs`).
//! Endpoints not built answer `Unrecognized request URL` saying so;
//! `COVERAGE.md` lists every endpoint.
//!
//! Layout (moto's): `routes/` decode and render (one dispatcher for `/v1/*`),
//! `model/` holds the rules, `store/` all the SQL, `errors.rs` Stripe's error
//! types. The key decision: each object is stored as Stripe renders it (JSON)
//! beside the few columns lists filter on, so adding a field never needs a
//! migration and every response is the stored object plus `expand[]`.

#![recursion_limit = "512"]

pub mod errors;
pub mod form;
pub mod ids;
pub mod mcp;
pub mod model;
pub mod routes;
pub mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use asym_clone_kit::{CloneCtx, Fixture, Template};
use asym_contract::admin::ProvisionRequest;
use asym_contract::diff::Resource;
use asym_contract::{AsymError, CloneTokens, TemplateManifest};
use asym_store::{Db, Migration, Pool, StoreResult};
use async_trait::async_trait;
use axum::Router;

pub const MANIFEST_JSON: &str = include_str!("../clone.manifest.json");

static MANIFEST: LazyLock<TemplateManifest> = LazyLock::new(|| {
    TemplateManifest::from_json("templates/stripe/clone.manifest.json", MANIFEST_JSON)
        .expect("the built-in Stripe manifest is valid (checked by a test)")
});

pub const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_init", sql: include_str!("../migrations/0001_init.sql") },
    Migration { name: "0002_billing", sql: include_str!("../migrations/0002_billing.sql") },
    Migration { name: "0003_customer_balance", sql: include_str!("../migrations/0003_customer_balance.sql") },
    Migration { name: "0004_checkout", sql: include_str!("../migrations/0004_checkout.sql") },
    Migration { name: "0005_tax_rates", sql: include_str!("../migrations/0005_tax_rates.sql") },
    Migration { name: "0006_credit_notes", sql: include_str!("../migrations/0006_credit_notes.sql") },
    Migration { name: "0007_disputes", sql: include_str!("../migrations/0007_disputes.sql") },
    Migration { name: "0008_payouts", sql: include_str!("../migrations/0008_payouts.sql") },
    Migration { name: "0009_billing_more", sql: include_str!("../migrations/0009_billing_more.sql") },
    // -- later migrations go here, one line each, in number order --
];

pub const FIXTURES: &[Fixture] = &[Fixture { name: "acct", text: include_str!("../fixtures/acct.json") }];

const OBJ: &[&str] = &["id", "customer", "deleted", "data"];

/// What `asym diff` compares, under Stripe's names. Keys, delivery queues and the
/// events log are plumbing (every change already shows in its resource).
pub const RESOURCES: &[Resource] = &[
    Resource { name: "customers", table: "customers", key: &["id"], columns: OBJ },
    Resource { name: "products", table: "products", key: &["id"], columns: OBJ },
    Resource { name: "prices", table: "prices", key: &["id"], columns: OBJ },
    Resource { name: "payment_methods", table: "payment_methods", key: &["id"], columns: OBJ },
    Resource { name: "payment_intents", table: "payment_intents", key: &["id"], columns: OBJ },
    Resource { name: "charges", table: "charges", key: &["id"], columns: OBJ },
    Resource { name: "refunds", table: "refunds", key: &["id"], columns: OBJ },
    Resource { name: "balance_transactions", table: "balance_transactions", key: &["id"], columns: OBJ },
    Resource { name: "coupons", table: "coupons", key: &["id"], columns: OBJ },
    Resource { name: "setup_intents", table: "setup_intents", key: &["id"], columns: OBJ },
    Resource { name: "invoices", table: "invoices", key: &["id"], columns: OBJ },
    Resource { name: "invoiceitems", table: "invoiceitems", key: &["id"], columns: OBJ },
    Resource { name: "subscriptions", table: "subscriptions", key: &["id"], columns: OBJ },
    Resource { name: "subscription_items", table: "subscription_items", key: &["id"], columns: OBJ },
    Resource { name: "promotion_codes", table: "promotion_codes", key: &["id"], columns: OBJ },
    Resource { name: "discounts", table: "discounts", key: &["id"], columns: OBJ },
    Resource { name: "customer_balance_transactions", table: "customer_balance_transactions", key: &["id"], columns: OBJ },
    Resource { name: "test_clocks", table: "test_clocks", key: &["id"], columns: OBJ },
    Resource { name: "checkout_sessions", table: "checkout_sessions", key: &["id"], columns: OBJ },
    Resource { name: "payment_links", table: "payment_links", key: &["id"], columns: OBJ },
    Resource { name: "tokens", table: "tokens", key: &["id"], columns: OBJ },
    Resource { name: "tax_rates", table: "tax_rates", key: &["id"], columns: OBJ },
    Resource { name: "credit_notes", table: "credit_notes", key: &["id"], columns: OBJ },
    Resource { name: "disputes", table: "disputes", key: &["id"], columns: OBJ },
    Resource { name: "payouts", table: "payouts", key: &["id"], columns: OBJ },
    Resource { name: "webhook_endpoints", table: "webhook_endpoints", key: &["id"], columns: OBJ },
];

/// Every resource keeps each object whole in `data`; `asym diff` and `asym eval`
/// see its fields (`status`, `amount`, `metadata`).
static DOCUMENTS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| RESOURCES.iter().map(|r| (r.name, "data")).collect());

pub struct StripeTemplate;

pub fn template() -> Arc<dyn Template> {
    Arc::new(StripeTemplate)
}

#[async_trait]
impl Template for StripeTemplate {
    fn manifest(&self) -> &TemplateManifest {
        &MANIFEST
    }

    fn documents(&self) -> &'static [(&'static str, &'static str)] {
        DOCUMENTS.as_slice()
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn fixtures(&self) -> &'static [Fixture] {
        FIXTURES
    }

    fn resources(&self) -> &'static [Resource] {
        RESOURCES
    }

    fn uses_database(&self, service: &str) -> bool {
        service == "api"
    }

    async fn seed(&self, pool: &Pool, fixture: &Fixture) -> StoreResult<BTreeMap<String, u64>> {
        model::seed::apply(pool, fixture).await
    }

    async fn provision(&self, _ctx: &CloneCtx, db: &Db, req: ProvisionRequest) -> Result<CloneTokens, AsymError> {
        model::provision::provision(db, req).await
    }

    fn mcp_tools(&self, service: &str) -> &'static [asym_clone_kit::McpTool] {
        if service == "api" { mcp::TOOLS } else { &[] }
    }

    fn router(&self, service: &str) -> Option<Router<CloneCtx>> {
        match service {
            "api" => Some(routes::router()),
            _ => None,
        }
    }
}
