//! The store handle: its pool, its zone keys, and how a call gets a
//! connection and its zone. Connecting it is `open.rs`; its `Store` methods
//! are `dispatch.rs`.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use deadpool_postgres::Pool;

use roster_domain::ZoneRef;
use roster_store::{
    Histogram, ListLimits, PoolStats, Store, StoreResult, StoreStats, ZoneKey, ZoneKeys, ZoneScope,
};

use crate::db::Conn;
use crate::error::from_pool;
use crate::tenancy;
use crate::tls::PgTls;

pub struct PgStore {
    pub(crate) pool: Pool,
    /// zone id -> (surrogate key, org): stable for a zone's whole life, so
    /// caching is always safe; deleting a zone evicts it.
    pub(crate) zones: ZoneKeys,
    pub(crate) cursor_secret: Vec<u8>,
    /// Statements sent since connecting (see `db`).
    pub(crate) statements: Arc<AtomicU64>,
    /// List queries cancelled because their request went away.
    pub(crate) abandoned: Arc<AtomicU64>,
    pub(crate) list_limits: ListLimits,
    pub(crate) tls: PgTls,
    /// How long reads waited for a connection.
    pub(crate) read_wait: Histogram,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl PgStore {
    /// The connector for the configured `sslmode`, for what opens a
    /// connection of its own to the same server (a query cancel).
    pub fn tls(&self) -> &PgTls {
        &self.tls
    }

    pub fn shared(self) -> Arc<dyn Store> {
        Arc::new(self)
    }

    /// Closes every connection; later calls fail as `Unavailable`.
    pub fn close(&self) {
        self.pool.close();
    }

    pub(crate) async fn client(&self) -> StoreResult<Conn> {
        let client = self.pool.get().await.map_err(from_pool)?;
        Ok(Conn::new(client, self.statements.clone()))
    }

    /// A connection for a read, its wait counted (`stats`), whether or not
    /// one came: a read that gave up after the whole wait is the one to see.
    pub(crate) async fn read_client(&self) -> StoreResult<Conn> {
        let asked = Instant::now();
        let client = self.pool.get().await;
        self.read_wait.observe_duration(asked.elapsed());
        Ok(Conn::new(client.map_err(from_pool)?, self.statements.clone()))
    }

    /// The pool's connections now, and how long reads waited for one.
    pub(crate) fn stats(&self) -> StoreStats {
        let status = self.pool.status();
        let pool = PoolStats {
            idle: status.available as u64,
            in_use: status.size.saturating_sub(status.available) as u64,
            max: status.max_size as u64,
            waiting: status.waiting as u64,
        };
        StoreStats { pool, read_wait: self.read_wait.snapshot(), writer: None }
    }

    /// The zone's surrogate key, from the cache or the database; `NotFound`
    /// when the zone is not the organization's.
    pub(crate) async fn zone_key(&self, scope: &ZoneScope) -> StoreResult<ZoneKey> {
        let find = || async {
            let client = self.client().await?;
            tenancy::find_zone(&client, &scope.org, &ZoneRef::Id(scope.zone)).await
        };
        self.zones.get_or_find(scope, find).await
    }

    /// The scope's zone key and a connection to work in it.
    pub(crate) async fn zoned(&self, scope: &ZoneScope) -> StoreResult<(ZoneKey, Conn)> {
        let zone = self.zone_key(scope).await?;
        Ok((zone, self.client().await?))
    }

    /// `zoned` for a read (`read_client`).
    pub(crate) async fn zoned_read(&self, scope: &ZoneScope) -> StoreResult<(ZoneKey, Conn)> {
        let zone = self.zone_key(scope).await?;
        Ok((zone, self.read_client().await?))
    }
}
