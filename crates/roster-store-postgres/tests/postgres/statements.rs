//! What this store counts as a statement: PostgreSQL's own SQL, one
//! transaction's BEGIN and COMMIT included. (SQLite counts its own way,
//! commits shared by a batch of writes, so these numbers are PostgreSQL's.)

use roster_store::StoreError;
use roster_store_suite::access_fixtures::{disable, grant, session};
use roster_store_suite::ctx::stamp;

use crate::support::with_store;

/// Every statement is counted, transaction control included.
#[tokio::test]
async fn statements_executed_counts_every_statement_sent() {
    with_store(|ctx, _url| async move {
        let scope = ctx.scope();
        let u = ctx.new_user(&scope, "a@example.com").await;
        let delta = |before: u64| ctx.store.statements_executed() - before;

        let before = ctx.store.statements_executed();
        ctx.store.get_user(&scope, &u.id).await.unwrap();
        assert_eq!(delta(before), 1);

        // BEGIN, the user's row, the session with its user, its event, COMMIT.
        let before = ctx.store.statements_executed();
        ctx.store.create_session(&scope, &session(&ctx, &u.id, 100, None), &stamp()).await.unwrap();
        assert_eq!(delta(before), 5);

        // BEGIN, the user's row, then the rollback of the refused grant.
        ctx.store.update_user(&scope, &u.id, disable(), &stamp()).await.unwrap();
        let before = ctx.store.statements_executed();
        let r = ctx.store.create_grant(&scope, &grant(&ctx, &u.id, None), &stamp()).await;
        assert_eq!(r, Err(StoreError::UserDisabled));
        assert_eq!(delta(before), 3);

        // A transaction dropped by an error still sends its ROLLBACK.
        let before = ctx.store.statements_executed();
        let r = ctx.store.create_session(&scope, &session(&ctx, &u.id, 100, None), &stamp()).await;
        assert_eq!(r, Err(StoreError::UserDisabled));
        assert_eq!(delta(before), 3);

        let before = ctx.store.statements_executed();
        ctx.store.ping().await.unwrap();
        assert_eq!(delta(before), 1);
    })
    .await;
}
