//! The store handle: its reader and writer threads, its zone keys, and how
//! a call reaches a connection with its zone. Opening and closing it is
//! `open.rs`; its `Store` methods are `dispatch.rs`.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use parking_lot::Mutex;
use rusqlite::Connection;

use roster_domain::ZoneRef;
use roster_store::{ListLimits, Store, StoreResult, ZoneKey, ZoneKeys, ZoneScope};

use crate::pool::Readers;
use crate::tenancy;
use crate::writer::{Writer, WriterHandle};

pub struct SqliteStore {
    pub(crate) readers: Readers,
    pub(crate) writer: Writer,
    pub(crate) writer_thread: Mutex<WriterHandle>,
    /// zone id -> (rowid, org): stable for a zone's whole life, so caching
    /// is always safe; deleting a zone evicts it.
    pub(crate) zones: ZoneKeys,
    pub(crate) cursor_secret: Vec<u8>,
    pub(crate) temp_file: Option<PathBuf>,
    pub(crate) statements: Arc<AtomicU64>,
    pub(crate) list_limits: ListLimits,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    pub fn shared(self) -> Arc<dyn Store> {
        Arc::new(self)
    }

    /// The zone's rowid, from the cache or the database; `NotFound` when the
    /// zone is not the organization's.
    pub(crate) async fn zone_key(&self, scope: &ZoneScope) -> StoreResult<ZoneKey> {
        let (org, zone) = (scope.org, scope.zone);
        let find =
            || self.readers.call(move |conn| tenancy::find_zone(conn, &org, &ZoneRef::Id(zone)));
        self.zones.get_or_find(scope, find).await
    }

    /// Runs `read` on a reader thread with the scope's zone.
    pub(crate) async fn read_in<T, F>(&self, scope: &ZoneScope, read: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &ZoneKey) -> StoreResult<T> + Send + 'static,
    {
        let zone = self.zone_key(scope).await?;
        self.readers.call(move |conn| read(conn, &zone)).await
    }

    /// Runs `write` in the writer's transaction with the scope's zone. A
    /// zone deleted after its rowid was cached is caught by the write itself
    /// (a foreign key fails, or no row matches): no existence check first.
    pub(crate) async fn write_in<T, F>(&self, scope: &ZoneScope, write: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &ZoneKey) -> StoreResult<T> + Send + 'static,
    {
        let zone = self.zone_key(scope).await?;
        self.writer.call(move |conn| write(conn, &zone)).await
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.close();
    }
}
