//! The provision surface: the workspace's default app (`asymmetric`) with a bot
//! user, a bot token and a user token for the workspace owner. App, bot and bot
//! user ids derive from the clone id, so they stay the same across resets and
//! rotations; tokens are random and stored hashed.

use asym_clone_kit::secrets::{ALNUM, DIGITS, HEX, hash_token, random_string};
use asym_contract::admin::ProvisionRequest;
use asym_contract::{AsymError, CloneTokens};
use asym_store::Pool;

use crate::ids;
use crate::model::auth::{DEFAULT_BOT_SCOPES, DEFAULT_USER_SCOPES};
use crate::store::channels;
use crate::store::workspace::{self, NewToken, TeamRow, UserRow};
use crate::wire::now_secs;

pub const APP_NAME: &str = "asymmetric";

/// The default app's id and its bot user's id, both derived from the clone id.
pub fn default_app_ids(clone_id: &str) -> (String, String) {
    (ids::derived('A', clone_id), ids::derived('U', &format!("{clone_id}/bot")))
}

pub async fn provision(clone_id: &str, db: &Pool, req: ProvisionRequest) -> Result<CloneTokens, AsymError> {
    let io = |e: sqlx::Error| AsymError::Database { target: "slack provision".into(), reason: e.to_string() };
    let mut tx = asym_store::begin_write(db).await.map_err(io)?;
    let now = now_secs();
    let team = match workspace::first_team(&mut *tx).await.map_err(io)? {
        Some(t) => t,
        None => {
            // An unseeded clone still gets a workspace and an owner to act as.
            let t = TeamRow { id: ids::derived('T', clone_id), name: "Asymmetric".into(), domain: "asymmetric".into(), created: now };
            workspace::insert_team(&mut *tx, &t).await.map_err(io)?;
            let owner = human(&t, ids::derived('U', &format!("{clone_id}/owner")), now);
            workspace::insert_user(&mut *tx, &owner, None).await.map_err(io)?;
            t
        }
    };
    let owner = workspace::primary_owner(&mut *tx, &team.id)
        .await
        .map_err(io)?
        .ok_or_else(|| AsymError::SeedValidation { fixture: "(provision)".into(), reason: "the workspace has no human user".into() })?;

    let app_id = ids::derived('A', clone_id);
    let bot_id = ids::derived('B', clone_id);
    let bot_user_id = ids::derived('U', &format!("{clone_id}/bot"));
    if workspace::user(&mut *tx, &bot_user_id).await.map_err(io)?.is_none() {
        let mut bot = human(&team, bot_user_id.clone(), now);
        bot.name = APP_NAME.into();
        bot.real_name = APP_NAME.into();
        bot.email = None;
        bot.is_bot = true;
        bot.bot_id = Some(bot_id.clone());
        // A bot user is never an admin or owner of the workspace.
        (bot.is_admin, bot.is_owner, bot.is_primary_owner) = (false, false, false);
        workspace::insert_user(&mut *tx, &bot, None).await.map_err(io)?;
        // The seeded app has been invited to the open public channels, so the
        // bot token works out of the box; private channels still need an invite.
        channels::join_public_channels(&mut *tx, &team.id, &bot_user_id, now).await.map_err(io)?;
    }
    workspace::insert_app(&mut *tx, &app_id, &team.id, APP_NAME, &bot_id, &bot_user_id, now).await.map_err(io)?;

    if let Some(old) = &req.revoke {
        for t in old.0.values() {
            workspace::delete_token(&mut *tx, &hash_token(t)).await.map_err(io)?;
        }
    }
    // Re-applied tokens (after a reset or a restore) are the app's only ones: a
    // snapshot taken before a rotation must not bring the revoked pair back.
    if req.tokens.is_some() {
        workspace::delete_app_tokens(&mut *tx, &app_id).await.map_err(io)?;
    }
    let given = req.tokens.unwrap_or_default();
    let bot = given
        .0
        .get("bot")
        .cloned()
        .unwrap_or_else(|| format!("xoxb-{}-{}-{}", random_string(12, DIGITS), random_string(13, DIGITS), random_string(24, ALNUM)));
    let user = given.0.get("user").cloned().unwrap_or_else(|| {
        format!("xoxp-{}-{}-{}-{}", random_string(12, DIGITS), random_string(12, DIGITS), random_string(13, DIGITS), random_string(32, HEX))
    });
    let bot_scopes = DEFAULT_BOT_SCOPES.join(",");
    let user_scopes = DEFAULT_USER_SCOPES.join(",");
    let bot_hash = hash_token(&bot);
    let user_hash = hash_token(&user);
    workspace::insert_token(
        &mut *tx,
        NewToken {
            hash: &bot_hash,
            kind: "bot",
            team_id: &team.id,
            user_id: &bot_user_id,
            app_id: Some(&app_id),
            scopes: &bot_scopes,
            created: now,
        },
    )
    .await
    .map_err(io)?;
    workspace::insert_token(
        &mut *tx,
        NewToken {
            hash: &user_hash,
            kind: "user",
            team_id: &team.id,
            user_id: &owner.id,
            app_id: Some(&app_id),
            scopes: &user_scopes,
            created: now,
        },
    )
    .await
    .map_err(io)?;
    tx.commit().await.map_err(io)?;
    crate::model::auth::tokens_revoked();
    Ok(CloneTokens([("bot".to_string(), bot), ("user".to_string(), user)].into_iter().collect()))
}

fn human(team: &TeamRow, id: String, now: i64) -> UserRow {
    UserRow {
        id,
        team_id: team.id.clone(),
        name: "admin".into(),
        real_name: "Workspace Admin".into(),
        display_name: "admin".into(),
        email: Some(format!("admin@{}.test", team.domain)),
        title: String::new(),
        tz: "America/Los_Angeles".into(),
        is_admin: true,
        is_owner: true,
        is_primary_owner: true,
        is_bot: false,
        bot_id: None,
        deleted: false,
        presence: "away".into(),
        updated: now,
    }
}
