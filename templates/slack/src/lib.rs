//! The Slack clone: the Web API at `POST /api/<method>` with Slack's envelopes,
//! ids, scopes and errors, over one clone database.
//!
//! Built: `auth.test`, `api.test`, `team.info`, `users.list`, `users.info`,
//! `conversations.list`, `conversations.info`, `conversations.history`,
//! `chat.postMessage`, the `acme-corp` fixture and the provision surface (a default
//! app with a bot token `xoxb-…` and a user token `xoxp-…` for the workspace owner).
//! Every other Slack method answers `not_implemented` with its name; the web UI of
//! mode `full` is not built yet. `COVERAGE.md` lists what is built.
//!
//! Besides the Web API: the OAuth v2 install flow (`GET /oauth/v2/authorize` for
//! a signed-in member, then `oauth.v2.access`), profile photos served at
//! `/avatars/…` (users.setPhoto), the file upload/download URLs, public file
//! links (`/<team>-<file>-<secret>`, files.sharedPublicURL) and the control
//! routes under `/api/_asym/`: apps from a manifest (`POST /api/_asym/apps`; with
//! `settings.socket_mode_enabled` the answer carries an app-level `xapp-…` token,
//! and `POST /api/_asym/apps/<app_id>/tokens` mints more), the Events API
//! delivery log, and `POST /api/_asym/interactions`, which plays a person using
//! an app (a global shortcut, a click in a view) and mints the trigger id
//! views.open and views.push need. Socket Mode's WebSocket is served at `/link/`.
//!
//! Layout (moto's): `routes/` parse arguments and render, `model/` holds the rules,
//! `store/` holds all the SQL, `errors.rs` names Slack's error codes.

pub mod errors;
pub mod events;
pub mod ids;
pub mod mcp;
pub mod model;
pub mod objects;
pub mod routes;
pub mod store;
pub mod wire;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use asym_clone_kit::{CloneCtx, Fixture, Template};
use asym_contract::admin::ProvisionRequest;
use asym_contract::diff::{Footprint, Resource};
use asym_contract::{AsymError, CloneTokens, TemplateManifest};
use asym_store::Pool;
use asym_store::{Db, Migration, StoreResult};
use async_trait::async_trait;
use axum::Router;

pub const MANIFEST_JSON: &str = include_str!("../clone.manifest.json");

static MANIFEST: LazyLock<TemplateManifest> = LazyLock::new(|| {
    TemplateManifest::from_json("templates/slack/clone.manifest.json", MANIFEST_JSON)
        .expect("the built-in Slack manifest is valid (checked by a test)")
});

pub const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_init", sql: include_str!("../migrations/0001_init.sql") },
    Migration { name: "0002_events", sql: include_str!("../migrations/0002_events.sql") },
    Migration { name: "0003_conversations", sql: include_str!("../migrations/0003_conversations.sql") },
    Migration { name: "0004_chat", sql: include_str!("../migrations/0004_chat.sql") },
    Migration { name: "0005_workspace", sql: include_str!("../migrations/0005_workspace.sql") },
    Migration { name: "0006_files", sql: include_str!("../migrations/0006_files.sql") },
    Migration { name: "0007_apps", sql: include_str!("../migrations/0007_apps.sql") },
    Migration { name: "0008_edit_window", sql: include_str!("../migrations/0008_edit_window.sql") },
    Migration { name: "0009_people", sql: include_str!("../migrations/0009_people.sql") },
    Migration { name: "0010_reminders", sql: include_str!("../migrations/0010_reminders.sql") },
    Migration { name: "0011_stars", sql: include_str!("../migrations/0011_stars.sql") },
    Migration { name: "0012_app_uninstall", sql: include_str!("../migrations/0012_app_uninstall.sql") },
    Migration { name: "0013_oauth", sql: include_str!("../migrations/0013_oauth.sql") },
    Migration { name: "0014_photos", sql: include_str!("../migrations/0014_photos.sql") },
    Migration { name: "0015_calls", sql: include_str!("../migrations/0015_calls.sql") },
    Migration { name: "0016_unfurls", sql: include_str!("../migrations/0016_unfurls.sql") },
    Migration { name: "0017_views", sql: include_str!("../migrations/0017_views.sql") },
    Migration { name: "0018_remote_files", sql: include_str!("../migrations/0018_remote_files.sql") },
    Migration { name: "0019_socket_mode", sql: include_str!("../migrations/0019_socket_mode.sql") },
    Migration { name: "0020_public_files_dialogs", sql: include_str!("../migrations/0020_public_files_dialogs.sql") },
    // -- later migrations go here, one line each, in number order --
];

