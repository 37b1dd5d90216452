//! What the suite needs of a backend: a fresh database per test, stores
//! opened on it, and a look at its rows from outside any store.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;

use roster_store::Store;

/// One database made for one test.
#[async_trait]
pub trait Database: Send + Sync + 'static {
    /// The backend's name, for failure messages.
    fn backend(&self) -> &'static str;

    /// A store on this database, migrated: each call is another node (or
    /// process) sharing the data.
    async fn open(&self) -> Arc<dyn Store>;

    /// Rows of `table` (`roles`, `providers`, `role_assignments`,
    /// `sessions`, `grants`), counted beside the stores: some promises are
    /// about what a store no longer keeps, which no store call can show.
    async fn count_rows(&self, table: &str) -> i64;

    /// Rows of `table` (`role_assignments`, `sessions`, `grants`) whose
    /// user no longer exists.
    async fn count_orphans(&self, table: &str) -> i64;

    /// Releases the database (after every store on it has closed).
    async fn remove(&self);
}

/// A kind of database the suite runs against.
pub trait Backend {
    /// A fresh, empty database; `None` (after saying so) when this backend
    /// is not configured on this machine and the tests may skip it.
    fn create() -> impl Future<Output = Option<Arc<dyn Database>>> + Send;
}
