//! What this store reports in `Store::stats`: its pool as it is, and how
//! long reads waited for a connection.

use std::time::Duration;

use roster_domain::ZoneRef;
use roster_store::PoolStats;
use roster_store_postgres::PgOptions;

use crate::support::{raw, with_store_options};

/// Polls the store until `holds` says yes, for up to five seconds.
async fn eventually(
    ctx: &roster_store_suite::Ctx,
    holds: impl Fn(&PoolStats) -> bool,
) -> PoolStats {
    for _ in 0..1000 {
        let pool = ctx.store.stats().pool;
        if holds(&pool) {
            return pool;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the pool never got there: {:?}", ctx.store.stats().pool);
}

#[tokio::test]
async fn a_read_waiting_for_the_only_connection_is_a_waiter_and_its_wait_is_recorded() {
    let options = PgOptions { pool_size: 1, ..PgOptions::default() };
    with_store_options(options, |ctx, url| async move {
        let before = ctx.store.stats();
        assert_eq!(before.pool, PoolStats { idle: 1, in_use: 0, max: 1, waiting: 0 });
        assert!(before.writer.is_none());

        // Another session locks the zones, so a read of a zone holds the
        // pool's only connection until that session commits.
        let mut locker = raw(&url).await;
        let lock = locker.transaction().await.unwrap();
        lock.batch_execute("LOCK TABLE zones IN ACCESS EXCLUSIVE MODE").await.unwrap();
        let holder = tokio::spawn({
            let (store, org, zone) = (ctx.store.clone(), ctx.org.id, ctx.zone.id);
            async move { store.get_zone(&org, &ZoneRef::Id(zone)).await }
        });
        eventually(&ctx, |p| p.in_use == 1).await;
        let waiter = tokio::spawn({
            let store = ctx.store.clone();
            async move { store.ping().await }
        });
        let held = eventually(&ctx, |p| p.waiting == 1).await;
        assert_eq!(held, PoolStats { idle: 0, in_use: 1, max: 1, waiting: 1 });
        tokio::time::sleep(Duration::from_millis(100)).await;
        lock.commit().await.unwrap();
        holder.await.unwrap().unwrap();
        waiter.await.unwrap().unwrap();

        let after = ctx.store.stats();
        assert_eq!(after.pool, PoolStats { idle: 1, in_use: 0, max: 1, waiting: 0 });
        let (wait, was) = (&after.read_wait, &before.read_wait);
        // The holder found the connection free; the waiter waited out the
        // 100 ms the lock was held.
        assert_eq!(wait.count - was.count, 2, "{wait:?}");
        let quick = |h: &roster_store::HistogramSnapshot| h.at_most(0.05).unwrap_or(0);
        assert_eq!(quick(wait) - quick(was), 1, "{wait:?}");
        assert!(wait.sum - was.sum >= 0.1, "{wait:?}");
    })
    .await;
}
