//! The GitHub clone: GitHub's REST API at the root (`/user`, `/repos/…`,
//! `/search/…`, `/rate_limit`), served over one clone database, so that PyGithub
//! and Octokit run against it with only the base URL and token changed.
//!
//! Built: users and orgs, repositories (topics, collaborators, tags, contributors,
//! languages), contents (JSON or `application/vnd.github.raw`), branches, commits,
//! compare and the Merges API (JSON or `application/vnd.github.diff`), commit
//! statuses, the Git Data API, issues (labels, assignees, milestones, comments,
//! events, timeline, lock, reactions), pull requests (files, commits,
//! merge/squash/rebase, update-branch, reviews, review comments, requested
//! reviewers, requested teams), organization teams (members, memberships,
//! repositories; team permissions count in repository access), forks and
//! cross-repository pull requests, notifications for mentions, assignments and
//! review requests, issue and repository search, repository webhooks with
//! signed deliveries, the Checks API (check runs and suites, annotations,
//! `check_run`/`check_suite` events), commit comments, deployments with their
//! statuses and environments, repository invitations, release assets (uploaded
//! to the release's `upload_url` on this clone), people (users by id, follows,
//! emails, SSH keys, blocks; organization invitations accepted through the
//! invitee's membership, outside collaborators, public members, org blocks, and
//! organization webhooks that hear the org's repositories), branch protection
//! (stored, read back, announced as `branch_protection_rule`, and enforced on
//! merges and pushes), review comment replies, generated release notes, release
//! reactions, hook config, `repository_dispatch`, source archives
//! (`tarball`/`zipball`, served from `/codeload/…` on this clone), repository
//! transfer, sub-issues and issue dependencies (with their summaries on issue
//! objects), deploy keys, autolinks, repository statistics computed from the git
//! history, gists (revisions with git's commit shas, stars, forks, comments),
//! organizations' base repository permission, `/meta`, `/zen`, `/octocat`,
//! `/versions`, and `/rate_limit`. `COVERAGE.md` lists every published operation
//! and whether it is built; the rest answer 404 naming the operation.
//!
//! The clone's own control plane lives under `/api` (`routes/control.rs`):
//! signup, login, personal access tokens, and the webhook delivery log.
//!
//! The key decision: repository content is a real git object store (`git.rs`):
//! blobs, trees and commits are encoded byte for byte as git encodes them, so
//! every sha the clone returns is the sha `git` computes for the same content.
//!
//! Layout (moto's): `routes/` parse and render, `model/` holds the rules,
//! `store/` holds all the SQL, `errors.rs` renders GitHub's error bodies.

#![recursion_limit = "512"]

pub mod errors;
pub mod git;
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
use asym_contract::diff::Resource;
use asym_contract::{AsymError, CloneTokens, TemplateManifest};
use asym_store::{Db, Migration, Pool, StoreResult};
use async_trait::async_trait;
use axum::Router;

pub const MANIFEST_JSON: &str = include_str!("../clone.manifest.json");

static MANIFEST: LazyLock<TemplateManifest> = LazyLock::new(|| {
    TemplateManifest::from_json("templates/github/clone.manifest.json", MANIFEST_JSON)
        .expect("the built-in GitHub manifest is valid (checked by a test)")
});

