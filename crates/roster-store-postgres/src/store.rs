//! The store handle: its pool, its zone keys, and how a call gets a
//! connection and its zone. Connecting it is `open.rs`; its `Store` methods
//! are `dispatch.rs`.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use deadpool_postgres::Pool;

use roster_domain::ZoneRef;
use roster_store::{ListLimits, Store, StoreResult, ZoneKey, ZoneKeys, ZoneScope};

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
}
