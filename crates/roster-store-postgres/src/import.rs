//! The bulk path: many users of one zone in one transaction through
//! `COPY … FROM STDIN (FORMAT binary)`, which skips per-row parsing and
//! planning and is several times faster than multi-row `INSERT`s.

use std::collections::BTreeSet;

use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{Json, ToSql, Type};

use roster_domain::{User, UserStatus};
use roster_store::{StoreError, StoreResult};

use crate::db::Conn;
use crate::error::from_pg;
use crate::types::{id, opt_time, time};
use crate::users::{ZoneKey, map_write_error};

const COPY_USERS: &str = "COPY users (id, zone, identifier, email, email_verified, first_name, \
     last_name, name, description, user_type, status, attributes, issuer, provider_id, subject, \
     authenticated_at, created_at, updated_at, created_by, updated_by, version) \
     FROM STDIN (FORMAT binary)";

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
        let attributes = Json(&user.attributes);
        let uid = id(user.id.to_bytes());
        let authenticated_at = opt_time(user.authenticated_at);
        let (created_at, updated_at) = (time(user.created_at), time(user.updated_at));
        let (user_type, status) = (user.user_type.as_str(), user.status.as_str());
        let row: [&(dyn ToSql + Sync); 21] = [
            &uid,
            &zone.seq,
            &user.identifier,
            &user.email,
            &user.email_verified,
            &user.first_name,
            &user.last_name,
            &user.name,
            &user.description,
            &user_type,
            &status,
            &attributes,
            &user.issuer,
            &user.provider_id,
            &user.subject,
            &authenticated_at,
            &created_at,
            &updated_at,
            &user.created_by,
            &user.updated_by,
            &user.version,
        ];
        writer.as_mut().write(&row).await.map_err(map_write_error)?;
    }
    let inserted = writer.finish().await.map_err(map_write_error)?;
    let mut deltas: Vec<(UserStatus, i64)> = Vec::new();
    for user in users {
        match deltas.iter_mut().find(|(s, _)| *s == user.status) {
            Some((_, n)) => *n += 1,
            None => deltas.push((user.status, 1)),
        }
    }
    crate::users::bump_counts(&tx, zone.seq, deltas).await?;
    tx.commit().await?;
    Ok(inserted)
}
