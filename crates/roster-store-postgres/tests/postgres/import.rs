//! The bulk path here is COPY: what it leaves the planner and the indexes,
//! and who may run it. (What imported users answer is the store suite's.)

use roster_store::Store;
use roster_store_suite::ctx::stamp;

use crate::support::{Rng, random_users, raw, scalar, with_store};

/// The planner learns what an import added without waiting for autovacuum
/// (which may be off): the import analyzes the table when it grew by more
/// than a fifth since the statistics were taken, and not otherwise.
#[tokio::test]
async fn an_import_that_grows_the_table_by_a_fifth_refreshes_the_planners_statistics() {
    with_store(|ctx, url| async move {
        let scope = ctx.scope();
        let mut rng = Rng::new(79);
        let users = random_users(&ctx, &scope, &mut rng, 140);
        let client = raw(&url).await;
        let known = || async {
            let row = client
                .query_one(
                    "SELECT reltuples::float8 FROM pg_class WHERE oid = 'users'::regclass",
                    &[],
                )
                .await
                .unwrap();
            row.get::<_, f64>(0)
        };
        ctx.store.import_users(&scope, users[..100].to_vec(), &stamp()).await.unwrap();
        assert_eq!(known().await, 100.0, "the first import into an unanalyzed table");
        // 105 rows: 5 % more than the planner knows of, no analysis.
        ctx.store.import_users(&scope, users[100..105].to_vec(), &stamp()).await.unwrap();
        assert_eq!(known().await, 100.0, "a small import keeps the statistics");
        // 110 rows is still within a fifth; 30 more is not.
        ctx.store.import_users(&scope, users[105..110].to_vec(), &stamp()).await.unwrap();
        assert_eq!(known().await, 100.0);
        ctx.store.import_users(&scope, users[110..].to_vec(), &stamp()).await.unwrap();
        assert_eq!(known().await, 140.0, "growth past a fifth analyzes again");
    })
    .await;
}

/// A bulk import leaves nothing in the GIN indexes' pending lists: the
/// next ordinary write must not inherit the merge of a whole import.
#[tokio::test]
async fn an_import_leaves_no_pending_index_entries_for_the_next_writer() {
    with_store(|ctx, url| async move {
        let scope = ctx.scope();
        let mut rng = Rng::new(83);
        let users = random_users(&ctx, &scope, &mut rng, 200);
        ctx.store.import_users(&scope, users, &stamp()).await.unwrap();
        let client = raw(&url).await;
        let left = client
            .query(
                "SELECT c.relname::text, gin_clean_pending_list(i.indexrelid) FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam \
                 WHERE i.indrelid = 'users'::regclass AND a.amname = 'gin' ORDER BY 1",
                &[],
            )
            .await
            .unwrap();
        let left: Vec<(String, i64)> = left.iter().map(|r| (r.get(0), r.get(1))).collect();
        assert_eq!(
            left,
            [("users_attributes".to_owned(), 0), ("users_zone_search".to_owned(), 0)],
            "pages left pending in each GIN index"
        );
    })
    .await;
}

/// Upkeep after the commit is best effort: a role that may write users but
/// does not own their indexes (so it may not merge GIN pending lists)
/// still imports, and the import answers the users it committed.
#[tokio::test]
async fn an_import_by_a_role_that_does_not_own_the_indexes_answers_the_users_it_committed() {
    with_store(|ctx, url| async move {
        let admin = raw(&url).await;
        let role = format!("roster_dml_{:08x}", rand::random::<u32>());
        admin
            .batch_execute(&format!(
                "CREATE ROLE {role} LOGIN; \
                 GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}; \
                 GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}; \
                 GRANT CREATE ON SCHEMA public TO {role};"
            ))
            .await
            .unwrap();
        let role_url = url.replacen("postgres@", &format!("{role}@"), 1);
        assert_ne!(role_url, url, "the test URL names the postgres role");
        let outcome = async {
            let store =
                roster_store_postgres::PgStore::connect(&role_url, &Default::default()).await?;
            let scope = ctx.scope();
            let users = random_users(&ctx, &scope, &mut Rng::new(89), 50);
            store.import_users(&scope, users, &stamp()).await
        }
        .await;
        let held = scalar(&url, "SELECT count(*) FROM users").await;
        admin.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role};")).await.unwrap();
        assert_eq!(outcome.unwrap(), 50);
        assert_eq!(held, 50);
    })
    .await;
}