pub const FIXTURES: &[Fixture] = &[Fixture { name: "acme-corp", text: include_str!("../fixtures/acme-corp.json") }];

/// What `asym diff` compares, under Slack's own names. Tokens, event queues and
/// delivery logs are plumbing, not workspace state; file bytes are left out.
pub const RESOURCES: &[Resource] = &[
    Resource { name: "users", table: "users", key: &["id"], columns: &[] },
    Resource { name: "profiles", table: "user_profiles", key: &["user_id"], columns: &[] },
    Resource { name: "channels", table: "channels", key: &["id"], columns: &[] },
    Resource { name: "memberships", table: "channel_members", key: &["channel_id", "user_id"], columns: &[] },
    Resource { name: "messages", table: "messages", key: &["channel_id", "ts"], columns: &[] },
    Resource { name: "reactions", table: "reactions", key: &["channel_id", "ts", "name", "user_id"], columns: &[] },
    Resource { name: "scheduled_messages", table: "scheduled_messages", key: &["id"], columns: &[] },
    Resource { name: "bookmarks", table: "bookmarks", key: &["id"], columns: &[] },
    Resource { name: "usergroups", table: "usergroups", key: &["id"], columns: &[] },
    Resource { name: "usergroup_members", table: "usergroup_members", key: &["usergroup_id", "user_id"], columns: &[] },
    Resource {
        name: "files",
        table: "files",
        key: &["id"],
        columns: &[
            "id",
            "team_id",
            "user_id",
            "state",
            "name",
            "title",
            "alt_txt",
            "mimetype",
            "filetype",
            "size",
            "created",
            "external_id",
            "external_url",
        ],
    },
    Resource { name: "file_shares", table: "file_shares", key: &["file_id", "channel_id", "ts"], columns: &[] },
    Resource { name: "apps", table: "apps", key: &["id"], columns: &[] },
    Resource { name: "profile_fields", table: "team_profile_fields", key: &["id"], columns: &[] },
    Resource { name: "dnd", table: "dnd_state", key: &["user_id"], columns: &[] },
    Resource { name: "reminders", table: "reminders", key: &["id"], columns: &[] },
    Resource { name: "stars", table: "stars", key: &["user_id", "item_key"], columns: &[] },
    Resource { name: "calls", table: "calls", key: &["id"], columns: &[] },
    Resource { name: "call_participants", table: "call_participants", key: &["call_id", "participant"], columns: &[] },
    Resource { name: "views", table: "views", key: &["id"], columns: &[] },
    Resource { name: "dialogs", table: "dialogs", key: &["id"], columns: &[] },
    Resource { name: "integration_logs", table: "integration_logs", key: &["id"], columns: &[] },
    Resource {
        name: "photos",
        table: "user_photos",
        key: &["user_id"],
        columns: &["user_id", "team_id", "avatar_hash", "mimetype", "ext", "width", "height", "crop_x", "crop_y", "crop_w", "updated"],
    },
];

pub struct SlackTemplate;

pub fn template() -> Arc<dyn Template> {
    Arc::new(SlackTemplate)
}

#[async_trait]
impl Template for SlackTemplate {
    fn manifest(&self) -> &TemplateManifest {
        &MANIFEST
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

    fn provision_footprint(&self, clone_id: &str) -> Vec<Footprint> {
        let (app, bot) = model::provision::default_app_ids(clone_id);
        let f = |resource, column, value: &str| Footprint { resource, column, value: value.to_string() };
        vec![f("apps", "id", &app), f("users", "id", &bot), f("profiles", "user_id", &bot), f("memberships", "user_id", &bot)]
    }

    fn mcp_tools(&self, service: &str) -> &'static [asym_clone_kit::McpTool] {
        if service == "api" { mcp::TOOLS } else { &[] }
    }

    fn uses_database(&self, service: &str) -> bool {
        service == "api"
    }

    async fn seed(&self, pool: &Pool, fixture: &Fixture) -> StoreResult<BTreeMap<String, u64>> {
        model::seed::apply(pool, fixture).await
    }

    async fn provision(&self, ctx: &CloneCtx, db: &Db, req: ProvisionRequest) -> Result<CloneTokens, AsymError> {
        model::provision::provision(&ctx.id, db, req).await
    }

    fn router(&self, service: &str) -> Option<Router<CloneCtx>> {
        match service {
            "api" => Some(routes::router()),
            _ => None,
        }
    }
}
