//! Integration tests of the store, each on a fresh SQLite database in a temporary directory.

mod downloads;
mod open;
mod runs;
mod snapshot;

use cohortsync_store::Store;
use tempfile::TempDir;

/// A store on a new database file, with the directory that must outlive it.
pub struct TestStore {
    pub store: Store,
    pub dir: TempDir,
}

impl TestStore {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&url(&dir)).await.unwrap();
        Self { store, dir }
    }

    /// Closes the store and opens the same file again.
    pub async fn reopen(self) -> Self {
        self.store.close().await;
        let store = Store::open(&url(&self.dir)).await.unwrap();
        Self {
            store,
            dir: self.dir,
        }
    }
}

pub fn url(dir: &TempDir) -> String {
    format!("sqlite://{}/state.db", dir.path().display())
}
