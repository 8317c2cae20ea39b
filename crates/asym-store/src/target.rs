//! Where one clone's database lives, parsed from the URL its service receives:
//! `sqlite:///abs/clones/<id>/db.sqlite` or `postgres://…/clone_<id>`.

use std::path::PathBuf;

use url::Url;

use crate::{StoreError, StoreResult, postgres, sqlite};

#[derive(Debug, Clone)]
pub enum Target {
    Sqlite { path: PathBuf },
    Postgres { url: Url, name: String },
}

/// A database image: a golden image or a named snapshot. Files on SQLite,
/// databases (on the clone's own server) on PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Image {
    File(PathBuf),
    Database(String),
}

impl Target {
    pub fn parse(url: &str) -> StoreResult<Target> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let parsed = Url::parse(url).map_err(|e| StoreError::Config(format!("database url is not a URL: {e}")))?;
            let name = parsed.path().trim_start_matches('/').to_string();
            postgres::check_name(&name)?;
            return Ok(Target::Postgres { url: parsed, name });
        }
        sqlite::check_url(url)?;
        let path = sqlite::path_from_url(url).ok_or_else(|| StoreError::Config(format!("unsupported database url `{url}`")))?;
        Ok(Target::Sqlite { path })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Target::Postgres { .. })
    }

    /// The URL a pool connects to.
    pub fn connect_url(&self) -> String {
        match self {
            Target::Sqlite { path } => sqlite::url_from_path(path),
            Target::Postgres { url, .. } => url.to_string(),
        }
    }
}
