//! The store on real backends: every scenario runs on SQLite and on PostgreSQL
//! (`ASYM_TEST_DATABASE_URL`, default the local server), and the key-value tests
//! on Redis (`ASYM_TEST_REDIS_URL`, default the local server).

mod backends;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use asym_store::{GoldenKey, GoldenStore, Image, Migration, StoreHandle, Target, materialize, migrate};
use backends::{Backend, unique};

const MIGRATIONS: &[Migration] =
    &[Migration { name: "0001_items", sql: "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL);" }];

fn key(template: &str, fixtures: &[&str]) -> GoldenKey {
    GoldenKey {
        template: template.into(),
        migrations_hash: migrate::hash(MIGRATIONS),
        fixtures: fixtures.iter().map(|s| s.to_string()).collect(),
    }
}

async fn build(b: &Backend, golden: &GoldenStore, key: &GoldenKey, builds: Arc<AtomicUsize>) -> Image {
    golden
        .ensure(&b.server_target(), key, |pool| async move {
            builds.fetch_add(1, Ordering::SeqCst);
            migrate::apply(&pool, MIGRATIONS).await?;
            sqlx::query("INSERT INTO items (id, name) VALUES (1, 'seeded')").execute(&pool).await?;
            Ok(())
        })
        .await
        .unwrap()
}

async fn names(h: &StoreHandle) -> Vec<String> {
    let db = h.db().await.unwrap();
    sqlx::query_scalar("SELECT name FROM items ORDER BY id").fetch_all(&*db).await.unwrap()
}

async fn write(h: &StoreHandle, id: i64, name: &str) {
    let db = h.db().await.unwrap();
    sqlx::query("INSERT INTO items (id, name) VALUES ($1, $2)").bind(id).bind(name).execute(&*db).await.unwrap();
}

/// A seeded clone database on `b`.
async fn seeded_clone(b: &Backend, golden: &GoldenStore, template: &str) -> (Target, StoreHandle) {
    let image = build(b, golden, &key(template, &["seeded"]), Arc::default()).await;
    let target = b.clone_target(&unique("clone"));
    materialize(&target, &image).await.unwrap();
    let h = StoreHandle::open(target.clone()).await.unwrap();
    (target, h)
}

async fn reset_brings_back_the_seeded_rows_only(b: Backend) {
    let golden = b.golden();
    let template = b.template();
    let (_, h) = seeded_clone(&b, &golden, &template).await;
    write(&h, 2, "agent wrote this").await;
    assert_eq!(names(&h).await, ["seeded", "agent wrote this"]);
    let image = build(&b, &golden, &key(&template, &["seeded"]), Arc::default()).await;
    h.replace_with(&image).await.unwrap();
    assert_eq!(names(&h).await, ["seeded"]);
    b.cleanup().await;
}

#[tokio::test]
async fn reset_brings_back_the_seeded_rows_only_sqlite() {
    reset_brings_back_the_seeded_rows_only(Backend::sqlite()).await;
}
#[tokio::test]
async fn reset_brings_back_the_seeded_rows_only_postgres() {
    reset_brings_back_the_seeded_rows_only(Backend::postgres().await).await;
}

async fn concurrent_builders_build_the_golden_image_once(b: Backend) {
    let golden = b.golden();
    let k = key(&b.template(), &["seeded"]);
    let builds = Arc::new(AtomicUsize::new(0));
    let (x, y) = tokio::join!(build(&b, &golden, &k, builds.clone()), build(&b, &golden, &k, builds.clone()));
    assert_eq!(x, y);
    assert_eq!(builds.load(Ordering::SeqCst), 1);
    b.cleanup().await;
}

#[tokio::test]
async fn concurrent_builders_build_the_golden_image_once_sqlite() {
    concurrent_builders_build_the_golden_image_once(Backend::sqlite()).await;
}
#[tokio::test]
async fn concurrent_builders_build_the_golden_image_once_postgres() {
    concurrent_builders_build_the_golden_image_once(Backend::postgres().await).await;
}

async fn a_failed_build_publishes_nothing(b: Backend) {
    let golden = b.golden();
    let k = key(&b.template(), &["broken"]);
    let err = golden
        .ensure(&b.server_target(), &k, |pool| async move {
            sqlx::raw_sql("CREATE TABLE t (x BIGINT); INSERT INTO nope VALUES (1);").execute(&pool).await?;
            Ok(())
        })
        .await;
    assert!(err.is_err());
    assert!(!b.image_exists(&golden, &k).await, "nothing published");
    b.cleanup().await;
}

#[tokio::test]
async fn a_failed_build_publishes_nothing_sqlite() {
    a_failed_build_publishes_nothing(Backend::sqlite()).await;
}
#[tokio::test]
async fn a_failed_build_publishes_nothing_postgres() {
    a_failed_build_publishes_nothing(Backend::postgres().await).await;
}

