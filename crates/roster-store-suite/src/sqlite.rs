//! SQLite: a fresh database file in a temporary directory per test.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use tempfile::TempDir;

use roster_store::Store;
use roster_store_sqlite::{Location, SqliteOptions, SqliteStore};

use crate::backend::{Backend, Database};

pub struct Sqlite;

impl Backend for Sqlite {
    async fn create() -> Option<Arc<dyn Database>> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("roster.db");
        Some(Arc::new(SqliteFile { _dir: dir, path }))
    }
}

/// A database file; its directory goes when the test's handle drops.
struct SqliteFile {
    _dir: TempDir,
    path: PathBuf,
}

impl SqliteFile {
    /// The integer a query answers, on a connection of its own: the
    /// stores' connections are theirs.
    fn scalar(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.path)
            .unwrap_or_else(|e| panic!("open {}: {e}", self.path.display()));
        conn.query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

#[async_trait]
impl Database for SqliteFile {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn open(&self) -> Arc<dyn Store> {
        let location = Location::File(self.path.clone());
        Arc::new(SqliteStore::open(&location, &SqliteOptions::default()).expect("open sqlite"))
    }

    async fn count_rows(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT count(*) FROM {table}"))
    }

    async fn count_orphans(&self, table: &str) -> i64 {
        // Rows here name their user by its row number, not its id.
        self.scalar(&format!(
            "SELECT count(*) FROM {table} WHERE user_seq NOT IN (SELECT seq FROM users)"
        ))
    }

    async fn remove(&self) {}
}
