//! What the model's flow tests share: a seeded, provisioned workspace in a
//! temporary SQLite file, and method arguments built from pairs.

use asym_store::{Pool, Target};
use serde_json::Value;

use crate::model::auth::Principal;
use crate::wire::Args;

/// A workspace seeded from the first fixture and provisioned as clone `name`;
/// its bot and user principals. Keep the directory alive for the test.
pub async fn workspace(name: &str) -> (tempfile::TempDir, Pool, Principal, Principal) {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::Sqlite { path: dir.path().join("clone.db") };
    let db = asym_store::pool::connect(&target, true).await.unwrap();
    asym_store::migrate::apply(&db, crate::MIGRATIONS).await.unwrap();
    crate::model::seed::apply(&db, &crate::FIXTURES[0]).await.unwrap();
    let tokens = crate::model::provision::provision(name, &db, Default::default()).await.unwrap();
    let bot = crate::model::auth::authenticate(&db, tokens.0.get("bot").map(String::as_str)).await.unwrap();
    let user = crate::model::auth::authenticate(&db, tokens.0.get("user").map(String::as_str)).await.unwrap();
    (dir, db, bot, user)
}

pub fn args(pairs: &[(&str, Value)]) -> Args {
    Args(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}
