//! The route table. Every Stripe path this clone answers is one [`ROUTES`] row
//! (method, path pattern, operation); [`dispatch`] matches `/v1/*`, checks the key,
//! decodes the form (body for POST, query string otherwise), applies
//! `Idempotency-Key`, calls the model and renders with `expand[]`, `Request-Id`
//! and `Stripe-Version`. A path in Stripe's published list that is not built
//! answers `Unrecognized request URL` saying so; `COVERAGE.md` is generated from
//! the two lists.

mod control;
mod dispatch;
mod hosted;

use asym_clone_kit::CloneCtx;
use axum::Router;
use axum::routing::{any, get};

pub use dispatch::{Op, PUBLISHED, ROUTES, Route};

pub fn router() -> Router<CloneCtx> {
    Router::new()
        .route("/v1/{*path}", any(dispatch::call))
        .route("/v1", any(dispatch::call))
        .route("/api/_asym/deliveries", get(control::deliveries))
        .route("/c/pay/{session}", get(hosted::checkout_page).post(hosted::checkout_submit))
        .route("/b/{link}", get(hosted::payment_link_page))
        .route("/p/session/{session}", get(hosted::portal_page))
        .fallback(dispatch::unrecognized)
}
