//! All of the template's SQL. Every statement runs on SQLite and PostgreSQL alike
//! (`$n` placeholders, BIGINT/TEXT/BLOB/DOUBLE columns, flags as 0/1).

pub mod accounts;
pub mod assets;
pub mod checks;
pub mod commit_comments;
pub mod deployments;
pub mod gists;
pub mod git;
pub mod hooks;
pub mod invitations;
pub mod issues;
pub mod keys;
pub mod notifications;
pub mod people;
pub mod protection;
pub mod pulls;
pub mod releases;
pub mod repos;
pub mod statuses;
pub mod subissues;
pub mod teams;

use sqlx::AnyConnection;

/// The next id from the clone's one id counter (ids are unique across objects,
/// as GitHub's are within each kind).
pub async fn next_id(conn: &mut AnyConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("UPDATE counters SET value = value + 1 WHERE name = 'id' RETURNING value").fetch_one(conn).await
}

/// `$start, $start+1, …` for an `IN (…)` list of `n` values.
pub fn placeholders(start: usize, n: usize) -> String {
    (0..n).map(|i| format!("${}", start + i)).collect::<Vec<_>>().join(", ")
}
