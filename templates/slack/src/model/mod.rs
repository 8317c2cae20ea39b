//! The Slack workspace rules: who may do what, and what each operation changes.
//! No HTTP types here; `routes/` renders what these return.

pub mod apps;
pub mod auth;
pub mod bookmarks;
pub mod calls;
pub mod chat;
pub mod conversations;
pub mod delivery;
pub mod dialogs;
pub mod dms;
pub mod dnd;
pub mod emoji;
pub mod files;
pub mod identity;
pub mod interactions;
pub mod membership;
pub mod oauth;
pub mod photos;
pub mod pins;
pub mod provision;
pub mod public_files;
pub mod reactions;
pub mod reminders;
pub mod remote_files;
pub mod scheduled;
pub mod search;
pub mod seed;
pub mod socket_mode;
pub mod stars;
pub mod team_admin;
#[cfg(test)]
pub mod test_support;
pub mod tokens;
pub mod unfurl;
pub mod usergroups;
pub mod users;
pub mod views;
pub mod web_login;
