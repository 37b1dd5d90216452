//! The search index is written at the end of each write batch
//! (`search_index.rs`): a request that fails after staging its index
//! writes must leave none of them behind, even when the rows it rolled back
//! get their `seq` reused by the next insert.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use roster_domain::UserId;
use roster_store::{Store, StoreError};
use roster_store_sqlite::{Location, SqliteOptions, SqliteStore};
use roster_store_suite::ctx::stamp;
use support::World;

#[tokio::test]
async fn a_failed_import_leaves_no_search_entries_for_the_rows_it_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        SqliteStore::open(&Location::File(dir.path().join("s.db")), &SqliteOptions::default())
            .unwrap();
    let world = World::bootstrap(&store).await;
    let scope = &world.scope;
    let user = |email: &str, name: &str| {
        let mut u = world.user(email);
        u.name = name.into();
        u
    };
    // Three rows go in, then the fourth collides with the second: the
    // whole import rolls back after the first three staged their entries.
    let failed = vec![
        user("a@example.com", "Ghost Alpha"),
        user("b@example.com", "Ghost Bravo"),
        user("c@example.com", "Ghost Charlie"),
        user("b@example.com", "Ghost Delta"),
    ];
    assert_eq!(
        store.import_users(scope, failed, &stamp()).await,
        Err(StoreError::Conflict { field: "email" })
    );
    // These take the rolled-back rows' `seq`s.
    let kept = vec![user("x@example.com", "Kept One"), user("y@example.com", "Kept Two")];
    let kept_ids: Vec<UserId> = kept.iter().map(|u| u.id).collect();
    store.import_users(scope, kept, &stamp()).await.unwrap();

    let ghosts = store.list_users(scope, &World::query(&["ghost"])).await.unwrap();
    assert!(
        ghosts.users.is_empty(),
        "found {:?}",
        ghosts.users.iter().map(|u| &u.name).collect::<Vec<_>>()
    );
    assert_eq!(ghosts.total, 0);
    let found = store.list_users(scope, &World::query(&["kept"])).await.unwrap();
    let mut found_ids: Vec<UserId> = found.users.iter().map(|u| u.id).collect();
    found_ids.sort();
    assert_eq!(found_ids, kept_ids);
}
