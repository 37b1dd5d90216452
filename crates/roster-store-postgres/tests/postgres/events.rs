//! The feed under concurrency only PostgreSQL has: transactions that take
//! their ids in one order and commit in another; and the plans PostgreSQL
//! picks for it.

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

/// The plan of one of the feed's statements for these literal parameters,
/// as PostgreSQL would run it prepared: first with a plan for the values,
/// then with the generic plan a prepared statement moves to.
async fn plans(client: &tokio_postgres::Client, sql: &str, args: &str) -> [String; 2] {
    let mut out = [String::new(), String::new()];
    for (i, mode) in ["force_custom_plan", "force_generic_plan"].iter().enumerate() {
        let text = format!(
            "SET plan_cache_mode = {mode}; PREPARE feed AS {sql}; \
             EXPLAIN EXECUTE feed({args}); DEALLOCATE feed"
        );
        let lines: Vec<String> = client
            .simple_query(&text)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_owned),
                _ => None,
            })
            .collect();
        out[i] = lines.join("\n");
    }
    out
}

/// One user's activity costs what that user has: among thousands of other
/// users' events, both reads of a page under the user filter are index
/// scans of `events_user`, never a scan of the organization's events, with
/// a plan for the values and with the generic one alike.
#[tokio::test]
async fn a_user_filter_reads_through_the_users_index_not_the_feed() {
    with_store(|ctx, url| async move {
        let scope = ctx.scope();
        let a = ctx.new_user(&scope, "a@example.com").await;
        let others: Vec<_> = (0..6000).map(|i| ctx.user(&format!("bulk{i}@example.com"))).collect();
        ctx.store.import_users(&scope, others, &stamp()).await.unwrap();
        let client = raw(&url).await;
        client.batch_execute("ANALYZE events").await.unwrap();
        let org = format!("'{}'::uuid", uuid_text(ctx.org.id.to_bytes()));
        let zones = format!("ARRAY['{}'::uuid]", uuid_text(ctx.zone.id.to_bytes()));
        let user = format!("'{}'", a.id);
        let window = roster_store_postgres::feed_statements::window_sql(true);
        let window_args = format!("{org}, '0', 0, 5000, {user}, {zones}");
        let page = roster_store_postgres::feed_statements::page_sql(true);
        let page_args = format!(
            "{org}, '0', 0, '999999999999', 9223372036854775807, {zones}, \
             ARRAY['user.created'], 51, {user}"
        );
        let mut all = plans(&client, window, &window_args).await.to_vec();
        all.extend(plans(&client, page, &page_args).await);
        for plan in all {
            assert!(plan.contains("events_user on events"), "{plan}");
            assert!(!plan.contains("Seq Scan") && !plan.contains("events_org"), "{plan}");
        }
    })
    .await;
}

fn uuid_text(b: [u8; 16]) -> String {
    let hex: String = b.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}
