//! A bootstrapped organization, zone and admin key for store-level tests.

#![allow(clippy::unwrap_used, dead_code)]

use roster_domain::{
    IdGenerator, Organization, Timestamp, User, UserId, UserQuery, Window, Zone, first_tenancy,
};
use roster_store::{Store, ZoneScope};
use roster_store_sqlite::SqliteStore;
use roster_store_suite::ctx::stamp;

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
        let (org, zone, key) = first_tenancy(|| ids.next(now.as_millis()), now, "k");
        assert!(store.bootstrap(&org, &zone, &key, &[7; 32], &stamp()).await.unwrap());
        let scope = ZoneScope { org: org.id, zone: zone.id };
        Self { ids, now, org, zone, scope }
    }

    /// The first page of ten users matching every term of `search`.
    pub fn query(search: &[&str]) -> UserQuery {
        UserQuery {
            filter: Default::default(),
            search: search.iter().map(|t| t.to_string()).collect(),
            sort: Default::default(),
            ranked: false,
            window: Window::After { position: None, limit: 10 },
        }
    }

    /// A new user of the zone with this email.
    pub fn user(&self, email: &str) -> User {
        let id = UserId::from_ulid(self.ids.next(2));
        let mut u = User::blank(id, self.org.id, self.zone.id, self.now, "key_x".into());
        u.email = email.into();
        u
    }
}
