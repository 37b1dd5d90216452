//! Two stores on one file (two processes, in effect): a zone one of them
//! deleted takes no more users from the other, whose rowid cache still holds
//! it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_domain::{
    ApiKey, ApiKeyId, IdGenerator, OrgId, Organization, Scope, ScopeSet, Timestamp, User, UserId,
    Zone, ZoneId, ZoneRef,
};
use roster_store::{Store, StoreError, ZoneScope};
use roster_store_sqlite::{Location, SqliteOptions, SqliteStore};

#[tokio::test]
async fn a_zone_deleted_elsewhere_takes_no_new_users() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("two.db"));
    let a = SqliteStore::open(&location, &SqliteOptions::default()).unwrap();
    let b = SqliteStore::open(&location, &SqliteOptions::default()).unwrap();
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
    assert!(a.bootstrap(&org, &zone, &key, &[7; 32]).await.unwrap());
    let scope = ZoneScope { org: org.id, zone: zone.id };
    let user = |n: u8| {
        let mut u =
            User::blank(UserId::from_ulid(ids.next(2)), org.id, zone.id, now, "key_x".into());
        u.email = format!("u{n}@example.com");
        u
    };
    // `a` caches the zone's rowid with its first write.
    a.create_user(&scope, &user(1), None).await.unwrap();
    let first = a.list_users(&scope, &count_all()).await.unwrap().users[0].id;
    a.delete_user(&scope, &first, None).await.unwrap();
    // `b` deletes the (now empty) zone.
    b.get_zone(&org.id, &ZoneRef::Id(zone.id)).await.unwrap();
    b.delete_zone(&org.id, &zone.id).await.unwrap();
    assert_eq!(a.create_user(&scope, &user(2), None).await, Err(StoreError::NotFound));
}

fn count_all() -> roster_domain::UserQuery {
    roster_domain::UserQuery {
        filter: Default::default(),
        search: vec![],
        sort: Default::default(),
        ranked: false,
        window: roster_domain::Window::After { position: None, limit: 10 },
    }
}
