//! Timestamps: microseconds since the Unix epoch, printed as RFC 3339 UTC.
//!
//! Microseconds are what both SQLite (as an integer) and PostgreSQL
//! (`timestamptz`) hold exactly, so a value read back compares equal to the
//! value written, and cursors built from it stay exact.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timestamp(i64);

/// Earliest and latest instants accepted: years 0001 to 9999, which RFC 3339
/// can print and both backends can store.
const MIN_MICROS: i64 = -62_135_596_800_000_000;
const MAX_MICROS: i64 = 253_402_300_799_999_999;

impl Timestamp {
    pub fn from_micros(micros: i64) -> Option<Self> {
        (MIN_MICROS..=MAX_MICROS).contains(&micros).then_some(Self(micros))
    }

    pub fn as_micros(self) -> i64 {
        self.0
    }

    pub fn as_millis(self) -> u64 {
        u64::try_from(self.0.div_euclid(1000)).unwrap_or(0)
    }

    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self(self.0.saturating_add(seconds.saturating_mul(1_000_000)).clamp(MIN_MICROS, MAX_MICROS))
    }

    /// Parses any RFC 3339 date-time (any offset); sub-microsecond digits are
    /// dropped.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let dt = OffsetDateTime::parse(s, &Rfc3339).ok()?;
        let nanos = dt.unix_timestamp_nanos();
        let micros = i64::try_from(nanos.div_euclid(1000)).ok()?;
        Self::from_micros(micros)
    }

    pub fn now() -> Self {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Self(i64::try_from(nanos / 1000).unwrap_or(MAX_MICROS))
    }

    fn to_datetime(self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000)
            .ok()
            .map(|dt| dt.to_offset(UtcOffset::UTC))
    }
}

impl fmt::Display for Timestamp {
    /// `2024-01-15T09:30:00Z`, or with six fractional digits when the instant
    /// is not a whole second.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(dt) = self.to_datetime() else {
            return Err(fmt::Error);
        };
        let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
        let (h, mi, s) = (dt.hour(), dt.minute(), dt.second());
        let micros = dt.microsecond();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        f.write_str("Z")
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 date-time"))
    }
}

/// Where "now" comes from: injected so tests can pin it.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_utc_with_z_and_parse_any_offset() {
        let t = Timestamp::parse_rfc3339("2024-01-15T10:30:00+01:00").unwrap();
        assert_eq!(t.to_string(), "2024-01-15T09:30:00Z");
        let frac = Timestamp::parse_rfc3339("2024-01-15T09:30:00.123456789Z").unwrap();
        assert_eq!(frac.to_string(), "2024-01-15T09:30:00.123456Z");
        assert_eq!(Timestamp::parse_rfc3339(&frac.to_string()), Some(frac));
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in ["", "2024-01-15", "2024-13-01T00:00:00Z", "yesterday", "2024-01-15T09:30:00"] {
            assert!(Timestamp::parse_rfc3339(bad).is_none(), "{bad}");
        }
    }
}
