use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use asym_store::golden::restore_file;
use asym_store::{GoldenKey, GoldenStore, Migration, StoreHandle, migrate};

const MIGRATIONS: &[Migration] =
    &[Migration { name: "0001_items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);" }];

fn key(fixtures: &[&str]) -> GoldenKey {
    GoldenKey {
        template: "demo".into(),
        migrations_hash: migrate::hash(MIGRATIONS),
        fixtures: fixtures.iter().map(|s| s.to_string()).collect(),
    }
}

async fn build(store: &GoldenStore, builds: Arc<AtomicUsize>) -> std::path::PathBuf {
    store
        .ensure(&key(&["seeded"]), |pool| async move {
            builds.fetch_add(1, Ordering::SeqCst);
            migrate::apply(&pool, MIGRATIONS).await?;
            sqlx::query("INSERT INTO items (name) VALUES ('seeded')").execute(&pool).await?;
            Ok(())
        })
        .await
        .unwrap()
}

async fn names(h: &StoreHandle) -> Vec<String> {
    let db = h.db().await.unwrap();
    sqlx::query_scalar("SELECT name FROM items ORDER BY id").fetch_all(&*db).await.unwrap()
}

#[tokio::test]
async fn reset_by_swap_brings_back_the_seeded_rows_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = GoldenStore::new(dir.path().join("golden"));
    let golden = build(&store, Arc::default()).await;
    let db_path = dir.path().join("db.sqlite");
    restore_file(&golden, &db_path).unwrap();

    let h = StoreHandle::open(&db_path).await.unwrap();
    {
        let db = h.db().await.unwrap();
        sqlx::query("INSERT INTO items (name) VALUES ('agent wrote this')").execute(&*db).await.unwrap();
    }
    assert_eq!(names(&h).await, ["seeded", "agent wrote this"]);
    h.swap(|p| restore_file(&golden, p)).await.unwrap();
    assert_eq!(names(&h).await, ["seeded"]);
}

#[tokio::test]
async fn concurrent_builders_build_the_golden_image_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = GoldenStore::new(dir.path().join("golden"));
    let builds = Arc::new(AtomicUsize::new(0));
    let (a, b) = tokio::join!(build(&store, builds.clone()), build(&store, builds.clone()));
    assert_eq!(a, b);
    assert_eq!(builds.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_build_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = GoldenStore::new(dir.path().join("golden"));
    let err = store
        .ensure(&key(&["broken"]), |pool| async move {
            sqlx::raw_sql("CREATE TABLE t (x); INSERT INTO nope VALUES (1);").execute(&pool).await?;
            Ok(())
        })
        .await;
    assert!(err.is_err());
    assert!(!store.path(&key(&["broken"])).exists());
}

#[test]
fn golden_names_change_with_fixtures_and_migrations() {
    let a = key(&["acme"]).file_name();
    let b = key(&["acme", "extra"]).file_name();
    let mut c = key(&["acme"]);
    c.migrations_hash = "other".into();
    assert_ne!(a, b);
    assert_ne!(a, c.file_name());
    assert!(key(&[]).file_name().contains("empty"));
}
