//! Timestamps: microseconds since the Unix epoch, printed as RFC 3339 UTC.
//!
//! Microseconds are what both SQLite (as an integer) and PostgreSQL
//! (`timestamptz`) hold exactly, so a value read back compares equal to the
//! value written, and cursors built from it stay exact.

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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

    /// The RFC 3339 text, built on the stack. Lists print three of these
    /// per user; going through `time` and `core::fmt` cost a tenth of a
    /// list page's CPU, this costs a few divisions.
    pub fn rfc3339(self) -> Rfc3339Text {
        let secs = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        let mut out = Rfc3339Text { bytes: *b"0000-00-00T00:00:00.000000Z", len: 20 };
        put_digits(&mut out.bytes[0..4], y);
        put_digits(&mut out.bytes[5..7], mo);
        put_digits(&mut out.bytes[8..10], d);
        put_digits(&mut out.bytes[11..13], sod / 3600);
        put_digits(&mut out.bytes[14..16], sod / 60 % 60);
        put_digits(&mut out.bytes[17..19], sod % 60);
        if micros == 0 {
            out.bytes[19] = b'Z';
        } else {
            put_digits(&mut out.bytes[20..26], micros);
            out.len = 27;
        }
        out
    }
}

/// `2024-01-15T09:30:00Z`, or `2024-01-15T09:30:00.123456Z`.
#[derive(Clone, Copy)]
pub struct Rfc3339Text {
    bytes: [u8; 27],
    len: usize,
}

impl Rfc3339Text {
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// Writes `n` (non-negative; years are 1..=9999 by construction) as
/// zero-padded decimal filling `out`.
fn put_digits(out: &mut [u8], mut n: i64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar: Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl fmt::Display for Timestamp {
    /// `2024-01-15T09:30:00Z`, or with six fractional digits when the instant
    /// is not a whole second.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rfc3339().as_str())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.rfc3339().as_str())
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

    /// The hand-written calendar agrees with the `time` crate's across the
    /// whole accepted range, leap days and century years included.
    #[test]
    fn printing_agrees_with_the_time_crate_from_year_1_to_9999() {
        use proptest::prelude::*;
        use proptest::test_runner::TestRunner;
        let edges = [MIN_MICROS, MAX_MICROS, 0, -1, 951_782_400_000_000, 4_107_542_400_000_000];
        let oracle = |t: Timestamp| {
            let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.0) * 1000).unwrap();
            let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
            let (h, mi, s, us) = (dt.hour(), dt.minute(), dt.second(), dt.microsecond());
            let frac = if us == 0 { String::new() } else { format!(".{us:06}") };
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z")
        };
        for m in edges {
            let t = Timestamp::from_micros(m).unwrap();
            assert_eq!(t.to_string(), oracle(t));
        }
        let whole_seconds =
            (MIN_MICROS / 1_000_000..=MAX_MICROS / 1_000_000).prop_map(|s| s * 1_000_000);
        let any = prop_oneof![MIN_MICROS..=MAX_MICROS, whole_seconds];
        TestRunner::default()
            .run(&any, |m| {
                let t = Timestamp::from_micros(m).unwrap();
                prop_assert_eq!(t.to_string(), oracle(t));
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn malformed_dates_are_rejected() {
        for bad in ["", "2024-01-15", "2024-13-01T00:00:00Z", "yesterday", "2024-01-15T09:30:00"] {
            assert!(Timestamp::parse_rfc3339(bad).is_none(), "{bad}");
        }
    }
}
