//! Migrations run forward over a database holding the previous version's
//! data and keep it usable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use roster_domain::{Direction, Sort, SortField, SortKey, UserFilter, UserQuery, Window, ZoneId};
use roster_store::{Store, ZoneScope};
use roster_store_sqlite::{Location, SqliteOptions, SqliteStore};

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
    assert_eq!(version, 9, "every migration, external ids (9) included");
    let automerge: i64 = conn
        .query_row("SELECT v FROM users_search_config WHERE k = 'automerge'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(automerge, 8, "the search index merges at eight segments per level");
}
