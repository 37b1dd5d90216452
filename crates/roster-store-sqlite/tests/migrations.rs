//! Migrations run forward over a database holding the previous version's
//! data and keep it usable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use roster_domain::access::{Grant, Role, RoleAssignment, Session};
use roster_domain::{
    Direction, GrantId, RoleAssignmentId, RoleId, SessionId, Sort, SortField, SortKey, UserFilter,
    UserId, UserQuery, Window, ZoneId,
};
use roster_store::{EventQuery, Store, ZoneScope};
use roster_store_sqlite::{Location, SqliteOptions, SqliteStore};
use roster_store_suite::ctx::stamp;
use support::World;

const V1: &str = include_str!("../migrations/0001_init.sql");
const V2: &str = include_str!("../migrations/0002_access.sql");

#[tokio::test]
async fn a_version_2_database_with_users_migrates_and_its_users_are_found_by_search() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let ids = roster_domain::IdGenerator::new();
    let org = roster_domain::OrgId::from_ulid(ids.next(1_700_000_000_000));
    let zone = ZoneId::from_ulid(ids.next(1_700_000_000_000));
    let user = roster_domain::UserId::from_ulid(ids.next(1_700_000_000_000));
    {
        // Build the schema as version 2 left it, with a user in it.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(V1).unwrap();
        c.execute_batch(V2).unwrap();
        c.execute_batch("PRAGMA user_version = 2").unwrap();
        c.execute(
            "INSERT INTO organizations (id, identifier, created_at) VALUES (?1, 'default', 0)",
            [org.to_bytes().as_slice()],
        )
        .unwrap();
        c.execute(
            "INSERT INTO zones (id, org_id, identifier, name, created_at, updated_at) VALUES (?1, ?2, 'default', 'Default', 0, 0)",
            (zone.to_bytes().as_slice(), org.to_bytes().as_slice()),
        )
        .unwrap();
        c.execute(
            "INSERT INTO users (id, zone, identifier, email, email_verified, first_name, last_name, name, \
             description, user_type, status, attributes, created_at, updated_at, created_by, updated_by, version) \
             VALUES (?1, 1, 'jane', 'Jane.Doe@Example.com', 0, 'Jane', 'Doe', 'Jane Doe', 'Likes Quokkas', \
             'saas_user', 'active', '{}', 5, 5, 'key_x', 'key_x', 1)",
            [user.to_bytes().as_slice()],
        )
        .unwrap();
        c.execute(
            "INSERT INTO users_search (rowid, doc) VALUES (1, 'whatever the old index held')",
            [],
        )
        .unwrap();
        c.execute("INSERT INTO user_counts (zone, status, n) VALUES (1, 'active', 1)", []).unwrap();
    }
    let store =
        SqliteStore::open(&Location::File(path.clone()), &SqliteOptions::default()).unwrap();
    let scope = ZoneScope { org, zone };
    for term in ["quokka", "jane.doe@example", "JANE", &user.to_string().to_lowercase()[5..20]] {
        let query = UserQuery {
            filter: UserFilter::default(),
            search: vec![term.to_ascii_lowercase()],
            sort: Sort {
                keys: vec![SortKey { field: SortField::CreatedAt, direction: Direction::Asc }],
            },
            ranked: true,
            window: Window::After { position: None, limit: 10 },
        };
        let page = store.list_users(&scope, &query).await.unwrap();
        assert_eq!(page.users.len(), 1, "search {term:?} after migrating");
        assert_eq!(page.users[0].id, user);
        assert_eq!(page.total, 1);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 10, "every migration, the events' users (10) included");
    let automerge: i64 = conn
        .query_row("SELECT v FROM users_search_config WHERE k = 'automerge'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(automerge, 8, "the search index merges at eight segments per level");
}

/// Events recorded before the events had a user column are found by the
/// feed's user filter once migration 10 has filled it from their JSON.
#[tokio::test]
async fn events_written_before_the_user_column_are_found_by_the_user_filter_after_migrating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.db");
    let location = Location::File(path.clone());
    let store = SqliteStore::open(&location, &SqliteOptions::default()).unwrap();
    let world = World::bootstrap(&store).await;
    let (scope, now) = (&world.scope, world.now);
    let (a, b) = (world.user("a@example.com"), world.user("b@example.com"));
    store.create_user(scope, &a, None, &stamp()).await.unwrap();
    store.create_user(scope, &b, None, &stamp()).await.unwrap();
    let role = Role {
        id: RoleId::from_ulid(world.ids.next(3)),
        identifier: "admin".into(),
        name: "Admin".into(),
        description: None,
        created_at: now,
        updated_at: now,
        external_id: None,
    };
    store.create_role(scope, &role, &stamp()).await.unwrap();
    let assignment = RoleAssignment {
        id: RoleAssignmentId::from_ulid(world.ids.next(3)),
        user_id: a.id,
        role_id: role.id,
        role_identifier: "admin".into(),
        scope: None,
        created_at: now,
        created_by: "key_x".into(),
    };
    store.create_role_assignment(scope, &assignment, &stamp()).await.unwrap();
    let session = Session {
        id: SessionId::from_ulid(world.ids.next(3)),
        user_id: a.id,
        provider_id: None,
        created_at: now,
        expires_at: None,
        revoked_at: None,
        created_by: "key_x".into(),
    };
    store.create_session(scope, &session, &stamp()).await.unwrap();
    let grant = Grant {
        id: GrantId::from_ulid(world.ids.next(3)),
        user_id: a.id,
        client_id: "app".into(),
        resource: "files".into(),
        scopes: vec!["read".into()],
        created_at: now,
        expires_at: None,
        revoked_at: None,
        created_by: "key_x".into(),
    };
    store.create_grant(scope, &grant, &stamp()).await.unwrap();
    store.revoke_session(scope, &a.id, &session.id, &stamp()).await.unwrap();
    store.close();
    {
        // Back to version 9, as a database written before the column.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "DROP INDEX events_user; ALTER TABLE events DROP COLUMN user_id; \
             PRAGMA user_version = 9",
        )
        .unwrap();
    }

    let store = SqliteStore::open(&location, &SqliteOptions::default()).unwrap();
    let kinds = |user: UserId| {
        let store = &store;
        let query = EventQuery {
            org: world.org.id,
            after: None,
            limit: 100,
            zones: None,
            types: None,
            user: Some(user),
        };
        async move {
            let page = store.events_after(&query).await.unwrap();
            page.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        kinds(a.id).await,
        [
            "user.created",
            "role_assignment.created",
            "session.created",
            "grant.created",
            "session.revoked"
        ]
    );
    assert_eq!(kinds(b.id).await, ["user.created"]);
    store.close();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let unowned: i64 = conn
        .query_row("SELECT count(*) FROM events WHERE user_id IS NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(unowned, 2, "the zone's and the role's events belong to no user");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 10);
}
