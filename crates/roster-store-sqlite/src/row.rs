//! Reading stored values back into domain values.

use roster_domain::Timestamp;

/// A 16-byte id column.
pub fn id16(v: Vec<u8>) -> rusqlite::Result<[u8; 16]> {
    v.try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Blob,
            "expected 16 bytes".into(),
        )
    })
}

/// A microseconds column.
pub fn ts(v: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_micros(v).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            "timestamp out of range".into(),
        )
    })
}

pub fn opt_ts(v: Option<i64>) -> rusqlite::Result<Option<Timestamp>> {
    v.map(ts).transpose()
}
