use std::time::{Duration, Instant};

use roster_domain::{User, UserId};
use roster_store::{EventQuery, Store, StoreError};
use roster_store_postgres::{PgOptions, PgStore};
use roster_store_suite::access_fixtures::{assignment, grant, role, session};
use roster_store_suite::ctx::stamp;

use crate::support::{Rng, raw, scalar, with_database_url, with_store, with_store_options};

#[tokio::test]
async fn nodes_starting_together_migrate_once_and_share_the_cursor_secret() {
    with_database_url(|url| async move {
        let opts = PgOptions::default();
        let (a, b, c) = tokio::join!(
            PgStore::connect(&url, &opts),
            PgStore::connect(&url, &opts),
            PgStore::connect(&url, &opts),
        );
        let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
        let secret = a.cursor_secret().await.unwrap();
        assert_eq!(secret.len(), 32);
        assert_eq!(b.cursor_secret().await.unwrap(), secret);
        assert_eq!(c.cursor_secret().await.unwrap(), secret);
        let client = raw(&url).await;
        let rows = client.query("SELECT version FROM schema_migrations", &[]).await.unwrap();
        let versions: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(versions, vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);

        // A later start applies nothing and keeps the secret.
        drop((a, b, c));
        let d = PgStore::connect(&url, &opts).await.unwrap();
        assert_eq!(d.cursor_secret().await.unwrap(), secret);
        d.ping().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_database_from_a_newer_roster_is_refused() {
    with_database_url(|url| async move {
        PgStore::connect(&url, &PgOptions::default()).await.unwrap();
        raw(&url)
            .await
            .batch_execute("INSERT INTO schema_migrations (version) VALUES (99)")
            .await
            .unwrap();
        match PgStore::connect(&url, &PgOptions::default()).await {
            Err(StoreError::Internal(msg)) => assert!(msg.contains("newer"), "{msg}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_quickly() {
    let opts = PgOptions { connect_timeout: Duration::from_secs(2), ..PgOptions::default() };
    let started = Instant::now();
    // Port 1 on loopback: nothing listens there.
    match PgStore::connect("postgres://postgres@127.0.0.1:1/none", &opts).await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    match PgStore::connect("not a url at all ://", &opts).await {
        Err(StoreError::Internal(_)) => {}
        other => panic!("expected a URL error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_statement_past_its_deadline_is_unavailable_and_changes_nothing() {
    let opts = PgOptions { statement_timeout: Duration::from_millis(300), ..PgOptions::default() };
    with_store_options(opts, |ctx, url| async move {
        let u = ctx.user("a@example.com");
        ctx.store.create_user(&ctx.scope(), &u, None, &stamp()).await.unwrap();
        // Another session holds the row lock longer than the deadline.
        let mut other = raw(&url).await;
        let tx = other.transaction().await.unwrap();
        tx.execute("SELECT 1 FROM users WHERE id IS NOT NULL FOR UPDATE", &[]).await.unwrap();
        let r = ctx
            .store
            .update_user(
                &ctx.scope(),
                &u.id,
                Box::new(|u: &mut User| {
                    u.name = "late".into();
                    Ok(true)
                }),
                &stamp(),
            )
            .await;
        assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
        tx.rollback().await.unwrap();
        assert_eq!(ctx.store.get_user(&ctx.scope(), &u.id).await.unwrap(), u);
        // The pool recovered: the connection that timed out is usable.
        for _ in 0..20 {
            ctx.store.ping().await.unwrap();
        }
    })
    .await;
}

/// The SQL that renders ids for search agrees with the domain's Display on
/// every bit pattern we can think of.
#[tokio::test]
async fn the_search_id_column_is_the_lowercased_id_text() {
    with_store(|ctx, url| async move {
        let client = raw(&url).await;
        let stmt = client.prepare("SELECT roster_user_id_text($1::text::uuid)").await.unwrap();
        let mut rng = Rng::new(99);
        let mut ids: Vec<[u8; 16]> = vec![[0; 16], [0xff; 16], [0x80; 16], [0x01; 16]];
        for _ in 0..300 {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&rng.next_u64().to_be_bytes());
            b[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
            ids.push(b);
        }
        for bytes in ids {
            let id = UserId::from_bytes(bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let row = client.query_one(&stmt, &[&hex]).await.unwrap();
            let got: String = row.get(0);
            assert_eq!(got, id.to_string().to_ascii_lowercase(), "{hex}");
        }
        let u = ctx.user("a@example.com");
        ctx.store.create_user(&ctx.scope(), &u, None, &stamp()).await.unwrap();
        let row = client.query_one("SELECT search_id FROM users", &[]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), u.id.to_string().to_ascii_lowercase());
    })
    .await;
}

/// A database at version 1 holding users moves to the latest version on the next
/// start, keeping its users, and the new tables work at once.
#[tokio::test]
async fn a_version_1_database_with_users_migrates_forward() {
    with_store(|ctx, url| async move {
        let u = ctx.user("kept@example.com");
        ctx.store.create_user(&ctx.scope(), &u, None, &stamp()).await.unwrap();
        ctx.store.close();
        // Back to version 1, as a database made before roles existed.
        raw(&url)
            .await
            .batch_execute(
                "DROP TABLE webhook_deliveries, webhook_endpoints, events, grants, sessions, role_assignments, roles, providers; \
                 DROP INDEX users_zone_search, users_last_first, users_description; \
                 CREATE INDEX users_search ON users USING gin ((search_id || ' ' || \
                 lower(email) || ' ' || lower(name) || ' ' || lower(identifier) || ' ' || \
                 lower(coalesce(description, ''))) gin_trgm_ops); \
                 DROP INDEX users_external_id; ALTER TABLE users DROP COLUMN external_id; \
                 DELETE FROM schema_migrations WHERE version IN (2, 3, 4, 5, 6, 7, 8, 9)",
            )
            .await
            .unwrap();
        let store = PgStore::connect(&url, &PgOptions::default()).await.unwrap();
        let rows = raw(&url)
            .await
            .query("SELECT version FROM schema_migrations ORDER BY version", &[])
            .await
            .unwrap();
        let versions: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(versions, vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(store.get_user(&ctx.scope(), &u.id).await.unwrap(), u);
        let window = roster_store::IdWindow { after: None, backwards: false, limit: 10 };
        let page = store.list_roles(&ctx.scope(), &window).await.unwrap();
        assert_eq!(page.total, 0);
        let sessions = store.list_sessions(&ctx.scope(), &u.id, &window).await.unwrap();
        assert!(sessions.items.is_empty());
        store.close();
    })
    .await;
}

/// Events recorded before the events had a user column are found by the
/// feed's user filter once migration 9 has filled it from their JSON.
#[tokio::test]
async fn events_written_before_the_user_column_are_found_by_the_user_filter_after_migrating() {
    with_store(|ctx, url| async move {
        let scope = ctx.scope();
        let a = ctx.new_user(&scope, "a@example.com").await;
        let b = ctx.new_user(&scope, "b@example.com").await;
        let r = role(&ctx, "admin");
        ctx.store.create_role(&scope, &r, &stamp()).await.unwrap();
        let ra = assignment(&ctx, &a.id, &r.id, None);
        ctx.store.create_role_assignment(&scope, &ra, &stamp()).await.unwrap();
        let s = session(&ctx, &a.id, 100, None);
        ctx.store.create_session(&scope, &s, &stamp()).await.unwrap();
        ctx.store.create_grant(&scope, &grant(&ctx, &a.id, None), &stamp()).await.unwrap();
        ctx.store.revoke_session(&scope, &a.id, &s.id, &stamp()).await.unwrap();
        ctx.store.close();
        // Back to version 8, as a database written before the column.
        raw(&url)
            .await
            .batch_execute(
                "DROP INDEX events_user; ALTER TABLE events DROP COLUMN user_id; \
                 DELETE FROM schema_migrations WHERE version = 9",
            )
            .await
            .unwrap();

        let store = PgStore::connect(&url, &PgOptions::default()).await.unwrap();
        let query = |user: UserId| EventQuery {
            org: ctx.org.id,
            after: None,
            limit: 100,
            zones: None,
            types: None,
            user: Some(user),
        };
        // Served once every older transaction of the server has ended.
        let mut of_a = Vec::new();
        for _ in 0..400 {
            of_a = store.events_after(&query(a.id)).await.unwrap().events;
            if of_a.len() >= 5 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let kinds: Vec<&str> = of_a.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "user.created",
                "role_assignment.created",
                "session.created",
                "grant.created",
                "session.revoked"
            ]
        );
        let of_b = store.events_after(&query(b.id)).await.unwrap().events;
        assert_eq!(of_b.len(), 1);
        assert_eq!(of_b[0].kind.as_str(), "user.created");
        let unowned = scalar(&url, "SELECT count(*) FROM events WHERE user_id IS NULL").await;
        assert_eq!(unowned, 2, "the zone's and the role's events belong to no user");
        store.close();
    })
    .await;
}
