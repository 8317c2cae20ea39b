//! The route table: GitHub's REST paths at the root, the clone's own control
//! plane under `/api`. [`BUILT`] names every GitHub operation (by its OpenAPI
//! `operationId`) that is routed; any other path of GitHub's published API
//! answers 404 naming the operation (`spec-operations.txt`).
//!
//! One middleware ([`wire`]) does what every GitHub response shares:
//! authentication (401 `Bad credentials`), the per-token rate limit and its
//! `X-RateLimit-*` headers, `X-GitHub-Request-Id`, and `ETag`/`If-None-Match` → 304.

mod archives;
mod assets;
mod cache;
mod checks;
mod commits;
mod control;
mod deployments;
mod forks;
mod gists;
mod git;
mod hooks;
mod invitations;
mod issues;
mod keys;
mod markdown;
mod meta;
mod notifications;
mod org_hooks;
mod orgs;
mod people;
mod protection;
mod pulls;
mod releases;
mod repos;
mod search;
mod stats;
mod subissues;
mod teams;
mod users;

use asym_clone_kit::CloneCtx;
use asym_clone_kit::secrets::{HEX, random_string};
use asym_store::Db;
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post, put};
use http_body_util::BodyExt;

use crate::errors::{GhError, GhResult};
use crate::model::access::{self, Caller};
use crate::model::ratelimit;
use crate::wire::Query;

/// What every handler receives: the clone's public base URL, its database, the
/// caller and the query string.
pub struct Cx {
    pub base: String,
    pub db: Db,
    pub caller: Caller,
    pub ctx: CloneCtx,
    pub query: Query,
    pub path: String,
    /// The `Accept` header (media types such as `application/vnd.github.raw`).
    pub accept: String,
}

impl Cx {
    pub fn url(&self) -> String {
        crate::wire::list_url(&self.base, &self.path, &self.query)
    }

    /// Whether the caller asked for GitHub's `application/vnd.github.<what>` media type.
    pub fn wants(&self, what: &str) -> bool {
        names_media_type(&self.accept, what)
    }
}

/// Whether a lower-cased `Accept` value names GitHub's
/// `application/vnd.github[.v3].<what>` media type.
pub fn names_media_type(accept: &str, what: &str) -> bool {
    accept.contains(&format!("vnd.github.{what}")) || accept.contains(&format!("vnd.github.v3.{what}"))
}

