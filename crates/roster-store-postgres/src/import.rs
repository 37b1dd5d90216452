//! The bulk path: many users of one zone in one transaction through
//! `COPY … FROM STDIN (FORMAT binary)`, which skips per-row parsing and
//! planning and is several times faster than multi-row `INSERT`s.

use std::collections::BTreeSet;

use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use roster_domain::User;
use roster_domain::events::{EventStamp, EventType};
use roster_store::{StoreError, StoreResult, ZoneKey, ZoneScope};

use crate::access::providers::lock_provider;
use crate::db::{self, Conn};
use crate::error::from_pg;
use crate::events::{EVENT_COLUMNS, EventParams};
use crate::row::get;
use crate::users::{UserRow, map_write_error, user_row_columns};

const COPY_USERS: &str =
    concat!("COPY users (", user_row_columns!(), ") FROM STDIN (FORMAT binary)");

const COLUMN_TYPES: [Type; 22] = [
    Type::UUID,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::BOOL,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::JSON,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::TIMESTAMPTZ,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
    Type::TEXT,
];

const EVENT_TYPES: [Type; 10] = [
    Type::UUID,
    Type::UUID,
    Type::UUID,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
];

pub async fn import_users(
    client: &mut Conn,
    zone: &ZoneKey,
    users: &[User],
    stamp: &EventStamp,
    scope: &ZoneScope,
) -> StoreResult<u64> {
    let tx = client.transaction().await?;
    // A chunk of tens of thousands of users maintains the trigram and jsonb
    // GIN indexes for every row: far longer than the request-path deadline,
    // which exists to stop one client's query, not a bulk load.
    tx.batch_execute("SET LOCAL statement_timeout = '10min'").await.map_err(from_pg)?;
    // Every provider named must exist, and stay until the users commit
    // (as `create_user` holds it).
    let providers: BTreeSet<&str> = users.iter().filter_map(|u| u.provider_id.as_deref()).collect();
    for provider in providers {
        if !lock_provider(&tx, zone.seq, provider).await? {
            return Err(StoreError::MissingReference { field: "provider_id" });
        }
    }
    let sink = tx.copy_in(COPY_USERS).await?;
    let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &COLUMN_TYPES));
    for user in users {
        let row = UserRow::new(zone, user);
        writer.as_mut().write(&row.params()).await.map_err(map_write_error)?;
    }
    let inserted = writer.finish().await.map_err(map_write_error)?;
    // Each user's `user.created`, in the same transaction and the same way.
    let sink =
        tx.copy_in(&format!("COPY events ({EVENT_COLUMNS}) FROM STDIN (FORMAT binary)")).await?;
    let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &EVENT_TYPES));
    for user in users {
        let event = stamp.follow_up().event(EventType::UserCreated, scope, user.clone());
        let params = EventParams::new(&event)?;
        writer.as_mut().write(&params.params()).await.map_err(from_pg)?;
    }
    writer.finish().await.map_err(from_pg)?;
    crate::users::bump_counts(&tx, zone.seq, roster_store::status_counts(users)).await?;
    tx.commit().await?;
    // The users are in: upkeep failing from here on (a role that does not
    // own the indexes, a timeout, a lost connection) must not report
    // committed users as not imported, or a retry would collide with them.
    if let Err(e) = merge_pending_index_entries(client).await {
        tracing::warn!(error = %e, "imported users committed; merging GIN pending lists failed");
    }
    if let Err(e) = refresh_statistics(client).await {
        tracing::warn!(error = %e, "imported users committed; refreshing statistics failed");
    }
    Ok(inserted)
}

/// Merges what the import left in the GIN indexes' pending lists into the
/// indexes, on the import's own time. With `fastupdate` (on by default)
/// COPY only appends to those lists, and the next writer to find a list
/// over its limit merged all of it inside its own request: at ten million
/// users one create waited past its 10 s deadline and answered 503
/// (BENCHMARKS.md). Turning `fastupdate` off instead made every write
/// slower (measured there).
async fn merge_pending_index_entries(client: &mut Conn) -> StoreResult<()> {
    let tx = client.transaction().await?;
    tx.batch_execute(
        "SET LOCAL statement_timeout = '10min'; \
         SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam \
         WHERE i.indrelid = 'users'::regclass AND a.amname = 'gin'",
    )
    .await
    .map_err(from_pg)?;
    tx.commit().await?;
    Ok(())
}

/// Analyzes `users` when it holds more than a fifth more rows than the
/// planner's statistics know of. After a bulk load, autovacuum may be off or
/// far behind, and a planner still holding an empty table's statistics
/// took the status index for selective and read 7 M users through it
/// (BENCHMARKS.md). Growth by a fifth each time keeps the analyses few: a
/// few dozen over a load from zero to ten million, each a sample of 30 000
/// rows.
async fn refresh_statistics(client: &mut Conn) -> StoreResult<()> {
    let row = db::query_one(
        client,
        "SELECT c.reltuples::float8, (SELECT coalesce(sum(n), 0) FROM user_counts)::float8 \
         FROM pg_class c WHERE c.oid = 'users'::regclass",
        &[],
    )
    .await?;
    let (known, held): (f64, f64) = (get(&row, 0)?, get(&row, 1)?);
    // `reltuples` is -1 before the first analysis.
    if known >= 0.0 && held <= known * 1.2 {
        return Ok(());
    }
    let tx = client.transaction().await?;
    tx.batch_execute("SET LOCAL statement_timeout = '10min'; ANALYZE users")
        .await
        .map_err(from_pg)?;
    tx.commit().await?;
    Ok(())
}
