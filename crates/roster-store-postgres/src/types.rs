//! Wire forms of the column types the domain has no PostgreSQL mapping
//! for: 16-byte ids as `uuid`, microsecond timestamps as `timestamptz`, and
//! attributes' JSON text as `jsonb`.
//!
//! Each is encoded by hand (a few lines) instead of going through the
//! `uuid`, `time` and serde_json conversions: the binary formats are exactly
//! the values we hold, so nothing is converted and nothing can round.

use std::error::Error;

use bytes::{BufMut, BytesMut};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use roster_domain::{Attributes, Timestamp};

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

/// Attributes live in a `json` column (which keeps the client's member
/// order), whose binary form is the JSON text itself: they go in and come
/// out as text, never parsed on the way. `jsonb`'s form is the same text
/// after a version byte (1).
const JSONB_VERSION: u8 = 1;

pub struct PgAttributes<'a>(pub &'a Attributes);

impl ToSql for PgAttributes<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        if *ty == Type::JSONB {
            out.put_u8(JSONB_VERSION);
        }
        out.put_slice(self.0.as_json().as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSON || *ty == Type::JSONB
    }

    to_sql_checked!();
}

impl std::fmt::Debug for PgAttributes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Attributes read from the `json` column (or a `jsonb` expression).
pub struct StoredAttributes(pub Attributes);

impl<'a> FromSql<'a> for StoredAttributes {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let text = match raw.split_first() {
            _ if *ty == Type::JSON => raw,
            Some((&JSONB_VERSION, text)) => text,
            _ => return Err("unsupported jsonb version".into()),
        };
        Ok(StoredAttributes(Attributes::from_stored(std::str::from_utf8(text)?.to_owned())))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSON || *ty == Type::JSONB
    }
}
