//! How list queries behave on a large zone. Ignored by default (it loads a
//! million users, a few minutes): run it with
//! `ROSTER_TEST_POSTGRES_URL=… cargo test -p roster-store-postgres --release -- --ignored scale --nocapture`
//! (`ROSTER_SCALE_USERS` changes the size).

use std::time::Instant;

use roster_domain::text::fold;
use roster_domain::{Direction, Sort, SortField, SortKey, UserQuery, Window};
use roster_store::Store;
use tokio_postgres::NoTls;

use crate::listing::all_query;
use crate::support::with_store;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "loads a million users; run by hand"]
async fn scale_list_and_search_timings() {
    with_store(|ctx| async move {
        let n: i64 = std::env::var("ROSTER_SCALE_USERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let (client, conn) = tokio_postgres::connect(&ctx.url, NoTls).await.unwrap();
        tokio::spawn(conn);
        let started = Instant::now();
        // Ids are made of the row number so they stay in creation order.
        client
            .batch_execute(&format!(
                "SET statement_timeout = 0;
                 INSERT INTO users (id, zone, identifier, email, email_verified, first_name,
                     last_name, name, description, user_type, status, attributes, created_at,
                     updated_at, created_by, updated_by, version)
                 SELECT ('018b' || lpad(to_hex(i), 28, '0'))::uuid, z.seq, 'ident-' || i,
                     'User' || i || '@Example.com', false, 'First' || (i % 1000),
                     'Last' || (i % 777), 'Name ' || md5(i::text),
                     CASE WHEN i % 3 = 0 THEN 'notes ' || md5((i * 7)::text) END,
                     'saas_user', CASE WHEN i % 10 = 0 THEN 'disabled' ELSE 'active' END,
                     json_build_object('n', i % 100, 'tier',
                         CASE WHEN i % 1000 = 0 THEN 'gold' ELSE 'basic' END),
                     timestamptz '2024-01-01' + i * interval '1 second',
                     timestamptz '2024-06-01', 'key_a', 'key_a', 1
                 FROM generate_series(1, {n}) AS i, zones z WHERE z.identifier = 'default';
                 INSERT INTO user_counts (zone, status, shard, n)
                 SELECT zone, status, 0, count(*) FROM users GROUP BY zone, status;
                 ANALYZE;"
            ))
            .await
            .unwrap();
        eprintln!("loaded {n} users in {:?}", started.elapsed());

        let scope = ctx.scope();
        let search = |terms: &[&str], ranked: bool| UserQuery {
            search: terms.iter().map(|t| fold(t)).collect(),
            ranked,
            ..all_query(50)
        };
        let by_name = UserQuery {
            sort: Sort {
                keys: vec![SortKey { field: SortField::Name, direction: Direction::Desc }],
            },
            ..all_query(50)
        };
        let mut gold = all_query(50);
        gold.filter.attributes.push(roster_domain::AttributeFilter {
            key: "tier".into(),
            value: serde_json::json!("gold"),
        });
        let cases: Vec<(&str, UserQuery)> = vec![
            ("first page, created_at", all_query(50)),
            ("first page, name desc", by_name.clone()),
            ("attribute tier=gold (0.1%)", gold),
            ("search rare 'user123456@'", search(&["user123456@"], true)),
            ("search rare, unranked", search(&["user123456@"], false)),
            ("search common 'example' ranked", search(&["example"], true)),
            ("search common 'example' unranked", search(&["example"], false)),
            ("search 2 chars 'zz' ranked", search(&["zz"], true)),
            ("search 2 chars 'zz' unranked", search(&["zz"], false)),
        ];
        for (label, q) in cases {
            for round in 0..2 {
                let t = Instant::now();
                let page = ctx.store.list_users(&scope, &q).await.unwrap();
                if round == 1 {
                    eprintln!(
                        "{label:40} {:>9.1} ms  {} users, total {}",
                        t.elapsed().as_secs_f64() * 1000.0,
                        page.users.len(),
                        page.total
                    );
                }
                // Deep keyset page: after the last user of this page.
                if round == 1
                    && let Some(last) = page.users.last()
                {
                    let q2 = UserQuery {
                        window: Window::After { position: Some(q.position_of(last)), limit: 50 },
                        ..q.clone()
                    };
                    let t = Instant::now();
                    ctx.store.list_users(&scope, &q2).await.unwrap();
                    eprintln!(
                        "{:40} {:>9.1} ms",
                        "  next page",
                        t.elapsed().as_secs_f64() * 1000.0
                    );
                }
            }
        }
    })
    .await;
}
