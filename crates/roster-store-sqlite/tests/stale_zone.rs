//! Two stores on one file (two processes, in effect): a zone one of them
//! deleted takes no more users from the other, whose rowid cache still holds
//! it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use roster_domain::ZoneRef;
use roster_store::{Store, StoreError};
use roster_store_sqlite::{Location, SqliteOptions, SqliteStore};
use roster_store_suite::ctx::stamp;
use support::World;

#[tokio::test]
async fn a_zone_deleted_elsewhere_takes_no_new_users() {
    let dir = tempfile::tempdir().unwrap();
    let location = Location::File(dir.path().join("two.db"));
    let a = SqliteStore::open(&location, &SqliteOptions::default()).unwrap();
    let b = SqliteStore::open(&location, &SqliteOptions::default()).unwrap();
    let world = World::bootstrap(&a).await;
    let (org, zone, scope) = (&world.org, &world.zone, &world.scope);
    let user = |n: u8| world.user(&format!("u{n}@example.com"));
    // `a` caches the zone's rowid with its first write.
    a.create_user(scope, &user(1), None, &stamp()).await.unwrap();
    let first = a.list_users(scope, &World::query(&[])).await.unwrap().users[0].id;
    a.delete_user(scope, &first, None, &stamp()).await.unwrap();
    // `b` deletes the (now empty) zone.
    b.get_zone(&org.id, &ZoneRef::Id(zone.id)).await.unwrap();
    b.delete_zone(&org.id, &zone.id, &stamp()).await.unwrap();
    assert_eq!(a.create_user(scope, &user(2), None, &stamp()).await, Err(StoreError::NotFound));
}
