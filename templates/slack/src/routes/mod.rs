//! The route table. Every Web API method is `POST` (or `GET`) `/api/<method>`;
//! [`METHODS`] lists what is built, with the scopes each accepts, and everything
//! else in Slack's published method list answers `not_implemented`.

mod apps;
mod dispatch;
mod files;
mod interactions;
mod oauth;
mod photos;
mod ratelimit;
mod socket;

use asym_clone_kit::CloneCtx;
use axum::Router;
use axum::routing::post;

pub use dispatch::{METHODS, PUBLISHED, Tier};

pub fn router() -> Router<CloneCtx> {
    Router::new()
        .route("/api/{method}", post(dispatch::call).get(dispatch::call))
        .merge(files::router())
        .route("/api/_asym/apps", post(apps::create).get(apps::list))
        .route("/api/_asym/deliveries", axum::routing::get(apps::deliveries))
        .route("/api/_asym/interactions", post(interactions::interact))
        .route("/api/_asym/apps/{app_id}/tokens", post(socket::mint))
        .route("/link", axum::routing::get(socket::link))
        .route("/link/", axum::routing::get(socket::link))
        .route("/api/auth/login", post(apps::login))
        .route("/oauth/v2/authorize", axum::routing::get(oauth::authorize))
        .route("/avatars/{user}/{file}", axum::routing::get(photos::serve))
}
