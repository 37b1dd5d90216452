//! The feed under concurrency only PostgreSQL has: transactions that take
//! their ids in one order and commit in another.

use roster_store::EventQuery;
use roster_store_suite::ctx::stamp;

use crate::support::{raw, with_store};

fn everything(ctx: &roster_store_suite::ctx::Ctx) -> EventQuery {
    EventQuery { org: ctx.org.id, after: None, limit: 100, zones: None, types: None, user: None }
}

/// A transaction that began writing first but commits last holds the feed
/// back until it ends; then its event comes first. A reader that paged on
/// meanwhile misses nothing: no event is ever served after one that
/// follows it.
#[tokio::test]
async fn an_event_committed_out_of_order_is_never_skipped() {
    with_store(|ctx, url| async move {
        let scope = ctx.scope();
        // The feed serves an event once every older transaction of the
        // server has ended (other tests' databases included): wait for it.
        let mut start = ctx.store.events_after(&everything(&ctx)).await.unwrap();
        for _ in 0..400 {
            if !start.events.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            start = ctx.store.events_after(&everything(&ctx)).await.unwrap();
        }
        assert_eq!(start.events.len(), 1, "the bootstrap's zone.created");
        let from = EventQuery { after: start.next, ..everything(&ctx) };

        // The slow writer takes its transaction id, then writes a user (and
        // its event) through a second node, inside a transaction it keeps
        // open: here, a raw transaction doing what a write does.
        let mut slow = raw(&url).await;
        let tx = slow.transaction().await.unwrap();
        tx.execute("SELECT pg_current_xact_id()", &[]).await.unwrap();
        tx.execute(
            "INSERT INTO events (id, org_id, zone_id, type, occurred_at, actor_type, actor_id, \
             object, changed_fields) SELECT gen_random_uuid(), org_id, zone_id, type, \
             occurred_at, actor_type, actor_id, object, changed_fields FROM events LIMIT 1",
            &[],
        )
        .await
        .unwrap();

        // A fast writer starts later and commits first.
        ctx.store.create_user(&scope, &ctx.user("fast@example.com"), None, &stamp()).await.unwrap();
        let held = ctx.store.events_after(&from).await.unwrap();
        assert!(held.events.is_empty(), "served past a transaction still open: {held:?}");
        assert_eq!(held.next, from.after, "the cursor waits too");

        tx.commit().await.unwrap();
        let mut page = ctx.store.events_after(&from).await.unwrap();
        for _ in 0..400 {
            if page.events.len() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            page = ctx.store.events_after(&from).await.unwrap();
        }
        let kinds: Vec<&str> = page.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["zone.created", "user.created"], "the slow one first, then the fast");
        let again = ctx.store.events_after(&EventQuery { after: page.next, ..from }).await.unwrap();
        assert!(again.events.is_empty());
    })
    .await;
}