/// A text body in one of GitHub's custom media types (`diff`, `raw`).
pub fn media(kind: &str, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    if let Ok(v) = HeaderValue::from_str(&format!("application/vnd.github.{kind}; charset=utf-8")) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

impl FromRequestParts<CloneCtx> for Cx {
    type Rejection = GhError;
    async fn from_request_parts(parts: &mut Parts, ctx: &CloneCtx) -> Result<Self, GhError> {
        let db = match parts.extensions.get::<Db>() {
            Some(db) => db.clone(),
            None => ctx.store.as_ref().ok_or_else(|| GhError::Internal("no database".into()))?.db().await?,
        };
        let path = parts.uri.path().to_string();
        let control = path.starts_with("/api/");
        let scope = format!("{}#{}", ctx.id, db.generation());
        let caller = if control { Caller::default() } else { access::authenticate_in(&db, &parts.headers, Some(&scope)).await? };
        if let Some(slot) = parts.extensions.get::<SharedSlot>() {
            let mut rate = None;
            if !control && ctx.rate_limits && path != "/rate_limit" {
                let resource = if path == "/search/code" {
                    "code_search"
                } else if path.starts_with("/search/") {
                    "search"
                } else {
                    "core"
                };
                let state = ratelimit::hit(&*ctx.kv, &caller, resource).await;
                rate = Some(state);
            }
            let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
            s.rate = rate;
            s.caller = caller.clone();
            s.kv = Some(ctx.kv.clone());
            s.base = Some(ctx.public_url.trim_end_matches('/').to_string());
            s.db = Some(db.clone());
            if let Some(r) = rate
                && r.used > r.limit
            {
                s.rate = Some(r.exhausted());
                let who = caller.user.as_ref().map(|u| format!("user ID {}", u.id)).unwrap_or_else(|| "127.0.0.1".into());
                return Err(GhError::RateLimited(who));
            }
        }
        Ok(Cx {
            base: ctx.public_url.trim_end_matches('/').to_string(),
            db,
            caller,
            ctx: ctx.clone(),
            query: Query::parse(parts.uri.query())?,
            path,
            accept: parts.headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase(),
        })
    }
}

pub fn router() -> Router<CloneCtx> {
    Router::new()
        // users
        .route("/user", get(users::me).patch(users::update_me))
        .route("/user/repos", get(repos::list_mine).post(repos::create_for_me))
        .route("/user/orgs", get(users::my_orgs))
        .route("/user/issues", get(issues::list_mine))
        .route("/users", get(users::list))
        .route("/users/{user}", get(users::get))
        .route("/users/{user}/repos", get(repos::list_for_user))
        .route("/users/{user}/orgs", get(users::orgs_of))
        // people: a user by id, follows, emails, SSH keys, blocks
        .route("/user/{account_id}", get(people::by_id))
        .route("/user/followers", get(people::my_followers))
        .route("/user/following", get(people::my_following))
        .route("/user/following/{user}", get(people::am_following).put(people::follow).delete(people::unfollow))
        .route("/users/{user}/followers", get(people::followers_of))
        .route("/users/{user}/following", get(people::following_of))
        .route("/users/{user}/following/{target}", get(people::is_following))
        .route("/user/emails", get(people::list_emails).post(people::add_emails).delete(people::delete_emails))
        .route("/user/public_emails", get(people::public_emails))
        .route("/user/email/visibility", patch(people::set_visibility))
        .route("/user/keys", get(people::list_keys).post(people::create_key))
        .route("/user/keys/{key_id}", get(people::get_key).delete(people::delete_key))
        .route("/users/{user}/keys", get(people::keys_of_user))
        // gists
        .route("/gists", get(gists::list).post(gists::create))
        .route("/gists/public", get(gists::list_public))
        .route("/gists/starred", get(gists::list_starred))
        .route("/gists/{gist_id}", get(gists::get).patch(gists::update).delete(gists::delete))
        .route("/gists/{gist_id}/star", get(gists::check_star).put(gists::star).delete(gists::unstar))
        .route("/gists/{gist_id}/forks", get(gists::forks).post(gists::fork))
        .route("/gists/{gist_id}/commits", get(gists::commits))
        .route("/gists/{gist_id}/comments", get(gists::list_comments).post(gists::create_comment))
        .route("/gists/{gist_id}/comments/{comment_id}", get(gists::get_comment).patch(gists::update_comment).delete(gists::delete_comment))
        .route("/gists/{gist_id}/{sha}", get(gists::get_revision))
        .route("/users/{user}/gists", get(gists::list_for_user))
        .route("/gist/{owner}/{gist_id}/raw/{sha}/{file}", get(gists::raw))
        .route("/user/blocks", get(people::list_blocks))
        .route("/user/blocks/{user}", get(people::check_block).put(people::block).delete(people::unblock))
        // orgs
        .route("/organizations", get(users::list_orgs))
        .route("/orgs/{org}", get(users::org).patch(users::update_org))
        .route("/orgs/{org}/members", get(users::org_members))
        .route("/orgs/{org}/members/{user}", get(users::org_member_check).delete(users::remove_member))
        .route("/orgs/{org}/memberships/{user}", get(users::org_membership).put(users::set_membership).delete(users::remove_member))
        .route("/orgs/{org}/repos", get(repos::list_for_org).post(repos::create_for_org))
        .route("/orgs/{org}/issues", get(issues::list_for_org))
        // org people: invitations, the caller's memberships, outside collaborators, public members, blocks
        .route("/orgs/{org}/invitations", get(orgs::list_invitations).post(orgs::create_invitation))
        .route("/orgs/{org}/invitations/{invitation_id}", delete(orgs::cancel_invitation))
        .route("/orgs/{org}/invitations/{invitation_id}/teams", get(orgs::invitation_teams))
        .route("/orgs/{org}/failed_invitations", get(orgs::failed_invitations))
        .route("/orgs/{org}/teams/{team_slug}/invitations", get(orgs::team_invitations_in_org))
        .route("/teams/{team_id}/invitations", get(orgs::team_invitations_legacy))
        .route("/user/memberships/orgs", get(orgs::my_memberships))
        .route("/user/memberships/orgs/{org}", get(orgs::my_membership).patch(orgs::update_my_membership))
        .route("/orgs/{org}/outside_collaborators", get(orgs::outside_collaborators))
        .route("/orgs/{org}/outside_collaborators/{user}", put(orgs::convert_member).delete(orgs::remove_outside_collaborator))
        .route("/orgs/{org}/public_members", get(orgs::public_members))
        .route("/orgs/{org}/public_members/{user}", get(orgs::check_public_member).put(orgs::publicize).delete(orgs::conceal))
        .route("/orgs/{org}/blocks", get(orgs::list_blocks))
        .route("/orgs/{org}/blocks/{user}", get(orgs::check_block).put(orgs::block).delete(orgs::unblock))
        // org webhooks
        .route("/orgs/{org}/hooks", get(org_hooks::list).post(org_hooks::create))
        .route("/orgs/{org}/hooks/{hook_id}", get(org_hooks::get).patch(org_hooks::update).delete(org_hooks::delete))
        .route("/orgs/{org}/hooks/{hook_id}/config", get(org_hooks::get_config).patch(org_hooks::update_config))
        .route("/orgs/{org}/hooks/{hook_id}/pings", post(org_hooks::pings))
        .route("/orgs/{org}/hooks/{hook_id}/deliveries", get(org_hooks::deliveries))
        .route("/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}", get(org_hooks::delivery))
        .route("/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts", post(org_hooks::redeliver))
        // notifications
        .route("/notifications", get(notifications::list).put(notifications::mark_read))
        .route(
            "/notifications/threads/{thread_id}",
            get(notifications::get_thread).patch(notifications::mark_thread_read).delete(notifications::mark_thread_done),
        )
        .route("/repos/{owner}/{repo}/notifications", get(notifications::list_for_repo).put(notifications::mark_repo_read))
        // teams
        .route("/user/teams", get(teams::mine))
        .route("/orgs/{org}/teams", get(teams::list).post(teams::create))
        .route("/orgs/{org}/teams/{team_slug}", get(teams::get).patch(teams::update).delete(teams::delete))
        .route("/orgs/{org}/teams/{team_slug}/teams", get(teams::children))
        .route("/orgs/{org}/teams/{team_slug}/members", get(teams::members))
        .route(
            "/orgs/{org}/teams/{team_slug}/memberships/{user}",
            get(teams::membership).put(teams::set_membership).delete(teams::remove_membership),
        )
        .route("/orgs/{org}/teams/{team_slug}/repos", get(teams::repos_of))
        .route(
            "/orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}",
            get(teams::check_repo_in_org).put(teams::add_repo).delete(teams::remove_repo),
        )
        .route("/teams/{team_id}", get(teams::get_legacy).patch(teams::update_legacy).delete(teams::delete_legacy))
        .route("/teams/{team_id}/teams", get(teams::children_legacy))
        .route("/teams/{team_id}/members", get(teams::members_legacy))
        .route(
            "/teams/{team_id}/members/{user}",
            get(teams::member_check_legacy).put(teams::add_member_legacy).delete(teams::remove_membership_legacy),
        )
        .route(
            "/teams/{team_id}/memberships/{user}",
            get(teams::membership_legacy).put(teams::set_membership_legacy).delete(teams::remove_membership_legacy),
        )
        .route("/teams/{team_id}/repos", get(teams::repos_legacy))
        .route(
            "/teams/{team_id}/repos/{owner}/{repo}",
            get(teams::check_repo_legacy).put(teams::add_repo_legacy).delete(teams::remove_repo_legacy),
        )
        .route("/repos/{owner}/{repo}/teams", get(teams::of_repo))
        // repositories
        .route("/repos/{owner}/{repo}", get(repos::get).patch(repos::update).delete(repos::delete))
        .route("/repos/{owner}/{repo}/forks", get(forks::list).post(forks::create))
        .route("/repos/{owner}/{repo}/topics", get(repos::topics).put(repos::set_topics))
        .route("/repos/{owner}/{repo}/collaborators", get(repos::collaborators))
        .route(
            "/repos/{owner}/{repo}/collaborators/{user}",
            get(repos::is_collaborator).put(repos::add_collaborator).delete(repos::remove_collaborator),
        )
        .route("/repos/{owner}/{repo}/collaborators/{user}/permission", get(repos::collaborator_permission))
        .route("/repos/{owner}/{repo}/invitations", get(invitations::list_for_repo))
        .route("/repos/{owner}/{repo}/invitations/{id}", patch(invitations::update).delete(invitations::delete))
        .route("/user/repository_invitations", get(invitations::list_mine))
        .route("/user/repository_invitations/{id}", patch(invitations::accept).delete(invitations::decline))
        .route("/repos/{owner}/{repo}/branches", get(git::list_branches))
        .route(
            "/repos/{owner}/{repo}/branches/{*branch}",
            get(git::get_branch).post(commits::rename_branch).put(protection::put).patch(protection::patch).delete(protection::delete),
        )
        .route("/repos/{owner}/{repo}/contents", get(git::get_root_contents))
        .route("/repos/{owner}/{repo}/contents/", get(git::get_root_contents))
        .route("/repos/{owner}/{repo}/contents/{*path}", get(git::get_contents).put(git::put_contents).delete(git::delete_contents))
        .route("/repos/{owner}/{repo}/readme", get(git::readme))
        .route("/repos/{owner}/{repo}/readme/{*dir}", get(git::readme_in_dir))
        .route("/repos/{owner}/{repo}/tarball", get(archives::tarball_default))
        .route("/repos/{owner}/{repo}/tarball/{*ref}", get(archives::tarball))
        .route("/repos/{owner}/{repo}/zipball", get(archives::zipball_default))
        .route("/repos/{owner}/{repo}/zipball/{*ref}", get(archives::zipball))
        .route("/codeload/{owner}/{repo}/{file}/{*ref}", get(archives::download))
        .route("/repos/{owner}/{repo}/commits", get(git::list_commits))
        .route("/repos/{owner}/{repo}/commits/{sha}", get(git::get_commit))
        .route("/repos/{owner}/{repo}/commits/{sha}/statuses", get(git::list_statuses))
        .route("/repos/{owner}/{repo}/commits/{sha}/comments", get(commits::list_for_commit).post(commits::create))
        .route("/repos/{owner}/{repo}/commits/{sha}/branches-where-head", get(commits::branches_where_head))
        .route("/repos/{owner}/{repo}/commits/{sha}/pulls", get(commits::pulls_of_commit))
        .route("/repos/{owner}/{repo}/comments", get(commits::list_for_repo))
        .route("/repos/{owner}/{repo}/comments/{id}", get(commits::get).patch(commits::update).delete(commits::delete))
        .route("/repos/{owner}/{repo}/comments/{id}/reactions", get(commits::list_reactions).post(commits::react))
        .route("/repos/{owner}/{repo}/comments/{id}/reactions/{reaction}", delete(commits::unreact))
        .route("/repos/{owner}/{repo}/commits/{sha}/status", get(git::combined_status))
        // GitHub still answers the older `GET /repos/{o}/{r}/statuses/{ref}` (PyGithub uses it).
        .route("/repos/{owner}/{repo}/statuses/{sha}", post(git::create_status).get(git::list_statuses))
        // checks
        .route("/repos/{owner}/{repo}/check-runs", post(checks::create_run))
        .route("/repos/{owner}/{repo}/check-runs/{id}", get(checks::get_run).patch(checks::update_run))
        .route("/repos/{owner}/{repo}/check-runs/{id}/annotations", get(checks::annotations))
        .route("/repos/{owner}/{repo}/check-runs/{id}/rerequest", post(checks::rerequest_run))
        .route("/repos/{owner}/{repo}/check-suites", post(checks::create_suite))
        .route("/repos/{owner}/{repo}/check-suites/preferences", patch(checks::set_preferences))
        .route("/repos/{owner}/{repo}/check-suites/{id}", get(checks::get_suite))
        .route("/repos/{owner}/{repo}/check-suites/{id}/check-runs", get(checks::runs_of_suite))
        .route("/repos/{owner}/{repo}/check-suites/{id}/rerequest", post(checks::rerequest_suite))
        .route("/repos/{owner}/{repo}/commits/{sha}/check-runs", get(checks::runs_for_ref))
        .route("/repos/{owner}/{repo}/commits/{sha}/check-suites", get(checks::suites_for_ref))
        .route("/repos/{owner}/{repo}/tags", get(git::list_tags))
        .route("/repos/{owner}/{repo}/contributors", get(git::contributors))
        .route("/repos/{owner}/{repo}/languages", get(git::languages))
        .route("/repos/{owner}/{repo}/merges", post(git::merge_branch))
        .route("/repos/{owner}/{repo}/compare/{*basehead}", get(git::compare))
        .route("/repos/{owner}/{repo}/git/refs", post(git::create_ref).get(git::all_refs))
        .route("/repos/{owner}/{repo}/git/refs/{*ref}", patch(git::update_ref).delete(git::delete_ref).get(git::get_ref))
        .route("/repos/{owner}/{repo}/git/ref/{*ref}", get(git::get_ref))
        .route("/repos/{owner}/{repo}/git/matching-refs/{*ref}", get(git::matching_refs))
        .route("/repos/{owner}/{repo}/git/commits", post(git::create_commit))
        .route("/repos/{owner}/{repo}/git/commits/{sha}", get(git::get_git_commit))
        .route("/repos/{owner}/{repo}/git/trees", post(git::create_tree))
        .route("/repos/{owner}/{repo}/git/trees/{sha}", get(git::get_tree))
        .route("/repos/{owner}/{repo}/git/tags", post(git::create_tag))
        .route("/repos/{owner}/{repo}/git/tags/{sha}", get(git::get_tag))
        .route("/repos/{owner}/{repo}/git/blobs", post(git::create_blob))
        .route("/repos/{owner}/{repo}/git/blobs/{sha}", get(git::get_blob))
        // deployments and environments
        .route("/repos/{owner}/{repo}/deployments", get(deployments::list).post(deployments::create))
        .route("/repos/{owner}/{repo}/deployments/{id}", get(deployments::get).delete(deployments::delete))
        .route("/repos/{owner}/{repo}/deployments/{id}/statuses", get(deployments::list_statuses).post(deployments::create_status))
        .route("/repos/{owner}/{repo}/deployments/{id}/statuses/{status_id}", get(deployments::get_status))
        .route("/repos/{owner}/{repo}/environments", get(deployments::list_envs))
        .route(
            "/repos/{owner}/{repo}/environments/{name}",
            get(deployments::get_env).put(deployments::put_env).delete(deployments::delete_env),
        )
        // releases
        .route("/repos/{owner}/{repo}/releases", get(releases::list).post(releases::create))
        .route("/repos/{owner}/{repo}/releases/latest", get(releases::latest))
        .route("/repos/{owner}/{repo}/releases/tags/{tag}", get(releases::by_tag))
        .route("/repos/{owner}/{repo}/releases/{id}", get(releases::get).patch(releases::update).delete(releases::delete))
        .route("/repos/{owner}/{repo}/releases/generate-notes", post(releases::generate_notes))
        .route("/repos/{owner}/{repo}/releases/{id}/reactions", get(releases::list_reactions).post(releases::react))
        .route("/repos/{owner}/{repo}/releases/{id}/reactions/{reaction}", delete(releases::unreact))
        .route(
            "/repos/{owner}/{repo}/releases/{id}/assets",
            get(assets::list).post(assets::upload).layer(axum::extract::DefaultBodyLimit::max(ASSET_LIMIT)),
        )
        .route("/repos/{owner}/{repo}/releases/assets/{id}", get(assets::get).patch(assets::update).delete(assets::delete))
        .route("/{owner}/{repo}/releases/download/{tag}/{name}", get(assets::browser_download))
        // issues
        .route("/issues", get(issues::list_all))
        .route("/repos/{owner}/{repo}/issues", get(issues::list).post(issues::create))
        .route("/repos/{owner}/{repo}/issues/comments", get(issues::list_repo_comments))
        .route(
            "/repos/{owner}/{repo}/issues/comments/{id}",
            get(issues::get_comment).patch(issues::update_comment).delete(issues::delete_comment),
        )
        .route("/repos/{owner}/{repo}/issues/comments/{id}/reactions", get(issues::list_comment_reactions).post(issues::react_comment))
        .route("/repos/{owner}/{repo}/issues/comments/{id}/reactions/{reaction}", delete(issues::unreact_comment))
        .route("/repos/{owner}/{repo}/issues/events", get(issues::list_repo_events))
        .route("/repos/{owner}/{repo}/issues/events/{id}", get(issues::get_event))
        .route("/repos/{owner}/{repo}/issues/{number}", get(issues::get).patch(issues::update))
        .route("/repos/{owner}/{repo}/issues/{number}/comments", get(issues::list_comments).post(issues::create_comment))
        .route(
            "/repos/{owner}/{repo}/issues/{number}/labels",
            get(issues::list_issue_labels).post(issues::add_labels).put(issues::set_labels).delete(issues::remove_all_labels),
        )
        .route("/repos/{owner}/{repo}/issues/{number}/labels/{name}", delete(issues::remove_label))
        .route("/repos/{owner}/{repo}/issues/{number}/assignees", post(issues::add_assignees).delete(issues::remove_assignees))
        .route("/repos/{owner}/{repo}/issues/{number}/assignees/{user}", get(issues::check_issue_assignee))
        .route("/repos/{owner}/{repo}/issues/{number}/lock", put(issues::lock).delete(issues::unlock))
        .route("/repos/{owner}/{repo}/issues/{number}/events", get(issues::list_events))
        .route("/repos/{owner}/{repo}/issues/{number}/timeline", get(issues::timeline))
        // sub-issues and issue dependencies
        .route("/repos/{owner}/{repo}/issues/{number}/sub_issues", get(subissues::list).post(subissues::add))
        .route("/repos/{owner}/{repo}/issues/{number}/sub_issue", delete(subissues::remove))
        .route("/repos/{owner}/{repo}/issues/{number}/sub_issues/priority", patch(subissues::reprioritize))
        .route("/repos/{owner}/{repo}/issues/{number}/parent", get(subissues::parent))
        .route("/repos/{owner}/{repo}/issues/{number}/dependencies/blocked_by", get(subissues::blocked_by).post(subissues::add_blocked_by))
        .route("/repos/{owner}/{repo}/issues/{number}/dependencies/blocked_by/{issue_id}", delete(subissues::remove_blocked_by))
        .route("/repos/{owner}/{repo}/issues/{number}/dependencies/blocking", get(subissues::blocking))
        // deploy keys, autolinks, statistics
        .route("/repos/{owner}/{repo}/keys", get(keys::list_keys).post(keys::create_key))
        .route("/repos/{owner}/{repo}/keys/{key_id}", get(keys::get_key).delete(keys::delete_key))
        .route("/repos/{owner}/{repo}/autolinks", get(keys::list_autolinks).post(keys::create_autolink))
        .route("/repos/{owner}/{repo}/autolinks/{autolink_id}", get(keys::get_autolink).delete(keys::delete_autolink))
        .route("/repos/{owner}/{repo}/stats/contributors", get(stats::contributors))
        .route("/repos/{owner}/{repo}/stats/commit_activity", get(stats::commit_activity))
        .route("/repos/{owner}/{repo}/stats/code_frequency", get(stats::code_frequency))
        .route("/repos/{owner}/{repo}/stats/participation", get(stats::participation))
        .route("/repos/{owner}/{repo}/stats/punch_card", get(stats::punch_card))
        .route("/repos/{owner}/{repo}/issues/{number}/reactions", get(issues::list_issue_reactions).post(issues::react_issue))
        .route("/repos/{owner}/{repo}/issues/{number}/reactions/{reaction}", delete(issues::unreact_issue))
        .route("/repos/{owner}/{repo}/labels", get(issues::list_labels).post(issues::create_label))
        .route("/repos/{owner}/{repo}/labels/{name}", get(issues::get_label).patch(issues::update_label).delete(issues::delete_label))
        .route("/repos/{owner}/{repo}/assignees", get(issues::list_assignees))
        .route("/repos/{owner}/{repo}/assignees/{user}", get(issues::check_assignee))
        .route("/repos/{owner}/{repo}/milestones", get(issues::list_milestones).post(issues::create_milestone))
        .route(
            "/repos/{owner}/{repo}/milestones/{number}",
            get(issues::get_milestone).patch(issues::update_milestone).delete(issues::delete_milestone),
        )
        .route("/repos/{owner}/{repo}/milestones/{number}/labels", get(issues::milestone_labels))
        // pull requests
        .route("/repos/{owner}/{repo}/pulls", get(pulls::list).post(pulls::create))
        .route("/repos/{owner}/{repo}/pulls/comments", get(pulls::list_repo_review_comments))
        .route(
            "/repos/{owner}/{repo}/pulls/comments/{id}",
            get(pulls::get_review_comment).patch(pulls::update_review_comment).delete(pulls::delete_review_comment),
        )
        .route(
            "/repos/{owner}/{repo}/pulls/comments/{id}/reactions",
            get(pulls::list_review_comment_reactions).post(pulls::react_review_comment),
        )
        .route("/repos/{owner}/{repo}/pulls/comments/{id}/reactions/{reaction}", delete(pulls::unreact_review_comment))
        .route("/repos/{owner}/{repo}/pulls/{number}", get(pulls::get).patch(pulls::update))
        .route("/repos/{owner}/{repo}/pulls/{number}/files", get(pulls::files))
        .route("/repos/{owner}/{repo}/pulls/{number}/commits", get(pulls::commits))
        .route("/repos/{owner}/{repo}/pulls/{number}/merge", get(pulls::is_merged).put(pulls::merge))
        .route("/repos/{owner}/{repo}/pulls/{number}/update-branch", put(pulls::update_branch))
        .route("/repos/{owner}/{repo}/pulls/{number}/reviews", get(pulls::list_reviews).post(pulls::create_review))
        .route(
            "/repos/{owner}/{repo}/pulls/{number}/reviews/{id}",
            get(pulls::get_review).put(pulls::update_review).delete(pulls::delete_review),
        )
        .route("/repos/{owner}/{repo}/pulls/{number}/reviews/{id}/events", post(pulls::submit_review))
        .route("/repos/{owner}/{repo}/pulls/{number}/reviews/{id}/dismissals", put(pulls::dismiss_review))
        .route("/repos/{owner}/{repo}/pulls/{number}/reviews/{id}/comments", get(pulls::review_comments_of_review))
        .route("/repos/{owner}/{repo}/pulls/{number}/comments", get(pulls::list_review_comments).post(pulls::create_review_comment))
        .route("/repos/{owner}/{repo}/pulls/{number}/comments/{comment_id}/replies", post(pulls::reply_review_comment))
        .route(
            "/repos/{owner}/{repo}/pulls/{number}/requested_reviewers",
            get(pulls::requested_reviewers).post(pulls::request_reviewers).delete(pulls::remove_requested_reviewers),
        )
        // search
        .route("/search/issues", get(search::issues))
        .route("/search/repositories", get(search::repositories))
        .route("/search/code", get(search::code))
        .route("/search/users", get(search::users))
        .route("/search/commits", get(search::commits))
        // webhooks
        .route("/repos/{owner}/{repo}/hooks", get(hooks::list).post(hooks::create))
        .route("/repos/{owner}/{repo}/hooks/{id}", get(hooks::get).patch(hooks::update).delete(hooks::delete))
        .route("/repos/{owner}/{repo}/hooks/{id}/pings", post(hooks::ping))
        .route("/repos/{owner}/{repo}/hooks/{id}/config", get(hooks::get_config).patch(hooks::update_config))
        .route("/repos/{owner}/{repo}/dispatches", post(hooks::dispatch))
        .route("/repos/{owner}/{repo}/transfer", post(repos::transfer))
        .route("/repos/{owner}/{repo}/hooks/{id}/tests", post(hooks::test_push))
        .route("/repos/{owner}/{repo}/hooks/{id}/deliveries", get(hooks::deliveries))
        .route("/repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery}", get(hooks::delivery))
        .route("/repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery}/attempts", post(hooks::redeliver))
        // meta
        .route("/rate_limit", get(users::rate_limit))
        .route("/meta", get(meta::meta))
        .route("/zen", get(meta::zen))
        .route("/octocat", get(meta::octocat))
        .route("/versions", get(meta::versions))
        .route("/markdown", post(markdown::render))
        .route("/markdown/raw", post(markdown::render_raw))
        .route("/", get(users::root))
        // the clone's control plane
        .route("/api/signup", post(control::signup))
        .route("/api/login", post(control::login))
        .route("/api/tokens", get(control::list_tokens).post(control::create_token))
        .route("/api/tokens/{id}", delete(control::delete_token))
        .route("/api/_asym/deliveries", get(control::deliveries))
        .fallback(not_built)
        .layer(middleware::from_fn(markdown::body_media))
        .layer(middleware::from_fn(wire))
}

/// Operations of GitHub's published API that are routed (OpenAPI `operationId`s).
pub const BUILT: &[&str] = &[
    "users/get-authenticated",
    "users/update-authenticated",
    "users/list",
    "users/get-by-username",
    "repos/list-for-authenticated-user",
    "repos/create-for-authenticated-user",
    "repos/list-for-user",
    "orgs/list-for-authenticated-user",
    "orgs/list-for-user",
    "orgs/get",
    "orgs/list",
    "orgs/update",
    "orgs/set-membership-for-user",
    "orgs/remove-member",
    "orgs/remove-membership-for-user",
    "orgs/list-members",
    "orgs/check-membership-for-user",
    "orgs/get-membership-for-user",
    "repos/list-for-org",
    "repos/create-in-org",
    "issues/list-for-org",
    "issues/list-for-authenticated-user",
    "repos/get",
    "repos/update",
    "repos/delete",
    "repos/get-all-topics",
    "repos/replace-all-topics",
    "repos/list-collaborators",
    "repos/check-collaborator",
    "repos/add-collaborator",
    "repos/remove-collaborator",
    "repos/get-collaborator-permission-level",
    "repos/list-branches",
    "repos/get-branch",
    "repos/get-content",
    "repos/create-or-update-file-contents",
    "repos/delete-file",
    "repos/get-readme",
    "repos/list-commits",
    "repos/get-commit",
    "repos/compare-commits",
    "repos/create-commit-status",
    "repos/list-commit-statuses-for-ref",
    "repos/get-combined-status-for-ref",
    "repos/list-tags",
    "repos/list-contributors",
    "repos/list-languages",
    "repos/merge",
    "pulls/update-branch",
    "git/create-ref",
    "git/get-ref",
    "git/update-ref",
    "git/delete-ref",
    "git/list-matching-refs",
    "git/create-commit",
    "git/get-commit",
    "git/create-tree",
    "git/get-tree",
    "git/create-blob",
    "git/get-blob",
    "git/create-tag",
    "git/get-tag",
    "repos/list-releases",
    "repos/create-release",
    "repos/get-latest-release",
    "repos/get-release-by-tag",
    "repos/get-release",
    "repos/update-release",
    "repos/delete-release",
    "issues/list",
    "issues/list-for-repo",
    "issues/create",
    "issues/get",
    "issues/update",
    "issues/list-comments-for-repo",
    "issues/get-comment",
    "issues/update-comment",
    "issues/delete-comment",
    "issues/list-comments",
    "issues/create-comment",
    "issues/list-events-for-repo",
    "issues/get-event",
    "issues/list-events",
    "issues/list-events-for-timeline",
    "issues/list-labels-on-issue",
    "issues/add-labels",
    "issues/set-labels",
    "issues/remove-all-labels",
    "issues/remove-label",
    "issues/add-assignees",
    "issues/remove-assignees",
    "issues/check-user-can-be-assigned-to-issue",
    "issues/lock",
    "issues/unlock",
    "issues/list-labels-for-repo",
    "issues/create-label",
    "issues/get-label",
    "issues/update-label",
    "issues/delete-label",
    "issues/list-assignees",
    "issues/check-user-can-be-assigned",
    "issues/list-milestones",
    "issues/create-milestone",
    "issues/get-milestone",
    "issues/update-milestone",
    "issues/delete-milestone",
    "issues/list-labels-for-milestone",
    "reactions/list-for-issue",
    "reactions/create-for-issue",
    "reactions/delete-for-issue",
    "reactions/list-for-issue-comment",
    "reactions/create-for-issue-comment",
    "reactions/delete-for-issue-comment",
    "reactions/list-for-pull-request-review-comment",
    "reactions/create-for-pull-request-review-comment",
    "reactions/delete-for-pull-request-comment",
    "pulls/list",
    "pulls/create",
    "pulls/get",
    "pulls/update",
    "pulls/list-files",
    "pulls/list-commits",
    "pulls/check-if-merged",
    "pulls/merge",
    "pulls/list-reviews",
    "pulls/create-review",
    "pulls/get-review",
    "pulls/update-review",
    "pulls/delete-pending-review",
    "pulls/submit-review",
    "pulls/dismiss-review",
    "pulls/list-comments-for-review",
    "pulls/list-review-comments",
    "pulls/create-review-comment",
    "pulls/list-review-comments-for-repo",
    "pulls/get-review-comment",
    "pulls/update-review-comment",
    "pulls/delete-review-comment",
    "pulls/list-requested-reviewers",
    "pulls/request-reviewers",
    "pulls/remove-requested-reviewers",
    "search/issues-and-pull-requests",
    "search/repos",
    "search/code",
    "search/users",
    "search/commits",
    "repos/list-webhooks",
    "repos/create-webhook",
    "repos/get-webhook",
    "repos/update-webhook",
    "repos/delete-webhook",
    "repos/ping-webhook",
    "repos/test-push-webhook",
    "repos/list-webhook-deliveries",
    "repos/get-webhook-delivery",
    "repos/redeliver-webhook-delivery",
    "rate-limit/get",
    "teams/list",
    "teams/create",
    "teams/get-by-name",
    "teams/update-in-org",
    "teams/delete-in-org",
    "teams/list-child-in-org",
    "teams/list-members-in-org",
    "teams/get-membership-for-user-in-org",
    "teams/add-or-update-membership-for-user-in-org",
    "teams/remove-membership-for-user-in-org",
    "teams/list-repos-in-org",
    "teams/check-permissions-for-repo-in-org",
    "teams/add-or-update-repo-permissions-in-org",
    "teams/remove-repo-in-org",
    "teams/get-legacy",
    "teams/update-legacy",
    "teams/delete-legacy",
    "teams/list-child-legacy",
    "teams/list-members-legacy",
    "teams/get-member-legacy",
    "teams/add-member-legacy",
    "teams/remove-member-legacy",
    "teams/get-membership-for-user-legacy",
    "teams/add-or-update-membership-for-user-legacy",
    "teams/remove-membership-for-user-legacy",
    "teams/list-repos-legacy",
    "teams/check-permissions-for-repo-legacy",
    "teams/add-or-update-repo-permissions-legacy",
    "teams/remove-repo-legacy",
    "teams/list-for-authenticated-user",
    "repos/list-teams",
    "repos/create-fork",
    "repos/list-forks",
    "activity/list-notifications-for-authenticated-user",
    "activity/mark-notifications-as-read",
    "activity/get-thread",
    "activity/mark-thread-as-read",
    "activity/mark-thread-as-done",
    "activity/list-repo-notifications-for-authenticated-user",
    "activity/mark-repo-notifications-as-read",
    "meta/root",
    "checks/create",
    "checks/get",
    "checks/update",
    "checks/list-annotations",
    "checks/rerequest-run",
    "checks/list-for-ref",
    "checks/list-for-suite",
    "checks/create-suite",
    "checks/get-suite",
    "checks/list-suites-for-ref",
    "checks/rerequest-suite",
    "checks/set-suites-preferences",
    "repos/create-commit-comment",
    "repos/list-comments-for-commit",
    "repos/list-commit-comments-for-repo",
    "repos/get-commit-comment",
    "repos/update-commit-comment",
    "repos/delete-commit-comment",
    "reactions/list-for-commit-comment",
    "reactions/create-for-commit-comment",
    "reactions/delete-for-commit-comment",
    "repos/list-pull-requests-associated-with-commit",
    "repos/rename-branch",
    "repos/compare-commits-with-basehead",
    "repos/create-deployment",
    "repos/list-deployments",
    "repos/get-deployment",
    "repos/delete-deployment",
    "repos/create-deployment-status",
    "repos/list-deployment-statuses",
    "repos/get-deployment-status",
    "repos/get-all-environments",
    "repos/get-environment",
    "repos/create-or-update-environment",
    "repos/delete-an-environment",
    "repos/list-invitations",
    "repos/update-invitation",
    "repos/delete-invitation",
    "repos/list-invitations-for-authenticated-user",
    "repos/accept-invitation-for-authenticated-user",
    "repos/decline-invitation-for-authenticated-user",
    "repos/upload-release-asset",
    "repos/list-release-assets",
    "repos/get-release-asset",
    "repos/update-release-asset",
    "repos/delete-release-asset",
    // people
    "users/get-by-id",
    "users/list-followers-for-authenticated-user",
    "users/list-followed-by-authenticated-user",
    "users/check-person-is-followed-by-authenticated",
    "users/follow",
    "users/unfollow",
    "users/list-followers-for-user",
    "users/list-following-for-user",
    "users/check-following-for-user",
    "users/list-emails-for-authenticated-user",
    "users/list-public-emails-for-authenticated-user",
    "users/add-email-for-authenticated-user",
    "users/delete-email-for-authenticated-user",
    "users/set-primary-email-visibility-for-authenticated-user",
    "users/list-public-ssh-keys-for-authenticated-user",
    "users/create-public-ssh-key-for-authenticated-user",
    "users/get-public-ssh-key-for-authenticated-user",
    "users/delete-public-ssh-key-for-authenticated-user",
    "users/list-public-keys-for-user",
    "users/list-blocked-by-authenticated-user",
    "users/check-blocked",
    "users/block",
    "users/unblock",
    "orgs/create-invitation",
    "orgs/list-pending-invitations",
    "orgs/cancel-invitation",
    "orgs/list-invitation-teams",
    "orgs/list-failed-invitations",
    "teams/list-pending-invitations-in-org",
    "teams/list-pending-invitations-legacy",
    "orgs/list-memberships-for-authenticated-user",
    "orgs/get-membership-for-authenticated-user",
    "orgs/update-membership-for-authenticated-user",
    "orgs/list-outside-collaborators",
    "orgs/convert-member-to-outside-collaborator",
    "orgs/remove-outside-collaborator",
    "orgs/list-public-members",
    "orgs/check-public-membership-for-user",
    "orgs/set-public-membership-for-authenticated-user",
    "orgs/remove-public-membership-for-authenticated-user",
    "orgs/list-blocked-users",
    "orgs/check-blocked-user",
    "orgs/block-user",
    "orgs/unblock-user",
    "orgs/list-webhooks",
    "orgs/create-webhook",
    "orgs/get-webhook",
    "orgs/update-webhook",
    "orgs/delete-webhook",
    "orgs/get-webhook-config-for-org",
    "orgs/update-webhook-config-for-org",
    "orgs/ping-webhook",
    "orgs/list-webhook-deliveries",
    "orgs/get-webhook-delivery",
    "orgs/redeliver-webhook-delivery",
    // branch protection (routes/protection.rs)
    "repos/get-branch-protection",
    "repos/update-branch-protection",
    "repos/delete-branch-protection",
    "repos/get-status-checks-protection",
    "repos/update-status-check-protection",
    "repos/remove-status-check-protection",
    "repos/get-all-status-check-contexts",
    "repos/add-status-check-contexts",
    "repos/set-status-check-contexts",
    "repos/remove-status-check-contexts",
    "repos/get-pull-request-review-protection",
    "repos/update-pull-request-review-protection",
    "repos/delete-pull-request-review-protection",
    "repos/get-admin-branch-protection",
    "repos/set-admin-branch-protection",
    "repos/delete-admin-branch-protection",
    "repos/get-commit-signature-protection",
    "repos/create-commit-signature-protection",
    "repos/delete-commit-signature-protection",
    "repos/get-access-restrictions",
    "repos/delete-access-restrictions",
    "repos/get-users-with-access-to-protected-branch",
    "repos/add-user-access-restrictions",
    "repos/set-user-access-restrictions",
    "repos/remove-user-access-restrictions",
    "repos/get-teams-with-access-to-protected-branch",
    "repos/add-team-access-restrictions",
    "repos/set-team-access-restrictions",
    "repos/remove-team-access-restrictions",
    "repos/get-apps-with-access-to-protected-branch",
    "repos/add-app-access-restrictions",
    "repos/set-app-access-restrictions",
    "repos/remove-app-access-restrictions",
    "pulls/create-reply-for-review-comment",
    "repos/list-branches-for-head-commit",
    "repos/generate-release-notes",
    "reactions/list-for-release",
    "reactions/create-for-release",
    "reactions/delete-for-release",
    "repos/get-webhook-config-for-repo",
    "repos/update-webhook-config-for-repo",
    "repos/create-dispatch-event",
    "meta/get",
    "meta/get-zen",
    "meta/get-octocat",
    "meta/get-all-versions",
    "markdown/render",
    "markdown/render-raw",
    "repos/get-readme-in-directory",
    "repos/download-tarball-archive",
    "repos/download-zipball-archive",
    "repos/transfer",
    // sub-issues, issue dependencies (routes/subissues.rs)
    "issues/list-sub-issues",
    "issues/add-sub-issue",
    "issues/remove-sub-issue",
    "issues/reprioritize-sub-issue",
    "issues/get-parent",
    "issues/list-dependencies-blocked-by",
    "issues/add-blocked-by-dependency",
    "issues/remove-dependency-blocked-by",
    "issues/list-dependencies-blocking",
    // deploy keys, autolinks (routes/keys.rs), statistics (routes/stats.rs)
    "repos/list-deploy-keys",
    "repos/create-deploy-key",
    "repos/get-deploy-key",
    "repos/delete-deploy-key",
    "repos/list-autolinks",
    "repos/create-autolink",
    "repos/get-autolink",
    "repos/delete-autolink",
    "repos/get-contributors-stats",
    "repos/get-commit-activity-stats",
    "repos/get-code-frequency-stats",
    "repos/get-participation-stats",
    "repos/get-punch-card-stats",
    "gists/check-is-starred",
    "gists/create",
    "gists/create-comment",
    "gists/delete",
    "gists/delete-comment",
    "gists/fork",
    "gists/get",
    "gists/get-comment",
    "gists/get-revision",
    "gists/list",
    "gists/list-comments",
    "gists/list-commits",
    "gists/list-for-user",
    "gists/list-forks",
    "gists/list-public",
    "gists/list-starred",
    "gists/star",
    "gists/unstar",
    "gists/update",
    "gists/update-comment",
];

/// The largest release asset the clone takes in one upload (GitHub's limit is 2 GiB).
const ASSET_LIMIT: usize = 256 * 1024 * 1024;

/// GitHub's published operations (`operationId METHOD path`), for the fallback
/// and `COVERAGE.md`.
pub const PUBLISHED: &str = include_str!("../../spec-operations.txt");

/// The published operation a request would be, if any.
pub fn operation_for(method: &Method, path: &str) -> Option<&'static str> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    for line in PUBLISHED.lines() {
        let mut parts = line.split(' ');
        let (Some(op), Some(m), Some(p)) = (parts.next(), parts.next(), parts.next()) else { continue };
        if m != method.as_str() {
            continue;
        }
        let tsegs: Vec<&str> = p.split('/').collect();
        if tsegs.len() == segs.len() && tsegs.iter().zip(&segs).all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s) {
            return Some(op);
        }
    }
    None
}

