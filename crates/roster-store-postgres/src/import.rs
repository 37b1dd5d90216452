//! The bulk path: many users of one zone in one transaction through
//! `COPY … FROM STDIN (FORMAT binary)`, which skips per-row parsing and
//! planning and is several times faster than multi-row `INSERT`s.

use std::collections::BTreeSet;

use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::Type;

use roster_domain::User;
use roster_store::{StoreError, StoreResult};

use crate::db::Conn;
use crate::error::from_pg;
use crate::users::{UserRow, ZoneKey, map_write_error, user_row_columns};

const COPY_USERS: &str =
    concat!("COPY users (", user_row_columns!(), ") FROM STDIN (FORMAT binary)");

const COLUMN_TYPES: [Type; 21] = [
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
];

pub async fn import_users(client: &mut Conn, zone: &ZoneKey, users: &[User]) -> StoreResult<u64> {
    let tx = client.transaction().await?;
    // A chunk of tens of thousands of users maintains the trigram and jsonb
    // GIN indexes for every row: far longer than the request-path deadline,
    // which exists to stop one client's query, not a bulk load.
    tx.batch_execute("SET LOCAL statement_timeout = '10min'").await.map_err(from_pg)?;
    // Every provider named must exist, and stay until the users commit
    // (as `create_user` holds it).
    let providers: BTreeSet<&str> = users.iter().filter_map(|u| u.provider_id.as_deref()).collect();
    for provider in providers {
        if !crate::access::lock_provider(&tx, zone.seq, provider).await? {
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
    crate::users::bump_counts(&tx, zone.seq, roster_store::status_counts(users)).await?;
    tx.commit().await?;
    Ok(inserted)
}
