//! The rules of the clone; no HTTP types, SQL only through `store`.

pub mod access;
pub mod archive;
pub mod assets;
pub mod checks;
pub mod content;
pub mod deployments;
pub mod gists;
pub mod gitdb;
pub mod hooks;
pub mod issues;
pub mod markdown;
pub mod notes;
pub mod notifications;
pub mod people;
pub mod protection;
pub mod provision;
pub mod pulls;
pub mod ratelimit;
pub mod repos;
pub mod search;
pub mod seed;
pub mod stats;
pub mod subissues;
pub mod teams;
pub mod tokens;
pub mod transfer;
