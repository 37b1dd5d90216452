//! Reading columns back into domain values.

use tokio_postgres::Row;
use tokio_postgres::types::FromSql;

use roster_domain::Timestamp;
use roster_store::StoreResult;

use crate::error::decode;
use crate::types::{PgId, PgTime};

pub fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> StoreResult<T> {
    row.try_get(i).map_err(|e| decode("a row", e))
}

pub fn ts(row: &Row, i: usize) -> StoreResult<Timestamp> {
    Ok(get::<PgTime>(row, i)?.0)
}

pub fn opt_ts(row: &Row, i: usize) -> StoreResult<Option<Timestamp>> {
    Ok(get::<Option<PgTime>>(row, i)?.map(|t| t.0))
}

pub fn id16(row: &Row, i: usize) -> StoreResult<[u8; 16]> {
    Ok(get::<PgId>(row, i)?.0)
}