async fn a_snapshot_restores_what_was_there_when_it_was_taken(b: Backend) {
    let golden = b.golden();
    let (_, h) = seeded_clone(&b, &golden, &b.template()).await;
    write(&h, 2, "before snapshot").await;
    let snap = b.snapshot_image("snap1");
    h.copy_to(&snap).await.unwrap();
    write(&h, 3, "after snapshot").await;
    h.replace_with(&snap).await.unwrap();
    assert_eq!(names(&h).await, ["seeded", "before snapshot"]);
    // The snapshot is reusable: restoring twice gives the same state.
    write(&h, 4, "again").await;
    h.replace_with(&snap).await.unwrap();
    assert_eq!(names(&h).await, ["seeded", "before snapshot"]);
    b.cleanup().await;
}

#[tokio::test]
async fn a_snapshot_restores_what_was_there_when_it_was_taken_sqlite() {
    a_snapshot_restores_what_was_there_when_it_was_taken(Backend::sqlite()).await;
}
#[tokio::test]
async fn a_snapshot_restores_what_was_there_when_it_was_taken_postgres() {
    a_snapshot_restores_what_was_there_when_it_was_taken(Backend::postgres().await).await;
}

async fn clones_never_see_each_others_rows(b: Backend) {
    let golden = b.golden();
    let template = b.template();
    let (ta, a) = seeded_clone(&b, &golden, &template).await;
    let (_, bb) = seeded_clone(&b, &golden, &template).await;
    write(&a, 2, "only in a").await;
    assert_eq!(names(&bb).await, ["seeded"]);
    a.close().await;
    b.destroy(&ta).await;
    assert_eq!(names(&bb).await, ["seeded"], "destroying a leaves b untouched");
    b.cleanup().await;
}

#[tokio::test]
async fn clones_never_see_each_others_rows_sqlite() {
    clones_never_see_each_others_rows(Backend::sqlite()).await;
}
#[tokio::test]
async fn clones_never_see_each_others_rows_postgres() {
    clones_never_see_each_others_rows(Backend::postgres().await).await;
}

#[tokio::test]
async fn terminated_connections_during_reset_leave_a_clone_that_resets_again() {
    let b = Backend::postgres().await;
    let golden = b.golden();
    let template = b.template();
    let (target, h) = seeded_clone(&b, &golden, &template).await;
    let image = build(&b, &golden, &key(&template, &["seeded"]), Arc::default()).await;
    write(&h, 2, "dirty").await;
    let Target::Postgres { name, .. } = &target else { unreachable!() };
    let killer = {
        let (b, name) = (b.clone(), name.clone());
        tokio::spawn(async move {
            for _ in 0..20 {
                b.terminate_sessions(&name).await;
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        })
    };
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        outcomes.push(h.replace_with(&image).await.map_err(|e| e.to_string()));
    }
    killer.await.unwrap();
    // Whatever happened while sessions were being killed, one more reset succeeds
    // and leaves exactly the seeded rows.
    h.replace_with(&image).await.unwrap();
    assert_eq!(names(&h).await, ["seeded"], "outcomes under fire: {outcomes:?}");
    b.cleanup().await;
}

#[test]
fn golden_names_change_with_fixtures_and_migrations() {
    let a = key("demo", &["acme"]);
    let b = key("demo", &["acme", "extra"]);
    let mut c = key("demo", &["acme"]);
    c.migrations_hash = "other".into();
    assert_ne!(a.file_name(), b.file_name());
    assert_ne!(a.file_name(), c.file_name());
    assert_ne!(a.database_name(), b.database_name());
    assert_ne!(a.database_name(), c.database_name());
    assert!(key("demo", &[]).file_name().contains("empty"));
    assert!(a.database_name().len() <= 63);
}

async fn the_version_moves_with_every_change_and_only_then(b: Backend, cacheable: bool) {
    let golden = b.golden();
    let template = b.template();
    let (target, h) = seeded_clone(&b, &golden, &template).await;
    let version = || async { h.db().await.unwrap().version() };
    let v0 = version().await;
    if !cacheable {
        assert_eq!(v0, None, "no cheap version: callers must not cache");
        b.cleanup().await;
        return;
    }
    assert!(v0.is_some());
    names(&h).await;
    assert_eq!(version().await, v0, "a read changes nothing");
    write(&h, 2, "through the pool").await;
    let v1 = version().await;
    assert_ne!(v1, v0);
    // A commit from a connection the handle does not own (another process, the CLI).
    let Target::Sqlite { path } = &target else { unreachable!() };
    let other = rusqlite::Connection::open(path).unwrap();
    other.execute("INSERT INTO items (id, name) VALUES (3, 'from elsewhere')", []).unwrap();
    let v2 = version().await;
    assert_ne!(v2, v1);
    let image = build(&b, &golden, &key(&template, &["seeded"]), Arc::default()).await;
    h.replace_with(&image).await.unwrap();
    let v3 = version().await;
    assert!(v3.is_some() && v3 != v2, "a reset is a change");
    b.cleanup().await;
}

#[tokio::test]
async fn the_version_moves_with_every_change_and_only_then_sqlite() {
    the_version_moves_with_every_change_and_only_then(Backend::sqlite(), true).await;
}
#[tokio::test]
async fn the_version_moves_with_every_change_and_only_then_postgres() {
    the_version_moves_with_every_change_and_only_then(Backend::postgres().await, false).await;
}
