//! Stored responses for `Idempotency-Key` replays.

use rusqlite::{Connection, OptionalExtension};

use roster_domain::{ApiKeyId, Timestamp};
use roster_store::{IdempotencyRecord, StoreError, StoreResult};

use crate::db;
use crate::error::from_sqlite;

pub fn insert(conn: &Connection, r: &IdempotencyRecord) -> StoreResult<()> {
    db::execute(
        conn,
        "INSERT INTO idempotency (api_key_id, key, request_hash, status, body, location, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (api_key_id, key) DO NOTHING",
        rusqlite::params![
            r.api_key_id.to_bytes().as_slice(),
            r.key,
            r.request_hash.as_slice(),
            r.status,
            r.body,
            r.location,
            r.created_at.as_micros(),
        ],
    )
    .map_err(from_sqlite)?;
    Ok(())
}

pub fn get(
    conn: &Connection,
    api_key: &ApiKeyId,
    key: &str,
    not_before: Timestamp,
) -> StoreResult<Option<IdempotencyRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT request_hash, status, body, location, created_at FROM idempotency \
             WHERE api_key_id = ?1 AND key = ?2 AND created_at >= ?3",
        )
        .map_err(from_sqlite)?;
    let row = stmt
        .query_row((api_key.to_bytes().as_slice(), key, not_before.as_micros()), |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, u16>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()
        .map_err(from_sqlite)?;
    let Some((hash, status, body, location, created_at)) = row else {
        return Ok(None);
    };
    let request_hash: [u8; 32] =
        hash.try_into().map_err(|_| StoreError::Internal("bad request hash".into()))?;
    Ok(Some(IdempotencyRecord {
        api_key_id: *api_key,
        key: key.to_owned(),
        request_hash,
        status,
        body,
        location,
        created_at: Timestamp::from_micros(created_at)
            .ok_or_else(|| StoreError::Internal("bad timestamp".into()))?,
    }))
}

pub fn purge(conn: &Connection, before: Timestamp) -> StoreResult<u64> {
    db::execute(conn, "DELETE FROM idempotency WHERE created_at < ?1", [before.as_micros()])
        .map_err(from_sqlite)
}
