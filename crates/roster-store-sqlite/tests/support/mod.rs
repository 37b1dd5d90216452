//! A bootstrapped organization, zone and admin key for store-level tests.

#![allow(clippy::unwrap_used, dead_code)]

use roster_domain::{
    ApiKey, ApiKeyId, IdGenerator, OrgId, Organization, Scope, ScopeSet, Timestamp, User, UserId,
    Zone, ZoneId,
};
use roster_store::{Store, ZoneScope};
use roster_store_sqlite::SqliteStore;

pub struct World {
    pub ids: IdGenerator,
    pub now: Timestamp,
    pub org: Organization,
    pub zone: Zone,
    pub scope: ZoneScope,
}

impl World {
    /// Bootstraps `store` with one organization, its `default` zone and an
    /// admin key.
    pub async fn bootstrap(store: &SqliteStore) -> Self {
        let ids = IdGenerator::new();
        let now = Timestamp::now();
        let org = Organization {
            id: OrgId::from_ulid(ids.next(1)),
            identifier: "default".into(),
            created_at: now,
        };
        let zone = Zone {
            id: ZoneId::from_ulid(ids.next(1)),
            organization_id: org.id,
            identifier: "default".into(),
            name: "Default".into(),
            created_at: now,
            updated_at: now,
        };
        let key = ApiKey {
            id: ApiKeyId::from_ulid(ids.next(1)),
            organization_id: org.id,
            name: "k".into(),
            scopes: ScopeSet::from_scopes([Scope::Admin]),
            zones: None,
            default_zone_id: Some(zone.id),
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        assert!(store.bootstrap(&org, &zone, &key, &[7; 32]).await.unwrap());
        let scope = ZoneScope { org: org.id, zone: zone.id };
        Self { ids, now, org, zone, scope }
    }

    /// A new user of the zone with this email.
    pub fn user(&self, email: &str) -> User {
        let id = UserId::from_ulid(self.ids.next(2));
        let mut u = User::blank(id, self.org.id, self.zone.id, self.now, "key_x".into());
        u.email = email.into();
        u
    }
}
