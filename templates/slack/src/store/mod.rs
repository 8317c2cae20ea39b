//! All of the Slack clone's SQL. Row types mirror the tables in `migrations/`.

pub mod channels;
pub mod messages;
pub mod workspace;
