//! Removing a clone's storage on the shared backends: its database and snapshot
//! databases on PostgreSQL, its key prefix on Redis. (On the embedded default both
//! live in the clone's folder, which the provider removes.)

use crate::target::Target;
use crate::{Kv, StoreResult, postgres, redis_kv::RedisKv};

pub async fn destroy_database(database_url: &str, clone_id: &str) -> StoreResult<()> {
    if let Target::Postgres { url, name } = Target::parse(database_url)? {
        let mut admin = postgres::admin(&url).await?;
        postgres::drop_database(&mut admin, &name).await?;
        for snap in postgres::list_prefixed(&mut admin, &postgres::snapshot_prefix(clone_id)).await? {
            postgres::drop_database(&mut admin, &snap).await?;
        }
    }
    Ok(())
}

pub async fn destroy_keys(kv_url: &str, prefix: &str) -> StoreResult<u64> {
    if kv_url == "memory" {
        return Ok(0);
    }
    RedisKv::connect(kv_url, prefix).await?.clear().await
}

/// Drops one snapshot database of a clone (PostgreSQL only; files go with the folder).
pub async fn destroy_snapshot(database_url: &str, clone_id: &str, snapshot: &str) -> StoreResult<()> {
    if let Target::Postgres { url, .. } = Target::parse(database_url)? {
        let mut admin = postgres::admin(&url).await?;
        postgres::drop_database(&mut admin, &postgres::snapshot_db_name(clone_id, snapshot)).await?;
    }
    Ok(())
}
