//! Stored responses for `Idempotency-Key` replays.

use crate::db::Exec;

use roster_domain::{ApiKeyId, Timestamp};
use roster_store::{IdempotencyRecord, StoreError, StoreResult};

use crate::db;
use crate::row::get;
use crate::types::{PgTime, id, time};

pub const INSERT: &str = "INSERT INTO idempotency (api_key_id, key, request_hash, status, body, \
     location, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (api_key_id, key) DO NOTHING";

pub async fn insert<C: Exec>(c: &C, r: &IdempotencyRecord) -> StoreResult<()> {
    db::execute(
        c,
        INSERT,
        &[
            &id(r.api_key_id.to_bytes()),
            &r.key,
            &r.request_hash.as_slice(),
            &i32::from(r.status),
            &r.body,
            &r.location,
            &time(r.created_at),
        ],
    )
    .await?;
    Ok(())
}

pub async fn get_record<C: Exec>(
    c: &C,
    api_key: &ApiKeyId,
    key: &str,
    not_before: Timestamp,
) -> StoreResult<Option<IdempotencyRecord>> {
    let row = db::query_opt(
        c,
        "SELECT request_hash, status, body, location, created_at FROM idempotency \
         WHERE api_key_id = $1 AND key = $2 AND created_at >= $3",
        &[&id(api_key.to_bytes()), &key, &time(not_before)],
    )
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let hash: Vec<u8> = get(&row, 0)?;
    let request_hash: [u8; 32] =
        hash.try_into().map_err(|_| StoreError::Internal("bad request hash".into()))?;
    let status: i32 = get(&row, 1)?;
    Ok(Some(IdempotencyRecord {
        api_key_id: *api_key,
        key: key.to_owned(),
        request_hash,
        status: u16::try_from(status)
            .map_err(|_| StoreError::Internal("bad idempotency status".into()))?,
        body: get(&row, 2)?,
        location: get(&row, 3)?,
        created_at: get::<PgTime>(&row, 4)?.0,
    }))
}

pub async fn purge<C: Exec>(c: &C, before: Timestamp) -> StoreResult<u64> {
    db::execute(c, "DELETE FROM idempotency WHERE created_at < $1", &[&time(before)]).await
}