async fn not_built(method: Method, uri: axum::http::Uri) -> GhError {
    match operation_for(&method, uri.path()) {
        Some(op) => GhError::NotImplemented { operation: op.to_string() },
        None => GhError::NotFound,
    }
}

/// What the handler's [`Cx`] learnt about the request, for [`wire`] to render.
#[derive(Default)]
pub struct Slot {
    pub rate: Option<ratelimit::State>,
    pub caller: Caller,
    pub kv: Option<std::sync::Arc<dyn asym_store::Kv>>,
    /// The clone's public base URL and database, for [`markdown::body_media`].
    pub base: Option<String>,
    pub db: Option<Db>,
}

pub type SharedSlot = std::sync::Arc<std::sync::Mutex<Slot>>;

/// Request id, ETag and conditional requests (`If-None-Match` → 304), and the
/// rate-limit headers the request's [`Cx`] computed.
async fn wire(mut req: Request, next: Next) -> Response {
    let request_id = format!(
        "{}:{}:{}:{}:{}",
        random_string(4, HEX).to_uppercase(),
        random_string(5, HEX).to_uppercase(),
        random_string(6, HEX).to_uppercase(),
        random_string(6, HEX).to_uppercase(),
        random_string(8, HEX).to_uppercase()
    );
    let slot: SharedSlot = Default::default();
    req.extensions_mut().insert(slot.clone());
    let conditional = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(String::from);
    let is_get = req.method() == Method::GET;
    let control = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let (mut rate, caller, kv) = {
        let mut s = slot.lock().unwrap_or_else(|p| p.into_inner());
        (s.rate.take(), std::mem::take(&mut s.caller), s.kv.take())
    };
    let mut resp = resp;
    if let Some(scopes) = caller.scopes.as_deref().and_then(|s| HeaderValue::from_str(&s.replace(',', ", ")).ok()) {
        resp.headers_mut().insert("x-oauth-scopes", scopes);
        resp.headers_mut().insert("x-accepted-oauth-scopes", HeaderValue::from_static(""));
    }
    if !is_get || resp.status() != StatusCode::OK || control {
        return finish(resp, &request_id, rate);
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(collected) = body.collect().await else {
        return finish(GhError::Internal("reading the response".into()).into_response(), &request_id, rate);
    };
    let bytes = collected.to_bytes();
    // A fast non-cryptographic digest: an ETag only has to change when the body does.
    let etag = format!("W/\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(&bytes));
    if let Some(tags) = conditional
        && tags.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/")
        })
    {
        // A 304 does not count against the rate limit.
        if let (Some(state), Some(kv)) = (rate.as_mut(), kv) {
            ratelimit::refund(&*kv, &caller, state.resource).await;
            state.used -= 1;
        }
        let mut not_modified = Response::new(Body::empty());
        *not_modified.status_mut() = StatusCode::NOT_MODIFIED;
        if let Ok(v) = HeaderValue::from_str(&etag) {
            not_modified.headers_mut().insert(header::ETAG, v);
        }
        return finish(not_modified, &request_id, rate);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, v);
    }
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=60, s-maxage=60"));
    parts.headers.insert(header::VARY, HeaderValue::from_static("Accept, Authorization, Cookie, X-GitHub-OTP"));
    finish(Response::from_parts(parts, Body::from(bytes)), &request_id, rate)
}

fn finish(mut resp: Response, request_id: &str, rate: Option<ratelimit::State>) -> Response {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-github-request-id", v);
    }
    if !h.contains_key("x-github-media-type") {
        h.insert("x-github-media-type", HeaderValue::from_static("github.v3; format=json"));
    }
    h.insert("x-github-api-version-selected", HeaderValue::from_static("2022-11-28"));
    if let Some(r) = rate {
        h.insert("x-ratelimit-limit", HeaderValue::from(r.limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from((r.limit - r.used).max(0)));
        h.insert("x-ratelimit-reset", HeaderValue::from(r.reset));
        h.insert("x-ratelimit-used", HeaderValue::from(r.used.min(r.limit)));
        h.insert("x-ratelimit-resource", HeaderValue::from_static(r.resource));
    }
    resp
}

pub type Handler = GhResult<Response>;

/// `(owner, repo)` path parameters.
pub type RepoPath = axum::extract::Path<(String, String)>;

pub fn json(v: serde_json::Value) -> Response {
    axum::Json(v).into_response()
}

pub fn created(v: serde_json::Value) -> Response {
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

pub fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
