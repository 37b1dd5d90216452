//! What every case starts from, and the fixtures it builds with.

use std::sync::Arc;

use roster_domain::events::{Actor, EventStamp};
use roster_domain::{
    ApiKey, ApiKeyId, EventId, IdGenerator, Organization, Timestamp, User, UserId, Zone, ZoneId,
};
use roster_store::{Store, ZoneScope};

use crate::backend::Database;

/// A migrated store with one organization, its `default` zone and an
/// admin key.
#[derive(Clone)]
pub struct Ctx {
    pub store: Arc<dyn Store>,
    /// Where `store` lives: for other nodes and looks under the hood.
    pub db: Arc<dyn Database>,
    pub org: Organization,
    pub zone: Zone,
    pub key: ApiKey,
    pub key_hash: [u8; 32],
    pub ids: Arc<IdGenerator>,
}

impl Ctx {
    /// Opens a store on `db` and bootstraps it.
    pub async fn bootstrap(db: Arc<dyn Database>) -> Ctx {
        let store = db.open().await;
        let ids = Arc::new(IdGenerator::new());
        let (org, zone, key, key_hash) = fixtures(&ids);
        assert!(store.bootstrap(&org, &zone, &key, &key_hash, &stamp()).await.expect("bootstrap"));
        Ctx { store, db, org, zone, key, key_hash, ids }
    }

    /// Another store on the same database, bootstrapped by this one: a
    /// second node.
    pub async fn another_node(&self) -> Arc<dyn Store> {
        self.db.open().await
    }

    /// Bootstraps `other` (a store of another database) exactly as this
    /// one, so the same users can go into both.
    pub async fn mirror_into(&self, other: &dyn Store) {
        let made =
            other.bootstrap(&self.org, &self.zone, &self.key, &self.key_hash, &stamp()).await;
        assert!(made.expect("bootstrap the other backend"));
    }

    pub fn scope(&self) -> ZoneScope {
        ZoneScope { org: self.org.id, zone: self.zone.id }
    }

    pub fn user_id(&self) -> UserId {
        UserId::from_ulid(self.ids.next(1_700_000_000_000))
    }

    pub fn zone_id(&self) -> ZoneId {
        ZoneId::from_ulid(self.ids.next(1_700_000_000_000))
    }

    pub fn key_id(&self) -> ApiKeyId {
        ApiKeyId::from_ulid(self.ids.next(1_700_000_000_000))
    }

    /// A user of the default zone with the given email.
    pub fn user(&self, email: &str) -> User {
        self.user_in(&self.scope(), email)
    }

    pub fn user_in(&self, scope: &ZoneScope, email: &str) -> User {
        let mut u = User::blank(self.user_id(), scope.org, scope.zone, ts(1_000), "key_a".into());
        u.email = email.to_owned();
        u
    }

    /// A zone of the organization, made in the store.
    pub async fn new_zone(&self, identifier: &str) -> Zone {
        let zone = Zone {
            id: self.zone_id(),
            organization_id: self.org.id,
            identifier: identifier.to_owned(),
            name: identifier.to_uppercase(),
            created_at: ts(5),
            updated_at: ts(5),
        };
        self.store.create_zone(&zone, &stamp()).await.expect("create zone");
        zone
    }

    /// The scope of a new zone of the organization.
    pub async fn new_scope(&self, identifier: &str) -> ZoneScope {
        ZoneScope { org: self.org.id, zone: self.new_zone(identifier).await.id }
    }

    /// A user of `scope`, made in the store.
    pub async fn new_user(&self, scope: &ZoneScope, email: &str) -> User {
        let u = self.user_in(scope, email);
        self.store.create_user(scope, &u, None, &stamp()).await.expect("create user");
        u
    }
}

/// The stamp of a write the suite makes at `at` as its admin key: a
/// fresh event id each time.
pub fn stamp_at(at: Timestamp) -> EventStamp {
    let ulid = roster_domain::ids::Ulid::from_parts(1_700_000_000_000, rand::random::<u128>());
    EventStamp { id: EventId::from_ulid(ulid), at, actor: Actor::ApiKey("key_a".into()) }
}

/// The stamp of a write the suite makes.
pub fn stamp() -> EventStamp {
    stamp_at(ts(1_000))
}

/// A timestamp `secs` seconds (plus a fixed odd microsecond part, so
/// sub-second precision is exercised) after 2023-11-14.
pub fn ts(secs: i64) -> Timestamp {
    Timestamp::from_micros(1_700_000_000_000_000 + secs * 1_000_000 + 123_457).expect("timestamp")
}

/// An organization, its `default` zone, an admin key and the key's hash.
pub fn fixtures(ids: &IdGenerator) -> (Organization, Zone, ApiKey, [u8; 32]) {
    let (org, zone, key) =
        roster_domain::first_tenancy(|| ids.next(1_700_000_000_000), ts(0), "admin");
    (org, zone, key, [7u8; 32])
}