pub const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_init", sql: include_str!("../migrations/0001_init.sql") },
    Migration { name: "0002_statuses", sql: include_str!("../migrations/0002_statuses.sql") },
    Migration { name: "0003_releases", sql: include_str!("../migrations/0003_releases.sql") },
    Migration { name: "0004_indexes", sql: include_str!("../migrations/0004_indexes.sql") },
    Migration { name: "0005_teams", sql: include_str!("../migrations/0005_teams.sql") },
    Migration { name: "0006_forks", sql: include_str!("../migrations/0006_forks.sql") },
    Migration { name: "0007_notifications", sql: include_str!("../migrations/0007_notifications.sql") },
    Migration { name: "0008_checks", sql: include_str!("../migrations/0008_checks.sql") },
    Migration { name: "0009_commit_comments", sql: include_str!("../migrations/0009_commit_comments.sql") },
    Migration { name: "0010_deployments", sql: include_str!("../migrations/0010_deployments.sql") },
    Migration { name: "0011_invitations", sql: include_str!("../migrations/0011_invitations.sql") },
    Migration { name: "0012_release_assets", sql: include_str!("../migrations/0012_release_assets.sql") },
    Migration { name: "0013_issue_state_index", sql: include_str!("../migrations/0013_issue_state_index.sql") },
    Migration { name: "0014_branch_protection", sql: include_str!("../migrations/0014_branch_protection.sql") },
    Migration { name: "0015_people", sql: include_str!("../migrations/0015_people.sql") },
    Migration { name: "0016_issue_tallies", sql: include_str!("../migrations/0016_issue_tallies.sql") },
    Migration { name: "0017_subissues", sql: include_str!("../migrations/0017_subissues.sql") },
    Migration { name: "0018_org_settings", sql: include_str!("../migrations/0018_org_settings.sql") },
    Migration { name: "0019_gists", sql: include_str!("../migrations/0019_gists.sql") },
    // -- later migrations go here, one line each, in number order --
];

pub const FIXTURES: &[Fixture] = &[Fixture { name: "acme", text: include_str!("../fixtures/acme.json") }];

