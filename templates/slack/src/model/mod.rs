//! The Slack workspace rules: who may do what, and what each operation changes.
//! No HTTP types here; `routes/` renders what these return.

pub mod auth;
pub mod chat;
pub mod conversations;
pub mod provision;
pub mod seed;
pub mod users;
