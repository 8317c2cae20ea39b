//! All of the template's SQL: Stripe objects as JSON documents with their list
//! columns ([`objects`]), secret keys ([`keys`]) and webhook delivery ([`webhooks`]).

pub mod keys;
pub mod objects;
pub mod webhooks;
