//! Wire forms of the two column types the domain has no PostgreSQL mapping
//! for: 16-byte ids as `uuid`, and microsecond timestamps as `timestamptz`.
//!
//! Both are encoded by hand (a few lines each) instead of going through the
//! `uuid` and `time` crates: the binary formats are exactly the values we
//! hold, so nothing is converted and nothing can round.

use std::error::Error;

use bytes::{BufMut, BytesMut};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use roster_domain::Timestamp;

type BoxError = Box<dyn Error + Sync + Send>;

/// A ULID's 16 big-endian bytes as a PostgreSQL `uuid` (which compares them
/// bytewise, so ids keep their creation order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgId(pub [u8; 16]);

impl ToSql for PgId {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.put_slice(&self.0);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgId {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let bytes: [u8; 16] =
            raw.try_into().map_err(|_| format!("a uuid must be 16 bytes, got {}", raw.len()))?;
        Ok(PgId(bytes))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID
    }
}

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 UTC).
const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;

/// A timestamp as `timestamptz`, whose binary form is an i64 count of
/// microseconds since 2000-01-01 UTC: the domain's value, shifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgTime(pub Timestamp);

impl ToSql for PgTime {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.put_i64(self.0.as_micros() - PG_EPOCH_OFFSET_MICROS);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgTime {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let bytes: [u8; 8] = raw
            .try_into()
            .map_err(|_| format!("a timestamptz must be 8 bytes, got {}", raw.len()))?;
        let pg = i64::from_be_bytes(bytes);
        // `infinity` and anything outside years 1-9999 is not a domain value.
        pg.checked_add(PG_EPOCH_OFFSET_MICROS)
            .and_then(Timestamp::from_micros)
            .map(PgTime)
            .ok_or_else(|| "timestamp outside the supported range".into())
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TIMESTAMPTZ
    }
}

pub fn id(bytes: [u8; 16]) -> PgId {
    PgId(bytes)
}

pub fn time(t: Timestamp) -> PgTime {
    PgTime(t)
}

pub fn opt_time(t: Option<Timestamp>) -> Option<PgTime> {
    t.map(PgTime)
}
