//! Real backends for the store tests: a temporary folder for SQLite, the local
//! PostgreSQL server (databases named per test and dropped after it).

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use asym_store::{GoldenKey, GoldenStore, Image, Target, postgres};
use url::Url;

pub fn unique(prefix: &str) -> String {
    let n: u64 = rand_u64();
    format!("{prefix}{:012x}", n & 0xffff_ffff_ffff)
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

pub fn database_url() -> Url {
    let raw = std::env::var("ASYM_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    Url::parse(&raw).expect("ASYM_TEST_DATABASE_URL is a URL")
}

pub fn redis_url() -> String {
    std::env::var("ASYM_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

#[derive(Clone)]
pub enum Backend {
    Sqlite { dir: Arc<tempfile::TempDir> },
    Postgres { url: Url, dir: Arc<tempfile::TempDir>, made: Arc<Mutex<Vec<String>>>, templates: Arc<Mutex<Vec<String>>> },
}

impl Backend {
    pub fn sqlite() -> Backend {
        Backend::Sqlite { dir: Arc::new(tempfile::tempdir().unwrap()) }
    }

    pub async fn postgres() -> Backend {
        let url = database_url();
        postgres::admin(&url).await.unwrap_or_else(|e| panic!("the PostgreSQL tests need a server: {e} (scripts/services.sh starts one)"));
        Backend::Postgres { url, dir: Arc::new(tempfile::tempdir().unwrap()), made: Arc::default(), templates: Arc::default() }
    }

    fn dir(&self) -> &std::path::Path {
        match self {
            Backend::Sqlite { dir } | Backend::Postgres { dir, .. } => dir.path(),
        }
    }

    /// A template name used only by this test (its golden image is dropped after).
    pub fn template(&self) -> String {
        let t = unique("tst");
        if let Backend::Postgres { templates, .. } = self {
            templates.lock().unwrap().push(t.clone());
        }
        t
    }

    pub fn golden(&self) -> GoldenStore {
        GoldenStore::new(self.dir().join("golden"))
    }

    /// What the golden store needs to know of the backend.
    pub fn server_target(&self) -> Target {
        match self {
            Backend::Sqlite { dir } => Target::Sqlite { path: dir.path().join("unused.sqlite") },
            Backend::Postgres { url, .. } => Target::Postgres { url: url.clone(), name: "postgres".into() },
        }
    }

    pub fn clone_target(&self, name: &str) -> Target {
        match self {
            Backend::Sqlite { dir } => Target::Sqlite { path: dir.path().join(format!("{name}.sqlite")) },
            Backend::Postgres { url, made, .. } => {
                made.lock().unwrap().push(name.to_string());
                Target::Postgres { url: postgres::with_database(url, name), name: name.into() }
            }
        }
    }

    pub fn snapshot_image(&self, name: &str) -> Image {
        match self {
            Backend::Sqlite { dir } => Image::File(dir.path().join("snapshots").join(format!("{name}.sqlite"))),
            Backend::Postgres { made, .. } => {
                let db = unique(&format!("snap_{name}_"));
                made.lock().unwrap().push(db.clone());
                Image::Database(db)
            }
        }
    }

    pub async fn image_exists(&self, golden: &GoldenStore, key: &GoldenKey) -> bool {
        match self {
            Backend::Sqlite { .. } => golden.path(key).exists(),
            Backend::Postgres { url, .. } => {
                let mut admin = postgres::admin(url).await.unwrap();
                postgres::exists(&mut admin, &key.database_name()).await.unwrap()
                    || postgres::exists(&mut admin, &format!("{}_build", key.database_name())).await.unwrap()
            }
        }
    }

    pub async fn destroy(&self, target: &Target) {
        match target {
            Target::Sqlite { path } => asym_store::golden::remove_db_files(path).unwrap(),
            Target::Postgres { url, name } => {
                let mut admin = postgres::admin(url).await.unwrap();
                postgres::drop_database(&mut admin, name).await.unwrap();
            }
        }
    }

    pub async fn terminate_sessions(&self, db: &str) {
        if let Backend::Postgres { url, .. } = self {
            let mut admin = postgres::admin(url).await.unwrap();
            let _ = sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
                .bind(db)
                .execute(&mut admin)
                .await;
        }
    }

    pub async fn cleanup(&self) {
        if let Backend::Postgres { url, made, templates, .. } = self {
            let mut admin = postgres::admin(url).await.unwrap();
            let made: Vec<String> = made.lock().unwrap().clone();
            for db in made {
                postgres::drop_database(&mut admin, &db).await.unwrap();
            }
            let templates: Vec<String> = templates.lock().unwrap().clone();
            for t in templates {
                for db in postgres::list_prefixed(&mut admin, &format!("g_{t}_")).await.unwrap() {
                    postgres::drop_template(&mut admin, &db).await.unwrap();
                }
            }
        }
    }
}