/// What `asym diff` compares, under GitHub's own names. Tokens, counters and the
/// webhook delivery log are plumbing; object bodies are left out.
pub const RESOURCES: &[Resource] = &[
    Resource {
        name: "users",
        table: "accounts",
        key: &["id"],
        columns: &["id", "login", "kind", "name", "email", "bio", "company", "location", "blog", "site_admin"],
    },
    Resource { name: "org_members", table: "org_members", key: &["org_id", "user_id"], columns: &[] },
    Resource { name: "repositories", table: "repos", key: &["id"], columns: &[] },
    Resource { name: "collaborators", table: "collaborators", key: &["repo_id", "user_id"], columns: &[] },
    Resource { name: "branches", table: "git_refs", key: &["repo_id", "name"], columns: &[] },
    Resource { name: "git_objects", table: "git_objects", key: &["repo_id", "sha"], columns: &["repo_id", "sha", "kind"] },
    Resource { name: "issues", table: "issues", key: &["id"], columns: &[] },
    Resource { name: "pull_requests", table: "pulls", key: &["issue_id"], columns: &[] },
    Resource { name: "labels", table: "labels", key: &["id"], columns: &[] },
    Resource { name: "issue_labels", table: "issue_labels", key: &["issue_id", "label_id"], columns: &[] },
    Resource { name: "assignees", table: "issue_assignees", key: &["issue_id", "user_id"], columns: &[] },
    Resource { name: "milestones", table: "milestones", key: &["id"], columns: &[] },
    Resource { name: "comments", table: "comments", key: &["id"], columns: &[] },
    Resource { name: "reviews", table: "reviews", key: &["id"], columns: &[] },
    Resource { name: "review_comments", table: "review_comments", key: &["id"], columns: &[] },
    Resource { name: "requested_reviewers", table: "review_requests", key: &["issue_id", "user_id"], columns: &[] },
    Resource { name: "reactions", table: "reactions", key: &["id"], columns: &[] },
    Resource { name: "issue_events", table: "issue_events", key: &["id"], columns: &[] },
    Resource { name: "teams", table: "teams", key: &["id"], columns: &[] },
    Resource { name: "team_members", table: "team_members", key: &["team_id", "user_id"], columns: &[] },
    Resource { name: "team_repositories", table: "team_repos", key: &["team_id", "repo_id"], columns: &[] },
    Resource { name: "requested_teams", table: "team_review_requests", key: &["issue_id", "team_id"], columns: &[] },
    Resource { name: "notifications", table: "notifications", key: &["id"], columns: &[] },
    Resource { name: "hooks", table: "hooks", key: &["id"], columns: &[] },
    Resource { name: "statuses", table: "commit_statuses", key: &["id"], columns: &[] },
    Resource { name: "releases", table: "releases", key: &["id"], columns: &[] },
    Resource { name: "check_suites", table: "check_suites", key: &["id"], columns: &[] },
    Resource { name: "check_runs", table: "check_runs", key: &["id"], columns: &[] },
    Resource { name: "commit_comments", table: "commit_comments", key: &["id"], columns: &[] },
    Resource { name: "deployments", table: "deployments", key: &["id"], columns: &[] },
    Resource { name: "deployment_statuses", table: "deployment_statuses", key: &["id"], columns: &[] },
    Resource { name: "environments", table: "environments", key: &["id"], columns: &[] },
    Resource { name: "repository_invitations", table: "repo_invitations", key: &["id"], columns: &[] },
    Resource { name: "branch_protections", table: "branch_protections", key: &["repo_id", "branch"], columns: &[] },
    Resource { name: "follows", table: "follows", key: &["follower_id", "followee_id"], columns: &[] },
    Resource { name: "emails", table: "user_emails", key: &["id"], columns: &[] },
    Resource { name: "ssh_keys", table: "ssh_keys", key: &["id"], columns: &[] },
    Resource { name: "blocks", table: "blocks", key: &["owner_id", "blocked_id"], columns: &[] },
    Resource { name: "organization_invitations", table: "org_invitations", key: &["id"], columns: &[] },
    Resource { name: "organization_invitation_teams", table: "org_invitation_teams", key: &["invitation_id", "team_id"], columns: &[] },
    Resource { name: "public_members", table: "public_members", key: &["org_id", "user_id"], columns: &[] },
    Resource { name: "organization_settings", table: "org_settings", key: &["org_id"], columns: &[] },
    Resource {
        name: "gists",
        table: "gists",
        key: &["id"],
        columns: &["id", "owner_id", "description", "is_public", "fork_of", "version", "created_at", "updated_at"],
    },
    Resource { name: "gist_stars", table: "gist_stars", key: &["gist_id", "user_id"], columns: &[] },
    Resource { name: "gist_comments", table: "gist_comments", key: &["id"], columns: &[] },
    Resource { name: "sub_issues", table: "sub_issues", key: &["child_id"], columns: &[] },
    Resource { name: "issue_dependencies", table: "issue_dependencies", key: &["blocked_id", "blocking_id"], columns: &[] },
    Resource { name: "deploy_keys", table: "deploy_keys", key: &["id"], columns: &[] },
    Resource { name: "autolinks", table: "autolinks", key: &["id"], columns: &[] },
    Resource {
        name: "release_assets",
        table: "release_assets",
        key: &["id"],
        columns: &["id", "release_id", "repo_id", "name", "label", "content_type", "size", "digest", "uploader_id"],
    },
];

pub struct GithubTemplate;

pub fn template() -> Arc<dyn Template> {
    Arc::new(GithubTemplate)
}

#[async_trait]
impl Template for GithubTemplate {
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

    fn mcp_tools(&self, service: &str) -> &'static [asym_clone_kit::McpTool] {
        if service == "api" { mcp::TOOLS } else { &[] }
    }

    fn uses_database(&self, service: &str) -> bool {
        service == "api"
    }

    async fn seed(&self, pool: &Pool, fixture: &Fixture) -> StoreResult<BTreeMap<String, u64>> {
        model::seed::apply(pool, fixture).await
    }

    async fn provision(&self, _ctx: &CloneCtx, db: &Db, req: ProvisionRequest) -> Result<CloneTokens, AsymError> {
        model::provision::provision(db, req).await
    }

    fn router(&self, service: &str) -> Option<Router<CloneCtx>> {
        match service {
            "api" => Some(routes::router()),
            _ => None,
        }
    }
}
