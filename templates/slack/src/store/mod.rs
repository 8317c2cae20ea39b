//! All of the Slack clone's SQL. Row types mirror the tables in `migrations/`.

pub mod apps;
pub mod bookmarks;
pub mod calls;
pub mod channels;
pub mod conversations;
pub mod dialogs;
pub mod files;
pub mod messages;
pub mod oauth;
pub mod people;
pub mod photos;
pub mod reactions;
pub mod reminders;
pub mod remote_files;
pub mod scheduled;
pub mod search;
pub mod socket_mode;
pub mod stars;
pub mod usergroups;
pub mod views;
pub mod workspace;
