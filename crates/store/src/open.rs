//! Opening the SQLite database from a URL and applying migrations.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

use crate::StoreError;

/// How long a connection waits for another writer's lock before failing with "busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections to a file database; WAL lets readers proceed while one writer works.
const FILE_POOL_CONNECTIONS: u32 = 4;

/// A handle to the state database; cheap to clone, and clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: SqlitePool,
}

/// The target of a database URL.
#[derive(Debug, PartialEq, Eq)]
enum Location {
    Memory,
    File(PathBuf),
}

impl Store {
    /// Opens (and creates if needed) the database at `url`, then applies pending migrations.
    ///
    /// Accepted URLs: `sqlite:///absolute/path.db`, `sqlite://relative.db` (relative to the
    /// working directory) and `sqlite::memory:`. A file database gets its parent directory
    /// created, WAL journaling, foreign keys and a 5-second busy timeout. An in-memory
    /// database uses a single connection that is never closed, because each SQLite memory
    /// connection is a separate database.
    #[tracing::instrument(skip_all)]
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = match parse_url(url)? {
            Location::Memory => {
                let options = SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true);
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options)
                    .await?
            }
            Location::File(path) => {
                create_parent(&path)?;
                let options = SqliteConnectOptions::new()
                    .filename(&path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT);
                SqlitePoolOptions::new()
                    .max_connections(FILE_POOL_CONNECTIONS)
                    .connect_with(options)
                    .await?
            }
        };

        sqlx::migrate!().run(&pool).await?;
        tracing::debug!("store opened and migrated");
        Ok(Self { pool })
    }

    /// Closes every connection, waiting for them to be returned to the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn parse_url(url: &str) -> Result<Location, StoreError> {
    let invalid = |reason: &str| StoreError::InvalidUrl {
        reason: reason.to_owned(),
    };
    if url == "sqlite::memory:" {
        return Ok(Location::Memory);
    }
    let Some(rest) = url.strip_prefix("sqlite://") else {
        // The scheme alone is reported, because other URLs may contain a password.
        return match url.split_once(':') {
            Some((scheme, _)) if !scheme.is_empty() && scheme != "sqlite" => {
                Err(StoreError::UnsupportedDatabase {
                    scheme: scheme.to_owned(),
                })
            }
            _ => Err(invalid("it does not start with sqlite://")),
        };
    };
    if rest.contains('?') {
        return Err(invalid("query parameters are not supported"));
    }
    if rest.is_empty() || rest.ends_with('/') {
        return Err(invalid("the URL has no file name"));
    }
    Ok(Location::File(PathBuf::from(rest)))
}

fn create_parent(path: &Path) -> Result<(), StoreError> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDirectory {
        path: parent.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_url_accepts_supported_forms() {
        assert_eq!(parse_url("sqlite::memory:").unwrap(), Location::Memory);
        assert_eq!(
            parse_url("sqlite:///var/lib/c/state.db").unwrap(),
            Location::File(PathBuf::from("/var/lib/c/state.db"))
        );
        assert_eq!(
            parse_url("sqlite://data/state.db").unwrap(),
            Location::File(PathBuf::from("data/state.db"))
        );
    }

    #[test]
    fn parse_url_rejects_other_databases() {
        let error = parse_url("postgres://user:secret@localhost/db").unwrap_err();
        assert!(
            matches!(&error, StoreError::UnsupportedDatabase { scheme } if scheme == "postgres")
        );
        assert!(!error.to_string().contains("secret"), "{error}");
    }

    #[test]
    fn parse_url_rejects_malformed() {
        for url in [
            "",
            "state.db",
            "sqlite://",
            "sqlite:///tmp/",
            "sqlite://a.db?mode=ro",
            "sqlite:a.db",
        ] {
            let error = parse_url(url).unwrap_err();
            assert!(
                matches!(error, StoreError::InvalidUrl { .. }),
                "{url}: {error}"
            );
        }
    }
}
