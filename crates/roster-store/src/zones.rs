//! Zone keys: how a backend names a zone in its tables, cached.
//!
//! Every tenant-data call names its zone by id; the tables key users by the
//! zone's integer surrogate (`seq`). Zones are few and their `seq` never
//! changes, so each backend keeps the mapping in memory, and forgets a zone
//! when it is deleted.

use std::collections::HashMap;
use std::future::Future;

use parking_lot::RwLock;
use roster_domain::{OrgId, Zone, ZoneId, ZoneScope};

use crate::error::StoreResult;

/// Where a zone's users live: its surrogate key in the backend's tables,
/// plus the ids users carry.
#[derive(Debug, Clone, Copy)]
pub struct ZoneKey {
    pub seq: i64,
    pub zone: ZoneId,
    pub org: OrgId,
}

/// The zone keys a backend has looked up.
#[derive(Debug, Default)]
pub struct ZoneKeys {
    known: RwLock<HashMap<ZoneId, (i64, OrgId)>>,
}

impl ZoneKeys {
    /// The zone's key when it is known and belongs to the scope's
    /// organization (a zone of another organization is never answered).
    pub fn get(&self, scope: &ZoneScope) -> Option<ZoneKey> {
        let known = self.known.read();
        let (seq, org) = known.get(&scope.zone)?;
        (*org == scope.org).then_some(ZoneKey { seq: *seq, zone: scope.zone, org: *org })
    }

    /// The zone's key from the cache, else from `find` (the backend's
    /// lookup of the scope's zone by id, `NotFound` when the zone is not
    /// the organization's), remembered for next time.
    pub async fn get_or_find<F, Fut>(&self, scope: &ZoneScope, find: F) -> StoreResult<ZoneKey>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = StoreResult<(i64, Zone)>>,
    {
        if let Some(key) = self.get(scope) {
            return Ok(key);
        }
        let (seq, zone) = find().await?;
        Ok(self.remember(seq, &zone))
    }

    /// Records a zone read from the database and returns its key.
    pub fn remember(&self, seq: i64, zone: &Zone) -> ZoneKey {
        self.known.write().insert(zone.id, (seq, zone.organization_id));
        ZoneKey { seq, zone: zone.id, org: zone.organization_id }
    }

    pub fn forget(&self, zone: &ZoneId) {
        self.known.write().remove(zone);
    }
}
